"""Fixed-window counters in the database, shared by every replica.

Each pod used to count rate limits in its own memory, so N replicas allowed N
times the limit. A counter here is one row per key and window, incremented by
one upsert statement (chat/counters.py), so concurrent requests on any pod
never lose a count.
"""

import time
from dataclasses import dataclass

from django.db import models

from chat import counters

UNIT_SECONDS = {"s": 1, "m": 60, "h": 3600, "d": 86400}


class WindowCounter(models.Model):
    key = models.CharField(max_length=200)
    # The window's number: Unix time // the window's length in seconds.
    bucket = models.BigIntegerField()
    hits = models.PositiveIntegerField(default=0)
    # Unix time at which the window ends; older rows are deleted.
    expires = models.BigIntegerField(db_index=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["key", "bucket"], name="window_counter_key")
        ]

    def __str__(self):
        return f"{self.key} #{self.bucket}: {self.hits}"


@dataclass(frozen=True)
class Rate:
    """At most `limit` hits per `seconds`, written like "30/m" or "5/10m"."""

    limit: int
    seconds: int

    @classmethod
    def parse(cls, text: str) -> "Rate":
        limit, _, period = text.partition("/")
        unit = period[-1:]
        if unit not in UNIT_SECONDS:
            raise ValueError(f"rate {text!r}: the period must end in s, m, h or d")
        return cls(int(limit), int(period[:-1] or 1) * UNIT_SECONDS[unit])

    def seconds_left(self) -> int:
        """Until the current window ends and its count starts again."""
        return self.seconds - int(time.time()) % self.seconds


def hit(key: str, rate: Rate) -> bool:
    """Count one hit against `key`; True once the window holds more than the
    rate allows (that hit refused, and counted too)."""
    now = int(time.time())
    bucket = now // rate.seconds
    count = counters.add(
        WindowCounter,
        {"key": key, "bucket": bucket},
        {"hits": 1},
        created={"expires": (bucket + 1) * rate.seconds},
        returning="hits",
    )
    if count == 1:
        # A new window: its first hit clears every window that has ended.
        WindowCounter.objects.filter(expires__lte=now).delete()
    return count > rate.limit
