"""The shapes the API reads and writes (pydantic, through django-ninja). Amounts are written as decimal strings
(``"1234.56"``) and read from a string or a number; dates are ISO 8601 (``2026-03-31``)."""

from __future__ import annotations

import re
from datetime import date, datetime
from decimal import Decimal
from typing import Annotated, Any

from django.utils.translation import gettext as _
from ninja import Field, Schema
from pydantic import BeforeValidator, model_validator

MAX_BATCH = 5000

_NUMBER = re.compile(r"[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?")


def _not_a_number(value: Any) -> Any:
    """Dates and times are ISO 8601 text, as the schema says: a number, or a text of digits, which pydantic would
    read as a Unix time (``0``: 1 January 1970), is refused."""
    if isinstance(value, bool | int | float) or (isinstance(value, str) and _NUMBER.fullmatch(value.strip())):
        raise ValueError(_("an ISO 8601 date is expected (2026-03-31, or 2026-03-31T09:30:00+02:00 with the time)"))
    return value


IsoDate = Annotated[date, BeforeValidator(_not_a_number)]
IsoDateTime = Annotated[datetime, BeforeValidator(_not_a_number)]


class Error(Schema):
    detail: str
    errors: list[dict[str, Any]] = Field(default_factory=list)


class CustomerOut(Schema):
    id: int
    ref: str
    name: str
    kind: str
    segment: str
    siren: str
    siret: str
    vat_number: str
    address_line1: str
    address_line2: str
    postal_code: str
    city: str
    country: str
    language: str
    payment_terms_days: int | None
    payment_terms_end_of_month: bool
    credit_limit: str | None
    created_at: datetime
    updated_at: datetime


class ContactOut(Schema):
    id: int
    customer_ref: str
    name: str
    role: str
    email: str
    phone: str
    is_primary: bool


class InvoiceOut(Schema):
    id: int
    number: str
    customer_ref: str
    issue_date: date
    due_date: date
    total: str
    amount_excl_tax: str | None
    tax_amount: str | None
    open_amount: str
    currency: str
    status: str = Field(description="open (not yet due), overdue, or paid")
    source: str
    created_at: datetime
    updated_at: datetime


class CreditNoteOut(Schema):
    id: int
    number: str
    customer_ref: str
    issue_date: date
    total: str
    unallocated_amount: str
    currency: str
    invoice_number: str | None
    created_at: datetime


class PaymentOut(Schema):
    id: int
    payment_id: str | None
    customer_ref: str
    received_date: date
    amount: str
    unallocated_amount: str
    currency: str
    method: str
    reference: str
    created_at: datetime


class AllocationOut(Schema):
    id: int
    invoice_number: str
    payment_id: str | None
    credit_note_number: str | None
    amount: str
    date: date
    created_at: datetime


class EventOut(Schema):
    id: int
    kind: str
    customer_ref: str | None
    text: str
    data: dict[str, Any]
    actor: str
    occurred_at: datetime


class HoldOut(Schema):
    id: int
    kind: str
    customer_ref: str
    invoice_numbers: list[str]
    starts_on: date
    ends_on: date | None
    active: bool
    outcome: str
    created_at: datetime
    released_at: datetime | None


class TaskOut(Schema):
    id: int
    kind: str
    title: str
    customer_ref: str
    invoice_number: str | None
    due_on: date | None
    state: str
    outcome: str
    assignee: str | None
    created_at: datetime
    done_at: datetime | None


def page_of(item: type[Schema], name: str) -> type[Schema]:
    """``{"items": [...], "next": URL or null}`` of ``item``."""
    return type(
        name,
        (Schema,),
        {
            "__annotations__": {"items": list[item], "next": str | None},  # type: ignore[valid-type]
            "next": Field(None, description="the URL of the next page, or null on the last one"),
        },
    )


CustomerPage = page_of(CustomerOut, "CustomerPage")
ContactPage = page_of(ContactOut, "ContactPage")
InvoicePage = page_of(InvoiceOut, "InvoicePage")
CreditNotePage = page_of(CreditNoteOut, "CreditNotePage")
PaymentPage = page_of(PaymentOut, "PaymentPage")
AllocationPage = page_of(AllocationOut, "AllocationPage")
EventPage = page_of(EventOut, "EventPage")
HoldPage = page_of(HoldOut, "HoldPage")
TaskPage = page_of(TaskOut, "TaskPage")


# ------------------------------------------------------------------------------------------------ writes

Amount = Decimal | None


class CustomerIn(Schema):
    ref: str = Field(description="the customer's account, e.g. 411DUPONT")
    name: str
    kind: str | None = Field(None, description="business, consumer or public")
    segment: str | None = Field(None, description="strategic, standard or small")
    siren: str | None = None
    siret: str | None = None
    vat_number: str | None = None
    address_line1: str | None = None
    address_line2: str | None = None
    postal_code: str | None = None
    city: str | None = None
    country: str | None = None
    language: str | None = None
    payment_terms: str | None = Field(None, description="e.g. 30 days, 45 days end of month")
    credit_limit: Amount = None
    contact_name: str | None = None
    email: str | None = None
    phone: str | None = None


class InvoiceIn(Schema):
    number: str
    customer_ref: str
    customer_name: str | None = Field(None, description="used when create_customers creates the customer")
    issue_date: IsoDate
    due_date: IsoDate | None = Field(None, description="empty: from the customer's payment terms")
    total: Decimal = Field(description="amount including tax")
    amount_excl_tax: Amount = None
    tax_amount: Amount = None
    currency: str | None = None


class PaymentIn(Schema):
    payment_id: str | None = Field(None, description="your id of the payment: a payment sent again is not doubled")
    customer_ref: str
    received_date: IsoDate
    amount: Decimal
    currency: str | None = None
    reference: str | None = None
    method: str | None = None
    payer_name: str | None = None
    payer_iban: str | None = None
    invoice_number: str | None = Field(None, description="the invoice the payment settles")


class CreditNoteIn(Schema):
    number: str
    customer_ref: str
    issue_date: IsoDate
    total: Decimal = Field(description="amount including tax")
    currency: str | None = None
    invoice_number: str | None = Field(None, description="the invoice it corrects (not applied to it: see allocations)")


class AllocationIn(Schema):
    invoice_number: str
    payment_id: str | None = Field(None, description="the payment's id, as given to POST /payments or an import")
    credit_note_number: str | None = None
    amount: Decimal
    date: IsoDate | None = Field(None, description="default: the payment's or the credit note's date")


class CreditNoteBatch(Schema):
    items: list[CreditNoteIn] = Field(min_length=1, max_length=MAX_BATCH)


class AllocationBatch(Schema):
    items: list[AllocationIn] = Field(min_length=1, max_length=MAX_BATCH)


class CustomerBatch(Schema):
    items: list[CustomerIn] = Field(min_length=1, max_length=MAX_BATCH)


class InvoiceBatch(Schema):
    items: list[InvoiceIn] = Field(min_length=1, max_length=MAX_BATCH)
    create_customers: bool = Field(False, description="create the customers the invoices name that do not exist")


class PaymentBatch(Schema):
    items: list[PaymentIn] = Field(min_length=1, max_length=MAX_BATCH)


class WriteResult(Schema):
    created: int
    updated: int
    unchanged: int
    notes: list[str]


class HoldIn(Schema):
    kind: str = Field(pattern="^(pause|promise)$", description="pause: no reminder until a day; promise: to pay")
    customer_ref: str
    invoice_numbers: list[str] = Field(
        default_factory=list, max_length=1000, description="the invoices held (a pause: one at most); none: all"
    )
    until: IsoDate | None = Field(None, description="pause: the last day of the pause")
    amount: Decimal | None = Field(None, description="promise: the amount promised")
    promised_on: IsoDate | None = Field(None, description="promise: the day the customer promised to pay by")
    note: str = Field("", max_length=2000)


class HoldCreated(Schema):
    id: int


class RunIn(Schema):
    as_of: IsoDate | None = Field(None, description="the day to plan for (default today; not after today)")

    @model_validator(mode="before")
    @classmethod
    def _an_object(cls, value: Any) -> Any:
        """The body is a JSON object (``{}`` for today): ``[]`` or ``null`` is refused, not read as ``{}``. (The
        value comes wrapped by django-ninja, which reads attributes from any object.)"""
        if not isinstance(getattr(value, "_obj", value), dict):
            raise ValueError(_("a JSON object is expected"))
        return value


# field of the import -> name in the API
CUSTOMER_NAMES = {name: name for name in CustomerIn.model_fields}
INVOICE_NAMES = {
    "number": "number",
    "customer_ref": "customer_ref",
    "customer_name": "customer_name",
    "issued_on": "issue_date",
    "due_on": "due_date",
    "total": "total",
    "amount_excl_tax": "amount_excl_tax",
    "tax_amount": "tax_amount",
    "currency": "currency",
}
PAYMENT_NAMES = {name: name for name in PaymentIn.model_fields} | {"received_on": "received_date"}
PAYMENT_NAMES.pop("received_date")
