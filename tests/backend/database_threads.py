"""Work for each of the API's database threads (chat/database.py), which a
single `database.run` cannot aim at: any idle thread takes a call."""

import asyncio
import threading

from django.conf import settings

from chat import database


async def on_every_database_thread(function) -> list:
    """`function()` through `database.run` once on each of the DATABASE_THREADS
    threads (starting those not started yet); the results, a thread's each."""
    count = settings.DATABASE_THREADS
    # No call returns before all have started: each holds a thread of its own.
    barrier = threading.Barrier(count, timeout=30)

    def call():
        barrier.wait()
        return function()

    return await asyncio.gather(*(database.run(call) for _ in range(count)))
