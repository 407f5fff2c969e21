"""Credit insurance, the writes: an organization's policies, a customer's cover, an invoice declared to the
insurer. Each change is one transaction and leaves an event (the policy's on the organization's timeline, the
cover's and the declaration's on the customer's). ``InsuranceRefused`` says why input is refused (nothing
written). The deadlines and shares are ``recouvre.core.insurance``; the reads ``insurance_selectors``."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from django.db import transaction
from django.utils.translation import gettext as _

from recouvre.core.insurance import covers_on
from recouvre.ledger.actors import Actor
from recouvre.ledger.models import Customer, Invoice
from recouvre.ledger.services import record_event
from recouvre.organizations.models import Organization

from .models import InsuranceCover, InsuranceDeclaration, InsurancePolicy

MAX_DAYS = 3650


class InsuranceRefused(ValueError):
    pass


def _check_days(value: int | None) -> None:
    if value is not None and not 0 <= value <= MAX_DAYS:
        raise InsuranceRefused(_("A number of days must be from 0 to %(max)d.") % {"max": MAX_DAYS})


def save_policy(
    organization: Organization,
    *,
    actor: Actor,
    insurer: str,
    number: str,
    max_extension_days: int,
    declaration_days: int = 0,
    policy: InsurancePolicy | None = None,
) -> InsurancePolicy:
    """Add a policy (``policy`` None) or change one; the number is unique in the organization."""
    insurer, number = insurer.strip(), number.strip()
    if not insurer or not number:
        raise InsuranceRefused(_("The insurer and the policy number are required."))
    _check_days(max_extension_days)
    _check_days(declaration_days)
    same = InsurancePolicy.objects.filter(organization=organization, number=number)
    if policy is not None:
        same = same.exclude(pk=policy.pk)
    if same.exists():
        raise InsuranceRefused(_("A policy numbered %(number)s already exists.") % {"number": number})
    values = {
        "insurer": insurer,
        "number": number,
        "max_extension_days": max_extension_days,
        "declaration_days": declaration_days,
    }
    with transaction.atomic():
        if policy is None:
            policy = InsurancePolicy.objects.create(organization=organization, **values)
            record_event(organization, None, "insurance.policy_added", actor, **values)
            return policy
        changed = sorted(k for k, v in values.items() if getattr(policy, k) != v)
        if changed:
            for k, v in values.items():
                setattr(policy, k, v)
            policy.save()
            record_event(organization, None, "insurance.policy_changed", actor, fields=", ".join(changed), **values)
    return policy


def set_cover(
    organization: Organization,
    customer: Customer,
    *,
    actor: Actor,
    policy: InsurancePolicy,
    limit: Decimal,
    currency: str | None = None,
    starts_on: date | None = None,
    ends_on: date | None = None,
    max_extension_days: int | None = None,
) -> InsuranceCover:
    """Set the customer's cover (replacing the one it had); event ``insurance.cover_set``."""
    if policy.organization_id != organization.pk or customer.organization_id != organization.pk:
        raise InsuranceRefused(_("This policy or customer is not the organization's."))
    if limit < 0:
        raise InsuranceRefused(_("The insured limit cannot be negative."))
    if starts_on and ends_on and ends_on < starts_on:
        raise InsuranceRefused(_("The cover cannot end before it starts."))
    _check_days(max_extension_days)
    currency = (currency or organization.currency).upper()
    values = {
        "policy": policy,
        "limit": limit,
        "currency": currency,
        "starts_on": starts_on,
        "ends_on": ends_on,
        "max_extension_days": max_extension_days,
    }
    with transaction.atomic():
        cover, _created = InsuranceCover.objects.update_or_create(
            customer=customer, defaults={"organization": organization, **values}
        )
        record_event(
            organization,
            customer,
            "insurance.cover_set",
            actor,
            insurer=policy.insurer,
            policy=policy.number,
            limit=limit,
            currency=currency,
            starts_on=starts_on.isoformat() if starts_on else "",
            ends_on=ends_on.isoformat() if ends_on else "",
            max_extension_days=max_extension_days if max_extension_days is not None else "",
        )
    return cover


def remove_cover(organization: Organization, customer: Customer, *, actor: Actor) -> bool:
    with transaction.atomic():
        cover = InsuranceCover.objects.filter(organization=organization, customer=customer).first()
        if cover is None:
            return False
        policy = cover.policy
        cover.delete()
        record_event(
            organization, customer, "insurance.cover_removed", actor, insurer=policy.insurer, policy=policy.number
        )
    return True


def declare(
    organization: Organization,
    invoice: Invoice,
    *,
    actor: Actor,
    declared_on: date,
    reference: str = "",
    amount: Decimal | None = None,
) -> InsuranceDeclaration:
    """Record that ``invoice`` was declared to the insurer on ``declared_on`` (its open amount unless ``amount``);
    it then leaves the deadlines. Refused for an invoice already declared, paid, or of a customer not covered."""
    if invoice.organization_id != organization.pk:
        raise InsuranceRefused(_("This invoice is not the organization's."))
    cover = InsuranceCover.objects.filter(organization=organization, customer_id=invoice.customer_id).first()
    if cover is None:
        raise InsuranceRefused(
            _("Invoice %(number)s is not of a customer covered by credit insurance.") % {"number": invoice.number}
        )
    if invoice.currency != cover.currency or not covers_on(invoice.issued_on, cover.starts_on, cover.ends_on):
        raise InsuranceRefused(
            _("Invoice %(number)s is not covered: it is in another currency or issued outside the cover's dates.")
            % {"number": invoice.number}
        )
    if InsuranceDeclaration.objects.filter(invoice=invoice).exists():
        raise InsuranceRefused(_("Invoice %(number)s is already declared.") % {"number": invoice.number})
    open_amount = invoice.total - invoice.allocated_amount
    if open_amount <= 0:
        raise InsuranceRefused(_("Invoice %(number)s is paid: nothing to declare.") % {"number": invoice.number})
    amount = open_amount if amount is None else amount
    if amount <= 0:
        raise InsuranceRefused(_("The amount declared must be more than zero."))
    with transaction.atomic():
        declaration = InsuranceDeclaration.objects.create(
            organization=organization,
            invoice=invoice,
            declared_on=declared_on,
            reference=reference.strip(),
            amount=amount,
        )
        record_event(
            organization,
            invoice.customer,
            "insurance.declared",
            actor,
            invoice=invoice.number,
            declared_on=declared_on.isoformat(),
            reference=declaration.reference,
            amount=amount,
            currency=invoice.currency,
            insurer=cover.policy.insurer,
        )
    return declaration


def withdraw_declaration(organization: Organization, invoice: Invoice, *, actor: Actor) -> InsuranceDeclaration:
    """Withdraw the declaration recorded for ``invoice`` (recorded by mistake, or withdrawn with the insurer): the
    invoice is back on the deadlines; the timeline keeps both events (``insurance.declaration_withdrawn``).
    Refused when the invoice has no declaration."""
    if invoice.organization_id != organization.pk:
        raise InsuranceRefused(_("This invoice is not the organization's."))
    with transaction.atomic():
        declaration = (
            InsuranceDeclaration.objects.select_for_update().filter(organization=organization, invoice=invoice).first()
        )
        if declaration is None:
            raise InsuranceRefused(_("Invoice %(number)s is not declared.") % {"number": invoice.number})
        declaration.delete()
        record_event(
            organization,
            invoice.customer,
            "insurance.declaration_withdrawn",
            actor,
            invoice=invoice.number,
            declared_on=declaration.declared_on.isoformat(),
            reference=declaration.reference,
            amount=declaration.amount,
            currency=invoice.currency,
        )
    return declaration
