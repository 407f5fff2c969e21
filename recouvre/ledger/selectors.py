"""Tenant-scoped reads of the ledger. Every function takes the organization first; nothing here can return
another organization's rows."""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from datetime import date, datetime, time
from decimal import Decimal
from typing import Any, NamedTuple

from django.db.models import Exists, F, OuterRef, Q, QuerySet, Sum, Value
from django.db.models.functions import Coalesce, Greatest, Least
from django.utils import timezone

from recouvre.core.instalments import Due
from recouvre.organizations.models import Organization

from .models import AMOUNT, Allocation, Contact, CreditNote, Customer, Event, Invoice, InvoiceInstalment, Payment

_ZERO = Value(Decimal("0.00"))

INSTALMENT_OPEN = Least(F("amount"), Greatest(F("cumulative") - F("invoice__allocated_amount"), _ZERO))


def not_yet_due_instalments(organization: Organization, as_of: date) -> QuerySet[InvoiceInstalment]:
    """The instalments not due on ``as_of`` of open invoices whose first instalment is (``Invoice.due_on`` is the
    first due date): what an invoice-level "overdue" would count wrongly. Annotated with their ``open`` part."""
    return (
        InvoiceInstalment.objects.filter(
            invoice__organization=organization, invoice__open_amount__gt=0, invoice__due_on__lt=as_of, due_on__gte=as_of
        )
        .annotate(open=INSTALMENT_OPEN)
        .filter(open__gt=0)
        .order_by()
    )


"""The open amount of an instalment, for ``InvoiceInstalment`` querysets: what is settled on the invoice settles
its instalments oldest first."""


def schedules(organization: Organization, invoice_ids: Any) -> dict[int, tuple[Due, ...]]:
    """The instalments of those of ``invoice_ids`` (ids or a queryset of ids) that have a schedule, by invoice, in
    order (one query; invoices with one due date are not keys)."""
    out: dict[int, list[Due]] = {}
    for invoice_id, position, count, due_on, amount, cumulative in (
        InvoiceInstalment.objects.filter(invoice__organization=organization, invoice_id__in=invoice_ids)
        .order_by("invoice_id", "position")
        .values_list("invoice_id", "position", "count", "due_on", "amount", "cumulative")
    ):
        out.setdefault(invoice_id, []).append(Due(position, count, due_on, amount, cumulative))
    return {pk: tuple(dues) for pk, dues in out.items()}


class CurrentItem(NamedTuple):
    """An item a message lists, as it is now: the invoice, and for an invoice payable in several instalments the
    instalment (``position`` among ``count``; 0 and 0 for the whole invoice) with its due date and open amount."""

    invoice: Invoice
    position: int
    count: int
    due_on: date
    amount: Decimal  # the instalment's amount, or the invoice's total
    open_amount: Decimal


def listed_refs(lines: Iterable[dict[str, Any]]) -> list[tuple[int, int]]:
    """The ``(invoice_id, instalment)`` of each line of an action (its stored ``lines``), in order."""
    return [(ln["invoice_id"], ln.get("instalment") or 0) for ln in lines if ln.get("invoice_id")]


def current_items(
    organization_id: int, refs: Iterable[tuple[int, int]], fields: Sequence[str] = ()
) -> dict[tuple[int, int], CurrentItem]:
    """The items ``refs`` (``(invoice_id, instalment)`` pairs, as the plan listed them) as they are now, by ref;
    those no longer open are left out (two queries). The invoices are read with ``fields`` only (with what this
    needs). An invoice whose schedule changed since is shown as it is now: an instalment no longer there is left
    out, and an invoice with one due date again (or listed whole before it was given a schedule) is listed whole,
    once, for the first ref naming it."""
    wanted = list(dict.fromkeys(refs))
    ids = {pk for pk, _position in wanted}
    only = {"id", "number", "due_on", "currency", "total", "open_amount", "allocated_amount", *fields}
    invoices = {inv.pk: inv for inv in Invoice.objects.filter(pk__in=ids, organization_id=organization_id).only(*only)}
    dues: dict[int, dict[int, Due]] = {}
    for invoice_id, position, count, due_on, amount, cumulative in InvoiceInstalment.objects.filter(
        invoice_id__in=list(invoices)
    ).values_list("invoice_id", "position", "count", "due_on", "amount", "cumulative"):
        dues.setdefault(invoice_id, {})[position] = Due(position, count, due_on, amount, cumulative)
    out: dict[tuple[int, int], CurrentItem] = {}
    whole: set[int] = set()
    for ref in wanted:
        pk, position = ref
        inv = invoices.get(pk)
        if inv is None or inv.open_amount <= 0:
            continue
        schedule = dues.get(pk)
        if schedule is None or position == 0:  # one due date (or planned before the invoice had a schedule)
            if pk not in whole:
                whole.add(pk)
                out[ref] = CurrentItem(inv, 0, 0, inv.due_on, inv.total, inv.open_amount)
            continue
        due = schedule.get(position)
        if due is None:
            continue
        open_amount = due.open_of(inv.allocated_amount)
        if open_amount > 0:
            out[ref] = CurrentItem(inv, due.position, due.of, due.due_on, due.amount, open_amount)
    return out


def invoice_schedule(organization: Organization, invoice: Invoice) -> list[dict[str, Any]]:
    """The instalments of ``invoice`` with their open amounts now (empty: one due date)."""
    dues = schedules(organization, [invoice.pk]).get(invoice.pk, ())
    return [
        {
            "position": d.position,
            "count": d.of,
            "due_on": d.due_on,
            "amount": d.amount,
            "open_amount": d.open_of(invoice.allocated_amount),
        }
        for d in dues
    ]


def contacts_with_phone(organization: Organization, customer_ids: Iterable[int]) -> dict[int, list[Contact]]:
    """The customers' contacts that have a phone number, per customer (one query)."""
    out: dict[int, list[Contact]] = {}
    contacts = (
        Contact.objects.filter(customer__organization=organization, customer_id__in=set(customer_ids))
        .exclude(phone="")
        .only("id", "customer_id", "name", "phone", "role", "is_primary")
        .order_by("customer_id", "id")
    )
    for contact in contacts:
        out.setdefault(contact.customer_id, []).append(contact)
    return out


def customers(organization: Organization) -> QuerySet[Customer]:
    return Customer.objects.filter(organization=organization)


def customer(organization: Organization, pk: int) -> Customer:
    """The customer ``pk`` of this organization; ``Customer.DoesNotExist`` otherwise (a 404 for views)."""
    return customers(organization).get(pk=pk)


def invoices(organization: Organization) -> QuerySet[Invoice]:
    return Invoice.objects.filter(organization=organization).select_related("customer")


def invoice(organization: Organization, pk: int) -> Invoice:
    return invoices(organization).get(pk=pk)


def open_invoices(organization: Organization) -> QuerySet[Invoice]:
    return invoices(organization).filter(open_amount__gt=0)


def overdue_invoices(organization: Organization, as_of: date) -> QuerySet[Invoice]:
    return open_invoices(organization).filter(due_on__lt=as_of)


def payments(organization: Organization) -> QuerySet[Payment]:
    return Payment.objects.filter(organization=organization)


def credit_notes(organization: Organization) -> QuerySet[CreditNote]:
    return CreditNote.objects.filter(organization=organization)


def customers_with_balances(organization: Organization, as_of: date) -> QuerySet[Customer]:
    """Customers annotated with ``open_total``, ``overdue_total`` and ``unapplied`` (unallocated payments and
    credit notes), each from one grouped sub-query."""
    from django.db.models import DecimalField, OuterRef, Subquery

    dec = DecimalField(**AMOUNT)

    def _sum(qs: QuerySet, field: str) -> Coalesce:  # type: ignore[type-arg]
        sub = qs.filter(customer=OuterRef("pk")).order_by().values("customer").annotate(s=Sum(field)).values("s")
        return Coalesce(Subquery(sub, output_field=dec), _ZERO, output_field=dec)

    open_qs = Invoice.objects.filter(organization=organization, open_amount__gt=0)
    # the instalments not due yet of invoices whose first instalment is: not overdue
    not_due = (
        not_yet_due_instalments(organization, as_of)
        .filter(invoice__customer=OuterRef("pk"))
        .values("invoice__customer")
        .annotate(s=Sum("open"))
        .values("s")
    )
    return customers(organization).annotate(
        open_total=_sum(open_qs, "open_amount"),
        overdue_total=_sum(open_qs.filter(due_on__lt=as_of), "open_amount")
        - Coalesce(Subquery(not_due, output_field=dec), _ZERO, output_field=dec),
        unapplied=Coalesce(
            _sum(
                Payment.objects.filter(organization=organization, unallocated_amount__gt=0),
                "unallocated_amount",
            ),
            _ZERO,
        )
        + _sum(
            CreditNote.objects.filter(organization=organization, unallocated_amount__gt=0),
            "unallocated_amount",
        ),
    )


def customer_has_overdue(organization: Organization, as_of: date) -> Exists:
    return Exists(overdue_invoices(organization, as_of).filter(customer=OuterRef("pk")))


def timeline(organization: Organization, customer: Customer) -> QuerySet[Event]:
    return Event.objects.filter(organization=organization, customer=customer).select_related("actor")


def search_customers(qs: QuerySet[Customer], text: str) -> QuerySet[Customer]:
    """Narrow ``qs`` to customers whose name or account contains ``text``, or whose SIREN starts with it."""
    text = text.strip()
    if text:
        qs = qs.filter(Q(name__icontains=text) | Q(ref__icontains=text) | Q(siren__startswith=text))
    return qs


# --------------------------------------------------------------------------------------------- web app reads

_CENT = Decimal("0.01")
CUSTOMER_ORDERS = ("overdue", "name")
INVOICE_STATUSES = ("open", "overdue", "paid", "all")


def _cents(value: Decimal | None) -> Decimal:
    """SQLite sums decimals in binary floating point: bring a sum back to cents (exact for amounts in cents)."""
    return Decimal("0.00") if value is None else Decimal(value).quantize(_CENT)


def customer_list(
    organization: Organization,
    as_of: date,
    *,
    search: str = "",
    segment: str = "",
    overdue_only: bool = False,
    order: str = "overdue",
    collector_id: int | None = None,
) -> QuerySet[Customer]:
    """Customers with their balances (``customers_with_balances``), searched by name, account or SIREN,
    filtered by segment, by collector (0: those without one) and by "has an invoice overdue on ``as_of``",
    sorted by amount overdue (largest first) or by name. One query per page whatever the number of customers."""
    qs = search_customers(customers_with_balances(organization, as_of), search)
    if segment:
        qs = qs.filter(segment=segment)
    if collector_id is not None:
        qs = qs.filter(_collector(collector_id, ""))
    if overdue_only:
        qs = qs.filter(customer_has_overdue(organization, as_of))
    if order == "name":
        return qs.order_by("name", "pk")
    return qs.order_by("-overdue_total", "name", "pk")


def _collector(collector_id: int, customer: str) -> Q:
    """The customers of one collector (by user id), or, for 0, those without a collector."""
    if collector_id == 0:
        return Q(**{f"{customer}collection__collector__isnull": True})
    return Q(**{f"{customer}collection__collector_id": collector_id})


def invoice_list(
    organization: Organization,
    as_of: date,
    *,
    status: str = "open",
    due_from: date | None = None,
    due_to: date | None = None,
    search: str = "",
    segment: str = "",
    collector_id: int | None = None,
    paid_from: date | None = None,
    paid_to: date | None = None,
    condition: Q | None = None,
) -> QuerySet[Invoice]:
    """Invoices by status on ``as_of`` (open, overdue, paid or all), due-date range (both ends included) and
    customer (name, account or SIREN) or invoice number; by the customer's segment, by collector (0: customers
    without one), having a payment applied from ``paid_from`` to ``paid_to``, and meeting ``condition``. Sorted by
    due date."""
    qs = invoices(organization)
    if segment:
        qs = qs.filter(customer__segment=segment)
    if collector_id is not None:
        qs = qs.filter(_collector(collector_id, "customer__"))
    if paid_from is not None or paid_to is not None:
        paid = Allocation.objects.filter(invoice=OuterRef("pk"), payment__isnull=False)
        if paid_from is not None:
            paid = paid.filter(allocated_on__gte=paid_from)
        if paid_to is not None:
            paid = paid.filter(allocated_on__lte=paid_to)
        qs = qs.filter(Exists(paid))
    if condition is not None:
        qs = qs.filter(condition)
    if status == "open":
        qs = qs.filter(open_amount__gt=0)
    elif status == "overdue":
        qs = qs.filter(open_amount__gt=0, due_on__lt=as_of)
    elif status == "paid":
        qs = qs.filter(open_amount=0)
    if due_from is not None:
        qs = qs.filter(due_on__gte=due_from)
    if due_to is not None:
        qs = qs.filter(due_on__lte=due_to)
    text = search.strip()
    if text:
        qs = qs.filter(
            Q(number__icontains=text)
            | Q(customer__name__icontains=text)
            | Q(customer__ref__icontains=text)
            | Q(customer__siren__startswith=text)
        )
    return qs.order_by("due_on", "number", "pk")


# --------------------------------------------------------------------------------------------- global search

SEARCH_MAX_LENGTH = 100
SEARCH_LIMIT = 20
_NOT_DIGITS = re.compile(r"[\s\u00a0\u202f.]")


class SearchResults(NamedTuple):
    """What ``global_search`` found, by kind; each list holds at most ``limit`` rows."""

    text: str
    amount: Decimal | None
    customers: list[Customer]
    invoices: list[Invoice]
    payments: list[Payment]

    @property
    def count(self) -> int:
        return len(self.customers) + len(self.invoices) + len(self.payments)


def search_text(text: str) -> str:
    """``text`` as searched: spaces collapsed, cut to ``SEARCH_MAX_LENGTH`` characters."""
    return " ".join((text or "").split())[:SEARCH_MAX_LENGTH]


def searched_amount(text: str) -> Decimal | None:
    """The amount ``text`` is, written the French or the English way (``1 234,56``, ``1234.56``), or ``None``."""
    from recouvre.core.money import AmountError, parse_amount

    if not any(c.isdigit() for c in text) or len(text) > 30:
        return None
    try:
        amount = parse_amount(text)
    except AmountError:
        return None
    return amount if amount > 0 else None


def _prefix(field: str, text: str) -> Q:
    """``field`` starts with ``text``, written as a range as well so that the database walks its index on
    (organization, ``field``) from ``text`` on, rather than reading every row of the organization."""
    if ord(text[-1]) >= 0x10FFFF:
        return Q(**{f"{field}__startswith": text})
    upper = text[:-1] + chr(ord(text[-1]) + 1)
    return Q(**{f"{field}__gte": text, f"{field}__lt": upper, f"{field}__startswith": text})


def global_search(organization: Organization, text: str, *, limit: int = SEARCH_LIMIT) -> SearchResults:
    """Customers, invoices and payments of ``organization`` matching ``text``, at most ``limit`` of each kind.

    Customers: name containing the text, account starting with it, SIREN or SIRET starting with its digits (spaces
    left out). Invoices: number starting with the text (as typed or in capitals). Payments: reference starting
    with it. Invoices and payments also by amount when the text is one (the invoice's total, the payment's amount).
    Every lookup but the name's walks an index; the name's reads only this organization's customers."""
    text = search_text(text)
    amount = searched_amount(text)
    if not text:
        return SearchResults(text, amount, [], [], [])
    variants = list(dict.fromkeys([text, text.upper()]))

    found = Q(name__icontains=text) | Q(ref__istartswith=text)
    digits = _NOT_DIGITS.sub("", text)
    if digits.isdigit() and len(digits) >= 3:
        found |= Q(siren__startswith=digits[:9]) | Q(siret__startswith=digits[:14])
    found_customers = list(customers(organization).filter(found).order_by("name", "pk")[:limit])

    by_number = Q()
    for v in variants:
        by_number |= _prefix("number", v)
    found_invoices = list(invoices(organization).filter(by_number).order_by("number", "pk")[:limit])
    if amount is not None and len(found_invoices) < limit:
        seen = {i.pk for i in found_invoices}
        found_invoices += [
            i
            for i in invoices(organization).filter(total=amount).order_by("-issued_on", "-pk")[:limit]
            if i.pk not in seen
        ][: limit - len(found_invoices)]

    pays = payments(organization).select_related("customer")
    by_reference = Q()
    for v in variants:
        by_reference |= _prefix("reference", v)
    found_payments = list(pays.filter(by_reference).order_by("-received_on", "-pk")[:limit])
    if amount is not None and len(found_payments) < limit:
        seen = {p.pk for p in found_payments}
        found_payments += [
            p for p in pays.filter(amount=amount).order_by("-received_on", "-pk")[:limit] if p.pk not in seen
        ][: limit - len(found_payments)]
    return SearchResults(text, amount, found_customers, found_invoices, found_payments)


def customer_open_invoices(organization: Organization, customer: Customer) -> QuerySet[Invoice]:
    return open_invoices(organization).filter(customer=customer).order_by("due_on", "number", "pk")


def customer_unapplied_payments(organization: Organization, customer: Customer) -> QuerySet[Payment]:
    return payments(organization).filter(customer=customer, unallocated_amount__gt=0).order_by("received_on", "pk")


def customer_unapplied_credit_notes(organization: Organization, customer: Customer) -> QuerySet[CreditNote]:
    return credit_notes(organization).filter(customer=customer, unallocated_amount__gt=0).order_by("issued_on", "pk")


def customer_payment(organization: Organization, customer: Customer, pk: int) -> Payment | None:
    return payments(organization).filter(customer=customer, pk=pk).select_related("customer").first()


def customer_credit_note(
    organization: Organization, customer: Customer, *, pk: int | None = None, number: str | None = None
) -> CreditNote | None:
    qs = credit_notes(organization).filter(customer=customer).select_related("customer")
    if pk is not None:
        return qs.filter(pk=pk).first()
    return qs.filter(number=number).first()


def customer_allocations(organization: Organization, customer: Customer) -> QuerySet[Allocation]:
    """Every allocation to the customer's invoices, oldest first, with what it came from."""
    return (
        Allocation.objects.filter(organization=organization, invoice__customer=customer)
        .select_related("invoice", "payment", "credit_note")
        .order_by("allocated_on", "pk")
    )


def allocation(organization: Organization, pk: int) -> Allocation | None:
    return Allocation.objects.filter(organization=organization, pk=pk).select_related("invoice").first()


def invoice_allocations(organization: Organization, invoice: Invoice) -> QuerySet[Allocation]:
    return (
        Allocation.objects.filter(organization=organization, invoice=invoice)
        .select_related("payment", "credit_note")
        .order_by("allocated_on", "pk")
    )


def receivable_totals(organization: Organization, as_of: date, currency: str) -> dict[str, Any]:
    """Totals in one currency on ``as_of``: ``open_total``, ``overdue_total``, ``unapplied`` (payments and credit
    notes not yet allocated) and ``buckets``, the aging buckets of ``recouvre.core.aging`` by key. Open amounts
    are summed per due date in the database (a few hundred rows whatever the number of invoices) and each date
    is put in its bucket here."""
    from django.db.models import DecimalField

    from recouvre.core.aging import bucket_for, empty_buckets

    dec = DecimalField(**AMOUNT)
    zero = Decimal("0.00")
    open_qs = Invoice.objects.filter(organization=organization, currency=currency, open_amount__gt=0).order_by()
    buckets = empty_buckets()
    single = open_qs.filter(~Exists(InvoiceInstalment.objects.filter(invoice=OuterRef("pk"))))
    for row in single.values("due_on").annotate(s=Sum("open_amount", output_field=dec)):
        buckets[bucket_for(row["due_on"], as_of)] += _cents(row["s"])
    # an invoice payable in several instalments: each open instalment by its own due date
    for row in (
        InvoiceInstalment.objects.filter(
            invoice__organization=organization, invoice__currency=currency, invoice__open_amount__gt=0
        )
        .annotate(open=INSTALMENT_OPEN)
        .filter(open__gt=0)
        .order_by()
        .values("due_on")
        .annotate(s=Sum("open", output_field=dec))
    ):
        buckets[bucket_for(row["due_on"], as_of)] += _cents(row["s"])
    unapplied = zero
    for qs in (
        Payment.objects.filter(organization=organization, currency=currency, unallocated_amount__gt=0),
        CreditNote.objects.filter(organization=organization, currency=currency, unallocated_amount__gt=0),
    ):
        unapplied += _cents(qs.order_by().aggregate(s=Sum("unallocated_amount", output_field=dec))["s"])
    return {
        "open_total": sum(buckets.values(), zero),
        "overdue_total": sum((v for k, v in buckets.items() if k != "not_due"), zero),
        "unapplied": unapplied,
        "buckets": buckets,
    }


def most_overdue_customers(
    organization: Organization, as_of: date, currency: str, limit: int = 10
) -> tuple[int, list[tuple[Customer, Decimal]]]:
    """How many customers have something overdue on ``as_of`` in ``currency``, and the ``limit`` who owe the most
    overdue, largest first. One grouped query over the overdue invoices (one row per late customer), then one
    for the ``limit`` customers."""
    import heapq

    from django.db.models import DecimalField

    rows = (
        Invoice.objects.filter(organization=organization, currency=currency, open_amount__gt=0, due_on__lt=as_of)
        .order_by()
        .values_list("customer_id")
        .annotate(s=Sum("open_amount", output_field=DecimalField(**AMOUNT)))
    )
    not_due = dict(
        not_yet_due_instalments(organization, as_of)
        .filter(invoice__currency=currency)
        .values_list("invoice__customer_id")
        .annotate(s=Sum("open", output_field=DecimalField(**AMOUNT)))
    )
    late = [
        (amount, customer_id)
        for customer_id, s in rows.iterator(chunk_size=10000)
        if (amount := _cents(s) - _cents(not_due.get(customer_id))) > 0
    ]
    top = heapq.nsmallest(limit, late, key=lambda r: (-r[0], r[1]))
    by_id = customers(organization).in_bulk([customer_id for _s, customer_id in top])
    return len(late), [(by_id[customer_id], s) for s, customer_id in top]


def customer_balances(organization: Organization, customer: Customer, as_of: date) -> dict[str, dict[str, Decimal]]:
    """What one customer owes on ``as_of``, per currency: ``open``, ``overdue`` (due before ``as_of``) and
    ``unapplied`` (payments and credit notes not yet allocated). Three grouped queries."""
    from django.db.models import Case, DecimalField, When

    dec = DecimalField(**AMOUNT)
    zero = Decimal("0.00")
    out: dict[str, dict[str, Decimal]] = {}

    def row(currency: str) -> dict[str, Decimal]:
        return out.setdefault(currency, {"open": zero, "overdue": zero, "unapplied": zero})

    for r in (
        open_invoices(organization)
        .filter(customer=customer)
        .order_by()
        .values("currency")
        .annotate(
            open=Sum("open_amount", output_field=dec),
            overdue=Sum(Case(When(due_on__lt=as_of, then="open_amount"), default=_ZERO, output_field=dec)),
        )
    ):
        row(r["currency"])["open"] += _cents(r["open"])
        row(r["currency"])["overdue"] += _cents(r["overdue"])
    for r in (
        not_yet_due_instalments(organization, as_of)
        .filter(invoice__customer=customer)
        .values("invoice__currency")
        .annotate(s=Sum("open", output_field=dec))
    ):
        row(r["invoice__currency"])["overdue"] -= _cents(r["s"])
    for qs in (
        customer_unapplied_payments(organization, customer),
        customer_unapplied_credit_notes(organization, customer),
    ):
        for r in qs.order_by().values("currency").annotate(s=Sum("unallocated_amount", output_field=dec)):
            row(r["currency"])["unapplied"] += _cents(r["s"])
    return out


# --------------------------------------------------------------------------------------- the customer's timeline

# Events that record a document of the ledger: on the timeline each stands at the document's own date (the day the
# invoice was issued, the payment received), not the day it was entered or imported.
_DOCUMENT_EVENTS = ("invoice.created", "credit_note.created", "payment.received", "allocation.created")


class TimelineEntry(NamedTuple):
    """One line of a customer's timeline: an event, or a document of the ledger recorded without one (imported)."""

    when: datetime  # when it happened: the sort key
    on_day: bool  # ``when`` is a day (a document's date), not an instant
    category: str
    event: Event | None = None
    document: Any = None  # an Invoice, CreditNote or Payment recorded without an event
    document_kind: str = ""  # "invoice", "credit_note", "payment"


class TimelinePage(NamedTuple):
    entries: list[TimelineEntry]
    total: int
    counts: dict[str, int]  # entries per category, before the filter


def _start_of(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, time.min))


def customer_timeline(
    organization: Organization,
    customer: Customer,
    *,
    category: str = "",
    offset: int = 0,
    limit: int = 50,
) -> TimelinePage:
    """The customer's timeline, newest first by the date things happened, ``limit`` entries from ``offset``,
    narrowed to one ``category`` (``recouvre.ledger.timeline.CATEGORIES``) when given.

    An invoice, credit note or payment stands at its own date (issue, receipt), whether it was entered by hand (its
    creation event, moved to that date) or imported (no event of its own: the document itself is the entry). Other
    events stand at the moment they were recorded. A fixed number of queries whatever the customer's size: the keys
    of every entry are read and sorted, then only the page's events are read whole."""
    from .timeline import category as category_of

    events = Event.objects.filter(organization=organization, customer=customer)
    keys = list(events.values_list("id", "kind", "occurred_at"))
    documents_data = dict(events.filter(kind__in=_DOCUMENT_EVENTS).values_list("id", "data"))
    invoices = {
        row["number"]: row
        for row in Invoice.objects.filter(organization=organization, customer=customer).values(
            "id", "number", "issued_on"
        )
    }
    notes = {
        row["number"]: row
        for row in CreditNote.objects.filter(organization=organization, customer=customer).values(
            "id", "number", "issued_on"
        )
    }
    payments = list(
        Payment.objects.filter(organization=organization, customer=customer).values("id", "received_on", "amount")
    )
    # an allocation stands at its own date (``allocated_on``), found by its invoice and amount
    allocated: dict[tuple[str, str], list[date]] = {}
    for number, amount, on in (
        Allocation.objects.filter(organization=organization, invoice__customer=customer)
        .order_by("allocated_on", "id")
        .values_list("invoice__number", "amount", "allocated_on")
    ):
        allocated.setdefault((number, str(amount)), []).append(on)
    rows: list[tuple[datetime, bool, str, int, str]] = []  # when, on_day, category, id, what ("event"/kind)
    with_event: dict[str, set[str]] = {"invoice": set(), "credit_note": set()}
    payments_with_event: dict[tuple[str, str], int] = {}
    for pk, kind, occurred_at in keys:
        when, on_day = occurred_at, False
        data = documents_data.get(pk)
        if data is not None:
            if kind == "invoice.created" and data.get("number") in invoices:
                with_event["invoice"].add(data["number"])
                when, on_day = _start_of(invoices[data["number"]]["issued_on"]), True
            elif kind == "credit_note.created" and data.get("number") in notes:
                with_event["credit_note"].add(data["number"])
                when, on_day = _start_of(notes[data["number"]]["issued_on"]), True
            elif kind == "payment.received" and data.get("received_on"):
                key = (str(data["received_on"]), str(Decimal(str(data.get("amount") or 0))))
                payments_with_event[key] = payments_with_event.get(key, 0) + 1
                try:
                    when, on_day = _start_of(date.fromisoformat(str(data["received_on"]))), True
                except ValueError:
                    pass
            elif kind == "allocation.created":
                days = allocated.get((str(data.get("invoice")), str(Decimal(str(data.get("amount") or 0)))))
                if days:
                    when, on_day = _start_of(days.pop(0)), True
        rows.append((when, on_day, category_of(kind), pk, "event"))
    for number, row in invoices.items():
        if number not in with_event["invoice"]:
            rows.append((_start_of(row["issued_on"]), True, "invoices", row["id"], "invoice"))
    for number, row in notes.items():
        if number not in with_event["credit_note"]:
            rows.append((_start_of(row["issued_on"]), True, "invoices", row["id"], "credit_note"))
    for row in payments:
        key = (row["received_on"].isoformat(), str(row["amount"]))
        if payments_with_event.get(key):
            payments_with_event[key] -= 1
        else:
            rows.append((_start_of(row["received_on"]), True, "payments", row["id"], "payment"))

    counts: dict[str, int] = {}
    for row in rows:
        counts[row[2]] = counts.get(row[2], 0) + 1
    if category:
        rows = [row for row in rows if row[2] == category]
    # newest first; on one day, what was recorded at an instant above the documents of that day
    rows.sort(key=lambda r: (r[0], not r[1], r[3]), reverse=True)
    page = rows[offset : offset + limit]

    wanted: dict[str, list[int]] = {"event": [], "invoice": [], "credit_note": [], "payment": []}
    for row in page:
        wanted[row[4]].append(row[3])
    # always the same four reads, whatever the page holds (an empty list would skip its read: [0] matches nothing)
    wanted = {what: ids or [0] for what, ids in wanted.items()}
    loaded: dict[str, Any] = {
        "event": Event.objects.filter(organization=organization, pk__in=wanted["event"]).select_related("actor"),
        "invoice": Invoice.objects.filter(organization=organization, pk__in=wanted["invoice"]),
        "credit_note": CreditNote.objects.filter(organization=organization, pk__in=wanted["credit_note"]),
        "payment": Payment.objects.filter(organization=organization, pk__in=wanted["payment"]),
    }
    by_id = {what: {obj.pk: obj for obj in objs} for what, objs in loaded.items()}
    entries = []
    for when, on_day, cat, pk, what in page:
        obj = by_id[what].get(pk)
        if obj is None:  # removed in between
            continue
        if what == "event":
            entries.append(TimelineEntry(when, on_day, cat, event=obj))
        else:
            entries.append(TimelineEntry(when, on_day, cat, document=obj, document_kind=what))
    return TimelinePage(entries, len(rows), counts)
