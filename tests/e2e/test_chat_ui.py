"""The chat in real headless Chromium, against both topologies (see conftest)."""

import re
import struct

import pytest
from playwright.sync_api import Page, expect

from tests.e2e.browser import open_page
from tests.e2e.chat_page import (
    assistant_texts,
    conversation,
    message_box,
    send,
    user_texts,
)
from tests.e2e.nginx_server import Nginx
from tests.servers import free_port

# The backend's words (apps/backend/chat): an upstream 500, and an answer the
# user stopped.
UPSTREAM_FAILED_MESSAGE = "The model is unavailable right now. Try again in a moment."
STOPPED_MESSAGE = "The answer was stopped before it was complete."

MARKDOWN_REPLY = (
    "Here is **bold** text, a table and code:\n\n"
    "| Name | Value |\n| ---- | ----- |\n| a | 1 |\n\n"
    '```python\ndef greet(name):\n    return f"Hello {name}"  # hi\n```\n\n'
    "> A quoted line.\n\n"
    "Done."
)


def test_answer_streams_in_after_a_waiting_indicator(page, llm):
    llm.reset(
        reply=" ".join(f"word{i}" for i in range(60)),
        time_to_first_token=0.6,
        tokens_per_second=40,
    )
    expect(message_box(page)).to_be_focused()
    model = page.locator(".model-name")
    expect(model).to_have_text(f"Model: {llm.model}")
    expect(model).to_have_attribute("title", f"hosted_vllm/{llm.model}")
    send(page, "Count for me")

    expect(conversation(page).get_by_text("Count for me")).to_be_visible()
    expect(conversation(page).get_by_text("Waiting for the answer")).to_be_visible()
    expect(conversation(page).get_by_text("word3", exact=False)).to_be_visible()
    partial = assistant_texts(page)[0]
    assert "word59" not in partial
    expect(page.get_by_role("button", name="Stop")).to_be_visible()

    expect(conversation(page).get_by_text("word59", exact=False)).to_be_visible()
    expect(page.get_by_role("button", name="Send")).to_be_visible()
    assert assistant_texts(page) == [llm.behaviour.reply]
    expect(conversation(page).get_by_text("Waiting for the answer")).to_have_count(0)


def test_upstream_error_is_shown_in_plain_words_and_retry_recovers(page, llm):
    llm.reset(fault="http_500")
    send(page, "Will this work?")
    retry = conversation(page).get_by_role("button", name="Retry")
    expect(retry).to_be_visible()
    expect(conversation(page).locator(".message-error")).to_have_text(
        UPSTREAM_FAILED_MESSAGE
    )

    llm.reset(reply="Now it works.")
    retry.click()
    expect(conversation(page).get_by_text("Now it works.")).to_be_visible()
    expect(retry).to_have_count(0)
    expect(conversation(page).get_by_text("Will this work?")).to_have_count(1)
    expect(message_box(page)).to_be_focused()
    # Retry answered the stored question again: it was sent once, alone.
    assert llm.record.requests[-1]["messages"] == [
        {"role": "user", "content": "Will this work?"}
    ]


def test_stop_ends_the_stream_and_the_backend_drops_the_upstream(page, llm):
    llm.reset(reply="tick " * 400, tokens_per_second=20)
    send(page, "Talk for a long time")
    expect(conversation(page).get_by_text("tick tick tick")).to_be_visible()
    message_box(page).fill("a draft that must stay")

    page.get_by_role("button", name="Stop").click()

    expect(conversation(page).get_by_text(STOPPED_MESSAGE)).to_be_visible()
    assert llm.wait_for(lambda record: record.disconnects == 1)
    assert llm.record.completed_streams == 0
    expect(message_box(page)).to_have_value("a draft that must stay")
    expect(message_box(page)).to_be_focused()
    expect(conversation(page).get_by_text("a draft that must stay")).to_have_count(0)
    assert len(llm.record.requests) == 1


def test_reload_shows_the_same_conversation(page, llm):
    llm.reset(reply="First answer.")
    send(page, "First question")
    expect(conversation(page).get_by_text("First answer.")).to_be_visible()
    llm.reset(reply="Second answer.")
    send(page, "Second question")
    expect(conversation(page).get_by_text("Second answer.")).to_be_visible()

    page.reload()

    for text in ("First question", "First answer.", "Second question"):
        expect(conversation(page).get_by_text(text)).to_be_visible()
    history = llm.record.requests[-1]["messages"]
    assert [m["content"] for m in history if m["role"] == "user"] == [
        "First question",
        "Second question",
    ]


def test_new_chat_starts_an_empty_conversation_that_survives_reload(page, llm):
    send(page, "Remember me")
    expect(conversation(page).get_by_text(llm.behaviour.reply)).to_be_visible()

    page.get_by_role("button", name="New chat").click()
    expect(conversation(page).get_by_text("Remember me")).to_have_count(0)
    expect(message_box(page)).to_be_focused()
    page.reload()
    expect(conversation(page).get_by_text("Ask a question")).to_be_visible()

    send(page, "Fresh start")
    expect(conversation(page).get_by_text(llm.behaviour.reply)).to_be_visible()
    assert [m["role"] for m in llm.record.requests[-1]["messages"]] == ["user"]
    assert user_texts(page) == ["Fresh start"]


def test_model_html_and_javascript_links_render_inert(page, llm):
    llm.reset(
        reply=(
            'Look <img src=x onerror="window.pwned=1"> here '
            "<script>window.pwned=2</script> and "
            "[click me](javascript:window.pwned=3) or "
            '<a href="javascript:window.pwned=4">raw link</a>.'
        )
    )
    send(page, "Be nasty")
    answer = conversation(page).locator(".message-assistant")
    expect(answer).to_contain_text("click me")

    assert answer.locator("img, script").count() == 0
    assert answer.get_by_text("click me").get_attribute("href") is None
    # Nothing in the answer can run script: no javascript: target and no
    # event-handler attribute on any element.
    assert (
        answer.evaluate(
            """node => [node, ...node.querySelectorAll('*')].flatMap(el =>
            [...el.attributes].filter(a => /^on/i.test(a.name)
                || /^\\s*javascript:/i.test(a.value)).map(a => a.name))"""
        )
        == []
    )
    assert page.evaluate("window.pwned") is None


def press_until_focused(page: Page, key: str, target) -> None:
    for _ in range(12):
        if target.evaluate("element => element === document.activeElement"):
            return
        page.keyboard.press(key)
    expect(target).to_be_focused()


def test_keyboard_only_conversation(page, llm):
    llm.reset(reply="Keyboard answer.")
    press_until_focused(page, "Tab", message_box(page))

    page.keyboard.type("line one")
    page.keyboard.press("Shift+Enter")
    page.keyboard.type("line two")
    page.keyboard.press("Enter")

    question = conversation(page).locator(".message-user")
    expect(question).to_have_text(re.compile("line one\\s*line two"))
    expect(conversation(page).get_by_text("Keyboard answer.")).to_be_visible()
    assert llm.record.requests[-1]["messages"][-1]["content"] == "line one\nline two"
    expect(message_box(page)).to_be_focused()

    press_until_focused(page, "Shift+Tab", page.get_by_role("button", name="New chat"))
    page.keyboard.press("Enter")
    expect(conversation(page).get_by_text("Keyboard answer.")).to_have_count(0)
    expect(message_box(page)).to_be_focused()


def test_no_content_security_policy_violations(page, site, llm, console):
    llm.reset(reply=MARKDOWN_REPLY)
    send(page, "Show me Markdown")
    expect(conversation(page).get_by_text("Done.")).to_be_visible()
    page.get_by_role("button", name="Copy code").click()
    page.reload()
    expect(conversation(page).get_by_text("Done.")).to_be_visible()

    headers = page.request.get(site[1] + "/").headers
    assert "script-src 'self';" in headers["content-security-policy"]
    assert page.evaluate("window.__cspViolations") == []
    assert [text for kind, text in console if kind in ("error", "pageerror")] == []


def test_the_violation_check_sees_an_inline_script(browser, site, console):
    """The check above can fail: each topology's policy blocks inline script."""
    with open_page(browser, site[1] + "/", console) as page:
        page.evaluate(
            "() => { const s = document.createElement('script');"
            " s.textContent = 'window.ran = 1'; document.body.append(s); }"
        )
        assert page.evaluate("window.ran") is None
        assert page.evaluate("window.__cspViolations") == ["script-src-elem inline"]
    assert any("Content Security Policy" in text for kind, text in console)


@pytest.mark.parametrize(
    ("name", "scheme", "width"), [("desktop", "light", 1000), ("phone", "dark", 390)]
)
def test_screenshot(page, site, llm, artifacts, name, scheme, width):
    """A picture of a finished answer per topology: desktop light, phone dark."""
    page.emulate_media(color_scheme=scheme)
    page.set_viewport_size({"width": width, "height": 760})
    llm.reset(reply=MARKDOWN_REPLY)
    send(page, "Show me Markdown")
    expect(conversation(page).get_by_text("Done.")).to_be_visible()
    path = artifacts / f"chat-{site[0]}-{name}.png"
    page.screenshot(path=path)
    assert png_size(path.read_bytes()) == (width, 760)
    for part in ("Show me Markdown", "Done."):
        expect(conversation(page).get_by_text(part)).to_be_in_viewport()
    expect(message_box(page)).to_be_in_viewport()
    page_width = page.evaluate("document.documentElement.scrollWidth")
    assert page_width == width, "the page scrolls sideways"


def png_size(png: bytes) -> tuple[int, int]:
    """Width and height from a PNG's IHDR chunk."""
    assert png[:8] == b"\x89PNG\r\n\x1a\n"
    return struct.unpack(">II", png[16:24])


def test_enter_that_confirms_an_input_method_composition_does_not_send(page, llm):
    """Chromium's input-method path, driven over the DevTools protocol as a
    Japanese IME does: compose, then Enter to confirm the candidate."""
    message_box(page).focus()
    devtools = page.context.new_cdp_session(page)
    devtools.send(
        "Input.imeSetComposition",
        {"text": "にほんご", "selectionStart": 4, "selectionEnd": 4},
    )
    devtools.send(
        "Input.dispatchKeyEvent",
        {"type": "rawKeyDown", "key": "Enter", "windowsVirtualKeyCode": 229},
    )
    devtools.send("Input.insertText", {"text": "にほんご"})
    devtools.send(
        "Input.dispatchKeyEvent",
        {"type": "keyUp", "key": "Enter", "windowsVirtualKeyCode": 13},
    )
    # React handles the keydown synchronously: had it sent, the box would
    # already be empty.
    expect(message_box(page)).to_have_value("にほんご")

    message_box(page).press("Enter")
    expect(conversation(page).get_by_text(llm.behaviour.reply)).to_be_visible()
    assert user_texts(page) == ["にほんご"]
    assert len(llm.record.requests) == 1


def test_backend_down_is_an_inline_error_not_a_blank_page(
    browser, nginx_binary, frontend_dist, console
):
    with (
        Nginx(frontend_dist, f"http://127.0.0.1:{free_port()}") as no_backend,
        open_page(browser, no_backend.url + "/", console) as page,
    ):
        send(page, "Anyone there?")
        expect(conversation(page).get_by_text("Anyone there?")).to_be_visible()
        expect(
            conversation(page).get_by_text(
                "The chat service is not available right now. Try again in a moment."
            )
        ).to_be_visible()
        expect(conversation(page).get_by_role("button", name="Retry")).to_be_visible()
