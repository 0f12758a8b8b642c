"""Who is asking: the owner of the conversations a request may see.

Until sign-in exists the owner is the browser, "browser:<128-bit hex>", kept in
a signed HttpOnly cookie. Sign-in will return "user:<name>" from `owner_get`,
and nothing else changes.
"""

import re
import secrets

from django.conf import settings

COOKIE = "chat_owner"
SALT = "chat.owners"
MAX_AGE = 365 * 24 * 60 * 60
BROWSER = re.compile(r"browser:[0-9a-f]{32}")


def has_cookie(request) -> bool:
    """True when the request carries an owner cookie, valid or not: the
    browser then holds ambient authority, and its writes need a CSRF token."""
    return COOKIE in request.COOKIES


def owner_get(request) -> str:
    """The request's owner. A request without a valid cookie gets a new
    browser owner, which `owner_cookie_set` then sends back."""
    owner = request.get_signed_cookie(COOKIE, default="", salt=SALT)
    if not BROWSER.fullmatch(owner):
        owner = f"browser:{secrets.token_hex(16)}"
        request.new_owner = owner
    return owner


def owner_cookie_set(request, response) -> None:
    """Set the cookie of an owner that `owner_get` made for this request."""
    owner = getattr(request, "new_owner", None)
    if owner:
        response.set_signed_cookie(
            COOKIE,
            owner,
            salt=SALT,
            max_age=MAX_AGE,
            httponly=True,
            samesite="Lax",
            # Secure behind the TLS Route, as the session cookie is.
            secure=settings.SESSION_COOKIE_SECURE,
        )
