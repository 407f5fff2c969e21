"""KPIs read from the ledger's history: the LEGAL-FR §9 worked examples built as ledgers, the monthly series, a KPI
at a past date untouched by later payments, the breakdowns, the currencies and the CLI."""

from __future__ import annotations

import csv
import io
import json
from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
from django.utils.translation import gettext

from recouvre.cli import main
from recouvre.collections.models import CustomerCollection, Hold, HoldKind
from recouvre.core.kpis import Period
from recouvre.ledger.actors import CLI
from recouvre.ledger.models import CreditNote, InvoiceInstalment
from recouvre.ledger.services import allocate
from recouvre.reports.kpis import kpi_reports
from recouvre.testing.factories import CustomerFactory, InvoiceFactory, PaymentFactory, UserFactory

pytestmark = pytest.mark.django_db
D = Decimal


def pay(invoice, amount, on):
    payment = PaymentFactory(customer=invoice.customer, amount=D(amount), received_on=on, currency=invoice.currency)
    allocate(CLI, invoice=invoice, payment=payment, amount=D(amount))


@pytest.fixture
def quarter(org):
    """The §9 DSO example at 31 March 2025: receivables 212 000 of which 150 000 not due; sales January 70 000,
    February 80 000, March 100 000. Then, in April and May, payments the books did not know on 31 March."""
    a = CustomerFactory(organization=org, ref="411A", name="Arnaud SARL", segment="strategic")
    b = CustomerFactory(organization=org, ref="411B", name="Bernard SA", segment="small")
    CustomerCollection.objects.create(
        organization=org, customer=b, collector=UserFactory(username="lea", first_name="Léa", last_name="Martin")
    )
    jan = InvoiceFactory(
        customer=a, number="F-JAN", issued_on=date(2025, 1, 15), due_on=date(2025, 2, 14), total=D(70000)
    )
    feb = InvoiceFactory(
        customer=b, number="F-FEB", issued_on=date(2025, 2, 10), due_on=date(2025, 4, 10), total=D(80000)
    )
    mar = InvoiceFactory(
        customer=b, number="F-MAR", issued_on=date(2025, 3, 10), due_on=date(2025, 4, 30), total=D(100000)
    )
    pay(jan, 8000, date(2025, 3, 20))  # 34 days late
    pay(feb, 30000, date(2025, 3, 25))  # 16 days early
    Hold.objects.create(
        organization=org,
        customer=b,
        invoice=feb,
        kind=HoldKind.DISPUTE,
        reason_code="price",
        starts_on=date(2025, 3, 1),
        outcome_on=date(2025, 5, 5),
        outcome="credited",
        released_at=datetime(2025, 5, 5, 10, tzinfo=UTC),
    )
    # Later events: they must not change any figure as of 31 March.
    pay(jan, 62000, date(2025, 4, 15))
    note = CreditNote.objects.create(
        organization=org, customer=b, number="AV1", issued_on=date(2025, 5, 5), total=D(50000)
    )
    allocate(CLI, invoice=feb, credit_note=note, amount=D(50000))
    return {"jan": jan, "feb": feb, "mar": mar}


def test_quarter_reproduces_the_dso_example(org, quarter):
    (report,) = kpi_reports(org, date(2025, 3, 31), period=Period.QUARTER, months=1)
    k = report.kpis.as_dict()
    assert report.currency == "EUR"
    assert (k["period_start"], k["period_end"], k["days"]) == ("2025-01-01", "2025-03-31", 90)
    assert k["receivables"] == "212000.00"
    assert k["current"] == "150000.00"
    assert k["sales"] == "250000.00"
    assert k["dso_simple"] == "76.3"
    assert k["dso_countback"] == "73.2"
    assert k["bpdso"] == "54.0"
    assert k["add"] == "22.3"
    assert k["add_invoice"] == "45.0"  # 62 000 due 14 February: 45 days late on 31 March
    assert k["overdue_pct"] == "29.2"
    assert k["cei"] == "38.0"  # (0 + 250 000 - 212 000) / (0 + 250 000 - 150 000)
    assert k["collected"] == "38000.00"
    assert k["payment_delay"] == "-5.5"  # (8 000 x 34 - 30 000 x 16) / 38 000
    assert k["disputed"] == "50000.00"  # F-FEB under dispute on 31 March
    assert k["dispute_rate"] == "23.6"


def test_monthly_series_month_by_month(org, quarter):
    (report,) = kpi_reports(org, date(2025, 5, 31), months=5)
    series = {month: k.as_dict() for month, k in report.series}
    assert list(series) == ["2025-01", "2025-02", "2025-03", "2025-04", "2025-05"]
    jan, feb, mar, apr, may = series.values()
    assert (jan["receivables"], jan["dso_simple"], jan["dso_countback"], jan["bpdso"]) == (
        "70000.00",
        "31.0",
        "31.0",
        "31.0",
    )
    assert (feb["receivables"], feb["current"], feb["sales"]) == ("150000.00", "80000.00", "80000.00")
    assert feb["dso_simple"] == "52.5"  # 150 000 / 80 000 x 28
    assert feb["dso_countback"] == "59.0"  # 28 + 31
    assert feb["overdue_pct"] == "46.7"
    assert feb["cei"] == "0.0"  # nothing collected in February
    assert feb["dispute_rate"] == "0.0"
    assert (mar["receivables"], mar["dso_simple"], mar["dso_countback"]) == ("212000.00", "65.7", "73.2")
    assert mar["cei"] == "38.0"  # (150 000 + 100 000 - 212 000) / (150 000 + 100 000 - 150 000)
    # April: F-JAN paid on the 15th; F-FEB overdue since the 10th; F-MAR due on the 30th, not yet overdue.
    assert (apr["receivables"], apr["current"], apr["overdue"]) == ("150000.00", "100000.00", "50000.00")
    assert apr["collected"] == "62000.00"
    assert apr["sales"] == "0.00"
    assert apr["dso_simple"] is None  # no sales in April
    assert apr["dso_countback"] == "78.5"  # 30 (no sale) + 31 (March, 100 000) + 28 x 50 000 / 80 000
    assert apr["dispute_rate"] == "33.3"  # still disputed: 50 000 of 150 000
    # May: the dispute settled by a credit note on the 5th.
    assert (may["receivables"], may["disputed"], may["overdue"]) == ("100000.00", "0.00", "100000.00")
    assert may["overdue_90"] == "0.00"
    # The last point is the as-of date itself.
    assert report.kpis.as_dict() == may


def test_a_past_date_is_what_the_books_said_then(org, quarter):
    before = kpi_reports(org, date(2025, 3, 31), period=Period.QUARTER, months=3)[0]
    pay(quarter["mar"], 100000, date(2025, 6, 1))
    after = kpi_reports(org, date(2025, 3, 31), period=Period.QUARTER, months=3)[0]
    assert after.kpis == before.kpis
    assert after.series == before.series
    assert kpi_reports(org, date(2025, 6, 30))[0].kpis.receivables == D(0)


@pytest.fixture
def cei_month(org):
    """The §9 CEI example over June 2025: opening 500 000, sales 300 000, closing 520 000 of which 350 000 not due."""
    c = CustomerFactory(organization=org, ref="411C")
    old = InvoiceFactory(customer=c, number="A", issued_on=date(2025, 4, 15), due_on=date(2025, 5, 31), total=D(450000))
    InvoiceFactory(customer=c, number="B", issued_on=date(2025, 5, 20), due_on=date(2025, 7, 19), total=D(50000))
    InvoiceFactory(customer=c, number="C", issued_on=date(2025, 6, 10), due_on=date(2025, 7, 31), total=D(300000))
    pay(old, 280000, date(2025, 6, 12))


def test_month_reproduces_the_cei_example(org, cei_month):
    (report,) = kpi_reports(org, date(2025, 6, 30), months=1)
    k = report.kpis.as_dict()
    assert (k["opening"], k["sales"], k["receivables"], k["current"]) == (
        "500000.00",
        "300000.00",
        "520000.00",
        "350000.00",
    )
    assert k["cei"] == "62.2"


def test_instalments_age_by_their_own_due_dates(org):
    c = CustomerFactory(organization=org)
    inv = InvoiceFactory(customer=c, issued_on=date(2025, 1, 10), due_on=date(2025, 2, 10), total=D(900))
    for position, (due, cumulative) in enumerate(
        [(date(2025, 2, 10), 300), (date(2025, 3, 10), 600), (date(2025, 4, 10), 900)], 1
    ):
        InvoiceInstalment.objects.create(
            invoice=inv, position=position, count=3, due_on=due, amount=D(300), cumulative=D(cumulative)
        )
    pay(inv, 400, date(2025, 2, 5))
    k = kpi_reports(org, date(2025, 2, 28), months=1)[0].kpis
    # 400 paid: the first instalment is settled, 200 of the second is open, the third is whole; nothing overdue.
    assert (k.receivables, k.current, k.overdue) == (D(500), D(500), D(0))
    k = kpi_reports(org, date(2025, 3, 31), months=1)[0].kpis
    assert (k.current, k.overdue) == (D(300), D(200))


def test_breakdowns_and_currencies(org, quarter):
    InvoiceFactory(
        customer=quarter["jan"].customer,
        number="F-USD",
        currency="USD",
        issued_on=date(2025, 3, 1),
        due_on=date(2025, 3, 31),
        total=D(1000),
    )
    eur, usd = kpi_reports(org, date(2025, 3, 31), period=Period.QUARTER, months=1, by="segment")
    assert eur.kpis.receivables == D(212000)  # never the USD invoice added in
    assert (usd.currency, usd.kpis.receivables, usd.kpis.current) == ("USD", D(1000), D(1000))
    by_segment = {label: k for _key, label, k in eur.breakdown}
    assert by_segment["Strategic"].receivables == D(62000)
    assert by_segment["Small"].receivables == D(150000)
    assert by_segment["Small"].as_dict()["dispute_rate"] == "33.3"
    collectors = {
        label: k.receivables for _key, label, k in kpi_reports(org, date(2025, 3, 31), by="collector")[0].breakdown
    }
    assert collectors == {gettext("No collector"): D(62000), "Léa Martin": D(150000)}
    customers = {
        label: k.receivables for _key, label, k in kpi_reports(org, date(2025, 3, 31), by="customer")[0].breakdown
    }
    assert customers == {"411A Arnaud SARL": D(62000), "411B Bernard SA": D(150000)}


def test_cli_kpis_json(org, quarter, capsys):
    assert main(["report", "kpis", "--org", "acme", "--as-of", "2025-03-31", "--period", "quarter", "--json"]) == 0
    payload = json.loads(capsys.readouterr().out)
    assert payload["as_of"] == "2025-03-31"
    assert payload["currency"] == "EUR"
    assert payload["period"] == "quarter"
    assert payload["other_currencies"] == []
    k = payload["kpis"]
    assert (k["dso_countback"], k["dso_simple"], k["bpdso"], k["add"]) == ("73.2", "76.3", "54.0", "22.3")
    assert len(payload["series"]) == 12
    assert payload["series"][-1] == {"month": "2025-03", **k}
    assert payload["series"][0]["month"] == "2024-04"
    assert payload["series"][0]["dso_simple"] is None  # nothing invoiced yet
    # February on the 360-day basis: 30 days, 150 000 / 80 000 x 30 = 56.25.
    assert main(["report", "kpis", "--org", "acme", "--as-of", "2025-02-28", "--days", "360", "--json"]) == 0
    k = json.loads(capsys.readouterr().out)["kpis"]
    assert (k["days"], k["dso_simple"], k["dso_countback"]) == (30, "56.3", "60.0")  # count-back: 30 + 30


def test_cli_kpis_breakdown_csv_and_table(org, quarter, capsys):
    quarter["jan"].customer.__class__.objects.filter(pk=quarter["jan"].customer_id).update(name="=HYPERLINK(1)")
    args = ["report", "kpis", "--org", "acme", "--as-of", "2025-03-31", "--months", "2", "--by", "customer"]
    assert main([*args, "--json"]) == 0
    breakdown = json.loads(capsys.readouterr().out)["breakdown"]
    assert [b["label"] for b in breakdown] == ["411A =HYPERLINK(1)", "411B Bernard SA"]
    assert main([*args, "--csv"]) == 0
    rows = list(csv.reader(io.StringIO(capsys.readouterr().out)))
    assert rows[1][:3] == ["EUR", "2025-02", ""]
    assert rows[3][:3] == ["EUR", "", "411A =HYPERLINK(1)"]  # starts with a digit: not a formula
    assert main(args) == 0
    assert "DSO" in capsys.readouterr().out


def test_cli_kpis_usage_errors(org, capsys):
    assert main(["report", "kpis", "--org", "acme", "--months", "0"]) == 2
    assert main(["report", "kpis", "--org", "nope"]) == 2
    with pytest.raises(SystemExit) as exit_:
        main(["report", "kpis", "--org", "acme", "--by", "planet"])
    assert exit_.value.code == 2


def test_one_segment_collector_or_customer(org, quarter, capsys):
    small = kpi_reports(org, date(2025, 3, 31), period=Period.QUARTER, months=2, segment="small")[0]
    assert small.kpis.receivables == D(150000)
    assert small.kpis.sales == D(180000)
    assert [k.receivables for _month, k in small.series] == [D(80000), D(150000)]
    assert small.kpis.as_dict()["dispute_rate"] == "33.3"
    base = ["report", "kpis", "--org", "acme", "--as-of", "2025-03-31", "--json"]
    assert main([*base, "--customer", "411A"]) == 0
    assert json.loads(capsys.readouterr().out)["kpis"]["receivables"] == "62000.00"
    assert main([*base, "--collector", "lea"]) == 0
    assert json.loads(capsys.readouterr().out)["kpis"]["receivables"] == "150000.00"
    assert main([*base, "--customer", "411Z"]) == 2
    assert main([*base, "--collector", "nobody"]) == 2


def test_a_written_off_invoice_leaves_the_receivables_on_the_write_off_date(org, quarter):
    from recouvre.legal.writeoffs import write_off

    write_off(quarter["mar"], actor=CLI, reason="debtor_gone", written_off_on=date(2025, 4, 20))
    (report,) = kpi_reports(org, date(2025, 4, 30), months=2)
    mar, apr = (k for _month, k in report.series)
    assert mar.receivables == D(212000)  # the books of 31 March: still open
    assert apr.receivables == D(50000)  # F-JAN paid, F-MAR written off, F-FEB 50 000 left
    assert apr.collected == D(62000)  # the write-off is not cash
    assert apr.as_dict()["cei"] == "76.4"  # (212 000 + 0 - 50 000) / (212 000 + 0 - 0): nothing left not due


def test_a_dispute_on_the_whole_customer_covers_its_invoices_while_active(org, quarter):
    a = quarter["jan"].customer
    Hold.objects.create(
        organization=org,
        customer=a,
        kind=HoldKind.DISPUTE,
        reason_code="quality",
        starts_on=date(2025, 2, 20),
        ends_on=date(2025, 3, 15),
    )
    (report,) = kpi_reports(org, date(2025, 3, 31), months=3)
    jan, feb, mar = (k for _month, k in report.series)
    assert jan.disputed == D(0)  # not started
    assert feb.disputed == D(70000)  # F-JAN, the customer's only invoice
    assert mar.disputed == D(50000)  # ended on the 15th: only F-FEB's own dispute
