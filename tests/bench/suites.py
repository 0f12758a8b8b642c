"""The measured scenarios: the same requests and streams for the baselines,
the backend and the proxy, each repeated, on the same upstream. Every path's
results have the same shape: {"requests": {level: figures}, "streams":
{level: figures}, "capacity": search result}, a level being `level(...)`."""

import time
from dataclasses import dataclass, replace
from pathlib import Path

from tests.bench import history, measure, profile
from tests.bench.stats import spreads
from tests.bench.system import pss_mib
from tests.bench.upstream import reply

STREAM_PACE = 20  # tokens per second
# The levels the goals compare: whole answers at 32 clients, CPU per chunk and
# first token at 50 streams, the worker's memory at 100.
REQUEST_LEVEL = 32
CPU_LEVEL = 50
MEMORY_LEVEL = 100


@dataclass(frozen=True)
class Scenarios:
    """What one path runs. Conversations with history (``histories``, in
    earlier messages) run at REQUEST_LEVEL and CPU_LEVEL only."""

    request_clients: tuple = (1, REQUEST_LEVEL)
    stream_clients: tuple = (1, CPU_LEVEL)
    histories: tuple = ()
    capacity: bool = False
    profile: bool = False


SCENARIOS = {
    "direct": Scenarios(),
    "sdk": Scenarios(stream_clients=(CPU_LEVEL,), capacity=True),
    "floor": Scenarios(
        request_clients=(REQUEST_LEVEL,), stream_clients=(CPU_LEVEL,), capacity=True
    ),
    "backend": Scenarios(
        stream_clients=(1, CPU_LEVEL, MEMORY_LEVEL), capacity=True, profile=True
    ),
    # SQLite next to PostgreSQL: the goals' figures but capacity.
    "backend-sqlite": Scenarios(
        request_clients=(REQUEST_LEVEL,), stream_clients=(CPU_LEVEL, MEMORY_LEVEL)
    ),
    "proxy": Scenarios(capacity=True),
}
# The paths that store conversations or send them whole get the histories.
WITH_HISTORY = ("sdk", "backend", "backend-sqlite")


@dataclass
class Plan:
    repeats: int = 3
    request_seconds: float = 3.0
    stream_seconds: float = 3.0
    profile_seconds: float = 8.0
    histories: tuple = (10, 40)
    # Conversations seeded per history length and backend: enough that few
    # are continued twice in a run (`history.Pool.longest` says how many).
    history_conversations: int = 2000
    capacity_resolution: float = 0.05

    def scenarios(self, name: str) -> Scenarios:
        histories = self.histories if name in WITH_HISTORY else ()
        return replace(SCENARIOS[name], histories=histories)


def level(clients: int, earlier: int = 0) -> str:
    """The key of a run's figures: its concurrency, and its history if any."""
    return f"{clients}, {earlier} earlier" if earlier else str(clients)


def _unpaced(upstream) -> None:
    upstream.behave(reply=reply())


def _paced(upstream) -> None:
    upstream.behave(reply=reply(), tokens_per_second=STREAM_PACE)


def _runs(scenarios: Scenarios, shape: str) -> list[tuple[int, int]]:
    """(clients, earlier messages) of each run, in order: every level, and the
    histories right after the goal's level."""
    if shape == "request":
        levels, with_history = scenarios.request_clients, REQUEST_LEVEL
    else:
        levels, with_history = scenarios.stream_clients, CPU_LEVEL
    runs = []
    for clients in levels:
        runs.append((clients, 0))
        if clients == with_history:
            runs += [(clients, earlier) for earlier in scenarios.histories]
    return runs


def baseline(name: str, upstream, plan: Plan) -> dict:
    """Direct HTTP to the upstream ("direct"), the bare SDK ("sdk") or the
    best-knobs floor ("floor"), as a script on the backend's core."""
    scenarios = plan.scenarios(name)
    model = "hosted_vllm/fake-model"
    shape = {
        "api_base": upstream.base_url,
        "kind": "direct" if name == "direct" else "sdk",
        "model": model,
    }
    floor = model if name == "floor" else ""
    results = {"requests": {}, "streams": {}}
    for kind, seconds, paced in (
        ("request", plan.request_seconds, False),
        ("stream", plan.stream_seconds, True),
    ):
        specs = [
            {**shape, "shape": kind, "clients": c, "earlier": e, "seconds": seconds}
            for c, e in _runs(scenarios, kind)
            for _ in range(plan.repeats)
        ]
        if kind == "stream" and scenarios.capacity:
            specs.append(
                {
                    **shape,
                    "shape": "capacity",
                    "seconds": seconds,
                    "start": CPU_LEVEL,
                    "resolution": plan.capacity_resolution,
                }
            )
        (_paced if paced else _unpaced)(upstream)
        figures = measure.baseline_runs(specs, floor=floor)
        if kind == "stream" and scenarios.capacity:
            results["capacity"] = figures.pop()
            specs.pop()
        by_level = {}
        for spec, run in zip(specs, figures, strict=True):
            by_level.setdefault(level(spec["clients"], spec["earlier"]), []).append(run)
        results[f"{kind}s"] = {key: spreads(runs) for key, runs in by_level.items()}
    return results


def server(
    name: str,
    target,
    upstream,
    plan: Plan,
    *,
    profile_dir: Path | None = None,
) -> dict:
    """Start ``target``, measure its memory idle and after the first stream,
    then the request and stream runs, its capacity and profiles as the
    scenarios of ``name`` say."""
    scenarios = plan.scenarios(name)
    results = {"requests": {}, "streams": {}}
    with target:
        pools = (
            history.seed(target, scenarios.histories, plan.history_conversations)
            if scenarios.histories
            else {}
        )
        time.sleep(1)
        results["pss_idle_mib"] = round(pss_mib(target.pid), 1)
        _paced(upstream)
        measure.first_stream(target)
        results["pss_after_first_stream_mib"] = round(pss_mib(target.pid), 1)
        for kind, seconds, paced in (
            ("request", plan.request_seconds, False),
            ("stream", plan.stream_seconds, True),
        ):
            (_paced if paced else _unpaced)(upstream)
            for clients, earlier in _runs(scenarios, kind):
                runs = [
                    measure.server_run(
                        target,
                        clients,
                        seconds,
                        stream=paced,
                        pool=pools.get(earlier),
                    )
                    for _ in range(plan.repeats)
                ]
                results[f"{kind}s"][level(clients, earlier)] = spreads(runs)
        if scenarios.capacity:
            results["capacity"] = measure.server_capacity(
                target,
                plan.stream_seconds,
                start=CPU_LEVEL,
                resolution=plan.capacity_resolution,
            )
        if scenarios.profile and profile_dir:
            results["profiles"] = _profiles(target, upstream, plan, profile_dir)
    results["history_longest"] = {
        str(earlier): pool.longest for earlier, pool in pools.items()
    }
    return results


def _profiles(target, upstream, plan: Plan, directory: Path) -> dict:
    directory.mkdir(parents=True, exist_ok=True)
    found = {}
    _unpaced(upstream)
    out = measure.profile(
        target,
        REQUEST_LEVEL,
        plan.profile_seconds,
        stream=False,
        out=directory / "chat.txt",
    )
    found[f"POST /chat, {REQUEST_LEVEL} clients"] = profile.summarise(out)
    _paced(upstream)
    out = measure.profile(
        target,
        CPU_LEVEL,
        plan.profile_seconds,
        stream=True,
        out=directory / "stream.txt",
    )
    found[f"POST /chat/stream, {CPU_LEVEL} streams"] = profile.summarise(out)
    return found
