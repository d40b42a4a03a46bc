"""A scripted upstream OpenID provider for the private eID tests, served over real HTTP.

One registered client, the authorization code flow with PKCE S256 and client_secret_basic,
and an RS256 ID token carrying the NSIS level claim. ``/authorize`` answers at once (there
is no login page): it redirects back to the redirect URI with a code and the request's state.
The public attributes are knobs that make the provider misbehave in one way each.
"""

from __future__ import annotations

import base64
import hashlib
import json
import secrets
import threading
import time
from functools import cache
from typing import Any
from urllib.parse import urlencode

from joserfc import jwt
from joserfc.jwk import KeySet, RSAKey
from werkzeug.serving import make_server
from werkzeug.wrappers import Request, Response

LEVEL_CLAIM = "https://data.gov.dk/concept/core/nsis/loa"
KID = "fake-op-1"


@cache
def _keys() -> tuple[RSAKey, RSAKey, RSAKey]:
    """The published key, an unpublished key with the same kid, one with an unknown kid."""
    return (
        RSAKey.generate_key(2048, parameters={"kid": KID}),
        RSAKey.generate_key(2048, parameters={"kid": KID}),
        RSAKey.generate_key(2048, parameters={"kid": "not-published"}),
    )


def _s256(verifier: str) -> str:
    digest = hashlib.sha256(verifier.encode("ascii")).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode()


def _json(data: Any, status: int = 200) -> Response:
    return Response(
        json.dumps(data),
        status=status,
        content_type="application/json",
        headers={"Cache-Control": "no-store"},
    )


class FakeOP:
    def __init__(self, *, client_id: str, client_secret: str, redirect_uri: str) -> None:
        self.client_id = client_id
        self.client_secret = client_secret
        self.redirect_uri = redirect_uri
        self.sub = "fake-person-" + secrets.token_hex(4)
        # knobs: None means "behave"
        self.authorize_error: str | None = None  # redirect back with error=...
        self.response_iss: str | None = None  # RFC 9207 iss in the authorization response
        self.discovery_issuer: str | None = None  # issuer named in the configuration
        self.id_token_iss: str | None = None
        self.id_token_aud: str | None = None
        self.id_token_nonce: str | None = None
        self.id_token_exp_offset = 300
        self.sign_with: str = "published"  # | "same_kid_other_key" | "unknown_kid"
        self.level: str | None = "Substantial"
        self.token_error: str | None = None  # answer the token request with this OAuth error
        self.jwks_override: dict[str, Any] | None = None
        # what happened
        self.authorize_requests: list[dict[str, str]] = []
        self.redeemed = 0
        self._codes: dict[str, dict[str, str]] = {}
        self._lock = threading.Lock()
        self._server = make_server("127.0.0.1", 0, self, threaded=True)
        self.url = f"http://127.0.0.1:{self._server.server_port}"
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self._stopped = False

    # -- lifecycle ---------------------------------------------------------------------------
    def __enter__(self) -> FakeOP:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def stop(self) -> None:
        """Stop serving and close the port (idempotent): the provider becomes unreachable."""
        if self._stopped:
            return
        self._stopped = True
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=10)

    # -- WSGI --------------------------------------------------------------------------------
    def __call__(self, environ: dict[str, Any], start_response: Any) -> Any:
        request = Request(environ)
        routes = {
            ("GET", "/.well-known/openid-configuration"): self._configuration,
            ("GET", "/jwks"): self._jwks,
            ("GET", "/authorize"): self._authorize,
            ("POST", "/token"): self._token,
        }
        handler = routes.get((request.method, request.path))
        response = handler(request) if handler else Response("not found", status=404)
        return response(environ, start_response)

    def _configuration(self, request: Request) -> Response:
        return _json(
            {
                "issuer": self.discovery_issuer or self.url,
                "authorization_endpoint": self.url + "/authorize",
                "token_endpoint": self.url + "/token",
                "jwks_uri": self.url + "/jwks",
                "response_types_supported": ["code"],
                "subject_types_supported": ["public"],
                "id_token_signing_alg_values_supported": ["RS256"],
                "code_challenge_methods_supported": ["S256"],
                "token_endpoint_auth_methods_supported": ["client_secret_basic"],
            }
        )

    def _jwks(self, request: Request) -> Response:
        if self.jwks_override is not None:
            return _json(self.jwks_override)
        return _json(KeySet([_keys()[0]]).as_dict(private=False))

    def _authorize(self, request: Request) -> Response:
        args = request.args.to_dict()
        self.authorize_requests.append(args)
        # Never redirect to an unregistered URI; refuse malformed requests on the page.
        if args.get("client_id") != self.client_id or args.get("redirect_uri") != self.redirect_uri:
            return Response("unknown client or redirect URI", status=400)
        problems = []
        if args.get("response_type") != "code":
            problems.append("response_type")
        if "openid" not in args.get("scope", "").split():
            problems.append("scope")
        if args.get("code_challenge_method") != "S256" or not args.get("code_challenge"):
            problems.append("pkce")
        if not args.get("state") or not args.get("nonce"):
            problems.append("state/nonce")
        if problems:
            return Response("bad request: " + ", ".join(problems), status=400)
        answer: dict[str, str]
        if self.authorize_error:
            answer = {"error": self.authorize_error}
        else:
            code = secrets.token_urlsafe(24)
            with self._lock:
                self._codes[code] = {
                    "nonce": args["nonce"],
                    "challenge": args["code_challenge"],
                    "redirect_uri": args["redirect_uri"],
                }
            answer = {"code": code}
        answer["state"] = args["state"]
        if self.response_iss:
            answer["iss"] = self.response_iss
        return Response(
            status=302, headers={"Location": self.redirect_uri + "?" + urlencode(answer)}
        )

    def _token(self, request: Request) -> Response:
        auth = request.authorization
        if (
            auth is None
            or auth.type != "basic"
            or auth.username != self.client_id
            or auth.password != self.client_secret
        ):
            return _json({"error": "invalid_client"}, status=401)
        form = request.form
        with self._lock:
            grant = self._codes.pop(form.get("code", ""), None)
        if (
            form.get("grant_type") != "authorization_code"
            or grant is None
            or form.get("redirect_uri") != grant["redirect_uri"]
            or _s256(form.get("code_verifier", "")) != grant["challenge"]
        ):
            return _json({"error": "invalid_grant"}, status=400)
        if self.token_error:
            return _json({"error": self.token_error}, status=400)
        self.redeemed += 1
        now = int(time.time())
        claims: dict[str, Any] = {
            "iss": self.id_token_iss or self.url,
            "aud": self.id_token_aud or self.client_id,
            "sub": self.sub,
            "iat": now,
            "exp": now + self.id_token_exp_offset,
            "nonce": self.id_token_nonce or grant["nonce"],
        }
        if self.level is not None:
            claims[LEVEL_CLAIM] = self.level
        published, same_kid, unknown_kid = _keys()
        key = {"published": published, "same_kid_other_key": same_kid, "unknown_kid": unknown_kid}[
            self.sign_with
        ]
        id_token = jwt.encode({"alg": "RS256", "kid": key.kid, "typ": "JWT"}, claims, key)
        return _json(
            {
                "access_token": secrets.token_urlsafe(24),
                "token_type": "Bearer",
                "expires_in": 300,
                "id_token": id_token,
            }
        )
