"""`migrate_locked`: pods that start at once on one database migrate one
after the other."""

import os
import subprocess
import sys

import psycopg
import pytest

from django.core.management import call_command
from django.db import connection

from chat.management.commands.migrate_locked import LOCK_ID
from tests.servers import BACKEND_DIR

pytestmark = pytest.mark.django_db(transaction=True)


def test_on_sqlite_it_is_a_plain_migrate(capsys):
    if connection.vendor != "sqlite":
        pytest.skip("the SQLite path")

    call_command("migrate_locked", "--noinput")

    assert "No migrations to apply." in capsys.readouterr().out


def url_of_test_database() -> str:
    params = connection.get_connection_params()
    return (
        f"postgres://{params['user']}:{params.get('password', '')}"
        f"@{params['host']}:{params['port']}/{params['dbname']}"
    )


def waiting_for_advisory_lock(holder) -> bool:
    return holder.execute(
        "SELECT count(*) FROM pg_locks"
        " WHERE locktype = 'advisory' AND objid = %s AND NOT granted",
        [LOCK_ID],
    ).fetchone()[0]


def test_on_postgresql_it_waits_for_the_pod_that_migrates():
    if connection.vendor != "postgresql":
        pytest.skip("the PostgreSQL path (tox -e backend-postgres)")
    url = url_of_test_database()
    with psycopg.connect(url, autocommit=True) as holder:
        holder.execute("SELECT pg_advisory_lock(%s)", [LOCK_ID])
        second = subprocess.Popen(
            [sys.executable, "manage.py", "migrate_locked", "--noinput"],
            cwd=BACKEND_DIR,
            env={**os.environ, "DATABASE_URL": url},
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        try:
            while not waiting_for_advisory_lock(holder):
                assert second.poll() is None, second.stdout.read()
            holder.execute("SELECT pg_advisory_unlock(%s)", [LOCK_ID])
            output, _ = second.communicate(timeout=60)
        finally:
            second.kill()

    assert second.returncode == 0, output
    assert "Waiting for the migration lock" in output
    assert "No migrations to apply." in output
