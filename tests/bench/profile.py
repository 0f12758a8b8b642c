"""Where the time goes: py-spy's collapsed stacks summed up by function and by
package. Samples of threads that wait (the event loop in epoll, idle pool
threads, a thread blocked on a lock) are counted apart, and frames that every
stack shares (gunicorn, the event loop, thread start-up) are left out of the
inclusive list."""

import re
from collections import Counter
from pathlib import Path

WAITING = (
    "EpollSelector.select (",
    "Condition.wait (",
    "Event.wait (",
    "Semaphore.acquire (",
    "Thread._wait_for_tstate_lock (",
    "_worker (concurrent/futures/thread.py",
)
SCAFFOLD = (
    "gunicorn/",
    "uvicorn_worker/",
    "uvicorn/_compat.py",
    "<frozen runpy>",
    "asyncio/runners.py",
    "asyncio/base_events.py",
    "asyncio/events.py",
    "threading.py",
    "concurrent/futures/",
)
FRAME = re.compile(r"^(?P<function>.*) \((?P<file>[^:()]+)(?::\d+)?\)$")


def _package(path: str) -> str:
    """py-spy writes paths relative to sys.path: the first part names the
    package; a bare file name is a module of the standard library or a
    top-level one."""
    return path.split("/", 1)[0].removesuffix(".py")


def _name(frame: str) -> str:
    match = FRAME.match(frame)
    return f"{match['function']} ({match['file']})" if match else frame


def summarise(path: Path, top: int = 15) -> dict:
    """Shares of the samples: by leaf function (self), by function anywhere on
    the stack (inclusive) and by the package of the leaf."""
    own, inclusive, packages = Counter(), Counter(), Counter()
    busy = waiting = 0
    for line in path.read_text().splitlines():
        stack, _, count = line.rpartition(" ")
        if not stack:
            continue
        frames = stack.split(";")
        weight = int(count)
        if frames[-1].startswith(WAITING):
            waiting += weight
            continue
        busy += weight
        own[_name(frames[-1])] += weight
        for name in {_name(frame) for frame in frames}:
            if not any(part in name for part in SCAFFOLD):
                inclusive[name] += weight
        match = FRAME.match(frames[-1])
        packages[_package(match["file"] if match else frames[-1])] += weight

    def shares(counter: Counter) -> list:
        return [
            [name, round(n / max(1, busy), 3)] for name, n in counter.most_common(top)
        ]

    return {
        "samples": busy,
        "waiting_samples": waiting,
        "self": shares(own),
        "inclusive": shares(inclusive),
        "packages": shares(packages),
    }
