"""The production bundle stays small enough for a phone on a slow network."""

import gzip

BUDGET = 100 * 1024


def test_javascript_bundle_is_under_100_kb_gzip(frontend_dist):
    scripts = sorted((frontend_dist / "assets").glob("*.js"))
    assert scripts, "the bundle has no JavaScript"
    size = len(gzip.compress(b"".join(path.read_bytes() for path in scripts)))
    assert size < BUDGET, f"{size} bytes of gzipped JavaScript, budget {BUDGET}"


def test_index_html_has_no_inline_script(frontend_dist):
    """The Content-Security-Policy allows scripts from files only."""
    html = (frontend_dist / "index.html").read_text()
    assert html.count("<script") == 1
    assert '<script type="module" crossorigin src="/assets/' in html
