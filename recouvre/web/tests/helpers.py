"""A small ledger in two organizations, on a fixed business date (31 March 2026, Paris time).

ACME (``org``), seen by ``claire``:
- Boulangerie Dupont (411DUP, strategic): F-001 1 200,00 due 31/03 (not due), F-002 500,00 due 15/03 (16 days),
  F-003 300,00 due 15/01 (75 days), an unallocated payment of 100,00.
- Transports Lefèvre (411LEF, standard): F-004 2 000,00 due 01/12/2025 with 800,00 paid (1 200,00 open,
  120 days), F-005 450,00 due 20/02 (39 days).
- Garage Moreau (411MOR, small): F-006 99,99 due 01/02, fully paid.
Rival (``other_org``): Rival Secret Client (411SEC): R-001 900,00 due 01/02.

Aged balance on 31/03/2026: not due 1 200,00, 1-30 500,00, 31-60 450,00, 61-90 300,00, > 90 1 200,00,
total 3 650,00, unapplied 100,00, balance 3 550,00.
"""

from __future__ import annotations

import re
from datetime import date
from decimal import Decimal
from types import SimpleNamespace

AS_OF = date(2026, 3, 31)
SECRET = "Rival Secret Client"


def build_ledger(org, other_org, user):  # type: ignore[no-untyped-def]
    from recouvre.ledger import services as L
    from recouvre.ledger.actors import Actor

    actor = Actor.of(user)
    dupont = L.create_customer(
        org,
        actor,
        ref="411DUP",
        name="Boulangerie Dupont",
        siren="732829320",
        vat_number="FR44732829320",
        address_line1="12 rue des Lilas",
        postal_code="34000",
        city="Montpellier",
        segment="strategic",
        payment_terms_days=30,
        credit_limit=Decimal("5000.00"),
        tags=["bakery"],
    )
    L.add_contact(
        dupont, actor, name="Marie Dupont", email="compta@dupont.example", phone="04 67 00 00 01", is_primary=True
    )
    lefevre = L.create_customer(org, actor, ref="411LEF", name="Transports Lefèvre", segment="standard")
    moreau = L.create_customer(org, actor, ref="411MOR", name="Garage Moreau", segment="small")
    secret = L.create_customer(other_org, actor, ref="411SEC", name=SECRET, segment="strategic")

    def inv(customer, number, due, total, organization=org):  # type: ignore[no-untyped-def]
        return L.create_invoice(
            organization,
            actor,
            customer=customer,
            number=number,
            issued_on=date(2025, 11, 1),
            due_on=due,
            total=Decimal(total),
        )

    invoices = {
        "F-001": inv(dupont, "F-001", date(2026, 3, 31), "1200.00"),
        "F-002": inv(dupont, "F-002", date(2026, 3, 15), "500.00"),
        "F-003": inv(dupont, "F-003", date(2026, 1, 15), "300.00"),
        "F-004": inv(lefevre, "F-004", date(2025, 12, 1), "2000.00"),
        "F-005": inv(lefevre, "F-005", date(2026, 2, 20), "450.00"),
        "F-006": inv(moreau, "F-006", date(2026, 2, 1), "99.99"),
        "R-001": inv(secret, "R-001", date(2026, 2, 1), "900.00", organization=other_org),
    }
    L.record_payment(
        org, actor, customer=dupont, received_on=date(2026, 3, 20), amount=Decimal("100.00"), source_key="p1"
    )
    p2 = L.record_payment(
        org, actor, customer=lefevre, received_on=date(2026, 1, 10), amount=Decimal("800.00"), source_key="p2"
    )
    L.allocate(actor, invoice=invoices["F-004"], amount=Decimal("800.00"), payment=p2)
    p3 = L.record_payment(
        org, actor, customer=moreau, received_on=date(2026, 2, 1), amount=Decimal("99.99"), source_key="p3"
    )
    L.allocate(actor, invoice=invoices["F-006"], amount=Decimal("99.99"), payment=p3)
    return SimpleNamespace(dupont=dupont, lefevre=lefevre, moreau=moreau, secret=secret, invoices=invoices)


def text(response) -> str:  # type: ignore[no-untyped-def]
    """The page's visible text, tags removed and all kinds of spaces made plain, for readable assertions."""
    html = response.content.decode()
    html = re.sub(r"<(script|style)\b.*?</\1>", " ", html, flags=re.S)
    html = re.sub(r"<[^>]+>", " ", html)
    import html as html_lib

    plain = html_lib.unescape(html).replace("\u202f", " ").replace("\xa0", " ")
    return re.sub(r"\s+", " ", plain)
