import os

import pytest

from django.core.cache import cache

API_KEY = "sk-test-key-that-must-never-leak-4242"


def pytest_configure(config):
    if os.environ.get("REQUIRE_POSTGRES"):
        url = os.environ.get("DATABASE_URL", "")
        if not url.startswith(("postgres://", "postgresql://")):
            raise pytest.UsageError(
                "backend-postgres needs DATABASE_URL=postgres://... (see README)"
            )


@pytest.fixture(autouse=True)
def plain_static_storage(settings):
    """The manifest storage needs `collectstatic` first; pages only need URLs."""
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {
            "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
        },
    }


@pytest.fixture(autouse=True)
def fresh_rate_limits():
    """Rate-limit counters live in the cache; start each test from zero."""
    cache.clear()


@pytest.fixture
def fake_llm(upstream, settings):
    """The fake OpenAI-compatible server, reset, with the app pointed at it."""
    upstream.reset()
    settings.LLM_API_BASE = upstream.base_url
    settings.LLM_API_KEY = API_KEY
    settings.LLM_MODEL = upstream.model
    settings.LLM_TIMEOUT = 2.0
    return upstream
