"""The tests mirror the tree (issue 10): every test module sits in a folder of its kind
(unit/, integration/<area>/, e2e/, conformance/, browser/, cluster/), none directly in tests/,
and no test module imports another one: what tests share lives in tests/support/ or a
conftest.py."""

from __future__ import annotations

import ast
from pathlib import Path

from tests.support.helpers import ROOT

TESTS = ROOT / "tests"
KINDS = {"unit", "integration", "e2e", "conformance", "browser", "cluster"}


def _test_modules() -> list[Path]:
    return sorted(TESTS.rglob("test_*.py"))


def _is_test_module(name: str) -> bool:
    """Whether the dotted module name (absolute, or relative with its dots) names a test_*.py."""
    return any(part.startswith("test_") for part in name.lstrip(".").split("."))


def _imported_test_modules(path: Path) -> list[str]:
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found += [alias.name for alias in node.names if _is_test_module(alias.name)]
        elif isinstance(node, ast.ImportFrom):
            module = "." * node.level + (node.module or "")
            if _is_test_module(module):
                found.append(module)
            else:  # from . import test_x
                found += [f"{module}.{a.name}" for a in node.names if a.name.startswith("test_")]
    return found


def test_no_test_module_sits_directly_in_tests():
    assert sorted(p.name for p in TESTS.glob("test_*.py")) == []


def test_every_test_module_sits_in_a_folder_of_its_kind():
    misplaced = [
        str(p.relative_to(TESTS))
        for p in _test_modules()
        if p.relative_to(TESTS).parts[0] not in KINDS
    ]
    assert misplaced == [], f"test modules outside {sorted(KINDS)}: {misplaced}"


def test_no_test_module_imports_another_test_module():
    offenders = [
        f"{path.relative_to(ROOT)} imports {name}"
        for path in sorted(TESTS.rglob("*.py"))
        for name in _imported_test_modules(path)
    ]
    assert offenders == [], (
        "move what they share to tests/support/ or a conftest.py:\n" + "\n".join(offenders)
    )


def test_every_test_folder_is_a_package():
    """Each folder has an __init__.py, so that two test modules of one name in two folders
    (integration/lifecycle/test_activation.py and e2e/...) never clash on import."""
    folders = {p.parent for p in _test_modules()} | {TESTS / "support"}
    missing = sorted(str(f.relative_to(TESTS)) for f in folders if not (f / "__init__.py").exists())
    assert missing == []


def test_the_rule_sees_every_kind_of_import(tmp_path):
    sample = tmp_path / "test_sample.py"
    sample.write_text(
        "import tests.test_a\nfrom .test_b import x\nfrom ..test_c import y\n"
        "from tests.integration import test_d\nfrom tests.support.helpers import make_user\n"
    )
    assert _imported_test_modules(sample) == [
        "tests.test_a",
        ".test_b",
        "..test_c",
        "tests.integration.test_d",
    ]
