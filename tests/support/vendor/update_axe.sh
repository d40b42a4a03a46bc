#!/usr/bin/env bash
# Vendors axe-core (npm package `axe-core`, pinned below) for the browser tests: copies
# axe.min.js and its licence here and records the version in AXE_VERSION. The tests inject the
# copy with Playwright's page.add_script_tag(path=...); nothing is fetched when they run.
# Run it by hand to move to another version (needs npm): bash tests/support/vendor/update_axe.sh
set -euo pipefail
VERSION=4.10.3
HERE="$(cd "$(dirname "$0")" && pwd)"
WORK="$(mktemp -d)"
trap 'rm -rf "$WORK"' EXIT
(cd "$WORK" && npm pack --silent "axe-core@$VERSION" >/dev/null)
tar -xzf "$WORK/axe-core-$VERSION.tgz" -C "$WORK"
cp "$WORK/package/axe.min.js" "$HERE/axe.min.js"
cp "$WORK/package/LICENSE" "$HERE/axe-core.LICENSE"
echo "$VERSION" >"$HERE/AXE_VERSION"
echo "axe-core $VERSION vendored into $HERE"
