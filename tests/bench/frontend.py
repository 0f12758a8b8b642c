"""The frontend bundle's gzip size, built from the committed apps/frontend in a
scratch folder, so that the work tree is left alone."""

import gzip
import subprocess
import tempfile
from pathlib import Path

from tests.servers import REPO


def _gzip_size(paths: list[Path]) -> int:
    return len(gzip.compress(b"".join(path.read_bytes() for path in paths)))


def bundle_size() -> dict:
    """Bytes of the built JavaScript and CSS, raw and gzipped (level 9, as
    tests/e2e/test_bundle.py counts the JavaScript)."""
    with tempfile.TemporaryDirectory(prefix="bench-frontend-") as scratch:
        archive = subprocess.run(
            ["git", "archive", "HEAD", "apps/frontend"],
            cwd=REPO,
            capture_output=True,
            check=True,
        ).stdout
        subprocess.run(["tar", "-x", "-C", scratch], input=archive, check=True)
        app = Path(scratch) / "apps" / "frontend"
        for command in (
            ["ci", "--prefer-offline", "--no-audit", "--no-fund"],
            ["run", "build"],
        ):
            subprocess.run(
                ["npm", "--prefix", str(app), *command],
                check=True,
                capture_output=True,
            )
        assets = app / "dist" / "assets"
        scripts = sorted(assets.glob("*.js"))
        styles = sorted(assets.glob("*.css"))
        commit = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"],
            cwd=REPO,
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
        return {
            "commit": commit,
            "js_bytes": sum(p.stat().st_size for p in scripts),
            "js_gzip_bytes": _gzip_size(scripts),
            "css_bytes": sum(p.stat().st_size for p in styles),
            "css_gzip_bytes": _gzip_size(styles),
            "index_html_gzip_bytes": _gzip_size([app / "dist" / "index.html"]),
        }
