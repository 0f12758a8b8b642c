"""Percentiles of one run, and min/median/max over repeated runs."""

import statistics


def percentile(values: list[float], share: float) -> float | None:
    """Nearest-rank percentile; None for no values."""
    if not values:
        return None
    ordered = sorted(values)
    rank = max(0, min(len(ordered) - 1, round(share * len(ordered) + 0.5) - 1))
    return ordered[rank]


def _ms(value: float | None) -> float | None:
    return None if value is None else round(value * 1000, 3)


def summary(result: dict, *, cpu_seconds: float | None, stream: bool) -> dict:
    """The figures of one closed-loop run (tests/bench/load.py)."""
    samples = result["samples"]
    good = [s for s in samples if s.ok]
    errors = [s.error for s in samples if not s.ok]
    figures = {
        "requests": len(samples),
        "errors": len(errors),
        "first_errors": sorted(set(errors))[:3],
        "seconds": round(result["elapsed"], 3),
        "per_second": round(len(good) / result["elapsed"], 2),
        "p50_ms": _ms(percentile([s.total for s in good], 0.50)),
        "p99_ms": _ms(percentile([s.total for s in good], 0.99)),
        "cpu_seconds": None if cpu_seconds is None else round(cpu_seconds, 3),
    }
    if cpu_seconds is not None and good:
        figures["cpu_ms_per_request"] = round(cpu_seconds * 1000 / len(samples), 3)
    if stream:
        first_bytes = [s.first_byte for s in good if s.first_byte is not None]
        first_tokens = [s.first_token for s in good if s.first_token is not None]
        gaps = [
            later - earlier
            for s in good
            for earlier, later in zip(s.token_times, s.token_times[1:], strict=False)
        ]
        chunks = sum(len(s.token_times) for s in samples)
        figures.update(
            chunks=chunks,
            ttfb_p50_ms=_ms(percentile(first_bytes, 0.50)),
            ttfb_p95_ms=_ms(percentile(first_bytes, 0.95)),
            ttft_p50_ms=_ms(percentile(first_tokens, 0.50)),
            ttft_p95_ms=_ms(percentile(first_tokens, 0.95)),
            gap_p50_ms=_ms(percentile(gaps, 0.50)),
            gap_p95_ms=_ms(percentile(gaps, 0.95)),
        )
        if cpu_seconds is not None and chunks:
            figures["cpu_ms_per_chunk"] = round(cpu_seconds * 1000 / chunks, 4)
    return figures


def spread(values: list[float | None]) -> dict | None:
    """min/median/max of the repeated runs' values of one figure, and the
    values in the order of the runs (None where a run had none)."""
    present = [v for v in values if v is not None]
    if not present:
        return None
    return {
        "min": min(present),
        "median": round(statistics.median(present), 4),
        "max": max(present),
        "runs": len(present),
        "values": values,
    }


def spreads(runs: list[dict]) -> dict:
    """Every numeric figure of repeated runs as min/median/max."""
    keys = sorted(
        {k for run in runs for k, v in run.items() if isinstance(v, int | float)}
    )
    combined = {key: spread([run.get(key) for run in runs]) for key in keys}
    combined["errors_total"] = sum(run["errors"] for run in runs)
    combined["first_errors"] = sorted({e for run in runs for e in run["first_errors"]})[
        :3
    ]
    return combined
