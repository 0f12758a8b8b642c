"""POST /chat/stream: server-sent events, failures as events, what is stored."""

import json

import pytest

from chat.models import Message
from tests import contracts
from tests.backend.conftest import stream

pytestmark = pytest.mark.django_db(transaction=True)


async def test_reply_streams_as_start_deltas_and_done_in_order(async_client, fake_llm):
    fake_llm.reset(reply="one two three")

    response, events = await stream(async_client, {"message": "Count"})

    assert response.status_code == 200
    assert response["Content-Type"] == "text/event-stream"
    assert response["Cache-Control"] == "no-cache"
    assert response["X-Accel-Buffering"] == "no"
    conversation_id = events[0][1]["conversation_id"]
    question, reply = [m async for m in Message.objects.order_by("id")]
    assert events == [
        (
            "start",
            {
                "conversation_id": conversation_id,
                "title": "Count",
                "demo": False,
                "question_id": question.pk,
                "answer_to": question.pk,
                "continues": None,
            },
        ),
        ("delta", {"text": "one"}),
        ("delta", {"text": " two"}),
        ("delta", {"text": " three"}),
        (
            "done",
            {
                "conversation_id": conversation_id,
                "message_id": reply.pk,
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
    reply = await Message.objects.aget(role="assistant")
    assert events[1:] == [
        (
            "error",
            {
                "error": "The model is busy with too many requests. "
                "Wait a minute and try again.",
                "conversation_id": conversation_id,
                "message_id": reply.pk,
            },
        )
    ]
    stored = [(m.role, m.status) async for m in Message.objects.all()]
    assert stored == [("user", "complete"), ("assistant", "failed")]


async def test_stream_cut_midway_keeps_the_partial_reply(async_client, fake_llm):
    fake_llm.reset(fault="cut", reply="one two three four", chunks_before_fault=2)

    _, events = await stream(async_client, {"message": "Hi"})

    assert [name for name, _ in events] == ["start", "delta", "delta", "error"]
    assert events[-1][1]["error"] == contracts.BROKE_OFF
    reply = await Message.objects.aget(role="assistant")
    assert (reply.content, reply.status, reply.error) == (
        "one two",
        "partial",
        contracts.BROKE_OFF,
    )


async def test_stream_that_stalls_between_tokens_times_out(
    async_client, fake_llm, settings
):
    settings.LLM_TIMEOUT = 0.5
    fake_llm.reset(fault="stall", reply="one two three", chunks_before_fault=1)

    _, events = await stream(async_client, {"message": "Hi"})

    reply = await Message.objects.aget(role="assistant")
    assert events[1:] == [
        ("delta", {"text": "one"}),
        (
            "error",
            {
                "error": contracts.TIMED_OUT,
                "conversation_id": events[0][1]["conversation_id"],
                "message_id": reply.pk,
            },
        ),
    ]
    assert (reply.content, reply.status) == ("one", "partial")


async def test_stream_without_done_marker_still_completes(async_client, fake_llm):
    fake_llm.reset(fault="no_done", reply="all of it")

    _, events = await stream(async_client, {"message": "Hi"})

    assert [name for name, _ in events] == ["start", "delta", "delta", "delta", "done"]


async def test_stream_without_usage_is_a_complete_reply_counted_by_litellm(
    async_client, fake_llm
):
    fake_llm.reset(fault="no_usage", reply="all of it")

    _, events = await stream(async_client, {"message": "Hi"})

    assert [name for name, _ in events] == ["start", "delta", "delta", "delta", "done"]
    reply = await Message.objects.aget(role="assistant")
    # LiteLLM counts the tokens itself when the server reports none.
    assert (reply.content, reply.status, reply.completion_tokens) == (
        "all of it",
        "complete",
        3,
    )


async def test_stream_body_that_is_not_an_event_stream_is_an_error_not_an_empty_reply(
    async_client, fake_llm
):
    fake_llm.reset(fault="non_json")

    _, events = await stream(async_client, {"message": "Hi"})

    error = "The model sent an answer that could not be read. Try again."
    reply = await Message.objects.aget(role="assistant")
    assert events[1:] == [
        (
            "error",
            {
                "error": error,
                "conversation_id": events[0][1]["conversation_id"],
                "message_id": reply.pk,
            },
        )
    ]
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
    settings.LLM_DEMO = True
    settings.LLM_API_BASE = ""

    _, events = await stream(async_client, {"message": "Hi"})

    assert events[0][1]["demo"] is True
    text = "".join(data["text"] for name, data in events if name == "delta")
    assert text.startswith("**Demo mode.**")
    assert events[-1][0] == "done"
