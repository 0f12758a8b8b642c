"""After SIGTERM the backend says it is not ready while it still serves, so
that the Service stops sending it requests before its port closes."""

import signal

import httpx

from tests.servers import Backend


def test_readiness_fails_after_sigterm_while_requests_are_still_served(
    upstream, tmp_path
):
    upstream.reset()
    with Backend(
        tmp_path,
        LLM_API_BASE=upstream.base_url,
        LLM_MODEL=upstream.model,
        SHUTDOWN_DELAY="5",
        GRACEFUL_TIMEOUT="15",
    ) as backend:
        assert httpx.get(f"{backend.url}/health/ready").status_code == 200

        backend.process.send_signal(signal.SIGTERM)
        while (ready := httpx.get(f"{backend.url}/health/ready")).status_code == 200:
            pass
        chat = httpx.post(f"{backend.url}/chat", json={"message": "Hi"}, timeout=30)
        alive = httpx.get(f"{backend.url}/health")

        assert ready.status_code == 503
        assert ready.json() == {"status": "shutting down"}
        assert chat.status_code == 200
        assert alive.status_code == 200
        assert backend.process.wait(30) == 0


def test_without_a_delay_the_port_closes_at_once(upstream, tmp_path):
    with Backend(tmp_path, LLM_API_BASE=upstream.base_url) as backend:
        assert backend.stop() == 0
