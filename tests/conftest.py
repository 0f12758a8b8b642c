import pytest

from tests.fake_openai import FakeOpenAI


@pytest.fixture(scope="session")
def upstream():
    """The OpenAI-compatible test server on 127.0.0.1, one per test session."""
    server = FakeOpenAI().start()
    yield server
    server.stop()
