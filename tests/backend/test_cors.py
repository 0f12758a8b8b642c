"""CORS: only the configured origins may call the API from a browser."""

import os
import subprocess
import sys

import pytest

from tests.servers import BACKEND_DIR


@pytest.fixture
def allowed_origin(settings):
    settings.CORS_ALLOWED_ORIGINS = ["https://chat.example.test"]
    return "https://chat.example.test"


def preflight(client, origin):
    return client.options(
        "/chat",
        headers={
            "Origin": origin,
            "Access-Control-Request-Method": "POST",
            "Access-Control-Request-Headers": "content-type",
        },
    )


def test_configured_origin_passes_the_preflight(client, allowed_origin):
    response = preflight(client, allowed_origin)

    assert response["Access-Control-Allow-Origin"] == allowed_origin
    assert "content-type" in response["Access-Control-Allow-Headers"]


def test_unknown_origin_gets_no_cors_headers(client, allowed_origin):
    response = preflight(client, "https://evil.example.test")

    assert "Access-Control-Allow-Origin" not in response


def test_no_origin_passes_the_preflight_with_the_settings_as_shipped(client):
    response = preflight(client, "https://any.example.test")

    assert "Access-Control-Allow-Origin" not in response


def test_a_wildcard_origin_fails_the_checks_that_migrate_runs_first():
    result = subprocess.run(
        [sys.executable, "manage.py", "check"],
        cwd=BACKEND_DIR,
        env={**os.environ, "DJANGO_CORS_ALLOWED_ORIGINS": "https://a.example.test,*"},
        capture_output=True,
        text=True,
    )

    assert result.returncode == 1
    assert "(corsheaders.E013) Origin '*' in CORS_ALLOWED_ORIGINS" in result.stderr
