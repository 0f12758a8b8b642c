"""The admin: read-only chats, the LLM settings page and its connection test."""

import json
import socket

import pytest

from django.core.management import call_command
from django.urls import reverse

from chat.admin_site import mask
from chat.models import Conversation
from tests.backend.conftest import API_KEY

# Committed: the chats made through the API are stored by its database threads
# (chat/database.py), which a test's open transaction would keep waiting.
pytestmark = pytest.mark.django_db(transaction=True)


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

    assert (
        f"/admin/chat/conversation/{conversation}/change/" in listing.content.decode()
    )
    page = detail.content.decode()
    assert "Hello from the fake model." in page
    assert 'name="_save"' not in page
    assert admin_client.get("/admin/chat/conversation/add/").status_code == 403


@pytest.fixture
def conversations():
    """Two stored conversations: one with a failed and a partial answer."""
    troubled = Conversation.objects.create(owner="browser:" + "a" * 32, title="Bread")
    for role, content, status, tokens in [
        ("user", "How do I knead dough?", "complete", None),
        ("assistant", "Fold and push", "partial", 7),
        ("user", "And rye?", "complete", None),
        ("assistant", "", "failed", None),
        ("user", "Knead again?", "complete", None),
        ("assistant", "Yes, knead.", "complete", 5),
    ]:
        troubled.messages.create(
            role=role, content=content, status=status, total_tokens=tokens
        )
    calm = Conversation.objects.create(owner="browser:" + "b" * 32, title="Taxes")
    calm.messages.create(role="user", content="Forms?")
    return troubled, calm


def row(page: str, title: str) -> str:
    start = page.index(f">{title}</a>")
    return page[start : page.index("</tr>", start)]


def test_conversation_list_shows_owner_counts_flags_and_tokens(
    admin_client, conversations
):
    page = admin_client.get("/admin/chat/conversation/").content.decode()

    bread = row(page, "Bread")
    assert '<td class="field-owner">browser:' + "a" * 32 + "</td>" in bread
    assert '<td class="field-message_count">6</td>' in bread
    assert (
        'field-has_failed"><img src="/static/admin/img/icon-yes.svg" alt="True">'
        in bread
    )
    assert (
        'field-has_partial"><img src="/static/admin/img/icon-yes.svg" alt="True">'
        in bread
    )
    assert '<td class="field-tokens">12</td>' in bread
    taxes = row(page, "Taxes")
    assert '<td class="field-message_count">1</td>' in taxes
    assert (
        'field-has_failed"><img src="/static/admin/img/icon-no.svg" alt="False">'
        in taxes
    )


def test_conversation_search_finds_message_text_and_keeps_the_counts(
    admin_client, conversations
):
    page = admin_client.get("/admin/chat/conversation/", {"q": "knead"})

    text = page.content.decode()
    assert ">Bread</a>" in text
    assert ">Taxes</a>" not in text
    # Two messages match: a join would have counted each row twice.
    assert '<td class="field-message_count">6</td>' in row(text, "Bread")
    assert '<td class="field-tokens">12</td>' in row(text, "Bread")


def test_conversation_search_finds_titles(admin_client, conversations):
    text = admin_client.get("/admin/chat/conversation/", {"q": "tax"}).content.decode()

    assert ">Taxes</a>" in text
    assert ">Bread</a>" not in text


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


def connection_test(admin_client) -> str:
    """The message the connection test leaves on the settings page."""
    response = admin_client.post(reverse("admin:llm-settings-test"), follow=True)
    return response.content.decode()


def test_connection_test_takes_a_base_url_with_a_trailing_slash(
    admin_client, fake_llm, settings
):
    settings.LLM_API_BASE = fake_llm.base_url + "/"

    assert "Connected. The endpoint offers: fake-model." in connection_test(
        admin_client
    )


def test_connection_test_without_a_key_sends_no_authorization(
    admin_client, fake_llm, settings
):
    settings.LLM_API_KEY = ""

    assert "Connected." in connection_test(admin_client)
    assert "Authorization" not in fake_llm.record.headers[0]


def test_connection_test_refused_access_is_a_key_problem(admin_client, fake_llm):
    fake_llm.reset(fault="http_403")

    assert (
        "Connection test failed: The LLM endpoint rejected the API key."
        in connection_test(admin_client)
    )


def test_connection_test_without_an_endpoint_says_so(admin_client, settings):
    settings.LLM_API_BASE = ""

    assert "Connection test failed: LLM endpoint is not configured." in (
        connection_test(admin_client)
    )


def test_connection_test_of_an_endpoint_that_does_not_answer_ends_in_time(
    admin_client, settings
):
    # A loopback port that accepts connections and never answers.
    with socket.create_server(("127.0.0.1", 0)) as silent:
        settings.LLM_API_BASE = f"http://127.0.0.1:{silent.getsockname()[1]}/v1"
        settings.LLM_TIMEOUT = 0.5

        page = connection_test(admin_client)

    assert "Connection test failed: The LLM endpoint timed out." in page


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
