"""The capacity search finds the edge between stream counts that hold and
counts that fail, to its resolution, whichever figure fails."""

import asyncio

import pytest

from tests.bench import capacity


def _run(edge: int, failing: dict, **search) -> dict:
    """Search a path that holds up to ``edge`` streams, failing above with
    ``failing`` figures."""

    async def probe(streams: int) -> dict:
        held = {"errors": 0, "ttft_p95_ms": 120.0, "gap_p95_ms": 60.0}
        return held if streams <= edge else {**held, **failing}

    return asyncio.run(capacity.search(probe, **search))


@pytest.mark.parametrize(
    "failing",
    [{"ttft_p95_ms": 500.0}, {"gap_p95_ms": 100.0}, {"errors": 1}],
    ids=["first token", "gap", "errors"],
)
@pytest.mark.parametrize("edge", [3, 73, 190])
def test_search_brackets_the_edge(edge, failing):
    found = _run(edge, failing, start=50, resolution=0.05)
    assert found["streams"] <= edge < found["failed_at"]
    assert found["failed_at"] - found["streams"] <= max(1, 0.05 * found["streams"])
    assert [p["held"] for p in found["probes"]] == [
        p["streams"] <= edge for p in found["probes"]
    ]


def test_search_stops_at_its_limit():
    found = _run(10_000, {"errors": 1}, start=50)
    assert found == {**found, "streams": capacity.LIMIT, "failed_at": None}


def test_missing_figures_do_not_hold():
    assert not capacity.sustained({"errors": 0, "ttft_p95_ms": None, "gap_p95_ms": 1})
