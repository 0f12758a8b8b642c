"""ASGI entry point: APP_MODULE=config.asgi:application."""

import os

from asgiref.sync import ThreadSensitiveContext, sync_to_async

import django
from django.conf import settings
from django.core.handlers.asgi import ASGIHandler
from django.db import connections
from django.utils.module_loading import import_string

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")


class Handler(ASGIHandler):
    """Django's handler, without a thread of its own for each API request.

    Django runs every request in a new ThreadSensitiveContext, so that the
    sync code of one request (a sync view or middleware) runs on a new thread
    and never waits for another's. Only the admin has sync views: the API is
    async from the server to the view, and its queries run on the database
    threads (chat/database.py). Its few sync calls left (Django's request
    signals and response.close) then share asgiref's one sync thread, which
    nothing slow uses. A sync middleware would hold that thread through every
    view it wraps and serialise all requests: with one in MIDDLEWARE, every
    request keeps a thread of its own.
    """

    def __init__(self):
        super().__init__()
        self.api_shares_a_thread = all(
            getattr(import_string(path), "async_capable", False)
            for path in settings.MIDDLEWARE
        )

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await super().__call__(scope, receive, send)  # Refused.
        path = scope["path"].removeprefix(scope.get("root_path", ""))
        if self.api_shares_a_thread and not path.startswith("/admin/"):
            return await self.handle(scope, receive, send)
        async with ThreadSensitiveContext():
            try:
                await self.handle(scope, receive, send)
            finally:
                # The request's thread ends with it, so does its connection,
                # whatever CONN_MAX_AGE says.
                await sync_to_async(connections.close_all)()


django.setup(set_prefix=False)
application = Handler()

# Refuse to serve without a secret key. Settings allow an empty one so that
# `collectstatic` can run during the S2I build; Django raises on first access.
settings.SECRET_KEY  # noqa: B018
