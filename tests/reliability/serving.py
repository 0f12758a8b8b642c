"""Backends for the reliability suites: gunicorn with the project's config,
started from a database and static files prepared once per session."""

import os
import shutil
import subprocess
import sys
from pathlib import Path

from tests.servers import BACKEND_DIR, Backend

PREPARE = """
import django
from django.core.management import call_command
django.setup()
call_command("migrate", "--noinput", verbosity=0)
call_command("collectstatic", "--noinput", verbosity=0)
call_command("ensure_superuser")
"""


def prepare_template(workdir: Path, **env: str) -> Path:
    """Migrate a SQLite database, collect static files and create the admin
    user in one Django start-up; each backend then copies the database."""
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


class PreparedBackend(Backend):
    """A `Backend` whose SQLite database is a copy of the template's and whose
    static files are the template's; a PostgreSQL database is migrated."""

    def __init__(
        self, workdir: Path, template: Path, *gunicorn_args: str, **env: str
    ) -> None:
        super().__init__(
            workdir, *gunicorn_args, DJANGO_STATIC_ROOT=str(template / "static"), **env
        )
        self.database = workdir / "db.sqlite3"
        if self.env["DATABASE_URL"].startswith("sqlite"):
            shutil.copy(template / "db.sqlite3", self.database)

    def manage(self, *args: str) -> None:
        if args[0] == "collectstatic":
            return
        if args[0] == "migrate" and self.env["DATABASE_URL"].startswith("sqlite"):
            return
        super().manage(*args)
