"""The aged balance in several currencies: one report per currency, never a sum across currencies, in the
selector, in text, JSON, CSV and XLSX; ``--currency`` picks one."""

from __future__ import annotations

import csv
import io
import json
import random
from datetime import date, timedelta
from decimal import Decimal

import pytest
from openpyxl import load_workbook

from recouvre.cli import main
from recouvre.core.aging import age_items
from recouvre.ledger.actors import CLI
from recouvre.ledger.models import CreditNote
from recouvre.ledger.services import allocate
from recouvre.reports.selectors import aged_balance, aged_balances, currencies_in_use
from recouvre.testing.factories import CustomerFactory, InvoiceFactory, PaymentFactory

pytestmark = pytest.mark.django_db
AS_OF = date(2026, 6, 30)
ZEROS = {"not_due": "0.00", "1_30": "0.00", "31_60": "0.00", "61_90": "0.00", "over_90": "0.00"}


def _invoice(customer, number, days_late, total, currency):  # type: ignore[no-untyped-def]
    due = AS_OF - timedelta(days=days_late)
    return InvoiceFactory(
        customer=customer,
        number=number,
        issued_on=due - timedelta(days=30),
        due_on=due,
        total=Decimal(total),
        currency=currency,
    )


@pytest.fixture
def books(org, other_org):
    """``org`` keeps its books in EUR and bills some customers in USD and GBP:

    - 411DUP owes 1 000,00 EUR (45 days late) and has paid 100,00 EUR on account;
    - 411MIX owes 40,00 EUR (not due) and 300,00 USD (75 days late) of which 120,00 USD are paid;
    - 411USA owes 700,00 USD (10 days late) and holds an 800,00 EUR credit note not yet applied;
    - 411BRT owes 250,50 GBP (120 days late).
    Another organization's USD customer must never show."""
    dup = CustomerFactory(organization=org, ref="411DUP", name="Dupont SARL")
    mix = CustomerFactory(organization=org, ref="411MIX", name="Mixte SA")
    usa = CustomerFactory(organization=org, ref="411USA", name="Acme Inc")
    brt = CustomerFactory(organization=org, ref="411BRT", name="Brit Ltd")
    _invoice(dup, "E1", 45, "1000.00", "EUR")
    PaymentFactory(customer=dup, amount=Decimal("100.00"), currency="EUR")
    _invoice(mix, "E2", -5, "40.00", "EUR")
    usd = _invoice(mix, "U1", 75, "300.00", "USD")
    paid = PaymentFactory(customer=mix, amount=Decimal("120.00"), currency="USD")
    allocate(CLI, invoice=usd, payment=paid, amount=Decimal("120.00"))
    _invoice(usa, "U2", 10, "700.00", "USD")
    CreditNote.objects.create(
        organization=org, customer=usa, number="AV1", issued_on=AS_OF, total=Decimal("800.00"), currency="EUR"
    )
    _invoice(brt, "G1", 120, "250.50", "GBP")
    _invoice(CustomerFactory(organization=other_org, ref="411USA", name="Secret Corp"), "U2", 10, "999.00", "USD")


EUR = {
    "as_of": "2026-06-30",
    "currency": "EUR",
    "buckets": {**ZEROS, "not_due": "40.00", "31_60": "1000.00"},
    "total": "1040.00",
    "unapplied": "900.00",
    "balance": "140.00",
    "customers": [
        {
            "ref": "411DUP",
            "name": "Dupont SARL",
            "buckets": {**ZEROS, "31_60": "1000.00"},
            "total": "1000.00",
            "unapplied": "100.00",
            "balance": "900.00",
        },
        {
            "ref": "411MIX",
            "name": "Mixte SA",
            "buckets": {**ZEROS, "not_due": "40.00"},
            "total": "40.00",
            "unapplied": "0.00",
            "balance": "40.00",
        },
        # The EUR credit note, in the EUR report only: the 700,00 USD it does not offset are in the USD report.
        {
            "ref": "411USA",
            "name": "Acme Inc",
            "buckets": ZEROS,
            "total": "0.00",
            "unapplied": "800.00",
            "balance": "-800.00",
        },
    ],
}
GBP = {
    "as_of": "2026-06-30",
    "currency": "GBP",
    "buckets": {**ZEROS, "over_90": "250.50"},
    "total": "250.50",
    "unapplied": "0.00",
    "balance": "250.50",
    "customers": [
        {
            "ref": "411BRT",
            "name": "Brit Ltd",
            "buckets": {**ZEROS, "over_90": "250.50"},
            "total": "250.50",
            "unapplied": "0.00",
            "balance": "250.50",
        }
    ],
}
USD = {
    "as_of": "2026-06-30",
    "currency": "USD",
    "buckets": {**ZEROS, "1_30": "700.00", "61_90": "180.00"},
    "total": "880.00",
    "unapplied": "0.00",
    "balance": "880.00",
    "customers": [
        {
            "ref": "411MIX",
            "name": "Mixte SA",
            "buckets": {**ZEROS, "61_90": "180.00"},
            "total": "180.00",
            "unapplied": "0.00",
            "balance": "180.00",
        },
        {
            "ref": "411USA",
            "name": "Acme Inc",
            "buckets": {**ZEROS, "1_30": "700.00"},
            "total": "700.00",
            "unapplied": "0.00",
            "balance": "700.00",
        },
    ],
}


def _summary(report: dict, count: int) -> dict:  # type: ignore[type-arg]
    return {k: report[k] for k in ("buckets", "total", "unapplied", "balance")} | {"customer_count": count}


def _run(capsys, *argv: str) -> tuple[int, str, str]:  # type: ignore[no-untyped-def]
    code = main(["report", "aging", "--org", "acme", "--as-of", "2026-06-30", *argv])
    out, err = capsys.readouterr()
    return code, out, err


def test_one_report_per_currency_organizations_first(org, books):
    reports = aged_balances(org, AS_OF)
    assert [r.as_dict() for r in reports] == [EUR, GBP, USD]
    assert aged_balance(org, AS_OF).as_dict() == EUR
    assert aged_balance(org, AS_OF, currency="USD").as_dict() == USD
    assert [r.as_dict() for r in aged_balances(org, AS_OF, currency="GBP")] == [GBP]


def test_a_currency_holding_only_a_credit_note_is_reported_and_offered(org, books):
    customer = CustomerFactory(organization=org, ref="411CH", name="Suisse SA")
    CreditNote.objects.create(
        organization=org, customer=customer, number="AV2", issued_on=AS_OF, total=Decimal("60.00"), currency="CHF"
    )
    assert currencies_in_use(org) == ["CHF", "EUR", "GBP", "USD"]
    chf = aged_balances(org, AS_OF)[1]
    assert (chf.currency, chf.total, chf.unapplied, chf.balance) == ("CHF", Decimal("0.00"), Decimal("60.00"), -60)
    assert [r.currency for r in aged_balances(org, AS_OF)] == ["EUR", "CHF", "GBP", "USD"]


def test_the_organizations_currency_is_reported_even_with_nothing_open_in_it(org):
    _invoice(CustomerFactory(organization=org, ref="411USA"), "U1", 3, "12.00", "USD")
    eur, usd = aged_balances(org, AS_OF)
    assert (eur.currency, eur.lines, eur.total) == ("EUR", [], 0)
    assert (usd.currency, usd.total) == ("USD", Decimal("12.00"))


def test_sql_matches_the_reference_in_each_currency(org):
    """Random invoices in three currencies, partly paid: each currency's report is the reference computed on that
    currency's invoices alone."""
    rng = random.Random(11)
    customers = [CustomerFactory(organization=org, ref=f"411{i:02d}") for i in range(8)]
    rows: dict[str, list[tuple[str, str, date, Decimal]]] = {"EUR": [], "USD": [], "GBP": []}
    for n in range(150):
        c, code = rng.choice(customers), rng.choice(sorted(rows))
        due = AS_OF + timedelta(days=rng.randint(-150, 40))
        total = Decimal(rng.randint(1, 300_000)) / 100
        inv = InvoiceFactory(
            customer=c, number=f"R{n}", issued_on=due - timedelta(days=30), due_on=due, total=total, currency=code
        )
        paid = Decimal(0)
        if rng.random() < 0.3:
            paid = (total * Decimal(rng.randint(1, 100)) / 100).quantize(Decimal("0.01"))
            allocate(CLI, invoice=inv, payment=PaymentFactory(customer=c, amount=paid, currency=code), amount=paid)
        if total - paid > 0:
            rows[code].append((c.ref, c.name, due, total - paid))
    got = {r.currency: r.as_dict() for r in aged_balances(org, AS_OF)}
    assert list(got) == ["EUR", "GBP", "USD"]
    for code, items in rows.items():
        assert got[code] == age_items(AS_OF, code, items).as_dict()


def test_json_keeps_the_main_report_and_adds_every_currencys_totals(books, capsys):
    code, out, _err = _run(capsys, "--json")
    assert code == 0
    payload = json.loads(out)
    assert list(payload["currencies"]) == ["EUR", "GBP", "USD"]
    assert payload == {
        **EUR,
        "currencies": {"EUR": _summary(EUR, 3), "GBP": _summary(GBP, 1), "USD": _summary(USD, 2)},
    }
    assert "Secret Corp" not in out


def test_json_with_currency_is_that_currencys_report(books, capsys):
    code, out, _err = _run(capsys, "--currency", "usd", "--json")
    assert code == 0
    assert json.loads(out) == {**USD, "currencies": {"USD": _summary(USD, 2)}}


def test_a_currency_with_nothing_open_is_an_empty_report(books, capsys):
    code, out, _err = _run(capsys, "--currency", "JPY", "--json")
    assert code == 0
    assert json.loads(out) == {
        "as_of": "2026-06-30",
        "currency": "JPY",
        "buckets": ZEROS,
        "total": "0.00",
        "unapplied": "0.00",
        "balance": "0.00",
        "customers": [],
        "currencies": {
            "JPY": {"buckets": ZEROS, "total": "0.00", "unapplied": "0.00", "balance": "0.00", "customer_count": 0}
        },
    }
    code, out, _err = _run(capsys, "--currency", "JPY", "--csv")
    assert code == 0
    assert list(csv.reader(io.StringIO(out)))[1:] == [
        ["", "Total", "0.00", "0.00", "0.00", "0.00", "0.00", "0.00", "0.00", "0.00", "JPY"]
    ]


@pytest.mark.parametrize("given", ["XYZ", "US", "US$", "dollars", ""])
def test_an_unknown_or_invalid_currency_is_a_usage_error(books, capsys, given):
    code, out, err = _run(capsys, "--currency", given, "--json")
    assert code == 2
    assert out == ""
    assert err.startswith("recouvre: error: --currency: ")
    assert repr(given) in err


def test_csv_has_the_currency_on_every_row_and_a_total_per_currency(books, capsys):
    code, out, _err = _run(capsys, "--csv")
    assert code == 0
    assert list(csv.reader(io.StringIO(out))) == [
        [
            "Account",
            "Customer",
            "Not due",
            "1-30 days",
            "31-60 days",
            "61-90 days",
            "Over 90 days",
            "Total",
            "Unapplied",
            "Balance",
            "Currency",
        ],
        ["411DUP", "Dupont SARL", "0.00", "0.00", "1000.00", "0.00", "0.00", "1000.00", "100.00", "900.00", "EUR"],
        ["411MIX", "Mixte SA", "40.00", "0.00", "0.00", "0.00", "0.00", "40.00", "0.00", "40.00", "EUR"],
        ["411USA", "Acme Inc", "0.00", "0.00", "0.00", "0.00", "0.00", "0.00", "800.00", "-800.00", "EUR"],
        ["", "Total", "40.00", "0.00", "1000.00", "0.00", "0.00", "1040.00", "900.00", "140.00", "EUR"],
        ["411BRT", "Brit Ltd", "0.00", "0.00", "0.00", "0.00", "250.50", "250.50", "0.00", "250.50", "GBP"],
        ["", "Total", "0.00", "0.00", "0.00", "0.00", "250.50", "250.50", "0.00", "250.50", "GBP"],
        ["411MIX", "Mixte SA", "0.00", "0.00", "0.00", "180.00", "0.00", "180.00", "0.00", "180.00", "USD"],
        ["411USA", "Acme Inc", "0.00", "700.00", "0.00", "0.00", "0.00", "700.00", "0.00", "700.00", "USD"],
        ["", "Total", "0.00", "700.00", "0.00", "180.00", "0.00", "880.00", "0.00", "880.00", "USD"],
    ]


def test_csv_with_currency_has_only_that_currencys_rows(books, capsys):
    code, out, _err = _run(capsys, "--currency", "USD", "--csv")
    assert code == 0
    assert list(csv.reader(io.StringIO(out)))[1:] == [
        ["411MIX", "Mixte SA", "0.00", "0.00", "0.00", "180.00", "0.00", "180.00", "0.00", "180.00", "USD"],
        ["411USA", "Acme Inc", "0.00", "700.00", "0.00", "0.00", "0.00", "700.00", "0.00", "700.00", "USD"],
        ["", "Total", "0.00", "700.00", "0.00", "180.00", "0.00", "880.00", "0.00", "880.00", "USD"],
    ]


def test_xlsx_has_the_currency_on_every_row_and_a_total_per_currency(books, capsys, tmp_path):
    target = tmp_path / "balance.xlsx"
    code, out, _err = _run(capsys, "--xlsx", str(target))
    assert (code, out) == (0, f"Aged balance written to {target}\n")
    ws = load_workbook(target).active
    assert ws["A1"].value == "Aged balance on 2026-06-30"
    rows = [[c.value for c in row] for row in ws.iter_rows(min_row=3)]
    assert rows == [
        [
            "Account",
            "Customer",
            "Not due",
            "1-30 days",
            "31-60 days",
            "61-90 days",
            "Over 90 days",
            "Total",
            "Unapplied",
            "Balance",
            "Currency",
        ],
        ["411DUP", "Dupont SARL", 0, 0, 1000, 0, 0, 1000, 100, 900, "EUR"],
        ["411MIX", "Mixte SA", 40, 0, 0, 0, 0, 40, 0, 40, "EUR"],
        ["411USA", "Acme Inc", 0, 0, 0, 0, 0, 0, 800, -800, "EUR"],
        [None, "Total", 40, 0, 1000, 0, 0, 1040, 900, 140, "EUR"],
        ["411BRT", "Brit Ltd", 0, 0, 0, 0, 250.5, 250.5, 0, 250.5, "GBP"],
        [None, "Total", 0, 0, 0, 0, 250.5, 250.5, 0, 250.5, "GBP"],
        ["411MIX", "Mixte SA", 0, 0, 0, 180, 0, 180, 0, 180, "USD"],
        ["411USA", "Acme Inc", 0, 700, 0, 0, 0, 700, 0, 700, "USD"],
        [None, "Total", 0, 700, 0, 180, 0, 880, 0, 880, "USD"],
    ]
    # The amounts are numbers with two decimals shown; each currency's total row is bold.
    assert ws["J6"].number_format == "#,##0.00"
    bold = [ws.cell(row=r, column=c).font.b for r in range(4, 13) for c in (2, 8)]
    assert bold == [b for row_is_total in (0, 0, 0, 1, 0, 1, 0, 0, 1) for b in [bool(row_is_total)] * 2]


def test_xlsx_with_currency_has_only_that_currencys_rows(books, capsys, tmp_path):
    target = tmp_path / "gbp.xlsx"
    assert _run(capsys, "--currency", "GBP", "--xlsx", str(target))[0] == 0
    rows = [[c.value for c in row] for row in load_workbook(target).active.iter_rows(min_row=4)]
    assert rows == [
        ["411BRT", "Brit Ltd", 0, 0, 0, 0, 250.5, 250.5, 0, 250.5, "GBP"],
        [None, "Total", 0, 0, 0, 0, 250.5, 250.5, 0, 250.5, "GBP"],
    ]


def _table_lines(out: str) -> list[str]:
    """The text tables' titles and lines, box drawing removed and spaces collapsed; lines of box drawing only are
    left out."""
    lines = []
    for raw in out.splitlines():
        line = " ".join("".join(" " if "\u2500" <= ch <= "\u257f" else ch for ch in raw).split())
        if line:
            lines.append(line)
    return lines


def test_text_shows_the_organizations_currency_then_each_other_currency(books, capsys):
    code, out, _err = _run(capsys)
    assert code == 0
    lines = _table_lines(out)
    head = "Account Customer Not due 1-30 days 31-60 days 61-90 days Over 90 days Total Unapplied Balance"
    assert lines == [
        "Aged balance on 2026-06-30 (EUR)",
        head,
        "411DUP Dupont SARL 0.00 0.00 1000.00 0.00 0.00 1000.00 100.00 900.00",
        "411MIX Mixte SA 40.00 0.00 0.00 0.00 0.00 40.00 0.00 40.00",
        "411USA Acme Inc 0.00 0.00 0.00 0.00 0.00 0.00 800.00 -800.00",
        "Total 40.00 0.00 1000.00 0.00 0.00 1040.00 900.00 140.00",
        "Aged balance on 2026-06-30 (GBP)",
        head,
        "411BRT Brit Ltd 0.00 0.00 0.00 0.00 250.50 250.50 0.00 250.50",
        "Total 0.00 0.00 0.00 0.00 250.50 250.50 0.00 250.50",
        "Aged balance on 2026-06-30 (USD)",
        head,
        "411MIX Mixte SA 0.00 0.00 0.00 180.00 0.00 180.00 0.00 180.00",
        "411USA Acme Inc 0.00 700.00 0.00 0.00 0.00 700.00 0.00 700.00",
        "Total 0.00 700.00 0.00 180.00 0.00 880.00 0.00 880.00",
    ]


def test_text_with_currency_is_that_currencys_table(books, capsys):
    code, out, _err = _run(capsys, "--currency", "USD")
    assert code == 0
    lines = _table_lines(out)
    assert lines[0] == "Aged balance on 2026-06-30 (USD)"
    assert lines[2:] == [
        "411MIX Mixte SA 0.00 0.00 0.00 180.00 0.00 180.00 0.00 180.00",
        "411USA Acme Inc 0.00 700.00 0.00 0.00 0.00 700.00 0.00 700.00",
        "Total 0.00 700.00 0.00 180.00 0.00 880.00 0.00 880.00",
    ]


def test_text_prints_names_as_they_are(org, capsys):
    _invoice(CustomerFactory(organization=org, ref="411P", name="Dupont [Paris] [/]"), "E1", 3, "10.00", "EUR")
    code, out, _err = _run(capsys)
    assert code == 0
    assert "411P Dupont [Paris] [/] 0.00 10.00" in "\n".join(_table_lines(out))


def test_a_name_that_looks_like_a_formula_stays_text(org, capsys, tmp_path):
    customer = CustomerFactory(organization=org, ref="+411EVIL", name='=HYPERLINK("http://evil.example","Clic")')
    _invoice(customer, "E1", 3, "10.00", "EUR")
    CreditNote.objects.create(
        organization=org, customer=customer, number="AV1", issued_on=AS_OF, total=Decimal("25.00"), currency="EUR"
    )
    code, out, _err = _run(capsys, "--csv")
    assert code == 0
    row = list(csv.reader(io.StringIO(out)))[1]
    # The text gets a leading quote; the negative balance stays a number.
    assert row == [
        "'+411EVIL",
        '\'=HYPERLINK("http://evil.example","Clic")',
        "0.00",
        "10.00",
        "0.00",
        "0.00",
        "0.00",
        "10.00",
        "25.00",
        "-15.00",
        "EUR",
    ]
    target = tmp_path / "evil.xlsx"
    assert _run(capsys, "--xlsx", str(target))[0] == 0
    ws = load_workbook(target).active
    assert [(c.value, c.data_type) for c in ws[4][:2]] == [
        ("+411EVIL", "s"),
        ('=HYPERLINK("http://evil.example","Clic")', "s"),
    ]
    assert (ws["J4"].value, ws["J4"].data_type) == (-15, "n")
