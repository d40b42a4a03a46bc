"""CSV in and out without formula injection (OWASP "CSV Injection").

A spreadsheet treats a cell that starts with ``=``, ``+``, ``-``, ``@``, a tab or a carriage
return as a formula (``=HYPERLINK(…)``, ``+cmd|' /C calc'!A0``). Names from a file are refused
when they start so (:func:`is_formula`); every CSV the product writes goes through
:func:`write_csv`, which prefixes such a cell with ``'`` so that the spreadsheet shows it as
text (OWASP's recommendation), and uses ``;`` as Danish Excel expects, with a UTF-8 BOM so Excel
reads æ, ø and å.
"""

from __future__ import annotations

import csv
import io
import itertools
from collections.abc import Iterable, Sequence

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def is_formula(value: str) -> bool:
    """Whether a spreadsheet would read ``value`` as a formula."""
    return value.startswith(FORMULA_STARTS)


def neutralise(value: object) -> str:
    """``value`` as a cell a spreadsheet shows as text."""
    text = "" if value is None else str(value)
    return "'" + text if is_formula(text) else text


def write_csv(header: Sequence[str], rows: Iterable[Sequence[object]]) -> str:
    """A whole CSV document (BOM, ``;``-separated, CRLF lines), every cell neutralised."""
    return "".join(iter_csv(header, rows))


def iter_csv(header: Sequence[str], rows: Iterable[Sequence[object]]) -> Iterable[str]:
    """The document of :func:`write_csv` a line at a time, for a streamed download."""
    yield "\ufeff"
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=";", lineterminator="\r\n")
    for row in itertools.chain([header], rows):
        buffer.seek(0)
        buffer.truncate()
        writer.writerow([neutralise(cell) for cell in row])
        yield buffer.getvalue()
