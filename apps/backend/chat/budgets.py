"""Per-owner budgets, counted in the database so that all replicas agree: a
daily token budget (CHAT_USER_DAILY_TOKENS) and a request rate
(CHAT_USER_RATE_LIMIT, "<count>/<s|m|h|d>")."""

import math
import re
from datetime import UTC, datetime, timedelta

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db import IntegrityError, transaction
from django.db.models import F

from chat.models import RateWindow, Usage

RATE = re.compile(r"(\d+)/([smhd])")
PERIODS = {"s": 1, "m": 60, "h": 3600, "d": 86400}
UNITS = {1: "second", 60: "minute", 3600: "hour", 86400: "day"}


class Refused(Exception):
    """Over a budget: ``str(refused)`` is safe to show; `retry_after` in
    seconds."""

    def __init__(self, message: str, retry_after: int) -> None:
        super().__init__(message)
        self.retry_after = retry_after


def rate_parse(rate: str) -> tuple[int, int] | None:
    """CHAT_USER_RATE_LIMIT as (requests, seconds); None for no limit."""
    if not rate:
        return None
    match = RATE.fullmatch(rate.strip())
    if not match:
        raise ImproperlyConfigured(
            f"CHAT_USER_RATE_LIMIT must look like 20/m (s, m, h or d), not {rate!r}."
        )
    return int(match.group(1)), PERIODS[match.group(2)]


def duration(seconds: int) -> str:
    """A wait in words: "3 h 5 min", "12 min", "40 s"."""
    if seconds < 60:
        return f"{seconds} s"
    hours, minutes = divmod(math.ceil(seconds / 60), 60)
    return f"{hours} h {minutes} min" if hours else f"{minutes} min"


def _counted(model, lookup: dict, **increments) -> None:
    """Add to the counters of the row `lookup`, creating it if needed."""
    changes = {field: F(field) + n for field, n in increments.items()}
    if model.objects.filter(**lookup).update(**changes):
        return
    try:
        with transaction.atomic():
            model.objects.create(**lookup, **increments)
    except IntegrityError:
        # Another request created it first.
        model.objects.filter(**lookup).update(**changes)


def _rate_check(owner: str, now: datetime) -> None:
    rate = rate_parse(settings.CHAT_USER_RATE_LIMIT)
    if rate is None:
        return
    allowed, period = rate
    epoch = int(now.timestamp())
    start = datetime.fromtimestamp(epoch - epoch % period, UTC)
    with transaction.atomic():
        RateWindow.objects.filter(owner=owner, start__lt=start).delete()
        _counted(RateWindow, {"owner": owner, "start": start}, count=1)
        count = RateWindow.objects.get(owner=owner, start=start).count
    if count > allowed:
        wait = max(
            1, math.ceil((start + timedelta(seconds=period) - now).total_seconds())
        )
        raise Refused(
            f"You have sent {allowed} messages this {UNITS[period]}, the most allowed. "
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
    now = datetime.now(UTC)
    _rate_check(owner, now)
    _tokens_check(owner, now)


def usage_add(owner: str, usage: dict | None) -> None:
    """Count one answer and its tokens for `owner` today (UTC). Call inside
    the transaction that stores the answer."""
    usage = usage or {}
    _counted(
        Usage,
        {"owner": owner, "day": datetime.now(UTC).date()},
        messages=1,
        prompt_tokens=usage.get("prompt_tokens") or 0,
        completion_tokens=usage.get("completion_tokens") or 0,
    )
