"""How the e2e tests find and drive the chat, as a user would."""

from urllib.parse import parse_qs, urlparse

from playwright.sync_api import Page, expect

expect.set_options(timeout=10_000)


def conversation(page: Page):
    return page.get_by_role("log", name="Conversation")


def message_box(page: Page):
    return page.get_by_role("textbox", name="Message")


def sidebar(page: Page):
    return page.get_by_role("complementary", name="Conversations")


def send(page: Page, text: str) -> None:
    """Type and press Enter, once the previous answer has finished."""
    expect(page.get_by_role("button", name="Send")).to_be_attached()
    expect(page.get_by_role("button", name="Stop")).to_have_count(0)
    message_box(page).fill(text)
    message_box(page).press("Enter")


def wait_until_idle(page: Page) -> None:
    """The answer has ended and whatever was stored is on screen."""
    expect(conversation(page)).to_have_attribute("aria-busy", "false")


def assistant_texts(page: Page) -> list[str]:
    return conversation(page).locator(".message-assistant .markdown").all_inner_texts()


def user_texts(page: Page) -> list[str]:
    return conversation(page).locator(".message-user .message-text").all_inner_texts()


def conversation_id(page: Page) -> str:
    """The open conversation, as the address names it."""
    return parse_qs(urlparse(page.url).query)["c"][0]


def roles(request: dict) -> list[str]:
    """The roles of a request the fake LLM received, in order."""
    return [message["role"] for message in request["messages"]]


def api(page: Page, method: str, path: str, body: dict | None = None) -> dict:
    """A request from the page itself, with its cookies and the CSRF header
    the app sends; returns {"status", "body"}."""
    return page.evaluate(
        """async ([method, path, body]) => {
            const token = (document.cookie.match(/(?:^|; )csrftoken=([^;]*)/) || [])[1];
            const init = { method, headers: { 'Content-Type': 'application/json' } };
            if (token) init.headers['X-CSRFToken'] = decodeURIComponent(token);
            if (body !== null) init.body = JSON.stringify(body);
            const response = await fetch(path, init);
            const text = await response.text();
            return { status: response.status, body: text ? JSON.parse(text) : null };
        }""",
        [method, path, body],
    )
