"""The built app as Django serves it in a local run (DJANGO_FRONTEND_DIR)."""

import pytest


@pytest.fixture
def frontend(settings, tmp_path):
    (tmp_path / "assets").mkdir()
    (tmp_path / "assets" / "index-Dq3x9Zk1.js").write_text("console.log(1)")
    (tmp_path / "index.html").write_text("<!doctype html><title>Chat</title>")
    # As config/settings.py sets them for DJANGO_FRONTEND_DIR.
    settings.SERVESTATIC_ROOT = str(tmp_path)
    settings.SERVESTATIC_INDEX_FILE = True
    settings.SERVESTATIC_IMMUTABLE_FILE_TEST = r"^/assets/"


def test_hashed_assets_are_cached_for_good(client, frontend):
    response = client.get("/assets/index-Dq3x9Zk1.js")

    assert response.status_code == 200
    assert response["Cache-Control"] == "max-age=315360000, public, immutable"


def test_the_page_is_revalidated_on_every_load(client, frontend):
    response = client.get("/")

    assert response.status_code == 200
    assert response["Cache-Control"] == "max-age=0, public"
