"""Import a FEC (the French legal accounting export) into an organization's ledger.

The file is read and planned by ``recouvre.core.fec`` (pure); this module compares the plan with what the
ledger already holds and writes the differences in one transaction:

- customers found on the 411 lines are created (the FEC is the book of record); existing ones are left as they
  are;
- each document is found again by its natural key from the file (``source_ref`` of invoices and credit notes,
  ``source_key`` = ``fec:<key>`` of payments), so importing the same file twice changes nothing and counts every
  row as unchanged;
- allocations come from the balanced lettering groups; allocations a previous import of the file made and the
  file no longer letters are removed;
- due dates, when the file has none, come from the customer's payment terms, else the organization's;
- one ``import.summary`` event per customer that something happened to.

Hot path: bulk reads into dicts, inserts of hundreds of rows per statement (allocations too: the ledger's
triggers keep ``allocated_amount`` right for each row), never a query per line.
"""

from __future__ import annotations

import contextlib
import hashlib
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from itertools import batched
from pathlib import Path
from typing import Any

from django.db import connection, transaction
from django.db.models import Model
from django.utils import timezone
from django.utils.formats import number_format
from django.utils.translation import gettext as _

from recouvre.core.dates import PaymentTerms
from recouvre.core.fec import (
    MAX_NUMBER,
    DocumentKind,
    FecPlan,
    PlannedAllocation,
    PlannedDocument,
    plan_fec,
    read_fec,
)
from recouvre.core.importing import ErrorList, ImportRefused, ImportResult, RowError
from recouvre.core.instalments import Part, schedule
from recouvre.ledger.actors import Actor
from recouvre.ledger.models import (
    Allocation,
    CreditNote,
    Customer,
    Invoice,
    InvoiceInstalment,
    Payment,
    PaymentMethod,
    Source,
)
from recouvre.ledger.services import bulk_record_events, replace_schedules
from recouvre.organizations.models import Organization
from recouvre.risk.credit import refresh_exposure_alerts
from recouvre.tasks.settled import close_settled_tasks

from .bulk import gc_paused, indexes_rebuilt, insert_with_defaults

ProgressFn = Callable[..., None]
MAX_UNBALANCED_NOTES = 20
PAYMENT_KEY_PREFIX = "fec:"

_METHODS = set(PaymentMethod.values)


@dataclass(slots=True)
class _Counts:
    """What happened to one customer, for its ``import.summary`` event."""

    created: int = 0
    updated: int = 0
    unchanged: int = 0
    by_entity: Counter[str] = field(default_factory=Counter)
    customer_created: bool = False


@dataclass(slots=True)
class _Work:
    """Everything the write phase has to do, decided before anything is written."""

    new_customers: list[tuple[str, str]] = field(default_factory=list)  # ref, name
    customer_ids: dict[str, int] = field(default_factory=dict)
    invoices_new: list[tuple[PlannedDocument, str, date]] = field(default_factory=list)  # doc, number, due_on
    invoices_changed: list[tuple[int, PlannedDocument, date]] = field(default_factory=list)  # id, doc, due_on
    notes_new: list[tuple[PlannedDocument, str]] = field(default_factory=list)  # doc, number
    notes_changed: list[tuple[int, PlannedDocument]] = field(default_factory=list)
    payments_new: list[PlannedDocument] = field(default_factory=list)
    payments_changed: list[tuple[int, PlannedDocument]] = field(default_factory=list)
    allocations_deleted: list[int] = field(default_factory=list)
    allocations_new: list[PlannedAllocation] = field(default_factory=list)
    schedules_changed: dict[int, tuple[Part, ...]] = field(default_factory=dict)  # invoice id -> its new schedule
    per_customer: dict[str, _Counts] = field(default_factory=lambda: defaultdict(_Counts))
    tally: Counter[tuple[str, str, str]] = field(default_factory=Counter)  # (entity, customer ref, outcome) -> n


def import_fec(
    organization: Organization,
    path: Path | str,
    *,
    actor: Actor,
    dry_run: bool = False,
    progress: ProgressFn | None = None,
    original_name: str | None = None,
) -> ImportResult:
    """Import the FEC at ``path`` into ``organization``.

    All-or-nothing: any bad line refuses the whole file with ``ImportRefused`` naming every bad line, field and
    reason, and nothing is written. With ``dry_run`` the result (counts and notes) is computed and nothing is
    written. ``progress(done, total=None, stage=None)`` is called every few thousand lines and at each stage.
    ``result.details`` counts customers, invoices, payments, credit_notes and allocations.
    """
    with gc_paused():
        return _import(organization, Path(path), actor, dry_run, progress, original_name)


def _import(
    organization: Organization,
    path: Path,
    actor: Actor,
    dry_run: bool,
    progress: ProgressFn | None,
    original_name: str | None,
) -> ImportResult:
    name = original_name or path.name
    report: ProgressFn = progress or (lambda *args, **kwargs: None)
    result = ImportResult(kind="fec", file=name, dry_run=dry_run)
    for entity in ("customers", "invoices", "payments", "credit_notes", "allocations"):
        result.details[entity] = {"created": 0, "updated": 0, "unchanged": 0}

    report(0, None, "reading")
    book = read_fec(path, progress=lambda n: report(n, None, "reading"))
    if book.errors:
        raise ImportRefused(book.errors, total=book.errors_total)
    report(book.line_count, book.line_count, "planning")
    plan = plan_fec(book)
    if not book.customer_lines:
        result.notes.append(_("The file has no lines on customer accounts (411): nothing to import."))

    # Compare and write in one transaction, so what was compared is what gets written.
    with contextlib.nullcontext() if dry_run else transaction.atomic():
        work = _Work()
        stored = _load_stored(organization)
        _match_customers(organization, plan, work, result)
        due_notes = _match_documents(organization, plan, stored, work, result)
        skipped_groups, removed, errors = _match_allocations(organization, plan, stored, work, result)
        if errors:
            raise ImportRefused(errors)
        _fold_tally(work, result)
        _write_notes(organization, plan, result, due_notes, skipped_groups, removed)
        if not dry_run:
            _write(organization, actor, name, work, report)
            # Calls and escalation steps about invoices now settled are closed (recouvre.tasks.settled).
            close_settled_tasks(organization, actor=actor)
            # A customer the file took over its credit limit (or back under) shows on the worklist.
            refresh_exposure_alerts(organization, actor=actor)
    return result


# --------------------------------------------------------------------------------------------- matching


def _amount(value: Decimal) -> str:
    """An amount as the reader writes it (``1 234,56`` in French, ``1,234.56`` in English)."""
    return number_format(value, decimal_pos=2, use_l10n=True, force_grouping=True)


def _terms_label(terms: PaymentTerms) -> str:
    if terms.end_of_month:
        return _("%(days)s days end of month") % {"days": terms.days}
    return _("%(days)s days") % {"days": terms.days}


def _match_customers(organization: Organization, plan: FecPlan, work: _Work, result: ImportResult) -> None:
    existing = dict(Customer.objects.filter(organization=organization).values_list("ref", "id"))
    for planned in plan.customers:
        customer_id = existing.get(planned.ref)
        if customer_id is None:
            work.new_customers.append((planned.ref, planned.name))
            work.per_customer[planned.ref].customer_created = True
            result.count("customers", "created")
        else:
            work.customer_ids[planned.ref] = customer_id
            result.count("customers", "unchanged")


def _outcome(work: _Work, entity: str, customer_ref: str, outcome: str, n: int = 1) -> None:
    work.tally[(entity, customer_ref, outcome)] += n


def _fold_tally(work: _Work, result: ImportResult) -> None:
    """Move the per-customer tally into ``result`` and the customers' summaries."""
    for (entity, ref, outcome), n in work.tally.items():
        result.count(entity, outcome, n)
        counts = work.per_customer[ref]
        setattr(counts, outcome, getattr(counts, outcome) + n)
        if outcome != "unchanged":
            counts.by_entity[entity] += n


@dataclass(slots=True)
class _Stored:
    """The FEC documents the organization already has, by natural key: ``(id, customer_id, date, due_on, amount,
    allocated_amount)`` (``due_on`` is ``None`` for payments and credit notes)."""

    invoices: dict[str, tuple[Any, ...]]
    credit_notes: dict[str, tuple[Any, ...]]
    payments: dict[str, tuple[Any, ...]]
    schedules: dict[int, tuple[Part, ...]] = field(default_factory=dict)  # invoice id -> its instalments

    def of(self, kind: DocumentKind) -> dict[str, tuple[Any, ...]]:
        if kind == DocumentKind.INVOICE:
            return self.invoices
        return self.credit_notes if kind == DocumentKind.CREDIT_NOTE else self.payments


def _load_stored(organization: Organization) -> _Stored:
    fec = {"organization": organization, "source": Source.FEC}
    invoices = {
        row[0]: row[1:]
        for row in Invoice.objects.filter(**fec).values_list(
            "source_ref", "id", "customer_id", "issued_on", "due_on", "total", "allocated_amount"
        )
    }
    notes = {
        row[0]: (row[1], row[2], row[3], None, row[4], row[5])
        for row in CreditNote.objects.filter(**fec).values_list(
            "source_ref", "id", "customer_id", "issued_on", "total", "allocated_amount"
        )
    }
    cut = len(PAYMENT_KEY_PREFIX)
    payments = {
        row[0][cut:]: (row[1], row[2], row[3], None, row[4], row[5])
        for row in Payment.objects.filter(**fec, source_key__startswith=PAYMENT_KEY_PREFIX).values_list(
            "source_key", "id", "customer_id", "received_on", "amount", "allocated_amount"
        )
    }
    schedules: dict[int, list[Part]] = defaultdict(list)
    for invoice_id, due_on, amount in (
        InvoiceInstalment.objects.filter(invoice__organization=organization, invoice__source=Source.FEC)
        .order_by("invoice_id", "position")
        .values_list("invoice_id", "due_on", "amount")
    ):
        schedules[invoice_id].append(Part(due_on, amount))
    return _Stored(invoices, notes, payments, {pk: tuple(parts) for pk, parts in schedules.items()})


_ENTITIES = {
    DocumentKind.INVOICE: "invoices",
    DocumentKind.CREDIT_NOTE: "credit_notes",
    DocumentKind.PAYMENT: "payments",
}


def _match_documents(
    organization: Organization, plan: FecPlan, stored: _Stored, work: _Work, result: ImportResult
) -> dict[str, int]:
    """Sort each planned document into new / changed / unchanged, choose the numbers of new invoices and credit
    notes, compute missing due dates. Returns how many due dates were computed with which terms."""
    org_terms = PaymentTerms(organization.payment_terms_days, organization.payment_terms_end_of_month)
    customer_terms: dict[str, PaymentTerms] = {}
    if work.customer_ids:
        for ref, days, end_of_month in Customer.objects.filter(
            organization=organization, payment_terms_days__isnull=False
        ).values_list("ref", "payment_terms_days", "payment_terms_end_of_month"):
            customer_terms[ref] = PaymentTerms(days, end_of_month)
    due_notes: Counter[str] = Counter()
    computed: dict[tuple[PaymentTerms, date], date] = {}

    def due_on(doc: PlannedDocument) -> date:
        if doc.due_on is not None:
            return doc.due_on
        terms = customer_terms.get(doc.customer_ref)
        if terms is None:
            terms, source = org_terms, "organization"
        else:
            source = "customer"
        due_notes[source] += 1
        due = computed.get((terms, doc.dated_on))
        if due is None:
            due = computed[(terms, doc.dated_on)] = max(terms.due_on(doc.dated_on), doc.dated_on)
        return due

    ids = work.customer_ids
    new_invoices: list[PlannedDocument] = []
    new_notes: list[PlannedDocument] = []
    for doc in plan.documents:
        entity = _ENTITIES[doc.kind]
        found = stored.of(doc.kind).get(doc.key)
        if found is None:
            if doc.kind == DocumentKind.INVOICE:
                new_invoices.append(doc)
            elif doc.kind == DocumentKind.CREDIT_NOTE:
                new_notes.append(doc)
            else:
                work.payments_new.append(doc)
            _outcome(work, entity, doc.customer_ref, "created")
            continue
        pk, customer_id, dated_on, stored_due, amount, _allocated = found
        wanted_due = (doc.due_on or stored_due) if doc.kind == DocumentKind.INVOICE else None
        same_schedule = doc.kind != DocumentKind.INVOICE or stored.schedules.get(pk, ()) == doc.instalments
        if same_schedule and (customer_id, dated_on, amount, stored_due) == (
            ids.get(doc.customer_ref),
            doc.dated_on,
            doc.amount,
            wanted_due,
        ):
            _outcome(work, entity, doc.customer_ref, "unchanged")
            continue
        _outcome(work, entity, doc.customer_ref, "updated")
        if doc.kind == DocumentKind.INVOICE:
            assert wanted_due is not None
            if not same_schedule:
                work.schedules_changed[pk] = doc.instalments
            work.invoices_changed.append((pk, doc, wanted_due if wanted_due >= doc.dated_on else due_on(doc)))
        elif doc.kind == DocumentKind.CREDIT_NOTE:
            work.notes_changed.append((pk, doc))
        else:
            work.payments_changed.append((pk, doc))

    if new_invoices:
        taken = set(Invoice.objects.filter(organization=organization).values_list("number", flat=True))
        work.invoices_new = [(doc, number, due_on(doc)) for doc, number in _numbers(new_invoices, taken)]
    if new_notes:
        taken = set(CreditNote.objects.filter(organization=organization).values_list("number", flat=True))
        work.notes_new = list(_numbers(new_notes, taken))
    return dict(due_notes)


def _numbers(docs: Iterable[PlannedDocument], taken: set[str]) -> Iterable[tuple[PlannedDocument, str]]:
    """The piece reference when it is this document's alone and free, else the number built from the journal,
    the entry number, its date and the line's rank, made unique with a digest of the key if need be."""
    for doc in docs:
        for number in (doc.number, doc.synthetic_number):
            if number and number not in taken:
                break
        else:
            digest = hashlib.sha1(doc.key.encode()).hexdigest()[:10]
            number = f"{doc.synthetic_number[: MAX_NUMBER - 11]}-{digest}"
        taken.add(number)
        yield doc, number


def _match_allocations(
    organization: Organization, plan: FecPlan, stored: _Stored, work: _Work, result: ImportResult
) -> tuple[list[tuple[str, str]], int, list[RowError]]:
    """Compare the lettering of the file with the allocations earlier imports of it made.

    An allocation is identified by its invoice and its payment or credit note. Earlier FEC allocations between
    two documents of this file that the file no longer letters (or letters for another amount) are removed; the
    missing ones are created. A lettering group is applied only when every one of its new allocations fits in
    what its documents still have open (other allocations, made by hand or from the bank, may have used it);
    otherwise it is skipped and reported. A document whose amount changed in the file and would fall below what
    other allocations already took is an error. Returns the skipped groups, how many allocations were removed
    and the errors."""
    docs = {doc.key: doc for doc in plan.documents}
    by_id: dict[DocumentKind, dict[int, str]] = {}
    for kind in DocumentKind:
        rows = stored.of(kind)
        by_id[kind] = {rows[k][0]: k for k, d in docs.items() if d.kind == kind and k in rows}

    existing: dict[tuple[str, str], list[tuple[int, Decimal]]] = defaultdict(list)
    if by_id[DocumentKind.INVOICE] and (by_id[DocumentKind.PAYMENT] or by_id[DocumentKind.CREDIT_NOTE]):
        invoice_keys, payment_keys = by_id[DocumentKind.INVOICE], by_id[DocumentKind.PAYMENT]
        note_keys = by_id[DocumentKind.CREDIT_NOTE]
        rows = Allocation.objects.filter(organization=organization, source=Source.FEC).values_list(
            "id", "invoice_id", "payment_id", "credit_note_id", "amount"
        )
        for pk, invoice_id, payment_id, note_id, amount in rows:
            invoice_key = invoice_keys.get(invoice_id)
            credit_key = payment_keys.get(payment_id) if payment_id else note_keys.get(note_id)
            if invoice_key is not None and credit_key is not None:
                existing[(invoice_key, credit_key)].append((pk, amount))

    wanted = {(a.invoice_key, a.credit_key): a for a in plan.allocations}
    removed = 0
    freed: Counter[str] = Counter()  # given back to each document by the allocations removed
    for pair, found in existing.items():
        allocation = wanted.get(pair)
        for index, (pk, amount) in enumerate(found):
            if allocation is not None and index == 0 and amount == allocation.amount:
                continue
            work.allocations_deleted.append(pk)
            freed[pair[0]] += amount
            freed[pair[1]] += amount
            if allocation is None or index > 0:
                removed += 1

    # what each stored document of the file has open once the removed allocations are gone, at its new amount
    room: dict[str, Decimal] = {}
    errors = ErrorList()
    for kind, keys in by_id.items():
        rows = stored.of(kind)
        for key in keys.values():
            allocated = rows[key][5] - freed[key]
            doc = docs[key]
            room[key] = doc.amount - allocated
            if room[key] < 0:
                errors.append(
                    RowError(
                        doc.line,
                        "Debit" if kind == DocumentKind.INVOICE else "Credit",
                        _(
                            "the amount changed since the last import to %(amount)s, less than the %(allocated)s "
                            "already allocated to it"
                        )
                        % {"amount": doc.amount, "allocated": allocated},
                    )
                )

    groups: dict[tuple[str, str], list[PlannedAllocation]] = defaultdict(list)
    for allocation in plan.allocations:
        groups[(allocation.customer_ref, allocation.letter)].append(allocation)
    skipped: list[tuple[str, str]] = []
    for group, allocations in groups.items():
        new: list[PlannedAllocation] = []
        kept = 0
        for allocation in allocations:
            found = existing.get((allocation.invoice_key, allocation.credit_key))
            if found and found[0][1] == allocation.amount:
                kept += 1
            else:
                new.append(allocation)
        need: Counter[str] = Counter()
        for allocation in new:
            need[allocation.invoice_key] += allocation.amount
            need[allocation.credit_key] += allocation.amount
        ref = group[0]
        if not all(amount <= room.get(key, docs[key].amount) for key, amount in need.items()):
            skipped.append(group)
            continue
        for key, amount in need.items():  # a document lettered in several groups (an invoice in instalments)
            room[key] = room.get(key, docs[key].amount) - amount
        if kept:
            _outcome(work, "allocations", ref, "unchanged", kept)
        for allocation in new:
            pair = (allocation.invoice_key, allocation.credit_key)
            _outcome(work, "allocations", ref, "updated" if pair in existing else "created")
            work.allocations_new.append(allocation)
    return skipped, removed, errors


def _write_notes(
    organization: Organization,
    plan: FecPlan,
    result: ImportResult,
    due_notes: dict[str, int],
    skipped: list[tuple[str, str]],
    removed: int,
) -> None:
    notes = result.notes
    if due_notes.get("organization"):
        terms = PaymentTerms(organization.payment_terms_days, organization.payment_terms_end_of_month)
        notes.append(
            _(
                "The file has no due dates: %(count)s due dates computed from the organization's payment terms "
                "(%(terms)s after the invoice date)."
            )
            % {"count": due_notes["organization"], "terms": _terms_label(terms)}
        )
    if due_notes.get("customer"):
        notes.append(
            _("The file has no due dates: %(count)s due dates computed from the customers' own payment terms.")
            % {"count": due_notes["customer"]}
        )
    if plan.opening_lines:
        notes.append(
            _("%(count)s opening-balance lines (à nouveaux) brought in as open items.") % {"count": plan.opening_lines}
        )
    for group in plan.unbalanced[:MAX_UNBALANCED_NOTES]:
        notes.append(
            _(
                "Lettering %(letter)s of customer %(customer)s does not balance (debits %(debit)s, credits "
                "%(credit)s, difference %(difference)s): its lines (%(lines)s) are left open."
            )
            % {
                "letter": group.letter,
                "customer": group.customer_ref,
                "debit": _amount(group.debit),
                "credit": _amount(group.credit),
                "difference": _amount(group.difference),
                "lines": ", ".join(str(n) for n in group.lines[:10]) + (", ..." if len(group.lines) > 10 else ""),
            }
        )
    if len(plan.unbalanced) > MAX_UNBALANCED_NOTES:
        more = plan.unbalanced[MAX_UNBALANCED_NOTES:]
        notes.append(
            _("%(count)s more lettering groups do not balance (difference %(difference)s in all); left open.")
            % {"count": len(more), "difference": _amount(sum((g.difference for g in more), Decimal("0.00")))}
        )
    for ref, letter in skipped[:MAX_UNBALANCED_NOTES]:
        notes.append(
            _(
                "Lettering %(letter)s of customer %(customer)s not applied: its documents are already settled by "
                "other allocations."
            )
            % {"letter": letter, "customer": ref}
        )
    if len(skipped) > MAX_UNBALANCED_NOTES:
        notes.append(
            _("%(count)s more lettering groups not applied for the same reason.")
            % {"count": len(skipped) - MAX_UNBALANCED_NOTES}
        )
    if removed:
        notes.append(
            _("%(count)s allocations from an earlier import of this file removed: the file no longer letters them.")
            % {"count": removed}
        )
    if plan.zero_lines:
        notes.append(_("%(count)s customer lines with a zero amount skipped.") % {"count": plan.zero_lines})
    if plan.foreign_currency_lines:
        notes.append(
            _(
                "%(count)s customer lines also carry an amount in another currency (Montantdevise, Idevise); "
                "the amounts in the accounting currency (%(currency)s) were imported."
            )
            % {"count": plan.foreign_currency_lines, "currency": organization.currency}
        )


# --------------------------------------------------------------------------------------------- writing


def _insert(model: type[Model], fields: Sequence[str], rows: Sequence[tuple[Any, ...]]) -> None:
    """Insert value tuples in bulk (``recouvre.imports.bulk``), the table's indexes built after when it receives
    more rows than it holds. ``fields`` are attribute names; every other concrete column gets its model default."""
    if rows:
        with indexes_rebuilt(model, len(rows)):
            insert_with_defaults(model, fields, rows)


def _ids(model: type[Model], organization: Organization, key_field: str, prefix: str = "") -> dict[str, int]:
    rows = model.objects.filter(organization=organization, source=Source.FEC)  # type: ignore[attr-defined]
    if prefix:
        rows = rows.filter(**{f"{key_field}__startswith": prefix})
    return {key[len(prefix) :]: pk for key, pk in rows.values_list(key_field, "id")}


def _write(organization: Organization, actor: Actor, file_name: str, work: _Work, report: ProgressFn) -> None:
    org_id = organization.pk
    currency = organization.currency
    fec = Source.FEC.value
    now = connection.ops.adapt_datetimefield_value(timezone.now())

    report(0, len(work.new_customers), "customers")
    if work.new_customers:
        _insert(
            Customer,
            ["organization_id", "ref", "name", "created_at", "updated_at"],
            [(org_id, ref, name, now, now) for ref, name in work.new_customers],
        )
        work.customer_ids = dict(Customer.objects.filter(organization=organization).values_list("ref", "id"))
    ids = work.customer_ids

    report(0, len(work.allocations_deleted), "allocations removed")
    for chunk in batched(work.allocations_deleted, 500):
        Allocation.objects.filter(organization=organization, id__in=chunk).delete()

    report(0, len(work.invoices_changed) + len(work.notes_changed) + len(work.payments_changed), "updates")
    _update_documents(work)

    report(0, len(work.invoices_new), "invoices")
    _insert(
        Invoice,
        [
            "organization_id",
            "customer_id",
            "number",
            "issued_on",
            "due_on",
            "currency",
            "total",
            "source",
            "source_ref",
            "created_at",
            "updated_at",
        ],
        [
            (org_id, ids[d.customer_ref], number, d.dated_on, due, currency, d.amount, fec, d.key, now, now)
            for d, number, due in work.invoices_new
        ],
    )
    new_schedules = [(d.key, d.instalments) for d, _number, _due in work.invoices_new if d.instalments]
    if new_schedules or work.schedules_changed:
        report(0, len(new_schedules) + len(work.schedules_changed), "instalments")
        keyed = _ids(Invoice, organization, "source_ref") if new_schedules else {}
        replace_schedules(
            {
                **{pk: schedule(parts) for pk, parts in work.schedules_changed.items()},
                **{keyed[key]: schedule(parts) for key, parts in new_schedules},
            }
        )
    report(0, len(work.notes_new), "credit notes")
    _insert(
        CreditNote,
        [
            "organization_id",
            "customer_id",
            "number",
            "issued_on",
            "currency",
            "total",
            "source",
            "source_ref",
            "created_at",
        ],
        [
            (org_id, ids[d.customer_ref], number, d.dated_on, currency, d.amount, fec, d.key, now)
            for d, number in work.notes_new
        ],
    )
    report(0, len(work.payments_new), "payments")
    _insert(
        Payment,
        [
            "organization_id",
            "customer_id",
            "received_on",
            "currency",
            "amount",
            "method",
            "reference",
            "source_key",
            "source",
            "created_at",
        ],
        [
            (
                org_id,
                ids[d.customer_ref],
                d.dated_on,
                currency,
                d.amount,
                d.method if d.method in _METHODS else PaymentMethod.OTHER.value,
                (d.piece_ref or d.label)[:140],
                PAYMENT_KEY_PREFIX + d.key,
                fec,
                now,
            )
            for d in work.payments_new
        ],
    )

    if work.allocations_new:
        report(0, len(work.allocations_new), "allocations")
        invoice_ids = _ids(Invoice, organization, "source_ref")
        note_ids = _ids(CreditNote, organization, "source_ref")
        payment_ids = _ids(Payment, organization, "source_key", PAYMENT_KEY_PREFIX)
        rows = []
        for a in work.allocations_new:
            payment_id = payment_ids.get(a.credit_key)
            note_id = None if payment_id is not None else note_ids[a.credit_key]
            rows.append((org_id, invoice_ids[a.invoice_key], payment_id, note_id, a.amount, a.allocated_on, fec, now))
        rows.sort(key=lambda row: row[1])  # in invoice order: the triggers then update neighbouring rows
        _insert(
            Allocation,
            [
                "organization_id",
                "invoice_id",
                "payment_id",
                "credit_note_id",
                "amount",
                "allocated_on",
                "source",
                "created_at",
            ],
            rows,
        )

    report(0, len(work.per_customer), "events")
    events = []
    for ref, counts in work.per_customer.items():
        if not (counts.created or counts.updated or counts.customer_created):
            continue
        events.append(
            (
                ids[ref],
                "import.summary",
                {
                    "file": file_name,
                    "import_kind": "fec",
                    "created": counts.created,
                    "updated": counts.updated,
                    "unchanged": counts.unchanged,
                    "customer_created": counts.customer_created,
                    **{entity: n for entity, n in sorted(counts.by_entity.items())},
                },
            )
        )
    bulk_record_events(organization, actor, events)


def _update_documents(work: _Work) -> None:
    ids = work.customer_ids
    now = timezone.now()
    if work.invoices_changed:
        invoices = Invoice.objects.in_bulk([pk for pk, _doc, _due in work.invoices_changed])
        for pk, doc, due in work.invoices_changed:
            invoice = invoices[pk]
            invoice.customer_id = ids[doc.customer_ref]
            invoice.issued_on, invoice.due_on, invoice.total = doc.dated_on, due, doc.amount
            invoice.updated_at = now
        Invoice.objects.bulk_update(
            invoices.values(), ["customer_id", "issued_on", "due_on", "total", "updated_at"], batch_size=1000
        )
    if work.notes_changed:
        notes = CreditNote.objects.in_bulk([pk for pk, _doc in work.notes_changed])
        for pk, doc in work.notes_changed:
            note = notes[pk]
            note.customer_id, note.issued_on, note.total = ids[doc.customer_ref], doc.dated_on, doc.amount
        CreditNote.objects.bulk_update(notes.values(), ["customer_id", "issued_on", "total"], batch_size=1000)
    if work.payments_changed:
        payments = Payment.objects.in_bulk([pk for pk, _doc in work.payments_changed])
        for pk, doc in work.payments_changed:
            payment = payments[pk]
            payment.customer_id, payment.received_on, payment.amount = ids[doc.customer_ref], doc.dated_on, doc.amount
        Payment.objects.bulk_update(payments.values(), ["customer_id", "received_on", "amount"], batch_size=1000)
