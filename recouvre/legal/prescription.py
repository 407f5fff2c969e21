"""Prescription of an organization's open invoices (``recouvre.core.prescription`` decides; this module gathers the
facts recorded in Recouvre, in one query per kind of fact whatever the number of invoices), and the record of an
acknowledgment of debt by the debtor.

Facts that interrupt: acknowledgments (``Acknowledgment``), signed payment plans (``collections.PaymentPlan``
``signed_on``, over its invoices), payments allocated to the invoice (the day they were received), claims declared in
insolvency proceedings (``InsolvencyProcedure.declared_on``, for the invoices issued before the opening judgment, until
the procedure is closed), mediations and conciliations (``AmicableStep``: they suspend, C. civ. 2238, the prescription
of the customer's invoices issued by the day they started) and court claims (``legal_action_events``: the
``recouvre.proceedings`` app's ``Proceeding.filed_on`` when that app is installed), except an order for payment that was
not served within its deadline (CPC 1411: 6 months, 3 under décret 2026-96): it is void (*non avenue*) and its request
no longer interrupts (C. civ. 2243). Reminders and formal notices are never fed to the computation: they do not
interrupt."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from typing import Any

from django.apps import apps
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from recouvre.collections.models import PaymentPlan, PlanStatus
from recouvre.core import prescription as core
from recouvre.core import routes
from recouvre.ledger.actors import Actor
from recouvre.ledger.models import Allocation, Customer, Invoice
from recouvre.ledger.services import record_event
from recouvre.organizations.models import Organization

from .models import Acknowledgment, AmicableStep, InsolvencyProcedure, LegalSettings

DEBTOR_OF_CUSTOMER = {
    "business": core.DebtorKind.BUSINESS,
    "consumer": core.DebtorKind.CONSUMER,
    "public": core.DebtorKind.PUBLIC,
}


@dataclass(frozen=True, slots=True)
class InvoicePrescription:
    invoice_id: int
    customer_id: int
    number: str
    result: core.Prescription


def options(organization: Organization) -> core.Options:
    """The organization's prescription options (``LegalSettings``), else the defaults."""
    row = LegalSettings.objects.filter(organization=organization).first()
    if row is None:
        return core.DEFAULT_OPTIONS
    return core.Options(
        start=core.Start(row.prescription_start),
        performance_margin_days=row.performance_margin_days,
        public_rule=row.public_rule,
    )


def legal_action_events(
    organization: Organization, customer_ids: Iterable[int], *, as_of: date | None = None
) -> dict[int, list[core.Event]]:
    """Court claims by customer id. Hook on ``recouvre.proceedings``: when that app is installed and its
    ``Proceeding`` model has ``organization``, ``customer`` and ``filed_on``, each filed proceeding interrupts the
    prescription of the customer's invoices until it ends (``ended_on`` or ``closed_on`` when the model has one),
    unless it was rejected or, for an order for payment, the order was not served within its deadline by ``as_of``
    (default today; CPC 1411)."""
    if not apps.is_installed("recouvre.proceedings"):
        return {}
    try:
        model: Any = apps.get_model("proceedings", "Proceeding")
    except LookupError:
        return {}
    fields = {f.name for f in model._meta.get_fields()}
    if not {"organization", "customer", "filed_on"} <= fields:
        return {}
    end = next((name for name in ("ended_on", "closed_on") if name in fields), None)
    out: dict[int, list[core.Event]] = defaultdict(list)
    rows = model.objects.filter(organization=organization, customer_id__in=list(customer_ids), filed_on__isnull=False)
    if "status" in fields:
        rows = rows.exclude(status="rejected")  # a claim definitively rejected does not interrupt (C. civ. 2243)
    today = as_of or timezone.localdate()
    for row in rows:
        order_on, served_on = getattr(row, "order_on", None), getattr(row, "served_on", None)
        if (
            getattr(row, "route", "") == routes.Route.INJONCTION
            and order_on is not None
            and routes.order_lapsed(order_on, served_on, short=bool(getattr(row, "short_service", False)), today=today)
        ):
            continue  # a void order (non avenue, CPC 1411): its request no longer interrupts (C. civ. 2243)
        ends_on = getattr(row, end) if end else None
        out[row.customer_id].append(core.Event(row.filed_on, core.EventKind.LEGAL_ACTION, ends_on=ends_on))
    return out


def invoices_prescription(
    organization: Organization,
    *,
    issued_until: date | None = None,
    issued_until_by_kind: dict[str, date] | None = None,
    customer: Customer | None = None,
    invoice_ids: Iterable[int] | None = None,
    as_of: date | None = None,
) -> list[InvoicePrescription]:
    """The limitation date of the organization's open invoices (all, those issued on or before ``issued_until``
    or, per kind of customer, ``issued_until_by_kind``, one customer's, or some by id), with every interruption and
    suspension recorded as it stands on ``as_of`` (default today: an order for payment left unserved past its
    deadline no longer interrupts). Seven queries, whatever the number."""
    qs = Invoice.objects.filter(organization=organization, open_amount__gt=0)
    if issued_until is not None:
        qs = qs.filter(issued_on__lte=issued_until)
    if issued_until_by_kind is not None:
        # a kind not listed: the earliest of the dates given
        by_kind = Q(issued_on__lte=min(issued_until_by_kind.values())) & ~Q(
            customer__kind__in=list(issued_until_by_kind)
        )
        for kind, until in issued_until_by_kind.items():
            by_kind |= Q(customer__kind=kind, issued_on__lte=until)
        qs = qs.filter(by_kind)
    if customer is not None:
        qs = qs.filter(customer=customer)
    if invoice_ids is not None:
        qs = qs.filter(id__in=list(invoice_ids))
    rows = list(qs.order_by().values_list("id", "customer_id", "number", "issued_on", "due_on", "customer__kind"))
    if not rows:
        return []
    ids = [r[0] for r in rows]
    customer_ids = sorted({r[1] for r in rows})
    by_invoice: dict[int, list[core.Event]] = defaultdict(list)
    by_customer: dict[int, list[tuple[date, core.Event]]] = defaultdict(list)  # (issued on or before, event)

    payments = Allocation.objects.filter(
        organization=organization, invoice_id__in=ids, payment__isnull=False
    ).values_list("invoice_id", "payment__received_on")
    for invoice_id, received_on in payments:
        by_invoice[invoice_id].append(core.Event(received_on, core.EventKind.PARTIAL_PAYMENT))

    plans = (
        PaymentPlan.invoices.through.objects.filter(invoice_id__in=ids, paymentplan__organization=organization)
        .exclude(paymentplan__status=PlanStatus.DRAFT)
        .values_list("invoice_id", "paymentplan__signed_on")
    )
    for invoice_id, signed_on in plans:
        by_invoice[invoice_id].append(core.Event(signed_on, core.EventKind.PAYMENT_PLAN))

    acks = Acknowledgment.objects.filter(organization=organization, customer_id__in=customer_ids).values_list(
        "customer_id", "invoice_id", "acknowledged_on"
    )
    for customer_id, invoice_id, on in acks:
        event = core.Event(on, core.EventKind.ACKNOWLEDGMENT)
        if invoice_id is not None:
            by_invoice[invoice_id].append(event)
        else:
            by_customer[customer_id].append((on, event))

    declared = InsolvencyProcedure.objects.filter(
        organization=organization, customer_id__in=customer_ids, declared_on__isnull=False
    ).values_list("customer_id", "judgment_on", "declared_on", "closed_on")
    for customer_id, judgment_on, declared_on, closed_on in declared:
        event = core.Event(declared_on, core.EventKind.INSOLVENCY_DECLARATION, ends_on=closed_on)
        by_customer[customer_id].append((judgment_on, event))

    steps = AmicableStep.objects.filter(organization=organization, customer_id__in=customer_ids).values_list(
        "customer_id", "started_on", "ended_on"
    )
    for customer_id, started_on, ended_on in steps:
        by_customer[customer_id].append((started_on, core.Event(started_on, core.EventKind.AMICABLE, ends_on=ended_on)))

    for customer_id, events in legal_action_events(organization, customer_ids, as_of=as_of).items():
        by_customer[customer_id].extend((e.on, e) for e in events)

    opts = options(organization)
    out = []
    for invoice_id, customer_id, number, issued_on, due_on, kind in rows:
        events = list(by_invoice.get(invoice_id, ()))
        events += [e for until, e in by_customer.get(customer_id, ()) if issued_on <= until]
        facts = core.ClaimFacts(
            DEBTOR_OF_CUSTOMER.get(kind, core.DebtorKind.BUSINESS), issued_on, due_on, events=tuple(events)
        )
        out.append(InvoicePrescription(invoice_id, customer_id, number, core.compute(facts, opts)))
    return out


@transaction.atomic
def record_acknowledgment(
    organization: Organization,
    customer: Customer,
    *,
    actor: Actor,
    acknowledged_on: date,
    invoice: Invoice | None = None,
    evidence: str = "",
    note: str = "",
) -> Acknowledgment:
    """The debtor acknowledged the debt on ``acknowledged_on`` — of ``invoice``, or of all its invoices issued by
    then: a new prescription period starts that day (C. civ. 2240)."""
    if customer.organization_id != organization.pk or (
        invoice is not None and (invoice.organization_id != organization.pk or invoice.customer_id != customer.pk)
    ):
        raise Customer.DoesNotExist
    ack = Acknowledgment.objects.create(
        organization=organization,
        customer=customer,
        invoice=invoice,
        acknowledged_on=acknowledged_on,
        evidence=evidence,
        note=note,
        author=actor.user,
        author_label=actor.label,
    )
    record_event(
        organization,
        customer,
        "legal.debt_acknowledged",
        actor,
        acknowledgment=ack.pk,
        acknowledged_on=acknowledged_on,
        invoice=invoice.number if invoice is not None else "",
        evidence=evidence,
    )
    return ack
