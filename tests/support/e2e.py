"""Real parts for the end-to-end and browser tests: the IdP on a real threaded WSGI server on
127.0.0.1, a real SMTP server (aiosmtpd) that keeps what it receives, and the operator's CLI.

The fixtures that hand these out live in tests/e2e/conftest.py and tests/browser/conftest.py;
they stop what they started through ``reserved_servers`` and ``running_smtp``."""

from __future__ import annotations

import email
import json
import re
import secrets
import shlex
import socket
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from email.message import EmailMessage
from email.policy import default as default_policy
from pathlib import Path
from typing import Any

from aiosmtpd.controller import Controller
from flask import Flask
from werkzeug.serving import BaseWSGIServer, make_server

from .fake_op import FakeOP

TIMEOUT = 10


class Server:
    """A real threaded WSGI server on 127.0.0.1 (random port); its URL is known before the
    app is built, so that the app's issuer can be that URL."""

    def __init__(self, host: str) -> None:
        self._server: BaseWSGIServer = make_server("127.0.0.1", 0, app=None, threaded=True)  # type: ignore[arg-type]
        self.url = f"http://{host}:{self._server.server_port}"
        self._thread: threading.Thread | None = None

    def serve(self, app: Flask) -> None:
        self._server.app = _closing(app)
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self._thread.start()

    def stop(self) -> None:
        if self._thread is not None:
            self._server.shutdown()
            self._thread.join(timeout=10)
        self._server.server_close()


def _closing(app: Any) -> Any:
    """``app`` with every response iterable closed once it is done with, also when the
    client hangs up. Werkzeug's development server closes the iterable only after it has
    drained the request socket, and a browser that drops a font download mid-way makes that
    drain raise first: the response's open file would be left to the garbage collector (a
    ResourceWarning, an error under filterwarnings = error)."""

    def served(environ: dict[str, Any], start_response: Any) -> Any:
        result = app(environ, start_response)

        def chunks() -> Any:
            try:
                yield from result
            finally:  # exhausted, closed by the server, or collected: the file closes here
                if hasattr(result, "close"):
                    result.close()

        return chunks()

    return served


class Collector:
    """aiosmtpd handler that keeps every message it accepts."""

    def __init__(self) -> None:
        self.messages: list[EmailMessage] = []
        self.recipients: list[str] = []  # RCPT TO of every message
        self._changed = threading.Condition()

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        message = email.message_from_bytes(envelope.content, policy=default_policy)
        with self._changed:
            self.messages.append(message)
            self.recipients += envelope.rcpt_tos
            self._changed.notify_all()
        return "250 Message accepted for delivery"

    def wait_for(self, count: int, timeout: float = TIMEOUT) -> list[EmailMessage]:
        with self._changed:
            arrived = self._changed.wait_for(lambda: len(self.messages) >= count, timeout)
            assert arrived, f"{len(self.messages)} of {count} messages arrived"
            return list(self.messages)


class Smtp:
    """A real SMTP server on 127.0.0.1, on a port chosen now and started (maybe) later."""

    def __init__(self) -> None:
        with socket.socket() as probe:  # a port on which nothing listens once closed
            probe.bind(("127.0.0.1", 0))
            self.port = int(probe.getsockname()[1])
        self.handler = Collector()
        self._controller: Controller | None = None

    def start(self) -> None:
        self._controller = Controller(self.handler, hostname="127.0.0.1", port=self.port)
        self._controller.start()

    def stop(self) -> None:
        if self._controller is not None:
            self._controller.stop()
            self._controller = None


@contextmanager
def reserved_servers() -> Iterator[Callable[..., Server]]:
    """Reserve servers (``reserve(host)``); every one is stopped on leaving."""
    started: list[Server] = []

    def reserve(host: str = "127.0.0.1") -> Server:
        server = Server(host)
        started.append(server)
        return server

    try:
        yield reserve
    finally:
        for server in started:
            server.stop()


@contextmanager
def running_smtp() -> Iterator[Smtp]:
    """An SMTP server whose port is chosen now; the test starts it, it is stopped on leaving."""
    server = Smtp()
    try:
        yield server
    finally:
        server.stop()


def downstream_app(make_app: Any, server: Server, smtp: Smtp, **extra: Any) -> Flask:
    app: Flask = make_app(
        issuer=server.url,
        mail_transport="smtp",
        smtp_host="127.0.0.1",
        smtp_port=smtp.port,
        mail_background=False,  # delivered by `idp mail send`: nothing to wait for
        **extra,
    )
    return app


@contextmanager
def served_with_private_eid(
    make_app: Any, server: Server, smtp: Smtp
) -> Iterator[tuple[Flask, FakeOP]]:
    """A downstream app served by ``server`` whose private eID provider is the scripted
    upstream OP (tests/support/fake_op.py); it sets no cookies, so 127.0.0.1 serves it as
    well as localhost."""
    with FakeOP(
        client_id="lokal-idp",
        client_secret=secrets.token_urlsafe(24),
        redirect_uri=server.url + "/proofing/private-eid/callback",
    ) as op:
        app = downstream_app(
            make_app,
            server,
            smtp,
            private_eid_issuer=op.url,
            private_eid_client_id=op.client_id,
            private_eid_client_secret=op.client_secret,
        )
        server.serve(app)
        yield app, op


def cli(app: Flask, command: str, *, input: str | None = None, ok: bool = True) -> Any:
    """Run ``idp <command>``; with ``--json`` returns the parsed output, else the result."""
    result = app.test_cli_runner().invoke(args=shlex.split(command), input=input)
    if ok:
        assert result.exit_code == 0, (command, result.output)
    if "--json" in command:
        return json.loads(result.stdout)
    return result


def boss(app: Flask, cvr: str, password: str, *roles: str) -> Any:
    """Birte Boss (username ``boss``, an authenticator app, identity Substantial) in the
    organisation ``cvr`` with ``roles``, made through the CLI; its ``--json`` (totp_secret)."""
    made = cli(
        app,
        f"users create --org {cvr} --username boss --name 'Birte Boss' "
        "--email boss@example.dk --password-stdin --totp --ial Substantial --json",
        input=password + "\n",
    )
    for role in roles:
        cli(app, f"admins grant boss {role} --org {cvr}")
    return made


def write_csv(path: Path, rows: list[dict[str, str]]) -> Path:
    header = list(rows[0])
    lines = [",".join(header)] + [",".join(row[h] for h in header) for row in rows]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def text_of(message: EmailMessage) -> str:
    part = message.get_body(("plain",))
    assert part is not None, message
    return str(part.get_content())


def activation_link(message: EmailMessage) -> str:
    """The one link of the mail's text part."""
    links = re.findall(r"https?://[^\s<>\"')]+", text_of(message))
    assert len(links) == 1, links
    return str(links[0])
