"""Customers, contacts and the accounts they pay from, created and edited by a person (services and the command
line): refused values named by field with nothing written, one timeline event per change."""

from __future__ import annotations

import json
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from recouvre.bank.ibans import link_iban, unlink_iban
from recouvre.bank.models import CustomerIban
from recouvre.cli import main
from recouvre.ledger import customers_cli
from recouvre.ledger.actors import CLI
from recouvre.ledger.customers import (
    add_customer,
    add_customer_contact,
    edit_contact,
    edit_customer,
    remove_contact,
)
from recouvre.ledger.models import Contact, ContactRole, Customer, CustomerKind, Event, Segment
from recouvre.ledger.timeline import describe

pytestmark = pytest.mark.django_db

IBAN = "FR7630006000011234567890189"


def cli(capsys, *argv: str) -> tuple[int, str]:  # type: ignore[no-untyped-def]
    code = main([str(a) for a in argv])
    return code, capsys.readouterr().out


def texts(customer: Customer) -> list[str]:
    return [describe(e) for e in Event.objects.filter(customer=customer).order_by("pk")]


def test_a_customer_created_with_its_numbers_stored_compact(org):  # type: ignore[no-untyped-def]
    customer = add_customer(
        org,
        CLI,
        ref=" 411DUPONT ",
        name="Boulangerie Dupont",
        siren="732 829 320",
        siret="732 829 320 00074",
        vat_number="fr44 732 829 320",
        country="fr",
        payment_terms_days="30",
        payment_terms_end_of_month=True,
        credit_limit="5 000,00",
        tags="bakery, strategic",
    )
    customer.refresh_from_db()
    assert (customer.ref, customer.siren, customer.siret, customer.vat_number) == (
        "411DUPONT", "732829320", "73282932000074", "FR44732829320",
    )  # fmt: skip
    assert (customer.payment_terms_days, customer.payment_terms_end_of_month) == (30, True)
    assert customer.credit_limit == Decimal("5000.00") and customer.tags == ["bakery", "strategic"]
    assert texts(customer) == ["Customer Boulangerie Dupont created (account 411DUPONT)."]


def test_a_duplicate_account_is_refused_naming_the_customer(org, other_org):  # type: ignore[no-untyped-def]
    add_customer(org, CLI, ref="411DUP", name="Boulangerie Dupont")
    with pytest.raises(ValidationError) as refused:
        add_customer(org, CLI, ref="411DUP", name="Another")
    assert refused.value.message_dict == {
        "ref": ["the account 411DUP is already used by the customer Boulangerie Dupont"]
    }
    assert Customer.objects.filter(organization=org).count() == 1
    add_customer(other_org, CLI, ref="411DUP", name="Same account elsewhere")  # per organization


def test_identifiers_are_checked_against_each_other(org):  # type: ignore[no-untyped-def]
    with pytest.raises(ValidationError) as refused:
        add_customer(
            org, CLI, ref="411X", name="X", siren="552100554", siret="73282932000074", vat_number="FR44732829320"
        )
    assert set(refused.value.message_dict) == {"siret", "vat_number"}
    assert not Customer.objects.filter(organization=org).exists()
    assert not Event.objects.filter(organization=org).exists()


def test_an_edit_changes_the_fields_given_with_one_event(org):  # type: ignore[no-untyped-def]
    customer = add_customer(org, CLI, ref="411DUP", name="Dupont", siren="732829320")
    edit_customer(customer, CLI, city="Montpellier", postal_code="34000", siret="73282932000074", language="en")
    customer.refresh_from_db()
    assert (customer.city, customer.siret, customer.language) == ("Montpellier", "73282932000074", "en")
    assert texts(customer)[-1] == "Customer details changed: city, language, postal_code, siret."
    # the SIRET of another company: refused, nothing written
    with pytest.raises(ValidationError) as refused:
        edit_customer(customer, CLI, siret="55210055400013", city="Lyon")
    assert list(refused.value.message_dict) == ["siret"]
    customer.refresh_from_db()
    assert (customer.city, customer.siret) == ("Montpellier", "73282932000074")
    with pytest.raises(ValidationError) as refused:
        edit_customer(customer, CLI, ref="411NEW")
    assert list(refused.value.message_dict) == ["ref"]
    with pytest.raises(ValidationError) as refused:
        edit_customer(customer, CLI, kind="alien")
    assert list(refused.value.message_dict) == ["kind"]
    assert Event.objects.filter(customer=customer, kind="customer.updated").count() == 1


def test_at_most_one_primary_contact(org):  # type: ignore[no-untyped-def]
    customer = add_customer(org, CLI, ref="411DUP", name="Dupont")
    marie = add_customer_contact(customer, CLI, name="Marie Dupont", email="Marie@Dupont.example", is_primary=True)
    paul = add_customer_contact(customer, CLI, name="Paul Dupont", phone="04 67 00 00 02", role="management")
    assert marie.email == "marie@dupont.example"
    edit_contact(paul, CLI, is_primary=True)
    assert list(Contact.objects.filter(customer=customer, is_primary=True).values_list("name", flat=True)) == [
        "Paul Dupont"
    ]
    assert (
        texts(customer)[-1] == "Contact Paul Dupont changed: is_primary; the primary contact instead of Marie Dupont."
    )
    with pytest.raises(ValidationError) as refused:
        add_customer_contact(customer, CLI, name="", email="", phone="")
    assert list(refused.value.message_dict) == ["name"]
    with pytest.raises(ValidationError) as refused:
        edit_contact(marie, CLI, email="not an address")
    assert list(refused.value.message_dict) == ["email"]
    remove_contact(marie, CLI)
    assert texts(customer)[-1] == "Contact removed: Marie Dupont marie@dupont.example ."
    assert list(customer.contacts.values_list("name", flat=True)) == ["Paul Dupont"]


def test_ibans_linked_and_unlinked(org):  # type: ignore[no-untyped-def]
    dupont = add_customer(org, CLI, ref="411DUP", name="Dupont")
    lefevre = add_customer(org, CLI, ref="411LEF", name="Lefèvre")
    link = link_iban(dupont, CLI, "fr76 3000 6000 0112 3456 7890 189")
    assert link.iban == IBAN
    with pytest.raises(ValidationError, match="already linked to this customer"):
        link_iban(dupont, CLI, IBAN)
    with pytest.raises(ValidationError, match=r"linked to the customer Dupont \(411DUP\)"):
        link_iban(lefevre, CLI, IBAN)
    with pytest.raises(ValidationError, match="check digits"):
        link_iban(lefevre, CLI, "FR7630006000011234567890188")
    unlink_iban(dupont, CLI, "FR76 3000 6000 0112 3456 7890 189")
    assert not CustomerIban.objects.exists()
    assert texts(dupont)[-2:] == [
        f"Account {IBAN} linked to the customer: its next transfers point here.",
        f"Account {IBAN} unlinked from the customer: its transfers no longer point here.",
    ]


def test_the_command_line_s_choices_are_the_models():  # type: ignore[no-untyped-def]
    assert customers_cli.KINDS == tuple(CustomerKind.values)
    assert customers_cli.SEGMENTS == tuple(Segment.values)
    assert customers_cli.ROLES == tuple(ContactRole.values)


def test_customer_add_and_edit_on_the_command_line(org, capsys):  # type: ignore[no-untyped-def]
    code, out = cli(
        capsys, "customer", "add", "411DUPONT", "--org", org.slug, "--name", "Boulangerie Dupont",
        "--siren", "732 829 320", "--vat", "FR44732829320", "--address", "12 rue des Lilas", "--postal-code", "34000",
        "--city", "Montpellier", "--terms-days", "30", "--end-of-month", "yes", "--credit-limit", "5000", "--json",
    )  # fmt: skip
    assert code == 0
    shown = json.loads(out)
    assert shown["ok"] is True and shown["siren"] == "732829320" and shown["credit_limit"] == "5000.00"
    assert shown["payment_terms_days"] == 30 and shown["payment_terms_end_of_month"] is True
    code, out = cli(capsys, "customer", "add", "411DUPONT", "--org", org.slug, "--name", "Again", "--json")
    assert code == 1
    assert json.loads(out)["errors"] == [
        "ref: the account 411DUPONT is already used by the customer Boulangerie Dupont"
    ]
    code, out = cli(capsys, "customer", "edit", "411DUPONT", "--org", org.slug, "--siret", "55210055400013", "--json")
    assert code == 1 and json.loads(out)["errors"][0].startswith("siret: the SIRET 55210055400013 is not")
    code, out = cli(capsys, "customer", "edit", "411DUPONT", "--org", org.slug, "--credit-limit", "none", "--json")
    assert code == 0 and json.loads(out)["credit_limit"] is None
    code, out = cli(capsys, "customer", "edit", "411DUPONT", "--org", org.slug, "--city", "Sète")
    assert code == 0 and "34000 Sète FR" in out
    assert cli(capsys, "customer", "edit", "411NOBODY", "--org", org.slug, "--city", "Sète")[0] == 2
    assert cli(capsys, "customer", "edit", "411DUPONT", "--org", org.slug)[0] == 2


def test_contacts_and_ibans_on_the_command_line(org, capsys):  # type: ignore[no-untyped-def]
    customer = add_customer(org, CLI, ref="411DUP", name="Dupont")
    code, out = cli(
        capsys, "contact", "add", "411DUP", "--org", org.slug, "--name", "Marie Dupont", "--email",
        "compta@dupont.example", "--primary", "yes", "--json",
    )  # fmt: skip
    assert code == 0
    marie = json.loads(out)
    assert marie["primary"] is True and marie["customer"] == "411DUP"
    code, out = cli(capsys, "contact", "add", "411DUP", "--org", org.slug, "--email", "nobody", "--json")
    assert code == 1 and json.loads(out)["errors"][0].startswith("email: ")
    code, out = cli(capsys, "contact", "edit", marie["id"], "--org", org.slug, "--phone", "04 67 00 00 01", "--json")
    assert code == 0 and json.loads(out)["phone"] == "04 67 00 00 01"
    code, out = cli(capsys, "contact", "list", "411DUP", "--org", org.slug, "--json")
    assert [c["name"] for c in json.loads(out)] == ["Marie Dupont"]
    code, out = cli(capsys, "contact", "remove", marie["id"], "--org", org.slug, "--json")
    assert code == 0 and not customer.contacts.exists()
    assert cli(capsys, "contact", "remove", marie["id"], "--org", org.slug)[0] == 2

    code, out = cli(
        capsys, "customer", "iban", "411DUP", "--org", org.slug, "--add", "FR76 3000 6000 0112 3456 7890 189"
    )
    assert code == 0 and out.strip() == "FR76 3000 6000 0112 3456 7890 189"
    # an invalid IBAN with a valid one: refused whole
    code, out = cli(
        capsys, "customer", "iban", "411DUP", "--org", org.slug, "--add", "DE89370400440532013000",
        "--add", "FR7630006000011234567890188", "--json",
    )  # fmt: skip
    assert code == 1 and json.loads(out)["errors"][0].startswith("iban: invalid IBAN")
    code, out = cli(capsys, "customer", "iban", "411DUP", "--org", org.slug, "--remove", IBAN, "--json")
    assert (code, json.loads(out)) == (0, {"ok": True, "ref": "411DUP", "ibans": []})
    kinds = list(Event.objects.filter(customer=customer).order_by("pk").values_list("kind", flat=True))
    assert kinds == [
        "customer.created", "contact.added", "contact.updated", "contact.removed", "bank.iban_linked",
        "bank.iban_unlinked",
    ]  # fmt: skip


def test_an_account_linked_by_hand_points_its_next_transfer_to_the_customer(org):  # type: ignore[no-untyped-def]
    from datetime import date

    from recouvre.bank.models import BankEntry, BankSuggestion
    from recouvre.bank.services import import_statement
    from recouvre.bank.tests.test_matching import Credit, camt
    from recouvre.testing.factories import InvoiceFactory

    customer = add_customer(org, CLI, ref="411LECOMTE", name="Cabinet Lecomte")
    InvoiceFactory(customer=customer, number="F-2026-0071", due_on=date(2026, 4, 1), total=Decimal("350.00"))
    link_iban(customer, CLI, "FR76 3000 6000 0112 3456 7890 189")
    # a transfer from the account, under a name that says nothing
    import_statement(org, camt(Credit("350.00", "2026-04-03", "M L", IBAN, "")), "b.xml", actor=CLI)
    entry = BankEntry.objects.get(organization=org)
    best = BankSuggestion.objects.filter(entry=entry, rank=0).first() or entry.applications.get()
    assert best.customer_id == customer.pk
    assert "iban" in [r["code"] for r in best.reasons]
