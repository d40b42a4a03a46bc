"""``idp backup``: the database, the signing keys and the instance secrets, into one folder.

Every table is read in ONE consistent snapshot (one transaction), so that the backup is the
database as it was at one moment even while nodes keep serving; the format is described in
:mod:`.backup_format`, the restore is :mod:`.backup_restore`.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import Any

from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from flask import current_app
from sqlalchemy import Connection, Engine
from sqlalchemy.exc import SQLAlchemyError

from ...extensions import db
from .backup_files import MASTER_KEY_NOTE, keys_for_backup, secrets_for_backup
from .backup_format import (
    FORMAT,
    FORMAT_VERSION,
    INSTANCE,
    KEYS,
    MANIFEST,
    TABLES,
    BackupError,
    TableCodec,
    create_private_file,
    encode_line,
    private_dir,
    reason_of,
    table_codecs,
)
from .runtime import settings


@dataclass
class BackupReport:
    """What a backup holds: rows per table, files, and what the operator must keep apart."""

    folder: Path
    revision: str
    rows: dict[str, int]
    files: int
    keys: dict[str, Any]
    from_configuration: list[str] = field(default_factory=list)


def product_version() -> str:
    """The installed Lokal IdP's version (``idp --version``; its one home is pyproject.toml)."""
    try:
        return version("lokal-idp")
    except PackageNotFoundError:
        return "unknown"


class _Writer:
    """Writes the backup's files (0600, in folders 0700) and keeps each one's SHA-256."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.files: dict[str, dict[str, Any]] = {}

    @contextmanager
    def stream(self, name: str) -> Iterator[Callable[[bytes], None]]:
        path = self.root / name
        if not path.parent.exists():
            private_dir(path.parent)
        digest, size = hashlib.sha256(), 0
        with os.fdopen(create_private_file(path), "wb") as fh:

            def put(data: bytes) -> None:
                nonlocal size
                fh.write(data)
                digest.update(data)
                size += len(data)

            yield put
            fh.flush()
            os.fsync(fh.fileno())
        self.files[name] = {"sha256": digest.hexdigest(), "bytes": size}

    def write(self, name: str, data: bytes) -> None:
        with self.stream(name) as put:
            put(data)


@contextmanager
def _snapshot(engine: Engine) -> Iterator[Connection]:
    """A connection that reads the whole database as of one moment, and writes nothing."""
    with engine.connect() as conn:
        if conn.dialect.name == "postgresql":
            conn.execution_options(isolation_level="REPEATABLE READ", postgresql_readonly=True)
        elif conn.dialect.name == "sqlite":
            # pysqlite opens no transaction for a SELECT, so each one would see the latest
            # commit; an explicit BEGIN keeps one read snapshot (WAL) until the rollback.
            conn.exec_driver_sql("BEGIN")
        try:
            yield conn
        finally:
            conn.rollback()


def _revision(conn: Connection) -> str:
    """The database's Alembic revision, refused unless it is the head this code migrates to
    (the tables are read with this code's columns)."""
    found = set(MigrationContext.configure(conn).get_current_heads())
    heads = set(ScriptDirectory(current_app.extensions["migrate"].directory).get_heads())
    if found != heads:
        at = " ".join(sorted(found)) or "none (not migrated)"
        raise BackupError(
            f"the database is at revision {at}, this code's migrations end at "
            f"{' '.join(sorted(heads))}: run `idp db upgrade` first"
        )
    return " ".join(sorted(found))


def _dump_table(conn: Connection, codec: TableCodec, writer: _Writer) -> int:
    count = 0
    with writer.stream(f"{TABLES}/{codec.table.name}.jsonl") as put:
        for row in conn.execute(codec.select().execution_options(yield_per=1000)).mappings():
            put(encode_line(codec.encode(row)))
            count += 1
    return count


def _claim_folder(folder: Path) -> bool:
    """Create ``folder`` (0700), or take an existing empty one; whether it was created."""
    if folder.exists():
        if not folder.is_dir():
            raise BackupError(f"{folder}: exists and is not a folder")
        if any(folder.iterdir()):
            raise BackupError(f"{folder}: not empty; a backup goes into a new or empty folder")
        os.chmod(folder, 0o700)
        return False
    private_dir(folder)
    return True


def _remove_partial(folder: Path, created: bool) -> None:
    if created:
        shutil.rmtree(folder, ignore_errors=True)
        return
    for child in folder.iterdir():
        if child.is_dir():
            shutil.rmtree(child, ignore_errors=True)
        else:
            child.unlink(missing_ok=True)


def make_backup(folder: Path) -> BackupReport:
    """Back up this node into ``folder`` (new or empty): every table in one snapshot, the
    signing keys folder (key_store = "file") and the instance secrets generated here. A
    backup that fails leaves nothing behind; one without ``manifest.json`` never restores."""
    codecs = table_codecs()
    created = _claim_folder(folder)
    try:
        return _write_backup(folder, codecs)
    except BaseException:
        _remove_partial(folder, created)
        raise


def _write_backup(folder: Path, codecs: list[TableCodec]) -> BackupReport:
    cfg = settings()
    writer = _Writer(folder)
    try:
        with _snapshot(db.engine) as conn:
            revision = _revision(conn)
            dialect = conn.dialect.name
            rows = {codec.table.name: _dump_table(conn, codec, writer) for codec in codecs}
    except SQLAlchemyError as error:
        raise BackupError(f"the database could not be read: {reason_of(error)}") from None
    keys, key_files = keys_for_backup(cfg)
    for name, data in key_files.items():
        writer.write(f"{KEYS}/{name}", data)
    secrets, secret_files = secrets_for_backup(cfg)
    for name, data in secret_files.items():
        writer.write(f"{INSTANCE}/{name}", data)
    kept = [name for name, entry in secrets.items() if entry["source"] == "configuration"]
    manifest = {
        "format": FORMAT,
        "format_version": FORMAT_VERSION,
        "product_version": product_version(),
        "alembic_revision": revision,
        "created_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "database": dialect,
        "tables": [_table_entry(codec, rows[codec.table.name]) for codec in codecs],
        "keys": keys,
        "secrets": secrets,
        "keep_apart": {"from_configuration": kept, "master_key": MASTER_KEY_NOTE},
        "files": writer.files,
    }
    _write_manifest(folder, manifest)
    return BackupReport(folder, revision, rows, len(writer.files), keys, kept)


def _table_entry(codec: TableCodec, rows: int) -> dict[str, Any]:
    name = codec.table.name
    return {"name": name, "file": f"{TABLES}/{name}.jsonl", "rows": rows, "columns": codec.kinds}


def _write_manifest(folder: Path, manifest: dict[str, Any]) -> None:
    """Written last, under a temporary name first: a folder with a manifest is complete."""
    partial = folder / f".{MANIFEST}.partial"
    with os.fdopen(create_private_file(partial), "w", encoding="utf-8") as fh:
        json.dump(manifest, fh, indent=2, ensure_ascii=False)
        fh.write("\n")
        fh.flush()
        os.fsync(fh.fileno())
    os.replace(partial, folder / MANIFEST)
