"""Per-client rate limits, counted per process (one ASGI worker per pod)."""

from django_ratelimit.core import is_ratelimited

from django.conf import settings


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


def chat_limited(request) -> bool:
    """Count this chat request against its client's CHAT_RATE_LIMIT."""
    return is_ratelimited(
        request, group="chat", key="ip", rate=settings.CHAT_RATE_LIMIT, increment=True
    )


def admin_login_limited(request) -> bool:
    """Count this login attempt against its client's ADMIN_LOGIN_RATE_LIMIT."""
    return is_ratelimited(
        request,
        group="admin-login",
        key="ip",
        rate=settings.ADMIN_LOGIN_RATE_LIMIT,
        increment=True,
    )
