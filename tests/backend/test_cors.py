"""CORS: only the configured origins may call the API from a browser."""

import pytest


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


def test_wildcard_is_off(settings):
    assert settings.CORS_ALLOW_ALL_ORIGINS is False
