"""Two users signed in through the proxy, chatting at once on one served
backend: neither ever sees the other's conversations, in the list or by id."""

import asyncio
import secrets

import httpx

from tests.reliability.conftest import browser, parse_events

TURNS = 20
PROXY_SECRET = secrets.token_urlsafe(32)
USERS = ("alice", "bob")


async def turn(client: httpx.AsyncClient, user: str, i: int) -> str:
    """One turn, by /chat or /chat/stream in turn; its conversation id."""
    message = f"[fake tokens_per_second=50] {user} turn {i}"
    if i % 2:
        response = await client.post("/chat", json={"message": message})
        assert response.status_code == 200, response.text
        return response.json()["conversation_id"]
    async with client.stream("POST", "/chat/stream", json={"message": message}) as r:
        assert r.status_code == 200
        events = parse_events((await r.aread()).decode())
    assert events[-1][0] == "done", events
    return events[0][1]["conversation_id"]


async def listed(client: httpx.AsyncClient) -> set[str]:
    response = await client.get("/chat/conversations")
    return {c["id"] for c in response.json()["conversations"]}


async def test_two_users_under_load_never_see_each_others_conversations(
    start_backend, report
):
    backend = start_backend(
        "users", CHAT_PROXY_SECRET=PROXY_SECRET, CHAT_REQUIRE_USER="true"
    )
    clients = {
        user: httpx.AsyncClient(
            base_url=backend.url,
            timeout=60,
            **browser(
                backend.url,
                **{"X-Chat-User": user, "X-Chat-Proxy-Secret": PROXY_SECRET},
            ),
        )
        for user in USERS
    }
    try:
        # Every turn of both users at once, each listing while the others run.
        created = await asyncio.gather(
            *(turn(clients[user], user, i) for i in range(TURNS) for user in USERS),
            *(listed(clients[user]) for _ in range(TURNS) for user in USERS),
        )
        own = {user: set(created[USERS.index(user) : TURNS * 2 : 2]) for user in USERS}
        for user, other in (USERS, USERS[::-1]):
            assert len(own[user]) == TURNS
            assert await listed(clients[user]) == own[user]
            for mid_run in created[TURNS * 2 + USERS.index(user) :: 2]:
                assert mid_run <= own[user]
            details = await asyncio.gather(
                *(clients[user].get(f"/chat/conversations/{c}") for c in own[other])
            )
            assert {d.status_code for d in details} == {404}
            mine = await asyncio.gather(
                *(clients[user].get(f"/chat/conversations/{c}") for c in own[user])
            )
            assert {m.status_code for m in mine} == {200}
            assert all(user in m.json()["messages"][0]["content"] for m in mine)
        async with httpx.AsyncClient(base_url=backend.url) as anonymous:
            refused = await anonymous.get("/chat/conversations")
        assert refused.status_code == 401
    finally:
        for client in clients.values():
            await client.aclose()
    assert PROXY_SECRET not in backend.log()
    report(f"users: {TURNS} concurrent turns each for {len(USERS)} users, kept apart")
