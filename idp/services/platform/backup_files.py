"""The files of a backup beside the tables: the signing keys folder and the instance secrets.

What each instance secret protects decides what a restore insists on. The secret-encryption
keys open every authenticator secret and CPR number, and the pairwise salt makes the subjects
relying parties know: a node that would run with other values after the restore is refused.
The session key only signs browser cookies, so another value merely ends the sessions.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
import os
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy import Connection, select

from .backup_format import INSTANCE, KEYS, BackupError, create_private_file, private_dir

if TYPE_CHECKING:
    from ...config import Settings
    from .secret_box import SecretBox

INSTANCE_SECRETS = ("secret_key", "pairwise_salt", "secret_encryption_keys")
MUST_MATCH = frozenset({"pairwise_salt", "secret_encryption_keys"})
KEYS_MANIFEST = "keys.json"
MASTER_KEY_NOTE = (
    'The master key (key_store = "database") is never in a backup: keep it apart, and give '
    "the restoring node the same one."
)


def key_store(cfg: Settings) -> str:
    """Where this node keeps its signing keys: "file" (the keys folder) or "database"."""
    return cfg.key_store


def node_uses_instance_file(cfg: Settings, name: str) -> bool:
    """Whether the node's value of ``name`` is the one generated into its instance folder
    (rather than given in its configuration)."""
    path = cfg.instance_dir / name
    return path.is_file() and path.read_text().strip() == getattr(cfg, name)


def fingerprint(name: str, value: str) -> dict[str, Any]:
    """Digests to compare a secret by without holding it; the encryption keys per version,
    since a node may hold newer versions beside the ones the data was encrypted under."""
    found: dict[str, Any] = {"sha256": hashlib.sha256(value.encode()).hexdigest()}
    if name == "secret_encryption_keys":
        versions = {}
        for part in value.split(","):
            version, _, encoded = part.strip().partition(":")
            try:
                key = base64.b64decode(encoded, validate=True)
            except binascii.Error:
                key = encoded.encode()
            versions[version] = hashlib.sha256(key).hexdigest()
        found["versions"] = versions
    return found


def secrets_for_backup(cfg: Settings) -> tuple[dict[str, Any], dict[str, bytes]]:
    """The manifest's ``secrets`` section, and the instance files to copy (name -> bytes)."""
    section: dict[str, Any] = {}
    files: dict[str, bytes] = {}
    for name in INSTANCE_SECRETS:
        if name == "secret_encryption_keys" and key_store(cfg) == "database":
            # Rows of encryption_keys, sealed under the master key; a file left from a single
            # box is no longer what the node encrypts with.
            section[name] = {"source": "database"}
        elif node_uses_instance_file(cfg, name):
            section[name] = {"source": "instance", "file": f"{INSTANCE}/{name}"}
            files[name] = (cfg.instance_dir / name).read_bytes()
        else:
            # Given in the configuration: the operator keeps it; the digest lets a restore
            # check that the new node was given the same value.
            section[name] = {"source": "configuration", **fingerprint(name, getattr(cfg, name))}
    return section, files


def keys_for_backup(cfg: Settings) -> tuple[dict[str, Any], dict[str, bytes]]:
    """The manifest's ``keys`` section, and the keys folder's files to copy (name -> bytes):
    ``keys.json`` and every key file it names."""
    store = key_store(cfg)
    if store != "file":
        where = "the signing_keys and encryption_keys tables, sealed under the master key"
        return {"key_store": store, "where": where}, {}
    folder = cfg.keys_path
    if not (folder / KEYS_MANIFEST).is_file():
        return {
            "key_store": "file",
            "included": False,
            "why": f"no {KEYS_MANIFEST} in {folder}",
        }, {}
    raw = (folder / KEYS_MANIFEST).read_bytes()
    files = {KEYS_MANIFEST: raw}
    for entry in json.loads(raw).get("keys", []):
        path = folder / Path(entry["file"]).name
        if path.is_file():
            files[path.name] = path.read_bytes()
        elif entry.get("status") != "retired":
            raise BackupError(f"{path}: {KEYS_MANIFEST} names this key file, but it is missing")
    return {"key_store": "file", "included": True, "files": len(files)}, files


@dataclass(frozen=True)
class FileWrite:
    """A file a restore puts in place: ``change`` is "written" (new) or "replaced"."""

    target: Path
    data: bytes
    change: str


def _write_or_keep(target: Path, data: bytes) -> FileWrite | None:
    if not target.exists():
        return FileWrite(target, data, "written")
    if target.read_bytes() == data:
        return None
    return FileWrite(target, data, "replaced")


def plan_keys(
    manifest: dict[str, Any], folder: Path, cfg: Settings, replace: bool
) -> list[FileWrite]:
    """The key files to restore into this node's keys folder; refused when the stores differ,
    or when the folder holds other keys and ``replace`` was not given."""
    section = manifest.get("keys") or {}
    if section.get("key_store", "file") != key_store(cfg):
        raise BackupError(
            f"the backup was made with key_store = {section.get('key_store')!r}, this node "
            f"uses {key_store(cfg)!r}: configure the same store to restore it"
        )
    names = [n.split("/", 1)[1] for n in manifest.get("files", {}) if n.startswith(KEYS + "/")]
    # Key files first, the keys manifest last: a reader never meets a kid without its file.
    names.sort(key=lambda name: name == KEYS_MANIFEST)
    writes = [_write_or_keep(cfg.keys_path / n, (folder / KEYS / n).read_bytes()) for n in names]
    planned = [write for write in writes if write is not None]
    clashes = [write.target.name for write in planned if write.change == "replaced"]
    if clashes and not replace:
        raise BackupError(
            f"the keys folder {cfg.keys_path} holds other signing keys ({', '.join(clashes)}); "
            "restore with --replace to replace them (tokens they signed stop verifying)"
        )
    return planned


def _matches(name: str, wanted: dict[str, Any], after: dict[str, Any]) -> bool:
    if name == "secret_encryption_keys" and "versions" in wanted:
        have = after.get("versions", {})
        return all(have.get(version) == digest for version, digest in wanted["versions"].items())
    return bool(wanted.get("sha256") == after.get("sha256"))


def _mismatch(name: str, source: str) -> BackupError:
    setting = f"{name} (IDP_{name.upper()})"
    if source == "instance":
        return BackupError(
            f"{setting} is set in this node's configuration, but the backup's data was made "
            f"with the generated one in its {INSTANCE}/{name}: remove the setting (the restored "
            "file is then used) or give it that file's value, and restore again"
        )
    return BackupError(
        f"{setting} was given in the configuration of the node the backup was made on, and "
        "this node's differs: give this node the same value, and restore again"
    )


def plan_secrets(
    manifest: dict[str, Any], folder: Path, cfg: Settings
) -> tuple[list[FileWrite], list[str]]:
    """The instance secrets to restore, and notes for the operator; refused when the node
    would afterwards run with other encryption keys or another pairwise salt than the data
    was made with. A differing file already here was generated by this node's own first start
    (``idp db upgrade`` starts the app); the database was empty, or ``--replace`` was given,
    so nothing depends on it and it is replaced."""
    writes: list[FileWrite] = []
    notes: list[str] = []
    for name, entry in (manifest.get("secrets") or {}).items():
        if name not in INSTANCE_SECRETS:
            raise BackupError(f"the manifest names an unknown instance secret {name!r}")
        source = entry.get("source")
        if source == "database":
            continue  # in the restored tables; check_master_key opens them
        if source == "instance":
            if f"{INSTANCE}/{name}" not in manifest.get("files", {}):
                raise BackupError(f"{INSTANCE}/{name}: not in the manifest's files")
            data = (folder / INSTANCE / name).read_bytes()
            wanted = fingerprint(name, data.decode().strip())
            uses_file = node_uses_instance_file(cfg, name)
            after = data.decode().strip() if uses_file else getattr(cfg, name)
            write = _write_or_keep(cfg.instance_dir / name, data)
            writes += [write] if write else []
        else:
            wanted, after = entry, getattr(cfg, name)
            notes.append(f"{name} comes from the configuration; it is not in the backup")
        if not _matches(name, wanted, fingerprint(name, after)):
            if name in MUST_MATCH:
                raise _mismatch(name, str(source))
            notes.append(f"{name} differs from the backed-up node's: browser sessions end")
    return writes, notes


def _open(master: SecretBox, sealed: bytes, associated: bytes, what: str) -> None:
    try:
        master.decrypt(sealed, associated)
    except Exception:  # a wrong key and a damaged seal look alike: neither opens
        raise BackupError(
            f"this node's master key does not open the backup's {what}: give this node the "
            "master key of the node the backup was made on (it is never in a backup)"
        ) from None


def check_master_key(conn: Connection, cfg: Settings) -> None:
    """With key_store = "database": every restored signing key and encryption key opens under
    this node's master key (checked inside the restore's transaction, so a wrong master key
    restores nothing). The associated data is the tables' own: the kid, the version
    (key_sources.DatabaseKeys, shared_secrets)."""
    if key_store(cfg) != "database":
        return
    from ...models.keys import EncryptionKey, SigningKey
    from .key_sources import KeyStoreError
    from .shared_secrets import master_box

    try:
        master = master_box(cfg)
    except KeyStoreError as error:
        raise BackupError(str(error)) from None
    for kid, sealed in conn.execute(select(SigningKey.kid, SigningKey.sealed_private)):
        _open(master, sealed, b"signing-key:" + kid.encode(), f"signing key {kid}")
    for version, sealed in conn.execute(select(EncryptionKey.version, EncryptionKey.sealed_key)):
        _open(master, sealed, b"encryption-key:%d" % version, f"encryption key {version}")


def stage(writes: list[FileWrite]) -> list[tuple[Path, Path]]:
    """Write every file beside its target under a temporary name (mode 0600), so that
    :func:`install` only renames; returns (temporary, target) pairs."""
    staged: list[tuple[Path, Path]] = []
    try:
        for write in writes:
            if not write.target.parent.exists():
                private_dir(write.target.parent)
            partial = write.target.with_name(f".{write.target.name}.restoring")
            partial.unlink(missing_ok=True)
            with os.fdopen(create_private_file(partial), "wb") as fh:
                staged.append((partial, write.target))
                fh.write(write.data)
                fh.flush()
                os.fsync(fh.fileno())
    except OSError as error:
        discard(staged)
        raise BackupError(f"cannot write {error.filename}: {error.strerror}") from None
    return staged


def install(staged: list[tuple[Path, Path]]) -> None:
    """Put staged files in place (a rename each, in the planned order)."""
    for partial, target in staged:
        try:
            os.replace(partial, target)
        except OSError as error:
            raise BackupError(
                f"the database is restored, but {target} could not be put in place "
                f"({error.strerror}): move {partial} there by hand"
            ) from None


def discard(staged: list[tuple[Path, Path]]) -> None:
    """Remove staged files (the restore did not happen)."""
    for partial, _target in staged:
        partial.unlink(missing_ok=True)
