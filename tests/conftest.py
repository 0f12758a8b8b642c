import pytest

from tests.fake_openai import FakeOpenAI


@pytest.fixture(scope="session")
def upstream():
    """The OpenAI-compatible test server on 127.0.0.1, one per test session,
    strict about alternating roles as vLLM is with many models' templates."""
    server = FakeOpenAI(strict=True).start()
    yield server
    server.stop()
