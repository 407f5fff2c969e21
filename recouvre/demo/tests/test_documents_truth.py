"""Every document the demo produces tells only the truth for the debtor in front of it, read as its reader reads it
(the extracted PDF text): the statement, the formal notice, the evidence dossier and, where the law allows them, the
injonction de payer request and the claim declaration, for a business, a consumer and a public buyer.

The demo is dated 7 December 2026, a day whose half-year (2026 S2) is missing from the rate tables: the documents
compute what is known, state the legal formula for the rest and never show a command, a setting or an internal
code. One demo (40 customers, 400 invoices, a week of collections) is built for the module, in a transaction rolled
back at the end."""

from __future__ import annotations

import io
import re
import zipfile
from datetime import date

import pytest
from django.db import transaction
from pypdf import PdfReader

from recouvre.collections.notices import pending_notice, request_formal_notice
from recouvre.core import lawtexts
from recouvre.demo.history import simulate_collections
from recouvre.demo.services import create_demo
from recouvre.dossier.bundle import build_dossier
from recouvre.ledger.actors import Actor
from recouvre.ledger.models import Customer, Invoice
from recouvre.legal.declaration import render_declaration_pdf
from recouvre.legal.models import InsolvencyProcedure
from recouvre.letters.rendering import render_letter
from recouvre.letters.statement import render_statement
from recouvre.organizations.models import Organization
from recouvre.proceedings.requete import InjonctionRefused, injonction_request

AS_OF = date(2026, 12, 7)
SIZE = {"customers": 40, "invoices": 400, "seed": 7, "as_of": AS_OF}
ACTOR = Actor.system("test")

# What a debtor or a court must never read: a command, an option, an administrator's hint, a code of the program.
LEAKS = re.compile(
    r"recouvre (rates|interest|run|import|customer|injonction|dossier)|rates import|`|--[a-z]|RECOUVRE_|"
    r"\b(missing_rate|not_late|no_indemnity|contract_rate_below_floor|public_rate_fixed|legal_rate_category|"
    r"formal_notice|over_indebtedness|b2b|b2c|MissingRateError|Traceback|None\b)"
)


def text_of(pdf: bytes) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages)


def squash(text: str) -> str:
    return re.sub(r"\s+", " ", text)


@pytest.fixture(scope="module")
def demo(django_db_setup, django_db_blocker):  # type: ignore[no-untyped-def]
    with django_db_blocker.unblock(), transaction.atomic():
        create_demo(slug="demo", reset=False, **SIZE)
        org = Organization.objects.get(slug="demo")
        simulate_collections(org, as_of=AS_OF, days=7)
        yield org
        transaction.set_rollback(True)


def overdue_customer(org: Organization, **filters: object) -> Customer:
    """The customer of ``filters`` with the most overdue invoices and no insolvency proceedings."""
    insolvent = InsolvencyProcedure.objects.filter(organization=org).values_list("customer_id", flat=True)
    found = [
        c
        for c in Customer.objects.filter(organization=org, **filters).exclude(pk__in=list(insolvent))
        if Invoice.objects.filter(customer=c, open_amount__gt=0, due_on__lt=AS_OF).exists()
    ]
    assert found, f"the demo has no overdue customer with {filters}"
    return max(found, key=lambda c: Invoice.objects.filter(customer=c, open_amount__gt=0, due_on__lt=AS_OF).count())


def documents(org: Organization, customer: Customer) -> dict[str, str]:
    """Every document the product produces for ``customer`` today, as text."""
    out = {"statement": text_of(render_statement(org, customer, AS_OF).pdf)}
    action = pending_notice(org, customer) or request_formal_notice(org, customer, actor=ACTOR, today=AS_OF)
    out["formal notice"] = text_of(render_letter(action, today=AS_OF).pdf)
    with zipfile.ZipFile(io.BytesIO(build_dossier(org, customer, as_of=AS_OF).content)) as archive:
        for name in archive.namelist():
            if name.endswith(".pdf"):
                out[f"dossier {name}"] = text_of(archive.read(name))
    return out


def assert_truthful(texts: dict[str, str], customer: Customer) -> None:
    debtor = lawtexts.Debtor.of(customer)
    for what, text in texts.items():
        leak = LEAKS.search(text)
        assert leak is None, f"{what} of {customer.name} shows {leak.group(0)!r}"
        assert lawtexts.forbidden_found(squash(text), debtor) == [], f"{what} of {customer.name}"


def test_a_business_gets_the_commercial_code_and_a_request_that_states_the_known_and_the_formula(db, demo):  # type: ignore[no-untyped-def]
    org = demo
    customer = overdue_customer(org, kind="business", segment="standard")
    texts = documents(org, customer)
    request = injonction_request(org, customer, as_of=AS_OF)
    texts["injonction request"] = text_of(request.pdf)
    assert_truthful(texts, customer)
    statement = squash(texts["statement"])
    assert "L. 441-10" in statement or "L441-10" in statement
    # 2026 S2 is not published: the request claims it by its legal rule, the total to be completed
    claim = squash(texts["injonction request"])
    assert "à parfaire" in claim
    assert "BCE" in claim and "10 points" in claim
    assert customer.name in claim


def test_a_consumer_gets_legal_interest_from_the_notice_and_never_the_40_eur(db, demo):  # type: ignore[no-untyped-def]
    org = demo
    customer = overdue_customer(org, kind="consumer")
    texts = documents(org, customer)
    try:
        texts["injonction request"] = text_of(injonction_request(org, customer, as_of=AS_OF).pdf)
    except InjonctionRefused:
        pass  # time-barred or disputed: refused with its reasons, tested with the request
    assert_truthful(texts, customer)
    notice = squash(texts["formal notice"])
    assert "1231-6" in notice


def test_a_public_buyer_gets_the_public_procurement_code_no_enforcement_and_no_injonction(db, demo):  # type: ignore[no-untyped-def]
    org = demo
    customer = overdue_customer(org, kind="public", administrative_contract__isnull=True)
    assert customer.is_public_person and customer.has_administrative_contract
    texts = documents(org, customer)
    assert_truthful(texts, customer)
    notice = squash(texts["formal notice"])
    assert "2192-13" in notice
    assert "tribunal administratif" in notice
    with pytest.raises(InjonctionRefused):
        injonction_request(org, customer, as_of=AS_OF)


def test_the_insolvent_customer_gets_a_claim_declaration_and_no_injonction(db, demo):  # type: ignore[no-untyped-def]
    org = demo
    procedure = InsolvencyProcedure.objects.get(organization=org)
    text = text_of(render_declaration_pdf(procedure, today=AS_OF))
    assert_truthful({"claim declaration": text}, procedure.customer)
    assert "DÉCLARATION DE CRÉANCE" in text.upper()
    with pytest.raises(InjonctionRefused):
        injonction_request(org, procedure.customer, as_of=AS_OF)
