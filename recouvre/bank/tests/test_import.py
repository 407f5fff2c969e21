"""``import_statement``: what a bank file adds (accounts, statements, entries), what a second or overlapping file
does not add again, ``account``, currencies assumed, refusals that write nothing, dry runs, and the entry states the
matching sets (``mark_entries``)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
import time_machine

from recouvre.bank.models import BankAccount, BankEntry, BankStatement, EntryState
from recouvre.bank.services import StatementRefused, import_statement, mark_entries
from recouvre.imports.models import ImportRun
from recouvre.imports.services import UnknownMapping, save_mapping
from recouvre.ledger.actors import Actor
from recouvre.ledger.models import Event
from recouvre.ledger.timeline import describe

from .files import IBAN, JANUARY_1_15, JANUARY_10_31, OTHER_IBAN, Entry, Statement, camt053, csv_export

pytestmark = pytest.mark.django_db
ACTOR = Actor.system("test")


def counts(org) -> tuple[int, int, int]:  # type: ignore[no-untyped-def]
    return (
        BankAccount.objects.filter(organization=org).count(),
        BankStatement.objects.filter(organization=org).count(),
        BankEntry.objects.filter(organization=org).count(),
    )


@time_machine.travel(date(2024, 2, 2), tick=False)
def test_a_first_import_adds_the_account_the_statement_and_its_entries(org) -> None:  # type: ignore[no-untyped-def]
    result = import_statement(org, camt053(JANUARY_1_15), "releve-janvier.xml", actor=ACTOR)

    assert result.as_dict() == {
        "format": "camt.053",
        "statements": 1,
        "entries": 3,
        "created": 3,
        "duplicates": 0,
        "totals": {"EUR": {"credits": "1734.55", "debits": "11.04"}},
        "matched": 0,
        "suggested": 0,
        "unmatched": 2,
        "warnings": [
            {
                "code": "account_added",
                "message": "new bank account FR76 3000 3012 3401 2345 6789 057: added to the organization's bank "
                "accounts",
                "line": 3,
                "account": IBAN,
            }
        ],
        "errors": [],
    }
    account = BankAccount.objects.get(organization=org)
    assert (account.account_id, account.iban, account.currency, account.first_seen_on) == (
        IBAN,
        IBAN,
        "EUR",
        date(2024, 2, 2),
    )
    statement = BankStatement.objects.get(organization=org)
    assert (statement.format, statement.statement_id, statement.currency, statement.account) == (
        "camt.053",
        "S-0115",
        "EUR",
        account,
    )
    assert (statement.opening_balance, statement.opening_on, statement.closing_balance, statement.closing_on) == (
        Decimal("1000.00"),
        date(2024, 1, 1),
        Decimal("2723.51"),
        date(2024, 1, 15),
    )
    assert (statement.entry_count, statement.created_count, statement.warnings) == (3, 3, [])
    rows = list(
        BankEntry.objects.filter(organization=org)
        .order_by("booked_on")
        .values_list("booked_on", "value_on", "amount", "bank_reference", "counterparty_name", "text", "state")
    )
    assert rows == [
        (
            date(2024, 1, 3),
            date(2024, 1, 3),
            Decimal("1234.55"),
            "B-001",
            "ACME Distribution SAS",
            "FACTURE F2024-001",
            "unmatched",
        ),
        (date(2024, 1, 5), date(2024, 1, 5), Decimal("-11.04"), "B-002", "", "FRAIS TENUE DE COMPTE", "unmatched"),
        (date(2024, 1, 12), date(2024, 1, 12), Decimal("500.00"), "B-003", "Martin SARL", "F2024-007", "unmatched"),
    ]
    assert all(len(k) == 64 for k in BankEntry.objects.values_list("key", flat=True))

    run = ImportRun.objects.get(organization=org)
    assert (run.kind, run.status, run.file_name, run.rows, run.created, run.unchanged, run.actor_label) == (
        "statement",
        "succeeded",
        "releve-janvier.xml",
        3,
        3,
        0,
        "test",
    )
    assert statement.import_run == run and result.import_run_id == run.pk
    events = Event.objects.filter(organization=org, customer=None).order_by("id")
    assert [describe(e) for e in events] == [
        "Bank account FR76 3000 3012 3401 2345 6789 057 added (first statement imported).",
        "Bank file releve-janvier.xml (camt.053) imported: 1 statements, 3 entries, 3 new, 0 already imported.",
    ]


def test_the_same_file_again_adds_nothing(org) -> None:  # type: ignore[no-untyped-def]
    content = camt053(JANUARY_1_15)
    import_statement(org, content, "releve.xml", actor=ACTOR)

    again = import_statement(org, content, "releve (copie).xml", actor=ACTOR)

    assert (again.entries, again.created, again.duplicates, again.statements_created, again.unmatched) == (
        3,
        0,
        3,
        0,
        0,
    )
    assert again.totals["EUR"].credits == Decimal("1734.55")  # the file's totals, new or not
    assert [w["code"] for w in again.warnings] == ["already_imported"]
    assert again.warnings[0]["message"].startswith("this same file was already imported on ")
    assert again.warnings[0]["message"].endswith(" as releve.xml")
    assert counts(org) == (1, 1, 3)


def test_an_overlapping_statement_adds_only_the_entries_not_imported(org) -> None:  # type: ignore[no-untyped-def]
    first = import_statement(org, camt053(JANUARY_1_15), "1-15.xml", actor=ACTOR)

    second = import_statement(org, camt053(JANUARY_10_31), "10-31.xml", actor=ACTOR)

    assert (second.entries, second.created, second.duplicates, second.statements_created) == (3, 2, 1, 1)
    assert second.unmatched == 1  # the 250.10 credit; the 500.00 was imported with the first file
    assert [w["code"] for w in second.warnings] == []  # the account is known now
    assert counts(org) == (1, 2, 5)
    b003 = BankEntry.objects.get(organization=org, bank_reference="B-003")
    assert b003.statement.import_run_id == first.import_run_id  # it stays with the statement that brought it
    newer = BankStatement.objects.get(organization=org, statement_id="S-0131")
    assert (newer.entry_count, newer.created_count) == (3, 2)

    # a statement of days already imported, whose entries are all known, adds no statement either
    inside = Statement("S-0112", [JANUARY_1_15.entries[2]], opening_day="2024-01-12", closing_day="2024-01-12")
    third = import_statement(org, camt053(inside), "12.xml", actor=ACTOR)
    assert (third.created, third.duplicates, third.statements_created) == (0, 1, 0)
    assert counts(org) == (1, 2, 5)


def test_two_identical_entries_of_a_day_are_two_entries_once(org) -> None:  # type: ignore[no-untyped-def]
    fees = Statement("S-FEES", [Entry("-1.50", "2024-01-08", text="FRAIS"), Entry("-1.50", "2024-01-08", text="FRAIS")])
    assert import_statement(org, camt053(fees), "f.xml", actor=ACTOR).created == 2
    assert import_statement(org, camt053(fees), "f.xml", actor=ACTOR).created == 0
    assert BankEntry.objects.filter(organization=org, amount=Decimal("-1.50")).count() == 2


def test_account_limits_the_import_to_one_account(org) -> None:  # type: ignore[no-untyped-def]
    other = Statement("S-OTHER", [Entry("99.00", "2024-01-09", "O-1", "Durand", "F2024-099")], iban=OTHER_IBAN)
    content = camt053(JANUARY_1_15, other)

    result = import_statement(org, content, "two.xml", actor=ACTOR, account="fr14 2004 1010 0505 0001 3m02 606")

    assert (result.statements, result.entries, result.created) == (1, 1, 1)
    assert result.totals["EUR"].credits == Decimal("99.00")
    assert [a.account_id for a in BankAccount.objects.filter(organization=org)] == [OTHER_IBAN]
    assert [w["account"] for w in result.warnings] == [OTHER_IBAN]

    with pytest.raises(StatementRefused) as refused:
        import_statement(org, content, "two.xml", actor=ACTOR, account="FR7630004000031234567890143")
    assert refused.value.result.errors == [
        {
            "line": 0,
            "message": "the file has no statement of account FR76 3000 4000 0312 3456 7890 143 (accounts in the "
            "file: FR76 3000 3012 3401 2345 6789 057, FR14 2004 1010 0505 0001 3M02 606)",
        }
    ]
    assert counts(org) == (1, 1, 1)


def test_a_statement_without_currency_takes_the_organizations_with_a_warning(org) -> None:  # type: ignore[no-untyped-def]
    save_mapping(org, "banque", "statement", {"text": "Libellé"}, {"account": "CPT-0042"})
    content = csv_export([("03/01/2024", "VIR ACME F2024-001", "1234,55"), ("04/01/2024", "FRAIS", "-8,00")])

    result = import_statement(org, content, "export.csv", actor=ACTOR, mapping="banque")

    assert (result.format, result.created, result.totals["EUR"].credits) == ("csv", 2, Decimal("1234.55"))
    assert [(w["code"], w["message"]) for w in result.warnings] == [
        ("account_added", "new bank account CPT-0042: added to the organization's bank accounts"),
        ("currency_assumed", "the statement gives no currency: EUR, the organization's currency, is assumed"),
    ]
    # an assumed currency is not the account's
    assert BankAccount.objects.get(organization=org).currency == ""
    assert BankStatement.objects.get(organization=org).warnings[0]["code"] == "currency_assumed"


def test_a_statement_without_currency_takes_its_accounts(org) -> None:  # type: ignore[no-untyped-def]
    save_mapping(org, "banque", "statement", {"text": "Libellé", "currency": "Devise"}, {"account": "CPT-USD"})
    import_statement(
        org, csv_export([("02/01/2024", "WIRE", "10,00")], currency="USD"), "a.csv", actor=ACTOR, mapping="banque"
    )
    assert BankAccount.objects.get(organization=org).currency == "USD"
    save_mapping(org, "banque-sans-devise", "statement", {"text": "Libellé"}, {"account": "CPT-USD"})

    result = import_statement(
        org, csv_export([("05/01/2024", "WIRE 2", "20,00")]), "b.csv", actor=ACTOR, mapping="banque-sans-devise"
    )

    assert list(result.totals) == ["USD"]
    assert [(w["code"], w["message"]) for w in result.warnings] == [
        ("currency_assumed", "the statement gives no currency: USD, the account's currency, is assumed")
    ]
    assert BankEntry.objects.get(organization=org, text="WIRE 2").currency == "USD"


def test_an_export_that_names_no_account_needs_one(org) -> None:  # type: ignore[no-untyped-def]
    save_mapping(org, "banque", "statement", {"text": "Libellé"}, {})
    content = csv_export([("03/01/2024", "VIR ACME", "100,00")], currency="EUR")
    with pytest.raises(StatementRefused) as refused:
        import_statement(org, content, "export.csv", actor=ACTOR, mapping="banque")
    assert refused.value.result.errors == [
        {
            "line": 2,
            "message": "the file does not say which account it is for: give the account (or save it with the file's "
            "mapping)",
        }
    ]
    assert counts(org) == (0, 0, 0)

    result = import_statement(org, content, "export.csv", actor=ACTOR, mapping="banque", account=IBAN)
    assert result.created == 1
    assert BankAccount.objects.get(organization=org).iban == IBAN


def test_a_refused_file_writes_nothing_and_names_the_line(org) -> None:  # type: ignore[no-untyped-def]
    # the second statement's amount is broken: the first one is not kept either
    broken = Statement("S-2", [Entry("77.00", "2024-02-02", "B-9", "X", "Y")], iban=OTHER_IBAN)
    content = camt053(JANUARY_1_15, broken).replace(b">77.00<", b">77.0.0<")

    with pytest.raises(StatementRefused) as refused:
        import_statement(org, content, "broken.xml", actor=ACTOR)

    assert refused.value.result.as_dict() == {
        "format": "camt.053",
        "statements": 0,
        "entries": 0,
        "created": 0,
        "duplicates": 0,
        "totals": {},
        "matched": 0,
        "suggested": 0,
        "unmatched": 0,
        "warnings": [],
        "errors": [{"line": 15, "message": "'77.0.0' is not an amount (digits, a dot, up to 5 decimals)"}],
    }
    assert str(refused.value.error) == "line 15: '77.0.0' is not an amount (digits, a dot, up to 5 decimals)"
    assert counts(org) == (0, 0, 0)
    assert not Event.objects.filter(organization=org).exists()
    run = ImportRun.objects.get(organization=org)
    assert (run.kind, run.status, run.error_count, run.errors, run.created) == (
        "statement",
        "refused",
        1,
        [{"line": 15, "field": "", "message": "'77.0.0' is not an amount (digits, a dot, up to 5 decimals)"}],
        0,
    )


def test_a_file_that_is_no_bank_statement_is_refused(org) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(StatementRefused) as refused:
        import_statement(org, b"%PDF-1.7\n\x00\x01\x02binary", "facture.pdf", actor=ACTOR)
    assert refused.value.result.format is None
    assert refused.value.result.errors == [
        {
            "line": 0,
            "message": "not a bank statement format Recouvre reads (camt.053, camt.054, CFONB 120, MT940, OFX, or CSV)",
        }
    ]
    with pytest.raises(StatementRefused) as csv_refused:
        import_statement(org, csv_export([("03/01/2024", "VIR", "1,00")]), "export.csv", actor=ACTOR)
    assert csv_refused.value.result.format == "csv"
    assert csv_refused.value.error.message.startswith("this looks like a CSV file: it needs a column mapping")
    assert counts(org) == (0, 0, 0)


def test_a_file_over_the_limit_is_refused_before_being_read(org, settings) -> None:  # type: ignore[no-untyped-def]
    settings.IMPORTS_MAX_UPLOAD_BYTES = 1000
    content = camt053(JANUARY_1_15)
    with pytest.raises(StatementRefused) as refused:
        import_statement(org, content, "big.xml", actor=ACTOR)
    assert refused.value.result.errors == [
        {"line": 0, "message": f"the file is {len(content)} bytes, more than the 1000 bytes a bank file may have"}
    ]
    assert counts(org) == (0, 0, 0)


def test_amounts_are_kept_exact_or_the_file_is_refused(org) -> None:  # type: ignore[no-untyped-def]
    import_statement(org, camt053(Statement("S", [Entry("0.12345", "2024-01-02", "R1")])), "a.xml", actor=ACTOR)
    assert BankEntry.objects.get(organization=org).amount == Decimal("0.12345")

    save_mapping(org, "banque", "statement", {"text": "Libellé"}, {"account": "CPT-1"})
    content = csv_export([("03/01/2024", "A", "1,00"), ("04/01/2024", "B", "0,1234567")], currency="EUR")
    with pytest.raises(StatementRefused) as refused:
        import_statement(org, content, "b.csv", actor=ACTOR, mapping="banque")
    assert refused.value.result.errors == [
        {
            "line": 3,
            "message": "the amount 0.1234567 cannot be kept exactly (at most 13 digits before the point and 5 after)",
        }
    ]
    assert counts(org) == (1, 1, 1)


def test_a_dry_run_writes_nothing_and_reports_what_the_import_will_do(org) -> None:  # type: ignore[no-untyped-def]
    import_statement(org, camt053(JANUARY_1_15), "1-15.xml", actor=ACTOR)
    before = counts(org), ImportRun.objects.count(), Event.objects.count()
    other = Statement("S-OTHER", [Entry("99.00", "2024-01-09", "O-1", "Durand", "F2024-099")], iban=OTHER_IBAN)
    content = camt053(JANUARY_10_31, other)

    dry = import_statement(org, content, "b.xml", actor=ACTOR, dry_run=True)

    assert (counts(org), ImportRun.objects.count(), Event.objects.count()) == before
    real = import_statement(org, content, "b.xml", actor=ACTOR)
    assert dry.as_dict() == real.as_dict()
    assert (dry.created, dry.duplicates, dry.unmatched, [w["code"] for w in dry.warnings]) == (
        3,
        1,
        2,
        ["account_added"],
    )


def test_an_unknown_mapping_is_a_usage_error(org) -> None:  # type: ignore[no-untyped-def]
    save_mapping(org, "factures", "invoices", {"number": "Pièce"}, {})
    with pytest.raises(UnknownMapping, match="No mapping named nope for bank statements"):
        import_statement(org, b"x", "a.csv", actor=ACTOR, mapping="nope")
    with pytest.raises(UnknownMapping, match="The mapping factures is for invoices, not bank statements"):
        import_statement(org, b"x", "a.csv", actor=ACTOR, mapping="factures")
    assert not ImportRun.objects.exists()


def test_each_organization_has_its_own_accounts_and_entries(org, other_org) -> None:  # type: ignore[no-untyped-def]
    content = camt053(JANUARY_1_15)
    import_statement(org, content, "a.xml", actor=ACTOR)

    theirs = import_statement(other_org, content, "a.xml", actor=ACTOR)

    assert (theirs.created, [w["code"] for w in theirs.warnings]) == (3, ["account_added"])
    assert counts(org) == counts(other_org) == (1, 1, 3)


def test_the_matching_marks_entries_and_the_import_counts_them(org, other_org) -> None:  # type: ignore[no-untyped-def]
    import_statement(org, camt053(JANUARY_1_15), "a.xml", actor=ACTOR)
    import_statement(other_org, camt053(JANUARY_1_15), "a.xml", actor=ACTOR)
    acme = BankEntry.objects.get(organization=org, bank_reference="B-001")
    fee = BankEntry.objects.get(organization=org, bank_reference="B-002")
    theirs = BankEntry.objects.get(organization=other_org, bank_reference="B-001")

    assert mark_entries(org, [acme.pk, theirs.pk], EntryState.APPLIED, actor=ACTOR, reason="F2024-001") == 1
    assert mark_entries(org, [fee.pk], EntryState.IGNORED, actor=ACTOR) == 1
    assert mark_entries(org, [fee.pk], EntryState.IGNORED, actor=ACTOR) == 0  # already so

    theirs.refresh_from_db()
    assert theirs.state == "unmatched"
    assert dict(BankEntry.objects.filter(organization=org).values_list("bank_reference", "state")) == {
        "B-001": "applied",
        "B-002": "ignored",
        "B-003": "unmatched",
    }
    marked = Event.objects.filter(organization=org, kind="bank.entries_marked").order_by("id")
    assert [describe(e) for e in marked] == [
        "1 bank entry applied to invoices. F2024-001",
        "1 bank entry set aside (not a customer's payment).",
    ]
    with pytest.raises(ValueError):
        mark_entries(org, [acme.pk], "paid", actor=ACTOR)
