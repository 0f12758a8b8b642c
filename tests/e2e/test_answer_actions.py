"""Regenerate, edit, copy, continue, retry and long messages, in Chromium on
both topologies, against the fake LLM in strict mode (roles must alternate)."""

from playwright.sync_api import Page, expect

from tests.e2e.chat_page import (
    api,
    assistant_texts,
    conversation,
    conversation_id,
    message_box,
    roles,
    send,
    user_texts,
    wait_until_idle,
)


def ask(page: Page, llm, question: str, answer: str) -> None:
    llm.reset(reply=answer)
    send(page, question)
    expect(conversation(page).get_by_text(answer)).to_be_visible()
    wait_until_idle(page)


def stored(page: Page) -> list[tuple[str, str, str]]:
    body = api(page, "GET", f"/chat/conversations/{conversation_id(page)}")["body"]
    return [(m["role"], m["content"], m["status"]) for m in body["messages"]]


def test_regenerate_replaces_an_answer_and_what_followed(page, llm):
    ask(page, llm, "First question", "First answer.")
    ask(page, llm, "Second question", "Second answer.")
    llm.reset(reply="A better first answer.")
    conversation(page).get_by_role("button", name="Regenerate").first.click()

    expect(conversation(page).get_by_text("A better first answer.")).to_be_visible()
    wait_until_idle(page)
    assert user_texts(page) == ["First question"]
    assert assistant_texts(page) == ["A better first answer."]
    assert llm.record.requests[-1]["messages"] == [
        {"role": "user", "content": "First question"}
    ]
    page.reload()
    expect(conversation(page).get_by_text("A better first answer.")).to_be_visible()
    assert assistant_texts(page) == ["A better first answer."]


def test_edit_and_resend_a_question(page, llm):
    ask(page, llm, "What is 2+2?", "It is four.")
    ask(page, llm, "And 3+3?", "It is six.")
    conversation(page).get_by_role("button", name="Edit").first.click()
    expect(message_box(page)).to_have_value("What is 2+2?")
    expect(message_box(page)).to_be_focused()
    expect(page.get_by_text("Editing a question")).to_be_visible()

    llm.reset(reply="It is five.")
    message_box(page).fill("What is 2+3?")
    message_box(page).press("Enter")
    expect(conversation(page).get_by_text("It is five.")).to_be_visible()
    wait_until_idle(page)
    assert user_texts(page) == ["What is 2+3?"]
    assert assistant_texts(page) == ["It is five."]
    assert stored(page) == [
        ("user", "What is 2+3?", "complete"),
        ("assistant", "It is five.", "complete"),
    ]


def test_copy_a_whole_answer(page, llm, site):
    origin = site[1]
    page.context.grant_permissions(["clipboard-read", "clipboard-write"], origin=origin)
    reply = "# Title\n\nSome **bold** text and `code`."
    llm.reset(reply=reply)
    send(page, "Write Markdown")
    expect(conversation(page).get_by_role("heading", name="Title")).to_be_visible()
    conversation(page).get_by_role("button", name="Copy answer").click()
    expect(conversation(page).get_by_role("button", name="Copied")).to_be_visible()
    assert page.evaluate("navigator.clipboard.readText()") == reply


def test_stop_shows_what_was_stored_and_continue_finishes_it(page, llm):
    llm.reset(reply="tick " * 200, tokens_per_second=20)
    send(page, "Count ticks")
    expect(conversation(page).get_by_text("tick tick tick")).to_be_visible()
    page.get_by_role("button", name="Stop").click()
    resume = conversation(page).get_by_role("button", name="Continue")
    expect(resume).to_be_visible()
    wait_until_idle(page)
    shown = assistant_texts(page)
    assert stored(page)[-1] == ("assistant", shown[0], "partial")
    page.reload()
    expect(resume).to_be_visible()
    assert assistant_texts(page) == shown

    llm.reset(reply=" and the end.")
    resume.click()
    expect(conversation(page).get_by_text("and the end.")).to_be_visible()
    wait_until_idle(page)
    assert assistant_texts(page) == [shown[0] + " and the end."]
    assert stored(page)[-1] == ("assistant", shown[0] + " and the end.", "complete")
    assert roles(llm.record.requests[-1]) == ["user", "assistant", "user"]


def test_after_a_failure_the_conversation_goes_on_under_strict_roles(page, llm):
    ask(page, llm, "First", "One.")
    llm.reset(fault="http_500")
    send(page, "Second")
    expect(conversation(page).get_by_role("button", name="Retry")).to_be_visible()
    llm.reset(reply="Two.")
    send(page, "Third")
    expect(conversation(page).get_by_text("Two.")).to_be_visible()
    assert roles(llm.record.requests[-1]) == ["user", "assistant", "user"]

    llm.reset(fault="http_500")
    send(page, "Fourth")
    # The earlier failed answer keeps its own Retry.
    retry = conversation(page).get_by_role("button", name="Retry")
    expect(retry).to_have_count(2)
    retry = retry.last
    llm.reset(reply="Four.")
    retry.click()
    expect(conversation(page).get_by_text("Four.")).to_be_visible()
    request = llm.record.requests[-1]["messages"]
    assert [m["content"] for m in request if m["role"] == "user"] == [
        "First",
        "Third",
        "Fourth",
    ]
    assert roles(llm.record.requests[-1]) == ["user", "assistant"] * 2 + ["user"]


def test_an_over_long_message_stays_in_the_box_with_its_length(page, llm):
    text = "word " * 3299 + "word"
    message_box(page).fill(text)
    count = page.get_by_text("16,499 characters", exact=True)
    expect(count).to_be_visible()
    message_box(page).press("Enter")
    expect(page.get_by_role("alert")).to_contain_text("16,499 characters long")
    expect(message_box(page)).to_have_value(text)
    expect(count).to_be_visible()
    expect(conversation(page).locator(".message")).to_have_count(0)
    assert llm.record.requests == []
    message_box(page).press("End")
    message_box(page).press("Backspace")
    expect(page.get_by_text("16,498 characters", exact=True)).to_be_visible()
