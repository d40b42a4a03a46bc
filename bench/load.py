"""Load generation: `wrk` (installed with apt-get when missing) or a small Python fallback,
and the Load (what to send) and Result (what came back) of one row."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import threading
import time
import urllib.parse
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

from common import LUA, log


@dataclass
class Load:
    url: str
    method: str = "GET"
    auth: str | None = None
    body: str | None = None
    codes: Path | None = None


@dataclass
class Result:
    requests: int = 0
    seconds: float = 0.0
    p50_ms: float = 0.0
    p99_ms: float = 0.0
    non2xx: int = 0
    socket_errors: int = 0
    reused_codes: int = 0
    cpu_seconds: float = 0.0
    generator_cpu: float = 0.0
    failure: str | None = None
    statuses: dict[str, int] = field(default_factory=dict)
    sample: str = ""

    @property
    def rps(self) -> float:
        return self.requests / self.seconds if self.seconds else 0.0

    @property
    def per_cpu(self) -> float:
        return self.requests / self.cpu_seconds if self.cpu_seconds else 0.0

    def problems(self) -> list[str]:
        out = []
        if self.failure:
            out.append(self.failure)
        if self.non2xx:
            detail = ", ".join(f"{n} x HTTP {code}" for code, n in sorted(self.statuses.items()))
            sample = " ".join(self.sample.split())[:120]
            out.append(
                f"{self.non2xx} non-2xx"
                + (f" ({detail}" if detail else "")
                + (f": `{sample}`" if sample else "")
                + (")" if detail else "")
            )
        if self.socket_errors:
            out.append(f"{self.socket_errors} socket errors/timeouts")
        if self.reused_codes:
            out.append(f"{self.reused_codes} requests re-used a code (ran out)")
        return out


class Generator:
    name = ""

    def run(self, load: Load, seconds: float) -> Result:
        raise NotImplementedError


class Wrk(Generator):
    def __init__(self, path: str, threads: int, connections: int) -> None:
        self.path = path
        self.threads = max(1, min(threads, connections))
        self.connections = connections
        probe = subprocess.run([path, "-v"], capture_output=True, text=True, check=False)
        version = re.search(r"wrk (\S+)", probe.stdout + probe.stderr)
        self.name = (
            f"wrk {version.group(1) if version else '?'} ({threads} threads, "
            f"{connections} connections)"
        )

    def run(self, load: Load, seconds: float) -> Result:
        env = dict(os.environ)
        env.update(
            {
                "BENCH_METHOD": load.method,
                "BENCH_AUTH": load.auth or "",
                "BENCH_BODY": load.body or "",
                "BENCH_THREADS": str(self.threads),
            }
        )
        if load.codes:
            env["BENCH_CODES"] = str(load.codes)
        argv = [
            self.path,
            f"-t{self.threads}",
            f"-c{self.connections}",
            f"-d{max(1, round(seconds))}s",
            "--timeout",
            "10s",
            "-s",
            str(LUA),
            load.url,
        ]
        done = subprocess.run(
            argv,
            env=env,
            capture_output=True,
            text=True,
            errors="replace",
            check=False,
            timeout=seconds + 60,
        )
        match = re.search(r"^BENCH_RESULT (\{.*\})$", done.stdout, re.MULTILINE)
        if done.returncode != 0 or not match:
            return Result(
                failure=f"wrk failed ({done.returncode}): "
                f"{(done.stderr or done.stdout).strip()[:300]}"
            )
        data = json.loads(match.group(1))
        return Result(
            requests=data["requests"],
            seconds=data["duration_us"] / 1e6,
            p50_ms=data["p50_us"] / 1000,
            p99_ms=data["p99_us"] / 1000,
            non2xx=data["non2xx"],
            reused_codes=data["reused_codes"],
            statuses={str(k): int(v) for k, v in data.get("statuses", {}).items()},
            sample=str(data.get("sample", "")),
            socket_errors=data["connect"] + data["read"] + data["write"] + data["timeout"],
        )


@dataclass
class PyPart:
    latencies: list[float]
    non2xx: int
    errors: int
    reused: int
    statuses: dict[str, int]
    sample: str


def _py_worker(
    args: tuple[str, str, dict[str, str], str | None, list[str], int, float],
) -> PyPart:
    """One process of the Python load generator: ``threads`` keep-alive connections."""
    import http.client

    url, method, headers, body, codes, threads, seconds = args
    parts = urllib.parse.urlsplit(url)
    target = parts.path or "/"
    deadline = time.monotonic() + seconds
    latencies: list[float] = []
    counts = {"non2xx": 0, "errors": 0, "reused": 0}
    statuses: dict[str, int] = {}
    samples: list[str] = []
    lock = threading.Lock()

    next_code = iter(codes).__next__  # shared by the threads (atomic under the GIL)

    def loop() -> None:
        local: list[float] = []
        conn = http.client.HTTPConnection(parts.hostname or "127.0.0.1", parts.port, timeout=10)
        non2xx = errors = reused = 0
        while time.monotonic() < deadline:
            payload = body
            if codes:
                try:
                    line = next_code()
                except StopIteration:
                    reused += 1
                    line = codes[0]
                code, verifier = line.split()
                payload = f"{body}&code={code}&code_verifier={verifier}"
            started = time.perf_counter()
            try:
                conn.request(method, target, body=payload, headers=headers)
                response = conn.getresponse()
                answer = response.read()
            except (OSError, http.client.HTTPException):
                errors += 1
                conn.close()
                conn = http.client.HTTPConnection(
                    parts.hostname or "127.0.0.1", parts.port, timeout=10
                )
                continue
            local.append(time.perf_counter() - started)
            if not 200 <= response.status < 300:
                non2xx += 1
                with lock:
                    statuses[str(response.status)] = statuses.get(str(response.status), 0) + 1
                    if not samples:
                        samples.append(answer[:200].decode(errors="replace"))
        conn.close()
        with lock:
            latencies.extend(local)
            counts["non2xx"] += non2xx
            counts["errors"] += errors
            counts["reused"] += reused

    pool = [threading.Thread(target=loop) for _ in range(threads)]
    for thread in pool:
        thread.start()
    for thread in pool:
        thread.join()
    return PyPart(
        latencies,
        counts["non2xx"],
        counts["errors"],
        counts["reused"],
        statuses,
        samples[0] if samples else "",
    )


class PythonLoad(Generator):
    """Fallback when wrk cannot be installed: far slower than wrk, so a ceiling for fast rows."""

    def __init__(self, connections: int, processes: int, reason: str) -> None:
        self.connections = connections
        self.processes = processes
        self.name = (
            f"Python http.client load generator ({processes} processes, {connections} "
            f"keep-alive connections; {reason})"
        )

    def run(self, load: Load, seconds: float) -> Result:
        headers = {}
        if load.auth:
            headers["Authorization"] = load.auth
        if load.body is not None:
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        codes = load.codes.read_text().split("\n") if load.codes else []
        codes = [c for c in codes if c]
        per = max(1, self.connections // self.processes)
        jobs = [
            (load.url, load.method, headers, load.body, codes[i :: self.processes], per, seconds)
            for i in range(self.processes)
        ]
        with ProcessPoolExecutor(self.processes) as pool:
            results = list(pool.map(_py_worker, jobs))
        latencies = sorted(x for part in results for x in part.latencies)
        if not latencies:
            return Result(failure="no request completed")

        def pct(q: float) -> float:
            return latencies[min(len(latencies) - 1, int(q * len(latencies)))] * 1000

        return Result(
            requests=len(latencies),
            seconds=seconds,
            p50_ms=pct(0.50),
            p99_ms=pct(0.99),
            non2xx=sum(p.non2xx for p in results),
            socket_errors=sum(p.errors for p in results),
            reused_codes=sum(p.reused for p in results),
            statuses={
                code: sum(p.statuses.get(code, 0) for p in results)
                for code in {c for p in results for c in p.statuses}
            },
            sample=next((p.sample for p in results if p.sample), ""),
        )


def ensure_wrk() -> str | None:
    found = shutil.which("wrk")
    if found:
        return found
    if os.geteuid() != 0 or not shutil.which("apt-get"):
        log("wrk is missing and apt-get is not usable here")
        return None
    env = dict(os.environ, DEBIAN_FRONTEND="noninteractive")
    for update_first in (False, True):
        if update_first:
            log("apt-get update")
            subprocess.run(
                ["apt-get", "update", "-qq"], env=env, capture_output=True, check=False, timeout=300
            )
        log("apt-get install -y wrk")
        done = subprocess.run(
            ["apt-get", "install", "-y", "-qq", "wrk"],
            env=env,
            capture_output=True,
            text=True,
            check=False,
            timeout=300,
        )
        if done.returncode == 0 and shutil.which("wrk"):
            return shutil.which("wrk")
    log("could not install wrk; falling back to the Python load generator")
    return None
