"""`tox -e bench`: measure the backend next to its baselines and the LiteLLM
proxy on a fake upstream, all on 127.0.0.1, and write tests/bench/report.md
and report.json. `--quick` runs each scenario once, briefly, to check the
harness; its report is not one to commit."""

import argparse
import datetime
import os
import sys
import tempfile
import time
from pathlib import Path

from tests.bench import coldstart, frontend, goals, report, suites
from tests.bench.system import LOAD_CORE, load_average, machine, versions
from tests.bench.targets import PROXY_VENV, PinnedBackend, Proxy, proxy_python
from tests.bench.upstream import Upstream

HERE = Path(__file__).resolve().parent

METHOD = [
    "- Core 0 runs the system under test and nothing else of the benchmark: "
    "the backend (gunicorn with `apps/backend/gunicorn.conf.py`, one uvicorn "
    "worker, SQLite), the LiteLLM "
    "proxy (`litellm --config`, one worker, no database) or the baseline script "
    "(`tests/bench/baseline.py`). Core 1 runs the load generator "
    "(`tests/bench/load.py`, asyncio and aiohttp) and the fake upstream "
    "(`tests/fake_openai.py` in its own process). Pinned with `taskset`.",
    "- Baselines: the same chat request sent straight to the upstream with "
    "aiohttp (its CPU per chunk is the raw HTTP parsing floor: read the line, "
    "parse the JSON), and through `litellm.acompletion` with the arguments "
    "`chat/llm.py` passes, for the `hosted_vllm/` and `openai/` providers.",
    "- The proxy runs from its own virtualenv "
    f"(`{PROXY_VENV.relative_to(HERE.parent.parent)}`, made from "
    "`tests/bench/proxy-requirements.txt`) with "
    "`LITELLM_LOCAL_MODEL_COST_MAP=True`, `LITELLM_TELEMETRY=False`, a random "
    "master key made for the run and no `DATABASE_URL`.",
    "- The backend gets `CHAT_RATE_LIMIT` high enough that the one client "
    "address of the benchmark is never limited; everything else is its default "
    "configuration (`DJANGO_DEBUG=false`, INFO logs to a file).",
    "- Memory: PSS summed over the process tree from `/proc/<pid>/smaps_rollup`, "
    "sampled every 0.25 s during each run. CPU: utime + stime of the tree from "
    "`/proc/<pid>/stat`.",
    "- Cold start runs in `unshare -rn` (loopback only). Every Python process "
    "there loads `tests/bench/nethook/sitecustomize.py`, an audit hook that logs "
    "getaddrinfo and connect to any non-loopback host; every start runs under "
    "`strace -f --seccomp-bpf -e trace=connect` (only connect() stops the "
    "process), which also sees sockets opened outside Python's socket module.",
    "- Profiles: `py-spy record --gil --nonblocking` on the uvicorn worker during "
    "extra runs that are not part of the figures.",
]


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m tests.bench")
    parser.add_argument("--quick", action="store_true", help="check the harness")
    parser.add_argument("--out", type=Path, default=HERE, help="report folder")
    args = parser.parse_args()
    plan = (
        suites.Plan(
            repeats=1,
            request_seconds=1,
            stream_seconds=2,
            stream_clients=(1, 50, 100),
            profile_seconds=2,
        )
        if args.quick
        else suites.Plan()
    )
    # Children are pinned with taskset; this process is the load generator.
    os.sched_setaffinity(0, {LOAD_CORE})
    started = time.monotonic()
    proxy = proxy_python()
    results = {
        "started": datetime.datetime.now(datetime.UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "machine": machine(),
        "load_average": {"start": load_average()},
        "versions": {
            **versions(sys.executable, "Django", "gunicorn", "uvicorn", "litellm"),
            **{
                f"proxy {name}": version
                for name, version in versions(
                    str(proxy), "litellm", "uvicorn", "fastapi"
                ).items()
            },
        },
        "plan": {
            **vars(plan),
            "tokens": suites.TOKENS,
            "pace": suites.STREAM_PACE,
        },
        "cpu_level": suites.CPU_LEVEL,
        "pod_memory": goals.pod_memory(),
        "method": METHOD,
    }

    def phase(name: str) -> None:
        print(f"{(time.monotonic() - started) / 60:4.1f} min: {name}", flush=True)

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
    ):
        scratch = Path(scratch)
        phase("baselines")
        results["baselines"] = suites.baselines(upstream, plan)
        phase("backend")
        results["backend"] = suites.server(
            PinnedBackend(scratch / "backend", upstream.base_url),
            upstream,
            plan,
            profile_dir=scratch / "profiles",
        )
        phase("backend, openai/ provider")
        results["backend_openai"] = suites.server(
            PinnedBackend(
                scratch / "backend-openai",
                upstream.base_url,
                LLM_MODEL="openai/fake-model",
            ),
            upstream,
            plan,
            request_clients=(32,),
            stream_clients=(suites.CPU_LEVEL,),
        )
        phase("proxy")
        results["proxy"] = suites.server(
            Proxy(scratch, upstream.base_url), upstream, plan
        )
    results["load_average"]["end"] = load_average()
    results["minutes"] = round((time.monotonic() - started) / 60, 1)
    results["goals"] = goals.evaluate(results)
    args.out.mkdir(parents=True, exist_ok=True)
    report.write(results, args.out)
    for row in results["goals"]:
        print(("met     " if row["met"] else "MISSED  ") + row["goal"], row["measured"])


if __name__ == "__main__":
    main()
