#!/usr/bin/env python3
"""Print a new .env for compose.yaml: the secrets every node must share.

    python3 deploy/make-env.py > .env && chmod 600 .env

Run it once per deployment and keep the file with the database backup: a new IDP_SECRET_KEY
logs everyone out, a new IDP_PAIRWISE_SALT changes every pairwise `sub`, and without
IDP_MASTER_KEY the signing keys and authenticator secrets in the database cannot be opened.
Needs only the Python standard library.
"""

import base64
import os
import secrets

VALUES = {
    "POSTGRES_PASSWORD": secrets.token_urlsafe(24),
    "IDP_SECRET_KEY": secrets.token_urlsafe(48),
    "IDP_PAIRWISE_SALT": secrets.token_urlsafe(32),
    # AES-256-GCM master key: base64 of 32 random bytes (key_store = "database").
    "IDP_MASTER_KEY": base64.b64encode(os.urandom(32)).decode(),
}

if __name__ == "__main__":
    for name, value in VALUES.items():
        print(f"{name}={value}")
