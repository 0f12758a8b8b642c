"""Run the project's nginx configuration in Debian's nginx on 127.0.0.1.

The files are the ones the nginx S2I image gets (apps/frontend/nginx): the
start hook renders the listen directive and the proxy locations exactly as in
the cluster, and nginx.conf is used as is, with only its image paths and its
ports swapped for a temporary directory and free ports on 127.0.0.1.
"""

import os
import re
import shutil
import subprocess
import tempfile
import time
from pathlib import Path

import httpx

from tests.servers import free_port

REPO = Path(__file__).resolve().parents[2]
NGINX_DIR = REPO / "apps" / "frontend" / "nginx"
NOBODY = 65534


def nginx_binary() -> str:
    found = shutil.which("nginx") or "/usr/sbin/nginx"
    if not Path(found).exists():
        raise RuntimeError("nginx is not installed (Debian: apt-get install nginx)")
    return found


class Nginx:
    """``with Nginx(dist_dir, backend_url) as nginx: nginx.url``

    ``chat_auth`` and ``proxy_secret`` are the container's CHAT_AUTH and
    CHAT_PROXY_SECRET; ``health_url`` is the probes' server.
    """

    def __init__(
        self,
        dist_dir: Path,
        backend_url: str,
        resolver: str = "127.0.0.1",
        chat_auth: str = "none",
        proxy_secret: str = "",
    ) -> None:
        self.dist_dir = dist_dir
        self.backend_url = backend_url
        # The DNS server nginx asks for the backend's name; on loopback even
        # when no test needs one, never the machine's own.
        self.resolver = resolver
        self.chat_auth = chat_auth
        self.proxy_secret = proxy_secret
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.health_port = free_port()
        self.health_url = f"http://127.0.0.1:{self.health_port}"
        # Not pytest's tmp_path: its parent is private to root, and nginx
        # runs as nobody here, as the image runs as an arbitrary UID.
        self.root = Path(tempfile.mkdtemp(prefix="nginx-e2e-"))
        self.conf = self.root / "nginx.conf"
        self.process: subprocess.Popen | None = None

    def render(self) -> None:
        """Lay out the image's directories and run its start hook."""
        for name in ("nginx.d", "nginx.default.d", "logs", "temp"):
            (self.root / name).mkdir()
        for conf in (NGINX_DIR / "nginx-cfg").glob("*.conf"):
            shutil.copy(conf, self.root / "nginx.d")
        for conf in (NGINX_DIR / "nginx-default-cfg").glob("*.conf"):
            shutil.copy(conf, self.root / "nginx.default.d")
        shutil.copytree(self.dist_dir, self.root / "src")
        self.hook_output = ""
        for hook in sorted((NGINX_DIR / "nginx-start").glob("*.sh")):
            ran = subprocess.run(
                ["bash", "-c", 'set -e; source "$0"', str(hook)],
                env={
                    **os.environ,
                    "BACKEND_URL": self.backend_url,
                    "BACKEND_RESOLVER": self.resolver,
                    "CHAT_AUTH": self.chat_auth,
                    "CHAT_PROXY_SECRET": self.proxy_secret,
                    "NGINX_CONFIGURATION_PATH": str(self.root / "nginx.d"),
                    "NGINX_DEFAULT_CONF_PATH": str(self.root / "nginx.default.d"),
                },
                check=True,
                capture_output=True,
            )
            self.hook_output += (ran.stdout + ran.stderr).decode(errors="replace")
        self.rendered_listen = self._listen_on_test_port()
        self.conf.write_text(self._top_level_conf())
        if os.geteuid() == 0:
            for path in [self.root, *self.root.rglob("*")]:
                os.chown(path, NOBODY, NOBODY)

    def _listen_on_test_port(self) -> str:
        """Move the rendered listen directive to the test's port, on
        127.0.0.1 in every mode; return the directive as rendered."""
        rendered = self.root / "nginx.default.d" / "backend-proxy.conf"
        text = rendered.read_text()
        (listen,) = re.findall(r"^listen .*;$", text, flags=re.MULTILINE)
        address = f"127.0.0.1:{self.port}"
        rendered.write_text(
            text.replace(listen, re.sub(r"(\S+:)?8080", address, listen, count=1))
        )
        return listen

    def _top_level_conf(self) -> str:
        text = (NGINX_DIR / "nginx.conf").read_text()
        temp = self.root / "temp"
        swaps = {
            "/opt/app-root/etc/nginx.d/": f"{self.root}/nginx.d/",
            "/opt/app-root/etc/nginx.default.d/": f"{self.root}/nginx.default.d/",
            "root /opt/app-root/src;": f"root {self.root}/src;",
            "/var/log/nginx/": f"{self.root}/logs/",
            "pid /run/nginx.pid;": f"pid {self.root}/nginx.pid;",
            "listen 8081;": f"listen 127.0.0.1:{self.health_port};",
            # Debian's build keeps these under /var/lib/nginx (root's).
            "http {": "http {\n"
            + "".join(
                f"    {kind}_temp_path {temp}/{kind};\n"
                for kind in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi")
            ),
        }
        for old, new in swaps.items():
            if old not in text:
                raise RuntimeError(
                    f"{old!r} is no longer in nginx.conf: update {__file__}"
                )
            text = text.replace(old, new)
        return text

    def _command(self, *args: str) -> list[str]:
        return [
            nginx_binary(),
            "-p", str(self.root),
            "-c", str(self.conf),
            "-e", str(self.root / "logs" / "error.log"),
            *args,
        ]  # fmt: skip

    def _user(self) -> dict:
        """As root, drop to nobody: the image runs nginx as an arbitrary UID."""
        if os.geteuid() != 0:
            return {}
        return {"user": NOBODY, "group": NOBODY, "extra_groups": []}

    def test_config(self) -> subprocess.CompletedProcess:
        """``nginx -t`` on the rendered configuration."""
        return subprocess.run(
            self._command("-t"), capture_output=True, text=True, **self._user()
        )

    def dump_config(self) -> str:
        """``nginx -T``: the whole configuration nginx runs."""
        return subprocess.run(
            self._command("-T"),
            capture_output=True,
            text=True,
            check=True,
            **self._user(),
        ).stdout

    def __enter__(self) -> "Nginx":
        try:
            self.render()
            checked = self.test_config()
            if checked.returncode != 0:
                raise RuntimeError(f"nginx -t failed:\n{checked.stderr}")
        except BaseException:
            self.remove()
            raise
        self.process = subprocess.Popen(
            self._command("-g", "daemon off;"),
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            **self._user(),
        )
        self._wait_until_up()
        return self

    def _wait_until_up(self, timeout: float = 10) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"nginx exited:\n{self.error_log()}")
            try:
                httpx.get(f"{self.health_url}/nginx-health", timeout=1)
                return
            except httpx.TransportError:
                time.sleep(0.05)
        raise RuntimeError(f"nginx not up in {timeout} s:\n{self.error_log()}")

    def error_log(self) -> str:
        return self._log("error.log")

    def access_log(self) -> str:
        return self._log("access.log")

    def _log(self, name: str) -> str:
        path = self.root / "logs" / name
        return path.read_text(errors="replace") if path.exists() else ""

    def remove(self) -> None:
        """Stop nginx if it runs and delete its directory."""
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            self.process.wait(10)
        shutil.rmtree(self.root, ignore_errors=True)

    def __exit__(self, *exc_info) -> None:
        self.remove()
