"""Each way the LLM call fails: a 500 in plain words, detail only in the log,
the user's message and the failure stored."""

import pytest

from chat.models import Conversation, Message
from tests import contracts
from tests.backend.conftest import API_KEY

pytestmark = pytest.mark.django_db(transaction=True)

WORDS_FOR_OPERATORS = ("LLM", "endpoint", "HTTP", "API key")
# What the log tells the operator for each fault (the admin's connection test
# shows the same words).
DETAILS = {
    "http_500": "The LLM endpoint failed (HTTP 500).",
    "http_503": "The LLM endpoint failed (HTTP 503).",
    "http_401": "The LLM endpoint rejected the API key.",
    "http_403": "The LLM endpoint refused access with this API key.",
    "http_429": "The LLM endpoint is rate limiting requests.",
    "context_too_long": "The conversation exceeds the model's context window.",
    "non_json": "The LLM endpoint sent a response that could not be understood.",
    "error_body_200": "The LLM endpoint rejected the request.",
    "hang": "The LLM endpoint timed out.",
}


@pytest.mark.parametrize(("fault", "error"), contracts.FAILURES.items())
async def test_llm_failure_answers_500_in_plain_words(
    async_client, fake_llm, settings, fault, error
):
    fake_llm.reset(fault=fault)
    if fault == "hang":
        # Only the hanging endpoint waits for it; the others keep the
        # suite's timeout, so a slow first call on a loaded machine is not
        # mistaken for a hang.
        settings.LLM_TIMEOUT = 0.5

    response = await async_client.post(
        "/chat", {"message": "Hi"}, content_type="application/json"
    )

    conversation = await Conversation.objects.aget()
    assert response.status_code == 500
    assert response.json() == {"error": error, "conversation_id": str(conversation.pk)}
    assert not any(word in error for word in WORDS_FOR_OPERATORS)
    assert API_KEY not in response.content.decode()
    # No retries: one request reached the endpoint.
    assert len(fake_llm.record.requests) == 1
    stored = [
        (m.role, m.content, m.status, m.error) async for m in Message.objects.all()
    ]
    assert stored == [
        ("user", "Hi", "complete", ""),
        ("assistant", "", "failed", error),
    ]


@pytest.mark.parametrize(("fault", "detail"), DETAILS.items())
async def test_the_log_says_what_failed_in_words_for_the_operator(
    async_client, fake_llm, settings, caplog, fault, detail
):
    fake_llm.reset(fault=fault)
    # Only the hanging endpoint waits for it: a first call slowed by a loaded
    # machine must not be logged as a timeout.
    settings.LLM_TIMEOUT = 0.5 if fault == "hang" else 10.0

    await async_client.post("/chat", {"message": "Hi"}, content_type="application/json")

    [failure] = [r for r in caplog.records if r.name == "chat.llm"]
    assert failure.getMessage().startswith(f"LLM call failed: {detail} (")


async def test_refused_connection_says_the_endpoint_could_not_be_reached(
    async_client, settings, unused_tcp_port
):
    settings.LLM_API_BASE = f"http://127.0.0.1:{unused_tcp_port}/v1"
    settings.LLM_MODEL = "fake-model"

    response = await async_client.post(
        "/chat", {"message": "Hi"}, content_type="application/json"
    )

    assert response.status_code == 500
    assert response.json()["error"] == contracts.UNREACHABLE


async def test_unknown_model_is_a_setup_problem_named_in_the_log(
    async_client, fake_llm, settings, caplog
):
    fake_llm.reset(fault="http_404")
    settings.LLM_MODEL = "openai/missing"

    response = await async_client.post(
        "/chat", {"message": "Hi"}, content_type="application/json"
    )

    assert response.json()["error"] == contracts.NOT_SET_UP
    [failure] = [r for r in caplog.records if r.name == "chat.llm"]
    assert failure.getMessage().startswith(
        "LLM call failed: The LLM endpoint does not offer the model openai/missing. "
    )


async def test_upstream_detail_goes_to_the_log(async_client, fake_llm, caplog):
    fake_llm.reset(fault="http_401")

    await async_client.post("/chat", {"message": "Hi"}, content_type="application/json")

    failures = [r for r in caplog.records if r.name == "chat.llm"]
    assert len(failures) == 1
    assert "(AuthenticationError: " in failures[0].getMessage()
    assert "Incorrect API key provided." in failures[0].getMessage()


async def test_without_an_endpoint_the_chat_is_a_setup_problem_in_the_log(
    async_client, settings, caplog
):
    settings.LLM_API_BASE = ""
    settings.LLM_DEMO = False

    response = await async_client.post(
        "/chat", {"message": "Hi"}, content_type="application/json"
    )

    assert (response.status_code, response.json()["error"]) == (
        500,
        contracts.NOT_SET_UP,
    )
    [failure] = [r for r in caplog.records if r.name == "chat.llm"]
    assert failure.getMessage() == "LLM call failed: LLM endpoint is not configured."


async def test_the_request_carries_the_answer_limit(async_client, fake_llm, settings):
    settings.LLM_MAX_TOKENS = 321

    await async_client.post("/chat", {"message": "Hi"}, content_type="application/json")

    assert fake_llm.record.requests[-1]["max_tokens"] == 321


async def test_no_retries_through_the_openai_provider_either(
    async_client, fake_llm, settings
):
    """LiteLLM's openai/ provider goes through the OpenAI client, which retries
    a 500 unless told not to."""
    settings.LLM_MODEL = f"openai/{fake_llm.model}"
    fake_llm.reset(fault="http_500")

    await async_client.post("/chat", {"message": "Hi"}, content_type="application/json")

    assert len(fake_llm.record.requests) == 1
