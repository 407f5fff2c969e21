"""Tenant-scoped reads of the ledger. Every function takes the organization first; nothing here can return
another organization's rows."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from django.db.models import Exists, OuterRef, Q, QuerySet, Sum, Value
from django.db.models.functions import Coalesce

from recouvre.organizations.models import Organization

from .models import AMOUNT, CreditNote, Customer, Event, Invoice, Payment

_ZERO = Value(Decimal("0.00"))


def customers(organization: Organization) -> QuerySet[Customer]:
    return Customer.objects.filter(organization=organization)


def customer(organization: Organization, pk: int) -> Customer:
    """The customer ``pk`` of this organization; ``Customer.DoesNotExist`` otherwise (a 404 for views)."""
    return customers(organization).get(pk=pk)


def customer_by_ref(organization: Organization, ref: str) -> Customer | None:
    return customers(organization).filter(ref=ref).first()


def invoices(organization: Organization) -> QuerySet[Invoice]:
    return Invoice.objects.filter(organization=organization).select_related("customer")


def invoice(organization: Organization, pk: int) -> Invoice:
    return invoices(organization).get(pk=pk)


def open_invoices(organization: Organization) -> QuerySet[Invoice]:
    return invoices(organization).filter(open_amount__gt=0)


def overdue_invoices(organization: Organization, as_of: date) -> QuerySet[Invoice]:
    return open_invoices(organization).filter(due_on__lt=as_of)


def payments(organization: Organization) -> QuerySet[Payment]:
    return Payment.objects.filter(organization=organization)


def credit_notes(organization: Organization) -> QuerySet[CreditNote]:
    return CreditNote.objects.filter(organization=organization)


def customers_with_balances(organization: Organization, as_of: date) -> QuerySet[Customer]:
    """Customers annotated with ``open_total``, ``overdue_total`` and ``unapplied`` (unallocated payments and
    credit notes), each from one grouped sub-query."""
    from django.db.models import DecimalField, OuterRef, Subquery

    dec = DecimalField(**AMOUNT)

    def _sum(qs: QuerySet, field: str) -> Coalesce:  # type: ignore[type-arg]
        sub = qs.filter(customer=OuterRef("pk")).order_by().values("customer").annotate(s=Sum(field)).values("s")
        return Coalesce(Subquery(sub, output_field=dec), _ZERO, output_field=dec)

    open_qs = Invoice.objects.filter(organization=organization, open_amount__gt=0)
    return customers(organization).annotate(
        open_total=_sum(open_qs, "open_amount"),
        overdue_total=_sum(open_qs.filter(due_on__lt=as_of), "open_amount"),
        unapplied=Coalesce(
            _sum(
                Payment.objects.filter(organization=organization, unallocated_amount__gt=0),
                "unallocated_amount",
            ),
            _ZERO,
        )
        + _sum(
            CreditNote.objects.filter(organization=organization, unallocated_amount__gt=0),
            "unallocated_amount",
        ),
    )


def customer_has_overdue(organization: Organization, as_of: date) -> Exists:
    return Exists(overdue_invoices(organization, as_of).filter(customer=OuterRef("pk")))


def timeline(organization: Organization, customer: Customer) -> QuerySet[Event]:
    return Event.objects.filter(organization=organization, customer=customer).select_related("actor")


def search_customers(organization: Organization, text: str) -> QuerySet[Customer]:
    qs = customers(organization)
    text = text.strip()
    if text:
        qs = qs.filter(Q(name__icontains=text) | Q(ref__icontains=text) | Q(siren__startswith=text))
    return qs
