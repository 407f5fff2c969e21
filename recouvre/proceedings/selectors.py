"""Tenant-scoped reads of court proceedings."""

from __future__ import annotations

from django.db.models import QuerySet

from recouvre.ledger.models import Customer
from recouvre.organizations.models import Organization

from .models import Proceeding


def proceedings(organization: Organization) -> QuerySet[Proceeding]:
    return Proceeding.objects.filter(organization=organization)


def proceeding(organization: Organization, pk: int) -> Proceeding:
    """Raises ``Proceeding.DoesNotExist`` for another organization's."""
    return proceedings(organization).select_related("customer").get(pk=pk)


def customer_proceedings(organization: Organization, customer: Customer) -> list[Proceeding]:
    return list(proceedings(organization).filter(customer=customer).order_by("-opened_on", "-id"))


def open_proceeding(organization: Organization, customer: Customer) -> Proceeding | None:
    return proceedings(organization).filter(customer=customer, closed_on__isnull=True).first()
