"""What a person is told in the app (a notification each, read or not), whether they want the daily digest e-mail,
and the digests sent (one per person, organization and day: a database fact, so a second pass sends nothing)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from recouvre.organizations.models import Organization


class NotificationKind(models.TextChoices):
    MENTION = "mention", _("Mentioned in a note")
    TASK_ASSIGNED = "task_assigned", _("Task given to you")
    TASK_DUE = "task_due", _("Task due")
    PROMISE_DUE = "promise_due", _("Promise due")
    REPLY = "reply", _("Customer reply")
    DISPUTE = "dispute", _("New dispute")


class Notification(models.Model):
    """One thing a member of ``organization`` is told. Its text is written when shown, in the reader's language,
    from ``kind`` and the facts in ``data`` (``recouvre.notifications.texts``); ``link`` is the page it is about.
    ``key``, when set, makes it once per user (a task due on a day is told once)."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="+", db_index=False)
    kind = models.CharField(_("kind"), max_length=20, choices=NotificationKind.choices)
    data = models.JSONField(default=dict, blank=True)
    link = models.CharField(max_length=300, blank=True, default="")
    key = models.CharField(max_length=120, blank=True, default="")
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    read_at = models.DateTimeField(_("read"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(condition=Q(kind__in=NotificationKind.values), name="notification_kind_known"),
            models.UniqueConstraint(
                fields=["user", "organization", "key"], condition=~Q(key=""), name="notification_once_per_key"
            ),
        ]
        indexes = [
            models.Index(fields=["user", "organization", "-created_at"], name="notification_user_org"),
            models.Index(
                fields=["user", "organization"], condition=Q(read_at__isnull=True), name="notification_unread"
            ),
        ]


class Preference(models.Model):
    """A person's choice about the daily digest e-mail (no row: they receive it)."""

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    daily_digest = models.BooleanField(_("daily digest e-mail"), default=True)


class DigestSent(models.Model):
    """The digest of ``day`` sent to ``user`` for ``organization``, with its counts: inserted before the e-mail
    goes, so that two passes never send it twice."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="+", db_index=False)
    day = models.DateField()
    sent_at = models.DateTimeField(auto_now_add=True)
    to = models.CharField(max_length=320, blank=True, default="")
    counts = models.JSONField(default=dict, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["organization", "user", "day"], name="digest_once_per_user_and_day")
        ]
