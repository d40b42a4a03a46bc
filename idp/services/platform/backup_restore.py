"""``idp restore``: a backup (:mod:`.backup`) into an empty database at the same revision.

Nothing is changed before every file has matched its SHA-256 in the manifest. The rows go in
in dependency order in ONE transaction (all or nothing); on PostgreSQL every sequence is then
moved past the restored ids. The key files and instance secrets are staged beside their
targets before the commit and renamed into place after it.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from alembic.runtime.migration import MigrationContext
from sqlalchemy import Connection, cast, func, select, text
from sqlalchemy.dialects.postgresql import REGCLASS
from sqlalchemy.exc import SQLAlchemyError

from ...extensions import db
from .backup_files import (
    FileWrite,
    check_master_key,
    discard,
    install,
    plan_keys,
    plan_secrets,
    stage,
)
from .backup_format import (
    TABLES,
    BackupError,
    TableCodec,
    read_lines,
    read_manifest,
    reason_of,
    table_codecs,
    verify_files,
)
from .runtime import settings

BATCH = 1000


@dataclass
class RestoreReport:
    """What a restore put in place."""

    folder: Path
    revision: str
    created_at: str
    product_version: str
    rows: dict[str, int]
    removed_rows: int
    files: list[FileWrite]
    notes: list[str] = field(default_factory=list)


def _codecs_for(manifest: dict[str, Any]) -> list[TableCodec]:
    """This code's tables in dependency order, refused unless the backup has exactly these
    tables with exactly these columns."""
    codecs = table_codecs()
    saved = {entry["name"]: entry for entry in manifest.get("tables", [])}
    made_with = manifest.get("product_version", "?")
    ours = {codec.table.name for codec in codecs}
    if set(saved) != ours:
        differ = ", ".join(sorted(set(saved) ^ ours))
        raise BackupError(
            f"the backup's tables differ from this code's ({differ}): restore it with Lokal "
            f"IdP {made_with}, then upgrade"
        )
    for codec in codecs:
        if _file_of(codec) not in manifest.get("files", {}):
            raise BackupError(f"{_file_of(codec)}: not in the manifest's files (a partial backup)")
        if saved[codec.table.name].get("columns") != codec.kinds:
            raise BackupError(
                f"table {codec.table.name}: the backup's columns differ from this code's: "
                f"restore it with Lokal IdP {made_with}, then upgrade"
            )
    return codecs


def _lock_tables(conn: Connection, codecs: list[TableCodec]) -> None:
    """PostgreSQL: hold every table for the whole transaction, so that the emptiness seen is
    the one written into."""
    names = ", ".join(conn.dialect.identifier_preparer.format_table(c.table) for c in codecs)
    conn.execute(text(f"LOCK TABLE {names} IN ACCESS EXCLUSIVE MODE"))


def _check_revision(conn: Connection, manifest: dict[str, Any]) -> str:
    wanted = manifest.get("alembic_revision")
    found = " ".join(sorted(MigrationContext.configure(conn).get_current_heads()))
    if found != wanted:
        raise BackupError(
            f"the backup is at Alembic revision {wanted}, this database at "
            f"{found or 'none (not migrated)'}: restore into an empty database migrated to "
            f"{wanted} (`idp db upgrade {wanted}`)"
        )
    return found


def _row_counts(conn: Connection, codecs: list[TableCodec]) -> dict[str, int]:
    return {
        c.table.name: int(conn.execute(select(func.count()).select_from(c.table)).scalar_one())
        for c in codecs
    }


def _empty(conn: Connection, codecs: list[TableCodec]) -> None:
    if conn.dialect.name == "postgresql":
        names = ", ".join(conn.dialect.identifier_preparer.format_table(c.table) for c in codecs)
        conn.execute(text(f"TRUNCATE {names}"))
        return
    for codec in reversed(codecs):
        conn.execute(codec.table.delete())


def _prepare_target(
    conn: Connection, manifest: dict[str, Any], codecs: list[TableCodec], replace: bool
) -> int:
    """Lock, check the revision and that no row is there (or remove them all with
    ``replace``); returns how many rows were removed."""
    if conn.dialect.name == "sqlite":
        # A write transaction from the start: pysqlite would begin one only at the first
        # write, after the checks below had read outside it.
        conn.exec_driver_sql("BEGIN IMMEDIATE")
    _check_revision(conn, manifest)
    if conn.dialect.name == "postgresql":
        _lock_tables(conn, codecs)  # once the revision says the tables are there
    held = {name: count for name, count in _row_counts(conn, codecs).items() if count}
    if held and not replace:
        listed = ", ".join(f"{name} ({count})" for name, count in held.items())
        raise BackupError(
            f"this database holds rows ({listed}): restore into an empty database, or give "
            "--replace to delete every row first (in the same transaction)"
        )
    if held:
        _empty(conn, codecs)
    return sum(held.values())


def _load_table(conn: Connection, codec: TableCodec, path: Path) -> int:
    count, batch = 0, []
    for line, record in enumerate(read_lines(path), start=1):
        try:
            batch.append(codec.decode(json.loads(record)))
        except (KeyError, TypeError, ValueError) as error:
            raise BackupError(
                f"{path}: line {line} is not a row of {codec.table.name} ({error})"
            ) from None
        if len(batch) == BATCH:
            conn.execute(codec.table.insert(), batch)
            count, batch = count + len(batch), []
    if batch:
        conn.execute(codec.table.insert(), batch)
        count += len(batch)
    return count


_OWNED_SEQUENCES = text(
    """
    SELECT format('%I.%I', sn.nspname, s.relname) AS sequence, t.relname AS tbl, a.attname AS col
    FROM pg_class s
    JOIN pg_namespace sn ON sn.oid = s.relnamespace
    JOIN pg_depend d ON d.objid = s.oid AND d.classid = 'pg_class'::regclass
        AND d.refclassid = 'pg_class'::regclass AND d.deptype IN ('a', 'i')
    JOIN pg_class t ON t.oid = d.refobjid
    JOIN pg_attribute a ON a.attrelid = t.oid AND a.attnum = d.refobjsubid
    WHERE s.relkind = 'S' AND pg_table_is_visible(t.oid) AND t.relname = ANY(:tables)
    """
)


def _reset_sequences(conn: Connection, codecs: list[TableCodec]) -> None:
    """PostgreSQL: every serial or identity sequence of the restored tables continues after
    the highest restored value (rows were inserted with their ids, which moves no sequence);
    an empty table starts again at 1. SQLite takes max(rowid) + 1 by itself."""
    if conn.dialect.name != "postgresql":
        return
    tables = {codec.table.name: codec.table for codec in codecs}
    owned = conn.execute(_OWNED_SEQUENCES, {"tables": list(tables)}).all()
    for sequence, name, column in owned:
        following = select(func.coalesce(func.max(tables[name].c[column]), 0) + 1)
        conn.execute(
            select(func.setval(cast(sequence, REGCLASS), following.scalar_subquery(), False))
        )


def restore_backup(folder: Path, *, replace: bool = False) -> RestoreReport:
    """Restore the backup in ``folder`` into this node: refused (changing nothing) unless
    every file matches the manifest, the database is at the backup's Alembic revision and
    holds no rows (``replace``: delete them in the same transaction), and the node's keys
    and secrets fit; then every row in one transaction, the sequences, the key files and
    instance secrets. Restart the nodes afterwards: they hold the old keys and secrets."""
    manifest = read_manifest(folder)
    verify_files(folder, manifest)
    codecs = _codecs_for(manifest)
    staged: list[tuple[Path, Path]] = []
    try:
        with db.engine.connect() as conn, conn.begin():
            removed = _prepare_target(conn, manifest, codecs, replace)
            writes = plan_keys(manifest, folder, settings(), replace)
            secret_writes, notes = plan_secrets(manifest, folder, settings())
            rows = {c.table.name: _load_table(conn, c, folder / _file_of(c)) for c in codecs}
            _reset_sequences(conn, codecs)
            _check_counts(manifest, rows)
            check_master_key(conn, settings())
            staged = stage(writes + secret_writes)
    except SQLAlchemyError as error:
        discard(staged)
        raise BackupError(f"the restore failed and changed nothing: {reason_of(error)}") from None
    except BaseException:
        discard(staged)
        raise
    install(staged)
    return RestoreReport(
        folder=folder,
        revision=str(manifest.get("alembic_revision")),
        created_at=str(manifest.get("created_at")),
        product_version=str(manifest.get("product_version")),
        rows=rows,
        removed_rows=removed,
        files=writes + secret_writes,
        notes=notes,
    )


def _file_of(codec: TableCodec) -> str:
    return f"{TABLES}/{codec.table.name}.jsonl"


def _check_counts(manifest: dict[str, Any], rows: dict[str, int]) -> None:
    for entry in manifest["tables"]:
        if rows[entry["name"]] != entry.get("rows"):
            raise BackupError(
                f"table {entry['name']}: {rows[entry['name']]} rows in its file, the manifest "
                f"says {entry.get('rows')}; refused, nothing was restored"
            )
