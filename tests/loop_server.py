"""An aiohttp application on 127.0.0.1, served by its own event loop in a
thread, so that synchronous and asynchronous tests alike can start, use and
stop it: the base of the test servers (tests/fake_openai.py,
tests/e2e/fake_oauth_proxy.py)."""

import asyncio
import threading

from aiohttp import web


class LoopServer:
    """``server = Subclass().start()``, or ``with Subclass() as server``;
    ``server.port``; ``server.stop()``. Subclasses add their routes in
    ``routes``; ``port`` 0 is any free port."""

    # Passed to aiohttp's AppRunner.
    runner_options: dict = {}

    def __init__(self, port: int = 0) -> None:
        self.port = port
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, daemon=True)

    def routes(self, app: web.Application) -> None:
        raise NotImplementedError

    def start(self):
        self._thread.start()
        asyncio.run_coroutine_threadsafe(self._serve(), self._loop).result(10)
        return self

    def stop(self) -> None:
        asyncio.run_coroutine_threadsafe(self._shutdown(), self._loop).result(10)
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(10)

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc_info) -> None:
        self.stop()

    async def _serve(self) -> None:
        app = web.Application()
        self.routes(app)
        self._runner = web.AppRunner(
            app, handle_signals=False, access_log=None, **self.runner_options
        )
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", self.port)
        await site.start()
        self.port = site._server.sockets[0].getsockname()[1]

    async def _shutdown(self) -> None:
        await self._runner.cleanup()
