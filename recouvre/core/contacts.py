"""Which of a customer's contacts to write to or to call: one ranking for every use.

Pure: the contacts are any objects with ``id``, ``is_primary`` and ``role``; ``usable`` says which of them can
serve (an e-mail address that did not bounce, a phone number...). Reminders and calls go to the primary contact
first, then a billing contact, then any other; what concerns the customer's payments (a portal confirmation, the
contact the customer may change from the portal) goes to a billing contact first.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any, Protocol

BILLING = "billing"


class ContactLike(Protocol):
    id: Any
    is_primary: bool
    role: str


def _rank(contact: ContactLike, billing_first: bool) -> tuple[int, int, Any]:
    primary = 0 if contact.is_primary else 1
    billing = 0 if contact.role == BILLING else 1
    return (billing, primary, contact.id) if billing_first else (primary, billing, contact.id)


def choose_contact[C: ContactLike](
    contacts: Iterable[C], *, usable: Callable[[C], bool] = lambda c: True, billing_first: bool = False
) -> C | None:
    """The contact to use among ``contacts``: the usable one ranked first, or None when none is usable."""
    candidates = [c for c in contacts if usable(c)]
    if not candidates:
        return None
    return min(candidates, key=lambda c: _rank(c, billing_first))
