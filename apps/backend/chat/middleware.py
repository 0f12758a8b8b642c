import re
import uuid

from asgiref.sync import iscoroutinefunction, markcoroutinefunction

from django.contrib.auth.middleware import AuthenticationMiddleware
from django.contrib.messages.middleware import MessageMiddleware
from django.contrib.sessions.middleware import SessionMiddleware
from django.middleware.csrf import CsrfViewMiddleware

from chat.logging import request_id

# Accept an upstream proxy's id only when it looks like one.
SAFE_ID = re.compile(r"^[A-Za-z0-9._-]{1,64}$")


class RequestIdMiddleware:
    """Tag every log line of a request with an id, and return it as X-Request-ID."""

    async_capable = True
    sync_capable = False

    def __init__(self, get_response):
        self.get_response = get_response
        if iscoroutinefunction(get_response):
            markcoroutinefunction(self)

    async def __call__(self, request):
        incoming = request.headers.get("X-Request-ID", "")
        value = incoming if SAFE_ID.match(incoming) else uuid.uuid4().hex
        # Each request runs in its own task, hence its own context: no reset,
        # so that lines logged while a streaming response is sent keep the id.
        request_id.set(value)
        response = await self.get_response(request)
        response["X-Request-ID"] = value
        return response


class AdminOnlyMixin:
    """Run this middleware for the admin only. The JSON API uses no session,
    user, message or CSRF cookie, and in the async stack each of these
    middlewares costs a thread hop for its request hook and another for its
    response hook."""

    async def __acall__(self, request):
        if request.path_info.startswith("/admin/"):
            return await super().__acall__(request)
        return await self.get_response(request)


class AdminSessionMiddleware(AdminOnlyMixin, SessionMiddleware):
    pass


class AdminCsrfViewMiddleware(AdminOnlyMixin, CsrfViewMiddleware):
    pass


class AdminAuthenticationMiddleware(AdminOnlyMixin, AuthenticationMiddleware):
    pass


class AdminMessageMiddleware(AdminOnlyMixin, MessageMiddleware):
    pass
