"""What is owed: customers, invoices, credit notes, payments, allocations, and each customer's timeline.

Integrity is a database fact:
- amounts are positive (check constraints);
- ``allocated_amount`` on invoices, credit notes and payments is maintained by database triggers on
  ``Allocation`` (see migration 0002), and a check constraint keeps it within the document's total, so an
  allocation that would exceed the invoice, the payment or the credit note is refused by the database;
- the same triggers refuse an allocation whose invoice, payment or credit note belong to another organization
  or are in another currency; allocations cannot be updated, only deleted and created again;
- ``open_amount`` / ``unallocated_amount`` are generated columns (total minus allocated);
- an invoice payable in several instalments keeps one row per instalment (``InvoiceInstalment``): what is settled
  on the invoice settles them oldest first, so an instalment's open amount is derived from the invoice's
  ``allocated_amount`` and the amounts due up to it, never stored apart (nothing to keep in step).
"""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.db.models.functions import Round
from django.utils.translation import gettext_lazy as _

from recouvre.organizations.models import Organization

AMOUNT = {"max_digits": 15, "decimal_places": 2}


def _remaining(total: str) -> models.GeneratedField:
    return models.GeneratedField(
        expression=Round(F(total) - F("allocated_amount"), 2),
        output_field=models.DecimalField(**AMOUNT),
        db_persist=True,
    )


class Source(models.TextChoices):
    MANUAL = "manual", _("Entered by hand")
    CSV = "csv", _("CSV import")
    XLSX = "xlsx", _("XLSX import")
    FEC = "fec", _("FEC import")
    API = "api", _("API")
    EINVOICE = "einvoice", _("E-invoice import")
    DEMO = "demo", _("Demo data")
    BANK = "bank", _("Bank statement")
    ONLINE = "online", _("Online payment")


class CustomerKind(models.TextChoices):
    BUSINESS = "business", _("Business")
    CONSUMER = "consumer", _("Consumer")
    PUBLIC = "public", _("Public body")


class Segment(models.TextChoices):
    STRATEGIC = "strategic", _("Strategic")
    STANDARD = "standard", _("Standard")
    SMALL = "small", _("Small")


class CompanyStatus(models.TextChoices):
    ACTIVE = "active", _("Active")
    CLOSED = "closed", _("Closed")


class Customer(models.Model):
    # Indexed by the unique (organization, ref) constraint; no separate index to maintain on bulk inserts.
    organization = models.ForeignKey(Organization, on_delete=models.PROTECT, related_name="customers", db_index=False)
    ref = models.CharField(_("account"), max_length=40, help_text=_("Account reference, e.g. 411DUPONT"))
    name = models.CharField(_("name"), max_length=200)
    kind = models.CharField(_("kind"), max_length=10, choices=CustomerKind.choices, default=CustomerKind.BUSINESS)
    siren = models.CharField(_("SIREN"), max_length=9, blank=True, default="")
    siret = models.CharField(_("SIRET"), max_length=14, blank=True, default="")
    vat_number = models.CharField(_("VAT number"), max_length=20, blank=True, default="")
    address_line1 = models.CharField(_("address"), max_length=200, blank=True, default="")
    address_line2 = models.CharField(_("address (continued)"), max_length=200, blank=True, default="")
    postal_code = models.CharField(_("postal code"), max_length=20, blank=True, default="")
    city = models.CharField(_("city"), max_length=100, blank=True, default="")
    country = models.CharField(_("country"), max_length=2, default="FR")
    language = models.CharField(_("language"), max_length=8, default="fr")
    segment = models.CharField(_("segment"), max_length=10, choices=Segment.choices, default=Segment.STANDARD)
    payment_terms_days = models.PositiveSmallIntegerField(_("payment terms (days)"), null=True, blank=True)
    payment_terms_end_of_month = models.BooleanField(_("end of month"), default=False)
    credit_limit = models.DecimalField(_("credit limit"), null=True, blank=True, **AMOUNT)
    tags = models.JSONField(_("tags"), default=list, blank=True)
    # Legal identity, for the documents addressed to a court (CPC 57, 1407) and the law each debtor gets.
    # ``public_person`` and ``administrative_contract`` left empty follow the kind: on for a public body.
    public_person = models.BooleanField(
        _("public legal person"),
        null=True,
        blank=True,
        help_text=_("Its property cannot be seized (CGPPP L2311-1). Empty: yes for a public body, no otherwise."),
    )
    administrative_contract = models.BooleanField(
        _("administrative contract"),
        null=True,
        blank=True,
        help_text=_(
            "Its contracts are administrative (administrative court, no injonction de payer). "
            "Empty: yes for a public body, no otherwise."
        ),
    )
    registered_office = models.TextField(
        _("registered office"),
        max_length=500,
        blank=True,
        default="",
        help_text=_("Seat of a company (siège social), if different from the billing address."),
    )
    domicile = models.TextField(
        _("domicile"),
        max_length=500,
        blank=True,
        default="",
        help_text=_("Home address of an individual, if different from the billing address."),
    )
    legal_form = models.CharField(_("legal form"), max_length=80, blank=True, default="", help_text=_("e.g. SAS, SARL"))
    representative = models.CharField(
        _("legal representative"),
        max_length=200,
        blank=True,
        default="",
        help_text=_("Name and capacity, e.g. Mme Claire Martin, présidente"),
    )
    # From the public company directory (``recouvre watch refresh``): the registered legal name (the customer's
    # ``name``, as the organization writes it, is never replaced), NAF code, and whether the company is active.
    registered_name = models.CharField(_("registered name"), max_length=200, blank=True, default="")
    naf_code = models.CharField(_("NAF code"), max_length=10, blank=True, default="")
    company_status = models.CharField(
        _("company status"), max_length=10, choices=CompanyStatus.choices, blank=True, default=""
    )
    company_closed_on = models.DateField(_("company closed on"), null=True, blank=True)
    company_checked_at = models.DateTimeField(_("company directory checked at"), null=True, blank=True)
    contract_rate = models.CharField(
        _("contractual penalty rate"),
        max_length=40,
        blank=True,
        default="",
        help_text=_(
            "Overrides the organization's: a rate in percent (12.5), 3xlegal (3 × the legal interest rate), "
            "ecb+7 (ECB rate + 7 points), or none (the statutory rate). Empty: the organization's."
        ),
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("customer")
        verbose_name_plural = _("customers")
        constraints = [
            models.UniqueConstraint(fields=["organization", "ref"], name="customer_ref_unique_per_org"),
            models.CheckConstraint(
                condition=Q(credit_limit__isnull=True) | Q(credit_limit__gte=0),
                name="customer_credit_limit_positive",
            ),
            models.CheckConstraint(
                condition=Q(payment_terms_days__isnull=True) | Q(payment_terms_days__lte=365),
                name="customer_terms_at_most_a_year",
            ),
        ]
        indexes = [models.Index(fields=["organization", "name"], name="customer_org_name")]

    def __str__(self) -> str:
        return f"{self.name} ({self.ref})"

    @property
    def payment_reference(self) -> str:
        """The customer's RF creditor reference (ISO 11649), compact: computed from the organization's id and the
        customer's (``recouvre.core.creditor_ref.customer_rf``), so it never changes and needs no storing."""
        from recouvre.core.creditor_ref import customer_rf

        return customer_rf(self.organization_id, self.pk) if self.pk else ""

    @property
    def payment_reference_printed(self) -> str:
        """``payment_reference`` in groups of four, as documents print it (``RF63 1300 0042``)."""
        from recouvre.core.creditor_ref import format_rf

        return format_rf(self.payment_reference)

    @property
    def is_public_person(self) -> bool:
        """A public legal person: its property cannot be seized (CGPPP L2311-1); no *exécution forcée*."""
        return self.kind == CustomerKind.PUBLIC if self.public_person is None else self.public_person

    @property
    def has_administrative_contract(self) -> bool:
        """Its contract is administrative: administrative court, never an injonction de payer (LEGAL-FR §5.1)."""
        if self.administrative_contract is None:
            return self.kind == CustomerKind.PUBLIC
        return self.administrative_contract

    @property
    def billing_address(self) -> str:
        lines = [self.address_line1, self.address_line2, " ".join(p for p in (self.postal_code, self.city) if p)]
        return "\n".join(line for line in lines if line)

    @property
    def legal_address(self) -> str:
        """Where the debtor is sued (CPC 1406, 42): the registered office of a company, the domicile of an
        individual; the billing address when none is recorded (``legal_address_recorded`` says which)."""
        recorded = self.domicile if self.kind == CustomerKind.CONSUMER else self.registered_office
        return recorded.strip() or self.billing_address

    @property
    def legal_address_recorded(self) -> bool:
        recorded = self.domicile if self.kind == CustomerKind.CONSUMER else self.registered_office
        return bool(recorded.strip())


class ContactRole(models.TextChoices):
    BILLING = "billing", _("Accounts payable")
    MANAGEMENT = "management", _("Management")
    PURCHASING = "purchasing", _("Purchasing")
    OTHER = "other", _("Other")


class Contact(models.Model):
    organization = models.ForeignKey(Organization, on_delete=models.PROTECT, related_name="+")
    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="contacts")
    name = models.CharField(_("name"), max_length=200, blank=True, default="")
    role = models.CharField(_("role"), max_length=20, choices=ContactRole.choices, default=ContactRole.BILLING)
    email = models.EmailField(_("e-mail"), blank=True, default="")
    phone = models.CharField(_("phone"), max_length=40, blank=True, default="")
    is_primary = models.BooleanField(_("primary"), default=False)
    # A delivery failure for good (a bounce read from the mailbox of replies, ``recouvre.mailbox``): the address is
    # not written to again until it is changed; cleared when the e-mail address changes.
    email_bounced_at = models.DateTimeField(_("address bounced"), null=True, blank=True)
    email_bounce_reason = models.CharField(max_length=500, blank=True, default="", db_default="")

    class Meta:
        ordering = ["-is_primary", "name", "id"]

    def __str__(self) -> str:
        return self.name or self.email or self.phone


class Invoice(models.Model):
    # Indexes are kept to what reads need (each one slows bulk imports): the unique (organization, number),
    # (customer, due_on) for a customer's items, the partial index of open items by due date, and (organization,
    # total) for the search by amount.
    organization = models.ForeignKey(Organization, on_delete=models.PROTECT, related_name="invoices", db_index=False)
    customer = models.ForeignKey(Customer, on_delete=models.PROTECT, related_name="invoices", db_index=False)
    number = models.CharField(_("number"), max_length=60)
    issued_on = models.DateField(_("issue date"))
    due_on = models.DateField(_("due date"))
    currency = models.CharField(_("currency"), max_length=3, default="EUR")
    amount_excl_tax = models.DecimalField(_("amount excl. tax"), null=True, blank=True, **AMOUNT)
    tax_amount = models.DecimalField(_("tax"), null=True, blank=True, **AMOUNT)
    total = models.DecimalField(_("total incl. tax"), **AMOUNT)
    allocated_amount = models.DecimalField(_("settled"), default=Decimal("0.00"), editable=False, **AMOUNT)
    open_amount = _remaining("total")
    source = models.CharField(_("source"), max_length=10, choices=Source.choices, default=Source.MANUAL)
    source_ref = models.CharField(_("source reference"), max_length=200, blank=True, default="")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["due_on", "number"]
        verbose_name = _("invoice")
        verbose_name_plural = _("invoices")
        constraints = [
            models.UniqueConstraint(fields=["organization", "number"], name="invoice_number_unique_per_org"),
            models.CheckConstraint(condition=Q(total__gt=0), name="invoice_total_positive"),
            models.CheckConstraint(
                condition=Q(allocated_amount__gte=0) & Q(allocated_amount__lte=F("total")),
                name="invoice_allocations_within_total",
            ),
            models.CheckConstraint(
                condition=Q(amount_excl_tax__isnull=True) | Q(amount_excl_tax__gte=0),
                name="invoice_excl_tax_not_negative",
            ),
            models.CheckConstraint(
                condition=Q(tax_amount__isnull=True) | Q(tax_amount__gte=0), name="invoice_tax_not_negative"
            ),
            models.CheckConstraint(
                condition=Q(amount_excl_tax__isnull=True)
                | Q(tax_amount__isnull=True)
                | Q(total=Round(F("amount_excl_tax") + F("tax_amount"), 2)),
                name="invoice_total_is_excl_plus_tax",
            ),
            models.CheckConstraint(condition=Q(due_on__gte=F("issued_on")), name="invoice_due_after_issue"),
        ]
        indexes = [
            models.Index(fields=["customer", "due_on"], name="invoice_customer_due"),
            models.Index(fields=["organization", "due_on"], name="invoice_open_by_due", condition=Q(open_amount__gt=0)),
            # the global search by amount ("1 234,56")
            models.Index(fields=["organization", "total"], name="invoice_org_total"),
        ]

    def __str__(self) -> str:
        return self.number


class InvoiceInstalment(models.Model):
    """One instalment (*échéance*) of an invoice payable on several dates: ``position`` among ``count``, due on
    ``due_on`` for ``amount``; ``cumulative`` is the amount due up to and including it. An invoice with one due date
    has no rows; one with a schedule has ``count`` >= 2 rows whose amounts add up to its total, the first due on the
    invoice's ``due_on`` (written only through ``recouvre.ledger.services.set_instalments`` and the imports, which
    check it with ``recouvre.core.instalments.schedule_errors``).

    Payments settle the instalments oldest first: the open amount of an instalment is
    ``min(amount, max(0, cumulative - invoice.allocated_amount))`` (``open_given``, ``selectors.INSTALMENT_OPEN``)."""

    invoice = models.ForeignKey(Invoice, on_delete=models.CASCADE, related_name="instalments", db_index=False)
    position = models.PositiveSmallIntegerField(_("instalment"))
    count = models.PositiveSmallIntegerField(_("instalments"))
    due_on = models.DateField(_("due date"))
    amount = models.DecimalField(_("amount due"), **AMOUNT)
    cumulative = models.DecimalField(_("due up to this instalment"), **AMOUNT)

    class Meta:
        ordering = ["invoice", "position"]
        verbose_name = _("invoice instalment")
        verbose_name_plural = _("invoice instalments")
        constraints = [
            # Also the index of an invoice's instalments.
            models.UniqueConstraint(fields=["invoice", "position"], name="invoice_instalment_once"),
            models.CheckConstraint(condition=Q(amount__gt=0), name="invoice_instalment_amount_positive"),
            models.CheckConstraint(
                condition=Q(position__gte=1) & Q(position__lte=F("count")) & Q(count__gte=2),
                name="invoice_instalment_position_in_count",
            ),
            models.CheckConstraint(
                condition=Q(cumulative__gte=F("amount")), name="invoice_instalment_cumulative_covers_amount"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.invoice_id} {self.position}/{self.count}"

    def open_given(self, allocated: Decimal) -> Decimal:
        """The open amount when ``allocated`` is settled on the whole invoice."""
        return min(self.amount, max(Decimal("0.00"), self.cumulative - allocated))


class CreditNote(models.Model):
    organization = models.ForeignKey(
        Organization, on_delete=models.PROTECT, related_name="credit_notes", db_index=False
    )
    customer = models.ForeignKey(Customer, on_delete=models.PROTECT, related_name="credit_notes")
    number = models.CharField(_("number"), max_length=60)
    issued_on = models.DateField(_("issue date"))
    currency = models.CharField(_("currency"), max_length=3, default="EUR")
    total = models.DecimalField(_("total incl. tax"), **AMOUNT)
    allocated_amount = models.DecimalField(_("applied"), default=Decimal("0.00"), editable=False, **AMOUNT)
    unallocated_amount = _remaining("total")
    invoice = models.ForeignKey(
        Invoice,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="credit_notes",
        verbose_name=_("corrected invoice"),
    )
    source = models.CharField(_("source"), max_length=10, choices=Source.choices, default=Source.MANUAL)
    source_ref = models.CharField(_("source reference"), max_length=200, blank=True, default="")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["issued_on", "number"]
        verbose_name = _("credit note")
        verbose_name_plural = _("credit notes")
        constraints = [
            models.UniqueConstraint(fields=["organization", "number"], name="credit_note_number_unique_per_org"),
            models.CheckConstraint(condition=Q(total__gt=0), name="credit_note_total_positive"),
            models.CheckConstraint(
                condition=Q(allocated_amount__gte=0) & Q(allocated_amount__lte=F("total")),
                name="credit_note_allocations_within_total",
            ),
        ]

    def __str__(self) -> str:
        return self.number


class PaymentMethod(models.TextChoices):
    TRANSFER = "transfer", _("Bank transfer")
    DIRECT_DEBIT = "direct_debit", _("Direct debit")
    CHEQUE = "cheque", _("Cheque")
    CARD = "card", _("Card")
    CASH = "cash", _("Cash")
    BILL = "bill", _("Bill of exchange (LCR)")
    OTHER = "other", _("Other")


class Payment(models.Model):
    organization = models.ForeignKey(Organization, on_delete=models.PROTECT, related_name="payments", db_index=False)
    customer = models.ForeignKey(Customer, on_delete=models.PROTECT, related_name="payments")
    received_on = models.DateField(_("date"))
    currency = models.CharField(_("currency"), max_length=3, default="EUR")
    amount = models.DecimalField(_("amount"), **AMOUNT)
    allocated_amount = models.DecimalField(_("allocated"), default=Decimal("0.00"), editable=False, **AMOUNT)
    unallocated_amount = _remaining("amount")
    method = models.CharField(_("method"), max_length=20, choices=PaymentMethod.choices, default=PaymentMethod.TRANSFER)
    reference = models.CharField(_("reference"), max_length=140, blank=True, default="")
    payer_name = models.CharField(_("payer name"), max_length=200, blank=True, default="")
    payer_iban = models.CharField(_("payer IBAN"), max_length=34, blank=True, default="")
    # The natural key used to make re-imports idempotent (a bank transaction id, a FEC line, a file key).
    source_key = models.CharField(_("source key"), max_length=200)
    source = models.CharField(_("source"), max_length=10, choices=Source.choices, default=Source.MANUAL)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["received_on", "id"]
        verbose_name = _("payment")
        verbose_name_plural = _("payments")
        constraints = [
            models.UniqueConstraint(fields=["organization", "source_key"], name="payment_source_key_unique_per_org"),
            models.CheckConstraint(condition=Q(amount__gt=0), name="payment_amount_positive"),
            models.CheckConstraint(
                condition=Q(allocated_amount__gte=0) & Q(allocated_amount__lte=F("amount")),
                name="payment_allocations_within_amount",
            ),
        ]
        # the global search by amount and by reference
        indexes = [
            models.Index(fields=["organization", "amount"], name="payment_org_amount"),
            models.Index(fields=["organization", "reference"], name="payment_org_reference"),
        ]

    def __str__(self) -> str:
        return f"{self.received_on} {self.amount} {self.currency}"


class Allocation(models.Model):
    """A payment or a credit note applied, in whole or in part, to an invoice (*lettrage*)."""

    organization = models.ForeignKey(Organization, on_delete=models.PROTECT, related_name="+")
    invoice = models.ForeignKey(Invoice, on_delete=models.CASCADE, related_name="allocations")
    payment = models.ForeignKey(Payment, null=True, blank=True, on_delete=models.CASCADE, related_name="allocations")
    credit_note = models.ForeignKey(
        CreditNote, null=True, blank=True, on_delete=models.CASCADE, related_name="allocations"
    )
    amount = models.DecimalField(_("amount"), **AMOUNT)
    allocated_on = models.DateField(_("date"))
    source = models.CharField(_("source"), max_length=10, choices=Source.choices, default=Source.MANUAL)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["allocated_on", "id"]
        constraints = [
            models.CheckConstraint(condition=Q(amount__gt=0), name="allocation_amount_positive"),
            models.CheckConstraint(
                condition=(Q(payment__isnull=False) & Q(credit_note__isnull=True))
                | (Q(payment__isnull=True) & Q(credit_note__isnull=False)),
                name="allocation_from_payment_or_credit_note",
            ),
        ]


class Event(models.Model):
    """One line on a customer's timeline: what happened, when, and who did it.

    ``kind`` is a stable dotted code (``invoice.created``, ``import.invoices``...); ``data`` holds the facts
    (numbers, amounts as strings, file names) and the text is rendered in the reader's language
    (``recouvre.ledger.timeline``).

    The events of an organization form a hash chain (``recouvre.ledger.chain``): an event is written unsealed
    (``seq`` empty), then sealed once its transaction is committed: numbered, its content's digest stored, and
    linked to the event sealed before it (``prev_hash``, ``hash``).
    """

    organization = models.ForeignKey(Organization, on_delete=models.PROTECT, related_name="+", db_index=False)
    customer = models.ForeignKey(Customer, null=True, blank=True, on_delete=models.CASCADE, related_name="events")
    kind = models.CharField(max_length=60)
    data = models.JSONField(default=dict, blank=True)
    # A user who recorded events is deactivated, never deleted: the user's id is part of the events' digests.
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT)
    actor_label = models.CharField(max_length=150, blank=True, default="")
    occurred_at = models.DateTimeField(auto_now_add=True, db_index=True)
    # SHA-256 of the event's original content (``recouvre.ledger.digests``): stored when the event is sealed (or,
    # when still empty, before the purge anonymises the event's data), and never changed afterwards.
    digest = models.CharField(max_length=64, blank=True, default="", db_default="")
    # The chain: the event's number in its organization's chain (empty until sealed), the link of the event sealed
    # before it (64 zeros for the first) and its own link, SHA-256 of prev_hash + digest + seq (recouvre.core.chain).
    seq = models.PositiveBigIntegerField(null=True, blank=True, editable=False)
    prev_hash = models.CharField(max_length=64, blank=True, default="", db_default="", editable=False)
    hash = models.CharField(max_length=64, blank=True, default="", db_default="", editable=False)
    # When the purge anonymised the event's data: its content then no longer matches its digest, by design.
    anonymised_at = models.DateTimeField(null=True, blank=True, editable=False)

    class Meta:
        ordering = ["-occurred_at", "-id"]
        indexes = [
            models.Index(fields=["organization", "customer", "-occurred_at"], name="event_timeline"),
            # the events still to seal, in the order they are sealed
            models.Index(fields=["organization", "id"], condition=Q(seq__isnull=True), name="event_unsealed"),
        ]
        constraints = [
            # one event per number in an organization's chain: two sealers can never fork it
            models.UniqueConstraint(
                fields=["organization", "seq"], condition=Q(seq__isnull=False), name="event_chain_seq"
            ),
        ]


class ChainHead(models.Model):
    """The last sealed event of an organization's chain (its number and link), written by every seal under the
    organization's lock: events deleted from the end of the chain are missed by the head."""

    organization = models.OneToOneField(
        Organization, on_delete=models.CASCADE, primary_key=True, related_name="chain_head"
    )
    seq = models.PositiveBigIntegerField(default=0)
    hash = models.CharField(max_length=64)
    sealed_at = models.DateTimeField()
