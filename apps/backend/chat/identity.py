"""The signed-in user, as proven by the proxy in front (oauth-proxy, then
nginx on the pod's loopback).

nginx sends the OpenShift user name in X-Chat-User with the shared secret in
X-Chat-Proxy-Secret. Without CHAT_PROXY_SECRET, or with another secret, the
user header is ignored: anyone can send it.
"""

import hmac

from django.conf import settings

# Django's User.username holds 150 characters.
MAX_NAME = 150
SIGN_OUT_URL = "/oauth/sign_out"


def proven_user(request) -> str | None:
    """The user name the proxy vouches for, or None."""
    secret = settings.CHAT_PROXY_SECRET
    if not secret:
        return None
    given = request.headers.get("X-Chat-Proxy-Secret", "")
    if not hmac.compare_digest(given.encode(), secret.encode()):
        return None
    name = request.headers.get("X-Chat-User", "").strip()
    if not name or len(name) > MAX_NAME or not name.isprintable():
        return None
    return name


def access_token(request) -> str:
    """The user's OpenShift access token, which nginx passes on admin paths
    only; empty unless the request came through the proxy."""
    if proven_user(request) is None:
        return ""
    return request.headers.get("X-Chat-Access-Token", "").strip()
