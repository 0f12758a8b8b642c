"""Rate limits counted in the database: every replica sees the same counts."""

import concurrent.futures

import httpx
import pytest

from chat.window_counters import Rate, WindowCounter, hit
from tests.backend.conftest import API_KEY
from tests.servers import Backend


@pytest.mark.parametrize(
    ("text", "rate"),
    [("30/m", Rate(30, 60)), ("5/10m", Rate(5, 600)), ("1/s", Rate(1, 1))],
)
def test_rates_are_written_like_django_ratelimits(text, rate):
    assert Rate.parse(text) == rate


def test_a_rate_without_a_known_unit_is_refused():
    with pytest.raises(ValueError, match="must end in s, m, h or d"):
        Rate.parse("30/w")


@pytest.mark.django_db
def test_each_key_counts_apart_up_to_its_limit():
    rate = Rate(2, 3600)

    refused = [hit("a", rate) for _ in range(3)] + [hit("b", rate)]

    assert refused == [False, False, True, False]
    assert WindowCounter.objects.get(key="a").hits == 3


@pytest.mark.django_db
def test_a_new_window_clears_the_windows_that_ended():
    WindowCounter.objects.create(key="old", bucket=1, hits=9, expires=60)

    hit("new", Rate(1, 60))

    assert list(WindowCounter.objects.values_list("key", flat=True)) == ["new"]


@pytest.fixture
def two_backends(upstream, tmp_path):
    """Two gunicorn backends, like two pods, on one database file."""
    env = {
        "DATABASE_URL": f"sqlite:///{tmp_path / 'shared.sqlite3'}",
        "LLM_API_BASE": upstream.base_url,
        "LLM_API_KEY": API_KEY,
        "LLM_MODEL": upstream.model,
        "CHAT_RATE_LIMIT": "10/h",
        "ADMIN_LOGIN_RATE_LIMIT": "2/h",
    }
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    with Backend(tmp_path / "a", **env) as first:
        with Backend(tmp_path / "b", **env) as second:
            yield first, second


def test_two_backends_on_one_database_share_the_chat_limit(two_backends, upstream):
    upstream.reset()
    urls = [backend.url for backend in two_backends] * 10

    def chat(url):
        return httpx.post(f"{url}/chat", json={"message": "Hi"}, timeout=30).status_code

    with concurrent.futures.ThreadPoolExecutor(8) as pool:
        statuses = list(pool.map(chat, urls))

    # Counted per process, each backend would have allowed all 10 of its own.
    assert sorted(statuses) == [200] * 10 + [429] * 10
    assert len(upstream.record.requests) == 10


def test_login_attempts_on_one_backend_count_on_the_other(two_backends):
    first, second = two_backends

    def attempt(backend):
        with httpx.Client(base_url=backend.url) as browser:
            token = browser.get("/admin/login/").cookies["csrftoken"]
            return browser.post(
                "/admin/login/",
                data={"username": "admin", "password": "wrong", "next": "/admin/"},
                headers={"X-CSRFToken": token, "Referer": f"{backend.url}/admin/"},
            ).status_code

    assert [attempt(first), attempt(first), attempt(second)] == [200, 200, 429]
