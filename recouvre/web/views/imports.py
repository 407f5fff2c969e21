"""The import page: upload, preview (a dry run), then confirm (the real run) or cancel.

The uploaded file is kept under ``DATA_DIR / "uploads"`` with a random name between the preview and the
confirmation; the session remembers it under a random token together with the options and the organization,
so the confirmation runs exactly what was previewed, in the organization it was previewed for.
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
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from recouvre.bank import services as bank_services
from recouvre.bank.services import StatementImportResult
from recouvre.core.importing import ImportRefused, RowError
from recouvre.imports import services as import_services
from recouvre.imports.selectors import recent_runs
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


def _run(request: HttpRequest, job: dict[str, Any], *, dry_run: bool) -> tuple[Any, list[Any]]:
    if job["kind"] == "statement":
        return _run_statement(request, job, dry_run=dry_run)
    if job["kind"] in ("einvoice", "einvoice_status"):
        return _run_einvoices(request, job, dry_run=dry_run)
    try:
        result = import_services.run_import(
            request.organization,  # type: ignore[attr-defined]
            job["kind"],
            Path(job["path"]),
            actor=Actor.of(request.user),
            mapping=job["mapping"] or None,
            create_customers=job["create_customers"],
            dry_run=dry_run,
            original_name=job["original_name"],
        )
    except ImportRefused as exc:
        return None, list(exc.errors)
    except LookupError as exc:  # a mapping that does not exist or is for another kind of file
        return None, [RowError(0, "mapping", _message(exc))]
    return result, []


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


@member_required("import")
def import_start(request: HttpRequest) -> HttpResponse:
    org = request.organization  # type: ignore[attr-defined]
    mappings = _mappings(org)
    if request.method != "POST":
        form = ImportForm(mappings=mappings)
        return render(request, "web/import_form.html", {"form": form, "recent": _recent_imports(org)})

    form = ImportForm(request.POST, request.FILES, mappings=mappings)
    if not form.is_valid():
        return render(request, "web/import_form.html", {"form": form, "recent": _recent_imports(org)}, status=400)
    uploads = form.cleaned_data["file"]
    saved = [[str(_save_upload(uploaded)), Path(uploaded.name or "").name] for uploaded in uploads]
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
    result, errors = _run(request, job, dry_run=True)
    context: dict[str, Any] = {"job": job, "kind_label": _kind_label(job["kind"]), "result": result, "errors": errors}
    if errors:
        _forget_job(job)
        return render(request, "web/import_preview.html", context)

    pending = _pending(request)
    while len(pending) >= MAX_PENDING:  # oldest first (dicts keep insertion order)
        _forget_job(pending.pop(next(iter(pending))))
    token = secrets.token_urlsafe(24)
    pending[token] = job
    request.session[SESSION_KEY] = pending
    context["token"] = token
    return render(request, "web/import_preview.html", context)


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
    result, errors = _run(request, job, dry_run=False)
    _forget_job(job)
    return render(
        request,
        "web/import_result.html",
        {"job": job, "kind_label": _kind_label(job["kind"]), "result": result, "errors": errors},
    )


@require_POST
@member_required("import")
def import_cancel(request: HttpRequest) -> HttpResponse:
    job = _take_job(request)
    if job is not None:
        _forget_job(job)
        messages.info(request, _("Import cancelled: nothing was written."))
    return redirect("import")
