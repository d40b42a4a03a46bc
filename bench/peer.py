"""The peer target: the certified node `oidc-provider` (v9), installed with npm from
bench/node/package-lock.json and run as a node cluster or one process."""

from __future__ import annotations

import json
import os
import secrets
import shutil
import subprocess
from pathlib import Path
from typing import Any

from common import NODE_SRC, REDIRECT_URI, BenchError, log
from procs import Server, free_port, http
from targets import Endpoints, Target


class Node(Target):
    def __init__(
        self, folder: Path, workers: int, store: str, pg_url: str | None, version: str
    ) -> None:
        self.folder = folder
        self.workers = workers
        self.store = store
        self.pg_url = pg_url
        self.schema: str | None = None
        self.key = f"node-{workers}"
        self.notes = []
        self.label = "oidc-provider" if workers > 1 else "oidc-provider, 1 process"
        where = "in-process memory" if store == "memory" else "PostgreSQL"
        shape = f"node cluster, {workers} workers" if workers > 1 else "one node process"
        self.description = f"oidc-provider {version} ({shape}, {where} store)"
        self.client_id = "bench-rp"
        self.client_secret = secrets.token_urlsafe(32)
        self.admin = ""

    def start(self) -> None:
        port, admin = free_port(), free_port()
        self.endpoints = Endpoints(base=f"http://127.0.0.1:{port}", userinfo="/me")
        self.admin = f"http://127.0.0.1:{admin}"
        env = dict(os.environ)
        env.update(
            {
                "BENCH_PORT": str(port),
                "BENCH_ADMIN_PORT": str(admin),
                "BENCH_WORKERS": str(self.workers),
                "BENCH_STORE": self.store,
                "BENCH_WORKDIR": str(self.folder),
                "BENCH_CLIENT_ID": self.client_id,
                "BENCH_CLIENT_SECRET": self.client_secret,
                "BENCH_REDIRECT_URI": REDIRECT_URI,
                "NODE_ENV": "production",
            }
        )
        if self.store == "postgres":
            assert self.pg_url
            self.schema = "oidc_bench_" + secrets.token_hex(4)
            _pg_execute(self.pg_url, f'CREATE SCHEMA "{self.schema}"')
            env.update({"BENCH_PG_URL": self.pg_url, "BENCH_PG_SCHEMA": self.schema})
        self.server = Server(
            self.label, ["node", "provider.mjs"], env, self.folder, self.folder / f"{self.key}.log"
        )
        self.server.wait_until(self.endpoints.base + self.endpoints.discovery)
        self.server.wait_until(self.admin + "/ready")

    def _admin(self, path: str) -> dict[str, Any]:
        status, body = http(self.admin + path, method="POST", body="", timeout=300)
        if status != 200:
            raise BenchError(f"{self.label} admin {path}: HTTP {status} {body[:500]!r}")
        return json.loads(body)

    def seed_codes(self, n: int) -> Path:
        return Path(self._admin(f"/seed/codes?n={n}")["file"])

    def access_token(self) -> str:
        return str(self._admin("/seed/access-token")["access_token"])

    def stop(self) -> None:
        super().stop()
        if self.schema and self.pg_url:
            _pg_execute(self.pg_url, f'DROP SCHEMA IF EXISTS "{self.schema}" CASCADE')
            self.schema = None

    def warnings(self) -> list[str]:
        log_file = self.folder / f"{self.key}.log"
        if not log_file.exists():
            return []
        found = sorted(
            {
                line.strip()
                for line in log_file.read_text().splitlines()
                if "WARNING" in line or "Error" in line
            }
        )
        return [f"{self.label} log: {line}" for line in found]


def _pg_execute(url: str, sql: str) -> None:
    import psycopg

    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute(sql)


def install_node(folder: Path) -> str:
    for name in ("package.json", "package-lock.json", "provider.mjs"):
        shutil.copy2(NODE_SRC / name, folder / name)
    if not shutil.which("npm") or not shutil.which("node"):
        raise BenchError("node and npm are needed for the oidc-provider peer")
    log("npm ci (oidc-provider@9, pg)")
    done = subprocess.run(
        ["npm", "ci", "--no-audit", "--no-fund", "--loglevel=error"],
        cwd=folder,
        capture_output=True,
        text=True,
        check=False,
        timeout=600,
    )
    if done.returncode != 0:
        log("npm ci failed; trying npm install oidc-provider@9 pg@8")
        done = subprocess.run(
            [
                "npm",
                "install",
                "--no-audit",
                "--no-fund",
                "--loglevel=error",
                "oidc-provider@9",
                "pg@8",
            ],
            cwd=folder,
            capture_output=True,
            text=True,
            check=False,
            timeout=600,
        )
        if done.returncode != 0:
            raise BenchError(f"npm install failed:\n{done.stderr[-2000:]}")
    package = json.loads((folder / "node_modules/oidc-provider/package.json").read_text())
    return str(package["version"])
