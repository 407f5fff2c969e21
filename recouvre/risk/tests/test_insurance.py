"""Credit insurance: the policy and the customer's cover, the declaration deadlines on the Deadlines panel and in
``recouvre deadlines``, a declared invoice leaving them, the declaration data as CSV, and what is refused."""

from __future__ import annotations

import csv
import io
import json
from datetime import date, datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.urls import reverse

from recouvre.cli import main
from recouvre.ledger.models import Event
from recouvre.organizations.models import Role
from recouvre.risk.models import InsuranceCover, InsuranceDeclaration, InsurancePolicy
from recouvre.testing.factories import CustomerFactory, InvoiceFactory, MembershipFactory

pytestmark = pytest.mark.django_db
PARIS = ZoneInfo("Europe/Paris")


def cli(capsys, *argv: str) -> tuple[int, str, str]:  # type: ignore[no-untyped-def]
    code = main([str(a) for a in argv])
    out, err = capsys.readouterr()
    return code, out, err


@pytest.fixture
def insured(org, capsys):  # type: ignore[no-untyped-def]
    """Policy PO-778 with Allianz Trade: 90 days of extension, then 15 days to declare. Martin is covered up to
    5,000 EUR for invoices from 1 January 2026, Durand up to 2,000 EUR with its own 60 days."""
    martin = CustomerFactory(
        organization=org,
        ref="411MARTIN",
        name="Martin SARL",
        siren="552100554",
        address_line1="3 rue des Lilas",
        postal_code="69003",
        city="Lyon",
    )
    durand = CustomerFactory(organization=org, ref="411DURAND", name="=Durand SA")
    InvoiceFactory(customer=martin, number="F-0", issued_on=date(2025, 12, 10), total=Decimal("800.00"))
    InvoiceFactory(customer=martin, number="F-1", issued_on=date(2026, 1, 5), total=Decimal("3000.00"))
    InvoiceFactory(customer=martin, number="F-2", issued_on=date(2026, 2, 10), total=Decimal("4000.00"))
    InvoiceFactory(customer=martin, number="F-USD", issued_on=date(2026, 2, 10), currency="USD")
    InvoiceFactory(customer=durand, number="D-1", issued_on=date(2026, 1, 31), total=Decimal("2500.00"))
    assert (
        cli(
            capsys,
            *(
                "risk",
                "insurance",
                "policy",
                "add",
                "--org",
                "acme",
                "--insurer",
                "Allianz Trade",
                "--number",
                "PO-778",
            ),
            *("--extension-days", "90", "--declaration-days", "15"),
        )[0]
        == 0
    )
    assert (
        cli(
            capsys,
            *("risk", "insurance", "cover", "411MARTIN", "--org", "acme", "--policy", "PO-778", "--limit", "5000"),
            *("--from", "2026-01-01"),
        )[0]
        == 0
    )
    assert (
        cli(
            capsys,
            *("risk", "insurance", "cover", "411DURAND", "--org", "acme", "--policy", "PO-778", "--limit", "2000"),
            *("--extension-days", "60", "--json"),
        )[0]
        == 0
    )
    return martin, durand


def insurance_deadlines(capsys, as_of: str) -> list[tuple[str, str, str, str]]:  # type: ignore[no-untyped-def]
    code, out, err = cli(capsys, "deadlines", "--org", "acme", "--as-of", as_of, "--json")
    assert (code, err) == (0, "")
    return [
        (r["due_on"], r["customer_ref"], r["alert"], r["label"])
        for r in json.loads(out)
        if r["kind"] == "insurance_declaration"
    ]


def test_the_cover_and_the_policy_leave_events(insured) -> None:  # type: ignore[no-untyped-def]
    martin, _durand = insured
    assert Event.objects.filter(customer=None, kind="insurance.policy_added").count() == 1
    event = Event.objects.get(customer=martin, kind="insurance.cover_set")
    assert event.data["limit"] == "5000.00" and event.data["policy"] == "PO-778"
    cover = InsuranceCover.objects.get(customer=martin)
    assert (cover.limit, cover.currency, cover.starts_on) == (Decimal("5000.00"), "EUR", date(2026, 1, 1))


def test_the_declaration_deadlines_in_recouvre_deadlines(capsys, insured) -> None:  # type: ignore[no-untyped-def]
    # F-1 due 4 Feb: + 90 + 15 = 20 May; D-1 due 2 March: + 60 (Durand's own) + 15 = 16 May; F-2 (25 June) is
    # more than 30 days away; F-0 was issued before the cover, F-USD is not in the cover's currency.
    rows = insurance_deadlines(capsys, "2026-05-01")
    assert [r[:3] for r in rows] == [("2026-05-16", "411DURAND", "soon"), ("2026-05-20", "411MARTIN", "soon")]
    assert rows[1][3] == "Declare invoice F-1 to Allianz Trade (policy PO-778) by May 20, 2026 if it is still unpaid."
    rows = insurance_deadlines(capsys, "2026-05-26")
    assert [r[:3] for r in rows] == [
        ("2026-05-16", "411DURAND", "overdue"),
        ("2026-05-20", "411MARTIN", "overdue"),
        ("2026-06-25", "411MARTIN", "soon"),
    ]


def test_a_declared_invoice_leaves_the_deadlines(capsys, insured) -> None:  # type: ignore[no-untyped-def]
    martin, _durand = insured
    code, out, _err = cli(
        capsys,
        *("risk", "insurance", "declare", "F-1", "--org", "acme", "--on", "2026-05-10", "--reference", "AT-42"),
        "--json",
    )
    assert code == 0
    assert json.loads(out) == {
        "ok": True,
        "invoice": "F-1",
        "declared_on": "2026-05-10",
        "reference": "AT-42",
        "amount": "3000.00",
        "currency": "EUR",
    }
    assert [r[:2] for r in insurance_deadlines(capsys, "2026-05-26")] == [
        ("2026-05-16", "411DURAND"),
        ("2026-06-25", "411MARTIN"),
    ]
    event = Event.objects.get(customer=martin, kind="insurance.declared")
    assert (event.data["invoice"], event.data["amount"], event.data["reference"]) == ("F-1", "3000.00", "AT-42")


def test_refusals(capsys, insured) -> None:  # type: ignore[no-untyped-def]
    base = ("risk", "insurance")
    assert cli(capsys, *base, "cover", "411NOBODY", "--org", "acme", "--policy", "PO-778", "--limit", "1")[:2] == (
        1,
        "recouvre: refused: no customer with the account '411NOBODY' in acme\n",
    )
    code, out, _ = cli(capsys, *base, "cover", "411MARTIN", "--org", "acme", "--policy", "PO-9", "--limit", "1")
    assert code == 1 and "no credit insurance policy numbered 'PO-9'" in out
    code, out, _ = cli(
        capsys,
        *base,
        *("cover", "411MARTIN", "--org", "acme", "--policy", "PO-778", "--limit", "1"),
        *("--from", "2026-02-01", "--until", "2026-01-01"),
    )
    assert (code, out) == (1, "recouvre: refused: The cover cannot end before it starts.\n")
    code, out, _ = cli(
        capsys,
        *base,
        "policy",
        "add",
        "--org",
        "acme",
        "--insurer",
        "Coface",
        "--number",
        "PO-778",
        "--extension-days",
        "60",
    )
    assert (code, out) == (1, "recouvre: refused: A policy numbered PO-778 already exists.\n")
    code, out, _ = cli(capsys, *base, "declare", "F-0", "--org", "acme", "--on", "2026-05-10")
    assert (code, out) == (
        1,
        "recouvre: refused: Invoice F-0 is not covered: it is in another currency or issued outside the cover's "
        "dates.\n",
    )
    assert cli(capsys, *base, "declare", "F-2", "--org", "acme", "--on", "2026-05-10")[0] == 0
    code, out, _ = cli(capsys, *base, "declare", "F-2", "--org", "acme", "--on", "2026-05-10", "--json")
    assert code == 1 and json.loads(out) == {"ok": False, "errors": ["Invoice F-2 is already declared."]}
    other = InvoiceFactory(customer=CustomerFactory(organization=insured[0].organization), number="N-1")
    code, out, _ = cli(capsys, *base, "declare", other.number, "--org", "acme", "--on", "2026-05-10")
    assert (code, out) == (1, "recouvre: refused: Invoice N-1 is not of a customer covered by credit insurance.\n")
    for usage in (
        ("policy", "add", "--org", "acme", "--insurer", "X", "--number", "Y", "--extension-days", "-3"),
        ("declare", "F-2", "--org", "acme", "--on", "someday"),
    ):
        with pytest.raises(SystemExit) as exc:
            cli(capsys, *base, *usage)
        assert exc.value.code == 2
    assert InsuranceDeclaration.objects.count() == 1
    code, out, _ = cli(capsys, *base, "policy", "list", "--org", "acme", "--json")
    assert json.loads(out)["policies"] == [
        {"insurer": "Allianz Trade", "number": "PO-778", "max_extension_days": 90, "declaration_days": 15}
    ]


def test_the_declaration_data_export(capsys, insured, tmp_path) -> None:  # type: ignore[no-untyped-def]
    cli(capsys, "risk", "insurance", "declare", "F-1", "--org", "acme", "--on", "2026-05-10", "--reference", "AT-42")
    out = tmp_path / "declaration.csv"
    code, text, _ = cli(capsys, "risk", "insurance", "export", "--org", "acme", "--as-of", "2026-05-26", "--out", out)
    assert (code, text) == (0, f"3 invoices written to {out}.\n")
    rows = list(csv.reader(io.StringIO(out.read_text(encoding="utf-8"))))
    assert rows[0][:7] == ["Insurer", "Policy number", "Account", "Debtor", "SIREN", "Address", "Invoice"]
    assert rows[1:] == [
        [
            *("Allianz Trade", "PO-778", "411DURAND", "'=Durand SA", ""),
            rows[1][5],
            *("D-1", "2026-01-31", "2026-03-02", "2500.00", "2500.00", "EUR", "2026-03-02", "2000.00", "2000.00"),
            *("2026-05-16", "overdue to declare", "", "", ""),
        ],
        [
            *("Allianz Trade", "PO-778", "411MARTIN", "Martin SARL", "552100554", "3 rue des Lilas, 69003 Lyon, FR"),
            *("F-1", "2026-01-05", "2026-02-04", "3000.00", "3000.00", "EUR", "2026-02-04", "5000.00", "3000.00"),
            *("2026-05-20", "declared", "2026-05-10", "AT-42", "3000.00"),
        ],
        [
            *("Allianz Trade", "PO-778", "411MARTIN", "Martin SARL", "552100554", "3 rue des Lilas, 69003 Lyon, FR"),
            *("F-2", "2026-02-10", "2026-03-12", "4000.00", "4000.00", "EUR", "2026-02-04", "5000.00", "2000.00"),
            *("2026-06-25", "to declare soon", "", "", ""),
        ],
    ]
    code, text, _ = cli(
        capsys,
        "risk",
        "insurance",
        "export",
        "--org",
        "acme",
        "--customer",
        "411DURAND",
        "--as-of",
        "2026-05-26",
        "--out",
        "-",
    )
    assert code == 0 and [r[6] for r in csv.reader(io.StringIO(text))][1:] == ["D-1"]


def test_the_panel_the_customer_page_and_the_web_export(client, org, insured) -> None:  # type: ignore[no-untyped-def]
    martin, durand = insured
    editor = MembershipFactory(organization=org, user__username="eve", role=Role.COLLECTOR).user
    client.force_login(editor)
    with time_machine.travel(datetime(2026, 5, 1, 12, 0, tzinfo=PARIS), tick=False):
        page = client.get(reverse("worklist")).content.decode()
        martin_row = reverse("customer_detail", args=[martin.pk]) + "#insurance"
        durand_row = reverse("customer_detail", args=[durand.pk]) + "#insurance"
        assert page.count('class="deadline insurance_declaration') == 2
        assert martin_row in page and durand_row in page
        assert reverse("insurance_csv") in page
        page = client.get(reverse("customer_detail", args=[martin.pk])).content.decode()
        assert 'data-invoice="F-1" data-status="soon"' in page
        assert 'data-invoice="F-2" data-status="pending"' in page
        assert 'id="insurance-declare-form"' in page
        response = client.post(
            reverse("insurance_declare", args=[martin.pk]),
            {"invoice": str(martin.invoices.get(number="F-1").pk), "declared_on": "2026-05-02", "reference": "AT-7"},
        )
        assert response.status_code == 302
        page = client.get(reverse("worklist")).content.decode()
        assert page.count('class="deadline insurance_declaration') == 1
        assert martin_row not in page and durand_row in page
        response = client.get(reverse("customer_insurance_csv", args=[martin.pk]))
        assert response["Content-Type"] == "text/csv; charset=utf-8"
        rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig")), delimiter=";"))
        assert [(r[6], r[14], r[17], r[18], r[19]) for r in rows[1:]] == [
            ("F-1", "3000,00", "2026-05-02", "AT-7", "3000,00"),
            ("F-2", "2000,00", "", "", ""),
        ]
    declaration = InsuranceDeclaration.objects.get(invoice__number="F-1")
    assert (declaration.declared_on, declaration.reference) == (date(2026, 5, 2), "AT-7")


def test_the_cover_form_and_the_settings_page(client, org, insured) -> None:  # type: ignore[no-untyped-def]
    _martin, durand = insured
    collector = MembershipFactory(organization=org, user__username="eve", role=Role.COLLECTOR).user
    client.force_login(collector)
    assert client.get(reverse("insurance_settings")).status_code == 403
    response = client.post(
        reverse("customer_insurance", args=[durand.pk]),
        {
            "policy": str(durand.insurance_cover.policy_id),
            "limit": "3 500,00",
            "currency": "EUR",
            "starts_on": "2026-03-01",
            "ends_on": "2026-01-01",
        },
    )
    assert response.status_code == 200 and 'class="form-errors"' in response.content.decode()
    response = client.post(
        reverse("customer_insurance", args=[durand.pk]),
        {"policy": str(durand.insurance_cover.policy_id), "limit": "3 500,00", "currency": "EUR"},
    )
    assert response.status_code == 302
    durand.insurance_cover.refresh_from_db()
    assert (durand.insurance_cover.limit, durand.insurance_cover.max_extension_days) == (Decimal("3500.00"), None)
    viewer = MembershipFactory(organization=org, user__username="vic", role=Role.VIEWER).user
    client.force_login(viewer)
    assert client.post(reverse("customer_insurance", args=[durand.pk]), {"remove": "1"}).status_code == 403
    manager = MembershipFactory(organization=org, user__username="max", role=Role.CREDIT_MANAGER).user
    client.force_login(manager)
    response = client.post(
        reverse("insurance_settings"),
        {"insurer": "Coface", "number": "C-1", "max_extension_days": "120", "declaration_days": "0"},
    )
    assert response.status_code == 302
    page = client.get(reverse("insurance_settings")).content.decode()
    assert 'data-policy="C-1"' in page and 'data-policy="PO-778"' in page
    response = client.post(
        reverse("insurance_settings"),
        {"insurer": "Coface", "number": "C-1", "max_extension_days": "120", "declaration_days": "0"},
    )
    assert response.status_code == 200 and 'class="form-errors"' in response.content.decode()
    assert InsurancePolicy.objects.filter(organization=org).count() == 2


def test_a_policy_changed_and_a_cover_removed_on_the_web(client, org, insured) -> None:  # type: ignore[no-untyped-def]
    martin, _durand = insured
    policy = InsurancePolicy.objects.get(organization=org, number="PO-778")
    client.force_login(MembershipFactory(organization=org, user__username="max", role=Role.CREDIT_MANAGER).user)
    page = client.get(reverse("insurance_policy_edit", args=[policy.pk])).content.decode()
    assert 'value="Allianz Trade"' in page and 'id="insurance-policy-form"' in page
    response = client.post(
        reverse("insurance_policy_edit", args=[policy.pk]),
        {"insurer": "Allianz Trade", "number": "PO-778", "max_extension_days": "120", "declaration_days": "15"},
    )
    assert response.status_code == 302
    policy.refresh_from_db()
    assert policy.max_extension_days == 120
    event = Event.objects.get(customer=None, kind="insurance.policy_changed")
    assert event.data["fields"] == "max_extension_days"
    page = client.get(reverse("customer_insurance", args=[martin.pk])).content.decode()
    assert 'id="insurance-cover-form"' in page and 'id="insurance-cover-remove"' in page
    assert client.post(reverse("customer_insurance", args=[martin.pk]), {"remove": "1"}).status_code == 302
    assert not InsuranceCover.objects.filter(customer=martin).exists()
    assert Event.objects.filter(customer=martin, kind="insurance.cover_removed").count() == 1
    page = client.get(reverse("customer_detail", args=[martin.pk])).content.decode()
    assert 'id="insurance-none"' in page


def test_the_timeline_describes_the_events(insured) -> None:  # type: ignore[no-untyped-def]
    from django.utils import translation

    from recouvre.ledger.timeline import describe

    martin, _durand = insured
    with translation.override("en"):
        assert describe(Event.objects.get(customer=martin, kind="insurance.cover_set")) == (
            "Credit insurance cover set: Allianz Trade, policy PO-778, insured limit 5000.00 EUR."
        )


def test_a_declaration_withdrawn_and_a_cover_removed_from_the_command_line(capsys, insured) -> None:  # type: ignore[no-untyped-def]
    martin, durand = insured
    assert cli(capsys, "risk", "insurance", "declare", "F-1", "--org", "acme", "--on", "2026-05-10")[0] == 0
    assert [r[:2] for r in insurance_deadlines(capsys, "2026-05-26")] == [
        ("2026-05-16", "411DURAND"),
        ("2026-06-25", "411MARTIN"),
    ]
    code, out, err = cli(capsys, "risk", "insurance", "withdraw", "F-1", "--org", "acme", "--json")
    assert (code, err) == (0, "")
    assert json.loads(out) == {"ok": True, "invoice": "F-1", "declared_on": "2026-05-10"}
    assert not InsuranceDeclaration.objects.filter(invoice__number="F-1").exists()
    # F-1 (due 2026-02-04, 90 + 15 days) is back on the deadlines
    assert [r[:2] for r in insurance_deadlines(capsys, "2026-05-26")] == [
        ("2026-05-16", "411DURAND"),
        ("2026-05-20", "411MARTIN"),
        ("2026-06-25", "411MARTIN"),
    ]
    event = Event.objects.get(customer=martin, kind="insurance.declaration_withdrawn")
    assert (event.data["invoice"], event.data["declared_on"], event.data["amount"]) == ("F-1", "2026-05-10", "3000.00")
    assert Event.objects.filter(customer=martin, kind="insurance.declared").count() == 1  # history kept
    code, out, _err = cli(capsys, "risk", "insurance", "withdraw", "F-1", "--org", "acme", "--json")
    assert (code, json.loads(out)["errors"]) == (1, ["Invoice F-1 is not declared."])
    code, out, _err = cli(capsys, "risk", "insurance", "withdraw", "NOPE", "--org", "acme", "--json")
    assert code == 1 and json.loads(out)["errors"] == ["no invoice numbered 'NOPE' in acme"]

    code, out, _err = cli(capsys, "risk", "insurance", "uncover", "411DURAND", "--org", "acme")
    assert (code, out) == (0, "Credit insurance cover of 411DURAND removed.\n")
    assert not InsuranceCover.objects.filter(customer=durand).exists()
    assert Event.objects.filter(customer=durand, kind="insurance.cover_removed").count() == 1
    code, out, _err = cli(capsys, "risk", "insurance", "uncover", "411DURAND", "--org", "acme", "--json")
    assert (code, json.loads(out)["errors"]) == (1, ["411DURAND has no credit insurance cover."])
    assert [r[1] for r in insurance_deadlines(capsys, "2026-05-26")] == ["411MARTIN", "411MARTIN"]


def test_a_declaration_withdrawn_on_the_web(client, org, insured) -> None:  # type: ignore[no-untyped-def]
    martin, _durand = insured
    f1 = martin.invoices.get(number="F-1")
    client.force_login(MembershipFactory(organization=org, user__username="eve", role=Role.COLLECTOR).user)
    with time_machine.travel(datetime(2026, 5, 1, 12, 0, tzinfo=PARIS), tick=False):
        client.post(
            reverse("insurance_declare", args=[martin.pk]), {"invoice": str(f1.pk), "declared_on": "2026-05-02"}
        )
        page = client.get(reverse("customer_detail", args=[martin.pk])).content.decode()
        assert f'id="insurance-withdraw-{f1.pk}"' in page
        response = client.post(reverse("insurance_withdraw", args=[martin.pk]), {"invoice": str(f1.pk)})
        assert response.status_code == 302
        page = client.get(reverse("customer_detail", args=[martin.pk])).content.decode()
        assert 'data-invoice="F-1" data-status="soon"' in page
        assert f'id="insurance-withdraw-{f1.pk}"' not in page
    assert Event.objects.filter(customer=martin, kind="insurance.declaration_withdrawn").count() == 1


def test_another_organization_sees_and_touches_nothing(client, org, other_org, insured) -> None:  # type: ignore[no-untyped-def]
    martin, _durand = insured
    f1 = martin.invoices.get(number="F-1")
    InsuranceDeclaration.objects.create(
        organization=org, invoice=f1, declared_on=date(2026, 5, 2), reference="AT-7", amount=Decimal("3000.00")
    )
    rival = MembershipFactory(organization=other_org, user__username="rival", role=Role.CREDIT_MANAGER).user
    client.force_login(rival)
    assert client.get(reverse("customer_insurance", args=[martin.pk])).status_code == 404
    assert client.post(reverse("customer_insurance", args=[martin.pk]), {"remove": "1"}).status_code == 404
    assert client.post(reverse("insurance_withdraw", args=[martin.pk]), {"invoice": str(f1.pk)}).status_code == 404
    assert (
        client.post(
            reverse("insurance_declare", args=[martin.pk]), {"invoice": str(f1.pk), "declared_on": "2026-05-02"}
        ).status_code
        == 404
    )
    assert client.get(reverse("customer_insurance_csv", args=[martin.pk])).status_code == 404
    policy = InsurancePolicy.objects.get(organization=org)
    assert client.get(reverse("insurance_policy_edit", args=[policy.pk])).status_code == 404
    page = client.get(reverse("insurance_settings")).content.decode()
    assert "PO-778" not in page
    rows = list(csv.reader(io.StringIO(client.get(reverse("insurance_csv")).content.decode())))
    assert len(rows) == 1  # the header only
    assert InsuranceCover.objects.filter(customer=martin).exists()
    assert InsuranceDeclaration.objects.filter(invoice=f1).exists()
