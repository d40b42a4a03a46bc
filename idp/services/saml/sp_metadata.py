"""A service provider's SAML metadata, read and checked before it is trusted.

The XML goes first through defusedxml with DTDs forbidden (OIOSAML 3.0 Web SSO profile §3.1.2:
messages and metadata carry no Document Type Definition; so no entity expansion, no external
entity, no billion laughs), then through pysaml2's metadata classes. What is kept is what the
SAML face needs to trust the SP and answer it: its entity ID, its assertion consumer services
(HTTP-POST, the binding OIOSAML 3 responses use), its single logout services, its signing and
encryption certificates, the attributes it asks for and the NameID formats it names.

Refused, each with a plain message: not one EntityDescriptor with an SPSSODescriptor for SAML
2.0, metadata past its ``validUntil``, an endpoint that is not https (http only on loopback),
no signing or no encryption certificate (OIOSAML 3 encrypts every assertion toward NemLog-in),
a certificate that is not valid now, an RSA key under 2048 bits or an EC key under 256, or a
certificate signed with SHA-1 or MD5 (OIOSAML 3.0 §3.3: SHA-1 is not used).
"""

from __future__ import annotations

import base64
import binascii
import calendar
from dataclasses import dataclass
from datetime import UTC, datetime
from urllib.parse import urlsplit
from xml.etree.ElementTree import ParseError

import defusedxml.ElementTree
from cryptography import x509
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from defusedxml import DefusedXmlException
from saml2 import BINDING_HTTP_POST, BINDING_HTTP_REDIRECT, md
from saml2.time_util import str_to_time

from ..errors import N_, InvalidInput

MAX_METADATA_BYTES = 1024 * 1024
SAML2_PROTOCOL = "urn:oasis:names:tc:SAML:2.0:protocol"
LOOPBACK = ("127.0.0.1", "localhost", "::1")
WEAK_HASHES = (hashes.SHA1, hashes.MD5)


@dataclass(frozen=True)
class Endpoint:
    binding: str
    location: str
    index: int | None = None
    is_default: bool = False
    response_location: str | None = None


@dataclass(frozen=True)
class RequestedAttribute:
    name: str
    required: bool


@dataclass(frozen=True)
class SpMetadata:
    entity_id: str
    display_name: str | None
    assertion_consumers: tuple[Endpoint, ...]
    single_logout: tuple[Endpoint, ...]
    signing_certs: tuple[x509.Certificate, ...]
    encryption_certs: tuple[x509.Certificate, ...]
    requested_attributes: tuple[RequestedAttribute, ...]
    name_id_formats: tuple[str, ...]
    authn_requests_signed: bool | None
    valid_until: datetime | None


def parse_sp_metadata(raw: bytes | str, *, now: datetime | None = None) -> SpMetadata:
    """The checked metadata of one service provider, or :class:`InvalidInput`."""
    data = raw.encode() if isinstance(raw, str) else raw
    if len(data) > MAX_METADATA_BYTES:
        raise InvalidInput(N_("The metadata is larger than 1 MiB"))
    now = now or datetime.now(UTC)
    try:
        # OIOSAML 3.0 §3.1.2: no DTD; defusedxml refuses one, and every entity declaration.
        defusedxml.ElementTree.fromstring(data, forbid_dtd=True)
    except (ParseError, DefusedXmlException, ValueError):
        raise InvalidInput(N_("The metadata is not well-formed XML without a DTD")) from None
    try:
        text = data.decode("utf-8", errors="strict")
    except UnicodeDecodeError:
        raise InvalidInput(N_("The metadata must be UTF-8")) from None
    try:
        descriptor = md.entity_descriptor_from_string(text)
    except (ValueError, TypeError, AttributeError):  # well-formed, but not metadata pysaml2 reads
        raise InvalidInput(N_("The metadata must be one md:EntityDescriptor")) from None
    if descriptor is None:
        raise InvalidInput(N_("The metadata must be one md:EntityDescriptor"))
    return _read(descriptor, now)


def _read(descriptor: md.EntityDescriptor, now: datetime) -> SpMetadata:
    entity_id = (descriptor.entity_id or "").strip()
    if not entity_id or len(entity_id) > 1024 or not urlsplit(entity_id).scheme:
        raise InvalidInput(N_("The metadata's entityID must be a URI of at most 1024 characters"))
    valid_until = _valid_until(descriptor.valid_until)
    if valid_until is not None and valid_until <= now:
        raise InvalidInput(N_("The metadata expired at %(when)s"), when=valid_until.isoformat())
    sp = _sp_descriptor(descriptor)
    consumers = tuple(
        _endpoint(acs, "AssertionConsumerService")
        for acs in sp.assertion_consumer_service
        if acs.binding == BINDING_HTTP_POST
    )
    if not consumers:
        raise InvalidInput(N_("The metadata has no AssertionConsumerService with HTTP-POST"))
    logout = tuple(
        _endpoint(slo, "SingleLogoutService")
        for slo in sp.single_logout_service
        if slo.binding in (BINDING_HTTP_REDIRECT, BINDING_HTTP_POST)
    )
    signing, encryption = _certificates(sp, now)
    return SpMetadata(
        entity_id=entity_id,
        display_name=_display_name(descriptor),
        assertion_consumers=consumers,
        single_logout=logout,
        signing_certs=signing,
        encryption_certs=encryption,
        requested_attributes=_requested(sp),
        name_id_formats=tuple(f.text.strip() for f in sp.name_id_format if f.text),
        authn_requests_signed=_flag(sp.authn_requests_signed),
        valid_until=valid_until,
    )


def _sp_descriptor(descriptor: md.EntityDescriptor) -> md.SPSSODescriptor:
    found = [
        sp
        for sp in descriptor.spsso_descriptor
        if SAML2_PROTOCOL in (sp.protocol_support_enumeration or "").split()
    ]
    if len(found) != 1:
        raise InvalidInput(N_("The metadata must have one SPSSODescriptor for SAML 2.0"))
    return found[0]


def _endpoint(element: md.EndpointType, what: str) -> Endpoint:
    location = (element.location or "").strip()
    _check_url(location, what)
    response = (getattr(element, "response_location", None) or "").strip() or None
    if response:
        _check_url(response, what)
    index = str(getattr(element, "index", None) or "")
    if index and not index.isdigit():
        raise InvalidInput(
            N_("%(what)s has an index that is not a number: %(index)r"), what=what, index=index
        )
    return Endpoint(
        binding=element.binding,
        location=location,
        index=int(index) if index else None,
        is_default=_flag(getattr(element, "is_default", None)) or False,
        response_location=response,
    )


def https_or_loopback(url: str) -> bool:
    """Whether ``url`` is absolute and https, or http on a loopback host."""
    parts = urlsplit(url)
    loopback_http = parts.scheme == "http" and parts.hostname in LOOPBACK
    return bool(parts.netloc) and (parts.scheme == "https" or loopback_http)


def _check_url(url: str, what: str) -> None:
    if not https_or_loopback(url) or urlsplit(url).fragment:
        raise InvalidInput(
            N_("%(what)s must be an https URL without a fragment (http only on loopback): %(url)r"),
            what=what,
            url=url,
        )


def _certificates(
    sp: md.SPSSODescriptor, now: datetime
) -> tuple[tuple[x509.Certificate, ...], tuple[x509.Certificate, ...]]:
    """The signing and the encryption certificates (a KeyDescriptor without ``use`` is both)."""
    signing: list[x509.Certificate] = []
    encryption: list[x509.Certificate] = []
    for key in sp.key_descriptor:
        use = key.use or ""
        for data in key.key_info.x509_data if key.key_info else []:
            if data.x509_certificate is None or not data.x509_certificate.text:
                continue
            cert = _certificate(data.x509_certificate.text, now)
            if use in ("", "signing"):
                signing.append(cert)
            if use in ("", "encryption"):
                encryption.append(cert)
    if not signing:
        raise InvalidInput(N_("The metadata has no signing certificate"))
    if not encryption:
        raise InvalidInput(N_("The metadata has no encryption certificate"))
    return tuple(signing), tuple(encryption)


def _certificate(text: str, now: datetime) -> x509.Certificate:
    try:
        der = base64.b64decode("".join(text.split()), validate=True)
        cert = x509.load_der_x509_certificate(der)
    except (ValueError, binascii.Error):
        raise InvalidInput(N_("The metadata holds a certificate that cannot be read")) from None
    subject = cert.subject.rfc4514_string()
    if not cert.not_valid_before_utc <= now <= cert.not_valid_after_utc:
        raise InvalidInput(N_("The certificate %(subject)s is not valid now"), subject=subject)
    key = cert.public_key()
    if isinstance(key, rsa.RSAPublicKey):
        strong = key.key_size >= 2048
    elif isinstance(key, ec.EllipticCurvePublicKey):
        strong = key.curve.key_size >= 256
    else:
        strong = False
    if not strong:
        raise InvalidInput(
            N_("The certificate %(subject)s needs an RSA key of 2048 bits or more or an EC key"),
            subject=subject,
        )
    if isinstance(cert.signature_hash_algorithm, WEAK_HASHES):
        raise InvalidInput(
            N_("The certificate %(subject)s is signed with SHA-1 or MD5"), subject=subject
        )
    return cert


def _requested(sp: md.SPSSODescriptor) -> tuple[RequestedAttribute, ...]:
    return tuple(
        RequestedAttribute(attribute.name, _flag(attribute.is_required) or False)
        for service in sp.attribute_consuming_service
        for attribute in service.requested_attribute
        if attribute.name
    )


def _display_name(descriptor: md.EntityDescriptor) -> str | None:
    organisation = descriptor.organization
    if organisation is None:
        return None
    for names in (organisation.organization_display_name, organisation.organization_name):
        for name in names:
            if name.text and name.text.strip():
                return str(name.text.strip())[:200]
    return None


def _valid_until(value: str | None) -> datetime | None:
    if not value:
        return None
    try:
        return datetime.fromtimestamp(calendar.timegm(str_to_time(value)), UTC)
    except (ValueError, TypeError):
        raise InvalidInput(
            N_("The metadata's validUntil is not a time: %(value)r"), value=value
        ) from None


def _flag(value: object) -> bool | None:
    if value is None:
        return None
    if isinstance(value, bool):
        return value
    return str(value).strip().lower() in ("true", "1")
