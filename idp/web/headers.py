"""The security headers every response carries: CSP with the page's script nonce, framing,
sniffing and referrer rules, HSTS for an https issuer, no-store for pages."""

from __future__ import annotations

from typing import Any

from flask import current_app, g


def security_headers(response: Any) -> Any:
    from .documents import HSTS

    nonce = g.get("csp_script_nonce")
    script = f"'nonce-{nonce}'" if nonce else "'none'"
    # Browsers apply form-action to the redirects that follow a form submission, and a login
    # or consent form ends in a redirect to the relying party, so other origins are allowed.
    form_action = "'self' https: http:"
    # Images from here only, except where a view widens it (the consent page, to show a
    # relying party's logo_uri, by the spec an image on the relying party's own server).
    img_src = g.get("csp_img_src") or "'self' data:"
    response.headers.setdefault(
        "Content-Security-Policy",
        f"default-src 'none'; script-src {script}; style-src 'self'; "
        f"img-src {img_src}; font-src 'self'; form-action {form_action}; "
        "frame-ancestors 'none'; base-uri 'none'",
    )
    response.headers.setdefault("X-Content-Type-Options", "nosniff")
    response.headers.setdefault("X-Frame-Options", "DENY")
    response.headers.setdefault("Referrer-Policy", "no-referrer")
    # HSTS follows the configured issuer, not the request: behind a TLS-terminating proxy the
    # request reaches this node over http while browsers speak https to the issuer. (Browsers
    # ignore the header on an http response, RFC 6797 §8.1, so sending it is always safe.)
    if current_app.extensions["idp.settings"].issuer.startswith("https:"):
        response.headers.setdefault(*HSTS)
    if response.mimetype == "text/html":
        response.headers.setdefault("Cache-Control", "no-store")
    return response
