"""Mail through an outbox: queued in the caller's transaction, delivered with retries.

:func:`queue_mail` adds an :class:`OutboxMail` to the current transaction and does not commit,
so the mail exists exactly when the change that causes it does. :func:`deliver_pending`
claims due mails one at a time (an atomic UPDATE, so two senders never send one mail twice),
sends them through the configured transport and records success or the failure with an
exponential backoff. An SMTP outage loses nothing: the mails wait in the table.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from datetime import datetime, timedelta
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid
from typing import Any, cast
from urllib.parse import urlsplit

from flask import current_app, render_template
from jinja2 import TemplateNotFound
from sqlalchemy import CursorResult, func, or_, select, update

from ...config import Settings
from ...extensions import db
from ...models import OutboxMail
from ...models.enums import MailStatus
from ...models.types import utcnow
from ..platform.runtime import settings
from .transports import Transport, transport_for

log = logging.getLogger("idp.mail")

FALLBACK_LOCALE = "da"
BACKOFF_FIRST_SECONDS = 30
BACKOFF_MAX_SECONDS = 3600
_TEMPLATE_NAME = re.compile(r"^[a-z0-9_]+$")
_LOCALE = re.compile(r"^[a-z]{2,3}$")


@dataclass(frozen=True)
class DeliveryReport:
    """What one delivery run did, and what is left in the outbox afterwards."""

    sent: int  # delivered in this run
    failed: int  # attempts that failed in this run
    waiting: int  # unsent mails that will be tried again (now or after their backoff)
    given_up: int  # unsent mails that reached mail_max_attempts (kept, with last_error)


def _template_path(locale: str, template: str, ext: str) -> str:
    wanted = f"email/{locale}/{template}.{ext}"
    try:
        current_app.jinja_env.get_template(wanted)
    except TemplateNotFound:
        return f"email/{FALLBACK_LOCALE}/{template}.{ext}"
    return wanted


def _plain_address(to: str) -> str:
    """One plain e-mail address: no header injection, no list of recipients."""
    address = to.strip()
    if not address or "@" not in address or any(c in address for c in "\r\n,;<>"):
        raise ValueError("a mail needs one plain e-mail address")
    return address


def _mail_locale(locale: str | None, cfg: Settings) -> str:
    """The language part of ``locale`` (``da-DK`` -> ``da``), else the default locale."""
    locale = (locale or cfg.default_locale).split("-")[0].lower()
    return locale if _LOCALE.match(locale) else cfg.default_locale


def _render(template: str, locale: str, context: dict[str, Any]) -> tuple[str, str, str]:
    """Subject, text and HTML of a mail; the subject is the text's ``Subject: `` line."""
    context = {**context, "mail_locale": locale}  # dates in the mail's language (``day``)
    text = render_template(_template_path(locale, template, "txt"), **context)
    html = render_template(_template_path(locale, template, "html"), **context)
    subject = ""
    first, _, rest = text.partition("\n")
    if first.startswith("Subject: "):
        subject, text = first.removeprefix("Subject: ").strip(), rest.lstrip("\n")
    return subject, text, html


def queue_mail(
    kind: str,
    *,
    to: str,
    template: str,
    context: dict[str, Any],
    locale: str | None = None,
    org_id: int | None = None,
    user_id: int | None = None,
) -> OutboxMail:
    """Render ``templates/email/<locale>/<template>.txt`` and ``.html`` and add the mail to
    the outbox in the current transaction. Does not commit: the caller commits it together
    with the change that causes it (and a rollback drops it).

    The subject is the first line of the text rendering when it starts with ``Subject: ``.
    ``locale`` defaults to the ``default_locale`` setting; a locale without the template
    falls back to Danish.
    """
    if not _TEMPLATE_NAME.match(template):
        raise ValueError(f"bad mail template name {template!r}")
    address = _plain_address(to)
    cfg = settings()
    subject, text, html = _render(template, _mail_locale(locale, cfg), context)
    now = utcnow()
    mail = OutboxMail(
        message_id=make_msgid(domain=urlsplit(cfg.issuer).hostname or "localhost"),
        kind=kind,
        org_id=org_id,
        user_id=user_id,
        to_address=address,
        subject=subject[:300],
        body_text=text,
        body_html=html,
        created_at=now,
        attempts=0,
        next_attempt_at=now,
    )
    db.session.add(mail)
    return mail


def build_message(mail: OutboxMail, cfg: Settings) -> EmailMessage:
    """The MIME message for an outbox row: text with an HTML alternative."""
    message = EmailMessage()
    message["From"] = cfg.mail_from
    message["To"] = mail.to_address
    message["Subject"] = mail.subject
    message["Message-ID"] = mail.message_id
    message["Date"] = format_datetime(mail.created_at)
    message.set_content(mail.body_text)
    message.add_alternative(mail.body_html, subtype="html")
    return message


def backoff(attempts: int) -> timedelta:
    """Wait after the ``attempts``-th failure: 30 s, 60 s, 120 s, ... at most one hour."""
    seconds = BACKOFF_FIRST_SECONDS * 2 ** min(max(attempts - 1, 0), 20)
    return timedelta(seconds=min(seconds, BACKOFF_MAX_SECONDS))


def _describe(error: BaseException, cfg: Settings) -> str:
    text = f"{type(error).__name__}: {error}"
    if cfg.smtp_password:
        text = text.replace(cfg.smtp_password, "***")
    return text[:500]


def _due(now: datetime, max_attempts: int) -> Any:
    return (
        OutboxMail.sent_at.is_(None),
        OutboxMail.attempts < max_attempts,
        OutboxMail.next_attempt_at <= now,
        or_(OutboxMail.claimed_until.is_(None), OutboxMail.claimed_until < now),
    )


def _claim(mail_id: int, cfg: Settings) -> OutboxMail | None:
    """Claim one mail for this sender in its own committed transaction, or None if another
    sender has it (or has sent it) already."""
    now = utcnow()
    claim_seconds = max(60, 4 * cfg.smtp_timeout_seconds)
    result = cast(
        CursorResult[Any],
        db.session.execute(
            update(OutboxMail)
            .where(OutboxMail.id == mail_id, *_due(now, cfg.mail_max_attempts))
            .values(claimed_until=now + timedelta(seconds=claim_seconds))
            .execution_options(synchronize_session=False)
        ),
    )
    db.session.commit()
    if result.rowcount != 1:
        return None
    return db.session.execute(
        select(OutboxMail).where(OutboxMail.id == mail_id).execution_options(populate_existing=True)
    ).scalar_one()


def deliver_pending(limit: int = 100) -> DeliveryReport:
    """Send up to ``limit`` due mails through the configured transport and commit the
    outcome of each. Safe to run in several processes or threads at once."""
    cfg = settings()
    ids = list(
        db.session.execute(
            select(OutboxMail.id)
            .where(*_due(utcnow(), cfg.mail_max_attempts))
            .order_by(OutboxMail.next_attempt_at, OutboxMail.id)
            .limit(limit)
        ).scalars()
    )
    db.session.commit()  # end the read so every claim starts a fresh write transaction
    sent = failed = 0
    transport: Transport | None = None
    try:
        for mail_id in ids:
            mail = _claim(mail_id, cfg)
            if mail is None:
                continue
            if transport is None:
                transport = transport_for(cfg)
            try:
                transport.send(build_message(mail, cfg))
            except Exception as error:
                mail.attempts += 1
                mail.last_error = _describe(error, cfg)
                mail.next_attempt_at = utcnow() + backoff(mail.attempts)
                mail.claimed_until = None
                failed += 1
                log.warning(
                    "mail %s to %s failed (attempt %d of %d): %s",
                    mail.id,
                    mail.to_address,
                    mail.attempts,
                    cfg.mail_max_attempts,
                    mail.last_error,
                )
            else:
                mail.sent_at = utcnow()
                mail.claimed_until = None
                sent += 1
            db.session.commit()
    finally:
        if transport is not None:
            transport.close()
    waiting, given_up = _unsent_counts(cfg)
    return DeliveryReport(sent=sent, failed=failed, waiting=waiting, given_up=given_up)


def _unsent_counts(cfg: Settings) -> tuple[int, int]:
    def count(*where: Any) -> int:
        query = select(func.count(OutboxMail.id)).where(OutboxMail.sent_at.is_(None), *where)
        return int(db.session.execute(query).scalar_one())

    waiting = count(OutboxMail.attempts < cfg.mail_max_attempts)
    given_up = count(OutboxMail.attempts >= cfg.mail_max_attempts)
    db.session.commit()
    return waiting, given_up


def list_outbox(*, pending_only: bool = False, limit: int = 500) -> list[OutboxMail]:
    """Outbox rows, oldest first; ``pending_only`` leaves out mails already sent."""
    query = select(OutboxMail).order_by(OutboxMail.id).limit(limit)
    if pending_only:
        query = query.where(OutboxMail.sent_at.is_(None))
    return list(db.session.execute(query).scalars())


def mail_status(mail: OutboxMail) -> MailStatus:
    """``sent``, ``pending`` or ``failed`` (gave up after mail_max_attempts)."""
    if mail.sent_at is not None:
        return MailStatus.SENT
    return (
        MailStatus.FAILED if mail.attempts >= settings().mail_max_attempts else MailStatus.PENDING
    )
