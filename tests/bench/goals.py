"""The issue's goals, checked against figures from the same run. Medians of
the repeated runs are compared; the report shows min and max next to them."""

from pathlib import Path

import yaml

from tests.servers import REPO

RESOURCES = REPO / "gitops" / "backend" / "base" / "patch-resources.yaml"
TARGET_MIB = 256  # the seed's memory request, the target


def _mib(quantity: str) -> float:
    units = {"Ki": 1 / 1024, "Mi": 1, "Gi": 1024}
    for suffix, factor in units.items():
        if quantity.endswith(suffix):
            return float(quantity.removesuffix(suffix)) * factor
    return float(quantity) / 1024 / 1024


def pod_memory(path: Path = RESOURCES) -> dict:
    """The backend container's memory request and limit in the manifests."""
    patch = yaml.safe_load(path.read_text())
    container = next(
        c
        for c in patch["spec"]["template"]["spec"]["containers"]
        if c["name"] == "backend"
    )
    resources = container["resources"]
    return {
        "file": str(path.relative_to(REPO)),
        "request_mib": _mib(resources["requests"]["memory"]),
        "limit_mib": _mib(resources["limits"]["memory"]),
    }


def _median(figure: dict | None) -> float | None:
    return None if figure is None else figure["median"]


def _ratio(a, b):
    return None if a is None or b in (None, 0) else round(a / b, 2)


def evaluate(results: dict) -> list[dict]:
    backend, proxy, base = results["backend"], results["proxy"], results["baselines"]
    cold = results["cold_start"]
    pod = results["pod_memory"]
    rows = []

    def goal(name, measured, target, met):
        rows.append({"goal": name, "measured": measured, "target": target, "met": met})

    rps = _median(backend["requests"]["32"]["per_second"])
    proxy_rps = _median(proxy["requests"]["32"]["per_second"])
    ratio = _ratio(rps, proxy_rps)
    goal(
        "requests/s at 32 clients, backend / proxy",
        f"{ratio}x ({rps} vs {proxy_rps} req/s)",
        ">= 5x",
        ratio is not None and ratio >= 5,
    )
    p50 = _median(backend["requests"]["32"]["p50_ms"])
    sdk_p50 = _median(base["hosted_vllm/fake-model request 32"]["p50_ms"])
    added = None if p50 is None else round(p50 - sdk_p50, 2)
    goal(
        "p50 added latency over the bare SDK at 32 clients",
        f"{added} ms ({p50} vs {sdk_p50} ms)",
        "< 3 ms",
        added is not None and added < 3,
    )
    level = str(results["cpu_level"])
    chunk = _median(backend["streams"][level].get("cpu_ms_per_chunk"))
    proxy_chunk = _median(proxy["streams"][level].get("cpu_ms_per_chunk"))
    raw_chunk = _median(base[f"direct stream {level}"].get("cpu_ms_per_chunk"))
    ratio = _ratio(chunk, proxy_chunk)
    goal(
        f"CPU per streamed chunk ({level} streams), backend / proxy",
        f"{ratio}x ({chunk} vs {proxy_chunk} ms)",
        "<= 0.5x",
        ratio is not None and ratio <= 0.5,
    )
    ratio = _ratio(chunk, raw_chunk)
    goal(
        f"CPU per streamed chunk ({level} streams), backend / raw HTTP parsing",
        f"{ratio}x ({chunk} vs {raw_chunk} ms)",
        "<= 3x",
        ratio is not None and ratio <= 3,
    )
    streams = backend["streams"]["100"]
    ttfb = _median(streams.get("ttfb_p95_ms"))
    goal(
        "100 streams on one core: time to first byte p95",
        f"{ttfb} ms (max of runs {(streams.get('ttfb_p95_ms') or {}).get('max')})",
        "< 250 ms",
        ttfb is not None and ttfb < 250,
    )
    goal(
        "100 streams on one core: errors",
        str(streams["errors_total"]),
        "0",
        streams["errors_total"] == 0,
    )
    peak = streams["pss_peak_mib"]["max"]
    goal(
        "100 streams on one core: PSS peak within the pod limit",
        f"{peak} MiB (limit {pod['limit_mib']:.0f} MiB, target {TARGET_MIB} MiB)",
        f"<= {TARGET_MIB} MiB",
        peak <= TARGET_MIB,
    )
    ready = _median(cold["backend"]["health_s"])
    proxy_ready = _median(cold["proxy"]["health_s"])
    ratio = _ratio(ready, proxy_ready)
    goal(
        "ready (start to /health 200), backend / proxy",
        f"{ratio}x ({ready} vs {proxy_ready} s)",
        "< 0.5x",
        ratio is not None and ratio < 0.5,
    )
    attempts = (
        cold["backend"]["audit_hook_attempts"]
        + cold["backend"]["strace_remote_connects"]
    )
    goal(
        "no network attempt during the backend's start-up",
        "none" if not attempts else "; ".join(attempts[:5]),
        "none",
        not attempts,
    )
    return rows
