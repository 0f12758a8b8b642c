"""Capacity: the most concurrent streams one core sustains, that is the
largest stream count whose run has no error, a first token p95 under 500 ms
and an inter-token gap p95 under 100 ms. Found by doubling from a first count
until a run fails, then bisecting until the interval between the largest count
that held and the smallest that failed is within the resolution. One run per
probe: a count near the edge can fall either way on a busy machine."""

from collections.abc import Awaitable, Callable

FIRST_TOKEN_P95_MS = 500
GAP_P95_MS = 100
# No search goes past this many streams: the load core would give out first.
LIMIT = 800


def sustained(figures: dict) -> bool:
    ttft, gap = figures.get("ttft_p95_ms"), figures.get("gap_p95_ms")
    return (
        figures["errors"] == 0
        and ttft is not None
        and gap is not None
        and ttft < FIRST_TOKEN_P95_MS
        and gap < GAP_P95_MS
    )


async def search(
    probe: Callable[[int], Awaitable[dict]],
    *,
    start: int = 50,
    resolution: float = 0.05,
) -> dict:
    """``probe(n)`` runs n streams and returns their figures
    (tests/bench/stats.py). ``resolution``: the search stops once the counts
    that held and failed are within this share of the one that held."""
    probes = []

    async def holds(streams: int) -> bool:
        figures = await probe(streams)
        held = sustained(figures)
        probes.append(
            {
                "streams": streams,
                "held": held,
                **{
                    key: figures.get(key)
                    for key in (
                        "ttft_p95_ms",
                        "gap_p95_ms",
                        "errors",
                        "cpu_ms_per_chunk",
                    )
                },
            }
        )
        return held

    held, failed = 0, None
    streams = start
    while failed is None and held < LIMIT:
        if await holds(streams):
            held, streams = streams, min(LIMIT, streams * 2)
        else:
            failed = streams
    while failed is not None and failed - held > max(1, held * resolution):
        streams = (held + failed) // 2
        if await holds(streams):
            held = streams
        else:
            failed = streams
    return {"streams": held, "failed_at": failed, "probes": probes}
