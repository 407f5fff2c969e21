"""Credit risk: the payment-behaviour score of each customer, recomputed by each collections run
(``recouvre.risk.credit.recompute_scores``), and an organization's credit thresholds.

The score row keeps the facts it was computed from (``facts``): the sentences that explain it are written again
from them in the reader's language (``recouvre.core.credit.score``), so one stored row reads in French and in
English."""

from __future__ import annotations

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from recouvre.ledger.models import Customer, Invoice
from recouvre.organizations.models import Organization


class CustomerScore(models.Model):
    """The latest payment-behaviour score of a customer (one row per customer, replaced by each run)."""

    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="+", db_index=False)
    customer = models.OneToOneField(Customer, on_delete=models.CASCADE, related_name="credit_score")
    score = models.PositiveSmallIntegerField(_("score"))
    # each component's key, points and maximum (``recouvre.core.credit.Component``), for machines
    components = models.JSONField(default=list)
    # what the score was computed from (``recouvre.core.credit.Facts.as_dict``)
    facts = models.JSONField(default=dict)
    as_of = models.DateField(_("as of"))
    computed_at = models.DateTimeField(_("computed"))

    class Meta:
        verbose_name = _("credit score")
        verbose_name_plural = _("credit scores")
        constraints = [models.CheckConstraint(condition=Q(score__lte=100), name="credit_score_at_most_100")]
        indexes = [models.Index(fields=["organization", "score"], name="credit_score_org_score")]

    def __str__(self) -> str:
        return f"{self.customer_id}: {self.score}"


class CreditSettings(models.Model):
    """An organization's credit thresholds (``recouvre.core.credit.Thresholds``); the defaults without a row."""

    organization = models.OneToOneField(
        Organization, on_delete=models.CASCADE, primary_key=True, related_name="credit_settings"
    )
    review_below = models.PositiveSmallIntegerField(
        _("review an order below the score"), default=50, help_text=_("From 0 to 100.")
    )
    refuse_below = models.PositiveSmallIntegerField(
        _("refuse an order below the score"), default=25, help_text=_("From 0 to the review score.")
    )
    warning_percent = models.PositiveSmallIntegerField(
        _("warn at this share of the credit limit, in percent"), default=80, help_text=_("From 1 to 100.")
    )
    deposit_from = models.CharField(
        _("propose a deposit for orders that would be"),
        max_length=10,
        blank=True,
        default="",
        choices=[("", _("never")), ("review", _("reviewed or refused")), ("refuse", _("refused"))],
    )
    deposit_percent = models.PositiveSmallIntegerField(
        _("deposit, in percent of the order"),
        default=0,
        help_text=_("Your choice, from 1 to 100: no law sets it."),
    )

    class Meta:
        verbose_name = _("credit settings")
        verbose_name_plural = _("credit settings")
        constraints = [
            models.CheckConstraint(
                condition=Q(refuse_below__lte=models.F("review_below")) & Q(review_below__lte=100),
                name="credit_settings_thresholds_ordered",
            ),
            models.CheckConstraint(
                condition=Q(warning_percent__gte=1) & Q(warning_percent__lte=100),
                name="credit_settings_warning_percent",
            ),
        ]


class ExposureLevel(models.TextChoices):
    NONE = "none", _("Within the limit")
    NEAR = "near", _("Near the credit limit")
    OVER = "over", _("Over the credit limit")


class ExposureState(models.Model):
    """The exposure level a customer was last seen at (``recouvre.core.credit.Level``): an alert opens when the
    level changes, so a person who closed one is not given it again every day while nothing changes."""

    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="+", db_index=False)
    customer = models.OneToOneField(Customer, on_delete=models.CASCADE, related_name="exposure_state")
    level = models.CharField(_("level"), max_length=8, choices=ExposureLevel.choices, default=ExposureLevel.NONE)
    changed_on = models.DateField(_("since"))

    class Meta:
        constraints = [models.CheckConstraint(condition=Q(level__in=ExposureLevel.values), name="exposure_level_known")]


class InsurancePolicy(models.Model):
    """An organization's credit insurance policy: the insurer, the policy number and the periods the policy fixes
    (``recouvre.core.insurance``). Contractual values, as the policy says."""

    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="+", db_index=False)
    insurer = models.CharField(_("insurer"), max_length=120, help_text=_("e.g. Allianz Trade, Coface, Atradius"))
    number = models.CharField(_("policy number"), max_length=60)
    max_extension_days = models.PositiveSmallIntegerField(
        _("maximum extension period (days)"),
        help_text=_(
            "Days after the original due date after which an unpaid invoice must be declared to the insurer, as "
            "the policy says."
        ),
    )
    declaration_days = models.PositiveSmallIntegerField(
        _("days to declare after that"),
        default=0,
        help_text=_("Further days the policy gives to declare; 0 when it is due at the end of the extension."),
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("credit insurance policy")
        verbose_name_plural = _("credit insurance policies")
        constraints = [
            models.UniqueConstraint(fields=["organization", "number"], name="insurance_policy_number_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.insurer} {self.number}"


class InsuranceCover(models.Model):
    """A customer's cover under a policy: the insured limit (*agrément*) and the dates it runs (invoices issued
    from ``starts_on`` until ``ends_on``), with the customer's own extension period when the insurer set one."""

    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="+", db_index=False)
    customer = models.OneToOneField(Customer, on_delete=models.CASCADE, related_name="insurance_cover")
    policy = models.ForeignKey(InsurancePolicy, on_delete=models.PROTECT, related_name="covers")
    limit = models.DecimalField(_("insured limit"), max_digits=15, decimal_places=2)
    currency = models.CharField(_("currency"), max_length=3, default="EUR")
    starts_on = models.DateField(_("covered from"), null=True, blank=True)
    ends_on = models.DateField(_("covered until"), null=True, blank=True)
    max_extension_days = models.PositiveSmallIntegerField(
        _("extension period for this customer (days)"),
        null=True,
        blank=True,
        help_text=_("Only when the insurer set another period for this customer; the policy's otherwise."),
    )

    class Meta:
        verbose_name = _("credit insurance cover")
        verbose_name_plural = _("credit insurance covers")
        constraints = [
            models.CheckConstraint(condition=Q(limit__gte=0), name="insurance_cover_limit_not_negative"),
            models.CheckConstraint(
                condition=Q(starts_on__isnull=True) | Q(ends_on__isnull=True) | Q(ends_on__gte=models.F("starts_on")),
                name="insurance_cover_dates_ordered",
            ),
        ]


class InsuranceDeclaration(models.Model):
    """An overdue invoice declared to the insurer (*déclaration de menace de sinistre*): it leaves the deadlines."""

    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="+", db_index=False)
    invoice = models.OneToOneField(Invoice, on_delete=models.CASCADE, related_name="insurance_declaration")
    declared_on = models.DateField(_("declared on"))
    reference = models.CharField(_("declaration reference"), max_length=80, blank=True, default="")
    amount = models.DecimalField(_("amount declared"), max_digits=15, decimal_places=2)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("credit insurance declaration")
        verbose_name_plural = _("credit insurance declarations")
        constraints = [models.CheckConstraint(condition=Q(amount__gt=0), name="insurance_declaration_amount_positive")]


class PredictionBasis(models.TextChoices):
    MODEL = "model", _("model")
    BASELINE = "baseline", _("baseline")


class PredictionRun(models.Model):
    """The latest late-payment predictions of an organization (one row per organization, replaced by each run of
    ``recouvre.risk.services.remember_predictions``): the day they were made for, whether a model was trained or
    the baseline was used (too little history), and the organization's late rate of that day (the probability of
    an invoice issued since)."""

    organization = models.OneToOneField(Organization, on_delete=models.CASCADE, related_name="+")
    as_of = models.DateField(_("as of"))
    basis = models.CharField(_("basis"), max_length=10, choices=PredictionBasis.choices)
    prior = models.DecimalField(_("late rate"), max_digits=5, decimal_places=4)
    computed_at = models.DateTimeField(_("computed"))

    class Meta:
        verbose_name = _("late-payment predictions")
        verbose_name_plural = _("late-payment predictions")
        constraints = [
            models.CheckConstraint(condition=Q(prior__gte=0) & Q(prior__lte=1), name="prediction_run_prior_0_1"),
            models.CheckConstraint(condition=Q(basis__in=PredictionBasis.values), name="prediction_run_basis_known"),
        ]

    def __str__(self) -> str:
        return f"{self.organization_id}: {self.as_of}"


class InvoicePrediction(models.Model):
    """The probability that an invoice open on the run's day is paid late (1 once overdue), and its expected
    payment date, as the latest run left them."""

    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="+", db_index=False)
    invoice = models.OneToOneField(Invoice, on_delete=models.CASCADE, related_name="prediction")
    p_late = models.DecimalField(_("probability of late payment"), max_digits=5, decimal_places=4)
    expected_on = models.DateField(_("expected payment date"))

    class Meta:
        verbose_name = _("invoice late-payment prediction")
        verbose_name_plural = _("invoice late-payment predictions")
        constraints = [
            models.CheckConstraint(condition=Q(p_late__gte=0) & Q(p_late__lte=1), name="invoice_prediction_p_0_1"),
        ]
        indexes = [models.Index(fields=["organization", "invoice"], name="invoice_prediction_org")]

    def __str__(self) -> str:
        return f"{self.invoice_id}: {self.p_late}"
