"""The background import worker: a daemon thread of the web process that runs import jobs.

App wiring, not a service, like :mod:`idp.mail_sender`: the rules are in
:mod:`idp.services.lifecycle.import_jobs` (each step is claimed with a conditional UPDATE, so
several processes or nodes may each run a worker). A web worker starts one with its first
request; CLI commands and the granian main process never do. :func:`idp.create_app` installs it.
"""

from __future__ import annotations

import atexit
import logging
import secrets
import threading

from flask import Flask

from .config import Settings
from .extensions import db
from .services.lifecycle.import_jobs import claim_next, run_job

log = logging.getLogger("idp.imports")


class ImportWorker:
    """A daemon thread that claims and runs import jobs; ``wake()`` makes it look at once."""

    def __init__(self, app: Flask, interval: float = 2.0) -> None:
        self.app = app
        self.interval = interval
        self.name = f"worker-{secrets.token_hex(6)}"
        self._stopping = threading.Event()
        self._wake = threading.Event()
        self._thread = threading.Thread(target=self._run, name="idp-import-worker", daemon=True)

    def start(self) -> None:
        """Start the thread."""
        self._thread.start()

    def wake(self) -> None:
        """Look for a job now (a job was just queued)."""
        self._wake.set()

    def stop(self, timeout: float = 30.0) -> None:
        """Ask the thread to stop and wait for the step in hand."""
        self._stopping.set()
        self._wake.set()
        if self._thread.is_alive():
            self._thread.join(timeout)

    def run_once(self) -> bool:
        """Claim and run one job step; whether there was one."""
        with self.app.app_context():
            try:
                job_id = claim_next(self.name)
                if job_id is not None:
                    run_job(job_id, self.name)
                return job_id is not None
            finally:
                db.session.remove()

    def _run(self) -> None:
        while not self._stopping.is_set():
            busy = False
            try:
                busy = self.run_once()
            except Exception:
                log.exception("background import failed")
            if not busy:
                self._wake.wait(self.interval)
                self._wake.clear()


def start_import_worker(app: Flask, *, interval: float = 2.0) -> ImportWorker:
    """Start running import jobs from a daemon thread of this process (``stop()`` ends it)."""
    worker = ImportWorker(app, interval)
    app.extensions["idp.import_worker"] = worker
    worker.start()
    return worker


def install_import_worker(app: Flask) -> None:
    """Outside tests, start the worker with the first request the process serves; stopped at
    exit. Tests start one themselves (start_import_worker) or call ``run_once``."""
    cfg: Settings = app.extensions["idp.settings"]
    if cfg.testing:
        return
    lock = threading.Lock()

    def start_once() -> None:
        if "idp.import_worker" in app.extensions:
            return
        with lock:
            if "idp.import_worker" not in app.extensions:
                atexit.register(start_import_worker(app).stop)

    app.before_request(start_once)
