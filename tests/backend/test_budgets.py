"""Per-owner budgets counted in the database: the daily token budget, the
rate limit, and the Usage rows the admin shows."""

import asyncio
from datetime import UTC, datetime

import httpx
import pytest

from chat.models import Message, Usage
from chat.window_counters import WindowCounter
from tests.backend.conftest import API_KEY, post
from tests.backend.test_sign_in import SECRET, signed_in
from tests.rate_windows import within_one_window
from tests.servers import Backend

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def proxy(settings):
    settings.CHAT_PROXY_SECRET = SECRET


def today():
    return datetime.now(UTC).date()


async def test_each_answer_is_counted_per_owner_and_day(proxy, fake_llm):
    alice, bob = signed_in("alice"), signed_in("bob")
    first = (await post(alice, {"message": "Hello there"})).json()
    await post(alice, {"message": "Again", "conversation_id": first["conversation_id"]})
    await post(bob, {"message": "Hi"})
    fake_llm.reset(fault="http_500")
    await post(bob, {"message": "Hi"})

    rows = {u.owner: u async for u in Usage.objects.filter(day=today())}
    replies = Message.objects.filter(conversation__owner="user:alice", role="assistant")
    prompt = sum([m.prompt_tokens async for m in replies])
    completion = sum([m.completion_tokens async for m in replies])
    assert set(rows) == {"user:alice", "user:bob"}
    alice_usage = rows["user:alice"]
    assert (alice_usage.messages, alice_usage.prompt_tokens) == (2, prompt)
    assert alice_usage.completion_tokens == completion > 0
    # A failed answer counts as a message without tokens.
    assert rows["user:bob"].messages == 2
    assert rows["user:bob"].completion_tokens == first["usage"]["completion_tokens"]


async def test_over_the_daily_tokens_the_llm_is_not_called(proxy, fake_llm, settings):
    settings.CHAT_USER_DAILY_TOKENS = 5
    alice = signed_in("alice")
    await post(alice, {"message": "Hi"})  # 5 completion tokens + the prompt's

    refused = await post(alice, {"message": "Hi"})
    streamed = await post(alice, {"message": "Hi"}, "/chat/stream")

    assert refused.status_code == streamed.status_code == 429
    message = refused.json()["error"]
    assert message.startswith("You have used today's budget of 5 tokens.")
    assert "It resets at 00:00 UTC, in " in message
    now = datetime.now(UTC)
    to_midnight = 86400 - (now.hour * 3600 + now.minute * 60 + now.second)
    assert abs(int(refused["Retry-After"]) - to_midnight) <= 2
    assert len(fake_llm.record.requests) == 1
    # Others have their own budget.
    assert (await post(signed_in("bob"), {"message": "Hi"})).status_code == 200


async def test_over_the_rate_the_answer_is_429_with_retry_after(
    proxy, fake_llm, settings
):
    settings.CHAT_USER_RATE_LIMIT = "2/m"
    within_one_window(5)
    alice = signed_in("alice")

    statuses = [(await post(alice, {"message": "Hi"})).status_code for _ in range(2)]
    refused = await post(alice, {"message": "Hi"}, "/chat/stream")

    assert statuses == [200, 200]
    assert refused.status_code == 429
    assert 1 <= int(refused["Retry-After"]) <= 60
    assert refused.json()["error"].startswith(
        "You have sent 2 messages this minute, the most allowed. You can chat again in "
    )
    assert len(fake_llm.record.requests) == 2
    assert (await post(signed_in("bob"), {"message": "Hi"})).status_code == 200


async def test_requests_at_once_are_all_counted(proxy, fake_llm, settings):
    # On PostgreSQL their queries run side by side, on a connection per
    # database thread (chat/database.py): the counters' upserts race.
    settings.CHAT_USER_RATE_LIMIT = "10/h"
    alice = signed_in("alice")

    responses = await asyncio.gather(
        *(post(alice, {"message": f"Hi {n}"}) for n in range(14))
    )

    statuses = sorted(response.status_code for response in responses)
    assert statuses == [200] * 10 + [429] * 4
    usage = await Usage.objects.aget(owner="user:alice", day=today())
    assert usage.messages == 10
    window = await WindowCounter.objects.aget(key="user-rate:user:alice")
    assert window.hits == 14


async def test_an_earlier_windows_count_is_dropped(proxy, fake_llm, settings):
    settings.CHAT_USER_RATE_LIMIT = "1/h"
    await WindowCounter.objects.acreate(
        key="user-rate:user:alice", bucket=1, hits=99, expires=3600
    )

    response = await post(signed_in("alice"), {"message": "Hi"})

    assert response.status_code == 200
    kept = WindowCounter.objects.filter(key="user-rate:user:alice")
    assert [w.hits async for w in kept] == [1]


async def test_browser_owners_have_budgets_too(fake_llm, settings):
    settings.CHAT_USER_RATE_LIMIT = "1/m"
    within_one_window(5)
    browser = signed_in("alice", secret="")  # the header counts for nothing

    first = await post(browser, {"message": "Hi"})
    second = await post(browser, {"message": "Hi"})

    assert (first.status_code, second.status_code) == (200, 429)


def test_usage_is_listed_read_only_in_the_admin(admin_client):
    Usage.objects.create(
        owner="user:alice",
        day=today(),
        messages=3,
        prompt_tokens=40,
        completion_tokens=2,
    )

    page = admin_client.get("/admin/chat/usage/", {"q": "alice"}).content.decode()

    assert '<td class="field-owner">user:alice</td>' in page
    assert '<td class="field-messages">3</td>' in page
    assert '<td class="field-total_tokens">42</td>' in page
    assert admin_client.get("/admin/chat/usage/add/").status_code == 403
    row = Usage.objects.get()
    assert admin_client.get(f"/admin/chat/usage/{row.pk}/delete/").status_code == 403


@pytest.mark.server
@pytest.mark.django_db(transaction=False)
def test_two_app_instances_on_one_database_count_together(upstream, tmp_path):
    """Two gunicorn servers, as two replicas, sharing one database: the rate
    limit and the token budget hold across them."""
    upstream.reset()
    env = {
        "DATABASE_URL": f"sqlite:///{tmp_path / 'shared.sqlite3'}",
        "LLM_API_BASE": upstream.base_url,
        "LLM_API_KEY": API_KEY,
        "LLM_MODEL": upstream.model,
        "DJANGO_SECRET_KEY": "two-replicas-test-secret-key",
        "CHAT_PROXY_SECRET": SECRET,
        "CHAT_USER_RATE_LIMIT": "3/h",
        "CHAT_USER_DAILY_TOKENS": "1000000",
    }
    with (
        Backend(tmp_path / "one", **env) as one,
        Backend(tmp_path / "two", **env) as two,
    ):
        alice, bob = browser(one.url, "alice"), browser(two.url, "bob")
        statuses = [
            alice.post(f"{backend.url}/chat", json={"message": "Hi"}).status_code
            for backend in (one, two, one, two)
        ]
        other = bob.post(f"{two.url}/chat", json={"message": "Hi"})
    assert statuses == [200, 200, 200, 429]
    assert other.status_code == 200


def browser(url: str, name: str) -> httpx.Client:
    """A browser signed in through the proxy as `name`, with its CSRF token;
    both servers share the secret key, so the token holds on either."""
    headers = {"X-Chat-User": name, "X-Chat-Proxy-Secret": SECRET}
    page = httpx.get(f"{url}/chat/conversations", headers=headers, timeout=30)
    headers["X-CSRFToken"] = page.cookies["csrftoken"]
    return httpx.Client(headers=headers, cookies=page.cookies, timeout=30)
