"""Closed-loop load: N clients, each sending its next request as soon as the
last one is answered, for a fixed time. Clients are HTTP (aiohttp) or the bare
LiteLLM SDK (tests/bench/baseline.py); all share this driver and its figures."""

import asyncio
import json
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field

import aiohttp


@dataclass
class Sample:
    """One request: seconds from sending to the end, to the first body byte and
    to the first token, and the arrival time of every token."""

    ok: bool
    total: float = 0.0
    first_byte: float | None = None
    first_token: float | None = None
    token_times: list[float] = field(default_factory=list)
    error: str = ""


Call = Callable[[], Awaitable[Sample]]


async def closed_loop(
    clients: int, duration: float, call: Call, measuring: Callable = lambda: None
) -> dict:
    """Run ``clients`` loops of ``call`` for ``duration`` seconds, after one
    call to warm up; ``measuring()`` is called when the measured part starts.
    Client i starts after i/clients of the warm-up call's time, so that
    streams are spread over their length instead of arriving in one burst."""
    started = time.perf_counter()
    first = await call()
    measuring()
    spread = min(first.total, duration / 2) if first.ok else 0.0
    deadline = time.perf_counter() + duration
    samples: list[Sample] = []

    async def client(index: int) -> None:
        await asyncio.sleep(spread * index / clients)
        while time.perf_counter() < deadline:
            samples.append(await call())

    measured_from = time.perf_counter()
    await asyncio.gather(*(client(i) for i in range(clients)))
    elapsed = time.perf_counter() - measured_from
    return {
        "samples": samples,
        "elapsed": elapsed,
        "warmup": measured_from - started,
    }


def _timed(parse_line: Callable[[bytes], str | None]):
    """An HTTP call that reads the body line by line; ``parse_line`` returns
    "token", "error" or None for each line."""

    async def call(session: aiohttp.ClientSession, url: str, **kwargs) -> Sample:
        start = time.perf_counter()
        sample = Sample(ok=False)
        try:
            async with session.post(url, **kwargs) as response:
                if response.status != 200:
                    await response.read()
                    sample.error = f"HTTP {response.status}"
                    return sample
                saw_error = False
                async for line in response.content:
                    now = time.perf_counter() - start
                    if sample.first_byte is None:
                        sample.first_byte = now
                    kind = parse_line(line)
                    if kind == "token":
                        if sample.first_token is None:
                            sample.first_token = now
                        sample.token_times.append(now)
                    elif kind == "error":
                        saw_error = True
                        sample.error = line.decode(errors="replace").strip()
                sample.ok = not saw_error
        except (aiohttp.ClientError, TimeoutError) as exc:
            sample.error = f"{type(exc).__name__}: {exc}"
        finally:
            sample.total = time.perf_counter() - start
        return sample

    return call


def _openai_line(line: bytes) -> str | None:
    """A line of an OpenAI chat completion stream or of a whole JSON answer."""
    if not line.startswith(b"data: "):
        return None
    data = line[6:].strip()
    if data == b"[DONE]":
        return None
    chunk = json.loads(data)
    if "error" in chunk:
        return "error"
    choices = chunk.get("choices") or [{}]
    return "token" if choices[0].get("delta", {}).get("content") else None


class _BackendEvents:
    """The backend's event stream: `event:` names the next `data:` line."""

    def __init__(self) -> None:
        self.event = ""

    def __call__(self, line: bytes) -> str | None:
        if line.startswith(b"event: "):
            self.event = line[7:].strip().decode()
        elif line.startswith(b"data: "):
            if self.event == "delta":
                return "token"
            if self.event == "error":
                return "error"
        return None


async def openai_stream(session, url, **kwargs) -> Sample:
    sample = await _timed(_openai_line)(session, url, **kwargs)
    if sample.ok and not sample.token_times:
        sample.ok, sample.error = False, "no tokens"
    return sample


async def backend_stream(session, url, **kwargs) -> Sample:
    sample = await _timed(_BackendEvents())(session, url, **kwargs)
    if sample.ok and not sample.token_times:
        sample.ok, sample.error = False, "no tokens"
    return sample


async def plain_request(session, url, **kwargs) -> Sample:
    """A request whose whole answer is one JSON body."""
    start = time.perf_counter()
    try:
        async with session.post(url, **kwargs) as response:
            body = await response.read()
            ok = response.status == 200
            error = "" if ok else f"HTTP {response.status}: {body[:200]!r}"
    except (aiohttp.ClientError, TimeoutError) as exc:
        ok, error = False, f"{type(exc).__name__}: {exc}"
    return Sample(ok=ok, total=time.perf_counter() - start, error=error)


def session() -> aiohttp.ClientSession:
    # Clients as scripts: no owner cookie kept, so no CSRF token to send.
    return aiohttp.ClientSession(
        connector=aiohttp.TCPConnector(limit=0),
        timeout=aiohttp.ClientTimeout(total=120),
        cookie_jar=aiohttp.DummyCookieJar(),
    )
