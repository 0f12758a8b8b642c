"""The measured scenarios: the same requests and streams for the baselines,
the backend and the proxy, each repeated, on the same upstream."""

import time
from dataclasses import dataclass
from pathlib import Path

from tests.bench import measure, profile
from tests.bench.stats import spreads
from tests.bench.system import pss_mib
from tests.bench.upstream import reply

# The reply of every request, as tokens, and the pace of streamed ones.
TOKENS = 20
STREAM_PACE = 20  # tokens per second
# Streams at this concurrency give the CPU-per-chunk figures compared.
CPU_LEVEL = 50


@dataclass
class Plan:
    repeats: int = 3
    request_clients: tuple = (1, 32)
    request_seconds: float = 3.0
    stream_clients: tuple = (1, 50, 100, 200)
    stream_seconds: float = 3.0
    profile_seconds: float = 8.0


def _unpaced(upstream) -> None:
    upstream.behave(reply=reply(TOKENS))


def _paced(upstream) -> None:
    upstream.behave(reply=reply(TOKENS), tokens_per_second=STREAM_PACE)


def baselines(upstream, plan: Plan) -> dict:
    """Direct HTTP to the upstream and the bare SDK (both providers), as a
    script on the backend's core."""
    base = {"api_base": upstream.base_url}
    direct = "direct", ""
    sdk_paths = ("sdk", "hosted_vllm/fake-model"), ("sdk", "openai/fake-model")
    results = {}

    def run(name, specs, paced):
        (_paced if paced else _unpaced)(upstream)
        runs = measure.baseline_runs(specs)
        for spec, figures in zip(specs, runs, strict=True):
            key = f"{name} {spec['shape']} {spec['clients']}"
            results.setdefault(key, []).append(figures)

    for kind, model in (direct, *sdk_paths):
        name = model or "direct"
        shape = {**base, "kind": kind, "model": model}
        run(
            name,
            [
                {
                    **shape,
                    "shape": "request",
                    "clients": c,
                    "seconds": plan.request_seconds,
                }
                for c in plan.request_clients
                for _ in range(plan.repeats)
            ],
            paced=False,
        )
        levels = plan.stream_clients if kind == "direct" else (CPU_LEVEL,)
        run(
            name,
            [
                {
                    **shape,
                    "shape": "stream",
                    "clients": n,
                    "seconds": plan.stream_seconds,
                }
                for n in levels
                for _ in range(plan.repeats)
            ],
            paced=True,
        )
    return {key: spreads(runs) for key, runs in results.items()}


def server(
    target,
    upstream,
    plan: Plan,
    *,
    request_clients=None,
    stream_clients=None,
    profile_dir: Path | None = None,
) -> dict:
    """Start ``target``, measure its memory idle and after the first stream,
    then the request and stream runs; optionally profile it under load."""
    request_clients = request_clients or plan.request_clients
    stream_clients = stream_clients or plan.stream_clients
    results = {"requests": {}, "streams": {}, "profiles": {}}
    with target:
        time.sleep(1)
        results["pss_idle_mib"] = round(pss_mib(target.pid), 1)
        _paced(upstream)
        measure.first_stream(target)
        results["pss_after_first_stream_mib"] = round(pss_mib(target.pid), 1)
        _unpaced(upstream)
        for clients in request_clients:
            runs = [
                measure.server_run(target, clients, plan.request_seconds, stream=False)
                for _ in range(plan.repeats)
            ]
            results["requests"][str(clients)] = spreads(runs)
        _paced(upstream)
        for clients in stream_clients:
            runs = [
                measure.server_run(target, clients, plan.stream_seconds, stream=True)
                for _ in range(plan.repeats)
            ]
            results["streams"][str(clients)] = spreads(runs)
        if profile_dir:
            results["profiles"] = _profiles(target, upstream, plan, profile_dir)
    return results


def _profiles(target, upstream, plan: Plan, directory: Path) -> dict:
    directory.mkdir(parents=True, exist_ok=True)
    found = {}
    _unpaced(upstream)
    out = measure.profile(
        target, 32, plan.profile_seconds, stream=False, out=directory / "chat-32.txt"
    )
    found["POST /chat, 32 clients"] = profile.summarise(out)
    _paced(upstream)
    out = measure.profile(
        target, 100, plan.profile_seconds, stream=True, out=directory / "stream-100.txt"
    )
    found["POST /chat/stream, 100 streams"] = profile.summarise(out)
    return found
