"""One measured run: closed-loop load on a server or a baseline script, with
the CPU time and memory of the process that did the work."""

import asyncio
import json
import os
import resource
import shutil
import subprocess
import sys
from pathlib import Path

from tests.bench import load
from tests.bench.baseline import MESSAGE
from tests.bench.stats import summary
from tests.bench.system import SUT_CORE, PeakMemory, cpu_seconds, pinned
from tests.servers import REPO


def _own_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def _caller(target, session, *, stream: bool) -> load.Call:
    if stream:
        url, body = target.url + target.stream_path, target.stream_body(MESSAGE)
        send = target.read_stream
    else:
        url, body = target.url + target.chat_path, target.chat_body(MESSAGE)
        send = load.plain_request
    return lambda: send(session, url, json=body, headers=target.headers)


async def _server_run(target, clients: int, seconds: float, *, stream: bool) -> dict:
    async with load.session() as session:
        call = _caller(target, session, stream=stream)
        before = {}

        def measuring():
            before.update(server=cpu_seconds(target.pid), own=_own_cpu())

        with PeakMemory(target.pid) as memory:
            result = await load.closed_loop(clients, seconds, call, measuring)
        server_cpu = cpu_seconds(target.pid) - before["server"]
        own_cpu = _own_cpu() - before["own"]
    figures = summary(result, cpu_seconds=server_cpu, stream=stream)
    figures["pss_peak_mib"] = round(memory.peak, 1)
    figures["load_generator_cpu_share"] = round(own_cpu / result["elapsed"], 3)
    return figures


def server_run(target, clients: int, seconds: float, *, stream: bool) -> dict:
    """Load ``target`` (a PinnedBackend or a Proxy) from this process."""
    return asyncio.run(_server_run(target, clients, seconds, stream=stream))


def baseline_runs(specs: list[dict]) -> list[dict]:
    """Run tests/bench/baseline.py, pinned to the backend's core, once for all
    ``specs``: the SDK is imported once."""
    result = subprocess.run(
        pinned(SUT_CORE, [sys.executable, "-m", "tests.bench.baseline"]),
        input=json.dumps(specs),
        cwd=REPO,
        capture_output=True,
        text=True,
        env={**os.environ, "PYTHONPATH": str(REPO)},
    )
    if result.returncode:
        raise RuntimeError(f"baseline failed:\n{result.stderr[-4000:]}")
    return json.loads(result.stdout.splitlines()[-1])


async def _first_stream(target) -> load.Sample:
    async with load.session() as session:
        return await _caller(target, session, stream=True)()


def first_stream(target) -> None:
    """One streamed answer, read to the end."""
    sample = asyncio.run(_first_stream(target))
    if not sample.ok:
        raise RuntimeError(f"the first stream failed: {sample.error}")


def profile(target, clients: int, seconds: float, *, stream: bool, out: Path) -> Path:
    """Sample the serving process with py-spy while the load runs."""
    py_spy = shutil.which("py-spy") or str(Path(sys.executable).with_name("py-spy"))
    pid = target.worker_pid()
    sampler = subprocess.Popen(
        [
            py_spy,
            "record",
            "--pid",
            str(pid),
            "--rate",
            "200",
            "--duration",
            str(int(seconds) + 1),
            # Pausing the process for each sample slows it tenfold.
            "--nonblocking",
            "--format",
            "raw",
            "--output",
            str(out),
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    server_run(target, clients, seconds, stream=stream)
    sampler.wait(60)
    return out
