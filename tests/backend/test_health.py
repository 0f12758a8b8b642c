"""GET /health (liveness) and GET /health/ready (readiness)."""

import re

import pytest

pytestmark = pytest.mark.django_db(transaction=True)


async def test_health_reports_model_and_configuration_without_calling_the_llm(
    async_client, fake_llm, settings
):
    settings.BUILD_INFO = {}

    response = await async_client.get("/health")

    assert response.status_code == 200
    assert response.json() == {
        "status": "ok",
        "model": "hosted_vllm/fake-model",
        "llm_configured": True,
        "demo": False,
        "build": None,
    }
    assert fake_llm.record.requests == []


async def test_health_shows_demo_mode_and_build_provenance(async_client, settings):
    settings.LLM_DEMO = True
    settings.LLM_API_BASE = ""
    settings.LLM_MODEL = "openai/some-model"
    settings.BUILD_INFO = {"name": "backend-7", "commit": "abc123"}

    body = (await async_client.get("/health")).json()

    assert body["demo"] is True
    assert body["llm_configured"] is False
    assert body["model"] == "openai/some-model"
    assert body["build"] == {"name": "backend-7", "commit": "abc123"}


async def test_ready_checks_the_database(async_client):
    response = await async_client.get("/health/ready")

    assert response.status_code == 200
    assert response.json() == {"status": "ok", "database": "ok"}


async def test_health_rejects_post_with_405(async_client):
    response = await async_client.post("/health")

    assert response.status_code == 405
    assert response.json() == {"error": "Method POST is not allowed."}


async def test_every_response_carries_a_request_id(async_client):
    response = await async_client.get("/health", headers={"X-Request-ID": "abc-123"})
    generated = await async_client.get("/health", headers={"X-Request-ID": "<bad id>"})

    assert response["X-Request-ID"] == "abc-123"
    assert len(generated["X-Request-ID"]) == 32


async def test_a_request_without_an_id_gets_a_new_one_each_time(async_client):
    first = await async_client.get("/health")
    second = await async_client.get("/health")

    ids = [first["X-Request-ID"], second["X-Request-ID"]]
    assert all(re.fullmatch(r"[0-9a-f]{32}", id_) for id_ in ids)
    assert ids[0] != ids[1]


async def test_unknown_path_is_a_json_404(async_client):
    response = await async_client.get("/no-such-page")

    assert response.status_code == 404
    assert response.json() == {"error": "Not found."}
