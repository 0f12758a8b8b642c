"""The request path stays async from the server to the view."""

import logging

from django.core.handlers.asgi import ASGIHandler
from django.utils.deprecation import MiddlewareMixin
from django.utils.module_loading import import_string

from chat.middleware import AdminOnlyMixin


def test_no_middleware_is_adapted_between_sync_and_async(caplog, settings):
    settings.DEBUG = True  # Django logs the adaptations only then.
    # Django logs each middleware it has to wrap in async_to_sync or
    # sync_to_async. One sync-only middleware (WhiteNoise's was) makes every
    # request hop threads and wait on asgiref's thread-sensitive executor,
    # which deadlocked this suite under load.
    with caplog.at_level(logging.DEBUG, logger="django.request"):
        ASGIHandler()

    adapted = [r.getMessage() for r in caplog.records if "adapted" in r.getMessage()]
    assert adapted == []


def test_no_middleware_hops_threads_on_api_paths(settings):
    # Django's MiddlewareMixin, async, runs process_request and
    # process_response on a thread each: two hops per request per middleware.
    # The admin-only ones pass API requests on before that.
    hopping = [
        path
        for path in settings.MIDDLEWARE
        if getattr(import_string(path), "__acall__", None) is MiddlewareMixin.__acall__
        and not issubclass(import_string(path), AdminOnlyMixin)
    ]

    assert hopping == []
