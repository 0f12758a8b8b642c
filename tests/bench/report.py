"""report.json as it was measured, and report.md for people to read."""

import json
from pathlib import Path


def _fig(figure: dict | None, digits: int = 1) -> str:
    """min / **median** / max of repeated runs."""
    if not figure:
        return "n/a"

    def fmt(value):
        return f"{value:.{digits}f}"

    return f"{fmt(figure['min'])} / **{fmt(figure['median'])}** / {fmt(figure['max'])}"


def _median(figure: dict | None):
    return None if not figure else figure["median"]


def _minus(a, b) -> str:
    return "n/a" if a is None or b is None else f"{a - b:+.2f}"


def _table(header: list[str], rows: list[list]) -> list[str]:
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(str(cell) for cell in row) + " |" for row in rows]
    return [*lines, ""]


def _latency(results: dict) -> list[str]:
    base = results["baselines"]
    rows = []
    for clients in results["plan"]["request_clients"]:
        direct = base[f"direct request {clients}"]
        sdk = base[f"hosted_vllm/fake-model request {clients}"]
        sdk_openai = base[f"openai/fake-model request {clients}"]
        servers = [
            ("direct HTTP to the upstream", direct),
            ("bare SDK, hosted_vllm/", sdk),
            ("bare SDK, openai/", sdk_openai),
            ("backend POST /chat", results["backend"]["requests"][str(clients)]),
            ("LiteLLM proxy", results["proxy"]["requests"][str(clients)]),
        ]
        if "backend_openai" in results:
            servers.insert(
                4,
                (
                    "backend POST /chat, openai/",
                    results["backend_openai"]["requests"].get(str(clients)),
                ),
            )
        for name, figures in servers:
            if not figures:
                continue
            p50, p99 = _median(figures["p50_ms"]), _median(figures["p99_ms"])
            rows.append(
                [
                    clients,
                    name,
                    _fig(figures["p50_ms"], 2),
                    _fig(figures["p99_ms"], 2),
                    _minus(p50, _median(direct["p50_ms"])),
                    _minus(p50, _median(sdk["p50_ms"])),
                    _minus(p99, _median(sdk["p99_ms"])),
                    _fig(figures["per_second"]),
                    _fig(figures.get("cpu_ms_per_request"), 2),
                    figures["errors_total"],
                ]
            )
    return _table(
        [
            "clients",
            "path",
            "p50 ms",
            "p99 ms",
            "p50 added over direct",
            "p50 added over SDK",
            "p99 added over SDK",
            "requests/s",
            "CPU ms per request",
            "errors",
        ],
        rows,
    )


def _streaming(results: dict) -> list[str]:
    base = results["baselines"]
    rows = []
    for level in results["plan"]["stream_clients"]:
        direct = base.get(f"direct stream {level}")
        entries = [("direct HTTP to the upstream", direct)]
        for model in ("hosted_vllm/fake-model", "openai/fake-model"):
            entries.append(
                (
                    f"bare SDK, {model.split('/')[0]}/",
                    base.get(f"{model} stream {level}"),
                )
            )
        entries += [
            ("backend /chat/stream", results["backend"]["streams"].get(str(level))),
            (
                "backend /chat/stream, openai/",
                results.get("backend_openai", {}).get("streams", {}).get(str(level)),
            ),
            ("LiteLLM proxy", results["proxy"]["streams"].get(str(level))),
        ]
        for name, figures in entries:
            if not figures:
                continue
            rows.append(
                [
                    level,
                    name,
                    _fig(figures.get("ttfb_p50_ms")),
                    _fig(figures.get("ttfb_p95_ms")),
                    _fig(figures.get("ttft_p95_ms")),
                    _minus(
                        _median(figures.get("gap_p50_ms")),
                        _median(direct["gap_p50_ms"]),
                    ),
                    _minus(
                        _median(figures.get("gap_p95_ms")),
                        _median(direct["gap_p95_ms"]),
                    ),
                    _fig(figures.get("cpu_ms_per_chunk"), 3),
                    figures["errors_total"],
                    _fig(figures.get("pss_peak_mib")),
                ]
            )
    return _table(
        [
            "streams",
            "path",
            "TTFB p50 ms",
            "TTFB p95 ms",
            "first token p95 ms",
            "added gap p50 ms",
            "added gap p95 ms",
            "CPU ms per chunk",
            "errors",
            "PSS peak MiB",
        ],
        rows,
    )


def _memory(results: dict) -> list[str]:
    pod = results["pod_memory"]
    rows = []
    for name in ("backend", "proxy"):
        server = results[name]
        row = [name, server["pss_idle_mib"], server["pss_after_first_stream_mib"]]
        row += [
            _fig(server["streams"][str(level)]["pss_peak_mib"])
            for level in results["plan"]["stream_clients"]
        ]
        rows.append(row)
    levels = [f"peak at {n} streams" for n in results["plan"]["stream_clients"]]
    return [
        f"Pod memory in `{pod['file']}`: request {pod['request_mib']:.0f} MiB, "
        f"limit {pod['limit_mib']:.0f} MiB. PSS of the whole process tree, MiB:",
        "",
        *_table(["server", "idle", "after first stream", *levels], rows),
    ]


def _cold_start(results: dict) -> list[str]:
    cold = results["cold_start"]
    rows = [
        [
            name,
            _fig(cold[name]["health_s"], 2),
            _fig(cold[name]["first_chat_s"], 2),
            ", ".join(cold[name]["audit_hook_attempts"]) or "none",
            ", ".join(cold[name]["strace_remote_connects"]) or "none",
        ]
        for name in ("backend", "proxy")
    ]
    imported = cold["import_litellm"]
    rows.append(
        [
            "`python -c 'import litellm'`",
            _fig(imported["seconds"], 2),
            "",
            ", ".join(imported["audit_hook_attempts"]) or "none",
            "",
        ]
    )
    return [
        "In a user and network namespace (`unshare -rn`) whose only interface is "
        f"`{', '.join(cold['interfaces_up'])}`; seconds from process start:",
        "",
        *_table(
            [
                "process",
                "to /health 200 s",
                "to first answered chat s",
                "audit hook: non-loopback attempts",
                "strace: non-loopback connect()",
            ],
            rows,
        ),
    ]


def _profiles(results: dict) -> list[str]:
    lines = []
    for name, found in results["backend"]["profiles"].items():
        lines += [
            f"**{name}**: {found['samples']} busy samples, "
            f"{found['waiting_samples']} of threads waiting (left out):",
            "",
            *_table(
                ["share", "function, anywhere on the stack"],
                [[f"{share:.0%}", f"`{fn}`"] for fn, share in found["inclusive"][:12]],
            ),
            *_table(
                ["share", "leaf function (self)"],
                [[f"{share:.0%}", f"`{fn}`"] for fn, share in found["self"][:10]],
            ),
        ]
    return lines


def markdown(results: dict) -> str:
    machine, versions, plan = results["machine"], results["versions"], results["plan"]
    frontend = results["frontend"]
    lines = [
        "# Benchmark: the backend, its baselines and the LiteLLM proxy",
        "",
        f"Written by `tox -e bench` on {results['started']} in {results['minutes']} "
        "minutes. Every figure is min / **median** / max over "
        f"{plan['repeats']} runs of {plan['request_seconds']:g} s (requests) or "
        f"{plan['stream_seconds']:g} s (streams); goals compare medians.",
        "",
        f"Machine: {machine['cpu']}, {machine['cores']} cores, "
        f"{machine['memory_gib']} GiB, {machine['os']}, kernel {machine['kernel']}, "
        f"Python {machine['python']}. Load average (1, 5, 15 min) at the start "
        f"{results['load_average']['start']}, at the end "
        f"{results['load_average']['end']}: anything above 0 is other work "
        "sharing the two cores. Versions: "
        + ", ".join(f"{k} {v}" for k, v in versions.items())
        + ".",
        "",
        "## Goals",
        "",
        *_table(
            ["goal", "measured", "target", "met"],
            [
                [g["goal"], g["measured"], g["target"], "yes" if g["met"] else "**no**"]
                for g in results["goals"]
            ],
        ),
        "## 1. Added latency of a whole answer",
        "",
        f"Closed loop: each client sends its next request when the last is answered. "
        f"The upstream answers at once with {plan['tokens']} tokens. Added latency "
        "subtracts the median of the baseline's p50 (or p99) from the path's.",
        "",
        *_latency(results),
        "## 2. Streaming",
        "",
        f"Each stream is {plan['tokens']} tokens paced at {plan['pace']} tokens/s; "
        "clients start spread over one stream's length, then keep their stream "
        "count constant. TTFB is the first body byte (the backend's `start` event "
        "comes before the upstream is asked; see first token). Added gap: the "
        "inter-token gap's percentile minus the direct path's at the same "
        "concurrency. CPU per chunk: the server's (or script's) CPU time during "
        "the run over the tokens delivered.",
        "",
        *_streaming(results),
        "## 3. Memory",
        "",
        *_memory(results),
        "## 4. Cold start",
        "",
        *_cold_start(results),
        "## 5. Frontend bundle",
        "",
        (
            f"Built from commit {frontend['commit']}: JavaScript "
            f"{frontend['js_gzip_bytes']:,} bytes gzipped ({frontend['js_bytes']:,} "
            f"raw), CSS {frontend['css_gzip_bytes']:,} bytes gzipped, index.html "
            f"{frontend['index_html_gzip_bytes']:,} bytes gzipped."
            if "js_gzip_bytes" in frontend
            else f"Not measured: {frontend.get('error')}"
        ),
        "",
        "## Profiles of the backend (py-spy)",
        "",
        *_profiles(results),
        "## Method",
        "",
        *results["method"],
        "",
    ]
    return "\n".join(lines)


def write(results: dict, directory: Path) -> None:
    (directory / "report.json").write_text(json.dumps(results, indent=1) + "\n")
    (directory / "report.md").write_text(markdown(results))
