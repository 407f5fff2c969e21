"""A bank entry as the matching reads it: the fields it needs, as one plain row (no model instance), for the
thousands of credits an import matches at once."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

ENTRY_ROW_FIELDS = ("pk", "amount", "currency", "booked_on", "text", "counterparty_name", "counterparty_iban",
                    "creditor_reference", "end_to_end_id", "details")  # fmt: skip


@dataclass(slots=True)
class EntryRow:
    """The fields of a ``BankEntry`` the matching and the identification holds use, under the same names."""

    pk: int
    amount: Decimal
    currency: str
    booked_on: date
    text: str
    counterparty_name: str
    counterparty_iban: str
    creditor_reference: str
    end_to_end_id: str
    details: list[dict[str, Any]]
