"""The Lokal IdP target: its database, org, user and client, code and token seeding, and
the server `idp serve` runs (granian)."""

from __future__ import annotations

import os
import secrets
import subprocess
import urllib.parse
from pathlib import Path
from typing import Any

from common import BIN, REDIRECT_URI, ROOT, SCOPE, BenchError, log
from procs import Server, free_port, pkce_pair
from targets import Endpoints, Target


class OursSetup:
    """The database and objects shared by every Lokal IdP server variant."""

    def __init__(self, tmp: Path, database_url: str | None) -> None:
        self.tmp = tmp
        self.instance = tmp / "instance"
        self.keys = tmp / "keys"
        self.schema: str | None = None
        self.admin_url: str | None = None
        if database_url:
            self.schema = "idp_bench_" + secrets.token_hex(4)
            self.admin_url = database_url.replace("+psycopg", "")
            self.database_url = _with_search_path(database_url, self.schema)
            self.store = "PostgreSQL"
        else:
            self.database_url = f"sqlite:///{self.instance / 'idp.sqlite3'}"
            self.store = "SQLite"
        self.app: Any = None
        self.user_id = 0
        self.client_id = ""
        self.client_secret = ""
        self.code_files = 0

    def env(self, port: int) -> dict[str, str]:
        env = {k: v for k, v in os.environ.items() if not k.startswith("IDP_")}
        env.update(
            {
                "IDP_HOST": "127.0.0.1",
                "IDP_PORT": str(port),
                "IDP_WORKERS": "2",
                "IDP_INSTANCE_PATH": str(self.instance),
                "IDP_KEYS_DIR": str(self.keys),
                "IDP_ISSUER": f"http://127.0.0.1:{port}",
                "IDP_DATABASE_URL": self.database_url,
                "IDP_SESSION_COOKIE_SECURE": "false",
                "IDP_RATELIMIT_ENABLED": "false",
            }
        )
        return env

    def prepare(self) -> None:
        if self.schema:
            import psycopg

            with psycopg.connect(self.admin_url or "", autocommit=True) as conn:
                conn.execute(f'CREATE SCHEMA "{self.schema}"')
            log(f"PostgreSQL schema {self.schema}")
        # As an operator prepares a node: the schema, then the signing keys (a node never
        # makes keys when it starts).
        for command in (["db", "upgrade"], ["keys", "init"]):
            log("idp " + " ".join(command))
            done = subprocess.run(
                [str(BIN / "idp"), *command],
                env=self.env(5000),
                cwd=ROOT,
                capture_output=True,
                text=True,
                check=False,
            )
            if done.returncode != 0:
                raise BenchError(f"idp {command[0]} failed:\n{done.stdout}\n{done.stderr}")

        # The same settings as the servers, in this process, for setup and seeding.
        for key, value in self.env(5000).items():
            if key.startswith("IDP_"):
                os.environ[key] = value
        from idp import create_app
        from idp.extensions import db
        from idp.services.clients import create_client
        from idp.services.orgs import create_organisation
        from idp.services.users import create_user

        self.app = create_app()
        with self.app.app_context():
            org = create_organisation("87654321", "Bench ApS", actor="bench")
            user, _ = create_user(
                org,
                username="bench-anna",
                name="Anna Jensen",
                email="anna@example.dk",
                password=None,
                with_totp=False,
                ial="Substantial",
                actor="bench",
            )
            client, secret = create_client(
                name="Bench RP",
                redirect_uris=[REDIRECT_URI],
                first_party=True,
                grant_types=["authorization_code", "refresh_token", "client_credentials"],
                actor="bench",
            )
            assert secret is not None
            self.user_id, self.client_id, self.client_secret = user.id, client.client_id, secret
            db.session.remove()

    def _context(self) -> Any:
        from idp.assurance import ACR_PREFIX
        from idp.models.types import utcnow
        from idp.services.oauth.tokens import AuthContext

        return AuthContext(
            auth_time=utcnow(),
            amr=["pwd", "otp"],
            ial="Substantial",
            aal="Substantial",
            acr=ACR_PREFIX + "Substantial",
        )

    def seed_codes(self, n: int) -> Path:
        from idp.extensions import db
        from idp.services.oauth.codes import save_authorization_code

        self.code_files += 1
        path = self.tmp / f"ours-codes-{self.code_files}.txt"
        lines = []
        with self.app.app_context():
            context = self._context()
            # save_authorization_code commits each code; for seeding thousands, its commits
            # become flushes and one commit follows (same rows, seconds instead of minutes).
            real_commit = db.session.commit
            db.session.commit = db.session.flush  # type: ignore[method-assign]
            try:
                for i in range(n):
                    code = secrets.token_urlsafe(32)
                    verifier, challenge = pkce_pair()
                    save_authorization_code(
                        code,
                        client_id=self.client_id,
                        user_id=self.user_id,
                        redirect_uri=REDIRECT_URI,
                        scope=SCOPE,
                        nonce=f"n-{i}",
                        code_challenge=challenge,
                        code_challenge_method="S256",
                        context=context,
                    )
                    lines.append(f"{code} {verifier}\n")
                    if i % 2000 == 1999:
                        real_commit()
                        db.session.expunge_all()
            finally:
                del db.session.commit  # back to the scoped session's own method
            db.session.commit()
            db.session.remove()
        path.write_text("".join(lines))
        return path

    def access_token(self) -> str:
        from idp.extensions import db
        from idp.services.oauth.tokens import store_token

        raw = secrets.token_urlsafe(32)
        with self.app.app_context():
            store_token(
                {"access_token": raw, "expires_in": 3600, "scope": SCOPE},
                client_id=self.client_id,
                user_id=self.user_id,
                family_id=None,
                context=self._context(),
            )
            db.session.remove()
        return raw

    def close(self) -> None:
        if self.app is not None:
            from idp.extensions import db

            with self.app.app_context():
                db.session.remove()
                db.engine.dispose()
        if self.schema:
            import psycopg

            with psycopg.connect(self.admin_url or "", autocommit=True) as conn:
                conn.execute(f'DROP SCHEMA IF EXISTS "{self.schema}" CASCADE')
            log(f"dropped schema {self.schema}")


def _with_search_path(url: str, schema: str) -> str:
    parts = urllib.parse.urlsplit(url)
    query = urllib.parse.parse_qsl(parts.query)
    if any(k == "options" for k, _ in query):
        raise BenchError(
            "IDP_BENCH_DATABASE_URL must not set 'options' (the bench sets "
            "search_path to a throw-away schema)"
        )
    query.append(("options", f"-csearch_path={schema}"))
    return urllib.parse.urlunsplit(parts._replace(query=urllib.parse.urlencode(query)))


class Ours(Target):
    def __init__(self, setup: OursSetup, workers: int = 2, threads: int | None = None) -> None:
        self.setup = setup
        self.workers = workers
        self.threads = threads
        self.key = f"ours-{workers}"
        self.notes = []
        self.label = "Lokal IdP" if workers > 1 else "Lokal IdP, 1 worker"
        self.description = (
            f"{self.label} `idp serve` (granian {_version('granian')}, {workers} worker"
            f"{'s' if workers > 1 else ''} x {threads or _default_threads()} threads, "
            f"{setup.store})"
        )

    def start(self) -> None:
        port = free_port()
        env = self.setup.env(port)
        env["IDP_WORKERS"] = str(self.workers)
        if self.threads:
            env["IDP_THREADS"] = str(self.threads)
        self.endpoints = Endpoints(base=f"http://127.0.0.1:{port}")
        self.client_id, self.client_secret = self.setup.client_id, self.setup.client_secret
        argv = [str(BIN / "idp"), "serve"]
        self.server = Server(self.label, argv, env, ROOT, self.setup.tmp / f"{self.key}.log")
        self.server.wait_until(self.endpoints.base + self.endpoints.discovery)

    def seed_codes(self, n: int) -> Path:
        return self.setup.seed_codes(n)

    def access_token(self) -> str:
        return self.setup.access_token()

    def warnings(self) -> list[str]:
        if self.server is None or not self.server.logfile.exists():
            return []
        text = self.server.logfile.read_text(errors="replace")
        count = text.count("Traceback (most recent call last)")
        return [f"{self.label}: {count} traceback(s) in the server log"] if count else []


def _default_threads() -> int:
    from idp.config import Settings

    return int(Settings.__dataclass_fields__["threads"].default)


def _version(package: str) -> str:
    from importlib.metadata import version

    try:
        return version(package)
    except Exception:
        return "?"
