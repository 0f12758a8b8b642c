"""The request path's database threads: every query of the API runs on a few
threads of their own, each on one connection that stays open between requests.

Django would run each request's queries on a new thread (asgiref's
thread-sensitive executor, a new one per request), opening a new connection
each time. A pool of connections handed to requests is no answer either: a
stream would hold its connection until it ends. The calls here are short (a
turn makes two: its start and its reply), so DATABASE_THREADS threads serve
them all: one waits on its round trips to PostgreSQL while others run theirs
(SQLite, one writer at a time, gets one). Sync work elsewhere (the admin's
views) runs on other threads and never waits for them, nor they for it.

Each call is a request to its thread's connection, as Django's request_started
and request_finished signals treat one: before and after it, a connection that
had errors, that is past CONN_MAX_AGE or that is left in a transaction is
closed, and with CONN_HEALTH_CHECKS the next query first checks that it is
still usable.
"""

from concurrent.futures import ThreadPoolExecutor

from asgiref.sync import SyncToAsync

from django.conf import settings
from django.db import close_old_connections

# Threads start as calls overlap, up to the setting, and stay.
EXECUTOR = ThreadPoolExecutor(
    max_workers=settings.DATABASE_THREADS, thread_name_prefix="database"
)


def _called(function, args, kwargs):
    close_old_connections()
    try:
        return function(*args, **kwargs)
    finally:
        close_old_connections()


_call = SyncToAsync(_called, thread_sensitive=False, executor=EXECUTOR)


async def run(function, /, *args, **kwargs):
    """`function(*args, **kwargs)` on a database thread, awaited."""
    return await _call(function, args, kwargs)
