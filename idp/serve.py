"""Serve the app with gunicorn (threaded workers), bound to the configured host and port."""

from __future__ import annotations

from typing import Any

from gunicorn.app.base import BaseApplication

from .services.platform.runtime import settings


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


def gunicorn_options() -> dict[str, Any]:
    cfg = settings()
    return {
        "bind": f"{cfg.host}:{cfg.port}",
        "workers": cfg.workers,
        "worker_class": "gthread",
        "threads": cfg.threads,
        "keepalive": 5,
        "accesslog": None,
        "preload_app": False,
        "control_socket_disable": True,
    }


def run_gunicorn() -> None:
    _Gunicorn(gunicorn_options()).run()
