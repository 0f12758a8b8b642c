"""Counters added to by one upsert (chat/counters.py)."""

from datetime import date

import pytest

from chat import counters
from chat.models import Usage

pytestmark = pytest.mark.django_db


def test_a_count_is_one_statement_for_a_new_row_and_for_one_there(
    django_assert_num_queries,
):
    key = {"owner": "alice", "day": date(2026, 12, 6)}

    for _ in range(2):
        with django_assert_num_queries(1):
            counters.add(Usage, key, {"messages": 1, "prompt_tokens": 7})

    usage = Usage.objects.get(**key)
    assert (usage.messages, usage.prompt_tokens, usage.completion_tokens) == (2, 14, 0)
    assert Usage.objects.count() == 1
