import json
import os

import pytest
from asgiref.sync import SyncToAsync, async_to_sync

from django.db import connections
from django.test import RequestFactory

from chat import owners
from chat.models import Message
from tests.backend.database_threads import on_every_database_thread

API_KEY = "sk-test-key-that-must-never-leak-4242"


def pytest_collection_modifyitems(config, items):
    """backend-postgres without a PostgreSQL URL: fail in CI, skip elsewhere."""
    url = os.environ.get("DATABASE_URL", "")
    if not os.environ.get("REQUIRE_POSTGRES") or url.startswith(
        ("postgres://", "postgresql://")
    ):
        return
    reason = "backend-postgres needs DATABASE_URL=postgres://... (see README)"
    if os.environ.get("CI") == "true":
        raise pytest.UsageError(reason)
    for item in items:
        item.add_marker(pytest.mark.skip(reason=reason))


@pytest.fixture(autouse=True, scope="session")
def database_threads_closed(django_db_setup, django_db_blocker):
    """Close the connections of the database threads (chat/database.py) and of
    asgiref's sync thread (the tests' sync_to_async) before the test database
    is dropped: PostgreSQL drops no database still in use."""
    yield
    with django_db_blocker.unblock():
        async_to_sync(on_every_database_thread)(connections.close_all)
    SyncToAsync.single_thread_executor.submit(connections.close_all).result()


@pytest.fixture(autouse=True)
def plain_static_storage(settings):
    """The manifest storage needs `collectstatic` first; pages only need URLs."""
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {
            "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
        },
    }


@pytest.fixture
def fake_llm(upstream, settings):
    """The fake OpenAI-compatible server, reset, with the app pointed at it."""
    upstream.reset()
    settings.LLM_API_BASE = upstream.base_url
    settings.LLM_API_KEY = API_KEY
    settings.LLM_MODEL = upstream.model
    # Long enough for a process's first LiteLLM call on a loaded machine (it
    # builds its models then: seconds under load); tests of timeouts set less.
    settings.LLM_TIMEOUT = 10.0
    return upstream


async def post(client, body, path="/chat", content_type="application/json"):
    """POST a chat body (a dict as JSON, or raw text)."""
    data = body if isinstance(body, str | bytes) else json.dumps(body)
    return await client.post(path, data, content_type=content_type)


def parse_events(payload: str) -> list[tuple[str, dict]]:
    events = []
    for block in payload.strip().split("\n\n"):
        lines = dict(line.split(": ", 1) for line in block.split("\n"))
        events.append((lines["event"], json.loads(lines["data"])))
    return events


async def stream(client, body):
    """POST to /chat/stream; the response and its events."""
    response = await post(client, body, "/chat/stream")
    payload = b"".join([chunk async for chunk in response.streaming_content])
    return response, parse_events(payload.decode())


async def stored(conversation_id) -> list[tuple]:
    """(role, content, status) of each stored message, oldest first."""
    messages = Message.objects.filter(conversation_id=conversation_id).order_by("id")
    return [(m.role, m.content, m.status) async for m in messages]


def owner_of(client) -> str:
    """The owner that the client's cookie stands for."""
    request = RequestFactory().get("/")
    request.COOKIES = {owners.COOKIE: client.cookies[owners.COOKIE].value}
    owner = owners.owner_get(request)
    assert not hasattr(request, "new_owner"), "the cookie is not valid"
    return owner
