"""The backend under gunicorn, as in the cluster: disconnects, logs, shutdown."""

import json
import socket

import httpx
import pytest

from tests.backend.conftest import API_KEY
from tests.servers import Backend

pytestmark = pytest.mark.server

SECRET_KEY = "server-test-secret-key-that-must-never-leak"


@pytest.fixture(scope="module")
def backend(upstream, tmp_path_factory):
    with Backend(
        tmp_path_factory.mktemp("backend"),
        LLM_API_BASE=upstream.base_url,
        LLM_API_KEY=API_KEY,
        LLM_MODEL=upstream.model,
        LLM_TIMEOUT="2",
        DJANGO_SECRET_KEY=SECRET_KEY,
    ) as server:
        yield server


def test_client_disconnect_closes_the_upstream_and_keeps_the_partial_reply(
    backend, upstream
):
    upstream.reset(reply="word " * 400, tokens_per_second=50)
    events = []
    with httpx.Client(base_url=backend.url) as client:
        with client.stream(
            "POST", "/chat/stream", json={"message": "Talk for long"}
        ) as response:
            for line in response.iter_lines():
                if line.startswith("data: "):
                    events.append(json.loads(line[6:]))
                if len(events) == 3:  # start and two deltas
                    break

        assert upstream.wait_for(lambda record: record.disconnects == 1)
        assert upstream.record.completed_streams == 0
        conversation_id = events[0]["conversation_id"]
        history = client.get(f"/chat/conversations/{conversation_id}").json()
    reply = history["messages"][1]
    assert reply["status"] == "partial"
    assert reply["error"] == "The answer was stopped before it was complete."
    assert reply["content"].startswith("word word")


def test_log_is_json_lines_without_secrets_or_message_bodies(backend, upstream):
    for fault in ("ok", "http_401", "http_500", "cut"):
        upstream.reset(fault=fault)
        httpx.post(f"{backend.url}/chat", json={"message": "my private words"})
        httpx.post(f"{backend.url}/chat/stream", json={"message": "my private words"})
    httpx.post(f"{backend.url}/chat", json={"message": ""})
    with socket.create_connection(("127.0.0.1", backend.port)) as connection:
        connection.sendall(b"NOT HTTP\r\n\r\n")
        connection.recv(1024)

    lines = backend.log().splitlines()
    records = [json.loads(line) for line in lines]
    assert any(r["name"] == "chat.llm" for r in records)
    assert not [r for r in records if "litellm_redacted" in r]
    # uvicorn's own warnings too, in the app's shape (config/logging.py).
    assert {"name": "uvicorn.error", "message": "Invalid HTTP request received."} in [
        {"name": r["name"], "message": r["message"]} for r in records
    ]
    # gunicorn's master logs with the app's configuration (config/logging.py).
    assert {"time", "level", "name", "message", "request_id", "user"} <= set(
        next(r for r in records if r["message"].startswith("Starting gunicorn"))
    )
    log = "\n".join(lines)
    assert API_KEY not in log
    assert SECRET_KEY not in log
    assert "my private words" not in log


def test_a_stream_outlasts_the_worker_timeout(upstream, tmp_path):
    # gunicorn kills a worker whose loop stalls for about half its timeout
    # (uvicorn's heartbeat comes every half): 2 s, so that a first LiteLLM
    # call on a loaded machine is no stall, and a stream of 4 s outlasts it.
    upstream.reset(reply=" ".join(["tick"] * 40), tokens_per_second=10)
    with Backend(
        tmp_path,
        "--timeout",
        "2",
        LLM_API_BASE=upstream.base_url,
        LLM_MODEL=upstream.model,
        DJANGO_SECRET_KEY=SECRET_KEY,
    ) as server:
        with httpx.stream(
            "POST", f"{server.url}/chat/stream", json={"message": "Go"}, timeout=30
        ) as response:
            lines = list(response.iter_lines())

    events = [line for line in lines if line.startswith("event: ")]
    assert events == ["event: start"] + ["event: delta"] * 40 + ["event: done"]


def test_sigterm_stops_the_server_cleanly(upstream, tmp_path):
    with Backend(
        tmp_path, LLM_API_BASE=upstream.base_url, DJANGO_SECRET_KEY=SECRET_KEY
    ) as server:
        assert server.stop() == 0


def test_csrf_under_gunicorn(backend, upstream):
    """A cross-site-style POST with the owner cookie and no token is refused;
    with the token it passes; without the cookie no token is needed."""
    upstream.reset()
    with httpx.Client(base_url=backend.url) as browser:
        first = browser.post("/chat", json={"message": "Hi"})
        body = {"message": "Again", "conversation_id": first.json()["conversation_id"]}
        forged = browser.post(
            "/chat", json=body, headers={"Origin": "https://evil.example.test"}
        )
        browser.get("/chat/conversations")
        token = browser.cookies["csrftoken"]
        passed = browser.post("/chat", json=body, headers={"X-CSRFToken": token})

    assert first.status_code == 200
    assert "chat_owner" in first.cookies
    assert forged.status_code == 403
    assert forged.json()["error"].startswith("This request was refused")
    assert passed.status_code == 200
    assert passed.json()["conversation_id"] == body["conversation_id"]
