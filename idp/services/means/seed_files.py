"""Reading code-display seed files: PSKC (RFC 6030) and CSV, into validated rows.

XML is parsed with defusedxml (no DTDs, no entity expansion, no external references) and the
parsed tree is handed to python-pskc, which decrypts pre-shared-key protected secrets
(RFC 6030 §6.1, AES-128-CBC) and checks their MAC.
"""

from __future__ import annotations

import binascii
import csv
import io
from dataclasses import dataclass, field

from defusedxml import DefusedXmlException
from defusedxml.ElementTree import fromstring
from pskc import PSKC
from pskc.exceptions import DecryptionError, ParseError
from pskc.parser import PSKCParser

from ..errors import N_, InvalidInput, Message
from . import otp

TOTP_URNS = ("urn:ietf:params:xml:ns:keyprov:pskc:totp", "http://www.ietf.org/keyprov/pskc#totp")
HOTP_URNS = ("urn:ietf:params:xml:ns:keyprov:pskc:hotp", "http://www.ietf.org/keyprov/pskc#hotp")
HASHES = {
    "HMAC-SHA1": "SHA1",
    "HMAC-SHA256": "SHA256",
    "HMAC-SHA512": "SHA512",
    "SHA1": "SHA1",
    "SHA256": "SHA256",
    "SHA512": "SHA512",
}
CSV_COLUMNS = ["serial", "secret", "encoding", "digits", "period", "algorithm"]
MIN_SECRET_BYTES = 16  # RFC 4226 §4: at least 128 bits


@dataclass
class SeedRow:
    """One code display read from a file; ``errors`` empty when it can be imported."""

    where: str  # "row 3" or "key 2"
    serial: str = ""
    secret: bytes = b""
    digits: int = 6
    period: int = 30
    algorithm: str = "SHA1"
    t0: int = 0
    errors: list[str] = field(default_factory=list)

    def check(self) -> SeedRow:
        if not self.serial:
            self.errors.append(Message(N_("missing serial number")))
        if self.digits not in (6, 8):
            self.errors.append(
                Message(N_("digits must be 6 or 8, not %(digits)s"), digits=self.digits)
            )
        if self.period not in (30, 60):
            self.errors.append(
                Message(
                    N_("time interval must be 30 or 60 seconds, not %(period)s"), period=self.period
                )
            )
        if self.algorithm not in ("SHA1", "SHA256", "SHA512"):
            self.errors.append(
                Message(
                    N_("unsupported hash algorithm %(algorithm)s"), algorithm=repr(self.algorithm)
                )
            )
        if not self.errors and len(self.secret) < MIN_SECRET_BYTES:
            self.errors.append(
                Message(N_("secret shorter than %(bytes)s bytes"), bytes=MIN_SECRET_BYTES)
            )
        return self


def read_seed_file(data: bytes, psk: bytes | None = None) -> list[SeedRow]:
    """Rows from a PSKC or CSV file (told apart by content). Raises InvalidInput when the
    file as a whole cannot be read."""
    text_start = data.lstrip()[:1]
    if text_start == b"<":
        return read_pskc(data, psk)
    return read_csv(data)


def read_pskc(data: bytes, psk: bytes | None) -> list[SeedRow]:
    """Rows from a PSKC file (RFC 6030), decrypted with the pre-shared key when encrypted and
    its MAC checked; DTDs, entities and external references are refused."""
    try:
        root = fromstring(data, forbid_dtd=True, forbid_entities=True, forbid_external=True)
    except DefusedXmlException as error:
        raise InvalidInput(
            N_(
                "The XML file is refused: %(error)s (DTDs, entities and external references are "
                "not allowed)"
            ),
            error=type(error).__name__,
        ) from None
    except Exception as error:
        raise InvalidInput(N_("The file is not well-formed XML: %(error)s"), error=error) from None
    container = PSKC()
    try:
        PSKCParser.parse_document(container, root)
    except ParseError as error:
        raise InvalidInput(N_("Not a PSKC document: %(error)s"), error=error) from None
    if psk is not None:
        container.encryption.key = psk
    rows = [_pskc_row(i, key) for i, key in enumerate(container.keys, start=1)]
    if not rows:
        raise InvalidInput(N_("The PSKC document holds no keys"))
    return rows


def _pskc_row(index: int, key: object) -> SeedRow:
    row = SeedRow(where=Message(N_("key %(number)s"), number=index))
    row.serial = str(getattr(key, "serial", None) or "").strip()
    algorithm = (getattr(key, "algorithm", None) or "").strip()
    if algorithm in HOTP_URNS:
        row.errors.append(
            Message(
                N_("HOTP (counter-based) is not supported: only time-based (TOTP) code displays")
            )
        )
        return row
    if algorithm not in TOTP_URNS:
        row.errors.append(
            Message(
                N_("unsupported algorithm %(algorithm)s; expected TOTP"),
                algorithm=repr(algorithm or "(none)"),
            )
        )
        return row
    suite = (getattr(key, "algorithm_suite", None) or "HMAC-SHA1").strip().upper()
    row.algorithm = HASHES.get(suite, suite)
    row.digits = int(getattr(key, "response_length", None) or 6)
    encoding = (getattr(key, "response_encoding", None) or "DECIMAL").upper()
    if encoding != "DECIMAL":
        row.errors.append(
            Message(N_("response encoding must be DECIMAL, not %(encoding)s"), encoding=encoding)
        )
    row.period = int(getattr(key, "time_interval", None) or 30)
    row.t0 = int(getattr(key, "time_offset", None) or 0)
    try:
        secret = key.secret  # type: ignore[attr-defined]
    except DecryptionError as error:
        row.errors.append(Message(N_("cannot decrypt the secret: %(error)s"), error=error))
        return row
    if not secret:
        row.errors.append(Message(N_("no secret")))
        return row
    row.secret = bytes(secret)
    return row.check()


def read_csv(data: bytes) -> list[SeedRow]:
    """CSV with the header ``serial,secret,encoding,digits,period,algorithm``."""
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise InvalidInput(N_("The CSV file is not UTF-8")) from None
    reader = csv.DictReader(io.StringIO(text))
    rows = []
    try:
        header = [h.strip().lower() for h in reader.fieldnames or []]
        if header != CSV_COLUMNS:
            raise InvalidInput(
                N_("The CSV header must be: %(header)s"), header=",".join(CSV_COLUMNS)
            )
        for number, raw in enumerate(reader, start=2):
            values = {k.strip().lower(): (v or "").strip() for k, v in raw.items() if k}
            rows.append(_csv_row(number, values))
    except csv.Error as error:  # e.g. a field longer than the CSV field limit
        raise InvalidInput(
            N_("line %(line)s: not valid CSV: %(error)s"), line=reader.line_num, error=error
        ) from None
    if not rows:
        raise InvalidInput(N_("The CSV file holds no rows"))
    return rows


def _csv_row(number: int, values: dict[str, str]) -> SeedRow:
    row = SeedRow(
        where=Message(N_("row %(number)s"), number=number), serial=values.get("serial", "")
    )
    encoding = values.get("encoding", "").lower()
    try:
        if encoding == "base32":
            row.secret = otp.from_base32(values.get("secret", ""))
        elif encoding == "hex":
            row.secret = binascii.unhexlify(values.get("secret", ""))
        else:
            row.errors.append(Message(N_("encoding must be base32 or hex")))
    except (binascii.Error, ValueError):
        row.errors.append(Message(N_("secret is not valid %(encoding)s"), encoding=encoding))
    for name in ("digits", "period"):
        text = values.get(name, "")
        if not text.isdigit():
            row.errors.append(Message(N_("%(name)s must be a number"), name=name))
        else:
            setattr(row, name, int(text))
    row.algorithm = HASHES.get(values.get("algorithm", "").upper(), values.get("algorithm", ""))
    return row.check()


def read_psk(data: bytes) -> bytes:
    """A pre-shared key file: 32 or 64 hex characters, or 16/32 raw bytes."""
    text = data.strip()
    try:
        key = binascii.unhexlify(text)
    except (binascii.Error, ValueError):
        key = data
    if len(key) not in (16, 32):
        raise InvalidInput(N_("The pre-shared key must be 128 or 256 bits (hex or raw)"))
    return key
