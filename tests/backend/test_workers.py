"""The gunicorn worker: SIGTERM with a stream open, under gunicorn."""

import signal
import sqlite3
import time

import pytest

from tests.servers import Backend, StreamReader

pytestmark = pytest.mark.server


def test_stream_still_open_when_the_grace_period_ends_is_stored_as_partial(
    upstream, tmp_path
):
    upstream.reset(fault="stall", chunks_before_fault=2)
    with Backend(
        tmp_path,
        LLM_API_BASE=upstream.base_url,
        LLM_MODEL=upstream.model,
        LLM_TIMEOUT="60",
        GRACEFUL_TIMEOUT="3",
        DJANGO_SECRET_KEY="workers-test-secret-key",
    ) as server:
        reader = StreamReader(server.url, "Hi", timeout=30)
        reader.start()
        assert reader.wait_for_deltas(2)
        signalled = time.monotonic()
        server.process.send_signal(signal.SIGTERM)
        exit_code = server.process.wait(30)
        stopped_after = time.monotonic() - signalled
        reader.join(5)

    assert exit_code == 0
    assert stopped_after < 3
    with sqlite3.connect(tmp_path / "db.sqlite3") as db:
        reply = db.execute(
            "SELECT content, status, error FROM chat_message WHERE role = 'assistant'"
        ).fetchall()
    assert reply == [
        (
            "Hello from",
            "partial",
            "The answer was stopped before it was complete.",
        )
    ]
