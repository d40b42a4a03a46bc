"""What a Danish page must not show: internal keys (the stored values of idp/models/enums.py
that are not also Danish words, dotted audit action keys, scope identifiers), Python reprs, and
the English words of idp/services/wording.py and the audit that have a Danish translation.

Used by tests/integration/web/test_danish_values.py (pages through the test client, with data
in every list) and tests/browser/test_every_page.py (every page of the URL map in Chromium)."""

from __future__ import annotations

import html as entities
import re

from babel.messages.pofile import read_po
from flask import Flask
from flask_babel import force_locale, gettext

from idp.services.wording import WORDS
from idp.web import audit_text, labels

from .helpers import ROOT

DANISH_WORDS = {"app", "sent", "attestation"}  # stored values that are Danish words too
SCOPES = ("openid", "offline_access", "organization", "privileges")
# The import page names the CSV file's column headers, which are written as they are.
COLUMNS = re.compile(r"\b(username|privileges|login_means|given_name|family_name)\b(?=[ ,]| og)")
REPRS = ("None", "True", "False", "{'", "UTC")


class DanishCheck:
    """The words to look for, gathered once per app (they need its catalogues)."""

    def __init__(self, app: Flask) -> None:
        values = {m.value for kind in WORDS for m in kind if m.value.lower() not in DANISH_WORDS}
        values |= set(labels.SUBJECT_TYPES) | set(audit_text.METHODS)
        self.keys = values | {"totp_app"} | set(audit_text.ACTIONS) | set(SCOPES)
        texts = {text for table in WORDS.values() for text in table.values()}
        texts |= set(labels.SCOPE_WORDS.values()) | set(audit_text.FIELDS.values())
        texts |= {short for short, _ in audit_text.ACTIONS.values()}
        with app.test_request_context("/"), force_locale("da"):
            self.english = {text for text in texts if gettext(text) != text}
        self.english |= untranslated_sentences()

    def leaks(self, page: str) -> list[str]:
        """The internal keys, reprs and English words found in the page's visible text."""
        text = visible_text(page)
        hits = [
            k for k in self.keys if re.search(rf"(?<![\w.-]){re.escape(k)}(?![\w-])", text, re.I)
        ]
        hits += [e for e in self.english if re.search(rf"(?<![\w-]){re.escape(e)}(?![\w-])", text)]
        return sorted(hits + [r for r in REPRS if r in text])


def untranslated_sentences() -> set[str]:
    """The English sentences of the catalogue (three words or more, no placeholder) whose
    Danish differs: one of them on a Danish page is text that missed its translation."""
    path = ROOT / "translations" / "da" / "LC_MESSAGES" / "messages.po"
    with path.open("rb") as fh:
        catalog = read_po(fh, locale="da")
    return {
        str(m.id)
        for m in catalog
        if isinstance(m.id, str)
        and m.string
        and m.string != m.id
        and "%(" not in m.id
        and len(m.id.split()) >= 3
    }


def visible_text(page: str) -> str:
    """The page's text as a person reads it: no tags, scripts or styles; entities decoded."""
    page = re.sub(r"(?s)<(script|style)\b.*?</\1>", " ", page)
    return COLUMNS.sub(" ", entities.unescape(re.sub(r"<[^>]+>", " ", page)))
