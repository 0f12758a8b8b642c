"""SIGTERM while streams are open, as Kubernetes sends it on a rollout: the
streams that can finish within the grace period do, the rest are ended, and
every reply is stored, whole or marked partial."""

import signal
import sqlite3
import time

from tests.servers import StreamReader

GRACE = 6  # GRACEFUL_TIMEOUT; the cluster uses 50 s of a 60 s grace period
SHORT = "[fake tokens_per_second=4] Finish within the grace period"
ENDLESS = "[fake fault=stall tokens_per_second=20] Outlast the grace period"


def stored_replies(database):
    with sqlite3.connect(database) as db:
        rows = db.execute(
            "SELECT u.content, a.content, a.status, a.error"
            " FROM chat_message u JOIN chat_message a"
            " ON a.conversation_id = u.conversation_id AND a.role = 'assistant'"
            " WHERE u.role = 'user' AND u.content LIKE '[fake%'"
        ).fetchall()
    return sorted(rows)


def sigterm_with_open_streams(backend):
    """Open 5 short and 5 endless streams, then SIGTERM: the exit code, the
    seconds until the server stopped, and each stream's lines."""
    readers = [
        StreamReader(backend.url, message, timeout=30)
        for message in [SHORT] * 5 + [ENDLESS] * 5
    ]
    for reader in readers:
        reader.start()
    # SIGTERM only once every stream has sent its first token.
    for reader in readers:
        assert reader.wait_for_deltas()

    signalled = time.monotonic()
    backend.process.send_signal(signal.SIGTERM)
    exit_code = backend.process.wait(GRACE + 10)
    stopped_after = time.monotonic() - signalled
    for reader in readers:
        reader.join(5)
    return exit_code, stopped_after, [reader.lines for reader in readers]


def test_sigterm_drains_short_streams_and_stores_the_rest_as_partial(
    start_backend, report
):
    backend = start_backend("shutdown", GRACEFUL_TIMEOUT=str(GRACE), LLM_TIMEOUT="60")

    exit_code, stopped_after, transcripts = sigterm_with_open_streams(backend)

    assert exit_code == 0
    assert stopped_after < GRACE
    for transcript in transcripts[:5]:
        assert "event: done" in transcript
    for transcript in transcripts[5:]:
        assert "event: done" not in transcript
    assert stored_replies(backend.database) == sorted(
        [(SHORT, "Hello from the fake model.", "complete", "")] * 5
        + [
            (
                ENDLESS,
                "Hello from",
                "partial",
                "The answer was stopped before it was complete.",
            )
        ]
        * 5
    )
    report(
        f"SIGTERM with 10 open streams: exit {exit_code} after {stopped_after:.1f} s"
        f" (grace {GRACE} s), 5 drained complete, 5 stored partial, none lost"
    )


def test_with_uvicorns_own_worker_the_streams_left_open_are_lost(start_backend):
    """What config/workers.py prevents: uvicorn waits for the open streams
    until gunicorn kills it, and their replies are never stored."""
    backend = start_backend(
        "shutdown-plain",
        "--worker-class",
        "uvicorn_worker.UvicornWorker",
        GRACEFUL_TIMEOUT=str(GRACE),
        LLM_TIMEOUT="60",
    )

    _, stopped_after, _ = sigterm_with_open_streams(backend)

    assert stopped_after >= GRACE
    assert (
        stored_replies(backend.database)
        == [(SHORT, "Hello from the fake model.", "complete", "")] * 5
    )
