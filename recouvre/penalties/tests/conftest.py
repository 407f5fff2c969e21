import io
from datetime import date
from decimal import Decimal

import pytest

from recouvre.ledger.actors import Actor
from recouvre.testing.factories import CustomerFactory, InvoiceFactory, PaymentFactory

ACTOR = Actor.system("test")


@pytest.fixture
def customer(org):  # type: ignore[no-untyped-def]
    return CustomerFactory(
        organization=org,
        ref="411DUPONT",
        name="Dupont Bâtiment SARL",
        address_line1="12 rue des Lilas",
        postal_code="69003",
        city="Lyon",
    )


@pytest.fixture
def invoice(customer):  # type: ignore[no-untyped-def]
    """The LEGAL-FR §1.6 worked example: 12 000 EUR due 2025-03-15."""
    return InvoiceFactory(
        customer=customer,
        number="F-2025-031",
        issued_on=date(2025, 2, 13),
        due_on=date(2025, 3, 15),
        total=Decimal("12000.00"),
    )


def payment(customer, amount: str, on: date):  # type: ignore[no-untyped-def]
    return PaymentFactory(customer=customer, amount=Decimal(amount), received_on=on)


def pdf_text(pdf: bytes) -> str:
    from pypdf import PdfReader

    text = "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages)
    return text.replace("\u202f", " ").replace("\u00a0", " ")
