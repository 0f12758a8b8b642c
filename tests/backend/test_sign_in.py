"""The user signed in through the proxy: only the proxy's secret makes the
user header count; users see only their own conversations."""

import pytest

from django.test import AsyncClient, RequestFactory

from chat import identity, owners
from tests.backend.conftest import post

pytestmark = pytest.mark.django_db(transaction=True)

SECRET = "proxy-secret-that-only-nginx-knows-5150"


@pytest.fixture
def proxy(settings):
    settings.CHAT_PROXY_SECRET = SECRET


class HeadersClient(AsyncClient):
    """An AsyncClient that sends `headers` with every request (the ASGI
    request factory drops the constructor's)."""

    def __init__(self, headers: dict, **kwargs) -> None:
        super().__init__(**kwargs)
        self.always = headers

    def generic(self, method, path, *args, headers=None, **kwargs):
        headers = {**self.always, **(headers or {})}
        return super().generic(method, path, *args, headers=headers, **kwargs)


def signed_in(name: str, secret: str = SECRET, **kwargs) -> AsyncClient:
    """A client as nginx forwards it for the proxy's user `name`."""
    return HeadersClient({"X-Chat-User": name, "X-Chat-Proxy-Secret": secret}, **kwargs)


async def conversation_ids(client) -> set[str]:
    listed = (await client.get("/chat/conversations")).json()["conversations"]
    return {c["id"] for c in listed}


async def test_a_proven_user_owns_their_conversations_and_gets_no_owner_cookie(
    proxy, fake_llm
):
    alice = signed_in("alice")

    response = await post(alice, {"message": "Mine"})

    assert response.status_code == 200
    assert owners.COOKIE not in response.cookies
    assert await conversation_ids(alice) == {response.json()["conversation_id"]}
    # The same user from another browser sees the same conversations.
    assert await conversation_ids(signed_in("alice")) == await conversation_ids(alice)


@pytest.mark.parametrize("secret", ["", "wrong-secret", SECRET + "x", SECRET[:-1]])
async def test_the_user_header_without_the_right_secret_is_ignored(
    proxy, fake_llm, secret
):
    alice = signed_in("alice")
    mine = (await post(alice, {"message": "Mine"})).json()["conversation_id"]
    forger = signed_in("alice", secret=secret)

    detail = await forger.get(f"/chat/conversations/{mine}")
    session = await forger.get("/chat/session")

    assert detail.status_code == 404
    assert await conversation_ids(forger) == set()
    assert session.json() == {"user": None, "sign_out_url": None}
    # The forger is a browser owner, as without the header.
    assert detail.cookies[owners.COOKIE].value.startswith("browser:")


async def test_the_user_header_is_ignored_when_no_secret_is_configured(fake_llm):
    alice = signed_in("alice", secret="")
    mine = (await post(alice, {"message": "Mine"})).json()["conversation_id"]
    forger = signed_in("alice", secret="")

    assert (await forger.get(f"/chat/conversations/{mine}")).status_code == 404
    assert (await forger.get("/chat/session")).json()["user"] is None


@pytest.mark.parametrize("method", ["GET", "PATCH", "DELETE"])
async def test_another_users_conversation_is_404(proxy, fake_llm, method):
    alice, bob = signed_in("alice"), signed_in("bob")
    mine = (await post(alice, {"message": "Mine"})).json()["conversation_id"]

    response = await bob.generic(
        method, f"/chat/conversations/{mine}", '{"title": "x"}', "application/json"
    )
    chatted = await post(bob, {"message": "Hi", "conversation_id": mine})

    assert (response.status_code, chatted.status_code) == (404, 404)
    assert await conversation_ids(bob) == set()
    assert (await alice.get(f"/chat/conversations/{mine}")).status_code == 200


async def test_a_browsers_conversations_are_not_merged_into_a_user_who_signs_in(
    proxy, fake_llm
):
    browser = AsyncClient()
    earlier = (await post(browser, {"message": "Before"})).json()["conversation_id"]
    # The same browser, now through the proxy: it still sends its owner cookie.
    alice = signed_in("alice")
    alice.cookies = browser.cookies

    assert await conversation_ids(alice) == set()
    assert (await alice.get(f"/chat/conversations/{earlier}")).status_code == 404
    assert await conversation_ids(browser) == {earlier}


async def test_sign_in_required_refuses_the_api_without_a_user(
    proxy, fake_llm, settings
):
    settings.CHAT_REQUIRE_USER = True
    anonymous = AsyncClient()

    responses = [
        await post(anonymous, {"message": "Hi"}),
        await post(anonymous, {"message": "Hi"}, "/chat/stream"),
        await anonymous.get("/chat/conversations"),
        await anonymous.get(f"/chat/conversations/{'0' * 32}"),
        await post(signed_in("alice", secret="forged"), {"message": "Hi"}),
    ]

    assert [r.status_code for r in responses] == [401] * 5
    assert {r.json()["error"] for r in responses} == {"Sign in to chat."}
    assert all(owners.COOKIE not in r.cookies for r in responses)
    assert fake_llm.record.requests == []
    assert (await post(signed_in("alice"), {"message": "Hi"})).status_code == 200
    for path in ("/health", "/health/ready", "/chat/session"):
        assert (await anonymous.get(path)).status_code == 200


async def test_session_names_the_proxys_user_and_the_sign_out(proxy):
    assert (await signed_in("alice").get("/chat/session")).json() == {
        "user": "alice",
        "sign_out_url": "/oauth/sign_out",
    }
    assert (await AsyncClient().get("/chat/session")).json() == {
        "user": None,
        "sign_out_url": None,
    }
    assert (await AsyncClient().post("/chat/session")).status_code == 405


@pytest.mark.parametrize("name", ["", "   ", "a" * 151, "bad\x01name"])
async def test_an_unusable_user_name_is_no_user(proxy, name):
    response = await signed_in("x").get("/chat/session", headers={"X-Chat-User": name})

    assert response.json()["user"] is None


def test_the_access_token_counts_only_through_the_proxy(proxy):
    token = {"X-Chat-Access-Token": " sha256~token "}
    proxied = {"X-Chat-User": "alice", "X-Chat-Proxy-Secret": SECRET}

    def access_token(headers):
        return identity.access_token(RequestFactory().get("/", headers=headers))

    assert access_token({**proxied, **token}) == "sha256~token"
    assert access_token(proxied) == ""
    assert access_token(token) == ""


async def test_the_secret_without_a_user_name_is_no_user(proxy):
    client = HeadersClient({"X-Chat-Proxy-Secret": SECRET})

    response = await client.get("/chat/session")

    assert response.json()["user"] is None


async def test_a_user_name_as_long_as_a_username_can_be_is_a_user(proxy):
    name = "a" * 150

    response = await signed_in(name).get("/chat/session")

    assert response.json()["user"] == name


async def test_a_signed_in_users_writes_need_the_csrf_token(proxy, fake_llm):
    """The proxy's session cookie is ambient authority, as the owner cookie."""
    alice = signed_in("alice", enforce_csrf_checks=True)

    refused = await post(alice, {"message": "Hi"})
    listed = await alice.get("/chat/conversations")
    token = listed.cookies["csrftoken"].value
    accepted = await alice.post(
        "/chat",
        '{"message": "Hi"}',
        content_type="application/json",
        headers={"X-CSRFToken": token},
    )

    assert refused.status_code == 403
    assert accepted.status_code == 200
