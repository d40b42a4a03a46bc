"""Dependencies point one way: web, oidc, cli -> services -> models (CONVENTIONS.md habit 6).

The rooms of README "Where things are": nothing under ``services/`` imports ``web/``, ``cli/``
or ``oidc/``; ``models/`` imports no service; ``cli/`` calls services only.
"""

from __future__ import annotations

import ast
from pathlib import Path

from tests.support.helpers import ROOT

PACKAGE = ROOT / "idp"


def _imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text())
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = "." * node.level + (node.module or "")
            names.add(base)
            names.update(f"{base}.{alias.name}" for alias in node.names)
    return names


def _absolute_imports(path: Path) -> set[str]:
    """Every module (or module attribute) the file imports, as an absolute dotted name."""
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    package = parts if parts[-1] == "__init__" else parts[:-1]
    package = [p for p in package if p != "__init__"]
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = ".".join([*package[: len(package) - node.level + 1], node.module or ""])
            else:
                base = node.module or ""
            base = base.rstrip(".")
            names.add(base)
            names.update(f"{base}.{alias.name}" for alias in node.names)
    return names


def _reaches(path: Path, rooms: tuple[str, ...]) -> list[str]:
    return sorted(
        name
        for name in _absolute_imports(path)
        if any(name == room or name.startswith(room + ".") for room in rooms)
    )


def test_services_do_not_import_web_cli_oidc_or_wiring():
    rooms = ("idp.web", "idp.cli", "idp.oidc", "idp.mail_sender", "idp.demo", "idp.serve")
    for path in _modules("services"):
        assert not _reaches(path, rooms), f"{path} imports {_reaches(path, rooms)}"


def test_models_import_no_service_and_no_face():
    rooms = ("idp.services", "idp.web", "idp.cli", "idp.oidc")
    for path in _modules("models"):
        assert not _reaches(path, rooms), f"{path} imports {_reaches(path, rooms)}"


def test_faces_do_not_import_each_other():
    """web, oidc and cli are three faces on the same services: none reaches into another
    (the web blueprint for the protocol endpoints, ``web/oidc.py``, calls ``idp.oidc``)."""
    for face, others in (("cli", ("idp.web", "idp.oidc")), ("oidc", ("idp.cli", "idp.web"))):
        for path in _modules(face):
            assert not _reaches(path, others), f"{path} imports {_reaches(path, others)}"
    for path in _modules("web"):
        assert not _reaches(path, ("idp.cli",)), f"{path} imports {_reaches(path, ('idp.cli',))}"


def _modules(folder: str) -> list[Path]:
    return sorted((PACKAGE / folder).rglob("*.py"))


def test_models_and_services_do_not_import_web_request_or_authlib():
    for folder in ("models", "services"):
        for path in _modules(folder):
            for name in _imports(path):
                assert "web" not in name.split("."), f"{path} imports {name}"
                assert not name.startswith("authlib"), f"{path} imports {name}"
                assert name not in ("flask.request", "..oidc", "...oidc"), f"{path} imports {name}"
                assert ".oidc" not in name, f"{path} imports {name}"


def test_models_do_not_import_services():
    for path in _modules("models"):
        for name in _imports(path):
            assert "services" not in name, f"{path} imports {name}"


def test_only_the_oidc_package_imports_authlib_oauth2_and_oidc():
    for path in PACKAGE.rglob("*.py"):
        if "oidc" in path.relative_to(PACKAGE).parts[:1]:
            continue
        for name in _imports(path):
            assert not name.startswith(("authlib.oauth2", "authlib.oidc")), f"{path}: {name}"


def _session_writes(path: Path) -> list[str]:
    """``db.session.commit(...)``/``db.session.add(...)`` style calls in one module."""
    calls = []
    for node in ast.walk(ast.parse(path.read_text())):
        if (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Attribute)
            and node.func.attr in ("commit", "add", "add_all", "flush")
            and isinstance(node.func.value, ast.Attribute)
            and node.func.value.attr == "session"
        ):
            calls.append(f"{path}:{node.lineno} session.{node.func.attr}")
    return calls


def test_cli_calls_services_only():
    for path in _modules("cli"):
        for name in _imports(path):
            assert "extensions" not in name.split("."), f"{path} imports {name}"
        assert not _reaches(path, ("idp.extensions",)), f"{path} reaches the database itself"
        assert not _session_writes(path), _session_writes(path)
