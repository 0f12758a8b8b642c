import re
import uuid

from asgiref.sync import markcoroutinefunction
from servestatic.base import ServeStaticBase
from servestatic.middleware import ServeStaticMiddleware

from django.conf import settings
from django.contrib.auth.middleware import AuthenticationMiddleware
from django.contrib.messages.middleware import MessageMiddleware
from django.contrib.sessions.middleware import SessionMiddleware
from django.middleware.clickjacking import XFrameOptionsMiddleware
from django.middleware.common import CommonMiddleware
from django.middleware.csrf import CsrfViewMiddleware
from django.middleware.security import SecurityMiddleware

from chat.admin_access import admin_sign_in
from chat.logging import request_id

# Accept an upstream proxy's id only when it looks like one.
SAFE_ID = re.compile(r"^[A-Za-z0-9._-]{1,64}$")


class AsyncMiddleware:
    """Base of this project's middlewares: async only, so that Django never
    wraps the request path in a thread hop for them."""

    async_capable = True
    sync_capable = False

    def __init__(self, get_response):
        self.get_response = get_response
        markcoroutinefunction(self)


class RequestIdMiddleware(AsyncMiddleware):
    """Tag every log line of a request with an id, and return it as X-Request-ID."""

    async def __call__(self, request):
        incoming = request.headers.get("X-Request-ID", "")
        value = incoming if SAFE_ID.match(incoming) else uuid.uuid4().hex
        # Each request runs in its own task, hence its own context: no reset,
        # so that lines logged while a streaming response is sent keep the id.
        request_id.set(value)
        response = await self.get_response(request)
        response["X-Request-ID"] = value
        return response


class ContentSecurityPolicyMiddleware(AsyncMiddleware):
    """Send CONTENT_SECURITY_POLICY with every response: in a local run Django
    serves the app and the admin itself, with the policy nginx sets in the
    cluster. Not django-csp: its middleware is sync, two thread hops per
    request, for one constant header."""

    async def __call__(self, request):
        response = await self.get_response(request)
        response.setdefault("Content-Security-Policy", settings.CONTENT_SECURITY_POLICY)
        return response


class InlineHooksMixin:
    """Run a Django middleware's process_request and process_response on the
    event loop. Django's own async path runs each of them on a thread (two
    thread hops per request per middleware); these only read the request and
    set headers, without I/O."""

    async def __acall__(self, request):
        response = None
        if hasattr(self, "process_request"):
            response = self.process_request(request)
        response = response or await self.get_response(request)
        if hasattr(self, "process_response"):
            response = self.process_response(request, response)
        return response


class InlineSecurityMiddleware(InlineHooksMixin, SecurityMiddleware):
    pass


class InlineXFrameOptionsMiddleware(InlineHooksMixin, XFrameOptionsMiddleware):
    pass


class InlineCommonMiddleware(InlineHooksMixin, CommonMiddleware):
    pass


class StaticFilesMiddleware(ServeStaticMiddleware):
    """ServeStatic, honouring SERVESTATIC_IMMUTABLE_FILE_TEST for the built
    app's files too: its middleware only knows the hashed names of
    collectstatic, under STATIC_URL, and ignores the setting."""

    def immutable_file_test(self, path, url):
        return super().immutable_file_test(path, url) or (
            ServeStaticBase.immutable_file_test(self, path, url)
        )


class AdminOnlyMixin:
    """Run this middleware for the admin only. The JSON API uses no session,
    user or message, and checks CSRF per view, only where the owner cookie
    makes it needed (chat/api.py); in the async stack each of these
    middlewares costs a thread hop for its request hook and another for its
    response hook."""

    def __call__(self, request):
        # Sync (the WSGI test client) and async alike: elsewhere, the next
        # handler's answer, or its coroutine, is returned as it is.
        if request.path_info.startswith("/admin/"):
            return super().__call__(request)
        return self.get_response(request)


class AdminSessionMiddleware(AdminOnlyMixin, SessionMiddleware):
    pass


class AdminCsrfViewMiddleware(AdminOnlyMixin, CsrfViewMiddleware):
    def process_view(self, request, callback, callback_args, callback_kwargs):
        # Django calls every middleware's process_view itself, past __call__.
        if request.path_info.startswith("/admin/"):
            return super().process_view(
                request, callback, callback_args, callback_kwargs
            )
        return None


class AdminAuthenticationMiddleware(AdminOnlyMixin, AuthenticationMiddleware):
    pass


class AdminMessageMiddleware(AdminOnlyMixin, MessageMiddleware):
    pass


class AdminProxySignInMiddleware(AsyncMiddleware):
    """With CHAT_PROXY_SECRET set, the admin is for the OpenShift users who
    pass the access check (chat/admin_access.py). After the session and
    authentication middlewares."""

    async def __call__(self, request):
        if settings.CHAT_PROXY_SECRET and request.path_info.startswith("/admin/"):
            refused = await admin_sign_in(request)
            if refused is not None:
                return refused
        return await self.get_response(request)
