"""CSRF: a browser's owner cookie is ambient authority, so its writes need
Django's CSRF token; a request without the cookie has nothing to forge."""

import json

import pytest

from django.test import AsyncClient, Client

from chat.models import Conversation, Message

pytestmark = pytest.mark.django_db(transaction=True)

REFUSED = {
    "error": "This request was refused because it did not come from the chat "
    "page. Reload the page and try again."
}


def chat(client, body, **headers):
    return client.post("/chat", json.dumps(body), "application/json", headers=headers)


@pytest.fixture
def browser(fake_llm):
    """A browser that has one conversation, and so the owner cookie."""
    client = Client(enforce_csrf_checks=True)
    response = chat(client, {"message": "Hi"})
    client.conversation_id = response.json()["conversation_id"]
    return client


def token(client) -> str:
    client.get("/chat/conversations")
    return client.cookies["csrftoken"].value


def test_request_without_the_owner_cookie_needs_no_token(fake_llm):
    response = chat(Client(enforce_csrf_checks=True), {"message": "Hi"})

    assert response.status_code == 200


def test_list_sets_a_csrf_cookie_the_page_can_read(fake_llm):
    response = Client(enforce_csrf_checks=True).get("/chat/conversations")

    assert response.cookies["csrftoken"].value
    assert response.cookies["csrftoken"]["httponly"] == ""


@pytest.mark.parametrize("form", ["new", "message", "regenerate"])
def test_post_with_the_owner_cookie_and_no_token_is_refused(browser, fake_llm, form):
    fake_llm.reset()
    answer = Message.objects.get(role="assistant")
    body = {
        "new": {"message": "A new conversation"},
        "message": {"message": "Again", "conversation_id": browser.conversation_id},
        "regenerate": {
            "regenerate": answer.pk,
            "conversation_id": str(answer.conversation_id),
        },
    }[form]

    response = chat(browser, body, Origin="http://testserver")

    assert response.status_code == 403
    assert response.json() == REFUSED
    assert Message.objects.count() == 2
    assert fake_llm.record.requests == []


def test_post_with_the_token_passes(browser, fake_llm):
    response = chat(
        browser,
        {"message": "Again", "conversation_id": browser.conversation_id},
        X_CSRFToken=token(browser),
        Origin="http://testserver",
    )

    assert response.status_code == 200
    assert Message.objects.count() == 4


def test_token_from_another_site_is_refused(browser, fake_llm):
    response = chat(
        browser,
        {"message": "Again", "conversation_id": browser.conversation_id},
        X_CSRFToken=token(browser),
        Origin="https://evil.example.test",
    )

    assert response.status_code == 403
    assert response.json() == REFUSED


def test_rename_and_delete_need_the_token(browser):
    url = f"/chat/conversations/{browser.conversation_id}"
    title = json.dumps({"title": "Renamed"})

    refused = [
        browser.patch(url, title, "application/json").status_code,
        browser.delete(url).status_code,
    ]
    headers = {"X-CSRFToken": token(browser)}
    renamed = browser.patch(url, title, "application/json", headers=headers)
    deleted = browser.delete(url, headers=headers)

    assert refused == [403, 403]
    assert (renamed.status_code, deleted.status_code) == (200, 204)
    assert Conversation.objects.count() == 0


async def test_async_client_is_checked_the_same_way(fake_llm):
    client = AsyncClient(enforce_csrf_checks=True)
    first = await client.post(
        "/chat", json.dumps({"message": "Hi"}), "application/json"
    )
    body = {"message": "Again", "conversation_id": first.json()["conversation_id"]}

    refused = await client.post("/chat/stream", json.dumps(body), "application/json")
    await client.get("/chat/conversations")
    passed = await client.post(
        "/chat/stream",
        json.dumps(body),
        "application/json",
        headers={"X-CSRFToken": client.cookies["csrftoken"].value},
    )

    assert (first.status_code, refused.status_code) == (200, 403)
    assert refused.json() == REFUSED
    assert passed.status_code == 200
    assert passed["Content-Type"] == "text/event-stream"


def test_admin_keeps_djangos_own_csrf_page(admin_user):
    client = Client(enforce_csrf_checks=True)
    client.force_login(admin_user)

    response = client.post("/admin/logout/")

    assert response.status_code == 403
    assert response["Content-Type"].startswith("text/html")
