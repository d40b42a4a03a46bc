"""Demo data for `make run`: one organisation, one confidential client, one user.

Secrets are shown once when created; for the demo only, they are also kept in
``instance/demo-credentials.json`` (mode 0600) so that a second `make run` can show them again.
Never load the demo into a production database.
"""

from __future__ import annotations

import json
import os
import secrets
from pathlib import Path
from typing import Any

from sqlalchemy import select

from .config import Settings
from .extensions import db
from .models import Organisation, User
from .models.enums import NsisLevel, ProofingRoute
from .services.clients import create_client, get_client, set_organisation, update_client
from .services.orgs import create_organisation
from .services.platform.runtime import settings
from .services.proofing.settings import configure_organisation, route_settings
from .services.users import ROLES, create_user, set_roles
from .web.dev_eid.provider import CITIZENS as DEV_CITIZENS

DEMO_CVR = "12345678"
DEMO_CLIENT_ID = "demo-rp"
DEMO_USERNAME = "demo"
# The example relying party /demo-rp/ (idp/web/demo_rp.py, served with dev_stand_ins).
DEMO_REDIRECT_PATH = "/demo-rp/callback"
DEMO_LOGOUT_PATH = "/demo-rp/"
CREDENTIALS_FILE = "demo-credentials.json"


ACTOR = "operator:demo"
DEMO_EMPLOYEES_FILE = "demo-employees.csv"
# Three fictitious employees, named like the first three test citizens of the /dev-eid
# stand-in, in the format of README "Import" (no CPR: the stand-in proves who they are).
DEMO_EMPLOYEES = (
    "rid;given_name;family_name;email;login_means\n"
    "demo-1001;Freja;Holm Nielsen;freja.nielsen@example.dk;app\n"
    "demo-1002;Mads;Østergaard;mads.ostergaard@example.dk;app\n"
    "demo-1003;Aisha;Karimi Jensen;aisha.jensen@example.dk;app\n"
)


def load_demo() -> dict[str, Any]:
    """Create what is missing of the demo organisation, client and user (each only once) and
    return what a newcomer needs to try it, with a printable ``text``."""
    cfg = settings()
    path = cfg.instance_dir / CREDENTIALS_FILE
    saved = saved_credentials()
    org = _demo_organisation()
    saved.update(_ensure_demo_client(org))
    saved.update(_ensure_demo_user(org))
    _grant_every_role(org)
    if cfg.dev_stand_ins:
        _prepare_dev_walk(cfg, org)
    if saved:
        _save_credentials(path, saved)
    return _demo_info(cfg, org, saved)


def saved_credentials() -> dict[str, Any]:
    """What an earlier ``idp demo`` kept in the instance folder (empty when it never ran)."""
    path = settings().instance_dir / CREDENTIALS_FILE
    try:
        data = json.loads(path.read_text()) if path.exists() else {}
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


def demo_uris() -> tuple[list[str], list[str]]:
    """The demo client's redirect and post-logout redirect URIs: the example relying party."""
    cfg = settings()
    return [cfg.url(DEMO_REDIRECT_PATH)], [cfg.url(DEMO_LOGOUT_PATH)]


def _demo_organisation() -> Organisation:
    return db.session.execute(
        select(Organisation).where(Organisation.cvr == DEMO_CVR)
    ).scalar_one_or_none() or create_organisation(DEMO_CVR, "Demo ApS", actor=ACTOR)


def _ensure_demo_client(org: Organisation) -> dict[str, Any]:
    """The demo client's secret when this call creates the client, else nothing. The client is
    a service of the demo organisation (one made before clients had to belong to one is moved
    into it) and an existing one gets the example relying party's URIs (earlier demos had
    others)."""
    redirect_uris, logout_uris = demo_uris()
    existing = get_client(DEMO_CLIENT_ID)
    if existing is not None:
        if existing.org_id is None:
            set_organisation(existing, org, actor=ACTOR)
        if (existing.redirect_uris, existing.post_logout_redirect_uris) != demo_uris():
            update_client(
                existing,
                redirect_uris=redirect_uris,
                post_logout_redirect_uris=logout_uris,
                grant_types=list(existing.grant_types),
                actor=ACTOR,
            )
        return {}
    _, secret = create_client(
        org_id=org.id,
        name="Demo relying party",
        redirect_uris=redirect_uris,
        post_logout_redirect_uris=logout_uris,
        client_id=DEMO_CLIENT_ID,
        grant_types=["authorization_code", "refresh_token", "client_credentials"],
        actor=ACTOR,
    )
    return {"client_secret": secret}


def _ensure_demo_user(org: Organisation) -> dict[str, Any]:
    """The demo user's password and TOTP secret when this call creates the user, else
    nothing."""
    user = db.session.execute(
        select(User).where(User.username == DEMO_USERNAME)
    ).scalar_one_or_none()
    if user is not None:
        return {}
    password = "-".join(secrets.token_hex(3) for _ in range(4))
    _, totp = create_user(
        org,
        username=DEMO_USERNAME,
        name="Demo Bruger",
        email="demo@example.dk",
        password=password,
        with_totp=True,
        ial=NsisLevel.SUBSTANTIAL,
        actor=ACTOR,
    )
    return {"password": password, "totp_secret": totp}


def _grant_every_role(org: Organisation) -> None:
    demo_user = db.session.execute(select(User).where(User.username == DEMO_USERNAME)).scalar_one()
    missing = [r for r in ROLES if r not in (demo_user.roles or [])]
    if missing:
        set_roles(demo_user, org, add=missing, remove=[], actor=ACTOR)


def _save_credentials(path: Path, saved: dict[str, Any]) -> None:
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as fh:
        json.dump(saved, fh, indent=2)


def _demo_info(cfg: Settings, org: Organisation, saved: dict[str, Any]) -> dict[str, Any]:
    info: dict[str, Any] = {
        "issuer": cfg.issuer,
        "discovery": cfg.url("/.well-known/openid-configuration"),
        "organisation": {"cvr": org.cvr, "name": org.name},
        "client_id": DEMO_CLIENT_ID,
        "client_secret": saved.get("client_secret"),
        "redirect_uris": demo_uris()[0],
        "username": DEMO_USERNAME,
        "password": saved.get("password"),
        "totp_secret": saved.get("totp_secret"),
    }
    info["text"] = _demo_text(cfg, org, info)
    if cfg.dev_stand_ins:
        info["employees_csv"] = str(cfg.instance_dir / DEMO_EMPLOYEES_FILE)
        info["test_citizens"] = [c.name for c in DEV_CITIZENS]
        info["text"] += "\n" + _dev_walk_text(cfg)
    return info


def _demo_text(cfg: Settings, org: Organisation, info: dict[str, Any]) -> str:
    totp = info["totp_secret"]
    return "\n".join(
        [
            "Lokal IdP demo",
            f"  issuer:         {cfg.issuer}",
            f"  discovery:      {info['discovery']}",
            f"  organisation:   {org.cvr} {org.name}",
            f"  client_id:      {DEMO_CLIENT_ID}",
            f"  client_secret:  {info['client_secret']}",
            f"  redirect URIs:  {', '.join(info['redirect_uris'])}",
            f"  user:           {DEMO_USERNAME}",
            f"  password:       {info['password']}",
            f"  TOTP secret:    {totp}",
            f"  TOTP in an app: otpauth://totp/Demo%20ApS:{DEMO_USERNAME}?secret={totp}"
            "&issuer=Demo%20ApS",
            "  current code:   .venv/bin/python -c "
            f"\"import pyotp; print(pyotp.TOTP('{totp}').now())\"",
            f"  try it:         {cfg.url('/account/')}",
            f"  demo service:   {cfg.url(DEMO_LOGOUT_PATH)}  (the example relying party)",
            f"  administration: {cfg.url('/admin/')}  (the demo user is user administrator, "
            "registrar and organisation administrator)",
            "  (demo secrets are kept in instance/demo-credentials.json; demo only)",
        ]
    )


def _prepare_dev_walk(cfg: Settings, org: Organisation) -> None:
    """With the development stand-ins: the demo organisation accepts the private eID route
    (the /dev-eid stand-in), and a sample employee file waits in the instance folder."""
    if not route_settings(org, ProofingRoute.PRIVATE_EID)["enabled"]:
        configure_organisation(org, enable=[ProofingRoute.PRIVATE_EID], actor=ACTOR)
    path = cfg.instance_dir / DEMO_EMPLOYEES_FILE
    if not path.exists() or path.read_text(encoding="utf-8") != DEMO_EMPLOYEES:
        path.write_text(DEMO_EMPLOYEES, encoding="utf-8")


def _dev_walk_text(cfg: Settings) -> str:
    mail = cfg.instance_dir / "mail"
    pad = " " * 18
    return "\n".join(
        [
            "Walk it end to end (development stand-ins; never MitID):",
            f"  1. import:      log in as {DEMO_USERNAME} at {cfg.url('/admin/import')} and upload",
            f"{pad}{cfg.instance_dir / DEMO_EMPLOYEES_FILE}",
            f"  2. activate:    tick the imported people at {cfg.url('/admin/imported')},",
            f"{pad}choose the authenticator app, confirm",
            f"  3. mail:        each activation mail lands in {mail}/*.eml;",
            f'{pad}its link is also printed by `idp serve` ("Mail to ...")',
            "  4. proofing:    open the link (another browser or a private window), choose",
            f"{pad}the private eID and log in at the /dev-eid stand-in",
            f"{pad}as a test citizen, at Substantial (the default):",
            *(f"{pad}  {c.name}, born {c.birthdate}" for c in DEV_CITIZENS),
            "  5. login means: choose a password, scan the app's QR code, enter its code",
            f"  6. log in:      at the example relying party {cfg.url('/demo-rp/')}:",
            f"{pad}Log in at Substantial, with the person's username, password and",
            f"{pad}the app's next code (each code works once)",
        ]
    )
