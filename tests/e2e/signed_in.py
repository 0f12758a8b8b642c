"""The cluster's signed-in topology on 127.0.0.1, for the e2e suite and for
`tox -e dev-signed-in` (``python -m tests.e2e.signed_in``):

    browser -> fake oauth-proxy -> the project's nginx (CHAT_AUTH=oauth-proxy)
            -> the backend (CHAT_PROXY_SECRET, CHAT_REQUIRE_USER)
               -> a fake Kubernetes API for the admin's access check

The test users: alice passes the admin's access check, bob may only chat.
"""

import argparse
import contextlib
import secrets
import signal
from dataclasses import dataclass
from pathlib import Path

from tests.e2e.fake_oauth_proxy import FakeOAuthProxy
from tests.e2e.nginx_server import Nginx
from tests.fake_kube import FakeKube
from tests.servers import Backend

REPO = Path(__file__).resolve().parents[2]
DIST = REPO / "apps" / "frontend" / "dist"
# Each user's OpenShift access token, as the proxy passes it on.
TOKENS = {"alice": "sha256~alice-test-token", "bob": "sha256~bob-test-token"}
ADMINS = {"alice"}
NAMESPACE = "chat-local"


@dataclass
class SignedInSite:
    url: str
    proxy_secret: str
    backend: Backend
    nginx: Nginx
    proxy: FakeOAuthProxy
    kube: FakeKube


@contextlib.contextmanager
def signed_in_site(workdir: Path, dist: Path = DIST, port: int = 0, **backend_env):
    """Starts the whole chain; ``backend_env`` adds to the backend's settings."""
    proxy_secret = secrets.token_urlsafe(32)
    kube = FakeKube({token: user in ADMINS for user, token in TOKENS.items()})
    kube.start()
    try:
        backend = Backend(
            workdir,
            CHAT_PROXY_SECRET=proxy_secret,
            CHAT_REQUIRE_USER="true",
            CHAT_KUBE_API_URL=kube.url,
            CHAT_ADMIN_NAMESPACE=NAMESPACE,
            DJANGO_FRONTEND_DIR=str(dist),
            **backend_env,
        )
        with (
            backend,
            Nginx(
                dist, backend.url, chat_auth="oauth-proxy", proxy_secret=proxy_secret
            ) as nginx,
            FakeOAuthProxy(nginx.url, TOKENS, port=port) as proxy,
        ):
            yield SignedInSite(proxy.url, proxy_secret, backend, nginx, proxy, kube)
    finally:
        kube.stop()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--port", type=int, default=8000)
    parser.add_argument("--workdir", type=Path, required=True)
    args = parser.parse_args()
    args.workdir.mkdir(parents=True, exist_ok=True)
    # Demo mode without LLM_API_BASE, as `tox -e dev`.
    with signed_in_site(args.workdir, port=args.port, LLM_DEMO="true") as site:
        print(
            f"\nSigned-in chat on {site.url}/ (Ctrl+C stops it)\n"
            "  alice: chats, and opens the admin at /admin/ (passes the access check)\n"
            "  bob:   chats only (the admin refuses him)\n"
            "Sign out from the conversation list, then sign in as the other user.\n",
            flush=True,
        )
        # Blocked only now, so that the servers started above do not inherit it.
        stops = {signal.SIGINT, signal.SIGTERM}
        signal.pthread_sigmask(signal.SIG_BLOCK, stops)
        signal.sigwait(stops)


if __name__ == "__main__":
    main()
