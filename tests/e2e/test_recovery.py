"""A backend that dies mid-answer, in Chromium against Django serving the
bundle: the stream breaks, the reloaded chat offers Retry for the question
left unanswered, and the message never blames the user's connection."""

import os
import signal

from playwright.sync_api import expect

from tests.e2e.browser import open_page
from tests.e2e.chat_page import conversation, conversation_id, send
from tests.servers import Backend, children

SECRET = "e2e-recovery-secret-key-not-used-anywhere-else"


def serve(workdir, upstream, frontend_dist) -> Backend:
    return Backend(
        workdir,
        LLM_API_BASE=upstream.base_url,
        LLM_MODEL=upstream.model,
        LLM_TIMEOUT="5",
        DJANGO_SECRET_KEY=SECRET,
        DJANGO_FRONTEND_DIR=str(frontend_dist),
    )


def test_a_crash_mid_answer_leaves_a_question_to_retry(
    browser, llm, frontend_dist, tmp_path, console
):
    llm.reset(reply="tick " * 400, tokens_per_second=20)
    with serve(tmp_path, llm, frontend_dist) as first:
        with open_page(browser, first.url + "/", console) as page:
            send(page, "Answer slowly")
            expect(conversation(page).get_by_text("tick tick")).to_be_visible()
            chat = conversation_id(page)
            for pid in [*children(first.process.pid), first.process.pid]:
                os.kill(pid, signal.SIGKILL)

            expect(
                conversation(page).get_by_text(
                    "The answer was cut off before it finished. Try again."
                )
            ).to_be_visible()
            expect(
                conversation(page).get_by_text("Check your connection")
            ).to_have_count(0)
            cookies = page.context.cookies()

    llm.reset(reply="Answered after the restart.")
    with serve(tmp_path, llm, frontend_dist) as second:
        with open_page(browser, "about:blank", console) as page:
            page.context.add_cookies(cookies)
            page.goto(f"{second.url}/?c={chat}")
            expect(conversation(page).get_by_text("Answer slowly")).to_be_visible()
            expect(
                conversation(page).get_by_text("This question has no answer.")
            ).to_be_visible()
            conversation(page).get_by_role("button", name="Retry").click()
            expect(
                conversation(page).get_by_text("Answered after the restart.")
            ).to_be_visible()
            expect(conversation(page).get_by_text("Answer slowly")).to_have_count(1)
    assert llm.record.requests[-1]["messages"] == [
        {"role": "user", "content": "Answer slowly"}
    ]
