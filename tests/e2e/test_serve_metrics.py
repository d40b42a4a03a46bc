"""`idp serve --workers 2` as deployed: each granian worker counts into its own file in a fresh
metrics folder, and /metrics, whichever worker answers it, adds up both (prometheus_client's
multiprocess mode); a worker that dies keeps its counts; with log_format = json every line the
server writes, granian's own included, is one JSON object with the access lines among them."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
import requests
from prometheus_client.multiprocess import MultiProcessCollector
from prometheus_client.parser import text_string_to_metric_families

from tests.support.helpers import ROOT
from tests.support.processes import free_port, run_idp, stop

LIVE = {"endpoint": "health.live", "status": "200"}
DEADLINE = 30


@dataclass
class Served:
    url: str
    metrics_dir: Path
    log: Path
    process: subprocess.Popen[bytes]


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Served]:
    """One `idp serve --workers 2` for the module, on SQLite in a folder of its own."""
    where = tmp_path_factory.mktemp("serve")
    port = free_port()
    metrics_dir = where / "metrics"
    metrics_dir.mkdir()
    (metrics_dir / "counter_1.db").write_bytes(b"left by an earlier run")  # must be cleared
    env = {k: v for k, v in os.environ.items() if not k.startswith(("IDP_", "PROMETHEUS"))}
    env.update(
        PYTHONPATH=str(ROOT),
        IDP_ISSUER=f"http://127.0.0.1:{port}",
        IDP_INSTANCE_PATH=str(where / "instance"),
        IDP_KEYS_DIR=str(where / "keys"),
        IDP_SESSION_COOKIE_SECURE="false",
        IDP_MAIL_BACKGROUND="false",
        IDP_LOG_FORMAT="json",
        IDP_METRICS_DIR=str(metrics_dir),
    )
    assert run_idp(env, "db", "upgrade").returncode == 0
    assert run_idp(env, "keys", "init").returncode == 0  # a node never makes its own
    log = where / "serve.log"
    with log.open("wb") as out:
        process = subprocess.Popen(
            [sys.executable, "-m", "idp.cli", "serve", "--port", str(port), "--workers", "2",
             "--threads", "2"],
            env=env, cwd=where, stdout=out, stderr=subprocess.STDOUT,
        )  # fmt: skip
    url = f"http://127.0.0.1:{port}"
    try:
        _wait(lambda: _answers(url, process, log), "the server answers", log)
        yield Served(url, metrics_dir, log, process)
    finally:
        stop(process)


def _answers(url: str, process: subprocess.Popen[bytes], log: Path) -> bool:
    if process.poll() is not None:
        raise AssertionError(f"idp serve exited ({process.returncode}):\n{log.read_text()}")
    try:
        return requests.get(f"{url}/health/ready", timeout=5).status_code == 200
    except requests.ConnectionError:
        return False


def _wait(condition, what: str, log: Path) -> None:
    deadline = time.monotonic() + DEADLINE
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.05)
    raise AssertionError(f"not within {DEADLINE} s: {what}\n{log.read_text()[-4000:]}")


def _scraped_live(url: str) -> float:
    text = requests.get(f"{url}/metrics", timeout=10).text
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            if sample.name == "idp_http_requests_total" and sample.labels == LIVE:
                return sample.value
    return 0.0


def _per_worker_live(metrics_dir: Path) -> dict[str, float]:
    """What each worker's own file says about /health/live (pid -> count)."""
    counts = {}
    for path in sorted(metrics_dir.glob("counter_*.db")):
        total = 0.0
        for metric in MultiProcessCollector.merge([str(path)]):
            for sample in metric.samples:
                if sample.name == "idp_http_requests_total" and sample.labels == LIVE:
                    total += sample.value
        counts[path.stem.split("_")[1]] = total
    return counts


def _live_request(url: str) -> None:
    # A new connection each time (no keep-alive), so that either worker may accept it.
    response = requests.get(f"{url}/health/live", headers={"Connection": "close"}, timeout=10)
    assert response.status_code == 200


def test_metrics_add_up_both_workers_and_survive_a_dead_one(served: Served) -> None:
    assert not (served.metrics_dir / "counter_1.db").exists(), "the folder was not emptied"
    start = _scraped_live(served.url)
    sent = 0

    def both_workers_served() -> bool:
        nonlocal sent
        _live_request(served.url)
        sent += 1
        per_worker = _per_worker_live(served.metrics_dir)
        return sent >= 20 and len([c for c in per_worker.values() if c > 0]) >= 2

    _wait(both_workers_served, "both workers answered /health/live", served.log)
    per_worker = _per_worker_live(served.metrics_dir)
    assert sum(per_worker.values()) == start + sent
    for _ in range(4):  # whichever worker answers the scrape, it adds up all files
        assert _scraped_live(served.url) == start + sent

    # A worker killed outright: granian starts another, and the dead one's counts remain.
    victim = int(next(pid for pid, count in per_worker.items() if count > 0))
    os.kill(victim, signal.SIGKILL)
    _wait(lambda: served.log.read_text().count("Spawning worker") >= 3, "a new worker", served.log)
    _live_request(served.url)
    assert _scraped_live(served.url) == start + sent + 1


def test_every_line_the_server_writes_is_json_with_access_lines(served: Served) -> None:
    response = requests.get(f"{served.url}/login/?code=secret-4711", timeout=10)
    assert response.status_code == 200
    request_id = response.headers["X-Request-ID"]

    def logged() -> bool:
        return request_id in served.log.read_text()

    _wait(logged, "the access line is written", served.log)
    lines = [json.loads(line) for line in served.log.read_text().splitlines()]
    assert any(line["logger"] == "_granian" for line in lines)
    [access] = [line for line in lines if line.get("request_id") == request_id]
    assert (access["logger"], access["path"], access["status"]) == ("idp.access", "/login/", 200)
    assert "secret-4711" not in served.log.read_text()


def test_a_metrics_dir_holding_anything_else_is_refused(tmp_path: Path) -> None:
    """Each start empties the folder and a scrape reads every *.db file in it: a database (or
    anything else) kept there would be deleted or break /metrics, so serving is refused."""
    folder = tmp_path / "shared"
    folder.mkdir()
    (folder / "idp.db").write_bytes(b"someone's database")
    env = {k: v for k, v in os.environ.items() if not k.startswith(("IDP_", "PROMETHEUS"))}
    env.update(
        PYTHONPATH=str(ROOT),
        IDP_INSTANCE_PATH=str(tmp_path / "instance"),
        IDP_KEYS_DIR=str(tmp_path / "keys"),
        IDP_METRICS_DIR=str(folder),
    )
    result = subprocess.run(
        [sys.executable, "-m", "idp.cli", "serve", "--port", str(free_port())],
        env=env, cwd=tmp_path, capture_output=True, text=True, timeout=60, check=False,
    )  # fmt: skip
    assert result.returncode == 1, result.stderr
    assert "holds files that are not metrics (idp.db)" in result.stderr
    assert (folder / "idp.db").read_bytes() == b"someone's database"
