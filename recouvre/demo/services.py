"""Create the demo organization."""

from __future__ import annotations

from datetime import date
from typing import Any


def create_demo(
    *, slug: str, customers: int, invoices: int, seed: int, as_of: date, reset: bool, progress: Any = None
) -> dict[str, Any]:
    raise NotImplementedError
