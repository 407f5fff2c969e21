"""``recouvre bank apply`` (an entry split by hand) and ``recouvre bank settings --identify-hold-days``: output,
JSON, exit codes 0, 1 and 2."""

from __future__ import annotations

import json
from datetime import date
from decimal import Decimal

import pytest

from recouvre.bank.models import BankEntry, BankMatchSettings
from recouvre.bank.services import import_statement
from recouvre.ledger.actors import Actor
from recouvre.ledger.models import CreditNote, Payment
from recouvre.testing.factories import CustomerFactory, InvoiceFactory

from .test_matching import Credit, camt, open_amounts
from .test_matching_cli import cli

pytestmark = pytest.mark.django_db
ACTOR = Actor.system("test")


@pytest.fixture
def waiting(org):  # type: ignore[no-untyped-def]
    customer = CustomerFactory(organization=org, ref="411MARTIN", name="Boulangerie Martin SARL")
    first = InvoiceFactory(customer=customer, number="F-2026-0041", due_on=date(2026, 3, 4), total=Decimal("800.00"))
    second = InvoiceFactory(customer=customer, number="F-2026-0042", due_on=date(2026, 3, 10), total=Decimal("400.00"))
    import_statement(org, camt(Credit("1199.50", "2026-03-18", "INCONNU", "", "VIREMENT")), "a.xml", actor=ACTOR)
    return customer, first, second, BankEntry.objects.get(organization=org)


def test_apply_by_hand_oldest_first_with_the_write_off(org, capsys, waiting) -> None:  # type: ignore[no-untyped-def]
    customer, first, second, entry = waiting

    code, out, err = cli(capsys, "bank", "apply", entry.pk, "--customer", "411NOBODY", "--oldest-first")
    assert (code, err) == (1, "recouvre: refused: no customer with the account '411NOBODY'\n")
    code, out, err = cli(
        capsys, "bank", "apply", entry.pk, "--customer", "411MARTIN", "--invoice", "F-2026-0042=500", "--json"
    )
    assert (code, json.loads(out)) == (
        1,
        {"ok": False, "errors": ["invoice F-2026-0042 has 400.00 EUR open, less than the 500.00 given to it"]},
    )
    code, out, err = cli(capsys, "bank", "apply", entry.pk, "--customer", "411MARTIN", "--invoice", "F-2026-0042")
    assert code == 2
    assert not Payment.objects.exists()

    code, out, err = cli(
        capsys, "bank", "apply", entry.pk, "--customer", "411MARTIN", "--oldest-first", "--write-off", "--json"
    )

    report = json.loads(out)
    assert (code, report["state"], report["suggestions"]) == (0, "applied", [])
    assert report["applied"][0]["customer"] == "411MARTIN"
    assert report["applied"][0]["auto"] is False
    assert report["applied"][0]["reasons"][0] == "applied by hand"
    assert report["applied"][0]["write_off_credit_note"] == f"EC-B{entry.pk}"
    assert CreditNote.objects.get().total == Decimal("0.50")
    assert open_amounts(first, second) == [Decimal("0.00"), Decimal("0.00")]

    code, out, err = cli(capsys, "bank", "apply", entry.pk, "--customer", "411MARTIN", "--oldest-first")
    assert (code, err) == (1, "recouvre: refused: this entry is already applied: undo it first\n")


def test_apply_named_invoices_and_keep_the_rest_on_the_account(org, capsys, waiting) -> None:  # type: ignore[no-untyped-def]
    customer, first, second, entry = waiting

    code, out, err = cli(
        capsys, "bank", "apply", entry.pk, "--customer", "411MARTIN", "--invoice", "F-2026-0042=400,00"
    )

    assert code == 0
    assert out.startswith(f"entry {entry.pk}: applied\n")
    assert open_amounts(first, second) == [Decimal("800.00"), Decimal("0.00")]
    assert Payment.objects.get().amount == Decimal("1199.50")


def test_settings_identify_hold_days(org, capsys) -> None:  # type: ignore[no-untyped-def]
    code, out, err = cli(capsys, "bank", "settings", "--identify-hold-days", "3", "--json")
    assert (code, json.loads(out)) == (
        0,
        {"ok": True, "threshold": "0.95", "tolerance": "1.00", "identify_hold_days": 3},
    )
    assert BankMatchSettings.objects.get(organization=org).identify_hold_days == 3

    code, out, err = cli(capsys, "bank", "settings", "--identify-hold-days", "91")
    assert (code, err) == (1, "recouvre: refused: the days of hold are from 0 to 90, not 91\n")
    assert BankMatchSettings.objects.get(organization=org).identify_hold_days == 3
