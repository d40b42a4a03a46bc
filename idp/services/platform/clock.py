"""The time services use for one-time codes; tests freeze it by replacing ``now``."""

from __future__ import annotations

import time


def now() -> float:
    """Seconds since the epoch."""
    return time.time()
