"""SAML test material: X.509 certificates made on the spot and service-provider metadata shaped
as NemLog-in publishes it for its integration test environment (written from the OIOSAML 3.0
Web SSO profile and the SAML 2.0 metadata schema, not copied)."""

from __future__ import annotations

import base64
import subprocess
import tempfile
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import NameOID

ENTITY_ID = "https://saml.lonportal.example.dk"
ACS = "https://lonportal.example.dk/saml/acs"
SLO = "https://lonportal.example.dk/saml/slo"
# The attributes a NemLog-in SP asks for (OIOSAML 3.0 professional person attribute profile).
REQUESTED = (
    ("https://data.gov.dk/model/core/specVersion", True),
    ("https://data.gov.dk/concept/core/nsis/loa", True),
    ("https://data.gov.dk/model/core/eid/professional/uuid/persistent", True),
    ("https://data.gov.dk/model/core/eid/professional/cvr", True),
    ("https://data.gov.dk/model/core/eid/professional/orgName", False),
    ("https://data.gov.dk/model/core/eid/email", False),
    ("https://data.gov.dk/model/core/eid/fullName", False),
    ("https://data.gov.dk/model/core/eid/privilegesIntermediate", False),
)
PERSISTENT = "urn:oasis:names:tc:SAML:2.0:nameid-format:persistent"


def certificate(
    common_name: str = "Lønportal SP",
    *,
    days: int = 365,
    starts: timedelta = timedelta(days=-1),
    key_size: int = 2048,
) -> str:
    """A self-signed certificate, base64 DER as metadata carries it."""
    key = rsa.generate_private_key(public_exponent=65537, key_size=key_size)
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common_name)])
    begin = datetime.now(UTC) + starts
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(begin)
        .not_valid_after(begin + timedelta(days=days))
        .sign(key, hashes.SHA256())
    )
    return base64.b64encode(cert.public_bytes(serialization.Encoding.DER)).decode()


def sha1_certificate() -> str:
    """A certificate signed with SHA-1, made by the openssl command (cryptography refuses to
    sign with SHA-1), base64 DER."""
    with tempfile.TemporaryDirectory() as folder:
        key, cert = f"{folder}/key.pem", f"{folder}/cert.der"
        command = "req -x509 -newkey rsa:2048 -sha1 -nodes -subj /CN=SHA-1-SP -days 30"
        subprocess.run(
            ["openssl", *command.split(), "-keyout", key, "-outform", "DER", "-out", cert],
            check=True,
            capture_output=True,
        )
        with open(cert, "rb") as handle:
            return base64.b64encode(handle.read()).decode()


def _key(use: str | None, cert: str) -> str:
    attribute = f' use="{use}"' if use else ""
    return (
        f"<md:KeyDescriptor{attribute}><ds:KeyInfo><ds:X509Data><ds:X509Certificate>"
        f"{cert}</ds:X509Certificate></ds:X509Data></ds:KeyInfo></md:KeyDescriptor>"
    )


def sp_metadata(
    *,
    entity_id: str = ENTITY_ID,
    acs: str = ACS,
    acs_binding: str = "urn:oasis:names:tc:SAML:2.0:bindings:HTTP-POST",
    signing: str | None = "",
    encryption: str | None = "",
    valid_until: str | None = None,
    prolog: str = "",
) -> bytes:
    """NemLog-in-shaped SP metadata. ``signing``/``encryption``: "" makes a fresh certificate,
    None leaves that KeyDescriptor out, any other text is used as the certificate."""
    keys = "".join(
        _key(use, cert if cert else certificate(f"Lønportal {use}"))
        for use, cert in (("signing", signing), ("encryption", encryption))
        if cert is not None
    )
    requested = "".join(
        f'<md:RequestedAttribute Name="{name}" '
        f'NameFormat="urn:oasis:names:tc:SAML:2.0:attrname-format:uri" '
        f'isRequired="{"true" if required else "false"}"/>'
        for name, required in REQUESTED
    )
    until = f' validUntil="{valid_until}"' if valid_until else ""
    text = (
        f"{prolog}"
        '<md:EntityDescriptor xmlns:md="urn:oasis:names:tc:SAML:2.0:metadata" '
        f'xmlns:ds="http://www.w3.org/2000/09/xmldsig#" entityID="{entity_id}"{until}>'
        '<md:SPSSODescriptor AuthnRequestsSigned="true" WantAssertionsSigned="true" '
        'protocolSupportEnumeration="urn:oasis:names:tc:SAML:2.0:protocol">'
        f"{keys}"
        '<md:SingleLogoutService Binding="urn:oasis:names:tc:SAML:2.0:bindings:HTTP-Redirect" '
        f'Location="{SLO}"/>'
        '<md:SingleLogoutService Binding="urn:oasis:names:tc:SAML:2.0:bindings:HTTP-POST" '
        f'Location="{SLO}"/>'
        f"<md:NameIDFormat>{PERSISTENT}</md:NameIDFormat>"
        f'<md:AssertionConsumerService Binding="{acs_binding}" Location="{acs}" index="0" '
        'isDefault="true"/>'
        '<md:AttributeConsumingService index="0" isDefault="true">'
        '<md:ServiceName xml:lang="da">Lønportal</md:ServiceName>'
        f"{requested}</md:AttributeConsumingService>"
        "</md:SPSSODescriptor>"
        '<md:Organization><md:OrganizationName xml:lang="da">Lønportal A/S</md:OrganizationName>'
        '<md:OrganizationDisplayName xml:lang="da">Lønportal</md:OrganizationDisplayName>'
        '<md:OrganizationURL xml:lang="da">https://lonportal.example.dk</md:OrganizationURL>'
        "</md:Organization>"
        '<md:ContactPerson contactType="technical"><md:EmailAddress>drift@lonportal.example.dk'
        "</md:EmailAddress></md:ContactPerson>"
        "</md:EntityDescriptor>"
    )
    return text.encode()


@contextmanager
def serving() -> Iterator[tuple[str, dict[str, bytes]]]:
    """A real HTTP server on 127.0.0.1: (its base URL, path -> body it serves; 404 otherwise)."""
    served: dict[str, bytes] = {}

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            body = served.get(self.path)
            self.send_response(200 if body is not None else 404)
            self.send_header("Content-Type", "application/samlmetadata+xml")
            self.end_headers()
            self.wfile.write(body or b"")

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}", served
    finally:
        server.shutdown()
        server.server_close()
