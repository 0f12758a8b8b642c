"""chat/llm.py: demo mode, the configured model in LiteLLM's price list, and
what each failure is called."""

import asyncio
import itertools
import socket

import httpx
import litellm
import pytest
from litellm.exceptions import MidStreamFallbackError
from litellm.integrations.custom_logger import CustomLogger

from chat import llm
from tests import contracts
from tests.backend.conftest import post


class CostRecorder(CustomLogger):
    """The cost LiteLLM computed after each successful completion."""

    def __init__(self) -> None:
        super().__init__()
        self.costs: list[float | None] = []
        self.logged = asyncio.Event()

    async def async_log_success_event(self, kwargs, response_obj, start_time, end_time):
        self.costs.append(kwargs.get("response_cost"))
        self.logged.set()


@pytest.fixture(scope="module")
def recorder():
    # One for the module: a second one, added after LiteLLM's first
    # completion in this process, was never called.
    recorder = CostRecorder()
    litellm.callbacks.append(recorder)
    yield recorder
    litellm.callbacks.remove(recorder)


@pytest.fixture
def recorded(recorder):
    recorder.costs.clear()
    recorder.logged = asyncio.Event()
    return recorder


def test_an_api_base_ends_demo_mode(settings):
    settings.LLM_DEMO = True
    settings.LLM_API_BASE = "http://127.0.0.1:9/v1"

    assert llm.is_demo() is False


def test_the_configured_model_is_priced_at_start_up():
    """The app registered its default model when Django started (chat/apps.py)."""
    info = litellm.get_model_info(llm.model_name())

    assert info["input_cost_per_token"] == llm.PLACEHOLDER_PRICE_PER_TOKEN
    assert info["output_cost_per_token"] == llm.PLACEHOLDER_PRICE_PER_TOKEN


def test_a_model_named_with_its_organisation_is_priced_for_its_provider(settings):
    """vLLM serves models by their Hugging Face name, which has a slash too."""
    settings.LLM_MODEL = "hosted_vllm/acme/chat-model"

    llm.model_register()

    info = litellm.get_model_info("hosted_vllm/acme/chat-model")
    price = llm.PLACEHOLDER_PRICE_PER_TOKEN
    assert {
        "provider": info["litellm_provider"],
        "mode": info["mode"],
        "cached token price": info["cache_read_input_token_cost"],
    } == {"provider": "hosted_vllm", "mode": "chat", "cached token price": price}


def test_a_model_litellm_knows_keeps_its_price(settings):
    settings.LLM_MODEL = "openai/gpt-4o"
    before = litellm.get_model_info("openai/gpt-4o")["input_cost_per_token"]

    llm.model_register()

    assert litellm.get_model_info("openai/gpt-4o")["input_cost_per_token"] == before
    assert before != llm.PLACEHOLDER_PRICE_PER_TOKEN


@pytest.mark.parametrize("prefix", ["", "openai/"])
async def test_a_completion_finds_its_model_in_the_price_list(
    fake_llm, settings, recorded, prefix
):
    """LiteLLM's cost calculation after the completion finds the model: a
    model it cannot find gets no cost (None), after a caught
    ModelNotMappedError. The answer and its usage are unchanged."""
    settings.LLM_MODEL = prefix + fake_llm.model
    llm.model_register()

    answer = await llm.complete([{"role": "user", "content": "Hi there"}])
    async with asyncio.timeout(5):
        await recorded.logged.wait()

    assert answer == llm.Answer(
        text="Hello from the fake model.",
        usage={"prompt_tokens": 2, "completion_tokens": 5, "total_tokens": 7},
    )
    assert recorded.costs == [pytest.approx(7 * llm.PLACEHOLDER_PRICE_PER_TOKEN)]


@pytest.mark.django_db(transaction=True)
async def test_the_placeholder_price_is_not_shown(async_client, fake_llm):
    llm.model_register()

    response = await post(async_client, {"message": "Hi"})

    assert set(response.json()) == {
        "response",
        "conversation_id",
        "message_id",
        "usage",
    }


MODEL = {"model": "fake-model", "llm_provider": "hosted_vllm"}


def cut_mid_stream():
    """What LiteLLM raises when a stream breaks off: the cause in an attribute,
    with a status of 503 of its own."""
    return MidStreamFallbackError(
        "stream cut",
        **MODEL,
        original_exception=httpx.RemoteProtocolError("peer closed connection"),
    )


TIMED_OUT = (contracts.TIMED_OUT, "The LLM endpoint timed out.")
UNREACHABLE = (contracts.UNREACHABLE, "The LLM endpoint could not be reached.")
BROKE_OFF = (contracts.BROKE_OFF, "The connection to the LLM endpoint broke off.")


# Failures that the fake endpoint cannot cause: LiteLLM's own exceptions, or
# those of the layers below it, as they reach `llm.explain`.
@pytest.mark.parametrize(
    ("error", "explained"),
    [
        (litellm.Timeout("slow", **MODEL), TIMED_OUT),
        (httpx.ReadTimeout("slow"), TIMED_OUT),
        (
            litellm.APIError(401, "no", **MODEL),
            (contracts.NOT_SET_UP, "The LLM endpoint rejected the API key."),
        ),
        (
            litellm.APIError(429, "slow down", **MODEL),
            (
                contracts.FAILURES["http_429"],
                "The LLM endpoint is rate limiting requests.",
            ),
        ),
        (
            litellm.APIError(404, "no such model", **MODEL),
            (
                contracts.NOT_SET_UP,
                "The LLM endpoint does not offer the model hosted_vllm/fake-model.",
            ),
        ),
        (
            litellm.APIError(422, "unprocessable", **MODEL),
            (
                contracts.FAILURES["error_body_200"],
                "The LLM endpoint rejected the request.",
            ),
        ),
        (ConnectionRefusedError(), UNREACHABLE),
        (socket.gaierror(), UNREACHABLE),
        (httpx.ConnectError("refused"), UNREACHABLE),
        (ConnectionResetError(), BROKE_OFF),
        (litellm.APIConnectionError("gone", **MODEL), BROKE_OFF),
        (cut_mid_stream(), BROKE_OFF),
    ],
    ids=[
        "litellm-timeout",
        "read-timeout",
        "other-error-with-401",
        "other-error-with-429",
        "other-error-with-404",
        "other-error-with-422",
        "refused",
        "unknown-host",
        "connect-error",
        "reset",
        "litellm-connection-error",
        "cut-mid-stream",
    ],
)
def test_each_failure_is_told_in_words(settings, error, explained):
    settings.LLM_MODEL = "fake-model"

    error = llm.explain(error)

    assert (str(error), error.detail) == explained


def test_causes_that_loop_are_each_read_once():
    first, second = ValueError("first"), ValueError("second")
    first.__context__, second.__context__ = second, first

    assert list(itertools.islice(llm._causes(first), 5)) == [first, second]
