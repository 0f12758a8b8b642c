"""The baselines, run as a script pinned to the core the backend gets: the same
chat request straight to the upstream over HTTP, or through the bare LiteLLM
SDK called as chat/llm.py calls it. LiteLLM is imported before the event loop
starts, as a server imports it. With `--floor MODEL`, the best-knobs floor:
MODEL priced in LiteLLM and `gc.freeze()` once the imports are done.

Says "ready" once imported, then stays up, idle between runs, as a server
does: reads a run a line on stdin, as JSON ({"kind": "direct"|"sdk", "shape":
"request"|"stream"|"capacity", "api_base", "clients", "seconds", "model",
"earlier"}), and prints its figures, with the script's own CPU time, as a line
of JSON. A capacity run searches the stream count (tests/bench/capacity.py)
from "start" to "resolution" instead of running "clients". Ends when stdin
closes.
"""

import argparse
import asyncio
import gc
import json
import os
import resource
import sys
import time

# As chat/llm.py does: before the import, which otherwise fetches a price list.
os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")
os.environ.setdefault("LITELLM_TELEMETRY", "False")

import litellm

from tests.bench import capacity, load
from tests.bench.history import messages
from tests.bench.stats import summary

litellm.telemetry = False
litellm.suppress_debug_info = True
# Far below any real model's, but not zero: a zero price sends every answer
# through LiteLLM's zero-cost diagnostics.
FLOOR_PRICE_PER_TOKEN = 1e-9


def _cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def _body(model: str, stream: bool, earlier: int) -> dict:
    body = {
        "model": model,
        "messages": messages(earlier),
        "max_tokens": 1024,
        "stream": stream,
    }
    if stream:
        body["stream_options"] = {"include_usage": True}
    return body


def direct(api_base: str, stream: bool, session) -> load.Call:
    url = f"{api_base}/chat/completions"
    body = _body("fake-model", stream, 0)
    headers = {"Authorization": "Bearer none"}
    send = load.openai_stream if stream else load.plain_request
    return lambda: send(session, url, json=body, headers=headers)


def sdk(api_base: str, stream: bool, model: str, earlier: int) -> load.Call:
    request = {
        **_body(model, stream, earlier),
        "api_base": api_base,
        "api_key": "none",
        "timeout": 60,
        "num_retries": 0,
        "max_retries": 0,
    }

    async def call() -> load.Sample:
        start = time.perf_counter()
        sample = load.Sample(ok=False)
        try:
            response = await litellm.acompletion(**request)
            if stream:
                async for chunk in response:
                    now = time.perf_counter() - start
                    if sample.first_byte is None:
                        sample.first_byte = now
                    if chunk.choices and chunk.choices[0].delta.content:
                        if sample.first_token is None:
                            sample.first_token = now
                        sample.token_times.append(now)
            sample.ok = bool(sample.token_times) if stream else True
        except Exception as exc:
            sample.error = f"{type(exc).__name__}: {exc}"
        sample.total = time.perf_counter() - start
        return sample

    return call


def floor_knobs(model: str) -> None:
    """The knobs that a server can turn without changing what it does."""
    litellm.register_model(
        {
            model: {
                "input_cost_per_token": FLOOR_PRICE_PER_TOKEN,
                "output_cost_per_token": FLOOR_PRICE_PER_TOKEN,
                "litellm_provider": model.split("/", 1)[0],
                "mode": "chat",
            }
        }
    )
    # The ~200 MiB LiteLLM allocates at import, out of every full collection.
    gc.freeze()


async def _measured(clients: int, seconds: float, call: load.Call, stream: bool):
    cpu_before = []
    result = await load.closed_loop(
        clients,
        seconds,
        call,
        measuring=lambda: cpu_before.append(_cpu()),
    )
    return summary(result, cpu_seconds=_cpu() - cpu_before[0], stream=stream)


async def run(spec: dict, session) -> dict:
    stream = spec["shape"] != "request"
    if spec["kind"] == "direct":
        call = direct(spec["api_base"], stream, session)
    else:
        call = sdk(spec["api_base"], stream, spec["model"], spec.get("earlier", 0))
    if spec["shape"] == "capacity":
        return await capacity.search(
            lambda n: _measured(n, spec["seconds"], call, stream=True),
            start=spec["start"],
            resolution=spec["resolution"],
        )
    return await _measured(spec["clients"], spec["seconds"], call, stream)


async def serve(replies) -> None:
    """One event loop for every run: LiteLLM keeps its HTTP clients per loop."""
    loop = asyncio.get_running_loop()
    print("ready", file=replies, flush=True)
    async with load.session() as session:
        while line := await loop.run_in_executor(None, sys.stdin.readline):
            figures = await run(json.loads(line), session)
            print(json.dumps(figures), file=replies, flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m tests.bench.baseline")
    parser.add_argument("--floor", metavar="MODEL", help="turn the floor's knobs")
    args = parser.parse_args()
    # Stdout carries the replies alone: whatever LiteLLM prints goes to stderr.
    replies, sys.stdout = sys.stdout, sys.stderr
    if args.floor:
        floor_knobs(args.floor)
    asyncio.run(serve(replies))


if __name__ == "__main__":
    main()
