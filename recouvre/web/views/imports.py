"""The import page: upload, preview (a dry run), then confirm (the real run) or cancel.

The uploaded file is kept under ``DATA_DIR / "uploads"`` with a random name between the preview and the
confirmation; the session remembers it under a random token together with the options and the organization,
so the confirmation runs exactly what was previewed, in the organization it was previewed for. It is removed once
imported, when the preview refuses it, when anything fails, and when a preview is cancelled or expires.

An upload larger than ``IMPORTS_MAX_UPLOAD_BYTES`` (``RECOUVRE_MAX_IMPORT_MB``) is not stored: its bytes are read
and dropped as they arrive (``ImportSizeLimit``) and the form says the file is too large.
"""

from __future__ import annotations

import contextlib
import re
import secrets
import time
from pathlib import Path
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.files.uploadhandler import FileUploadHandler, SkipFile
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.formats import number_format
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt, csrf_protect
from django.views.decorators.http import require_POST

from recouvre.bank import services as bank_services
from recouvre.bank.services import StatementImportResult
from recouvre.core.importing import ImportFailed, ImportRefused, RowError
from recouvre.core.sizes import human_size
from recouvre.imports import services as import_services
from recouvre.imports.selectors import recent_runs
from recouvre.imports.services import failure_reason
from recouvre.ledger.actors import Actor

from ..decorators import member_required
from ..forms import IMPORT_KINDS, ImportForm

SESSION_KEY = "recouvre_pending_imports"
MAX_PENDING = 5
# A preview not confirmed within a day has expired: its file is removed at the next upload.
PENDING_LIFETIME_SECONDS = 24 * 3600


def upload_dir() -> Path:
    path = Path(settings.DATA_DIR) / "uploads"
    path.mkdir(parents=True, exist_ok=True)
    return path


def _sweep_expired_uploads() -> None:
    cutoff = time.time() - PENDING_LIFETIME_SECONDS
    for path in upload_dir().iterdir():
        with contextlib.suppress(FileNotFoundError):
            if path.is_file() and path.stat().st_mtime < cutoff:
                path.unlink()


def _save_upload(uploaded: Any) -> Path:
    """Write the upload under a random name, keeping a plain extension (the format is read from it)."""
    _sweep_expired_uploads()
    suffix = Path(uploaded.name or "").suffix.lower()
    if not re.fullmatch(r"\.[a-z0-9]{1,8}", suffix):
        suffix = ""
    path = upload_dir() / f"{secrets.token_hex(16)}{suffix}"
    with path.open("wb") as out:
        for chunk in uploaded.chunks():
            out.write(chunk)
    return path


TOO_LARGE = "recouvre_import_too_large"  # set on the request when an upload went over the limit


class ImportSizeLimit(FileUploadHandler):
    """First of the upload handlers of the import page: passes the bytes of an uploaded file on to the others until
    it goes over ``limit``, then drops the file (the temporary copy is removed, the rest of it read and not kept)
    and marks the request so the form can say why."""

    def __init__(self, request: HttpRequest, limit: int) -> None:
        super().__init__(request)
        self.limit = limit

    def receive_data_chunk(self, raw_data: bytes, start: int) -> bytes:
        if start + len(raw_data) > self.limit:
            setattr(self.request, TOO_LARGE, True)
            raise SkipFile
        return raw_data

    def file_complete(self, file_size: int) -> None:
        return None  # the next handler stores the file


def _limit() -> int:
    return int(settings.IMPORTS_MAX_UPLOAD_BYTES)


def _mappings(organization: Any) -> list[dict[str, Any]]:
    return list(import_services.list_mappings(organization))


def _recent_imports(organization: Any) -> list[Any]:
    return recent_runs(organization, limit=10)


def _pending(request: HttpRequest) -> dict[str, dict[str, Any]]:
    return dict(request.session.get(SESSION_KEY, {}))


def _forget(path: str) -> None:
    Path(path).unlink(missing_ok=True)


def _forget_job(job: dict[str, Any]) -> None:
    for path, _name in job.get("files") or [[job["path"], job["original_name"]]]:
        _forget(path)


def _kind_label(kind: str) -> str:
    return str(dict(IMPORT_KINDS).get(kind, kind))


def _run_einvoices(request: HttpRequest, job: dict[str, Any], *, dry_run: bool) -> tuple[Any, list[Any]]:
    from recouvre.einvoices.services import EInvoicesRefused, import_einvoices
    from recouvre.einvoices.statuses import StatusesRefused, import_statuses

    files = [(name, Path(path).read_bytes()) for path, name in job["files"]]
    actor = Actor.of(request.user)
    org = request.organization  # type: ignore[attr-defined]
    try:
        if job["kind"] == "einvoice":
            return import_einvoices(org, files, actor=actor, dry_run=dry_run), []
        ((name, content),) = files
        return import_statuses(org, name, content, actor=actor, dry_run=dry_run), []
    except (EInvoicesRefused, StatusesRefused) as exc:
        return None, list(exc.errors)


def _run(request: HttpRequest, job: dict[str, Any], *, dry_run: bool) -> dict[str, Any]:
    """Run the import; what the preview and result pages show: ``result``, or ``errors`` (the first ones),
    ``error_total`` and ``error_more`` (those not listed), or ``failure`` (the database or the disk failed)."""
    outcome: dict[str, Any] = {"result": None, "errors": [], "error_total": 0, "failure": ""}
    if job["kind"] in ("statement", "einvoice", "einvoice_status"):
        run = _run_statement if job["kind"] == "statement" else _run_einvoices
        result, errors = run(request, job, dry_run=dry_run)
        outcome.update(result=result, errors=errors, error_total=len(errors))
        outcome["error_more"] = 0
        outcome["error_total_text"] = number_format(len(errors), force_grouping=True)
        return outcome
    try:
        outcome["result"] = import_services.run_import(
            request.organization,  # type: ignore[attr-defined]
            job["kind"],
            Path(job["path"]),
            actor=Actor.of(request.user),
            mapping=job["mapping"] or None,
            columns=job.get("columns") or None,
            create_customers=job["create_customers"],
            dry_run=dry_run,
            original_name=job["original_name"],
            max_bytes=_limit(),
        )
    except ImportRefused as exc:
        outcome.update(errors=list(exc.errors), error_total=exc.total)
    except ImportFailed as exc:
        outcome.update(failure=str(exc))
    except LookupError as exc:  # a mapping that does not exist or is for another kind of file
        outcome.update(errors=[RowError(0, "mapping", _message(exc))], error_total=1)
    outcome["error_more"] = outcome["error_total"] - len(outcome["errors"])
    outcome["error_total_text"] = number_format(outcome["error_total"], force_grouping=True)
    return outcome


def _run_statement(
    request: HttpRequest, job: dict[str, Any], *, dry_run: bool
) -> tuple[StatementImportResult | None, list[Any]]:
    """A bank file: its report (statements, entries, totals per currency, warnings), or its refusal."""
    try:
        result = bank_services.import_statement_file(
            request.organization,  # type: ignore[attr-defined]
            Path(job["path"]),
            actor=Actor.of(request.user),
            dry_run=dry_run,
            account=job.get("account") or None,
            mapping=job["mapping"] or None,
            original_name=job["original_name"],
        )
    except bank_services.StatementRefused as exc:
        return None, [RowError(exc.error.line, "", exc.error.message)]
    except LookupError as exc:  # a mapping that does not exist or is for another kind of file
        return None, [RowError(0, "mapping", _message(exc))]
    return result, []


def _message(exc: Exception) -> str:
    return str(exc.args[0]) if exc.args else str(exc)


@csrf_exempt
def import_start(request: HttpRequest) -> HttpResponse:
    """The upload's size is limited as it arrives, so its handler goes first, before anything reads the form (the
    CSRF check does): the page is exempted from the middleware's check and makes the same check itself."""
    if request.method == "POST":
        request.upload_handlers.insert(0, ImportSizeLimit(request, _limit()))
    return _import_start(request)


@csrf_protect
@member_required("import")
def _import_start(request: HttpRequest) -> HttpResponse:
    org = request.organization  # type: ignore[attr-defined]
    mappings = _mappings(org)
    if request.method != "POST":
        form = ImportForm(mappings=mappings)
        return render(request, "web/import_form.html", {"form": form, "recent": _recent_imports(org)})

    form = ImportForm(request.POST, request.FILES, mappings=mappings, max_bytes=_limit())
    if getattr(request, TOO_LARGE, False):  # the file was dropped as it arrived: say why, not that it is missing
        form.is_valid()
        form.errors["file"] = form.error_class([_too_large()])
    if not form.is_valid():
        return render(request, "web/import_form.html", {"form": form, "recent": _recent_imports(org)}, status=400)
    uploads = form.cleaned_data["file"]
    saved: list[list[str]] = []
    try:
        for uploaded in uploads:
            saved.append([str(_save_upload(uploaded)), Path(uploaded.name or "").name])
    except OSError as exc:  # the disk is full, the data directory cannot be written
        for path, _name in saved:
            _forget(path)
        form.add_error(None, _("The file could not be stored: %(reason)s") % {"reason": failure_reason(exc)})
        return render(request, "web/import_form.html", {"form": form, "recent": _recent_imports(org)}, status=503)
    job = {
        "organization": org.pk,
        "path": saved[0][0],
        "files": saved,
        "kind": form.cleaned_data["kind"],
        "mapping": form.cleaned_data["mapping"] or "",
        "create_customers": bool(form.cleaned_data["create_customers"]),
        "account": form.cleaned_data["account"] or "",
        "original_name": ", ".join(name for _path, name in saved),
    }
    return _preview(request, job)


def _preview(request: HttpRequest, job: dict[str, Any]) -> HttpResponse:
    """Run ``job`` without writing and show what it would do, with the columns it reads and a form to choose
    them. The upload is kept (under a token in the session) while it can still be imported or its columns
    chosen again; a file refused for its lines, or a failure, is forgotten at once."""
    org = request.organization  # type: ignore[attr-defined]
    try:
        outcome = _run(request, job, dry_run=True)
        chosen = import_services.columns_chosen(
            org, job["kind"], Path(job["path"]), mapping=job["mapping"] or None, columns=job.get("columns") or None
        )
    except BaseException:
        _forget_job(job)
        raise
    context: dict[str, Any] = {"job": job, "kind_label": _kind_label(job["kind"]), **outcome}
    if chosen is not None:
        context["columns"] = _columns_form(job["kind"], chosen)
    header_only = chosen is not None and all(e.line == chosen.header_line for e in outcome["errors"])
    if outcome["failure"] or (outcome["errors"] and not header_only):
        _forget_job(job)
        context.pop("columns", None)
        return render(request, "web/import_preview.html", context)

    pending = _pending(request)
    while len(pending) >= MAX_PENDING:  # oldest first (dicts keep insertion order)
        _forget_job(pending.pop(next(iter(pending))))
    token = secrets.token_urlsafe(24)
    pending[token] = job
    request.session[SESSION_KEY] = pending
    context["token"] = token
    return render(request, "web/import_preview.html", context)


def _columns_form(kind: str, chosen: import_services.ColumnsChosen) -> dict[str, Any]:
    """The preview's form of columns: each field the kind reads, with the header chosen for it."""
    from recouvre.core.mappings import field_specs

    return {
        "headers": chosen.headers,
        "decided": chosen.decided,
        "fields": [
            {
                "name": spec.name,
                "label": _(spec.label),
                "required": spec.required,
                "header": chosen.chosen.get(spec.name, ""),
            }
            for spec in field_specs(kind)
        ],
    }


@require_POST
@member_required("import")
def import_columns(request: HttpRequest) -> HttpResponse:
    """The columns chosen on the preview: the file is previewed again with them, and they are saved as a mapping
    when a name is given."""
    job = _take_job(request)
    if job is None:
        messages.error(request, _("This import was already run, cancelled or has expired. Upload the file again."))
        return redirect("import")
    chosen = import_services.columns_chosen(
        request.organization,
        job["kind"],
        Path(job["path"]),  # type: ignore[attr-defined]
    )
    if chosen is None:
        _forget_job(job)
        return redirect("import")
    headers = set(chosen.headers)
    columns: dict[str, str] = {}
    for spec_field in _columns_form(job["kind"], chosen)["fields"]:
        header = request.POST.get(f"column_{spec_field['name']}", "")
        if header:
            if header not in headers:  # not a header of this file: the form was not this page's
                _forget_job(job)
                return redirect("import")
            columns[spec_field["name"]] = header
    repeated = sorted({h for h in columns.values() if list(columns.values()).count(h) > 1})
    if repeated:
        messages.error(
            request,
            _("The column %(column)s was chosen for two fields: each column can be read for one field only.")
            % {"column": ", ".join(repeated)},
        )
    else:
        job["columns"] = columns
        name = request.POST.get("save_as", "").strip()
        if name:
            try:
                import_services.save_mapping(
                    request.organization,  # type: ignore[attr-defined]
                    name,
                    job["kind"],
                    columns,
                    {},
                )
            except ValidationError as exc:
                messages.error(request, " ".join(exc.messages))
            else:
                job["mapping"] = name
                messages.success(
                    request, _("Columns saved as the mapping %(name)s: choose it for the next files.") % {"name": name}
                )
    return _preview(request, job)


def _too_large() -> str:
    return _("The file is larger than the %(limit)s accepted for an import.") % {"limit": human_size(_limit())}


def _take_job(request: HttpRequest) -> dict[str, Any] | None:
    """The previewed import named by the POSTed token, removed from the session; None if unknown, already
    run, or previewed in another organization."""
    pending = _pending(request)
    job = pending.pop(request.POST.get("token", ""), None)
    request.session[SESSION_KEY] = pending
    if job is None:
        return None
    paths = [Path(p) for p, _name in job.get("files") or [[job["path"], ""]]]
    if any(path.parent != upload_dir() for path in paths):
        return None
    if job["organization"] != request.organization.pk or not all(p.is_file() for p in paths):  # type: ignore[attr-defined]
        _forget_job(job)
        return None
    return job


@require_POST
@member_required("import")
def import_confirm(request: HttpRequest) -> HttpResponse:
    job = _take_job(request)
    if job is None:
        messages.error(request, _("This import was already run, cancelled or has expired. Upload the file again."))
        return redirect("import")
    try:
        outcome = _run(request, job, dry_run=False)
    finally:
        _forget_job(job)
    return render(request, "web/import_result.html", {"job": job, "kind_label": _kind_label(job["kind"]), **outcome})


@require_POST
@member_required("import")
def import_cancel(request: HttpRequest) -> HttpResponse:
    job = _take_job(request)
    if job is not None:
        _forget_job(job)
        messages.info(request, _("Import cancelled: nothing was written."))
    return redirect("import")
