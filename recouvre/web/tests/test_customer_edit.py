"""Creating and editing customers, their contacts and bank accounts on the web app: what a person types is checked,
a refusal is shown next to its field (in French), and each change is on the customer's timeline."""

from __future__ import annotations

import pytest
from django.urls import reverse

from recouvre.bank.models import CustomerIban
from recouvre.ledger.models import Contact, Customer, Event
from recouvre.testing.factories import CustomerFactory

from .helpers import text

pytestmark = pytest.mark.django_db


def fr(message: str, **values: str) -> str:
    """``message`` as the French pages show it (the catalogue's French, once it has it)."""
    from django.utils.translation import gettext, override

    with override("fr"):
        return (gettext(message) % values if values else gettext(message)).replace("\u202f", " ").replace("\xa0", " ")


IBAN = "FR7630006000011234567890189"
NEW = {
    "ref": "411DUPONT",
    "name": "Boulangerie Dupont",
    "kind": "business",
    "siren": "732 829 320",
    "siret": "",
    "vat_number": "FR44732829320",
    "address_line1": "12 rue des Lilas",
    "postal_code": "34000",
    "city": "Montpellier",
    "country": "FR",
    "language": "fr",
    "segment": "standard",
    "payment_terms_days": "30",
    "credit_limit": "5 000,00",
    "tags": "boulangerie",
}


def test_a_customer_created_from_the_list(org, logged_client):  # type: ignore[no-untyped-def]
    assert fr("New customer") in text(logged_client.get(reverse("customer_list")))
    assert logged_client.get(reverse("customer_create")).status_code == 200
    response = logged_client.post(reverse("customer_create"), NEW, follow=True)
    customer = Customer.objects.get(organization=org, ref="411DUPONT")
    assert customer.siren == "732829320" and customer.payment_terms_days == 30
    page = text(response)
    assert fr("Customer %(name)s created.", name="Boulangerie Dupont") in page
    assert "732 829 320" in page  # shown formatted
    assert Event.objects.filter(customer=customer, kind="customer.created").count() == 1


def test_a_duplicate_account_is_refused_on_its_field(org, logged_client):  # type: ignore[no-untyped-def]
    CustomerFactory(organization=org, ref="411DUPONT", name="Dupont et Fils")
    response = logged_client.post(reverse("customer_create"), NEW)
    assert response.status_code == 200
    assert fr(
        "the account %(ref)s is already used by the customer %(name)s", ref="411DUPONT", name="Dupont et Fils"
    ) in text(response)
    assert Customer.objects.filter(organization=org).count() == 1


def test_an_invalid_siret_is_shown_on_its_field(org, logged_client):  # type: ignore[no-untyped-def]
    customer = CustomerFactory(organization=org, ref="411DUP", siren="732829320")
    url = reverse("customer_edit", args=[customer.pk])
    form = logged_client.get(url)
    assert form.status_code == 200 and 'value="732 829 320"' in form.content.decode()
    data = {k: v for k, v in NEW.items() if k != "ref"}
    response = logged_client.post(url, {**data, "siret": "732 829 320 00075", "city": "Sète"})
    assert response.status_code == 200
    html = response.content.decode()
    field = html[html.index('name="siret"') :]
    assert field.index('class="errorlist') < field.index('name="vat_number"')  # the error under the SIRET field
    customer.refresh_from_db()
    assert customer.siret == "" and customer.city != "Sète"
    response = logged_client.post(url, {**data, "siret": "73282932000074", "city": "Sète"}, follow=True)
    customer.refresh_from_db()
    assert (customer.siret, customer.city, customer.ref) == ("73282932000074", "Sète", "411DUP")
    assert fr("Customer details saved.") in text(response)


def test_contacts_added_edited_and_removed(org, logged_client):  # type: ignore[no-untyped-def]
    customer = CustomerFactory(organization=org, email="")
    page = reverse("customer_detail", args=[customer.pk])
    assert fr("Add a contact") in text(logged_client.get(page))
    add = reverse("contact_add", args=[customer.pk])
    logged_client.post(
        add, {"name": "Marie Dupont", "role": "billing", "email": "marie@dupont.example", "is_primary": "on"}
    )
    logged_client.post(
        add, {"name": "Paul Dupont", "role": "management", "phone": "04 67 00 00 02", "is_primary": "on"}
    )
    assert list(Contact.objects.filter(customer=customer, is_primary=True).values_list("name", flat=True)) == [
        "Paul Dupont"
    ]
    response = logged_client.post(add, {"name": "", "role": "billing", "email": "marie@"})
    assert response.status_code == 200 and fr("%(value)r is not an e-mail address", value="marie@") in text(response)
    marie = Contact.objects.get(customer=customer, name="Marie Dupont")
    edit = reverse("contact_edit", args=[customer.pk, marie.pk])
    assert logged_client.get(edit).status_code == 200
    logged_client.post(edit, {"name": "Marie Durand", "role": "billing", "email": "marie@dupont.example"})
    marie.refresh_from_db()
    assert marie.name == "Marie Durand"
    remove = reverse("contact_remove", args=[customer.pk, marie.pk])
    confirm = logged_client.get(remove)
    assert fr("Remove the contact %(name)s of %(customer)s?", name="Marie Durand", customer=customer.name) in text(
        confirm
    )
    assert Contact.objects.filter(pk=marie.pk).exists()  # asking does not remove
    response = logged_client.post(remove, follow=True)
    assert not Contact.objects.filter(pk=marie.pk).exists()
    assert fr("Contact %(name)s removed.", name="Marie Durand") in text(response)
    kinds = list(Event.objects.filter(customer=customer).values_list("kind", flat=True).order_by("pk"))
    assert kinds == ["contact.added", "contact.added", "contact.updated", "contact.removed"]


def test_bank_accounts_linked_and_unlinked(org, logged_client):  # type: ignore[no-untyped-def]
    customer = CustomerFactory(organization=org)
    response = logged_client.post(
        reverse("customer_iban_add", args=[customer.pk]), {"iban": "fr76 3000 6000 0112 3456 7890 189"}, follow=True
    )
    link = CustomerIban.objects.get(customer=customer)
    assert link.iban == IBAN
    page = text(response)
    assert fr("Bank accounts") in page and "FR76 3000 6000 0112 3456 7890 189" in page
    response = logged_client.post(
        reverse("customer_iban_add", args=[customer.pk]), {"iban": "FR7630006000011234567890188"}
    )
    assert response.status_code == 200 and "IBAN" in text(response)
    remove = reverse("customer_iban_remove", args=[customer.pk, link.pk])
    assert logged_client.get(remove).status_code == 200
    logged_client.post(remove)
    assert not CustomerIban.objects.filter(customer=customer).exists()
    assert list(Event.objects.filter(customer=customer).values_list("kind", flat=True).order_by("pk")) == [
        "bank.iban_linked", "bank.iban_unlinked",
    ]  # fmt: skip


def test_a_viewer_sees_no_edit_and_cannot_post(org, member_of):  # type: ignore[no-untyped-def]
    viewer = member_of("viewer")
    customer = CustomerFactory(organization=org)
    page = text(viewer.get(reverse("customer_detail", args=[customer.pk])))
    assert fr("Add a contact") not in page and fr("Link a bank account") not in page
    assert viewer.post(reverse("customer_create"), NEW).status_code == 403
    assert viewer.post(reverse("customer_iban_add", args=[customer.pk]), {"iban": IBAN}).status_code == 403
    assert not Customer.objects.filter(ref="411DUPONT").exists()


def test_another_organization_s_customer_and_contacts_are_out_of_reach(org, other_org, logged_client):  # type: ignore[no-untyped-def]
    stranger = CustomerFactory(organization=other_org)
    contact = stranger.contacts.get()
    assert logged_client.get(reverse("customer_edit", args=[stranger.pk])).status_code == 404
    assert logged_client.post(reverse("contact_remove", args=[stranger.pk, contact.pk])).status_code == 404
    mine = CustomerFactory(organization=org)
    assert logged_client.post(reverse("contact_remove", args=[mine.pk, contact.pk])).status_code == 404
    assert Contact.objects.filter(pk=contact.pk).exists()
