"""Load on one backend as the cluster serves it (gunicorn, one uvicorn
worker): 200 concurrent streams, then 1,000 mixed requests. No errors, every
conversation stored once, memory within the pod's limit."""

import asyncio
import sqlite3
import threading
import time
import uuid

import httpx
import yaml

from tests.reliability.conftest import browser, parse_events
from tests.servers import REPO, pss_bytes

STREAMS = 200
MIXED = 1000
MIXED_CONCURRENCY = 50
HEALTHY = "Hello from the fake model."
MiB = 2**20
RESOURCES = REPO / "gitops" / "backend" / "base" / "patch-resources.yaml"


def memory_limit() -> int:
    """The backend container's memory limit in the cluster, in bytes."""
    pod = yaml.safe_load(RESOURCES.read_text())["spec"]["template"]["spec"]
    (backend,) = (c for c in pod["containers"] if c["name"] == "backend")
    quantity = backend["resources"]["limits"]["memory"]
    units = {"Ki": 2**10, "Mi": 2**20, "Gi": 2**30}
    return int(quantity[:-2]) * units[quantity[-2:]]


class MemorySampler(threading.Thread):
    """The peak PSS of a process tree, sampled until stopped."""

    def __init__(self, pid: int) -> None:
        super().__init__(daemon=True)
        self.pid, self.peak, self.done = pid, 0, threading.Event()

    def run(self) -> None:
        while not self.done.wait(0.2):
            self.peak = max(self.peak, pss_bytes(self.pid))

    def stop(self) -> int:
        self.done.set()
        self.join()
        return max(self.peak, pss_bytes(self.pid))


class Load:
    def __init__(self, client: httpx.AsyncClient) -> None:
        self.client = client
        self.created: list[str] = []
        self.errors: list[str] = []
        self.open_streams = self.peak_open_streams = 0

    def check(self, what: str, condition: bool, detail: object) -> None:
        if not condition:
            self.errors.append(f"{what}: {detail!r}"[:300])

    async def chat(self, message: str) -> None:
        response = await self.client.post("/chat", json={"message": message})
        body = response.json()
        self.check("chat", body.get("response") == HEALTHY, (response, body))
        self.created.append(body.get("conversation_id"))

    async def stream(self, message: str) -> None:
        async with self.client.stream(
            "POST", "/chat/stream", json={"message": message}
        ) as response:
            self.open_streams += 1
            self.peak_open_streams = max(self.peak_open_streams, self.open_streams)
            payload = (await response.aread()).decode()
            self.open_streams -= 1
        events = parse_events(payload)
        text = "".join(data["text"] for name, data in events if name == "delta")
        self.check("stream", events[-1][0] == "done" and text == HEALTHY, payload)
        self.created.append(events[0][1]["conversation_id"])

    async def history(self, conversation_id: str) -> None:
        response = await self.client.get(f"/chat/conversations/{conversation_id}")
        statuses = [m["status"] for m in response.json().get("messages", [])]
        self.check("history", statuses == ["complete"] * 2, response.text)

    async def probe(self, path: str) -> None:
        response = await self.client.get(path)
        self.check(path, response.status_code == 200, response.text)

    async def guarded(self, call) -> None:
        try:
            await call
        except (httpx.HTTPError, ValueError, IndexError, KeyError) as exc:
            self.errors.append(f"{call.__qualname__}: {exc!r}"[:300])


def mixed_requests(load: Load, streamed: list[str]):
    for i in range(MIXED):
        kind = i % 10
        if kind < 4:
            yield load.chat(f"Mixed chat {i}")
        elif kind < 7:
            yield load.stream(f"Mixed stream {i}")
        elif kind < 9:
            yield load.history(streamed[i % len(streamed)])
        else:
            yield load.probe("/health" if i % 20 == 9 else "/health/ready")


def stored_conversations(database) -> dict[str, list[tuple[str, str, str]]]:
    with sqlite3.connect(database) as db:
        rows = db.execute(
            "SELECT conversation_id, role, status, content FROM chat_message"
            " ORDER BY id"
        ).fetchall()
    stored: dict[str, list] = {}
    for conversation_id, role, status, content in rows:
        stored.setdefault(conversation_id, []).append((role, status, content))
    return stored


async def test_200_concurrent_streams_and_1000_mixed_requests(start_backend, report):
    backend = start_backend("load", LLM_TIMEOUT="30")
    # Idle connections are dropped before the server's 5 s keep-alive timeout
    # (gunicorn.conf.py), or a request may race the server closing them.
    limits = httpx.Limits(max_connections=STREAMS + 10, keepalive_expiry=1)
    async with httpx.AsyncClient(
        base_url=backend.url, timeout=60, limits=limits, **browser(backend.url)
    ) as client:
        load = Load(client)
        await load.chat("Warm up")
        baseline = pss_bytes(backend.process.pid)
        sampler = MemorySampler(backend.process.pid)
        sampler.start()

        started = time.monotonic()
        await asyncio.gather(
            *(
                load.guarded(load.stream(f"[fake tokens_per_second=2] Stream {i}"))
                for i in range(STREAMS)
            )
        )
        streams_took = time.monotonic() - started
        assert load.errors == []
        streamed = load.created[1:]

        started = time.monotonic()
        gate = asyncio.Semaphore(MIXED_CONCURRENCY)

        async def gated(call):
            async with gate:
                await load.guarded(call)

        await asyncio.gather(*(gated(c) for c in mixed_requests(load, streamed)))
        mixed_took = time.monotonic() - started
        peak = sampler.stop()
    await asyncio.sleep(2)
    after = pss_bytes(backend.process.pid)

    stored = stored_conversations(backend.database)
    created = [uuid.UUID(c).hex for c in load.created]
    assert load.errors == []
    assert load.peak_open_streams >= STREAMS * 0.9
    assert len(set(created)) == len(created) == 1 + STREAMS + 700
    assert sorted(stored) == sorted(created)
    assert {
        tuple((role, status) for role, status, _ in messages)
        for messages in stored.values()
    } == {(("user", "complete"), ("assistant", "complete"))}
    assert peak < memory_limit()
    report(
        f"load: {STREAMS} concurrent streams (peak {load.peak_open_streams} open)"
        f" in {streams_took:.1f} s, then {MIXED} mixed requests"
        f" ({MIXED_CONCURRENCY} at a time) in {mixed_took:.1f} s:"
        f" {len(load.errors)} errors, {len(stored)} conversations stored once each"
    )
    report(
        f"load memory (PSS of gunicorn and its worker): {baseline / MiB:.0f} MiB"
        f" before, peak {peak / MiB:.0f} MiB, {after / MiB:.0f} MiB 2 s after"
        f" (limit {memory_limit() / MiB:.0f} MiB)"
    )
