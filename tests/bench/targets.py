"""The two servers under test, each pinned to one core: the backend exactly as
the cluster runs it (tests/servers.py), and the LiteLLM proxy, the peer."""

import hashlib
import os
import secrets
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import httpx

from tests.bench import load
from tests.bench.system import SUT_CORE, pinned
from tests.servers import BACKEND_DIR, REPO, Backend, free_port, process_tree

PROXY_REQUIREMENTS = Path(__file__).with_name("proxy-requirements.txt")
PROXY_VENV = REPO / ".tox" / "bench-litellm-proxy"
# No limit for the benchmark's single client address: the limit is a setting.
UNLIMITED = "1000000/s"


def wait_for(url: str, process: subprocess.Popen, timeout: float = 120) -> float:
    """Poll ``url`` every 20 ms until it answers 200; the monotonic time then."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"{process.args} exited with {process.returncode}")
        try:
            if httpx.get(url, timeout=1).status_code == 200:
                return time.monotonic()
        except httpx.TransportError:
            pass
        time.sleep(0.02)
    raise RuntimeError(f"{url} not answering after {timeout} s")


def stop(process: subprocess.Popen) -> None:
    """SIGTERM, then SIGKILL to every process of the tree still there."""
    members = process_tree(process.pid)
    process.terminate()
    try:
        process.wait(30)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()
    for member in members[1:]:
        try:
            os.kill(member, signal.SIGKILL)
        except ProcessLookupError:
            pass


class PinnedBackend(Backend):
    """gunicorn with apps/backend/gunicorn.conf.py, under taskset."""

    health_path = "/health"
    chat_path = "/chat"
    stream_path = "/chat/stream"
    read_stream = staticmethod(load.backend_stream)

    def __init__(
        self, workdir: Path, upstream_base: str, *, pythonpath: str = "", **env
    ) -> None:
        settings = {
            "LLM_API_BASE": upstream_base,
            "LLM_API_KEY": "none",
            "LLM_MODEL": "fake-model",
            "CHAT_RATE_LIMIT": UNLIMITED,
            "DJANGO_SECRET_KEY": os.environ.get(
                "DJANGO_SECRET_KEY", secrets.token_urlsafe(32)
            ),
        }
        super().__init__(workdir, **{**settings, **env})
        if pythonpath:
            self.env["PYTHONPATH"] = f"{pythonpath}:{self.env['PYTHONPATH']}"
        self.headers: dict = {}
        # A command that runs the server, such as strace.
        self.wrapper: list[str] = []

    def chat_body(self, message: str) -> dict:
        return {"message": message}

    def stream_body(self, message: str) -> dict:
        return {"message": message}

    def launch(self) -> float:
        """Start gunicorn; the monotonic time just before."""
        started = time.monotonic()
        self.process = subprocess.Popen(
            pinned(SUT_CORE, [*self.wrapper, *self.command()]),
            cwd=BACKEND_DIR,
            env=self.env,
            stdout=self.log_path.open("ab"),
            stderr=subprocess.STDOUT,
        )
        return started

    def __enter__(self) -> "PinnedBackend":
        self.prepare()
        self.launch()
        wait_for(self.url + self.health_path, self.process)
        return self

    def __exit__(self, *exc_info) -> None:
        # SIGKILL to gunicorn alone would leave its worker running.
        stop(self.process)

    @property
    def pid(self) -> int:
        return self.process.pid

    def worker_pid(self) -> int:
        """The uvicorn worker that serves requests (gunicorn's only child)."""
        for _ in range(100):
            children = [p for p in process_tree(self.pid) if p != self.pid]
            if children:
                return children[0]
            time.sleep(0.05)
        raise RuntimeError("gunicorn has no worker")


def proxy_python() -> Path:
    """The proxy's virtualenv, made once per proxy-requirements.txt."""
    digest = hashlib.sha256(PROXY_REQUIREMENTS.read_bytes()).hexdigest()
    marker = PROXY_VENV / "requirements.sha256"
    python = PROXY_VENV / "bin" / "python"
    if marker.exists() and marker.read_text() == digest:
        return python
    shutil.rmtree(PROXY_VENV, ignore_errors=True)
    subprocess.run([sys.executable, "-m", "venv", str(PROXY_VENV)], check=True)
    installed = subprocess.run(
        [python, "-m", "pip", "install", "-q", "-r", str(PROXY_REQUIREMENTS)],
        capture_output=True,
        text=True,
    )
    if installed.returncode:
        raise RuntimeError(f"the proxy's virtualenv failed:\n{installed.stderr}")
    marker.write_text(digest)
    return python


class Proxy:
    """``litellm --config`` on the same upstream, no database, telemetry off."""

    health_path = "/health/liveliness"
    chat_path = "/v1/chat/completions"
    stream_path = "/v1/chat/completions"
    read_stream = staticmethod(load.openai_stream)

    def __init__(
        self,
        workdir: Path,
        upstream_base: str,
        *,
        model: str = "hosted_vllm/fake-model",
        pythonpath: str = "",
        **env,
    ) -> None:
        self.workdir = workdir
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log_path = workdir / "proxy.log"
        self.config = workdir / "proxy.yaml"
        self.config.write_text(
            "model_list:\n"
            "  - model_name: fake-model\n"
            "    litellm_params:\n"
            f"      model: {model}\n"
            f"      api_base: {upstream_base}\n"
            "      api_key: none\n"
            "litellm_settings:\n"
            "  telemetry: false\n"
        )
        # A throwaway key: the proxy refuses to start without one.
        master_key = "sk-" + secrets.token_hex(16)
        self.headers = {"Authorization": f"Bearer {master_key}"}
        self.env = {
            key: value
            for key, value in os.environ.items()
            if key not in ("DATABASE_URL", "PYTHONPATH", "VIRTUAL_ENV")
        }
        self.env.update(
            LITELLM_MASTER_KEY=master_key,
            LITELLM_LOCAL_MODEL_COST_MAP="True",
            LITELLM_TELEMETRY="False",
            **env,
        )
        if pythonpath:
            self.env["PYTHONPATH"] = pythonpath
        self.process: subprocess.Popen | None = None
        self.wrapper: list[str] = []

    def chat_body(self, message: str) -> dict:
        return {
            "model": "fake-model",
            "messages": [{"role": "user", "content": message}],
            "max_tokens": 1024,
        }

    def stream_body(self, message: str) -> dict:
        return {
            **self.chat_body(message),
            "stream": True,
            "stream_options": {"include_usage": True},
        }

    def launch(self) -> float:
        python = PROXY_VENV / "bin" / "python"
        started = time.monotonic()
        self.process = subprocess.Popen(
            pinned(
                SUT_CORE,
                [
                    *self.wrapper,
                    str(python),
                    str(PROXY_VENV / "bin" / "litellm"),
                    "--config",
                    str(self.config),
                    "--host",
                    "127.0.0.1",
                    "--port",
                    str(self.port),
                ],
            ),
            cwd=self.workdir,
            env=self.env,
            stdout=self.log_path.open("ab"),
            stderr=subprocess.STDOUT,
        )
        return started

    def __enter__(self) -> "Proxy":
        self.launch()
        wait_for(self.url + self.health_path, self.process)
        return self

    @property
    def pid(self) -> int:
        return self.process.pid

    def worker_pid(self) -> int:
        """One worker: the proxy serves requests in its own process."""
        return self.pid

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")

    def __exit__(self, *exc_info) -> None:
        stop(self.process)
