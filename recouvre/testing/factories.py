"""factory_boy factories shared by the test suites."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import factory

from recouvre.ledger.models import Contact, Customer, Invoice, Payment
from recouvre.organizations.models import Membership, Organization, Role, User


class OrganizationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Organization

    slug = factory.Sequence(lambda n: f"org{n}")
    name = factory.Sequence(lambda n: f"Société {n} SAS")
    siren = "732829320"


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    password = factory.PostGenerationMethodCall("set_password", "correct horse battery")

    @factory.post_generation
    def _save(obj, create, extracted, **kwargs):  # type: ignore[no-untyped-def]
        if create:
            obj.save()


class MembershipFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Membership

    user = factory.SubFactory(UserFactory)
    organization = factory.SubFactory(OrganizationFactory)
    role = Role.ADMIN


class CustomerFactory(factory.django.DjangoModelFactory):
    """A customer that can be e-mailed: an accounts-payable contact with an address, unless ``email=""`` (a customer
    without an e-mail address, whose e-mail steps fall back to its policy's other channel)."""

    class Meta:
        model = Customer
        skip_postgeneration_save = True

    organization = factory.SubFactory(OrganizationFactory)
    ref = factory.Sequence(lambda n: f"411C{n:05d}")
    name = factory.Sequence(lambda n: f"Client {n} SARL")

    @factory.post_generation
    def email(obj, create, extracted, **kwargs):  # type: ignore[no-untyped-def]
        if not create or extracted == "":
            return
        address = extracted or f"compta@{obj.ref.lower()}.example"
        Contact.objects.create(
            organization=obj.organization, customer=obj, name="Comptabilité", role="billing", email=address
        )


class InvoiceFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Invoice

    customer = factory.SubFactory(CustomerFactory)
    organization = factory.SelfAttribute("customer.organization")
    number = factory.Sequence(lambda n: f"F{n:06d}")
    issued_on = date(2026, 1, 15)
    due_on = factory.LazyAttribute(lambda o: o.issued_on + timedelta(days=30))
    total = Decimal("1200.00")
    currency = "EUR"


class PaymentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Payment

    customer = factory.SubFactory(CustomerFactory)
    organization = factory.SelfAttribute("customer.organization")
    received_on = date(2026, 2, 20)
    amount = Decimal("100.00")
    currency = "EUR"
    source_key = factory.Sequence(lambda n: f"pay-{n}")
