"""Report reads. Set-based: one grouped query over the open invoices, whatever their number."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal
from operator import attrgetter
from typing import Any

from django.core.exceptions import EmptyResultSet
from django.db import connections
from django.db.models import BigIntegerField, DecimalField, F, Max, Q, QuerySet, Sum
from django.db.models.functions import Cast, Coalesce, Round

from recouvre.core.aging import BUCKETS, ZERO, AgedBalance, AgedLine
from recouvre.ledger.models import AMOUNT, CreditNote, Customer, Invoice, InvoiceInstalment, Payment
from recouvre.ledger.selectors import INSTALMENT_OPEN
from recouvre.organizations.models import Organization

_DEC = DecimalField(**AMOUNT)
_NAMES_BY_ID = 5000  # up to this many customers, their names are read by id


def _bucket_conditions(as_of: date) -> dict[str, Q]:
    """The aging buckets as conditions on ``due_on`` (days overdue = as_of - due_on)."""
    return _bucket_conditions_on(as_of, "due_on")


def _bucket_conditions_on(as_of: date, due: str) -> dict[str, Q]:
    conds: dict[str, Q] = {}
    for b in BUCKETS:
        q = Q()
        if b.min_days is None:  # not due: due_on >= as_of
            q &= Q(**{f"{due}__gte": as_of})
        else:
            q &= Q(**{f"{due}__lte": as_of - timedelta(days=b.min_days)})
            if b.max_days is not None:
                q &= Q(**{f"{due}__gte": as_of - timedelta(days=b.max_days)})
        conds[b.key] = q
    return conds


def _scan_tables(organization: Organization) -> bool:
    """Whether SQLite should read the organization's invoices and customers by scanning the tables rather than
    through an index.

    True when the organization holds more than a tenth of the customers: SQLite reads the rows an index finds in
    the index's order, that is the table in random order, and past about a tenth of the table a plain scan is
    faster (1.1 s instead of 3.7 s for 1 000 000 open invoices out of 1 200 000). Without statistics
    (``ANALYZE``) SQLite would not know it. The share of the customers stands for the share of the invoices:
    both counts read only an index.
    """
    top = Customer.objects.aggregate(top=Max("id"))["top"] or 0
    return Customer.objects.filter(organization=organization).count() * 10 > top


def _rows(qs: QuerySet[Any], *, scan: bool = False) -> list[tuple[Any, ...]]:
    """The rows of a ``values_list`` queryset read straight from the cursor, without Django's per-value converters.

    With ``scan``, SQLite is told to read the table rather than an index (``NOT INDEXED``): see ``_scan_tables``.
    """
    try:
        sql, params = qs.query.sql_with_params()
    except EmptyResultSet:  # e.g. an empty ``customer_ids``: nothing to read
        return []
    table = f'FROM "{qs.model._meta.db_table}"'
    if scan and sql.count(table) == 1:
        sql = sql.replace(table, f"{table} NOT INDEXED")
    with connections[qs.db].cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()


def aged_balance(
    organization: Organization,
    as_of: date,
    *,
    currency: str | None = None,
    customer_ids: list[int] | None = None,
) -> AgedBalance:
    """The aged balance on ``as_of`` in one currency (the organization's by default); an empty report when nothing
    is open in that currency.

    Open invoices are bucketed by days past due (an invoice payable in several instalments: each open instalment
    in its own bucket); ``unapplied`` is what the customer has paid or been credited
    in that currency and that is not yet allocated. Customers with nothing open and nothing unapplied are left out.
    Lines are sorted by account reference.
    """
    currency = currency or organization.currency
    found = _aged_by_currency(organization, as_of, currency=currency, customer_ids=customer_ids)
    return found.get(currency) or AgedBalance(as_of=as_of, currency=currency, lines=[])


def aged_balances(organization: Organization, as_of: date, *, currency: str | None = None) -> list[AgedBalance]:
    """The aged balance on ``as_of`` of every currency: the organization's first (even when nothing is open in
    it), then each other currency with open invoices or unapplied payments and credit notes, by ISO code. With
    ``currency``, only that currency's report (empty when nothing is open in it). One report per currency: amounts
    in different currencies are never added together."""
    if currency:
        return [aged_balance(organization, as_of, currency=currency)]
    found = _aged_by_currency(organization, as_of, currency=None, customer_ids=None)
    main = found.pop(organization.currency, None) or AgedBalance(as_of=as_of, currency=organization.currency, lines=[])
    return [main, *(found[code] for code in sorted(found))]


def _aged_by_currency(
    organization: Organization,
    as_of: date,
    *,
    currency: str | None,
    customer_ids: list[int] | None,
) -> dict[str, AgedBalance]:
    """The aged balance of each currency in which something is open (only ``currency`` when given).

    Invoices, payments and credit notes are grouped by customer and currency, so a customer owing 700 USD and
    holding an 800 EUR credit note has a line in each report, never one figure mixing the two.
    """
    conds = _bucket_conditions(as_of)
    invoices = Invoice.objects.filter(organization=organization, open_amount__gt=0)
    payments = Payment.objects.filter(organization=organization, unallocated_amount__gt=0)
    notes = CreditNote.objects.filter(organization=organization, unallocated_amount__gt=0)
    if currency is not None:
        invoices = invoices.filter(currency=currency)
        payments = payments.filter(currency=currency)
        notes = notes.filter(currency=currency)
    if customer_ids is not None:
        invoices = invoices.filter(customer_id__in=customer_ids)
        payments = payments.filter(customer_id__in=customer_ids)
        notes = notes.filter(customer_id__in=customer_ids)

    # Sum whole cents as integers: exact on every database (SQLite would otherwise add binary floats).
    cents = Cast(Round(F("open_amount") * 100, 0), BigIntegerField())
    sums = {key: Coalesce(Sum(cents, filter=cond), 0) for key, cond in conds.items()}
    keys = list(sums)
    # On SQLite, grouped on ``customer_id + 0`` rather than on the column: given the column, SQLite walks the whole
    # index that starts with the customer to get the rows in group order, all organizations' rows, and reads the
    # table in random order: seconds even for a small organization.
    sqlite = connections[Invoice.objects.db].vendor == "sqlite"
    group = F("customer_id") + 0 if sqlite else F("customer_id")
    # One currency asked for: grouped on the customer alone, as the single-currency report always was.
    by = ["cid"] if currency is not None else ["cid", "currency"]
    grouped = invoices.order_by().annotate(cid=group).values(*by).annotate(**sums).values_list(*by, *keys)
    scan = sqlite and customer_ids is None and _scan_tables(organization)
    # One row per customer and currency; the sums arrive as int, or as Decimal from PostgreSQL's SUM(bigint).
    per_customer: dict[str, dict[int, dict[str, Decimal]]] = {}
    for row in _rows(grouped, scan=scan):
        cid, code, values = (row[0], currency, row[1:]) if currency is not None else (row[0], row[1], row[2:])
        per_customer.setdefault(code, {})[cid] = {
            k: Decimal(v).scaleb(-2) if v else ZERO for k, v in zip(keys, values, strict=True)
        }
    _instalments_in_their_buckets(organization, as_of, currency, customer_ids, keys, per_customer)
    unapplied: dict[str, dict[int, Decimal]] = {}
    for qs in (payments, notes):
        in_cents = Cast(Round(F("unallocated_amount") * 100, 0), BigIntegerField())
        for cid, code, s in (
            qs.order_by()
            .values("customer_id", "currency")
            .annotate(s=Sum(in_cents))
            .values_list("customer_id", "currency", "s")
        ):
            of_currency = unapplied.setdefault(code, {})
            of_currency[cid] = of_currency.get(cid, ZERO) + Decimal(s).scaleb(-2)

    ids = {cid for found in (*per_customer.values(), *unapplied.values()) for cid in found}
    names: dict[int, tuple[str, str]] = {}
    if len(ids) > _NAMES_BY_ID:
        # Many customers: one pass over the organization's customers beats lists of ids as long as the table.
        customers = Customer.objects.filter(organization=organization).values_list("id", "ref", "name")
        names = {cid: (ref, name) for cid, ref, name in _rows(customers, scan=scan) if cid in ids}
    # By id, in chunks so PostgreSQL and SQLite parameter limits are never reached.
    missing = sorted(ids - names.keys())
    for i in range(0, len(missing), 20000):
        for cid, ref, name in Customer.objects.filter(id__in=missing[i : i + 20000]).values_list("id", "ref", "name"):
            names[cid] = (ref, name)
    reports: dict[str, AgedBalance] = {}
    for code in sorted(set(per_customer) | set(unapplied)):
        open_of = per_customer.get(code, {})
        unapplied_of = unapplied.get(code, {})
        lines = []
        for cid in set(open_of) | set(unapplied_of):
            ref, name = names[cid]
            buckets = open_of.get(cid) or {b.key: ZERO for b in BUCKETS}
            lines.append(
                AgedLine(ref=ref, name=name, buckets=buckets, unapplied=unapplied_of.get(cid, ZERO), customer_id=cid)
            )
        lines.sort(key=attrgetter("ref"))
        reports[code] = AgedBalance(as_of=as_of, currency=code, lines=lines)
    return reports


def _instalments_in_their_buckets(
    organization: Organization,
    as_of: date,
    currency: str | None,
    customer_ids: list[int] | None,
    keys: list[str],
    per_customer: dict[str, dict[int, dict[str, Decimal]]],
) -> None:
    """An invoice payable in several instalments is aged by instalment: the grouped query put its whole open amount
    in the bucket of its own due date (its first instalment's); each open instalment's amount is moved from there to
    its own due date's bucket. One grouped query over the instalments only."""
    rows = InvoiceInstalment.objects.filter(invoice__organization=organization, invoice__open_amount__gt=0)
    if currency is not None:
        rows = rows.filter(invoice__currency=currency)
    if customer_ids is not None:
        rows = rows.filter(invoice__customer_id__in=customer_ids)
    rows = rows.annotate(open=INSTALMENT_OPEN).filter(open__gt=0)
    cents = Cast(Round(F("open") * 100, 0), BigIntegerField())
    own = _bucket_conditions(as_of)
    sums = {f"in_{key}": Coalesce(Sum(cents, filter=cond), 0) for key, cond in own.items()}
    invoice_due = _bucket_conditions_on(as_of, "invoice__due_on")  # where the grouped query put them
    sums.update({f"out_{key}": Coalesce(Sum(cents, filter=cond), 0) for key, cond in invoice_due.items()})
    names = list(sums)
    grouped = (
        rows.order_by()
        .values("invoice__customer_id", "invoice__currency")
        .annotate(**sums)
        .values_list("invoice__customer_id", "invoice__currency", *names)
    )
    for cid, code, *values in grouped:
        buckets = per_customer.setdefault(currency or code, {}).setdefault(cid, {k: ZERO for k in keys})
        moved = dict(zip(names, values, strict=True))
        for key in keys:
            buckets[key] += (Decimal(moved[f"in_{key}"]) - Decimal(moved[f"out_{key}"])).scaleb(-2)


def currencies_in_use(organization: Organization) -> list[str]:
    """The currencies the aged balance can be shown in: the organization's, and every currency with an open invoice
    or an unapplied payment or credit note (a currency holding only a credit note is one too), by ISO code."""
    found = {organization.currency}
    for qs in (
        Invoice.objects.filter(organization=organization, open_amount__gt=0),
        Payment.objects.filter(organization=organization, unallocated_amount__gt=0),
        CreditNote.objects.filter(organization=organization, unallocated_amount__gt=0),
    ):
        found.update(qs.order_by().values_list("currency", flat=True).distinct())
    return sorted(found)
