"""Letters of the outbox: the PDF produced for a letter or registered-letter action, exactly as produced, and what
the user records once it is in the post (date, tracking number) and, for a registered letter, the day the customer
signed for it (*avis de réception*), and the day La Poste first presented it (*première présentation*, on the
tracking page or the *avis de passage*), from which a formal notice's deadline runs.

The rules are database facts: one letter per action; the SHA-256 has 64 characters; a registered letter recorded as
posted has a tracking number; only a registered letter is acknowledged, and never before it was posted.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.db.models.functions import Length
from django.db.models.lookups import Exact
from django.utils.translation import gettext_lazy as _

from recouvre.collections.models import Action
from recouvre.ledger.models import Customer
from recouvre.organizations.models import Organization


class Letter(models.Model):
    organization = models.ForeignKey(Organization, on_delete=models.PROTECT, related_name="+", db_index=False)
    customer = models.ForeignKey(Customer, on_delete=models.PROTECT, related_name="letters")
    action = models.OneToOneField(Action, on_delete=models.PROTECT, related_name="letter")
    registered = models.BooleanField(_("registered letter"), default=False)
    language = models.CharField(_("language"), max_length=8)
    subject = models.CharField(_("subject"), max_length=200)
    pdf = models.BinaryField(_("PDF"))
    pdf_sha256 = models.CharField(_("SHA-256"), max_length=64)
    pages = models.PositiveSmallIntegerField(_("pages"))
    produced_at = models.DateTimeField(_("produced"))
    produced_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    produced_by_label = models.CharField(max_length=150, blank=True, default="")
    tracking_number = models.CharField(_("tracking number"), max_length=40, blank=True, default="")
    posted_on = models.DateField(_("posted on"), null=True, blank=True)
    posted_recorded_at = models.DateTimeField(null=True, blank=True)
    posted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    posted_by_label = models.CharField(max_length=150, blank=True, default="")
    first_presented_on = models.DateField(_("first presented on"), null=True, blank=True)
    first_presented_recorded_at = models.DateTimeField(null=True, blank=True)
    acknowledged_on = models.DateField(_("acknowledged on"), null=True, blank=True)
    acknowledged_recorded_at = models.DateTimeField(null=True, blank=True)
    acknowledged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    acknowledged_by_label = models.CharField(max_length=150, blank=True, default="")

    class Meta:
        ordering = ["-produced_at", "-id"]
        verbose_name = _("letter")
        verbose_name_plural = _("letters")
        constraints = [
            models.CheckConstraint(condition=Exact(Length("pdf_sha256"), 64), name="letter_sha256_length"),
            models.CheckConstraint(condition=Q(pages__gte=1), name="letter_has_a_page"),
            models.CheckConstraint(
                condition=Q(registered=False) | Q(posted_on__isnull=True) | ~Q(tracking_number=""),
                name="letter_registered_posted_has_tracking",
            ),
            models.CheckConstraint(
                condition=Q(acknowledged_on__isnull=True)
                | Q(registered=True, posted_on__isnull=False, acknowledged_on__gte=F("posted_on")),
                name="letter_acknowledged_after_posting",
            ),
            models.CheckConstraint(
                condition=Q(first_presented_on__isnull=True)
                | Q(registered=True, posted_on__isnull=False, first_presented_on__gte=F("posted_on")),
                name="letter_presented_after_posting",
            ),
            models.CheckConstraint(
                condition=Q(posted_on__isnull=True, posted_recorded_at__isnull=True)
                | Q(posted_on__isnull=False, posted_recorded_at__isnull=False),
                name="letter_posting_recorded_at",
            ),
            models.CheckConstraint(
                condition=Q(acknowledged_on__isnull=True, acknowledged_recorded_at__isnull=True)
                | Q(acknowledged_on__isnull=False, acknowledged_recorded_at__isnull=False),
                name="letter_acknowledgment_recorded_at",
            ),
        ]
        indexes = [models.Index(fields=["organization", "posted_on"], name="letter_org_posted")]

    def __str__(self) -> str:
        return f"{self.customer_id} {self.action_id}"

    @property
    def status(self) -> str:
        """``ready`` (to post), ``posted`` or ``acknowledged``."""
        if self.acknowledged_on is not None:
            return "acknowledged"
        if self.posted_on is not None:
            return "posted"
        return "ready"
