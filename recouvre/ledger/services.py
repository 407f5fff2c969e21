"""Writes to the ledger. Each function is one transaction and leaves an event on the customer's timeline."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import date
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from recouvre.core.instalments import Due, Part, schedule, schedule_errors
from recouvre.organizations.models import Organization

from .actors import Actor
from .chain import seal_on_commit
from .models import Allocation, Contact, CreditNote, Customer, Event, Invoice, InvoiceInstalment, Payment, Source

_AS_TEXT = (Decimal, date)  # what an event's data holds as text (``_jsonable``)


def _jsonable(value: Any) -> Any:
    if isinstance(value, _AS_TEXT):
        return str(value)
    return value


def record_event(organization: Organization, customer: Customer | None, kind: str, actor: Actor, **data: Any) -> Event:
    """Append an event to ``customer``'s timeline (the organization's when None); it is sealed into the
    organization's chain once the transaction commits (``recouvre.ledger.chain``)."""
    event = Event.objects.create(
        organization=organization,
        customer=customer,
        kind=kind,
        data={k: _jsonable(v) for k, v in data.items()},
        actor=actor.user,
        actor_label=actor.label,
    )
    seal_on_commit(organization.pk)
    return event


def bulk_record_events(
    organization: Organization, actor: Actor, events: Iterable[tuple[int | None, str, dict[str, Any]]]
) -> int:
    """Append many events at once: ``(customer_id, kind, data)`` triples, as plain rows (hundreds per statement on
    SQLite, ``COPY`` on PostgreSQL: no model instance each), all at the same time."""
    from django.db import connection

    from recouvre.imports.bulk import insert_with_defaults, json_text

    if connection.vendor == "sqlite":
        encode = json_text  # the text Django would write
    else:
        data_field = Event._meta.get_field("data")

        def encode(value: Any) -> Any:
            return data_field.get_db_prep_save(value, connection)

    org_id = organization.pk
    user_id = actor.user.pk if actor.user is not None else None
    label = actor.label
    now = timezone.now()
    written = insert_with_defaults(
        Event,
        ("organization", "customer", "kind", "data", "actor", "actor_label", "occurred_at"),
        (
            (
                org_id,
                customer_id,
                kind,
                encode({k: str(v) if isinstance(v, _AS_TEXT) else v for k, v in data.items()}),
                user_id,
                label,
                now,
            )
            for customer_id, kind, data in events
        ),
    )
    if written:
        seal_on_commit(organization.pk)
    return written


@transaction.atomic
def create_customer(organization: Organization, actor: Actor, *, ref: str, name: str, **fields: Any) -> Customer:
    customer = Customer(organization=organization, ref=ref, name=name, **fields)
    customer.full_clean(exclude=["organization"], validate_unique=False, validate_constraints=False)
    customer.save()
    record_event(organization, customer, "customer.created", actor, ref=ref, name=name)
    return customer


@transaction.atomic
def update_customer(customer: Customer, actor: Actor, *, validate: bool = False, **changes: Any) -> Customer:
    """Change some fields of a customer, with one ``customer.updated`` event naming each change. ``validate``
    checks the fields first (their choices and lengths): a ``ValidationError`` then writes nothing."""
    changed = {}
    for field, value in changes.items():
        old = getattr(customer, field)
        if old != value:
            changed[field] = [_jsonable(old), _jsonable(value)]
            setattr(customer, field, value)
    if changed:
        if validate:
            customer.full_clean(exclude=["organization"], validate_unique=False, validate_constraints=False)
        customer.save()
        record_event(customer.organization, customer, "customer.updated", actor, changes=changed)
    return customer


@transaction.atomic
def add_contact(customer: Customer, actor: Actor, **fields: Any) -> Contact:
    contact = Contact.objects.create(organization_id=customer.organization_id, customer=customer, **fields)
    record_event(
        customer.organization,
        customer,
        "contact.added",
        actor,
        name=contact.name,
        email=contact.email,
        phone=contact.phone,
    )
    return contact


@transaction.atomic
def create_invoice(
    organization: Organization,
    actor: Actor,
    *,
    customer: Customer,
    number: str,
    issued_on: date,
    due_on: date,
    total: Decimal,
    currency: str | None = None,
    amount_excl_tax: Decimal | None = None,
    tax_amount: Decimal | None = None,
    source: str = Source.MANUAL,
    source_ref: str = "",
    instalments: tuple[Part, ...] | list[Part] = (),
) -> Invoice:
    """Create an invoice. ``instalments``: an invoice payable on several dates, its schedule (two instalments at
    least, adding up to ``total``; ``due_on`` must be the first one's): ``ValidationError`` when it cannot be."""
    if instalments:
        _check_schedule(instalments, total=total, issued_on=issued_on, due_on=due_on)
    invoice = Invoice.objects.create(
        organization=organization,
        customer=customer,
        number=number,
        issued_on=issued_on,
        due_on=due_on,
        total=total,
        currency=currency or organization.currency,
        amount_excl_tax=amount_excl_tax,
        tax_amount=tax_amount,
        source=source,
        source_ref=source_ref,
    )
    record_event(
        organization,
        customer,
        "invoice.created",
        actor,
        number=number,
        total=total,
        currency=invoice.currency,
        due_on=due_on,
    )
    if instalments:
        _store_schedule(invoice, schedule(instalments))
        record_event(organization, customer, "invoice.instalments", actor, **_schedule_data(invoice, instalments))
    # payment terms beyond the legal caps (C. com. L441-10 I, L441-11): said on the timeline, never refused
    from recouvre.penalties.selectors import terms_warning

    warning = terms_warning(organization, invoice)
    if warning is not None:
        record_event(
            organization,
            customer,
            "invoice.terms_beyond_cap",
            actor,
            number=number,
            issued_on=issued_on,
            due_on=due_on,
            days=warning.days,
            cap=warning.cap.latest_due_on,
        )
    return invoice


@transaction.atomic
def create_credit_note(
    organization: Organization,
    actor: Actor,
    *,
    customer: Customer,
    number: str,
    issued_on: date,
    total: Decimal,
    currency: str | None = None,
    invoice: Invoice | None = None,
    source: str = Source.MANUAL,
    source_ref: str = "",
) -> CreditNote:
    note = CreditNote.objects.create(
        organization=organization,
        customer=customer,
        number=number,
        issued_on=issued_on,
        total=total,
        currency=currency or organization.currency,
        invoice=invoice,
        source=source,
        source_ref=source_ref,
    )
    record_event(
        organization,
        customer,
        "credit_note.created",
        actor,
        number=number,
        total=total,
        currency=note.currency,
    )
    return note


@transaction.atomic
def cancel_credit_note(credit_note: CreditNote, actor: Actor) -> None:
    """Take a credit note back, as if it had not been issued: its allocations are deleted, so each invoice it was
    applied to is open again by as much (the database triggers keep ``allocated_amount``), then the credit note
    itself; one event says so (the caller records the one that tells why). For a credit that only stood for a step
    now undone, such as the ledger credit of a write-off reversed."""
    note = (
        CreditNote.objects.select_for_update(of=("self",))
        .select_related("organization", "customer")
        .get(pk=credit_note.pk)
    )
    applied = Allocation.objects.filter(credit_note=note)
    numbers = sorted(set(applied.values_list("invoice__number", flat=True)))
    applied.delete()
    record_event(
        note.organization,
        note.customer,
        "credit_note.cancelled",
        actor,
        number=note.number,
        total=note.total,
        currency=note.currency,
        invoices=", ".join(numbers),
    )
    note.delete()


@transaction.atomic
def record_payment(
    organization: Organization,
    actor: Actor,
    *,
    customer: Customer,
    received_on: date,
    amount: Decimal,
    source_key: str,
    currency: str | None = None,
    method: str = "transfer",
    reference: str = "",
    payer_name: str = "",
    payer_iban: str = "",
    source: str = Source.MANUAL,
) -> Payment:
    payment = Payment.objects.create(
        organization=organization,
        customer=customer,
        received_on=received_on,
        amount=amount,
        currency=currency or organization.currency,
        method=method,
        reference=reference,
        payer_name=payer_name,
        payer_iban=payer_iban,
        source_key=source_key,
        source=source,
    )
    record_event(
        organization,
        customer,
        "payment.received",
        actor,
        amount=amount,
        currency=payment.currency,
        received_on=received_on,
        reference=reference,
    )
    return payment


@transaction.atomic
def allocate(
    actor: Actor,
    *,
    invoice: Invoice,
    amount: Decimal,
    payment: Payment | None = None,
    credit_note: CreditNote | None = None,
    allocated_on: date | None = None,
    source: str = Source.MANUAL,
) -> Allocation:
    """Apply ``amount`` of a payment or a credit note to an invoice. The database refuses over-allocation
    and allocations across organizations or currencies (``IntegrityError``)."""
    allocation = Allocation.objects.create(
        organization_id=invoice.organization_id,
        invoice=invoice,
        payment=payment,
        credit_note=credit_note,
        amount=amount,
        allocated_on=allocated_on or (payment.received_on if payment else credit_note.issued_on),  # type: ignore[union-attr]
        source=source,
    )
    record_event(
        invoice.organization,
        invoice.customer,
        "allocation.created",
        actor,
        invoice=invoice.number,
        amount=amount,
        currency=invoice.currency,
        by=("payment" if payment else "credit_note"),
        credit_note=credit_note.number if credit_note else "",
    )
    return allocation


def _check_schedule(parts: Sequence[Part], *, total: Decimal, issued_on: date, due_on: date | None) -> None:
    from django.core.exceptions import ValidationError

    errors = schedule_errors(parts, total=total, issued_on=issued_on)
    if not errors and due_on is not None and parts[0].due_on != due_on:
        errors.append(
            _("the first instalment is due %(first)s, not on the invoice's due date %(due)s")
            % {"first": parts[0].due_on.isoformat(), "due": due_on.isoformat()}
        )
    if errors:
        raise ValidationError({"instalments": errors})


def _store_schedule(invoice: Invoice, dues: Sequence[Due]) -> None:
    InvoiceInstalment.objects.bulk_create(
        InvoiceInstalment(
            invoice=invoice,
            position=d.position,
            count=d.of,
            due_on=d.due_on,
            amount=d.amount,
            cumulative=d.cumulative,
        )
        for d in dues
    )


def _schedule_data(invoice: Invoice, parts: Sequence[Part]) -> dict[str, Any]:
    return {
        "number": invoice.number,
        "currency": invoice.currency,
        "instalments": "; ".join(f"{p.due_on.isoformat()} {p.amount}" for p in parts),
        "count": len(parts),
    }


def replace_schedules(schedules: dict[int, Sequence[Due]]) -> int:
    """For imports: the instalments of the invoices whose ids are the keys replaced by the given ones (an empty
    schedule: the invoice has one due date again), in bulk; the caller checked them, keeps each invoice's
    ``due_on`` on the first one, and records its own events. Returns the number of rows written."""
    if not schedules:
        return 0
    ids = list(schedules)
    for start in range(0, len(ids), 500):
        InvoiceInstalment.objects.filter(invoice_id__in=ids[start : start + 500]).delete()
    rows = [
        InvoiceInstalment(
            invoice_id=pk, position=d.position, count=d.of, due_on=d.due_on, amount=d.amount, cumulative=d.cumulative
        )
        for pk, dues in schedules.items()
        for d in dues
    ]
    InvoiceInstalment.objects.bulk_create(rows, batch_size=1000)
    return len(rows)


@transaction.atomic
def set_instalments(invoice: Invoice, actor: Actor, parts: Sequence[Part]) -> Invoice:
    """Make ``invoice`` payable on the dates of ``parts`` (two instalments at least, adding up to its total; its
    due date becomes the first one's), or on one date again when ``parts`` is empty (its due date then stays the
    first instalment's). One ``invoice.instalments`` event. ``ValidationError`` (nothing written) when the schedule
    cannot be."""
    if parts:
        _check_schedule(parts, total=invoice.total, issued_on=invoice.issued_on, due_on=None)
    InvoiceInstalment.objects.filter(invoice=invoice).delete()
    if parts:
        _store_schedule(invoice, schedule(parts))
        if invoice.due_on != parts[0].due_on:
            invoice.due_on = parts[0].due_on
            invoice.save(update_fields=["due_on", "updated_at"])
    record_event(invoice.organization, invoice.customer, "invoice.instalments", actor, **_schedule_data(invoice, parts))
    return invoice
