"""How an outbox mail leaves the IdP: over SMTP, or (the embedded default) into .eml files.

A transport only sends; retries, backoff and bookkeeping live in :mod:`idp.services.mail.outbox`.
"""

from __future__ import annotations

import os
import re
import smtplib
import ssl
import sys
from email.message import EmailMessage
from pathlib import Path
from typing import Protocol

from ...config import Settings


class Transport(Protocol):
    """Something that sends one message at a time and is closed after a delivery run."""

    def send(self, message: EmailMessage) -> None: ...

    def close(self) -> None: ...


class SmtpTransport:
    """Send through an SMTP server; one connection is reused for a delivery run.

    ``security`` is ``none``, ``starttls`` or ``tls`` (implicit TLS, usually port 465). The
    server certificate is verified against the system's CAs. After any error the connection
    is dropped and the next :meth:`send` connects again.
    """

    def __init__(
        self,
        *,
        host: str,
        port: int,
        security: str = "none",
        username: str = "",
        password: str = "",
        timeout: float = 10,
    ) -> None:
        self.host = host
        self.port = port
        self.security = security
        self.username = username
        self._password = password
        self.timeout = timeout
        self._conn: smtplib.SMTP | None = None

    def _connect(self) -> smtplib.SMTP:
        conn: smtplib.SMTP
        if self.security == "tls":
            conn = smtplib.SMTP_SSL(
                self.host, self.port, timeout=self.timeout, context=ssl.create_default_context()
            )
        else:
            conn = smtplib.SMTP(self.host, self.port, timeout=self.timeout)
        try:
            conn.ehlo()
            if self.security == "starttls":
                conn.starttls(context=ssl.create_default_context())
                conn.ehlo()
            if self.username:
                conn.login(self.username, self._password)
        except BaseException:
            _quietly_close(conn)
            raise
        return conn

    def send(self, message: EmailMessage) -> None:
        """Send ``message`` to its To address; raise on any failure."""
        if self._conn is None:
            self._conn = self._connect()
        try:
            self._conn.send_message(message)
        except BaseException:
            self.close()
            raise

    def close(self) -> None:
        """End the SMTP session, if one is open."""
        if self._conn is not None:
            conn, self._conn = self._conn, None
            _quietly_close(conn)


def _quietly_close(conn: smtplib.SMTP) -> None:
    try:
        conn.quit()
    except (smtplib.SMTPException, OSError):
        conn.close()


_UNSAFE = re.compile(r"[^A-Za-z0-9._@-]")


class FileTransport:
    """Write each message as ``<message-id>.eml`` (mode 0600) under ``folder`` and print a
    line per mail, with any activation link, to standard error (for ``make run``)."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder

    def send(self, message: EmailMessage) -> None:
        """Write ``message`` to its file and announce it on standard error."""
        self.folder.mkdir(mode=0o700, parents=True, exist_ok=True)
        name = _UNSAFE.sub("_", str(message["Message-ID"]).strip("<> ")) or "mail"
        path = self.folder / f"{name}.eml"
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "wb") as fh:
            os.fchmod(fh.fileno(), 0o600)
            fh.write(message.as_bytes())
        lines = [f"Mail to {message['To']}: {message['Subject']} ({path})"]
        text_part = message.get_body(preferencelist=("plain",))
        if isinstance(text_part, EmailMessage):
            text = str(text_part.get_content())
            lines += [f"  {line.strip()}" for line in text.splitlines() if "/activate/" in line]
        print("\n".join(lines), file=sys.stderr, flush=True)

    def close(self) -> None:
        """Nothing to close."""


def transport_for(cfg: Settings) -> Transport:
    """The transport the settings choose."""
    if cfg.mail_transport == "smtp":
        return SmtpTransport(
            host=cfg.smtp_host,
            port=cfg.smtp_port,
            security=cfg.smtp_security,
            username=cfg.smtp_username,
            password=cfg.smtp_password,
            timeout=cfg.smtp_timeout_seconds,
        )
    return FileTransport(cfg.instance_dir / "mail")
