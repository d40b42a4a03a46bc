"""A fuzz pass over every route of the URL map: no input may answer 5xx (issue 9).

For each route and method, as an anonymous visitor and as a logged-in administrator with every
role, every parameter the route's code reads (and every field of the pages it renders) is sent
with hostile values: empty, 1 MB, NUL, control characters, full-width digits, repeated keys,
deeply nested JSON, numbers too large for any column. POST forms carry a valid CSRF token, so
the values reach the views rather than stopping at the CSRF check. Path values are filled with
real ids and tokens of the data below, so the views get as far as they can.

The test client raises what a view raises (TESTING propagates exceptions); a raise or a 5xx is
recorded with the route and the payload, and all findings are reported together.
"""

from __future__ import annotations

import importlib
import inspect
import io
import re
from typing import Any
from urllib.parse import quote, urlencode

from flask import Flask
from sqlalchemy import select, update
from werkzeug.datastructures import MultiDict
from werkzeug.routing import IntegerConverter, Rule
from werkzeug.test import encode_multipart

from idp.extensions import db
from idp.models import OutboxMail, User
from idp.services import clients as client_service
from idp.services import orgs
from idp.services.lifecycle import activation
from tests.support.helpers import ROOT, csrf_of, login, make_user

TEMPLATES = ROOT / "templates"
CVR = "12345678"
SKIPPED = {"static"}  # files from disk, no input beyond the path
# Parameters Authlib reads for the protocol endpoints (RFC 6749, 7009, 7662, 7636, OIDC).
OAUTH_NAMES = [
    *("grant_type", "code", "redirect_uri", "client_id", "client_secret", "refresh_token"),
    *("code_verifier", "scope", "token", "token_type_hint", "response_type", "response_mode"),
    *("state", "nonce", "prompt", "max_age", "claims", "id_token_hint", "login_hint"),
    *("post_logout_redirect_uri", "ui_locales", "acr_values", "code_challenge"),
    *("code_challenge_method", "request", "request_uri"),
]
DEEP = {
    "deep-objects": '{"a":' * 5000 + "1" + "}" * 5000,
    "deep-arrays": "[" * 3000 + "]" * 3000,
}
PAYLOADS: dict[str, str] = {
    "empty": "",
    "nul": "\x00",
    "controls": "a\x1b[2J\x07\x08b",
    "fullwidth-digits": "\uff11\uff12\uff13\uff14\uff15\uff16",
    "huge-number": "9" * 40,
    "negative": "-1",
    "unicode": "Ærø\u202e\u200bŝ😀",
    "markup": "<script>alert(1)</script>'\"",
    **DEEP,
}
BIG_BYTES = 1_000_000
NAME = re.compile(r"\.(?:get|getlist)\(\s*\"([A-Za-z_][\w-]*)\"")
TEMPLATE = re.compile(r"\"([a-z_/]+\.html)\"")
FIELD = re.compile(r"name=\"([A-Za-z_][\w-]*)\"")


def _names_for(app: Flask, rule: Rule) -> list[str]:
    """The parameters the route's module reads, and the fields of the pages it renders."""
    module = importlib.import_module(app.view_functions[rule.endpoint].__module__)
    source = inspect.getsource(module)
    names = set(NAME.findall(source))
    for template in TEMPLATE.findall(source):
        path = TEMPLATES / template
        if path.exists():
            names |= set(FIELD.findall(path.read_text()))
    if module.__name__.endswith(".oidc"):
        names |= set(OAUTH_NAMES)
    names.discard("csrf_token")
    return sorted(names)


def _world(app: Flask) -> dict[str, str]:
    """People, a pending activation with its link, a service: values for the path converters."""
    make_user(app, "imported1", totp=False, ial=None)
    make_user(app, "pending1", totp=False, ial=None)
    with app.app_context():
        db.session.execute(
            update(User)
            .where(User.username.in_(["imported1", "pending1"]))
            .values(status="imported", password_hash=None)
        )
        db.session.commit()
        org = orgs.get_by_cvr(CVR)
        pending = db.session.execute(select(User).where(User.username == "pending1")).scalar_one()
        [result] = activation.activate_users(
            org, [pending], login_means="app", privileges=[], actor="test"
        )
        assert result.ok
        mail = db.session.execute(select(OutboxMail)).scalars().first()
        assert mail is not None
        token = re.search(r"/activate/(\S+)", mail.body_text).group(1)  # type: ignore[union-attr]
        service, _secret = client_service.create_client(
            name="Fuzz service",
            redirect_uris=["https://rp.example.dk/cb"],
            actor="test",
            org_id=org.id,
        )
        person_id = db.session.execute(
            select(User.id).where(User.username == "imported1")
        ).scalar_one()
        values = {"int": str(person_id), "token": token, "client_id": service.client_id}
        db.session.remove()
        return values


def _path(rule: Rule, world: dict[str, str], payload: str | None) -> str:
    """The rule's path with real values, or with ``payload`` in every value it fits."""
    path = rule.rule
    for name in rule.arguments:
        if isinstance(rule._converters[name], IntegerConverter):  # routing metadata
            fits = payload is not None and payload.isascii() and payload.isdigit()
            value = payload if fits else world["int"]
        else:
            value = payload if payload is not None else world.get(name, "x")
        path = re.sub(rf"<(?:\w+:)?{name}>", quote(value or "x", safe=""), path)
    return path


class Fuzzer:
    def __init__(self, app: Flask, world: dict[str, str]) -> None:
        self.app = app
        self.world = world
        self.findings: list[str] = []
        self.sent = 0

    def send(
        self, http: Any, rule: Rule, method: str, path: str, pairs: list[tuple[str, Any]], what: str
    ) -> None:
        """One request; ``pairs`` may repeat a name, and a value may be an upload."""
        self.sent += 1
        uploads = {name: value for name, value in pairs if isinstance(value, tuple)}
        fields = [(name, value) for name, value in pairs if not isinstance(value, tuple)]
        try:
            if method == "GET":
                response = http.get(path, query_string=urlencode(fields))
            elif uploads:
                # Encoded in memory: the test client's own encoder would spool a body over
                # 500 KB to a temporary file it never closes.
                form = MultiDict([*fields, ("csrf_token", http.csrf), *uploads.items()])
                boundary, body = encode_multipart(form)
                response = http.post(
                    path, data=body, content_type=f"multipart/form-data; boundary={boundary}"
                )
            else:
                body = urlencode([*fields, ("csrf_token", http.csrf)])
                response = http.post(
                    path, data=body, content_type="application/x-www-form-urlencoded"
                )
        except Exception as error:  # every raise is a finding
            self.findings.append(f"{method} {rule.rule} [{what}]: raised {error!r:.200}")
            return
        if response.status_code >= 500:
            self.findings.append(f"{method} {rule.rule} [{what}]: HTTP {response.status_code}")

    def route(self, http: Any, rule: Rule, method: str) -> None:
        names = _names_for(self.app, rule)
        files = (
            {"file", "seed_file", "psk_file", "upload"} & set(names) if method == "POST" else set()
        )
        path = _path(rule, self.world, None)

        def fill(name: str, value: str) -> tuple[str, Any]:
            if name in files:
                return name, (io.BytesIO(value.encode()), "upload.csv")
            return name, value

        for kind, value in PAYLOADS.items():
            self.send(http, rule, method, path, [fill(n, value) for n in names], kind)
            if rule.arguments:
                self.send(http, rule, method, _path(rule, self.world, value), [], f"path {kind}")
        # Repeated keys: every parameter twice, with different values.
        repeated = [fill(n, v) for n in names for v in ("1", "2")]
        self.send(http, rule, method, path, repeated, "repeated")
        # 1 MB in one request, shared by the parameters, and 1 MB in each upload. (A form
        # field over MAX_FORM_MEMORY_SIZE is a 413 before any view; gunicorn refuses a request
        # line over 4 KB; both are still sent here, since the test client has no such limits.)
        share = "A" * max(BIG_BYTES // max(len(names), 1), 16_384)
        self.send(
            http, rule, method, path, [fill(n, share) for n in names if n not in files], "1 MB"
        )
        for name in files:
            self.send(http, rule, method, path, [fill(name, "A" * BIG_BYTES)], f"1 MB in {name}")


def _admin(app: Flask) -> Any:
    boss = make_user(app, "boss")
    runner = app.test_cli_runner()
    for role in ("user_admin", "registrar", "org_admin"):
        assert runner.invoke(args=["admins", "grant", "boss", role, "--org", CVR]).exit_code == 0
    http = app.test_client()
    http.boss = boss
    _log_in(http)
    return http


def _log_in(http: Any) -> None:
    login(http, http.boss)
    http.csrf = csrf_of(http.get("/account/").get_data(as_text=True))


def test_no_input_on_any_route_answers_5xx(app):
    world = _world(app)
    fuzzer = Fuzzer(app, world)
    anonymous = app.test_client()
    anonymous.csrf = csrf_of(anonymous.get("/login/").get_data(as_text=True))
    admin = _admin(app)
    rules = [r for r in app.url_map.iter_rules() if r.endpoint not in SKIPPED]
    # Logout last: it ends the administrator's session.
    rules.sort(key=lambda r: (r.endpoint == "oidc.logout", r.rule))
    for rule in rules:
        for method in sorted((rule.methods or set()) - {"HEAD", "OPTIONS"}):
            for http in (anonymous, admin):
                if http is admin and admin.get("/admin/").status_code != 200:
                    _log_in(admin)  # an earlier request (revoking means …) ended the session
                fuzzer.route(http, rule, method)
    assert fuzzer.sent > 1000, fuzzer.sent
    assert not fuzzer.findings, "\n".join(fuzzer.findings)
