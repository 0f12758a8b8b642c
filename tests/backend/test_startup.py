"""What happens when the process starts, checked in a fresh interpreter."""

import os
import subprocess
import sys

import pytest

from tests.servers import BACKEND_DIR

# Records every attempt to resolve a name or open a socket while the app loads.
PROBE = """
import sys
attempts = []
def hook(event, args):
    if event in ("socket.connect", "socket.getaddrinfo", "socket.gethostbyname"):
        attempts.append((event, repr(args)[:120]))
sys.addaudithook(hook)
{load}
print(len(attempts), attempts)
"""
LOAD_APP = "import config.asgi"


def run(code: str, **env: str) -> subprocess.CompletedProcess:
    base = {
        k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "LLM_"))
    }
    return subprocess.run(
        [sys.executable, "-c", code],
        cwd=BACKEND_DIR,
        env={
            **base,
            "PYTHONPATH": str(BACKEND_DIR),
            "DJANGO_SETTINGS_MODULE": "config.settings",
            **env,
        },
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_loading_the_app_makes_no_network_attempt():
    result = run(
        PROBE.format(load=LOAD_APP),
        DJANGO_SECRET_KEY="probe-secret",
        LLM_API_BASE="http://127.0.0.1:9/v1",
    )

    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "0 []"


def test_the_network_probe_sees_a_connection_attempt():
    connect = (
        "import socket\n"
        "try: socket.create_connection(('127.0.0.1', 9))\n"
        "except OSError: pass"
    )

    result = run(PROBE.format(load=connect))

    assert result.stdout.startswith("2 [('socket.getaddrinfo'"), result.stderr


def test_refuses_to_serve_without_a_secret_key_when_debug_is_off():
    result = run("import config.asgi")

    assert result.returncode == 1
    assert "The SECRET_KEY setting must not be empty." in result.stderr


def test_debug_is_off_by_default():
    result = run("from django.conf import settings; print(settings.DEBUG)")

    assert result.stdout.strip() == "False"


def test_collectstatic_runs_without_a_secret_key_as_in_the_s2i_build(tmp_path):
    result = subprocess.run(
        [sys.executable, "manage.py", "collectstatic", "--noinput"],
        cwd=BACKEND_DIR,
        env={
            **{k: v for k, v in os.environ.items() if not k.startswith("DJANGO_")},
            "DJANGO_STATIC_ROOT": str(tmp_path),
        },
        capture_output=True,
        text=True,
        timeout=120,
    )

    assert result.returncode == 0, result.stderr
    assert (tmp_path / "staticfiles.json").exists()


@pytest.mark.parametrize(
    ("environment", "said"),
    [
        ({"CHAT_USER_RATE_LIMIT": "20 per minute"}, "CHAT_USER_RATE_LIMIT must look"),
        ({"CHAT_ADMIN_ACCESS": "deployments"}, "CHAT_ADMIN_ACCESS must look"),
        (
            # Nothing connects while the app loads: no server needed.
            {
                "DATABASE_URL": "postgres://chat@127.0.0.1:9/chat",
                "DATABASE_THREADS": "0",
            },
            "DATABASE_THREADS must be 1 or more",
        ),
    ],
)
def test_a_mistyped_setting_stops_the_start(environment, said):
    result = run(LOAD_APP, DJANGO_SECRET_KEY="x", **environment)

    assert result.returncode != 0
    assert said in result.stderr


@pytest.mark.parametrize(
    ("database_url", "asked", "threads"),
    [
        ("postgres://chat@127.0.0.1:9/chat", None, "4"),
        ("postgres://chat@127.0.0.1:9/chat", "8", "8"),
        # One writer at a time: more threads would only queue for the lock.
        ("sqlite:///unused.sqlite3", "8", "1"),
    ],
)
def test_the_api_gets_database_threads_on_postgresql_and_one_on_sqlite(
    database_url, asked, threads
):
    result = run(
        "from django.conf import settings; print(settings.DATABASE_THREADS)",
        DATABASE_URL=database_url,
        **({"DATABASE_THREADS": asked} if asked else {}),
    )

    assert result.stdout.strip() == threads, result.stderr
