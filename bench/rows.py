"""The rows of one target: smoke checks, the authorization-code budget and measuring."""

from __future__ import annotations

import argparse
import json
import resource
import time
import urllib.parse
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from common import REDIRECT_URI, ROWS, BenchError, log
from load import Generator, Load, Result
from procs import basic, cpu_seconds, http, rss_mib
from targets import Target


def measure(generator: Generator, target: Target, load: Load, seconds: float) -> Result:
    assert target.server is not None
    before_cpu = cpu_seconds(target.server.pid)
    before_children = resource.getrusage(resource.RUSAGE_CHILDREN)
    result = generator.run(load, seconds)
    after_children = resource.getrusage(resource.RUSAGE_CHILDREN)
    result.cpu_seconds = cpu_seconds(target.server.pid) - before_cpu
    result.generator_cpu = (after_children.ru_utime + after_children.ru_stime) - (
        before_children.ru_utime + before_children.ru_stime
    )
    if target.server.proc.poll() is not None:
        result.failure = f"server exited during the row ({target.server.proc.returncode})"
    return result


@dataclass
class Run:
    results: dict[str, dict[str, Result]] = field(default_factory=dict)
    generator_cpu: float = 0.0
    generator_seconds: float = 0.0


def smoke(target: Target, row: str, load: Load, check: Callable[[dict[str, Any]], bool]) -> None:
    """One request before the load: the row must measure successes, not errors."""
    headers = {}
    if load.auth:
        headers["Authorization"] = load.auth
    body = load.body
    if load.codes:
        code, verifier = load.codes.read_text().split("\n", 1)[0].split()
        body = f"{body}&code={code}&code_verifier={verifier}"
    if body is not None:
        headers["Content-Type"] = "application/x-www-form-urlencoded"
    status, raw = http(load.url, method=load.method, headers=headers, body=body)
    try:
        data = json.loads(raw)
    except ValueError:
        data = {}
    if status != 200 or not check(data):
        raise BenchError(f"{target.label} {row}: smoke check got HTTP {status}: {raw[:300]!r}")


def code_budget(
    target: Target,
    generator: Generator,
    args: argparse.Namespace,
    results: dict[str, Result],
    auth: str,
    code_body: str,
) -> int:
    """How many codes the authorization-code row needs. A 2-second calibration run (which
    also warms the code path up) gives a rate; a JIT may still be warming up then, so the
    budget allows 2.5 times that, but never more than the client_credentials rate, an upper
    bound (less work per request)."""
    cc = results.get("client_credentials")
    ceiling = cc.rps if cc and cc.rps else 2000.0
    seconds = 2.0
    codes = target.seed_codes(min(args.max_codes, int(ceiling * seconds * 1.3) + 200))
    ep = target.endpoints
    trial = generator.run(Load(ep.base + ep.token, "POST", auth, code_body, codes), seconds)
    rate = min(ceiling, 2.5 * trial.rps) if trial.rps and not trial.problems() else ceiling
    return min(args.max_codes, int(rate * args.duration * 1.2) + 500)


def bench_target(target: Target, generator: Generator, args: argparse.Namespace, run: Run) -> None:
    results = run.results.setdefault(target.key, {})
    try:
        target.start()
    except BenchError as error:
        log(str(error))
        for row in ROWS:
            results[row] = Result(failure=f"{target.label} did not start")
        return
    try:
        ep = target.endpoints
        auth = basic(target.client_id, target.client_secret)
        static = {
            "discovery": Load(ep.base + ep.discovery),
            "jwks": Load(ep.base + ep.jwks),
            "client_credentials": Load(
                ep.base + ep.token, "POST", auth, "grant_type=client_credentials"
            ),
        }
        checks: dict[str, Callable[[dict[str, Any]], bool]] = {
            "discovery": lambda d: "issuer" in d,
            "jwks": lambda d: bool(d.get("keys")),
            "client_credentials": lambda d: "access_token" in d,
            "authorization_code": lambda d: "id_token" in d and "access_token" in d,
            "userinfo": lambda d: "sub" in d,
        }
        code_body = "grant_type=authorization_code&redirect_uri=" + urllib.parse.quote(
            REDIRECT_URI, safe=""
        )
        if args.warmup > 0:
            log(f"{target.label}: warm-up")
            for row in ("discovery", "client_credentials"):
                generator.run(static[row], args.warmup)
        for row in ROWS:
            try:
                if row in static:
                    load = static[row]
                    smoke(target, row, load, checks[row])
                elif row == "authorization_code":
                    smoke(
                        target,
                        row,
                        Load(ep.base + ep.token, "POST", auth, code_body, target.seed_codes(1)),
                        checks[row],
                    )
                    n = code_budget(target, generator, args, results, auth, code_body)
                    started = time.monotonic()
                    codes = target.seed_codes(n)
                    log(f"{target.label}: seeded {n} codes in {time.monotonic() - started:.1f} s")
                    load = Load(ep.base + ep.token, "POST", auth, code_body, codes)
                else:
                    token = target.access_token()
                    load = Load(ep.base + ep.userinfo, "GET", f"Bearer {token}")
                    smoke(target, row, load, checks[row])
            except BenchError as error:
                log(str(error))
                results[row] = Result(failure=str(error).split(":", 1)[-1].strip()[:120])
                continue
            log(f"{target.label}: {row} for {args.duration:g} s")
            result = measure(generator, target, load, args.duration)
            run.generator_cpu += result.generator_cpu
            run.generator_seconds += result.seconds
            results[row] = result
            log(
                f"  {result.rps:,.0f} req/s, p50 {result.p50_ms:.1f} ms, "
                f"p99 {result.p99_ms:.1f} ms, {result.per_cpu:,.0f} req/CPU-s"
                + (f" — {'; '.join(result.problems())}" if result.problems() else "")
            )
    finally:
        if target.server is not None and target.server.proc.poll() is None:
            sizes = ", ".join(f"{size:.0f}" for size in rss_mib(target.server.pid))
            target.notes.append(f"{target.label}: RSS after its rows, per process: {sizes} MiB")
        target.notes.extend(target.warnings())
        target.stop()
