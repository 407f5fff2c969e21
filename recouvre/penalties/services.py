"""Writes: claiming penalties, applying a payment to principal and penalties in the organization's order, waiving,
issuing a penalty invoice, and the organization's settings. Each in one transaction, each leaving a timeline event.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from datetime import date, timedelta
from decimal import Decimal

from django.db import transaction
from django.db.models import Max, Sum
from django.utils.translation import gettext as _

from recouvre.collections.models import Hold, HoldKind
from recouvre.core.lawtexts import for_customer
from recouvre.core.raterules import describe_open_periods
from recouvre.ledger.actors import Actor
from recouvre.ledger.models import Customer, Invoice, Payment
from recouvre.ledger.services import allocate, record_event
from recouvre.legal.selectors import invoices_interest
from recouvre.organizations.models import Organization
from recouvre.tasks.settled import close_settled_tasks

from .models import (
    ZERO,
    AllocationOrder,
    CustomerSector,
    PenaltyClaim,
    PenaltyInvoice,
    PenaltyPayment,
    PenaltySettings,
    PenaltyWaiver,
)


class PenaltyRefused(ValueError):
    """What was asked cannot be done; the message says why, for a person."""


def settings_of(organization: Organization) -> PenaltySettings:
    return PenaltySettings.objects.get_or_create(organization=organization)[0]


def _insolvent(organization: Organization, customer_ids: Iterable[int], as_of: date) -> set[int]:
    """Customers under insolvency proceedings on ``as_of``: neither penalties nor the indemnity can be invoked
    (C. com. L441-10 II, last sentence)."""
    return set(
        Hold.objects.filter(
            organization=organization,
            customer_id__in=list(customer_ids),
            kind=HoldKind.INSOLVENCY,
            starts_on__lte=as_of,
            released_at__isnull=True,
        ).values_list("customer_id", flat=True)
    )


def _rejected(organization: Organization, invoice_ids: Iterable[int], as_of: date) -> set[int]:
    """Invoices whose e-invoice a platform rejected (status 213), not lifted on ``as_of``: not validly issued, so
    nothing is owed on them yet, penalties included."""
    return set(
        Hold.objects.filter(
            organization=organization,
            invoice_id__in=list(invoice_ids),
            kind=HoldKind.EINVOICE_REJECTED,
            starts_on__lte=as_of,
            released_at__isnull=True,
        ).values_list("invoice_id", flat=True)
    )


@transaction.atomic
def claim_penalties(
    organization: Organization,
    invoices: Iterable[Invoice],
    *,
    as_of: date,
    actor: Actor,
    source: str = "",
    notices: Mapping[int, date] | None = None,
) -> list[PenaltyClaim]:
    """Record, for each of ``invoices`` (the organization's), the interest to ``as_of`` and the 40 EUR indemnity
    as claimed penalties, apart from the principal. An invoice already claimed gets only the interest accrued
    after its last claim's day (the indemnity is never counted twice); nothing is recorded for an invoice with
    nothing new to claim, one whose interest cannot be computed (a consumer without a *mise en demeure* date in
    ``notices``, a half-year missing from the rate tables...), a customer under insolvency proceedings, or an
    invoice whose e-invoice a platform rejected (status 213).
    ``source`` says what asked for it (e.g. "formal_notice"). Returns the claims recorded."""
    ids = [invoice.id for invoice in invoices]
    # one claim at a time per invoice: the lock makes a concurrent claim wait and then see this one
    locked = list(
        Invoice.objects.select_for_update()
        .filter(organization=organization, id__in=ids)
        .select_related("customer")
        .order_by("id")
    )
    last_day = {
        row["invoice_id"]: row["last"]
        for row in PenaltyClaim.objects.filter(organization=organization, invoice_id__in=ids)
        .values("invoice_id")
        .annotate(last=Max("interest_to"))
    }
    insolvent = _insolvent(organization, {i.customer_id for i in locked}, as_of)
    rejected = _rejected(organization, ids, as_of)
    wanted = [
        i
        for i in locked
        if i.customer_id not in insolvent and i.id not in rejected and (last_day.get(i.id) or date.min) < as_of
    ]
    computed = invoices_interest(organization, [i.id for i in wanted], as_of, notices=notices, since=last_day)
    results = dict(computed.results)
    # Days whose rate is not published yet are not claimed now: the claim stops the day before the first of them,
    # and its rule is kept with the claim (to be completed); a later claim takes them once the rate is in.
    claimed_to: dict[int, date] = {}
    open_rules: dict[int, dict[str, list[str]]] = {}
    for invoice_id, result in computed.results.items():
        if result.open_periods:
            claimed_to[invoice_id] = result.open_periods[0].start - timedelta(days=1)
            open_rules[invoice_id] = {lang: describe_open_periods(result.open_periods, lang) for lang in ("fr", "en")}
    for cutoff in sorted(set(claimed_to.values())):
        ids = [i for i, day in claimed_to.items() if day == cutoff]
        partial = invoices_interest(organization, ids, cutoff, notices=notices, since=last_day)
        for invoice_id in ids:
            found = partial.results.get(invoice_id)
            whole = computed.results[invoice_id]
            if found is not None and not found.periods and whole.indemnity and not found.indemnity:
                # no day computed yet: the indemnity, which never depends on a rate, is claimed alone
                found = replace(found, indemnity=whole.indemnity, extra_costs=whole.extra_costs)
            if found is None or (found.penalties <= 0 and (last_day.get(invoice_id) or date.min) >= cutoff):
                results.pop(invoice_id, None)
            else:
                results[invoice_id] = found
    # the indemnity is claimed once per invoice, whatever the windows of its claims
    indemnified = set(
        PenaltyClaim.objects.filter(
            organization=organization, invoice_id__in=list(results), indemnity__gt=0
        ).values_list("invoice_id", flat=True)
    )
    for invoice_id in indemnified & set(results):
        results[invoice_id] = replace(results[invoice_id], indemnity=ZERO, extra_costs=ZERO)
    claims: list[PenaltyClaim] = []
    for invoice in wanted:
        result = results.get(invoice.id)
        if result is None or result.penalties <= 0:
            continue
        periods = [p.as_dict() for p in result.periods]
        claim = PenaltyClaim.objects.create(
            organization=organization,
            customer=invoice.customer,
            invoice=invoice,
            claimed_on=as_of,
            interest_from=result.periods[0].start if result.periods else None,
            interest_to=max(claimed_to.get(invoice.id, as_of), last_day.get(invoice.id) or date.min),
            currency=invoice.currency,
            interest=result.interest,
            indemnity=result.indemnity,
            extra_costs=result.extra_costs,
            amount=result.penalties,
            basis={
                "principal": str(result.principal),
                "periods": periods,
                "notes": [n.as_dict() for n in result.notes],
                "exact_interest": str(result.exact_interest),
                "since": last_day[invoice.id].isoformat() if invoice.id in last_day else None,
                "open_rules": open_rules.get(invoice.id, {}),
            },
            source=source,
            actor=actor.user,
            actor_label=actor.label,
        )
        record_event(
            organization,
            invoice.customer,
            "penalties.claimed",
            actor,
            invoice=invoice.number,
            interest=result.interest,
            indemnity=result.indemnity,
            amount=result.penalties,
            currency=invoice.currency,
            as_of=as_of,
        )
        claims.append(claim)
    return claims


# ------------------------------------------------------------------------------------------------ payments


def payment_available(payment: Payment) -> Decimal:
    """What of ``payment`` is applied neither to invoices nor to penalties."""
    to_penalties = PenaltyPayment.objects.filter(payment=payment).aggregate(s=Sum("amount"))["s"] or ZERO
    unallocated = Payment.objects.filter(pk=payment.pk).values_list("unallocated_amount", flat=True).get()
    return unallocated - to_penalties


@dataclass(slots=True)
class PaymentSplit:
    """How a payment was applied: to invoices (number, amount) and to claimed penalties (invoice number, amount);
    ``steps`` both in the order applied, as ("principal" or "penalties", invoice number, amount); ``left`` is what
    remains unapplied."""

    principal: list[tuple[str, Decimal]] = field(default_factory=list)
    penalties: list[tuple[str, Decimal]] = field(default_factory=list)
    steps: list[tuple[str, str, Decimal]] = field(default_factory=list)
    left: Decimal = ZERO


@transaction.atomic
def apply_payment(
    organization: Organization, payment: Payment, *, actor: Actor, order: str | None = None
) -> PaymentSplit:
    """Apply what is left of ``payment`` to its customer's open invoices (principal) and open claimed penalties,
    in ``order`` (default: the organization's setting, principal first unless changed):

    - principal first: invoices by due date, then claims by date;
    - penalties first: claims by date, then invoices by due date;
    - oldest first: invoices at their due date and claims at their date, together, oldest first (an invoice
      before the claim of the same day).

    Only items in the payment's currency. A claim fully paid is closed (``penalties.settled`` on the timeline)."""
    payment = Payment.objects.select_for_update().get(organization=organization, pk=payment.pk)
    order = order or settings_of(organization).allocation_order
    left = payment_available(payment)
    split = PaymentSplit()
    if left <= 0:
        return split
    invoices = list(
        Invoice.objects.select_for_update()
        .filter(
            organization=organization, customer_id=payment.customer_id, currency=payment.currency, open_amount__gt=0
        )
        .order_by("due_on", "number", "id")
    )
    claims = list(
        PenaltyClaim.objects.select_for_update()
        .filter(
            organization=organization, customer_id=payment.customer_id, currency=payment.currency, open_amount__gt=0
        )
        .select_related("invoice")
        .order_by("claimed_on", "id")
    )
    items: list[tuple[date, int, Invoice | PenaltyClaim]]
    if order == AllocationOrder.PENALTIES_FIRST:
        items = [(c.claimed_on, 0, c) for c in claims] + [(i.due_on, 1, i) for i in invoices]
    elif order == AllocationOrder.OLDEST_FIRST:
        items = sorted(
            [(i.due_on, 0, i) for i in invoices] + [(c.claimed_on, 1, c) for c in claims], key=lambda t: (t[0], t[1])
        )
    else:
        items = [(i.due_on, 0, i) for i in invoices] + [(c.claimed_on, 1, c) for c in claims]
    for _day, _rank, item in items:
        if left <= 0:
            break
        if isinstance(item, Invoice):
            amount = min(left, item.open_amount)
            allocate(actor, invoice=item, amount=amount, payment=payment)
            split.principal.append((item.number, amount))
            split.steps.append(("principal", item.number, amount))
        else:
            amount = min(left, item.open_amount)
            PenaltyPayment.objects.create(
                organization=organization, claim=item, payment=payment, amount=amount, paid_on=payment.received_on
            )
            item.paid_amount += amount
            item.save(update_fields=["paid_amount"])
            item.refresh_from_db(fields=["open_amount"])
            record_event(
                organization,
                item.customer,
                "penalties.paid",
                actor,
                invoice=item.invoice.number,
                amount=amount,
                currency=item.currency,
                received_on=payment.received_on,
            )
            if item.open_amount == 0:
                record_event(organization, item.customer, "penalties.settled", actor, invoice=item.invoice.number)
            split.penalties.append((item.invoice.number, amount))
            split.steps.append(("penalties", item.invoice.number, amount))
        left -= amount
    split.left = left
    if split.principal:
        # Calls and escalation steps about invoices this payment settled are closed.
        customer = Customer.objects.get(pk=payment.customer_id)
        close_settled_tasks(organization, actor=actor, customers=[customer])
    return split


# ------------------------------------------------------------------------------------------------- waivers


@transaction.atomic
def waive_penalties(
    claim: PenaltyClaim,
    *,
    reason: str,
    actor: Actor,
    on: date,
    amount: Decimal | None = None,
) -> PenaltyWaiver:
    """Give up ``amount`` (default: all that is open) of a claim, for ``reason``. Refused without a reason, for
    nothing, or beyond what is open."""
    claim = PenaltyClaim.objects.select_for_update().select_related("invoice", "customer").get(pk=claim.pk)
    reason = reason.strip()
    if not reason:
        raise PenaltyRefused(_("say why the penalties are waived"))
    amount = claim.open_amount if amount is None else amount
    if amount <= 0:
        raise PenaltyRefused(_("nothing to waive: the amount must be more than zero"))
    if amount > claim.open_amount:
        raise PenaltyRefused(
            _("only %(open)s %(currency)s of these penalties are still open")
            % {"open": claim.open_amount, "currency": claim.currency}
        )
    waiver = PenaltyWaiver.objects.create(
        organization=claim.organization,
        claim=claim,
        amount=amount,
        reason=reason,
        waived_on=on,
        actor=actor.user,
        actor_label=actor.label,
    )
    claim.waived_amount += amount
    claim.save(update_fields=["waived_amount"])
    claim.refresh_from_db(fields=["open_amount"])
    record_event(
        claim.organization,
        claim.customer,
        "penalties.waived",
        actor,
        invoice=claim.invoice.number,
        amount=amount,
        currency=claim.currency,
        reason=reason,
    )
    if claim.open_amount == 0:
        record_event(claim.organization, claim.customer, "penalties.settled", actor, invoice=claim.invoice.number)
    return waiver


# ---------------------------------------------------------------------------------------- penalty invoices


@transaction.atomic
def issue_penalty_invoice(
    organization: Organization,
    customer: Customer,
    *,
    actor: Actor,
    issued_on: date,
    claims: Iterable[PenaltyClaim] | None = None,
) -> PenaltyInvoice:
    """Invoice the customer's open claimed penalties not yet invoiced (or ``claims`` among them): numbered
    ``PEN-<year>-<sequence>`` per organization, one currency, the PDF stored as issued. Refused when there is
    nothing to invoice, and for a consumer (``recouvre.core.lawtexts``: never a penalty invoice)."""
    from .pdf import render_penalty_invoice

    if not for_customer(customer, "en").penalty_invoice:
        raise PenaltyRefused(
            _(
                "a consumer owes neither late-payment penalties nor the 40 EUR indemnity: no penalty invoice "
                "(interest at the legal rate runs from the formal notice)"
            )
        )
    settings = PenaltySettings.objects.select_for_update().get(pk=settings_of(organization).pk)
    chosen = PenaltyClaim.objects.select_for_update().filter(
        organization=organization, customer=customer, penalty_invoice__isnull=True, open_amount__gt=0
    )
    if claims is not None:
        chosen = chosen.filter(id__in=[c.pk for c in claims])
    chosen_list = list(chosen.select_related("invoice").order_by("invoice__due_on", "claimed_on", "id"))
    if not chosen_list:
        raise PenaltyRefused(_("no open claimed penalties left to invoice for this customer"))
    currencies = {c.currency for c in chosen_list}
    if len(currencies) > 1:
        raise PenaltyRefused(_("claimed penalties in several currencies: invoice them one currency at a time"))
    settings.last_invoice_sequence += 1
    settings.save(update_fields=["last_invoice_sequence"])
    sequence = settings.last_invoice_sequence
    number = f"PEN-{issued_on.year}-{sequence:05d}"
    total = sum((c.open_amount for c in chosen_list), ZERO)
    pdf = render_penalty_invoice(
        organization, customer, number=number, issued_on=issued_on, claims=chosen_list, total=total
    )
    penalty_invoice = PenaltyInvoice.objects.create(
        organization=organization,
        customer=customer,
        sequence=sequence,
        number=number,
        issued_on=issued_on,
        currency=currencies.pop(),
        total=total,
        content=pdf,
        content_sha256=hashlib.sha256(pdf).hexdigest(),
        actor=actor.user,
        actor_label=actor.label,
    )
    PenaltyClaim.objects.filter(id__in=[c.id for c in chosen_list]).update(penalty_invoice=penalty_invoice)
    record_event(
        organization,
        customer,
        "penalties.invoiced",
        actor,
        number=number,
        total=total,
        currency=penalty_invoice.currency,
        invoices=", ".join(dict.fromkeys(c.invoice.number for c in chosen_list)),
    )
    return penalty_invoice


# ------------------------------------------------------------------------------------------------ settings


@transaction.atomic
def update_settings(organization: Organization, *, actor: Actor, **changes: str) -> PenaltySettings:
    settings = settings_of(organization)
    changed = {k: v for k, v in changes.items() if getattr(settings, k) != v}
    for k, v in changed.items():
        setattr(settings, k, v)
    if changed:
        settings.save(update_fields=list(changed))
        record_event(organization, None, "penalties.settings", actor, fields=", ".join(sorted(changed)))
    return settings


@transaction.atomic
def set_customer_sector(customer: Customer, sector: str, *, actor: Actor) -> None:
    """The customer's sector cap, or the organization's when ``sector`` is empty."""
    if sector:
        CustomerSector.objects.update_or_create(
            customer=customer, defaults={"organization_id": customer.organization_id, "sector": sector}
        )
    else:
        CustomerSector.objects.filter(customer=customer).delete()
    record_event(customer.organization, customer, "penalties.sector", actor, sector=sector or "-")
