"""``{% legal_customer_panel customer %}`` (customer page) and ``{% legal_invoice_panel invoice %}`` (invoice page):
prescription dates with their alerts, insolvency proceedings and the claim declaration, acknowledgments of debt,
write-offs with the VAT recovery note (and their reversal), and the forms for members who may act."""

from __future__ import annotations

from typing import Any

from django import template
from django.utils.translation import gettext as _

from recouvre.core import prescription as core
from recouvre.core.insolvency import debt_statement_contest_deadline, retention_of_title_deadline
from recouvre.legal import writeoffs
from recouvre.legal.insolvency import claims, customer_procedures
from recouvre.legal.models import Acknowledgment
from recouvre.legal.prescription import invoices_prescription, options

from .. import legal_forms
from ..views.common import today

register = template.Library()

SHOWN = 20


def _alert_label(alert: str) -> str:
    return {
        "6m": _("within 6 months"),
        "3m": _("within 3 months"),
        "1m": _("within a month"),
        "overdue": _("time-barred"),
        "open": _("to do"),
        "15d": _("within 15 days"),
        "7d": _("within 7 days"),
    }.get(alert, "")


def _event_label(event: core.Event | None) -> str:
    if event is None:
        return ""
    return {
        core.EventKind.ACKNOWLEDGMENT: _("acknowledgment of debt"),
        core.EventKind.PAYMENT_PLAN: _("signed payment plan"),
        core.EventKind.PARTIAL_PAYMENT: _("partial payment"),
        core.EventKind.LEGAL_ACTION: _("court claim"),
        core.EventKind.INSOLVENCY_DECLARATION: _("claim declared in insolvency"),
    }.get(event.kind, "")


def _rule(org: Any) -> str:
    opts = options(org)
    if opts.start is core.Start.DUE_DATE:
        return _("Counted from the due date (your setting).")
    if opts.performance_margin_days:
        return _(
            "Counted from %(days)s days before the invoice date, taken as the day the work was done (your setting)."
        ) % {"days": opts.performance_margin_days}
    return _(
        "Counted from the invoice date, taken as the day the work was done: courts count from the performance, so "
        "set a margin if you invoice well after delivering."
    )


def _can(context: Any, permission: str) -> bool:
    membership = getattr(context["request"], "membership", None)
    return membership is not None and membership.can(permission)


def _rows(items: list[Any], as_of: Any) -> list[dict[str, Any]]:
    return [
        {
            "invoice_id": p.invoice_id,
            "number": p.number,
            "limit_on": p.result.limit_on,
            "running_from": p.result.running_from,
            "interrupted_by": _event_label(p.result.interrupted_by),
            "suspended_by": p.result.suspended_by is not None,
            "mediation_running": p.result.limit_on is None
            and p.result.suspended_by is not None
            and (p.result.interrupted_by is None or p.result.interrupted_by.kind not in core.LASTING),
            "alert": p.result.alert(as_of),
            "alert_label": _alert_label(p.result.alert(as_of)),
        }
        for p in items
    ]


@register.inclusion_tag("web/_legal_customer.html", takes_context=True)
def legal_customer_panel(context: Any, customer: Any) -> dict[str, Any]:
    request = context["request"]
    org = request.organization
    as_of = today()
    items = sorted(
        invoices_prescription(org, customer=customer),
        key=lambda p: (p.result.limit_on is None, p.result.limit_on or as_of, p.number),
    )
    procedures = customer_procedures(org, customer)
    for p in procedures:
        due_on = p.declaration_due_on
        p.alert = (  # type: ignore[attr-defined]
            core.declaration_alert(due_on, as_of, declared=p.declared_on is not None) if due_on is not None else ""
        )
        p.alert_label = _alert_label(p.alert)  # type: ignore[attr-defined]
        p.relief_on = (  # type: ignore[attr-defined]
            core.foreclosure_relief_deadline(p.published_on) if p.published_on is not None else None
        )
        p.title_on = (  # type: ignore[attr-defined]
            retention_of_title_deadline(p.published_on) if p.published_on and not p.over_indebtedness else None
        )
        p.contest_on = (  # type: ignore[attr-defined]
            debt_statement_contest_deadline(p.debt_statement_received_on) if p.debt_statement_received_on else None
        )
        p.claims = claims(p) if p.declared_on is None and not p.over_indebtedness else None  # type: ignore[attr-defined]
        p.update_form = (  # type: ignore[attr-defined]
            legal_forms.ProcedureUpdateForm(procedure=p, auto_id=f"upd{p.pk}_%s") if _can(context, "edit") else None
        )
    can_edit = _can(context, "edit")
    from recouvre.watch.models import Announcement
    from recouvre.watch.services import siren_of, state_of

    return {
        "customer": customer,
        "announcements": Announcement.objects.filter(organization=org, customer=customer).select_related("hold"),
        "watch_state": state_of(org),
        "watch_siren": siren_of(customer),
        "as_of": as_of,
        "rows": _rows(items[:SHOWN], as_of),
        "truncated": len(items) > SHOWN,
        "rule": _rule(org),
        "procedures": procedures,
        "acknowledgments": Acknowledgment.objects.filter(organization=org, customer=customer).select_related("invoice"),
        "can_edit": can_edit,
        "procedure_form": legal_forms.ProcedureForm(auto_id="proc_%s") if can_edit else None,
        "declare_form": legal_forms.DeclareForm(auto_id="decl_%s", initial={"declared_on": as_of})
        if can_edit
        else None,
        "close_form": legal_forms.CloseProcedureForm(auto_id="close_%s") if can_edit else None,
        "ack_form": legal_forms.AcknowledgmentForm(auto_id="ack_%s", initial={"acknowledged_on": as_of})
        if can_edit
        else None,
        "can_manage": _can(context, "manage_collections"),
        "csrf_token": context.get("csrf_token"),
    }


@register.inclusion_tag("web/_legal_invoice.html", takes_context=True)
def legal_invoice_panel(context: Any, invoice: Any) -> dict[str, Any]:
    request = context["request"]
    org = request.organization
    as_of = today()
    rows = _rows(invoices_prescription(org, invoice_ids=[invoice.pk]), as_of)
    records = writeoffs.invoice_write_offs(invoice)
    can_approve = _can(context, "approve")
    for w in records:
        w.reverse_form = (  # type: ignore[attr-defined]
            legal_forms.ReverseWriteOffForm(auto_id=f"rev{w.pk}_%s") if can_approve and not w.reversed else None
        )
    notes = [(w, None if w.reversed else writeoffs.vat_note(w)) for w in records]
    can_edit = _can(context, "edit")
    can_write_off = can_approve and invoice.open_amount > 0
    return {
        "invoice": invoice,
        "row": rows[0] if rows else None,
        "rule": _rule(org),
        "write_offs": notes,
        "can_edit": can_edit and invoice.open_amount > 0,
        "ack_form": legal_forms.AcknowledgmentForm(auto_id="iack_%s", initial={"acknowledged_on": as_of})
        if can_edit
        else None,
        "can_write_off": can_write_off,
        "write_off_form": legal_forms.WriteOffForm(auto_id="wo_%s", initial={"written_off_on": as_of})
        if can_write_off
        else None,
        "csrf_token": context.get("csrf_token"),
    }
