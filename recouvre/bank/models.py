"""Bank accounts, the statements imported for them and their entries (the booked movements, as the bank lists them).

Amounts are kept exact as the bank wrote them (up to five decimals, as camt allows), signed from the account
holder's side: a credit (money in) is positive. An entry's ``key`` (``recouvre.core.bank.entry_keys``) is unique per
organization, so a file imported again, or a statement overlapping one already imported, adds nothing.
"""

from __future__ import annotations

from decimal import Decimal

from django.core.validators import MaxValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from recouvre.imports.models import ImportRun
from recouvre.organizations.models import Organization

# camt amounts have up to 5 decimals and 18 digits in all.
BANK_AMOUNT = {"max_digits": 18, "decimal_places": 5}
# The longest a credit being identified may hold a customer's reminders.
IDENTIFY_HOLD_MAX_DAYS = 90


class BankFormat(models.TextChoices):
    CAMT053 = "camt.053", "camt.053"
    CAMT054 = "camt.054", "camt.054"
    CFONB120 = "cfonb120", "CFONB 120"
    MT940 = "mt940", "MT940"
    OFX = "ofx", "OFX"
    CSV = "csv", "CSV"


class BankAccount(models.Model):
    """An account of the organization at a bank, added the first time a statement of it is imported.

    ``account_id`` identifies it: its IBAN without spaces when the file gives one (CFONB: the one its bank, branch
    and account numbers make), else the account identifier as written, without spaces, in capitals."""

    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="bank_accounts")
    account_id = models.CharField(_("account"), max_length=64)
    iban = models.CharField(_("IBAN"), max_length=34, blank=True, default="")
    account_number = models.CharField(_("account number"), max_length=64, blank=True, default="")
    bank_code = models.CharField(_("bank code"), max_length=16, blank=True, default="")
    branch_code = models.CharField(_("branch code"), max_length=16, blank=True, default="")
    bic = models.CharField(_("BIC"), max_length=11, blank=True, default="")
    currency = models.CharField(_("currency"), max_length=3, blank=True, default="")
    name = models.CharField(_("name"), max_length=100, blank=True, default="")
    first_seen_on = models.DateField(_("first imported on"))
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        ordering = ["account_id"]
        verbose_name = _("bank account")
        verbose_name_plural = _("bank accounts")
        constraints = [
            models.UniqueConstraint(fields=["organization", "account_id"], name="bank_account_unique_per_org"),
        ]

    def __str__(self) -> str:
        return self.name or self.display_id

    @property
    def display_id(self) -> str:
        """The IBAN in groups of four (``FR76 3000 3012 ...``), else the account identifier."""
        if self.iban:
            return " ".join(self.iban[i : i + 4] for i in range(0, len(self.iban), 4))
        return self.account_id


class BankStatement(models.Model):
    """One statement (or camt.054 notification) of one account, as imported. ``key`` identifies it among the
    organization's statements (the account, the currency, the bank's identification, the balances and the keys of
    its entries): the same statement imported again is not added twice."""

    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="+")
    account = models.ForeignKey(BankAccount, on_delete=models.CASCADE, related_name="statements")
    import_run = models.ForeignKey(
        ImportRun, null=True, blank=True, on_delete=models.SET_NULL, related_name="+", verbose_name=_("import")
    )
    key = models.CharField(max_length=64)
    format = models.CharField(_("format"), max_length=10, choices=BankFormat.choices)
    version = models.CharField(_("version"), max_length=40, blank=True, default="")
    statement_id = models.CharField(_("statement"), max_length=140, blank=True, default="")
    sequence = models.CharField(_("sequence"), max_length=40, blank=True, default="")
    currency = models.CharField(_("currency"), max_length=3)
    opening_balance = models.DecimalField(_("opening balance"), null=True, blank=True, **BANK_AMOUNT)
    opening_on = models.DateField(_("opening date"), null=True, blank=True)
    closing_balance = models.DecimalField(_("closing balance"), null=True, blank=True, **BANK_AMOUNT)
    closing_on = models.DateField(_("closing date"), null=True, blank=True)
    entry_count = models.PositiveIntegerField(_("entries"), default=0)
    created_count = models.PositiveIntegerField(_("entries added"), default=0)
    warnings = models.JSONField(_("warnings"), default=list, blank=True)  # [{code, message, line}]
    line = models.PositiveIntegerField(_("line"), default=0)
    created_at = models.DateTimeField(_("imported"), auto_now_add=True)

    class Meta:
        ordering = ["-id"]
        verbose_name = _("bank statement")
        verbose_name_plural = _("bank statements")
        constraints = [
            models.UniqueConstraint(fields=["organization", "key"], name="bank_statement_key_unique_per_org"),
        ]

    def __str__(self) -> str:
        return self.statement_id or f"{self.account} {self.closing_on or self.opening_on or ''}".strip()


class EntryState(models.TextChoices):
    """Where an entry stands in cash application: ``unmatched`` until the matching says otherwise; ``suggested``
    when a match waits for a person; ``applied`` when it was applied to invoices; ``ignored`` when it is not a
    customer's payment (fees, transfers between accounts...)."""

    UNMATCHED = "unmatched", _("Unmatched")
    SUGGESTED = "suggested", _("Suggested")
    APPLIED = "applied", _("Applied")
    IGNORED = "ignored", _("Ignored")


class BankEntry(models.Model):
    """A booked movement as the bank lists it. A batched entry (one booking for several transactions) keeps each
    transaction in ``details``: ``[{amount, currency, text, counterparty_name, counterparty_iban, end_to_end_id,
    creditor_reference, bank_reference}]``, amounts as text, signed like the entry's."""

    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="+")
    account = models.ForeignKey(BankAccount, on_delete=models.CASCADE, related_name="entries")
    statement = models.ForeignKey(BankStatement, on_delete=models.CASCADE, related_name="entries")
    key = models.CharField(max_length=64)
    booked_on = models.DateField(_("booking date"))
    value_on = models.DateField(_("value date"), null=True, blank=True)
    amount = models.DecimalField(_("amount"), **BANK_AMOUNT)
    currency = models.CharField(_("currency"), max_length=3)
    bank_reference = models.CharField(_("bank reference"), max_length=255, blank=True, default="")
    text = models.TextField(_("text"), blank=True, default="")
    counterparty_name = models.CharField(_("counterparty"), max_length=255, blank=True, default="")
    counterparty_iban = models.CharField(_("counterparty IBAN"), max_length=64, blank=True, default="")
    end_to_end_id = models.CharField(_("end-to-end reference"), max_length=140, blank=True, default="")
    creditor_reference = models.CharField(_("creditor reference"), max_length=140, blank=True, default="")
    details = models.JSONField(_("transactions"), default=list, blank=True)
    raw = models.JSONField(_("other fields"), default=list, blank=True)  # [[name, value], ...] as in the file
    line = models.PositiveIntegerField(_("line"), default=0)
    state = models.CharField(_("state"), max_length=10, choices=EntryState.choices, default=EntryState.UNMATCHED)
    created_at = models.DateTimeField(_("imported"), auto_now_add=True)

    class Meta:
        ordering = ["-booked_on", "-id"]
        verbose_name = _("bank entry")
        verbose_name_plural = _("bank entries")
        constraints = [
            models.UniqueConstraint(fields=["organization", "key"], name="bank_entry_key_unique_per_org"),
        ]
        indexes = [
            models.Index(fields=["organization", "state", "booked_on"], name="bank_entry_state"),
            models.Index(fields=["organization", "booked_on"], name="bank_entry_booked"),
        ]

    def __str__(self) -> str:
        return f"{self.booked_on} {self.amount} {self.currency}"

    @property
    def is_credit(self) -> bool:
        return self.amount >= 0


class BankMatchSettings(models.Model):
    """An organization's settings of the matching of its bank entries against its invoices: a match whose
    confidence reaches ``auto_threshold`` is applied without review; a difference up to ``tolerance`` (a bank fee,
    a rounding) is written off with the match. Without a row, ``MatchSettings``' defaults (0.95, 1.00).
    ``identify_hold_days``: how long, at most, a credit that looks like a customer's payment but waits for a person
    holds that customer's reminders (0: never; ``recouvre.bank.identify``)."""

    organization = models.OneToOneField(Organization, on_delete=models.CASCADE, related_name="bank_match_settings")
    auto_threshold = models.DecimalField(
        _("threshold of automatic application"),
        max_digits=3,
        decimal_places=2,
        default=Decimal("0.95"),
        help_text=_("A match at least this sure (0.01 to 1.00) is applied without review."),
    )
    tolerance = models.DecimalField(
        _("tolerance of the bank matching"),
        max_digits=15,
        decimal_places=2,
        default=Decimal("1.00"),
        help_text=_("A difference up to this amount between a transfer and the invoices it pays is written off."),
    )
    identify_hold_days = models.PositiveSmallIntegerField(
        _("days of reminders held while a payment is identified"),
        default=7,
        validators=[MaxValueValidator(IDENTIFY_HOLD_MAX_DAYS)],
        help_text=_(
            "A transfer that looks like a customer's payment but waits for review holds that customer's reminders "
            "for at most this many days (0: never)."
        ),
    )

    class Meta:
        verbose_name = _("bank matching settings")
        verbose_name_plural = _("bank matching settings")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(auto_threshold__gt=0) & models.Q(auto_threshold__lte=1),
                name="bank_match_threshold_range",
            ),
            models.CheckConstraint(condition=models.Q(tolerance__gte=0), name="bank_match_tolerance_not_negative"),
            models.CheckConstraint(
                condition=models.Q(identify_hold_days__lte=IDENTIFY_HOLD_MAX_DAYS),
                name="bank_match_identify_hold_days_range",
            ),
        ]


class CustomerIban(models.Model):
    """An account a customer pays from, linked when a person confirms a match: the next transfer from it points to
    the customer."""

    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="+")
    customer = models.ForeignKey("ledger.Customer", on_delete=models.CASCADE, related_name="bank_ibans")
    iban = models.CharField(_("IBAN"), max_length=34)
    linked_by = models.CharField(_("linked by"), max_length=150, blank=True, default="")
    created_at = models.DateTimeField(_("linked"), auto_now_add=True)

    class Meta:
        ordering = ["iban"]
        verbose_name = _("customer's IBAN")
        verbose_name_plural = _("customers' IBANs")
        constraints = [
            models.UniqueConstraint(fields=["organization", "customer", "iban"], name="customer_iban_unique"),
        ]

    def __str__(self) -> str:
        return self.iban


class BankSuggestion(models.Model):
    """A match of an entry (or of one transaction of a batched one: ``part``) that waits for a person: the
    customer, ``allocations`` (``[{invoice_id, number, amount}]``, amounts as text), the difference written off
    with it (``write_off_invoice_id``, ``write_off_amount``), the ``confidence`` and the ``reasons`` as codes and
    values (``[{code, params}]``, put in words in the reader's language), ranked (0 first) per part."""

    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="+")
    entry = models.ForeignKey(BankEntry, on_delete=models.CASCADE, related_name="suggestions")
    customer = models.ForeignKey("ledger.Customer", on_delete=models.CASCADE, related_name="+")
    part = models.PositiveIntegerField(null=True, blank=True)
    amount = models.DecimalField(_("amount"), max_digits=15, decimal_places=2)
    currency = models.CharField(_("currency"), max_length=3)
    allocations = models.JSONField(default=list, blank=True)
    unapplied = models.DecimalField(_("unapplied"), max_digits=15, decimal_places=2, default=Decimal("0.00"))
    write_off_invoice_id = models.IntegerField(null=True, blank=True)
    write_off_amount = models.DecimalField(max_digits=15, decimal_places=2, default=Decimal("0.00"))
    confidence = models.FloatField(_("confidence"))
    reasons = models.JSONField(default=list, blank=True)
    rank = models.PositiveSmallIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["entry", "part", "rank", "id"]
        verbose_name = _("suggested match")
        verbose_name_plural = _("suggested matches")


class BankApplication(models.Model):
    """An entry (or one transaction of a batched one: ``part``) applied to a customer's invoices: the ``payment``
    it became, with its allocations, and the ledger credit of the difference written off (``credit_note``), both
    removed when the application is undone."""

    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="+")
    entry = models.ForeignKey(BankEntry, on_delete=models.CASCADE, related_name="applications")
    customer = models.ForeignKey("ledger.Customer", on_delete=models.CASCADE, related_name="+")
    part = models.PositiveIntegerField(null=True, blank=True)
    payment = models.ForeignKey("ledger.Payment", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    credit_note = models.ForeignKey(
        "ledger.CreditNote", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    confidence = models.FloatField(_("confidence"))
    reasons = models.JSONField(default=list, blank=True)
    auto = models.BooleanField(_("applied automatically"), default=False)
    actor_label = models.CharField(max_length=150, blank=True, default="")
    created_at = models.DateTimeField(_("applied"), auto_now_add=True)

    class Meta:
        ordering = ["entry", "part", "id"]
        verbose_name = _("bank entry applied")
        verbose_name_plural = _("bank entries applied")


class EntryHold(models.Model):
    """The hold a credit being identified put on a customer's reminders (``recouvre.bank.identify``): one per entry
    and customer. ``first_on`` is the day it was first placed: a hold placed again (the application undone) never
    goes past ``first_on`` plus the organization's limit."""

    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="+")
    entry = models.ForeignKey(BankEntry, on_delete=models.CASCADE, related_name="holds")
    customer = models.ForeignKey("ledger.Customer", on_delete=models.CASCADE, related_name="+")
    hold = models.OneToOneField("collections.Hold", on_delete=models.CASCADE, related_name="bank_entry_link")
    first_on = models.DateField(_("held since"))

    class Meta:
        ordering = ["entry", "customer"]
        verbose_name = _("hold of a payment being identified")
        verbose_name_plural = _("holds of payments being identified")
        constraints = [
            models.UniqueConstraint(fields=["entry", "customer"], name="bank_entry_hold_unique"),
        ]
