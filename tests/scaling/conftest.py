"""Fixtures of the scaling suite: PostgreSQL from DATABASE_URL, Debian's
nginx, static files collected once, and the environment of every pod."""

import os
import shutil

import pytest

from tests.servers import default_template

SECRET_KEY = "scaling-suite-secret-key-never-used-in-a-deployment"


def pytest_collection_modifyitems(config, items):
    """Without PostgreSQL or nginx: fail in CI, skip elsewhere."""
    missing = []
    if not os.environ.get("DATABASE_URL", "").startswith(
        ("postgres://", "postgresql://")
    ):
        missing.append("DATABASE_URL=postgres://... (a role that may CREATE DATABASE)")
    if not (shutil.which("nginx") or os.path.exists("/usr/sbin/nginx")):
        missing.append("nginx (Debian: apt-get install nginx-light)")
    if not missing:
        return
    reason = f"the scaling suite needs {' and '.join(missing)}"
    if os.environ.get("CI") == "true":
        raise pytest.UsageError(reason)
    for item in items:
        item.add_marker(pytest.mark.skip(reason=reason))


@pytest.fixture(scope="session")
def static_root():
    """The admin's static files, collected once for every pod (the backends'
    template of tests/servers.py)."""
    return default_template() / "static"


@pytest.fixture(scope="session")
def pod_env(upstream, static_root):
    """The environment of every pod, without its database."""
    return {
        "DJANGO_STATIC_ROOT": str(static_root),
        "DJANGO_SECRET_KEY": SECRET_KEY,
        "DJANGO_SUPERUSER_USERNAME": "admin",
        "DJANGO_SUPERUSER_PASSWORD": "scaling-admin-password-only-for-tests",
        "LLM_API_BASE": upstream.base_url,
        "LLM_MODEL": upstream.model,
        "LLM_TIMEOUT": "60",
    }
