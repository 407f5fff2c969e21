"""The claim declaration read as the court officer reads it: every column on the page, each invoice with its
principal, interest to the judgment and indemnity, and the split between what was due at the judgment and what is
to fall due — in a receivership, and in a liquidation that makes every claim due."""

from __future__ import annotations

import io
import os
import re
from datetime import date
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from pypdf import PdfReader

from recouvre.ledger.actors import Actor
from recouvre.legal import insolvency
from recouvre.legal.declaration import render_declaration_pdf
from recouvre.legal.models import OfficerRole, ProcedureKind
from recouvre.testing.factories import CustomerFactory, InvoiceFactory

ME = Actor.system("test")
D = date


@pytest.fixture
def bakery(org):  # type: ignore[no-untyped-def]
    customer = CustomerFactory(organization=org, name="Boulangerie Martin SARL", siren="552100554")
    # Overdue at the judgment of 2 March 2026: interest from 1 January and the 40 EUR indemnity.
    InvoiceFactory(
        customer=customer, number="F-DUE", issued_on=D(2025, 12, 1), due_on=D(2025, 12, 31), total=Decimal("1200.00")
    )
    # Due on the judgment day itself: due, but not yet late, so neither interest nor indemnity.
    InvoiceFactory(
        customer=customer, number="F-SAME", issued_on=D(2026, 1, 31), due_on=D(2026, 3, 2), total=Decimal("300.00")
    )
    # Falling due after the judgment.
    InvoiceFactory(
        customer=customer, number="F-LATER", issued_on=D(2026, 2, 20), due_on=D(2026, 4, 20), total=Decimal("600.00")
    )
    return customer


def open_procedure(org, customer, kind, **kw):  # type: ignore[no-untyped-def]
    return insolvency.record_procedure(
        org,
        customer,
        actor=ME,
        kind=kind,
        judgment_on=D(2026, 3, 2),
        published_on=D(2026, 3, 12),
        court="Tribunal des activités économiques de Lyon",
        officer_role=OfficerRole.LIQUIDATEUR if kind == ProcedureKind.LIQUIDATION else OfficerRole.MANDATAIRE,
        officer_name="Maître Anne Durand",
        officer_address="12 quai Saint-Antoine\n69002 Lyon",
        **kw,
    )


def page_text(pdf: bytes) -> str:
    """The text of the declaration laid out as on the page, after checking that every piece of text starts inside
    the printed area of its A4 page (a column run off the page would start beyond the right margin)."""
    if os.environ.get("KEEP_DECLARATION_PDF"):
        with open(os.environ["KEEP_DECLARATION_PDF"], "wb") as f:
            f.write(pdf)
    pages: list[str] = []
    for page in PdfReader(io.BytesIO(pdf)).pages:
        right = float(page.mediabox.width) - 18 * 72 / 25.4  # the right margin is 18 mm
        starts: list[float] = []

        def run(operator: bytes, _args: object, cm: list[float], tm: list[float], starts: list[float] = starts) -> None:
            if operator in (b"Tj", b"TJ"):
                starts.append(cm[0] * tm[4] + cm[2] * tm[5] + cm[4])

        page.extract_text(visitor_operand_before=run)
        assert starts and max(starts) < right, f"text starts at {max(starts):.0f} pt, beyond the margin at {right:.0f}"
        pages.append(page.extract_text(extraction_mode="layout"))
    return "\n".join(pages).replace("\u202f", " ").replace("\u00a0", " ")


def row(text: str, number: str) -> list[str]:
    """The cells of the table row of invoice ``number``, left to right."""
    line = next(line for line in text.splitlines() if line.strip().startswith(number + " "))
    return re.split(r"\s{2,}", line.strip())


def column(text: str, number: str, amount: str) -> str:
    """The heading of the column where ``amount`` stands (its last character under the heading's right end)."""
    header = next(line for line in text.splitlines() if line.strip().startswith("Facture"))
    line = next(line for line in text.splitlines() if line.strip().startswith(number + " "))
    end = line.rindex(amount) + len(amount)
    headings = [(m.end(), m.group()) for m in re.finditer(r"\S+(?: \S+)*", header)]
    return min(headings, key=lambda h: abs(h[0] - end))[1]


def test_in_a_receivership_each_invoice_shows_its_indemnity_and_where_it_falls(org, bakery) -> None:  # type: ignore[no-untyped-def]
    procedure = open_procedure(org, bakery, ProcedureKind.RECEIVERSHIP)

    text = page_text(render_declaration_pdf(procedure, today=D(2026, 4, 2)))

    for heading in ("Principal", "Indemnité", "Échu au", "À échoir"):
        assert heading in text, heading
    # 1 200.00 late from 1 January to 2 March 2026 (61 days) at 12.15 %: 24.37, and the 40 EUR indemnity;
    # all of it due at the judgment.
    assert row(text, "F-DUE") == ["F-DUE", "31/12/2025", "1 200,00 €", "24,37 €", "40,00 €", "1 264,37 €"]
    # Due on the judgment day: due at the judgment, not late, no indemnity.
    assert row(text, "F-SAME") == ["F-SAME", "02/03/2026", "300,00 €", "0,00 €", "0,00 €", "300,00 €"]
    # Falling due after the judgment: principal only, in the last column, to fall due on its date (L622-25), and no
    # indemnity (L441-10 II).
    assert row(text, "F-LATER") == ["F-LATER", "20/04/2026", "600,00 €", "0,00 €", "0,00 €", "600,00 €"]
    assert column(text, "F-LATER", "600,00 €") == "À échoir"
    assert column(text, "F-DUE", "1 264,37 €") == "Échu au"
    assert column(text, "F-DUE", "40,00 €") == "Indemnité"
    assert re.search(r"du 20/02/2026\s+le 20/04/2026", text)
    flat = " ".join(text.split())
    assert "Créances échues au jour du jugement d'ouverture 1 564,37 €" in flat
    assert "Créances à échoir 600,00 €" in flat
    assert "Total déclaré 2 164,37 €" in flat
    assert "L. 441-10 II" in flat
    assert "L. 643-1" not in flat


def test_a_liquidation_makes_every_claim_due_without_an_indemnity_on_what_was_not(org, bakery) -> None:  # type: ignore[no-untyped-def]
    procedure = open_procedure(org, bakery, ProcedureKind.LIQUIDATION)

    text = page_text(render_declaration_pdf(procedure, today=D(2026, 4, 2)))

    assert row(text, "F-DUE") == ["F-DUE", "31/12/2025", "1 200,00 €", "24,37 €", "40,00 €", "1 264,37 €"]
    # Made due by the liquidation (L643-1): due at the judgment for its principal, no interest, no indemnity.
    assert row(text, "F-LATER") == ["F-LATER", "20/04/2026", "600,00 €", "0,00 €", "0,00 €", "600,00 €"]
    assert column(text, "F-LATER", "600,00 €") == "Échu au"
    assert re.search(r"du 20/02/2026\s+échue au\s+jugement", text)
    flat = " ".join(text.split())
    assert "Créances échues au jour du jugement d'ouverture 2 164,37 €" in flat
    assert "Créances à échoir 0,00 €" in flat
    assert "Total déclaré 2 164,37 €" in flat
    assert "rendu exigibles les créances non échues (article L. 643-1 du Code de commerce)" in flat
    assert "le 20/04/2026" not in flat
    assert "Les créances à échoir sont déclarées" not in flat


def test_a_liquidation_with_continued_activity_keeps_claims_to_fall_due(org, bakery) -> None:  # type: ignore[no-untyped-def]
    procedure = open_procedure(org, bakery, ProcedureKind.LIQUIDATION, continued_activity=True)

    computed = insolvency.claims(procedure)

    assert (computed.due, computed.to_fall_due) == (Decimal("1564.37"), Decimal("600.00"))
    text = " ".join(page_text(render_declaration_pdf(procedure, today=D(2026, 4, 2))).split())
    assert "La poursuite de l'activité ayant été autorisée" in text
    assert "le 20/04/2026" in text


def test_no_declaration_is_drawn_for_over_indebtedness(org) -> None:  # type: ignore[no-untyped-def]
    person = CustomerFactory(organization=org, kind="consumer")
    InvoiceFactory(customer=person, issued_on=D(2026, 1, 5), due_on=D(2026, 2, 4))
    procedure = insolvency.record_procedure(
        org, person, actor=ME, kind=ProcedureKind.OVER_INDEBTEDNESS, judgment_on=D(2026, 3, 2)
    )
    with pytest.raises(ValidationError, match="no claim declaration"):
        render_declaration_pdf(procedure, today=D(2026, 4, 2))
