"""A Debian nginx that stands in for a Kubernetes Service or the OpenShift
router: it spreads requests over a set of members on 127.0.0.1, and the set
changes, with a graceful reload, as endpoints become ready or go away.

kube-proxy balances TCP connections and retries nothing; Debian's nginx-light
has no stream (TCP) module, so this is an HTTP proxy made as plain as one can
be: no retry on another member, no passive health checks, headers passed on
unchanged, one upstream connection per request, nothing buffered.
"""

import os
import shutil
import signal
import subprocess
import tempfile
import time
from pathlib import Path

from tests.e2e.nginx_server import NOBODY, nginx_binary
from tests.servers import children, free_port

CONF = """
worker_processes 1;
pid {root}/nginx.pid;
events {{ worker_connections 1024; }}
http {{
    access_log off;
{temp_paths}
    upstream members {{
{servers}
    }}
    server {{
        listen 127.0.0.1:{port};
        location / {{
            proxy_pass http://members;
            proxy_http_version 1.1;
            proxy_set_header Host $http_host;
            proxy_buffering off;
            proxy_request_buffering off;
            proxy_read_timeout 300s;
            proxy_next_upstream off;
        }}
    }}
}}
"""


def title(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode()
    except OSError:
        return ""


class Balancer:
    """``with Balancer([port, ...]) as service: service.set_members([...])``"""

    def __init__(self, members: list[int]) -> None:
        self.members = list(members)
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.root = Path(tempfile.mkdtemp(prefix="nginx-balancer-"))
        self.conf = self.root / "nginx.conf"
        self.process: subprocess.Popen | None = None

    def _write_conf(self) -> None:
        temp = self.root / "temp"
        self.conf.write_text(
            CONF.format(
                root=self.root,
                port=self.port,
                temp_paths="".join(
                    f"    {kind}_temp_path {temp}/{kind};\n"
                    for kind in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi")
                ),
                servers="".join(
                    f"        server 127.0.0.1:{port} max_fails=0;\n"
                    for port in self.members
                ),
            )
        )

    def _serving_workers(self) -> set[int]:
        """Workers that accept connections: one told to quit by a reload
        renames itself "... is shutting down" and closes its listening socket."""
        return {
            pid
            for pid in children(self.process.pid)
            if title(pid).strip() == "nginx: worker process"
        }

    def _wait_for_workers(self, old: set[int], timeout: float = 30) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"nginx balancer exited: {self.error_log()}")
            serving = self._serving_workers()
            if serving and not serving & old:
                return
            time.sleep(0.01)
        raise RuntimeError(f"nginx balancer did not reload: {self.error_log()}")

    def set_members(self, members: list[int]) -> None:
        """Send new requests to these members only, from when this returns;
        requests in flight to the others go on."""
        self.members = list(members)
        self._write_conf()
        old = self._serving_workers()
        self.process.send_signal(signal.SIGHUP)
        self._wait_for_workers(old)

    def error_log(self) -> str:
        path = self.root / "error.log"
        return path.read_text(errors="replace") if path.exists() else ""

    def __enter__(self) -> "Balancer":
        (self.root / "temp").mkdir()
        self._write_conf()
        user = {}
        if os.geteuid() == 0:
            for path in (self.root, self.root / "temp"):
                os.chown(path, NOBODY, NOBODY)
            user = {"user": NOBODY, "group": NOBODY, "extra_groups": []}
        self.process = subprocess.Popen(
            [nginx_binary(), "-p", str(self.root), "-c", str(self.conf),
             "-e", str(self.root / "error.log"), "-g", "daemon off;"],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            **user,
        )  # fmt: skip
        self._wait_for_workers(set())
        return self

    def __exit__(self, *exc_info) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            self.process.wait(10)
        shutil.rmtree(self.root, ignore_errors=True)
