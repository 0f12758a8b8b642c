"""What the kernel knows about a process tree: CPU time, PSS, core pinning."""

import json
import os
import platform
import subprocess
import sys
import threading
from pathlib import Path

from tests.servers import process_tree, pss_bytes

# The system under test gets core 0; the load generator and the fake upstream
# share core 1.
SUT_CORE = 0
LOAD_CORE = 1
CLOCK_TICKS = os.sysconf("SC_CLK_TCK")


def pinned(core: int, command: list[str]) -> list[str]:
    return ["taskset", "-c", str(core), *command]


def cpu_seconds(pid: int) -> float:
    """User plus system CPU time of the tree under ``pid``."""
    total = 0
    for member in process_tree(pid):
        try:
            fields = Path(f"/proc/{member}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += int(fields[11]) + int(fields[12])  # utime, stime
    return total / CLOCK_TICKS


def pss_mib(pid: int) -> float:
    """Proportional set size of the tree under ``pid``, in MiB."""
    return pss_bytes(pid) / 2**20


class PeakMemory:
    """Sample the tree's PSS in a thread while a block runs; keep the peak."""

    def __init__(self, pid: int, interval: float = 0.25) -> None:
        self.pid = pid
        self.interval = interval
        self.peak = 0.0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        while True:
            self.peak = max(self.peak, pss_mib(self.pid))
            if self._stop.wait(self.interval):
                return

    def __enter__(self) -> "PeakMemory":
        self._thread.start()
        return self

    def __exit__(self, *exc_info) -> None:
        self._stop.set()
        self._thread.join()
        self.peak = max(self.peak, pss_mib(self.pid))


def machine() -> dict:
    cpu = next(
        (
            line.split(":", 1)[1].strip()
            for line in Path("/proc/cpuinfo").read_text().splitlines()
            if line.startswith("model name")
        ),
        platform.processor(),
    )
    memory_kib = int(Path("/proc/meminfo").read_text().split()[1])
    return {
        "cpu": cpu,
        "cores": os.cpu_count(),
        "memory_gib": round(memory_kib / 1024 / 1024, 1),
        "kernel": platform.release(),
        "os": _os_name(),
        "python": platform.python_version(),
    }


# A fixed piece of pure Python, timed on the system under test's core.
SPEED_PROBE = """
import json, sys, time
record = {"role": "assistant", "content": "word " * 20, "tokens": list(range(20))}
rounds, end = 0, time.perf_counter() + float(sys.argv[1])
while time.perf_counter() < end:
    for _ in range(100):
        json.loads(json.dumps(record))
    rounds += 100
print(rounds)
"""


def core_speed(seconds: float = 0.5) -> float:
    """Thousands of rounds per second of SPEED_PROBE on the system under
    test's core: on a virtual machine whose host is shared, it drifts during
    a run, and ratios of paths measured minutes apart drift with it."""
    result = subprocess.run(
        pinned(SUT_CORE, [sys.executable, "-c", SPEED_PROBE, str(seconds)]),
        capture_output=True,
        text=True,
        check=True,
    )
    return round(int(result.stdout) / seconds / 1000, 1)


def load_average() -> str:
    """The 1, 5 and 15 minute load averages: other work on the machine."""
    return " ".join(Path("/proc/loadavg").read_text().split()[:3])


def _os_name() -> str:
    for line in Path("/etc/os-release").read_text().splitlines():
        if line.startswith("PRETTY_NAME="):
            return line.split("=", 1)[1].strip('"')
    return platform.system()


def versions(python: str, *packages: str) -> dict:
    """Installed versions of ``packages`` for the interpreter ``python``."""
    script = (
        "import json, sys\nfrom importlib.metadata import version\n"
        "print(json.dumps({p: version(p) for p in sys.argv[1:]}))"
    )
    result = subprocess.run(
        [python, "-c", script, *packages], capture_output=True, text=True, check=True
    )
    return json.loads(result.stdout)
