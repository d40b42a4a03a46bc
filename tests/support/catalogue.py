"""The organisation's catalogue of rights in tests, and the confirmation step of a bulk
activation as a browser posts it."""

from __future__ import annotations

import html as html_lib
import re
from typing import Any

from flask import Flask

from idp.extensions import db
from idp.services import orgs
from idp.services.lifecycle import privileges

from .admin import import_people
from .helpers import make_org


def add_rights(app: Flask, *urns: str, cvr: str = "12345678") -> None:
    """Put ``urns`` in the organisation's catalogue (labels made from the URN's last part)."""
    make_org(app, cvr)
    with app.app_context():
        org = orgs.get_by_cvr(cvr)
        for urn in urns:
            tail = urn.rsplit(":", 1)[-1]
            privileges.add_privilege(
                org,
                urn=urn,
                label_da=f"Ret {tail}",
                label_en=f"Right {tail}",
                client_ids=[],
                actor="test",
            )
        db.session.remove()


def confirm_form(page: str) -> dict[str, Any]:
    """The hidden fields of the confirmation page's form, as the browser would post them."""
    form = page.split('id="confirm"', 1)[1].split("</form>", 1)[0]
    fields: dict[str, Any] = {}
    for name, value in re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)">', form):
        value = html_lib.unescape(value)
        if name in fields:
            fields[name] = [
                *(fields[name] if isinstance(fields[name], list) else [fields[name]]),
                value,
            ]
        else:
            fields[name] = value
    return fields


def employees(app: Flask, n: int, cvr: str = "12345678", prefix: str = "emp") -> dict[str, int]:
    """``n`` imported people ``<prefix>01``…; returns username -> id of every imported one."""
    rows = [f"{prefix}-{i:03},Person {i:02},{prefix}{i:02}@example.dk," for i in range(1, n + 1)]
    return import_people(app, rows, cvr)
