"""Encryption of authenticator secrets at rest: AES-256-GCM with versioned keys.

Ciphertext layout: 1 byte key version | 12 byte nonce | ciphertext+tag. The highest version
encrypts; every configured version decrypts, so keys can be rotated.
"""

from __future__ import annotations

import base64
import binascii
import os

from cryptography.hazmat.primitives.ciphers.aead import AESGCM


class SecretBox:
    def __init__(self, keys: dict[int, bytes]) -> None:
        if not keys:
            raise ValueError("at least one encryption key is needed")
        for version, key in keys.items():
            if not 0 < version < 256 or len(key) != 32:
                raise ValueError("key versions are 1..255 and keys are 32 bytes")
        self._keys = keys
        self._current = max(keys)

    @property
    def current_version(self) -> int:
        return self._current

    def knows(self, version: int) -> bool:
        """Whether a secret sealed under key ``version`` can be opened here."""
        return version in self._keys

    def keys(self) -> dict[int, bytes]:
        """Every key by version (to store them elsewhere, sealed)."""
        return dict(self._keys)

    @classmethod
    def from_setting(cls, value: str) -> SecretBox:
        """Parse ``"1:base64key,2:base64key"``."""
        keys: dict[int, bytes] = {}
        for part in value.split(","):
            version, _, encoded = part.strip().partition(":")
            keys[int(version)] = base64.b64decode(encoded)
        return cls(keys)

    @staticmethod
    def new_setting() -> str:
        return "1:" + base64.b64encode(os.urandom(32)).decode()

    def encrypt(self, plaintext: bytes, associated: bytes = b"") -> bytes:
        nonce = os.urandom(12)
        sealed = AESGCM(self._keys[self._current]).encrypt(nonce, plaintext, associated)
        return bytes([self._current]) + nonce + sealed

    def decrypt(self, blob: bytes, associated: bytes = b"") -> bytes:
        version, nonce, sealed = blob[0], blob[1:13], blob[13:]
        if version not in self._keys:
            raise ValueError(f"secret encrypted under unknown key version {version}")
        return AESGCM(self._keys[version]).decrypt(nonce, sealed, associated)


def parse_master_key(value: str) -> bytes:
    """32 bytes from base64 text, or a ValueError saying what is wrong."""
    try:
        raw = base64.b64decode(value, validate=True)
    except (binascii.Error, ValueError):
        raw = b""
    if len(raw) != 32:
        raise ValueError("the master key must be 32 random bytes in base64 (44 characters)")
    return raw
