"""The container's entrypoint, run as the image runs it but without a container engine (none
can pull a base image here): deploy/entrypoint.sh with the test environment's ``idp`` first on
PATH, on a fresh PostgreSQL schema, on a read-only root filesystem (a mount namespace where
only the node's data folder and its temp folder are writable, as compose.yaml's read_only and
tmpfs give it), then behind deploy/haproxy.cfg. And ``idp prepare`` itself: two at once on one
fresh database, a database that comes up while it waits, and one that never answers.

PostgreSQL is IDP_TEST_DATABASE_URL when that names one, else the local server CI starts
(.ci/run): these tests need it in both passes, and fail under CI=true when it is missing.
"""

from __future__ import annotations

import base64
import fcntl
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from pathlib import Path
from subprocess import PIPE

import pytest
import requests
from alembic.script import ScriptDirectory
from sqlalchemy import create_engine, make_url, text
from sqlalchemy.pool import NullPool

from idp.services.platform.prepare import PREPARE_LOCK_KEY
from tests.support.helpers import ROOT, TEST_DATABASE_URL, require
from tests.support.processes import free_port, run_idp, stop
from tests.support.tcp_proxy import TcpProxy

ENTRYPOINT = ROOT / "deploy" / "entrypoint.sh"
HAPROXY_CFG = ROOT / "deploy" / "haproxy.cfg"
BIN = Path(sys.executable).parent
POSTGRES = (
    TEST_DATABASE_URL
    if TEST_DATABASE_URL.startswith("postgresql")
    else "postgresql+psycopg://postgres@127.0.0.1:5432/test"
)
HEAD = set(ScriptDirectory(str(ROOT / "idp" / "migrations")).get_heads())
WAITING = "another node is preparing the database; waiting for it"
# compose.yaml's nodes keep their keys in the database, sealed under this (a test value).
SHARED_KEYS = {
    "IDP_KEY_STORE": "database",
    "IDP_MASTER_KEY": base64.b64encode(b"entrypoint-test-master-key-32by!").decode(),
}
# In a mount namespace of its own: the node's data folder stays writable, the rest of the root
# filesystem becomes read-only, and the node must still prepare and serve.
READ_ONLY_ROOT = """
mount --make-rprivate / && mount --bind "$1" "$1" && mount -o remount,bind,ro / || exit 98
if touch /.idp-read-only-probe 2>/dev/null; then echo "the root is writable" >&2; exit 99; fi
shift
exec "$@"
"""


def _postgres_answers() -> bool:
    try:
        engine = create_engine(POSTGRES, poolclass=NullPool, connect_args={"connect_timeout": 3})
        with engine.connect():
            return True
    except Exception:
        return False


@contextmanager
def fresh_schema(suffix: str) -> Iterator[str]:
    """An empty PostgreSQL schema of this test's own; its URL."""
    from tests.conftest import _drop_postgres_schema, _private_postgres_schema

    require(_postgres_answers(), f"this test needs PostgreSQL at {make_url(POSTGRES)!r}")

    url, schema = _private_postgres_schema(POSTGRES, suffix)
    try:
        yield url
    finally:
        _drop_postgres_schema(POSTGRES, schema)


def node_env(data: Path, database_url: str, **extra: str) -> dict[str, str]:
    """The environment of one node: the test environment's bin first on PATH, its data under
    ``data`` (instance folder, keys, temp files)."""
    for folder in ("instance", "keys", "tmp"):
        (data / folder).mkdir(parents=True, exist_ok=True)
    env = {k: v for k, v in os.environ.items() if not k.startswith(("IDP_", "PYTHON"))}
    env.update(
        PATH=f"{BIN}{os.pathsep}{env.get('PATH', '')}",
        PYTHONPATH=str(ROOT),
        PYTHONDONTWRITEBYTECODE="1",
        TMPDIR=str(data / "tmp"),
        IDP_DATABASE_URL=database_url,
        IDP_INSTANCE_PATH=str(data / "instance"),
        IDP_KEYS_DIR=str(data / "keys"),
        IDP_SECRET_KEY="entrypoint-test-secret-key-0123456789abcdefghij",
        IDP_PAIRWISE_SALT="entrypoint-test-pairwise-salt",
        IDP_SESSION_COOKIE_SECURE="false",
        IDP_MAIL_BACKGROUND="false",
        **extra,
    )
    return env


def wait_until_ready(url: str, process: subprocess.Popen[bytes], log: Path) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise AssertionError(f"exited with {process.returncode}:\n{log.read_text()}")
        try:
            if requests.get(url, timeout=5).status_code == 200:
                return
        except requests.ConnectionError:
            pass
        time.sleep(0.2)
    raise AssertionError(f"{url} was not 200 within 60 s:\n{log.read_text()}")


def refuses(port: int) -> bool:
    with socket.socket() as sock:
        return sock.connect_ex(("127.0.0.1", port)) != 0


@pytest.fixture(scope="module")
def node(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[int, subprocess.Popen[bytes]]]:
    """deploy/entrypoint.sh on a fresh schema and a read-only root; (port, process)."""
    require(shutil.which("unshare") is not None, "unshare (util-linux) is needed")
    data = tmp_path_factory.mktemp("node")
    port = free_port()
    log = data / "node.log"
    with fresh_schema("_entrypoint") as url:
        env = node_env(data, url, IDP_HOST="127.0.0.1", IDP_PORT=str(port), **SHARED_KEYS)
        env.update(IDP_WORKERS="1", IDP_THREADS="2", IDP_TRUSTED_PROXIES="127.0.0.1")
        with log.open("wb") as out:
            argv = ["unshare", "--mount", "sh", "-c", READ_ONLY_ROOT, "sh", str(data)]
            process = subprocess.Popen(
                [*argv, str(ENTRYPOINT)],
                env=env,
                cwd=ROOT,
                stdout=out,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        try:
            wait_until_ready(f"http://127.0.0.1:{port}/health/ready", process, log)
            yield port, process
        finally:
            # The whole process group: a shell that forgot to `exec` leaves granian behind.
            with suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGKILL)
            process.wait()


def test_the_entrypoint_prepares_a_fresh_database_and_serves_on_a_read_only_root(node):
    port, process = node
    ready = requests.get(f"http://127.0.0.1:{port}/health/ready", timeout=10)
    assert ready.status_code == 200, ready.text
    assert set(ready.json()["checks"].values()) == {"ok"}
    # `exec`: the process the container engine signals is granian itself, not a shell.
    cmdline = Path(f"/proc/{process.pid}/cmdline").read_bytes().split(b"\0")
    assert b"serve" in cmdline and not cmdline[0].endswith(b"sh"), cmdline


def test_haproxy_with_deploy_config_balances_onto_the_node(node, tmp_path):
    """deploy/haproxy.cfg as compose runs it, with only the addresses changed: the compose
    names become this node, the Docker DNS resolver is left out."""
    require(shutil.which("haproxy") is not None, "haproxy (Debian package haproxy) is needed")
    port, _ = node
    lb_port = free_port()
    config = HAPROXY_CFG.read_text()
    config = config.replace("bind :8080", f"bind 127.0.0.1:{lb_port}")
    config = config.replace(" resolvers docker", "")
    config = re.sub(r"(server idp-[ab]) idp-[ab]:8000", rf"\1 127.0.0.1:{port}", config)
    config = re.sub(r"\nresolvers docker\n(    .*\n)+", "\n", config)
    (tmp_path / "haproxy.cfg").write_text(config)
    log = tmp_path / "haproxy.log"
    with log.open("wb") as out:
        lb = subprocess.Popen(
            ["haproxy", "-db", "-f", str(tmp_path / "haproxy.cfg")],
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    try:
        url = f"http://127.0.0.1:{lb_port}/health/ready"
        deadline = time.monotonic() + 20
        answer = None
        while answer is None and time.monotonic() < deadline:
            assert lb.poll() is None, log.read_text()
            try:
                answer = requests.get(url, headers={"X-Request-ID": "chosen-by-client"}, timeout=5)
            except requests.ConnectionError:
                time.sleep(0.1)
        assert answer is not None and answer.status_code == 200, answer
        # The load balancer chose the request id (a UUID), the node believed it (its trusted
        # proxy) and echoed it; the client's own was replaced.
        assert re.fullmatch(r"[0-9a-f-]{36}", answer.headers["X-Request-ID"]), answer.headers
    finally:
        lb.terminate()
        lb.wait(timeout=10)


def test_sigterm_stops_the_node(node):
    port, process = node
    assert stop(process) == 0
    assert refuses(port), "something still listens after the entrypoint's process exited"


@contextmanager
def held_prepare_lock(database_url: str) -> Iterator[None]:
    """Hold the lock ``idp prepare`` takes, as a node in the middle of preparing would."""
    parsed = make_url(database_url)
    if parsed.get_backend_name() == "postgresql":
        engine = create_engine(parsed, poolclass=NullPool)
        with engine.connect() as conn:
            conn.execute(text("SELECT pg_advisory_lock(:k)"), {"k": PREPARE_LOCK_KEY})
            try:
                yield
            finally:
                conn.execute(text("SELECT pg_advisory_unlock(:k)"), {"k": PREPARE_LOCK_KEY})
        engine.dispose()
    else:
        lock = Path(str(parsed.database)).resolve().with_suffix(".sqlite3.prepare.lock")
        with lock.open("a") as fh:
            fcntl.flock(fh, fcntl.LOCK_EX)
            yield


@contextmanager
def database(kind: str, tmp: Path) -> Iterator[str]:
    if kind == "postgresql":
        with fresh_schema("_race") as url:
            yield url
    else:
        yield f"sqlite:///{tmp / 'idp.sqlite3'}"


@pytest.mark.parametrize("kind", ["postgresql", "sqlite"])
def test_two_prepares_at_once_migrate_once_and_make_one_key_per_algorithm(kind, tmp_path):
    with database(kind, tmp_path) as url:
        # PostgreSQL as compose.yaml has it (keys in the database), SQLite as one box has it
        # (keys in the folder).
        env = node_env(tmp_path / "data", url, **(SHARED_KEYS if kind == "postgresql" else {}))
        logs = [tmp_path / f"prepare-{n}.err" for n in (1, 2)]
        argv = [str(BIN / "python"), "-m", "idp.cli", "prepare", "--json", "--wait", "30"]
        with held_prepare_lock(url):
            runs = []
            for log in logs:
                with log.open("w") as err:
                    runs.append(subprocess.Popen(argv, env=env, cwd=ROOT, stdout=PIPE, stderr=err))
            # Both wait for the lock before either may start: they race the moment it goes.
            deadline = time.monotonic() + 60
            while not all(WAITING in log.read_text() for log in logs):
                assert time.monotonic() < deadline, [log.read_text() for log in logs]
                assert all(r.poll() is None for r in runs), [log.read_text() for log in logs]
                time.sleep(0.1)
        outputs = [r.communicate(timeout=120)[0] for r in runs]
        assert [r.returncode for r in runs] == [0, 0], [log.read_text() for log in logs]
        results = [json.loads(o) for o in outputs]
        assert sorted(r["migrated"] for r in results) == [False, True], results
        assert all(set(r["revisions_after"]) == HEAD for r in results), results

        engine = create_engine(url, poolclass=NullPool)
        with engine.connect() as conn:
            versions = conn.execute(text("SELECT version_num FROM alembic_version")).scalars()
            assert set(versions) == HEAD
        engine.dispose()
        listed = run_idp(env, "keys", "list", "--json")
        assert listed.returncode == 0, listed.stderr
        active = sorted(k["alg"] for k in json.loads(listed.stdout) if k["status"] == "active")
        assert active == ["ES256", "RS256"]


def test_prepare_waits_for_a_database_that_comes_up(tmp_path):
    with fresh_schema("_late") as url:
        parsed = make_url(url)
        proxy = TcpProxy((parsed.host or "127.0.0.1", parsed.port or 5432))
        late = parsed.set(host="127.0.0.1", port=proxy.port)
        env = node_env(tmp_path, late.render_as_string(hide_password=False), **SHARED_KEYS)
        log = tmp_path / "prepare.err"
        with log.open("w") as err:
            argv = [str(BIN / "python"), "-m", "idp.cli", "prepare", "--json", "--wait", "60"]
            run = subprocess.Popen(argv, env=env, cwd=ROOT, stdout=PIPE, stderr=err)
        try:
            deadline = time.monotonic() + 60
            while "waiting for the database" not in log.read_text():
                assert run.poll() is None and time.monotonic() < deadline, log.read_text()
                time.sleep(0.1)
            proxy.start()  # the database "comes up"
            out, _ = run.communicate(timeout=120)
        finally:
            proxy.stop()
        assert run.returncode == 0, log.read_text()
        done = json.loads(out)
        assert done["migrated"] and set(done["revisions_after"]) == HEAD
        assert sorted(k["alg"] for k in done["keys_created"]) == ["ES256", "RS256"]


def test_prepare_against_an_unreachable_database_gives_up_with_a_clear_message(tmp_path):
    url = "postgresql+psycopg://idp:do-not-print-me@127.0.0.1:1/idp"
    env = node_env(tmp_path, url, **SHARED_KEYS)
    started = time.monotonic()
    result = run_idp(env, "prepare", "--wait", "2")
    waited = time.monotonic() - started
    output = result.stdout + result.stderr
    assert result.returncode == 1, output
    assert "Error: the database postgresql://127.0.0.1:1/idp did not accept a connection " in (
        result.stderr
    )
    assert "within 2 s" in result.stderr and "Connection refused" in result.stderr
    assert "waiting for the database postgresql://127.0.0.1:1/idp" in result.stderr
    assert "Traceback" not in output and "do-not-print-me" not in output
    assert waited >= 2, waited
