"""The creditor companies (organizations), the people who use Recouvre and their roles."""

from __future__ import annotations

from django.contrib.auth.models import AbstractUser
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class User(AbstractUser):
    """A person who logs in. Which organizations they see is given by their memberships."""

    language = models.CharField(_("language"), max_length=8, blank=True, default="")


class Organization(models.Model):
    """The creditor company (*société*, *dossier* for an accounting firm). Every business row belongs to one."""

    slug = models.SlugField(_("short name"), max_length=60, unique=True)
    name = models.CharField(_("legal name"), max_length=200)
    legal_form = models.CharField(_("legal form"), max_length=60, blank=True, default="")
    siren = models.CharField(_("SIREN"), max_length=9, blank=True, default="")
    siret = models.CharField(_("SIRET"), max_length=14, blank=True, default="")
    vat_number = models.CharField(_("VAT number"), max_length=20, blank=True, default="")
    address_line1 = models.CharField(_("address"), max_length=200, blank=True, default="")
    address_line2 = models.CharField(_("address (continued)"), max_length=200, blank=True, default="")
    postal_code = models.CharField(_("postal code"), max_length=20, blank=True, default="")
    city = models.CharField(_("city"), max_length=100, blank=True, default="")
    country = models.CharField(_("country"), max_length=2, default="FR")
    iban = models.CharField(_("IBAN"), max_length=34, blank=True, default="")
    bic = models.CharField(_("BIC"), max_length=11, blank=True, default="")
    account_holder = models.CharField(
        _("account holder"),
        max_length=70,
        blank=True,
        default="",
        db_default="",
        help_text=_("The name the bank account is in, as payers must write it. Empty: the legal name."),
    )
    currency = models.CharField(_("default currency"), max_length=3, default="EUR")
    payment_terms_days = models.PositiveSmallIntegerField(_("payment terms (days)"), default=30)
    payment_terms_end_of_month = models.BooleanField(_("end of month"), default=False)
    legal_mentions = models.TextField(
        _("legal mentions"),
        blank=True,
        default="",
        help_text=_("Printed at the foot of every letter: share capital, RCS, registered office..."),
    )
    logo = models.BinaryField(
        _("logo"),
        blank=True,
        default=b"",
        db_default=b"",
        editable=False,
        help_text=_("Printed at the top of letters and statements: a PNG image, re-encoded when uploaded."),
    )
    is_demo = models.BooleanField(_("demo data"), default=False, db_default=False, editable=False)
    """Made by ``recouvre demo``: only such an organization may be deleted and rebuilt by ``--reset``."""
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("organization")
        verbose_name_plural = _("organizations")
        constraints = [
            models.CheckConstraint(condition=Q(payment_terms_days__lte=365), name="org_terms_at_most_a_year"),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def logo_data_uri(self) -> str:
        """The logo as a ``data:`` URL for the documents' HTML (their fetcher reads nothing else), or ``""``."""
        import base64

        data = bytes(self.logo or b"")
        return f"data:image/png;base64,{base64.b64encode(data).decode('ascii')}" if data else ""


class Role(models.TextChoices):
    ADMIN = "admin", _("Administrator")
    CREDIT_MANAGER = "credit_manager", _("Credit manager")
    COLLECTOR = "collector", _("Collector")
    VIEWER = "viewer", _("Viewer")


# What each role may do. Views and CLI ask ``can(role, permission)``.
PERMISSIONS: dict[str, set[str]] = {
    Role.ADMIN: {"view", "edit", "import", "manage_members", "manage_org", "approve", "manage_collections"},
    Role.CREDIT_MANAGER: {"view", "edit", "import", "approve", "manage_collections"},
    Role.COLLECTOR: {"view", "edit"},
    Role.VIEWER: {"view"},
}


class Membership(models.Model):
    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="memberships")
    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="memberships")
    role = models.CharField(_("role"), max_length=20, choices=Role.choices, default=Role.VIEWER)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "organization"], name="one_membership_per_user_and_org"),
        ]

    def can(self, permission: str) -> bool:
        return permission in PERMISSIONS.get(self.role, set())


class LoginThrottle(models.Model):
    """Failed logins counted for one user name or one client address (``recouvre.core.throttle``), in the
    database so that every web worker sees the same counts."""

    class Scope(models.TextChoices):
        USER = "user", _("user name")
        ADDRESS = "address", _("client address")

    scope = models.CharField(max_length=10, choices=Scope.choices)
    key = models.CharField(max_length=150)
    failures = models.PositiveIntegerField(default=0)
    last_failure_at = models.DateTimeField()
    locked_until = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["scope", "key"], name="one_login_count_per_scope_and_key")]
        indexes = [models.Index(fields=["last_failure_at"], name="login_throttle_last_failure")]

    def __str__(self) -> str:
        return f"{self.scope} {self.key}: {self.failures}"


class Invitation(models.Model):
    """An invitation to join an organization with a role, sent by e-mail as a one-time link.

    Only the SHA-256 of the link's token is stored: the link itself is in the e-mail and nowhere else. It works once,
    until ``expires_at``; resending it gives a new token (the old link stops working), revoking it ends it."""

    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="invitations")
    email = models.EmailField(_("e-mail address"))
    role = models.CharField(_("role"), max_length=20, choices=Role.choices, default=Role.VIEWER)
    token_hash = models.CharField(max_length=64, unique=True)
    invited_by = models.ForeignKey(User, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(_("invited"), auto_now_add=True)
    sent_at = models.DateTimeField(_("sent"), null=True, blank=True)
    expires_at = models.DateTimeField(_("expires"))
    accepted_at = models.DateTimeField(_("accepted"), null=True, blank=True)
    accepted_by = models.ForeignKey(User, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    revoked_at = models.DateTimeField(_("revoked"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("invitation")
        verbose_name_plural = _("invitations")
        indexes = [models.Index(fields=["organization", "email"], name="invitation_org_email")]

    def __str__(self) -> str:
        return f"{self.email} ({self.organization_id})"

    @property
    def is_pending(self) -> bool:
        return self.accepted_at is None and self.revoked_at is None
