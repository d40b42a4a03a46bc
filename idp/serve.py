"""Serve the app with gunicorn (threaded workers), bound to the configured host and port or to
those `idp serve` was given.

Metrics under gunicorn: each worker counts into files of its own in one folder
(``PROMETHEUS_MULTIPROC_DIR``, prometheus_client's multiprocess mode) and a scrape of /metrics
at any worker adds up all of them. The master sets the folder up before it forks the first
worker (:class:`MetricsHooks`); the workers import nothing of it themselves.
"""

from __future__ import annotations

import os
import re
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from gunicorn.app.base import BaseApplication
from gunicorn.glogging import Logger

from .config import Settings
from .services.platform.runtime import settings

MULTIPROC_ENV = "PROMETHEUS_MULTIPROC_DIR"
# The files prometheus_client's multiprocess mode writes: <type>[_<gauge mode>]_<pid>.db
METRIC_FILE = re.compile(r"(counter|histogram|summary|gauge_[a-z]+)_\d+\.db")


class _Gunicorn(BaseApplication):
    def __init__(self, options: dict[str, Any]) -> None:
        self.options = options
        super().__init__()

    def load_config(self) -> None:
        for key, value in self.options.items():
            self.cfg.set(key, value)

    def load(self) -> Any:
        from . import create_app

        return create_app()


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


def gunicorn_options(where: Listen | None = None) -> dict[str, Any]:
    where = where or listen()
    cfg = settings()
    options = {
        "bind": f"[{where.host}]:{where.port}"
        if ":" in where.host
        else f"{where.host}:{where.port}",
        "workers": where.workers,
        "worker_class": "gthread",
        "threads": where.threads,
        "keepalive": 5,
        # No gunicorn access log: the app writes its own (idp/web/request_log.py) with the
        # request id, endpoint, client address behind trusted proxies, client id and person;
        # gunicorn's would print the query string, which carries codes, tokens and state.
        "accesslog": None,
        "preload_app": False,
        "control_socket_disable": True,
        **MetricsHooks(cfg).options(),
    }
    if cfg.log_format == "json":
        options["logger_class"] = JsonLogger  # gunicorn's own lines as JSON too
    return options


class JsonLogger(Logger):
    """gunicorn's error log (start, stop, worker boots and crashes) in the app's JSON lines,
    a traceback inside its line, so that log_format = json keeps one object per line."""

    def setup(self, cfg: Any) -> None:
        super().setup(cfg)
        from .web.request_log import JsonFormatter

        for handler in self.error_log.handlers:
            handler.setFormatter(JsonFormatter())


class MetricsHooks:
    """gunicorn's server hooks for prometheus_client's multiprocess mode.

    - ``on_starting`` (master, before any worker): a fresh, empty folder, the ``metrics_dir``
      setting or else a new one under the system's temporary folder (writable with a read-only
      root filesystem), named in ``PROMETHEUS_MULTIPROC_DIR``, which the workers inherit;
    - ``child_exit``: the dead worker's live gauges go (its counters stay: they are totals);
    - ``on_exit``: a folder made here is removed.
    """

    def __init__(self, cfg: Settings) -> None:
        self.cfg = cfg
        self.made: Path | None = None

    def options(self) -> dict[str, Any]:
        return {
            "on_starting": self.on_starting,
            "child_exit": self.child_exit,
            "on_exit": self.on_exit,
        }

    def on_starting(self, server: Any) -> None:
        folder = prepare_metrics_dir(self.cfg.metrics_dir)
        self.made = None if self.cfg.metrics_dir else folder
        os.environ[MULTIPROC_ENV] = str(folder)
        # prometheus_client chooses how a metric keeps its values when it is first imported;
        # the master imported it (create_app, for the CLI) before the folder was known, so
        # choose again now, before the first fork. The metrics are all labelled (see
        # idp/services/platform/metrics.py), so none holds a value made before this.
        from prometheus_client import values

        values.ValueClass = values.get_value_class()

    def child_exit(self, server: Any, worker: Any) -> None:
        from prometheus_client import multiprocess

        multiprocess.mark_process_dead(worker.pid)

    def on_exit(self, server: Any) -> None:
        if self.made is not None:
            shutil.rmtree(self.made, ignore_errors=True)


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


def run_gunicorn(where: Listen | None = None) -> None:
    where = where or listen()
    check_request_slots(where)
    if settings().metrics_dir:
        check_metrics_dir(Path(settings().metrics_dir).resolve())
    _Gunicorn(gunicorn_options(where)).run()
