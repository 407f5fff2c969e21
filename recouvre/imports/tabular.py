"""The write side of CSV/XLSX imports: compare validated records with what the organization already has, then
write the differences in bulk.

Each importer works in two steps. ``plan(records)`` reads what exists (one query per table, into dicts),
decides for every record whether it creates, updates or leaves a row unchanged, and collects the refusals that
need the database (unknown customer, an invoice total below what is already settled...). ``apply(plan)``
writes: inserts of many rows per statement (``recouvre.imports.bulk``; COPY on PostgreSQL), updates with
``executemany``, allocations, and the timeline events. The caller runs both in one transaction and raises
``ImportRefused`` before ``apply`` when the plan has errors.
"""

from __future__ import annotations

import json
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from itertools import batched
from typing import Any

from django.db import connection
from django.db.models import Model, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from recouvre.core.dates import PaymentTerms
from recouvre.core.importing import ErrorList, ImportResult, RowError
from recouvre.core.instalments import Part, schedule
from recouvre.core.mappings import ResolvedColumns
from recouvre.core.records import CustomerRecord, InvoiceRecord, PaymentRecord
from recouvre.ledger.actors import Actor
from recouvre.ledger.chain import seal_on_commit
from recouvre.ledger.models import (
    Allocation,
    Contact,
    ContactRole,
    Customer,
    Event,
    Invoice,
    InvoiceInstalment,
    Payment,
    PaymentMethod,
)
from recouvre.ledger.services import bulk_record_events, replace_schedules
from recouvre.organizations.models import Organization

from .bulk import indexes_rebuilt, insert_rows, insert_with_defaults

BATCH = 5000
KEY_CHUNK = 2000  # values per IN (...) when reading rows by key
ZERO = Decimal("0.00")
CENT = Decimal("0.01")

ProgressFn = Callable[..., None]


def _chunks(values: Iterable[Any], size: int = KEY_CHUNK) -> Iterator[tuple[Any, ...]]:
    return batched(values, size)


def _qn(name: str) -> str:
    return connection.ops.quote_name(name)


def update_rows(model: type[Model], fields: Sequence[str], rows: Iterable[Sequence[Any]]) -> int:
    """``UPDATE ... SET fields WHERE id`` for ``(value, ..., id)`` tuples, with ``executemany``."""
    meta = model._meta
    assignments = ", ".join(f"{_qn(meta.get_field(f).column)} = %s" for f in fields)
    sql = f"UPDATE {_qn(meta.db_table)} SET {assignments} WHERE {_qn(meta.pk.column)} = %s"
    done = 0
    with connection.cursor() as cursor:
        for batch in batched(rows, BATCH):
            cursor.executemany(sql, batch)
            done += len(batch)
    return done


EVENTS_IN_BULK = 2000  # above this many events, write them with multi-row inserts


def record_events(
    organization: Organization, actor: Actor, events: list[tuple[int | None, str, dict[str, Any]]]
) -> int:
    """The timeline events of an import: ``bulk_record_events``, or for many events the same rows written in bulk
    (an import of a million invoices touches a hundred thousand customers)."""
    if len(events) <= EVENTS_IN_BULK:
        return bulk_record_events(organization, actor, events)
    if connection.vendor == "sqlite":
        data = _json_text  # the JSON text Django would write, without its per-value wrappers
    else:
        data_field = Event._meta.get_field("data")

        def data(value: dict[str, Any]) -> Any:
            return data_field.get_db_prep_save({k: _jsonable(v) for k, v in value.items()}, connection)

    now = connection.ops.adapt_datetimefield_value(timezone.now())
    org_id, user_id, label = organization.pk, getattr(actor.user, "pk", None), actor.label
    with indexes_rebuilt(Event, len(events)):
        written = insert_with_defaults(
            Event,
            ("organization", "customer", "kind", "data", "actor", "actor_label", "occurred_at"),
            ((org_id, customer_id, kind, data(values), user_id, label, now) for customer_id, kind, values in events),
        )
    seal_on_commit(org_id)
    return written


def _json_default(value: Any) -> Any:
    if isinstance(value, Decimal | date):
        return str(value)
    raise TypeError(f"{type(value).__name__} is not JSON serializable")


_json_encode = json.JSONEncoder(default=_json_default).encode  # json.dumps' output; amounts and dates as text
_json_string = json.encoder.encode_basestring_ascii  # how json.dumps writes a string (ASCII, escaped)


def _json_text(data: dict[str, Any]) -> str:
    """``json.dumps(data)`` as Django writes it, amounts and dates as text. The flat objects of text and whole
    numbers most import events carry are written directly, several times faster than the encoder's set-up."""
    parts = []
    for key, value in data.items():
        kind = type(value)
        if kind is str:
            parts.append(f"{_json_string(key)}: {_json_string(value)}")
        elif kind is int:
            parts.append(f"{_json_string(key)}: {value}")
        else:
            return _json_encode(data)
    return "{" + ", ".join(parts) + "}"


class DatesForDb(dict[date, Any]):
    """``day[d]``: the date as the database takes it, worked out once per distinct date (SQLite stores ISO text,
    which Django's adapter would otherwise compute again for every value)."""

    def __init__(self) -> None:
        super().__init__()
        self._text = connection.vendor == "sqlite"

    def __missing__(self, day: date) -> Any:
        value = self[day] = day.isoformat() if self._text else day
        return value


def _now_for_db() -> Any:
    return connection.ops.adapt_datetimefield_value(timezone.now())


def _jsonable(value: Any) -> Any:
    if isinstance(value, Decimal | date):
        return str(value)
    return value


def terms_label(terms: PaymentTerms) -> str:
    if terms.end_of_month:
        return _("%(days)s days end of month") % {"days": terms.days}
    return _("%(days)s days") % {"days": terms.days}


def _detail(result: ImportResult, entity: str, outcome: str, n: int = 1) -> None:
    """Count in ``result.details`` only (not in the file's row totals)."""
    bucket = result.details.setdefault(entity, {"created": 0, "updated": 0, "unchanged": 0})
    bucket[outcome] = bucket.get(outcome, 0) + n


@dataclass
class Context:
    organization: Organization
    actor: Actor
    file_name: str
    source: str  # Source.CSV or Source.XLSX
    columns: ResolvedColumns
    result: ImportResult
    create_customers: bool = False
    progress: ProgressFn | None = None

    def header(self, field_name: str) -> str:
        return self.columns.headers.get(field_name, field_name)

    def report(self, done: int, total: int | None, stage: str) -> None:
        if self.progress is not None:
            self.progress(done, total=total, stage=stage)


@dataclass
class Plan:
    errors: ErrorList = field(default_factory=ErrorList)  # the first ones; ``errors.total`` counts them all
    events: list[tuple[int | None, str, dict[str, Any]]] = field(default_factory=list)
    per_customer: dict[str, Counter[str]] = field(default_factory=lambda: defaultdict(Counter))
    data: dict[str, Any] = field(default_factory=dict)


# --------------------------------------------------------------------------------------------- customers known


@dataclass(slots=True)
class KnownCustomer:
    id: int | None  # None until a customer planned for creation is written
    ref: str
    name: str
    terms: PaymentTerms | None
    named: bool = False  # named by a line of the file (the invoices import's summaries follow the file's order)
    created: int = 0  # invoices the file creates for it


def load_customers(organization: Organization) -> dict[str, KnownCustomer]:
    rows = Customer.objects.filter(organization=organization).values_list(
        "id", "ref", "name", "payment_terms_days", "payment_terms_end_of_month"
    )
    return {
        ref: KnownCustomer(pk, ref, name, PaymentTerms(days, eom) if days is not None else None)
        for pk, ref, name, days, eom in rows.iterator(chunk_size=KEY_CHUNK)
    }


def ids_by_key(model: type[Model], organization: Organization, key: str, values: Sequence[str]) -> dict[str, int]:
    """``{key value: id}`` for the organization's rows whose ``key`` is one of ``values``: one query over all
    the organization's rows when there are many values, else ``IN`` lists."""
    qs = model._default_manager.filter(organization=organization)
    if not values:
        return {}
    if len(values) > KEY_CHUNK:  # text and integer columns: read straight from the cursor
        wanted = set(values)
        meta = model._meta
        sql = (
            f"SELECT {_qn(meta.get_field(key).column)}, {_qn(meta.pk.column)} FROM {_qn(meta.db_table)} "
            f"WHERE {_qn(meta.get_field('organization').column)} = %s"
        )
        with connection.cursor() as cursor:
            cursor.execute(sql, [organization.pk])
            return {k: pk for k, pk in cursor.fetchall() if k in wanted}
    return dict(qs.filter(**{f"{key}__in": values}).values_list(key, "id"))


def customer_ids(organization: Organization, refs: Sequence[str]) -> dict[str, int]:
    return ids_by_key(Customer, organization, "ref", refs)


class CustomerResolver:
    """Finds the customer a row names; with ``create_customers`` plans the creation of unknown ones."""

    def __init__(self, ctx: Context, plan: Plan):
        self.ctx = ctx
        self.plan = plan
        self.known = load_customers(ctx.organization)
        self.new: dict[str, KnownCustomer] = {}
        self.new_lines: dict[str, int] = {}
        self._refs: dict[int, str] | None = None

    def get(self, line: int, ref: str, name: str | None) -> KnownCustomer | None:
        customer = self.known.get(ref)
        if customer is not None:
            return customer
        if not self.ctx.create_customers:
            self.plan.errors.append(
                RowError(
                    line,
                    self.ctx.header("customer_ref"),
                    _("unknown customer %(ref)s; import the customers first or use --create-customers") % {"ref": ref},
                )
            )
            return None
        customer = KnownCustomer(None, ref, (name or ref)[:200], None)
        self.known[ref] = self.new[ref] = customer
        self.new_lines[ref] = line
        return customer

    def ref_of(self, customer_id: int) -> str:
        if self._refs is None:
            self._refs = {c.id: ref for ref, c in self.known.items() if c.id is not None}
        return self._refs.get(customer_id, str(customer_id))

    def count(self) -> None:
        if self.new:
            _detail(self.ctx.result, "customers", "created", len(self.new))
            self.ctx.result.notes.append(
                _("%(count)s customer(s) created from the file: %(refs)s")
                % {
                    "count": len(self.new),
                    "refs": ", ".join(sorted(self.new)[:20]) + (" …" if len(self.new) > 20 else ""),
                }
            )

    def write(self) -> None:
        """Create the planned customers and fill in their ids."""
        if not self.new:
            return
        org = self.ctx.organization
        with indexes_rebuilt(Customer, len(self.new)):
            insert_with_defaults(
                Customer, ("organization", "ref", "name"), ((org.pk, c.ref, c.name) for c in self.new.values())
            )
        ids = customer_ids(org, list(self.new))
        file_name, lines, events = self.ctx.file_name, self.new_lines, self.plan.events
        for ref, customer in self.new.items():
            customer.id = ids[ref]
            events.append(
                (
                    customer.id,
                    "customer.created",
                    {"ref": ref, "name": customer.name, "file": file_name, "line": lines[ref]},
                )
            )


def _moves_to_new_customer(plan: Plan, wanted: dict[str, Any], customer: KnownCustomer) -> None:
    """A stored invoice or payment the file gives to a customer it creates: that customer's id, in ``wanted``, is
    known once the customer is written (``_fill_new_owners``)."""
    if customer.id is None:
        plan.data.setdefault("new_owners", []).append((wanted, customer))


def _fill_new_owners(plan: Plan) -> None:
    for wanted, customer in plan.data.get("new_owners", ()):
        wanted["customer_id"] = customer.id


def summary_events(ctx: Context, plan: Plan, kind: str, ids: dict[str, int | None]) -> None:
    """One ``import.summary`` event per customer with something created or updated."""
    for ref, counts in plan.per_customer.items():
        if counts["created"] or counts["updated"]:
            plan.events.append(
                (
                    ids.get(ref),
                    "import.summary",
                    {
                        "file": ctx.file_name,
                        "import_kind": kind,
                        "created": counts["created"],
                        "updated": counts["updated"],
                        "unchanged": counts["unchanged"],
                    },
                )
            )


def _changes(stored: dict[str, Any], wanted: dict[str, Any]) -> dict[str, list[Any]]:
    return {k: [_jsonable(stored[k]), _jsonable(v)] for k, v in wanted.items() if stored[k] != v}


# --------------------------------------------------------------------------------------------- customers


CUSTOMER_FIELDS = (
    "name",
    "kind",
    "segment",
    "siren",
    "siret",
    "vat_number",
    "address_line1",
    "address_line2",
    "postal_code",
    "city",
    "country",
    "language",
    "credit_limit",
)
CONTACT_FIELDS = {"contact_name": "name", "email": "email", "phone": "phone"}


class CustomerImporter:
    kind = "customers"

    def __init__(self, ctx: Context):
        self.ctx = ctx

    @staticmethod
    def _wanted(rec: CustomerRecord) -> dict[str, Any]:
        wanted = {f: getattr(rec, f) for f in CUSTOMER_FIELDS if getattr(rec, f) is not None}
        if rec.payment_terms is not None:
            wanted["payment_terms_days"] = rec.payment_terms.days
            wanted["payment_terms_end_of_month"] = rec.payment_terms.end_of_month
        return wanted

    def plan(self, records: Sequence[Any]) -> Plan:
        ctx, plan, result = self.ctx, Plan(), self.ctx.result
        org = ctx.organization
        stored_fields = ("id", "ref", *CUSTOMER_FIELDS, "payment_terms_days", "payment_terms_end_of_month")
        existing = {
            row["ref"]: row
            for row in Customer.objects.filter(organization=org).values(*stored_fields).iterator(chunk_size=KEY_CHUNK)
        }
        contacts: dict[int, dict[str, Any]] = {}
        for contact in (
            Contact.objects.filter(Q(is_primary=True) | Q(role=ContactRole.BILLING), organization=org)
            .order_by("customer_id", "-is_primary", "id")
            .values("id", "customer_id", "name", "email", "phone")
            .iterator(chunk_size=KEY_CHUNK)
        ):
            contacts.setdefault(contact["customer_id"], contact)  # the primary contact, else the first billing one
        creates: list[CustomerRecord] = []
        updates: list[tuple[int, dict[str, Any]]] = []
        contact_creates: list[tuple[str, dict[str, str]]] = []
        contact_updates: list[tuple[int, dict[str, Any]]] = []
        for rec in records:
            assert isinstance(rec, CustomerRecord)
            wanted = self._wanted(rec)
            contact_wanted = {m: getattr(rec, f) for f, m in CONTACT_FIELDS.items() if getattr(rec, f) is not None}
            stored = existing.get(rec.ref)
            if stored is None:
                creates.append(rec)
                if contact_wanted:
                    contact_creates.append((rec.ref, contact_wanted))
                result.count("customers", "created")
                plan.per_customer[rec.ref]["created"] += 1
                continue
            changes = _changes(stored, wanted)
            contact = contacts.get(stored["id"])
            if contact_wanted:
                if contact is None:
                    contact_creates.append((rec.ref, contact_wanted))
                    changes.update({f"contact.{k}": ["", v] for k, v in contact_wanted.items()})
                else:
                    contact_changes = _changes(contact, contact_wanted)
                    if contact_changes:
                        contact_updates.append((contact["id"], contact_wanted))
                        changes.update({f"contact.{k}": v for k, v in contact_changes.items()})
            if changes:
                if any(not k.startswith("contact.") for k in changes):
                    updates.append((stored["id"], {k: v for k, v in wanted.items() if k in changes}))
                result.count("customers", "updated")
                plan.per_customer[rec.ref]["updated"] += 1
                plan.events.append(
                    (
                        stored["id"],
                        "customer.updated",
                        {"ref": rec.ref, "changes": changes, "file": ctx.file_name, "line": rec.line},
                    )
                )
            else:
                result.count("customers", "unchanged")
                plan.per_customer[rec.ref]["unchanged"] += 1
        if contact_creates or contact_updates:
            _detail(result, "contacts", "created", len(contact_creates))
            _detail(result, "contacts", "updated", len(contact_updates))
        plan.data.update(
            creates=creates,
            updates=updates,
            contact_creates=contact_creates,
            contact_updates=contact_updates,
            existing_ids={ref: row["id"] for ref, row in existing.items()},
        )
        return plan

    def apply(self, plan: Plan) -> None:
        ctx = self.ctx
        org = ctx.organization
        creates: list[CustomerRecord] = plan.data["creates"]
        fields = ("ref", *CUSTOMER_FIELDS, "payment_terms_days", "payment_terms_end_of_month")
        model_defaults = {f: Customer._meta.get_field(f).get_default() for f in fields}
        insert_with_defaults(
            Customer,
            ("organization", *fields),
            (
                (org.pk, *(wanted.get(f, model_defaults[f]) for f in fields))
                for wanted in ({"ref": rec.ref, **self._wanted(rec)} for rec in creates)
            ),
        )
        ids: dict[str, int | None] = dict(plan.data["existing_ids"])
        new_ids = customer_ids(org, [r.ref for r in creates])
        ids.update(new_ids)
        for rec in creates:
            plan.events.append(
                (new_ids[rec.ref], "customer.created", {"ref": rec.ref, "name": rec.name, "file": ctx.file_name})
            )

        now = _now_for_db()
        by_fields: dict[tuple[str, ...], list[tuple[Any, ...]]] = defaultdict(list)
        for pk, wanted in plan.data["updates"]:
            names = tuple(sorted(wanted))
            by_fields[names].append((*(wanted[n] for n in names), now, pk))
        for names, rows in by_fields.items():
            update_rows(Customer, (*names, "updated_at"), rows)

        insert_with_defaults(
            Contact,
            ("organization", "customer", "role", "is_primary", "name", "email", "phone"),
            (
                (org.pk, ids[ref], ContactRole.BILLING, True, w.get("name", ""), w.get("email", ""), w.get("phone", ""))
                for ref, w in plan.data["contact_creates"]
            ),
        )
        contact_rows: dict[tuple[str, ...], list[tuple[Any, ...]]] = defaultdict(list)
        for pk, wanted in plan.data["contact_updates"]:
            names = tuple(sorted(wanted))
            contact_rows[names].append((*(wanted[n] for n in names), pk))
        for names, rows in contact_rows.items():
            update_rows(Contact, names, rows)
        summary_events(ctx, plan, self.kind, ids)
        ctx.report(0, len(plan.events), _("Writing the timeline"))
        record_events(org, ctx.actor, plan.events)


# --------------------------------------------------------------------------------------------- invoices

INVOICE_COMPARED = ("customer_id", "issued_on", "due_on", "currency", "total", "amount_excl_tax", "tax_amount")


@dataclass(slots=True)
class StoredInvoice:
    id: int
    customer_id: int
    issued_on: date
    due_on: date
    currency: str
    total: Decimal
    amount_excl_tax: Decimal | None
    tax_amount: Decimal | None
    allocated: Decimal

    def values(self) -> dict[str, Any]:
        return {k: getattr(self, k) for k in INVOICE_COMPARED}


def load_invoices(organization: Organization, numbers: Iterable[str] | None = None) -> dict[str, StoredInvoice]:
    """The organization's invoices by number (all of them, or those with the given numbers)."""
    qs = Invoice.objects.filter(organization=organization)
    fields = ("number", "id", "customer_id", *INVOICE_COMPARED[1:], "allocated_amount")
    out: dict[str, StoredInvoice] = {}
    if numbers is None:
        for row in _read_invoices_raw(organization):
            out[row[0]] = StoredInvoice(*row[1:])
        return out
    for chunk in _chunks(numbers):
        for row in qs.filter(number__in=chunk).values_list(*fields):
            out[row[0]] = StoredInvoice(*row[1:])
    return out


def _read_invoices_raw(organization: Organization) -> Iterator[tuple[Any, ...]]:
    """All the organization's invoices as ``(number, id, customer_id, issued_on, due_on, currency, total,
    amount_excl_tax, tax_amount, allocated_amount)`` in one pass of a cursor: several times faster than the ORM's
    per-value converters for a million rows. SQLite keeps decimals as numbers: they are read back as their
    15-digit text, which is exact for amounts in cents below 10^13."""
    meta = Invoice._meta
    sqlite = connection.vendor == "sqlite"

    def col(name: str) -> str:
        column = _qn(meta.get_field(name).column)
        return f"CAST({column} AS TEXT)" if sqlite and name in _DECIMALS else column

    names = ("number", "id", "customer", *INVOICE_COMPARED[1:], "allocated_amount")
    sql = (
        f"SELECT {', '.join(col(n) for n in names)} FROM {_qn(meta.db_table)} "
        f"WHERE {_qn(meta.get_field('organization').column)} = %s"
    )
    to_date = date.fromisoformat
    with connection.cursor() as cursor:
        cursor.execute(sql, [organization.pk])
        while rows := cursor.fetchmany(KEY_CHUNK):
            for number, pk, cid, issued, due, currency, total, excl, tax, allocated in rows:
                if sqlite:
                    if isinstance(issued, str):  # without Django's date converter
                        issued, due = to_date(issued), to_date(due)
                    total, allocated = Decimal(total).quantize(CENT), Decimal(allocated).quantize(CENT)
                    excl = None if excl is None else Decimal(excl).quantize(CENT)
                    tax = None if tax is None else Decimal(tax).quantize(CENT)
                yield number, pk, cid, issued, due, currency, total, excl, tax, allocated


_DECIMALS = frozenset({"total", "amount_excl_tax", "tax_amount", "allocated_amount"})


class InvoiceImporter:
    kind = "invoices"

    def __init__(self, ctx: Context):
        self.ctx = ctx
        self.with_schedules = False  # the file has the instalments column
        self.stored_schedules: dict[int, tuple[Part, ...]] = {}
        self.schedules: dict[str, tuple[Part, ...]] = {}

    def plan(self, records: Sequence[Any]) -> Plan:
        ctx, plan, result = self.ctx, Plan(), self.ctx.result
        org = ctx.organization
        total_rows = len(records)
        ctx.report(0, total_rows, _("Comparing with the ledger"))
        resolver = CustomerResolver(ctx, plan)
        stored_count = Invoice.objects.filter(organization=org).count()
        if not stored_count:
            existing: dict[str, StoredInvoice] = {}
        elif total_rows * 4 < stored_count:  # a small file into a large ledger: read only its invoices
            existing = load_invoices(org, [r.number for r in records])
        else:
            existing = load_invoices(org)
        self.with_schedules = "instalments" in ctx.columns.indexes
        self.stored_schedules = _stored_schedules(org) if existing else {}
        self.schedules = {}  # invoice number -> its new schedule (empty: none)
        org_terms = PaymentTerms(org.payment_terms_days, org.payment_terms_end_of_month)
        default_currency = org.currency
        computed_by: Counter[str] = Counter()
        creates: list[tuple[InvoiceRecord, KnownCustomer, date, str]] = []
        updates: list[tuple[StoredInvoice, dict[str, Any]]] = []
        per_customer = plan.per_customer
        errors = plan.errors
        known, existing_get = resolver.known, existing.get
        computed: dict[tuple[PaymentTerms, date], date] = {}
        comparing = _("Comparing with the ledger")
        for start in range(0, total_rows, 20000):
            if start:
                ctx.report(start, total_rows, comparing)
            for rec in records[start : start + 20000]:
                customer = known.get(rec.customer_ref) or resolver.get(rec.line, rec.customer_ref, rec.customer_name)
                if customer is None:
                    continue
                if not customer.named:  # the customers' summaries come in the order the file names them
                    customer.named = True
                    per_customer[customer.ref] = Counter()
                stored = existing_get(rec.number)
                if stored is None:
                    due_on = rec.due_on
                    if due_on is None:
                        terms = customer.terms
                        if terms is None:
                            terms = org_terms
                            computed_by["organization"] += 1
                        else:
                            computed_by["customer"] += 1
                        due_on = computed.get((terms, rec.issued_on))
                        if due_on is None:
                            due_on = computed[(terms, rec.issued_on)] = terms.due_on(rec.issued_on)
                    creates.append((rec, customer, due_on, rec.currency or default_currency))
                    if rec.instalments:
                        self.schedules[rec.number] = rec.instalments
                    customer.created += 1
                    continue
                self._compare(rec, customer, stored, rec.currency or default_currency, plan, updates, resolver)
        for ref, counts in per_customer.items():
            counts["created"] = known[ref].created
        if creates:
            result.count("invoices", "created", len(creates))
        if updates:
            result.count("invoices", "updated", len(updates))
        unchanged = total_rows - len(creates) - len(updates)
        if unchanged and not errors:
            result.count("invoices", "unchanged", unchanged)
        resolver.count()
        if computed_by:
            parts = []
            if computed_by["customer"]:
                parts.append(_("%(count)s from the customer's payment terms") % {"count": computed_by["customer"]})
            if computed_by["organization"]:
                parts.append(
                    _("%(count)s from the organization's terms (%(terms)s)")
                    % {"count": computed_by["organization"], "terms": terms_label(org_terms)}
                )
            result.notes.append(
                _("due date not in the file for %(count)s new invoice(s): computed, %(how)s")
                % {"count": sum(computed_by.values()), "how": _(" and ").join(parts)}
            )
        plan.data.update(creates=creates, updates=updates, resolver=resolver, schedules=self.schedules)
        return plan

    def _compare(
        self,
        rec: InvoiceRecord,
        customer: KnownCustomer,
        stored: StoredInvoice,
        currency: str,
        plan: Plan,
        updates: list[tuple[StoredInvoice, dict[str, Any]]],
        resolver: CustomerResolver,
    ) -> None:
        """An invoice of the file the ledger already has: unchanged, updated (with an event listing the changes) or
        refused when the change would contradict what is already settled."""
        ctx, per_customer, errors = self.ctx, plan.per_customer, plan.errors
        h_total, h_ref, h_currency, h_due = (ctx.header(f) for f in ("total", "customer_ref", "currency", "due_on"))
        wanted: dict[str, Any] = {
            "customer_id": customer.id,
            "issued_on": rec.issued_on,
            "due_on": rec.due_on if rec.due_on is not None else stored.due_on,
            "currency": currency,
            "total": rec.total,
            "amount_excl_tax": rec.amount_excl_tax,
            "tax_amount": rec.tax_amount,
        }
        if rec.amount_excl_tax is None:  # not in the file: keep what is stored while it still adds up
            keep = stored.amount_excl_tax is not None and stored.tax_amount is not None
            if keep and stored.amount_excl_tax + stored.tax_amount == rec.total:  # type: ignore[operator]
                wanted["amount_excl_tax"], wanted["tax_amount"] = stored.amount_excl_tax, stored.tax_amount
            elif not keep:
                wanted["amount_excl_tax"], wanted["tax_amount"] = stored.amount_excl_tax, stored.tax_amount
        old = stored.values()
        stored_parts = self.stored_schedules.get(stored.id, ())
        parts = rec.instalments if self.with_schedules else stored_parts
        if not self.with_schedules and stored_parts:
            wanted["due_on"] = stored.due_on  # the first instalment's, unless the file gives the instalments
        if wanted == old and parts == stored_parts:
            per_customer[rec.customer_ref]["unchanged"] += 1
            return
        bad = False
        if not self.with_schedules and stored_parts and rec.total != stored.total:
            errors.append(
                RowError(
                    rec.line,
                    h_total,
                    _(
                        "invoice %(number)s is payable in %(count)s instalments adding up to %(old)s: give its "
                        "instalments (column %(column)s) with the new total %(total)s"
                    )
                    % {
                        "number": rec.number,
                        "count": len(stored_parts),
                        "old": stored.total,
                        "total": rec.total,
                        "column": "instalments",
                    },
                )
            )
            bad = True
        if stored.allocated > 0:
            if wanted["total"] < stored.allocated:
                errors.append(
                    RowError(
                        rec.line,
                        h_total,
                        _("invoice %(number)s: the new total %(total)s is less than the %(settled)s already settled")
                        % {"number": rec.number, "total": rec.total, "settled": stored.allocated},
                    )
                )
                bad = True
            if wanted["customer_id"] != stored.customer_id:
                errors.append(
                    RowError(
                        rec.line,
                        h_ref,
                        _("invoice %(number)s already has payments or credit notes applied: its customer cannot change")
                        % {"number": rec.number},
                    )
                )
                bad = True
            if currency != stored.currency:
                errors.append(
                    RowError(
                        rec.line,
                        h_currency,
                        _(
                            "invoice %(number)s already has payments or credit notes applied: its currency cannot "
                            "change from %(old)s to %(new)s"
                        )
                        % {"number": rec.number, "old": stored.currency, "new": currency},
                    )
                )
                bad = True
        if wanted["due_on"] < wanted["issued_on"]:
            errors.append(
                RowError(
                    rec.line,
                    h_due,
                    _(
                        "invoice %(number)s: the stored due date %(due)s would be before the new issue date "
                        "%(issued)s; give the due date in the file"
                    )
                    % {"number": rec.number, "due": stored.due_on, "issued": rec.issued_on},
                )
            )
            bad = True
        if bad:
            return
        changes = {k: [_jsonable(old[k]), _jsonable(v)] for k, v in wanted.items() if old[k] != v}
        if parts != stored_parts:
            changes["instalments"] = [_schedule_text(stored_parts), _schedule_text(parts)]
            self.schedules[rec.number] = parts
        if "customer_id" in changes:
            changes["customer"] = [self._ref_of(resolver, stored.customer_id), rec.customer_ref]
            del changes["customer_id"]
        _moves_to_new_customer(plan, wanted, customer)
        updates.append((stored, wanted))
        per_customer[rec.customer_ref]["updated"] += 1
        plan.events.append(
            (
                customer.id,  # may be None for a customer created by this import; filled in apply
                "invoice.updated",
                {"number": rec.number, "changes": changes, "file": ctx.file_name, "line": rec.line},
            )
        )

    @staticmethod
    def _ref_of(resolver: CustomerResolver, customer_id: int) -> str:
        return resolver.ref_of(customer_id)

    def apply(self, plan: Plan) -> None:
        ctx = self.ctx
        org = ctx.organization
        resolver: CustomerResolver = plan.data["resolver"]
        if resolver.new:
            ctx.report(0, len(resolver.new), _("Creating customers"))
        resolver.write()
        _fill_new_owners(plan)
        creates: list[tuple[InvoiceRecord, KnownCustomer, date, str]] = plan.data["creates"]
        now = _now_for_db()
        org_id, source, prefix = org.pk, ctx.source, f"{ctx.file_name}:"
        total = len(creates)
        day = DatesForDb()

        def rows() -> Iterator[tuple[Any, ...]]:
            for rec, customer, due_on, currency in creates:
                yield (
                    org_id,
                    customer.id,
                    rec.number,
                    day[rec.issued_on],
                    day[due_on],
                    currency,
                    rec.amount_excl_tax,
                    rec.tax_amount,
                    rec.total,
                    ZERO,
                    source,
                    f"{prefix}{rec.line}"[:200],
                    now,
                    now,
                )

        writing = _("Writing invoices")
        ctx.report(0, total, writing)
        with indexes_rebuilt(Invoice, total):
            insert_rows(
                Invoice,
                (
                    "organization",
                    "customer",
                    "number",
                    "issued_on",
                    "due_on",
                    "currency",
                    "amount_excl_tax",
                    "tax_amount",
                    "total",
                    "allocated_amount",
                    "source",
                    "source_ref",
                    "created_at",
                    "updated_at",
                ),
                rows(),
                progress=lambda done: ctx.report(done, total, writing),
            )
        updates: list[tuple[StoredInvoice, dict[str, Any]]] = plan.data["updates"]
        update_rows(
            Invoice,
            (*INVOICE_COMPARED, "updated_at"),
            ((*(w[k] for k in INVOICE_COMPARED), now, s.id) for s, w in updates),
        )
        schedules: dict[str, tuple[Part, ...]] = plan.data["schedules"]
        if schedules:
            ctx.report(0, len(schedules), _("Writing instalments"))
            ids_by_number: dict[str, int] = {}
            for chunk in _chunks(schedules):
                ids_by_number.update(
                    Invoice.objects.filter(organization=org, number__in=chunk).values_list("number", "id")
                )
            replace_schedules({ids_by_number[number]: schedule(parts) for number, parts in schedules.items()})
        ids = {ref: c.id for ref, c in resolver.known.items()}
        plan.events = [
            (cid if cid is not None else ids.get(_ref_in(data, resolver)), kind, data)
            for cid, kind, data in plan.events
        ]
        summary_events(ctx, plan, self.kind, ids)
        ctx.report(0, len(plan.events), _("Writing the timeline"))
        record_events(org, ctx.actor, plan.events)


def _stored_schedules(organization: Organization) -> dict[int, tuple[Part, ...]]:
    """The instalments of the organization's invoices payable on several dates, by invoice id (one query)."""
    out: dict[int, list[Part]] = defaultdict(list)
    for invoice_id, due_on, amount in (
        InvoiceInstalment.objects.filter(invoice__organization=organization)
        .order_by("invoice_id", "position")
        .values_list("invoice_id", "due_on", "amount")
    ):
        out[invoice_id].append(Part(due_on, amount))
    return {pk: tuple(parts) for pk, parts in out.items()}


def _schedule_text(parts: Sequence[Part]) -> str:
    return ";".join(f"{p.due_on.isoformat()}:{p.amount}" for p in parts)


def _ref_in(data: dict[str, Any], resolver: CustomerResolver) -> str:
    changes = data.get("changes", {})
    customer = changes.get("customer")
    return customer[1] if customer else data.get("ref", "")


# --------------------------------------------------------------------------------------------- payments

PAYMENT_COMPARED = (
    "customer_id",
    "received_on",
    "currency",
    "amount",
    "method",
    "reference",
    "payer_name",
    "payer_iban",
)


@dataclass(slots=True)
class StoredPayment:
    id: int
    customer_id: int
    received_on: date
    currency: str
    amount: Decimal
    method: str
    reference: str
    payer_name: str
    payer_iban: str
    allocated: Decimal

    def values(self) -> dict[str, Any]:
        return {k: getattr(self, k) for k in PAYMENT_COMPARED}


@dataclass(slots=True)
class OpenInvoice:
    id: int
    number: str
    customer_id: int
    currency: str
    open: Decimal


class PaymentImporter:
    kind = "payments"

    def __init__(self, ctx: Context):
        self.ctx = ctx

    def plan(self, records: Sequence[Any]) -> Plan:
        ctx, plan, result = self.ctx, Plan(), self.ctx.result
        org = ctx.organization
        resolver = CustomerResolver(ctx, plan)
        keys = [r.key for r in records]
        existing: dict[str, StoredPayment] = {}
        fields = ("source_key", "id", *PAYMENT_COMPARED, "allocated_amount")
        qs = Payment.objects.filter(organization=org)
        for chunk in _chunks(keys):
            for row in qs.filter(source_key__in=chunk).values_list(*fields):
                existing[row[0]] = StoredPayment(*row[1:])
        numbers = {r.invoice_number for r in records if r.invoice_number}
        invoices: dict[str, OpenInvoice] = {}
        for chunk in _chunks(numbers):
            for pk, number, cid, cur, open_amount in (
                Invoice.objects.filter(organization=org, number__in=chunk)
                .values_list("id", "number", "customer_id", "currency", "open_amount")
                .iterator()
            ):
                invoices[number] = OpenInvoice(pk, number, cid, cur, open_amount)
        allocated_pairs: set[tuple[int, int]] = set()
        for chunk in _chunks([p.id for p in existing.values()]):
            allocated_pairs.update(
                Allocation.objects.filter(organization=org, payment_id__in=chunk).values_list(
                    "payment_id", "invoice_id"
                )
            )
        # an allocation undone by hand on the customer's or the invoice's page is not made again by a re-import
        from recouvre.ledger.cash import undone_pairs

        allocated_pairs |= undone_pairs(org, [p.id for p in existing.values()])
        h_inv = ctx.header("invoice_number")
        creates: list[tuple[PaymentRecord, KnownCustomer, str]] = []
        updates: list[tuple[StoredPayment, dict[str, Any]]] = []
        allocations: list[tuple[str, OpenInvoice, Decimal, date]] = []  # payment key, invoice, amount, date
        settled_notes: list[str] = []
        for rec in records:
            assert isinstance(rec, PaymentRecord)
            customer = resolver.get(rec.line, rec.customer_ref, rec.customer_name)
            if customer is None:
                continue
            currency = rec.currency or org.currency
            stored = existing.get(rec.key)
            invoice = None
            if rec.invoice_number:
                invoice = invoices.get(rec.invoice_number)
                if invoice is None:
                    plan.errors.append(
                        RowError(rec.line, h_inv, _("unknown invoice %(number)s") % {"number": rec.invoice_number})
                    )
                    continue
                if invoice.customer_id != customer.id:
                    plan.errors.append(
                        RowError(
                            rec.line,
                            h_inv,
                            _("the invoice %(number)s is not an invoice of the customer %(ref)s")
                            % {"number": rec.invoice_number, "ref": rec.customer_ref},
                        )
                    )
                    continue
                if invoice.currency != currency:
                    plan.errors.append(
                        RowError(
                            rec.line,
                            h_inv,
                            _("the invoice %(number)s is in %(invoice_currency)s, the payment in %(currency)s")
                            % {
                                "number": rec.invoice_number,
                                "invoice_currency": invoice.currency,
                                "currency": currency,
                            },
                        )
                    )
                    continue
            if stored is None:
                creates.append((rec, customer, currency))
                plan.per_customer[rec.customer_ref]["created"] += 1
                available = rec.amount
            else:
                wanted = {
                    "customer_id": customer.id,
                    "received_on": rec.received_on,
                    "currency": currency,
                    "amount": rec.amount,
                    "method": rec.method if rec.method is not None else stored.method,
                    "reference": rec.reference if rec.reference is not None else stored.reference,
                    "payer_name": rec.payer_name if rec.payer_name is not None else stored.payer_name,
                    "payer_iban": rec.payer_iban if rec.payer_iban is not None else stored.payer_iban,
                }
                old = stored.values()
                if wanted != old:
                    if stored.allocated > 0 and (
                        wanted["customer_id"] != stored.customer_id or currency != stored.currency
                    ):
                        plan.errors.append(
                            RowError(
                                rec.line,
                                ctx.header(
                                    "customer_ref" if wanted["customer_id"] != stored.customer_id else "currency"
                                ),
                                _(
                                    "this payment is already applied to invoices: "
                                    "its customer and currency cannot change"
                                ),
                            )
                        )
                        continue
                    if rec.amount < stored.allocated:
                        plan.errors.append(
                            RowError(
                                rec.line,
                                ctx.header("amount"),
                                _("the new amount %(amount)s is less than the %(applied)s already applied")
                                % {"amount": rec.amount, "applied": stored.allocated},
                            )
                        )
                        continue
                    changes = {k: [_jsonable(old[k]), _jsonable(v)] for k, v in wanted.items() if old[k] != v}
                    if "customer_id" in changes:
                        del changes["customer_id"]
                        changes["customer"] = ["", rec.customer_ref]
                    _moves_to_new_customer(plan, wanted, customer)
                    updates.append((stored, wanted))
                    plan.per_customer[rec.customer_ref]["updated"] += 1
                    plan.events.append(
                        (
                            customer.id,
                            "payment.updated",
                            {
                                "reference": rec.reference or stored.reference,
                                "changes": changes,
                                "file": ctx.file_name,
                                "line": rec.line,
                            },
                        )
                    )
                else:
                    plan.per_customer[rec.customer_ref]["unchanged"] += 1
                available = rec.amount - stored.allocated
                if invoice is not None and (stored.id, invoice.id) in allocated_pairs:
                    invoice = None  # applied by an earlier import (never twice), or undone by hand since
            if invoice is not None:
                amount = min(available, invoice.open)
                if amount > 0:
                    invoice.open -= amount
                    allocations.append((rec.key, invoice, amount, rec.received_on))
                elif invoice.open <= 0:
                    settled_notes.append(rec.invoice_number or "")
        n_created = len(creates)
        n_updated = len(updates)
        if n_created:
            result.count("payments", "created", n_created)
        if n_updated:
            result.count("payments", "updated", n_updated)
        unchanged = sum(c["unchanged"] for c in plan.per_customer.values())
        if unchanged:
            result.count("payments", "unchanged", unchanged)
        if allocations:
            _detail(result, "allocations", "created", len(allocations))
        if settled_notes:
            result.notes.append(
                _("invoice(s) already settled, payment left unallocated on the customer's account: %(numbers)s")
                % {"numbers": ", ".join(sorted(set(settled_notes))[:20])}
            )
        resolver.count()
        plan.data.update(
            creates=creates, updates=updates, allocations=allocations, resolver=resolver, existing=existing
        )
        return plan

    def apply(self, plan: Plan) -> None:
        ctx = self.ctx
        org = ctx.organization
        resolver: CustomerResolver = plan.data["resolver"]
        if resolver.new:
            ctx.report(0, len(resolver.new), _("Creating customers"))
        resolver.write()
        _fill_new_owners(plan)
        creates: list[tuple[PaymentRecord, KnownCustomer, str]] = plan.data["creates"]
        org_id, source = org.pk, ctx.source
        insert_with_defaults(
            Payment,
            (
                "organization",
                "customer",
                "received_on",
                "currency",
                "amount",
                "method",
                "reference",
                "payer_name",
                "payer_iban",
                "source_key",
                "source",
            ),
            (
                (
                    org_id,
                    customer.id,
                    rec.received_on,
                    currency,
                    rec.amount,
                    rec.method or PaymentMethod.TRANSFER,
                    rec.reference or "",
                    rec.payer_name or "",
                    rec.payer_iban or "",
                    rec.key,
                    source,
                )
                for rec, customer, currency in creates
            ),
        )
        ids = {key: s.id for key, s in plan.data["existing"].items()}
        ids.update(ids_by_key(Payment, org, "source_key", [rec.key for rec, _c, _cur in creates]))
        updates: list[tuple[StoredPayment, dict[str, Any]]] = plan.data["updates"]
        update_rows(Payment, PAYMENT_COMPARED, ((*(w[k] for k in PAYMENT_COMPARED), s.id) for s, w in updates))
        allocations: list[tuple[str, OpenInvoice, Decimal, date]] = plan.data["allocations"]
        insert_with_defaults(
            Allocation,
            ("organization", "invoice", "payment", "amount", "allocated_on", "source"),
            ((org_id, invoice.id, ids[key], amount, on, source) for key, invoice, amount, on in allocations),
        )
        for _key, invoice, amount, _on in allocations:
            plan.events.append(
                (
                    invoice.customer_id,
                    "allocation.created",
                    {
                        "invoice": invoice.number,
                        "amount": str(amount),
                        "currency": invoice.currency,
                        "by": "payment",
                        "file": ctx.file_name,
                    },
                )
            )
        customer_ids = {ref: c.id for ref, c in resolver.known.items()}
        plan.events = [
            (cid if cid is not None else customer_ids.get(_ref_in(data, resolver)), kind, data)
            for cid, kind, data in plan.events
        ]
        summary_events(ctx, plan, self.kind, customer_ids)
        ctx.report(0, len(plan.events), _("Writing the timeline"))
        record_events(org, ctx.actor, plan.events)


IMPORTERS: dict[str, type[CustomerImporter] | type[InvoiceImporter] | type[PaymentImporter]] = {
    "customers": CustomerImporter,
    "invoices": InvoiceImporter,
    "payments": PaymentImporter,
}
