"""Two pods that start at once on an empty database, as on a first deployment
or after scaling from zero: both become ready, the migrations run once, and
from then on both count rate limits in the same place."""

import httpx
import psycopg
import pytest

from tests.scaling.cluster import two_pods


@pytest.fixture(scope="module")
def pods(pod_env, tmp_path_factory):
    limits = {"CHAT_RATE_LIMIT": "4/h", "ADMIN_LOGIN_RATE_LIMIT": "2/h"}
    with two_pods(tmp_path_factory, {**pod_env, **limits}) as started:
        yield started


def test_both_become_ready_and_the_migrations_run_once(pods):
    url, (first, second) = pods

    with psycopg.connect(url) as connection:
        applied = connection.execute(
            "SELECT app, name, count(*) FROM django_migrations GROUP BY app, name"
        ).fetchall()
    logs = [first.log(), second.log()]

    assert first.ready() and second.ready()
    assert ("chat", "0001_initial", 1) in applied
    assert all(count == 1 for *_, count in applied)
    assert sorted("Applying chat.0001_initial" in log for log in logs) == [False, True]
    assert sorted("No migrations to apply." in log for log in logs) == [False, True]
    assert sorted("Superuser 'admin' created." in log for log in logs) == [False, True]


def chat(pod) -> int:
    return httpx.post(f"{pod.url}/chat", json={"message": "Hi"}, timeout=30).status_code


def test_the_second_pod_refuses_the_chats_the_first_used_up(pods, upstream):
    upstream.reset()
    _, (first, second) = pods

    used = [chat(first), chat(first), chat(second), chat(second)]
    over = [chat(first), chat(second)]

    assert used == [200] * 4
    assert over == [429, 429]
    assert len(upstream.record.requests) == 4


def login_attempt(pod) -> int:
    with httpx.Client(base_url=pod.url) as browser:
        token = browser.get("/admin/login/").cookies["csrftoken"]
        return browser.post(
            "/admin/login/",
            data={"username": "admin", "password": "wrong", "next": "/admin/"},
            headers={"X-CSRFToken": token},
        ).status_code


def test_the_second_pod_refuses_the_login_attempts_the_first_used_up(pods):
    _, (first, second) = pods

    assert [login_attempt(first), login_attempt(first)] == [200, 200]
    assert login_attempt(second) == 429
