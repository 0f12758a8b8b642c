"""The baselines, run as a script pinned to the core the backend gets: the same
chat request straight to the upstream over HTTP, or through the bare LiteLLM
SDK called as chat/llm.py calls it. Reads a JSON list of runs on stdin
({"kind": "direct"|"sdk", "shape": "request"|"stream", "api_base", "clients",
"seconds", "model"}) and prints the figures of each, with the script's own CPU
time, as a JSON list.
"""

import asyncio
import json
import os
import resource
import sys
import time

from tests.bench import load
from tests.bench.stats import summary

MESSAGE = "Say hello."


def _cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def _body(model: str, stream: bool) -> dict:
    body = {
        "model": model,
        "messages": [{"role": "user", "content": MESSAGE}],
        "max_tokens": 1024,
        "stream": stream,
    }
    if stream:
        body["stream_options"] = {"include_usage": True}
    return body


def direct(api_base: str, stream: bool, session) -> load.Call:
    url = f"{api_base}/chat/completions"
    body = _body("fake-model", stream)
    headers = {"Authorization": "Bearer none"}
    send = load.openai_stream if stream else load.plain_request
    return lambda: send(session, url, json=body, headers=headers)


def sdk(api_base: str, stream: bool, model: str) -> load.Call:
    os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")
    os.environ.setdefault("LITELLM_TELEMETRY", "False")
    import litellm

    litellm.telemetry = False
    litellm.suppress_debug_info = True
    request = {
        **_body(model, stream),
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


async def run(specs: list[dict]) -> list[dict]:
    results = []
    async with load.session() as session:
        for spec in specs:
            stream = spec["shape"] == "stream"
            if spec["kind"] == "direct":
                call = direct(spec["api_base"], stream, session)
            else:
                call = sdk(spec["api_base"], stream, spec["model"])
            cpu_before = []
            result = await load.closed_loop(
                spec["clients"],
                spec["seconds"],
                call,
                measuring=lambda before=cpu_before: before.append(_cpu()),
            )
            cpu = _cpu() - cpu_before[0]
            results.append(summary(result, cpu_seconds=cpu, stream=stream))
    return results


def main() -> None:
    print(json.dumps(asyncio.run(run(json.loads(sys.stdin.read())))))


if __name__ == "__main__":
    main()
