"""The fake OpenAI-compatible upstream (tests/fake_openai.py) in a process of
its own, pinned to the load core so that it never shares a GIL with the load
generator. The parent changes its behaviour through stdin, one JSON line per
change."""

import json
import subprocess
import sys

from tests.bench.system import LOAD_CORE, pinned
from tests.fake_openai import FakeOpenAI

# Word-sized tokens, as the fake splits them: every answer of the benchmark
# is this many chunks.
REPLY_TOKENS = 20


def reply(tokens: int = REPLY_TOKENS) -> str:
    return " ".join(["token"] * tokens)


class Upstream:
    """``with Upstream() as upstream: upstream.base_url``"""

    model = FakeOpenAI.model

    def __init__(self, core: int = LOAD_CORE) -> None:
        self.core = core
        self.process: subprocess.Popen | None = None
        self.port = 0

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/v1"

    def __enter__(self) -> "Upstream":
        self.process = subprocess.Popen(
            pinned(self.core, [sys.executable, "-m", "tests.bench.upstream"]),
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )
        self.port = json.loads(self.process.stdout.readline())["port"]
        return self

    def behave(self, **behaviour) -> None:
        """Replace the fake's `Behaviour` (fields of tests.fake_openai.Behaviour)."""
        self.process.stdin.write(json.dumps(behaviour) + "\n")
        self.process.stdin.flush()
        assert self.process.stdout.readline().strip() == "ok"

    def __exit__(self, *exc_info) -> None:
        self.process.stdin.close()
        self.process.wait(10)


def main() -> None:
    server = FakeOpenAI().start()
    print(json.dumps({"port": server.port}), flush=True)
    for line in sys.stdin:
        server.reset(**json.loads(line))
        print("ok", flush=True)
    server.stop()


if __name__ == "__main__":
    main()
