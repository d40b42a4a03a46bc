"""Decoding JSON that arrives from outside with bounded size and nesting.

Python's decoder recurses once per nested array or object: a few thousand levels raise
``RecursionError`` (a 500) and large documents cost memory. Every json-decode of request input
goes through :func:`loads_bounded`, which measures depth on the raw text before parsing.
"""

from __future__ import annotations

import json
from typing import Any

MAX_DEPTH = 8
MAX_BYTES = 8 * 1024


class MalformedJSON(ValueError):
    """The text is not JSON, or nests deeper or weighs more than allowed."""


def nesting_depth(text: str) -> int:
    """The deepest nesting of arrays and objects in ``text``, counting brackets outside
    strings (linear, no recursion; the text need not be valid JSON)."""
    depth = deepest = 0
    in_string = escaped = False
    for char in text:
        if in_string:
            if escaped:
                escaped = False
            elif char == "\\":
                escaped = True
            elif char == '"':
                in_string = False
        elif char == '"':
            in_string = True
        elif char in "[{":
            depth += 1
            deepest = max(deepest, depth)
        elif char in "]}":
            depth -= 1
    return deepest


def loads_bounded(
    text: str | bytes, *, max_depth: int = MAX_DEPTH, max_bytes: int = MAX_BYTES
) -> Any:
    """Parse JSON from outside: at most ``max_bytes`` (UTF-8) and ``max_depth`` levels of
    nesting, else :class:`MalformedJSON` (as for text that is not JSON at all)."""
    raw = text.encode("utf-8", "surrogatepass") if isinstance(text, str) else text
    if len(raw) > max_bytes:
        raise MalformedJSON(f"more than {max_bytes} bytes")
    try:
        decoded = raw.decode("utf-8")
    except UnicodeDecodeError:
        raise MalformedJSON("not UTF-8") from None
    if nesting_depth(decoded) > max_depth:
        raise MalformedJSON(f"nested deeper than {max_depth} levels")
    try:
        return json.loads(decoded)
    except (ValueError, RecursionError):
        raise MalformedJSON("not valid JSON") from None
