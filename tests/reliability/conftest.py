"""Fixtures of the reliability suites: the fake LLM, backends started as in the
cluster, the secrets they must never reveal, and the figures they report."""

import json
import secrets
from contextlib import ExitStack

import httpx
import pytest

from tests.servers import Backend, prepare_template

# Fresh each run, so that nothing else can contain them by chance.
API_KEY = "sk-" + secrets.token_urlsafe(36)
SECRET_KEY = secrets.token_urlsafe(50)
ADMIN_PASSWORD = secrets.token_urlsafe(16)
FIGURES: list[str] = []


def pytest_terminal_summary(terminalreporter):
    if FIGURES:
        terminalreporter.section("reliability figures")
        for line in FIGURES:
            terminalreporter.write_line(line)


@pytest.fixture(scope="session")
def report():
    """Record a figure for the summary at the end of the run."""
    return FIGURES.append


def assert_no_secrets(text: str) -> None:
    assert API_KEY not in text
    assert SECRET_KEY not in text
    assert ADMIN_PASSWORD not in text


@pytest.fixture(scope="session")
def template(tmp_path_factory):
    return prepare_template(
        tmp_path_factory.mktemp("template"),
        DJANGO_SECRET_KEY=SECRET_KEY,
        DJANGO_SUPERUSER_USERNAME="admin",
        DJANGO_SUPERUSER_PASSWORD=ADMIN_PASSWORD,
        DJANGO_SUPERUSER_EMAIL="admin@localhost",
    )


@pytest.fixture(scope="session")
def start_backend(upstream, template, tmp_path_factory):
    """``start_backend("name", *gunicorn_args, ENV=value)``: a running backend
    pointed at the fake LLM. Its log is checked for secrets when the session
    ends."""
    with ExitStack() as stack:
        started = []

        def start(name: str, *gunicorn_args: str, **env: str) -> Backend:
            backend = Backend(
                tmp_path_factory.mktemp(name),
                *gunicorn_args,
                template=template,
                **{
                    "LLM_API_BASE": upstream.base_url,
                    "LLM_API_KEY": API_KEY,
                    "LLM_MODEL": upstream.model,
                    "LLM_TIMEOUT": "2",
                    "DJANGO_SECRET_KEY": SECRET_KEY,
                    "CHAT_RATE_LIMIT": "100000/m",
                    **env,
                },
            )
            started.append(stack.enter_context(backend))
            return backend

        yield start
    for backend in started:
        assert_no_secrets(backend.log())
        # gunicorn kills a worker whose event loop sent no heartbeat for
        # `timeout` seconds: on an overloaded machine, a cause of failures.
        assert "WORKER TIMEOUT" not in backend.log(), backend.log_path


@pytest.fixture(scope="session")
def served(start_backend):
    """One backend shared by the fault, fuzz and exposure suites, warmed up:
    LiteLLM's first call loads more of it than LLM_TIMEOUT allows for."""
    backend = start_backend("served")
    for path in ("/chat", "/chat/stream"):
        httpx.post(f"{backend.url}{path}", json={"message": "Warm up"}, timeout=30)
    return backend


def browser(url: str, **headers: str) -> dict:
    """Keyword arguments for an httpx client that acts as one browser: the
    owner and CSRF cookies the chat page gets first, and the CSRF token that
    it sends with every write."""
    page = httpx.get(f"{url}/chat/conversations", headers=headers, timeout=30)
    token = page.cookies["csrftoken"]
    return {"cookies": page.cookies, "headers": {**headers, "X-CSRFToken": token}}


def parse_events(payload: str) -> list[tuple[str, dict]]:
    """Server-sent events as (name, data) pairs."""
    events = []
    for block in payload.strip().split("\n\n"):
        if not block:
            continue
        fields = dict(line.split(": ", 1) for line in block.split("\n"))
        events.append((fields["event"], json.loads(fields["data"])))
    return events
