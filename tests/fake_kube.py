"""A Kubernetes API on 127.0.0.1 that answers SelfSubjectAccessReviews, for
the admin's access check (apps/backend/chat/kube.py).

``FakeKube({"token-a": True, "token-b": False}).start()`` allows the holder
of token-a and refuses the holder of token-b; an unknown token gets 401, as
from a real API server. Every review is recorded. `Unanswering` is a server
that accepts connections and never answers.

Run alone for a local signed-in setup:
``python -m tests.fake_kube --port 8443 --allow TOKEN [--deny TOKEN]``.
"""

import argparse
import json
import socket
import threading
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

REVIEWS = "/apis/authorization.k8s.io/v1/selfsubjectaccessreviews"


@dataclass
class Review:
    token: str
    body: dict


class FakeKube:
    def __init__(self, tokens: dict[str, bool] | None = None, port: int = 0) -> None:
        self.tokens = dict(tokens or {})
        self.reviews: list[Review] = []
        self.server = ThreadingHTTPServer(("127.0.0.1", port), self._handler())
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self._thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def start(self) -> "FakeKube":
        self._thread.start()
        return self

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()
        self._thread.join(10)

    def _handler(self):
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def _json(self, status: int, body: dict) -> None:
                data = json.dumps(body).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def do_POST(self):
                length = int(self.headers.get("Content-Length") or 0)
                body = json.loads(self.rfile.read(length) or b"{}")
                token = self.headers.get("Authorization", "").removeprefix("Bearer ")
                fake.reviews.append(Review(token=token, body=body))
                if self.path != REVIEWS:
                    return self._json(404, {"kind": "Status", "code": 404})
                if token not in fake.tokens:
                    return self._json(
                        401,
                        {"kind": "Status", "reason": "Unauthorized", "code": 401},
                    )
                return self._json(
                    201, {**body, "status": {"allowed": fake.tokens[token]}}
                )

        return Handler


class Unanswering:
    """A listening socket on 127.0.0.1 that never answers: connections wait
    in its backlog until the client gives up."""

    def __init__(self) -> None:
        self.socket = socket.socket()
        self.socket.bind(("127.0.0.1", 0))
        self.socket.listen(16)
        self.url = f"http://127.0.0.1:{self.socket.getsockname()[1]}"

    def close(self) -> None:
        self.socket.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--allow", action="append", default=[], metavar="TOKEN")
    parser.add_argument("--deny", action="append", default=[], metavar="TOKEN")
    args = parser.parse_args()
    tokens = {token: False for token in args.deny} | {t: True for t in args.allow}
    kube = FakeKube(tokens, port=args.port)
    print(f"fake Kubernetes API on {kube.url}", flush=True)
    kube.server.serve_forever()


if __name__ == "__main__":
    main()
