"""The topologies of the app, started once per session, and a browser.

- ``django``: gunicorn serves the built bundle and the API (as `tox -e dev`);
- ``nginx``: Debian's nginx with the project's nginx configuration serves the
  bundle and proxies the API to that same gunicorn (CHAT_AUTH=none);
- ``signed_in``: the fake oauth-proxy in front of nginx with
  CHAT_AUTH=oauth-proxy, in front of a backend of its own that requires a
  user (as in the cluster; tests/e2e/signed_in.py).

The LLM behind the backend is the OpenAI-compatible test server.
"""

import os
import shutil
from pathlib import Path

import pytest
from playwright.sync_api import sync_playwright

from tests.e2e.browser import CHROMIUM_FLAGS, open_page
from tests.e2e.nginx_server import Nginx
from tests.e2e.signed_in import signed_in_site
from tests.servers import Backend

REPO = Path(__file__).resolve().parents[2]
DIST = REPO / "apps" / "frontend" / "dist"
ARTIFACTS = REPO / "tests" / "artifacts"
ADMIN_USER = "e2e-admin"
ADMIN_PASSWORD = "e2e-admin-password-only-for-tests"


def require(path: str, what: str) -> str:
    """In CI a missing tool fails the run; on a laptop it skips the test."""
    if Path(path).is_file():
        return path
    message = f"{what} not found at {path} (Debian: apt-get install {what})"
    if os.environ.get("CI") == "true":
        pytest.fail(message)
    pytest.skip(message)


@pytest.fixture(scope="session")
def frontend_dist() -> Path:
    """The production bundle; tox builds it before the tests run."""
    if not (DIST / "index.html").is_file():
        pytest.fail(f"no bundle in {DIST}: run `npm --prefix apps/frontend run build`")
    return DIST


@pytest.fixture(scope="session")
def nginx_binary() -> str:
    return require(shutil.which("nginx") or "/usr/sbin/nginx", "nginx")


@pytest.fixture
def llm(upstream):
    """The fake LLM, reset to a plain answer for each test. It is strict, as
    vLLM is with many chat templates: roles that do not alternate are
    refused, and a refusal fails the test."""
    assert upstream.strict is True
    upstream.reset()
    yield upstream
    assert upstream.record.refused == 0, "the LLM got roles that do not alternate"


def backend_settings(upstream) -> dict[str, str]:
    """What every backend of the suite runs with: the fake LLM behind it."""
    return {
        "LLM_API_BASE": upstream.base_url,
        "LLM_API_KEY": "sk-e2e-test-key",
        "LLM_MODEL": upstream.model,
        "LLM_TIMEOUT": "5",
        "CHAT_RATE_LIMIT": "10000/m",
        "DJANGO_SECRET_KEY": "e2e-test-secret-key-not-used-anywhere-else",
    }


@pytest.fixture(scope="session")
def backend(upstream, frontend_dist, tmp_path_factory):
    with Backend(
        tmp_path_factory.mktemp("backend"),
        **backend_settings(upstream),
        DJANGO_FRONTEND_DIR=str(frontend_dist),
        DJANGO_SUPERUSER_USERNAME=ADMIN_USER,
        DJANGO_SUPERUSER_PASSWORD=ADMIN_PASSWORD,
        DJANGO_SUPERUSER_EMAIL="admin@localhost",
    ) as server:
        server.manage("ensure_superuser")
        yield server


@pytest.fixture(scope="session")
def nginx(nginx_binary, frontend_dist, backend):
    with Nginx(frontend_dist, backend.url) as server:
        yield server


@pytest.fixture(scope="session")
def signed_in(upstream, frontend_dist, nginx_binary, tmp_path_factory):
    with signed_in_site(
        tmp_path_factory.mktemp("signed-in"),
        frontend_dist,
        **backend_settings(upstream),
    ) as site:
        yield site


@pytest.fixture(scope="session", params=["django", "nginx"])
def site(request) -> tuple[str, str]:
    """(topology name, base URL) of each topology in turn."""
    fixture = "backend" if request.param == "django" else "nginx"
    return request.param, request.getfixturevalue(fixture).url


@pytest.fixture(scope="session")
def browser():
    path = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
    executable = require(path, "chromium")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=executable, args=CHROMIUM_FLAGS
        )
        yield browser
        browser.close()


@pytest.fixture
def console() -> list[tuple[str, str]]:
    """(type, text) of the console messages and uncaught errors of the page."""
    return []


@pytest.fixture
def page(browser, site, console):
    """The app's start page in each topology."""
    with open_page(browser, site[1] + "/", console) as page:
        yield page


@pytest.fixture(scope="session")
def artifacts() -> Path:
    ARTIFACTS.mkdir(exist_ok=True)
    return ARTIFACTS
