"""The Markdown table printed on standard output, with its machine and method footer."""

from __future__ import annotations

import argparse
import contextlib
import os
import platform
from pathlib import Path

from common import ROW_TITLES, ROWS
from load import Generator, Result
from rows import Run
from targets import Target


def cpu_model() -> str:
    with contextlib.suppress(OSError):
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    return platform.processor() or "unknown CPU"


def fmt_rate(value: float) -> str:
    return f"{value:,.0f}" if value >= 10 else f"{value:,.1f}"


def render(
    targets: list[Target],
    run: Run,
    generator: Generator,
    args: argparse.Namespace,
    node_version: str,
) -> str:
    ours, theirs = targets[0], next(t for t in targets if t.key == "node-2")
    extras = [t for t in targets if t not in (ours, theirs)]
    head = [
        "Endpoint",
        f"{ours.label} req/s",
        "p50 ms",
        "p99 ms",
        "req/CPU-s",
        f"{theirs.label} req/s",
        "p50 ms",
        "p99 ms",
        "req/CPU-s",
        "ours/theirs req/s",
        "ours/theirs req/CPU-s",
    ]
    head += [f"{t.label} req/s (p99 ms)" for t in extras]
    head.append("Errors")
    lines = [
        "| " + " | ".join(head) + " |",
        "|" + "|".join(["---"] + ["---:"] * (len(head) - 2) + ["---"]) + "|",
    ]

    def cells(result: Result | None) -> list[str]:
        if result is None or result.failure or not result.requests:
            return ["failed", "—", "—", "—"]
        return [
            fmt_rate(result.rps),
            f"{result.p50_ms:.1f}",
            f"{result.p99_ms:.1f}",
            fmt_rate(result.per_cpu),
        ]

    for row in ROWS:
        a = run.results.get(ours.key, {}).get(row)
        b = run.results.get(theirs.key, {}).get(row)
        ok = a and b and a.rps and b.rps and not a.failure and not b.failure
        ratio = f"{a.rps / b.rps:.2f}" if ok and a and b else "—"
        cpu_ratio = (
            f"{a.per_cpu / b.per_cpu:.2f}" if ok and a and b and a.per_cpu and b.per_cpu else "—"
        )
        row_cells = [ROW_TITLES[row], *cells(a), *cells(b), ratio, cpu_ratio]
        for extra in extras:
            r = run.results.get(extra.key, {}).get(row)
            row_cells.append(
                f"{fmt_rate(r.rps)} ({r.p99_ms:.1f})"
                if r and r.requests and not r.failure
                else "failed"
            )
        problems = []
        for target in targets:
            r = run.results.get(target.key, {}).get(row)
            if r and r.problems():
                problems.append(f"**{target.label}: {'; '.join(r.problems())}**")
        row_cells.append("; ".join(problems) or "none")
        lines.append("| " + " | ".join(row_cells) + " |")

    share = (run.generator_cpu / run.generator_seconds * 100) if run.generator_seconds else 0
    store_note = (
        "oidc-provider keeps codes and tokens in process memory (one copy per "
        "worker, seeded into each); Lokal IdP commits each one to its database."
        if theirs.description.endswith("memory store)")
        else "Both store codes and tokens in PostgreSQL (whose own CPU is not counted)."
    )
    footer = [
        "",
        f"Machine: {os.cpu_count()} x {cpu_model()} (nproc {len(os.sched_getaffinity(0))}), "
        f"Linux {platform.release()}, Python {platform.python_version()}, Node {node_version}.",
        f"Load generator: {generator.name}, {args.duration:g} s per row, on the same "
        f"machine (it used {share:.0f}% of one core on average); one server at a time; "
        f"{getattr(args, 'scheduler', 'kernel autogroups: not checked')}.",
        "Servers: " + "; ".join(t.description for t in targets) + ".",
        f"req/CPU-s: requests per CPU-second of the server's processes (/proc/<pid>/stat). "
        f"{store_note}",
        "Alike on both sides: one confidential client with client_secret_basic, opaque "
        "access tokens (stored hashed by Lokal IdP), ID tokens signed RS256 with a "
        "2048-bit key, PKCE S256 codes, the same claims (sub, acr, amr, auth_time, profile, "
        "email), HTTP/1.1 keep-alive.",
    ]
    notes = [n for t in targets for n in t.notes]
    if notes:
        footer.append("Notes: " + " ".join(f"{n}." if not n.endswith(".") else n for n in notes))
    return "\n".join(lines + footer)
