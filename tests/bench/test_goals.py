"""A goal compares each round's figures, the backend's with the baseline's of
the same round, and takes the median of those ratios."""

from tests.bench import goals
from tests.bench.stats import spreads
from tests.bench.suites import REQUEST_LEVEL


def _requests(per_second: list[float]) -> dict:
    runs = [{"per_second": v, "errors": 0, "first_errors": []} for v in per_second]
    return {"requests": {str(REQUEST_LEVEL): spreads(runs)}}


def _over_the_sdk(backend: list[float], sdk: list[float]) -> dict:
    results = {
        "paths": {
            "sdk": _requests(sdk),
            "floor": {},
            "proxy": _requests(sdk),
            "backend": _requests(backend),
        },
        "databases": {"backend": "PostgreSQL"},
        "plan": {"histories": []},
        "cold_start": {
            "backend": {"audit_hook_attempts": [], "strace_remote_connects": []}
        },
    }
    (row,) = [
        row
        for row in goals.evaluate(results)
        if row["goal"].endswith("requests/s over the bare SDK's")
    ]
    return row["measured"]["PostgreSQL"]


def test_a_round_where_one_side_ran_fast_does_not_move_the_goal():
    # The SDK had the machine at twice the speed in round 2 only: the ratio
    # of the medians would be 60 / 160, half of every other round's.
    cell = _over_the_sdk(backend=[60, 60, 120], sdk=[80, 160, 160])

    assert cell == {
        "value": "0.75x (rounds 0.75, 0.38, 0.75; medians 60 vs 160 req/s)",
        "met": True,
    }


def test_a_path_without_the_figure_is_not_measured():
    cell = _over_the_sdk(backend=[], sdk=[80, 160, 160])

    assert cell == {"value": "not measured", "met": None}
