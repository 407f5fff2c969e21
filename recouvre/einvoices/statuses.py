"""Applying the lifecycle statuses of e-invoices (``recouvre.core.einvoice.status``) received in a file.

Each status message is applied once: a message already received (the same invoice, status and day) changes
nothing. The effects go through the hold services the web uses (``recouvre.collections.holds``), so a status has
the same effect as a person doing the same by hand:

- 207 *en litige*: a dispute is opened on the invoice (reason "other", the platform's text as its note);
- 208 *suspendue*: the invoice is paused until 209 *complétée* (or a person) lifts the pause; a task asks for
  the information the buyer wants;
- 210 *refusée*: a dispute is opened, and a task asks for a credit note or a corrected invoice;
- 211 *paiement transmis*: the invoice is held while the payment is looked for (as "already paid");
- 213 *rejetée*: the invoice was not validly issued: a hold of its own (``einvoice_rejected``) keeps it out of every
  reminder, letter, penalty claim and court document until it is lifted; a task asks to correct and issue it again;
- 212 *encaissée*: recorded on the timeline only, never counted as a payment (Recouvre derives its own 212 from the
  payments matched to the invoice: ``selectors.lifecycle``);
- any other status is recorded on the invoice's timeline.

A status the invoice cannot take any more (a dispute on a paid invoice, an invoice already disputed) is still
recorded, with what happened in ``outcome`` and a warning in the report.
"""

from __future__ import annotations

import contextlib
import hashlib
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from recouvre.collections import holds
from recouvre.collections.models import DisputeReason, Hold, HoldKind
from recouvre.core.einvoice.model import EInvoiceError
from recouvre.core.einvoice.status import (
    StatusFileRefused,
    StatusMessage,
    effect_of,
    french_name,
    read_status_file,
)
from recouvre.ledger.actors import Actor
from recouvre.ledger.models import Invoice
from recouvre.ledger.services import record_event
from recouvre.organizations.models import Organization

from .models import Effect, LifecycleStatus
from .services import FileError


@dataclass(slots=True)
class StatusLine:
    number: str
    code: int
    on: date
    effect: str
    outcome: str  # "created" (applied now) or "unchanged" (received before)
    note: str = ""

    def as_dict(self) -> dict[str, Any]:
        return {
            "number": self.number,
            "code": self.code,
            "status": french_name(self.code),
            "date": self.on.isoformat(),
            "effect": self.effect,
            "outcome": self.outcome,
            "note": self.note,
        }


@dataclass(slots=True)
class StatusImport:
    file: str = ""
    created: int = 0
    unchanged: int = 0
    statuses: list[StatusLine] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    dry_run: bool = False
    details: dict[str, dict[str, int]] = field(default_factory=dict)
    updated: int = 0

    @property
    def notes(self) -> list[str]:
        return self.warnings

    def as_dict(self) -> dict[str, Any]:
        return {
            "created": self.created,
            "unchanged": self.unchanged,
            "statuses": [s.as_dict() for s in self.statuses],
            "warnings": list(self.warnings),
            "errors": [],
        }


class StatusesRefused(Exception):
    def __init__(self, errors: list[FileError]):
        super().__init__("; ".join(str(e) for e in errors[:5]))
        self.errors = errors

    def as_dict(self) -> dict[str, Any]:
        return {
            "created": 0,
            "unchanged": 0,
            "statuses": [],
            "warnings": [],
            "errors": [e.as_dict() for e in self.errors],
        }


def _error(name: str, exc: EInvoiceError) -> FileError:
    return FileError(name, exc.line, exc.field, exc.message)


def import_statuses(
    organization: Organization,
    name: str,
    content: bytes,
    *,
    actor: Actor,
    dry_run: bool = False,
    today: date | None = None,
) -> StatusImport:
    """Apply the status messages of the CSV or JSON file ``content``. All or nothing: a bad line, an unknown
    invoice or a day in the future refuses the file (``StatusesRefused``) and nothing is written."""
    started_at = timezone.now()
    on = today or timezone.localdate()
    result = StatusImport(file=name, dry_run=dry_run)
    try:
        try:
            messages = read_status_file(content)
        except StatusFileRefused as exc:
            raise StatusesRefused([_error(name, e) for e in exc.errors]) from None
        numbers = sorted({m.number for m in messages})
        invoices = {
            inv.number: inv
            for inv in Invoice.objects.filter(organization=organization, number__in=numbers).select_related("customer")
        }
        errors: list[FileError] = []
        for m in messages:
            if m.number not in invoices:
                errors.append(
                    FileError(name, m.line, "invoice", _("unknown invoice %(number)s") % {"number": m.number})
                )
            elif m.on > on:
                errors.append(
                    FileError(
                        name,
                        m.line,
                        "date",
                        _("the status is dated %(date)s, in the future") % {"date": m.on.isoformat()},
                    )
                )
            elif m.on < invoices[m.number].issued_on:
                errors.append(
                    FileError(
                        name,
                        m.line,
                        "date",
                        _("the status is dated %(date)s, before invoice %(number)s was issued (%(issued)s)")
                        % {"date": m.on.isoformat(), "number": m.number, "issued": invoices[m.number].issued_on},
                    )
                )
        if errors:
            raise StatusesRefused(errors)
        with contextlib.nullcontext() if dry_run else transaction.atomic():
            seen = set(
                LifecycleStatus.objects.filter(invoice__in=list(invoices.values())).values_list(
                    "invoice__number", "code", "status_on"
                )
            )
            for m in sorted(messages, key=lambda m: (m.on, m.line)):
                key = (m.number, m.code, m.on)
                effect = effect_of(m.code)
                if key in seen:
                    result.unchanged += 1
                    result.statuses.append(StatusLine(m.number, m.code, m.on, effect, "unchanged"))
                    continue
                seen.add(key)
                result.created += 1
                line = StatusLine(m.number, m.code, m.on, effect, "created")
                result.statuses.append(line)
                if not dry_run:
                    line.note = _apply(organization, invoices[m.number], m, name, actor=actor, today=on)
                    if line.note:
                        result.warnings.append(f"{m.number} ({m.code}): {line.note}")
            if result.created:
                result.details["statuses"] = {"created": result.created, "updated": 0, "unchanged": result.unchanged}
            if not dry_run:
                _record_run(organization, name, content, actor, started_at, "succeeded", result, [], len(messages))
    except StatusesRefused as exc:
        if not dry_run:
            _record_run(organization, name, content, actor, started_at, "refused", result, exc.errors, 0)
        raise
    return result


def _reason(m: StatusMessage) -> str:
    return f" {m.reason}" if m.reason else ""


def _task(organization: Organization, invoice: Invoice, title: str, details: str, actor: Actor, on: date) -> None:
    from recouvre.tasks.models import TaskKind
    from recouvre.tasks.services import create_task

    create_task(
        organization,
        invoice.customer,
        kind=TaskKind.INTERNAL,
        title=title[:300],
        actor=actor,
        due_on=on,
        invoice=invoice,
        details=details,
    )


def _apply(
    organization: Organization, invoice: Invoice, m: StatusMessage, file: str, *, actor: Actor, today: date
) -> str:
    """Apply one status; record it and its event. Returns a note when the status could not have its effect."""
    effect = effect_of(m.code)
    status = f"{m.code} {french_name(m.code)}"
    hold: Hold | None = None
    problem = ""
    try:
        with transaction.atomic():
            if effect in (Effect.DISPUTE, Effect.REFUSED):
                if effect == Effect.DISPUTE:
                    note = _("E-invoice status %(status)s from the platform.") % {"status": status}
                else:
                    note = _(
                        "E-invoice status %(status)s: the buyer refused the invoice; a credit note or a corrected "
                        "invoice is needed."
                    ) % {"status": status}
                hold = holds.open_dispute(
                    organization,
                    invoice,
                    reason_code=DisputeReason.OTHER,
                    actor=actor,
                    note=(note + _reason(m))[:2000],
                    starts_on=m.on,
                    today=today,
                )
                if effect == Effect.REFUSED:
                    _task(
                        organization,
                        invoice,
                        _("Issue a credit note or a corrected invoice for %(number)s (refused by the buyer)")
                        % {"number": invoice.number},
                        m.reason,
                        actor,
                        today,
                    )
            elif effect == Effect.PAUSE:
                hold = holds.place_hold(
                    organization,
                    invoice.customer,
                    kind=HoldKind.MANUAL,
                    starts_on=m.on,
                    actor=actor,
                    invoice=invoice,
                    reason=(_("E-invoice status %(status)s: the buyer asks for information.") % {"status": status})
                    + _reason(m),
                )
                _task(
                    organization,
                    invoice,
                    _("Send the buyer the information it asks for about %(number)s (invoice suspended)")
                    % {"number": invoice.number},
                    m.reason,
                    actor,
                    today,
                )
            elif effect == Effect.RESUME:
                paused = list(
                    Hold.objects.filter(
                        organization=organization,
                        invoice=invoice,
                        kind=HoldKind.MANUAL,
                        released_at__isnull=True,
                        pk__in=LifecycleStatus.objects.filter(invoice=invoice, code=208).values("hold_id"),
                    )
                )
                for found in paused:
                    holds.release_hold(
                        found, actor=actor, today=today, note=_("E-invoice status %(status)s.") % {"status": status}
                    )
                if not paused:
                    problem = _("no pause from a suspended status to lift")
            elif effect == Effect.ALREADY_PAID:
                hold = holds.declare_already_paid(
                    organization,
                    invoice.customer,
                    actor=actor,
                    invoices=[invoice],
                    note=(_("E-invoice status %(status)s: the buyer says it paid.") % {"status": status}) + _reason(m),
                    starts_on=m.on,
                    today=today,
                )
            elif effect == Effect.REJECTED:
                hold = holds.place_hold(
                    organization,
                    invoice.customer,
                    kind=HoldKind.EINVOICE_REJECTED,
                    starts_on=m.on,
                    actor=actor,
                    invoice=invoice,
                    reason=(
                        _("E-invoice status %(status)s: not validly issued, no dunning and no penalties.")
                        % {"status": status}
                    )
                    + _reason(m),
                )
                _task(
                    organization,
                    invoice,
                    _("Correct and issue again invoice %(number)s (rejected by the e-invoicing platform)")
                    % {"number": invoice.number},
                    m.reason,
                    actor,
                    today,
                )
            elif effect == Effect.SELLER_STATUS:
                problem = _("the seller's own status: recorded, no payment counted")
    except ValidationError as exc:
        hold = None
        problem = " ".join(exc.messages)
    LifecycleStatus.objects.create(
        organization=organization,
        invoice=invoice,
        code=m.code,
        status_on=m.on,
        reason=m.reason,
        effect=effect,
        outcome=problem,
        hold=hold,
        source_file=file[:255],
    )
    record_event(
        organization,
        invoice.customer,
        "einvoice.status",
        actor,
        invoice=invoice.number,
        code=m.code,
        status=french_name(m.code),
        status_on=m.on,
        reason=m.reason,
        effect=effect,
        outcome=problem,
        file=file,
    )
    return problem if effect != Effect.SELLER_STATUS else ""


def _record_run(
    organization: Organization,
    name: str,
    content: bytes,
    actor: Actor,
    started_at: Any,
    status: str,
    result: StatusImport,
    errors: list[FileError],
    rows: int,
) -> None:
    from recouvre.imports.models import ImportRun

    ImportRun.objects.create(
        organization=organization,
        kind="einvoice_status",
        file_name=name[:255],
        sha256=hashlib.sha256(content).hexdigest(),
        actor=actor.user,
        actor_label=actor.label[:150],
        started_at=started_at,
        finished_at=timezone.now(),
        status=status,
        rows=rows,
        created=result.created if status == "succeeded" else 0,
        unchanged=result.unchanged if status == "succeeded" else 0,
        error_count=len(errors),
        errors=[{"line": e.line, "field": e.field, "message": e.message} for e in errors[:1000]],
        notes=list(result.warnings)[:1000],
        details=result.details if status == "succeeded" else {},
    )
