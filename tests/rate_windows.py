"""Rate limits count in fixed windows aligned on Unix time
(chat/window_counters.py): requests that straddle two windows count apart,
and a test that expects the limit to hold fails at a minute's turn."""

import time


def within_one_window(seconds_needed: float) -> None:
    """Wait, if need be, for the next minute, so that `seconds_needed` of
    requests fall in one per-minute window."""
    left = 60 - time.time() % 60
    if left < seconds_needed:
        time.sleep(left + 0.1)
