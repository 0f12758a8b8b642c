"""Start the backend as it runs in the cluster: gunicorn with the project's
config, on 127.0.0.1, with its own SQLite database."""

import atexit
import contextlib
import functools
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import httpx

REPO = Path(__file__).resolve().parent.parent
BACKEND_DIR = REPO / "apps" / "backend"


def children(pid: int) -> list[int]:
    """The processes whose parent is ``pid``."""
    found = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            parent = stat.read_text().rsplit(")", 1)[1].split()[1]
        except (OSError, IndexError):
            continue
        if int(parent) == pid:
            found.append(int(stat.parent.name))
    return found


def process_tree(pid: int) -> list[int]:
    """The process and all its descendants."""
    tree, todo = [], [pid]
    while todo:
        current = todo.pop()
        tree.append(current)
        todo.extend(children(current))
    return tree


def pss_bytes(pid: int) -> int:
    """Proportional set size of a process tree: shared pages counted once."""
    total = 0
    for member in process_tree(pid):
        try:
            rollup = Path(f"/proc/{member}/smaps_rollup").read_text()
        except OSError:
            continue
        for line in rollup.splitlines():
            if line.startswith("Pss:"):
                total += int(line.split()[1]) * 1024
    return total


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class StreamReader(threading.Thread):
    """``POST /chat/stream`` with ``message``, read in a thread of its own:
    ``lines`` as they arrive (and how the connection ended, if the server
    closed it), ``deltas`` released once per delta event."""

    def __init__(self, url: str, message: str, timeout: float = 60) -> None:
        super().__init__(daemon=True)
        self.url = url
        self.message = message
        self.timeout = timeout
        self.lines: list[str] = []
        self.deltas = threading.Semaphore(0)

    def run(self) -> None:
        try:
            with httpx.stream(
                "POST",
                f"{self.url}/chat/stream",
                json={"message": self.message},
                timeout=self.timeout,
            ) as response:
                for line in response.iter_lines():
                    self.lines.append(line)
                    if line == "event: delta":
                        self.deltas.release()
        except httpx.HTTPError as exc:
            self.lines.append(f"closed: {type(exc).__name__}")

    def wait_for_deltas(self, count: int = 1, timeout: float = 30) -> bool:
        return all(self.deltas.acquire(timeout=timeout) for _ in range(count))


PREPARE = """
import django
from django.core.management import call_command
django.setup()
call_command("migrate", "--noinput", verbosity=0)
call_command("collectstatic", "--noinput", verbosity=0)
call_command("ensure_superuser")
"""


def prepare_template(workdir: Path, **env: str) -> Path:
    """Migrate a SQLite database, collect the static files and create the
    admin user (when DJANGO_SUPERUSER_* say who) in one Django start-up: each
    backend then copies the database and serves the static files. A manage.py
    command takes seconds, most of them importing LiteLLM."""
    subprocess.run(
        [sys.executable, "-c", PREPARE],
        cwd=BACKEND_DIR,
        env={
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "config.settings",
            "DATABASE_URL": f"sqlite:///{workdir / 'db.sqlite3'}",
            "DJANGO_STATIC_ROOT": str(workdir / "static"),
            "PYTHONPATH": str(BACKEND_DIR),
            **env,
        },
        check=True,
        capture_output=True,
    )
    return workdir


@functools.cache
def default_template() -> Path:
    """The template of backends started without one, made once per process."""
    workdir = Path(tempfile.mkdtemp(prefix="backend-template-"))
    atexit.register(shutil.rmtree, workdir, ignore_errors=True)
    return prepare_template(workdir)


class Backend:
    """``with Backend(tmp_path, LLM_API_BASE=...) as backend: backend.url``

    Its SQLite database starts as a copy of the template's (`prepare_template`),
    and it serves the template's static files; a PostgreSQL database
    (DATABASE_URL) is migrated."""

    def __init__(
        self,
        workdir: Path,
        *gunicorn_args: str,
        template: Path | None = None,
        **env: str,
    ) -> None:
        workdir.mkdir(parents=True, exist_ok=True)
        self.workdir = workdir
        self.gunicorn_args = gunicorn_args
        self.template = template
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log_path = workdir / "backend.log"
        self.database = workdir / "db.sqlite3"
        self.env = {
            **os.environ,
            "DATABASE_URL": f"sqlite:///{self.database}",
            "DJANGO_DEBUG": "false",
            "PYTHONPATH": str(BACKEND_DIR),
            **env,
        }
        self.process: subprocess.Popen | None = None

    def manage(self, *args: str) -> None:
        subprocess.run(
            [sys.executable, "manage.py", *args],
            cwd=BACKEND_DIR,
            env=self.env,
            check=True,
            capture_output=True,
        )

    def command(self) -> list[str]:
        """gunicorn as the S2I image runs it, bound to loopback."""
        return [
            sys.executable,
            "-m",
            "gunicorn",
            "--config",
            "gunicorn.conf.py",
            "--bind",
            f"127.0.0.1:{self.port}",
            *self.gunicorn_args,
            "config.asgi:application",
        ]

    def prepare(self) -> None:
        template = self.template or default_template()
        self.env.setdefault("DJANGO_STATIC_ROOT", str(template / "static"))
        if self.env["DATABASE_URL"] == f"sqlite:///{self.database}":
            shutil.copy(template / "db.sqlite3", self.database)
        else:
            self.manage("migrate", "--noinput")

    def __enter__(self) -> "Backend":
        self.prepare()
        self.process = subprocess.Popen(
            self.command(),
            cwd=BACKEND_DIR,
            env=self.env,
            stdout=self.log_path.open("wb"),
            stderr=subprocess.STDOUT,
        )
        self._wait_until_healthy()
        return self

    def _wait_until_healthy(self, timeout: float = 60) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"backend exited:\n{self.log()}")
            try:
                if httpx.get(f"{self.url}/health", timeout=1).status_code == 200:
                    return
            except httpx.TransportError:
                time.sleep(0.1)
        raise RuntimeError(f"backend not healthy in {timeout} s:\n{self.log()}")

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")

    def stop(self, timeout: float = 30) -> int:
        """SIGTERM, as Kubernetes sends it; returns the exit code."""
        self.process.send_signal(signal.SIGTERM)
        return self.process.wait(timeout)

    def __exit__(self, *exc_info) -> None:
        if self.process.poll() is None:
            # SIGKILL to the master alone would leave its worker running.
            workers = children(self.process.pid)
            self.process.kill()
            self.process.wait()
            for pid in workers:
                with contextlib.suppress(ProcessLookupError):
                    os.kill(pid, signal.SIGKILL)
