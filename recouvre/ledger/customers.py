"""Customers and their contacts created and edited by a person (the web app, the command line), checked first.

Each function is one transaction with one event on the customer's timeline; what is refused raises a
``ValidationError`` whose messages are by field, and nothing is written. The fields are checked by
``recouvre.core.customer_fields`` (numbers stored compact, text on one line) and the identifiers against each other
(``recouvre.core.identifiers.siren_errors``).

The account reference (``ref``) is set when the customer is created and never changed here: it is the key every
import matches its lines on, so changing it would make the next import create the customer again.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from recouvre.core.customer_fields import clean_contact, clean_customer
from recouvre.core.identifiers import siren_errors
from recouvre.organizations.models import Organization

from .actors import Actor
from .models import Contact, Customer
from .services import _jsonable, record_event, update_customer

# The fields a person may set on a customer (the legal identity has its own form: ``update_customer``).
CUSTOMER_FIELDS = (
    "name",
    "kind",
    "siren",
    "siret",
    "vat_number",
    "address_line1",
    "address_line2",
    "postal_code",
    "city",
    "country",
    "language",
    "segment",
    "payment_terms_days",
    "payment_terms_end_of_month",
    "credit_limit",
    "tags",
)
CONTACT_FIELDS = ("name", "role", "email", "phone", "is_primary")


def languages() -> list[str]:
    """The languages a customer's letters and e-mails may be written in."""
    return [code for code, _name in settings.LANGUAGES]


def _refuse_unknown(fields: dict[str, Any], allowed: tuple[str, ...]) -> None:
    unknown = sorted(set(fields) - set(allowed))
    if unknown:
        raise ValidationError({f: _("this field cannot be changed here") for f in unknown})


def _check_customer(customer: Customer) -> None:
    """The model's own checks (choices, lengths) and the identifiers against each other."""
    errors: dict[str, list[str]] = {}
    try:
        customer.full_clean(exclude=["organization"], validate_unique=False, validate_constraints=False)
    except ValidationError as exc:
        errors.update(exc.message_dict)
    for field, message in siren_errors(customer.siren, customer.siret, customer.vat_number).items():
        errors.setdefault(field, []).append(message)
    if errors:
        raise ValidationError(errors)


@transaction.atomic
def add_customer(organization: Organization, actor: Actor, *, ref: str, name: str, **fields: Any) -> Customer:
    """A new customer, its account reference unique in the organization. One ``customer.created`` event."""
    _refuse_unknown(fields, CUSTOMER_FIELDS)
    cleaned, errors = clean_customer({"ref": ref, "name": name, **fields}, languages=languages())
    if errors:
        raise ValidationError(errors)
    existing = Customer.objects.filter(organization=organization, ref=cleaned["ref"]).first()
    if existing is not None:
        raise ValidationError({"ref": _duplicate(existing)})
    customer = Customer(organization=organization, **cleaned)
    _check_customer(customer)
    try:
        with transaction.atomic():
            customer.save()
    except IntegrityError:  # created meanwhile by someone else
        existing = Customer.objects.filter(organization=organization, ref=cleaned["ref"]).first()
        raise ValidationError({"ref": _duplicate(existing)}) from None
    record_event(organization, customer, "customer.created", actor, ref=customer.ref, name=customer.name)
    return customer


def _duplicate(existing: Customer | None) -> str:
    if existing is None:
        return _("this account is already used by another customer")
    return _("the account %(ref)s is already used by the customer %(name)s") % {
        "ref": existing.ref,
        "name": existing.name,
    }


@transaction.atomic
def edit_customer(customer: Customer, actor: Actor, **changes: Any) -> Customer:
    """Change some of a customer's fields (not its account reference): one ``customer.updated`` event naming each
    change, none when nothing changes."""
    if "ref" in changes:
        raise ValidationError({"ref": _("the account reference is set when the customer is created")})
    _refuse_unknown(changes, CUSTOMER_FIELDS)
    cleaned, errors = clean_customer(changes, languages=languages())
    if errors:
        raise ValidationError(errors)
    locked = Customer.objects.select_for_update().get(pk=customer.pk)
    candidate = Customer(**{f.attname: getattr(locked, f.attname) for f in Customer._meta.concrete_fields})
    for field, value in cleaned.items():
        setattr(candidate, field, value)
    _check_customer(candidate)
    update_customer(locked, actor, **cleaned)
    for field in cleaned:
        setattr(customer, field, getattr(locked, field))
    return customer


def _lock(customer: Customer) -> Customer:
    """The customer's row locked for the transaction: two people changing its contacts at once take turns (at most
    one primary contact)."""
    return Customer.objects.select_for_update().get(pk=customer.pk)


def _check_contact(contact: Contact) -> None:
    errors: dict[str, list[str]] = {}
    try:
        contact.full_clean(exclude=["organization", "customer"], validate_unique=False, validate_constraints=False)
    except ValidationError as exc:
        errors.update(exc.message_dict)
    if not (contact.name or contact.email or contact.phone):
        errors.setdefault("name", []).append(_("give a name, an e-mail address or a phone number"))
    if errors:
        raise ValidationError(errors)


def _unset_other_primaries(customer: Customer, contact: Contact) -> list[str]:
    others = Contact.objects.filter(customer=customer, is_primary=True).exclude(pk=contact.pk)
    names = [str(c) for c in others]
    others.update(is_primary=False)
    return names


@transaction.atomic
def add_customer_contact(customer: Customer, actor: Actor, **fields: Any) -> Contact:
    """A new contact of the customer; made primary, it takes the place of the primary one. One ``contact.added``
    event."""
    _refuse_unknown(fields, CONTACT_FIELDS)
    cleaned, errors = clean_contact(fields)
    if errors:
        raise ValidationError(errors)
    locked = _lock(customer)
    contact = Contact(organization_id=locked.organization_id, customer=locked, **cleaned)
    _check_contact(contact)
    contact.save()
    replaced = _unset_other_primaries(locked, contact) if contact.is_primary else []
    record_event(
        locked.organization,
        locked,
        "contact.added",
        actor,
        contact=contact.pk,
        name=contact.name,
        email=contact.email,
        phone=contact.phone,
        role=contact.role,
        primary=contact.is_primary,
        replaces=", ".join(replaced),
    )
    return contact


@transaction.atomic
def edit_contact(contact: Contact, actor: Actor, **changes: Any) -> Contact:
    """Change some of a contact's fields: one ``contact.updated`` event naming each change, none when nothing
    changes. Made primary, it takes the place of the primary one."""
    _refuse_unknown(changes, CONTACT_FIELDS)
    cleaned, errors = clean_contact(changes)
    if errors:
        raise ValidationError(errors)
    customer = _lock(contact.customer)
    current = Contact.objects.get(pk=contact.pk)
    changed: dict[str, list[Any]] = {}
    for field, value in cleaned.items():
        old = getattr(current, field)
        if old != value:
            changed[field] = [_jsonable(old), _jsonable(value)]
            setattr(current, field, value)
    if not changed:
        return current
    _check_contact(current)
    if "email" in changed and current.email_bounced_at is not None:
        # a new address: the bounce was the old one's
        current.email_bounced_at, current.email_bounce_reason = None, ""
    current.save()
    replaced = _unset_other_primaries(customer, current) if current.is_primary else []
    record_event(
        customer.organization,
        customer,
        "contact.updated",
        actor,
        contact=current.pk,
        name=str(current),
        changes=changed,
        replaces=", ".join(replaced),
    )
    return current


@transaction.atomic
def remove_contact(contact: Contact, actor: Actor) -> None:
    """Delete a contact. One ``contact.removed`` event."""
    customer = _lock(contact.customer)
    current = Contact.objects.filter(pk=contact.pk).first()
    if current is None:
        return
    record_event(
        customer.organization,
        customer,
        "contact.removed",
        actor,
        contact=current.pk,
        name=current.name,
        email=current.email,
        phone=current.phone,
    )
    current.delete()
