"""The API's database thread (chat/database.py): one connection, kept between
requests, checked as Django checks a request's connection."""

import threading
import time

import pytest
from asgiref.sync import sync_to_async

from django.db import connection

from chat import database

pytestmark = pytest.mark.django_db(transaction=True)


def _connection() -> tuple[int, object]:
    """The thread and the driver's connection that the API's queries use."""
    return threading.get_ident(), connection.connection


async def test_requests_share_one_thread_and_one_open_connection(async_client):
    await async_client.get("/health/ready")
    first = await database.run(_connection)
    await async_client.get("/chat/conversations")
    second = await database.run(_connection)

    assert first[1] is not None
    assert second == first
    assert first[0] != threading.get_ident()


def _expire():
    connection.close_at = time.monotonic() - 1


@pytest.mark.skipif(
    connection.vendor == "sqlite", reason="an in-memory database is never closed"
)
async def test_a_connection_past_conn_max_age_is_replaced(async_client):
    await async_client.get("/health/ready")
    _, old = await database.run(_connection)
    await database.run(_expire)

    response = await async_client.get("/health/ready")
    _, new = await database.run(_connection)

    assert response.status_code == 200
    assert new is not None
    assert new is not old


@sync_to_async
def _terminate(pid: int) -> None:
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_terminate_backend(%s)", [pid])


def _backend_pid() -> int:
    return connection.connection.info.backend_pid


@pytest.mark.skipif(
    connection.vendor == "sqlite", reason="a server that drops connections"
)
async def test_a_connection_the_server_dropped_is_replaced_before_it_is_used(
    async_client,
):
    await async_client.get("/health/ready")
    dropped = await database.run(_backend_pid)
    await _terminate(dropped)

    response = await async_client.get("/health/ready")

    assert response.status_code == 200
    assert response.json() == {"status": "ok", "database": "ok"}
    assert await database.run(_backend_pid) != dropped
