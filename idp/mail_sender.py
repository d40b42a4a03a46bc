"""The background mail sender: a daemon thread of the web process that empties the outbox.

App wiring, not a service: the outbox (:mod:`idp.services.mail.outbox`) holds the rules for
queueing and delivering mail; this module decides *when* a process delivers, which depends on
how the app runs (a web worker starts one sender with its first request; CLI commands and the
granian main process, which build the app too, never do). :func:`idp.create_app` installs it.
"""

from __future__ import annotations

import atexit
import logging
import threading
import time

from flask import Flask

from .config import Settings
from .services.lifecycle.reminders import send_due_reminders
from .services.mail.outbox import deliver_pending

log = logging.getLogger("idp.mail")

BATCH = 100  # mails per delivery run; a full batch means more are due, so run again at once
# How often the sender also queues the reminders before activation links expire (each is
# claimed once in the database, so several processes doing this is harmless).
REMINDER_INTERVAL = 300.0


class BackgroundSender:
    """A daemon thread that delivers pending mail every ``interval`` seconds."""

    def __init__(self, app: Flask, interval: float = 5.0) -> None:
        self.app = app
        self.interval = interval
        self._stopping = threading.Event()
        self._reminded_at: float | None = None  # time.monotonic() of the last reminder pass
        self._thread = threading.Thread(target=self._run, name="idp-mail-sender", daemon=True)

    def start(self) -> None:
        """Start the thread."""
        self._thread.start()

    def stop(self, timeout: float = 30.0) -> None:
        """Ask the thread to stop and wait until it has finished the mail in hand."""
        self._stopping.set()
        if self._thread.is_alive():
            self._thread.join(timeout)

    @property
    def running(self) -> bool:
        """Whether the thread is still alive."""
        return self._thread.is_alive()

    def _remind(self) -> None:
        """Queue the due activation reminders, at most every ``REMINDER_INTERVAL`` seconds."""
        now = time.monotonic()
        if self._reminded_at is not None and now - self._reminded_at < REMINDER_INTERVAL:
            return
        self._reminded_at = now
        try:
            with self.app.app_context():
                send_due_reminders()
        except Exception:
            log.exception("activation reminders failed")

    def _run(self) -> None:
        while not self._stopping.is_set():
            busy = False
            self._remind()
            try:
                with self.app.app_context():
                    report = deliver_pending(BATCH)
                busy = report.sent + report.failed >= BATCH
            except Exception:
                log.exception("background mail delivery failed")
            if not busy:
                self._stopping.wait(self.interval)


def start_background_sender(app: Flask, *, interval: float = 5.0) -> BackgroundSender:
    """Start delivering pending mail from a daemon thread of this process; call ``stop()``
    on the result to end it."""
    sender = BackgroundSender(app, interval)
    sender.start()
    return sender


def install_background_sender(app: Flask) -> None:
    """When ``mail_background`` is on (and not in tests), start the background sender with
    the first request the process serves, so CLI commands and the granian main process, which
    also build the app, never run one. It is stopped at exit."""
    cfg: Settings = app.extensions["idp.settings"]
    if not cfg.mail_background or cfg.testing:
        return
    lock = threading.Lock()
    started: list[BackgroundSender] = []

    def start_once() -> None:
        if started:
            return
        with lock:
            if not started:
                sender = start_background_sender(app)
                started.append(sender)
                app.extensions["idp.mail_sender"] = sender
                atexit.register(sender.stop, cfg.smtp_timeout_seconds + 5)

    app.before_request(start_once)
