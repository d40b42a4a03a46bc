"""The Dockerfile's builder stage, done by hand where no container engine runs: the files of a
clean checkout that .dockerignore lets into the build context, copied as the stage's COPY
lines copy them, build a wheel that carries every template, the stylesheet, the compiled
catalogues and the migrations (what the runtime stage installs and serves)."""

from __future__ import annotations

import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

from tests.support.container import copies, dockerfile_stages, dockerignore_rules, in_build_context
from tests.support.helpers import ROOT


def build_context(target: Path) -> Path:
    """What `docker build .` sends from a clean checkout of this tree, under ``target``."""
    listed = subprocess.run(
        ["git", "ls-files", "--cached", "--others", "--exclude-standard", "-z"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    rules = dockerignore_rules()
    for name in filter(None, listed.split("\0")):
        if in_build_context(name, rules) and (ROOT / name).is_file():
            (target / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(ROOT / name, target / name)
    return target


def run_copies(context: Path, workdir: Path) -> None:
    """The builder stage's ``COPY src... dest`` (dest relative to its WORKDIR): a folder's
    contents go into dest, files into dest as a folder when it ends with '/'."""
    (builder, _) = dockerfile_stages()
    for sources, dest in copies(builder):
        target = workdir / dest
        for source in sources:
            path = context / source
            assert path.exists(), f"COPY {source}: not in the build context"
            if path.is_dir():
                shutil.copytree(path, target, dirs_exist_ok=True)
            else:
                target.mkdir(parents=True, exist_ok=True)
                shutil.copy2(path, target / path.name if dest.endswith("/") else target)


def test_the_builder_stage_makes_a_wheel_with_every_asset(tmp_path):
    context = build_context(tmp_path / "context")
    assert not (context / "instance").exists() and not (context / "keys").exists()
    src = tmp_path / "src"
    src.mkdir()
    run_copies(context, src)
    wheels = tmp_path / "wheels"
    offline = ["--quiet", "--no-deps", "--no-index", "--no-build-isolation"]
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", *offline, "--wheel-dir", str(wheels), str(src)],
        check=True,
        capture_output=True,
        timeout=180,
    )
    (wheel,) = wheels.glob("lokal_idp-*.whl")
    names = set(zipfile.ZipFile(wheel).namelist())
    templates = {
        f"idp/templates/{p.relative_to(ROOT / 'templates').as_posix()}"
        for p in (ROOT / "templates").rglob("*")
        if p.is_file()
    }
    assert templates and templates <= names, sorted(templates - names)[:5]
    assert "idp/static/idp.css" in names
    for locale in ("da", "en"):
        assert f"idp/translations/{locale}/LC_MESSAGES/messages.mo" in names
    migrations = {
        f"idp/migrations/versions/{p.name}" for p in (ROOT / "idp/migrations/versions").glob("*.py")
    }
    assert migrations <= names
    assert "idp/cli/prepare.py" in names and "idp/services/platform/prepare.py" in names
