"""Per-client rate limits, counted in the database that every replica shares
(chat/window_counters.py)."""

from django.conf import settings

from chat.window_counters import Rate, hit


def client_ip(request) -> str:
    """The client's address. Behind N proxies that each append to
    X-Forwarded-For (the OpenShift router, then nginx), it is the Nth entry from
    the right; entries further left were written by the client and are not
    trusted."""
    hops = settings.TRUSTED_PROXY_COUNT
    if hops:
        forwarded = [
            address.strip()
            for address in request.headers.get("X-Forwarded-For", "").split(",")
            if address.strip()
        ]
        if len(forwarded) >= hops:
            return forwarded[-hops]
    return request.META["REMOTE_ADDR"]


class Limited(Exception):
    """The client is over CHAT_RATE_LIMIT."""


def chat_admit(client: str) -> None:
    """Count a chat request of `client` (its address) against
    CHAT_RATE_LIMIT; raise `Limited` when it is over."""
    if hit(f"chat:{client}", Rate.parse(settings.CHAT_RATE_LIMIT)):
        raise Limited


def admin_login_limited(request) -> bool:
    """Count this login attempt against its client's ADMIN_LOGIN_RATE_LIMIT."""
    return hit(
        f"admin-login:{client_ip(request)}",
        Rate.parse(settings.ADMIN_LOGIN_RATE_LIMIT),
    )
