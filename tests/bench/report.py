"""report.json as it was measured, and report.md for people to read."""

import json
import statistics
from pathlib import Path

from tests.bench.goals import median
from tests.bench.suites import CPU_LEVEL, REQUEST_LEVEL, level

# Every path of the report, in its order, with its name in the tables.
PATHS = {
    "direct": "direct HTTP to the upstream",
    "sdk": "bare SDK",
    "floor": "best-knobs floor",
    "backend": "backend",
    "backend-sqlite": "backend",
    "proxy": "LiteLLM proxy",
}
LEFT_OUT = (
    "- Left out to keep `tox -e bench` near a quarter of an hour: the `openai/` "
    "provider (the backend and the SDK), 200 streams (the capacity search "
    "covers the high counts), the proxy and the direct path at 100 streams, "
    "and on SQLite, when PostgreSQL runs too, the 1-client levels, the capacity "
    "and the profiles."
)


def _fig(figure: dict | None, digits: int = 1) -> str:
    """min / **median** / max of repeated runs."""
    if not figure:
        return "n/a"

    def fmt(value):
        return f"{value:.{digits}f}"

    if figure["runs"] == 1:
        return fmt(figure["median"])
    return f"{fmt(figure['min'])} / **{fmt(figure['median'])}** / {fmt(figure['max'])}"


def _errors(figures: dict) -> str:
    """How many requests failed, and the first distinct errors."""
    count = figures.get("errors_total", 0)
    first = figures.get("first_errors")
    return f"{count} ({'; '.join(first)})" if count and first else str(count)


def _minus(a, b) -> str:
    return "n/a" if a is None or b is None else f"{a - b:+.2f}"


def _table(header: list[str], rows: list[list]) -> list[str]:
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(str(cell) for cell in row) + " |" for row in rows]
    return [*lines, ""]


def _name(results: dict, path: str) -> str:
    database = results["databases"].get(path)
    return f"{PATHS[path]}, {database}" if database else PATHS[path]


def _paths(results: dict):
    """(path, its name, its results) of every path that ran, in order."""
    for path in PATHS:
        if path in results["paths"]:
            yield path, _name(results, path), results["paths"][path]


def _goals(results: dict) -> list[str]:
    databases = list(results["databases"].values())
    header = ["goal", "target"]
    for database in databases:
        header += [f"backend on {database}", "met"]
    rows = []
    for row in results["goals"]:
        cells = [row["goal"], row["target"]]
        for database in databases:
            cell = row["measured"][database]
            met = {True: "yes", False: "**no**", None: "n/a"}[cell["met"]]
            cells += [cell["value"], met]
        rows.append(cells)
    return _table(header, rows)


def _latency(results: dict) -> list[str]:
    sdk = results["paths"]["sdk"]
    rows = []
    for clients in (1, REQUEST_LEVEL):
        key = str(clients)
        sdk_p50 = median(sdk, "requests", key, "p50_ms")
        sdk_p99 = median(sdk, "requests", key, "p99_ms")
        for _path, name, found in _paths(results):
            figures = found["requests"].get(key)
            if not figures:
                continue
            p50 = median(found, "requests", key, "p50_ms")
            p99 = median(found, "requests", key, "p99_ms")
            rows.append(
                [
                    clients,
                    name,
                    _fig(figures["p50_ms"], 2),
                    _fig(figures["p99_ms"], 2),
                    _minus(p50, sdk_p50),
                    _minus(p99, sdk_p99),
                    _fig(figures["per_second"]),
                    _fig(figures.get("cpu_ms_per_request"), 2),
                    _errors(figures),
                ]
            )
    return _table(
        [
            "clients",
            "path",
            "p50 ms",
            "p99 ms",
            "p50 added over SDK",
            "p99 added over SDK",
            "requests/s",
            "CPU ms per request",
            "errors",
        ],
        rows,
    )


def _history(results: dict) -> list[str]:
    rows = []
    for path, name, found in _paths(results):
        if path not in ("sdk", "backend", "backend-sqlite"):
            continue
        for earlier in (0, *results["plan"]["histories"]):
            requests = found["requests"].get(level(REQUEST_LEVEL, earlier)) or {}
            streams = found["streams"].get(level(CPU_LEVEL, earlier)) or {}
            longest = found.get("history_longest", {}).get(str(earlier))
            rows.append(
                [
                    name,
                    f"{earlier} (up to {longest})"
                    if longest and longest != earlier
                    else earlier or "new",
                    _fig(requests.get("per_second")),
                    _fig(requests.get("cpu_ms_per_request"), 2),
                    _fig(requests.get("p50_ms"), 2),
                    _fig(streams.get("cpu_ms_per_chunk"), 3),
                    _fig(streams.get("ttft_p95_ms")),
                    f"{_errors(requests)} / {_errors(streams)}",
                ]
            )
    return _table(
        [
            "path",
            "earlier messages",
            f"requests/s, {REQUEST_LEVEL} clients",
            "CPU ms per request",
            "p50 ms",
            f"CPU ms per chunk, {CPU_LEVEL} streams",
            "first token p95 ms",
            "errors (requests / streams)",
        ],
        rows,
    )


def _streaming(results: dict) -> list[str]:
    levels = sorted(
        {
            int(key)
            for found in results["paths"].values()
            for key in found["streams"]
            if key.isdigit()
        }
    )
    rows = []
    for streams in levels:
        for _path, name, found in _paths(results):
            figures = found["streams"].get(str(streams))
            if not figures:
                continue
            rows.append(
                [
                    streams,
                    name,
                    _fig(figures.get("ttfb_p50_ms")),
                    _fig(figures.get("ttfb_p95_ms")),
                    _fig(figures.get("ttft_p50_ms")),
                    _fig(figures.get("ttft_p95_ms")),
                    _fig(figures.get("gap_p50_ms")),
                    _fig(figures.get("gap_p95_ms")),
                    _fig(figures.get("cpu_ms_per_chunk"), 3),
                    _errors(figures),
                    _fig(figures.get("worker_pss_peak_mib")),
                ]
            )
    return _table(
        [
            "streams",
            "path",
            "TTFB p50 ms",
            "TTFB p95 ms",
            "first token p50 ms",
            "first token p95 ms",
            "gap p50 ms",
            "gap p95 ms",
            "CPU ms per chunk",
            "errors",
            "worker PSS peak MiB",
        ],
        rows,
    )


def _capacity(results: dict) -> list[str]:
    rows = []
    for _path, name, found in _paths(results):
        search = found.get("capacity")
        if not search:
            continue
        probes = ", ".join(
            f"{p['streams']} {'held' if p['held'] else 'failed'}"
            f" ({p['ttft_p95_ms']:.0f} / {p['gap_p95_ms']:.0f} ms"
            f"{', ' + str(p['errors']) + ' errors' if p['errors'] else ''})"
            if p["ttft_p95_ms"] is not None and p["gap_p95_ms"] is not None
            else f"{p['streams']} failed ({p['errors']} errors)"
            for p in search["probes"]
        )
        rows.append([name, search["streams"], search["failed_at"] or "none", probes])
    return _table(
        [
            "path",
            "streams sustained",
            "failed at",
            "probes in order (first token p95 / gap p95)",
        ],
        rows,
    )


def _memory(results: dict) -> list[str]:
    pod = results["pod_memory"]
    servers = [
        (name, found)
        for path, name, found in _paths(results)
        if path in ("backend", "backend-sqlite", "proxy")
    ]
    levels = sorted(
        {int(key) for _, found in servers for key in found["streams"] if key.isdigit()}
    )
    rows = []
    for name, found in servers:
        row = [name, found["pss_idle_mib"], found["pss_after_first_stream_mib"]]
        for streams in levels:
            figures = found["streams"].get(str(streams)) or {}
            row += [
                _fig(figures.get("worker_pss_peak_mib")),
                _fig(figures.get("pss_peak_mib")),
            ]
        rows.append(row)
    header = ["server", "tree idle", "tree after first stream"]
    for streams in levels:
        header += [f"worker at {streams} streams", f"tree at {streams} streams"]
    return [
        f"Pod memory in `{pod['file']}`: request {pod['request_mib']:.0f} MiB, "
        f"limit {pod['limit_mib']:.0f} MiB. PSS in MiB, of the worker that serves "
        "requests and of the whole process tree (gunicorn's master too); peaks "
        "during the runs:",
        "",
        *_table(header, rows),
    ]


def _cold_start(results: dict) -> list[str]:
    cold = results["cold_start"]
    rows = [
        [
            name,
            _fig(cold[name]["health_s"], 2),
            _fig(cold[name]["first_chat_s"], 2),
            ", ".join(cold[name]["audit_hook_attempts"]) or "none",
            ", ".join(cold[name]["strace_remote_connects"]) or "none",
        ]
        for name in ("backend", "proxy")
    ]
    imported = cold["import_litellm"]
    rows.append(
        [
            "`python -c 'import litellm'`",
            _fig(imported["seconds"], 2),
            "",
            ", ".join(imported["audit_hook_attempts"]) or "none",
            "",
        ]
    )
    return [
        "In a user and network namespace (`unshare -rn`) whose only interface is "
        f"`{', '.join(cold['interfaces_up'])}`, the backend on SQLite; seconds "
        "from process start:",
        "",
        *_table(
            [
                "process",
                "to /health 200 s",
                "to first answered chat s",
                "audit hook: non-loopback attempts",
                "strace: non-loopback connect()",
            ],
            rows,
        ),
    ]


def _profiles(results: dict) -> list[str]:
    lines = []
    for name, found in results["paths"]["backend"].get("profiles", {}).items():
        lines += [
            f"**{name}**: {found['samples']} busy samples, "
            f"{found['waiting_samples']} of threads waiting (left out):",
            "",
            *_table(
                ["share", "function, anywhere on the stack"],
                [[f"{share:.0%}", f"`{fn}`"] for fn, share in found["inclusive"][:12]],
            ),
            *_table(
                ["share", "leaf function (self)"],
                [[f"{share:.0%}", f"`{fn}`"] for fn, share in found["self"][:10]],
            ),
        ]
    return lines


def _speed(speeds: dict) -> list[str]:
    """How far core 0's speed drifted between the phases of the run."""
    if not speeds:
        return []
    middle = statistics.median(speeds.values())
    slowest = min(speeds, key=speeds.get)
    fastest = max(speeds, key=speeds.get)
    return [
        f"Speed of core 0 at the start of each of the {len(speeds)} phases "
        "(`system.core_speed`: thousands of rounds a second of a fixed piece of "
        f"Python, all in `report.json`): median {middle:g}, "
        f"slowest {speeds[slowest]:g} ({slowest}), fastest {speeds[fastest]:g} "
        f"({fastest}), {speeds[fastest] / speeds[slowest] - 1:.0%} apart. The "
        "paths take turns at each level of each round, so that a drift falls on "
        "the runs a goal compares alike; the capacity searches run one path "
        "after another, and their ratios move with it.",
        "",
    ]


def _databases(results: dict) -> str:
    if "backend-sqlite" in results["databases"]:
        return (
            "The backend ran on PostgreSQL (a database made for the run) and on "
            "SQLite; the goals have a column for each."
        )
    return (
        "**DATABASE_URL was unset (or not PostgreSQL): the backend ran on SQLite "
        "only**, not on PostgreSQL as in the cluster."
    )


def markdown(results: dict) -> str:
    machine, versions, plan = results["machine"], results["versions"], results["plan"]
    frontend = results["frontend"]
    lines = [
        "# Benchmark: the backend, its baselines and the LiteLLM proxy",
        "",
        *(
            [
                "**A `--quick` run: one short run per figure, a coarse capacity. "
                "It checks the harness; its figures mean little.**",
                "",
            ]
            if results.get("quick")
            else []
        ),
        f"Written by `tox -e bench` on {results['started']} in {results['minutes']} "
        "minutes. Every figure is min / **median** / max over "
        f"{plan['repeats']} run(s) of {plan['request_seconds']:g} s (requests) or "
        f"{plan['stream_seconds']:g} s (streams); a goal on repeated runs takes "
        "the median of the rounds' ratios (each round's figure over the other's "
        "at the same level, run seconds before or after). " + _databases(results),
        "",
        f"Machine: {machine['cpu']}, {machine['cores']} cores, "
        f"{machine['memory_gib']} GiB, {machine['os']}, kernel {machine['kernel']}, "
        f"Python {machine['python']}. Load average (1, 5, 15 min) at the start "
        f"{results['load_average']['start']}, at the end "
        f"{results['load_average']['end']}: anything above 0 is other work "
        "sharing the two cores. Versions: "
        + ", ".join(f"{k} {v}" for k, v in versions.items())
        + ".",
        "",
        *_speed(results.get("core_speed", {})),
        "## Goals",
        "",
        "Issue 14's goals: ratios to the bare SDK and the proxy measured in this "
        "run. The floor's figure is given next to the bare SDK's where there is "
        "one.",
        "",
        *_goals(results),
        "## 1. Whole answers",
        "",
        "Closed loop: each client sends its next request when the last is "
        f"answered. The upstream answers at once with {plan['tokens']} tokens. "
        "Added latency subtracts the bare SDK's median p50 (or p99) from the "
        "path's. New conversations; with history in §2.",
        "",
        *_latency(results),
        "## 2. Conversations with history",
        "",
        f"POST /chat at {REQUEST_LEVEL} clients and streams at {CPU_LEVEL}, "
        "continuing conversations stored before the runs (with the owner's "
        "cookie and a CSRF token), next to new conversations; the bare SDK sends "
        "the same earlier messages. A conversation is continued again only when "
        f"all {plan['history_conversations']} of its length have been; "
        "'up to' says how long the longest grew.",
        "",
        *_history(results),
        "## 3. Streaming",
        "",
        f"Each stream is {plan['tokens']} tokens paced at {plan['pace']} tokens/s; "
        "clients start spread over one stream's length, then keep their stream "
        "count constant. TTFB is the first body byte (the backend's `start` event "
        "comes before the upstream is asked; see first token). Gap: between "
        f"tokens of a stream, {1000 / plan['pace']:.0f} ms when nothing is late. "
        "CPU per chunk: the server's (or script's) CPU time during the run over "
        "the tokens delivered.",
        "",
        *_streaming(results),
        "## 4. Capacity",
        "",
        "The most concurrent streams (20 tokens/s each) one core sustains with no "
        "error, first token p95 under 500 ms and gap p95 under 100 ms: "
        f"`tests/bench/capacity.py`, one {plan['stream_seconds']:g} s run per "
        f"probe, to {plan['capacity_resolution']:.0%}.",
        "",
        *_capacity(results),
        "## 5. Memory",
        "",
        *_memory(results),
        "## 6. Cold start",
        "",
        *_cold_start(results),
        "## 7. Frontend bundle",
        "",
        (
            f"Built from commit {frontend['commit']}: JavaScript "
            f"{frontend['js_gzip_bytes']:,} bytes gzipped ({frontend['js_bytes']:,} "
            f"raw), CSS {frontend['css_gzip_bytes']:,} bytes gzipped, index.html "
            f"{frontend['index_html_gzip_bytes']:,} bytes gzipped."
            if "js_gzip_bytes" in frontend
            else f"Not measured: {frontend.get('error')}"
        ),
        "",
        f"## Profiles of the backend on {results['databases']['backend']} (py-spy)",
        "",
        *_profiles(results),
        "## Method",
        "",
        *results["method"],
        LEFT_OUT,
        "",
    ]
    return "\n".join(lines)


def write(results: dict, directory: Path) -> None:
    (directory / "report.json").write_text(json.dumps(results, indent=1) + "\n")
    (directory / "report.md").write_text(markdown(results))
