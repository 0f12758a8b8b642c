"""Each way the LLM call fails: a 500 in plain words, detail only in the log,
the user's message and the failure stored."""

import pytest

from chat.models import Message
from tests.backend.conftest import API_KEY

pytestmark = pytest.mark.django_db(transaction=True)

FAILURES = [
    ("http_500", "The LLM endpoint failed (HTTP 500)."),
    ("http_503", "The LLM endpoint is unavailable right now."),
    ("http_401", "The LLM endpoint rejected the API key."),
    ("http_403", "The LLM endpoint refused access with this API key."),
    ("http_429", "The LLM endpoint is rate limiting requests: try again shortly."),
    (
        "context_too_long",
        "The conversation is too long for the model: start a new chat.",
    ),
    ("non_json", "The LLM endpoint sent a response that could not be understood."),
    ("error_body_200", "The LLM endpoint rejected the request."),
    ("hang", "The LLM endpoint timed out."),
]


@pytest.mark.parametrize(("fault", "error"), FAILURES)
async def test_llm_failure_answers_500_in_plain_words(
    async_client, fake_llm, settings, fault, error
):
    fake_llm.reset(fault=fault)
    settings.LLM_TIMEOUT = 0.5

    response = await async_client.post(
        "/chat", {"message": "Hi"}, content_type="application/json"
    )

    assert response.status_code == 500
    assert response.json() == {"error": error}
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


async def test_refused_connection_says_the_endpoint_could_not_be_reached(
    async_client, settings, unused_tcp_port
):
    settings.LLM_API_BASE = f"http://127.0.0.1:{unused_tcp_port}/v1"
    settings.LLM_MODEL = "fake-model"

    response = await async_client.post(
        "/chat", {"message": "Hi"}, content_type="application/json"
    )

    assert response.status_code == 500
    assert response.json() == {"error": "The LLM endpoint could not be reached."}


async def test_unknown_model_is_named_in_the_error(async_client, fake_llm, settings):
    fake_llm.reset(fault="http_404")
    settings.LLM_MODEL = "openai/missing"

    response = await async_client.post(
        "/chat", {"message": "Hi"}, content_type="application/json"
    )

    assert response.json() == {
        "error": "The LLM endpoint does not offer the model openai/missing."
    }


async def test_upstream_detail_goes_to_the_log(async_client, fake_llm, caplog):
    fake_llm.reset(fault="http_401")

    await async_client.post("/chat", {"message": "Hi"}, content_type="application/json")

    failures = [r for r in caplog.records if r.name == "chat.llm"]
    assert len(failures) == 1
    assert "Incorrect API key provided." in failures[0].getMessage()
