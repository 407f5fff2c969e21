"""Writes about API keys: create (the key is returned once, only its digest is stored) and revoke, each with an
event on the organization's timeline."""

from __future__ import annotations

import secrets
from collections.abc import Iterable
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from recouvre.core.importing import control_character, control_message
from recouvre.core.money import MAX_AMOUNT, AmountError, parse_known_currency
from recouvre.core.records import CENT, payment_id_key
from recouvre.ledger import selectors as ledger
from recouvre.ledger.actors import Actor
from recouvre.ledger.models import Allocation, CreditNote, Source
from recouvre.ledger.services import allocate, create_credit_note, record_event
from recouvre.organizations.models import Organization

from .models import ApiKey, Scope
from .selectors import digest

KEY_START = "rcv_"


def parse_scopes(scopes: Iterable[str] | str) -> list[str]:
    """The scopes named, in the order of ``Scope``; ``ValidationError`` for an unknown one or none."""
    if isinstance(scopes, str):
        scopes = scopes.split(",")
    wanted = {s.strip().lower() for s in scopes if s.strip()}
    known = set(Scope.values)
    unknown = sorted(wanted - known)
    if unknown:
        raise ValidationError(
            _("Unknown scope %(scopes)s (known: %(known)s).")
            % {"scopes": ", ".join(unknown), "known": ", ".join(Scope.values)}
        )
    if not wanted:
        raise ValidationError(_("Give at least one scope (%(known)s).") % {"known": ", ".join(Scope.values)})
    return [s for s in Scope.values if s in wanted]


@transaction.atomic
def create_api_key(
    organization: Organization, actor: Actor, *, name: str, scopes: Iterable[str] | str
) -> tuple[ApiKey, str]:
    """A new key for ``organization``: the key object and the key itself, which is never stored nor shown again.
    ``ValidationError`` for an empty name or an unknown scope."""
    name = " ".join(name.split())
    if not name:
        raise ValidationError(_("Give the key a name (what uses it)."))
    if len(name) > 100:
        raise ValidationError(_("The name is at most 100 characters."))
    scope_list = parse_scopes(scopes)
    prefix = KEY_START + secrets.token_hex(4)
    key = f"{prefix}_{secrets.token_urlsafe(32)}"
    api_key = ApiKey.objects.create(
        organization=organization,
        name=name,
        prefix=prefix,
        key_hash=digest(key),
        scopes=scope_list,
        created_by=actor.user,
        created_by_label=actor.label[:150],
    )
    record_event(organization, None, "apikey.created", actor, name=name, prefix=prefix, scopes=", ".join(scope_list))
    return api_key, key


@transaction.atomic
def revoke_api_key(api_key: ApiKey, actor: Actor) -> ApiKey:
    """The key stops working at once; revoking a revoked key changes nothing."""
    locked = ApiKey.objects.select_for_update().select_related("organization").get(pk=api_key.pk)
    if locked.revoked_at is None:
        locked.revoked_at = timezone.now()
        locked.save(update_fields=["revoked_at"])
        record_event(locked.organization, None, "apikey.revoked", actor, name=locked.name, prefix=locked.prefix)
    return locked


def touch(api_key: ApiKey) -> None:
    """Note that the key was used (at most once a minute, not a write per request)."""
    now = timezone.now()
    if api_key.last_used_at is None or (now - api_key.last_used_at).total_seconds() > 60:
        ApiKey.objects.filter(pk=api_key.pk).update(last_used_at=now)
        api_key.last_used_at = now


# ---------------------------------------------------------------------------------- credit notes, allocations


class BatchRefused(Exception):
    """Items refused: ``errors`` are ``(item index, field, message)``; nothing was written."""

    def __init__(self, errors: list[tuple[int, str, str]]):
        self.errors = errors
        super().__init__("; ".join(f"{i} {f}: {m}" for i, f, m in errors[:5]))


def _amount(value: Decimal, errors: list[tuple[int, str, str]], index: int, name: str) -> Decimal | None:
    if not value.is_finite() or value <= 0 or value >= MAX_AMOUNT or value != value.quantize(CENT):
        errors.append((index, name, _("an amount above 0 with at most two decimals is expected")))
        return None
    return value


def _currency(value: str | None, default: str, errors: list[tuple[int, str, str]], index: int) -> str:
    if not value:
        return default
    try:
        return parse_known_currency(value)
    except AmountError as exc:
        errors.append((index, "currency", str(exc)))
        return default


def _name(value: str, errors: list[tuple[int, str, str]], index: int, name: str, max_length: int) -> str:
    text = value.strip()
    if not text:
        errors.append((index, name, _("a value is expected")))
    elif len(text) > max_length:
        errors.append((index, name, _("at most %(count)s characters") % {"count": max_length}))
    elif (char := control_character(text)) is not None:
        errors.append((index, name, control_message(text, char)))
    return text


def _clean(values: Iterable[str | None]) -> set[str]:
    """The values worth looking up: given, and without a control character (which the database may refuse)."""
    return {v for v in values if v and control_character(v) is None}


def record_credit_notes(organization: Organization, actor: Actor, items: list[dict[str, Any]]) -> list[CreditNote]:
    """Create the credit notes of ``items`` (``number``, ``customer_ref``, ``issue_date``, ``total``, optional
    ``currency`` and ``invoice_number``: the invoice it corrects, of the same customer), all or none:
    ``BatchRefused`` names each refused item and field."""
    errors: list[tuple[int, str, str]] = []
    customers = {
        c.ref: c for c in ledger.customers(organization).filter(ref__in=_clean(i["customer_ref"] for i in items))
    }
    invoices = {
        i.number: i
        for i in ledger.invoices(organization).filter(number__in=_clean(i.get("invoice_number") for i in items))
    }
    existing = set(
        ledger.credit_notes(organization)
        .filter(number__in=_clean(i["number"] for i in items))
        .values_list("number", flat=True)
    )
    seen: dict[str, int] = {}
    planned = []
    for index, item in enumerate(items):
        number = _name(item["number"], errors, index, "number", 60)
        if number in existing:
            errors.append((index, "number", _("the credit note %(number)s already exists") % {"number": number}))
        elif number in seen:
            errors.append((index, "number", _("the same number as item %(item)s") % {"item": seen[number]}))
        seen.setdefault(number, index)
        customer = customers.get(item["customer_ref"])
        if customer is None:
            errors.append((index, "customer_ref", _("unknown customer %(ref)s") % {"ref": item["customer_ref"]}))
        total = _amount(item["total"], errors, index, "total")
        currency = _currency(item.get("currency"), organization.currency, errors, index)
        invoice = None
        if item.get("invoice_number"):
            invoice = invoices.get(item["invoice_number"])
            if invoice is None or (customer is not None and invoice.customer_id != customer.pk):
                errors.append(
                    (
                        index,
                        "invoice_number",
                        _("no invoice %(number)s of this customer") % {"number": item["invoice_number"]},
                    )
                )
        planned.append((number, customer, item["issue_date"], total, currency, invoice))
    if errors:
        raise BatchRefused(errors)
    with transaction.atomic():
        return [
            create_credit_note(
                organization,
                actor,
                customer=customer,
                number=number,
                issued_on=issued_on,
                total=total,
                currency=currency,
                invoice=invoice,
                source=Source.API,
            )
            for number, customer, issued_on, total, currency, invoice in planned
        ]


def record_allocations(organization: Organization, actor: Actor, items: list[dict[str, Any]]) -> list[Allocation]:
    """Apply payments and credit notes to invoices: ``invoice_number``, ``payment_id`` or ``credit_note_number``,
    ``amount``, optional ``date``; each between a payment or credit note and an invoice of the same customer, within
    what the invoice still owes and what the payment or the credit note
    has left (counting the items before it), in the same currency; all or none (``BatchRefused``)."""
    errors: list[tuple[int, str, str]] = []
    invoices = {
        i.number: i for i in ledger.invoices(organization).filter(number__in=_clean(i["invoice_number"] for i in items))
    }
    keys = {payment_id_key(v) for v in _clean(i.get("payment_id") for i in items)}
    payments = {p.source_key: p for p in ledger.payments(organization).filter(source_key__in=keys)}
    notes = {
        n.number: n
        for n in ledger.credit_notes(organization).filter(number__in=_clean(i.get("credit_note_number") for i in items))
    }
    owed: dict[int, Decimal] = {}
    left: dict[tuple[str, int], Decimal] = {}
    planned = []
    for index, item in enumerate(items):
        invoice = invoices.get(item["invoice_number"])
        if invoice is None:
            errors.append(
                (index, "invoice_number", _("unknown invoice %(number)s") % {"number": item["invoice_number"]})
            )
        payment = note = None
        if bool(item.get("payment_id")) == bool(item.get("credit_note_number")):
            errors.append((index, "payment_id", _("give either payment_id or credit_note_number")))
        elif item.get("payment_id"):
            payment = payments.get(payment_id_key(item["payment_id"]))
            if payment is None:
                errors.append((index, "payment_id", _("unknown payment %(id)s") % {"id": item["payment_id"]}))
        else:
            note = notes.get(item["credit_note_number"])
            if note is None:
                errors.append(
                    (
                        index,
                        "credit_note_number",
                        _("unknown credit note %(number)s") % {"number": item["credit_note_number"]},
                    )
                )
        amount = _amount(item["amount"], errors, index, "amount")
        source: Any = payment or note
        if invoice is None or source is None or amount is None:
            continue
        if source.customer_id != invoice.customer_id:
            errors.append((index, "invoice_number", _("the invoice is another customer's")))
            continue
        if source.currency != invoice.currency:
            errors.append(
                (
                    index,
                    "amount",
                    _("the invoice is in %(invoice)s, the payment or credit note in %(other)s")
                    % {"invoice": invoice.currency, "other": source.currency},
                )
            )
            continue
        still_owed = owed.get(invoice.pk, invoice.open_amount)
        doc = ("payment" if payment else "note", source.pk)
        still_left = left.get(doc, source.unallocated_amount)
        if amount > still_owed:
            errors.append(
                (index, "amount", _("more than the %(open)s the invoice still owes") % {"open": f"{still_owed:.2f}"})
            )
        elif amount > still_left:
            errors.append((index, "amount", _("more than the %(left)s left to apply") % {"left": f"{still_left:.2f}"}))
        else:
            owed[invoice.pk] = still_owed - amount
            left[doc] = still_left - amount
            planned.append((invoice, payment, note, amount, item.get("date")))
    if errors:
        raise BatchRefused(errors)
    with transaction.atomic():
        done = [
            allocate(
                actor,
                invoice=invoice,
                amount=amount,
                payment=payment,
                credit_note=note,
                allocated_on=on or max(payment.received_on if payment else note.issued_on, invoice.issued_on),
                source=Source.API,
            )
            for invoice, payment, note, amount, on in planned
        ]
        from recouvre.tasks.settled import close_settled_tasks

        # calls and escalation steps about invoices now settled are closed, as after cash applied by hand
        close_settled_tasks(organization, actor=actor, customers=list({i.customer for i, *_rest in planned}))
        return done
