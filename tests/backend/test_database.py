"""The API's database threads (chat/database.py): a connection each, kept
between requests, checked as Django checks a request's connection."""

import threading
import time

import pytest
from asgiref.sync import sync_to_async

from django.conf import settings
from django.db import connection

from tests.backend.database_threads import on_every_database_thread

pytestmark = pytest.mark.django_db(transaction=True)


def _connection() -> tuple[int, object]:
    """The thread and the driver's connection that its queries use."""
    connection.ensure_connection()
    return threading.get_ident(), connection.connection


async def test_requests_keep_each_threads_open_connection(async_client):
    await async_client.get("/health/ready")
    first = await on_every_database_thread(_connection)
    await async_client.get("/chat/conversations")
    await async_client.get("/health/ready")
    second = await on_every_database_thread(_connection)

    kept = {(thread, id(driver)) for thread, driver in first}
    assert {(thread, id(driver)) for thread, driver in second} == kept
    threads = {thread for thread, _ in first}
    assert len(threads) == settings.DATABASE_THREADS
    assert threading.get_ident() not in threads


@pytest.mark.skipif(connection.vendor == "sqlite", reason="SQLite gets one thread")
async def test_calls_run_side_by_side_on_their_own_connections():
    # Each call waits until all have started: they must run at once.
    pairs = await on_every_database_thread(_connection)

    assert settings.DATABASE_THREADS > 1
    assert len({id(driver) for _, driver in pairs}) == settings.DATABASE_THREADS


def _expire():
    connection.close_at = time.monotonic() - 1


@pytest.mark.skipif(
    connection.vendor == "sqlite", reason="an in-memory database is never closed"
)
async def test_a_connection_past_conn_max_age_is_replaced(async_client):
    await async_client.get("/health/ready")
    old = {id(driver) for _, driver in await on_every_database_thread(_connection)}
    await on_every_database_thread(_expire)

    response = await async_client.get("/health/ready")
    new = {id(driver) for _, driver in await on_every_database_thread(_connection)}

    assert response.status_code == 200
    assert new.isdisjoint(old)


@sync_to_async
def _terminate(pids: list[int]) -> None:
    with connection.cursor() as cursor:
        for pid in pids:
            cursor.execute("SELECT pg_terminate_backend(%s)", [pid])


def _backend_pid() -> int:
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        return cursor.fetchone()[0]


@pytest.mark.skipif(
    connection.vendor == "sqlite", reason="a server that drops connections"
)
async def test_a_connection_the_server_dropped_is_replaced_before_it_is_used(
    async_client,
):
    await async_client.get("/health/ready")
    dropped = await on_every_database_thread(_backend_pid)
    await _terminate(dropped)

    response = await async_client.get("/health/ready")

    assert response.status_code == 200
    assert response.json() == {"status": "ok", "database": "ok"}
    assert set(await on_every_database_thread(_backend_pid)).isdisjoint(dropped)
