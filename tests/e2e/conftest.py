from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
DIST = REPO / "apps" / "frontend" / "dist"


@pytest.fixture(scope="session")
def frontend_dist() -> Path:
    """The production bundle; tox builds it before the tests run."""
    if not (DIST / "index.html").is_file():
        pytest.fail(f"no bundle in {DIST}: run `npm --prefix apps/frontend run build`")
    return DIST
