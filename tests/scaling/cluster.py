"""The parts of a Deployment that the scaling suite plays: pods that run the
init container's commands before gunicorn, the kubelet's readiness probes and
the endpoints controller, and a database of the suite's own on the PostgreSQL
server that DATABASE_URL names."""

import contextlib
import os
import secrets
import signal
import subprocess
import sys
import threading
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import httpx
import psycopg

from tests.scaling.balancer import Balancer
from tests.servers import BACKEND_DIR, Backend

# What the Deployment's init container runs before the backend starts
# (gitops/backend/base/deployment.yaml).
INIT_CONTAINER = (("migrate_locked", "--noinput"), ("ensure_superuser",))


@contextlib.contextmanager
def database(server_url: str):
    """A new, empty database on the server of `server_url`, dropped after;
    yields its URL."""
    parts = urlsplit(server_url)
    name = f"scaling_{secrets.token_hex(4)}"
    admin = urlunsplit(parts._replace(path="/postgres"))
    with psycopg.connect(admin, autocommit=True) as connection:
        connection.execute(f'CREATE DATABASE "{name}"')
    try:
        yield urlunsplit(parts._replace(path=f"/{name}"))
    finally:
        with psycopg.connect(admin, autocommit=True) as connection:
            connection.execute(f'DROP DATABASE "{name}" WITH (FORCE)')


class Pod(Backend):
    """A backend pod: the init container's commands, then gunicorn, on a
    port it keeps when it is started again. Its log holds every run's
    output, init container included."""

    def __init__(self, workdir: Path, **env: str) -> None:
        super().__init__(workdir, **env)
        self.log_path.touch()

    def __enter__(self) -> "Pod":
        self.start()
        return self

    def start(self) -> None:
        with self.log_path.open("ab") as log:
            for args in INIT_CONTAINER:
                subprocess.run(
                    [sys.executable, "manage.py", *args],
                    cwd=BACKEND_DIR,
                    env=self.env,
                    stdout=log,
                    stderr=subprocess.STDOUT,
                    check=True,
                )
            self.process = subprocess.Popen(
                self.command(),
                cwd=BACKEND_DIR,
                env=self.env,
                stdout=log,
                stderr=subprocess.STDOUT,
            )
        self._wait_until_healthy()

    def __exit__(self, *exc_info) -> None:
        if self.process is not None:
            super().__exit__(*exc_info)

    def terminate(self) -> None:
        """SIGTERM, as the kubelet sends it when the pod is deleted."""
        self.process.send_signal(signal.SIGTERM)

    def ready(self) -> bool:
        try:
            return httpx.get(f"{self.url}/health/ready", timeout=2).status_code == 200
        except httpx.TransportError:
            return False


@contextlib.contextmanager
def two_pods(workdirs, env: dict[str, str]):
    """Pods a and b on a new database of the PostgreSQL server that
    DATABASE_URL names, started together as a Deployment's first rollout
    starts them; yields the database's URL and the pods, stopped after.
    `workdirs` is pytest's tmp_path_factory."""
    with database(os.environ["DATABASE_URL"]) as url, contextlib.ExitStack() as stack:
        pods = [
            Pod(workdirs.mktemp(name), **{**env, "DATABASE_URL": url})
            for name in ("a", "b")
        ]
        for pod in pods:
            stack.callback(pod.__exit__, None, None, None)
        _start_at_once(pods)
        yield url, pods


def _start_at_once(pods: list[Pod]) -> None:
    errors = []

    def start(pod):
        try:
            pod.start()
        except Exception as exc:
            errors.append(exc)

    starts = [threading.Thread(target=start, args=(pod,)) for pod in pods]
    for thread in starts:
        thread.start()
    for thread in starts:
        thread.join()
    if errors:
        raise errors[0]


def stored_messages(url: str) -> dict[str, list[tuple[str, str, str]]]:
    """(role, status, content) of every stored message, by conversation."""
    with psycopg.connect(url) as connection:
        rows = connection.execute(
            "SELECT conversation_id::text, role, status, content"
            " FROM chat_message ORDER BY id"
        ).fetchall()
    conversations = {}
    for conversation_id, *message in rows:
        conversations.setdefault(conversation_id, []).append(tuple(message))
    return conversations


class Endpoints:
    """The kubelet's readiness probes and the endpoints controller, sped up:
    a pod whose /health/ready answers 200 is in the Service, any other is out.
    ``with Endpoints(service, pods) as endpoints: endpoints.wait_until(...)``"""

    def __init__(self, service: Balancer, pods: list[Pod]) -> None:
        self.service = service
        self.pods = pods
        self.ready: list[Pod] = []
        self.changed = threading.Condition()
        self.stopping = threading.Event()
        self.thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        while not self.stopping.is_set():
            ready = [pod for pod in self.pods if pod.ready()]
            # An empty upstream is no configuration: keep the last pod.
            if ready and ready != self.ready:
                self.service.set_members([pod.port for pod in ready])
                with self.changed:
                    self.ready = ready
                    self.changed.notify_all()
            self.stopping.wait(0.1)

    def wait_until(self, predicate, timeout: float = 60) -> None:
        """Until predicate(pods in the Service) holds."""
        with self.changed:
            if not self.changed.wait_for(lambda: predicate(self.ready), timeout):
                raise TimeoutError(f"endpoints stayed {[p.url for p in self.ready]}")

    def __enter__(self) -> "Endpoints":
        self.thread.start()
        self.wait_until(lambda ready: len(ready) == len(self.pods))
        return self

    def __exit__(self, *exc_info) -> None:
        self.stopping.set()
        self.thread.join(10)
