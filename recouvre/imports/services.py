"""Imports: one entry point for the CLI and the web page.

``run_import`` reads a CSV/XLSX file (``recouvre.core.tabular``), finds its columns (``recouvre.core.mappings``),
validates every row (``recouvre.core.records``), compares with the ledger and writes the differences
(``recouvre.imports.tabular``), all in one transaction. Any refused value refuses the whole file: nothing is
written to the ledger and ``ImportRefused`` names every bad line, field and reason. Each import that is not a
dry run is recorded as an ``ImportRun`` (refused ones too, with their errors); a dry run writes nothing at all.
"""

from __future__ import annotations

import contextlib
import errno
import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from itertools import chain, islice
from pathlib import Path
from typing import Any

from django.core.exceptions import ValidationError
from django.db import DatabaseError, OperationalError, connection, transaction
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext as _

from recouvre.core.bank import CsvMapping
from recouvre.core.importing import MAX_REPORTED_ERRORS, ImportFailed, ImportRefused, ImportResult, RowError
from recouvre.core.mappings import (
    KINDS,
    PRESETS,
    SYNONYMS,
    ColumnMapping,
    MappingOptions,
    ResolvedColumns,
    check_columns,
    field_specs,
    normalize_header,
    parse_options,
    resolve_columns,
)
from recouvre.core.records import validate_rows
from recouvre.core.sizes import human_size
from recouvre.core.tabular import FileFacts, Table, TabularError, sniff_file
from recouvre.ledger.actors import Actor
from recouvre.ledger.models import Source
from recouvre.organizations.models import Organization
from recouvre.penalties.selectors import payment_terms_notes
from recouvre.risk.credit import refresh_exposure_alerts
from recouvre.tasks.settled import close_settled_tasks

from .bulk import gc_paused, large_write_cache
from .models import ImportKind, ImportMapping, ImportRun, ImportStatus
from .tabular import IMPORTERS, Context

# Data rows read before the columns are resolved, to decide a header that could mean two fields.
SAMPLE_ROWS = 200


@dataclass(frozen=True)
class ColumnsChosen:
    """What an import's preview shows of its columns: the file's headers, the header each field is read from
    (``chosen``: field -> header; a field missing is not read), and the headers decided from their values."""

    headers: tuple[str, ...]
    chosen: dict[str, str]
    decided: tuple[str, ...] = ()
    header_line: int = 1


def columns_chosen(
    organization: Organization,
    kind: str,
    path: Path,
    *,
    mapping: str | None = None,
    columns: Mapping[str, str] | None = None,
) -> ColumnsChosen | None:
    """The columns an import of ``path`` as ``kind`` would read (with ``mapping`` and ``columns`` as
    ``run_import`` takes them), for the preview to show and let the person change; None when the file's header
    cannot be read (the import's own errors say why) or for a FEC, whose columns are fixed."""
    if kind not in KINDS:
        return None
    try:
        base = find_mapping(organization, kind, mapping) if mapping else None
    except UnknownMapping:
        base = None
    column_mapping = base
    if columns:
        column_mapping = ColumnMapping(
            base.name if base else "", kind, dict(columns), base.options if base else MappingOptions()
        )
    try:
        with Table(path, sniff_file(path)) as table:
            header = tuple(c.strip() for c in table.header.cells)
            line = table.header.line
            sample = [cells for _line, cells in islice(table.rows(), SAMPLE_ROWS)]
            resolved, _errors = resolve_columns(
                kind, table.header.cells, column_mapping, header_line=table.header.line, sample=sample
            )
    except (TabularError, OSError, ValueError):
        return None
    if resolved is not None:
        return ColumnsChosen(header, dict(resolved.headers), resolved.decided, line)
    # Refused (a required column missing, two columns for one field): what each header alone is recognised as.
    chosen: dict[str, str] = {}
    for text in header:
        field_name = SYNONYMS[kind].get(normalize_header(text))
        if field_name is not None and field_name not in chosen:
            chosen[field_name] = text
    if column_mapping is not None:
        chosen.update({f: h for f, h in column_mapping.columns.items() if h in header})
    return ColumnsChosen(header, chosen, (), line)


ProgressFn = Callable[..., None]
STORED_ERRORS = MAX_REPORTED_ERRORS
logger = logging.getLogger(__name__)


class UnknownMapping(LookupError):
    """``--mapping`` names no built-in or saved mapping for this kind of import (a usage error)."""


def run_import(
    organization: Organization,
    kind: str,
    path: Path,
    *,
    actor: Actor,
    mapping: str | None = None,
    columns: Mapping[str, str] | None = None,
    create_customers: bool = False,
    dry_run: bool = False,
    progress: ProgressFn | None = None,
    original_name: str | None = None,
    max_bytes: int | None = None,
) -> ImportResult:
    """Import ``path`` as ``kind`` (customers, invoices, payments, fec) into ``organization``.

    All-or-nothing: raises ``ImportRefused`` naming the bad lines (the first ``MAX_REPORTED_ERRORS``, and how many
    there are) and writes nothing; a file larger than ``max_bytes`` is refused before it is read. With
    ``dry_run`` the result is computed and nothing is written. ``original_name`` is the name the person knows the
    file by (an upload stored under a temporary name); messages and events use it. Raises ``ImportFailed`` when
    the database or the file system fails (the database locked, the disk full): the transaction is rolled back,
    nothing from the file is written, and the failed attempt is recorded. Raises ``UnknownMapping`` when
    ``mapping`` names no mapping of this kind, ``ValueError`` for an unknown kind. ``columns`` (field -> header)
    are the columns a person chose for this import on its preview: they replace the mapping's columns (its options
    stay)."""
    name = original_name or path.name
    if kind != "fec" and kind not in KINDS:
        raise ValueError(f"unknown import kind {kind!r}")
    if kind == "fec" and mapping:
        raise UnknownMapping(_("Column mappings do not apply to FEC files."))
    column_mapping: ColumnMapping | None = None
    started_at = timezone.now()
    try:
        column_mapping = find_mapping(organization, kind, mapping) if mapping else None
        if columns and kind != "fec":
            column_mapping = ColumnMapping(
                column_mapping.name if column_mapping else _("columns chosen"),
                kind,
                dict(columns),
                column_mapping.options if column_mapping else MappingOptions(),
            )
        if max_bytes is not None:
            _check_size(path, max_bytes, organization, kind, name, actor, started_at, dry_run)
        if kind == "fec":
            return _run_fec(organization, path, name, actor=actor, dry_run=dry_run, progress=progress)
        return _run_table(
            organization,
            kind,
            path,
            name,
            column_mapping,
            started_at,
            actor=actor,
            create_customers=create_customers,
            dry_run=dry_run,
            progress=progress,
        )
    except _failures() as exc:
        reason = failure_reason(exc)
        if not dry_run:
            _record_failure(organization, kind, name, column_mapping, actor, started_at, reason)
        raise ImportFailed(reason) from exc


def _failures() -> tuple[type[BaseException], ...]:
    """What fails an import for a reason outside the file: the database's operational errors (Django's, and the
    driver's own, which the bulk inserts on SQLite's cursor raise) and the system's."""
    driver = getattr(getattr(connection, "Database", None), "OperationalError", OperationalError)
    return (OperationalError, driver, OSError)


def _check_size(
    path: Path,
    max_bytes: int,
    organization: Organization,
    kind: str,
    name: str,
    actor: Actor,
    started_at: Any,
    dry_run: bool,
) -> None:
    size = path.stat().st_size
    if size <= max_bytes:
        return
    error = RowError(
        0,
        "file",
        _("the file is %(size)s, more than the %(limit)s accepted for an import")
        % {"size": human_size(size), "limit": human_size(max_bytes)},
    )
    if not dry_run:
        refused = ImportResult(kind=kind, file=name, errors=[error])
        _record_run(organization, kind, name, None, None, actor, started_at, ImportStatus.REFUSED, 0, refused)
    raise ImportRefused([error])


_DISK_FULL = ("disk is full", "disk full", "no space left", "could not extend file", "quota exceeded")
_LOCKED = ("is locked", "lock timeout", "deadlock", "could not obtain lock", "database is busy")
_DISK_FULL_STATES = {"53100"}  # PostgreSQL's disk_full
_LOCKED_STATES = {"55P03", "40P01"}  # lock_not_available, deadlock_detected


def failure_reason(exc: BaseException) -> str:
    """What went wrong, for a person: the disk full, the database locked, or else the system's own words."""
    detail = " ".join(str(exc).split())[:300] or type(exc).__name__
    low = detail.lower()
    cause = exc.__cause__ or exc
    state = getattr(cause, "sqlstate", None) or getattr(exc, "sqlstate", None)
    if (
        (isinstance(exc, OSError) and exc.errno in (errno.ENOSPC, errno.EDQUOT))
        or state in _DISK_FULL_STATES
        or any(words in low for words in _DISK_FULL)
    ):
        return _("the disk is full (%(detail)s)") % {"detail": detail}
    if state in _LOCKED_STATES or any(words in low for words in _LOCKED):
        return _("the database is locked by another operation (%(detail)s); try again in a moment") % {"detail": detail}
    if isinstance(exc, OSError):
        return _("the file could not be read or written (%(detail)s)") % {"detail": detail}
    return _("the database failed (%(detail)s)") % {"detail": detail}


def _record_failure(
    organization: Organization,
    kind: str,
    name: str,
    mapping: ColumnMapping | None,
    actor: Actor,
    started_at: Any,
    reason: str,
) -> None:
    """Record the failed attempt, after the rollback; when the database cannot take even that, say so in the
    log only: the person is told why the import failed either way."""
    failed = ImportResult(kind=kind, file=name, errors=[RowError(0, "import", reason)])
    try:
        with transaction.atomic():
            _record_run(organization, kind, name, None, mapping, actor, started_at, ImportStatus.FAILED, 0, failed)
    except DatabaseError:
        logger.warning("the failed import of %s could not be recorded", name, exc_info=True)


def _run_table(
    organization: Organization,
    kind: str,
    path: Path,
    name: str,
    column_mapping: ColumnMapping | None,
    started_at: Any,
    *,
    actor: Actor,
    create_customers: bool,
    dry_run: bool,
    progress: ProgressFn | None,
) -> ImportResult:
    result = ImportResult(kind=kind, file=name, dry_run=dry_run)
    facts: FileFacts | None = None
    rows = 0
    # a million records are millions of objects: the cyclic collector would walk them again and again
    with gc_paused():
        try:
            try:
                facts = sniff_file(path)
                table_cm = Table(path, facts)
            except TabularError as exc:
                raise ImportRefused([RowError(exc.line, "file", str(exc))]) from exc
            with table_cm as table:
                # The first rows are read ahead: a header that could mean two fields is decided from its values.
                try:
                    data = table.rows()
                    head = list(islice(data, SAMPLE_ROWS))
                except TabularError as exc:
                    raise ImportRefused([RowError(exc.line, "file", str(exc))]) from exc
                columns, errors = resolve_columns(
                    kind,
                    table.header.cells,
                    column_mapping,
                    header_line=table.header.line,
                    sample=[cells for _line, cells in head],
                )
                if columns is None:
                    raise ImportRefused(errors)
                result.notes.extend(columns.decided)
                if columns.ignored:
                    result.notes.append(
                        _("columns not imported: %(columns)s") % {"columns": ", ".join(columns.ignored)}
                    )
                total = max((facts.line_estimate or 0) - table.header.line, 0) or None
                reading = _("Reading %(file)s") % {"file": name}
                if progress is not None:
                    progress(0, total=total, stage=reading)
                try:
                    validated = validate_rows(
                        kind,
                        chain(head, data),
                        columns,
                        header_width=len(table.header.cells),
                        mapping=column_mapping,
                        progress=(lambda n: progress(n, total=total, stage=reading)) if progress else None,
                    )
                except TabularError as exc:
                    raise ImportRefused([RowError(exc.line, "file", str(exc))]) from exc
            rows = validated.rows
            if not validated.records and not validated.errors:
                result.notes.append(_("the file has a header but no data lines"))
            _note_previous_import(organization, kind, facts, result)
            ctx = Context(
                organization=organization,
                actor=actor,
                file_name=name,
                source=Source.XLSX if facts.format == "xlsx" else Source.CSV,
                columns=columns,
                result=result,
                create_customers=create_customers,
                progress=progress,
            )
            importer = IMPORTERS[kind](ctx)
            with transaction.atomic() if not dry_run else contextlib.nullcontext():
                # The plan also runs when some rows were refused, to report what only the ledger can tell
                # (unknown customers, settled invoices...) in the same list.
                plan = importer.plan(validated.records)  # type: ignore[arg-type]
                if validated.errors or plan.errors:
                    raise ImportRefused(validated.errors, plan.errors)
                if kind == "invoices":  # terms beyond the legal caps: a warning, never a refusal
                    result.notes.extend(payment_terms_notes(organization, validated.records))  # type: ignore[arg-type]
                if not dry_run:
                    with large_write_cache(len(validated.records)):
                        importer.apply(plan)
                    if kind in ("invoices", "payments"):
                        # Calls and escalation steps about invoices now settled are closed (recouvre.tasks.settled).
                        close_settled_tasks(organization, actor=actor)
                    if kind in ("customers", "invoices", "payments"):
                        # A customer the file took over its credit limit (or back under, or whose limit it
                        # changed) shows on the worklist.
                        refresh_exposure_alerts(organization, actor=actor)
                    _record_run(
                        organization,
                        kind,
                        name,
                        facts,
                        column_mapping,
                        actor,
                        started_at,
                        ImportStatus.SUCCEEDED,
                        rows,
                        result,
                    )
        except ImportRefused as exc:
            if not dry_run:
                refused = ImportResult(
                    kind=kind, file=name, errors=exc.errors, notes=result.notes, error_count=exc.total
                )
                _record_run(
                    organization,
                    kind,
                    name,
                    facts,
                    column_mapping,
                    actor,
                    started_at,
                    ImportStatus.REFUSED,
                    rows,
                    refused,
                )
            raise
    return result


def _run_fec(
    organization: Organization,
    path: Path,
    name: str,
    *,
    actor: Actor,
    dry_run: bool,
    progress: ProgressFn | None,
) -> ImportResult:
    from recouvre.imports.fec import import_fec

    started_at = timezone.now()
    try:
        facts: FileFacts | None = sniff_file(path)
    except TabularError:
        facts = None  # the FEC reader reports what is wrong with the file
    try:
        with large_write_cache(facts.line_estimate or 0 if facts else 0):
            result = import_fec(organization, path, actor=actor, dry_run=dry_run, progress=progress, original_name=name)
    except ImportRefused as exc:
        if not dry_run:
            refused = ImportResult(kind="fec", file=name, errors=exc.errors, error_count=exc.total)
            _record_run(organization, "fec", name, facts, None, actor, started_at, ImportStatus.REFUSED, 0, refused)
        raise
    if not dry_run:
        _record_run(organization, "fec", name, facts, None, actor, started_at, ImportStatus.SUCCEEDED, 0, result)
    return result


def _note_previous_import(organization: Organization, kind: str, facts: FileFacts, result: ImportResult) -> None:
    previous = (
        ImportRun.objects.filter(
            organization=organization, kind=kind, sha256=facts.sha256, status=ImportStatus.SUCCEEDED
        )
        .order_by("-started_at")
        .first()
    )
    if previous is not None:
        result.notes.append(
            _("this same file was already imported on %(when)s as %(file)s")
            % {"when": f"{timezone.localtime(previous.started_at):%Y-%m-%d %H:%M}", "file": previous.file_name}
        )


def _record_run(
    organization: Organization,
    kind: str,
    name: str,
    facts: FileFacts | None,
    mapping: ColumnMapping | None,
    actor: Actor,
    started_at: Any,
    status: str,
    rows: int,
    result: ImportResult,
) -> ImportRun:
    return ImportRun.objects.create(
        organization=organization,
        kind=kind,
        file_name=name[:255],
        sha256=facts.sha256 if facts else "",
        mapping=mapping.name if mapping else "",
        actor=actor.user,
        actor_label=actor.label[:150],
        started_at=started_at,
        finished_at=timezone.now(),
        dry_run=False,
        status=status,
        rows=rows,
        created=result.created,
        updated=result.updated,
        unchanged=result.unchanged,
        error_count=max(result.error_count, len(result.errors)),
        errors=[e.as_dict() for e in result.errors[:STORED_ERRORS]],
        notes=list(result.notes),
        details=result.details,
    )


# --------------------------------------------------------------------------------------------- mappings


def find_mapping(organization: Organization, kind: str, name: str) -> ColumnMapping:
    """The organization's saved mapping ``name``, else the built-in preset ``name``; it must be for ``kind``."""
    saved = ImportMapping.objects.filter(organization=organization, name=name).first()
    if saved is not None and saved.kind != kind:
        raise UnknownMapping(
            _("The mapping %(name)s is for %(other)s, not %(kind)s.")
            % {"name": name, "other": saved.kind, "kind": kind}
        )
    if saved is not None:
        mapping = ColumnMapping(saved.name, saved.kind, dict(saved.columns), parse_options(saved.options))
    elif name in PRESETS:
        mapping = PRESETS[name]
    else:
        known = ", ".join(m["name"] for m in list_mappings(organization) if m["kind"] == kind)
        raise UnknownMapping(
            _("No mapping named %(name)s for %(kind)s (known: %(known)s).")
            % {"name": name, "kind": kind, "known": known}
        )
    if mapping.kind != kind:
        raise UnknownMapping(
            _("The mapping %(name)s is for %(other)s, not %(kind)s.")
            % {"name": name, "other": mapping.kind, "kind": kind}
        )
    return mapping


def list_mappings(organization: Organization) -> list[dict[str, Any]]:
    """Built-in presets, then the organization's saved mappings: ``name``, ``kind``, ``builtin``, ``columns``
    (field -> header), ``options`` and ``description``."""
    out = [m.as_dict() for m in PRESETS.values()]
    for saved in ImportMapping.objects.filter(organization=organization).order_by("kind", "name"):
        if saved.kind == ImportKind.STATEMENT:
            options = dict(saved.options)  # a bank statement's: date format, decimal separator...
        else:
            options = parse_options(saved.options).as_dict()
        out.append(
            {
                "name": saved.name,
                "kind": saved.kind,
                "columns": dict(saved.columns),
                "options": options,
                "builtin": False,
                "description": "",
            }
        )
    return out


@transaction.atomic
def save_mapping(
    organization: Organization, name: str, kind: str, columns: dict[str, str], options: dict[str, Any]
) -> ImportMapping:
    """Create or replace the organization's mapping ``name``. Raises ``ValidationError`` for a name that is not
    a short name or is a built-in preset's, an unknown kind or field, an empty or repeated header, an unknown
    option. A bank statement's mapping (``kind="statement"``) takes the options of ``CsvMapping``: ``date_format``,
    ``decimal_separator``, ``reference_is_unique``, ``account``."""
    problems: list[str] = []
    if not name or slugify(name) != name:
        problems.append(_("The mapping name must be a short name (lowercase letters, digits and dashes): %s") % name)
    if name in PRESETS:
        problems.append(_("%s is the name of a built-in mapping; choose another name.") % name)
    stored_options: dict[str, Any] = {}
    if kind == ImportKind.STATEMENT:
        try:
            csv_mapping = CsvMapping.from_dict(
                {"columns": {k: v.strip() for k, v in columns.items()}, **(options or {})}
            )
        except ValueError as exc:
            problems.append(str(exc))
        else:
            stored_options = {k: v for k, v in csv_mapping.as_dict().items() if k != "columns"}
    elif kind not in KINDS:
        problems.append(_("Mappings exist for customers, invoices, payments and bank statements, not %s.") % kind)
    else:
        problems.extend(check_columns(kind, columns))
        try:
            stored_options = parse_options(options).as_dict()
        except ValueError as exc:
            problems.append(str(exc))
    if not columns:
        problems.append(_("A mapping names at least one column."))
    if problems:
        raise ValidationError(problems)
    mapping, _created = ImportMapping.objects.update_or_create(
        organization=organization,
        name=name,
        defaults={"kind": kind, "columns": {k: v.strip() for k, v in columns.items()}, "options": stored_options},
    )
    return mapping


def saved_mapping(organization: Organization, pk: int) -> ImportMapping:
    """One of the organization's saved mappings (``ImportMapping.DoesNotExist`` for another's)."""
    return ImportMapping.objects.get(organization=organization, pk=pk)


def edit_mapping(
    mapping: ImportMapping, *, actor: Actor, name: str | None = None, columns: dict[str, str] | None = None
) -> ImportMapping:
    """Rename a saved mapping and/or give it other columns (field -> header; its options stay), checked as
    ``save_mapping`` checks them (``ValidationError``, nothing written); an event says what changed."""
    from recouvre.ledger.services import record_event

    new_name = mapping.name if name is None else name.strip()
    new_columns = dict(mapping.columns) if columns is None else {k: v for k, v in columns.items() if v.strip()}
    with transaction.atomic():
        if new_name != mapping.name:
            if ImportMapping.objects.filter(organization=mapping.organization, name=new_name).exists():
                raise ValidationError({"name": _("A mapping named %(name)s already exists.") % {"name": new_name}})
        old_name, old_columns = mapping.name, dict(mapping.columns)
        options = dict(mapping.options)
        organization = mapping.organization
        try:
            saved = save_mapping(organization, new_name, mapping.kind, new_columns, options=options)
        except ValidationError:
            raise
        if saved.pk != mapping.pk:
            mapping.delete()
        changed = []
        if new_name != old_name:
            changed.append("name")
        if dict(saved.columns) != old_columns:
            changed.append("columns")
        if changed:
            record_event(
                organization,
                None,
                "imports.mapping_changed",
                actor,
                name=saved.name,
                former_name=old_name if new_name != old_name else "",
                fields=", ".join(changed),
            )
    return saved


@transaction.atomic
def delete_mapping(mapping: ImportMapping, *, actor: Actor) -> None:
    """Delete a saved mapping (imports already run keep what they read)."""
    from recouvre.ledger.services import record_event

    organization, name, file_kind = mapping.organization, mapping.name, mapping.kind
    mapping.delete()
    record_event(organization, None, "imports.mapping_deleted", actor, name=name, file_kind=file_kind)


def find_statement_mapping(organization: Organization, name: str) -> CsvMapping:
    """The organization's saved mapping ``name`` for bank statements exported as CSV; ``UnknownMapping`` when it
    has none of that name for bank statements."""
    saved = ImportMapping.objects.filter(organization=organization, name=name).first()
    if saved is None or saved.kind != ImportKind.STATEMENT:
        known = ", ".join(
            ImportMapping.objects.filter(organization=organization, kind=ImportKind.STATEMENT)
            .order_by("name")
            .values_list("name", flat=True)
        )
        if saved is not None:
            raise UnknownMapping(
                _("The mapping %(name)s is for %(other)s, not bank statements (bank statement mappings: %(known)s).")
                % {"name": name, "other": saved.kind, "known": known}
            )
        raise UnknownMapping(
            _("No mapping named %(name)s for bank statements (known: %(known)s).") % {"name": name, "known": known}
        )
    return CsvMapping.from_dict({"columns": dict(saved.columns), **dict(saved.options)})


# --------------------------------------------------------------------------------------------- records (API)


def import_records(
    organization: Organization,
    kind: str,
    items: list[dict[str, str]],
    *,
    actor: Actor,
    names: dict[str, str],
    source: str = Source.API,
    create_customers: bool = False,
) -> ImportResult:
    """Import ``items`` (one dict per record, field -> text as a file cell would hold it) as ``kind`` (customers,
    invoices, payments): the same validation, comparison and writing as a file's, all or nothing. ``names`` maps
    each import field to the name the caller knows it by (``issued_on`` -> ``issue_date``): errors name the field
    so, and their ``line`` is the item's index (0 for the first). ``ImportRefused`` writes nothing."""
    fields = [f for f in names if any(item.get(names[f]) not in (None, "") for item in items)]
    for spec in field_specs(kind):
        if spec.required and spec.name not in fields:
            fields.append(spec.name)
    columns = ResolvedColumns(
        kind=kind, indexes={f: i for i, f in enumerate(fields)}, headers={f: names.get(f, f) for f in fields}
    )
    rows = [(index, [str(item.get(names.get(f, f)) or "") for f in fields]) for index, item in enumerate(items)]
    result = ImportResult(kind=kind, file="API")
    validated = validate_rows(kind, rows, columns, header_width=len(fields))
    ctx = Context(
        organization=organization,
        actor=actor,
        file_name="API",
        source=source,
        columns=columns,
        result=result,
        create_customers=create_customers,
    )
    importer = IMPORTERS[kind](ctx)
    with transaction.atomic():
        plan = importer.plan(validated.records)  # type: ignore[arg-type]
        if validated.errors or plan.errors:
            raise ImportRefused(validated.errors, plan.errors)
        if kind == "invoices":
            result.notes.extend(payment_terms_notes(organization, validated.records))  # type: ignore[arg-type]
        importer.apply(plan)
        if kind in ("invoices", "payments"):
            close_settled_tasks(organization, actor=actor)
        refresh_exposure_alerts(organization, actor=actor)
    return result
