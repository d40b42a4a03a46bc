"""Smaller pieces (issue 10): no module over 300 lines, no function over 50 lines, and every
public service function says in a docstring what rule it holds. Cyclomatic complexity (at most
15) is ruff's C90 check, configured in pyproject.toml."""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

PACKAGE = Path(__file__).resolve().parent.parent.parent / "idp"
MAX_MODULE_LINES = 300
MAX_FUNCTION_LINES = 50

Function = ast.FunctionDef | ast.AsyncFunctionDef


def _sources(folder: Path = PACKAGE) -> list[Path]:
    """Every Python module under `folder`, migrations excluded (Alembic writes those)."""
    return sorted(
        p for p in folder.rglob("*.py") if "migrations" not in p.relative_to(PACKAGE).parts
    )


def _where(path: Path, line: int) -> str:
    return f"{path.relative_to(PACKAGE.parent)}:{line}"


def _functions(tree: ast.AST) -> Iterator[Function]:
    for node in ast.walk(tree):
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            yield node


def _public_functions(tree: ast.Module) -> Iterator[Function]:
    """The module-level functions whose names do not start with "_": a service's interface
    (methods and nested helpers belong to their class or function)."""
    for node in tree.body:
        public = not getattr(node, "name", "_").startswith("_")
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef) and public:
            yield node


def test_no_module_is_over_300_lines():
    offenders = []
    for path in _sources():
        lines = len(path.read_text().splitlines())
        if lines > MAX_MODULE_LINES:
            offenders.append(f"{_where(path, 1)} has {lines} lines")
    assert not offenders, "modules over 300 lines:\n" + "\n".join(offenders)


def test_no_function_is_over_50_lines():
    offenders = []
    for path in _sources():
        for node in _functions(ast.parse(path.read_text())):
            # lineno is the `def` line: decorators above it do not count.
            lines = (node.end_lineno or node.lineno) - node.lineno + 1
            if lines > MAX_FUNCTION_LINES:
                offenders.append(f"{_where(path, node.lineno)} {node.name} has {lines} lines")
    assert not offenders, "functions over 50 lines:\n" + "\n".join(offenders)


def test_every_public_service_function_has_a_docstring():
    offenders = []
    for path in _sources(PACKAGE / "services"):
        for node in _public_functions(ast.parse(path.read_text())):
            if not ast.get_docstring(node):
                offenders.append(f"{_where(path, node.lineno)} {node.name}")
    assert not offenders, "public service functions without a docstring:\n" + "\n".join(offenders)
