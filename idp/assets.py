"""Where the templates, static files and compiled catalogues are.

The source tree keeps them in the top-level folders ``templates/``, ``static/`` and
``translations/`` (next to ``idp/``); a built wheel carries them inside the package as
``idp/templates``, ``idp/static`` and ``idp/translations`` (setup.py copies them and compiles
the catalogues). Running from the source tree or an editable install uses the top-level
folders; an installed wheel uses its own copy.
"""

from __future__ import annotations

from pathlib import Path

PACKAGE_DIR = Path(__file__).resolve().parent
SOURCE_TREE = PACKAGE_DIR.parent
NAMES = ("templates", "static", "translations")


def asset_dir(name: str) -> Path:
    """The folder of one kind of asset (``templates``, ``static`` or ``translations``): the
    package's own copy when it carries one (an installed wheel), else the source tree's."""
    if name not in NAMES:
        raise ValueError(f"unknown asset folder {name!r}")
    packaged = PACKAGE_DIR / name
    return packaged if packaged.is_dir() else SOURCE_TREE / name
