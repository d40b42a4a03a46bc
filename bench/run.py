"""Benchmark Lokal IdP against the certified node `oidc-provider` (v9) on this machine.

`make bench` (or `.venv/bin/python bench/run.py [--duration 10]`) does, in one run:

1. Lokal IdP as deployed (`idp serve`: granian, 2 workers) on a fresh instance folder
   under bench/.work/ on SQLite and, when IDP_BENCH_DATABASE_URL is set, again on PostgreSQL
   in a throw-away schema, each after `idp db upgrade` and an org/user/client created in the
   app context.
2. `oidc-provider` 9 (installed with npm from bench/node/package-lock.json) as a 2-process
   node cluster with an equivalent client, and, for information, as one process: on its
   memory store beside ours on SQLite, on its PostgreSQL adapter beside ours on PostgreSQL.
3. Load from `wrk` (installed with apt-get when missing; a small Python generator if that
   fails): 32 connections, a fixed duration per row, one server at a time.

Rows: discovery, JWKS, client_credentials, authorization-code exchange (fresh single-use codes
with PKCE seeded before the row) and UserInfo (a pre-issued access token). One Markdown table
per comparison is printed on standard output; progress goes to standard error.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import urllib.parse
from collections.abc import Iterator
from pathlib import Path
from typing import Any

# bench/ is a folder of scripts, not a package: its modules import each other by plain name.
# Python puts a script's folder on sys.path, except under -P / PYTHONSAFEPATH; so, explicitly:
_BENCH_DIR = str(Path(__file__).resolve().parent)
if _BENCH_DIR not in sys.path:
    sys.path.insert(0, _BENCH_DIR)

from autogroup import autogroups  # noqa: E402
from common import CODE_LIFETIME, WORK, BenchError, log, run_script  # noqa: E402
from load import Generator, PythonLoad, Wrk, ensure_wrk  # noqa: E402
from lokal import Ours, OursSetup  # noqa: E402
from peer import Node, install_node  # noqa: E402
from report import render  # noqa: E402
from rows import Run, bench_target  # noqa: E402
from targets import Target  # noqa: E402


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else "")
    parser.add_argument(
        "--duration",
        type=float,
        default=10.0,
        help="seconds of load per row (default 10; at most 45, codes live 60 s)",
    )
    parser.add_argument(
        "--warmup",
        type=float,
        default=1.0,
        help="seconds of warm-up load per server (default 1; 0 for none)",
    )
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument(
        "--threads", type=int, default=min(2, os.cpu_count() or 2), help="wrk threads (default: 2)"
    )
    parser.add_argument(
        "--compare",
        choices=("auto", "sqlite", "postgres"),
        default="auto",
        help="sqlite: ours on SQLite against oidc-provider's memory store; postgres: both on "
        "PostgreSQL (IDP_BENCH_DATABASE_URL); auto (default): both comparisons when "
        "IDP_BENCH_DATABASE_URL is set, else sqlite",
    )
    parser.add_argument(
        "--no-node-single", action="store_true", help="skip the one-process oidc-provider column"
    )
    parser.add_argument(
        "--threads-per-worker",
        type=int,
        default=None,
        help="request threads in each Lokal IdP worker (IDP_THREADS; default: the IdP's own)",
    )
    parser.add_argument(
        "--no-ours-single",
        action="store_true",
        help="skip the one-worker Lokal IdP column (the scaling from 1 to 2 workers)",
    )
    parser.add_argument(
        "--autogroup",
        choices=("off", "leave"),
        default="off",
        help="kernel session autogroups during the run: off (default, when root; "
        "bench/autogroup.py says why) or leave them as the machine has them",
    )
    parser.add_argument("--load-generator", choices=("auto", "wrk", "python"), default="auto")
    parser.add_argument("--max-codes", type=int, default=200_000)
    parser.add_argument(
        "--keep",
        action="store_true",
        help="keep bench/.work/run-* for inspection (server logs, code files)",
    )
    args = parser.parse_args(argv)
    if not 1 <= args.duration <= CODE_LIFETIME - 15:
        parser.error(
            f"--duration must be between 1 and {CODE_LIFETIME - 15} seconds "
            f"(authorization codes live {CODE_LIFETIME} s)"
        )
    return args


def choose_generator(args: argparse.Namespace) -> Generator:
    if args.load_generator != "python":
        path = ensure_wrk()
        if path:
            return Wrk(path, args.threads, args.connections)
        if args.load_generator == "wrk":
            raise BenchError("wrk is not available")
    reason = (
        "chosen with --load-generator"
        if args.load_generator == "python"
        else ("wrk could not be installed")
    )
    return PythonLoad(args.connections, max(1, min(2, os.cpu_count() or 1)), reason)


@contextlib.contextmanager
def signals_as_exceptions() -> Iterator[None]:
    def handler(signum: int, _frame: Any) -> None:
        raise KeyboardInterrupt(f"signal {signum}")

    previous = signal.signal(signal.SIGTERM, handler)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    database_url = os.environ.get("IDP_BENCH_DATABASE_URL") or None
    if args.compare == "postgres" and not database_url:
        raise BenchError("--compare postgres needs IDP_BENCH_DATABASE_URL")
    comparisons: list[str | None] = {
        "sqlite": [None],
        "postgres": [database_url],
        "auto": [None, database_url] if database_url else [None],
    }[args.compare]
    WORK.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix="run-", dir=WORK))
    failed = False
    try:
        with signals_as_exceptions(), autogroups(args.autogroup) as scheduler:
            args.scheduler = scheduler
            generator = choose_generator(args)
            node_dir = tmp / "node"
            node_dir.mkdir()
            version = install_node(node_dir)
            node_version = subprocess.run(
                ["node", "--version"], capture_output=True, text=True, check=False
            ).stdout.strip()
            started = time.monotonic()
            for url in comparisons:
                node = (node_dir, version, node_version)
                table, bad = compare(url, tmp, node, generator, args)
                print(table, flush=True)
                failed = failed or bad
            log(f"done in {time.monotonic() - started:.0f} s")
    finally:
        if args.keep:
            log(f"kept {tmp}")
        else:
            shutil.rmtree(tmp, ignore_errors=True)
    return 1 if failed else 0


def compare(
    database_url: str | None,
    tmp: Path,
    node: tuple[Path, str, str],
    generator: Generator,
    args: argparse.Namespace,
) -> tuple[str, bool]:
    """One comparison, each server in turn: ours on SQLite against oidc-provider on its
    memory store, or both on PostgreSQL. Returns its table and whether a row failed."""
    node_dir, version, node_version = node
    store = "postgres" if database_url else "memory"
    where = tmp / ("pg" if database_url else "sqlite")
    where.mkdir()
    setup = OursSetup(where, database_url)
    targets: list[Target] = []
    run = Run()
    try:
        setup.prepare()
        threads = args.threads_per_worker
        targets.append(Ours(setup, threads=threads))
        if not args.no_ours_single:
            targets.append(Ours(setup, workers=1, threads=threads))
        pg_url = database_url.replace("+psycopg", "") if database_url else None
        if pg_url:
            pg_url = urllib.parse.urlunsplit(urllib.parse.urlsplit(pg_url)._replace(query=""))
        targets.append(Node(node_dir, 2, store, pg_url, version))
        if not args.no_node_single:
            targets.append(Node(node_dir, 1, store, pg_url, version))
        for target in targets:
            bench_target(target, generator, args, run)
        table = render(targets, run, generator, args, node_version)
    finally:
        for target in targets:
            target.stop()
        with contextlib.suppress(Exception):
            setup.close()
    failed = any(r.failure for results in run.results.values() for r in results.values())
    return table, failed


if __name__ == "__main__":
    run_script(main)
