"""Fixed-window counters in the database, shared by every replica.

Each pod used to count rate limits in its own memory, so N replicas allowed N
times the limit. A counter here is one row per key and window, incremented by
one upsert statement (INSERT ... ON CONFLICT DO UPDATE): atomic on PostgreSQL
and SQLite alike, so concurrent requests on any pod never lose a count.
"""

import time
from dataclasses import dataclass

from django.db import connection, models, transaction

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
    table, key_, bucket_, hits = map(
        connection.ops.quote_name,
        (WindowCounter._meta.db_table, "key", "bucket", "hits"),
    )
    # Identifiers from the model, quoted; values as parameters.
    with transaction.atomic(), connection.cursor() as cursor:
        # Not RETURNING: RHEL 9's SQLite (3.34) predates it. Inside the
        # transaction the row stays locked by this update until the SELECT.
        cursor.execute(
            f"INSERT INTO {table} ({key_}, {bucket_}, {hits}, expires)"  # noqa: S608
            " VALUES (%s, %s, 1, %s)"
            f" ON CONFLICT ({key_}, {bucket_})"
            f" DO UPDATE SET {hits} = {table}.{hits} + 1",
            [key, bucket, (bucket + 1) * rate.seconds],
        )
        cursor.execute(
            f"SELECT {hits} FROM {table} WHERE {key_} = %s AND {bucket_} = %s",  # noqa: S608
            [key, bucket],
        )
        (count,) = cursor.fetchone()
        if count == 1:
            # A new window: its first hit clears every window that has ended.
            WindowCounter.objects.filter(expires__lte=now).delete()
    return count > rate.limit
