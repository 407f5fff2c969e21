"""Securities and amicable steps recorded and used: ``recouvre security`` and ``recouvre amicable`` (``--json``, exit
codes 0/1/2), the timeline, the legal route (guarantees called before suing), the Deadlines panel (the guarantor to
inform, C. civ. 2303; the retention-of-title claim), prescription suspended by a mediation (C. civ. 2238), and
another organization's security never shown nor changed."""

from __future__ import annotations

import json
from datetime import date, datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
import time_machine

from recouvre.cli import main
from recouvre.ledger.actors import Actor
from recouvre.ledger.models import Event
from recouvre.ledger.timeline import describe
from recouvre.legal import insolvency
from recouvre.legal.deadlines import deadlines
from recouvre.legal.models import GuarantorNotice, LegalSettings, ProcedureKind, Security
from recouvre.legal.prescription import invoices_prescription
from recouvre.legal.securities import add_security, guarantor_reminders, start_amicable_step
from recouvre.proceedings.recommendation import legal_route
from recouvre.testing.factories import CustomerFactory, InvoiceFactory

pytestmark = pytest.mark.django_db
ME = Actor.system("test")
D = date
M = Decimal


@pytest.fixture(autouse=True)
def monday_1_march_2027():  # type: ignore[no-untyped-def]
    with time_machine.travel(datetime(2027, 3, 1, 10, 0, tzinfo=ZoneInfo("Europe/Paris")), tick=False):
        yield


def cli(capsys, *argv: str) -> tuple[int, str, str]:  # type: ignore[no-untyped-def]
    code = main([str(a) for a in argv])
    out, err = capsys.readouterr()
    return code, out, err


@pytest.fixture
def customer(org):  # type: ignore[no-untyped-def]
    customer = CustomerFactory(organization=org, ref="411BATI", name="Bâti Ouest SARL", kind="business")
    InvoiceFactory(
        customer=customer,
        number="F-100",
        issued_on=D(2026, 11, 2),
        due_on=D(2026, 12, 2),
        amount_excl_tax=M("5000.00"),
        tax_amount=M("1000.00"),
        total=M("6000.00"),
    )
    InvoiceFactory(
        customer=customer,
        number="F-101",
        issued_on=D(2026, 12, 1),
        due_on=D(2026, 12, 31),
        amount_excl_tax=M("2500.00"),
        tax_amount=M("500.00"),
        total=M("3000.00"),
    )
    return customer


def test_add_edit_list_remove_from_the_command_line(capsys, org, customer) -> None:  # type: ignore[no-untyped-def]
    code, out, err = cli(
        capsys, "security", "add", "411BATI", "--kind", "caution_solidaire", "--guarantor", "Jean Martin",
        "--guarantor-kind", "natural_person", "--address", "3 rue des Lilas\\n44000 Nantes",
        "--email", "jean.martin@example.org", "--limit", "5 000,00", "--from", "2026-10-01", "--json",
    )  # fmt: skip
    assert (code, err) == (0, "")
    row = Security.objects.get()
    assert json.loads(out) == {
        "ok": True,
        "id": row.pk,
        "customer": "411BATI",
        "customer_name": "Bâti Ouest SARL",
        "kind": "caution_solidaire",
        "guarantor": "Jean Martin",
        "guarantor_kind": "natural_person",
        "guarantor_address": "3 rue des Lilas\n44000 Nantes",
        "guarantor_email": "jean.martin@example.org",
        "limit": "5000.00",
        "currency": "EUR",
        "starts_on": "2026-10-01",
        "ends_on": None,
        "invoices": [],
        "notes": "",
        "removed": False,
    }
    code, out, _err = cli(capsys, "security", "edit", row.pk, "--limit", "4000", "--invoice", "F-100", "--json")
    assert code == 0
    assert json.loads(out)["limit"] == "4000.00" and json.loads(out)["invoices"] == ["F-100"]
    code, out, _err = cli(capsys, "security", "list", "--json")
    assert [s["id"] for s in json.loads(out)] == [row.pk]
    code, out, _err = cli(capsys, "security", "remove", row.pk)
    assert (code, out) == (0, f"Security {row.pk} removed.\n")
    code, out, _err = cli(capsys, "security", "list", "--json")
    assert json.loads(out) == []
    texts = [describe(e) for e in Event.objects.filter(customer=customer).order_by("id")]
    assert texts[-3:] == [
        "Security recorded: Personal guarantee (caution solidaire), Jean Martin, up to 5000.00 EUR.",
        "Security changed (Personal guarantee (caution solidaire) Jean Martin): invoices, limit or amount.",
        "Security removed: Personal guarantee (caution solidaire) Jean Martin.",
    ]


def test_refusals_and_usage_errors(capsys, org, customer) -> None:  # type: ignore[no-untyped-def]
    code, out, _err = cli(capsys, "security", "add", "411BATI", "--kind", "aval", "--limit", "100", "--json")
    assert code == 1
    assert json.loads(out) == {
        "ok": False,
        "errors": ["Give the guarantor's name.", "Say whether the guarantor is a natural person or a company."],
    }
    code, out, _err = cli(
        capsys, "security", "add", "411BATI", "--kind", "deposit", "--limit", "900", "--invoice", "F-999", "--json"
    )
    assert code == 1 and json.loads(out)["errors"] == ["No invoice F-999 for this customer."]
    code, _out, err = cli(capsys, "security", "add", "411NOBODY", "--kind", "deposit", "--limit", "900")
    assert code == 2 and "no customer with the account '411NOBODY' in acme" in err
    with pytest.raises(SystemExit) as exc:
        cli(capsys, "security", "add", "411BATI", "--kind", "hypothec")
    assert exc.value.code == 2
    assert Security.objects.count() == 0


def test_another_organizations_security_is_never_shown_nor_changed(  # type: ignore[no-untyped-def]
    capsys, org, other_org, customer
) -> None:
    theirs_customer = CustomerFactory(organization=other_org, ref="411BATI", name="Autre SA")
    theirs = add_security(
        other_org, theirs_customer, actor=ME, kind="deposit", limit=M("700.00"), guarantor_name="", notes="secret"
    )
    code, out, _err = cli(capsys, "security", "list", "--org", "acme", "--json")
    assert (code, json.loads(out)) == (0, [])
    for argv in (
        ("edit", theirs.pk, "--limit", "1"),
        ("remove", theirs.pk),
        ("informed", theirs.pk, "--invoice", "F-100"),
    ):
        code, out, _err = cli(capsys, "security", *argv, "--org", "acme", "--json")
        assert (code, json.loads(out)) == (1, {"ok": False, "errors": [f"no security {theirs.pk} in acme"]})
    theirs.refresh_from_db()
    assert (theirs.limit, theirs.removed_at) == (M("700.00"), None)
    with pytest.raises(Exception):  # noqa: B017, PT011 - Customer.DoesNotExist
        add_security(org, theirs_customer, actor=ME, kind="deposit", limit=M("1.00"))


def test_the_legal_route_calls_the_guarantee_before_suing(org, customer) -> None:  # type: ignore[no-untyped-def]
    add_security(
        org,
        customer,
        actor=ME,
        kind="caution_solidaire",
        guarantor_name="Jean Martin",
        guarantor_kind="natural_person",
        limit=M("5000.00"),
    )
    add_security(
        org,
        customer,
        actor=ME,
        kind="caution_simple",
        guarantor_name="Holding Ouest SAS",
        guarantor_kind="company",
        invoices=["F-101"],
    )
    from recouvre.collections.models import Action, ActionState

    Action.objects.create(
        organization=org,
        customer=customer,
        step_key="formal_notice",
        channel="letter",
        send_on=D(2027, 1, 20),
        state=ActionState.SENT,
        sent_at=datetime(2027, 1, 20, 9, tzinfo=ZoneInfo("Europe/Paris")),
        deadline_on=D(2027, 2, 4),
    )
    route = legal_route(org, customer, D(2027, 3, 1))
    assert route.recommendation.judicial
    reasons = route.recommendation.reasons
    assert (
        "Before suing, call the caution solidaire of Jean Martin for 5 000.00 EUR: a joint guarantor pays as soon as "
        "the debtor defaults." in reasons
    )
    assert (
        "The caution simple of Holding Ouest SAS secures 3 000.00 EUR: the guarantor may ask that the debtor's assets "
        "be pursued first (bénéfice de discussion, C. civ. 2305)." in reasons
    )


def test_a_mediation_suspends_prescription_and_the_route_waits(capsys, org) -> None:  # type: ignore[no-untyped-def]
    old = CustomerFactory(organization=org, ref="411VIEUX", name="Vieux Client SAS", kind="business")
    InvoiceFactory(customer=old, number="F-2022", issued_on=D(2022, 4, 15), due_on=D(2022, 5, 15), total=M("800.00"))
    assert [r.result.limit_on for r in invoices_prescription(org, customer=old)] == [D(2027, 4, 15)]
    code, out, _err = cli(
        capsys, "amicable", "start", "411VIEUX", "--kind", "mediateur_entreprises", "--on", "2027-02-15",
        "--mediator", "Médiateur des entreprises, Pays de la Loire", "--json",
    )  # fmt: skip
    assert code == 0
    step_id = json.loads(out)["id"]
    assert [r.result.limit_on for r in invoices_prescription(org, customer=old)] == [None]
    assert legal_route(org, old, D(2027, 3, 1)).recommendation.route == "mediation"
    code, out, _err = cli(capsys, "amicable", "end", step_id, "--on", "2027-05-31", "--outcome", "failure", "--json")
    assert code == 0 and json.loads(out)["ended_on"] == "2027-05-31"
    # 105 days suspended: 15 April 2027 -> 29 July 2027; the end + 6 months, 30 November 2027, is later.
    [row] = invoices_prescription(org, customer=old)
    assert row.result.limit_on == D(2027, 11, 30)
    texts = [describe(e) for e in Event.objects.filter(customer=old).order_by("id")]
    assert texts[-2:] == [
        "Médiateur des entreprises started on 2027-02-15 (Médiateur des entreprises, Pays de la Loire): prescription "
        "suspended while it runs (C. civ. 2238).",
        "Médiateur des entreprises ended on 2027-05-31 (no agreement): prescription runs again, for at least six "
        "months.",
    ]
    code, out, _err = cli(capsys, "amicable", "end", step_id, "--on", "2027-06-30", "--outcome", "failure", "--json")
    assert (code, json.loads(out)) == (1, {"ok": False, "errors": ["This step has already ended."]})


def test_the_mediateur_des_entreprises_is_for_professional_debtors(capsys, org) -> None:  # type: ignore[no-untyped-def]
    CustomerFactory(organization=org, ref="411PART", name="Paul Durand", kind="consumer")
    code, out, _err = cli(
        capsys, "amicable", "start", "411PART", "--kind", "mediateur_entreprises", "--on", "2027-02-15", "--json"
    )
    assert (code, json.loads(out)) == (
        1,
        {"ok": False, "errors": ["The Médiateur des entreprises only handles disputes with a professional debtor."]},
    )
    code, _out, _err = cli(capsys, "amicable", "start", "411PART", "--kind", "conciliateur", "--on", "2027-02-15")
    assert code == 0


def test_the_guarantor_to_inform_once_per_incident(capsys, org, customer) -> None:  # type: ignore[no-untyped-def]
    caution = add_security(
        org,
        customer,
        actor=ME,
        kind="caution_simple",
        guarantor_name="Jean Martin",
        guarantor_kind="natural_person",
        starts_on=D(2026, 10, 1),
    )
    add_security(org, customer, actor=ME, kind="caution_solidaire", guarantor_name="Banque", guarantor_kind="company")
    [reminder] = guarantor_reminders(org, D(2027, 3, 1))
    assert (reminder.invoice_number, reminder.incident_due_on, reminder.inform_by) == (
        "F-100",
        D(2026, 12, 2),
        D(2027, 1, 2),
    )
    [deadline] = [d for d in deadlines(org, D(2027, 3, 1)) if d.kind == "guarantor_notice"]
    assert (deadline.due_on, deadline.alert) == (D(2027, 1, 2), "overdue")
    assert deadline.label == (
        "Inform the guarantor Jean Martin that invoice F-100, due on Dec. 2, 2026, is unpaid (C. civ. 2303: "
        "otherwise the interest and penalties for the period may be lost)."
    )
    LegalSettings.objects.create(organization=org, guarantor_notice_months=2)
    assert guarantor_reminders(org, D(2027, 3, 1))[0].inform_by == D(2027, 2, 2)
    for _ in range(2):
        code, _out, _err = cli(capsys, "security", "informed", caution.pk, "--invoice", "F-100", "--on", "2027-01-05")
        assert code == 0
    assert GuarantorNotice.objects.count() == 1
    assert guarantor_reminders(org, D(2027, 3, 1)) == []
    assert [d for d in deadlines(org, D(2027, 3, 1)) if d.kind == "guarantor_notice"] == []


def test_retention_of_title_in_insolvency(org, customer) -> None:  # type: ignore[no-untyped-def]
    add_security(org, customer, actor=ME, kind="retention_of_title", notes="CGV art. 9")
    insolvency.record_procedure(
        org,
        customer,
        actor=ME,
        kind=ProcedureKind.RECEIVERSHIP,
        judgment_on=D(2027, 2, 10),
        published_on=D(2027, 2, 20),
        court="Tribunal de commerce de Nantes",
        officer_name="Maître Anne Durand",
        officer_address="12 quai de la Fosse, 44000 Nantes",
    )
    [title] = [d for d in deadlines(org, D(2027, 3, 1)) if d.kind == "retention_of_title"]
    assert title.due_on == D(2027, 5, 20)
    assert title.label == (
        "A retention-of-title clause is recorded for this customer: claim the goods from the court officer within 3 "
        "months of the BODACC of Feb. 20, 2027 (C. com. L624-9)."
    )
    route = legal_route(org, customer, D(2027, 3, 1)).recommendation
    assert route.route == "insolvency"
    assert route.reasons[-1] == (
        "A retention-of-title clause is recorded: claim the goods from the court officer within 3 months of the "
        "publication of the opening judgment (C. com. L624-9)."
    )


def test_start_refused_while_one_runs(org, customer) -> None:  # type: ignore[no-untyped-def]
    from django.core.exceptions import ValidationError

    start_amicable_step(org, customer, actor=ME, kind="conciliateur", started_on=D(2027, 1, 10))
    with pytest.raises(ValidationError) as exc:
        start_amicable_step(org, customer, actor=ME, kind="mediation", started_on=D(2027, 2, 10))
    assert exc.value.messages == ["A mediation or conciliation is already running: record its end first."]


def test_the_order_check_asks_a_deposit_and_shows_those_recorded(capsys, org, customer) -> None:  # type: ignore[no-untyped-def]
    code, out, _err = cli(capsys, "risk", "settings", "--deposit-from", "review", "--deposit-percent", "30", "--json")
    assert code == 0 and json.loads(out)["deposit_from"] == "review" and json.loads(out)["deposit_percent"] == 30
    add_security(org, customer, actor=ME, kind="deposit", limit=M("900.00"), starts_on=D(2027, 2, 1))
    code, out, _err = cli(capsys, "risk", "check", "411BATI", "--amount", "2000", "--json")
    assert code == 0
    result = json.loads(out)
    assert (result["decision"], result["deposit"], result["deposit_percent"]) == ("review", "600.00", 30)
    assert result["reasons"][0].startswith("It can be accepted against a deposit of 30% of the order, €600.00")
    assert result["reasons"][-1] == (
        "Deposits recorded for this customer: €900.00; shown, not taken off the exposure (a deposit is an advance on "
        "an order, not a payment of the open invoices)."
    )
    code, out, _err = cli(capsys, "risk", "settings", "--deposit-from", "review", "--deposit-percent", "0", "--json")
    assert code == 1
