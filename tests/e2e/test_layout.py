"""The page's layout in Chromium, on a desktop and a phone screen."""

import pytest
from playwright.sync_api import Page, expect

from tests.e2e.chat_page import (
    conversation,
    message_box,
    send,
    sidebar,
    wait_until_idle,
)

SIZES = {"desktop": (1000, 760), "phone": (390, 760)}
LONG_REPLY = "\n\n".join(f"Paragraph {i} of a long answer." for i in range(60))


def fill_the_screen(page: Page, llm, turns: int = 3) -> None:
    llm.reset(reply=LONG_REPLY)
    for i in range(turns):
        send(page, f"Long question {i}")
        wait_until_idle(page)


def document_scroll(page: Page) -> dict:
    return page.evaluate(
        """() => ({
            height: document.documentElement.scrollHeight,
            viewport: window.innerHeight,
            y: window.scrollY,
        })"""
    )


@pytest.mark.parametrize("size", SIZES)
def test_the_document_never_scrolls_only_the_conversation(page, llm, size):
    width, height = SIZES[size]
    page.set_viewport_size({"width": width, "height": height})
    fill_the_screen(page, llm, turns=2)
    log = conversation(page)
    assert log.evaluate("node => node.scrollHeight > 3 * node.clientHeight")

    assert document_scroll(page) == {"height": height, "viewport": height, "y": 0}
    log.hover()
    page.mouse.wheel(0, -2000)
    page.mouse.wheel(0, 4000)
    page.keyboard.press("End")
    page.locator("body").press("PageDown")
    expect(page.get_by_role("heading", level=1)).to_be_in_viewport()
    expect(message_box(page)).to_be_in_viewport()
    assert document_scroll(page)["y"] == 0


def test_sending_while_scrolled_up_shows_the_new_message(page, llm):
    fill_the_screen(page, llm, turns=2)
    log = conversation(page)
    jump = page.get_by_role("button", name="Jump to latest")
    expect(jump).to_have_count(0)

    log.evaluate("node => { node.scrollTop = 0; }")
    expect(jump).to_be_visible()
    jump.click()
    expect(jump).to_have_count(0)
    expect(log.get_by_text("Paragraph 59").last).to_be_in_viewport()

    log.evaluate("node => { node.scrollTop = 0; }")
    expect(jump).to_be_visible()
    llm.reset(reply="The newest answer.")
    send(page, "A question asked from the top")
    expect(log.get_by_text("The newest answer.")).to_be_in_viewport()
    expect(jump).to_have_count(0)


def test_single_line_breaks_and_quotes_in_answers(page, llm):
    llm.reset(reply="Roses are red,\nviolets are blue.\n\n> Quoted\n> twice")
    send(page, "A poem")
    poem = conversation(page).locator(".markdown p").first
    expect(poem).to_have_text("Roses are red,\nviolets are blue.")
    lines = poem.evaluate(
        "node => node.offsetHeight / parseFloat(getComputedStyle(node).lineHeight)"
    )
    assert round(lines) == 2
    quote = conversation(page).locator("blockquote")
    expect(quote).to_have_text("Quoted\ntwice")
    bar = quote.evaluate(
        """node => {
            const style = getComputedStyle(node);
            return [style.borderLeftStyle, parseFloat(style.borderLeftWidth)];
        }"""
    )
    assert bar == ["solid", 4]


def test_tables_scroll_sideways_on_a_phone_instead_of_breaking_words(page, llm):
    page.set_viewport_size({"width": 390, "height": 760})
    words = ["Internationalisation", "Characteristically", "Incomprehensibilities"]
    header = "| " + " | ".join(words) + " |"
    llm.reset(reply=f"{header}\n| - | - | - |\n| {' | '.join(words)} |")
    send(page, "A wide table")
    table = conversation(page).get_by_role("table")
    expect(table).to_be_visible()
    assert table.evaluate("node => node.scrollWidth > node.clientWidth")
    lines = table.evaluate(
        """node => [...node.querySelectorAll('td, th')].map(cell => {
            const range = document.createRange();
            range.selectNodeContents(cell);
            const tops = [...range.getClientRects()].map(r => Math.round(r.top));
            return new Set(tops).size;
        })"""
    )
    assert lines == [1] * 6, "a word in the table was broken across lines"
    assert page.evaluate("document.documentElement.scrollWidth") == 390


def test_phone_header_fits_and_the_list_is_a_drawer(page, llm, site, artifacts):
    page.set_viewport_size({"width": 390, "height": 760})
    page.emulate_media(color_scheme="dark")
    llm.reset(reply="Fine.")
    send(page, "A rather long first question that makes a long conversation title")
    expect(conversation(page).get_by_text("Fine.")).to_be_visible()

    new_chat = page.get_by_role("button", name="New chat")
    expect(new_chat).to_have_count(1)
    box = new_chat.bounding_box()
    line = new_chat.evaluate("node => parseFloat(getComputedStyle(node).lineHeight)")
    assert box["height"] < 2 * line, "New chat wraps"
    assert box["x"] + box["width"] <= 390

    expect(sidebar(page)).not_to_be_visible()
    menu = page.get_by_role("button", name="Conversations")
    menu.click()
    expect(sidebar(page)).to_be_in_viewport()
    page.screenshot(path=artifacts / f"chat-{site[0]}-phone-drawer.png")
    page.keyboard.press("Escape")
    expect(sidebar(page)).not_to_be_visible()
    menu.click()
    sidebar(page).get_by_role("button", name="New chat").click()
    expect(sidebar(page)).not_to_be_visible()
    expect(conversation(page).get_by_text("Fine.")).to_have_count(0)
