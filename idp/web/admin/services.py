"""The organisation's services (relying parties): register one, change its redirect URIs,
grants, consent page links (logo, policy, terms) and which organisations' people may log
in, and rotate its secret. A secret is shown once, on the page that follows its creation;
only its SHA-256 digest is stored. The first-party flag (no consent page) is the operator's
alone (`idp clients add/update --first-party`): these forms never read it, so a forged field
sets nothing."""

from __future__ import annotations

from functools import partial
from typing import Any

from flask import g, request, url_for
from werkzeug.wrappers import Response

from ...models import Client
from ...models.enums import AdminRole
from ...services import clients, saml
from ..errors import shown_on
from ..pages import page, redirect_to
from . import bp
from .auth import admin_required

Page = Response


def _lines(name: str) -> list[str]:
    return [line.strip() for line in request.form.get(name, "").splitlines() if line.strip()]


def _info_uris() -> dict[str, str | None]:
    """The consent page's logo, policy and terms URIs the form sent (blank clears one)."""
    return {name: request.form[name] for name in clients.INFO_URIS if name in request.form}


def _login_orgs() -> tuple[bool, list[str]]:
    """Whose people may log in: (any organisation?, the listed CVRs). "own" lists none."""
    choice = request.form.get("login_orgs", "own")
    cvrs = [c for c in request.form.get("allowed_orgs", "").replace(",", " ").split() if c]
    return choice == "any", cvrs if choice == "listed" else []


def _list_page(status: int = 200, **extra: Any) -> Page:
    return page(
        "admin/services.html",
        status,
        services=clients.list_clients(g.org),
        saml_services=[saml.summary(sp) for sp in saml.list_sps(g.org)],
        grant_types=clients.GRANT_TYPES,
        form=extra.pop("form", None),
        errors=extra.pop("errors", {}),
        done=request.args.get("done"),
        **extra,
    )


@bp.get("/services")
@admin_required(AdminRole.ORG_ADMIN)
def services() -> Page:
    return _list_page()


@bp.post("/services/saml/refresh")
@admin_required(AdminRole.ORG_ADMIN)
def refresh_saml_service() -> Page | Response:
    """Fetch a SAML service's metadata again from the URL the operator registered it from."""
    with shown_on(_list_page, field="saml"):
        sp = saml.sp_of(g.org, request.form.get("entity_id", ""))
        saml.refresh_from_source(sp, actor=g.admin.username)
    return redirect_to(url_for("admin.services", done="saml_refreshed"))


@bp.post("/services")
@admin_required(AdminRole.ORG_ADMIN)
def register_service() -> Page:
    form = request.form
    with shown_on(_list_page, field="service", form=form):
        client, secret = clients.create_client(
            name=form.get("name", ""),
            redirect_uris=_lines("redirect_uris"),
            post_logout_redirect_uris=_lines("post_logout_redirect_uris"),
            public=form.get("public") == "on",
            grant_types=form.getlist("grant_types") or None,
            info_uris=_info_uris(),
            org_id=g.org.id,
            actor=g.admin.username,
        )
    return page("admin/service_secret.html", 201, service=client, secret=secret, new=True)


def _edit_page(client: Client, status: int = 200, **extra: Any) -> Page:
    return page(
        "admin/service_edit.html",
        status,
        service=client,
        grant_types=clients.GRANT_TYPES,
        form=extra.pop("form", None),
        errors=extra.pop("errors", {}),
        done=request.args.get("done"),
        **extra,
    )


@bp.get("/services/<client_id>")
@admin_required(AdminRole.ORG_ADMIN)
def service(client_id: str) -> Page:
    return _edit_page(clients.client_of(g.org, client_id))


@bp.post("/services/<client_id>")
@admin_required(AdminRole.ORG_ADMIN)
def update_service(client_id: str) -> Page | Response:
    client = clients.client_of(g.org, client_id)
    form = request.form
    allow_any_org, allowed_org_cvrs = _login_orgs()
    with shown_on(partial(_edit_page, client), field="service", form=form):
        clients.update_client(
            client,
            redirect_uris=_lines("redirect_uris"),
            post_logout_redirect_uris=_lines("post_logout_redirect_uris"),
            grant_types=form.getlist("grant_types"),
            allow_any_org=allow_any_org,
            allowed_org_cvrs=allowed_org_cvrs,
            info_uris=_info_uris(),
            actor=g.admin.username,
        )
    return redirect_to(url_for("admin.service", client_id=client.client_id, done="saved"))


@bp.post("/services/<client_id>/rotate")
@admin_required(AdminRole.ORG_ADMIN)
def rotate_service_secret(client_id: str) -> Page:
    client = clients.client_of(g.org, client_id)
    with shown_on(partial(_edit_page, client), field="service"):
        secret = clients.rotate_secret(client, actor=g.admin.username)
    return page("admin/service_secret.html", service=client, secret=secret, new=False)
