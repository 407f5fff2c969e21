"""A notification's text in the reader's language, written when it is shown from its kind and its facts."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.utils.translation import get_language
from django.utils.translation import gettext as _

from .models import NotificationKind


def _money(amount: Any, currency: str) -> str:
    from recouvre.collections.rendering import format_amount

    try:
        value = Decimal(str(amount))
    except ArithmeticError:
        return str(amount)
    return format_amount(value, currency or "EUR", "fr" if (get_language() or "fr").startswith("fr") else "en")


def _reason(code: str) -> str:
    from recouvre.collections.models import DisputeReason

    try:
        return str(DisputeReason(code).label)
    except ValueError:
        return code


def text(kind: str, data: dict[str, Any]) -> str:
    d = {k: "" if v is None else v for k, v in data.items()}
    customer = d.get("customer", "")
    if kind == NotificationKind.MENTION:
        if d.get("invoice"):
            return _("%(author)s mentioned you in a note on invoice %(invoice)s of %(customer)s: %(excerpt)s") % {
                "author": d.get("author", ""),
                "invoice": d["invoice"],
                "customer": customer,
                "excerpt": d.get("excerpt", ""),
            }
        return _("%(author)s mentioned you in a note on %(customer)s: %(excerpt)s") % {
            "author": d.get("author", ""),
            "customer": customer,
            "excerpt": d.get("excerpt", ""),
        }
    if kind == NotificationKind.TASK_ASSIGNED:
        if d.get("by"):
            return _("%(by)s gave you a task about %(customer)s: %(title)s") % {
                "by": d["by"],
                "customer": customer,
                "title": d.get("title", ""),
            }
        return _("New task for you about %(customer)s: %(title)s") % {"customer": customer, "title": d.get("title", "")}
    if kind == NotificationKind.TASK_DUE:
        return _("Task due today about %(customer)s: %(title)s") % {"customer": customer, "title": d.get("title", "")}
    if kind == NotificationKind.PROMISE_DUE:
        return _("%(customer)s promised to pay %(amount)s by today.") % {
            "customer": customer,
            "amount": _money(d.get("amount", ""), d.get("currency", "")),
        }
    if kind == NotificationKind.REPLY:
        return _("%(customer)s replied: %(subject)s") % {
            "customer": customer,
            "subject": d.get("subject") or _("(no subject)"),
        }
    if kind == NotificationKind.DISPUTE:
        return _("New dispute from %(customer)s on invoice %(invoice)s, %(amount)s: %(reason)s") % {
            "customer": customer,
            "invoice": d.get("invoice", ""),
            "amount": _money(d.get("amount", ""), d.get("currency", "")),
            "reason": _reason(str(d.get("reason_code", ""))),
        }
    return str(d.get("text", ""))
