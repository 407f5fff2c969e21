"""Names, in the reader's language, of what an import counts."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

ENTITY_LABELS = {
    "customers": _("Customers"),
    "contacts": _("Contacts"),
    "invoices": _("Invoices"),
    "credit_notes": _("Credit notes"),
    "payments": _("Payments"),
    "allocations": _("Allocations"),
    "documents": _("Documents on file"),
    "statuses": _("E-invoice statuses"),
}


def entity_label(key: str) -> str:
    """``invoices`` -> "Factures" in French."""
    return str(ENTITY_LABELS.get(key, key))
