import os

import pytest

from django.core.cache import cache

API_KEY = "sk-test-key-that-must-never-leak-4242"


def pytest_collection_modifyitems(config, items):
    """backend-postgres without a PostgreSQL URL: fail in CI, skip elsewhere."""
    url = os.environ.get("DATABASE_URL", "")
    if not os.environ.get("REQUIRE_POSTGRES") or url.startswith(
        ("postgres://", "postgresql://")
    ):
        return
    reason = "backend-postgres needs DATABASE_URL=postgres://... (see README)"
    if os.environ.get("CI") == "true":
        raise pytest.UsageError(reason)
    for item in items:
        item.add_marker(pytest.mark.skip(reason=reason))


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
