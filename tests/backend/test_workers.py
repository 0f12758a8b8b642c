"""The gunicorn worker, under gunicorn: SIGTERM with a stream open, the
garbage collector after start-up."""

import json
import signal
import sqlite3
import time
from pathlib import Path

import httpx
import pytest

from tests.servers import Backend, StreamReader, children

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


@pytest.fixture(scope="module")
def served(upstream, tmp_path_factory):
    """A backend that has answered one request: its worker's log and the files
    the worker has loaded."""
    with Backend(
        tmp_path_factory.mktemp("served"),
        LLM_API_BASE=upstream.base_url,
        DJANGO_SECRET_KEY="workers-test-secret-key",
    ) as server:
        upstream.reset()
        httpx.post(f"{server.url}/chat", json={"message": "Hi"}, timeout=30)
        (worker,) = children(server.process.pid)
        maps = Path(f"/proc/{worker}/maps").read_text()
        log = server.log()
    return log, maps


def test_the_worker_freezes_the_loaded_app_out_of_the_garbage_collector(served):
    log, _ = served
    records = [json.loads(line) for line in log.splitlines()]

    (frozen,) = [
        r["frozen_objects"]
        for r in records
        if r["message"] == "Start-up objects frozen out of the garbage collector"
    ]
    # LiteLLM alone leaves ~370,000 objects at import, Django ~30,000: frozen
    # before the app was loaded, ~45,000.
    assert frozen > 300_000


def test_the_worker_serves_with_uvloop_and_httptools(served):
    """uvicorn's "auto" loop and HTTP settings load them only to use them."""
    _, maps = served

    assert "/uvloop/loop." in maps
    assert "/httptools/parser/parser." in maps
