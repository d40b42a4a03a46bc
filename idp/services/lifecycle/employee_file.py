"""Reading an employee import file (CSV) into checked rows. Pure: no database, no app.

The rules of the file format, and how rows become people, are in
:mod:`idp.services.lifecycle.imports`.
"""

from __future__ import annotations

import calendar
import csv
import io
import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

from ...models.enums import LoginMeans
from ...privileges import is_privilege
from ..errors import N_, InvalidInput, Message
from ..platform.safe_csv import is_formula
from ..users import EMAIL_PATTERN, USERNAME_PATTERN

COLUMNS = (
    "rid",
    "name",
    "given_name",
    "family_name",
    "email",
    "cpr",
    "username",
    "privileges",
    "login_means",
)
RID_PATTERN = re.compile(r"^[0-9A-Za-z-]{1,40}$")
CPR_PATTERN = re.compile(r"^(\d{6})-?(\d{4})$")
LOGIN_MEANS_HINTS = tuple(LoginMeans)
_TRANSLITERATE = str.maketrans({"æ": "ae", "ø": "oe", "å": "aa", "ß": "ss"})
_NOT_USERNAME = re.compile(r"[^a-z0-9._-]+")
NAME_COLUMNS = ("name", "given_name", "family_name")
ENCODINGS = ("utf-8", "cp1252")
PROGRESS_EVERY = 5000  # rows between two calls of a reader's ``progress``


class NotUtf8(InvalidInput):
    """The file is not UTF-8; ``windows_1252``: it reads as Windows-1252 (what Danish Excel
    writes unless "CSV UTF-8" is chosen), so it can be converted once the admin agrees."""

    def __init__(self, windows_1252: bool) -> None:
        super().__init__(N_("The file is not UTF-8 text"))
        self.windows_1252 = windows_1252


def decode_people_file(data: bytes, encoding: str = "utf-8") -> str:
    """The file's text: UTF-8 (BOM allowed), or Windows-1252 when ``encoding`` says so.
    Raises NotUtf8 (telling whether Windows-1252 would read it) for any other UTF-8 failure."""
    if encoding not in ENCODINGS:
        raise InvalidInput(N_("Unknown encoding"))
    try:
        return data.decode("utf-8-sig" if encoding == "utf-8" else encoding)
    except UnicodeDecodeError:
        if encoding != "utf-8":
            raise InvalidInput(N_("The file is not Windows-1252 text either")) from None
        try:
            data.decode("cp1252")
        except UnicodeDecodeError:
            raise NotUtf8(windows_1252=False) from None
        raise NotUtf8(windows_1252=True) from None


@dataclass
class PersonRow:
    """One person read from the file; ``errors`` is empty when the row itself is valid.

    ``cpr`` (10 digits) is never put into a report, a log line or ``repr``.
    """

    line: int
    rid: str | None = None
    email: str = ""
    name: str = ""
    given_name: str | None = None
    family_name: str | None = None
    cpr: str | None = field(default=None, repr=False)
    username: str | None = None
    privileges: list[str] = field(default_factory=list)
    login_means: str | None = None
    errors: list[str] = field(default_factory=list)

    @property
    def email_key(self) -> str:
        return self.email.lower()


@dataclass
class PeopleFile:
    columns: frozenset[str]
    rows: list[PersonRow]


def read_people_csv(
    data: bytes, *, encoding: str = "utf-8", progress: Callable[[int], None] | None = None
) -> PeopleFile:
    """Parse and check every row. Raises InvalidInput when the file as a whole is unusable
    (not UTF-8 (NotUtf8) or the ``encoding`` given, bad header, no rows); a bad row only gets
    ``errors``. ``progress(rows read)`` is called every PROGRESS_EVERY rows (it may raise to
    stop the reading)."""
    text = decode_people_file(data, encoding)
    reader, header = read_header(text)
    rows = []
    try:
        for cells in reader:
            if not any(c.strip() for c in cells):
                continue  # blank line
            rows.append(_row(reader.line_num, header, cells))
            if progress is not None and len(rows) % PROGRESS_EVERY == 0:
                progress(len(rows))
    except csv.Error as error:
        raise InvalidInput(
            N_("line %(line)s: not valid CSV: %(error)s"), line=reader.line_num, error=error
        ) from None
    if not rows:
        raise InvalidInput(N_("The file holds no people (only a header)"))
    return PeopleFile(columns=frozenset(header), rows=rows)


def read_header(text: str) -> tuple[Any, list[str]]:
    """A CSV reader over ``text`` that has read the header, and the header's column names;
    raises InvalidInput when the header is unusable (so an upload can be refused at once)."""
    first = text.split("\n", 1)[0]
    delimiter = ";" if first.count(";") > first.count(",") else ","
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    try:
        header = [h.strip().lower() for h in next(reader)]
    except StopIteration:
        raise InvalidInput(N_("The file is empty")) from None
    except csv.Error as error:  # e.g. a header line longer than the CSV field limit
        raise InvalidInput(
            N_("line %(line)s: not valid CSV: %(error)s"), line=1, error=error
        ) from None
    _check_header(header)
    return reader, header


def _check_header(header: list[str]) -> None:
    unknown = [h for h in header if h not in COLUMNS]
    if unknown:
        names = ", ".join(repr(h) for h in unknown)
        raise InvalidInput(
            N_("Unknown column(s) %(names)s; columns: %(columns)s"),
            names=names,
            columns=", ".join(COLUMNS),
        )
    twice = sorted({h for h in header if header.count(h) > 1})
    if twice:
        raise InvalidInput(N_("Column(s) given twice: %(columns)s"), columns=", ".join(twice))
    if "email" not in header:
        raise InvalidInput(N_("The file needs an 'email' column"))
    if "name" not in header and not {"given_name", "family_name"} <= set(header):
        raise InvalidInput(N_("The file needs a 'name' column, or 'given_name' and 'family_name'"))


def _row(line: int, header: list[str], cells: list[str]) -> PersonRow:
    row = PersonRow(line=line)
    if len(cells) != len(header):
        row.errors.append(
            Message(
                N_("row has %(cells)s cells, the header %(header)s"),
                cells=len(cells),
                header=len(header),
            )
        )
    values = {h: (cells[i].strip() if i < len(cells) else "") for i, h in enumerate(header)}
    _identity(row, values)
    _names(row, values)
    _formulas(row, header, cells)
    _extras(row, values)
    return row


def _identity(row: PersonRow, values: dict[str, str]) -> None:
    rid = values.get("rid", "")
    if rid:
        row.rid = rid
        if not RID_PATTERN.match(rid):
            row.errors.append(Message(N_("rid: 1-40 letters, digits or -")))
    row.email = values["email"]
    if not row.email:
        row.errors.append(Message(N_("email: missing")))
    elif len(row.email) > 254 or not EMAIL_PATTERN.match(row.email):
        row.errors.append(Message(N_("email: not a valid e-mail address")))
    cpr = values.get("cpr", "")
    if cpr:
        match = CPR_PATTERN.match(cpr)
        if match is None:
            row.errors.append(Message(N_("cpr: invalid")))  # never echo the value
        elif not _possible_date(match.group(1)):
            row.errors.append(Message(N_("cpr: the date part (day and month) is impossible")))
        else:
            row.cpr = match.group(1) + match.group(2)
    username = values.get("username", "").lower()
    if username:
        row.username = username
        if not USERNAME_PATTERN.match(username):
            row.errors.append(
                Message(
                    N_(
                        "username: 2-100 characters a-z, 0-9, . _ @ -, starting with a letter or "
                        "digit"
                    )
                )
            )


def _names(row: PersonRow, values: dict[str, str]) -> None:
    given, family = values.get("given_name", ""), values.get("family_name", "")
    name = values.get("name", "") or " ".join(p for p in (given, family) if p)
    if not name:
        row.errors.append(Message(N_("name: missing")))
        return
    if not (given or family):
        given, _, family = name.rpartition(" ")
    row.name, row.given_name, row.family_name = name, given or None, family or None
    if len(name) > 200:
        row.errors.append(Message(N_("name: longer than 200 characters")))
    if len(given) > 100 or len(family) > 100:
        row.errors.append(Message(N_("given_name/family_name: longer than 100 characters")))


def _possible_date(ddmmyy: str) -> bool:
    """Whether a CPR's first six digits are a day that exists (the century is not known, so
    29 February is allowed)."""
    day, month = int(ddmmyy[:2]), int(ddmmyy[2:4])
    return 1 <= month <= 12 and 1 <= day <= calendar.monthrange(2000, month)[1]


def _formulas(row: PersonRow, header: list[str], cells: list[str]) -> None:
    """OWASP "CSV Injection": a name a spreadsheet would run as a formula is refused (before
    and after trimming), so it never reaches a mail greeting or a report."""
    for i, column in enumerate(header):
        cell = cells[i] if i < len(cells) else ""
        if column in NAME_COLUMNS and (is_formula(cell) or is_formula(cell.strip())):
            row.errors.append(
                Message(
                    N_("%(column)s: starts with = + - @, a tab or a line break (a formula)"),
                    column=column,
                )
            )


def _extras(row: PersonRow, values: dict[str, str]) -> None:
    privileges = [p.strip() for p in values.get("privileges", "").split("|") if p.strip()]
    bad = [p for p in privileges if not _is_privilege(p)]
    if bad:
        row.errors.append(
            Message(N_("privileges: not a URN: %(urns)s"), urns=", ".join(p[:80] for p in bad))
        )
    row.privileges = sorted(set(privileges))
    hint = values.get("login_means", "").lower()
    if hint:
        row.login_means = hint
        if hint not in LOGIN_MEANS_HINTS:
            row.errors.append(
                Message(
                    N_("login_means: must be %(first)s or %(second)s"),
                    first=LOGIN_MEANS_HINTS[0],
                    second=LOGIN_MEANS_HINTS[1],
                )
            )


@lru_cache(maxsize=4096)
def _is_privilege(value: str) -> bool:
    return is_privilege(value)  # files repeat the same few rights on many rows


def username_base(email: str) -> str:
    """A username stem from an e-mail's local part: lower-case, Danish letters spelled out,
    other characters dropped; at most 90 characters so a numeric suffix fits."""
    local = email.rpartition("@")[0].lower().translate(_TRANSLITERATE)
    ascii_only = unicodedata.normalize("NFKD", local).encode("ascii", "ignore").decode()
    base = _NOT_USERNAME.sub("", ascii_only).lstrip("._-")[:90]
    return base or "user"
