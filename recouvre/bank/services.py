"""Writes about bank statements: the import of a bank file, and the state of its entries.

``import_statement`` reads a bank file (``recouvre.core.bank``: camt.053/054, CFONB 120, MT940, OFX, CSV with a
saved mapping) and writes, in one transaction, the accounts seen for the first time, the statements and the
entries not imported before (each entry's stable key is unique per organization). A file that cannot be read is
refused whole (``StatementRefused``, with the line and the reason) and nothing is written but the record of the
refused import; a dry run writes nothing at all and reports the same figures.

Once written, the new credits are matched against the open invoices (``recouvre.bank.matching.match_entries``, in
the same transaction): applied above the organization's threshold, suggested below it. The figures an import
reports (``matched``, ``suggested``, ``unmatched``) are read from the states of its new entries after it.
"""

from __future__ import annotations

import contextlib
import dataclasses
import hashlib
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import connection, transaction
from django.db.models import Count, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from recouvre.core.bank import (
    DEFAULT_MAX_BYTES,
    KEY_VERSION,
    BankFileError,
    CsvMapping,
    CurrencyTotals,
    ParsedEntry,
    ParsedFile,
    ParsedStatement,
    detect,
    entry_keys,
    parse,
)
from recouvre.core.bank.common import valid_iban
from recouvre.imports.bulk import (
    gc_paused,
    indexes_rebuilt,
    insert_with_defaults,
    json_text,
    large_write_cache,
    select_in,
)
from recouvre.imports.models import ImportKind, ImportRun, ImportStatus
from recouvre.imports.services import find_statement_mapping
from recouvre.ledger.actors import Actor
from recouvre.ledger.services import bulk_record_events, record_event
from recouvre.organizations.models import Organization

from .matching import match_entries
from .models import BankAccount, BankEntry, BankStatement, EntryState

#: What an entry's amount may hold (``BankEntry.amount``: 18 digits, 5 of them decimals).
MAX_DECIMALS = 5
MAX_INTEGER_DIGITS = 13
STORED_WARNINGS = 1000
ACCOUNT_ID_LENGTH = 64  # BankAccount.account_id


def max_file_bytes() -> int:
    """The largest bank file an import reads: the imports' limit (``RECOUVRE_MAX_IMPORT_MB``), else the readers'
    own (64 MB)."""
    return int(getattr(settings, "IMPORTS_MAX_UPLOAD_BYTES", 0) or DEFAULT_MAX_BYTES)


def normalize_account(text: str | None) -> str:
    """An account as keys and ``BankAccount.account_id`` hold it: no spaces, capitals."""
    return "".join((text or "").split()).upper()


def account_display(account_id: str) -> str:
    """An IBAN in groups of four, any other identifier as it is."""
    if valid_iban(account_id):
        return " ".join(account_id[i : i + 4] for i in range(0, len(account_id), 4))
    return account_id


@dataclass(slots=True)
class StatementImportResult:
    """What an import of a bank file did, or would do (``dry_run``), or why it was refused (``errors``).

    - ``statements``, ``entries``: read from the file (with ``--account``, of that account only);
    - ``created``: entries added; ``duplicates``: entries already imported (or twice in the file);
    - ``totals``: per currency over the file's booked entries, new or not: credits and debits as positive sums;
    - ``matched``, ``suggested``: new entries applied to invoices or waiting for a person's decision;
      ``unmatched``: new credits (money in) left to match (debits are not customers' payments and are not counted);
    - ``warnings``: ``{code, message, line, account}``, the file's then each statement's (a new account,
      ``account_added``, before its first statement's);
    - ``errors``: ``{line, message}`` of a refused file.
    """

    file: str
    dry_run: bool = False
    format: str | None = None
    statements: int = 0
    entries: int = 0
    created: int = 0
    duplicates: int = 0
    totals: dict[str, CurrencyTotals] = field(default_factory=dict)
    matched: int = 0
    suggested: int = 0
    unmatched: int = 0
    warnings: list[dict[str, Any]] = field(default_factory=list)
    errors: list[dict[str, Any]] = field(default_factory=list)
    statements_created: int = 0
    accounts_added: list[str] = field(default_factory=list)
    import_run_id: int | None = None

    @property
    def ok(self) -> bool:
        return not self.errors

    def as_dict(self) -> dict[str, Any]:
        """The ``--json`` report."""
        return {
            "format": self.format,
            "statements": self.statements,
            "entries": self.entries,
            "created": self.created,
            "duplicates": self.duplicates,
            "totals": {code: {"credits": str(t.credits), "debits": str(t.debits)} for code, t in self.totals.items()},
            "matched": self.matched,
            "suggested": self.suggested,
            "unmatched": self.unmatched,
            "warnings": [dict(w) for w in self.warnings],
            "errors": [dict(e) for e in self.errors],
        }


class StatementRefused(Exception):
    """The file is refused whole; nothing was written (but the record of the refused import). ``result.errors``
    gives the line and the reason."""

    def __init__(self, result: StatementImportResult, error: BankFileError):
        super().__init__(str(error))
        self.result = result
        self.error = error


# --------------------------------------------------------------------------------------------- the import


def import_statement(
    organization: Organization,
    content: bytes,
    filename: str,
    *,
    actor: Actor,
    dry_run: bool = False,
    account: str | None = None,
    mapping: str | None = None,
) -> StatementImportResult:
    """Import the bank file ``content`` (its name, ``filename``, only names it in reports) into ``organization``.

    - ``account``: import only the statements of this account (IBAN or account number; spaces and case do not
      matter); a statement that names no account (a CSV export) is taken to be of it.
    - ``mapping``: the saved mapping (``recouvre mapping save NAME --kind statement``) of a CSV export; an unknown
      one raises ``UnknownMapping`` (a usage error) before anything is read.

    All or nothing: raises ``StatementRefused`` (line and reason) and writes nothing but the record of the refused
    import; ``dry_run`` writes nothing at all."""
    return _import(
        organization,
        lambda: content,
        len(content),
        filename,
        actor=actor,
        dry_run=dry_run,
        account=account,
        mapping=mapping,
    )


def import_statement_file(
    organization: Organization,
    path: Path,
    *,
    actor: Actor,
    dry_run: bool = False,
    account: str | None = None,
    mapping: str | None = None,
    original_name: str | None = None,
    max_bytes: int | None = None,
) -> StatementImportResult:
    """``import_statement`` of the file at ``path``; a file over the limit (``max_bytes``, else
    ``max_file_bytes()``) is refused without being read. ``original_name`` is the name the person knows the file by
    (an upload kept under another name)."""
    return _import(
        organization,
        path.read_bytes,
        path.stat().st_size,
        original_name or path.name,
        actor=actor,
        dry_run=dry_run,
        account=account,
        mapping=mapping,
        max_bytes=max_bytes,
    )


def _import(
    organization: Organization,
    read: Callable[[], bytes],
    size: int,
    name: str,
    *,
    actor: Actor,
    dry_run: bool,
    account: str | None,
    mapping: str | None,
    max_bytes: int | None = None,
) -> StatementImportResult:
    csv_mapping = find_statement_mapping(organization, mapping) if mapping else None
    started_at = timezone.now()
    result = StatementImportResult(file=name, dry_run=dry_run)
    sha256 = ""
    try:
        limit = max_file_bytes() if max_bytes is None else max_bytes
        if size > limit:
            raise BankFileError(
                0,
                _("the file is %(size)s bytes, more than the %(limit)s bytes a bank file may have")
                % {"size": size, "limit": limit},
            )
        content = read()
        sha256 = hashlib.sha256(content).hexdigest()
        with contextlib.suppress(BankFileError):
            result.format = detect(content)
        with gc_paused():
            _import_content(
                organization,
                content,
                result,
                actor=actor,
                account=account,
                csv_mapping=csv_mapping,
                mapping_name=mapping or "",
                limit=limit,
                sha256=sha256,
                started_at=started_at,
            )
    except BankFileError as exc:
        refused = StatementImportResult(file=name, dry_run=dry_run, format=result.format, errors=[exc.as_dict()])
        if not dry_run:
            _record_run(
                organization,
                name,
                sha256,
                mapping or "",
                actor,
                started_at,
                ImportStatus.REFUSED,
                refused,
                errors=[{"line": exc.line, "field": "", "message": exc.message}],
            )
        raise StatementRefused(refused, exc) from exc
    return result


@dataclass(slots=True)
class _StatementPlan:
    statement: ParsedStatement
    account_id: str
    key: str
    new_entries: list[tuple[str, ParsedEntry]]
    create: bool
    existing_id: int | None = None


def _import_content(
    organization: Organization,
    content: bytes,
    result: StatementImportResult,
    *,
    actor: Actor,
    account: str | None,
    csv_mapping: CsvMapping | None,
    mapping_name: str,
    limit: int,
    sha256: str,
    started_at: Any,
) -> None:
    accounts = {a.account_id: a for a in BankAccount.objects.filter(organization=organization)}
    currencies: dict[str, str] = {}
    for known in accounts.values():
        if known.currency:
            for text in (known.account_id, known.iban, known.account_number):
                if text:
                    currencies[text] = known.currency
    parsed = parse(
        content,
        default_currency=organization.currency,
        csv_mapping=csv_mapping,
        account_currencies=currencies,
        max_bytes=limit,
    )
    result.format = parsed.format
    parsed = _of_account(parsed, normalize_account(account))
    _check_amounts(parsed)
    result.statements = len(parsed.statements)
    result.entries = parsed.entry_count
    result.totals = parsed.totals()

    with transaction.atomic() if not result.dry_run else contextlib.nullcontext():
        if not result.dry_run:
            # Imports into one organization wait for each other (PostgreSQL; SQLite writes one at a time anyway):
            # the keys read below are still the only ones when the new entries are written.
            Organization.objects.select_for_update().filter(pk=organization.pk).first()
            accounts = {a.account_id: a for a in BankAccount.objects.filter(organization=organization)}
        plans = _plan(organization, parsed)
        new_accounts: dict[str, ParsedStatement] = {}
        for warning in parsed.warnings:
            result.warnings.append({**warning.as_dict(), "account": ""})
        for plan in plans:
            display = account_display(plan.account_id)
            if plan.account_id not in accounts and plan.account_id not in new_accounts:
                new_accounts[plan.account_id] = plan.statement
                result.accounts_added.append(plan.account_id)
                result.warnings.append(
                    {
                        "code": "account_added",
                        "message": _("new bank account %(account)s: added to the organization's bank accounts")
                        % {"account": display},
                        "line": plan.statement.line,
                        "account": plan.account_id,
                    }
                )
            for warning in plan.statement.warnings:
                result.warnings.append({**warning.as_dict(), "account": plan.account_id})
            result.created += len(plan.new_entries)
            result.statements_created += plan.create
        result.duplicates = result.entries - result.created
        _note_previous_import(organization, sha256, result)
        result.unmatched = sum(1 for p in plans for _key, e in p.new_entries if e.amount > 0)
        if result.dry_run:
            return

        today = timezone.localdate()
        for account_id, statement in new_accounts.items():
            accounts[account_id] = _new_account(organization, account_id, statement, today)
        BankAccount.objects.bulk_create([accounts[a] for a in new_accounts])
        run = _record_run(
            organization, result.file, sha256, mapping_name, actor, started_at, ImportStatus.SUCCEEDED, result
        )
        result.import_run_id = run.pk
        statement_ids = _write_statements(organization, parsed, plans, accounts, run)
        _write_entries(organization, plans, accounts, statement_ids)
        events: list[tuple[int | None, str, dict[str, Any]]] = [
            (None, "bank.account_added", {"account": account_display(a), "currency": accounts[a].currency})
            for a in new_accounts
        ]
        events.append(
            (
                None,
                "bank.statement_imported",
                {
                    "file": result.file,
                    "format": result.format,
                    "statements": result.statements,
                    "entries": result.entries,
                    "created": result.created,
                    "duplicates": result.duplicates,
                },
            )
        )
        bulk_record_events(organization, actor, events)
        # The new credits are matched against the open invoices; the figures are the entries' states after it.
        # A large page cache while many matches are written: each allocation updates its invoice's row and indexes.
        with large_write_cache(result.created):
            match_entries(
                organization,
                BankEntry.objects.filter(statement__import_run=run, amount__gt=0).values_list("pk", flat=True),
                actor=actor,
                details=False,
                savepoint=False,  # the import is all or nothing: an error in the matching undoes it whole
            )
        counts = entry_state_counts(organization, BankEntry.objects.filter(statement__import_run=run))
        result.matched = counts["applied"]
        result.suggested = counts["suggested"]
        result.unmatched = counts["unmatched_credits"]


def _of_account(parsed: ParsedFile, wanted: str) -> ParsedFile:
    """Statements naming no account are given ``wanted`` (refused without it); with ``wanted``, only its own."""
    statements: list[ParsedStatement] = []
    in_file: list[str] = []
    for statement in parsed.statements:
        if not normalize_account(statement.account_iban or statement.account_id):
            if not wanted:
                raise BankFileError(
                    statement.line,
                    _(
                        "the file does not say which account it is for: give the account (or save it with the "
                        "file's mapping)"
                    ),
                )
            iban = valid_iban(wanted)
            statement = dataclasses.replace(statement, account_id=wanted, account_iban=iban, account_number=wanted)
        names = {normalize_account(statement.account_iban), normalize_account(statement.account_id)}
        names.add(normalize_account(statement.account_number))
        names.discard("")
        if not wanted or wanted in names:
            statements.append(statement)
        else:
            in_file.append(account_display(normalize_account(statement.account_iban or statement.account_id)))
    if wanted and not statements:
        raise BankFileError(
            0,
            _("the file has no statement of account %(account)s (accounts in the file: %(accounts)s)")
            % {"account": account_display(wanted), "accounts": ", ".join(dict.fromkeys(in_file))},
        )
    return dataclasses.replace(parsed, statements=tuple(statements))


def _fits(amount: Decimal) -> bool:
    if not amount.is_finite():
        return False
    if not amount:
        return True
    normal = amount.normalize()
    exponent = normal.as_tuple().exponent
    assert isinstance(exponent, int)
    return -exponent <= MAX_DECIMALS and normal.adjusted() < MAX_INTEGER_DIGITS


def _check_amounts(parsed: ParsedFile) -> None:
    """Amounts are kept exact: one with more than 5 decimals or 13 digits before the point refuses the file."""
    for statement in parsed.statements:
        for balance in (statement.opening_balance, statement.closing_balance):
            if balance is not None and not _fits(balance):
                raise BankFileError(statement.line, _amount_problem(balance))
        for entry in statement.entries:
            if not _fits(entry.amount):
                raise BankFileError(entry.line or statement.line, _amount_problem(entry.amount))


def _amount_problem(amount: Decimal) -> str:
    return _("the amount %(amount)s cannot be kept exactly (at most 13 digits before the point and 5 after)") % {
        "amount": amount
    }


def statement_key(statement: ParsedStatement, account_id: str, keys: Sequence[str]) -> str:
    """The SHA-256 of what identifies a statement: the account, the currency, the bank's identification and
    sequence, the balances and their dates, and its entries' keys. The same statement read again has the same."""

    def text(value: object) -> str:
        if isinstance(value, Decimal):
            return format(value.normalize(), "f") if value else "0"
        return "" if value is None else str(value)

    parts = (
        KEY_VERSION,
        account_id,
        statement.currency,
        statement.statement_id,
        statement.sequence,
        text(statement.opening_date),
        text(statement.opening_balance),
        text(statement.closing_date),
        text(statement.closing_balance),
        *keys,
    )
    return hashlib.sha256("\x1f".join(parts).encode()).hexdigest()


def _existing(model: Any, organization: Organization, keys: Sequence[str]) -> dict[str, int]:
    """The ids of the organization's rows of ``model`` (entries or statements) by their ``key``, of ``keys``."""
    meta = model._meta
    qn = connection.ops.quote_name
    sql = (
        f"SELECT {qn(meta.get_field('key').column)}, {qn(meta.pk.column)} FROM {qn(meta.db_table)} "
        f"WHERE {qn(meta.get_field('organization').column)} = %s AND {qn(meta.get_field('key').column)} IN ({{marks}})"
    )
    return dict(select_in(sql, [organization.pk], keys))


def _plan(organization: Organization, parsed: ParsedFile) -> list[_StatementPlan]:
    """Which statements and entries are new: an entry whose key the organization already has, or that came
    earlier in the file, is a duplicate. A statement is added when it is new and has new entries (or none at all:
    its balances are news); the new entries of a statement already imported go to that one."""
    keyed = []
    for statement in parsed.statements:
        account_id = normalize_account(statement.account_iban or statement.account_id)[:ACCOUNT_ID_LENGTH]
        keys = entry_keys(statement)
        keyed.append((statement, account_id, keys, statement_key(statement, account_id, keys)))
    existing_entries = _existing(BankEntry, organization, [k for _s, _a, keys, _k in keyed for k in keys])
    existing_statements = _existing(BankStatement, organization, [k for _s, _a, _keys, k in keyed])
    seen_entries: set[str] = set(existing_entries)
    seen_statements: set[str] = set()
    plans = []
    for statement, account_id, keys, key in keyed:
        new_entries = []
        for entry_key, entry in zip(keys, statement.entries, strict=True):
            if entry_key not in seen_entries:
                seen_entries.add(entry_key)
                new_entries.append((entry_key, entry))
        fresh = key not in existing_statements and key not in seen_statements
        create = fresh and (bool(new_entries) or not statement.entries)
        if create:
            seen_statements.add(key)
        plans.append(_StatementPlan(statement, account_id, key, new_entries, create, existing_statements.get(key)))
    return plans


def _new_account(organization: Organization, account_id: str, statement: ParsedStatement, today: Any) -> BankAccount:
    assumed = any(w.code == "currency_assumed" for w in statement.warnings)
    return BankAccount(
        organization=organization,
        account_id=account_id,
        iban=statement.account_iban[:34],
        account_number=statement.account_number[:64],
        bank_code=statement.bank_code[:16],
        branch_code=statement.branch_code[:16],
        currency="" if assumed else statement.currency,
        first_seen_on=today,
    )


def _write_statements(
    organization: Organization,
    parsed: ParsedFile,
    plans: list[_StatementPlan],
    accounts: dict[str, BankAccount],
    run: ImportRun,
) -> dict[int, int]:
    """The new statements, in file order; the statement id of each plan (by position) that has new entries."""
    rows = []
    for plan in plans:
        if not plan.create:
            continue
        s = plan.statement
        rows.append(
            BankStatement(
                organization=organization,
                account=accounts[plan.account_id],
                import_run=run,
                key=plan.key,
                format=parsed.format,
                version=parsed.version[:40],
                statement_id=s.statement_id[:140],
                sequence=s.sequence[:40],
                currency=s.currency,
                opening_balance=s.opening_balance,
                opening_on=s.opening_date,
                closing_balance=s.closing_balance,
                closing_on=s.closing_date,
                entry_count=len(s.entries),
                created_count=len(plan.new_entries),
                warnings=[w.as_dict() for w in s.warnings][:STORED_WARNINGS],
                line=s.line,
            )
        )
    created = iter(BankStatement.objects.bulk_create(rows, batch_size=500))
    ids: dict[int, int] = {}
    for index, plan in enumerate(plans):
        if plan.create:
            ids[index] = next(created).pk
        elif plan.new_entries and plan.existing_id is not None:
            ids[index] = plan.existing_id
    return ids


ENTRY_FIELDS = (
    "organization",
    "account",
    "statement",
    "key",
    "booked_on",
    "value_on",
    "amount",
    "currency",
    "bank_reference",
    "text",
    "counterparty_name",
    "counterparty_iban",
    "end_to_end_id",
    "creditor_reference",
    "details",
    "raw",
    "line",
)


def _detail(detail: Any) -> dict[str, Any]:
    return {
        "amount": None if detail.amount is None else str(detail.amount),
        "currency": detail.currency,
        "text": detail.text,
        "counterparty_name": detail.counterparty_name,
        "counterparty_iban": detail.counterparty_iban,
        "end_to_end_id": detail.end_to_end_id,
        "creditor_reference": detail.creditor_reference,
        "bank_reference": detail.bank_reference,
        "raw": [list(pair) for pair in detail.raw],
    }


def _write_entries(
    organization: Organization,
    plans: list[_StatementPlan],
    accounts: dict[str, BankAccount],
    statement_ids: dict[int, int],
) -> int:
    details_field = BankEntry._meta.get_field("details")
    raw_field = BankEntry._meta.get_field("raw")

    if connection.vendor == "sqlite":

        def json(model_field: Any, value: Any) -> Any:
            return json_text(value)  # the text Django would write, without its per-value wrappers
    else:

        def json(model_field: Any, value: Any) -> Any:
            return model_field.get_db_prep_save(value, connection)

    empty_details = json(details_field, [])
    empty_raw = json(raw_field, [])

    def rows() -> Iterator[tuple[Any, ...]]:
        for index, plan in enumerate(plans):
            if not plan.new_entries:
                continue
            account_pk = accounts[plan.account_id].pk
            statement_pk = statement_ids[index]
            for key, e in plan.new_entries:
                yield (
                    organization.pk,
                    account_pk,
                    statement_pk,
                    key,
                    e.booking_date,
                    e.value_date,
                    e.amount,
                    e.currency,
                    e.bank_reference[:255],
                    e.text,
                    e.counterparty_name[:255],
                    e.counterparty_iban[:64],
                    e.end_to_end_id[:140],
                    e.creditor_reference[:140],
                    json(details_field, [_detail(d) for d in e.details]) if e.details else empty_details,
                    json(raw_field, [list(pair) for pair in e.raw]) if e.raw else empty_raw,
                    e.line,
                )

    total = sum(len(p.new_entries) for p in plans)
    with large_write_cache(total), indexes_rebuilt(BankEntry, total):
        return insert_with_defaults(BankEntry, ENTRY_FIELDS, rows())


def _note_previous_import(organization: Organization, sha256: str, result: StatementImportResult) -> None:
    previous = (
        ImportRun.objects.filter(
            organization=organization, kind=ImportKind.STATEMENT, sha256=sha256, status=ImportStatus.SUCCEEDED
        )
        .order_by("-started_at")
        .first()
    )
    if previous is not None:
        result.warnings.insert(
            0,
            {
                "code": "already_imported",
                "message": _("this same file was already imported on %(when)s as %(file)s")
                % {"when": f"{timezone.localtime(previous.started_at):%Y-%m-%d %H:%M}", "file": previous.file_name},
                "line": 0,
                "account": "",
            },
        )


def _record_run(
    organization: Organization,
    name: str,
    sha256: str,
    mapping: str,
    actor: Actor,
    started_at: Any,
    status: str,
    result: StatementImportResult,
    *,
    errors: list[dict[str, Any]] | None = None,
) -> ImportRun:
    return ImportRun.objects.create(
        organization=organization,
        kind=ImportKind.STATEMENT,
        file_name=name[:255],
        sha256=sha256,
        mapping=mapping[:60],
        actor=actor.user,
        actor_label=actor.label[:150],
        started_at=started_at,
        finished_at=timezone.now(),
        dry_run=False,
        status=status,
        rows=result.entries,
        created=result.created,
        updated=0,
        unchanged=result.duplicates,
        error_count=len(errors or []),
        errors=errors or [],
        notes=[w["message"] for w in result.warnings[:STORED_WARNINGS]],
        details={
            "bank_statements": {
                "created": result.statements_created,
                "updated": 0,
                "unchanged": result.statements - result.statements_created,
            },
            "bank_entries": {"created": result.created, "updated": 0, "unchanged": result.duplicates},
        },
    )


# --------------------------------------------------------------------------------------------- entry states


def entry_state_counts(organization: Organization, entries: Any) -> dict[str, int]:
    """Of ``entries`` (a query of ``BankEntry``), how many are in each state, and ``unmatched_credits``: the
    unmatched ones that are money in."""
    counts = dict.fromkeys(EntryState.values, 0)
    rows = (
        entries.filter(organization=organization)
        .values("state")
        .annotate(n=Count("id"), credits=Count("id", filter=Q(amount__gt=0)))
    )
    unmatched_credits = 0
    for row in rows:
        counts[row["state"]] = row["n"]
        if row["state"] == EntryState.UNMATCHED:
            unmatched_credits = row["credits"]
    counts["unmatched_credits"] = unmatched_credits
    return counts


@transaction.atomic
def mark_entries(
    organization: Organization,
    entry_ids: Iterable[int],
    state: str,
    *,
    actor: Actor,
    reason: str = "",
) -> int:
    """Put the organization's entries ``entry_ids`` in ``state`` (``EntryState``): ``applied`` once the matching has
    applied them to invoices, ``suggested`` when a match waits for a person, ``ignored`` when an entry is not a
    customer's payment, ``unmatched`` to undo. Ids of another organization's entries change nothing. Returns how
    many entries changed; one ``bank.entries_marked`` event on the organization's timeline when some did."""
    if state not in EntryState.values:
        raise ValueError(f"not an entry state: {state!r}")
    ids = sorted({int(i) for i in entry_ids})
    changed = 0
    for start in range(0, len(ids), 5000):
        changed += (
            BankEntry.objects.filter(organization=organization, pk__in=ids[start : start + 5000])
            .exclude(state=state)
            .update(state=state)
        )
    if changed:
        record_event(organization, None, "bank.entries_marked", actor, state=state, entries=changed, reason=reason)
    return changed
