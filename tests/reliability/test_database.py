"""The database goes away for a while under a running backend (PostgreSQL, as
in the cluster): readiness fails, liveness does not, chat answers 503 in plain
words, and everything recovers by itself when the database is back."""

import os
import time
from collections import Counter

import httpx
import pytest
from hypothesis import given, seed, settings
from hypothesis import strategies as st

from tests.contracts import DATABASE_DOWN
from tests.reliability.conftest import browser, parse_events
from tests.reliability.hostile import (
    EXAMPLES,
    SEED,
    any_text,
    assert_stored_exactly_or_refused_by_rule,
    control_text,
    fuzz,
    huge_text,
)
from tests.reliability.postgres import PostgreSQL, binaries

STATUSES = Counter()


@pytest.fixture(scope="module")
def postgres():
    if binaries() is None:
        reason = "PostgreSQL binaries not found under /usr/lib/postgresql"
        if os.environ.get("CI") == "true":
            pytest.fail(f"{reason}: .ci/run installs them")
        pytest.skip(reason)
    with PostgreSQL() as server:
        yield server


@pytest.fixture(scope="module")
def backend(postgres, start_backend):
    return start_backend("postgres", DATABASE_URL=postgres.url)


@pytest.fixture(scope="module")
def client(backend):
    with httpx.Client(
        base_url=backend.url, timeout=30, **browser(backend.url)
    ) as client:
        yield client


@seed(SEED)
@settings(fuzz, max_examples=max(EXAMPLES // 2, 1))
@given(message=st.one_of(any_text, control_text, huge_text))
def test_any_text_message_is_stored_exactly_in_postgresql_or_refused_by_rule(
    client, message
):
    STATUSES[assert_stored_exactly_or_refused_by_rule(client, "/chat", message)] += 1


def test_postgresql_fuzz_cases(report):
    report(f"fuzz on PostgreSQL: /chat (text) {STATUSES.total()} ({dict(STATUSES)})")


def wait_until_ready(client, timeout):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if client.get("/health/ready").status_code == 200:
            return time.monotonic()
        time.sleep(0.2)
    raise AssertionError(f"not ready {timeout} s after the database came back")


def test_database_outage_fails_readiness_only_and_heals_by_itself(
    postgres, client, report
):
    before = client.post("/chat", json={"message": "Before the outage"}).json()
    conversation_id = before["conversation_id"]

    with client.stream(
        "POST",
        "/chat/stream",
        json={"message": "[fake tokens_per_second=5] Cut off by the outage"},
    ) as response:
        lines = response.iter_lines()
        while next(lines) != "event: delta":
            pass
        postgres.stop()
        went_down = time.monotonic()
        cut_off = parse_events("\n".join(["event: delta", *lines]) + "\n")
    ready = client.get("/health/ready")
    live = client.get("/health")
    refused = [
        client.post("/chat", json={"message": "During the outage"}),
        client.post("/chat/stream", json={"message": "During the outage"}),
        client.post(
            "/chat",
            json={"message": "During", "conversation_id": conversation_id},
        ),
        client.get(f"/chat/conversations/{conversation_id}"),
    ]
    noticed_in = time.monotonic() - went_down

    postgres.start()
    came_back = time.monotonic()
    recovered_in = wait_until_ready(client, timeout=20) - came_back
    after = client.post(
        "/chat", json={"message": "After", "conversation_id": conversation_id}
    )
    stored = client.get(f"/chat/conversations/{conversation_id}").json()

    # The reply arrived whole but could not be stored: the client is told.
    assert [name for name, _ in cut_off] == ["delta"] * 5 + ["error"]
    assert cut_off[-1][1]["error"] == DATABASE_DOWN
    assert (ready.status_code, ready.json()) == (
        503,
        {"status": "unavailable", "database": "unavailable"},
    )
    assert live.status_code == 200
    assert [(r.status_code, r.json()) for r in refused] == [
        (503, {"error": DATABASE_DOWN})
    ] * len(refused)
    assert noticed_in < 10
    assert after.status_code == 200
    assert [m["content"] for m in stored["messages"]] == [
        "Before the outage",
        "Hello from the fake model.",
        "After",
        "Hello from the fake model.",
    ]
    report(
        "database outage: an open stream ends with an error event;"
        f" readiness 503 and chat 503 within {noticed_in:.1f} s,"
        f" liveness 200 throughout, ready again {recovered_in:.1f} s after the"
        " database returned; no stored message lost"
    )
