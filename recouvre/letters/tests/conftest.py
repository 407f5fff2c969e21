"""A creditor with its letterhead, a customer with a postal address and a billing contact, five overdue invoices,
and a policy whose only step is a formal notice by registered letter (15 days to pay).

On Friday 27 March 2026 the five invoices are 7 to 66 days overdue: the run plans one registered letter for the
customer; posted that day, it is taken as received 3 business days later (Wednesday 1 April), so pay by Thursday
16 April 2026."""

from __future__ import annotations

import io
from datetime import date, datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest

from recouvre.collections.models import Policy, Step
from recouvre.ledger.models import Contact
from recouvre.testing.factories import CustomerFactory, InvoiceFactory

PARIS = ZoneInfo("Europe/Paris")
AS_OF = date(2026, 3, 27)  # a Friday
NOW = datetime(2026, 3, 27, 9, 0, tzinfo=PARIS)
DEADLINE = date(2026, 4, 16)
IBAN = "FR7630006000011234567890189"
FIVE = [  # number, due date, total
    ("F-1", date(2026, 3, 20), Decimal("1200.00")),
    ("F-2", date(2026, 3, 20), Decimal("80.50")),
    ("F-3", date(2026, 3, 2), Decimal("2345.67")),
    ("F-4", date(2026, 3, 2), Decimal("10.00")),
    ("F-5", date(2026, 1, 20), Decimal("999.99")),
]
TOTAL = Decimal("4636.16")


@pytest.fixture
def letterhead(org):  # type: ignore[no-untyped-def]
    org.legal_form = "SAS"
    org.address_line1, org.postal_code, org.city = "8 rue de la Paix", "75002", "Paris"
    org.siren, org.siret, org.vat_number = "552100554", "55210055400013", "FR40552100554"
    org.iban, org.bic = IBAN, "AGRIFRPPXXX"
    org.legal_mentions = "SAS au capital de 10 000 EUR - RCS Paris 552 100 554"
    org.save()
    return org


@pytest.fixture
def notice_policy(letterhead):  # type: ignore[no-untyped-def]
    policy = Policy.objects.create(organization=letterhead, key="letters", name="Letters", segment="standard")
    Step.objects.create(
        policy=policy,
        position=1,
        key="formal_notice",
        offset_days=5,
        channel="registered_letter",
        template="formal_notice",
        deadline_days=15,
    )
    return policy


@pytest.fixture
def reminder_policy(letterhead):  # type: ignore[no-untyped-def]
    policy = Policy.objects.create(organization=letterhead, key="letters", name="Letters", segment="standard")
    Step.objects.create(policy=policy, position=1, key="reminder", offset_days=5, channel="letter", template="reminder")
    return policy


def make_customer(org, *, ref="411DUPONT", name="Dupont SARL", language="fr", **fields):  # type: ignore[no-untyped-def]
    address = {"address_line1": "12 rue des Lilas", "address_line2": "Bâtiment B", "postal_code": "34000"}
    address.update(city="Montpellier", **fields)
    customer = CustomerFactory(organization=org, ref=ref, name=name, language=language, email="", **address)
    Contact.objects.create(organization=org, customer=customer, name="Sophie Martin", role="billing")
    return customer


def five_invoices(customer, *, prefix=""):  # type: ignore[no-untyped-def]
    for number, due_on, total in FIVE:
        InvoiceFactory(
            customer=customer,
            number=prefix + number,
            issued_on=due_on - timedelta(days=30),
            due_on=due_on,
            total=total,
        )


def pdf_text(pdf: bytes) -> str:
    from pypdf import PdfReader

    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages)


def pdf_pages(pdf: bytes) -> int:
    from pypdf import PdfReader

    return len(PdfReader(io.BytesIO(pdf)).pages)


MM = 72 / 25.4


def text_positions(pdf: bytes, page: int = 0) -> list[tuple[float, float, str]]:
    """Each piece of text of a page with where its baseline starts, in millimetres from the page's left and top
    edges (PDF coordinates start at the bottom-left corner, in points)."""
    from pypdf import PdfReader

    reader = PdfReader(io.BytesIO(pdf))
    p = reader.pages[page]
    height = float(p.mediabox.height)
    found: list[tuple[float, float, str]] = []

    def visit(text, cm, tm, font, size):  # type: ignore[no-untyped-def]
        if text.strip():
            x = tm[4] * cm[0] + tm[5] * cm[2] + cm[4]
            y = tm[4] * cm[1] + tm[5] * cm[3] + cm[5]
            found.append((x / MM, (height - y) / MM, text.strip()))

    p.extract_text(visitor_text=visit)
    return found
