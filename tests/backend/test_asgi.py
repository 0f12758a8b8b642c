"""The ASGI handler (config/asgi.py): API requests share asgiref's sync thread
instead of a new thread each, and nothing sync can hold them up there."""

import asyncio
import threading

import httpx
import pytest

from django.http import HttpResponse
from django.urls import include, path

from config.asgi import Handler

pytestmark = pytest.mark.django_db(transaction=True)

entered = threading.Event()
released = threading.Event()


def slow_admin_view(request):
    """A sync view that holds its thread until the test releases it."""
    entered.set()
    released.wait(10)
    return HttpResponse("done")


urlpatterns = [
    path("admin/slow/", slow_admin_view),
    path("", include("config.urls")),
]


class ThreeAtOnceMiddleware:
    """Sync only: lets a request through once three are inside it."""

    sync_capable = True
    async_capable = False
    barrier = threading.Barrier(3, timeout=5)

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        self.barrier.wait()
        return self.get_response(request)


def client(handler) -> httpx.AsyncClient:
    transport = httpx.ASGITransport(app=handler)
    return httpx.AsyncClient(transport=transport, base_url="http://127.0.0.1")


def test_an_all_async_chain_lets_api_requests_share_a_thread():
    assert Handler().api_shares_a_thread is True


async def test_a_slow_admin_view_does_not_hold_up_api_requests(settings):
    settings.ROOT_URLCONF = __name__
    entered.clear()
    released.clear()
    async with client(Handler()) as http:
        admin = asyncio.create_task(http.get("/admin/slow/"))
        assert await asyncio.to_thread(entered.wait, 10)
        try:
            answers = await asyncio.wait_for(
                asyncio.gather(
                    http.get("/health"),
                    http.get("/health/ready"),
                    http.get("/chat/conversations"),
                ),
                timeout=5,
            )
        finally:
            released.set()
        slow = await admin

    assert [a.status_code for a in answers] == [200, 200, 200]
    assert slow.text == "done"


async def test_with_a_sync_middleware_each_request_keeps_a_thread_of_its_own(
    settings,
):
    settings.MIDDLEWARE = [*settings.MIDDLEWARE, f"{__name__}.ThreeAtOnceMiddleware"]
    ThreeAtOnceMiddleware.barrier.reset()
    handler = Handler()

    async with client(handler) as http:
        answers = await asyncio.gather(*(http.get("/health") for _ in range(3)))

    assert handler.api_shares_a_thread is False
    assert [a.status_code for a in answers] == [200, 200, 200]
