"""Processes the end-to-end tests start as an operator would: a free port to give them, the
`idp` CLI run from the source tree, and a stop that ends them (SIGTERM, then kill)."""

from __future__ import annotations

import signal
import socket
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def run_idp(
    env: dict[str, str], *args: str, python: str | Path = sys.executable
) -> subprocess.CompletedProcess[str]:
    """``idp ARGS`` (``python -m idp.cli``) from the source tree with ``env``; not checked."""
    return subprocess.run(
        [str(python), "-m", "idp.cli", *args],
        env=env,
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def stop(process: subprocess.Popen[bytes], timeout: float = 30) -> int:
    """SIGTERM, and its exit code; killed (and an AssertionError) if it outlives ``timeout``."""
    process.send_signal(signal.SIGTERM)
    try:
        return process.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()
        raise AssertionError(f"did not exit within {timeout} s of SIGTERM") from None
