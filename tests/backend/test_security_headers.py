"""Security headers on every response, including those Django's own
middleware answers before any view: static files and a disallowed Host."""

import re
from pathlib import Path

import pytest

from django.conf import settings

from tests.contracts import SECURITY_HEADERS

NGINX_SERVER_CONF = (
    Path(__file__).parents[2] / "apps/frontend/nginx/nginx-default-cfg/frontend.conf"
)

EXPECTED = {
    "Content-Security-Policy": settings.CONTENT_SECURITY_POLICY,
    **SECURITY_HEADERS,
}


def headers_of(response) -> dict:
    return {name: response.get(name) for name in EXPECTED}


def test_static_file_carries_the_security_headers(client, settings, tmp_path):
    settings.STATIC_ROOT = str(tmp_path)
    (tmp_path / "probe.css").write_text("body {}")

    response = client.get("/static/probe.css")

    assert response.status_code == 200
    assert headers_of(response) == EXPECTED


@pytest.mark.django_db
def test_disallowed_host_answer_carries_the_security_headers(client):
    response = client.get("/health", headers={"Host": "evil.example.test"})

    assert response.status_code == 400
    assert headers_of(response) == EXPECTED


def test_the_policy_is_the_one_nginx_sends_in_the_cluster():
    sent_by_nginx = re.search(
        r'add_header Content-Security-Policy "([^"]+)"', NGINX_SERVER_CONF.read_text()
    )

    assert sent_by_nginx[1] == settings.CONTENT_SECURITY_POLICY


@pytest.mark.django_db
def test_a_json_answer_carries_the_policy_too(client):
    response = client.get("/health")

    assert response["Content-Security-Policy"] == settings.CONTENT_SECURITY_POLICY
