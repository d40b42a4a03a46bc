"""Serve the app with granian (WSGI worker processes, each with a pool of request threads),
bound to the configured host and port or to those `idp serve` was given.

granian, not gunicorn: on the same two cores its workers cost about 70 µs of CPU per request
against gthread's 150-200, and it served discovery and JWKS 5-8x faster in `make bench`
(README, "Benchmark"), with the same WSGI app and no other change.

Metrics: each worker counts into files of its own in one folder (``PROMETHEUS_MULTIPROC_DIR``,
prometheus_client's multiprocess mode) and a scrape of /metrics at any worker adds up all of
them. This process sets the folder up before granian forks the first worker
(:func:`metrics_folder`). Every metric is a counter or a histogram (the gauges are read at
scrape time), so a dead worker's files stay as they are: its counts are totals.
"""

from __future__ import annotations

import gc
import os
import re
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from granian import Granian
from granian.constants import HTTPModes, Interfaces

from .config import Settings
from .services.platform.runtime import settings

MULTIPROC_ENV = "PROMETHEUS_MULTIPROC_DIR"
# The files prometheus_client's multiprocess mode writes: <type>[_<gauge mode>]_<pid>.db
SHUTDOWN_SECONDS = 30
METRIC_FILE = re.compile(r"(counter|histogram|summary|gauge_[a-z]+)_\d+\.db")


@dataclass(frozen=True)
class Listen:
    """Where and with how many request slots to serve: the settings, or `idp serve`'s options
    in their place."""

    host: str
    port: int
    workers: int
    threads: int


def listen(
    host: str | None = None,
    port: int | None = None,
    workers: int | None = None,
    threads: int | None = None,
) -> Listen:
    """The settings' host, port, workers and threads, each replaced by the one given."""
    cfg = settings()
    return Listen(
        host or cfg.host,
        port or cfg.port,
        workers or cfg.workers,
        threads or cfg.threads,
    )


def granian_options(where: Listen | None = None) -> dict[str, Any]:
    """What granian is started with: ``where``'s address and request slots, the app built by
    :func:`worker_app` in each worker, HTTP/1.1 only, and logging per ``log_format``."""
    where = where or listen()
    cfg = settings()
    return {
        "target": "idp.serve:worker_app",
        "factory": True,  # each worker builds its own app (its own pool, mail sender)
        "address": where.host,
        "port": where.port,
        "interface": Interfaces.WSGI,
        "workers": where.workers,
        "blocking_threads": where.threads,  # the threads that run WSGI requests
        "http": HTTPModes.http1,
        "websockets": False,
        # A worker that dies (killed, out of memory) is replaced; its metric files stay.
        "respawn_failed_workers": True,
        # SIGTERM: the requests in flight finish; a worker still busy after this is killed.
        "workers_kill_timeout": SHUTDOWN_SECONDS,
        # No granian access log: the app writes its own (idp/web/request_log.py) with the
        # request id, endpoint, client address behind trusted proxies, client id and person;
        # granian's would print the query string, which carries codes, tokens and state.
        "log_access": False,
        "log_dictconfig": _log_config(cfg),
    }


def worker_app() -> Any:
    """The app of one worker process: :func:`idp.create_app`, then everything it made moved
    out of the garbage collector's sight (``gc.freeze``). The app, its templates, models and
    compiled statements live as long as the process; left in view, every full collection
    walks them all, a pause of tens of milliseconds in the middle of some request."""
    from . import create_app

    app = create_app()
    gc.collect()
    gc.freeze()
    return app


def _log_config(cfg: Settings) -> dict[str, Any]:
    """granian's own lines (start, stop, workers spawned and lost) on standard error: as JSON
    objects like the app's with log_format = json, so that every line is one object."""
    formatter: dict[str, Any] = (
        {"()": "idp.web.request_log.JsonFormatter"}
        if cfg.log_format == "json"
        else {"()": "logging.Formatter", "fmt": "[%(asctime)s] [%(levelname)s] %(message)s"}
    )
    return {
        "formatters": {"server": formatter},
        "handlers": {
            "server": {
                "formatter": "server",
                "class": "logging.StreamHandler",
                "stream": "ext://sys.stderr",
            }
        },
        "loggers": {"_granian": {"handlers": ["server"], "level": "INFO", "propagate": False}},
    }


@contextmanager
def metrics_folder(cfg: Settings) -> Iterator[Path]:
    """While the server runs: a fresh, empty folder for the workers' metric files, the
    ``metrics_dir`` setting or else a new one under the system's temporary folder (writable
    with a read-only root filesystem), named in ``PROMETHEUS_MULTIPROC_DIR``, which the
    workers inherit. Afterwards this process is as before and a folder made here is gone."""
    from prometheus_client import values

    folder = prepare_metrics_dir(cfg.metrics_dir)
    before = os.environ.get(MULTIPROC_ENV)
    os.environ[MULTIPROC_ENV] = str(folder)
    # prometheus_client chooses how a metric keeps its values when it is first imported; this
    # process imported it (create_app, for the CLI) before the folder was known, so choose
    # again now, before the first fork. The metrics are all labelled (see
    # idp/services/platform/metrics.py), so none holds a value made before this.
    values.ValueClass = values.get_value_class()
    try:
        yield folder
    finally:
        if before is None:
            os.environ.pop(MULTIPROC_ENV, None)
        else:
            os.environ[MULTIPROC_ENV] = before
        values.ValueClass = values.get_value_class()
        if not cfg.metrics_dir:
            shutil.rmtree(folder, ignore_errors=True)


def prepare_metrics_dir(setting: str) -> Path:
    """The folder the workers count into, empty: ``setting`` (made if missing, its metric
    files of an earlier run deleted) or, when empty, a new folder under the temporary one."""
    if not setting:
        return Path(tempfile.mkdtemp(prefix="idp-metrics-"))
    folder = Path(setting).resolve()
    check_metrics_dir(folder)
    folder.mkdir(mode=0o700, parents=True, exist_ok=True)
    for stale in folder.iterdir():
        stale.unlink()
    return folder


def check_metrics_dir(folder: Path) -> None:
    """A ``metrics_dir`` must hold nothing but metric files: each start deletes them, and a
    scrape reads every ``*.db`` file there (a database kept there would be lost or break it)."""
    if not folder.is_dir():
        return
    foreign = sorted(p.name for p in folder.iterdir() if not METRIC_FILE.fullmatch(p.name))
    if foreign:
        raise CannotServe(
            f"metrics_dir {folder} holds files that are not metrics ({', '.join(foreign[:5])}): "
            "give the metrics a folder of their own (each start empties it)."
        )


class CannotServe(Exception):
    """The settings do not allow serving; the message says why and what to change."""


def check_request_slots(where: Listen) -> None:
    """With ``dev_stand_ins`` the IdP calls its own /dev-eid stand-in over HTTP while it
    answers a request (discovery, JWKS, token): one request slot would wait for itself."""
    if settings().dev_stand_ins and where.workers * where.threads < 2:
        raise CannotServe(
            f"dev_stand_ins needs at least 2 concurrent requests (workers x threads), got "
            f"workers={where.workers} threads={where.threads}: the IdP calls its own /dev-eid "
            "stand-in during a request. Set IDP_THREADS=2 or more."
        )


def run(where: Listen | None = None) -> None:
    """Serve until SIGTERM or SIGINT; the metrics folder made for this run goes afterwards."""
    where = where or listen()
    check_request_slots(where)
    cfg = settings()
    if cfg.metrics_dir:
        check_metrics_dir(Path(cfg.metrics_dir).resolve())
    with metrics_folder(cfg):
        Granian(**granian_options(where)).serve()
