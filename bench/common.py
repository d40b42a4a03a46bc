"""Paths, settings, rows and the logging and error helpers shared by the benchmark modules."""

from __future__ import annotations

import sys
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BENCH = ROOT / "bench"
WORK = BENCH / ".work"
LUA = BENCH / "wrk" / "bench.lua"
NODE_SRC = BENCH / "node"
BIN = Path(sys.executable).parent
REDIRECT_URI = "https://rp.example.dk/callback"
SCOPE = "openid profile email"
ROWS = ("discovery", "jwks", "client_credentials", "authorization_code", "userinfo")
ROW_TITLES = {
    "discovery": "Discovery (GET /.well-known/openid-configuration)",
    "jwks": "JWKS (GET)",
    "client_credentials": "Token: client_credentials (basic auth)",
    "authorization_code": "Token: authorization code + PKCE → ID token",
    "userinfo": "UserInfo (GET, bearer)",
}
CODE_LIFETIME = 60  # seconds; Lokal IdP allows at most 60 (config.py), oidc-provider's default


def log(message: str) -> None:
    print(f"[bench] {message}", file=sys.stderr, flush=True)


class BenchError(RuntimeError):
    """The benchmark cannot go on."""


def run_script(main: Callable[[], int]) -> None:
    """Exit with ``main``'s status: 2 after a BenchError (its message logged), 130 when
    interrupted."""
    try:
        sys.exit(main())
    except BenchError as error:
        log(f"error: {error}")
        sys.exit(2)
    except KeyboardInterrupt:
        log("interrupted")
        sys.exit(130)
