"""A private PostgreSQL server on 127.0.0.1, from Debian's binaries, that a
test can stop and start again under a running backend."""

import os
import shutil
import subprocess
import tempfile
from pathlib import Path

from tests.servers import free_port


def binaries() -> Path | None:
    """The newest installed PostgreSQL's bin directory, if any."""
    found = sorted(
        Path("/usr/lib/postgresql").glob("*/bin/pg_ctl"),
        key=lambda path: int(path.parent.parent.name),
    )
    return found[-1].parent if found else None


class PostgreSQL:
    """``with PostgreSQL() as db: db.url; db.stop(); db.start()``"""

    def __init__(self) -> None:
        self.bin = binaries()
        self.port = free_port()
        self.url = f"postgres://chat@127.0.0.1:{self.port}/postgres"
        # initdb refuses to run as root: run the server as the postgres user.
        self.as_user = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []
        self.dir = Path(tempfile.mkdtemp(prefix="reliability-pg-"))
        if self.as_user:
            shutil.chown(self.dir, "postgres", "postgres")
        self.data = self.dir / "data"

    def _run(self, tool: str, *args: str, check: bool = True) -> None:
        subprocess.run(
            [*self.as_user, str(self.bin / tool), *args],
            check=check,
            capture_output=True,
            cwd=self.dir,
        )

    def start(self) -> None:
        self._run(
            "pg_ctl",
            "--pgdata",
            str(self.data),
            "--log",
            str(self.dir / "server.log"),
            "--options",
            f"-c listen_addresses=127.0.0.1 -p {self.port} -k {self.dir} -F",
            "--wait",
            "start",
        )

    def stop(self) -> None:
        self._run("pg_ctl", "--pgdata", str(self.data), "-m", "fast", "--wait", "stop")

    def __enter__(self) -> "PostgreSQL":
        # Trust on 127.0.0.1 only, for a throwaway server the test owns.
        self._run(
            "initdb", "--pgdata", str(self.data), "-U", "chat", "-A", "trust", "-N"
        )
        self.start()
        return self

    def __exit__(self, *exc_info) -> None:
        # Unchecked: a test may have left it stopped.
        self._run("pg_ctl", "--pgdata", str(self.data), "stop", check=False)
        shutil.rmtree(self.dir, ignore_errors=True)
