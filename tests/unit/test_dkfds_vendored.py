"""The vendored DKFDS (static/dkfds/, from scripts/vendor_dkfds.py) is whole: every url() of
the stylesheet names a file that is there, and the version and licence are recorded."""

from __future__ import annotations

import re
from pathlib import Path

STATIC = Path(__file__).resolve().parents[2] / "static"
DKFDS = STATIC / "dkfds"
URL = re.compile(r"""url\(\s*["']?([^"')]+?)["']?\s*\)""")


def test_every_url_in_the_stylesheet_resolves_to_a_vendored_file() -> None:
    css_file = DKFDS / "css" / "dkfds-virkdk.css"
    missing = []
    refs = [r for r in URL.findall(css_file.read_text(encoding="utf-8"))]
    for ref in refs:
        if ref.startswith(("data:", "#")):
            continue
        assert not ref.startswith(("http:", "https:", "//")), f"no CDN: {ref}"
        target = (css_file.parent / ref.split("?")[0].split("#")[0]).resolve()
        if not target.is_file() or DKFDS.resolve() not in target.parents:
            missing.append(ref)
    assert refs and not missing


def test_our_own_stylesheet_references_only_vendored_files() -> None:
    css_file = STATIC / "idp.css"
    for ref in URL.findall(css_file.read_text(encoding="utf-8")):
        if not ref.startswith("data:"):
            assert (css_file.parent / ref).resolve().is_file(), ref


def test_the_version_and_licence_are_recorded() -> None:
    assert re.fullmatch(r"dkfds \d+\.\d+\.\d+\n", (DKFDS / "VERSION").read_text())
    assert "MIT" in (DKFDS / "LICENSE.md").read_text(encoding="utf-8")
    assert (DKFDS / "js" / "dkfds.js").is_file()


def test_no_page_template_has_an_inline_style() -> None:
    # The CSP has no 'unsafe-inline' for styles: a style= attribute would be ignored.
    templates = STATIC.parent / "templates"
    offenders = [
        str(path.relative_to(templates))
        for path in templates.rglob("*.html")
        if "email" not in path.parts and re.search(r"\sstyle=", path.read_text(encoding="utf-8"))
    ]
    assert not offenders


def test_every_page_loads_the_design_system_before_our_own_stylesheet() -> None:
    base = (STATIC.parent / "templates" / "base.html").read_text(encoding="utf-8")
    assert base.index("dkfds/css/dkfds-virkdk.css") < base.index("idp.css")
