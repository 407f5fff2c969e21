"""Every real bank file of ../shared/samples/bank imports: its totals per currency are those the file itself gives
(read without the format readers, ``file_totals``), the stored entries add up to them, and a second import adds
nothing."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest
from django.db.models import Sum

from recouvre.bank.models import BankAccount, BankEntry, BankStatement
from recouvre.bank.services import import_statement_file
from recouvre.core.bank import parse
from recouvre.imports.models import ImportRun
from recouvre.ledger.actors import Actor

from .file_totals import file_totals

pytestmark = [pytest.mark.django_db, pytest.mark.samples]
ACTOR = Actor.system("test")


def sample_files(samples_dir: Path) -> list[Path]:
    return sorted(p for p in (samples_dir / "bank").rglob("*") if p.is_file())


def stored_totals(org) -> dict[str, tuple[int, Decimal, Decimal]]:  # type: ignore[no-untyped-def]
    """Per currency: the organization's stored entries, their credits and their debits (positive sums)."""
    out = {}
    for code in BankEntry.objects.filter(organization=org).values_list("currency", flat=True).distinct():
        entries = BankEntry.objects.filter(organization=org, currency=code)
        credits = entries.filter(amount__gte=0).aggregate(s=Sum("amount"))["s"] or Decimal(0)
        debits = entries.filter(amount__lt=0).aggregate(s=Sum("amount"))["s"] or Decimal(0)
        out[code] = (entries.count(), credits, -debits)
    return dict(sorted(out.items()))


def test_every_sample_file_imports_with_the_totals_of_the_file_then_adds_nothing(org, samples_dir) -> None:  # type: ignore[no-untyped-def]
    files = sample_files(samples_dir)
    assert len(files) == 19
    for path in files:
        result = import_statement_file(org, path, actor=ACTOR)
        parsed = parse(path.read_bytes(), default_currency="EUR")
        expected = file_totals(path)
        assert {c: (t.entries, t.credits, t.debits) for c, t in result.totals.items()} == expected, path.name
        assert {c: (t.entries, t.credits, t.debits) for c, t in parsed.totals().items()} == expected, path.name
        assert result.entries == sum(n for n, _c, _d in expected.values()), path.name
        assert (result.statements, result.errors) == (len(parsed.statements), []), path.name
        assert result.created + result.duplicates == result.entries, path.name
        # what is stored for this file's statements adds up to the file (duplicates stay with their first statement)
        run = ImportRun.objects.get(pk=result.import_run_id)
        assert (run.kind, run.status, run.rows, run.created) == (
            "statement",
            "succeeded",
            result.entries,
            result.created,
        )
        new = BankEntry.objects.filter(statement__import_run=run)
        assert new.count() == result.created, path.name

    entries = BankEntry.objects.filter(organization=org).count()
    statements = BankStatement.objects.filter(organization=org).count()
    accounts = BankAccount.objects.filter(organization=org).count()
    assert entries == sum(sum(n for n, _c, _d in file_totals(p).values()) for p in files)  # no file repeats another
    for path in files:
        again = import_statement_file(org, path, actor=ACTOR)
        assert (again.created, again.duplicates, again.statements_created, again.accounts_added) == (
            0,
            again.entries,
            0,
            [],
        ), path.name
        assert {c: (t.entries, t.credits, t.debits) for c, t in again.totals.items()} == file_totals(path)
        assert again.warnings[0]["code"] == "already_imported"
    assert (
        BankEntry.objects.filter(organization=org).count(),
        BankStatement.objects.filter(organization=org).count(),
        BankAccount.objects.filter(organization=org).count(),
    ) == (entries, statements, accounts)


def test_the_entries_stored_add_up_to_the_file(org, samples_dir) -> None:  # type: ignore[no-untyped-def]
    """Each file in an organization of its own: its stored entries (amounts exact, five decimals kept) are the
    file's, entry for entry."""
    from recouvre.testing.factories import OrganizationFactory

    for index, path in enumerate(sample_files(samples_dir)):
        own = OrganizationFactory(slug=f"bank-{index}")
        result = import_statement_file(own, path, actor=ACTOR)
        assert result.created == result.entries, path.name
        assert stored_totals(own) == file_totals(path), path.name


def test_hand_checked_files(org, samples_dir) -> None:  # type: ignore[no-untyped-def]
    bank = samples_dir / "bank"
    # test-ing.940 says in its own summary line /SUM/4/4/134,46/36,58/: 4 debits for 134.46, 4 credits for 36.58
    ing = import_statement_file(org, bank / "mt940" / "test-ing.940", actor=ACTOR).as_dict()
    assert ing["totals"] == {"EUR": {"credits": "36.58", "debits": "134.46"}}
    assert (ing["format"], ing["statements"], ing["entries"], ing["created"], ing["unmatched"]) == (
        "mt940",
        1,
        8,
        8,
        4,
    )
    # camt053 with five decimals: 8.850 kept as written; its balances do not agree (18.150 + 8.850 != 27.050)
    five = import_statement_file(org, bank / "camt" / "camt053.v2.five.decimals.xml", actor=ACTOR).as_dict()
    assert five["totals"] == {"EUR": {"credits": "8.850", "debits": "0"}}
    assert [w["code"] for w in five["warnings"]] == ["account_added", "balance_mismatch"]
    assert five["warnings"][0]["message"] == (
        "new bank account NL26 VAYB 8060 4768 90: added to the organization's bank accounts"
    )
    (entry,) = BankEntry.objects.filter(organization=org, account__account_id="NL26VAYB8060476890")
    assert entry.amount == Decimal("8.85") and entry.currency == "EUR"
    # cfonb_classic.cfo: 13 movements of 13 January 2024, 9 of them credits
    cfonb = import_statement_file(org, bank / "cfonb" / "cfonb_classic.cfo", actor=ACTOR).as_dict()
    assert cfonb["totals"] == {"EUR": {"credits": "17968.57", "debits": "3694.67"}}
    assert (cfonb["entries"], cfonb["unmatched"]) == (13, 9)
    statement = BankStatement.objects.get(organization=org, account__iban="FR7630003012340123456789057")
    assert (statement.opening_balance, statement.closing_balance, statement.warnings) == (
        Decimal("1017311.89"),
        Decimal("1031585.79"),
        [],
    )
    # a batched camt entry keeps its transactions for the matching
    import_statement_file(org, bank / "camt" / "test-camt053-txdtls", actor=ACTOR)
    batch = BankEntry.objects.get(organization=org, currency="CHF")
    assert batch.amount == Decimal("3483.00")
    assert [(d["amount"], d["creditor_reference"]) for d in batch.details] == [
        ("2187.00", "302388292000011111111111111"),
        ("1296.00", "302388292000022222222222222"),
    ]
