"""Two IdP nodes behind HAProxy on one PostgreSQL and one Redis, as an operator runs them.

Each node is a real ``idp serve`` (``python -m idp.cli serve``, granian) started from the
source tree, configured through ``IDP_*`` environment variables only: one issuer (the load
balancer's URL), one database (a schema of this run's own), the same secrets, rate limits in
Redis under a prefix of this run's own, mail over SMTP to an aiosmtpd server of the test. The
signing keys are in the database (``key_store = "database"``); each node's keys folder stays
empty. HAProxy balances round robin with no stickiness
and health-checks ``/health/ready``; it names the node that served each response in
``X-Served-By`` (a header of the test's load balancer, never of the product).

tests/cluster/conftest.py hands a running :class:`Cluster` out; every node's output goes to a
log file that a failing test prints (:meth:`Cluster.logs`).
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import csv
import dataclasses
import email
import os
import secrets
import socket
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from email.policy import default as default_policy
from functools import partial
from pathlib import Path
from typing import IO, Any

import requests
from flask import Flask

from idp import create_app
from idp.config import Settings
from idp.extensions import db
from idp.services.platform.secret_box import SecretBox

from .e2e import Collector
from .helpers import ROOT
from .processes import free_port

DEFAULT_POSTGRES = "postgresql+psycopg://postgres@127.0.0.1:5432/test"
REDIS_URL = "redis://127.0.0.1:6379/0"
HAPROXY = Path(os.environ.get("IDP_TEST_HAPROXY", "/usr/sbin/haproxy"))  # Debian's haproxy
START_SECONDS = 60  # both nodes booted and healthy, HAProxy seeing both UP
KEY_REFRESH_SECONDS = 1  # key_refresh_seconds of the nodes (the file store re-reads each second)
# Every login form counts per client address; the tests that are not about it send their own
# X-Forwarded-For (believed from 127.0.0.1, a trusted proxy), so only the conformance tests'
# six logins count under 127.0.0.1.
LOGIN_RATE_LIMIT = 20
# The tables the signing and encryption keys live in (key_store = "database"): kept when the
# tests empty the others.
KEY_TABLES = frozenset({"signing_keys", "encryption_keys"})
SERVED_BY = "X-Served-By"


def postgres_url() -> str:
    """The PostgreSQL the cluster runs on: IDP_TEST_DATABASE_URL when it names one, else the
    local one (the cluster needs PostgreSQL in the SQLite pass of the suite too)."""
    url = os.environ.get("IDP_TEST_DATABASE_URL", "")
    return url if url.startswith("postgresql") else DEFAULT_POSTGRES


def answers(host: str, port: int) -> bool:
    """Whether something accepts TCP connections at ``host:port``."""
    try:
        with socket.create_connection((host, port), timeout=2):
            return True
    except OSError:
        return False


def happens_within(condition: Callable[[], bool], seconds: float, step: float = 0.1) -> bool:
    """Poll ``condition`` for up to ``seconds``; whether it held."""
    deadline = time.monotonic() + seconds
    while not condition():
        if time.monotonic() > deadline:
            return False
        time.sleep(step)
    return True


def wait_until(condition: Callable[[], bool], seconds: float, what: str) -> float:
    """Poll ``condition`` until it holds; return the seconds it took, or raise saying ``what``
    did not happen within ``seconds``."""
    start = time.monotonic()
    if not happens_within(condition, seconds):
        raise TimeoutError(f"{what}: not within {seconds} s")
    return time.monotonic() - start


@dataclass
class Process:
    """A subprocess of the cluster whose output goes to ``log``."""

    name: str
    log: Path
    popen: subprocess.Popen[bytes] | None = None
    _out: IO[bytes] | None = None

    def start(self, args: list[str], env: dict[str, str]) -> None:
        self._out = self.log.open("ab")
        self.popen = subprocess.Popen(
            args, cwd=ROOT, env=env, stdout=self._out, stderr=subprocess.STDOUT
        )

    @property
    def returncode(self) -> int | None:
        return None if self.popen is None else self.popen.poll()

    @property
    def exited(self) -> bool:
        return self.returncode is not None

    def terminate(self) -> None:
        if self.popen is not None and self.popen.poll() is None:
            self.popen.terminate()

    def stop(self) -> None:
        """Terminate, wait, kill if it does not end."""
        self.terminate()
        if self.popen is not None:
            try:
                self.popen.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.popen.kill()
                self.popen.wait(timeout=15)
        if self._out is not None:
            self._out.close()
            self._out = None

    def tail(self, lines: int = 80) -> str:
        if not self.log.exists():
            return f"== {self.name}: no output"
        text = self.log.read_text(errors="replace").splitlines()[-lines:]
        return f"== {self.name} ({self.log}), last {len(text)} lines:\n" + "\n".join(text)


@dataclass
class Node(Process):
    port: int = 0
    env: dict[str, str] = field(default_factory=dict)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"


def haproxy_config(port: int, nodes: list[Node], stats_socket: Path) -> str:
    """Round robin over both nodes, no stickiness; a node is in while /health/ready is 200."""
    servers = "\n".join(
        f"  server {node.name} 127.0.0.1:{node.port} check inter 300ms fall 2 rise 1"
        for node in nodes
    )
    return f"""global
  log stdout format raw local0 info
  stats socket {stats_socket} mode 600 level user
  maxconn 512

defaults
  mode http
  log global
  option httplog
  timeout connect 2s
  timeout client 30s
  timeout server 30s

frontend idp
  bind 127.0.0.1:{port}
  option forwardfor
  http-request set-header X-Forwarded-Proto http
  default_backend nodes

backend nodes
  balance roundrobin
  option httpchk GET /health/ready
  http-check expect status 200
  http-response set-header {SERVED_BY} %s
{servers}
"""


def _master_key() -> str:
    return base64.b64encode(os.urandom(32)).decode()


class Cluster:
    """Nodes ``a`` and ``b`` and HAProxy in ``workdir``, on ``database_url``, mailing to the
    SMTP server on ``smtp_port``."""

    def __init__(self, workdir: Path, database_url: str, smtp_port: int) -> None:
        self.workdir = workdir
        self.database_url = database_url
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.key_store = "database"
        self.ratelimit_prefix = f"idp-cluster-{secrets.token_hex(6)}"
        shared = self._shared_environment(smtp_port)
        self.nodes = {
            name: Node(
                name,
                workdir / f"node-{name}.log",
                port=free_port(),
                env=self._node_env(name, shared),
            )
            for name in ("a", "b")
        }
        self.haproxy = Process("haproxy", workdir / "haproxy.log")
        self.stats_socket = workdir / "haproxy.sock"
        self._app: Flask | None = None

    # -- configuration -----------------------------------------------------------------------
    def _shared_environment(self, smtp_port: int) -> dict[str, str]:
        settings = {
            "IDP_ISSUER": self.url,
            "IDP_DATABASE_URL": self.database_url,
            "IDP_SECRET_KEY": secrets.token_urlsafe(48),
            "IDP_PAIRWISE_SALT": secrets.token_urlsafe(32),
            "IDP_SECRET_ENCRYPTION_KEYS": SecretBox.new_setting(),
            "IDP_SESSION_COOKIE_SECURE": "false",
            "IDP_RATELIMIT_STORAGE_URI": REDIS_URL,
            "IDP_RATELIMIT_KEY_PREFIX": self.ratelimit_prefix,
            "IDP_LOGIN_RATE_LIMIT": f"{LOGIN_RATE_LIMIT} per minute",
            "IDP_TRUSTED_PROXIES": "127.0.0.1",
            "IDP_MAIL_TRANSPORT": "smtp",
            "IDP_SMTP_HOST": "127.0.0.1",
            "IDP_SMTP_PORT": str(smtp_port),
            # The mail test's SMTP server holds the first mail until both senders deliver.
            "IDP_SMTP_TIMEOUT_SECONDS": "30",
        }
        # The keys in the database, shared; each node's keys folder stays empty.
        settings |= {
            "IDP_KEY_STORE": "database",
            "IDP_MASTER_KEY": _master_key(),
            "IDP_KEY_REFRESH_SECONDS": str(KEY_REFRESH_SECONDS),
        }
        return settings

    def _node_env(self, name: str, shared: dict[str, str]) -> dict[str, str]:
        """The process environment of node ``name``: the test's own without any IDP_* variable,
        then the shared settings and the node's own folders."""
        env = {k: v for k, v in os.environ.items() if not k.startswith("IDP_")}
        env |= shared
        env["IDP_INSTANCE_PATH"] = str(self.workdir / f"instance-{name}")
        env["IDP_KEYS_DIR"] = str(self.workdir / f"keys-{name}")  # stays empty
        env["PYTHONUNBUFFERED"] = "1"
        return env

    def settings_of(self, node: str = "a") -> dict[str, Any]:
        """Node ``node``'s settings as ``create_app`` overrides (for the test's own app)."""
        names = {f.name for f in dataclasses.fields(Settings)}
        overrides: dict[str, Any] = {}
        for key, value in self.nodes[node].env.items():
            name = key.removeprefix("IDP_").lower()
            if key.startswith("IDP_") and name in names:
                overrides[name] = value
        overrides["ratelimit_storage_url"] = self.nodes[node].env["IDP_RATELIMIT_STORAGE_URI"]
        overrides["instance_path"] = str(self.workdir / "instance-test")
        return overrides

    # -- the operator's commands -----------------------------------------------------------
    def idp(self, *args: str, node: str = "a") -> subprocess.CompletedProcess[str]:
        """Run ``idp ARGS`` as on node ``node`` (its environment, the source tree)."""
        result = subprocess.run(
            [sys.executable, "-m", "idp.cli", *args],
            cwd=ROOT,
            env=self.nodes[node].env,
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert result.returncode == 0, (args, result.stdout, result.stderr)
        return result

    # -- start and stop --------------------------------------------------------------------
    def start(self) -> None:
        """Migrate once, create the keys once, start both nodes and HAProxy, and wait until
        HAProxy sees both nodes UP. Raises with the logs when anything does not come up."""
        try:
            self.idp("db", "upgrade")
            self.idp("keys", "init")
            for node in self.nodes.values():
                node.start(
                    [
                        sys.executable,
                        *("-m", "idp.cli", "serve", "--host", "127.0.0.1"),
                        *("--port", str(node.port), "--workers", "1", "--threads", "4"),
                    ],
                    node.env,
                )
            config = self.workdir / "haproxy.cfg"
            config.write_text(
                haproxy_config(self.port, list(self.nodes.values()), self.stats_socket)
            )
            self.haproxy.start([str(HAPROXY), "-f", str(config), "-db"], dict(os.environ))
            for node in self.nodes.values():
                wait_until(partial(self._ready, node), START_SECONDS, f"node {node.name} ready")
            wait_until(self._both_up, START_SECONDS, "HAProxy sees both nodes UP")
        except (AssertionError, TimeoutError, OSError) as error:
            self.stop()
            raise AssertionError(f"the cluster did not come up: {error}\n{self.logs()}") from None

    def _ready(self, node: Node) -> bool:
        for process in (node, self.haproxy):
            if process.exited:
                raise AssertionError(f"{process.name} exited with {process.returncode}")
        try:
            return requests.get(node.url + "/health/ready", timeout=5).status_code == 200
        except requests.RequestException:
            return False

    def _both_up(self) -> bool:
        try:
            rows = self.stats()
        except OSError:  # its stats socket is not there yet
            return False
        return all(rows.get(name, {}).get("status") == "UP" for name in self.nodes)

    def stop(self) -> None:
        processes = (self.haproxy, *self.nodes.values())
        for process in processes:  # all at once: each node finishes its requests
            process.terminate()
        for process in processes:
            process.stop()
        if self._app is not None:
            with self._app.app_context():
                db.session.remove()
                db.engine.dispose()
            self._app = None

    # -- looking at it ---------------------------------------------------------------------
    def stats(self) -> dict[str, dict[str, str]]:
        """HAProxy's ``show stat`` for the servers of the backend, by server name."""
        with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as conn:
            conn.settimeout(5)
            conn.connect(str(self.stats_socket))
            conn.sendall(b"show stat\n")
            chunks = []
            while chunk := conn.recv(65536):
                chunks.append(chunk)
        text = b"".join(chunks).decode().lstrip("# ")
        rows = csv.DictReader(line for line in text.splitlines() if line)
        return {
            row["svname"]: row
            for row in rows
            if row["pxname"] == "nodes" and row["svname"] not in ("BACKEND", "FRONTEND")
        }

    def requests_served(self) -> dict[str, int]:
        """How many HTTP requests HAProxy has sent to each node (health checks aside)."""
        return {name: int(row["req_tot"] or 0) for name, row in self.stats().items()}

    def logs(self) -> str:
        return "\n\n".join(p.tail() for p in (*self.nodes.values(), self.haproxy))

    @property
    def app(self) -> Flask:
        """An app in the test process with node a's settings, never served: for app contexts
        (factories, the demo data, the outbox)."""
        if self._app is None:
            self._app = create_app(self.settings_of("a"))
        return self._app


class SenderCollector(Collector):
    """An SMTP handler that keeps every message with the connection it came in on (one
    connection is one delivery run of one sender). Once :meth:`hold` is called, it answers
    no message until messages wait on two connections at once, that is until two senders are
    delivering at the same moment (or ``seconds`` have passed): from then on both race for the
    same outbox rows."""

    def __init__(self) -> None:
        super().__init__()
        self.peers: list[tuple[str, str]] = []  # (Message-ID, the connection's peer)
        self._holding_until: float | None = None
        self._waiting: set[Any] = set()
        self._released = asyncio.Event()

    def hold(self, seconds: float) -> None:
        self._holding_until = time.monotonic() + seconds

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        if self._holding_until is not None and not self._released.is_set():
            self._waiting.add(tuple(session.peer))
            if len(self._waiting) >= 2:
                self._released.set()
            left = max(0.0, self._holding_until - time.monotonic())
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._released.wait(), left)
        headers = email.message_from_bytes(envelope.content, policy=default_policy)
        self.peers.append((str(headers["Message-ID"]), f"{session.peer[0]}:{session.peer[1]}"))
        return await super().handle_DATA(server, session, envelope)
