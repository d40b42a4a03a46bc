"""The container files say what the README promises (no engine runs here to build them):
the Dockerfile (a builder and a runtime stage, a fixed non-root user, a read-only root that
works, a health check on /health/ready, the entrypoint, no secret), .dockerignore (no local
state or secret in the build context), compose.yaml (the five kinds of service, read-only
nodes sharing their secrets, the load balancer as the one trusted proxy), deploy/haproxy.cfg
(valid for HAProxy, round robin, health check on /health/ready) and deploy/entrypoint.sh."""

from __future__ import annotations

import os
import re
import shutil
import subprocess

import pytest

from tests.support.container import (
    COMPOSE,
    DOCKERFILE,
    copies,
    dockerfile_stages,
    dockerignore_rules,
    in_build_context,
    load_yaml,
)
from tests.support.helpers import ROOT, require

DEPLOY = ROOT / "deploy"
SHARED_SECRETS = {"IDP_SECRET_KEY", "IDP_PAIRWISE_SALT", "IDP_MASTER_KEY"}


def runtime_env() -> dict[str, str]:
    env: dict[str, str] = {}
    for rest in dockerfile_stages()[-1].args("ENV"):
        env.update(dict(re.findall(r"(\w+)=(\S+)", rest)))
    return env


@pytest.fixture(scope="module")
def compose() -> dict:
    return load_yaml(COMPOSE)


def test_dockerfile_builds_the_wheel_in_one_stage_and_runs_it_in_a_slim_one():
    builder, runtime = dockerfile_stages()
    assert builder.name == "builder" and runtime.name == "runtime"
    assert builder.base == runtime.base == "${PYTHON_IMAGE}"
    assert re.search(r"^ARG PYTHON_IMAGE=python:3\.11-slim", DOCKERFILE.read_text(), re.M)
    assert any("pip wheel" in run for run in builder.args("RUN"))
    assert any(
        "pip install --no-index" in run and "from=builder" in run for run in runtime.args("RUN")
    )


def test_the_image_runs_as_a_fixed_non_root_user():
    (user,) = dockerfile_stages()[-1].args("USER")
    uid = user.split(":")[0]
    args = dict(a.split("=", 1) for a in dockerfile_stages()[-1].args("ARG") if "=" in a)
    uid = args.get(uid.strip("${}"), uid)
    assert uid.isdigit() and int(uid) >= 1000, user


def test_what_the_node_writes_is_in_the_volume_and_nothing_secret_is_baked_in():
    env = runtime_env()
    (volume,) = dockerfile_stages()[-1].args("VOLUME")
    data = volume.strip('[]" ')
    assert env["IDP_INSTANCE_PATH"].startswith(data + "/")
    assert env["IDP_KEYS_DIR"].startswith(data + "/")
    assert env["IDP_HOST"] == "0.0.0.0"
    secret = re.compile(r"SECRET|PASSWORD|SALT|MASTER_KEY|ENCRYPTION_KEYS")
    assert not [name for name in env if secret.search(name)], env


def test_the_health_check_asks_for_readiness_on_the_exposed_port_without_curl():
    runtime = dockerfile_stages()[-1]
    (check,) = runtime.args("HEALTHCHECK")
    assert "/health/ready" in check and "urllib.request" in check and "IDP_PORT" in check
    assert runtime.args("EXPOSE") == [runtime_env()["IDP_PORT"]]


def test_the_entrypoint_is_the_script_and_it_execs_the_server():
    runtime = dockerfile_stages()[-1]
    assert runtime.args("ENTRYPOINT") == ['["/usr/local/bin/idp-entrypoint"]']
    assert any(
        "deploy/entrypoint.sh /usr/local/bin/idp-entrypoint" in c for c in runtime.args("COPY")
    )
    script = (DEPLOY / "entrypoint.sh").read_text()
    lines = [line for line in script.splitlines() if line and not line.startswith("#")]
    assert lines[0] == "set -eu"
    assert lines[-2:] == [
        'idp prepare --wait "${IDP_DB_WAIT_SECONDS:-60}"',
        'exec idp serve "$@"',
    ]
    assert subprocess.run(["sh", "-n", str(DEPLOY / "entrypoint.sh")], check=False).returncode == 0
    mode = subprocess.run(
        ["git", "ls-files", "-s", "deploy/entrypoint.sh"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    ).stdout
    assert mode == "" or mode.startswith("100755"), mode  # executable in git once committed
    assert os.access(DEPLOY / "entrypoint.sh", os.X_OK)


def test_dockerignore_lets_in_what_the_builder_copies_and_no_local_state():
    rules = dockerignore_rules()
    for sources, _dest in [c for stage in dockerfile_stages() for c in copies(stage)]:
        for source in sources:
            assert (ROOT / source).exists(), source
            probe = (
                source
                if (ROOT / source).is_file()
                else next(
                    str(p.relative_to(ROOT)) for p in (ROOT / source).rglob("*") if p.is_file()
                )
            )
            assert in_build_context(probe, rules), probe
    for path in (
        "instance/secret_key",
        "keys/0a1b.pem",
        "keys/keys.json",
        ".env",
        ".git/config",
        ".venv/bin/python",
        "translations/da/LC_MESSAGES/messages.mo",
        "idp/__pycache__/config.cpython-311.pyc",
        "dist/lokal_idp-0.1.0-py3-none-any.whl",
    ):
        assert not in_build_context(path, rules), path
    assert in_build_context("translations/da/LC_MESSAGES/messages.po", rules)


def test_compose_has_the_five_kinds_of_service(compose):
    assert set(compose["services"]) == {"postgres", "redis", "idp-a", "idp-b", "lb", "mail"}
    assert "mailpit" in compose["services"]["mail"]["image"]
    assert compose["services"]["lb"]["image"].startswith("haproxy:")


def test_both_nodes_are_the_same_read_only_image_sharing_their_secrets(compose):
    a, b = compose["services"]["idp-a"], compose["services"]["idp-b"]
    for node in (a, b):
        assert node["build"] == "." and node["read_only"] is True
        assert any(t.split(":")[0] == "/tmp" for t in node["tmpfs"])  # noqa: S108
        assert [v.split(":")[1] for v in node["volumes"]] == ["/var/lib/idp"]
        env = node["environment"]
        assert set(env) >= SHARED_SECRETS
        assert env["IDP_KEY_STORE"] == "database"
        assert env["IDP_RATELIMIT_STORAGE_URI"].startswith("redis://redis:")
        assert env["IDP_MAIL_TRANSPORT"] == "smtp" and env["IDP_SMTP_HOST"] == "mail"
        assert "@postgres:5432/" in env["IDP_DATABASE_URL"]
    assert a["image"] == b["image"]
    assert a["environment"] == b["environment"]
    assert a["volumes"] != b["volumes"]  # each node its own folder


def test_the_load_balancer_is_the_only_trusted_proxy(compose):
    lb = compose["services"]["lb"]
    address = lb["networks"]["idp"]["ipv4_address"]
    assert compose["services"]["idp-a"]["environment"]["IDP_TRUSTED_PROXIES"] == address
    assert "./deploy/haproxy.cfg:/usr/local/etc/haproxy/haproxy.cfg:ro" in lb["volumes"]


def test_every_required_variable_of_compose_is_made_by_make_env():
    required = set(re.findall(r"\$\{(\w+):\?", COMPOSE.read_text()))
    made = subprocess.run(
        ["python3", str(DEPLOY / "make-env.py")], capture_output=True, text=True, check=True
    ).stdout
    values = dict(line.split("=", 1) for line in made.splitlines())
    assert required == set(values), (required, set(values))
    assert all(re.fullmatch(r"[A-Za-z0-9_\-+/=]{32,}", v) for v in values.values()), values
    # The password goes into the database URL unescaped: URL-safe characters only.
    assert re.fullmatch(r"[A-Za-z0-9_\-]+", values["POSTGRES_PASSWORD"])


def test_haproxy_config_is_valid_balances_round_robin_and_checks_readiness():
    require(shutil.which("haproxy") is not None, "haproxy (Debian package haproxy) is needed")
    cfg = DEPLOY / "haproxy.cfg"
    check = subprocess.run(
        ["haproxy", "-c", "-f", str(cfg)], capture_output=True, text=True, check=False
    )
    assert check.returncode == 0, check.stdout + check.stderr
    assert "Configuration file is valid" in check.stdout + check.stderr
    text = cfg.read_text()
    assert re.search(r"^\s+balance roundrobin$", text, re.M)
    assert re.search(r"^\s+http-check send meth GET uri /health/ready ", text, re.M)
    assert re.search(r"^\s+http-check expect status 200$", text, re.M)
    assert "cookie" not in text  # no stickiness: every node serves every request
    port = runtime_env()["IDP_PORT"]
    assert re.findall(r"^\s+server (idp-[ab]) \1:(\d+)$", text, re.M) == [
        ("idp-a", port),
        ("idp-b", port),
    ]
    assert "option forwardfor" in text and "X-Forwarded-Proto" in text


def test_the_sdist_carries_the_deploy_files():
    manifest = (ROOT / "MANIFEST.in").read_text().splitlines()
    assert "graft deploy" in manifest
    assert {"include Dockerfile", "include compose.yaml", "include .dockerignore"} <= set(manifest)
