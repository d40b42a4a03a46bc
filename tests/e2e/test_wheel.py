"""The package installed as an operator installs it: the built wheel, in a fresh virtual
environment, run with ``idp`` from a folder outside the source tree, serves pages.

The fresh environment borrows only the third-party libraries of the environment running the
tests (a .pth file naming its site-packages; site does not run the .pth files found there, so
the editable install's import finder for ``idp`` stays out), and the test checks that ``idp``
is imported from the installed wheel and nowhere else.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import sysconfig
import time
from pathlib import Path
from typing import Any

import requests

from tests.support.helpers import ROOT
from tests.support.processes import free_port, stop

SOURCE_TREE = ROOT
# What a build may read: the tracked sources, not what a developer's tree has made (the
# compiled catalogues above all: the build must compile its own).
NOT_SOURCES = shutil.ignore_patterns(
    ".git",
    ".venv",
    "build",
    "dist",
    "*.egg-info",
    "instance",
    "keys",
    "test-artifacts",
    "__pycache__",
    ".*_cache",
    "*.mo",
)


def run(argv: list[str | Path], **kwargs: Any) -> subprocess.CompletedProcess[str]:
    result = subprocess.run(
        [str(a) for a in argv],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
        **kwargs,
    )
    assert result.returncode == 0, f"{argv} failed:\n{result.stdout}\n{result.stderr}"
    return result


def build_wheel(tmp: Path) -> Path:
    source = tmp / "source"
    shutil.copytree(SOURCE_TREE, source, ignore=NOT_SOURCES)
    wheelhouse = tmp / "wheelhouse"
    run(
        [
            sys.executable,
            "-m",
            "pip",
            "wheel",
            "--quiet",
            "--no-deps",
            "--no-index",
            "--no-build-isolation",
            "--wheel-dir",
            wheelhouse,
            source,
        ]
    )
    (wheel,) = wheelhouse.glob("lokal_idp-*.whl")
    return wheel


def fresh_venv(tmp: Path) -> Path:
    """A new virtual environment that sees the test environment's third-party libraries."""
    venv = tmp / "venv"
    run([sys.executable, "-m", "venv", "--without-pip", venv])
    python = venv / "bin" / "python"
    fresh_site = Path(
        run(
            [python, "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"]
        ).stdout.strip()
    )
    borrowed = {sysconfig.get_paths()["purelib"], sysconfig.get_paths()["platlib"]}
    (fresh_site / "borrowed_libraries.pth").write_text("\n".join(sorted(borrowed)) + "\n")
    return venv


def wait_for_answer(url: str, server: subprocess.Popen[bytes], log: Path) -> requests.Response:
    """Poll until the server answers at all (any status), the process dies, or 30 s pass."""
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise AssertionError(f"idp serve exited ({server.returncode}):\n{log.read_text()}")
        try:
            return requests.get(url, timeout=5)
        except requests.ConnectionError:
            time.sleep(0.1)
    raise AssertionError(f"idp serve did not answer within 30 s:\n{log.read_text()}")


def test_built_wheel_installed_in_a_fresh_venv_serves_danish_pages_and_the_stylesheet(
    tmp_path: Path,
) -> None:
    wheel = build_wheel(tmp_path)
    venv = fresh_venv(tmp_path)
    python = venv / "bin" / "python"
    workdir = tmp_path / "operator"
    workdir.mkdir()
    # The editable install of the test environment must not leak in: before the wheel is
    # installed there is no idp to import.
    probe = subprocess.run(
        [str(python), "-c", "import idp"], cwd=workdir, capture_output=True, check=False
    )
    assert probe.returncode != 0, "the fresh venv imports idp before the wheel is installed"

    run([sys.executable, "-m", "pip", "--python", python, "install", "-q", "--no-deps", wheel])
    where = run(
        [python, "-c", "import idp, idp.assets; print(idp.__file__)"], cwd=workdir
    ).stdout.strip()
    assert Path(where).resolve().is_relative_to(venv.resolve()), where
    assert not Path(where).resolve().is_relative_to(SOURCE_TREE), where

    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("IDP_", "PYTHON"))}
    env.update(
        IDP_ISSUER=f"http://127.0.0.1:{port}",
        IDP_HOST="127.0.0.1",
        IDP_PORT=str(port),
        IDP_WORKERS="1",
        IDP_THREADS="2",
        IDP_INSTANCE_PATH=str(workdir / "instance"),
        IDP_KEYS_DIR=str(workdir / "keys"),
        IDP_SESSION_COOKIE_SECURE="false",
    )
    idp = venv / "bin" / "idp"
    run([idp, "db", "upgrade"], cwd=workdir, env=env)
    # The operator's set-up as the README gives it: `idp demo` also makes the signing keys
    # (a node never makes them when it starts).
    run([idp, "demo"], cwd=workdir, env=env)

    log = workdir / "serve.log"
    with log.open("w") as out:
        server = subprocess.Popen(
            [str(idp), "serve"], cwd=workdir, env=env, stdout=out, stderr=subprocess.STDOUT
        )
    base = f"http://127.0.0.1:{port}"
    try:
        health = wait_for_answer(f"{base}/healthz", server, log)
        assert health.status_code == 200, health.text
        assert set(health.json()["checks"]) >= {"templates", "static", "translations"}

        page = requests.get(f"{base}/login/", headers={"Accept-Language": "da"}, timeout=10)
        assert page.status_code == 200, page.text
        assert page.headers["Content-Type"].startswith("text/html")
        # The Danish catalogue compiled into the wheel (templates/login/username.html).
        assert "<h1>Log ind</h1>" in page.text
        assert "Brugernavn" in page.text
        assert "Username" not in page.text

        stylesheet = re.search(r'<link rel="stylesheet" href="([^"]+)"', page.text)
        assert stylesheet, page.text
        css = requests.get(base + stylesheet.group(1), timeout=10)
        assert css.status_code == 200
        assert css.headers["Content-Type"].startswith("text/css")
        assert css.content
    finally:
        stop(server)
