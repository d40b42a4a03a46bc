"""The kernel's session autogroups, off for the run when the bench may turn them off.

With ``kernel.sched_autogroup_enabled = 1`` (Debian's default) the scheduler shares the CPU
between sessions first and between threads second: PostgreSQL (started by the system, one
session), the server under test (its own session) and the load generator (the bench's) each
get an equal share whatever their number of threads. A database backend that wakes for a
query then waits behind its own session's turn, and a row's p99 measures the scheduler: on 2
cores, UserInfo at 32 connections went from a p99 of 150-490 ms with autogroups on to 36-46
ms with them off, and node's client_credentials from 2,155 to 3,086 req/s (2026-12-08). So the
bench turns them off for its run (root only; the setting is put back after) and says in its
output what was in force. Both servers run under the same setting.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from pathlib import Path

from common import log

AUTOGROUP = Path("/proc/sys/kernel/sched_autogroup_enabled")


def _read(path: Path) -> str | None:
    try:
        return path.read_text().strip()
    except OSError:
        return None


@contextlib.contextmanager
def autogroups(mode: str, path: Path = AUTOGROUP) -> Iterator[str]:
    """Yield a sentence for the report on what was in force; ``mode`` "off" turns the
    kernel's autogroups off for the block when it can (and puts the old value back), "leave"
    leaves them as they are."""
    before = _read(path)
    if before is None:
        yield "kernel autogroups: not in this kernel"
        return
    if before == "0":
        yield "kernel autogroups: off (as the machine had them)"
        return
    if mode == "leave":
        yield (
            "kernel autogroups: ON (--autogroup leave): CPU is shared per session first, "
            "so p99 measures the scheduler as much as the servers"
        )
        return
    try:
        path.write_text("0\n")
    except OSError as error:
        log(f"could not turn kernel autogroups off ({error.strerror}); p99 will suffer")
        yield (
            "kernel autogroups: ON (the bench could not turn them off: not root), so p99 "
            "measures the scheduler as much as the servers"
        )
        return
    log("kernel autogroups off for the run (kernel.sched_autogroup_enabled = 0)")
    try:
        yield "kernel autogroups: off for the run (the bench turned them off, and back on after)"
    finally:
        with contextlib.suppress(OSError):
            path.write_text(before + "\n")
            log("kernel autogroups back on")
