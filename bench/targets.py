"""What every server set-up under test provides: its endpoints, start, seeding and stop."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from procs import Server


@dataclass
class Endpoints:
    base: str
    discovery: str = "/.well-known/openid-configuration"
    jwks: str = "/jwks"
    token: str = "/token"
    userinfo: str = "/userinfo"


class Target:
    """One server set-up under test. Subclasses start it and seed codes and tokens."""

    key = ""
    label = ""
    description = ""
    endpoints: Endpoints
    client_id = ""
    client_secret = ""
    server: Server | None = None
    notes: list[str]

    def start(self) -> None:
        raise NotImplementedError

    def seed_codes(self, n: int) -> Path:
        """Write ``n`` fresh "code verifier" lines to a file and return it."""
        raise NotImplementedError

    def access_token(self) -> str:
        raise NotImplementedError

    def stop(self) -> None:
        if self.server is not None:
            self.server.stop()
            self.server = None

    def warnings(self) -> list[str]:
        return []
