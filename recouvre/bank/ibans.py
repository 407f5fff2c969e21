"""The accounts a customer pays from (``CustomerIban``), linked or unlinked by a person: a transfer from a linked
account points to its customer when bank entries are matched. Confirming a match links the payer's account too
(``recouvre.bank.matching``). Each change is one transaction with one event (``bank.iban_linked``,
``bank.iban_unlinked``); an IBAN refused raises a ``ValidationError`` on the ``iban`` field and writes nothing."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from recouvre.core.identifiers import IdentifierError, compact_iban, validate_iban
from recouvre.ledger.actors import Actor
from recouvre.ledger.models import Customer
from recouvre.ledger.services import record_event

from .models import CustomerIban


def _valid(iban: str) -> str:
    try:
        return validate_iban(iban.strip())
    except IdentifierError as exc:
        raise ValidationError({"iban": str(exc)}) from None


def _already(iban: str) -> str:
    from recouvre.core.identifiers import format_iban

    return _("%(iban)s is already linked to this customer") % {"iban": format_iban(iban)}


@transaction.atomic
def link_iban(customer: Customer, actor: Actor, iban: str) -> CustomerIban:
    """Link an account to the customer (its IBAN stored compact, in capitals). Refused when already linked to it,
    or to another customer of the organization (a transfer from it would point to both)."""
    from recouvre.core.identifiers import format_iban

    value = _valid(iban)
    linked = (
        CustomerIban.objects.filter(organization_id=customer.organization_id, iban=value)
        .select_related("customer")
        .first()
    )
    if linked is not None:
        if linked.customer_id == customer.pk:
            raise ValidationError(
                {"iban": _("%(iban)s is already linked to this customer") % {"iban": format_iban(value)}}
            )
        raise ValidationError(
            {
                "iban": _("%(iban)s is linked to the customer %(name)s (%(ref)s): unlink it there first")
                % {"iban": format_iban(value), "name": linked.customer.name, "ref": linked.customer.ref}
            }
        )
    try:
        with transaction.atomic():
            link = CustomerIban.objects.create(
                organization_id=customer.organization_id, customer=customer, iban=value, linked_by=actor.label
            )
    except IntegrityError:  # linked meanwhile
        raise ValidationError({"iban": _already(value)}) from None
    record_event(customer.organization, customer, "bank.iban_linked", actor, iban=value)
    return link


@transaction.atomic
def unlink_iban(customer: Customer, actor: Actor, iban: str) -> None:
    """Unlink an account from the customer: its transfers no longer point to it."""
    value = compact_iban(iban)
    deleted, _by_model = CustomerIban.objects.filter(
        organization_id=customer.organization_id, customer=customer, iban=value
    ).delete()
    if not deleted:
        raise ValidationError({"iban": _("%(iban)s is not linked to this customer") % {"iban": iban.strip()}})
    record_event(customer.organization, customer, "bank.iban_unlinked", actor, iban=value)
