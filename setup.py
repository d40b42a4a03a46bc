"""The one build step pyproject.toml cannot say: the wheel carries the assets.

The source tree keeps ``templates/``, ``static/`` and ``translations/`` at the top level (see
idp/assets.py). A built package copies the first two into ``idp/templates`` and ``idp/static``
and compiles every ``translations/<locale>/LC_MESSAGES/messages.po`` into
``idp/translations/<locale>/LC_MESSAGES/messages.mo`` (compiled catalogues are not in git).
An editable install builds nothing here: it keeps reading the source tree.
"""

from __future__ import annotations

import shutil
from pathlib import Path

from setuptools import setup
from setuptools.command.build_py import build_py

HERE = Path(__file__).resolve().parent


def compile_catalogues(source: Path, target: Path) -> None:
    """Compile each ``<locale>/LC_MESSAGES/messages.po`` under source into a ``.mo`` under
    target, as ``pybabel compile`` does (fuzzy entries are left out)."""
    from babel.messages.mofile import write_mo
    from babel.messages.pofile import read_po

    for po in sorted(source.glob("*/LC_MESSAGES/messages.po")):
        locale = po.parent.parent.name
        mo = target / locale / "LC_MESSAGES" / "messages.mo"
        mo.parent.mkdir(parents=True, exist_ok=True)
        with po.open("rb") as fh:
            catalog = read_po(fh, locale=locale)
        with mo.open("wb") as fh:
            write_mo(fh, catalog)


class BuildWithAssets(build_py):
    """build_py that also puts the templates, static files and compiled catalogues into the
    built package."""

    def run(self) -> None:
        super().run()
        if self.editable_mode:
            return
        package = Path(self.build_lib) / "idp"
        for name in ("templates", "static", "translations"):
            # A build folder left from an earlier build must not keep deleted files.
            shutil.rmtree(package / name, ignore_errors=True)
        for name in ("templates", "static"):
            shutil.copytree(HERE / name, package / name)
        compile_catalogues(HERE / "translations", package / "translations")


setup(cmdclass={"build_py": BuildWithAssets})
