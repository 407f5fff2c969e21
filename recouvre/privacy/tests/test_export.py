"""The right of access (GDPR art. 15): everything held about a customer, or one of its contacts, in one file; from
the command line and from the customer page (administrators); never another organization's data."""

from __future__ import annotations

import json
import zipfile
from datetime import date
from decimal import Decimal

import pytest

from recouvre.cli import main
from recouvre.collections.models import Action, Hold
from recouvre.ledger.actors import Actor
from recouvre.ledger.models import Event
from recouvre.ledger.services import add_contact, record_payment
from recouvre.organizations.models import Membership
from recouvre.testing.factories import CustomerFactory, InvoiceFactory

pytestmark = pytest.mark.django_db
ACTOR = Actor.system("test")


def _message(to: str, text: str) -> str:
    return (
        f"From: Atelier <relances@atelier.example>\r\nTo: {to}\r\nSubject: Relance\r\nMIME-Version: 1.0\r\n"
        f'Content-Type: text/plain; charset="utf-8"\r\nContent-Transfer-Encoding: 8bit\r\n\r\n{text}\r\n'
    )


@pytest.fixture
def dupont(org):  # type: ignore[no-untyped-def]
    customer = CustomerFactory(organization=org, ref="411DUPONT", name="Dupont SARL", city="Montpellier", email="")
    add_contact(customer, ACTOR, name="Sophie Martin", email="sophie@dupont.example", phone="04 67 00 00 01")
    add_contact(customer, ACTOR, name="Marc Durand", email="marc@dupont.example")
    InvoiceFactory(
        customer=customer, number="F-1", issued_on=date(2026, 9, 1), due_on=date(2026, 10, 1), total=Decimal("1200.00")
    )
    record_payment(
        org,
        ACTOR,
        customer=customer,
        received_on=date(2026, 10, 15),
        amount=Decimal("200.00"),
        source_key="b1",
        payer_name="DUPONT SARL",
    )
    Hold.objects.create(
        organization=org,
        customer=customer,
        kind="dispute",
        reason_code="price",
        reason="Prix contesté",
        starts_on=date(2026, 11, 2),
    )
    for day, to, text in (
        (2, "Sophie Martin <sophie@dupont.example>", "Bonjour Sophie"),
        (3, "marc@dupont.example", "Bonjour Marc"),
    ):
        Action.objects.create(
            organization=org,
            customer=customer,
            channel="email",
            send_on=date(2026, 11, day),
            template="reminder",
            state="sent",
            sent_at=f"2026-11-0{day}T09:00:00+01:00",
            content=_message(to, text),
            content_sha256="b" * 64,
        )
    return customer


def test_the_export_of_one_contact_holds_its_data_and_only_the_messages_sent_to_it(org, dupont, tmp_path, capsys):  # type: ignore[no-untyped-def]
    out = tmp_path / "sophie.json"
    code = main(["contact", "export", "411DUPONT", "--contact", "SOPHIE@dupont.example", "--out", str(out), "--json"])
    assert code == 0
    summary = json.loads(capsys.readouterr().out)
    assert (summary["contacts"], summary["invoices"], summary["payments"], summary["messages"]) == (1, 1, 1, 1)
    data = json.loads(out.read_text(encoding="utf-8"))
    assert data["customer"]["ref"] == "411DUPONT" and data["customer"]["name"] == "Dupont SARL"
    assert data["contacts"] == [
        {
            "name": "Sophie Martin",
            "role": "billing",
            "email": "sophie@dupont.example",
            "phone": "04 67 00 00 01",
            "is_primary": False,
        }
    ]
    assert [(i["number"], i["total"], i["open_amount"]) for i in data["invoices"]] == [("F-1", "1200.00", "1200.00")]
    assert [(p["received_on"], p["amount"], p["payer_name"]) for p in data["payments"]] == [
        ("2026-10-15", "200.00", "DUPONT SARL")
    ]
    assert [(h["kind"], h["reason"]) for h in data["holds"]] == [("dispute", "Prix contesté")]
    [message] = data["messages"]
    assert (message["to"], message["subject"], message["text"].strip()) == (
        ["sophie@dupont.example"],
        "Relance",
        "Bonjour Sophie",
    )
    assert "Contact added: Sophie Martin sophie@dupont.example 04 67 00 00 01." in [e["text"] for e in data["timeline"]]
    # the export itself is on the customer's timeline
    assert Event.objects.filter(
        customer=dupont, kind="privacy.exported", data__contact="SOPHIE@dupont.example"
    ).exists()


def test_the_zip_holds_the_whole_customer(org, dupont, tmp_path):  # type: ignore[no-untyped-def]
    out = tmp_path / "dupont.zip"
    assert main(["contact", "export", "411DUPONT", "--out", str(out)]) == 0
    with zipfile.ZipFile(out) as archive:
        data = json.loads(archive.read("data.json"))
    assert sorted(c["email"] for c in data["contacts"]) == ["marc@dupont.example", "sophie@dupont.example"]
    assert len(data["messages"]) == 2


def test_an_unknown_contact_is_refused_and_a_bad_file_name_is_a_usage_error(org, dupont, tmp_path, capsys):  # type: ignore[no-untyped-def]
    assert (
        main(["contact", "export", "411DUPONT", "--contact", "nobody@x.example", "--out", str(tmp_path / "x.json")])
        == 1
    )
    assert not (tmp_path / "x.json").exists()
    assert main(["contact", "export", "411DUPONT", "--out", str(tmp_path / "x.txt")]) == 2
    assert main(["contact", "export", "411NOBODY", "--out", str(tmp_path / "x.json")]) == 2


def test_another_organization_s_customer_is_not_exported(org, other_org, dupont, tmp_path):  # type: ignore[no-untyped-def]
    CustomerFactory(organization=other_org, ref="411OTHER", name="Autre SA")
    # the same account in the other organization is another customer: not Dupont's data
    twin = CustomerFactory(organization=other_org, ref="411DUPONT", name="Homonyme SA", email="")
    add_contact(twin, ACTOR, name="Zoé Autre", email="zoe@autre.example")
    out = tmp_path / "twin.json"
    assert main(["contact", "export", "411DUPONT", "--org", other_org.slug, "--out", str(out)]) == 0
    data = json.loads(out.read_text(encoding="utf-8"))
    assert data["customer"]["name"] == "Homonyme SA"
    assert [c["email"] for c in data["contacts"]] == ["zoe@autre.example"]
    assert data["invoices"] == data["payments"] == data["messages"] == data["holds"] == []
    assert "Sophie" not in out.read_text(encoding="utf-8")


def test_the_customer_page_button_for_administrators(org, other_org, dupont, logged_client, user):  # type: ignore[no-untyped-def]
    page = logged_client.get(f"/customers/{dupont.pk}/")
    assert b'id="personal-data-form"' in page.content
    response = logged_client.post(f"/customers/{dupont.pk}/personal-data.json")
    assert response.status_code == 200 and response["Content-Type"].startswith("application/json")
    data = json.loads(response.content)
    assert sorted(c["name"] for c in data["contacts"]) == ["Marc Durand", "Sophie Martin"]
    other = CustomerFactory(organization=other_org, ref="411OTHER", name="Autre SA", email="")
    assert logged_client.post(f"/customers/{other.pk}/personal-data.json").status_code == 404
    Membership.objects.filter(user=user, organization=org).update(role="collector")
    assert b'id="personal-data-form"' not in logged_client.get(f"/customers/{dupont.pk}/").content
    assert logged_client.post(f"/customers/{dupont.pk}/personal-data.json").status_code == 403


def test_the_export_lists_the_accounts_the_customer_pays_from(org, dupont):  # type: ignore[no-untyped-def]
    from recouvre.bank.ibans import link_iban
    from recouvre.ledger.actors import Actor
    from recouvre.privacy.selectors import subject_access

    link_iban(dupont, Actor.system("test"), "FR7630006000011234567890189")
    data = subject_access(org, dupont)
    assert [a["iban"] for a in data["bank_accounts"]] == ["FR7630006000011234567890189"]
