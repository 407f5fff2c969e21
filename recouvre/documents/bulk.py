"""Putting a folder of invoice PDFs on file: ``recouvre documents import DIR``.

Each file of the folder (not its sub-folders; hidden files aside) is the PDF of the invoice its name gives. A symbolic
link (to a file or to a folder) is never followed: it is reported as skipped, so that a link to a file outside the
folder (another organization's stored PDF, a private file) is never put on file.

1. the name without its extension is an invoice number of the organization (``FA-2025-001.pdf``); or, when no
   invoice has that number, in capitals (``fa-2025-001.pdf``);
2. else the name ends with an invoice number after a prefix without digits that ends with a space, ``_``, ``-``,
   ``.`` or another sign (``Facture FA-2025-001.pdf``, ``facture_FA-2025-001.pdf``, ``FA-2025-001.pdf`` for the
   number ``2025-001``); the longest number that fits wins.

All or nothing: when any file matches no invoice, is not a PDF (by its content, not its name), is empty or too
large, or is a second, different file for an invoice already matched by another file, nothing is written and
every such file is reported with its reason. A file already on file for its invoice (same content) is counted
``unchanged``: importing the same folder again adds nothing.
"""

from __future__ import annotations

import hashlib
import os
import stat
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, BinaryIO

from django.conf import settings
from django.db import transaction
from django.utils.translation import gettext as _

from recouvre.core.terminal import shown
from recouvre.ledger.actors import Actor
from recouvre.ledger.models import Invoice
from recouvre.organizations.models import Organization

from .models import PDF, Document, DocumentKind
from .services import attach_document
from .storage import CHUNK, HEAD, DocumentRefused, format_megabytes, sniff


@dataclass(frozen=True)
class FileError:
    file: str
    reason: str

    def as_dict(self) -> dict[str, str]:
        return {"file": self.file, "reason": self.reason}

    def __str__(self) -> str:
        return f"{self.file}: {self.reason}"


class FilesRefused(Exception):
    def __init__(self, errors: list[FileError], skipped: list[FileError] | None = None) -> None:
        super().__init__("; ".join(str(e) for e in errors))
        self.errors = errors
        self.skipped = skipped or []


@dataclass(frozen=True)
class FileOutcome:
    file: str
    invoice: str
    status: str  # "attached" (or would be, in a dry run) or "unchanged"

    def as_dict(self) -> dict[str, str]:
        return {"file": self.file, "invoice": self.invoice, "status": self.status}


@dataclass
class PdfImportResult:
    dry_run: bool
    files: list[FileOutcome] = field(default_factory=list)
    skipped: list[FileError] = field(default_factory=list)  # entries left alone (symbolic links), with the reason

    @property
    def attached(self) -> int:
        return sum(1 for f in self.files if f.status == "attached")

    @property
    def unchanged(self) -> int:
        return sum(1 for f in self.files if f.status == "unchanged")

    def as_dict(self) -> dict[str, Any]:
        return {
            "dry_run": self.dry_run,
            "attached": self.attached,
            "unchanged": self.unchanged,
            "files": [f.as_dict() for f in self.files],
            "skipped": [s.as_dict() for s in self.skipped],
            "errors": [],
        }


def _is_separator(ch: str) -> bool:
    return not ch.isalnum()


def candidates(stem: str) -> list[str]:
    """The invoice numbers a file name (without extension) may stand for, best first (see the module)."""
    stem = stem.strip()
    out = [stem, stem.upper()]
    for i in range(1, len(stem)):
        prefix = stem[:i]
        if any(ch.isdigit() for ch in prefix):
            break
        if _is_separator(stem[i - 1]) and not _is_separator(stem[i]):
            out += [stem[i:], stem[i:].upper()]
    # a name that is not UTF-8 (its bytes kept as surrogates) stands for no invoice number: numbers are text
    return [c for c in dict.fromkeys(out) if c and _is_text(c)]


def _is_text(candidate: str) -> bool:
    try:
        candidate.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def match_invoices(organization: Organization, stems: dict[str, str]) -> dict[str, Invoice]:
    """For each file (name -> name without extension), the invoice it is the PDF of; files that match none are
    left out. One query per 500 files."""
    wanted = {name: candidates(stem) for name, stem in stems.items()}
    found: dict[str, Invoice] = {}
    names = list(wanted)
    for start in range(0, len(names), 500):
        batch = names[start : start + 500]
        numbers = {c for name in batch for c in wanted[name]}
        by_number = {
            inv.number: inv
            for inv in Invoice.objects.filter(organization=organization, number__in=numbers).select_related("customer")
        }
        for name in batch:
            for candidate in wanted[name]:
                if candidate in by_number:
                    found[name] = by_number[candidate]
                    break
    return found


@dataclass
class _Checked:
    path: Path
    sha256: str


@contextmanager
def _open_regular(path: Path) -> Iterator[BinaryIO]:
    """``path`` opened for reading, provided it is a regular file itself: never through a symbolic link (one put in
    place of the file after the folder was read included), never a device or a pipe."""
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK)
    except OSError as exc:
        if os.path.islink(path):
            raise DocumentRefused(_("a symbolic link: not followed")) from exc
        raise
    f = os.fdopen(fd, "rb")
    with f:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            raise DocumentRefused(_("not a regular file"))
        yield f


def _check_file(path: Path, limit: int) -> _Checked:
    digest = hashlib.sha256()
    with _open_regular(path) as f:
        size = os.fstat(f.fileno()).st_size
        if size == 0:
            raise DocumentRefused(_("the file is empty"))
        if size > limit:
            raise DocumentRefused(
                _("the file is larger than the %(limit)s MB allowed") % {"limit": format_megabytes(limit)}
            )
        head = f.read(HEAD)
        digest.update(head)
        while chunk := f.read(CHUNK):
            digest.update(chunk)
    if sniff(head) != PDF:
        raise DocumentRefused(_("not a PDF file (its content says otherwise, whatever its name)"))
    return _Checked(path, digest.hexdigest())


def import_invoice_pdfs(
    organization: Organization, directory: Path, *, actor: Actor, dry_run: bool = False
) -> PdfImportResult:
    """Attach the invoice PDFs of ``directory`` to their invoices (see the module), or raise ``FilesRefused``
    listing every file refused, having written nothing. Symbolic links are skipped (``result.skipped``)."""
    limit = settings.DOCUMENTS_MAX_UPLOAD_BYTES
    paths: list[Path] = []
    skipped: list[FileError] = []
    for path in sorted(p for p in directory.iterdir() if not p.name.startswith(".")):
        if path.is_symlink():
            skipped.append(FileError(path.name, _("a symbolic link: not followed")))
        elif path.is_file():
            paths.append(path)
    errors: list[FileError] = []
    checked: dict[str, _Checked] = {}
    for path in paths:
        try:
            checked[path.name] = _check_file(path, limit)
        except DocumentRefused as exc:
            errors.append(FileError(path.name, str(exc)))
        except OSError as exc:
            errors.append(FileError(path.name, _("cannot be read: %(error)s") % {"error": exc.strerror or exc}))
    invoices = match_invoices(organization, {p.name: p.stem for p in paths})
    first_for: dict[int, str] = {}
    for path in paths:
        invoice = invoices.get(path.name)
        if invoice is None:
            errors.append(
                FileError(
                    path.name,
                    _("no invoice of %(org)s has the number %(number)s, nor does the name end with one")
                    % {"org": organization.name, "number": shown(path.stem)},
                )
            )
            continue
        if path.name not in checked:
            continue
        other = first_for.setdefault(invoice.pk, path.name)
        if other != path.name and checked[other].sha256 != checked[path.name].sha256:
            errors.append(
                FileError(
                    path.name,
                    _("%(other)s is already the PDF of invoice %(number)s in this folder: keep one file per invoice")
                    % {"other": shown(other), "number": shown(invoice.number)},
                )
            )
    if errors:
        errors.sort(key=lambda e: e.file)
        raise FilesRefused(errors, skipped)

    result = PdfImportResult(dry_run=dry_run, skipped=skipped)
    on_file = set(
        Document.objects.filter(
            organization=organization,
            kind=DocumentKind.INVOICE_PDF,
            withdrawn_at__isnull=True,
            invoice_id__in={inv.pk for inv in invoices.values()},
        ).values_list("invoice_id", "sha256")
    )
    seen: set[tuple[int, str]] = set()
    with transaction.atomic():
        for path in paths:
            invoice, sha = invoices[path.name], checked[path.name].sha256
            if (invoice.pk, sha) in on_file or (invoice.pk, sha) in seen:
                result.files.append(FileOutcome(path.name, invoice.number, "unchanged"))
                continue
            seen.add((invoice.pk, sha))
            if not dry_run:
                try:
                    with _open_regular(path) as f:
                        attach_document(
                            organization,
                            actor,
                            kind=DocumentKind.INVOICE_PDF,
                            file_name=path.name,
                            content=f,
                            invoice=invoice,
                        )
                except (DocumentRefused, OSError) as exc:  # the file changed since it was checked
                    raise FilesRefused([FileError(path.name, str(exc))], skipped) from exc
            result.files.append(FileOutcome(path.name, invoice.number, "attached"))
    return result
