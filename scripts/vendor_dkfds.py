"""Vendor Det Fælles Designsystem (npm package ``dkfds``) into static/dkfds/.

Run by a developer when moving to another DKFDS version (needs ``npm`` then, never at run
time): ``python scripts/vendor_dkfds.py [VERSION]``. It ``npm pack``s the pinned version into
a temporary directory and copies what the pages use: the Virk.dk theme
(dist/css/dkfds-virkdk.css), every file that stylesheet references by ``url()`` (fonts,
icons, logo), the icon sprite, dist/js/dkfds.js (an optional enhancement), the licence files
and a VERSION file. The previous static/dkfds/ is replaced whole.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
import tarfile
import tempfile
from pathlib import Path

VERSION = "11.2.0"
PACKAGE = "dkfds"
ROOT = Path(__file__).resolve().parent.parent
TARGET = ROOT / "static" / "dkfds"
STYLESHEET = "css/dkfds-virkdk.css"
ALSO = ("js/dkfds.js", "img/all-svg-icons.svg")
LICENCES = ("LICENSE.md",)
URL = re.compile(r"""url\(\s*["']?([^"')]+?)["']?\s*\)""")


def referenced(css: str) -> list[str]:
    """The relative paths (to dist/css/) the stylesheet's url()s name, without query/fragment."""
    found = []
    for raw in URL.findall(css):
        if raw.startswith(("data:", "http:", "https:", "#")):
            continue
        found.append(raw.split("?")[0].split("#")[0])
    return sorted(set(found))


def fetch(version: str, into: Path) -> Path:
    """``npm pack`` the package into ``into`` and unpack it; the package directory."""
    # A developer tool run by hand: npm from PATH, a pinned package name and version.
    command = ["npm", "pack", f"{PACKAGE}@{version}", "--silent"]
    subprocess.run(command, cwd=into, check=True)  # noqa: S603
    (tarball,) = into.glob(f"{PACKAGE}-*.tgz")
    with tarfile.open(tarball) as archive:
        archive.extractall(into, filter="data")
    return into / "package"


def copy(package: Path, version: str) -> int:
    """Replace static/dkfds/ with what the pages use; the number of files copied."""
    dist = package / "dist"
    css = (dist / STYLESHEET).read_text(encoding="utf-8")
    wanted = [STYLESHEET, *ALSO]
    for ref in referenced(css):
        wanted.append(str((Path("css") / ref).as_posix()).replace("css/../", ""))
    if TARGET.exists():
        shutil.rmtree(TARGET)
    for name in wanted:
        source = dist / name
        if not source.is_file():
            raise SystemExit(f"{STYLESHEET} references {name}, which the package lacks")
        (TARGET / name).parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(source, TARGET / name)
    for name in LICENCES:
        shutil.copyfile(package / name, TARGET / name)
    (TARGET / "VERSION").write_text(f"{PACKAGE} {version}\n", encoding="utf-8")
    return len(wanted)


def main() -> None:
    version = sys.argv[1] if len(sys.argv) > 1 else VERSION
    with tempfile.TemporaryDirectory() as temp:
        count = copy(fetch(version, Path(temp)), version)
    print(f"{PACKAGE} {version}: {count} files in {TARGET.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
