"""The admin: read-only chats, the LLM settings page and its connection test."""

import json

import pytest

from django.core.management import call_command
from django.urls import reverse

from chat.admin_site import mask
from tests.backend.conftest import API_KEY

pytestmark = pytest.mark.django_db


@pytest.fixture
def conversation(client, fake_llm):
    response = client.post("/chat", json.dumps({"message": "Hi"}), "application/json")
    return response.json()["conversation_id"]


@pytest.mark.parametrize(
    "url",
    [
        "/admin/",
        "/admin/llm-settings/",
        "/admin/chat/conversation/",
        "/admin/chat/message/",
    ],
)
def test_admin_pages_need_a_login(client, url):
    response = client.get(url)

    assert response.status_code == 302
    assert response["Location"].startswith("/admin/login/")


def test_conversations_are_listed_read_only_with_their_messages(
    admin_client, conversation
):
    listing = admin_client.get("/admin/chat/conversation/")
    detail = admin_client.get(f"/admin/chat/conversation/{conversation}/change/")

    assert conversation in listing.content.decode()
    page = detail.content.decode()
    assert "Hello from the fake model." in page
    assert 'name="_save"' not in page
    assert admin_client.get("/admin/chat/conversation/add/").status_code == 403


def test_messages_list_shows_token_usage(admin_client, conversation):
    page = admin_client.get("/admin/chat/message/").content.decode()

    assert "Total tokens" in page
    assert '<td class="field-total_tokens">5</td>' in page


def test_llm_settings_page_shows_the_effective_settings_with_the_key_masked(
    admin_client, fake_llm
):
    page = admin_client.get("/admin/llm-settings/").content.decode()

    assert fake_llm.base_url in page
    assert "hosted_vllm/fake-model" in page
    assert "••••••••4242" in page
    assert API_KEY not in page
    assert API_KEY[:-4] not in page


def test_llm_settings_is_linked_from_the_admin_index(admin_client):
    page = admin_client.get("/admin/").content.decode()

    assert 'href="/admin/llm-settings/"' in page


@pytest.mark.parametrize(
    ("secret", "shown"),
    [("", "(not set)"), ("short-key", "••••••••"), (API_KEY, "••••••••4242")],
)
def test_mask_shows_at_most_the_last_four_characters(secret, shown):
    assert mask(secret) == shown


def test_connection_test_lists_the_endpoints_models(admin_client, fake_llm):
    response = admin_client.post(reverse("admin:llm-settings-test"), follow=True)

    assert "Connected. The endpoint offers: fake-model." in response.content.decode()
    assert fake_llm.record.headers[0]["Authorization"] == f"Bearer {API_KEY}"


def test_connection_test_failure_is_shown_in_plain_words(admin_client, fake_llm):
    fake_llm.reset(fault="http_401")

    response = admin_client.post(reverse("admin:llm-settings-test"), follow=True)

    assert (
        "Connection test failed: The LLM endpoint rejected the API key."
        in response.content.decode()
    )


def test_connection_test_needs_post_and_a_csrf_token(fake_llm, admin_user):
    from django.test import Client

    client = Client(enforce_csrf_checks=True)
    client.force_login(admin_user)

    assert client.get(reverse("admin:llm-settings-test")).status_code == 405
    assert client.post(reverse("admin:llm-settings-test")).status_code == 403
    assert fake_llm.record.requests == [] and fake_llm.record.headers == []


def test_ensure_superuser_creates_once_and_is_idempotent(
    monkeypatch, django_user_model
):
    monkeypatch.setenv("DJANGO_SUPERUSER_USERNAME", "root")
    monkeypatch.setenv("DJANGO_SUPERUSER_PASSWORD", "a-long-password-1")
    monkeypatch.setenv("DJANGO_SUPERUSER_EMAIL", "root@example.test")

    call_command("ensure_superuser")
    call_command("ensure_superuser")

    user = django_user_model.objects.get()
    assert (user.username, user.is_superuser, user.email) == (
        "root",
        True,
        "root@example.test",
    )
    assert user.check_password("a-long-password-1")


def test_ensure_superuser_does_nothing_without_the_variables(
    monkeypatch, django_user_model
):
    monkeypatch.delenv("DJANGO_SUPERUSER_USERNAME", raising=False)

    call_command("ensure_superuser")

    assert django_user_model.objects.count() == 0


def test_admin_login_works_behind_the_tls_route(admin_user, settings):
    """As the Route and nginx forward it: https in X-Forwarded-Proto, the
    browser's Host and Origin, CSRF enforced."""
    from django.test import Client

    settings.ALLOWED_HOSTS = [".apps.example.test"]
    settings.SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    settings.CSRF_COOKIE_SECURE = settings.SESSION_COOKIE_SECURE = True
    host = "chat.apps.example.test"
    client = Client(
        enforce_csrf_checks=True,
        headers={"Host": host, "X-Forwarded-Proto": "https"},
    )
    page = client.get("/admin/login/")
    token = page.cookies["csrftoken"].value

    response = client.post(
        "/admin/login/",
        {
            "username": "admin",
            "password": "password",
            "csrfmiddlewaretoken": token,
            "next": "/admin/",
        },
        headers={"Origin": f"https://{host}", "Referer": f"https://{host}/admin/"},
    )

    assert page.cookies["csrftoken"]["secure"] is True
    assert response.status_code == 302
    assert response["Location"] == "/admin/"
