"""POST /chat: the whole answer, bad requests, and what is stored."""

import pytest

from chat.models import Conversation, Message
from tests import contracts
from tests.backend.conftest import API_KEY, post

pytestmark = pytest.mark.django_db(transaction=True)


async def test_message_is_answered_with_response_conversation_and_usage(
    async_client, fake_llm
):
    response = await post(async_client, {"message": "Hi there"})

    assert response.status_code == 200
    body = response.json()
    reply = await Message.objects.aget(role="assistant")
    assert body == {
        "response": "Hello from the fake model.",
        "conversation_id": str(reply.conversation_id),
        "message_id": reply.pk,
        "usage": {"prompt_tokens": 2, "completion_tokens": 5, "total_tokens": 7},
    }
    assert fake_llm.record.requests[0]["messages"] == [
        {"role": "user", "content": "Hi there"}
    ]
    assert fake_llm.record.requests[0]["model"] == "fake-model"


async def test_api_key_is_sent_as_bearer_token(async_client, fake_llm):
    await post(async_client, {"message": "Hi"})

    assert fake_llm.record.headers[0]["Authorization"] == f"Bearer {API_KEY}"


async def test_both_messages_are_stored_with_usage(async_client, fake_llm):
    response = await post(async_client, {"message": "Hi"})

    conversation = await Conversation.objects.aget(
        pk=response.json()["conversation_id"]
    )
    stored = [
        (m.role, m.content, m.status, m.total_tokens)
        async for m in conversation.messages.all()
    ]
    assert stored == [
        ("user", "Hi", "complete", None),
        ("assistant", "Hello from the fake model.", "complete", 5),
    ]


async def test_earlier_turns_are_sent_to_the_llm(async_client, fake_llm):
    first = await post(async_client, {"message": "My name is Ada."})
    conversation_id = first.json()["conversation_id"]
    fake_llm.reset(reply="You are Ada.")

    second = await post(
        async_client, {"message": "Who am I?", "conversation_id": conversation_id}
    )

    assert second.json()["conversation_id"] == conversation_id
    assert fake_llm.record.requests[0]["messages"] == [
        {"role": "user", "content": "My name is Ada."},
        {"role": "assistant", "content": "Hello from the fake model."},
        {"role": "user", "content": "Who am I?"},
    ]


async def test_history_is_trimmed_to_the_budget_keeping_the_newest(
    async_client, fake_llm, settings
):
    settings.LLM_HISTORY_CHARS = 40
    first = await post(async_client, {"message": "An old message that is long."})
    conversation_id = first.json()["conversation_id"]
    fake_llm.reset()

    await post(async_client, {"message": "New one", "conversation_id": conversation_id})

    assert fake_llm.record.requests[0]["messages"] == [
        {"role": "user", "content": "New one"}
    ]


async def test_history_budget_drops_whole_turns_and_keeps_the_newest(
    async_client, fake_llm, settings
):
    settings.LLM_HISTORY_CHARS = 70
    first = await post(async_client, {"message": "Old question"})
    conversation_id = first.json()["conversation_id"]
    await post(async_client, {"message": "Recent", "conversation_id": conversation_id})
    fake_llm.reset()

    await post(async_client, {"message": "New one", "conversation_id": conversation_id})

    assert fake_llm.record.requests[0]["messages"] == [
        {"role": "user", "content": "Recent"},
        {"role": "assistant", "content": "Hello from the fake model."},
        {"role": "user", "content": "New one"},
    ]


@pytest.mark.parametrize(
    ("message", "title"),
    [
        ("How do I bake bread?", "How do I bake bread?"),
        ("\n  Line   one\twith  spaces\nline two", "Line one with spaces"),
        ("x" * 61, "x" * 59 + "…"),
        ("y" * 60, "y" * 60),
    ],
)
async def test_new_conversation_is_titled_by_its_first_line(
    async_client, fake_llm, message, title
):
    response = await post(async_client, {"message": message})

    conversation = await Conversation.objects.aget(
        pk=response.json()["conversation_id"]
    )
    assert conversation.title == title


@pytest.mark.parametrize(
    ("body", "error"),
    [
        ("{not json", "The request body is not valid JSON."),
        ('["a list"]', "The request body must be a JSON object."),
        ("[" * 100_000, "The request body is nested too deeply."),
        ("{}", "'message' is required and must be a string."),
        ({"message": 42}, "'message' is required and must be a string."),
        ({"message": None}, "'message' is required and must be a string."),
        ({"message": ""}, "'message' must not be blank."),
        ({"message": " \n\t "}, "'message' must not be blank."),
        ({"message": "a\x00b"}, "'message' contains characters that are not text."),
        ('{"message": "\\ud800"}', "'message' contains characters that are not text."),
        (
            {"message": "hi", "conversation_id": 7},
            "'conversation_id' must be a string.",
        ),
        ({"message": "hi", "regenerate": 1}, "'regenerate' needs a 'conversation_id'."),
        (
            {"conversation_id": "x", "regenerate": 1, "edit": 1},
            "Send only one of 'regenerate', 'edit', 'continue'.",
        ),
        (
            {"conversation_id": "x", "regenerate": "1"},
            "'regenerate' must be a message id (a whole number).",
        ),
        (
            {"conversation_id": "x", "continue": True},
            "'continue' must be a message id (a whole number).",
        ),
        (
            {"conversation_id": "x", "continue": 1, "message": "more"},
            "'continue' takes no 'message'.",
        ),
        (
            {"conversation_id": "x", "edit": 1},
            "'message' is required and must be a string.",
        ),
    ],
)
async def test_bad_request_is_rejected_with_400_and_nothing_is_stored(
    async_client, fake_llm, body, error
):
    response = await post(async_client, body)

    assert response.status_code == 400
    assert response.json() == {"error": error}
    assert await Message.objects.acount() == 0
    assert fake_llm.record.requests == []


@pytest.mark.parametrize(
    "conversation_id", ["nope", "1c8a3a2e-0d1b-4c1e-9a47-1e2f3a4b5c6d"]
)
async def test_unknown_conversation_is_404_and_nothing_is_stored(
    async_client, fake_llm, conversation_id
):
    response = await post(
        async_client, {"message": "hi", "conversation_id": conversation_id}
    )

    assert response.status_code == 404
    assert response.json() == {"error": "Conversation not found."}
    assert await Message.objects.acount() == 0


async def test_message_over_the_size_limit_is_rejected_with_400_in_plain_words(
    async_client, fake_llm, settings
):
    settings.LLM_MAX_MESSAGE_CHARS = 16000

    response = await post(async_client, {"message": "x" * 16432})

    assert response.status_code == 400
    assert response.json() == {
        "error": "Your message is 16,432 characters long; the limit is 16,000. "
        "Shorten it and send again."
    }


async def test_message_as_long_as_the_limit_is_accepted(
    async_client, fake_llm, settings
):
    settings.LLM_MAX_MESSAGE_CHARS = 100

    response = await post(async_client, {"message": "x" * 100})

    assert response.status_code == 200


async def test_body_over_the_upload_limit_is_rejected_with_413(
    async_client, fake_llm, settings
):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 100

    response = await post(async_client, {"message": "x" * 200})

    assert response.status_code == 413
    assert response.json() == {"error": "The request body is too large."}


async def test_form_encoded_body_is_rejected_with_400(async_client, fake_llm):
    response = await post(
        async_client, "message=hi", content_type="application/x-www-form-urlencoded"
    )

    assert response.status_code == 400
    assert response.json() == {
        "error": "The request body must be JSON (Content-Type: application/json)."
    }


@pytest.mark.parametrize("method", ["get", "put", "patch", "delete"])
async def test_other_methods_get_405_with_a_json_error(async_client, method):
    response = await getattr(async_client, method)("/chat")

    assert response.status_code == 405
    assert response["Allow"] == "POST"
    assert response.json() == {"error": f"Method {method.upper()} is not allowed."}


async def test_demo_mode_answers_without_an_endpoint_when_llm_demo_is_on(
    async_client, settings
):
    settings.LLM_DEMO = True
    settings.LLM_API_BASE = ""

    response = await post(async_client, {"message": "Hi"})

    assert response.status_code == 200
    assert response.json()["demo"] is True
    assert response.json()["response"].startswith("**Demo mode.**")


async def test_no_endpoint_without_llm_demo_answers_500_and_stores_the_failure(
    async_client, settings
):
    """DEBUG on does not turn demo mode on."""
    settings.DEBUG = True
    settings.LLM_DEMO = False
    settings.LLM_API_BASE = ""

    response = await post(async_client, {"message": "Hi"})

    error = contracts.NOT_SET_UP
    conversation = await Conversation.objects.aget()
    assert response.status_code == 500
    assert response.json() == {"error": error, "conversation_id": str(conversation.pk)}
    stored = [(m.role, m.status, m.error) async for m in Message.objects.all()]
    assert stored == [("user", "complete", ""), ("assistant", "failed", error)]
