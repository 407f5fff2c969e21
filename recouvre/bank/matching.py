"""Writes of cash application: the organization's unmatched credits matched against its open invoices, applied
or put in the review queue; a suggestion accepted, an entry ignored, an application undone.

``match_entries`` reads the unmatched credits (money in) and, set-based, the open invoices, the customers (their
name, their payment reference ``customer_rf``, the IBANs linked to them) and the invoices settled in the last
year; the pure engine (``recouvre.core.matching``, rules in docs/matching.md) proposes. A proposal at or above the
organization's threshold (``BankMatchSettings``) is **applied**: a payment of the entry's amount (``Source.BANK``,
dated the booking date, with the payer's name, IBAN and reference) allocated to the invoices, whose open amounts
the database keeps; a shortfall within the tolerance written off with a ledger credit (``EC-B<entry>``) on the
last invoice; an excess within the tolerance, or an over-payment, left unallocated on the payment (on the
customer's account); a ``bank.payment_applied`` event on the customer's timeline; the entry ``applied``. Reminders
stop by themselves: the invoices paid have nothing open. The other proposals wait (``BankSuggestion``, ranked) and
the entry is ``suggested``. A batched entry is matched transaction by transaction (``part``).

``accept_suggestion`` applies a suggestion the same way and links the payer's IBAN to the customer
(``CustomerIban``), so the next transfer from it points to the customer. ``ignore_entry`` sets aside an entry
that is not a customer's payment. ``unapply_entry`` undoes: the payments and their allocations, the credits of
the differences written off are removed (the invoices are open again by as much), and the entry waits for review
again with what the matching now proposes (never applied again by itself). Each change leaves an event.

A credit left for a person that points to a customer holds that customer's reminders while it is identified
(``recouvre.bank.identify``); the hold ends when the entry is applied or set aside. Splitting an entry by hand over
the invoices a person chooses is ``recouvre.bank.manual``; both reuse the pieces here (``Plan``, ``apply_plan``,
``locked_entry``, ``payer_detail``, ``link_payer_iban``).
"""

from __future__ import annotations

import json as jsonlib
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Context as DecimalContext
from decimal import Decimal
from typing import Any

from django.db import connection, transaction
from django.db.models import CharField, QuerySet
from django.db.models.functions import Cast
from django.utils import timezone
from django.utils.translation import gettext as _

from recouvre.core.creditor_ref import customer_rf
from recouvre.core.matching import (
    Credit,
    CustomerInfo,
    Detail,
    MatchIndex,
    MatchSettings,
    OpenItem,
    Proposal,
    Reason,
    SettledInvoice,
    Why,
    compact_iban,
    describe,
    match,
)
from recouvre.imports.bulk import insert_with_defaults, json_text, select_in
from recouvre.ledger.actors import Actor
from recouvre.ledger.models import Allocation, CreditNote, Customer, Invoice, Payment, PaymentMethod, Source
from recouvre.ledger.services import bulk_record_events, record_event
from recouvre.organizations.models import Organization

from . import identify
from .models import BankApplication, BankEntry, BankMatchSettings, BankSuggestion, CustomerIban, EntryState
from .rows import ENTRY_ROW_FIELDS, EntryRow

AnyEntry = BankEntry | EntryRow

CENT = Decimal("0.01")
SETTLED_LOOKBACK_DAYS = 365
"""Invoices settled (nothing open) whose due date is within this many days are known by their number: a transfer
quoting one is suggested as a possible payment made twice, never applied."""


class MatchRefused(Exception):
    """The change is refused (the message says why); nothing was written."""


@dataclass(slots=True)
class MatchResult:
    """What ``match_entries`` did: ``applied`` entries, ``suggested`` ones, credits left ``unmatched``, and per
    entry (``entries``) its state and what was applied or suggested."""

    applied: int = 0
    suggested: int = 0
    unmatched: int = 0
    entries: list[dict[str, Any]] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return {
            "applied": self.applied,
            "suggested": self.suggested,
            "unmatched": self.unmatched,
            "entries": self.entries,
        }


@dataclass(frozen=True, slots=True)
class Plan:
    """What applying a proposal, a suggestion or a split by hand writes."""

    customer_id: int
    part: int | None
    amount: Decimal
    currency: str
    allocations: tuple[tuple[int, Decimal], ...]
    write_off_invoice_id: int | None
    write_off_amount: Decimal
    confidence: float
    reasons: list[dict[str, Any]]


# --------------------------------------------------------------------------------------------- settings and index


def match_settings(organization: Organization) -> MatchSettings:
    """The organization's threshold and tolerance (``BankMatchSettings``), else the engine's defaults."""
    row = BankMatchSettings.objects.filter(organization=organization).first()
    if row is None:
        return MatchSettings()
    return MatchSettings(auto_threshold=float(row.auto_threshold), tolerance=row.tolerance)


def build_index(
    organization: Organization, *, today: date | None = None, numbers: dict[int, str] | None = None
) -> MatchIndex:
    """The engine's index of the organization: its open invoices, its customers and the invoices settled lately,
    each read in one query. ``numbers``, when given, receives the number of every invoice read (by id)."""
    today = today or timezone.localdate()
    invoices = Invoice.objects.filter(organization=organization).order_by()
    # Hundreds of thousands of invoices: the rows are read as the database gives them (the queryset's own SQL),
    # without Django's per-value converters, the amounts made decimals here (SQLite gives numbers).
    decimal = _decimal_reader(Invoice, "open_amount")
    day = _date_reader()
    open_items = [
        OpenItem(pk, customer_id, number, decimal(open_amount), currency, day(due_on), day(issued_on))
        for pk, customer_id, number, open_amount, currency, due_on, issued_on in _plain_rows(
            invoices.filter(open_amount__gt=0).values_list(
                "pk", "customer_id", "number", "open_amount", "currency", *_date_columns("due_on", "issued_on")
            )
        )
    ]
    settled = [
        SettledInvoice(pk, customer_id, number)
        for pk, customer_id, number in invoices.filter(
            open_amount__lte=0, due_on__gte=today - timedelta(days=SETTLED_LOOKBACK_DAYS)
        ).values_list("pk", "customer_id", "number")
    ]
    if numbers is not None:
        numbers.update((item.invoice_id, item.number) for item in open_items)
        numbers.update((item.invoice_id, item.number) for item in settled)
    ibans: dict[int, list[str]] = {}
    for customer_id, iban in CustomerIban.objects.filter(organization=organization).values_list("customer_id", "iban"):
        ibans.setdefault(customer_id, []).append(iban)
    org_id = organization.pk
    customers = [
        CustomerInfo(pk, name, customer_rf(org_id, pk), tuple(ibans.get(pk, ())))
        for pk, name in _plain_rows(
            Customer.objects.filter(organization=organization).order_by().values_list("pk", "name")
        )
    ]
    return MatchIndex.build(open_items, customers, settled)


def _decimal_reader(model: Any, name: str) -> Callable[[Any], Decimal]:
    """What makes a decimal of a value of ``model.name`` as the database driver gives it, as Django's own
    converter would: PostgreSQL gives decimals; SQLite gives numbers (15 significant digits), quantized to the
    field's decimal places."""
    model_field = model._meta.get_field(name)
    model_field = getattr(model_field, "output_field", None) or model_field  # a generated column's type
    places = Decimal(1).scaleb(-model_field.decimal_places)
    context = model_field.context
    from_number = DecimalContext(prec=15).create_decimal_from_float

    def read(value: Any) -> Decimal:
        return value if type(value) is Decimal else from_number(value).quantize(places, context=context)

    return read


def _date_columns(*names: str) -> tuple[Any, ...]:
    """Date columns of a plain read (``_plain_rows``): on SQLite, their text (the driver would parse each value
    with Django's converter; ``_date_reader`` parses each distinct day once), elsewhere the columns themselves."""
    if connection.vendor != "sqlite":
        return names
    return tuple(Cast(name, output_field=CharField()) for name in names)


def _date_reader() -> Callable[[Any], date]:
    """What makes a date of a value of a date column read by ``_plain_rows`` (``_date_columns``): a date as it is,
    a text (``YYYY-MM-DD``) parsed as Django would, once per distinct day."""
    days: dict[Any, date] = {}
    fromiso = date.fromisoformat

    def read(value: Any) -> date:
        if type(value) is date:
            return value
        found = days.get(value)
        if found is None:
            found = days[value] = fromiso(value)
        return found

    return read


def _plain_rows(qs: QuerySet[Any]) -> Iterable[tuple[Any, ...]]:
    """The rows of a ``values_list`` queryset through the DB-API cursor: the same SQL (so the same rows in the
    same order), the values as the database driver gives them."""
    sql, params = qs.query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        while rows := cursor.fetchmany(5000):
            yield from rows


def _credit(entry: AnyEntry) -> Credit:
    details = []
    for d in entry.details or []:
        try:
            amount = Decimal(str(d.get("amount")))
        except ArithmeticError:
            details = []
            break
        details.append(
            Detail(
                amount=amount,
                text=d.get("text") or "",
                name=d.get("counterparty_name") or "",
                iban=d.get("counterparty_iban") or "",
                creditor_reference=d.get("creditor_reference") or "",
            )
        )
    return Credit(
        id=entry.pk,
        amount=entry.amount,
        currency=entry.currency,
        booking_date=entry.booked_on,
        text=entry.text,
        counterparty_name=entry.counterparty_name,
        counterparty_iban=entry.counterparty_iban,
        creditor_reference=entry.creditor_reference,
        details=tuple(details),
    )


def _reasons(reasons: Iterable[Reason]) -> list[dict[str, Any]]:
    return [{"code": str(r.code), "params": dict(r.params)} for r in reasons]


def reason_text(reason: dict[str, Any]) -> str:
    """A stored reason (``{code, params}``) in words, in the active language."""
    try:
        code = Why(reason.get("code", ""))
    except ValueError:
        return str(reason.get("code", ""))
    return describe(Reason(code, dict(reason.get("params") or {})))


def _plan(p: Proposal) -> Plan:
    return Plan(
        customer_id=p.customer_id,
        part=p.part,
        amount=p.amount.quantize(CENT),
        currency=p.currency,
        allocations=tuple((a.invoice_id, a.amount) for a in p.allocations),
        write_off_invoice_id=p.write_off_invoice_id,
        write_off_amount=p.write_off_amount if p.write_off_invoice_id else Decimal("0.00"),
        confidence=p.confidence,
        reasons=_reasons(p.reasons),
    )


# --------------------------------------------------------------------------------------------- the matching


def match_entries(
    organization: Organization,
    entry_ids: Iterable[int] | None = None,
    *,
    actor: Actor,
    today: date | None = None,
    one_by_one: bool = False,
    details: bool = True,
    savepoint: bool = True,
) -> MatchResult:
    """Match the organization's unmatched credits (``entry_ids``: only these) against its open invoices: apply the
        proposals at or above the threshold, keep the others for review. One transaction. The automatic matches are
        written all at once; ``one_by_one`` writes them each in turn instead (the reference the set-based writing is
        checked against: the same rows and events). Without ``details``, ``entries`` of the result is left empty (an
    import reports only the counts). Without ``savepoint``, called within a transaction that fails whole when the
    matching fails (an import), no savepoint is made: on SQLite, every page the matching changes would otherwise be
    copied first to a journal of the savepoint (as much as the matching writes)."""
    with transaction.atomic(savepoint=savepoint):
        Organization.objects.select_for_update().filter(pk=organization.pk).first()
        qs = BankEntry.objects.filter(organization=organization, state=EntryState.UNMATCHED, amount__gt=0)
        if isinstance(entry_ids, QuerySet):
            qs = qs.filter(pk__in=entry_ids)  # a subquery, however many
        elif entry_ids is not None:
            qs = qs.filter(pk__in=sorted({int(i) for i in entry_ids}))
        # Plain rows, not model instances: an import matches tens of thousands of credits at once.
        rows = _entry_rows(qs.order_by("booked_on", "pk"))
        result = MatchResult()
        if not rows:
            return result
        settings = match_settings(organization)
        known: dict[int, str] = {}
        index = build_index(organization, today=today, numbers=known)
        proposals = match([_credit(r) for r in rows], index, settings)
        numbers = _numbers(organization, proposals, known)
        pending: list[tuple[AnyEntry, Proposal, int]] = []
        states: dict[str, list[int]] = {}
        # The best proposal of each part at or above the threshold is applied, all at once (``_apply_all``): a
        # plan that no longer fits what is open (an invoice paid meanwhile, or by an earlier transfer of the same
        # run) is not applied but waits for review with the other proposals of its part.
        parts: list[list[list[Proposal]]] = []
        auto: list[tuple[AnyEntry, Plan]] = []
        for entry, found in zip(rows, proposals, strict=True):
            by_part: dict[int | None, list[Proposal]] = {}
            for p in found:
                by_part.setdefault(p.part, []).append(p)
            parts.append(list(by_part.values()))
            auto.extend((entry, _plan(ranked[0])) for ranked in by_part.values() if ranked[0].auto)
        if one_by_one:
            refused = _apply_one_by_one(organization, auto, actor=actor)
        else:
            refused = _apply_all(organization, auto, actor=actor)
        for entry, ranked_parts in zip(rows, parts, strict=True):
            report: dict[str, Any] = {"entry": entry.pk, "applied": [], "suggested": []}
            suggested = False
            for ranked in ranked_parts:
                best = ranked[0]
                if best.auto and (entry.pk, best.part) not in refused:
                    report["applied"].append(_report(best) if details else None)
                    continue
                for rank, p in enumerate(ranked):
                    pending.append((entry, p, rank))
                    if details:
                        report["suggested"].append(_report(p))
                    suggested = True
            if suggested:
                state = EntryState.SUGGESTED
            elif report["applied"]:
                state = EntryState.APPLIED
            else:
                state = EntryState.UNMATCHED
            report["state"] = str(state)
            if state != EntryState.UNMATCHED:
                states.setdefault(state, []).append(entry.pk)
            if details:
                result.entries.append(report)
            if state == EntryState.APPLIED:
                result.applied += 1
            elif state == EntryState.SUGGESTED:
                result.suggested += 1
            else:
                result.unmatched += 1
        _insert_suggestions(organization, pending, numbers)
        _write_states(states)
        if len(auto) > len(refused):
            _close_settled_tasks(organization, actor)
        # The credits left for a person that point to a customer hold its reminders while they are identified.
        applied = set(states.get(EntryState.APPLIED, ()))
        waiting = [r for r in rows if r.pk not in applied]
        suggested: identify.Suggested = {}
        for entry, p, _rank in pending:
            suggested.setdefault(entry.pk, []).append(
                (p.customer_id, p.part, identify.identifying(r.code for r in p.reasons))
            )
        identify.place_holds(
            organization, [r.pk for r in waiting], actor=actor, today=today, entries=waiting, suggested=suggested
        )
        return result


def _entry_rows(qs: QuerySet[BankEntry]) -> list[EntryRow]:
    """The entries of ``qs`` as plain rows, read without Django's per-value converters (tens of thousands at once):
    the amounts made decimals as Django would, the transactions decoded from their JSON text."""
    amount = _decimal_reader(BankEntry, "amount")
    loads = jsonlib.loads
    day = _date_reader()
    # the booking date last: a column read as text (``_date_columns``) comes after the plain ones
    fields = [f for f in ENTRY_ROW_FIELDS if f != "booked_on"]
    return [
        EntryRow(
            pk,
            amount(value),
            currency,
            day(booked_on),
            text,
            name,
            iban,
            reference,
            end_to_end_id,
            loads(details) if type(details) is str else details,
        )
        for pk, value, currency, text, name, iban, reference, end_to_end_id, details, booked_on in _plain_rows(
            qs.values_list(*fields, *_date_columns("booked_on"))
        )
    ]


def _write_states(states: dict[str, list[int]]) -> None:
    """The entries' new states, one ``UPDATE`` per state and thousands of entries (plain statements: the ORM would
    prepare each id of each list)."""
    table = connection.ops.quote_name(BankEntry._meta.db_table)
    with connection.cursor() as cursor:
        for state, ids in states.items():
            for chunk in _id_chunks(ids):
                marks = ", ".join(["%s"] * len(chunk))
                cursor.execute(f"UPDATE {table} SET state = %s WHERE id IN ({marks})", [str(state), *chunk])


def _numbers(
    organization: Organization, proposals: Iterable[Sequence[Proposal]], known: dict[int, str] | None = None
) -> dict[int, str]:
    """The numbers of the invoices the proposals allocate to: those ``known`` (read with the index), the others in
    one query per 5 000."""
    known = known or {}
    wanted = {a.invoice_id for found in proposals for p in found for a in p.allocations}
    numbers: dict[int, str] = {i: known[i] for i in wanted if i in known}
    ids = sorted(wanted - numbers.keys())
    for start in range(0, len(ids), 5000):
        chunk = ids[start : start + 5000]
        numbers.update(Invoice.objects.filter(organization=organization, pk__in=chunk).values_list("pk", "number"))
    return numbers


def _settle(
    organization: Organization,
    entry: BankEntry,
    proposals: Sequence[Proposal],
    numbers: dict[int, str],
    pending: list[BankSuggestion],
    *,
    actor: Actor,
    apply_auto: bool,
) -> tuple[str, dict[str, Any]]:
    """Apply the automatic proposals of ``entry`` (per part); the others are added to ``pending`` (the caller
    writes them and the entry's state, once for all entries); its new state."""
    by_part: dict[int | None, list[Proposal]] = {}
    for p in proposals:
        by_part.setdefault(p.part, []).append(p)
    report: dict[str, Any] = {"entry": entry.pk, "applied": [], "suggested": []}
    suggestions = []
    for ranked in by_part.values():
        best = ranked[0]
        if apply_auto and best.auto:
            apply_plan(organization, entry, _plan(best), actor=actor, auto=True)
            report["applied"].append(_report(best))
            continue
        for rank, p in enumerate(ranked):
            suggestions.append(_suggestion(organization, entry, p, rank, numbers))
            report["suggested"].append(_report(p))
    pending.extend(suggestions)
    if suggestions:
        state = EntryState.SUGGESTED
    elif report["applied"]:
        state = EntryState.APPLIED
    else:
        state = EntryState.UNMATCHED
    report["state"] = str(state)
    return state, report


def _report(p: Proposal) -> dict[str, Any]:
    return {
        "customer_id": p.customer_id,
        "part": p.part,
        "amount": str(p.amount),
        "currency": p.currency,
        "allocations": [{"invoice_id": a.invoice_id, "amount": str(a.amount)} for a in p.allocations],
        "write_off": str(p.write_off_amount) if p.write_off_invoice_id else "0.00",
        "confidence": round(p.confidence, 4),
        "reasons": [describe(r) for r in p.reasons],
    }


def _suggestion(
    organization: Organization, entry: BankEntry, p: Proposal, rank: int, numbers: dict[int, str]
) -> BankSuggestion:
    return BankSuggestion(
        organization=organization,
        entry=entry,
        customer_id=p.customer_id,
        part=p.part,
        amount=p.amount.quantize(CENT),
        currency=p.currency,
        allocations=[
            {"invoice_id": a.invoice_id, "number": numbers.get(a.invoice_id, ""), "amount": str(a.amount)}
            for a in p.allocations
        ],
        unapplied=p.unapplied.quantize(CENT),
        write_off_invoice_id=p.write_off_invoice_id,
        write_off_amount=p.write_off_amount if p.write_off_invoice_id else Decimal("0.00"),
        confidence=p.confidence,
        reasons=_reasons(p.reasons),
        rank=rank,
    )


def payer_detail(entry: AnyEntry, part: int | None) -> dict[str, Any]:
    if part is not None and entry.details and 0 <= part < len(entry.details):
        detail = entry.details[part]
        return {
            "name": detail.get("counterparty_name") or entry.counterparty_name,
            "iban": detail.get("counterparty_iban") or "",
            "reference": detail.get("creditor_reference") or detail.get("text") or "",
        }
    return {
        "name": entry.counterparty_name,
        "iban": entry.counterparty_iban,
        "reference": entry.creditor_reference or entry.end_to_end_id or entry.text,
    }


def apply_plan(organization: Organization, entry: AnyEntry, plan: Plan, *, actor: Actor, auto: bool) -> BankApplication:
    """The payment, its allocations, the credit of a shortfall written off, the event; refused (``MatchRefused``)
    when an invoice has less open than the plan gives it (paid meanwhile)."""
    customer = Customer.objects.get(organization=organization, pk=plan.customer_id)
    invoice_ids = [i for i, _a in plan.allocations]
    if plan.write_off_invoice_id:
        invoice_ids.append(plan.write_off_invoice_id)
    invoices = {
        inv.pk: inv
        for inv in Invoice.objects.select_for_update(of=("self",)).filter(
            organization=organization, customer=customer, pk__in=invoice_ids
        )
    }
    needed: dict[int, Decimal] = {}
    for invoice_id, amount in plan.allocations:
        needed[invoice_id] = needed.get(invoice_id, Decimal("0")) + amount
    if plan.write_off_invoice_id:
        needed[plan.write_off_invoice_id] = needed.get(plan.write_off_invoice_id, Decimal("0")) + plan.write_off_amount
    for invoice_id, amount in needed.items():
        invoice = invoices.get(invoice_id)
        if invoice is None:
            raise MatchRefused(_("an invoice of this match no longer exists"))
        invoice.refresh_from_db(fields=["allocated_amount", "open_amount"])
        if amount > invoice.open_amount:
            raise MatchRefused(
                _("invoice %(number)s has %(open)s %(currency)s open, less than the %(amount)s of this match")
                % {
                    "number": invoice.number,
                    "open": invoice.open_amount,
                    "currency": invoice.currency,
                    "amount": amount,
                }
            )
    who = payer_detail(entry, plan.part)
    key = f"bank:{entry.pk}" + ("" if plan.part is None else f":{plan.part}")
    payment = Payment.objects.create(
        organization=organization,
        customer=customer,
        received_on=entry.booked_on,
        amount=plan.amount,
        currency=plan.currency,
        method=PaymentMethod.TRANSFER,
        reference=str(who["reference"])[:140],
        payer_name=str(who["name"])[:200],
        payer_iban=compact_iban(str(who["iban"]))[:34],
        source_key=key,
        source=Source.BANK,
    )
    Allocation.objects.bulk_create(
        [
            Allocation(
                organization=organization,
                invoice_id=invoice_id,
                payment=payment,
                amount=amount,
                allocated_on=entry.booked_on,
                source=Source.BANK,
            )
            for invoice_id, amount in plan.allocations
            if amount > 0
        ]
    )
    credit = None
    if plan.write_off_invoice_id and plan.write_off_amount > 0:
        invoice = invoices[plan.write_off_invoice_id]
        credit = CreditNote.objects.create(
            organization=organization,
            customer=customer,
            number=f"EC-B{entry.pk}" + ("" if plan.part is None else f"-{plan.part + 1}"),
            issued_on=entry.booked_on,
            total=plan.write_off_amount,
            currency=invoice.currency,
            invoice=invoice,
            source=Source.BANK,
            source_ref="bank-difference",
        )
        Allocation.objects.create(
            organization=organization,
            invoice=invoice,
            credit_note=credit,
            amount=plan.write_off_amount,
            allocated_on=entry.booked_on,
            source=Source.BANK,
        )
    application = BankApplication.objects.create(
        organization=organization,
        entry_id=entry.pk,
        customer=customer,
        part=plan.part,
        payment=payment,
        credit_note=credit,
        confidence=plan.confidence,
        reasons=plan.reasons,
        auto=auto,
        actor_label=actor.label[:150],
    )
    numbers = {pk: inv.number for pk, inv in invoices.items()}
    record_event(
        organization,
        customer,
        "bank.payment_applied",
        actor,
        entry=entry.pk,
        booked_on=entry.booked_on,
        amount=plan.amount,
        currency=plan.currency,
        invoices=", ".join(numbers[i] for i, _a in plan.allocations),
        allocations=[{"invoice": numbers[i], "amount": str(a)} for i, a in plan.allocations],
        unapplied=str(plan.amount - sum((a for _i, a in plan.allocations), Decimal("0"))),
        write_off=str(plan.write_off_amount) if credit else "0.00",
        confidence=round(plan.confidence, 4),
        reasons=plan.reasons,
        auto=auto,
    )
    return application


def _apply_one_by_one(
    organization: Organization, auto: Sequence[tuple[AnyEntry, Plan]], *, actor: Actor
) -> set[tuple[int, int | None]]:
    """Apply each plan in turn (``apply_plan``); the ``(entry, part)`` of those refused."""
    refused: set[tuple[int, int | None]] = set()
    for entry, plan in auto:
        try:
            apply_plan(organization, entry, plan, actor=actor, auto=True)
        except MatchRefused:
            refused.add((entry.pk, plan.part))
    return refused


def _id_chunks(ids: Sequence[int]) -> Iterable[Sequence[int]]:
    size = min(5000, max(100, (connection.features.max_query_params or 5000) - 10))
    for start in range(0, len(ids), size):
        yield ids[start : start + size]


PAYMENT_FIELDS = ("organization", "customer", "received_on", "amount", "currency", "method", "reference",
                  "payer_name", "payer_iban", "source_key", "source")  # fmt: skip
CREDIT_FIELDS = ("organization", "customer", "number", "issued_on", "total", "currency", "invoice", "source",
                 "source_ref")  # fmt: skip
ALLOCATION_FIELDS = ("organization", "invoice", "payment", "credit_note", "amount", "allocated_on", "source")
APPLICATION_FIELDS = ("organization", "entry", "customer", "part", "payment", "credit_note", "confidence", "reasons",
                      "auto", "actor_label")  # fmt: skip
SUGGESTION_FIELDS = ("organization", "entry", "customer", "part", "amount", "currency", "allocations", "unapplied",
                     "write_off_invoice_id", "write_off_amount", "confidence", "reasons", "rank")  # fmt: skip


def _json_prep(model: Any, name: str) -> Callable[[Any], Any]:
    """A JSON value as the database takes it in ``insert_rows``."""
    if connection.vendor == "sqlite":
        return json_text  # the text Django would write, without its per-value wrappers
    model_field = model._meta.get_field(name)
    return lambda value: model_field.get_db_prep_save(value, connection)


def _read_back(model: Any, organization: Organization, field_name: str, values: Sequence[str]) -> dict[str, int]:
    """The ids of the organization's rows of ``model`` just inserted, by a field unique in the organization."""
    meta = model._meta
    qn = connection.ops.quote_name
    column = qn(meta.get_field(field_name).column)
    sql = (
        f"SELECT {column}, {qn(meta.pk.column)} FROM {qn(meta.db_table)} "
        f"WHERE {qn(meta.get_field('organization').column)} = %s AND {column} IN ({{marks}})"
    )
    return dict(select_in(sql, [organization.pk], values))


def _insert_suggestions(organization: Organization, suggestions: Sequence[tuple[AnyEntry, Proposal, int]],
                        numbers: dict[int, str]) -> None:  # fmt: skip
    """The suggestions ``(entry, proposal, rank)`` written as ``_suggestion`` would make them, many rows at once."""
    allocations = _json_prep(BankSuggestion, "allocations")
    reasons = _json_prep(BankSuggestion, "reasons")
    org_id = organization.pk
    zero = Decimal("0.00")
    insert_with_defaults(
        BankSuggestion,
        SUGGESTION_FIELDS,
        (
            (org_id, entry.pk, p.customer_id, p.part, p.amount.quantize(CENT), p.currency,
             allocations([{"invoice_id": a.invoice_id, "number": numbers.get(a.invoice_id, ""),
                           "amount": str(a.amount)} for a in p.allocations]),
             p.unapplied.quantize(CENT), p.write_off_invoice_id,
             p.write_off_amount if p.write_off_invoice_id else zero, p.confidence, reasons(_reasons(p.reasons)), rank)
            for entry, p, rank in suggestions
        ),
    )  # fmt: skip


def _apply_all(
    organization: Organization, auto: Sequence[tuple[AnyEntry, Plan]], *, actor: Actor
) -> set[tuple[int, int | None]]:
    """Apply the automatic plans all at once, writing what ``apply_plan`` writes for each (payments, allocations,
    credits of the differences written off, applications, ``bank.payment_applied`` events), a few queries per
    thousands of plans. The invoices are read (and locked) once; each plan, in order, takes what it allocates from
    what is open, so a plan asking more than is left (an invoice paid meanwhile, or by an earlier plan of the same
    run) is refused: the ``(entry, part)`` of those refused, nothing written for them."""
    refused: set[tuple[int, int | None]] = set()
    if not auto:
        return refused
    wanted = sorted(
        {i for _e, plan in auto for i, _a in plan.allocations}
        | {plan.write_off_invoice_id for _e, plan in auto if plan.write_off_invoice_id}
    )
    invoices: dict[int, tuple[int, str, str]] = {}
    open_now: dict[int, Decimal] = {}
    decimal = _decimal_reader(Invoice, "open_amount")
    qn = connection.ops.quote_name
    columns = ", ".join(qn(Invoice._meta.get_field(f).column) for f in ("id", "customer", "number", "currency",
                                                                         "open_amount"))  # fmt: skip
    lock = " FOR UPDATE" if connection.features.has_select_for_update_of else ""
    sql = (
        f"SELECT {columns} FROM {qn(Invoice._meta.db_table)} WHERE {qn('organization_id')} = %s "
        f"AND {qn('id')} IN ({{marks}}){lock}"
    )
    for pk, customer_id, number, currency, open_amount in select_in(sql, [organization.pk], wanted):
        invoices[pk] = (customer_id, number, currency)
        open_now[pk] = decimal(open_amount)
    accepted: list[tuple[AnyEntry, Plan]] = []
    for entry, plan in auto:
        needed: dict[int, Decimal] = {}
        for invoice_id, amount in plan.allocations:
            needed[invoice_id] = needed.get(invoice_id, Decimal("0")) + amount
        if plan.write_off_invoice_id:
            wid = plan.write_off_invoice_id
            needed[wid] = needed.get(wid, Decimal("0")) + plan.write_off_amount
        if any(
            i not in invoices or invoices[i][0] != plan.customer_id or amount > open_now[i]
            for i, amount in needed.items()
        ):
            refused.add((entry.pk, plan.part))
            continue
        for i, amount in needed.items():
            open_now[i] -= amount
        accepted.append((entry, plan))
    if not accepted:
        return refused

    org_id = organization.pk
    keys = [f"bank:{entry.pk}" + ("" if plan.part is None else f":{plan.part}") for entry, plan in accepted]
    payment_rows = []
    for (entry, plan), key in zip(accepted, keys, strict=True):
        who = payer_detail(entry, plan.part)
        payment_rows.append(
            (org_id, plan.customer_id, entry.booked_on, plan.amount, plan.currency, PaymentMethod.TRANSFER.value,
             str(who["reference"])[:140], str(who["name"])[:200], compact_iban(str(who["iban"]))[:34], key,
             Source.BANK.value)
        )  # fmt: skip
    insert_with_defaults(Payment, PAYMENT_FIELDS, payment_rows)
    payment_of = _read_back(Payment, organization, "source_key", keys)
    payments = [payment_of[key] for key in keys]
    allocation_rows: list[tuple[Any, ...]] = [
        (org_id, invoice_id, payment, None, amount, entry.booked_on, Source.BANK.value)
        for (entry, plan), payment in zip(accepted, payments, strict=True)
        for invoice_id, amount in plan.allocations
        if amount > 0
    ]
    credit_rows = []
    credit_numbers: list[str | None] = []
    for entry, plan in accepted:
        if plan.write_off_invoice_id and plan.write_off_amount > 0:
            number = f"EC-B{entry.pk}" + ("" if plan.part is None else f"-{plan.part + 1}")
            credit_rows.append(
                (org_id, plan.customer_id, number, entry.booked_on, plan.write_off_amount,
                 invoices[plan.write_off_invoice_id][2], plan.write_off_invoice_id, Source.BANK.value,
                 "bank-difference")
            )  # fmt: skip
            credit_numbers.append(number)
        else:
            credit_numbers.append(None)
    credit_of: dict[str, int] = {}
    if credit_rows:
        insert_with_defaults(CreditNote, CREDIT_FIELDS, credit_rows)
        credit_of = _read_back(CreditNote, organization, "number", [r[2] for r in credit_rows])
        allocation_rows.extend(
            (org_id, r[6], None, credit_of[r[2]], r[4], r[3], Source.BANK.value) for r in credit_rows
        )
    insert_with_defaults(Allocation, ALLOCATION_FIELDS, allocation_rows)
    credits = [None if n is None else credit_of[n] for n in credit_numbers]
    reasons = _json_prep(BankApplication, "reasons")
    label = actor.label[:150]
    insert_with_defaults(
        BankApplication,
        APPLICATION_FIELDS,
        (
            (org_id, entry.pk, plan.customer_id, plan.part, payment, credit, plan.confidence, reasons(plan.reasons),
             True, label)
            for (entry, plan), payment, credit in zip(accepted, payments, credits, strict=True)
        ),
    )  # fmt: skip
    bulk_record_events(
        organization,
        actor,
        (
            (
                plan.customer_id,
                "bank.payment_applied",
                {
                    "entry": entry.pk,
                    "booked_on": entry.booked_on,
                    "amount": plan.amount,
                    "currency": plan.currency,
                    "invoices": ", ".join(invoices[i][1] for i, _a in plan.allocations),
                    "allocations": [{"invoice": invoices[i][1], "amount": str(a)} for i, a in plan.allocations],
                    "unapplied": str(plan.amount - sum((a for _i, a in plan.allocations), Decimal("0"))),
                    "write_off": str(plan.write_off_amount) if credit else "0.00",
                    "confidence": round(plan.confidence, 4),
                    "reasons": plan.reasons,
                    "auto": True,
                },
            )
            for (entry, plan), credit in zip(accepted, credits, strict=True)
        ),
    )
    return refused


def _close_settled_tasks(organization: Organization, actor: Actor) -> None:
    from recouvre.tasks.settled import close_settled_tasks

    close_settled_tasks(organization, actor=actor)


# --------------------------------------------------------------------------------------------- review


def locked_entry(organization: Organization, entry: BankEntry | int) -> BankEntry:
    pk = entry.pk if isinstance(entry, BankEntry) else int(entry)
    found = BankEntry.objects.select_for_update().filter(organization=organization, pk=pk).first()
    if found is None:
        raise BankEntry.DoesNotExist
    return found


@transaction.atomic
def accept_suggestion(organization: Organization, suggestion: BankSuggestion | int, *, actor: Actor) -> BankApplication:
    """Apply a suggestion as a match would be applied, and link the payer's IBAN to the customer. The other
    suggestions of the same entry (of the same transaction of a batch) are dropped."""
    pk = suggestion.pk if isinstance(suggestion, BankSuggestion) else int(suggestion)
    found = BankSuggestion.objects.filter(organization=organization, pk=pk).first()
    if found is None:
        raise BankSuggestion.DoesNotExist
    entry = locked_entry(organization, found.entry_id)
    found = BankSuggestion.objects.filter(pk=pk).first()  # read again once the entry is locked
    if found is None or entry.state != EntryState.SUGGESTED:
        raise MatchRefused(_("this suggestion is no longer pending"))
    plan = Plan(
        customer_id=found.customer_id,
        part=found.part,
        amount=found.amount,
        currency=found.currency,
        allocations=tuple((int(a["invoice_id"]), Decimal(a["amount"])) for a in found.allocations),
        write_off_invoice_id=found.write_off_invoice_id,
        write_off_amount=found.write_off_amount,
        confidence=found.confidence,
        reasons=list(found.reasons),
    )
    application = apply_plan(organization, entry, plan, actor=actor, auto=False)
    link_payer_iban(organization, entry, application, actor=actor)
    same_part = {"part": found.part} if found.part is not None else {"part__isnull": True}
    BankSuggestion.objects.filter(entry=entry, **same_part).delete()
    if not BankSuggestion.objects.filter(entry=entry).exists():
        entry.state = EntryState.APPLIED
        entry.save(update_fields=["state"])
    identify.release_holds(organization, entry, actor=actor)
    _close_settled_tasks(organization, actor)
    return application


def link_payer_iban(
    organization: Organization, entry: BankEntry, application: BankApplication, *, actor: Actor
) -> None:
    """Link the account the payer of ``application`` paid from to its customer (an event when it is new)."""
    iban = compact_iban(str(payer_detail(entry, application.part)["iban"]))[:34]
    if not iban:
        return
    _link, created = CustomerIban.objects.get_or_create(
        organization=organization, customer_id=application.customer_id, iban=iban, defaults={"linked_by": actor.label}
    )
    if created:
        record_event(organization, application.customer, "bank.iban_linked", actor, iban=iban, entry=entry.pk)


@transaction.atomic
def ignore_entry(organization: Organization, entry: BankEntry | int, *, actor: Actor, reason: str) -> BankEntry:
    """Set aside an entry that is not a customer's payment (fees, a transfer between accounts...): its
    suggestions are dropped. Refused without a reason, or for an entry applied (undo it first)."""
    reason = reason.strip()
    if not reason:
        raise MatchRefused(_("say why this entry is not a customer's payment"))
    entry = locked_entry(organization, entry)
    if entry.state == EntryState.APPLIED or entry.applications.exists():
        raise MatchRefused(_("this entry is applied to invoices: undo it first"))
    if entry.state == EntryState.IGNORED:
        raise MatchRefused(_("this entry is already set aside"))
    entry.suggestions.all().delete()
    entry.state = EntryState.IGNORED
    entry.save(update_fields=["state"])
    identify.release_holds(organization, entry, actor=actor)
    record_event(
        organization,
        None,
        "bank.entry_ignored",
        actor,
        entry=entry.pk,
        booked_on=entry.booked_on,
        amount=entry.amount,
        currency=entry.currency,
        reason=reason,
    )
    return entry


@transaction.atomic
def unapply_entry(organization: Organization, entry: BankEntry | int, *, actor: Actor, note: str = "") -> BankEntry:
    """Undo what was done with an entry. Applied: its payments (with their allocations) and the credits of the
    differences written off are removed, so the invoices are open again by as much; the entry then waits for
    review with what the matching proposes now (suggested; unmatched when nothing). Set aside: back to
    unmatched. One event per customer (``bank.payment_unapplied``) or on the organization."""
    entry = locked_entry(organization, entry)
    applications = list(
        BankApplication.objects.filter(entry=entry).select_related("customer", "payment", "credit_note")
    )
    if entry.state == EntryState.IGNORED:
        entry.state = EntryState.UNMATCHED
        entry.save(update_fields=["state"])
        record_event(organization, None, "bank.entry_restored", actor, entry=entry.pk, note=note)
        identify.place_holds(organization, [entry.pk], actor=actor, again=True)
        return entry
    if not applications:
        raise MatchRefused(_("this entry is not applied to any invoice: nothing to undo"))
    for application in applications:
        numbers: list[str] = []
        amount = Decimal("0.00")
        if application.payment is not None:
            amount = application.payment.amount
            numbers = list(
                Allocation.objects.filter(payment=application.payment).values_list("invoice__number", flat=True)
            )
            application.payment.delete()  # its allocations go with it; the database reopens the invoices
        written_off = Decimal("0.00")
        if application.credit_note is not None:
            written_off = application.credit_note.total
            Allocation.objects.filter(credit_note=application.credit_note).delete()
            application.credit_note.delete()
        record_event(
            organization,
            application.customer,
            "bank.payment_unapplied",
            actor,
            entry=entry.pk,
            amount=amount,
            currency=entry.currency,
            invoices=", ".join(numbers),
            write_off=written_off,
            note=note,
        )
    BankApplication.objects.filter(entry=entry).delete()
    entry.suggestions.all().delete()
    proposals = match([_credit(entry)], build_index(organization), match_settings(organization))[0]
    pending: list[BankSuggestion] = []
    state, _report = _settle(
        organization, entry, proposals, _numbers(organization, [proposals]), pending, actor=actor, apply_auto=False
    )
    BankSuggestion.objects.bulk_create(pending)
    entry.state = state
    entry.save(update_fields=["state"])
    identify.place_holds(organization, [entry.pk], actor=actor, again=True)
    return entry


def pending_suggestions(organization: Organization, entry: BankEntry) -> list[BankSuggestion]:
    """The entry's suggestions, ranked per part, with their customer."""
    return list(
        BankSuggestion.objects.filter(organization=organization, entry=entry)
        .select_related("customer")
        .order_by("part", "rank", "pk")
    )


def applications_of(organization: Organization, entry: BankEntry) -> list[BankApplication]:
    return list(
        BankApplication.objects.filter(organization=organization, entry=entry)
        .select_related("customer", "payment", "credit_note")
        .order_by("part", "pk")
    )


__all__ = [
    "MatchRefused",
    "MatchResult",
    "Plan",
    "accept_suggestion",
    "applications_of",
    "build_index",
    "apply_plan",
    "ignore_entry",
    "link_payer_iban",
    "locked_entry",
    "match_entries",
    "match_settings",
    "payer_detail",
    "pending_suggestions",
    "reason_text",
    "unapply_entry",
]
