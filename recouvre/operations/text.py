"""How the background processes write an error and a delay on one log line (shared by the loop that retries and
the heartbeats)."""

from __future__ import annotations


def describe(exc: BaseException, limit: int = 300) -> str:
    """``OperationalError: database is locked``: the class and the message on one line, at most ``limit``
    characters."""
    text = " ".join(str(exc).split())
    out = f"{type(exc).__name__}: {text}" if text else type(exc).__name__
    return out if len(out) <= limit else out[: limit - 1] + "…"


def seconds(delay: float) -> str:
    return f"{delay:g}"
