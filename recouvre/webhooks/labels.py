"""The public event types as people read them."""

from __future__ import annotations

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

TYPE_LABELS: dict[str, Promise] = {
    "invoice.paid": _("Invoice paid (nothing left open)"),
    "reminder.sent": _("Reminder e-mail sent"),
    "letter.posted": _("Letter posted"),
    "dispute.opened": _("Dispute opened"),
    "dispute.resolved": _("Dispute resolved"),
    "promise.made": _("Promise to pay made"),
    "promise.kept": _("Promise to pay kept"),
    "promise.broken": _("Promise to pay broken"),
    "plan.missed": _("Payment plan instalment missed"),
    "customer.on_hold": _("Customer or invoice put on hold"),
    "proceeding.opened": _("Legal proceeding opened"),
    "webhook.test": _("Test event"),
}
