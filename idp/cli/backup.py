"""`idp backup` and `idp restore`: the database, the signing keys and the instance secrets."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import click
from flask.cli import with_appcontext

from .util import out

HOLDS_SECRETS = (
    "The backup holds secrets (signing keys, encryption keys, password hashes): keep it "
    "as safe as the keys themselves."
)


def _refusal_to_exit(fn: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
    """Run a backup service; a refusal or an I/O failure becomes a CLI error (exit 1)."""
    from ..services.platform.backup_format import BackupError

    try:
        return fn(*args, **kwargs)
    except BackupError as error:
        raise click.ClickException(str(error)) from None
    except OSError as error:
        raise click.ClickException(f"{error.filename or ''}: {error.strerror or error}") from None


@click.command(
    "backup",
    help="Back up the database (every table, in one snapshot), the signing keys and the "
    "generated instance secrets into a new or empty folder (mode 0700).",
)
@click.option("--to", "folder", required=True, type=click.Path(file_okay=False, path_type=Path))
@click.option("--json", "as_json", is_flag=True)
@with_appcontext
def backup(folder: Path, as_json: bool) -> None:
    from ..services.platform.backup import make_backup
    from ..services.platform.backup_files import MASTER_KEY_NOTE

    report = _refusal_to_exit(make_backup, folder.resolve())
    kept = ", ".join(report.from_configuration) or "none"
    lines = [
        f"backup written to {report.folder}: {sum(report.rows.values())} rows in "
        f"{len(report.rows)} tables, {report.files} files (revision {report.revision})",
        f"signing keys: {_keys_line(report.keys)}",
        f"secrets from the configuration, not in the backup (keep them): {kept}",
        MASTER_KEY_NOTE,
        HOLDS_SECRETS,
    ]
    data = {
        "folder": str(report.folder),
        "revision": report.revision,
        "rows": report.rows,
        "files": report.files,
        "keys": report.keys,
        "from_configuration": report.from_configuration,
    }
    out(as_json, data, "\n".join(lines))


def _keys_line(keys: dict[str, Any]) -> str:
    if keys.get("key_store") != "file":
        return f"key_store = {keys.get('key_store')}: {keys.get('where')}"
    if not keys.get("included"):
        return f"none ({keys.get('why')})"
    return f"the keys folder ({keys.get('files')} files)"


@click.command(
    "restore",
    help="Restore a backup into an empty database migrated to the backup's revision, with "
    "its signing keys and instance secrets. Every file is checked against the manifest "
    "first; the rows go in in one transaction. Restart every node afterwards.",
)
@click.option(
    "--from",
    "folder",
    required=True,
    type=click.Path(file_okay=False, path_type=Path),
)
@click.option(
    "--replace",
    is_flag=True,
    help="Delete every row of a database that is not empty (in the same transaction) and "
    "replace other signing keys in the keys folder.",
)
@click.option("--json", "as_json", is_flag=True)
@with_appcontext
def restore(folder: Path, replace: bool, as_json: bool) -> None:
    from ..services.platform.backup_restore import restore_backup

    report = _refusal_to_exit(restore_backup, folder.resolve(), replace=replace)
    lines = [
        f"restored {report.folder} (made {report.created_at} by Lokal IdP "
        f"{report.product_version}, revision {report.revision}): "
        f"{sum(report.rows.values())} rows in {len(report.rows)} tables"
    ]
    if report.removed_rows:
        lines.append(f"deleted first (--replace): {report.removed_rows} rows")
    lines += [f"{write.change}: {write.target}" for write in report.files]
    lines += [f"note: {note}" for note in report.notes]
    lines.append("Restart every node: a running one still holds the keys and secrets it read.")
    data = {
        "folder": str(report.folder),
        "revision": report.revision,
        "rows": report.rows,
        "removed_rows": report.removed_rows,
        "files": [{"path": str(w.target), "change": w.change} for w in report.files],
        "notes": report.notes,
    }
    out(as_json, data, "\n".join(lines))
