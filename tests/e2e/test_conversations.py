"""The conversation list, ownership and CSRF, in Chromium on both topologies."""

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
    user_texts,
    wait_until_idle,
)


def titles(page: Page) -> list[str]:
    return sidebar(page).locator(".conversation-item a").all_inner_texts()


def ask(page: Page, llm, question: str, answer: str) -> None:
    llm.reset(reply=answer)
    send(page, question)
    expect(conversation(page).get_by_text(answer)).to_be_visible()
    wait_until_idle(page)


def test_list_switch_and_new_chat_keep_every_conversation(page, llm):
    ask(page, llm, "Plan a trip to Lyon", "Take the train.")
    first = conversation_id(page)
    expect(page).to_have_title("Plan a trip to Lyon \u2013 Chat")
    page.get_by_role("button", name="New chat").click()
    expect(page).to_have_title("Chat")
    ask(page, llm, "Leek soup recipe", "Leeks, potatoes, water.")
    second = conversation_id(page)
    assert first != second

    expect(sidebar(page).locator(".conversation-item a")).to_have_count(2)
    assert titles(page) == ["Leek soup recipe", "Plan a trip to Lyon"]
    sidebar(page).get_by_role("link", name="Plan a trip to Lyon").click()
    expect(conversation(page).get_by_text("Take the train.")).to_be_visible()
    assert conversation_id(page) == first
    expect(conversation(page).get_by_text("Leeks, potatoes, water.")).to_have_count(0)

    page.go_back()
    expect(conversation(page).get_by_text("Leeks, potatoes, water.")).to_be_visible()
    page.reload()
    expect(conversation(page).get_by_text("Leeks, potatoes, water.")).to_be_visible()
    assert titles(page) == ["Leek soup recipe", "Plan a trip to Lyon"]


def test_each_tab_keeps_its_own_conversation(page, llm):
    ask(page, llm, "Tab one question", "Tab one answer.")
    other = page.context.new_page()
    other.goto(page.url.split("?")[0])
    ask(other, llm, "Tab two question", "Tab two answer.")

    page.reload()
    expect(conversation(page).get_by_text("Tab one answer.")).to_be_visible()
    assert user_texts(page) == ["Tab one question"]
    other.reload()
    expect(conversation(other).get_by_text("Tab two answer.")).to_be_visible()
    assert user_texts(other) == ["Tab two question"]
    other.close()


def test_rename_delete_and_search(page, llm):
    ask(page, llm, "Soup", "Soup answer.")
    page.get_by_role("button", name="New chat").click()
    ask(page, llm, "Trip", "Trip answer.")

    item = sidebar(page).locator(".conversation-item", has_text="Soup")
    item.hover()
    item.get_by_role("button", name="Rename Soup").click()
    field = sidebar(page).get_by_role("textbox", name="Conversation title")
    field.fill("Winter soups")
    field.press("Enter")
    expect(sidebar(page).get_by_role("link", name="Winter soups")).to_be_visible()

    search = sidebar(page).get_by_role("searchbox", name="Search conversations")
    search.fill("WINTER")
    expect(sidebar(page).locator(".conversation-item a")).to_have_text(["Winter soups"])
    search.fill("nothing like this")
    expect(sidebar(page).get_by_text("No conversation has that title.")).to_be_visible()
    search.fill("")
    expect(sidebar(page).locator(".conversation-item a")).to_have_count(2)

    trip = conversation_id(page)
    current = sidebar(page).locator(".conversation-item.current")
    current.get_by_role("button", name="Delete Trip").click()
    current.get_by_role("button", name="Cancel").click()
    expect(sidebar(page).get_by_role("link", name="Trip")).to_be_visible()
    current.get_by_role("button", name="Delete Trip").click()
    current.get_by_role("button", name="Delete", exact=True).click()
    expect(sidebar(page).locator(".conversation-item a")).to_have_text(["Winter soups"])
    expect(conversation(page).get_by_text("Ask a question")).to_be_visible()
    assert api(page, "GET", f"/chat/conversations/{trip}")["status"] == 404
    page.reload()
    expect(sidebar(page).locator(".conversation-item a")).to_have_text(["Winter soups"])


def test_another_browser_sees_none_of_it(page, llm, browser, site, console):
    ask(page, llm, "Private question", "Private answer.")
    mine = conversation_id(page)
    owner = [c for c in page.context.cookies() if c["name"] == "chat_owner"]
    assert len(owner) == 1 and owner[0]["httpOnly"] is True
    assert "chat_owner" not in page.evaluate("document.cookie")

    with open_page(browser, f"{site[1]}/?c={mine}", console) as stranger:
        expect(stranger.get_by_role("alert")).to_contain_text(
            "That conversation was not found."
        )
        expect(conversation(stranger).get_by_text("Private answer.")).to_have_count(0)
        expect(sidebar(stranger).get_by_text("No conversations yet.")).to_be_visible()
        assert "c=" not in stranger.url
        for method, body in (("GET", None), ("PATCH", {"title": "Mine now"})):
            answer = api(stranger, method, f"/chat/conversations/{mine}", body)
            assert answer == {
                "status": 404,
                "body": {"error": "Conversation not found."},
            }
        assert api(stranger, "DELETE", f"/chat/conversations/{mine}")["status"] == 404
        stolen = {"conversation_id": mine, "message": "Hi"}
        assert api(stranger, "POST", "/chat/stream", stolen)["status"] == 404

    page.reload()
    expect(conversation(page).get_by_text("Private answer.")).to_be_visible()
    expect(sidebar(page).get_by_role("link", name="Private question")).to_be_visible()


def test_state_changes_need_the_csrf_token(page, llm):
    ask(page, llm, "Guarded", "Guarded answer.")
    mine = conversation_id(page)
    forged = page.evaluate(
        """async (id) => {
            const response = await fetch('/chat/conversations/' + id, {
                method: 'DELETE',
            });
            return { status: response.status, body: await response.json() };
        }""",
        mine,
    )
    assert forged["status"] == 403
    assert forged["body"]["error"]
    assert api(page, "GET", f"/chat/conversations/{mine}")["status"] == 200

    sent = []
    page.on(
        "request",
        lambda request: (
            sent.append((request.method, request.headers.get("x-csrftoken")))
            if request.method != "GET"
            else None
        ),
    )
    token = page.evaluate(
        "decodeURIComponent(document.cookie.match(/csrftoken=([^;]*)/)[1])"
    )
    ask(page, llm, "Second guarded", "Second answer.")
    item = sidebar(page).locator(".conversation-item.current")
    item.get_by_role("button", name="Rename Guarded").click()
    sidebar(page).get_by_role("textbox", name="Conversation title").fill("Renamed")
    sidebar(page).get_by_role("textbox", name="Conversation title").press("Enter")
    expect(sidebar(page).get_by_role("link", name="Renamed")).to_be_visible()
    assert sent == [("POST", token), ("PATCH", token)]


def test_a_message_sent_before_the_history_arrives_stays(page, llm):
    ask(page, llm, "Stored question", "Stored answer.")
    held = []
    page.route("**/chat/conversations/*", lambda route: held.append(route))
    page.reload()
    message_box(page).fill("Sent early")
    message_box(page).press("Enter")
    expect(conversation(page).get_by_text("Sent early")).to_be_visible()
    assert len(llm.record.requests) == 1

    llm.reset(reply="Early answer.")
    assert [route.request.method for route in held] == ["GET"]
    # Removing the handler lets the held request go on.
    page.unroute("**/chat/conversations/*")
    expect(conversation(page).get_by_text("Early answer.")).to_be_visible()
    assert user_texts(page) == ["Stored question", "Sent early"]
    assert assistant_texts(page) == ["Stored answer.", "Early answer."]
    page.reload()
    expect(conversation(page).get_by_text("Early answer.")).to_be_visible()
    assert user_texts(page) == ["Stored question", "Sent early"]
