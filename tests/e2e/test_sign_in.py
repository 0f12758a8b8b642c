"""Sign-in as in the cluster, in Chromium: the fake oauth-proxy in front of
the project's nginx (CHAT_AUTH=oauth-proxy) in front of a backend that
requires a user, with the fake Kubernetes API answering the admin's access
check (tests/e2e/signed_in.py). alice passes that check, bob does not."""

import re
from contextlib import contextmanager

import httpx
import pytest
from playwright.sync_api import Page, expect

from tests.e2e.browser import open_page
from tests.e2e.chat_page import (
    api,
    assistant_texts,
    conversation,
    conversation_id,
    message_box,
    send,
    sidebar,
    wait_until_idle,
)
from tests.e2e.conftest import backend_settings
from tests.e2e.nginx_server import Nginx
from tests.e2e.signed_in import TOKENS, signed_in_site

NOT_FOUND_NOTICE = "That conversation was not found."
STOPPED_MESSAGE = "The answer was stopped before it was complete."


@contextmanager
def signed_in_as(browser, site, user: str, console, headers: dict | None = None):
    """A fresh browser that signs in as ``user`` on the proxy's sign-in page;
    ``headers`` go with every request it sends."""
    with open_page(browser, site.url + "/", console) as page:
        if headers:
            page.context.set_extra_http_headers(headers)
        expect(page.get_by_role("heading", name="Sign in")).to_be_visible()
        page.get_by_role("link", name=f"Sign in as {user}").click()
        expect(sidebar(page).get_by_text(f"Signed in as {user}")).to_be_visible()
        yield page


def ask(page: Page, llm, question: str, answer: str) -> str:
    """Asks in a new chat; returns the conversation's id."""
    llm.reset(reply=answer)
    send(page, question)
    expect(conversation(page).get_by_text(answer)).to_be_visible()
    wait_until_idle(page)
    return conversation_id(page)


def listed(page: Page, key: str = "id") -> list[str]:
    """``key`` of each conversation the user's list holds (the suite's users
    keep theirs from test to test)."""
    conversations = api(page, "GET", "/chat/conversations")["body"]["conversations"]
    return [conversation[key] for conversation in conversations]


def sent_to_sign_in(page: Page, path: str) -> bool:
    """Whether the proxy answers a GET of ``path`` from the page with its
    redirect to the login."""
    return page.evaluate(
        """async (path) =>
            (await fetch(path, { redirect: 'manual' })).type === 'opaqueredirect'""",
        path,
    )


def test_sign_in_page_comes_first_and_the_user_chats_under_their_name(
    browser, signed_in, llm, console, artifacts
):
    with signed_in_as(browser, signed_in, "alice", console) as page:
        expect(sidebar(page).get_by_role("link", name="Sign out")).to_have_attribute(
            "href", "/oauth/sign_out"
        )
        ask(page, llm, "Hello, I am alice", "Hello alice.")
        assert api(page, "GET", "/chat/session")["body"] == {
            "user": "alice",
            "sign_out_url": "/oauth/sign_out",
        }
        page.screenshot(path=artifacts / "chat-signed-in-desktop.png")
        assert page.evaluate("window.__cspViolations") == []
    assert [text for kind, text in console if kind in ("error", "pageerror")] == []


def test_the_answer_streams_through_the_proxy_and_stop_reaches_the_llm(
    browser, signed_in, llm, console
):
    with signed_in_as(browser, signed_in, "alice", console) as page:
        llm.reset(reply="tick " * 400, tokens_per_second=20)
        send(page, "Talk for a long time")
        expect(conversation(page).get_by_text("tick tick tick")).to_be_visible()
        assert llm.record.completed_streams == 0

        page.get_by_role("button", name="Stop").click()

        expect(conversation(page).get_by_text(STOPPED_MESSAGE)).to_be_visible()
        assert llm.wait_for(lambda record: record.disconnects == 1)
        assert llm.record.completed_streams == 0


def test_users_never_see_each_others_conversations(browser, signed_in, llm, console):
    with (
        signed_in_as(browser, signed_in, "alice", console) as alice,
        signed_in_as(browser, signed_in, "bob", console) as bob,
    ):
        secret = ask(alice, llm, "alice's secret plan", "Keep it quiet.")
        own = ask(bob, llm, "bob's question", "bob's answer.")

        assert secret in listed(alice)
        assert own not in listed(alice)
        assert own in listed(bob)
        assert secret not in listed(bob)
        expect(sidebar(bob).get_by_text("alice's secret plan")).to_have_count(0)

        bob.goto(f"{signed_in.url}/?c={secret}")
        expect(bob.get_by_text(NOT_FOUND_NOTICE, exact=False)).to_be_visible()
        expect(conversation(bob).get_by_text("Keep it quiet.")).to_have_count(0)
        path = f"/chat/conversations/{secret}"
        assert api(bob, "GET", path)["status"] == 404
        assert api(bob, "PATCH", path, {"title": "mine now"})["status"] == 404
        assert api(bob, "DELETE", path)["status"] == 404
        body = {"conversation_id": secret, "message": "let me in"}
        assert api(bob, "POST", "/chat/stream", body)["status"] == 404

        alice.reload()
        expect(conversation(alice).get_by_text("Keep it quiet.")).to_be_visible()
        assert "alice's secret plan" in listed(alice, "title")


def test_identity_headers_from_the_browser_change_nothing(
    browser, signed_in, llm, console
):
    forged = {
        "X-Chat-User": "alice",
        "X-Forwarded-User": "alice",
        "X-Chat-Proxy-Secret": signed_in.proxy_secret,
        "X-Forwarded-Access-Token": TOKENS["alice"],
        "X-Chat-Access-Token": TOKENS["alice"],
    }
    with (
        signed_in_as(browser, signed_in, "alice", console) as alice,
        signed_in_as(browser, signed_in, "bob", console, headers=forged) as bob,
    ):
        ask(alice, llm, "alice's own question", "For alice only.")
        ask(bob, llm, "Who am I?", "You are bob.")
        assert api(bob, "GET", "/chat/session")["body"]["user"] == "bob"
        assert "Who am I?" in listed(bob, "title")
        assert "alice's own question" not in listed(bob, "title")
        refused = bob.goto(signed_in.url + "/admin/")
        assert refused.status == 403
        expect(bob.locator("strong", has_text="bob")).to_be_visible()

    # Without the proxy's session cookie the headers open nothing either.
    with open_page(browser, "about:blank", console) as stranger:
        stranger.context.set_extra_http_headers(forged)
        stranger.goto(signed_in.url + "/")
        expect(stranger.get_by_role("heading", name="Sign in")).to_be_visible()
        assert sent_to_sign_in(stranger, "/chat/conversations")
        assert sent_to_sign_in(stranger, "/admin/")


def test_the_backend_ignores_identity_without_the_proxy_secret(signed_in):
    """Another pod of the namespace reaches the backend directly: whatever
    it claims, nobody is signed in, and chat needs a user."""
    claims = [
        {"X-Chat-User": "alice"},
        {"X-Chat-User": "alice", "X-Chat-Proxy-Secret": "not-the-secret"},
        {"X-Chat-User": "alice", "X-Chat-Proxy-Secret": ""},
        {"X-Forwarded-User": "alice", "X-Forwarded-Access-Token": TOKENS["alice"]},
    ]
    with httpx.Client(base_url=signed_in.backend.url, timeout=10) as client:
        for headers in claims:
            assert client.get("/chat/session", headers=headers).json()["user"] is None
            listing = client.get("/chat/conversations", headers=headers)
            assert listing.status_code == 401
            assert listing.json() == {"error": "Sign in to chat."}


def test_nginx_without_sign_in_never_passes_identity_on(
    signed_in, frontend_dist, nginx_binary
):
    """nginx with CHAT_AUTH=none in front of a backend that would believe
    the secret: a client that knows it still signs nobody in."""
    forged = {
        "X-Chat-User": "alice",
        "X-Chat-Proxy-Secret": signed_in.proxy_secret,
        "X-Forwarded-User": "alice",
    }
    with (
        Nginx(frontend_dist, signed_in.backend.url) as nginx,
        httpx.Client(base_url=nginx.url, timeout=10) as client,
    ):
        assert client.get("/chat/session", headers=forged).json()["user"] is None
        assert client.get("/chat/conversations", headers=forged).status_code == 401
    # The same request with the secret, straight to the backend, is alice:
    # the check above is not passing for want of a working secret.
    with httpx.Client(base_url=signed_in.backend.url, timeout=10) as client:
        assert client.get("/chat/session", headers=forged).json()["user"] == "alice"


def test_the_admin_opens_for_users_who_pass_the_access_check_only(
    browser, signed_in, console
):
    with signed_in_as(browser, signed_in, "alice", console) as alice:
        alice.goto(signed_in.url + "/admin/")
        expect(alice.get_by_role("heading", name="Site administration")).to_be_visible()
        expect(alice.get_by_label("Password")).to_have_count(0)
        alice.goto(signed_in.url + "/admin/chat/usage/")
        expect(alice.get_by_role("heading", level=1)).to_contain_text("usage")
        assert alice.evaluate("window.__cspViolations") == []

    with signed_in_as(browser, signed_in, "bob", console) as bob:
        refused = bob.goto(signed_in.url + "/admin/")
        assert refused.status == 403
        expect(bob.get_by_role("heading", name="Admin access refused")).to_be_visible()
        page_text = bob.locator("body").inner_text()
        assert "bob" in page_text
        assert "update deployments.apps" in page_text
        expect(bob.get_by_label("Password")).to_have_count(0)


def test_sign_out_leads_back_to_the_sign_in_page(browser, signed_in, llm, console):
    with signed_in_as(browser, signed_in, "alice", console) as page:
        sidebar(page).get_by_role("link", name="Sign out").click()
        expect(page.get_by_role("heading", name="Sign in")).to_be_visible()
        assert sent_to_sign_in(page, "/chat/session")
        page.get_by_role("link", name="Sign in as bob").click()
        expect(sidebar(page).get_by_text("Signed in as bob")).to_be_visible()


def test_a_page_whose_sign_in_ended_asks_to_sign_in_again(
    browser, signed_in, llm, console
):
    with signed_in_as(browser, signed_in, "alice", console) as page:
        ask(page, llm, "Before signing out", "Still signed in.")
        other_tab = page.context.new_page()
        other_tab.goto(signed_in.url + "/oauth/sign_out")
        other_tab.close()

        send(page, "After signing out")

        notice = page.get_by_role("alert").filter(has_text="You are signed out.")
        expect(notice).to_be_visible()
        expect(sidebar(page).get_by_text("Signed in as")).to_have_count(0)
        expect(conversation(page).get_by_text("After signing out")).to_be_visible()
        assert assistant_texts(page)[0] == "Still signed in."
        notice.get_by_role("link", name="Sign in").click()
        expect(page.get_by_role("heading", name="Sign in")).to_be_visible()
        page.get_by_role("link", name="Sign in as alice").click()
        expect(conversation(page).get_by_text("Still signed in.")).to_be_visible()
        expect(message_box(page)).to_be_visible()


@pytest.mark.parametrize("path", ["/oauth/start?user=mallory", "/oauth/start"])
def test_only_test_identities_sign_in(signed_in, path):
    with httpx.Client(base_url=signed_in.url, timeout=10) as client:
        answer = client.get(path)
        assert answer.status_code == 403
        assert "_oauth_proxy" not in answer.cookies


@pytest.fixture
def rate_limited(upstream, frontend_dist, nginx_binary, tmp_path):
    """A site of its own where each user may send one message a day."""
    with signed_in_site(
        tmp_path,
        frontend_dist,
        **backend_settings(upstream),
        CHAT_USER_RATE_LIMIT="1/d",
    ) as site:
        yield site


def test_a_user_over_their_rate_reads_why_and_others_chat_on(
    browser, rate_limited, llm, console
):
    with (
        signed_in_as(browser, rate_limited, "alice", console) as alice,
        signed_in_as(browser, rate_limited, "bob", console) as bob,
    ):
        ask(alice, llm, "First of the day", "Welcome.")
        send(alice, "One more")

        refusal = conversation(alice).locator(".message-error")
        # The backend's words (chat/budgets.py), whatever they are exactly.
        expect(refusal).to_have_text(
            re.compile(r"You have sent 1 messages .+ You can chat again in \d.+")
        )
        expect(conversation(alice).get_by_text("One more")).to_be_visible()
        expect(alice.get_by_text("You are signed out.")).to_have_count(0)
        ask(bob, llm, "bob's first of the day", "Hello bob.")
