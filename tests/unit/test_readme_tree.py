"""The README's "Where things are" tree is the code's layout: it lists exactly what
``find idp -maxdepth 2`` finds (caches aside), so the layout can be read before the code."""

from __future__ import annotations

import re
from pathlib import Path

from tests.support.helpers import ROOT

DESCRIPTION_COLUMN = 16  # an indent this deep continues the description above


def _tree() -> list[str]:
    """The paths the README's tree names, as ``idp/...`` (folders without the slash)."""
    text = (ROOT / "README.md").read_text()
    section = text.split("## Where things are", 1)[1]
    block = re.search(r"```\n(.*?)```", section, re.S)
    assert block, "README: no tree under 'Where things are'"
    paths: list[str] = []
    stack: list[str] = []
    for line in block.group(1).splitlines():
        indent = len(line) - len(line.lstrip(" "))
        if not line.strip() or indent >= DESCRIPTION_COLUMN:
            continue
        assert indent % 2 == 0, f"README tree: odd indent in {line!r}"
        name = line.split()[0].rstrip("/")
        stack[indent // 2 :] = [name]
        paths.append("/".join(stack))
    return paths


def _found(depth: int) -> set[str]:
    root = ROOT / "idp"
    found = set()
    for path in root.rglob("*"):
        rel = path.relative_to(ROOT)
        if "__pycache__" in rel.parts or path.suffix in (".pyc", ".mo"):
            continue
        if len(rel.parts) - 1 <= depth:
            found.add(rel.as_posix())
    return found


def test_the_tree_lists_what_find_idp_maxdepth_2_finds():
    named = {p for p in _tree() if p.startswith("idp/")}
    shallow = {p for p in named if p.count("/") <= 2}
    found = _found(2) - {"idp"}
    assert sorted(found - shallow) == [], "in idp/ but not in the README tree"
    assert sorted(shallow - found) == [], "in the README tree but not in idp/"


def test_every_deeper_path_the_tree_names_exists():
    for path in _tree():
        if path.startswith("idp/"):
            assert Path(ROOT / path).exists(), path
