"""Tenant-scoped reads about bank accounts, statements and entries: every query is filtered by organization, so an
id of another organization's row finds nothing (``DoesNotExist``, a 404 for views)."""

from __future__ import annotations

from django.db.models import Count, F, Q, QuerySet

from recouvre.ledger.models import Customer, Invoice
from recouvre.organizations.models import Organization

from .models import BankAccount, BankEntry, BankStatement, EntryState


def bank_accounts(organization: Organization) -> QuerySet[BankAccount]:
    """The organization's accounts, each with ``entry_count`` and ``unmatched_credits`` (unmatched money in)."""
    return (
        BankAccount.objects.filter(organization=organization)
        .annotate(
            entry_count=Count("entries"),
            unmatched_credits=Count("entries", filter=Q(entries__state=EntryState.UNMATCHED, entries__amount__gt=0)),
        )
        .order_by("account_id")
    )


def bank_account(organization: Organization, pk: int) -> BankAccount:
    return BankAccount.objects.get(organization=organization, pk=pk)


def statements(organization: Organization, *, account: BankAccount | None = None) -> QuerySet[BankStatement]:
    """The organization's statements, those of the latest import first, each import's in file order."""
    qs = BankStatement.objects.filter(organization=organization).select_related("account", "import_run")
    if account is not None:
        qs = qs.filter(account=account)
    return qs.order_by(F("import_run_id").desc(nulls_last=True), "id")


def statement(organization: Organization, pk: int) -> BankStatement:
    return BankStatement.objects.select_related("account", "import_run").get(organization=organization, pk=pk)


def entries(
    organization: Organization,
    *,
    state: str = "",
    account: BankAccount | None = None,
    statement: BankStatement | None = None,
    search: str = "",
) -> QuerySet[BankEntry]:
    """The organization's entries, the latest booked first; ``search`` looks in the text, the counterparty and the
    references."""
    qs = BankEntry.objects.filter(organization=organization).select_related("account")
    if state:
        qs = qs.filter(state=state)
    if account is not None:
        qs = qs.filter(account=account)
    if statement is not None:
        qs = qs.filter(statement=statement)
    search = search.strip()
    if search:
        qs = qs.filter(
            Q(text__icontains=search)
            | Q(counterparty_name__icontains=search)
            | Q(bank_reference__icontains=search)
            | Q(end_to_end_id__icontains=search)
            | Q(creditor_reference__icontains=search)
        )
    return qs.order_by("-booked_on", "-id")


def entry(organization: Organization, pk: int) -> BankEntry:
    return BankEntry.objects.select_related("account", "statement", "statement__import_run").get(
        organization=organization, pk=pk
    )


def entries_to_match(organization: Organization) -> QuerySet[BankEntry]:
    """What the matching works on: the organization's unmatched credits (money in), oldest first."""
    return (
        BankEntry.objects.filter(organization=organization, state=EntryState.UNMATCHED, amount__gt=0)
        .select_related("account")
        .order_by("booked_on", "id")
    )


def open_invoices(organization: Organization, customer: Customer, currency: str) -> list[Invoice]:
    """The customer's invoices with something open in ``currency``, oldest due first (what a split by hand
    spreads a credit over)."""
    return list(
        Invoice.objects.filter(
            organization=organization, customer=customer, currency=currency, open_amount__gt=0
        ).order_by("due_on", "issued_on", "number", "pk")
    )


def find_customers(organization: Organization, text: str, *, limit: int = 10) -> list[Customer]:
    """The customers whose account reference is ``text`` (any case) or whose name contains it, the reference
    first."""
    text = text.strip()
    if not text:
        return []
    qs = Customer.objects.filter(organization=organization)
    exact = list(qs.filter(ref__iexact=text)[:limit])
    others = qs.filter(Q(name__icontains=text) | Q(ref__icontains=text)).exclude(pk__in=[c.pk for c in exact])
    return exact + list(others.order_by("name", "pk")[: max(0, limit - len(exact))])
