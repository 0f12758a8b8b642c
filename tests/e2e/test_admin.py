"""Django's admin, reached through each topology: nginx must forward Host and
the scheme so that the CSRF origin check passes, and the admin must work
under nginx's Content-Security-Policy."""

from playwright.sync_api import expect

from tests.e2e.browser import open_page
from tests.e2e.conftest import ADMIN_PASSWORD, ADMIN_USER


def test_admin_login_and_conversation_list(browser, site, console):
    with open_page(browser, site[1] + "/admin/login/?next=/admin/", console) as page:
        page.get_by_label("Username").fill(ADMIN_USER)
        page.get_by_label("Password").fill(ADMIN_PASSWORD)
        page.get_by_role("button", name="Log in").click()
        expect(page.get_by_role("button", name="Log out")).to_be_visible()

        page.goto(site[1] + "/admin/chat/conversation/")
        expect(page.get_by_role("heading", level=1)).to_contain_text("conversation")
        assert page.evaluate("window.__cspViolations") == []
    # The admin has no favicon, so Chromium's /favicon.ico may 404: only
    # script errors and policy reports count here.
    assert [
        text
        for kind, text in console
        if kind == "pageerror" or "Content Security Policy" in text
    ] == []
