"""The backup folder's format: its layout, the manifest, and the typed encoding of table rows.

A backup is a folder (mode 0700, every file 0600)::

    manifest.json             format, product version, Alembic revision, row counts, sha256s
    tables/<table>.jsonl      one JSON object per row, in primary-key order
    keys/keys.json, *.pem     the signing keys (key_store = "file")
    instance/<secret>         the generated instance secrets the node uses

Each cell is encoded by its column's kind, written in the manifest beside the table, so that
a row reads back exactly as it was stored: a datetime as ISO 8601 with its UTC offset (naive
only if stored naive), bytes as base64, an enum by its member name, a JSON column as
``{"json": value}`` (so that JSON ``null`` stays apart from SQL NULL, which is ``null``).
"""

from __future__ import annotations

import base64
import enum
import hashlib
import json
import os
import uuid
from collections.abc import Iterator
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

from sqlalchemy import JSON, Column, Enum, LargeBinary, Select, Table, null, select, types
from sqlalchemy.engine import RowMapping

FORMAT = "lokal-idp-backup"
FORMAT_VERSION = 1
MANIFEST = "manifest.json"
TABLES = "tables"
KEYS = "keys"
INSTANCE = "instance"
_NULL_FLAG = "__is_null__"  # label prefix of the SQL-NULL flags of JSON columns


class BackupError(Exception):
    """A backup or restore that cannot be done as asked, told to the operator (exit 1)."""


# The order matters: Enum is a String, Boolean may be an Integer to a dialect, Float is Numeric.
_KINDS: tuple[tuple[type, str], ...] = (
    (types.Boolean, "bool"),
    (Enum, "enum"),
    (types.Integer, "int"),
    (types.DateTime, "datetime"),
    (types.Date, "date"),
    (LargeBinary, "bytes"),
    (JSON, "json"),
    (types.Uuid, "uuid"),
    (types.String, "str"),
    (types.Float, "float"),
    (types.Numeric, "decimal"),
)


def column_kind(column: Column[Any]) -> str:
    """The encoding of ``column``'s values (by its type, or the type a decorator stores)."""
    kind_of = column.type
    if isinstance(kind_of, types.TypeDecorator):
        kind_of = kind_of.impl_instance
    for sql_type, kind in _KINDS:
        if isinstance(kind_of, sql_type):
            return kind
    raise BackupError(
        f"{column.table.name}.{column.name}: a column of type {column.type!r} that the "
        "backup cannot encode yet (idp/services/platform/backup_format.py)"
    )


def _encode(kind: str, value: Any) -> Any:
    if value is None:
        return None
    if kind in ("datetime", "date"):
        return value.isoformat()
    if kind == "bytes":
        return base64.b64encode(bytes(value)).decode("ascii")
    if kind == "enum":
        return value.name if isinstance(value, enum.Enum) else str(value)
    if kind in ("decimal", "uuid"):
        return str(value)
    return value  # bool, int, str, float: JSON's own


def _decode(column: Column[Any], kind: str, value: Any) -> Any:
    if value is None:
        return None
    if kind == "datetime":
        return datetime.fromisoformat(value)
    if kind == "date":
        return date.fromisoformat(value)
    if kind == "bytes":
        return base64.b64decode(value, validate=True)
    if kind == "enum":
        members = getattr(column.type, "enum_class", None)
        return members[value] if members is not None else value
    if kind == "decimal":
        return Decimal(value)
    if kind == "uuid":
        return uuid.UUID(value) if getattr(column.type, "as_uuid", True) else value
    return value


class TableCodec:
    """Reads one table's rows as typed JSON objects and turns them back into insert values."""

    def __init__(self, table: Table) -> None:
        self.table = table
        self.kinds = {column.name: column_kind(column) for column in table.columns}

    def select(self) -> Select[Any]:
        """Every row in primary-key order, with an IS NULL flag beside each JSON column (the
        driver hands back SQL NULL and JSON null both as None)."""
        flags = [
            column.is_(None).label(_NULL_FLAG + column.name)
            for column in self.table.columns
            if self.kinds[column.name] == "json"
        ]
        order = list(self.table.primary_key.columns) or list(self.table.columns)
        return select(self.table, *flags).order_by(*order)

    def encode(self, row: RowMapping) -> dict[str, Any]:
        """One row as a JSON-ready object."""
        cells: dict[str, Any] = {}
        for name, kind in self.kinds.items():
            if kind == "json":
                cells[name] = None if row[_NULL_FLAG + name] else {"json": row[name]}
            else:
                cells[name] = _encode(kind, row[name])
        return cells

    def decode(self, cells: dict[str, Any]) -> dict[str, Any]:
        """Insert values for a row :meth:`encode` made."""
        values: dict[str, Any] = {}
        for column in self.table.columns:
            kind, cell = self.kinds[column.name], cells[column.name]
            if kind == "json":
                # null() is SQL NULL; a plain None would be stored as JSON null.
                values[column.name] = null() if cell is None else cell["json"]
            else:
                values[column.name] = _decode(column, kind, cell)
        return values


def encode_line(cells: dict[str, Any]) -> bytes:
    """One JSON-lines record."""
    return json.dumps(cells, ensure_ascii=False, separators=(",", ":")).encode() + b"\n"


def read_lines(path: Path) -> Iterator[bytes]:
    """The records of a JSON-lines file, one at a time (undecoded)."""
    with path.open("rb") as fh:
        yield from fh


def sha256_of(path: Path) -> str:
    """The SHA-256 of a file, read in blocks."""
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def private_dir(path: Path) -> None:
    """Create ``path`` (and its parents) and make it readable by its owner only."""
    path.mkdir(mode=0o700, parents=True, exist_ok=True)
    os.chmod(path, 0o700)


def create_private_file(path: Path) -> int:
    """A new file only its owner can read (never an existing one); returns its descriptor."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    os.fchmod(fd, 0o600)  # whatever the umask
    return fd


def reason_of(error: Exception) -> str:
    """A database error's first line from the driver (a constraint, a lost connection),
    without the SQL statement or its values."""
    original = getattr(error, "orig", None) or error
    lines = str(original).strip().splitlines()
    return f"{type(original).__name__}: {lines[0] if lines else ''}"[:300]


def read_manifest(folder: Path) -> dict[str, Any]:
    """The manifest of the backup in ``folder``, refused unless it is one this code reads."""
    path = folder / MANIFEST
    if not folder.is_dir():
        raise BackupError(f"{folder}: no such folder")
    if not path.is_file():
        raise BackupError(f"{folder}: no {MANIFEST}; not a backup, or one that did not finish")
    try:
        manifest = json.loads(path.read_bytes())
    except (ValueError, UnicodeDecodeError):
        raise BackupError(f"{path}: not valid JSON (damaged)") from None
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
        raise BackupError(f"{path}: not a Lokal IdP backup manifest")
    if manifest.get("format_version") != FORMAT_VERSION:
        raise BackupError(
            f"{path}: backup format version {manifest.get('format_version')!r}; this version "
            f"of Lokal IdP reads version {FORMAT_VERSION}"
        )
    return manifest


def verify_files(folder: Path, manifest: dict[str, Any]) -> None:
    """Refuse a partial or altered backup: every file the manifest lists is there with its
    SHA-256, and nothing else is. (A check against damage and incomplete copies; whoever can
    rewrite the folder can rewrite the manifest too, so keep backups where only you write.)"""
    listed: dict[str, dict[str, Any]] = manifest.get("files") or {}
    walked = list(folder.rglob("*"))
    linked = [path for path in walked if path.is_symlink()]
    if linked:
        raise BackupError(f"{linked[0]}: a symbolic link in a backup; refused")
    present = {path.relative_to(folder).as_posix() for path in walked if path.is_file()}
    unlisted = sorted(present - set(listed) - {MANIFEST})
    if unlisted:
        raise BackupError(f"{folder / unlisted[0]}: a file the manifest does not list; refused")
    # Names are compared with what the folder holds, so a listed "../x" is simply missing.
    missing = sorted(set(listed) - present)
    if missing:
        raise BackupError(f"{folder / missing[0]}: missing (a partial backup); refused")
    for name, entry in sorted(listed.items()):
        if sha256_of(folder / name) != entry.get("sha256"):
            raise BackupError(
                f"{folder / name}: does not match its sha256 in the manifest (altered or "
                "damaged); refused, nothing was restored"
            )


# Derived state, not backed up: client_version is changed by the database's own triggers, and
# restoring oauth_client rows changes it anyway (a node's client cache sees a new value).
DERIVED_TABLES = frozenset({"client_version"})


def table_codecs() -> list[TableCodec]:
    """A codec for every table a backup holds, in dependency order."""
    from ...extensions import db

    return [TableCodec(t) for t in db.metadata.sorted_tables if t.name not in DERIVED_TABLES]
