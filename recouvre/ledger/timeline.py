"""Turn timeline events into sentences in the reader's language."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _

from .models import Event

# kind -> message with %(name)s placeholders filled from the event's data.
_MESSAGES: dict[str, Any] = {
    "customer.created": lambda: _("Customer %(name)s created (account %(ref)s)."),
    "customer.updated": lambda: _("Customer details changed: %(fields)s."),
    "contact.added": lambda: _("Contact added: %(name)s %(email)s %(phone)s."),
    "invoice.created": lambda: _("Invoice %(number)s for %(total)s %(currency)s, due %(due_on)s."),
    "invoice.updated": lambda: _("Invoice %(number)s changed: %(fields)s."),
    "credit_note.created": lambda: _("Credit note %(number)s for %(total)s %(currency)s."),
    "payment.received": lambda: _("Payment of %(amount)s %(currency)s received on %(received_on)s."),
    "payment.updated": lambda: _("Payment %(reference)s changed: %(fields)s."),
    "allocation.created": lambda: _("%(amount)s %(currency)s applied to invoice %(invoice)s."),
    "invoice.disputed": lambda: _("Invoice %(invoice)s (%(amount)s %(currency)s) disputed: %(reason)s"),
    "customer.insolvency": lambda: _(
        "Insolvency proceedings (%(procedure)s) opened on %(opened_on)s by %(court)s, published on %(published_on)s."
    ),
    "collections.action_planned": lambda: _(
        "Collection planned for %(send_on)s by %(channels)s: %(steps)s (%(invoices)s invoices advance)."
    ),
    "collections.hold_placed": lambda: _(
        "Collection paused (%(hold_kind)s) %(invoice)s from %(starts_on)s to %(ends_on)s: %(reason)s"
    ),
    "collections.hold_placed_open": lambda: _(
        "Collection paused (%(hold_kind)s) %(invoice)s from %(starts_on)s until released: %(reason)s"
    ),
    "collections.hold_released": lambda: _("Collection resumed: hold (%(hold_kind)s) %(invoice)s lifted."),
    "import.summary": lambda: _(
        "Import of %(file)s (%(import_kind)s): %(created)s created, %(updated)s updated, %(unchanged)s unchanged."
    ),
}


class _Defaulting(dict):  # type: ignore[type-arg]
    def __missing__(self, key: str) -> str:
        return ""


def describe(event: Event) -> str:
    data = _Defaulting(event.data)
    if "changes" in data and "fields" not in data:
        data["fields"] = ", ".join(sorted(data["changes"]))
    factory = _MESSAGES.get(event.kind)
    if factory is None:
        return event.kind
    return str(factory() % data).replace("  ", " ").strip()
