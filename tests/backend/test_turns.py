"""Turns under the strict upstream: context that survives failures, regenerate,
edit and continue."""

import asyncio
import threading
import time

import httpx
import pytest

from django.db import DEFAULT_DB_ALIAS, connection, connections, transaction
from django.test.utils import CaptureQueriesContext

from chat import database, services
from chat.context import CONTINUE
from chat.conversations import conversation_owned
from chat.models import Conversation, Message
from tests.backend.conftest import post, stored, stream
from tests.backend.database_threads import on_every_database_thread
from tests.fake_openai import ROLES_MUST_ALTERNATE

pytestmark = pytest.mark.django_db(transaction=True)

REPLY = "Hello from the fake model."
CONTINUE_ONLY_THE_LAST = "Only the last answer, when it was cut off, can be continued."


def sent(fake_llm) -> list[tuple[str, str]]:
    """(role, content) of what the model got in the last request."""
    return [(m["role"], m["content"]) for m in fake_llm.record.requests[-1]["messages"]]


async def ids(conversation_id) -> list[int]:
    messages = Message.objects.filter(conversation_id=conversation_id)
    return [m.pk async for m in messages.order_by("id")]


async def ask(client, message, conversation_id=None):
    body = {"message": message}
    if conversation_id:
        body["conversation_id"] = conversation_id
    return (await post(client, body)).json()["conversation_id"]


def test_the_strict_upstream_refuses_roles_that_do_not_alternate(fake_llm):
    """As vLLM does with Mistral, Gemma and Llama 2 chat templates."""
    response = httpx.post(
        f"{fake_llm.base_url}/chat/completions",
        json={
            "model": fake_llm.model,
            "messages": [
                {"role": "user", "content": "Hi"},
                {"role": "user", "content": "Hi again"},
            ],
        },
    )

    assert fake_llm.strict is True
    assert response.status_code == 400
    assert response.json() == ROLES_MUST_ALTERNATE


async def test_after_a_transient_failure_the_next_message_is_answered(
    async_client, fake_llm
):
    conversation_id = await ask(async_client, "First")
    fake_llm.reset(fault="http_500")
    failed = await post(
        async_client, {"message": "Second", "conversation_id": conversation_id}
    )
    fake_llm.reset()

    response = await post(
        async_client, {"message": "Third", "conversation_id": conversation_id}
    )

    assert failed.status_code == 500
    assert response.status_code == 200
    assert sent(fake_llm) == [
        ("user", "First"),
        ("assistant", REPLY),
        ("user", "Third"),
    ]


async def test_partial_answers_are_sent_and_empty_ones_left_out(async_client, fake_llm):
    fake_llm.reset(fault="cut", reply="one two three")
    _, events = await stream(async_client, {"message": "Cut"})
    conversation_id = events[0][1]["conversation_id"]
    fake_llm.reset(fault="non_json")
    await stream(async_client, {"message": "Empty", "conversation_id": conversation_id})
    fake_llm.reset()

    await stream(async_client, {"message": "Next", "conversation_id": conversation_id})

    assert sent(fake_llm) == [
        ("user", "Cut"),
        ("assistant", "one two"),
        ("user", "Next"),
    ]


async def test_retry_of_a_failed_answer_replaces_it_and_never_stores_the_question_twice(
    async_client, fake_llm
):
    conversation_id = await ask(async_client, "First")
    fake_llm.reset(fault="http_500")
    await ask(async_client, "Second", conversation_id)
    failed = (await ids(conversation_id))[-1]
    fake_llm.reset(reply="Better")

    response = await post(
        async_client, {"conversation_id": conversation_id, "regenerate": failed}
    )

    assert response.status_code == 200
    assert response.json()["response"] == "Better"
    assert sent(fake_llm) == [
        ("user", "First"),
        ("assistant", REPLY),
        ("user", "Second"),
    ]
    assert await stored(conversation_id) == [
        ("user", "First", "complete"),
        ("assistant", REPLY, "complete"),
        ("user", "Second", "complete"),
        ("assistant", "Better", "complete"),
    ]


async def test_regenerate_replaces_any_answer_and_removes_what_came_after(
    async_client, fake_llm
):
    conversation_id = await ask(async_client, "First")
    await ask(async_client, "Second", conversation_id)
    first_answer = (await ids(conversation_id))[1]
    fake_llm.reset(reply="Another take")

    response, events = await stream(
        async_client, {"conversation_id": conversation_id, "regenerate": first_answer}
    )

    question, answer = await ids(conversation_id)
    assert response.status_code == 200
    assert events[0][1]["question_id"] == events[0][1]["answer_to"] == question
    assert events[-1] == (
        "done",
        {
            "conversation_id": conversation_id,
            "message_id": answer,
            "usage": events[-1][1]["usage"],
        },
    )
    assert sent(fake_llm) == [("user", "First")]
    assert await stored(conversation_id) == [
        ("user", "First", "complete"),
        ("assistant", "Another take", "complete"),
    ]


async def test_regenerate_answers_a_question_left_unanswered_by_a_crash(
    async_client, fake_llm
):
    conversation_id = await ask(async_client, "First")
    question = await Message.objects.acreate(
        conversation_id=conversation_id, role="user", content="Lost in a crash"
    )

    response = await post(
        async_client, {"conversation_id": conversation_id, "regenerate": question.pk}
    )

    assert response.status_code == 200
    assert sent(fake_llm)[-1] == ("user", "Lost in a crash")
    assert [m[:2] for m in await stored(conversation_id)] == [
        ("user", "First"),
        ("assistant", REPLY),
        ("user", "Lost in a crash"),
        ("assistant", REPLY),
    ]


async def test_edit_replaces_the_question_and_everything_after_it(
    async_client, fake_llm
):
    conversation_id = await ask(async_client, "First")
    await ask(async_client, "Second", conversation_id)
    await ask(async_client, "Third", conversation_id)
    second = (await ids(conversation_id))[2]
    fake_llm.reset(reply="Edited answer")

    response, events = await stream(
        async_client,
        {
            "conversation_id": conversation_id,
            "edit": second,
            "message": "Second, fixed",
        },
    )

    new_ids = await ids(conversation_id)
    assert response.status_code == 200
    assert events[0][1]["question_id"] == new_ids[2] != second
    assert sent(fake_llm) == [
        ("user", "First"),
        ("assistant", REPLY),
        ("user", "Second, fixed"),
    ]
    assert await stored(conversation_id) == [
        ("user", "First", "complete"),
        ("assistant", REPLY, "complete"),
        ("user", "Second, fixed", "complete"),
        ("assistant", "Edited answer", "complete"),
    ]


async def test_continue_appends_to_the_cut_off_answer(async_client, fake_llm):
    fake_llm.reset(fault="cut", reply="one two three four")
    _, events = await stream(async_client, {"message": "Count"})
    conversation_id = events[0][1]["conversation_id"]
    question, partial = await ids(conversation_id)
    fake_llm.reset(reply=" three four")

    response, events = await stream(
        async_client, {"conversation_id": conversation_id, "continue": partial}
    )

    assert response.status_code == 200
    start = events[0][1]
    assert (start["question_id"], start["answer_to"], start["continues"]) == (
        None,
        question,
        partial,
    )
    assert events[-1][1]["message_id"] == partial
    assert sent(fake_llm) == [
        ("user", "Count"),
        ("assistant", "one two"),
        ("user", CONTINUE),
    ]
    reply = await Message.objects.aget(pk=partial)
    # The cut-off part came without usage: the tokens are the continuation's.
    assert (reply.content, reply.status, reply.error, reply.completion_tokens) == (
        "one two three four",
        "complete",
        "",
        2,
    )
    assert await Message.objects.acount() == 2


async def test_continue_cut_again_keeps_both_parts_and_stays_partial(
    async_client, fake_llm
):
    fake_llm.reset(fault="cut", reply="one two three")
    _, events = await stream(async_client, {"message": "Count"})
    conversation_id = events[0][1]["conversation_id"]
    partial = (await ids(conversation_id))[1]
    fake_llm.reset(fault="cut", reply=" three four five", chunks_before_fault=1)

    _, events = await stream(
        async_client, {"conversation_id": conversation_id, "continue": partial}
    )

    assert events[-1][0] == "error"
    assert events[-1][1]["message_id"] == partial
    reply = await Message.objects.aget(pk=partial)
    assert (reply.content, reply.status) == ("one two three", "partial")


async def test_continue_over_post_chat_answers_the_whole_stored_answer(
    async_client, fake_llm
):
    fake_llm.reset(fault="cut", reply="one two three")
    _, events = await stream(async_client, {"message": "Count"})
    conversation_id = events[0][1]["conversation_id"]
    partial = (await ids(conversation_id))[1]
    fake_llm.reset(reply=" three")

    response = await post(
        async_client, {"conversation_id": conversation_id, "continue": partial}
    )

    assert response.json()["response"] == "one two three"
    assert response.json()["message_id"] == partial


async def test_a_failed_turn_keeps_the_question_and_stores_the_failure(
    async_client, fake_llm
):
    conversation_id = await ask(async_client, "First")
    answer = (await ids(conversation_id))[1]
    fake_llm.reset(fault="http_503")

    response = await post(
        async_client, {"conversation_id": conversation_id, "regenerate": answer}
    )

    assert response.status_code == 500
    assert response.json()["conversation_id"] == conversation_id
    assert await stored(conversation_id) == [
        ("user", "First", "complete"),
        ("assistant", "", "failed"),
    ]


@pytest.mark.parametrize(
    ("form", "error"),
    [
        (
            {"regenerate": "missing"},
            "Message {missing} is not a message of this conversation.",
        ),
        (
            {"regenerate": "first_question"},
            "Message {first_question} already has an answer: "
            "regenerate the answer instead.",
        ),
        (
            {"regenerate": "last_question"},
            "Message {last_question} already has an answer: "
            "regenerate the answer instead.",
        ),
        (
            {"edit": "first_answer", "message": "x"},
            "Message {first_answer} is not a question of this conversation.",
        ),
        (
            {"edit": "missing", "message": "x"},
            "Message {missing} is not a question of this conversation.",
        ),
        ({"continue": "first_answer"}, CONTINUE_ONLY_THE_LAST),
        ({"continue": "last_answer"}, CONTINUE_ONLY_THE_LAST),
    ],
)
async def test_a_turn_that_does_not_fit_the_conversation_is_400_and_changes_nothing(
    async_client, fake_llm, form, error
):
    conversation_id = await ask(async_client, "First")
    await ask(async_client, "Second", conversation_id)
    other = await ask(async_client, "Elsewhere")
    first_question, first_answer, last_question, last_answer = await ids(
        conversation_id
    )
    names = {
        "first_question": first_question,
        "first_answer": first_answer,
        "last_question": last_question,
        "last_answer": last_answer,
        "missing": (await ids(other))[0],
    }
    body = {k: names.get(v, v) for k, v in form.items()}
    before = await stored(conversation_id)
    fake_llm.reset()

    response = await post(async_client, {**body, "conversation_id": conversation_id})

    assert response.status_code == 400
    assert response.json() == {"error": error.format(**names)}
    assert await stored(conversation_id) == before
    assert fake_llm.record.requests == []


async def test_every_request_alternates_and_ends_with_the_user(async_client, fake_llm):
    """A tour of every kind of turn after failures of every kind: the strict
    upstream refuses none of them."""
    fake_llm.reset(fault="cut", reply="a b c")
    _, events = await stream(async_client, {"message": "One"})
    conversation_id = events[0][1]["conversation_id"]
    for fault in ("http_500", "non_json", "ok", "cut", "ok", "http_429"):
        fake_llm.behaviour.fault = fault
        await stream(
            async_client, {"message": fault, "conversation_id": conversation_id}
        )
    fake_llm.behaviour.fault = "ok"
    turns = [
        lambda m: {"regenerate": m[-1]},
        lambda m: {"regenerate": m[3]},
        lambda m: {"edit": m[2], "message": "Edited"},
        lambda m: {"message": "Last"},
    ]
    for turn in turns:
        body = turn(await ids(conversation_id))
        await post(async_client, {**body, "conversation_id": conversation_id})

    assert fake_llm.record.refused == 0
    assert len(fake_llm.record.requests) == 11
    for request in fake_llm.record.requests:
        assert request["messages"][-1]["role"] == "user"
    assert [m[2] for m in await stored(conversation_id)] == [
        "complete",
        "partial",
        "complete",
        "complete",
        "complete",
        "complete",
    ]


async def queries_of(coroutine) -> list[str]:
    """The SQL that the database threads (chat/database.py) run for `coroutine`."""
    captures = {}

    def capture():
        # The thread's own connection, not `connection`, which stands for the
        # connection of the thread that reads it.
        captures[threading.get_ident()] = CaptureQueriesContext(
            connections[DEFAULT_DB_ALIAS]
        ).__enter__()

    def release():
        captures[threading.get_ident()].__exit__(None, None, None)

    await on_every_database_thread(capture)
    try:
        await coroutine
    finally:
        await on_every_database_thread(release)
    return [
        query["sql"]
        for captured in captures.values()
        for query in captured.captured_queries
    ]


async def test_continue_appends_to_the_last_answer_of_a_longer_conversation(
    async_client, fake_llm
):
    conversation_id = await ask(async_client, "First")
    fake_llm.reset(fault="cut", reply="one two three four")
    await stream(async_client, {"message": "Count", "conversation_id": conversation_id})
    *_, partial = await ids(conversation_id)
    fake_llm.reset(reply=" three four")

    response = await post(
        async_client, {"conversation_id": conversation_id, "continue": partial}
    )

    assert response.status_code == 200
    assert (await stored(conversation_id))[-1] == (
        "assistant",
        "one two three four",
        "complete",
    )


@pytest.mark.parametrize(
    ("form", "error"),
    [
        ({"continue": "answer"}, CONTINUE_ONLY_THE_LAST),
        ({"regenerate": "answer"}, "That answer has no question to answer again."),
    ],
)
async def test_turns_in_a_conversation_edited_in_the_admin_are_400(
    async_client, fake_llm, form, error
):
    """The admin can delete any message: a conversation left without messages,
    or with an answer whose question is gone and a question after it."""
    conversation_id = await ask(async_client, "First")
    question, answer = await ids(conversation_id)
    await Message.objects.filter(pk=question).adelete()
    if "regenerate" in form:
        await Message.objects.acreate(
            conversation_id=conversation_id, role="user", content="Second"
        )
    else:
        await Message.objects.filter(pk=answer).adelete()
    fake_llm.reset()

    response = await post(
        async_client,
        {
            **{key: answer for key in form},
            "conversation_id": conversation_id,
        },
    )

    assert (response.status_code, response.json()) == (400, {"error": error})
    assert fake_llm.record.requests == []


async def test_a_reader_that_goes_away_leaves_the_reply_partial_and_stopped(
    fake_llm,
):
    fake_llm.reset(reply="one two three")
    turn = await services.turn_start(
        client="203.0.113.1", owner="user:alice", conversation_id=None, text="Count"
    )
    events = services.reply_stream(turn=turn)

    read = [await anext(events), await anext(events)]
    await events.aclose()

    reply = await Message.objects.aget(role="assistant")
    assert (read, reply.content, reply.status, reply.error, reply.model) == (
        [services.Delta("one"), services.Delta(" two")],
        "one two",
        "partial",
        "The answer was stopped before it was complete.",
        f"hosted_vllm/{fake_llm.model}",
    )


def conversation_with(earlier: int) -> Conversation:
    conversation = Conversation.objects.create(owner="user:alice", title="Long")
    Message.objects.bulk_create(
        Message(conversation=conversation, role=role, content=f"{role} {i}")
        for i in range(earlier // 2)
        for role in (Message.Role.USER, Message.Role.ASSISTANT)
    )
    return conversation


async def test_a_turn_starts_in_the_same_queries_however_long_the_history():
    """The stored messages come in one query, never one more per message."""
    queries = {}
    for earlier in (10, 40):
        conversation = await database.run(conversation_with, earlier)
        queries[earlier] = await queries_of(
            services.turn_start(
                # A client of its own: each turn opens its client's rate window.
                client=f"203.0.113.{earlier}",
                owner=conversation.owner,
                conversation_id=str(conversation.pk),
                text="And now?",
            )
        )

    reads = [q for q in queries[40] if q.startswith('SELECT "chat_message"')]
    assert len(reads) == 1
    assert len(queries[40]) == len(queries[10])


def _first_tab_turn(conversation: Conversation, locked, release) -> None:
    """A turn of another tab, from its start to its reply, in one
    transaction that holds the conversation's lock until `release`."""
    with transaction.atomic():
        conversation_owned(
            owner=conversation.owner, conversation_id=conversation.pk, locked=True
        )
        Message.objects.create(
            conversation=conversation, role=Message.Role.USER, content="First tab"
        )
        Message.objects.create(
            conversation=conversation, role=Message.Role.ASSISTANT, content="Answer"
        )
        locked.set()
        release.wait(30)


def _a_query_waits_for_a_lock() -> bool:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM pg_stat_activity"
            " WHERE datname = current_database() AND wait_event_type = 'Lock'"
        )
        return cursor.fetchone()[0] > 0


@pytest.mark.skipif(connection.vendor == "sqlite", reason="SQLite gets one thread")
async def test_a_turn_reads_its_conversation_once_a_turn_started_before_is_stored():
    """Two tabs, or a double click: the second turn waits for the first's
    lock, then answers from what the first stored."""
    conversation = await database.run(conversation_with, 2)
    locked, release = threading.Event(), threading.Event()
    first = asyncio.ensure_future(
        database.run(_first_tab_turn, conversation, locked, release)
    )
    await asyncio.to_thread(locked.wait, 30)
    second = asyncio.ensure_future(
        services.turn_start(
            client="203.0.113.1",
            owner=conversation.owner,
            conversation_id=str(conversation.pk),
            text="Second tab",
        )
    )
    try:
        deadline = time.monotonic() + 30
        while not await database.run(_a_query_waits_for_a_lock):
            assert not second.done(), "the second turn did not wait"
            assert time.monotonic() < deadline
            await asyncio.sleep(0.05)
    finally:
        release.set()
        await first
    turn = await second

    assert [m["content"] for m in turn.context] == [
        "user 0", "assistant 0", "First tab", "Answer", "Second tab"
    ]  # fmt: skip
