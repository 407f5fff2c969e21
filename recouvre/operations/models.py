"""The background processes' heartbeats: each running worker and scheduler says, every few seconds, that it is alive,
whether it is busy and whether it is failing (``recouvre.operations.heartbeat``); ``/health`` and the dashboard read
them (``recouvre.operations.selectors``)."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class Component(models.TextChoices):
    WORKER = "worker", _("background worker")
    SCHEDULER = "scheduler", _("scheduler")


class Heartbeat(models.Model):
    """One process of a component (a host and a process id, started at a time): its latest beat."""

    component = models.CharField(max_length=20, choices=Component.choices)
    host = models.CharField(max_length=255)
    pid = models.PositiveIntegerField()
    started_at = models.DateTimeField()
    beat_at = models.DateTimeField()
    # the most seconds until the process beats again: it is stale after three times as long without a beat
    interval_seconds = models.FloatField()
    # when the task or pass it is working on began (null: waiting for work)
    busy_since = models.DateTimeField(null=True, blank=True)
    # when its loop began failing (null: working), and the latest error
    failing_since = models.DateTimeField(null=True, blank=True)
    last_error = models.CharField(max_length=500, blank=True, default="")

    class Meta:
        indexes = [models.Index(fields=["component", "beat_at"], name="heartbeat_latest")]

    def __str__(self) -> str:
        return f"{self.component} {self.host}:{self.pid}"
