"""Clients that keep chatting through the stack while a test changes it, and
what became of each of their requests."""

import asyncio
import json
import threading
from dataclasses import dataclass, field

import httpx

CHAT = "Hi"
# Five tokens in a quarter of a second.
STREAM = "[fake tokens_per_second=20] Hello"


@dataclass(eq=False)
class Outcome:
    """One request: its status, its events, and how it ended. Compared by
    identity: two requests can end alike."""

    kind: str
    status: int | None = None
    events: list[str] = field(default_factory=list)
    conversation_id: str | None = None
    error: str = ""  # the transport error that ended it, if any
    left: bool = False  # the client went away when the load stopped

    @property
    def done(self) -> bool:
        return self.status == 200 and (self.kind == "chat" or "done" in self.events)


class Load:
    """``with Load(url, held=message) as load: ...; load.outcomes``

    `clients` clients send a chat and a short stream in turn, each on a new
    connection, as fast as they are answered. Two more each hold a stream with
    `held` as the message open, one after the other, until the server ends it
    or the load stops: then the client goes away, as a closed tab does."""

    def __init__(self, url: str, held: str, clients: int = 3) -> None:
        self.url = url
        self.held = held
        self.clients = clients
        self.outcomes: list[Outcome] = []
        self.in_flight: list[Outcome] = []  # streams that sent tokens
        self.holding: list[Outcome] = []  # held streams not ended yet
        self.unanswered: list[Outcome] = []  # sent, no status line back yet
        self.held_changed = asyncio.Condition()
        self.changed = threading.Condition()
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self.loop.run_forever, daemon=True)
        self.stopping = False

    async def _client(self) -> None:
        while not self.stopping:
            await self._chat()
            await self._stream("stream", STREAM)

    async def _holder(self) -> None:
        while not self.stopping:
            await self._stream("held", self.held)

    def _sent(self, outcome: Outcome) -> None:
        with self.changed:
            self.unanswered.append(outcome)

    def _answered(self, outcome: Outcome) -> None:
        with self.changed:
            if outcome in self.unanswered:
                self.unanswered.remove(outcome)
                self.changed.notify_all()

    def _record(self, outcome: Outcome) -> None:
        self._answered(outcome)
        with self.changed:
            if outcome in self.in_flight:
                self.in_flight.remove(outcome)
            self.outcomes.append(outcome)

    def _http(self) -> httpx.AsyncClient:
        """A client of its own for each request: no cookies (a script's
        requests, which need no CSRF token), and a new connection, as nginx
        closes idle keep-alive connections when it reloads or quits."""
        return httpx.AsyncClient(base_url=self.url, timeout=120)

    async def _chat(self) -> None:
        outcome = Outcome("chat")
        self._sent(outcome)
        try:
            async with self._http() as http:
                response = await http.post("/chat", json={"message": CHAT})
            outcome.status = response.status_code
            outcome.conversation_id = response.json().get("conversation_id")
        except (httpx.HTTPError, ValueError) as exc:
            outcome.error = type(exc).__name__
        self._record(outcome)

    async def _stream(self, kind: str, message: str) -> None:
        outcome = Outcome(kind)
        if kind == "held":
            self.holding.append(outcome)
        self._sent(outcome)
        try:
            async with (
                self._http() as http,
                http.stream(
                    "POST", "/chat/stream", json={"message": message}
                ) as response,
            ):
                outcome.status = response.status_code
                self._answered(outcome)
                async for line in response.aiter_lines():
                    if line.startswith("event: "):
                        outcome.events.append(line[7:])
                    elif line.startswith("data: ") and outcome.events == ["start"]:
                        data = json.loads(line[6:])
                        outcome.conversation_id = data["conversation_id"]
                    if outcome.events == ["start", "delta"] and (
                        outcome not in self.in_flight
                    ):
                        with self.changed:
                            self.in_flight.append(outcome)
                            self.changed.notify_all()
                        async with self.held_changed:
                            self.held_changed.notify_all()
        except httpx.HTTPError as exc:
            outcome.error = type(exc).__name__
        except asyncio.CancelledError:
            outcome.left = True
            raise
        finally:
            self._record(outcome)
            if kind == "held":
                self.holding.remove(outcome)
                async with self.held_changed:
                    self.held_changed.notify_all()

    async def _run(self) -> None:
        holders = [asyncio.ensure_future(self._holder()) for _ in range(2)]
        try:
            await asyncio.gather(*(self._client() for _ in range(self.clients)))
        finally:
            # Leave only streams that have begun, as a user closing the tab
            # does: one cancelled earlier may not have been stored at all.
            async with self.held_changed:
                await self.held_changed.wait_for(
                    lambda: all(o in self.in_flight for o in self.holding)
                )
            for holder in holders:
                holder.cancel()
            await asyncio.gather(*holders, return_exceptions=True)

    def wait_for_held_streams(self, count: int, timeout: float = 60) -> list[Outcome]:
        """Until `count` held streams have sent their first tokens; those."""

        def held():
            return [o for o in self.in_flight if o.kind == "held"]

        with self.changed:
            if not self.changed.wait_for(lambda: len(held()) >= count, timeout):
                raise TimeoutError(f"{len(held())} held streams open, not {count}")
            return held()

    def wait_for_answers_to_requests_sent(self, timeout: float = 60) -> None:
        """Until every request sent so far has its status line back or has
        ended: none of them is still on its way to a server."""
        with self.changed:
            sent = list(self.unanswered)
            if not self.changed.wait_for(
                lambda: not any(o in self.unanswered for o in sent), timeout
            ):
                raise TimeoutError("requests sent got no answer")

    def __enter__(self) -> "Load":
        self.thread.start()
        self.run = asyncio.run_coroutine_threadsafe(self._run(), self.loop)
        return self

    def stop(self) -> list[Outcome]:
        """Stop sending; wait for the answers in flight; the outcomes."""
        self.stopping = True
        self.run.result(120)
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(10)
        return self.outcomes

    def __exit__(self, *exc_info) -> None:
        if not self.stopping:
            self.stop()
