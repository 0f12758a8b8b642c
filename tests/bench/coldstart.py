"""Cold start in a network namespace with loopback only (`unshare -rn`): process
start to health 200 and to the first answered chat, for the backend and the
proxy, next to a bare `import litellm`. Attempts to reach any other address
are logged two ways: an audit hook in every Python process
(tests/bench/nethook), and strace on every start (with a seccomp filter, so
that only connect() stops the process)."""

import json
import os
import re
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx

from tests.bench.stats import spread
from tests.bench.system import SUT_CORE, pinned
from tests.bench.targets import PinnedBackend, Proxy, stop, wait_for
from tests.bench.upstream import Upstream
from tests.servers import BACKEND_DIR, REPO, children

NETHOOK = str(Path(__file__).with_name("nethook"))
# connect() to an IPv4 or IPv6 address that is not loopback.
REMOTE_CONNECT = re.compile(
    r"connect\(\d+, \{sa_family=AF_INET6?, .*?"
    r'(?:inet_addr\(|inet_pton\(AF_INET6, )"(?!127\.|::1")([^"]+)"'
)


def _start(server) -> dict:
    """Launch, wait for health, ask one chat; seconds from launch to each."""
    started = server.launch()
    healthy = wait_for(server.url + server.health_path, server.process)
    response = httpx.post(
        server.url + server.chat_path,
        json=server.chat_body("Say hello."),
        headers=server.headers,
        timeout=60,
    )
    answered = time.monotonic()
    if response.status_code != 200:
        raise RuntimeError(f"first chat: HTTP {response.status_code} {response.text}")
    return {"health_s": healthy - started, "first_chat_s": answered - started}


def _traced_start(server, trace: Path) -> tuple[dict, set[str]]:
    """`_start` under strace, which stops the process only at connect(); the
    times and the remote addresses it tried."""
    server.wrapper = [
        "strace",
        "-f",
        "--seccomp-bpf",
        "-qq",
        "-e",
        "trace=connect",
        "-o",
        str(trace),
    ]
    try:
        times = _start(server)
    finally:
        # SIGTERM goes to the server itself: strace exits when it does.
        for child in children(server.process.pid):
            os.kill(child, signal.SIGTERM)
        try:
            server.process.wait(30)
        except subprocess.TimeoutExpired:
            stop(server.process)
        server.wrapper = []
    return times, set(REMOTE_CONNECT.findall(trace.read_text(errors="replace")))


def _import_litellm() -> float:
    env = {**os.environ, "PYTHONPATH": NETHOOK, "LITELLM_LOCAL_MODEL_COST_MAP": "True"}
    started = time.monotonic()
    subprocess.run(
        pinned(SUT_CORE, [sys.executable, "-c", "import litellm"]), env=env, check=True
    )
    return time.monotonic() - started


def _measure(name, server, repeats, workdir) -> dict:
    runs, remote = [], set()
    for repeat in range(repeats):
        times, tried = _traced_start(server, workdir / f"{name}-{repeat}.strace")
        runs.append(times)
        remote |= tried
    figures = {
        key: spread([round(run[key], 3) for run in runs])
        for key in ("health_s", "first_chat_s")
    }
    figures["strace_remote_connects"] = sorted(remote)
    return figures


def main() -> None:
    repeats, workdir = int(sys.argv[1]), Path(sys.argv[2])
    subprocess.run(["ip", "link", "set", "lo", "up"], check=True)
    interfaces = subprocess.run(
        ["ip", "-o", "link", "show", "up"], capture_output=True, text=True, check=True
    ).stdout
    results = {
        "interfaces_up": [
            line.split(":")[1].strip() for line in interfaces.splitlines()
        ]
    }
    with Upstream() as upstream:
        upstream.behave()
        for name, server in (
            ("backend", PinnedBackend(workdir, upstream.base_url, pythonpath=NETHOOK)),
            ("proxy", Proxy(workdir, upstream.base_url, pythonpath=NETHOOK)),
        ):
            net_log = workdir / f"{name}.netlog"
            server.env["BENCH_NET_LOG"] = str(net_log)
            if name == "backend":
                server.prepare()
            results[name] = _measure(name, server, repeats, workdir)
            results[name]["audit_hook_attempts"] = (
                sorted(set(net_log.read_text().splitlines()))
                if net_log.exists()
                else []
            )
    import_log = workdir / "import.netlog"
    os.environ["BENCH_NET_LOG"] = str(import_log)
    results["import_litellm"] = {
        "seconds": spread([round(_import_litellm(), 3) for _ in range(repeats)]),
        "audit_hook_attempts": (
            sorted(set(import_log.read_text().splitlines()))
            if import_log.exists()
            else []
        ),
    }
    print(json.dumps(results))


def run(repeats: int) -> dict:
    """Run main() in a new user and network namespace."""
    with tempfile.TemporaryDirectory(prefix="bench-coldstart-") as workdir:
        result = subprocess.run(
            [
                "unshare",
                "-rn",
                sys.executable,
                "-m",
                "tests.bench.coldstart",
                str(repeats),
                workdir,
            ],
            cwd=REPO,
            capture_output=True,
            text=True,
            env={**os.environ, "PYTHONPATH": f"{REPO}:{BACKEND_DIR}"},
        )
        if result.returncode:
            raise RuntimeError(f"cold start failed:\n{result.stderr[-4000:]}")
        return json.loads(result.stdout.splitlines()[-1])


if __name__ == "__main__":
    main()
