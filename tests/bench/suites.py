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


def _kind(upstream, kind: str, plan: Plan) -> float:
    """Set the upstream up for whole answers or streams; the runs' length."""
    if kind == "request":
        _unpaced(upstream)
        return plan.request_seconds
    _paced(upstream)
    return plan.stream_seconds


class Baseline:
    """Direct HTTP to the upstream ("direct"), the bare SDK ("sdk") or the
    best-knobs floor ("floor"): the baseline script on the backend's core,
    up while the runs last, as the servers are."""

    def __init__(self, name: str, upstream, plan: Plan) -> None:
        self.scenarios = plan.scenarios(name)
        self.upstream = upstream
        self.plan = plan
        model = "hosted_vllm/fake-model"
        self.shape = {
            "api_base": upstream.base_url,
            "kind": "direct" if name == "direct" else "sdk",
            "model": model,
        }
        self.script = measure.BaselineScript(floor=model if name == "floor" else "")

    def __enter__(self) -> "Baseline":
        self.script.__enter__()
        return self

    def __exit__(self, *exc_info) -> None:
        self.script.__exit__(*exc_info)

    def run(self, kind: str, clients: int, earlier: int) -> dict:
        """One run of ``kind`` (the upstream set up for it) at a level."""
        return self.script.run(
            {
                **self.shape,
                "shape": kind,
                "clients": clients,
                "earlier": earlier,
                "seconds": _kind(self.upstream, kind, self.plan),
            }
        )

    def finish(self) -> dict:
        """The capacity, if the scenarios have one."""
        if not self.scenarios.capacity:
            return {}
        spec = {
            **self.shape,
            "shape": "capacity",
            "seconds": _kind(self.upstream, "stream", self.plan),
            "start": CPU_LEVEL,
            "resolution": self.plan.capacity_resolution,
        }
        return {"capacity": self.script.run(spec)}


class Server:
    """``target`` (a PinnedBackend or a Proxy), started once: its memory idle
    and after the first stream, a run at a time, then its capacity and
    profiles as the scenarios of ``name`` say."""

    def __init__(
        self, name: str, target, upstream, plan: Plan, profile_dir: Path | None = None
    ) -> None:
        self.scenarios = plan.scenarios(name)
        self.target = target
        self.upstream = upstream
        self.plan = plan
        self.profile_dir = profile_dir
        self.pools: dict = {}
        self.memory: dict = {}

    def __enter__(self) -> "Server":
        self.target.__enter__()
        if self.scenarios.histories:
            self.pools = history.seed(
                self.target, self.scenarios.histories, self.plan.history_conversations
            )
        time.sleep(1)
        self.memory["pss_idle_mib"] = round(pss_mib(self.target.pid), 1)
        _paced(self.upstream)
        measure.first_stream(self.target)
        self.memory["pss_after_first_stream_mib"] = round(pss_mib(self.target.pid), 1)
        return self

    def __exit__(self, *exc_info) -> None:
        self.target.__exit__(*exc_info)

    def run(self, kind: str, clients: int, earlier: int) -> dict:
        """One run of ``kind`` (the upstream set up for it) at a level."""
        return measure.server_run(
            self.target,
            clients,
            _kind(self.upstream, kind, self.plan),
            stream=kind == "stream",
            pool=self.pools.get(earlier),
        )

    def finish(self) -> dict:
        results = dict(self.memory)
        if self.scenarios.capacity:
            results["capacity"] = measure.server_capacity(
                self.target,
                _kind(self.upstream, "stream", self.plan),
                start=CPU_LEVEL,
                resolution=self.plan.capacity_resolution,
            )
        if self.scenarios.profile and self.profile_dir:
            results["profiles"] = _profiles(
                self.target, self.upstream, self.plan, self.profile_dir
            )
        results["history_longest"] = {
            str(earlier): pool.longest for earlier, pool in self.pools.items()
        }
        return results


def interleaved(paths: dict, plan: Plan, phase) -> dict:
    """Every path's figures. The runs go round by round, and in each round
    level by level (whole answers, then streams): at each level every path
    that has it runs in turn, so that the runs a goal compares are seconds
    apart and a drift of the machine's speed falls on them alike. Each
    path's capacity and profiles follow, one path after another."""
    runs = {name: {"requests": {}, "streams": {}} for name in paths}
    for number in range(1, plan.repeats + 1):
        for kind in ("request", "stream"):
            by_path = {name: _runs(p.scenarios, kind) for name, p in paths.items()}
            for clients, earlier in sorted(set().union(*by_path.values())):
                key = level(clients, earlier)
                phase(f"round {number} of {plan.repeats}, {kind}s at {key}")
                for name, path in paths.items():
                    if (clients, earlier) in by_path[name]:
                        figures = path.run(kind, clients, earlier)
                        runs[name][f"{kind}s"].setdefault(key, []).append(figures)
    results = {}
    for name, path in paths.items():
        phase(f"capacity and profiles: {name}")
        results[name] = {
            kind: {key: spreads(level_runs) for key, level_runs in levels.items()}
            for kind, levels in runs[name].items()
        }
        results[name].update(path.finish())
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
