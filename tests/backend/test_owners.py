"""The owner cookie: who a request belongs to, until sign-in exists."""

import pytest

from django.core import signing
from django.test import AsyncClient

from chat import owners
from tests.backend.conftest import owner_of, post

pytestmark = pytest.mark.django_db(transaction=True)

YEAR = 365 * 24 * 60 * 60


async def test_first_request_gets_a_signed_http_only_owner_cookie(async_client):
    response = await async_client.get("/chat/conversations")

    cookie = response.cookies[owners.COOKIE]
    assert owners.BROWSER.fullmatch(owner_of(async_client))
    assert cookie["httponly"] is True
    assert cookie["samesite"] == "Lax"
    assert cookie["secure"] == ""
    assert cookie["path"] == "/"
    assert cookie["max-age"] == YEAR


async def test_the_cookie_is_secure_behind_the_tls_route(async_client, settings):
    settings.SESSION_COOKIE_SECURE = True

    response = await async_client.get("/chat/conversations")

    assert response.cookies[owners.COOKIE]["secure"] is True


async def test_a_known_owner_gets_no_new_cookie(async_client):
    await async_client.get("/chat/conversations")

    response = await async_client.get("/chat/conversations")

    assert owners.COOKIE not in response.cookies


async def test_each_browser_is_its_own_owner(fake_llm):
    first, second = AsyncClient(), AsyncClient()
    await post(first, {"message": "Mine"})

    listed = await second.get("/chat/conversations")

    assert listed.json() == {"conversations": []}
    assert first.cookies[owners.COOKIE].value != second.cookies[owners.COOKIE].value


@pytest.mark.parametrize(
    "forged",
    [
        "browser:" + "0" * 32,
        signing.get_cookie_signer(salt="other").sign("browser:" + "0" * 32),
    ],
    # Stable ids: the signature holds the time, and mutmut names tests by id.
    ids=["unsigned", "signed-with-another-salt"],
)
async def test_a_cookie_not_signed_by_the_server_is_a_new_owner(fake_llm, forged):
    victim = AsyncClient()
    conversation_id = (await post(victim, {"message": "Mine"})).json()[
        "conversation_id"
    ]
    attacker = AsyncClient()
    attacker.cookies[owners.COOKIE] = forged

    response = await attacker.get(f"/chat/conversations/{conversation_id}")

    assert response.status_code == 404
    assert response.cookies[owners.COOKIE].value != forged


async def test_health_sets_no_cookie(async_client):
    response = await async_client.get("/health")

    assert response.cookies == {}
