"""Bulk actions on customers (from the customer list): assign a collector, pause collection until a date, change
the policy, produce the statements of account to send. Each is one transaction over all the customers chosen: all
are done or, at the first refusal, none; each customer gets its event on its timeline, written by the same service
as when done one customer at a time."""

from __future__ import annotations

import io
import zipfile
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from recouvre.ledger.actors import Actor
from recouvre.ledger.models import Customer
from recouvre.ledger.services import record_event
from recouvre.organizations.models import Membership, Organization

from .configuration import set_customer_collection
from .holds import pause_customer
from .models import CustomerCollection, Policy

MAX_CUSTOMERS = 5000
MAX_STATEMENTS = 100


def check_count(customers: Sequence[Customer], most: int = MAX_CUSTOMERS) -> None:
    if not customers:
        raise ValidationError(_("Tick at least one customer."))
    if len(customers) > most:
        raise ValidationError(
            _("At most %(most)d customers at once (%(count)d chosen): narrow the filter.")
            % {"most": most, "count": len(customers)}
        )


def _check(organization: Organization, customers: Sequence[Customer]) -> None:
    check_count(customers)
    if any(c.organization_id != organization.pk for c in customers):
        raise Customer.DoesNotExist


def _current(customers: Sequence[Customer]) -> dict[int, CustomerCollection]:
    return {
        s.customer_id: s
        for s in CustomerCollection.objects.filter(customer__in=[c.pk for c in customers]).select_related(
            "policy", "collector"
        )
    }


@transaction.atomic
def assign_collector(organization: Organization, customers: Sequence[Customer], *, collector: Any, actor: Actor) -> int:
    """Give each customer ``collector`` (a member of the organization; ``None``: nobody), keeping its policy."""
    _check(organization, customers)
    if collector is not None and not Membership.objects.filter(organization=organization, user=collector).exists():
        raise ValidationError(_("The collector must be a member of the organization."))
    current = _current(customers)
    for c in customers:
        settings = current.get(c.pk)
        set_customer_collection(
            organization,
            c,
            policy=settings.policy if settings is not None else None,
            collector=collector,
            actor=actor,
        )
    return len(customers)


@transaction.atomic
def set_policy(
    organization: Organization, customers: Sequence[Customer], *, policy: Policy | None, actor: Actor
) -> int:
    """Give each customer ``policy`` (``None``: its segment's), keeping its collector."""
    _check(organization, customers)
    current = _current(customers)
    for c in customers:
        settings = current.get(c.pk)
        set_customer_collection(
            organization,
            c,
            policy=policy,
            collector=settings.collector if settings is not None else None,
            actor=actor,
        )
    return len(customers)


@transaction.atomic
def pause(
    organization: Organization,
    customers: Sequence[Customer],
    *,
    until: date,
    actor: Actor,
    reason: str = "",
    today: date | None = None,
) -> int:
    """Pause collection of each customer from today to ``until`` inclusive (a manual hold each)."""
    _check(organization, customers)
    for c in customers:
        pause_customer(organization, c, until=until, actor=actor, reason=reason, today=today)
    return len(customers)


@dataclass(frozen=True)
class Statements:
    zip_bytes: bytes
    count: int


@transaction.atomic
def statements_to_send(
    organization: Organization, customers: Sequence[Customer], *, as_of: date, actor: Actor
) -> Statements:
    """The statement of account of each customer at ``as_of``, with its link to the customer portal (as "statement
    to send" on the customer page), in one ZIP file; an event on each customer's timeline."""
    from recouvre.letters.statement import render_statement
    from recouvre.portal.links import document_link

    _check(organization, customers)
    check_count(customers, MAX_STATEMENTS)
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        for c in customers:
            statement = render_statement(organization, c, as_of, portal_url=document_link(c, actor=actor))
            name = "".join(ch if ch.isalnum() or ch in "-_." else "_" for ch in c.ref)
            zf.writestr(f"releve-{name}-{as_of.isoformat()}.pdf", statement.pdf)
            record_event(
                organization, c, "statement.produced", actor, as_of=as_of, balance=statement.balance, currency="EUR"
            )
    return Statements(buf.getvalue(), len(customers))
