"""Turn timeline events into sentences in the reader's language."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from .models import Event

# kind -> a function of the event's data giving the message, whose %(name)s placeholders the data fills.
_MESSAGES: dict[str, Any] = {
    "customer.created": lambda d: _("Customer %(name)s created (account %(ref)s)."),
    "customer.updated": lambda d: _("Customer details changed: %(fields)s."),
    "contact.added": lambda d: _("Contact added: %(name)s %(email)s %(phone)s."),
    "invoice.created": lambda d: _("Invoice %(number)s for %(total)s %(currency)s, due %(due_on)s."),
    "invoice.updated": lambda d: _("Invoice %(number)s changed: %(fields)s."),
    "credit_note.created": lambda d: _("Credit note %(number)s for %(total)s %(currency)s."),
    "payment.received": lambda d: _("Payment of %(amount)s %(currency)s received on %(received_on)s."),
    "payment.updated": lambda d: _("Payment %(reference)s changed: %(fields)s."),
    "allocation.created": lambda d: _("%(amount)s %(currency)s applied to invoice %(invoice)s."),
    "invoice.disputed": lambda d: _("Invoice %(invoice)s (%(amount)s %(currency)s) disputed: %(reason)s"),
    "customer.insolvency": lambda d: _(
        "Insolvency proceedings (%(procedure)s) opened on %(opened_on)s by %(court)s, published on %(published_on)s."
    ),
    "collections.action_planned": lambda d: ngettext(
        "Collection planned for %(send_on)s by %(channels)s: %(steps)s (%(invoices)s invoice advances).",
        "Collection planned for %(send_on)s by %(channels)s: %(steps)s (%(invoices)s invoices advance).",
        _count(d.get("invoices")),
    ),
    "collections.hold_placed": lambda d: (
        _("Collection paused (%(hold_kind)s) %(invoice)s from %(starts_on)s to %(ends_on)s: %(reason)s")
        if d.get("reason")
        else _("Collection paused (%(hold_kind)s) %(invoice)s from %(starts_on)s to %(ends_on)s.")
    ),
    "collections.hold_placed_open": lambda d: (
        _("Collection paused (%(hold_kind)s) %(invoice)s from %(starts_on)s until released: %(reason)s")
        if d.get("reason")
        else _("Collection paused (%(hold_kind)s) %(invoice)s from %(starts_on)s until released.")
    ),
    "collections.hold_released": lambda d: _("Collection resumed: hold (%(hold_kind)s) %(invoice)s lifted."),
    "collections.email_sent": lambda d: _("E-mail sent to %(to)s: %(subject)s"),
    "collections.email_resumed": lambda d: _(
        "E-mail sent again, as the same message (%(message_id)s), after an interruption while sending on %(claimed)s."
    ),
    "collections.email_failed": lambda d: (
        _("E-mail to %(to)s not sent: %(error)s") if d.get("to") else _("E-mail not sent: %(error)s")
    ),
    "collections.email_cancelled": lambda d: _("E-mail not sent: every invoice it listed has been paid."),
    "task.opened": lambda d: (
        (
            _("Task for %(assignee)s, due %(due_on)s: %(title)s")
            if d.get("due_on")
            else _("Task for %(assignee)s: %(title)s")
        )
        if d.get("assignee")
        else (_("Task, due %(due_on)s: %(title)s") if d.get("due_on") else _("Task: %(title)s"))
    ),
    "import.summary": lambda d: _(
        "Import of %(file)s (%(import_kind)s): %(created)s created, %(updated)s updated, %(unchanged)s unchanged."
    ),
}


def _count(value: Any) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        return 0


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
    return str(factory(data) % data).replace("  ", " ").strip()
