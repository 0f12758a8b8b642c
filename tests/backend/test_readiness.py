"""After SIGTERM the backend says it is not ready while it still serves, so
that the Service stops sending it requests before its port closes; the drain
that follows still ends within GRACEFUL_TIMEOUT."""

import signal
import sqlite3

import httpx
import pytest

from tests.servers import Backend, StreamReader

pytestmark = pytest.mark.server

STALLED = "[fake fault=stall] Hold on"


def test_readiness_fails_after_sigterm_while_requests_are_still_served(
    upstream, tmp_path
):
    upstream.reset()
    with Backend(
        tmp_path,
        LLM_API_BASE=upstream.base_url,
        LLM_MODEL=upstream.model,
        LLM_TIMEOUT="60",
        # 4 s of serving with readiness false, then 2 s of drain, then 2 s to
        # store what is left: all of it inside the 8 s.
        SHUTDOWN_DELAY="4",
        GRACEFUL_TIMEOUT="8",
    ) as backend:
        holder = StreamReader(backend.url, STALLED)
        holder.start()
        assert holder.wait_for_deltas()
        assert httpx.get(f"{backend.url}/health/ready").status_code == 200

        backend.process.send_signal(signal.SIGTERM)
        while (ready := httpx.get(f"{backend.url}/health/ready")).status_code == 200:
            pass
        chat = httpx.post(f"{backend.url}/chat", json={"message": "Hi"}, timeout=30)
        alive = httpx.get(f"{backend.url}/health")
        exit_code = backend.process.wait(30)
        holder.join(10)

    assert ready.status_code == 503
    assert ready.json() == {"status": "shutting down"}
    assert chat.status_code == 200
    assert alive.status_code == 200
    assert exit_code == 0
    # Stored by the worker itself: it was not killed at the end of the grace.
    with sqlite3.connect(tmp_path / "db.sqlite3") as db:
        held = db.execute(
            "SELECT m.content, m.status FROM chat_message m JOIN chat_message q"
            " ON q.conversation_id = m.conversation_id AND q.role = 'user'"
            " WHERE m.role = 'assistant' AND q.content = ?",
            [STALLED],
        ).fetchall()
    assert held == [("Hello from", "partial")]


def test_without_a_delay_the_port_closes_at_once(upstream, tmp_path):
    with Backend(tmp_path, LLM_API_BASE=upstream.base_url) as backend:
        assert backend.stop() == 0
