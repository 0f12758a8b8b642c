"""GET /chat/conversations/<id>: the history a reloaded page shows."""

import json

import pytest

pytestmark = pytest.mark.django_db(transaction=True)


async def test_history_lists_every_message_with_its_status(async_client, fake_llm):
    first = await async_client.post(
        "/chat", json.dumps({"message": "Hi"}), content_type="application/json"
    )
    conversation_id = first.json()["conversation_id"]
    fake_llm.reset(fault="http_500")
    await async_client.post(
        "/chat",
        json.dumps({"message": "Again", "conversation_id": conversation_id}),
        content_type="application/json",
    )

    response = await async_client.get(f"/chat/conversations/{conversation_id}")

    assert response.status_code == 200
    body = response.json()
    assert body["conversation_id"] == conversation_id
    assert [
        (m["role"], m["content"], m["status"], m["error"]) for m in body["messages"]
    ] == [
        ("user", "Hi", "complete", ""),
        ("assistant", "Hello from the fake model.", "complete", ""),
        ("user", "Again", "complete", ""),
        ("assistant", "", "failed", "The LLM endpoint failed (HTTP 500)."),
    ]


@pytest.mark.parametrize(
    "conversation_id", ["nope", "1c8a3a2e-0d1b-4c1e-9a47-1e2f3a4b5c6d"]
)
async def test_unknown_conversation_is_404(async_client, conversation_id):
    response = await async_client.get(f"/chat/conversations/{conversation_id}")

    assert response.status_code == 404
    assert response.json() == {"error": "Unknown conversation_id."}
