"""The hand-off package of a customer's claim for a collection agency or a *commissaire de justice*: one ZIP with
``handoff.json`` (format ``recouvre-handoff`` version ``HANDOFF_VERSION``, described in ``docs/handoff.md`` and
``docs/handoff.schema.json``) and the PDFs: the dossier's exhibits (``recouvre.dossier.exhibits``: invoices,
documents on file, reminders as sent, formal notice, statement of the claim) and the injonction de payer request.

The JSON lists every file of the ZIP with its SHA-256, so the receiver can check what it got."""

from __future__ import annotations

import hashlib
import io
import json
import zipfile
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from django.conf import settings
from django.utils import translation

from recouvre.collections.models import Action, ActionState, Channel
from recouvre.dossier.exhibits import exhibits
from recouvre.ledger.models import Allocation, Customer
from recouvre.letters.models import Letter
from recouvre.organizations.models import Organization

from .models import Proceeding
from .recommendation import debtor_kind, legal_route
from .requete import InjonctionRefused, InjonctionRequest, NothingToClaim, claim_lines, injonction_request

HANDOFF_FORMAT = "recouvre-handoff"
HANDOFF_VERSION = "1.0"
JSON_NAME = "handoff.json"
REQUEST_NAME = "requete-injonction-de-payer.pdf"
PIECES_DIR = "pieces/"
# A fixed timestamp for every ZIP entry: the same data gives the same bytes.
_ZIP_TIME = (2000, 1, 1, 0, 0, 0)


@dataclass(frozen=True)
class Handoff:
    content: bytes  # the ZIP
    sha256: str
    data: dict[str, Any]  # what handoff.json holds
    files: int


def _money(value: Decimal) -> str:
    return f"{value.quantize(Decimal('0.01')):f}"


def _day(value: date | None) -> str | None:
    return value.isoformat() if value else None


def _address(lines: tuple[str, ...], postal_code: str, city: str, country: str) -> dict[str, Any]:
    return {"lines": [x for x in lines if x], "postal_code": postal_code, "city": city, "country": country or "FR"}


def _creditor(org: Organization) -> dict[str, Any]:
    return {
        "name": org.name,
        "legal_form": org.legal_form,
        "siren": org.siren,
        "siret": org.siret,
        "vat_number": org.vat_number,
        "address": _address((org.address_line1, org.address_line2), org.postal_code, org.city, org.country),
        "iban": org.iban,
        "bic": org.bic,
    }


def _debtor(customer: Customer) -> dict[str, Any]:
    return {
        "ref": customer.ref,
        "name": customer.name,
        "kind": customer.kind,
        "debtor_kind": str(debtor_kind(customer)),
        "siren": customer.siren,
        "siret": customer.siret,
        "vat_number": customer.vat_number,
        "language": customer.language,
        "address": _address(
            (customer.address_line1, customer.address_line2), customer.postal_code, customer.city, customer.country
        ),
    }


def _claims(organization: Organization, customer: Customer, as_of: date) -> list[dict[str, Any]]:
    lines = claim_lines(organization, customer, as_of)
    numbers = [ln.number for ln in lines]
    payments: dict[str, list[dict[str, Any]]] = {n: [] for n in numbers}
    allocations = (
        Allocation.objects.filter(organization=organization, invoice__customer=customer, invoice__number__in=numbers)
        .select_related("invoice", "payment", "credit_note")
        .order_by("allocated_on", "id")
    )
    for a in allocations:
        if a.payment is not None:
            entry = {"kind": "payment", "on": _day(a.payment.received_on), "reference": a.payment.reference}
        else:
            assert a.credit_note is not None
            entry = {"kind": "credit_note", "on": _day(a.credit_note.issued_on), "reference": a.credit_note.number}
        payments[a.invoice.number].append({**entry, "amount": _money(a.amount)})
    return [
        {
            "invoice": ln.number,
            "issued_on": _day(ln.issued_on),
            "due_on": _day(ln.due_on),
            "currency": "EUR",
            "total": _money(ln.total),
            "paid": _money(ln.total - ln.principal),
            "principal": _money(ln.principal),
            "interest": _money(ln.interest),
            "interest_rates": [f"{r:f}" for r in ln.rates],
            "interest_from": _day(ln.interest_from),
            "interest_to": _day(ln.interest_to),
            "indemnity": _money(ln.indemnity),
            "balance": _money(ln.principal + ln.interest + ln.indemnity),
            "not_computed": ln.note,
            # days whose rate is not published yet: the interest is to be completed (à parfaire) by these rules
            "interest_complete": not ln.open_rules,
            "interest_to_complete": list(ln.open_rules),
            "payments": payments[ln.number],
        }
        for ln in lines
    ]


def _reminders(organization: Organization, customer: Customer, as_of: date) -> list[dict[str, Any]]:
    tz = ZoneInfo(settings.TIME_ZONE)
    letters = {lt.action_id: lt for lt in Letter.objects.filter(organization=organization, customer=customer)}
    out = []
    actions = Action.objects.filter(
        organization=organization,
        customer=customer,
        state__in=[ActionState.SENT, ActionState.READY],
        channel__in=[Channel.EMAIL, Channel.LETTER, Channel.REGISTERED_LETTER],
    ).order_by("send_on", "id")
    for action in actions:
        letter = letters.get(action.pk)
        sent_at: datetime | None = action.sent_at
        on = (
            letter.posted_on
            if letter is not None and letter.posted_on
            else (sent_at.astimezone(tz).date() if sent_at else None)
        )
        if on is None or on > as_of:
            continue
        out.append(
            {
                "id": action.pk,
                "on": _day(on),
                "channel": action.channel,
                "step": action.step_key,
                "template": action.template,
                "sent_at": sent_at.astimezone(tz).isoformat() if sent_at else None,
                "pay_by": _day(action.deadline_on),
                "invoices": [str(line.get("number", "")) for line in action.lines or [] if line.get("number")],
                "sha256": (letter.pdf_sha256 if letter is not None else action.content_sha256) or None,
                "tracking_number": letter.tracking_number if letter is not None else "",
                "posted_on": _day(letter.posted_on) if letter is not None else None,
                "acknowledged_on": _day(letter.acknowledged_on) if letter is not None else None,
            }
        )
    return out


def _proceedings(organization: Organization, customer: Customer) -> list[dict[str, Any]]:
    return [
        {
            "route": p.route,
            "court": p.court,
            "reference": p.reference,
            "status": p.status,
            "amount_claimed": _money(p.amount_claimed) if p.amount_claimed is not None else None,
            "opened_on": _day(p.opened_on),
            "filed_on": _day(p.filed_on),
            "order_on": _day(p.order_on),
            "service_deadline": _day(p.service_deadline),
            "served_on": _day(p.served_on),
            "opposition_deadline": _day(p.opposition_deadline),
            "enforcement": list(p.enforcement or []),
            "closed_on": _day(p.closed_on),
            "notes": p.notes,
        }
        for p in Proceeding.objects.filter(organization=organization, customer=customer).order_by("opened_on", "id")
    ]


def build_handoff(organization: Organization, customer: Customer, *, as_of: date) -> Handoff:
    """The hand-off package of ``customer`` on ``as_of``. Raises ``NothingToClaim`` when nothing is overdue,
    ``Customer.DoesNotExist`` for another organization's customer."""
    if customer.organization_id != organization.pk:
        raise Customer.DoesNotExist
    with translation.override("fr"):  # for a collection agency or a commissaire de justice: in French
        return _build_handoff(organization, customer, as_of)


def _build_handoff(organization: Organization, customer: Customer, as_of: date) -> Handoff:
    claims = _claims(organization, customer, as_of)
    if not claims:
        raise NothingToClaim("no overdue invoice in euros to claim")
    proceeding = Proceeding.objects.filter(customer=customer, closed_on__isnull=True).first()
    try:
        request: InjonctionRequest | None = injonction_request(
            organization, customer, as_of=as_of, proceeding=proceeding
        )
    except InjonctionRefused:  # insolvency, administrative contract...: the package goes without a request
        request = None
    pieces = exhibits(organization, customer, as_of=as_of)
    route = legal_route(organization, customer, as_of).recommendation
    files: list[tuple[str, bytes, dict[str, Any]]] = [
        (PIECES_DIR + e.file_name, e.content, {"kind": e.kind, "title": e.title, "exhibit": e.number}) for e in pieces
    ]
    if request is not None:
        files.append(
            (REQUEST_NAME, request.pdf, {"kind": "injonction_request", "title": "Requête en injonction de payer"})
        )
    totals = {
        "principal": _money(sum((Decimal(c["principal"]) for c in claims), Decimal("0"))),
        "interest": _money(sum((Decimal(c["interest"]) for c in claims), Decimal("0"))),
        "indemnity": _money(sum((Decimal(c["indemnity"]) for c in claims), Decimal("0"))),
    }
    totals["total"] = _money(sum((Decimal(v) for v in totals.values()), Decimal("0")))
    data: dict[str, Any] = {
        "format": HANDOFF_FORMAT,
        "version": HANDOFF_VERSION,
        "as_of": as_of.isoformat(),
        "currency": "EUR",
        "creditor": _creditor(organization),
        "debtor": _debtor(customer),
        "contacts": [
            {"name": c.name, "role": c.role, "email": c.email, "phone": c.phone, "primary": c.is_primary}
            for c in customer.contacts.order_by("id")
        ],
        "claims": claims,
        "totals": totals,
        "recommended_route": {"route": str(route.route), "court": str(route.court), "reasons": list(route.reasons)},
        "reminders": _reminders(organization, customer, as_of),
        "proceedings": _proceedings(organization, customer),
        "files": [
            {"name": name, "sha256": hashlib.sha256(content).hexdigest(), "size": len(content), **meta}
            for name, content, meta in files
        ],
    }
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as zf:
        payload = json.dumps(data, ensure_ascii=False, indent=2).encode()
        zf.writestr(zipfile.ZipInfo(JSON_NAME, _ZIP_TIME), payload, zipfile.ZIP_DEFLATED)
        for name, content, _meta in files:
            zf.writestr(zipfile.ZipInfo(name, _ZIP_TIME), content, zipfile.ZIP_DEFLATED)
    content = buffer.getvalue()
    return Handoff(content, hashlib.sha256(content).hexdigest(), data, len(files) + 1)
