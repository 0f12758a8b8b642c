"""POST /chat/stream: server-sent events, failures as events, what is stored."""

import json

import pytest

from chat.models import Message

pytestmark = pytest.mark.django_db(transaction=True)


def parse_events(payload: str) -> list[tuple[str, dict]]:
    events = []
    for block in payload.strip().split("\n\n"):
        lines = dict(line.split(": ", 1) for line in block.split("\n"))
        events.append((lines["event"], json.loads(lines["data"])))
    return events


async def stream(client, body):
    response = await client.post(
        "/chat/stream", json.dumps(body), content_type="application/json"
    )
    payload = b"".join([chunk async for chunk in response.streaming_content])
    return response, parse_events(payload.decode())


async def test_reply_streams_as_start_deltas_and_done_in_order(async_client, fake_llm):
    fake_llm.reset(reply="one two three")

    response, events = await stream(async_client, {"message": "Count"})

    assert response.status_code == 200
    assert response["Content-Type"] == "text/event-stream"
    assert response["Cache-Control"] == "no-cache"
    assert response["X-Accel-Buffering"] == "no"
    conversation_id = events[0][1]["conversation_id"]
    assert events == [
        ("start", {"conversation_id": conversation_id, "demo": False}),
        ("delta", {"text": "one"}),
        ("delta", {"text": " two"}),
        ("delta", {"text": " three"}),
        (
            "done",
            {
                "conversation_id": conversation_id,
                "usage": {
                    "prompt_tokens": 1,
                    "completion_tokens": 3,
                    "total_tokens": 4,
                },
            },
        ),
    ]
    stored = [(m.role, m.content, m.status) async for m in Message.objects.all()]
    assert stored == [
        ("user", "Count", "complete"),
        ("assistant", "one two three", "complete"),
    ]


async def test_stream_continues_a_conversation(async_client, fake_llm):
    _, first = await stream(async_client, {"message": "Hi"})
    conversation_id = first[0][1]["conversation_id"]
    fake_llm.reset()

    _, second = await stream(
        async_client, {"message": "Again", "conversation_id": conversation_id}
    )

    assert second[0][1]["conversation_id"] == conversation_id
    assert [m["role"] for m in fake_llm.record.requests[0]["messages"]] == [
        "user",
        "assistant",
        "user",
    ]


async def test_upstream_error_becomes_an_error_event_and_is_stored(
    async_client, fake_llm
):
    fake_llm.reset(fault="http_429")

    _, events = await stream(async_client, {"message": "Hi"})

    conversation_id = events[0][1]["conversation_id"]
    assert events[1:] == [
        (
            "error",
            {
                "error": (
                    "The LLM endpoint is rate limiting requests: try again shortly."
                ),
                "conversation_id": conversation_id,
            },
        )
    ]
    stored = [(m.role, m.status) async for m in Message.objects.all()]
    assert stored == [("user", "complete"), ("assistant", "failed")]


async def test_stream_cut_midway_keeps_the_partial_reply(async_client, fake_llm):
    fake_llm.reset(fault="cut", reply="one two three four", chunks_before_fault=2)

    _, events = await stream(async_client, {"message": "Hi"})

    assert [name for name, _ in events] == ["start", "delta", "delta", "error"]
    assert events[-1][1]["error"] == "The connection to the LLM endpoint broke off."
    reply = await Message.objects.aget(role="assistant")
    assert (reply.content, reply.status, reply.error) == (
        "one two",
        "partial",
        "The connection to the LLM endpoint broke off.",
    )


async def test_stream_that_stalls_between_tokens_times_out(
    async_client, fake_llm, settings
):
    settings.LLM_TIMEOUT = 0.5
    fake_llm.reset(fault="stall", reply="one two three", chunks_before_fault=1)

    _, events = await stream(async_client, {"message": "Hi"})

    assert events[1:] == [
        ("delta", {"text": "one"}),
        (
            "error",
            {
                "error": "The LLM endpoint timed out.",
                "conversation_id": events[0][1]["conversation_id"],
            },
        ),
    ]
    reply = await Message.objects.aget(role="assistant")
    assert (reply.content, reply.status) == ("one", "partial")


async def test_stream_without_done_marker_still_completes(async_client, fake_llm):
    fake_llm.reset(fault="no_done", reply="all of it")

    _, events = await stream(async_client, {"message": "Hi"})

    assert [name for name, _ in events] == ["start", "delta", "delta", "delta", "done"]


async def test_stream_body_that_is_not_an_event_stream_is_an_error_not_an_empty_reply(
    async_client, fake_llm
):
    fake_llm.reset(fault="non_json")

    _, events = await stream(async_client, {"message": "Hi"})

    error = "The LLM endpoint sent a response that could not be understood."
    assert events[1:] == [
        ("error", {"error": error, "conversation_id": events[0][1]["conversation_id"]})
    ]
    reply = await Message.objects.aget(role="assistant")
    assert (reply.content, reply.status, reply.error) == ("", "failed", error)


async def test_bad_stream_request_is_a_json_400_not_an_event_stream(
    async_client, fake_llm
):
    response = await async_client.post(
        "/chat/stream", json.dumps({"message": " "}), content_type="application/json"
    )

    assert response.status_code == 400
    assert response.json() == {"error": "'message' must not be blank."}


async def test_demo_mode_streams_the_canned_answer(async_client, settings):
    settings.DEBUG = True
    settings.LLM_API_BASE = ""

    _, events = await stream(async_client, {"message": "Hi"})

    assert events[0][1]["demo"] is True
    text = "".join(data["text"] for name, data in events if name == "delta")
    assert text.startswith("**Demo mode.**")
    assert events[-1][0] == "done"
