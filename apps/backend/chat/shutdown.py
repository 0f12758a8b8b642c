"""Whether this process was told to stop (config/workers.py). From then on
readiness answers 503, so that the pod leaves the Service's endpoints while it
still serves the requests that reach it."""

import threading

_begun = threading.Event()


def begin() -> None:
    _begun.set()


def begun() -> bool:
    return _begun.is_set()
