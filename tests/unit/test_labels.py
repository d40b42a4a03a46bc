"""Every stored value has a word (idp/services/wording.py, shown by idp/web/labels.py), every
audit action a name and a sentence (idp/web/audit_text.py), and the words are Danish on a
Danish page: "Lav", "2. december 2026 kl. 04.15"."""

from __future__ import annotations

import inspect
import re
from datetime import UTC, date, datetime
from enum import StrEnum
from typing import Any

import pytest
from flask import Flask
from flask_babel import Babel

from idp.assets import asset_dir
from idp.models import AuditEvent, enums
from idp.services.wording import WORDS, word
from idp.web import audit_text, labels
from tests.support.helpers import ROOT

RECORDED = re.compile(r"""(?:record|_audit)\(\s*["']([a-z_]+\.[a-z_]+)["']""")


def _value_sets() -> list[type[StrEnum]]:
    return [
        kind
        for _, kind in inspect.getmembers(enums, inspect.isclass)
        if issubclass(kind, StrEnum) and kind is not StrEnum
    ]


def _page(language: str) -> Any:
    app = Flask(__name__)
    app.config["BABEL_TRANSLATION_DIRECTORIES"] = str(asset_dir("translations"))
    app.config["BABEL_DEFAULT_TIMEZONE"] = "Europe/Copenhagen"
    Babel(app, locale_selector=lambda: language)
    return app.test_request_context("/")


@pytest.mark.parametrize("kind", _value_sets(), ids=lambda kind: kind.__name__)
def test_every_member_of_every_value_set_has_a_word(kind: type[StrEnum]) -> None:
    assert kind in WORDS, f"{kind.__name__} has no words in idp/services/wording.py"
    missing = [member for member in kind if member not in WORDS[kind]]
    assert not missing, f"no word for {missing}"
    assert kind in labels.FILTERS.values(), f"no template filter for {kind.__name__}"


def test_every_audit_action_has_a_name_and_a_sentence() -> None:
    recorded = {
        action
        for path in (ROOT / "idp" / "services").rglob("*.py")
        for action in RECORDED.findall(path.read_text(encoding="utf-8"))
    }
    recorded |= {"user.locked", "user.under_attack", "user.address_throttled"}  # via _audit
    assert len(recorded) > 30
    missing = sorted(recorded - set(audit_text.ACTIONS))
    assert not missing, f"audit actions without a sentence in idp/web/audit_text.py: {missing}"


def test_values_are_danish_on_a_danish_page() -> None:
    with _page("da"):
        assert [labels.label(enums.NsisLevel, v) for v in enums.NsisLevel] == [
            "Lav",
            "Betydelig",
            "Høj",
        ]
        assert labels.label(enums.LoginMeans, "totp_app") == "Authenticator-app"
        assert labels.label(enums.UserStatus, "pending_activation") == "Afventer aktivering"
        assert labels.label(enums.ProofingRoute, None) == ""
        assert labels.roles(["user_admin", "registrar"]) == "Brugeradministrator, Registrator"
        assert str(word("pending_activation").localized()) == "afventer aktivering"
        moment = datetime(2026, 12, 2, 3, 15, tzinfo=UTC)
        assert labels.when(moment) == "2. december 2026 kl. 04.15"
        assert labels.day(date(2026, 12, 2)) == "2. december 2026"


def test_values_are_english_on_an_english_page() -> None:
    with _page("en"):
        assert labels.label(enums.NsisLevel, "Substantial") == "Substantial"
        moment = datetime(2026, 12, 2, 3, 15, tzinfo=UTC)
        assert labels.when(moment) == "2 December 2026, 04:15"
        assert str(word("pending_activation")) == "pending activation"


def test_an_audit_event_reads_as_a_sentence_with_readable_details() -> None:
    event = AuditEvent(
        action="authenticator.locked",
        actor="system",
        target="anna",
        details={"type": "code_display", "serial": None, "seconds": 900, "public": False},
    )
    with _page("da"):
        assert audit_text.audit_sentence(event) == "Systemet spærrede et loginmiddel for anna"
        details = audit_text.audit_details(event)
        assert details == "Loginmidler: Kodeviser; Serienummer: \u2013; Sekunder: 900; " + (
            "Offentlig klient: Nej"
        )
        assert audit_text.action_name("user.login") == "Logget ind"


def test_every_scope_is_said_in_words_on_the_consent_page() -> None:
    from idp.services.clients import SCOPES

    assert set(SCOPES) == set(labels.SCOPE_WORDS)
    with _page("da"):
        assert labels.scopes("openid profile") == "Hvem du er (et fast id), Dit navn"
    with _page("en"):
        assert labels.scope("organization") == "Organisation and CVR number"


def test_a_mail_gives_its_own_language_for_dates() -> None:
    with _page("en"):
        assert labels.day("2026-12-09", "da") == "9. december 2026"
        assert labels.day("2026-12-09") == "9 December 2026"
        assert labels.day("31-01-2030") == "31-01-2030"  # not an ISO date: as it is


def test_nested_details_read_as_words_too() -> None:
    settings = {"redirect_uris": ["https://a.example.dk/cb"], "first_party": True}
    changed = AuditEvent(
        action="client.updated",
        actor="operator:cli",
        target="abc",
        details={"before": settings, "after": {**settings, "grants": ["authorization_code"]}},
    )
    configured = AuditEvent(
        action="org.configured",
        actor="boss",
        target="12345678",
        details={
            "routes": {"in_person": {"enabled": True, "cap": "High"}},
            "minimum_ial": "Substantial",
        },
    )
    with _page("da"):
        assert audit_text.audit_sentence(changed) == (
            "Driftsoperatøren (kommandolinjen) ændrede tjenesten abc"
        )
        said = audit_text.audit_details(changed) + audit_text.audit_details(configured)
        assert "Autorisationskode (log personer ind)" in said and "Høj" in said, said
        assert not re.search(r"[{}\[\]]|\w_\w|True|High|in_person", said), said
