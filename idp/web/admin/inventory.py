"""Login means: the organisation's code-display inventory — list by status, import a seed file
(a dry run first, then confirm), revoke, and assign one to a person of the organisation."""

from __future__ import annotations

import base64
from typing import Any

from flask import abort, g, request, url_for
from flask_babel import gettext as _
from werkzeug.wrappers import Response

from ...models.enums import AdminRole
from ...services.errors import ServiceError
from ...services.means import code_display, inventory
from ...services.means.seed_files import read_psk, read_seed_file
from ...services.users import find_user
from ..errors import shown_on
from ..pages import page, redirect_to
from ..sealing import seal, unseal
from . import bp
from .auth import admin_required

MAX_UPLOAD_BYTES = 5 * 1024 * 1024
UPLOAD_TTL_SECONDS = 1800
Page = Response


def _seal_upload(data: bytes, psk: bytes | None, replace: bool, filename: str) -> str:
    payload = {
        "org": g.org.id,
        "admin": g.admin.id,
        "data": base64.b64encode(data).decode(),
        "psk": base64.b64encode(psk).decode() if psk is not None else None,
        "replace": replace,
        "filename": filename,
    }
    # The page holds only an opaque, authenticated token, never the seeds in readable form.
    return seal("seed-upload", payload)


def _open_upload(token: str) -> dict[str, Any] | None:
    payload = unseal("seed-upload", token, UPLOAD_TTL_SECONDS)
    if payload is None or payload.get("org") != g.org.id or payload.get("admin") != g.admin.id:
        return None
    return payload


def _page(status: int = 200, **extra: Any) -> Page:
    wanted = request.args.get("status") or None
    if wanted not in inventory.STATUSES:
        wanted = None
    displays = inventory.list_code_displays(g.org, wanted)
    return page(
        "admin/login_means.html",
        status,
        displays=displays,
        holders=inventory.holders(g.org, displays),
        statuses=inventory.STATUSES,
        status=wanted,
        done=request.args.get("done"),
        errors=extra.pop("errors", {}),
        **extra,
    )


@bp.get("/login-means")
@admin_required(AdminRole.USER_ADMIN)
def login_means() -> Page:
    return _page()


def _uploaded(name: str) -> bytes | None:
    storage = request.files.get(name)
    if storage is None or not storage.filename:
        return None
    data = storage.read(MAX_UPLOAD_BYTES + 1)
    if len(data) > MAX_UPLOAD_BYTES:
        abort(413)
    return data


def _report(
    data: bytes, psk: bytes | None, replace: bool, filename: str, *, dry_run: bool
) -> inventory.ImportReport:
    rows = read_seed_file(data, psk)
    return inventory.import_code_displays(
        g.org, rows, source=filename, replace=replace, dry_run=dry_run, actor=g.admin.username
    )


@bp.post("/login-means/upload")
@admin_required(AdminRole.USER_ADMIN)
def upload_seeds() -> Page:
    """Step 1: read the file and check every row; nothing is imported yet."""
    replace = request.form.get("replace") == "on"
    data = _uploaded("seed_file")
    if not data:
        return _page(400, errors={"seed_file": _("Choose a seed file (PSKC or CSV).")})
    filename = (request.files["seed_file"].filename or "upload")[:200]
    with shown_on(_page, field="psk_file"):
        psk_data = _uploaded("psk_file")
        psk = read_psk(psk_data) if psk_data else None
    with shown_on(_page, field="seed_file"):
        report = _report(data, psk, replace, filename, dry_run=True)
    return page(
        "admin/login_means_report.html",
        200 if report.ok else 400,
        report=report,
        filename=filename,
        replace=replace,
        upload=_seal_upload(data, psk, replace, filename) if report.ok else None,
    )


@bp.post("/login-means/import")
@admin_required(AdminRole.USER_ADMIN)
def confirm_seeds() -> Page | Response:
    """Step 2: import the file checked in step 1, all or nothing."""
    payload = _open_upload(request.form.get("upload", ""))
    if payload is None:
        message = _("The checked file has expired or is not valid. Upload it again.")
        return _page(400, errors={"seed_file": message})
    data = base64.b64decode(payload["data"])
    psk = base64.b64decode(payload["psk"]) if payload["psk"] is not None else None
    with shown_on(_page, field="seed_file"):
        report = _report(data, psk, bool(payload["replace"]), payload["filename"], dry_run=False)
    if not report.ok:  # something changed since the dry run
        return page(
            "admin/login_means_report.html",
            409,
            report=report,
            filename=payload["filename"],
            replace=payload["replace"],
            upload=None,
        )
    return redirect_to(url_for("admin.login_means", done="imported", count=report.imported))


@bp.post("/login-means/revoke")
@admin_required(AdminRole.USER_ADMIN)
def revoke_display() -> Page | Response:
    serial = request.form.get("serial", "").strip()
    with shown_on(_page, field="revoke"):
        inventory.revoke_code_display(g.org, serial, actor=g.admin.username)
    return redirect_to(url_for("admin.login_means", done="revoked", serial=serial))


@bp.post("/login-means/assign")
@admin_required(AdminRole.USER_ADMIN)
def assign_display() -> Page | Response:
    username = request.form.get("username", "").strip()
    serial = request.form.get("serial", "").strip()
    errors = {}
    if not username:
        errors["username"] = _("Type the person's username.")
    if not serial:
        errors["assign_serial"] = _("Type the serial number of a code display in stock.")
    if errors:
        return _page(400, errors=errors, username=username, serial=serial)
    try:
        person = find_user(username, g.org)
    except ServiceError:  # not the service's words: this form names the username input
        message = _("No person with that username in your organisation.")
        return _page(400, errors={"username": message}, username=username, serial=serial)
    with shown_on(_page, field="assign_serial", username=username, serial=serial):
        code_display.assign_code_display(person, serial, actor=g.admin.username)
    return redirect_to(
        url_for("admin.login_means", done="assigned", serial=serial, person=person.username)
    )
