"""Holds: pausing collection for a reason, and the commitments that end them. Writes, one transaction each, each
leaving an event on the customer's timeline.

- ``place_hold`` / ``release_hold``: a pause of any kind on an invoice or a customer, and lifting it by hand.
- ``open_dispute`` / ``resolve_dispute``: a disputed invoice (reason from a list, amount, owner); resolved by
  resuming collection, or by a credit note applied to the invoice.
- ``record_promise``: a promise to pay an amount by a date, for some invoices or for the customer.
- ``create_payment_plan``: a payment plan (*échéancier*): instalments with dates and amounts over some invoices.
- ``declare_already_paid``: the customer says it paid; collection pauses while the payment is looked for.
- ``record_insolvency`` (stops everything until released), ``pause_customer`` (until a date).

Opening an insolvency, a dispute or a hold placed by hand (a pause) withdraws what is queued for the invoices it
holds (``withdrawals.withdraw_held``): an action whose invoices are all held is cancelled, the others go on
without them.
- ``review_commitments``: run at the start of every collections run; decides which promises were kept or broken,
  which instalments were honoured or missed, and ends the holds accordingly.

The planner reads the holds that are active on the run's date (``selectors.planner_inputs``); a broken promise
also makes the next step of its invoices due at once (``recouvre.core.dunning.Expedite``).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from recouvre.core.money import quantize
from recouvre.ledger import services as ledger
from recouvre.ledger.actors import Actor
from recouvre.ledger.models import CreditNote, Customer, Invoice, Payment
from recouvre.ledger.services import record_event
from recouvre.notifications import services as notifications
from recouvre.organizations.models import Membership, Organization

from .models import (
    CollectionSettings,
    CustomerCollection,
    DisputeReason,
    Hold,
    HoldKind,
    HoldOutcome,
    Instalment,
    PaymentPlan,
    PlanStatus,
)
from .withdrawals import withdraw_held

# Days after an instalment's due date before it counts as missed (a transfer takes a few days to arrive).
INSTALMENT_GRACE_DAYS = 3
# Pause after "already paid" when the organization has not set its own (CollectionSettings).
ALREADY_PAID_PAUSE_DAYS = 10
RESUME = "resume"
CREDIT_NOTE = "credit_note"
CENT = Decimal("0.01")


def _today(today: date | None) -> date:
    return today if today is not None else timezone.localdate()


def _start_day(starts_on: date | None, today: date) -> date:
    """The first day of a hold recorded ``today`` about something that happened on ``starts_on`` (the customer called
    on Friday): that day, or today when not given; refused when it is in the future."""
    if starts_on is None:
        return today
    if starts_on > today:
        raise ValidationError(
            _("The day it began (%(starts_on)s) is in the future: give today or an earlier day.")
            % {"starts_on": starts_on.isoformat()}
        )
    return starts_on


def _name(user: Any) -> str:
    if user is None:
        return ""
    return str(user.get_full_name() or user.get_username())


def _check_customer(organization: Organization, customer: Customer) -> None:
    if customer.organization_id != organization.pk:
        raise ValidationError(_("This customer belongs to another organization."))


def _customer_invoices(organization: Organization, customer: Customer, invoices: Iterable[Invoice]) -> list[Invoice]:
    """``invoices`` read again from the database, refused unless every one is an open invoice of ``customer``."""
    wanted = list(invoices)
    ids = {inv.pk for inv in wanted}
    found = {inv.pk: inv for inv in Invoice.objects.filter(organization=organization, customer=customer, pk__in=ids)}
    for inv in wanted:
        if inv.pk not in found:
            raise ValidationError(
                _("Invoice %(number)s is not an invoice of %(customer)s.")
                % {"number": inv.number, "customer": customer}
            )
        if found[inv.pk].open_amount <= 0:
            raise ValidationError(_("Invoice %(number)s is paid: nothing to hold.") % {"number": inv.number})
    return sorted(found.values(), key=lambda inv: (inv.due_on, inv.number))


def _one_currency(organization: Organization, invoices: Sequence[Invoice]) -> str:
    currencies = {inv.currency for inv in invoices}
    if len(currencies) > 1:
        raise ValidationError(_("These invoices are in several currencies: choose invoices in one currency."))
    return currencies.pop() if currencies else organization.currency


def _positive_amount(amount: Decimal, currency: str, what: str) -> Decimal:
    if not isinstance(amount, Decimal):
        raise ValidationError(_("%(what)s must be a decimal amount.") % {"what": what})
    if amount <= 0:
        raise ValidationError(_("%(what)s must be more than zero.") % {"what": what})
    if quantize(amount, currency) != amount:
        raise ValidationError(_("%(what)s has too many decimals.") % {"what": what})
    return amount


def _numbers(invoices: Iterable[Invoice]) -> str:
    return ", ".join(inv.number for inv in invoices)


def _new_hold(
    organization: Organization,
    customer: Customer,
    *,
    kind: str,
    starts_on: date,
    actor: Actor,
    ends_on: date | None = None,
    invoice: Invoice | None = None,
    invoices: Sequence[Invoice] = (),
    reason: str = "",
    **fields: Any,
) -> Hold:
    hold = Hold.objects.create(
        organization=organization,
        customer=customer,
        invoice=invoice,
        kind=kind,
        reason=reason,
        starts_on=starts_on,
        ends_on=ends_on,
        author=actor.user,
        author_label=actor.label,
        **fields,
    )
    if invoices:
        hold.invoices.set(invoices)
    return hold


def _end(hold: Hold, *, outcome: str, on: date, actor: Actor, resolution: str = "", **fields: Any) -> None:
    """Close a live hold with ``outcome`` (no event: the caller records the one that tells why)."""
    hold.released_at = timezone.now()
    hold.released_by = actor.user
    hold.outcome = outcome
    hold.outcome_on = on
    if resolution:
        hold.resolution = resolution
    for name, value in fields.items():
        setattr(hold, name, value)
    hold.save(update_fields=["released_at", "released_by", "outcome", "outcome_on", "resolution", *fields])


def _locked_live(hold: Hold, kind: str | None = None) -> Hold:
    """``hold`` locked for update; refused when it was ended already (by a person or by the review)."""
    hold = (
        Hold.objects.select_for_update(of=("self",))
        .select_related("organization", "customer", "invoice")
        .get(pk=hold.pk)
    )
    if kind is not None and hold.kind != kind:
        raise ValidationError(_("This hold is not a %(kind)s.") % {"kind": HoldKind(kind).label})
    if hold.released_at is not None:
        raise ValidationError(_("This hold has already ended."))
    return hold


def _close_tasks(
    organization: Organization, customer: Customer, *, actor: Actor, starts_on: date, today: date | None
) -> None:
    """A hold in force today closes the customer's calls and escalation steps whose invoices are now all settled or
    held (``recouvre.tasks.settled``); one that starts later is left to the run of its day."""
    from recouvre.tasks.settled import close_settled_tasks

    on = _today(today)
    if starts_on <= on:
        close_settled_tasks(organization, actor=actor, today=on, customers=[customer])


# ------------------------------------------------------------------------------------------------ any hold


@transaction.atomic
def place_hold(
    organization: Organization,
    customer: Customer,
    *,
    kind: str,
    starts_on: date,
    actor: Actor,
    ends_on: date | None = None,
    invoice: Invoice | None = None,
    reason: str = "",
    reason_code: str = "",
) -> Hold:
    """Pause collection of ``invoice`` (or of the whole ``customer`` when no invoice is given) from ``starts_on`` to
    ``ends_on`` inclusive (no end: until released). A dispute placed here without a reason code gets "other"."""
    _check_customer(organization, customer)
    if invoice is not None and (invoice.organization_id != organization.pk or invoice.customer_id != customer.pk):
        raise ValidationError(
            _("Invoice %(number)s is not an invoice of %(customer)s.")
            % {"number": invoice.number, "customer": customer}
        )
    if kind not in HoldKind.values:
        raise ValidationError(_("Unknown kind of hold: %(kind)s.") % {"kind": kind})
    if kind == HoldKind.PROMISE:
        raise ValidationError(_("A promise to pay is recorded with its amount and date (record_promise)."))
    if ends_on is not None and ends_on < starts_on:
        raise ValidationError(
            _("A hold cannot end (%(ends_on)s) before it starts (%(starts_on)s).")
            % {"ends_on": ends_on.isoformat(), "starts_on": starts_on.isoformat()}
        )
    if kind == HoldKind.DISPUTE and not reason_code:
        reason_code = DisputeReason.OTHER
    if reason_code and reason_code not in DisputeReason.values:
        raise ValidationError(_("Unknown reason of dispute: %(reason)s.") % {"reason": reason_code})
    hold = _new_hold(
        organization,
        customer,
        kind=kind,
        starts_on=starts_on,
        ends_on=ends_on,
        invoice=invoice,
        reason=reason,
        actor=actor,
        reason_code=reason_code,
    )
    record_event(
        organization,
        customer,
        "collections.hold_placed" if ends_on is not None else "collections.hold_placed_open",
        actor,
        hold=hold.pk,
        hold_kind=kind,
        invoice=invoice.number if invoice is not None else "",
        starts_on=starts_on,
        ends_on=ends_on or "",
        reason=reason,
    )
    withdraw_held(organization, customer, actor=actor, on=starts_on, hold_kind=kind)
    _close_tasks(organization, customer, actor=actor, starts_on=starts_on, today=None)
    return hold


@transaction.atomic
def release_hold(hold: Hold, *, actor: Actor, today: date | None = None, note: str = "") -> Hold:
    """Lift a hold now: collection resumes at the next run. Releasing a released hold changes nothing. Lifting the
    hold of a payment plan cancels the plan."""
    hold = (
        Hold.objects.select_for_update(of=("self",))
        .select_related("organization", "customer", "invoice")
        .get(pk=hold.pk)
    )
    if hold.released_at is not None:
        return hold
    on = _today(today)
    _end(hold, outcome=HoldOutcome.RELEASED, on=on, actor=actor, resolution=note)
    plan = PaymentPlan.objects.select_for_update(of=("self",)).filter(hold=hold, status=PlanStatus.ACTIVE).first()
    if plan is not None:
        plan.status = PlanStatus.CANCELLED
        plan.ended_on = on
        plan.save(update_fields=["status", "ended_on"])
    record_event(
        hold.organization,
        hold.customer,
        "collections.hold_released",
        actor,
        hold=hold.pk,
        hold_kind=hold.kind,
        invoice=hold.invoice.number if hold.invoice is not None else _numbers(hold.invoices.all()),
        note=note,
    )
    return hold


# ------------------------------------------------------------------------------------------------ disputes


@transaction.atomic
def open_dispute(
    organization: Organization,
    invoice: Invoice,
    *,
    reason_code: str,
    actor: Actor,
    amount: Decimal | None = None,
    owner: Any = None,
    note: str = "",
    today: date | None = None,
    starts_on: date | None = None,
) -> Hold:
    """The customer disputes ``invoice``: its reminders stop (the customer's other invoices go on) until the dispute
    is resolved. ``amount`` is the part disputed (default: the whole open amount); ``owner`` the member in charge;
    ``starts_on`` the day the customer disputed it (default: today; not in the future)."""
    if invoice.organization_id != organization.pk:
        raise ValidationError(_("This invoice belongs to another organization."))
    starts_on = _start_day(starts_on, _today(today))
    invoice = Invoice.objects.select_related("customer").get(pk=invoice.pk)
    if reason_code not in DisputeReason.values:
        raise ValidationError(_("Unknown reason of dispute: %(reason)s.") % {"reason": reason_code})
    if invoice.open_amount <= 0:
        raise ValidationError(_("Invoice %(number)s is paid: nothing to dispute.") % {"number": invoice.number})
    if amount is None:
        amount = invoice.open_amount
    _positive_amount(amount, invoice.currency, _("The disputed amount"))
    if amount > invoice.total:
        raise ValidationError(
            _("The disputed amount cannot be more than the invoice (%(total)s %(currency)s).")
            % {"total": invoice.total, "currency": invoice.currency}
        )
    if owner is not None:
        member = Membership.objects.filter(organization=organization, user=owner).select_related("user").first()
        if member is None:
            raise ValidationError(_("The owner of a dispute must be a member of the organization."))
        owner = member.user  # a user, or a user's id
    if Hold.objects.filter(invoice=invoice, kind=HoldKind.DISPUTE, released_at__isnull=True).exists():
        raise ValidationError(_("Invoice %(number)s is already disputed.") % {"number": invoice.number})
    hold = _new_hold(
        organization,
        invoice.customer,
        kind=HoldKind.DISPUTE,
        starts_on=starts_on,
        invoice=invoice,
        reason=note,
        actor=actor,
        reason_code=reason_code,
        amount=amount,
        currency=invoice.currency,
        owner=owner,
    )
    record_event(
        organization,
        invoice.customer,
        "collections.dispute_opened",
        actor,
        hold=hold.pk,
        invoice=invoice.number,
        reason_code=reason_code,
        amount=amount,
        currency=invoice.currency,
        owner=_name(owner),
        note=note,
    )
    withdraw_held(organization, invoice.customer, actor=actor, on=hold.starts_on, hold_kind=HoldKind.DISPUTE)
    _close_tasks(organization, invoice.customer, actor=actor, starts_on=hold.starts_on, today=today)
    notifications.dispute_opened(organization, hold, invoice, _collector(invoice.customer), actor.user)
    return hold


def _collector(customer: Customer) -> Any:
    collection = CustomerCollection.objects.filter(customer=customer).select_related("collector").first()
    return collection.collector if collection is not None else None


def _credit_note_number(organization: Organization, invoice: Invoice) -> str:
    base = f"AV-{invoice.number}"
    taken = set(
        CreditNote.objects.filter(organization=organization, number__startswith=base).values_list("number", flat=True)
    )
    if base not in taken:
        return base
    n = 2
    while f"{base}-{n}" in taken:
        n += 1
    return f"{base}-{n}"


@transaction.atomic
def resolve_dispute(
    hold: Hold,
    *,
    actor: Actor,
    resolution: str,
    credit_amount: Decimal | None = None,
    note: str = "",
    today: date | None = None,
    credit_note_number: str = "",
) -> Hold:
    """End a dispute. ``"resume"``: the claim stands, collection of the invoice resumes at the next run (at its next
    step, as if nothing happened in between). ``"credit_note"``: the customer was right for ``credit_amount`` (at
    most the disputed amount and the invoice's open amount): a credit note is created for it and applied to the
    invoice, and collection resumes for what is left open, if anything."""
    hold = _locked_live(hold, HoldKind.DISPUTE)
    on = _today(today)
    invoice = Invoice.objects.select_for_update(of=("self",)).get(pk=hold.invoice_id)
    if resolution == RESUME:
        if credit_amount is not None:
            raise ValidationError(_("A credit amount goes with a resolution by credit note only."))
        _end(hold, outcome=HoldOutcome.RESOLVED, on=on, actor=actor, resolution=note)
        record_event(
            hold.organization,
            hold.customer,
            "collections.dispute_resolved",
            actor,
            hold=hold.pk,
            invoice=invoice.number,
            note=note,
        )
        return hold
    if resolution != CREDIT_NOTE:
        raise ValidationError(_("Unknown resolution: %(resolution)s.") % {"resolution": resolution})
    if credit_amount is None:
        raise ValidationError(_("Give the amount of the credit note."))
    _positive_amount(credit_amount, invoice.currency, _("The credit amount"))
    ceiling = min(hold.amount, invoice.open_amount) if hold.amount is not None else invoice.open_amount
    if credit_amount > ceiling:
        raise ValidationError(
            _("The credit note cannot be more than %(ceiling)s %(currency)s (the disputed and the open amount).")
            % {"ceiling": ceiling, "currency": invoice.currency}
        )
    number = credit_note_number or _credit_note_number(hold.organization, invoice)
    if CreditNote.objects.filter(organization=hold.organization, number=number).exists():
        raise ValidationError(_("Credit note %(number)s already exists.") % {"number": number})
    note_doc = ledger.create_credit_note(
        hold.organization,
        actor,
        customer=hold.customer,
        number=number,
        issued_on=on,
        total=credit_amount,
        currency=invoice.currency,
        invoice=invoice,
    )
    ledger.allocate(actor, invoice=invoice, amount=credit_amount, credit_note=note_doc, allocated_on=on)
    _end(hold, outcome=HoldOutcome.CREDITED, on=on, actor=actor, resolution=note, credit_note=note_doc)
    record_event(
        hold.organization,
        hold.customer,
        "collections.dispute_credited",
        actor,
        hold=hold.pk,
        invoice=invoice.number,
        credit_note=number,
        amount=credit_amount,
        currency=invoice.currency,
        note=note,
    )
    _close_tasks(hold.organization, hold.customer, actor=actor, starts_on=on, today=on)
    return hold


# ------------------------------------------------------------------------------------------------ promises


@transaction.atomic
def record_promise(
    organization: Organization,
    customer: Customer,
    *,
    amount: Decimal,
    promised_on: date,
    actor: Actor,
    invoices: Sequence[Invoice] = (),
    note: str = "",
    today: date | None = None,
    starts_on: date | None = None,
) -> Hold:
    """The customer promises to pay ``amount`` by ``promised_on``: no reminder about ``invoices`` (every invoice of
    the customer when none is given) until that day. The review of commitments ends it as kept when the payments
    received since the promise reach the amount (or the promised invoices are paid), or as broken once the day has
    passed without it, and then the next step is due at once. ``starts_on`` is the day the customer promised
    (default: today; not in the future): the payments are counted from that day."""
    _check_customer(organization, customer)
    on = _today(today)
    starts_on = _start_day(starts_on, on)
    chosen = _customer_invoices(organization, customer, invoices)
    currency = _one_currency(organization, chosen)
    _positive_amount(amount, currency, _("The promised amount"))
    if promised_on < starts_on:
        if starts_on == on:
            raise ValidationError(
                _("The promised date (%(promised_on)s) has already passed.") % {"promised_on": promised_on.isoformat()}
            )
        raise ValidationError(
            _("The promised date (%(promised_on)s) is before the day of the promise (%(starts_on)s).")
            % {"promised_on": promised_on.isoformat(), "starts_on": starts_on.isoformat()}
        )
    hold = _new_hold(
        organization,
        customer,
        kind=HoldKind.PROMISE,
        starts_on=starts_on,
        ends_on=promised_on,
        invoices=chosen,
        reason=note,
        actor=actor,
        amount=amount,
        currency=currency,
        promised_on=promised_on,
    )
    record_event(
        organization,
        customer,
        "collections.promise_recorded",
        actor,
        hold=hold.pk,
        amount=amount,
        currency=currency,
        promised_on=promised_on,
        invoices=_numbers(chosen),
        note=note,
    )
    _close_tasks(organization, customer, actor=actor, starts_on=starts_on, today=today)
    return hold


# ------------------------------------------------------------------------------------------------ payment plans


@transaction.atomic
def create_payment_plan(
    organization: Organization,
    customer: Customer,
    *,
    invoices: Sequence[Invoice],
    instalments: Sequence[tuple[date, Decimal]],
    actor: Actor,
    note: str = "",
    today: date | None = None,
) -> PaymentPlan:
    """Agree a payment plan over ``invoices``: the instalments ``(due date, amount)``, in date order, add up to the
    plan's total. While the plan is active its invoices are not reminded; the review of commitments records each
    instalment honoured, completes the plan, or breaks it when an instalment is missed (collection resumes and the
    collector gets a task)."""
    _check_customer(organization, customer)
    signed_on = _today(today)
    if not invoices:
        raise ValidationError(_("Choose the invoices the payment plan covers."))
    chosen = _customer_invoices(organization, customer, invoices)
    currency = _one_currency(organization, chosen)
    if not instalments:
        raise ValidationError(_("A payment plan needs at least one instalment."))
    previous: date | None = None
    for due_on, amount in instalments:
        _positive_amount(amount, currency, _("An instalment"))
        if due_on < signed_on:
            raise ValidationError(
                _("The instalment of %(due_on)s is before the plan is agreed.") % {"due_on": due_on.isoformat()}
            )
        if previous is not None and due_on <= previous:
            raise ValidationError(_("Instalments must be in date order, one per day at most."))
        previous = due_on
    taken = (
        Invoice.objects.filter(pk__in=[inv.pk for inv in chosen], payment_plans__status=PlanStatus.ACTIVE)
        .order_by("number")
        .values_list("number", flat=True)
        .first()
    )
    if taken is not None:
        raise ValidationError(_("Invoice %(number)s is already in an active payment plan.") % {"number": taken})
    total = sum((amount for _d, amount in instalments), Decimal("0.00"))
    hold = _new_hold(
        organization,
        customer,
        kind=HoldKind.PAYMENT_PLAN,
        starts_on=signed_on,
        invoices=chosen,
        reason=note,
        actor=actor,
        amount=total,
        currency=currency,
    )
    plan = PaymentPlan.objects.create(
        organization=organization,
        customer=customer,
        hold=hold,
        status=PlanStatus.DRAFT,
        signed_on=signed_on,
        total=total,
        currency=currency,
        note=note,
        created_by=actor.user,
    )
    plan.invoices.set(chosen)
    Instalment.objects.bulk_create(
        Instalment(plan=plan, position=i, due_on=due_on, amount=amount)
        for i, (due_on, amount) in enumerate(instalments, start=1)
    )
    # The database checks here that the instalments add up to the total (plan_instalments_add_up_to_total).
    PaymentPlan.objects.filter(pk=plan.pk).update(status=PlanStatus.ACTIVE)
    plan.refresh_from_db()
    record_event(
        organization,
        customer,
        "collections.plan_created",
        actor,
        hold=hold.pk,
        plan=plan.pk,
        total=total,
        currency=currency,
        count=len(instalments),
        first_on=instalments[0][0],
        last_on=instalments[-1][0],
        invoices=_numbers(chosen),
        note=note,
    )
    _close_tasks(organization, customer, actor=actor, starts_on=signed_on, today=today)
    return plan


# ------------------------------------------------------------------------------------------------ other pauses


@transaction.atomic
def declare_already_paid(
    organization: Organization,
    customer: Customer,
    *,
    actor: Actor,
    invoices: Sequence[Invoice] = (),
    note: str = "",
    today: date | None = None,
    starts_on: date | None = None,
) -> Hold:
    """The customer (or a collector) says ``invoices`` (all of them when none is given) are already paid: collection
    pauses for the organization's ``already_paid_pause_days`` (10 when not set), from the day it was said
    (``starts_on``, default today; not in the future) inclusive, while the payment is looked for; it resumes on its
    own after that."""
    _check_customer(organization, customer)
    starts_on = _start_day(starts_on, _today(today))
    chosen = _customer_invoices(organization, customer, invoices)
    days = (
        CollectionSettings.objects.filter(organization=organization)
        .values_list("already_paid_pause_days", flat=True)
        .first()
    ) or ALREADY_PAID_PAUSE_DAYS
    ends_on = starts_on + timedelta(days=days - 1)
    hold = _new_hold(
        organization,
        customer,
        kind=HoldKind.ALREADY_PAID,
        starts_on=starts_on,
        ends_on=ends_on,
        invoices=chosen,
        reason=note,
        actor=actor,
    )
    record_event(
        organization,
        customer,
        "collections.already_paid_declared",
        actor,
        hold=hold.pk,
        invoices=_numbers(chosen),
        days=days,
        ends_on=ends_on,
        note=note,
    )
    _close_tasks(organization, customer, actor=actor, starts_on=starts_on, today=today)
    return hold


@transaction.atomic
def record_insolvency(
    organization: Organization,
    customer: Customer,
    *,
    actor: Actor,
    opened_on: date | None = None,
    procedure: str = "",
    note: str = "",
    today: date | None = None,
) -> Hold:
    """Insolvency proceedings opened against the customer (*procédure collective*): every reminder stops, from
    ``opened_on`` (default today), until a person releases the hold. The claim is declared to the administrator;
    reminding the customer is no longer allowed."""
    _check_customer(organization, customer)
    starts_on = opened_on or _today(today)
    if Hold.objects.filter(customer=customer, kind=HoldKind.INSOLVENCY, released_at__isnull=True).exists():
        raise ValidationError(_("Insolvency proceedings are already recorded for this customer."))
    hold = _new_hold(
        organization,
        customer,
        kind=HoldKind.INSOLVENCY,
        starts_on=starts_on,
        reason=note,
        actor=actor,
    )
    record_event(
        organization,
        customer,
        "collections.insolvency_recorded",
        actor,
        hold=hold.pk,
        opened_on=starts_on,
        procedure=procedure,
        note=note,
    )
    withdraw_held(organization, customer, actor=actor, on=starts_on, hold_kind=HoldKind.INSOLVENCY)
    _close_tasks(organization, customer, actor=actor, starts_on=starts_on, today=today)
    return hold


def pause_customer(
    organization: Organization,
    customer: Customer,
    *,
    until: date,
    actor: Actor,
    reason: str = "",
    invoice: Invoice | None = None,
    today: date | None = None,
    starts_on: date | None = None,
) -> Hold:
    """Pause collection of the customer (or of one invoice) from ``starts_on`` (default today; not in the future) to
    ``until`` inclusive; ``until`` is today or later."""
    on = _today(today)
    starts_on = _start_day(starts_on, on)
    if until < on:
        raise ValidationError(_("The pause must end today or later."))
    return place_hold(
        organization,
        customer,
        kind=HoldKind.MANUAL,
        starts_on=starts_on,
        ends_on=until,
        invoice=invoice,
        reason=reason,
        actor=actor,
    )


# ------------------------------------------------------------------------------------------------ review


def _notify(organization: Organization, customer: Customer, *, kind: str, title: str, actor: Actor, **kw: Any) -> None:
    """A task for the collector in charge of ``customer`` (else the author of the commitment)."""
    from recouvre.tasks.services import create_task

    fallback = kw.pop("fallback", None)
    collector = CustomerCollection.objects.filter(customer=customer).values_list("collector", flat=True).first()
    assignee = None if collector is not None else fallback
    create_task(organization, customer, kind=kind, title=title, actor=actor, assignee=assignee, **kw)


def _paid_since(
    organization: Organization, customer_ids: set[int], since: date, as_of: date
) -> dict[int, list[tuple[date, str, Decimal]]]:
    """The payments received by these customers from ``since`` to ``as_of``: one query."""
    out: dict[int, list[tuple[date, str, Decimal]]] = defaultdict(list)
    if not customer_ids:
        return out
    for customer_id, received_on, currency, amount in Payment.objects.filter(
        organization=organization, customer_id__in=customer_ids, received_on__gte=since, received_on__lte=as_of
    ).values_list("customer_id", "received_on", "currency", "amount"):
        out[customer_id].append((received_on, currency, amount))
    return out


def _sum(payments: list[tuple[date, str, Decimal]], since: date, currency: str) -> Decimal:
    return sum((a for d, c, a in payments if d >= since and c == currency), Decimal("0.00"))


def _invoices_paid(hold_ids: list[int]) -> dict[int, tuple[int, int]]:
    """For each hold, (number of invoices, number fully paid) among the invoices it is about."""
    out: dict[int, tuple[int, int]] = {}
    through = Hold.invoices.through
    for hold_id, open_amount in through.objects.filter(hold_id__in=hold_ids).values_list(
        "hold_id", "invoice__open_amount"
    ):
        count, paid = out.get(hold_id, (0, 0))
        out[hold_id] = (count + 1, paid + (open_amount <= 0))
    return out


@transaction.atomic
def review_commitments(organization: Organization, as_of: date, *, actor: Actor) -> dict[str, int]:
    """Decide, on ``as_of``, what became of the customers' commitments, and end the holds they no longer justify:

    - a promise is **kept** when the payments received since it was made reach its amount, or when the invoices it
      is about are paid (it may be kept before its date); it is **broken** once its date has passed without that:
      its hold ends, the next step of its invoices is due at once, and the collector gets a task;
    - an instalment of a payment plan is **honoured** when the payments received since the plan was agreed reach
      the amounts due up to and including it; the plan is **completed** when they reach its total (or its invoices
      are paid), and **broken** when an instalment is not honoured ``INSTALMENT_GRACE_DAYS`` days after its due
      date: its hold ends, collection of its invoices resumes, and the collector gets a task.

    Each outcome leaves an event. Reviewing again changes nothing more (the rows are locked, and only live
    commitments are looked at). Returns counts by outcome."""
    counts = dict.fromkeys(
        ("promises_kept", "promises_broken", "instalments_honoured", "plans_completed", "plans_broken"), 0
    )
    promises = list(
        Hold.objects.select_for_update(of=("self",))
        .filter(
            organization=organization,
            kind=HoldKind.PROMISE,
            released_at__isnull=True,
            starts_on__lte=as_of,
        )
        .select_related("customer")
        .order_by("id")
    )
    plans = list(
        PaymentPlan.objects.select_for_update(of=("self",))
        .filter(organization=organization, status=PlanStatus.ACTIVE, signed_on__lte=as_of)
        .select_related("customer", "hold")
        .order_by("id")
    )
    if not promises and not plans:
        return counts
    since = min([h.starts_on for h in promises] + [p.signed_on for p in plans])
    payments = _paid_since(
        organization, {h.customer_id for h in promises} | {p.customer_id for p in plans}, since, as_of
    )
    paid_invoices = _invoices_paid([h.pk for h in promises] + [p.hold_id for p in plans])

    for hold in promises:
        assert hold.amount is not None and hold.promised_on is not None
        paid = _sum(payments.get(hold.customer_id, []), hold.starts_on, hold.currency)
        count, settled = paid_invoices.get(hold.pk, (0, 0))
        facts = {
            "hold": hold.pk,
            "amount": hold.amount,
            "currency": hold.currency,
            "promised_on": hold.promised_on,
            "paid": paid,
        }
        if paid >= hold.amount or (count and settled == count):
            _end(hold, outcome=HoldOutcome.KEPT, on=as_of, actor=actor)
            record_event(organization, hold.customer, "collections.promise_kept", actor, **facts)
            counts["promises_kept"] += 1
        elif as_of > hold.promised_on:
            _end(hold, outcome=HoldOutcome.BROKEN, on=as_of, actor=actor)
            record_event(organization, hold.customer, "collections.promise_broken", actor, **facts)
            counts["promises_broken"] += 1
            _notify(
                organization,
                hold.customer,
                kind="promise_broken",
                title=_("Promise to pay %(amount)s %(currency)s by %(promised_on)s not kept")
                % {"amount": hold.amount, "currency": hold.currency, "promised_on": hold.promised_on.isoformat()},
                actor=actor,
                due_on=as_of,
                details=_("Received since the promise: %(paid)s %(currency)s.")
                % {"paid": paid, "currency": hold.currency},
                fallback=hold.author,
            )

    if plans:
        instalments: dict[int, list[Instalment]] = defaultdict(list)
        for instalment in Instalment.objects.filter(plan__in=plans).order_by("plan_id", "position"):
            instalments[instalment.plan_id].append(instalment)
        for plan in plans:
            _review_plan(organization, plan, instalments[plan.pk], payments, paid_invoices, as_of, actor, counts)
    return counts


def _review_plan(
    organization: Organization,
    plan: PaymentPlan,
    instalments: list[Instalment],
    payments: dict[int, list[tuple[date, str, Decimal]]],
    paid_invoices: dict[int, tuple[int, int]],
    as_of: date,
    actor: Actor,
    counts: dict[str, int],
) -> None:
    paid = _sum(payments.get(plan.customer_id, []), plan.signed_on, plan.currency)
    due = Decimal("0.00")
    for instalment in instalments:
        due += instalment.amount
        if instalment.honoured_on is not None:
            continue
        if paid >= due:
            instalment.honoured_on = as_of
            instalment.save(update_fields=["honoured_on"])
            counts["instalments_honoured"] += 1
            record_event(
                organization,
                plan.customer,
                "collections.instalment_honoured",
                actor,
                plan=plan.pk,
                position=instalment.position,
                count=len(instalments),
                due_on=instalment.due_on,
                amount=instalment.amount,
                currency=plan.currency,
            )
            continue
        if as_of > instalment.due_on + timedelta(days=INSTALMENT_GRACE_DAYS):
            instalment.missed_on = as_of
            instalment.save(update_fields=["missed_on"])
            plan.status = PlanStatus.BROKEN
            plan.ended_on = as_of
            plan.save(update_fields=["status", "ended_on"])
            _end(plan.hold, outcome=HoldOutcome.BROKEN, on=as_of, actor=actor)
            counts["plans_broken"] += 1
            missing = due - paid
            record_event(
                organization,
                plan.customer,
                "collections.plan_broken",
                actor,
                plan=plan.pk,
                position=instalment.position,
                due_on=instalment.due_on,
                amount=instalment.amount,
                missing=missing,
                currency=plan.currency,
            )
            _notify(
                organization,
                plan.customer,
                kind="instalment_missed",
                title=_("Instalment of %(due_on)s missed: payment plan broken")
                % {"due_on": instalment.due_on.isoformat()},
                actor=actor,
                due_on=as_of,
                details=_("%(missing)s %(currency)s missing out of %(due)s %(currency)s due so far.")
                % {"missing": missing, "currency": plan.currency, "due": due},
                fallback=plan.created_by,
            )
            return
        break  # the next instalment is not due yet
    count, settled = paid_invoices.get(plan.hold_id, (0, 0))
    if paid >= plan.total or (count and settled == count):
        plan.status = PlanStatus.COMPLETED
        plan.ended_on = as_of
        plan.save(update_fields=["status", "ended_on"])
        _end(plan.hold, outcome=HoldOutcome.COMPLETED, on=as_of, actor=actor)
        counts["plans_completed"] += 1
        record_event(
            organization,
            plan.customer,
            "collections.plan_completed",
            actor,
            plan=plan.pk,
            total=plan.total,
            currency=plan.currency,
        )
