"""Rate rows imported by the user (``recouvre rates import``). They take precedence over the tables shipped with
Recouvre (``recouvre/core/data``): same ECB date, same half-year. They are legal facts, the same for every
organization, so they belong to none.

Prescription settings, acknowledgments of debt, insolvency procedures, write-offs, securities, guarantor notices and
amicable steps (at the end) are facts of one organization each, never deleted.

Database facts: one ECB row per date, one legal-rate row per half-year (1 or 2); rates from 0 to 100 percent.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from recouvre.ledger.models import AMOUNT, CreditNote, Customer, Invoice
from recouvre.organizations.models import Organization


class EcbRate(models.Model):
    """The ECB main refinancing operations rate applying from ``effective_on`` (or confirmed unchanged that day)."""

    effective_on = models.DateField(_("effective from"), unique=True)
    rate = models.DecimalField(_("rate (%)"), max_digits=6, decimal_places=4)
    source = models.CharField(_("imported from"), max_length=255)
    imported_at = models.DateTimeField(_("imported at"))

    class Meta:
        ordering = ["effective_on"]
        verbose_name = _("ECB main refinancing rate")
        constraints = [
            models.CheckConstraint(condition=Q(rate__gte=0, rate__lt=100), name="legal_ecb_rate_range"),
        ]

    def __str__(self) -> str:
        return f"{self.effective_on} {self.rate} %"


class LegalRate(models.Model):
    """Both *taux de l'intérêt légal* of one half-year: "all other cases" and natural persons."""

    year = models.PositiveSmallIntegerField(_("year"))
    half = models.PositiveSmallIntegerField(_("half-year"))
    professionals = models.DecimalField(_("all other cases (%)"), max_digits=6, decimal_places=4)
    individuals = models.DecimalField(_("natural persons (%)"), max_digits=6, decimal_places=4)
    source = models.CharField(_("imported from"), max_length=255)
    reference = models.CharField(
        _("arrêté"),
        max_length=200,
        blank=True,
        default="",
        help_text=_("The arrêté that fixes the rates, e.g. Arrêté du 18 juin 2026, JO du 20 juin 2026"),
    )
    imported_at = models.DateTimeField(_("imported at"))

    class Meta:
        ordering = ["year", "half"]
        verbose_name = _("legal interest rate")
        constraints = [
            models.UniqueConstraint(fields=["year", "half"], name="legal_rate_one_per_half_year"),
            models.CheckConstraint(condition=Q(half__in=[1, 2]), name="legal_rate_half_1_or_2"),
            models.CheckConstraint(
                condition=Q(professionals__gte=0, professionals__lt=100, individuals__gte=0, individuals__lt=100),
                name="legal_rate_range",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.year} H{self.half} {self.professionals} % / {self.individuals} %"


class RatesUpdate(models.Model):
    """One successful ``recouvre rates update`` (the ECB main refinancing rate fetched from the ECB Data Portal): when
    it ran and the rows it added (``[{"effective_date", "rate"}]``, empty when nothing was new). Failures are logged,
    never stored: the last row is when the tables were last known to be current."""

    finished_at = models.DateTimeField(_("updated at"))
    added = models.JSONField(_("rows added"), default=list, blank=True)
    half_years = models.JSONField(_("half-years settled"), default=list, blank=True)
    source = models.CharField(_("source"), max_length=255)

    class Meta:
        ordering = ["-finished_at", "-id"]
        verbose_name = _("rates update")


# ------------------------------------------------------------------------------ prescription, insolvency, write-off
# Facts of one organization: every row belongs to it; nothing here is ever deleted.


class PrescriptionStart(models.TextChoices):
    PERFORMANCE = "performance", _("Performance (the invoice date, minus the margin below)")
    DUE_DATE = "due_date", _("Due date")


class PublicRule(models.TextChoices):
    QUADRENNIAL = "quadrennial", _("Four-year rule (1 January after the year the claim arose, plus four years)")
    FIVE_YEARS = "five_years", _("Five years, as between traders")


class BelowFloorReading(models.TextChoices):
    STATUTORY = "statutory", _("The statutory rate (ECB + 10 points) for that half-year")
    FLOOR = "floor", _("The floor (3 × the legal interest rate)")


class LegalSettings(models.Model):
    """The organization's choices on the uncertain points of prescription (LEGAL-FR §4, §12): where the period
    starts and which rule applies to public bodies; its contractual penalty rate and the reading applied to a rate
    below the legal floor (LEGAL-FR §1.3, marked uncertain). Without a row, the defaults apply (the prudent ones)."""

    organization = models.OneToOneField(Organization, on_delete=models.CASCADE, related_name="legal_settings")
    prescription_start = models.CharField(
        _("prescription runs from"),
        max_length=20,
        choices=PrescriptionStart.choices,
        default=PrescriptionStart.PERFORMANCE,
    )
    performance_margin_days = models.PositiveSmallIntegerField(
        _("days between performance and invoice"),
        default=0,
        help_text=_("How many days before its invoice the work is usually done: the period is counted from then."),
    )
    public_rule = models.CharField(
        _("public bodies"), max_length=20, choices=PublicRule.choices, default=PublicRule.QUADRENNIAL
    )
    contract_rate = models.CharField(
        _("contractual penalty rate"),
        max_length=40,
        blank=True,
        default="",
        help_text=_(
            "The late-payment rate of your terms of sale: a rate in percent (12.5), 3xlegal (3 × the legal "
            "interest rate) or ecb+7 (ECB rate + 7 points). Empty: the statutory rate (ECB + 10 points)."
        ),
    )
    guarantor_notice_months = models.PositiveSmallIntegerField(
        _("months to inform a guarantor"),
        default=1,
        help_text=_(
            "Within how many months of the due date of the first payment incident not remedied a guarantor who is a "
            "natural person is informed of it (C. civ. 2303 reads one month; to be checked with your counsel)."
        ),
    )
    below_floor = models.CharField(
        _("contractual rate below 3 × the legal interest rate"),
        max_length=10,
        choices=BelowFloorReading.choices,
        default=BelowFloorReading.STATUTORY,
        help_text=_(
            "The law sets no rule for a clause below the floor; the common reading applies the statutory rate to "
            "that half-year. This point is uncertain: ask your counsel before changing it."
        ),
    )

    class Meta:
        verbose_name = _("legal settings")
        constraints = [
            models.CheckConstraint(condition=Q(performance_margin_days__lte=366), name="legal_margin_at_most_a_year"),
        ]


class Acknowledgment(models.Model):
    """The debtor acknowledged the debt (C. civ. 2240): of one invoice, or of every invoice of the customer issued
    on or before that day. It interrupts prescription."""

    organization = models.ForeignKey(Organization, on_delete=models.PROTECT, related_name="+", db_index=False)
    customer = models.ForeignKey(Customer, on_delete=models.PROTECT, related_name="debt_acknowledgments")
    invoice = models.ForeignKey(
        Invoice, null=True, blank=True, on_delete=models.PROTECT, related_name="debt_acknowledgments"
    )
    acknowledged_on = models.DateField(_("acknowledged on"))
    evidence = models.CharField(_("evidence"), max_length=200, blank=True, default="")
    note = models.TextField(_("note"), blank=True, default="")
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    author_label = models.CharField(max_length=150, blank=True, default="")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["acknowledged_on", "id"]
        verbose_name = _("acknowledgment of debt")


class ProcedureKind(models.TextChoices):
    SAFEGUARD = "safeguard", _("Safeguard (sauvegarde)")
    RECEIVERSHIP = "receivership", _("Receivership (redressement judiciaire)")
    LIQUIDATION = "liquidation", _("Liquidation (liquidation judiciaire)")
    OVER_INDEBTEDNESS = "over_indebtedness", _("Over-indebtedness (surendettement)")


class OfficerRole(models.TextChoices):
    MANDATAIRE = "mandataire", _("Creditors' representative (mandataire judiciaire)")
    LIQUIDATEUR = "liquidateur", _("Liquidator (liquidateur)")


class ProcedureState(models.TextChoices):
    CONFIRMED = "confirmed", _("Confirmed")
    PROPOSED = "proposed", _("Proposed: found at the BODACC, to confirm")
    DISMISSED = "dismissed", _("Dismissed")


class InsolvencyProcedure(models.Model):
    """Insolvency proceedings opened against a customer (*procédure collective*): the claims arising before the
    judgment are covered; collection stops (``hold``); the claim must be declared to the court officer within 2
    months of the BODACC publication (4 outside metropolitan France), and goods sold under a retention-of-title
    clause claimed within 3 months of it (L624-9).

    Over-indebtedness (*surendettement*, a consumer) is recorded here too, from the commission's admissibility
    decision (``judgment_on``): collection stops the same way, but it is no judgment and is not published at the
    BODACC (no ``published_on``, no claim declaration, no retention-of-title deadline). Its deadlines come from
    ``debt_statement_received_on`` (30 days to contest the statement of debts, C. conso R723-3) and, when a
    *rétablissement personnel avec liquidation judiciaire* is published at the BODACC, from
    ``personal_recovery_published_on`` (2 months to declare the claim)."""

    organization = models.ForeignKey(Organization, on_delete=models.PROTECT, related_name="+", db_index=False)
    customer = models.ForeignKey(Customer, on_delete=models.PROTECT, related_name="insolvency_procedures")
    kind = models.CharField(_("procedure"), max_length=20, choices=ProcedureKind.choices)
    # Recorded by a person: confirmed. Found at the BODACC by the company watch: proposed (collection stopped at once)
    # until a person confirms it or dismisses it (the hold released).
    state = models.CharField(
        _("state"), max_length=10, choices=ProcedureState.choices, default=ProcedureState.CONFIRMED
    )
    judgment_on = models.DateField(_("opening judgment"))
    published_on = models.DateField(_("BODACC publication"), null=True, blank=True)
    court = models.CharField(_("court"), max_length=200, blank=True, default="")
    officer_role = models.CharField(_("court officer"), max_length=20, choices=OfficerRole.choices, blank=True)
    officer_name = models.CharField(_("officer's name"), max_length=200, blank=True, default="")
    officer_address = models.TextField(_("officer's address"), blank=True, default="")
    continued_activity = models.BooleanField(
        _("continued activity authorised"),
        default=False,
        help_text=_(
            "Liquidation only: the court authorised the business to go on; claims not yet due stay to fall due "
            "(L643-1)."
        ),
    )
    debt_statement_received_on = models.DateField(_("statement of debts received on"), null=True, blank=True)
    personal_recovery_published_on = models.DateField(
        _("personal recovery with liquidation published on"), null=True, blank=True
    )
    outside_metropolitan = models.BooleanField(
        _("outside metropolitan France"),
        default=False,
        help_text=_("The creditor is outside metropolitan France, or the procedure was opened overseas: 4 months."),
    )
    declaration_due_on = models.DateField(_("declare by"), null=True, blank=True)
    hold = models.OneToOneField(
        "collections.Hold", null=True, blank=True, on_delete=models.PROTECT, related_name="insolvency_procedure"
    )
    declared_on = models.DateField(_("declared on"), null=True, blank=True)
    declared_due = models.DecimalField(_("declared, due"), null=True, blank=True, **AMOUNT)
    declared_to_fall_due = models.DecimalField(_("declared, to fall due"), null=True, blank=True, **AMOUNT)
    currency = models.CharField(_("currency"), max_length=3, default="EUR")
    securities = models.TextField(_("privileges and securities"), blank=True, default="")
    closed_on = models.DateField(_("closed on"), null=True, blank=True)
    note = models.TextField(_("note"), blank=True, default="")
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    author_label = models.CharField(max_length=150, blank=True, default="")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-judgment_on", "-id"]
        verbose_name = _("insolvency procedure")
        constraints = [
            models.CheckConstraint(
                condition=Q(published_on__isnull=True) | Q(published_on__gte=F("judgment_on")),
                name="insolvency_published_after",
            ),
            models.CheckConstraint(
                condition=Q(declared_on__isnull=True) | (Q(declared_due__gte=0) & Q(declared_to_fall_due__gte=0)),
                name="insolvency_declared_amounts",
            ),
        ]

    @property
    def over_indebtedness(self) -> bool:
        return self.kind == ProcedureKind.OVER_INDEBTEDNESS

    @property
    def accelerated(self) -> bool:
        """Every claim became due at the judgment: a liquidation without authorised continued activity (L643-1)."""
        return self.kind == ProcedureKind.LIQUIDATION and not self.continued_activity


class WriteOffReason(models.TextChoices):
    INSOLVENCY = "insolvency", _("Insolvency: nothing to expect from the procedure")
    PRESCRIBED = "prescribed", _("Time-barred (prescribed)")
    UNECONOMIC = "uneconomic", _("Too small to pursue")
    DEBTOR_GONE = "debtor_gone", _("Debtor gone or unknown")
    ENFORCEMENT_FAILED = "enforcement_failed", _("Enforcement failed")
    COURT = "court", _("Rejected by the court")
    OTHER = "other", _("Other")


class WriteOff(models.Model):
    """An irrecoverable claim written off: the invoice stays, untouched, and a ledger credit of the written-off
    amount (``credit_note``, numbered ``PP-<invoice>``) takes it out of every open balance, so the aged balance,
    collections and the worklist leave it out, and the ledger's rule (allocations never exceed the total) holds.

    A reversed write-off keeps its record, with who reversed it, when and why; its ledger credit is cancelled
    (``credit_note`` empty, its number kept in ``credit_note_number``), so the invoice is open again by as much."""

    organization = models.ForeignKey(Organization, on_delete=models.PROTECT, related_name="+", db_index=False)
    customer = models.ForeignKey(Customer, on_delete=models.PROTECT, related_name="write_offs")
    invoice = models.ForeignKey(Invoice, on_delete=models.PROTECT, related_name="write_offs")
    credit_note = models.OneToOneField(
        CreditNote, null=True, blank=True, on_delete=models.PROTECT, related_name="write_off"
    )
    credit_note_number = models.CharField(_("ledger credit"), max_length=60, blank=True, default="")
    amount = models.DecimalField(_("amount written off"), **AMOUNT)
    tax_amount = models.DecimalField(_("of which VAT"), null=True, blank=True, **AMOUNT)
    currency = models.CharField(_("currency"), max_length=3)
    reason = models.CharField(_("reason"), max_length=20, choices=WriteOffReason.choices)
    note = models.TextField(_("explanation"), blank=True, default="")
    written_off_on = models.DateField(_("written off on"))
    procedure = models.ForeignKey(
        InsolvencyProcedure, null=True, blank=True, on_delete=models.PROTECT, related_name="write_offs"
    )
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    author_label = models.CharField(max_length=150, blank=True, default="")
    created_at = models.DateTimeField(auto_now_add=True)
    reversed_at = models.DateTimeField(_("reversed at"), null=True, blank=True)
    reversed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    reversed_by_label = models.CharField(max_length=150, blank=True, default="")
    reversal_reason = models.TextField(_("why it was reversed"), blank=True, default="")

    class Meta:
        ordering = ["-written_off_on", "-id"]
        verbose_name = _("write-off")
        constraints = [
            models.CheckConstraint(condition=Q(amount__gt=0), name="write_off_amount_positive"),
            models.CheckConstraint(
                condition=Q(tax_amount__isnull=True) | (Q(tax_amount__gte=0) & Q(tax_amount__lte=F("amount"))),
                name="write_off_tax_within_amount",
            ),
            # A reversal says when, who and why, all together; a write-off not reversed has none of it.
            models.CheckConstraint(
                condition=Q(
                    reversed_at__isnull=True, reversed_by__isnull=True, reversed_by_label="", reversal_reason=""
                )
                | (Q(reversed_at__isnull=False) & ~Q(reversed_by_label="") & ~Q(reversal_reason="")),
                name="write_off_reversal_complete",
            ),
            # Its ledger credit goes only with a reversal.
            models.CheckConstraint(
                condition=Q(credit_note__isnull=False) | Q(reversed_at__isnull=False),
                name="write_off_credit_until_reversed",
            ),
        ]

    @property
    def reversed(self) -> bool:
        return self.reversed_at is not None


class SecurityKind(models.TextChoices):
    CAUTION_SIMPLE = "caution_simple", _("Personal guarantee (caution simple)")
    CAUTION_SOLIDAIRE = "caution_solidaire", _("Personal guarantee (caution solidaire)")
    AUTONOMOUS = "autonomous_guarantee", _("Autonomous guarantee (garantie autonome, first demand)")
    AVAL = "aval", _("Aval on a bill of exchange or promissory note")
    RETENTION_OF_TITLE = "retention_of_title", _("Retention-of-title clause")
    DEPOSIT = "deposit", _("Deposit paid (acompte)")


class GuarantorKind(models.TextChoices):
    NATURAL_PERSON = "natural_person", _("natural person")
    COMPANY = "company", _("company")


class Security(models.Model):
    """A security held for a customer's debt (``recouvre.core.securities``): for the whole account, or for some of
    its invoices. Removing one keeps the row (``removed_at``) for the timeline's sake."""

    organization = models.ForeignKey(Organization, on_delete=models.PROTECT, related_name="+", db_index=False)
    customer = models.ForeignKey(Customer, on_delete=models.PROTECT, related_name="securities")
    kind = models.CharField(_("kind"), max_length=24, choices=SecurityKind.choices)
    guarantor_name = models.CharField(_("guarantor"), max_length=200, blank=True, default="")
    guarantor_kind = models.CharField(
        _("guarantor is a"), max_length=16, choices=GuarantorKind.choices, blank=True, default=""
    )
    guarantor_address = models.TextField(_("guarantor's address"), blank=True, default="")
    guarantor_email = models.EmailField(_("guarantor's e-mail"), blank=True, default="")
    limit = models.DecimalField(_("limit or amount"), null=True, blank=True, **AMOUNT)
    currency = models.CharField(_("currency"), max_length=3, default="EUR")
    starts_on = models.DateField(_("from"), null=True, blank=True)
    ends_on = models.DateField(_("until"), null=True, blank=True)
    invoices = models.ManyToManyField(Invoice, blank=True, related_name="securities", verbose_name=_("invoices"))
    notes = models.TextField(_("notes"), blank=True, default="")
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    author_label = models.CharField(max_length=150, blank=True, default="")
    created_at = models.DateTimeField(auto_now_add=True)
    removed_at = models.DateTimeField(_("removed at"), null=True, blank=True)

    class Meta:
        ordering = ["customer_id", "id"]
        verbose_name = _("security")
        verbose_name_plural = _("securities")
        indexes = [models.Index(fields=["organization", "customer"], name="legal_security_org_customer")]
        constraints = [
            models.CheckConstraint(condition=Q(limit__isnull=True) | Q(limit__gt=0), name="security_limit_positive"),
            models.CheckConstraint(
                condition=Q(ends_on__isnull=True) | Q(starts_on__isnull=True) | Q(ends_on__gte=F("starts_on")),
                name="security_ends_after_start",
            ),
        ]


class GuarantorNotice(models.Model):
    """The natural-person guarantor of ``security`` was informed of the debtor's first unremedied payment incident,
    ``invoice`` (C. civ. 2303): one record per security and incident, made by a user."""

    organization = models.ForeignKey(Organization, on_delete=models.PROTECT, related_name="+", db_index=False)
    security = models.ForeignKey(Security, on_delete=models.PROTECT, related_name="notices")
    invoice = models.ForeignKey(Invoice, on_delete=models.PROTECT, related_name="+")
    informed_on = models.DateField(_("informed on"))
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    author_label = models.CharField(max_length=150, blank=True, default="")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("guarantor informed")
        constraints = [models.UniqueConstraint(fields=["security", "invoice"], name="guarantor_notice_once")]


class AmicableKind(models.TextChoices):
    MEDIATEUR_ENTREPRISES = "mediateur_entreprises", _("Médiateur des entreprises")
    CONCILIATEUR = "conciliateur", _("Conciliateur de justice")
    MEDIATION = "mediation", _("Agreed mediation")


class AmicableOutcome(models.TextChoices):
    NONE = "", _("not ended")
    AGREEMENT = "agreement", _("agreement reached")
    FAILURE = "failure", _("no agreement")


class AmicableStep(models.Model):
    """A mediation or a conciliation with the customer, from the day the parties agreed to it (or its first
    meeting) to its end: prescription of the customer's invoices issued by then is suspended meanwhile and runs
    again for at least six months after it ends (C. civ. 2238)."""

    organization = models.ForeignKey(Organization, on_delete=models.PROTECT, related_name="+", db_index=False)
    customer = models.ForeignKey(Customer, on_delete=models.PROTECT, related_name="amicable_steps")
    kind = models.CharField(_("amicable step"), max_length=24, choices=AmicableKind.choices)
    started_on = models.DateField(_("agreed or first meeting on"))
    ended_on = models.DateField(_("ended on"), null=True, blank=True)
    outcome = models.CharField(_("outcome"), max_length=12, choices=AmicableOutcome.choices, blank=True, default="")
    mediator = models.CharField(_("mediator or conciliator"), max_length=200, blank=True, default="")
    note = models.TextField(_("note"), blank=True, default="")
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    author_label = models.CharField(max_length=150, blank=True, default="")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-started_on", "-id"]
        verbose_name = _("amicable step")
        indexes = [models.Index(fields=["organization", "customer"], name="legal_amicable_org_customer")]
        constraints = [
            models.CheckConstraint(
                condition=Q(ended_on__isnull=True) | Q(ended_on__gte=F("started_on")), name="amicable_ends_after_start"
            )
        ]
