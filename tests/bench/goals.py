"""Issue 14's goals, checked against figures from the same run: ratios to the
bare SDK and the proxy measured next to the backend, never asserted in tests.
A ratio is taken in each round of runs, between figures of one level measured
seconds apart (tests/bench/suites.py), and the goal compares the median of
those ratios: a drift of the machine's speed falls on both sides of each
ratio. Each goal is measured for the backend on each database of the run."""

import statistics
from pathlib import Path

import yaml

from tests.bench.suites import CPU_LEVEL, MEMORY_LEVEL, REQUEST_LEVEL, level
from tests.servers import REPO

RESOURCES = REPO / "gitops" / "backend" / "base" / "patch-resources.yaml"
WORKER_PSS_MIB = 280


def _mib(quantity: str) -> float:
    units = {"Ki": 1 / 1024, "Mi": 1, "Gi": 1024}
    for suffix, factor in units.items():
        if quantity.endswith(suffix):
            return float(quantity.removesuffix(suffix)) * factor
    return float(quantity) / 1024 / 1024


def pod_memory(path: Path = RESOURCES) -> dict:
    """The backend container's memory request and limit in the manifests."""
    patch = yaml.safe_load(path.read_text())
    container = next(
        c
        for c in patch["spec"]["template"]["spec"]["containers"]
        if c["name"] == "backend"
    )
    resources = container["resources"]
    return {
        "file": str(path.relative_to(REPO)),
        "request_mib": _mib(resources["requests"]["memory"]),
        "limit_mib": _mib(resources["limits"]["memory"]),
    }


def figure(path: dict | None, kind: str, key: str, name: str) -> dict | None:
    """The spread (tests/bench/stats.py) of figure ``name`` at level ``key``
    of a path's ``kind`` runs."""
    return (((path or {}).get(kind) or {}).get(key) or {}).get(name)


def _median(spread: dict | None):
    return (spread or {}).get("median")


def median(path: dict | None, kind: str, key: str, name: str):
    """The median of figure ``name`` at level ``key`` of a path's ``kind`` runs."""
    return _median(figure(path, kind, key, name))


def _met(ratio: float, at_least: float | None, at_most: float | None) -> bool:
    return ratio >= at_least if at_least is not None else ratio <= at_most


def _compared(mine, theirs, unit: str, at_least: float | None, at_most=None):
    """One figure of each side, such as a capacity."""
    if mine is None or not theirs:
        return {"value": "not measured", "met": None}
    ratio = round(mine / theirs, 2)
    return {
        "value": f"{ratio}x ({mine} vs {theirs} {unit})",
        "met": _met(ratio, at_least, at_most),
    }


def _rounds_compared(
    mine: dict | None, theirs: dict | None, unit: str, at_least, at_most=None
):
    """Spreads of repeated runs: the median of each round's ratio."""
    if not (mine and theirs):
        return {"value": "not measured", "met": None}
    ratios = [
        a / b
        for a, b in zip(mine["values"], theirs["values"], strict=True)
        if a is not None and b
    ]
    if not ratios:
        return {"value": "not measured", "met": None}
    ratio = round(statistics.median(ratios), 2)
    each = ", ".join(f"{r:.2f}" for r in ratios)
    return {
        "value": f"{ratio}x (rounds {each}; medians {mine['median']} vs "
        f"{theirs['median']} {unit})",
        "met": _met(ratio, at_least, at_most),
    }


def _floor_note(cell: dict, floor) -> dict:
    if floor is not None:
        cell["value"] += f"; floor {floor}"
    return cell


def evaluate(results: dict) -> list[dict]:
    """Rows of {"goal", "target", "measured": {database: {"value", "met"}}};
    "met" is None where the figure was not measured."""
    paths = results["paths"]
    sdk, floor, proxy = paths["sdk"], paths["floor"], paths["proxy"]
    backends = {
        database: paths.get(name) for name, database in results["databases"].items()
    }
    rows = []

    def goal(name: str, target: str, measure) -> None:
        rows.append(
            {
                "goal": name,
                "target": target,
                "measured": {db: measure(path) for db, path in backends.items()},
            }
        )

    request, stream = str(REQUEST_LEVEL), str(CPU_LEVEL)

    def rps(path):
        return figure(path, "requests", request, "per_second")

    goal(
        f"POST /chat at {REQUEST_LEVEL} clients: requests/s over the bare SDK's",
        ">= 0.75x",
        lambda b: _floor_note(
            _rounds_compared(rps(b), rps(sdk), "req/s", 0.75),
            _median(rps(floor)),
        ),
    )
    goal(
        f"POST /chat at {REQUEST_LEVEL} clients: requests/s over the proxy's",
        ">= 3x",
        lambda b: _rounds_compared(rps(b), rps(proxy), "req/s", 3),
    )
    for earlier in (0, *results["plan"]["histories"]):
        key = level(CPU_LEVEL, earlier)
        conversations = (
            f"{earlier} earlier messages" if earlier else "new conversations"
        )

        def chunk(path, key=key):
            return figure(path, "streams", key, "cpu_ms_per_chunk")

        goal(
            f"CPU per streamed chunk at {CPU_LEVEL} streams, {conversations}: "
            "over the bare SDK's (same messages)",
            "<= 1.15x",
            lambda b, chunk=chunk, earlier=earlier: _floor_note(
                _rounds_compared(chunk(b), chunk(sdk), "ms", None, 1.15),
                None if earlier else _median(chunk(floor)),
            ),
        )

    def first_token(path):
        return figure(path, "streams", stream, "ttft_p95_ms")

    goal(
        f"First token p95 at {CPU_LEVEL} streams: over the bare SDK's",
        "<= 1.5x",
        lambda b: _floor_note(
            _rounds_compared(first_token(b), first_token(sdk), "ms", None, 1.5),
            _median(first_token(floor)),
        ),
    )

    def capacity(path):
        return ((path or {}).get("capacity") or {}).get("streams")

    goal(
        "Capacity (20-token/s streams one core sustains): over the proxy's",
        ">= 1.5x",
        lambda b: _compared(capacity(b), capacity(proxy), "streams", 1.5),
    )
    goal(
        "Capacity: over the bare SDK's",
        ">= 0.85x",
        lambda b: _floor_note(
            _compared(capacity(b), capacity(sdk), "streams", 0.85), capacity(floor)
        ),
    )

    def worker_pss(path):
        peak = (((path or {}).get("streams") or {}).get(str(MEMORY_LEVEL)) or {}).get(
            "worker_pss_peak_mib"
        )
        if not peak:
            return {"value": "not measured", "met": None}
        return {
            "value": f"{peak['max']} MiB (max of the runs' peaks)",
            "met": peak["max"] <= WORKER_PSS_MIB,
        }

    goal(
        f"PSS of the worker during {MEMORY_LEVEL} streams",
        f"<= {WORKER_PSS_MIB} MiB",
        worker_pss,
    )
    cold = results["cold_start"]["backend"]
    attempts = cold["audit_hook_attempts"] + cold["strace_remote_connects"]
    network = {
        "value": "none" if not attempts else "; ".join(attempts[:5]),
        "met": not attempts,
    }
    goal(
        "No network attempt during the backend's start-up (SQLite, see §6)",
        "none",
        lambda b: network,
    )
    return rows
