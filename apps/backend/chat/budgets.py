"""Per-owner budgets, counted in the database so that all replicas agree: a
daily token budget (CHAT_USER_DAILY_TOKENS) and a request rate
(CHAT_USER_RATE_LIMIT, written like "20/m", chat/window_counters.py)."""

import math
from datetime import UTC, datetime, timedelta

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

from chat import counters
from chat.models import Usage
from chat.window_counters import Rate, hit

WINDOWS = {1: "this second", 60: "this minute", 3600: "this hour", 86400: "today"}


class Refused(Exception):
    """Over a budget: ``str(refused)`` is safe to show; `retry_after` in
    seconds."""

    def __init__(self, message: str, retry_after: int) -> None:
        super().__init__(message)
        self.retry_after = retry_after


def user_rate() -> Rate | None:
    """CHAT_USER_RATE_LIMIT; None for no limit."""
    text = settings.CHAT_USER_RATE_LIMIT.strip()
    if not text:
        return None
    try:
        return Rate.parse(text)
    except ValueError:
        raise ImproperlyConfigured(
            f"CHAT_USER_RATE_LIMIT must look like 20/m (s, m, h or d), not {text!r}."
        ) from None


def duration(seconds: int) -> str:
    """A wait in words: "3 h 5 min", "12 min", "40 s"."""
    if seconds < 60:
        return f"{seconds} s"
    hours, minutes = divmod(math.ceil(seconds / 60), 60)
    return f"{hours} h {minutes} min" if hours else f"{minutes} min"


def _rate_check(owner: str) -> None:
    rate = user_rate()
    if rate is None or not hit(f"user-rate:{owner}", rate):
        return
    wait = rate.seconds_left()
    window = WINDOWS.get(rate.seconds, f"in these {duration(rate.seconds)}")
    raise Refused(
        f"You have sent {rate.limit} messages {window}, the most allowed. "
        f"You can chat again in {duration(wait)}.",
        wait,
    )


def _tokens_check(owner: str, now: datetime) -> None:
    budget = settings.CHAT_USER_DAILY_TOKENS
    if not budget:
        return
    usage = Usage.objects.filter(owner=owner, day=now.date()).first()
    if usage is None or usage.total_tokens < budget:
        return
    midnight = datetime.combine(
        now.date() + timedelta(days=1), datetime.min.time(), UTC
    )
    wait = math.ceil((midnight - now).total_seconds())
    raise Refused(
        f"You have used today's budget of {budget} tokens. It resets at "
        f"00:00 UTC, in {duration(wait)}.",
        wait,
    )


def admit(owner: str) -> None:
    """Count a request of `owner` against its rate; raise `Refused` when it
    is over its rate or has used its daily tokens."""
    _rate_check(owner)
    _tokens_check(owner, datetime.now(UTC))


def usage_add(owner: str, usage: dict | None) -> None:
    """Count one answer and its tokens for `owner` today (UTC). Call inside
    the transaction that stores the answer."""
    usage = usage or {}
    counters.add(
        Usage,
        {"owner": owner, "day": datetime.now(UTC).date()},
        {
            "messages": 1,
            "prompt_tokens": usage.get("prompt_tokens") or 0,
            "completion_tokens": usage.get("completion_tokens") or 0,
        },
    )
