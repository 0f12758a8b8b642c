"""Rate limits counted in the database: every replica sees the same counts
(two backends on one database are in tests/scaling)."""

import time

import pytest

from django.db import connection

from chat.window_counters import Rate, WindowCounter, hit


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


@pytest.mark.django_db
def test_a_hit_is_counted_in_its_window_which_expires_as_it_ends():
    before = int(time.time()) // 3600

    hit("a", Rate(5, 3600))

    row = WindowCounter.objects.get(key="a")
    assert row.bucket in (before, int(time.time()) // 3600)
    assert row.expires == (row.bucket + 1) * 3600


@pytest.mark.django_db
def test_a_hit_is_one_statement_where_the_database_returns_the_count(
    django_assert_num_queries,
):
    hit("a", Rate(5, 3600))

    with django_assert_num_queries(1):
        hit("a", Rate(5, 3600))


@pytest.mark.django_db
def test_a_database_without_returning_counts_the_same(monkeypatch):
    # RHEL 9's SQLite (3.34): the upsert, then a SELECT in its transaction.
    monkeypatch.setattr(connection.features, "can_return_columns_from_insert", False)
    rate = Rate(2, 3600)

    refused = [hit("a", rate) for _ in range(3)]

    assert refused == [False, False, True]
    assert WindowCounter.objects.get(key="a").hits == 3
