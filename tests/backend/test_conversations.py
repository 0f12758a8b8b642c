"""The conversation API: list, read, rename, delete, each for its owner only."""

import json

import pytest
from asgiref.sync import sync_to_async

from django.db import connection
from django.test import AsyncClient

from chat.api import DATABASE_DOWN
from chat.models import Conversation, Message
from tests import contracts
from tests.backend.conftest import owner_of, post, stream

pytestmark = pytest.mark.django_db(transaction=True)

NOT_FOUND = {"error": "Conversation not found."}


async def start(client, message="Hi") -> str:
    response = await post(client, {"message": message})
    return response.json()["conversation_id"]


async def call(client, method, conversation_id):
    """GET, PATCH (a new title) or DELETE a conversation."""
    url = f"/chat/conversations/{conversation_id}"
    if method == "patch":
        return await patch(client, conversation_id, {"title": "Stolen"})
    return await getattr(client, method)(url)


async def patch(client, conversation_id, body):
    return await client.patch(
        f"/chat/conversations/{conversation_id}",
        json.dumps(body),
        content_type="application/json",
    )


async def test_history_lists_every_message_with_its_id_and_status(
    async_client, fake_llm
):
    conversation_id = await start(async_client, "Hi")
    fake_llm.reset(fault="http_500")
    await post(async_client, {"message": "Again", "conversation_id": conversation_id})

    response = await async_client.get(f"/chat/conversations/{conversation_id}")

    ids = [m.pk async for m in Message.objects.order_by("id")]
    assert response.status_code == 200
    body = response.json()
    assert (body["conversation_id"], body["title"]) == (conversation_id, "Hi")
    assert [
        (m["id"], m["role"], m["content"], m["status"], m["error"])
        for m in body["messages"]
    ] == [
        (ids[0], "user", "Hi", "complete", ""),
        (ids[1], "assistant", "Hello from the fake model.", "complete", ""),
        (ids[2], "user", "Again", "complete", ""),
        (
            ids[3],
            "assistant",
            "",
            "failed",
            contracts.UNAVAILABLE,
        ),
    ]


@pytest.mark.parametrize(
    "conversation_id", ["nope", "1c8a3a2e-0d1b-4c1e-9a47-1e2f3a4b5c6d"]
)
@pytest.mark.parametrize("method", ["get", "patch", "delete"])
async def test_unknown_conversation_is_404(async_client, conversation_id, method):
    response = await call(async_client, method, conversation_id)

    assert response.status_code == 404
    assert response.json() == NOT_FOUND


async def test_other_methods_are_405_with_the_allowed_ones(async_client):
    response = await async_client.post("/chat/conversations/nope")

    assert response.status_code == 405
    assert response["Allow"] == "GET, PATCH, DELETE"


@sync_to_async
def rename_table(model, old, new):
    with connection.schema_editor() as editor:
        editor.alter_db_table(model, old, new)


async def test_a_database_error_is_503_in_plain_words(async_client):
    table = Conversation._meta.db_table
    await rename_table(Conversation, table, f"{table}_away")
    try:
        response = await async_client.get("/chat/conversations")
    finally:
        await rename_table(Conversation, f"{table}_away", table)

    assert response.status_code == 503
    assert response.json() == {"error": DATABASE_DOWN}


CHAT_FORMS = [
    {"message": "Mine now?"},
    {"regenerate": "answer"},
    {"regenerate": "question"},
    {"edit": "question", "message": "Changed"},
    {"continue": "answer"},
]


@pytest.fixture
async def others(fake_llm):
    """A conversation of another browser: its id and message ids."""
    fake_llm.reset(fault="cut", reply="one two three")
    _, events = await stream(AsyncClient(), {"message": "Secret question"})
    conversation_id = events[0][1]["conversation_id"]
    question, answer = [m.pk async for m in Message.objects.order_by("id")]
    fake_llm.reset()
    return {"id": conversation_id, "question": question, "answer": answer}


@pytest.mark.parametrize("method", ["get", "patch", "delete"])
async def test_another_owners_conversation_is_404(async_client, others, method):
    response = await call(async_client, method, others["id"])

    assert response.status_code == 404
    assert response.json() == NOT_FOUND
    conversation = await Conversation.objects.aget(pk=others["id"])
    assert conversation.title == "Secret question"


@pytest.mark.parametrize("path", ["/chat", "/chat/stream"])
@pytest.mark.parametrize("form", CHAT_FORMS)
async def test_another_owners_conversation_cannot_be_chatted_in(
    async_client, fake_llm, others, path, form
):
    body = {k: others.get(v, v) for k, v in form.items()}

    response = await post(async_client, {**body, "conversation_id": others["id"]}, path)

    assert response.status_code == 404
    assert response.json() == NOT_FOUND
    assert await Message.objects.acount() == 2
    assert fake_llm.record.requests == []


async def test_conversations_stored_before_owners_existed_are_nobodys(
    async_client, fake_llm
):
    legacy = await Conversation.objects.acreate(title="Old")

    response = await async_client.get(f"/chat/conversations/{legacy.pk}")
    listed = await async_client.get("/chat/conversations")

    assert response.status_code == 404
    assert listed.json() == {"conversations": []}


async def test_list_shows_own_conversations_newest_activity_first(
    async_client, fake_llm
):
    await start(AsyncClient(), "Not mine")
    first = await start(async_client, "First")
    second = await start(async_client, "Second")
    await post(async_client, {"message": "More", "conversation_id": first})

    response = await async_client.get("/chat/conversations")

    stored = {str(c.pk): c async for c in Conversation.objects.all()}
    assert response.status_code == 200
    assert response.json() == {
        "conversations": [
            {
                "id": pk,
                "title": stored[pk].title,
                "created_at": stored[pk].created_at.isoformat(),
                "updated_at": stored[pk].updated_at.isoformat(),
            }
            for pk in (first, second)
        ]
    }


async def test_list_searches_titles_ignoring_case(async_client, fake_llm):
    bread = await start(async_client, "Baking BREAD at home")
    await start(async_client, "Tax forms")

    response = await async_client.get("/chat/conversations", {"q": " bread "})

    assert [c["id"] for c in response.json()["conversations"]] == [bread]


async def test_list_holds_at_most_200(async_client, fake_llm):
    await start(async_client)
    owner = owner_of(async_client)
    await Conversation.objects.abulk_create(
        [Conversation(owner=owner, title=f"c{i}") for i in range(200)]
    )

    response = await async_client.get("/chat/conversations")

    assert len(response.json()["conversations"]) == 200


async def test_search_text_that_no_column_can_hold_is_400(async_client):
    response = await async_client.get("/chat/conversations", {"q": "a\x00b"})

    assert response.status_code == 400


async def test_rename_returns_the_summary_and_keeps_the_place_in_the_list(
    async_client, fake_llm
):
    older = await start(async_client, "Older")
    await start(async_client, "Newer")

    response = await patch(async_client, older, {"title": "  Holiday plans \n"})

    conversation = await Conversation.objects.aget(pk=older)
    assert response.status_code == 200
    assert response.json() == {
        "id": older,
        "title": "Holiday plans",
        "created_at": conversation.created_at.isoformat(),
        "updated_at": conversation.updated_at.isoformat(),
    }
    assert conversation.title == "Holiday plans"
    listed = (await async_client.get("/chat/conversations")).json()["conversations"]
    assert [c["title"] for c in listed] == ["Newer", "Holiday plans"]


@pytest.mark.parametrize(
    ("body", "error"),
    [
        ({"title": " \t"}, "The title must not be blank."),
        ({"title": "x" * 201}, "The title is longer than 200 characters."),
        ({"title": 5}, "'title' is required and must be a string."),
        ({}, "'title' is required and must be a string."),
        ({"title": "a\x00"}, "The title contains characters that are not text."),
        ("[]", "The request body must be a JSON object."),
    ],
)
async def test_bad_title_is_400_and_the_title_stays(
    async_client, fake_llm, body, error
):
    conversation_id = await start(async_client, "Kept")

    response = await async_client.patch(
        f"/chat/conversations/{conversation_id}",
        body if isinstance(body, str) else json.dumps(body),
        content_type="application/json",
    )

    assert response.status_code == 400
    assert response.json() == {"error": error}
    assert (await Conversation.objects.aget(pk=conversation_id)).title == "Kept"


async def test_title_of_200_characters_is_kept_whole(async_client, fake_llm):
    conversation_id = await start(async_client)

    response = await patch(async_client, conversation_id, {"title": "t" * 200})

    assert response.json()["title"] == "t" * 200


async def test_delete_removes_the_conversation_and_its_messages(async_client, fake_llm):
    kept = await start(async_client, "Kept")
    deleted = await start(async_client, "Deleted")

    response = await async_client.delete(f"/chat/conversations/{deleted}")
    again = await async_client.get(f"/chat/conversations/{deleted}")

    assert response.status_code == 204
    assert response.content == b""
    assert again.status_code == 404
    assert [str(c.pk) async for c in Conversation.objects.all()] == [kept]
    assert await Message.objects.exclude(conversation_id=kept).acount() == 0
