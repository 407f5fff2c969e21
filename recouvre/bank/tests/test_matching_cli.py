"""``recouvre bank match|accept|ignore|undo``: what they print, their JSON, exit codes 0, 1 and 2."""

from __future__ import annotations

import json
from datetime import date
from decimal import Decimal

import pytest

from recouvre.bank.models import BankEntry, CustomerIban
from recouvre.bank.services import import_statement
from recouvre.cli import main
from recouvre.ledger.actors import Actor
from recouvre.ledger.models import Invoice
from recouvre.testing.factories import CustomerFactory, InvoiceFactory

from .test_matching import PAYER_IBAN, Credit, camt

pytestmark = pytest.mark.django_db
ACTOR = Actor.system("test")


def cli(capsys, *argv: object) -> tuple[int, str, str]:  # type: ignore[no-untyped-def]
    code = main([str(a) for a in argv])
    out, err = capsys.readouterr()
    return code, out, err


@pytest.fixture
def lecomte(org):  # type: ignore[no-untyped-def]
    customer = CustomerFactory(organization=org, ref="411LECOMTE", name="Cabinet Lecomte")
    invoice = InvoiceFactory(customer=customer, number="F-2026-0070", due_on=date(2026, 3, 1), total=Decimal("700.00"))
    import_statement(
        org, camt(Credit("700.00", "2026-03-20", "CABINET LECOMTE", PAYER_IBAN, "VIREMENT")), "a.xml", actor=ACTOR
    )
    return customer, invoice, BankEntry.objects.get(organization=org)


def test_accept_then_undo_then_ignore(org, capsys, lecomte) -> None:  # type: ignore[no-untyped-def]
    customer, invoice, entry = lecomte

    code, out, _err = cli(capsys, "bank", "match", "--json")
    assert (code, json.loads(out)) == (0, {"ok": True, "applied": 0, "suggested": 0, "unmatched": 0, "entries": []})

    code, out, err = cli(capsys, "bank", "accept", entry.pk, "--suggestion", 9)
    assert (code, out) == (1, "")
    assert err == f"recouvre: refused: entry {entry.pk} has no suggestion 9\n"

    code, out, _err = cli(capsys, "bank", "accept", entry.pk, "--json")
    report = json.loads(out)
    assert (code, report["state"], report["suggestions"]) == (0, "applied", [])
    assert report["applied"][0]["customer"] == "411LECOMTE"
    assert report["applied"][0]["auto"] is False
    assert Invoice.objects.get(pk=invoice.pk).open_amount == Decimal("0.00")
    assert CustomerIban.objects.filter(customer=customer, iban=PAYER_IBAN).exists()

    code, out, _err = cli(capsys, "bank", "ignore", entry.pk, "--reason", "fees")
    assert code == 1

    code, out, _err = cli(capsys, "bank", "undo", entry.pk, "--note", "wrong customer")
    assert code == 0
    assert out.splitlines()[0] == f"entry {entry.pk}: suggested"
    assert "suggestion 1: 411LECOMTE, F-2026-0070 700.00" in out
    assert Invoice.objects.get(pk=invoice.pk).open_amount == Decimal("700.00")

    code, out, _err = cli(capsys, "bank", "ignore", entry.pk, "--reason", "refund", "--json")
    assert (code, json.loads(out)["state"]) == (0, "ignored")


def test_an_unknown_entry_or_a_missing_reason_is_a_usage_error(org, capsys, other_org, lecomte) -> None:  # type: ignore[no-untyped-def]
    _customer, _invoice, entry = lecomte
    code, _out, err = cli(capsys, "bank", "accept", entry.pk, "--org", "rival")
    assert code == 2
    assert err == f"recouvre: error: no bank entry {entry.pk} in this organization\n"
    with pytest.raises(SystemExit) as exc:
        cli(capsys, "bank", "ignore", entry.pk, "--org", "acme")
    assert exc.value.code == 2


def test_settings_show_and_change_the_threshold_and_the_tolerance(org, capsys) -> None:  # type: ignore[no-untyped-def]
    code, out, _err = cli(capsys, "bank", "settings", "--json")
    assert (code, json.loads(out)) == (
        0,
        {"ok": True, "threshold": "0.95", "tolerance": "1.00", "identify_hold_days": 7},
    )

    code, out, _err = cli(capsys, "bank", "settings", "--threshold", "0,90", "--tolerance", "5")
    assert (code, out) == (
        0,
        "threshold of automatic application 0.90, tolerance 5.00 EUR, reminders held at most 7 days while a payment "
        "is identified\n",
    )

    code, _out, err = cli(capsys, "bank", "settings", "--threshold", "1.5")
    assert (code, err) == (1, "recouvre: refused: the threshold is a number above 0 and at most 1, not 1.50\n")
    from recouvre.bank.matching import match_settings

    settings = match_settings(org)
    assert (settings.auto_threshold, settings.tolerance) == (0.9, Decimal("5.00"))
