"""Collections storage: policies and their steps, per-customer settings, holds, the outbox of actions and the step
each invoice has reached.

Exactly-once is a database fact: an action is unique per (organization, customer, send date, channel) and an
item's step per (invoice, instalment, step key, round), so storing the same plan twice adds nothing. The planning
rules are in ``recouvre.core.dunning`` and ``docs/collections.md``.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator
from django.db import models
from django.db.models import Q
from django.db.models.functions import Length
from django.db.models.lookups import Exact
from django.utils.translation import gettext_lazy as _

from recouvre.core import dunning
from recouvre.core.headers import is_single_line
from recouvre.ledger.models import AMOUNT, Customer, Invoice
from recouvre.organizations.models import Organization


def single_line(value: str) -> None:
    """A value written as it is into an e-mail header (the sender name): one line, no control character."""
    if not is_single_line(value):
        raise ValidationError(
            _("Must be on one line: no line break, tab or other control character."), code="line_break"
        )


class Channel(models.TextChoices):
    EMAIL = dunning.Channel.EMAIL.value, _("E-mail")
    LETTER = dunning.Channel.LETTER.value, _("Letter")
    REGISTERED_LETTER = dunning.Channel.REGISTERED_LETTER.value, _("Registered letter")
    CALL_TASK = dunning.Channel.CALL_TASK.value, _("Phone call")
    INTERNAL_TASK = dunning.Channel.INTERNAL_TASK.value, _("Internal task")


class Trigger(models.TextChoices):
    DUE = dunning.Trigger.DUE.value, _("days after the due date")
    INVOICE = dunning.Trigger.INVOICE.value, _("days after the invoice date")
    END_OF_MONTH = dunning.Trigger.END_OF_MONTH.value, _("days after the end of the due date's month")
    PREVIOUS = dunning.Trigger.PREVIOUS.value, _("days after the previous step")


class EmailFallback(models.TextChoices):
    LETTER = dunning.Channel.LETTER.value, _("A letter")
    CALL_TASK = dunning.Channel.CALL_TASK.value, _("A phone call task")
    SKIP = "skip", _("Nothing: the e-mail steps are passed over")


class PenaltyReminderChannel(models.TextChoices):
    EMAIL = dunning.Channel.EMAIL.value, _("E-mail (a letter when the customer has no e-mail address)")
    LETTER = dunning.Channel.LETTER.value, _("Letter")


class HoldKind(models.TextChoices):
    INSOLVENCY = dunning.HoldKind.INSOLVENCY.value, _("Insolvency proceedings")
    EINVOICE_REJECTED = dunning.HoldKind.EINVOICE_REJECTED.value, _("E-invoice rejected by the platform")
    DISPUTE = dunning.HoldKind.DISPUTE.value, _("Dispute")
    PAYMENT_PLAN = dunning.HoldKind.PAYMENT_PLAN.value, _("Payment plan")
    PROMISE = dunning.HoldKind.PROMISE.value, _("Promise to pay")
    ALREADY_PAID = dunning.HoldKind.ALREADY_PAID.value, _("Declared already paid")
    UNMATCHED_PAYMENT = dunning.HoldKind.UNMATCHED_PAYMENT.value, _("Payment being identified")
    MANUAL = dunning.HoldKind.MANUAL.value, _("Paused")


class DisputeReason(models.TextChoices):
    PRICE = dunning.DisputeReason.PRICE.value, _("Wrong price")
    QUANTITY = dunning.DisputeReason.QUANTITY.value, _("Wrong quantity")
    QUALITY = dunning.DisputeReason.QUALITY.value, _("Quality of the goods or service")
    NOT_DELIVERED = dunning.DisputeReason.NOT_DELIVERED.value, _("Not delivered")
    NOT_ORDERED = dunning.DisputeReason.NOT_ORDERED.value, _("Not ordered")
    ALREADY_PAID = dunning.DisputeReason.ALREADY_PAID.value, _("Already paid")
    OTHER = dunning.DisputeReason.OTHER.value, _("Other")


class HoldOutcome(models.TextChoices):
    """How a hold ended, when a person or the review of commitments ended it (empty: still running, or ended on
    its last day)."""

    RELEASED = "released", _("Lifted")
    RESOLVED = "resolved", _("Resolved, collection resumed")
    CREDITED = "credited", _("Resolved by a credit note")
    KEPT = "kept", _("Kept")
    BROKEN = "broken", _("Broken")
    COMPLETED = "completed", _("Completed")


class ActionState(models.TextChoices):
    PLANNED = "planned", _("Planned")
    AWAITING_APPROVAL = "awaiting_approval", _("Awaiting approval")
    SENDING = "sending", _("Sending")
    READY = "ready", _("Ready to post")
    SENT = "sent", _("Sent")
    FAILED = "failed", _("Failed")
    CANCELLED = "cancelled", _("Cancelled")


class Policy(models.Model):
    """A collections policy (*scénario de relance*) of an organization. ``segment``, when set, makes it the policy
    of the customers of that segment (one per segment); a customer can be given another one."""

    organization = models.ForeignKey(Organization, on_delete=models.PROTECT, related_name="+", db_index=False)
    key = models.CharField(_("key"), max_length=40)
    name = models.CharField(_("name"), max_length=200)
    segment = models.CharField(_("default for segment"), max_length=10, blank=True, default="")
    email_fallback = models.CharField(
        _("for a customer without an e-mail address, an e-mail step becomes"),
        max_length=20,
        choices=EmailFallback.choices,
        default=EmailFallback.LETTER,
        db_default=EmailFallback.LETTER,
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["organization", "key"]
        verbose_name = _("collections policy")
        verbose_name_plural = _("collections policies")
        constraints = [
            models.UniqueConstraint(fields=["organization", "key"], name="policy_key_unique_per_org"),
            models.UniqueConstraint(
                fields=["organization", "segment"], condition=~Q(segment=""), name="policy_one_per_segment"
            ),
            models.CheckConstraint(condition=Q(email_fallback__in=EmailFallback.values), name="policy_fallback_known"),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def core_email_fallback(self) -> dunning.Channel | None:
        return None if self.email_fallback == EmailFallback.SKIP else dunning.Channel(self.email_fallback)


class Step(models.Model):
    policy = models.ForeignKey(Policy, on_delete=models.CASCADE, related_name="steps", db_index=False)
    position = models.PositiveSmallIntegerField(_("position"))
    key = models.CharField(_("key"), max_length=40)
    offset_days = models.IntegerField(_("days from the due date"))
    channel = models.CharField(_("channel"), max_length=20, choices=Channel.choices)
    template = models.CharField(_("template"), max_length=60)
    min_open_amount = models.DecimalField(_("minimum open amount"), default=Decimal("0.00"), **AMOUNT)
    needs_approval = models.BooleanField(_("needs approval"), default=False)
    min_gap_days = models.PositiveSmallIntegerField(_("minimum gap (days)"), default=0)
    enabled = models.BooleanField(_("enabled"), default=True)
    deadline_days = models.PositiveSmallIntegerField(_("payment deadline (days)"), null=True, blank=True)
    trigger = models.CharField(
        _("counted from"), max_length=20, choices=Trigger.choices, default=Trigger.DUE, db_default=Trigger.DUE
    )
    min_customer_total = models.DecimalField(
        _("minimum customer total overdue"), default=Decimal("0.00"), db_default=Decimal("0.00"), **AMOUNT
    )
    repeat_every_days = models.PositiveSmallIntegerField(_("repeat every (days)"), null=True, blank=True)
    repeat_times = models.PositiveSmallIntegerField(_("repeat at most (times)"), default=0, db_default=0)

    class Meta:
        ordering = ["policy", "position"]
        constraints = [
            models.UniqueConstraint(fields=["policy", "key"], name="step_key_unique_per_policy"),
            models.UniqueConstraint(fields=["policy", "position"], name="step_position_unique_per_policy"),
            models.CheckConstraint(condition=Q(min_open_amount__gte=0), name="step_min_amount_not_negative"),
            models.CheckConstraint(
                condition=Q(deadline_days__isnull=True) | Q(deadline_days__gte=1), name="step_deadline_a_day_or_more"
            ),
            models.CheckConstraint(condition=Q(channel__in=Channel.values), name="step_channel_known"),
            models.CheckConstraint(condition=Q(trigger__in=Trigger.values), name="step_trigger_known"),
            models.CheckConstraint(condition=Q(min_customer_total__gte=0), name="step_min_customer_total_not_negative"),
            models.CheckConstraint(
                condition=Q(repeat_every_days__isnull=True, repeat_times=0)
                | Q(repeat_every_days__gte=1, repeat_times__gte=1),
                name="step_repeat_interval_and_count",
            ),
        ]

    def __str__(self) -> str:
        return self.key

    def to_core(self) -> dunning.Step:
        return dunning.Step(
            key=self.key,
            offset_days=self.offset_days,
            channel=dunning.Channel(self.channel),
            template=self.template,
            min_open_amount=self.min_open_amount,
            needs_approval=self.needs_approval,
            min_gap_days=self.min_gap_days,
            enabled=self.enabled,
            deadline_days=self.deadline_days,
            trigger=dunning.Trigger(self.trigger),
            min_customer_total=self.min_customer_total,
            repeat_every_days=self.repeat_every_days,
            repeat_times=self.repeat_times,
        )


class CustomerCollection(models.Model):
    """A customer's collections settings: another policy than its segment's, and the collector in charge."""

    organization = models.ForeignKey(Organization, on_delete=models.PROTECT, related_name="+", db_index=False)
    customer = models.OneToOneField(Customer, on_delete=models.CASCADE, related_name="collection")
    policy = models.ForeignKey(Policy, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    collector = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )


class Hold(models.Model):
    """A pause of collection on one invoice, or (no invoice) on the whole customer. Active from ``starts_on`` to
    ``ends_on`` inclusive (no end: until released)."""

    organization = models.ForeignKey(Organization, on_delete=models.PROTECT, related_name="+", db_index=False)
    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="holds")
    invoice = models.ForeignKey(Invoice, null=True, blank=True, on_delete=models.CASCADE, related_name="holds")
    kind = models.CharField(_("kind"), max_length=20, choices=HoldKind.choices)
    reason = models.TextField(_("reason"), blank=True, default="")
    starts_on = models.DateField(_("from"))
    ends_on = models.DateField(_("until"), null=True, blank=True)
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    author_label = models.CharField(max_length=150, blank=True, default="")
    created_at = models.DateTimeField(auto_now_add=True)
    released_at = models.DateTimeField(null=True, blank=True)
    released_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    # Several invoices (a promise or a plan about some invoices): one core hold per invoice. ``invoice`` is for a
    # hold on exactly one invoice (a dispute); a hold with neither is on the whole customer.
    invoices = models.ManyToManyField(Invoice, blank=True, related_name="+", verbose_name=_("invoices"))
    reason_code = models.CharField(
        _("dispute reason"), max_length=20, choices=DisputeReason.choices, blank=True, default=""
    )
    amount = models.DecimalField(_("amount"), null=True, blank=True, **AMOUNT)
    currency = models.CharField(_("currency"), max_length=3, blank=True, default="")
    promised_on = models.DateField(_("promised payment date"), null=True, blank=True)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("owner"),
    )
    outcome = models.CharField(_("outcome"), max_length=20, choices=HoldOutcome.choices, blank=True, default="")
    outcome_on = models.DateField(_("outcome date"), null=True, blank=True)
    resolution = models.TextField(_("resolution"), blank=True, default="")
    credit_note = models.ForeignKey(
        "ledger.CreditNote", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering = ["starts_on", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_on__isnull=True) | Q(ends_on__gte=models.F("starts_on")), name="hold_ends_after_start"
            ),
            models.CheckConstraint(condition=Q(kind__in=HoldKind.values), name="hold_kind_known"),
            models.CheckConstraint(
                condition=Q(released_by__isnull=True) | Q(released_at__isnull=False),
                name="hold_released_by_when_released",
            ),
            models.CheckConstraint(condition=Q(amount__isnull=True) | Q(amount__gt=0), name="hold_amount_positive"),
            models.CheckConstraint(
                condition=Q(reason_code="") | Q(reason_code__in=DisputeReason.values), name="hold_reason_code_known"
            ),
            models.CheckConstraint(
                condition=~Q(kind=HoldKind.DISPUTE) | ~Q(reason_code=""), name="hold_dispute_has_a_reason"
            ),
            models.CheckConstraint(
                condition=~Q(kind=HoldKind.PROMISE) | Q(amount__isnull=False, promised_on__isnull=False),
                name="hold_promise_has_amount_and_date",
            ),
            models.CheckConstraint(
                condition=Q(outcome="") | Q(outcome__in=HoldOutcome.values), name="hold_outcome_known"
            ),
            models.CheckConstraint(
                condition=Q(outcome="", outcome_on__isnull=True)
                | (~Q(outcome="") & Q(outcome_on__isnull=False, released_at__isnull=False)),
                name="hold_outcome_dated_and_released",
            ),
            models.CheckConstraint(
                condition=Q(credit_note__isnull=True) | Q(outcome=HoldOutcome.CREDITED),
                name="hold_credit_note_only_when_credited",
            ),
        ]
        indexes = [models.Index(fields=["organization", "customer"], name="hold_org_customer")]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.starts_on}"

    def to_core(self, invoice_id: int | None = None) -> dunning.Hold:
        """The planner's hold; ``invoice_id`` for one of the invoices of a hold on several invoices."""
        return dunning.Hold(
            dunning.HoldKind(self.kind),
            self.starts_on,
            self.ends_on,
            invoice_id if invoice_id is not None else self.invoice_id,
            self.reason,
        )

    def active_on(self, day: date) -> bool:
        return self.released_at is None and self.starts_on <= day and (self.ends_on is None or day <= self.ends_on)

    def status(self, day: date) -> str:
        """``active``, ``scheduled`` (starts later), ``ended`` (its last day passed), or the outcome."""
        if self.outcome:
            return self.outcome
        if self.released_at is not None:
            return HoldOutcome.RELEASED.value
        if self.starts_on > day:
            return "scheduled"
        if self.ends_on is not None and self.ends_on < day:
            return "ended"
        return "active"


class PlanStatus(models.TextChoices):
    DRAFT = "draft", _("Being entered")
    ACTIVE = "active", _("Active")
    COMPLETED = "completed", _("Completed")
    BROKEN = "broken", _("Broken")
    CANCELLED = "cancelled", _("Cancelled")


class PaymentPlan(models.Model):
    """A payment plan (*échéancier*) agreed with a customer for some of its invoices: the instalments add up to
    ``total``. While it is active its hold keeps the covered invoices out of reminders.

    The database keeps the sum: ``scheduled`` is the sum of the instalments, kept by triggers (migration 0006),
    which also refuse adding or changing an instalment once the plan has left ``draft``; a check constraint refuses
    a plan out of ``draft`` whose instalments do not add up to its total. A plan is created in ``draft``, given its
    instalments, then made ``active``."""

    organization = models.ForeignKey(Organization, on_delete=models.PROTECT, related_name="+", db_index=False)
    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="payment_plans")
    invoices = models.ManyToManyField(Invoice, related_name="payment_plans", verbose_name=_("invoices"))
    hold = models.OneToOneField(Hold, on_delete=models.PROTECT, related_name="payment_plan")
    status = models.CharField(_("status"), max_length=20, choices=PlanStatus.choices, default=PlanStatus.ACTIVE)
    signed_on = models.DateField(_("agreed on"))
    total = models.DecimalField(_("total"), **AMOUNT)
    scheduled = models.DecimalField(default=Decimal("0.00"), editable=False, **AMOUNT)
    currency = models.CharField(_("currency"), max_length=3)
    note = models.TextField(_("note"), blank=True, default="")
    ended_on = models.DateField(_("ended on"), null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-signed_on", "-id"]
        verbose_name = _("payment plan")
        verbose_name_plural = _("payment plans")
        constraints = [
            models.CheckConstraint(condition=Q(total__gt=0), name="plan_total_positive"),
            models.CheckConstraint(condition=Q(status__in=PlanStatus.values), name="plan_status_known"),
            models.CheckConstraint(
                condition=Q(status__in=[PlanStatus.DRAFT, PlanStatus.ACTIVE], ended_on__isnull=True)
                | (~Q(status__in=[PlanStatus.DRAFT, PlanStatus.ACTIVE]) & Q(ended_on__isnull=False)),
                name="plan_ended_on_when_ended",
            ),
            models.CheckConstraint(
                condition=Q(status=PlanStatus.DRAFT) | Q(scheduled=models.F("total")),
                name="plan_instalments_add_up_to_total",
            ),
        ]


class Instalment(models.Model):
    """One instalment (*échéance*) of a payment plan. ``honoured_on`` is the day the review of commitments found
    the customer's payments since the plan reaching the amount due up to this instalment."""

    plan = models.ForeignKey(PaymentPlan, on_delete=models.CASCADE, related_name="instalments")
    position = models.PositiveSmallIntegerField()
    due_on = models.DateField(_("due date"))
    amount = models.DecimalField(_("amount"), **AMOUNT)
    honoured_on = models.DateField(_("honoured on"), null=True, blank=True)
    missed_on = models.DateField(_("missed on"), null=True, blank=True)

    class Meta:
        ordering = ["plan", "position"]
        constraints = [
            models.UniqueConstraint(fields=["plan", "position"], name="instalment_position_unique_per_plan"),
            models.UniqueConstraint(fields=["plan", "due_on"], name="instalment_date_unique_per_plan"),
            models.CheckConstraint(condition=Q(amount__gt=0), name="instalment_amount_positive"),
            models.CheckConstraint(condition=Q(position__gte=1), name="instalment_position_from_one"),
            models.CheckConstraint(
                condition=Q(honoured_on__isnull=True) | Q(missed_on__isnull=True),
                name="instalment_honoured_or_missed",
            ),
        ]


class Action(models.Model):
    """The outbox: one message or task for one customer on one channel and day. ``lines`` lists the invoices as
    the plan listed them; ``content`` and ``content_sha256`` are filled when the message is produced and sent."""

    organization = models.ForeignKey(Organization, on_delete=models.PROTECT, related_name="+", db_index=False)
    customer = models.ForeignKey(Customer, on_delete=models.PROTECT, related_name="collection_actions")
    channel = models.CharField(_("channel"), max_length=20, choices=Channel.choices)
    send_on = models.DateField(_("send on"))
    state = models.CharField(_("state"), max_length=20, choices=ActionState.choices, default=ActionState.PLANNED)
    policy_key = models.CharField(max_length=40, blank=True, default="")
    step_key = models.CharField(max_length=40, blank=True, default="")
    template = models.CharField(_("template"), max_length=60)
    deadline_on = models.DateField(_("pay by"), null=True, blank=True)
    lines = models.JSONField(default=list)
    unapplied = models.JSONField(default=dict)
    needs_approval = models.BooleanField(_("needs approval"), default=False)
    attempts = models.PositiveSmallIntegerField(default=0)
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    last_error = models.TextField(blank=True, default="")
    sent_at = models.DateTimeField(null=True, blank=True)
    content = models.TextField(blank=True, default="")
    content_sha256 = models.CharField(max_length=64, blank=True, default="")
    message_id = models.CharField(max_length=255, blank=True, default="", db_default="")
    claimed_by = models.CharField(max_length=120, blank=True, default="", db_default="")
    """While ``sending``: the dispatcher that claimed the action (host, process id and start, a random token)."""
    claimed_at = models.DateTimeField(null=True, blank=True)
    """While ``sending``: when it was claimed (the database's clock)."""
    lease_until = models.DateTimeField(null=True, blank=True)
    """While ``sending``: the claim holds until then; its dispatcher renews it while it runs."""
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    decision_note = models.TextField(blank=True, default="", db_default="")
    recorded = models.BooleanField(default=False, db_default=False)
    """Carried out outside Recouvre and recorded by a back-dated run (``recouvre run --backfill``): never sent."""
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["send_on", "customer", "channel"]
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "customer", "send_on", "channel"], name="action_once_per_customer_day_channel"
            ),
            models.CheckConstraint(condition=Q(channel__in=Channel.values), name="action_channel_known"),
            models.CheckConstraint(condition=Q(state__in=ActionState.values), name="action_state_known"),
            models.CheckConstraint(
                condition=Q(state=ActionState.SENT, sent_at__isnull=False)
                | (~Q(state=ActionState.SENT) & Q(sent_at__isnull=True)),
                name="action_sent_at_when_sent",
            ),
            models.CheckConstraint(
                condition=~Q(state=ActionState.AWAITING_APPROVAL) | Q(needs_approval=True),
                name="action_awaits_approval_only_when_needed",
            ),
            models.CheckConstraint(
                condition=Q(content_sha256="") | Q(Exact(Length("content_sha256"), 64)), name="action_sha256_length"
            ),
        ]
        indexes = [
            models.Index(fields=["organization", "state", "send_on"], name="action_org_state_send"),
        ]

    def __str__(self) -> str:
        return f"{self.customer_id} {self.channel} {self.send_on}"


class ItemStep(models.Model):
    """A step of one invoice: recorded when the step is planned (stored in the outbox), so a later run never plans
    it twice, and marked ``done_on`` when it is carried out — the e-mail accepted by the mail server, the letter
    posted, the task completed. Only steps carried out are the invoice's level; one planned and not carried out
    yet holds the invoice where it is, and one whose action is cancelled, rejected or failed is dropped (deleted)
    so the invoice reaches it again.

    The step is known by its key; ``offset_days`` keeps its offset as it was, so an invoice whose step was removed
    from the policy since goes on from where that step stood (``dunning.Policy.level_after``). ``level`` is the
    step's position + 1 when it was planned, kept for the record. ``round`` counts the repetitions of a repeating
    step (0: the first time). ``instalment``: for an invoice payable in several instalments, the instalment the
    step is about (1, 2...): each instalment has its own steps and level; 0 for an invoice with one due date."""

    organization = models.ForeignKey(Organization, on_delete=models.PROTECT, related_name="+", db_index=False)
    invoice = models.ForeignKey(Invoice, on_delete=models.CASCADE, related_name="collection_steps", db_index=False)
    step_key = models.CharField(max_length=40)
    level = models.PositiveSmallIntegerField()
    action = models.ForeignKey(Action, on_delete=models.PROTECT, related_name="item_steps")
    planned_on = models.DateField()
    offset_days = models.IntegerField(null=True, blank=True)
    round = models.PositiveSmallIntegerField(default=0, db_default=0)
    done_on = models.DateField(null=True, blank=True)
    instalment = models.PositiveSmallIntegerField(default=0, db_default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["invoice", "instalment", "step_key", "round"], name="item_step_once_per_instalment"
            ),
            models.CheckConstraint(condition=Q(level__gte=1), name="item_step_level_positive"),
        ]
        indexes = [models.Index(fields=["organization", "invoice"], name="item_step_org_invoice")]


class CollectionSettings(models.Model):
    """An organization's collections settings: the sender identity of its e-mails, the pause given to a customer
    who says an invoice is already paid, the daily run's time and send window (local time), and its business-day
    calendar (``alsace_moselle``: Good Friday and 26 December are not business days; read through
    ``selectors.calendar_for``), and the step that asks for claimed penalties once the principal is paid
    (``penalty_reminder``, its days and channel: ``selectors.penalty_rule``)."""

    organization = models.OneToOneField(Organization, on_delete=models.CASCADE, related_name="collection_settings")
    from_name = models.CharField(_("sender name"), max_length=200, blank=True, default="", validators=[single_line])
    from_email = models.EmailField(_("sender address"), blank=True, default="")
    reply_to = models.EmailField(_("reply-to address (when the customer has no collector)"), blank=True, default="")
    already_paid_pause_days = models.PositiveSmallIntegerField(_("pause after 'already paid' (days)"), default=10)
    send_window_start = models.TimeField(_("send from"), null=True, blank=True)
    send_window_end = models.TimeField(_("send until"), null=True, blank=True)
    tolerance = models.DecimalField(
        _("tolerance: amounts below it are not reminded"),
        default=Decimal("1.00"),
        db_default=Decimal("1.00"),
        help_text=_("An invoice whose open amount is below this amount (in its currency) is never reminded."),
        **AMOUNT,
    )
    delivery_allowance_days = models.PositiveSmallIntegerField(
        _("delivery allowance for registered letters (business days)"),
        default=3,
        help_text=_(
            "Until the first presentation or the acknowledgment of receipt is recorded, a formal notice's deadline "
            "runs from its posting date plus this many business days."
        ),
    )
    alsace_moselle = models.BooleanField(
        _("Alsace-Moselle calendar"),
        default=False,
        help_text=_(
            "Good Friday and 26 December are not business days either: nothing is sent on them, and a deadline "
            "that ends on one moves to the next business day."
        ),
    )
    penalty_reminder = models.BooleanField(
        _("Ask for claimed penalties once the principal is paid"),
        default=True,
        db_default=True,
        help_text=_(
            "Late-payment interest and the 40 EUR indemnity claimed from a business or a public body and still "
            "owed after the invoice is paid are asked for once, by a message of their own. Never to a consumer, "
            "never for penalties partly waived, never while something else is overdue."
        ),
    )
    penalty_reminder_days = models.PositiveSmallIntegerField(
        _("penalties reminder: days after the principal is paid"),
        default=10,
        db_default=10,
        help_text=_("Counted from the day the invoice was paid in full, or from the claim when it came later."),
        validators=[MaxValueValidator(365)],
    )
    penalty_reminder_channel = models.CharField(
        _("penalties reminder: sent by"),
        max_length=20,
        choices=PenaltyReminderChannel.choices,
        default=PenaltyReminderChannel.EMAIL,
        db_default=PenaltyReminderChannel.EMAIL.value,
    )

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=Q(already_paid_pause_days__gte=1, already_paid_pause_days__lte=90),
                name="settings_already_paid_pause_1_to_90",
            ),
            models.CheckConstraint(
                condition=Q(delivery_allowance_days__lte=30), name="settings_delivery_allowance_at_most_30"
            ),
            models.CheckConstraint(condition=Q(tolerance__gte=0), name="settings_tolerance_not_negative"),
            models.CheckConstraint(
                condition=Q(penalty_reminder_days__lte=365), name="settings_penalty_reminder_at_most_365_days"
            ),
            models.CheckConstraint(
                condition=Q(penalty_reminder_channel__in=["email", "letter"]),
                name="settings_penalty_reminder_email_or_letter",
            ),
        ]


class MessageTemplate(models.Model):
    """An organization's own wording of a template (key as in ``Step.template``) in one language, replacing the
    built-in one. ``subject`` and ``body`` are Django template text with the merge fields of docs/collections.md."""

    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="+", db_index=False)
    key = models.CharField(_("template"), max_length=60)
    language = models.CharField(_("language"), max_length=8)
    subject = models.CharField(_("subject"), max_length=300)
    body = models.TextField(_("body"))
    updated_at = models.DateTimeField(auto_now=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["organization", "key", "language"]
        constraints = [
            models.UniqueConstraint(fields=["organization", "key", "language"], name="template_once_per_language"),
        ]


class RunSource(models.TextChoices):
    SCHEDULER = "scheduler", _("Scheduler")
    MANUAL = "manual", _("Run by hand")


class ScheduledRun(models.Model):
    """One run of one organization: the scheduler's daily run, recorded when it starts (the scheduler runs a day
    once, and catches up a day it missed), and the runs started by hand (``recouvre run``, the web page), one row
    per day. The latest ``as_of`` of either is the organization's latest run: runs move forward from it."""

    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="+", db_index=False)
    as_of = models.DateField()
    source = models.CharField(
        max_length=20, choices=RunSource.choices, default=RunSource.SCHEDULER, db_default=RunSource.SCHEDULER
    )
    started_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    summary = models.JSONField(default=dict)

    class Meta:
        ordering = ["-as_of"]
        constraints = [
            models.UniqueConstraint(fields=["organization", "as_of", "source"], name="scheduled_run_once_a_day")
        ]
