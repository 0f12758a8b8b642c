"""`tox -e bench`: measure the backend next to its baselines and the LiteLLM
proxy on a fake upstream, all on 127.0.0.1, and write tests/bench/report.md
and report.json. `--quick` runs each scenario once, briefly, to check the
harness; its report is not one to commit. The backend runs on PostgreSQL
when DATABASE_URL names a server on 127.0.0.1 (a database is made for the
run), and on SQLite next to it; on SQLite alone otherwise."""

import argparse
import contextlib
import datetime
import os
import sys
import tempfile
import time
from pathlib import Path

from tests.bench import coldstart, database, frontend, goals, report, suites
from tests.bench.system import LOAD_CORE, core_speed, load_average, machine, versions
from tests.bench.targets import PROXY_VENV, PinnedBackend, Proxy, proxy_python
from tests.bench.upstream import REPLY_TOKENS, Upstream

HERE = Path(__file__).resolve().parent

METHOD = [
    "- Core 0 runs the system under test and nothing else of the benchmark: "
    "the backend (gunicorn with `apps/backend/gunicorn.conf.py`, one uvicorn "
    "worker), the LiteLLM proxy (`litellm --config`, one worker, no database) "
    "or the baseline script (`tests/bench/baseline.py`). Core 1 runs the load "
    "generator (`tests/bench/load.py`, asyncio and aiohttp) and the fake "
    "upstream (`tests/fake_openai.py` in its own process). Pinned with `taskset`.",
    "- The paths take turns: each round of runs goes level by level, whole "
    "answers then streams, and at each level every path that has it runs in "
    "turn, the bare SDK right before the backend, so that a drift of the "
    "machine's speed falls on the runs a goal compares alike (the report gives "
    "core 0's speed at each level). The servers and the baseline scripts start "
    "once and stay up, idle on core 0 while the others run; the capacity "
    "searches and the profiles come after the rounds, a path at a time.",
    "- The backend's database: PostgreSQL as in the cluster, a database created "
    "for the run on the server `DATABASE_URL` names (on 127.0.0.1) and dropped "
    "after it; SQLite (a file, as `tox -e backend` uses) for the second column. "
    "The PostgreSQL server is the machine's, not pinned: its processes share "
    "both cores, and their CPU time is not in the backend's figures (in the "
    "cluster the database is another pod).",
    "- Baselines: the same chat request sent straight to the upstream with "
    "aiohttp (its CPU per chunk is the raw HTTP parsing floor: read the line, "
    "parse the JSON), and through `litellm.acompletion` with the arguments "
    "`chat/llm.py` passes (`hosted_vllm/` provider), LiteLLM imported before the "
    "event loop starts as a server imports it. The best-knobs floor is the same "
    "script with the model registered in LiteLLM at a small non-zero price "
    "(`litellm.register_model`) and `gc.freeze()` after the imports.",
    "- Conversations with history: before the measured runs, conversations of "
    "10 and 40 earlier messages (questions and 20-token answers in turn), each "
    "of its own owner, are stored through the backend's models; each request "
    "continues the next one with its owner's signed cookie, and so a CSRF token, "
    "as a browser does. The bare SDK sends the same earlier messages.",
    "- Capacity: `tests/bench/capacity.py`, doubling from 50 streams until a "
    "run fails, then bisecting; one run per probe.",
    "- The proxy runs from its own virtualenv "
    f"(`{PROXY_VENV.relative_to(HERE.parent.parent)}`, made from "
    "`tests/bench/proxy-requirements.txt`) with "
    "`LITELLM_LOCAL_MODEL_COST_MAP=True`, `LITELLM_TELEMETRY=False`, a random "
    "master key made for the run and no `DATABASE_URL`.",
    "- The backend gets `CHAT_RATE_LIMIT` high enough that the one client "
    "address of the benchmark is never limited; everything else is its default "
    "configuration (`DJANGO_DEBUG=false`, INFO logs to a file).",
    "- Memory: PSS from `/proc/<pid>/smaps_rollup`, of the worker alone and "
    "summed over the process tree, sampled every 0.25 s during each run. CPU: "
    "utime + stime of the tree from `/proc/<pid>/stat`.",
    "- Cold start runs in `unshare -rn` (loopback only, so the backend on "
    "SQLite). Every Python process "
    "there loads `tests/bench/nethook/sitecustomize.py`, an audit hook that logs "
    "getaddrinfo and connect to any non-loopback host; every start runs under "
    "`strace -f --seccomp-bpf -e trace=connect` (only connect() stops the "
    "process), which also sees sockets opened outside Python's socket module.",
    "- Profiles: `py-spy record --gil --nonblocking` on the uvicorn worker during "
    "extra runs that are not part of the figures.",
]
QUICK = suites.Plan(
    repeats=1,
    request_seconds=1,
    stream_seconds=2,
    profile_seconds=2,
    history_conversations=100,
    capacity_resolution=0.5,
)


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m tests.bench")
    parser.add_argument(
        "--quick",
        action="store_true",
        help="one short run of each scenario, a coarse capacity: checks the "
        "harness; its report is not one to commit",
    )
    parser.add_argument("--out", type=Path, default=HERE, help="report folder")
    args = parser.parse_args()
    plan = QUICK if args.quick else suites.Plan()
    postgres = database.server_url()
    # Children are pinned with taskset; this process is the load generator.
    os.sched_setaffinity(0, {LOAD_CORE})
    started = time.monotonic()
    proxy = proxy_python()
    results = {
        "started": datetime.datetime.now(datetime.UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "quick": args.quick,
        "machine": machine(),
        "load_average": {"start": load_average()},
        "core_speed": {},
        "versions": {
            **versions(sys.executable, "Django", "gunicorn", "uvicorn", "litellm"),
            **{
                f"proxy {name}": version
                for name, version in versions(
                    str(proxy), "litellm", "uvicorn", "fastapi"
                ).items()
            },
        },
        "databases": {"backend": "SQLite"},
        "scenarios": {name: vars(plan.scenarios(name)) for name in suites.SCENARIOS},
        "plan": {
            **vars(plan),
            "tokens": REPLY_TOKENS,
            "pace": suites.STREAM_PACE,
            "request_level": suites.REQUEST_LEVEL,
            "cpu_level": suites.CPU_LEVEL,
            "memory_level": suites.MEMORY_LEVEL,
        },
        "pod_memory": goals.pod_memory(),
        "method": METHOD,
    }
    if postgres:
        results["versions"]["PostgreSQL"] = database.describe(postgres)
        results["databases"] = {"backend": "PostgreSQL", "backend-sqlite": "SQLite"}
    paths = {}

    def phase(name: str) -> None:
        print(f"{(time.monotonic() - started) / 60:4.1f} min: {name}", flush=True)
        results["core_speed"][name] = core_speed()

    phase("frontend bundle")
    try:
        results["frontend"] = frontend.bundle_size()
    except Exception as exc:  # npm missing or failing: say so in the report
        results["frontend"] = {"error": f"{type(exc).__name__}: {exc}"}
    phase("cold start")
    results["cold_start"] = coldstart.run(plan.repeats)
    with (
        tempfile.TemporaryDirectory(prefix="bench-") as scratch,
        Upstream() as upstream,
        contextlib.ExitStack() as stack,
    ):
        scratch = Path(scratch)
        # The bare SDK runs right before the backend at every level.
        for name in ("direct", "floor", "sdk"):
            paths[name] = suites.Baseline(name, upstream, plan)
        url = stack.enter_context(database.fresh(postgres)) if postgres else ""
        paths["backend"] = suites.Server(
            "backend",
            PinnedBackend(
                scratch / "backend",
                upstream.base_url,
                **({"DATABASE_URL": url} if url else {}),
            ),
            upstream,
            plan,
            profile_dir=scratch / "profiles",
        )
        if postgres:
            paths["backend-sqlite"] = suites.Server(
                "backend-sqlite",
                PinnedBackend(scratch / "backend-sqlite", upstream.base_url),
                upstream,
                plan,
            )
        paths["proxy"] = suites.Server(
            "proxy", Proxy(scratch, upstream.base_url), upstream, plan
        )
        for name, path in paths.items():
            phase(f"start: {name}")
            stack.enter_context(path)
        results["paths"] = suites.interleaved(paths, plan, phase)
    results["load_average"]["end"] = load_average()
    results["minutes"] = round((time.monotonic() - started) / 60, 1)
    results["goals"] = goals.evaluate(results)
    args.out.mkdir(parents=True, exist_ok=True)
    report.write(results, args.out)
    for row in results["goals"]:
        for database_name, cell in row["measured"].items():
            print(
                "met     " if cell["met"] else "MISSED  ",
                f"{row['goal']} [{database_name}]: {cell['value']}",
            )


if __name__ == "__main__":
    main()
