"""The one module that talks to the LLM, through the LiteLLM SDK.

A full answer (`complete`), a stream of text deltas (`stream`), the endpoint's
model list for the admin's connection test (`models_list`), the configured
model's entry in LiteLLM's price list (`model_register`), and the mapping
from LiteLLM's exceptions to `LLMError`, whose message is fit for a user. The
raw upstream detail goes to the log only.
"""

import asyncio
import logging
import os
import socket
from collections.abc import AsyncIterator
from dataclasses import dataclass

# Before litellm is imported: otherwise the import fetches a price list from
# the internet, which hangs or retries in a cluster without egress.
os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")
os.environ.setdefault("LITELLM_TELEMETRY", "False")

import httpx
import litellm

from django.conf import settings

litellm.telemetry = False
litellm.suppress_debug_info = True

logger = logging.getLogger(__name__)

DEMO_REPLY = (
    "**Demo mode.** No LLM endpoint is configured (`LLM_API_BASE` is unset), "
    "so this is a canned answer from LiteLLM's mock provider. Set `LLM_API_BASE`, "
    "`LLM_API_KEY` and `LLM_MODEL` to talk to a real model."
)


class LLMError(Exception):
    """A failed LLM call: ``str(error)`` says, in plain words, what the user can
    do; ``detail`` is for the operator (the admin's connection test)."""

    def __init__(self, message: str, detail: str) -> None:
        super().__init__(message)
        self.detail = detail


TIMED_OUT = "The model did not answer in time. Try again, or ask a shorter question."
NOT_SET_UP = (
    "The chat cannot reach its model because of a setup problem. Trying again "
    "will not help: tell the people who run this service."
)
UNREACHABLE = (
    "The model cannot be reached right now. Try again in a few minutes; if it "
    "keeps happening, tell the people who run this service."
)
NOT_CONFIGURED = "LLM endpoint is not configured."

# Any price but zero, which sets off LiteLLM's zero-cost diagnostics. The cost
# LiteLLM computes with it is neither shown nor stored.
PLACEHOLDER_PRICE_PER_TOKEN = 1e-9


@dataclass
class Answer:
    text: str
    usage: dict | None


class AnswerStream:
    """An open streamed answer: `deltas()` yields text as it arrives, and
    `usage` is set once the upstream reports it, at the end."""

    def __init__(self, response) -> None:
        self._response = response
        self.usage: dict | None = None

    async def deltas(self) -> AsyncIterator[str]:
        """Each next token must come within LLM_TIMEOUT. Closing this
        generator, or cancelling the task reading it, closes the upstream
        connection at once."""
        chunks = aiter(self._response)
        answered = False
        try:
            while True:
                try:
                    async with asyncio.timeout(settings.LLM_TIMEOUT):
                        chunk = await anext(chunks)
                except StopAsyncIteration:
                    break
                if usage := _usage(chunk):
                    self.usage = usage
                if chunk.choices and (text := chunk.choices[0].delta.content):
                    answered = True
                    yield text
            # LiteLLM ends a body that is no event stream (an HTML error page
            # with status 200) as an answer without text or usage.
            if not answered and self.usage is None:
                raise ValueError("the stream carried no answer")
        except Exception as exc:
            raise explain(exc) from exc
        finally:
            await self._response.aclose()


def is_demo() -> bool:
    return settings.LLM_DEMO and not settings.LLM_API_BASE


def is_configured() -> bool:
    return bool(settings.LLM_API_BASE)


def model_name() -> str:
    """LLM_MODEL with a provider prefix; a bare name means an OpenAI-compatible
    server reached through LiteLLM's `hosted_vllm/` provider."""
    model = settings.LLM_MODEL
    return model if "/" in model else f"hosted_vllm/{model}"


def model_register() -> None:
    """Give the configured model a placeholder price in LiteLLM's price list,
    unless the list knows it already; called once, at start-up.

    LiteLLM computes a cost after each completion: for a model missing from
    its list that raises and catches ModelNotMappedError (~0.6 ms a request).
    """
    model = model_name()
    try:
        litellm.get_model_info(model)
    except litellm.ModelNotMappedError:
        price = PLACEHOLDER_PRICE_PER_TOKEN
        litellm.register_model(
            {
                model: {
                    "litellm_provider": model.split("/", 1)[0],
                    "mode": "chat",
                    "input_cost_per_token": price,
                    "output_cost_per_token": price,
                    # Without it, LiteLLM warns that cached tokens cost nothing.
                    "cache_read_input_token_cost": price,
                }
            }
        )


def _request(messages: list[dict], *, stream: bool) -> dict:
    if not is_configured() and not is_demo():
        logger.warning("LLM call failed: %s", NOT_CONFIGURED)
        raise LLMError(NOT_SET_UP, NOT_CONFIGURED)
    request = {
        "model": model_name(),
        "messages": messages,
        "max_tokens": settings.LLM_MAX_TOKENS,
        "timeout": settings.LLM_TIMEOUT,
        # No retries: each would restart the timeout, and the user's wait must
        # stay bounded by LLM_TIMEOUT. The user can retry from the UI.
        "num_retries": 0,
        "max_retries": 0,
        "stream": stream,
    }
    if stream:
        request["stream_options"] = {"include_usage": True}
    if is_demo():
        request["mock_response"] = DEMO_REPLY
    else:
        request["api_base"] = settings.LLM_API_BASE
        request["api_key"] = settings.LLM_API_KEY or "none"
    return request


def _usage(response) -> dict | None:
    usage = getattr(response, "usage", None)
    if not usage:
        return None
    return {
        "prompt_tokens": usage.prompt_tokens,
        "completion_tokens": usage.completion_tokens,
        "total_tokens": usage.total_tokens,
    }


async def complete(messages: list[dict]) -> Answer:
    """Ask for a whole answer, within LLM_TIMEOUT."""
    try:
        async with asyncio.timeout(settings.LLM_TIMEOUT):
            response = await litellm.acompletion(**_request(messages, stream=False))
        text = response.choices[0].message.content
        if text is None:
            raise ValueError("the completion has no content")
    except Exception as exc:
        raise explain(exc) from exc
    return Answer(text=text, usage=_usage(response))


async def stream(messages: list[dict]) -> AnswerStream:
    """Open a streamed answer; the first token must come within LLM_TIMEOUT."""
    try:
        async with asyncio.timeout(settings.LLM_TIMEOUT):
            response = await litellm.acompletion(**_request(messages, stream=True))
    except Exception as exc:
        raise explain(exc) from exc
    return AnswerStream(response)


async def models_list() -> list[str]:
    """The model ids the endpoint offers (GET {LLM_API_BASE}/models)."""
    if not is_configured():
        raise LLMError(NOT_SET_UP, NOT_CONFIGURED)
    headers = {}
    if settings.LLM_API_KEY:
        headers["Authorization"] = f"Bearer {settings.LLM_API_KEY}"
    url = settings.LLM_API_BASE.rstrip("/") + "/models"
    try:
        async with httpx.AsyncClient(timeout=settings.LLM_TIMEOUT) as client:
            response = await client.get(url, headers=headers)
        if response.status_code in (401, 403):
            raise litellm.AuthenticationError(
                message=response.text, llm_provider="", model=""
            )
        response.raise_for_status()
        return [model["id"] for model in response.json()["data"]]
    except Exception as exc:
        raise explain(exc) from exc


def _causes(exc: BaseException):
    seen = set()
    while exc is not None and id(exc) not in seen:
        seen.add(id(exc))
        yield exc
        exc = (
            getattr(exc, "original_exception", None) or exc.__cause__ or exc.__context__
        )


def explain(exc: Exception) -> LLMError:
    """Map what happened to an `LLMError` a user understands, and log the detail."""
    if isinstance(exc, LLMError):
        return exc
    error = _classify(exc)
    logger.warning(
        "LLM call failed: %s (%s: %s)", error.detail, type(exc).__name__, exc
    )
    return error


def _classify(exc: Exception) -> LLMError:
    causes = list(_causes(exc))
    status = next(
        (s for e in causes if isinstance(s := getattr(e, "status_code", None), int)),
        None,
    )

    def caused_by(*kinds):
        return any(isinstance(e, kinds) for e in causes)

    if caused_by(litellm.Timeout, TimeoutError, httpx.TimeoutException):
        return LLMError(TIMED_OUT, "The LLM endpoint timed out.")
    if caused_by(litellm.ContextWindowExceededError):
        return LLMError(
            "This conversation is too long for the model. Start a new chat, or "
            "edit an earlier message to make it shorter.",
            "The conversation exceeds the model's context window.",
        )
    if caused_by(litellm.AuthenticationError) or status == 401:
        return LLMError(NOT_SET_UP, "The LLM endpoint rejected the API key.")
    if caused_by(litellm.PermissionDeniedError) or status == 403:
        return LLMError(
            NOT_SET_UP, "The LLM endpoint refused access with this API key."
        )
    if caused_by(litellm.RateLimitError) or status == 429:
        return LLMError(
            "The model is busy with too many requests. Wait a minute and try again.",
            "The LLM endpoint is rate limiting requests.",
        )
    if caused_by(ConnectionRefusedError, socket.gaierror, httpx.ConnectError):
        return LLMError(UNREACHABLE, "The LLM endpoint could not be reached.")
    if caused_by(ConnectionError, httpx.TransportError, litellm.APIConnectionError):
        return LLMError(
            "The connection to the model broke off. Try again.",
            "The connection to the LLM endpoint broke off.",
        )
    if caused_by(litellm.NotFoundError) or status == 404:
        return LLMError(
            NOT_SET_UP, f"The LLM endpoint does not offer the model {model_name()}."
        )
    if status in (400, 422):
        return LLMError(
            "The model could not handle this request. Try again, or rephrase "
            "your message or start a new chat.",
            "The LLM endpoint rejected the request.",
        )
    if status is not None and status >= 500:
        return LLMError(
            "The model is unavailable right now. Try again in a moment.",
            f"The LLM endpoint failed (HTTP {status}).",
        )
    return LLMError(
        "The model sent an answer that could not be read. Try again.",
        "The LLM endpoint sent a response that could not be understood.",
    )
