"""Each way the LLM endpoint fails, against the served backend: the right
status and words for the client, other clients served meanwhile, and the
failure stored with the user's message."""

import asyncio

import httpx
import pytest

from tests.contracts import (
    BROKE_OFF,
    FAILURES,
    STREAM_FAILURES,
    TIMED_OUT,
    UNREACHABLE,
)
from tests.fake_openai import Behaviour
from tests.reliability.conftest import assert_no_secrets, browser, parse_events
from tests.servers import free_port

HEALTHY = Behaviour.reply


async def chat(client, message, conversation_id=None):
    body = {"message": message}
    if conversation_id:
        body["conversation_id"] = conversation_id
    return await client.post("/chat", json=body)


async def stream(client, message):
    response = await client.post("/chat/stream", json={"message": message})
    return response, parse_events(response.text)


async def history(client, conversation_id):
    response = await client.get(f"/chat/conversations/{conversation_id}")
    return [
        (m["role"], m["content"], m["status"], m["error"])
        for m in response.json()["messages"]
    ]


async def others_are_served(client, count=3):
    """Healthy chats sent while a failing one is in flight."""
    await asyncio.sleep(0.1)
    replies = await asyncio.gather(*(chat(client, "Hi") for _ in range(count)))
    assert [r.status_code for r in replies] == [200] * count
    assert {r.json()["response"] for r in replies} == {HEALTHY}


@pytest.fixture
async def client(served, upstream):
    upstream.reset()
    async with httpx.AsyncClient(
        base_url=served.url, timeout=30, **browser(served.url)
    ) as client:
        yield client


@pytest.mark.parametrize(("fault", "error"), FAILURES.items())
async def test_chat_failure_is_a_500_in_plain_words_and_stored(
    client, report, fault, error
):
    first = (await chat(client, "Hi")).json()["conversation_id"]

    failed, _ = await asyncio.gather(
        chat(client, f"[fake fault={fault}] Again", first), others_are_served(client)
    )

    assert failed.status_code == 500
    assert failed.json() == {"error": error, "conversation_id": first}
    assert_no_secrets(failed.text)
    assert (await history(client, first))[2:] == [
        ("user", f"[fake fault={fault}] Again", "complete", ""),
        ("assistant", "", "failed", error),
    ]
    report(f"fault survived: /chat upstream {fault} -> 500 {error!r}")


@pytest.mark.parametrize(("fault", "error"), STREAM_FAILURES.items())
async def test_stream_failure_is_an_error_event_and_stored(
    client, report, fault, error
):
    (response, events), _ = await asyncio.gather(
        stream(client, f"[fake fault={fault}] Hi"), others_are_served(client)
    )

    conversation_id = events[0][1]["conversation_id"]
    assert response.status_code == 200
    assert [(name, data["error"]) for name, data in events[1:]] == [("error", error)]
    assert events[-1][1]["conversation_id"] == conversation_id
    assert (await history(client, conversation_id))[1] == (
        "assistant",
        "",
        "failed",
        error,
    )
    report(f"fault survived: /chat/stream upstream {fault} -> error event")


BROKEN_STREAMS = [
    # fault, events after start, stored reply (content, status, error)
    ("cut", ["delta", "delta", "error"], ("Hello from", "partial", BROKE_OFF)),
    ("stall", ["delta", "delta", "error"], ("Hello from", "partial", TIMED_OUT)),
    ("no_done", ["delta"] * 5 + ["done"], (HEALTHY, "complete", "")),
]


@pytest.mark.parametrize(("fault", "names", "stored"), BROKEN_STREAMS)
async def test_broken_stream_ends_cleanly_and_keeps_what_arrived(
    client, report, fault, names, stored
):
    message = f"[fake fault={fault} tokens_per_second=20] Hi"

    (_, events), _ = await asyncio.gather(
        stream(client, message), others_are_served(client)
    )

    assert [name for name, _ in events[1:]] == names
    conversation_id = events[0][1]["conversation_id"]
    if stored[2]:
        assert events[-1][1]["error"] == stored[2]
        assert events[-1][1]["conversation_id"] == conversation_id
    assert (await history(client, conversation_id)) == [
        ("user", message, "complete", ""),
        ("assistant", *stored),
    ]
    report(f"fault survived: /chat/stream upstream {fault} -> {names[-1]} event")


async def test_refused_connection_is_reported_and_stored(start_backend, report):
    unreachable = start_backend(
        "refused", LLM_API_BASE=f"http://127.0.0.1:{free_port()}/v1"
    )
    error = UNREACHABLE
    async with httpx.AsyncClient(
        base_url=unreachable.url, timeout=30, **browser(unreachable.url)
    ) as client:
        failed = await chat(client, "Hi")
        _, events = await stream(client, "Hi")
        health = await client.get("/health")
        stored = await history(client, events[0][1]["conversation_id"])

    assert (failed.status_code, failed.json()["error"]) == (500, error)
    assert events[1][1]["error"] == error
    assert health.status_code == 200
    assert stored[1] == ("assistant", "", "failed", error)
    report("fault survived: upstream refuses connections -> 500 and error event")
