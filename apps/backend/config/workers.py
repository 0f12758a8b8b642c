"""The gunicorn worker class (gunicorn.conf.py)."""

import asyncio
import gc
import logging
import os
import signal
import sys
import time

from gunicorn.arbiter import Arbiter
from uvicorn.server import Server
from uvicorn_worker import UvicornWorker

from django.urls import get_resolver

from chat import shutdown

logger = logging.getLogger(__name__)

# Time left, after open responses are disconnected, to store the partial
# replies and exit before gunicorn kills the worker.
CLEANUP_SECONDS = 2
# Seconds between SIGTERM and closing the listening socket, in which readiness
# answers 503 and requests are still served: long enough for the endpoints
# controller to take the pod out of the Service, so that no new request finds
# the port closed. 0 (the default) stops listening at once.
SHUTDOWN_DELAY = float(os.environ.get("SHUTDOWN_DELAY", "0"))


class DrainingServer(Server):
    """Uvicorn's server, serving on for `SHUTDOWN_DELAY` after SIGTERM with
    readiness false, then disconnecting the responses still open once
    `drain_seconds` of its shutdown have passed."""

    drain_seconds: float = 0
    _exit_at: float | None = None

    def handle_exit(self, sig, frame) -> None:
        shutdown.begin()
        if sig == signal.SIGTERM and SHUTDOWN_DELAY and self._exit_at is None:
            self._exit_at = time.monotonic() + SHUTDOWN_DELAY
        else:
            super().handle_exit(sig, frame)

    async def on_tick(self, counter: int) -> bool:
        if (
            self._exit_at is not None
            and time.monotonic() >= self._exit_at
            and not self.should_exit
        ):
            super().handle_exit(signal.SIGTERM, None)
        return await super().on_tick(counter)

    async def shutdown(self, sockets=None) -> None:
        loop = asyncio.get_running_loop()
        timer = loop.call_later(self.drain_seconds, self._disconnect_all)
        try:
            await super().shutdown(sockets)
        finally:
            timer.cancel()

    def _disconnect_all(self) -> None:
        for connection in list(self.server_state.connections):
            connection.transport.close()


def freeze_start_up_objects() -> int:
    """Load what the first request would load, then move every object alive
    out of the garbage collector's sight; returns how many.

    LiteLLM leaves some 370,000 objects behind at import, which every full
    collection would otherwise scan again, for nothing: they live as long as
    the process. Done in the worker, which imports the app after the fork.
    """
    # The URLconf, and with it the views, loads on the first request.
    get_resolver().url_patterns  # noqa: B018
    gc.collect()
    gc.freeze()
    return gc.get_freeze_count()


class GracefulUvicornWorker(UvicornWorker):
    """Uvicorn's worker, ending open streams before gunicorn's graceful
    timeout runs out, with the app's start-up objects frozen out of the
    garbage collector.

    On SIGTERM uvicorn waits for open responses without a limit, so gunicorn
    kills the worker when graceful_timeout ends and the replies still being
    streamed are never stored. uvicorn's own time limit cancels the requests'
    tasks, which Django does not pass on to the view. Closing the connections
    instead looks to Django like clients going away: each stream stores what
    arrived as a partial reply, as it does for a client that disconnects.
    """

    def load_wsgi(self) -> None:
        super().load_wsgi()
        logger.info(
            "Start-up objects frozen out of the garbage collector",
            extra={"frozen_objects": freeze_start_up_objects()},
        )

    async def _serve(self) -> None:
        self.config.app = self.wsgi
        server = DrainingServer(config=self.config)
        server.drain_seconds = max(
            self.cfg.graceful_timeout - SHUTDOWN_DELAY - CLEANUP_SECONDS, 1
        )
        self._install_sigquit_handler()
        await server.serve(sockets=self.sockets)
        if not server.started:
            sys.exit(Arbiter.WORKER_BOOT_ERROR)
