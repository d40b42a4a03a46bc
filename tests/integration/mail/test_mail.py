"""Mail outbox: queued in the caller's transaction, delivered over a real SMTP server
(aiosmtpd) or into .eml files, with retries and backoff; an outage loses nothing and two
senders never send one mail twice."""

from __future__ import annotations

import email
import json
import shlex
import socket
import stat
import threading
from collections import Counter
from collections.abc import Iterator
from datetime import timedelta
from email.message import EmailMessage
from email.policy import default as default_policy
from pathlib import Path
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult
from sqlalchemy import func, select, update

from idp.extensions import db
from idp.mail_sender import start_background_sender
from idp.models import OutboxMail
from idp.models.types import utcnow
from idp.services.mail.outbox import deliver_pending, queue_mail

LINK = "http://127.0.0.1:5000/activate/tok3n-abc"
CONTEXT = {
    "org_name": "Eksempel Kommune",
    "name": "Bo <Hansen>",
    "link": LINK,
    "expires": "31-01-2030",
    "login_means": "app",
}
PASSWORD = "smtp-pass-w0rd-do-not-leak"


class Collector:
    """aiosmtpd handler that keeps every received message."""

    def __init__(self) -> None:
        self.messages: list[EmailMessage] = []
        self._changed = threading.Condition()

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        message = email.message_from_bytes(envelope.content, policy=default_policy)
        with self._changed:
            self.messages.append(message)  # type: ignore[arg-type]
            self._changed.notify_all()
        return "250 Message accepted for delivery"

    def wait_for(self, count: int, timeout: float = 10) -> list[EmailMessage]:
        with self._changed:
            assert self._changed.wait_for(lambda: len(self.messages) >= count, timeout), (
                f"{len(self.messages)} of {count} messages arrived"
            )
        return list(self.messages)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class Smtp:
    """A real SMTP server on 127.0.0.1 that can be started on a chosen port later."""

    def __init__(self, port: int) -> None:
        self.port = port
        self.handler = Collector()
        self.controller: Controller | None = None

    def start(self, **kwargs: Any) -> Smtp:
        self.controller = Controller(self.handler, hostname="127.0.0.1", port=self.port, **kwargs)
        self.controller.start()
        return self

    def stop(self) -> None:
        if self.controller is not None:
            self.controller.stop()
            self.controller = None


@pytest.fixture
def smtp() -> Iterator[Smtp]:
    server = Smtp(free_port())
    yield server
    server.stop()


def smtp_app(make_app: Any, smtp: Smtp, **extra: Any) -> Any:
    return make_app(mail_transport="smtp", smtp_port=smtp.port, **extra)


def queue(app: Any, count: int = 1, **kwargs: Any) -> list[str]:
    """Queue ``count`` activation mails and commit; return their Message-IDs."""
    with app.app_context():
        mails = [
            queue_mail(
                "activation",
                to=f"person{i}@example.dk",
                template="activation",
                context=CONTEXT,
                **kwargs,
            )
            for i in range(count)
        ]
        db.session.commit()
        return [m.message_id for m in mails]


def make_due(app: Any) -> None:
    with app.app_context():
        db.session.execute(
            update(OutboxMail).values(next_attempt_at=utcnow() - timedelta(seconds=1))
        )
        db.session.commit()


def rows(app: Any) -> list[OutboxMail]:
    with app.app_context():
        return list(db.session.execute(select(OutboxMail).order_by(OutboxMail.id)).scalars())


def test_queue_and_deliver_over_smtp(make_app, smtp):
    app = smtp_app(make_app, smtp)
    smtp.start()
    [message_id] = queue(app)
    with app.app_context():
        report = deliver_pending()
    assert (report.sent, report.failed, report.waiting) == (1, 0, 0)

    [message] = smtp.handler.wait_for(1)
    assert message["To"] == "person0@example.dk"
    assert message["Subject"] == "Aktivér din konto hos Eksempel Kommune"
    assert message["Message-ID"] == message_id
    assert message_id.endswith("@127.0.0.1>")
    assert message["From"] == "Lokal IdP <no-reply@localhost>"
    text = message.get_body(("plain",)).get_content()  # type: ignore[union-attr]
    html = message.get_body(("html",)).get_content()  # type: ignore[union-attr]
    assert LINK in text and f'href="{LINK}"' in html
    assert not text.startswith("Subject:")
    assert "Hej Bo <Hansen>" in text and "Bo &lt;Hansen&gt;" in html
    assert "31-01-2030" in text and "authenticator-app" in text
    [row] = rows(app)
    assert row.sent_at is not None and row.attempts == 0 and row.claimed_until is None


def test_english_locale_code_display_and_fallback_to_danish(app):
    with app.app_context():
        english = queue_mail(
            "activation",
            to="bo@example.dk",
            template="activation",
            context={**CONTEXT, "login_means": "code_display"},
            locale="en",
        )
        fallback = queue_mail(
            "activation", to="bo@example.dk", template="activation", context=CONTEXT, locale="de"
        )
        assert english.subject == "Activate your account with Eksempel Kommune"
        assert "code display" in english.body_text and 'lang="en"' in english.body_html
        assert fallback.subject.startswith("Aktivér din konto")
        assert english.message_id != fallback.message_id
        db.session.rollback()


def test_file_transport_writes_private_eml_and_prints_the_link(app, capsys):
    [message_id] = queue(app)
    with app.app_context():
        report = deliver_pending()
    assert report.sent == 1
    files = list(Path(app.instance_path, "mail").glob("*.eml"))
    assert len(files) == 1
    assert stat.S_IMODE(files[0].stat().st_mode) == 0o600
    message = email.message_from_bytes(files[0].read_bytes(), policy=default_policy)
    assert message["Message-ID"] == message_id
    err = capsys.readouterr().err
    assert "Mail to person0@example.dk: Aktivér din konto hos Eksempel Kommune" in err
    assert LINK in err


def test_smtp_outage_loses_nothing_and_each_mail_arrives_once(make_app, smtp):
    app = smtp_app(make_app, smtp)  # nothing listens on the port yet
    ids = queue(app, 50)
    with app.app_context():
        report = deliver_pending()
    assert (report.sent, report.failed, report.waiting) == (0, 50, 50)
    before = utcnow()
    for row in rows(app):
        assert row.sent_at is None and row.attempts == 1 and row.claimed_until is None
        assert row.last_error and "Connection" in row.last_error
        assert row.next_attempt_at > before  # backoff
    with app.app_context():
        assert deliver_pending().failed == 0  # not due yet: no retry storm

    smtp.start()
    make_due(app)
    with app.app_context():
        report = deliver_pending()
        again = deliver_pending()
    assert (report.sent, report.failed, report.waiting) == (50, 0, 0)
    assert (again.sent, again.failed) == (0, 0)
    received = Counter(m["Message-ID"] for m in smtp.handler.wait_for(50))
    assert set(received) == set(ids) and set(received.values()) == {1}
    assert all(row.sent_at is not None for row in rows(app))


def test_two_parallel_senders_send_each_mail_exactly_once(make_app, smtp):
    first, second = smtp_app(make_app, smtp), smtp_app(make_app, smtp)
    smtp.start()
    ids = queue(first, 20)
    barrier = threading.Barrier(2)
    reports: list[Any] = []
    errors: list[BaseException] = []

    def sender(app: Any) -> None:
        try:
            with app.app_context():
                barrier.wait(timeout=10)
                reports.append(deliver_pending())
        except BaseException as error:
            errors.append(error)

    threads = [threading.Thread(target=sender, args=(a,)) for a in (first, second)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not errors
    assert sum(r.sent for r in reports) == 20 and sum(r.failed for r in reports) == 0
    received = Counter(m["Message-ID"] for m in smtp.handler.wait_for(20))
    assert set(received) == set(ids) and set(received.values()) == {1}


def test_a_mail_stops_being_retried_after_max_attempts(make_app, smtp):
    app = smtp_app(make_app, smtp, mail_max_attempts=2)
    queue(app)
    with app.app_context():
        assert deliver_pending().failed == 1
    make_due(app)
    with app.app_context():
        report = deliver_pending()
    assert (report.failed, report.waiting, report.given_up) == (1, 0, 1)

    smtp.start()
    make_due(app)
    with app.app_context():
        report = deliver_pending()
    assert (report.sent, report.failed, report.given_up) == (0, 0, 1)
    [row] = rows(app)
    assert row.attempts == 2 and row.sent_at is None and row.last_error
    assert smtp.handler.messages == []
    listed = app.test_cli_runner().invoke(args=["mail", "list", "--pending", "--json"])
    assert json.loads(listed.output)[0]["status"] == "failed"


def test_queued_mail_is_dropped_when_the_caller_rolls_back(app):
    with app.app_context():
        queue_mail("activation", to="bo@example.dk", template="activation", context=CONTEXT)
        db.session.rollback()
        assert db.session.execute(select(func.count(OutboxMail.id))).scalar_one() == 0


def test_smtp_login_and_no_secret_in_last_error(make_app, smtp):
    accepted: list[bool] = [False]

    def authenticator(server, session, envelope, mechanism, auth_data):
        ok = auth_data.login == b"idp" and auth_data.password == PASSWORD.encode()
        return AuthResult(success=ok and accepted[0], handled=False)

    smtp.start(authenticator=authenticator, auth_require_tls=False)
    app = smtp_app(make_app, smtp, smtp_username="idp", smtp_password=PASSWORD)
    queue(app)
    with app.app_context():
        assert deliver_pending().failed == 1
    [row] = rows(app)
    assert row.last_error and "Authentication" in row.last_error
    assert PASSWORD not in row.last_error

    accepted[0] = True
    make_due(app)
    with app.app_context():
        assert deliver_pending().sent == 1
    smtp.handler.wait_for(1)


def test_cli_mail_send_and_list_never_show_the_body(app):
    queue(app, 2)
    runner = app.test_cli_runner()
    pending = json.loads(runner.invoke(args=shlex.split("mail list --pending --json")).output)
    assert [p["to"] for p in pending] == ["person0@example.dk", "person1@example.dk"]
    assert {p["status"] for p in pending} == {"pending"}
    assert LINK not in json.dumps(pending)
    sent = runner.invoke(args=shlex.split("mail send --json"))
    assert sent.exit_code == 0, sent.output
    assert json.loads(sent.stdout) == {"sent": 2, "failed": 0, "waiting": 0, "given_up": 0}
    assert json.loads(runner.invoke(args=shlex.split("mail list --pending --json")).output) == []
    listed = runner.invoke(args=shlex.split("mail list")).output
    assert "sent" in listed and LINK not in listed


def test_background_sender_delivers_and_stops(make_app, smtp):
    app = smtp_app(make_app, smtp)
    smtp.start()
    queue(app)
    sender = start_background_sender(app, interval=0.05)
    try:
        smtp.handler.wait_for(1)
        queue(app)
        smtp.handler.wait_for(2)
    finally:
        sender.stop()
    assert not sender.running


def test_web_process_starts_the_sender_with_its_first_request(make_app, smtp):
    assert "idp.mail_sender" not in make_app().extensions  # tests never start one
    app = smtp_app(make_app, smtp, testing=False)
    smtp.start()
    queue(app)
    assert "idp.mail_sender" not in app.extensions  # building the app (CLI) starts nothing
    app.test_client().get("/healthz")
    sender = app.extensions["idp.mail_sender"]
    try:
        smtp.handler.wait_for(1)
    finally:
        sender.stop()
        # The first request started the import worker too: stopped here, so that it does not
        # outlive the test (and the test database).
        app.extensions["idp.import_worker"].stop()
    assert not sender.running
