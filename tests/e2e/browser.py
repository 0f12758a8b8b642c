"""Debian's Chromium as the tests drive it."""

from contextlib import contextmanager

# Debian's Chromium, headless; the rest keeps it from calling home, which this
# machine's closed network would refuse at every start.
CHROMIUM_FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


# Recorded in the page itself: Chromium reports a blocked resource both as
# this event and as a console error.
RECORD_CSP_VIOLATIONS = """
window.__cspViolations = [];
document.addEventListener('securitypolicyviolation', (event) => {
  window.__cspViolations.push(event.violatedDirective + ' ' + event.blockedURI);
});
"""


@contextmanager
def open_page(browser, url: str, console: list):
    """A fresh browser context (empty localStorage) showing ``url``."""
    context = browser.new_context(viewport={"width": 1000, "height": 760})
    context.add_init_script(RECORD_CSP_VIOLATIONS)
    page = context.new_page()
    page.on("console", lambda message: console.append((message.type, message.text)))
    page.on("pageerror", lambda error: console.append(("pageerror", str(error))))
    page.goto(url)
    try:
        yield page
    finally:
        context.close()
