"""Securities held for a customer's debt and the amicable steps with the customer: the writes (one transaction
each, an event on the customer's timeline), the organization-scoped reads, and the facts handed to the pure
decisions of ``recouvre.core.securities`` (the legal route, the guarantor notices of C. civ. 2303, the order check,
prescription's suspension by C. civ. 2238).

A security or an amicable step of another organization is never found: every read filters by organization, and a
write given one raises ``DoesNotExist``."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from recouvre.core import securities as core
from recouvre.ledger.actors import Actor
from recouvre.ledger.models import Customer, Invoice
from recouvre.ledger.services import record_event
from recouvre.organizations.models import Organization

from .models import AmicableStep, GuarantorNotice, LegalSettings, Security

FIELDS = (
    "kind",
    "guarantor_name",
    "guarantor_kind",
    "guarantor_address",
    "guarantor_email",
    "limit",
    "starts_on",
    "ends_on",
    "notes",
)


# ------------------------------------------------------------------------------------------------- reads


def securities_of(organization: Organization, customer: Customer | None = None) -> QuerySet[Security]:
    """The organization's securities in force on the record (not removed), one customer's when given."""
    qs = Security.objects.filter(organization=organization, removed_at__isnull=True)
    if customer is not None:
        qs = qs.filter(customer=customer)
    return qs.select_related("customer").prefetch_related("invoices").order_by("customer_id", "id")


def security(organization: Organization, pk: int) -> Security:
    """One of the organization's securities, not removed (``Security.DoesNotExist`` otherwise)."""
    return securities_of(organization).get(pk=pk)


def facts_of(row: Security) -> core.SecurityFacts:
    return core.SecurityFacts(
        kind=core.SecurityKind(row.kind),
        guarantor=row.guarantor_name,
        guarantor_kind=core.GuarantorKind(row.guarantor_kind) if row.guarantor_kind else None,
        limit=row.limit,
        starts_on=row.starts_on,
        ends_on=row.ends_on,
        invoices=tuple(sorted(i.number for i in row.invoices.all())),
        id=row.pk,
    )


def customer_facts(organization: Organization, customer: Customer) -> list[core.SecurityFacts]:
    return [facts_of(s) for s in securities_of(organization, customer)]


def amicable_steps(organization: Organization, customer: Customer | None = None) -> QuerySet[AmicableStep]:
    qs = AmicableStep.objects.filter(organization=organization)
    if customer is not None:
        qs = qs.filter(customer=customer)
    return qs.select_related("customer")


def amicable_step(organization: Organization, pk: int) -> AmicableStep:
    return amicable_steps(organization).get(pk=pk)


def open_amicable_step(organization: Organization, customer: Customer, as_of: date) -> AmicableStep | None:
    """The mediation or conciliation running on ``as_of``: started by then and not ended before."""
    return (
        amicable_steps(organization, customer)
        .filter(started_on__lte=as_of)
        .exclude(ended_on__lt=as_of)
        .order_by("-started_on", "-id")
        .first()
    )


def notice_months(organization: Organization) -> int:
    row = LegalSettings.objects.filter(organization=organization).only("guarantor_notice_months").first()
    return core.DEFAULT_NOTICE_MONTHS if row is None else row.guarantor_notice_months


# ------------------------------------------------------------------------------------------------ writes


def _check_customer(organization: Organization, customer: Customer) -> None:
    if customer.organization_id != organization.pk:
        raise Customer.DoesNotExist


def _invoices(organization: Organization, customer: Customer, numbers: Iterable[str]) -> list[Invoice]:
    numbers = sorted({n.strip() for n in numbers if n.strip()})
    found = list(Invoice.objects.filter(organization=organization, customer=customer, number__in=numbers))
    missing = sorted(set(numbers) - {i.number for i in found})
    if missing:
        raise ValidationError(
            _("No invoice %(numbers)s for this customer.") % {"numbers": ", ".join(missing)}, code="invoice"
        )
    return found


def _validate(values: dict[str, Any]) -> None:
    facts = core.SecurityFacts(
        kind=core.SecurityKind(values["kind"]),
        guarantor=values.get("guarantor_name") or "",
        guarantor_kind=core.GuarantorKind(values["guarantor_kind"]) if values.get("guarantor_kind") else None,
        limit=values.get("limit"),
        starts_on=values.get("starts_on"),
        ends_on=values.get("ends_on"),
    )
    errors = core.validate(facts)
    if errors:
        raise ValidationError(errors)


def _event_data(row: Security) -> dict[str, Any]:
    return {
        "security": row.pk,
        "security_kind": row.kind,
        "guarantor": row.guarantor_name,
        "limit": row.limit if row.limit is not None else "",
        "currency": row.currency,
    }


@transaction.atomic
def add_security(
    organization: Organization,
    customer: Customer,
    *,
    actor: Actor,
    kind: str,
    invoices: Iterable[str] = (),
    **values: Any,
) -> Security:
    """Record a security for ``customer`` (for ``invoices`` by number, or the whole account)."""
    _check_customer(organization, customer)
    unknown = set(values) - set(FIELDS)
    if unknown:
        raise TypeError(f"unknown fields: {sorted(unknown)}")
    values = {k: ("" if v is None and k not in ("limit", "starts_on", "ends_on") else v) for k, v in values.items()}
    _validate({"kind": kind, **values})
    tied = _invoices(organization, customer, invoices)
    row = Security.objects.create(
        organization=organization,
        customer=customer,
        kind=kind,
        currency=organization.currency,
        author=actor.user,
        author_label=actor.label,
        **values,
    )
    if tied:
        row.invoices.set(tied)
    record_event(
        organization,
        customer,
        "legal.security_added",
        actor,
        **_event_data(row),
        invoices=", ".join(sorted(i.number for i in tied)),
    )
    return row


@transaction.atomic
def edit_security(row: Security, *, actor: Actor, invoices: Iterable[str] | None = None, **changes: Any) -> Security:
    """Change a security's recorded facts (those given); ``invoices`` replaces the invoices it secures."""
    unknown = set(changes) - set(FIELDS)
    if unknown:
        raise TypeError(f"unknown fields: {sorted(unknown)}")
    row = Security.objects.select_for_update().get(pk=row.pk, removed_at__isnull=True)
    before = {name: getattr(row, name) for name in FIELDS}
    after = {
        **before,
        **{k: ("" if v is None and k not in ("limit", "starts_on", "ends_on") else v) for k, v in changes.items()},
    }
    _validate(after)
    changed = sorted(name for name in FIELDS if after[name] != before[name])
    old_numbers = sorted(i.number for i in row.invoices.all())
    tied = None
    if invoices is not None:
        tied = _invoices(row.organization, row.customer, invoices)
        if sorted(i.number for i in tied) != old_numbers:
            changed.append("invoices")
    if not changed:
        return row
    for name in FIELDS:
        setattr(row, name, after[name])
    row.save()
    if tied is not None:
        row.invoices.set(tied)
    record_event(
        row.organization,
        row.customer,
        "legal.security_changed",
        actor,
        **_event_data(row),
        changes=changed,
    )
    return row


@transaction.atomic
def remove_security(row: Security, *, actor: Actor) -> Security:
    """Take a security off the record (it no longer counts); the row stays for the timeline."""
    row = Security.objects.select_for_update().get(pk=row.pk, removed_at__isnull=True)
    row.removed_at = timezone.now()
    row.save(update_fields=["removed_at"])
    record_event(row.organization, row.customer, "legal.security_removed", actor, **_event_data(row))
    return row


@transaction.atomic
def record_guarantor_notice(row: Security, invoice: Invoice, *, actor: Actor, informed_on: date) -> GuarantorNotice:
    """The natural-person guarantor of ``row`` was informed on ``informed_on`` of the payment incident of
    ``invoice`` (C. civ. 2303). Once per security and incident: a second time changes nothing."""
    if invoice.organization_id != row.organization_id or invoice.customer_id != row.customer_id:
        raise Invoice.DoesNotExist
    found = GuarantorNotice.objects.filter(security=row, invoice=invoice).first()
    if found is not None:
        return found
    notice = GuarantorNotice.objects.create(
        organization=row.organization,
        security=row,
        invoice=invoice,
        informed_on=informed_on,
        author=actor.user,
        author_label=actor.label,
    )
    record_event(
        row.organization,
        row.customer,
        "legal.guarantor_informed",
        actor,
        security=row.pk,
        guarantor=row.guarantor_name,
        invoice=invoice.number,
        informed_on=informed_on,
    )
    return notice


@transaction.atomic
def start_amicable_step(
    organization: Organization,
    customer: Customer,
    *,
    actor: Actor,
    kind: str,
    started_on: date,
    mediator: str = "",
    note: str = "",
) -> AmicableStep:
    """Record a mediation or conciliation agreed (or first met) on ``started_on``: prescription is suspended from
    then (C. civ. 2238). The Médiateur des entreprises is for professional debtors only."""
    _check_customer(organization, customer)
    errors = core.amicable_refusals(
        core.AmicableKind(kind),
        professional_debtor=customer.kind != "consumer",
        started_on=started_on,
        ended_on=None,
    )
    if open_amicable_step(organization, customer, started_on) is not None:
        errors.append(_("A mediation or conciliation is already running: record its end first."))
    if errors:
        raise ValidationError(errors)
    step = AmicableStep.objects.create(
        organization=organization,
        customer=customer,
        kind=kind,
        started_on=started_on,
        mediator=mediator,
        note=note,
        author=actor.user,
        author_label=actor.label,
    )
    record_event(
        organization,
        customer,
        "legal.amicable_started",
        actor,
        step=step.pk,
        step_kind=kind,
        started_on=started_on,
        mediator=mediator,
    )
    return step


@transaction.atomic
def end_amicable_step(
    step: AmicableStep, *, actor: Actor, ended_on: date, outcome: str, note: str = ""
) -> AmicableStep:
    """Record the end of a mediation or conciliation: prescription runs again, for at least six months (2238)."""
    step = AmicableStep.objects.select_for_update().get(pk=step.pk)
    if step.ended_on is not None:
        raise ValidationError(_("This step has already ended."))
    if ended_on < step.started_on:
        raise ValidationError(_("The end date is before the start date."))
    step.ended_on = ended_on
    step.outcome = outcome
    if note:
        step.note = f"{step.note}\n{note}".strip()
    step.save(update_fields=["ended_on", "outcome", "note"])
    record_event(
        step.organization,
        step.customer,
        "legal.amicable_ended",
        actor,
        step=step.pk,
        step_kind=step.kind,
        started_on=step.started_on,
        ended_on=ended_on,
        outcome=outcome,
    )
    return step


# -------------------------------------------------------------------------------- C. civ. 2303 reminders


@dataclass(frozen=True)
class GuarantorReminder:
    security: Security
    invoice_id: int
    invoice_number: str
    incident_due_on: date
    inform_by: date
    open_amount: Decimal


def guarantor_reminders(
    organization: Organization, today: date, *, customer: Customer | None = None
) -> list[GuarantorReminder]:
    """The natural-person guarantors to inform of the debtor's first payment incident not remedied (C. civ. 2303):
    one per security and incident, until a user records that the guarantor was informed. Three queries."""
    rows = [
        s
        for s in securities_of(organization, customer).filter(
            kind__in=[core.SecurityKind.CAUTION_SIMPLE, core.SecurityKind.CAUTION_SOLIDAIRE],
            guarantor_kind=core.GuarantorKind.NATURAL_PERSON,
        )
    ]
    if not rows:
        return []
    customer_ids = {s.customer_id for s in rows}
    items: dict[int, list[tuple[int, core.OpenItem]]] = {}
    for pk, customer_id, number, due_on, open_amount in (
        Invoice.objects.filter(
            organization=organization, customer_id__in=customer_ids, open_amount__gt=0, due_on__lt=today
        )
        .order_by()
        .values_list("pk", "customer_id", "number", "due_on", "open_amount")
    ):
        items.setdefault(customer_id, []).append((pk, core.OpenItem(number, due_on, open_amount)))
    done = set(
        GuarantorNotice.objects.filter(organization=organization, security__in=rows).values_list(
            "security_id", "invoice_id"
        )
    )
    months = notice_months(organization)
    out = []
    for row in rows:
        facts = facts_of(row)
        found = items.get(row.customer_id, [])
        incident = core.first_incident(facts, (item for _pk, item in found), today)
        if incident is None:
            continue
        pk = next(pk for pk, item in found if item is incident)
        if (row.pk, pk) in done:
            continue
        out.append(
            GuarantorReminder(
                row,
                pk,
                incident.number,
                incident.due_on,
                core.guarantor_notice_due_on(incident.due_on, months),
                incident.open_amount,
            )
        )
    return out
