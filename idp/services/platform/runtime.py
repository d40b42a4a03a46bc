"""Access to the app-wide objects services need (settings, keys, secret box).

Services run inside an application context (web request or CLI); they never touch
``flask.request``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from flask import current_app

if TYPE_CHECKING:
    from ...config import Settings
    from .keys import KeyStore
    from .secret_box import SecretBox
    from .shared_secrets import DatabaseSecretBox


def settings() -> Settings:
    """The running app's validated settings."""
    return current_app.extensions["idp.settings"]


def keystore() -> KeyStore:
    """The running app's signing key store."""
    return current_app.extensions["idp.keys"]


def secretbox() -> SecretBox | DatabaseSecretBox:
    """The running app's encryption of secrets at rest."""
    return current_app.extensions["idp.secretbox"]
