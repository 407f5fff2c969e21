"""Who did something: a logged-in user, or a named process (CLI, import, worker)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Actor:
    user: Any = None  # a User, or None for processes
    label: str = ""

    @classmethod
    def of(cls, user: Any) -> Actor:
        return cls(user=user if getattr(user, "is_authenticated", False) else None, label=str(user))

    @classmethod
    def system(cls, label: str) -> Actor:
        return cls(user=None, label=label)

    @property
    def name(self) -> str:
        if self.user is not None:
            return self.user.get_full_name() or self.user.get_username()
        return self.label


CLI = Actor.system("cli")
# The customer itself, acting on the customer portal (a promise, a dispute, a request for a payment plan...).
PORTAL_CUSTOMER = Actor.system("portal:customer")


def readable(label: str) -> str:
    """A process's label as people read it on the timeline, in the active language (other labels as they are)."""
    from django.utils.translation import gettext

    if label == PORTAL_CUSTOMER.label:
        return gettext("The customer, on the portal")
    return label
