"""One measured run: closed-loop load on a server or a baseline script, with
the CPU time and memory of the process that did the work."""

import asyncio
import json
import os
import resource
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

from tests.bench import capacity, load
from tests.bench.history import QUESTION, Pool
from tests.bench.stats import summary
from tests.bench.system import SUT_CORE, PeakMemory, cpu_seconds, pinned
from tests.servers import REPO


def _own_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def _caller(target, session, *, stream: bool, pool: Pool | None = None) -> load.Call:
    """A call of ``target``'s chat; with ``pool``, each continues the pool's
    next conversation."""
    if stream:
        url, body = target.url + target.stream_path, target.stream_body(QUESTION)
        send = target.read_stream
    else:
        url, body = target.url + target.chat_path, target.chat_body(QUESTION)
        send = load.plain_request
    if pool is None:
        return lambda: send(session, url, json=body, headers=target.headers)

    def call():
        fields, headers = pool.next()
        return send(
            session,
            url,
            json={**body, **fields},
            headers={**target.headers, **headers},
        )

    return call


async def _server_run(
    target, clients: int, seconds: float, *, stream: bool, pool: Pool | None
) -> dict:
    async with load.session() as session:
        call = _caller(target, session, stream=stream, pool=pool)
        before = {}

        def measuring():
            before.update(server=cpu_seconds(target.pid), own=_own_cpu())

        with (
            PeakMemory(target.pid) as memory,
            PeakMemory(target.worker_pid()) as worker_memory,
        ):
            result = await load.closed_loop(clients, seconds, call, measuring)
        server_cpu = cpu_seconds(target.pid) - before["server"]
        own_cpu = _own_cpu() - before["own"]
    figures = summary(result, cpu_seconds=server_cpu, stream=stream)
    figures["pss_peak_mib"] = round(memory.peak, 1)
    figures["worker_pss_peak_mib"] = round(worker_memory.peak, 1)
    figures["load_generator_cpu_share"] = round(own_cpu / result["elapsed"], 3)
    return figures


def server_run(
    target, clients: int, seconds: float, *, stream: bool, pool: Pool | None = None
) -> dict:
    """Load ``target`` (a PinnedBackend or a Proxy) from this process."""
    return asyncio.run(_server_run(target, clients, seconds, stream=stream, pool=pool))


def server_capacity(target, seconds: float, **search) -> dict:
    """``target``'s capacity (tests/bench/capacity.py), one run per probe."""

    def probe(streams: int):
        return _server_run(target, streams, seconds, stream=True, pool=None)

    return asyncio.run(capacity.search(probe, **search))


class BaselineScript:
    """tests/bench/baseline.py, pinned to the backend's core, up from
    ``with`` to its end: the SDK is imported once. With ``floor`` (a model),
    the best-knobs floor. ``run(spec)``: one run's figures."""

    def __init__(self, floor: str = "") -> None:
        self.command = [sys.executable, "-m", "tests.bench.baseline"]
        if floor:
            self.command += ["--floor", floor]
        self.errors = tempfile.TemporaryFile()
        self.process: subprocess.Popen | None = None

    def __enter__(self) -> "BaselineScript":
        self.process = subprocess.Popen(
            pinned(SUT_CORE, self.command),
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=self.errors,
            cwd=REPO,
            text=True,
            env={**os.environ, "PYTHONPATH": str(REPO)},
        )
        # Imported before anything else is measured: the import takes core 0.
        if self._line() != "ready\n":
            raise RuntimeError("the baseline script did not say it was ready")
        return self

    def _line(self) -> str:
        line = self.process.stdout.readline()
        if not line:
            self.errors.seek(0)
            stderr = self.errors.read().decode(errors="replace")
            raise RuntimeError(f"baseline failed:\n{stderr[-4000:]}")
        return line

    def run(self, spec: dict) -> dict:
        self.process.stdin.write(json.dumps(spec) + "\n")
        self.process.stdin.flush()
        return json.loads(self._line())

    def __exit__(self, *exc_info) -> None:
        self.process.stdin.close()
        self.process.wait(30)
        self.process.stdout.close()
        self.errors.close()


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
