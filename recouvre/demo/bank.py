"""The demo's bank statement: a camt.053 of the organization's account over the last days before the demo's today,
built from the demo's own customers and open invoices, and imported through the bank import
(``recouvre.bank.services.import_statement``) as a person would import the bank's file, so the bank page shows
entries applied, suggested and unmatched.

Its credits, each from a different customer who is neither in insolvency proceedings nor in dispute, paying
invoices issued at least a fortnight before:

- two transfers quoting the customer's payment reference (the RF reference printed on its reminders: customers
  reminded by e-mail when there are), one in the structured field and one in the text, each paying the customer's
  balance: applied;
- two transfers quoting an invoice number, paying it exactly: applied;
- one grouped transfer quoting two invoices of a customer, paying both: applied;
- one transfer quoting an invoice number, less a bank fee within the tolerance: applied, the fee written off;
- one transfer naming only the payer, of the amount of one of its invoices: suggested, for a person to confirm;
- a tax refund: not a customer's payment, left unmatched;

and two debits (the account's fee, a social contribution), which are not matched. The entries are booked before
the demo's today; the import's timeline events are dated that morning, once the day's reminders are out.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from typing import Any
from xml.sax.saxutils import escape

from django.db import transaction
from django.db.models import Max
from django.utils import timezone

from recouvre.bank.services import import_statement
from recouvre.core.creditor_ref import customer_rf, format_rf
from recouvre.ledger.actors import Actor
from recouvre.ledger.models import Customer, Event, Invoice
from recouvre.organizations.models import Organization

from .generator import DISPUTE_TAG, INSOLVENCY_TAG

DEMO_BANK_ACTOR = Actor.system("demo")
FILE_NAME = "releve-demo.xml"
FEE = Decimal("0.40")  # within the default tolerance of 1.00
OPENING = Decimal("18452.37")
MIN_AGE_DAYS = 14


@dataclass(frozen=True, slots=True)
class _Line:
    amount: Decimal
    booked_on: date
    name: str
    text: str = ""
    reference: str = ""  # the structured creditor reference
    iban: str = ""


def demo_statement(org: Organization, as_of: date) -> bytes:
    """The demo's camt.053 for the days before ``as_of`` (see the module's text)."""
    picked = _customers(org, as_of)
    lines: list[_Line] = []
    day = as_of - timedelta(days=1)

    def booked(k: int) -> date:
        return day - timedelta(days=k % 6)

    for k, (customer, invoices) in enumerate(picked):
        name = customer.name.upper()
        rf = customer_rf(org.pk, customer.pk)
        first = invoices[0]
        if k == 0:  # the reminder's reference in the structured field, the balance
            lines.append(_Line(sum((i.open_amount for i in invoices), Decimal()), booked(k), name, "VIR SEPA", rf))
        elif k == 1:  # the reference printed in the text
            total = sum((i.open_amount for i in invoices), Decimal())
            lines.append(_Line(total, booked(k), name, f"REGLEMENT {format_rf(rf)}"))
        elif k in (2, 3):
            lines.append(_Line(first.open_amount, booked(k), name, f"FACTURE {first.number}"))
        elif k == 4 and len(invoices) >= 2:
            second = invoices[1]
            lines.append(
                _Line(first.open_amount + second.open_amount, booked(k), name,
                      f"FACTURES {first.number} ET {second.number}")
            )  # fmt: skip
        elif k == 5 and first.open_amount > FEE * 10:
            lines.append(_Line(first.open_amount - FEE, booked(k), name, f"PAIEMENT {first.number}"))
        elif k == 6:  # the payer's name only: a person confirms
            lines.append(_Line(first.open_amount, booked(k), _payer(customer.name), "VIREMENT"))
    lines.append(_Line(Decimal("1286.00"), day - timedelta(days=2), "DGFIP", "DGFIP REMBOURSEMENT CREDIT TVA"))
    lines.append(_Line(Decimal("-18.60"), day, "", "FRAIS TENUE DE COMPTE"))
    lines.append(_Line(Decimal("-1742.00"), day - timedelta(days=3), "URSSAF", "PRLV SEPA URSSAF COTISATIONS"))
    lines.sort(key=lambda line: line.booked_on)
    return _camt(org, lines, day - timedelta(days=6), day)


def import_demo_statement(org: Organization, as_of: date) -> dict[str, Any]:
    """Import the demo's statement into ``org`` and date the import's timeline events the morning of ``as_of``
    (after the day's reminders). Returns the import's figures: entries, applied, suggested, unmatched."""
    content = demo_statement(org, as_of)
    with transaction.atomic():
        last = Event.objects.filter(organization=org).aggregate(last=Max("id"))["last"] or 0
        result = import_statement(org, content, FILE_NAME, actor=DEMO_BANK_ACTOR)
        morning = timezone.make_aware(datetime.combine(as_of, time(10, 0)))
        Event.objects.filter(organization=org, id__gt=last).update(occurred_at=morning)
    return {
        "entries": result.created,
        "applied": result.matched,
        "suggested": result.suggested,
        "unmatched": result.unmatched,
    }


def _customers(org: Organization, as_of: date) -> list[tuple[Customer, list[Invoice]]]:
    """Seven customers (fewer in a small demo), each with its open invoices, oldest first, all issued a fortnight
    before ``as_of`` at least and none partly paid; not in insolvency proceedings, not in dispute. The fifth has
    two open invoices at least (the grouped transfer)."""
    cutoff = as_of - timedelta(days=MIN_AGE_DAYS)
    open_by: dict[int, list[Invoice]] = {}
    for invoice in Invoice.objects.filter(organization=org, open_amount__gt=0).order_by("due_on", "number"):
        open_by.setdefault(invoice.customer_id, []).append(invoice)
    eligible = []
    for customer in Customer.objects.filter(organization=org).order_by("ref"):
        tags = set(customer.tags or [])
        invoices = open_by.get(customer.pk, [])
        if tags & {DISPUTE_TAG, INSOLVENCY_TAG} or not invoices:
            continue
        if any(i.issued_on > cutoff or i.allocated_amount for i in invoices):
            continue
        eligible.append((customer, invoices))
    # the customers reminded by e-mail first (they have the reference), then spread over the others
    reminded = set(
        Event.objects.filter(organization=org, kind="collections.email_sent").values_list("customer_id", flat=True)
    )
    first = [c for c in eligible if c[0].pk in reminded][:2]
    others = [c for c in eligible if c not in first]
    step = max(1, len(others) // 8)
    spread = first + others[::step]
    grouped = next((c for c in spread[4:] if len(c[1]) >= 2), None) or next(
        (c for c in eligible if len(c[1]) >= 2 and c not in spread[:4]), None
    )
    picked = spread[:4]
    if grouped is not None:
        picked.append(grouped)
    picked.extend(c for c in spread[4:] if c is not grouped and len(picked) < 7)
    return picked


def _payer(name: str) -> str:
    """The payer as a bank writes it: capitals, without the legal form."""
    words = [w for w in name.replace(".", "").upper().split() if w not in {"SARL", "SAS", "SA", "EURL", "SASU", "SCI"}]
    return " ".join(words)


def _camt(org: Organization, lines: list[_Line], opening_on: date, closing_on: date) -> bytes:
    ns = "urn:iso:std:iso:20022:tech:xsd:camt.053.001.08"
    account = "".join(org.iban.split()) or "FR7630006000011234567890189"
    closing = OPENING + sum((line.amount for line in lines), Decimal())
    stamp = f"{closing_on:%Y%m%d}"

    def balance(code: str, amount: Decimal, day: date) -> str:
        side = "CRDT" if amount >= 0 else "DBIT"
        return (
            f'<Bal><Tp><CdOrPrtry><Cd>{code}</Cd></CdOrPrtry></Tp><Amt Ccy="EUR">{abs(amount)}</Amt>'
            f"<CdtDbtInd>{side}</CdtDbtInd><Dt><Dt>{day}</Dt></Dt></Bal>"
        )

    out = [
        '<?xml version="1.0" encoding="UTF-8"?>',
        f'<Document xmlns="{ns}"><BkToCstmrStmt><GrpHdr><MsgId>DEMO-{stamp}</MsgId>'
        f"<CreDtTm>{closing_on}T20:00:00</CreDtTm></GrpHdr>",
        f"<Stmt><Id>DEMO-{stamp}</Id><ElctrncSeqNb>{closing_on:%j}</ElctrncSeqNb>"
        f"<Acct><Id><IBAN>{account}</IBAN></Id><Ccy>EUR</Ccy></Acct>",
        balance("OPBD", OPENING, opening_on),
        balance("CLBD", closing, closing_on),
    ]
    for n, line in enumerate(lines, 1):
        credit = line.amount > 0
        side, party = ("CRDT", "Dbtr") if credit else ("DBIT", "Cdtr")
        name = f"<{party}><Nm>{escape(line.name)}</Nm></{party}>" if line.name else ""
        strd = f"<Strd><CdtrRefInf><Ref>{line.reference}</Ref></CdtrRefInf></Strd>" if line.reference else ""
        ustrd = f"<Ustrd>{escape(line.text)}</Ustrd>" if line.text else ""
        out.append(
            f'<Ntry><Amt Ccy="EUR">{abs(line.amount)}</Amt><CdtDbtInd>{side}</CdtDbtInd><Sts><Cd>BOOK</Cd></Sts>'
            f"<BookgDt><Dt>{line.booked_on}</Dt></BookgDt><ValDt><Dt>{line.booked_on}</Dt></ValDt>"
            f"<AcctSvcrRef>DEMO{stamp}{n:04d}</AcctSvcrRef><NtryDtls><TxDtls><Refs>"
            f"<EndToEndId>NOTPROVIDED</EndToEndId></Refs><RltdPties>{name}</RltdPties>"
            f"<RmtInf>{ustrd}{strd}</RmtInf></TxDtls></NtryDtls></Ntry>"
        )
    out.append("</Stmt></BkToCstmrStmt></Document>")
    return "\n".join(out).encode("utf-8")
