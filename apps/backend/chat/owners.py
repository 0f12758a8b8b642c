"""Who is asking: the owner of the conversations a request may see.

A user signed in through the proxy is "user:<name>" (chat/identity.py).
Otherwise, unless CHAT_REQUIRE_USER is on, the owner is the browser,
"browser:<128-bit hex>", kept in a signed HttpOnly cookie. A browser's
conversations are never handed to a user who signs in later.
"""

import re
import secrets

from django.conf import settings

from chat import identity

COOKIE = "chat_owner"
SALT = "chat.owners"
MAX_AGE = 365 * 24 * 60 * 60
BROWSER = re.compile(r"browser:[0-9a-f]{32}")


def has_cookie(request) -> bool:
    """True when the request carries an owner cookie, valid or not: the
    browser then holds ambient authority, and its writes need a CSRF token."""
    return COOKIE in request.COOKIES


class SignInRequired(Exception):
    """CHAT_REQUIRE_USER is on and the request has no proven user."""


def is_user(owner: str) -> bool:
    return owner.startswith("user:")


def owner_get(request) -> str:
    """The request's owner: the proven user, else the browser. A request
    without a valid cookie gets a new browser owner, which `owner_cookie_set`
    then sends back. Raises `SignInRequired`."""
    user = identity.proven_user(request)
    if user is not None:
        return f"user:{user}"
    if settings.CHAT_REQUIRE_USER:
        raise SignInRequired
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
