"""Per-client rate limits on the chat API and on admin login."""

import json

import pytest

from django.test import RequestFactory

from chat.throttle import client_ip
from tests.rate_windows import within_one_window

pytestmark = pytest.mark.django_db(transaction=True)


async def chat(client, **headers):
    return await client.post(
        "/chat", json.dumps({"message": "Hi"}), "application/json", headers=headers
    )


async def test_client_over_the_limit_gets_429_with_a_json_error(
    async_client, fake_llm, settings
):
    settings.CHAT_RATE_LIMIT = "2/m"
    within_one_window(5)

    statuses = [(await chat(async_client)).status_code for _ in range(3)]
    refused = await chat(async_client)

    assert statuses == [200, 200, 429]
    assert refused.json() == {
        "error": "Too many requests: wait a minute and try again."
    }
    assert len(fake_llm.record.requests) == 2


async def test_stream_counts_against_the_same_limit(async_client, fake_llm, settings):
    settings.CHAT_RATE_LIMIT = "1/m"
    within_one_window(5)
    await chat(async_client)

    response = await async_client.post(
        "/chat/stream", json.dumps({"message": "Hi"}), "application/json"
    )

    assert response.status_code == 429


async def test_clients_behind_the_proxies_are_counted_apart(
    async_client, fake_llm, settings
):
    settings.CHAT_RATE_LIMIT = "1/m"
    within_one_window(5)
    settings.TRUSTED_PROXY_COUNT = 2
    router = "10.128.0.1"

    first = await chat(async_client, x_forwarded_for=f"198.51.100.1, {router}")
    other = await chat(async_client, x_forwarded_for=f"198.51.100.2, {router}")
    again = await chat(async_client, x_forwarded_for=f"198.51.100.1, {router}")

    assert (first.status_code, other.status_code, again.status_code) == (200, 200, 429)


@pytest.mark.parametrize(
    ("hops", "forwarded", "expected"),
    [
        (0, "203.0.113.9", "127.0.0.1"),
        (2, "203.0.113.9, 10.0.0.1", "203.0.113.9"),
        (2, "6.6.6.6, 203.0.113.9, 10.0.0.1", "203.0.113.9"),
        (2, "", "127.0.0.1"),
    ],
)
def test_client_ip_trusts_only_the_proxies_entries(settings, hops, forwarded, expected):
    settings.TRUSTED_PROXY_COUNT = hops
    request = RequestFactory().get("/", headers={"X-Forwarded-For": forwarded})

    assert client_ip(request) == expected


def test_client_ip_without_a_forwarded_header_is_the_peer(settings):
    settings.TRUSTED_PROXY_COUNT = 1

    assert client_ip(RequestFactory().get("/")) == "127.0.0.1"


def test_admin_login_attempts_are_throttled(client, admin_user, settings):
    settings.ADMIN_LOGIN_RATE_LIMIT = "3/m"
    within_one_window(5)
    wrong = {"username": "admin", "password": "wrong", "next": "/admin/"}

    statuses = [client.post("/admin/login/", wrong).status_code for _ in range(3)]
    blocked = client.post("/admin/login/", {**wrong, "password": "password"})

    assert statuses == [200, 200, 200]
    assert blocked.status_code == 429
    assert "_auth_user_id" not in client.session
