"""Bank statements in the web app: imported from the import page (preview, then confirm), the bank page with the
accounts and the entries and their state, the statements, one entry; another organization's are never seen."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from recouvre.bank.models import BankAccount, BankEntry, BankStatement, EntryState
from recouvre.bank.services import import_statement, mark_entries
from recouvre.bank.tests.files import IBAN, JANUARY_1_15, OTHER_IBAN, Entry, Statement, camt053, csv_export
from recouvre.imports.models import ImportRun
from recouvre.imports.services import save_mapping
from recouvre.ledger.actors import Actor

from .helpers import text

pytestmark = pytest.mark.django_db
ACTOR = Actor.system("test")


@pytest.fixture(autouse=True)
def data_dir(settings, tmp_path):  # type: ignore[no-untyped-def]
    settings.DATA_DIR = tmp_path
    return tmp_path


@pytest.fixture
def english(logged_client):  # type: ignore[no-untyped-def]
    logged_client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return logged_client


def upload(client, name: str, content: bytes, **extra: str):  # type: ignore[no-untyped-def]
    payload = SimpleUploadedFile(name, content, content_type="application/xml")
    return client.post(reverse("import"), {"kind": "statement", "file": payload, **extra})


def test_a_statement_is_previewed_then_imported_from_the_import_page(english, org) -> None:  # type: ignore[no-untyped-def]
    preview = upload(english, "releve.xml", camt053(JANUARY_1_15))
    assert preview.status_code == 200
    body = text(preview)
    assert "releve.xml · Bank statement" in body
    assert "Nothing has been written yet." in body
    assert "Format camt.053 Statements 1 Entries 3 New entries 3 Already imported 0 Credits to match 2" in body
    assert "EUR 3 €1,734.55 €11.04" in body
    assert "line 3: new bank account FR76 3000 3012 3401 2345 6789 057: added to the organization's bank accounts" in (
        body
    )
    assert BankEntry.objects.count() == 0 and ImportRun.objects.count() == 0

    result = english.post(reverse("import_confirm"), {"token": preview.context["token"]})
    body = text(result)
    assert "The import is done." in body
    assert "New entries 3 Already imported 0" in body
    assert reverse("bank") in result.content.decode()
    assert BankEntry.objects.filter(organization=org).count() == 3
    run = ImportRun.objects.get(organization=org)
    assert (run.kind, run.file_name, run.actor_label) == ("statement", "releve.xml", "claire")

    again = upload(english, "releve.xml", camt053(JANUARY_1_15))
    assert "New entries 0 Already imported 3" in text(again)
    history = text(english.get(reverse("import")))
    assert "releve.xml Bank statement" in history


def test_only_one_account_and_a_refused_file(english, org) -> None:  # type: ignore[no-untyped-def]
    two = camt053(JANUARY_1_15, Statement("S-2", [Entry("99.00", "2024-01-09", "O-1")], iban=OTHER_IBAN))
    preview = upload(english, "two.xml", two, account=OTHER_IBAN)
    english.post(reverse("import_confirm"), {"token": preview.context["token"]})
    assert list(BankAccount.objects.values_list("account_id", flat=True)) == [OTHER_IBAN]

    refused = upload(english, "broken.xml", camt053(JANUARY_1_15).replace(b">500.00<", b">5OO.00<"))
    body = text(refused)
    assert "broken.xml is refused: 1 error. Nothing was written." in body
    assert [(e.line, e.message) for e in refused.context["errors"]] == [
        (9, "'5OO.00' is not an amount (digits, a dot, up to 5 decimals)")
    ]
    assert "Confirm import" not in body
    assert BankEntry.objects.count() == 1


def test_the_bank_page_lists_accounts_and_entries_with_their_state(english, org) -> None:  # type: ignore[no-untyped-def]
    nav = english.get(reverse("home")).content.decode()
    assert f'href="{reverse("bank")}"' in nav

    empty = text(english.get(reverse("bank")))
    assert "No bank statement imported yet" in empty

    import_statement(org, camt053(JANUARY_1_15), "releve.xml", actor=ACTOR)
    fee = BankEntry.objects.get(organization=org, bank_reference="B-002")
    mark_entries(org, [fee.pk], EntryState.IGNORED, actor=ACTOR)

    page = english.get(reverse("bank"))
    body = text(page)
    assert "FR76 3000 3012 3401 2345 6789 057 EUR" in body
    assert "3 entries" in body
    rows = [(e.booked_on.isoformat(), str(e.amount), e.state) for e in page.context["page"].object_list]
    assert rows == [
        ("2024-01-12", "500.00000", "unmatched"),
        ("2024-01-05", "-11.04000", "ignored"),
        ("2024-01-03", "1234.55000", "unmatched"),
    ]
    assert "Martin SARL F2024-007 €500.00 Unmatched" in body

    def listed(**params: str) -> list[str]:
        response = english.get(reverse("bank"), params)
        assert response.status_code == 200
        return [e.bank_reference for e in response.context["page"].object_list]

    account = BankAccount.objects.get(organization=org)
    statement = BankStatement.objects.get(organization=org)
    assert listed(state="unmatched") == ["B-003", "B-001"]
    assert listed(state="ignored") == ["B-002"]
    assert listed(account=str(account.pk), q="acme") == ["B-001"]
    assert listed(statement=str(statement.pk)) == ["B-003", "B-002", "B-001"]

    statements = text(english.get(reverse("bank_statements")))
    assert "releve.xml" in statements and "S-0115" in statements
    assert "€1,000.00 €2,723.51 3 (3 new)" in statements

    entry = BankEntry.objects.get(organization=org, bank_reference="B-001")
    detail = text(english.get(reverse("bank_entry", args=[entry.pk])))
    assert "€1,234.55 · credit Unmatched" in detail
    assert "Counterparty ACME Distribution SAS" in detail
    assert "FACTURE F2024-001" in detail


def test_a_batched_entry_shows_its_transactions(english, org) -> None:  # type: ignore[no-untyped-def]
    batch = (
        b'<?xml version="1.0" encoding="UTF-8"?>\n'
        b'<Document xmlns="urn:iso:std:iso:20022:tech:xsd:camt.053.001.02"><BkToCstmrStmt>'
        b"<GrpHdr><MsgId>M1</MsgId></GrpHdr>"
        b"<Stmt><Id>S</Id><Acct><Id><IBAN>FR7630003012340123456789057</IBAN></Id><Ccy>EUR</Ccy></Acct>"
        b'<Ntry><Amt Ccy="EUR">300.00</Amt><CdtDbtInd>CRDT</CdtDbtInd><Sts>BOOK</Sts>'
        b"<BookgDt><Dt>2024-03-01</Dt></BookgDt><NtryDtls>"
        b'<TxDtls><AmtDtls><TxAmt><Amt Ccy="EUR">100.00</Amt></TxAmt></AmtDtls><RltdPties><Dbtr><Nm>Dupont</Nm></Dbtr>'
        b"</RltdPties><RmtInf><Ustrd>F-001</Ustrd></RmtInf></TxDtls>"
        b'<TxDtls><AmtDtls><TxAmt><Amt Ccy="EUR">200.00</Amt></TxAmt></AmtDtls><RltdPties><Dbtr><Nm>Moreau</Nm></Dbtr>'
        b"</RltdPties><RmtInf><Ustrd>F-002</Ustrd></RmtInf></TxDtls>"
        b"</NtryDtls></Ntry></Stmt></BkToCstmrStmt></Document>"
    )
    import_statement(org, batch, "batch.xml", actor=ACTOR)
    entry = BankEntry.objects.get(organization=org)
    assert [(d["amount"], d["counterparty_name"]) for d in entry.details] == [
        ("100.00", "Dupont"),
        ("200.00", "Moreau"),
    ]

    assert "2 transactions" in text(english.get(reverse("bank")))
    detail = text(english.get(reverse("bank_entry", args=[entry.pk])))
    assert "Transactions of this entry" in detail
    assert "Dupont F-001 — — €100.00 Moreau F-002 — — €200.00" in detail


def test_another_organizations_bank_is_never_seen(english, org, other_org) -> None:  # type: ignore[no-untyped-def]
    secret = Statement("S-SECRET", [Entry("4242.00", "2024-01-09", "SECRET-1", "Rival Secret Client")])
    import_statement(other_org, camt053(secret), "rival.xml", actor=ACTOR)
    import_statement(org, camt053(JANUARY_1_15), "releve.xml", actor=ACTOR)
    theirs = BankEntry.objects.get(organization=other_org)

    assert english.get(reverse("bank_entry", args=[theirs.pk])).status_code == 404
    assert english.get(reverse("bank"), {"account": theirs.account_id}).status_code == 404
    assert english.get(reverse("bank"), {"statement": theirs.statement_id}).status_code == 404
    assert english.get(reverse("bank_statements"), {"account": theirs.account_id}).status_code == 404
    assert english.get(reverse("bank"), {"statement": "x"}).status_code == 404
    for url in (reverse("bank"), reverse("bank_statements"), reverse("bank") + "?q=secret"):
        body = text(english.get(url))
        assert "Rival Secret Client" not in body and "SECRET" not in body and "rival.xml" not in body


def test_the_bank_page_is_for_every_member(member_of, org) -> None:  # type: ignore[no-untyped-def]
    viewer = member_of("viewer")
    assert viewer.get(reverse("bank")).status_code == 200
    assert viewer.get(reverse("bank_statements")).status_code == 200
    assert viewer.get(reverse("import")).status_code == 403


def test_a_csv_export_with_its_mapping_and_account_from_the_import_page(english, org) -> None:  # type: ignore[no-untyped-def]
    save_mapping(org, "ma-banque", "statement", {"text": "Libellé"}, {})
    form = english.get(reverse("import"))
    assert '<option value="ma-banque">ma-banque (Bank statement)</option>' in form.content.decode()
    content = csv_export([("03/01/2024", "VIR DUPONT F-001", "1 200,00"), ("04/01/2024", "FRAIS", "-3,50")])

    preview = upload(english, "export.csv", content, mapping="ma-banque", account=IBAN)
    body = text(preview)
    assert "Format csv Statements 1 Entries 2 New entries 2" in body
    assert "the statement gives no currency: EUR, the organization's currency, is assumed" in body
    english.post(reverse("import_confirm"), {"token": preview.context["token"]})
    assert list(BankEntry.objects.filter(organization=org).values_list("account__iban", "amount").order_by("id")) == [
        (IBAN, Decimal("1200.00")),
        (IBAN, Decimal("-3.50")),
    ]
