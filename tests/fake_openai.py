"""An OpenAI-compatible chat server on 127.0.0.1 for tests and benchmarks.

It speaks the parts of the API that LiteLLM uses (``POST /v1/chat/completions``
with and without ``stream``, ``GET /v1/models``) and can be told to fail in the
ways a real endpoint fails. It runs its own event loop in a thread
(tests/loop_server.py), so both synchronous and asynchronous tests can use it.

A message that starts with a directive such as ``[fake fault=cut
tokens_per_second=5]`` overrides the behaviour for that request only, so that
concurrent requests can fail in different ways.

In strict mode it refuses, as vLLM does with the chat templates of Mistral,
Gemma or Llama 2, any request whose roles do not alternate user/assistant
after an optional system message (400, vLLM's error body).
"""

import asyncio
import dataclasses
import json
import re
import time
from dataclasses import dataclass, field

from aiohttp import web

from tests.loop_server import LoopServer

FAULTS = (
    "ok",  # a normal answer
    "http_500",  # an OpenAI-style error body with status 500
    "http_401",
    "http_403",
    "http_429",
    "http_503",
    "http_404",  # an unknown model
    "context_too_long",  # 400 with the context_length_exceeded code
    "non_json",  # 200 with an HTML page
    "error_body_200",  # 200 with an OpenAI error object instead of a completion
    "hang",  # accepts the request and never answers
    "cut",  # streams some tokens, then drops the connection
    "no_done",  # streams every token but never sends [DONE]
    "no_usage",  # streams every token but no usage, as servers without stream_options
    "stall",  # streams some tokens, then stops sending without closing
    "echo_key",  # 401 quoting the API key back, as some endpoints do
)

ERROR_STATUS = {
    "http_500": 500,
    "http_401": 401,
    "echo_key": 401,
    "http_403": 403,
    "http_429": 429,
    "http_503": 503,
    "http_404": 404,
    "context_too_long": 400,
}


@dataclass
class Behaviour:
    fault: str = "ok"
    reply: str = "Hello from the fake model."
    time_to_first_token: float = 0.0
    tokens_per_second: float = 0.0  # 0 streams as fast as it can
    chunks_before_fault: int = 2


@dataclass
class Record:
    requests: list = field(default_factory=list)
    headers: list = field(default_factory=list)
    disconnects: int = 0
    completed_streams: int = 0
    refused: int = 0  # requests refused in strict mode


DIRECTIVE = re.compile(r"^\[fake((?: \w+=\S+)*)\]")


def behaviour_for(default: Behaviour, body: dict) -> Behaviour:
    """The default behaviour, changed by a directive in the last message."""
    messages = body.get("messages") or [{}]
    match = DIRECTIVE.match(str(messages[-1].get("content", "")))
    if not match:
        return default
    types = {f.name: f.type for f in dataclasses.fields(Behaviour)}
    changes = {}
    for pair in match.group(1).split():
        name, value = pair.split("=", 1)
        changes[name] = types[name](value)
    return dataclasses.replace(default, **changes)


# vLLM's answer when the chat template raises (vllm-project/vllm#6862,
# weaviate/Verba#150).
ROLES_MUST_ALTERNATE = {
    "object": "error",
    "message": "Conversation roles must alternate user/assistant/user/assistant/...",
    "type": "BadRequestError",
    "param": None,
    "code": 400,
}


def roles_alternate(messages: list[dict]) -> bool:
    """True when the roles go user, assistant, user, ... after an optional
    system message, as the strict chat templates demand."""
    roles = [m.get("role") for m in messages]
    if roles[:1] == ["system"]:
        roles = roles[1:]
    return bool(roles) and all(
        role == ("user" if i % 2 == 0 else "assistant") for i, role in enumerate(roles)
    )


def split_tokens(text: str) -> list[str]:
    """Split text into word-sized pieces that join back to the original."""
    pieces, start = [], 0
    for i, char in enumerate(text):
        if char == " " and i > start:
            pieces.append(text[start:i])
            start = i
    pieces.append(text[start:])
    return [p for p in pieces if p]


class FakeOpenAI(LoopServer):
    """Start with ``server = FakeOpenAI().start()``; stop with ``server.stop()``.
    ``FakeOpenAI(strict=True)`` refuses roles that do not alternate."""

    model = "fake-model"
    runner_options = {"shutdown_timeout": 0.2}

    def __init__(self, strict: bool = False) -> None:
        super().__init__()
        self.strict = strict
        self.behaviour = Behaviour()
        self.record = Record()

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/v1"

    def reset(self, **behaviour) -> None:
        self.behaviour = Behaviour(**behaviour)
        self.record = Record()

    def wait_for(self, predicate, timeout: float = 10.0) -> bool:
        """Poll ``predicate(record)`` until it holds or ``timeout`` passes."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if predicate(self.record):
                return True
            time.sleep(0.02)
        return predicate(self.record)

    def routes(self, app: web.Application) -> None:
        app.router.add_post("/v1/chat/completions", self._completions)
        app.router.add_get("/v1/models", self._models)

    async def _shutdown(self) -> None:
        await super()._shutdown()
        # Handlers told to hang are still waiting: end them.
        others = asyncio.all_tasks() - {asyncio.current_task()}
        for task in others:
            task.cancel()
        await asyncio.gather(*others, return_exceptions=True)

    async def _models(self, request: web.Request) -> web.Response:
        self.record.headers.append(dict(request.headers))
        if self.behaviour.fault in ERROR_STATUS:
            return self._error(self.behaviour.fault, request)
        return web.json_response(
            {"object": "list", "data": [{"id": self.model, "object": "model"}]}
        )

    async def _completions(self, request: web.Request) -> web.StreamResponse:
        body = await request.json()
        self.record.requests.append(body)
        self.record.headers.append(dict(request.headers))
        if self.strict and not roles_alternate(body.get("messages") or []):
            self.record.refused += 1
            return web.json_response(ROLES_MUST_ALTERNATE, status=400)
        behaviour = behaviour_for(self.behaviour, body)
        fault = behaviour.fault
        if fault in ERROR_STATUS:
            return self._error(fault, request)
        if fault == "non_json":
            return web.Response(
                text="<html><body>502 Bad Gateway</body></html>",
                content_type="text/html",
            )
        if fault == "error_body_200":
            return web.json_response(
                {"error": {"message": "upstream overloaded", "type": "server_error"}}
            )
        if fault == "hang":
            await asyncio.sleep(3600)
        await asyncio.sleep(behaviour.time_to_first_token)
        if body.get("stream"):
            return await self._stream(request, body, behaviour)
        return web.json_response(self._completion(body, behaviour))

    def _error(self, fault: str, request: web.Request) -> web.Response:
        code = "context_length_exceeded" if fault == "context_too_long" else None
        key = request.headers.get("Authorization", "").removeprefix("Bearer ")
        message = {
            "context_too_long": "This model's maximum context length is 8 tokens.",
            "http_401": "Incorrect API key provided.",
            "echo_key": f"Incorrect API key provided: {key}.",
        }.get(fault, f"fake upstream fault {fault}")
        return web.json_response(
            {"error": {"message": message, "type": "error", "code": code}},
            status=ERROR_STATUS[fault],
        )

    def _usage(self, body: dict, behaviour: Behaviour) -> dict:
        prompt = sum(len(str(m.get("content", ""))) for m in body["messages"]) // 4
        completion = len(split_tokens(behaviour.reply))
        return {
            "prompt_tokens": prompt,
            "completion_tokens": completion,
            "total_tokens": prompt + completion,
        }

    def _completion(self, body: dict, behaviour: Behaviour) -> dict:
        return {
            "id": "chatcmpl-fake",
            "object": "chat.completion",
            "created": int(time.time()),
            "model": self.model,
            "choices": [
                {
                    "index": 0,
                    "message": {"role": "assistant", "content": behaviour.reply},
                    "finish_reason": "stop",
                }
            ],
            "usage": self._usage(body, behaviour),
        }

    def _chunk(self, delta: dict, finish_reason=None, usage=None) -> bytes:
        chunk = {
            "id": "chatcmpl-fake",
            "object": "chat.completion.chunk",
            "created": int(time.time()),
            "model": self.model,
            "choices": [{"index": 0, "delta": delta, "finish_reason": finish_reason}],
        }
        if usage is not None:
            chunk["usage"] = usage
        return b"data: " + json.dumps(chunk).encode() + b"\n\n"

    async def _stream(
        self, request: web.Request, body: dict, behaviour: Behaviour
    ) -> web.StreamResponse:
        response = web.StreamResponse(headers={"Content-Type": "text/event-stream"})
        await response.prepare(request)
        delay = 1 / behaviour.tokens_per_second if behaviour.tokens_per_second else 0
        try:
            await response.write(self._chunk({"role": "assistant", "content": ""}))
            for i, token in enumerate(split_tokens(behaviour.reply)):
                if (
                    behaviour.fault in ("cut", "stall")
                    and i == behaviour.chunks_before_fault
                ):
                    if behaviour.fault == "stall":
                        await asyncio.sleep(3600)
                    request.transport.close()
                    return response
                if delay:
                    await asyncio.sleep(delay)
                await response.write(self._chunk({"content": token}))
            usage = self._usage(body, behaviour)
            if behaviour.fault == "no_usage":
                usage = None
            await response.write(self._chunk({}, "stop", usage))
            if behaviour.fault != "no_done":
                await response.write(b"data: [DONE]\n\n")
            await response.write_eof()
            self.record.completed_streams += 1
        except ConnectionResetError:
            self.record.disconnects += 1
        except asyncio.CancelledError:
            self.record.disconnects += 1
            raise
        return response
