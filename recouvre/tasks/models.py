"""Tasks on the collectors' worklist: phone calls and internal steps of the policies, e-mails that could not be
sent, broken promises and missed instalments, and anything a person adds by hand.

A task opened for an outbox action is unique per action (a database fact), so opening the tasks of the due actions
twice, or in two processes at once, opens each once. ``invoices`` are the invoices a task is about (the action's
lines, the task's invoice); a call or an escalation step whose invoices are all settled or held is closed as no
longer needed (``recouvre.tasks.settled``), with the reason in ``closed_reason``.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from recouvre.collections.models import Action
from recouvre.ledger.models import Customer, Invoice
from recouvre.organizations.models import Organization


class TaskKind(models.TextChoices):
    CALL = "call", _("Phone call")
    INTERNAL = "internal", _("Internal task")
    EMAIL_FAILED = "email_failed", _("E-mail not delivered")
    REPLY = "reply", _("Reply to read")
    PROMISE_BROKEN = "promise_broken", _("Promise broken")
    INSTALMENT_MISSED = "instalment_missed", _("Instalment missed")
    CREDIT_OVER = "credit_over", _("Over the credit limit")
    CREDIT_NEAR = "credit_near", _("Near the credit limit")
    OTHER = "other", _("Other")


class TaskState(models.TextChoices):
    OPEN = "open", pgettext_lazy("task state", "Open")
    DONE = "done", _("Done")
    CANCELLED = "cancelled", _("Cancelled")
    NOT_NEEDED = "not_needed", _("No longer needed")


class ClosedReason(models.TextChoices):
    """Why a task was closed as no longer needed (``recouvre.core.settled.Reason``)."""

    PAID = "paid", pgettext_lazy("task closed because", "Paid")
    CREDITED = "credited", pgettext_lazy("task closed because", "Credited")
    WRITTEN_OFF = "written_off", pgettext_lazy("task closed because", "Written off")
    ON_HOLD = "on_hold", pgettext_lazy("task closed because", "On hold")
    # the credit limit alerts (``recouvre.risk.credit``)
    UNDER_THRESHOLD = "under_threshold", pgettext_lazy("task closed because", "Back under the threshold")
    OVER_LIMIT = "over_limit", pgettext_lazy("task closed because", "Now over the limit")


# One open alert per customer and level (``recouvre.risk.credit.refresh_exposure_alerts``).
CREDIT_ALERTS = ("credit_over", "credit_near")


class Outcome(models.TextChoices):
    PROMISE = "promise", _("Promise to pay")
    DISPUTE = "dispute", _("Dispute")
    NO_ANSWER = "no_answer", _("No answer")
    WRONG_NUMBER = "wrong_number", _("Wrong number")
    ALREADY_PAID = "already_paid", _("Says already paid")
    DONE = "done", _("Done")


class Task(models.Model):
    """One piece of work for a person about a customer (and possibly one invoice), due on a day."""

    organization = models.ForeignKey(Organization, on_delete=models.PROTECT, related_name="+", db_index=False)
    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="tasks")
    invoice = models.ForeignKey(Invoice, null=True, blank=True, on_delete=models.SET_NULL, related_name="tasks")
    action = models.ForeignKey(Action, null=True, blank=True, on_delete=models.PROTECT, related_name="tasks")
    kind = models.CharField(_("kind"), max_length=20, choices=TaskKind.choices)
    title = models.CharField(_("title"), max_length=300)
    details = models.TextField(_("details"), blank=True, default="")
    step_key = models.CharField(_("step"), max_length=40, blank=True, default="")
    due_on = models.DateField(_("due on"), null=True, blank=True)
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("assigned to"),
    )
    state = models.CharField(_("state"), max_length=12, choices=TaskState.choices, default=TaskState.OPEN)
    outcome = models.CharField(_("outcome"), max_length=20, choices=Outcome.choices, blank=True, default="")
    outcome_note = models.TextField(_("outcome note"), blank=True, default="")
    outcome_data = models.JSONField(default=dict, blank=True)
    invoices = models.ManyToManyField(Invoice, blank=True, related_name="+", verbose_name=_("invoices"))
    closed_reason = models.CharField(
        _("closed because"), max_length=20, choices=ClosedReason.choices, blank=True, default=""
    )
    done_at = models.DateTimeField(null=True, blank=True)
    done_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    done_by_label = models.CharField(max_length=150, blank=True, default="")
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_by_label = models.CharField(max_length=150, blank=True, default="")
    follows = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="follow_ups", db_index=False
    )

    class Meta:
        ordering = ["due_on", "id"]
        verbose_name = _("task")
        verbose_name_plural = _("tasks")
        constraints = [
            models.UniqueConstraint(fields=["action"], condition=Q(action__isnull=False), name="task_once_per_action"),
            models.UniqueConstraint(
                fields=["customer", "kind"],
                condition=Q(state="open", kind__in=CREDIT_ALERTS),
                name="task_one_open_credit_alert",
            ),
            models.CheckConstraint(condition=Q(kind__in=TaskKind.values), name="task_kind_known"),
            models.CheckConstraint(condition=Q(state__in=TaskState.values), name="task_state_known"),
            models.CheckConstraint(condition=Q(outcome="") | Q(outcome__in=Outcome.values), name="task_outcome_known"),
            models.CheckConstraint(
                condition=(Q(state=TaskState.OPEN) & Q(done_at__isnull=True))
                | (~Q(state=TaskState.OPEN) & Q(done_at__isnull=False)),
                name="task_done_at_when_closed",
            ),
            models.CheckConstraint(
                condition=Q(outcome="") | Q(state=TaskState.DONE), name="task_outcome_only_when_done"
            ),
            models.CheckConstraint(
                condition=(Q(state=TaskState.NOT_NEEDED) & Q(closed_reason__in=ClosedReason.values))
                | (~Q(state=TaskState.NOT_NEEDED) & Q(closed_reason="")),
                name="task_closed_reason_when_not_needed",
            ),
        ]
        indexes = [
            models.Index(fields=["organization", "state", "due_on"], name="task_org_state_due"),
            models.Index(fields=["organization", "assignee", "state"], name="task_org_assignee_state"),
        ]

    def __str__(self) -> str:
        return self.title
