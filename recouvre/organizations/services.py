"""Writes about organizations and memberships."""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.contrib.auth import password_validation
from django.core.exceptions import ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from recouvre.core.headers import is_single_line
from recouvre.core.identifiers import IdentifierError, validate_siren
from recouvre.core.identity import IDENTITY_FIELDS
from recouvre.ledger.actors import Actor

from .models import Invitation, Membership, Organization, Role, User


@transaction.atomic
def create_organization(slug: str, name: str, *, siren: str = "", **fields: object) -> Organization:
    slug = slugify(slug)
    if not slug:
        raise ValidationError(_("The short name must contain letters or digits."))
    if Organization.objects.filter(slug=slug).exists():
        raise ValidationError(_("An organization with the short name %(slug)s already exists.") % {"slug": slug})
    if not name.strip() or not is_single_line(name):
        # the name is the sender name of the organization's e-mails unless it sets one: one line
        raise ValidationError(_("The name must be given, on one line: no line break, tab or other control character."))
    if siren:
        try:
            siren = validate_siren(siren)
        except IdentifierError as exc:
            raise ValidationError(str(exc)) from exc
    organization = Organization.objects.create(slug=slug, name=name, siren=siren, **fields)
    from recouvre.collections.services import ensure_default_policies

    ensure_default_policies(organization)
    return organization


@transaction.atomic
def add_member(organization: Organization, user: User, role: str = Role.VIEWER) -> Membership:
    membership, _created = Membership.objects.update_or_create(
        user=user, organization=organization, defaults={"role": role}
    )
    return membership


def create_user(username: str, password: str, *, email: str = "", superuser: bool = False) -> User:
    """A new user; ``ValidationError`` when the name is taken or the password fails the configured validators
    (at least 8 characters, not a common password, not too close to the user name)."""
    if User.objects.filter(username=username).exists():
        raise ValidationError(_("The user %(username)s already exists.") % {"username": username})
    password_validation.validate_password(password, User(username=username, email=email))
    if superuser:
        return User.objects.create_superuser(username=username, email=email, password=password)
    return User.objects.create_user(username=username, email=email, password=password)


# ------------------------------------------------------------------------------------------------ members

INVITATION_VALID_DAYS = 7
"""How long an invitation link works, from the day it is sent (or sent again)."""


class MemberChangeRefused(ValidationError):
    """A change of members refused, with why (nothing written)."""


class InvitationInvalid(Exception):
    """The invitation link does not work: ``reason`` is ``unknown``, ``used``, ``revoked`` or ``expired``."""

    def __init__(self, reason: str, invitation: Invitation | None = None) -> None:
        super().__init__(reason)
        self.reason = reason
        self.invitation = invitation


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def _event(organization: Organization, kind: str, actor: Actor, **data: object) -> None:
    from recouvre.ledger.services import record_event

    record_event(organization, None, kind, actor, **data)


def _role_label(role: str) -> str:
    return str(Role(role).label)


def _check_role(role: str) -> str:
    if role not in Role.values:
        raise MemberChangeRefused(
            _("%(role)s is not a role (roles: %(roles)s).") % {"role": role, "roles": ", ".join(Role.values)}
        )
    return role


def _administrators_left(organization: Organization, without: Membership) -> int:
    """The organization's other active administrators, their rows locked until the transaction ends (two
    administrators demoting each other at once cannot both succeed)."""
    rows = list(
        Membership.objects.select_for_update()
        .filter(organization=organization, role=Role.ADMIN, user__is_active=True)
        .exclude(pk=without.pk)
        .values_list("pk", flat=True)
    )
    return len(rows)


@transaction.atomic
def change_role(membership: Membership, role: str, *, actor: Actor) -> Membership:
    """Give ``membership`` another role. Refused (``MemberChangeRefused``) when it would leave the organization
    without an administrator."""
    _check_role(role)
    membership = Membership.objects.select_for_update().select_related("user", "organization").get(pk=membership.pk)
    if membership.role == role:
        return membership
    if membership.role == Role.ADMIN and _administrators_left(membership.organization, membership) == 0:
        raise MemberChangeRefused(
            _("%(user)s is the organization's last administrator: make another member administrator first.")
            % {"user": membership.user.get_username()}
        )
    before = membership.role
    membership.role = role
    membership.save(update_fields=["role"])
    _event(
        membership.organization,
        "organization.member_role_changed",
        actor,
        username=membership.user.get_username(),
        role_before=before,
        role=role,
    )
    return membership


@transaction.atomic
def remove_member(membership: Membership, *, actor: Actor) -> None:
    """Take the user out of the organization (the user account stays: its name is on the events it recorded).
    Refused when the member is the organization's last administrator."""
    membership = Membership.objects.select_for_update().select_related("user", "organization").get(pk=membership.pk)
    if membership.role == Role.ADMIN and _administrators_left(membership.organization, membership) == 0:
        raise MemberChangeRefused(
            _("%(user)s is the organization's last administrator: make another member administrator first.")
            % {"user": membership.user.get_username()}
        )
    organization, username, role = membership.organization, membership.user.get_username(), membership.role
    membership.delete()
    _event(organization, "organization.member_removed", actor, username=username, role=role)


def _invitation_message(invitation: Invitation, link: str, inviter: str) -> tuple[str, str]:
    from recouvre.collections.rendering import format_date

    org = invitation.organization
    language = "fr" if (get_language() or "").startswith("fr") else "en"
    expires = format_date(timezone.localdate(invitation.expires_at), language)
    subject = _("Invitation to join %(org)s on Recouvre") % {"org": org.name}
    body = "\n\n".join(
        [
            _("Hello,"),
            _(
                "%(inviter)s invites you to join %(org)s on Recouvre, the receivables collections application, "
                "as %(role)s."
            )
            % {"inviter": inviter, "org": org.name, "role": _role_label(invitation.role).lower()},
            _("To accept, open this link (it works once, until %(date)s):") % {"date": expires} + "\n" + link,
            _(
                "If you already have a Recouvre account, log in when asked: you will join with it. If you did not "
                "expect this invitation, ignore this message."
            ),
        ]
    )
    return subject, body + "\n"


def _send_invitation(invitation: Invitation, link: str, inviter: str) -> str:
    """Send the invitation e-mail through the project's mailer, From the organization as its reminders are; the
    error when it could not be sent, else ``""``."""
    import email.utils

    from django.conf import settings
    from django.core.mail import EmailMessage, mailers, make_msgid

    from recouvre.collections.models import CollectionSettings
    from recouvre.core.headers import one_line

    org = invitation.organization
    identity = CollectionSettings.objects.filter(organization=org).first()
    sender = email.utils.formataddr(
        (
            one_line((identity.from_name if identity is not None else "") or org.name),
            (identity.from_email if identity is not None else "") or settings.DEFAULT_FROM_EMAIL,
        )
    )
    subject, body = _invitation_message(invitation, link, inviter)
    message = EmailMessage(
        subject=one_line(subject),
        body=body,
        from_email=sender,
        to=[invitation.email],
        reply_to=[invitation.invited_by.email] if invitation.invited_by and invitation.invited_by.email else [],
        headers={
            "Message-ID": make_msgid(domain=settings.DEFAULT_FROM_EMAIL.rpartition("@")[2] or None),
            "Date": email.utils.format_datetime(timezone.now()),
            "Content-Language": get_language() or settings.LANGUAGE_CODE,
            "Auto-Submitted": "auto-generated",
        },
    )
    try:
        mailers["default"].send_messages([message])
    except Exception as exc:  # noqa: BLE001 - the invitation stays, it can be sent again; the page says why
        return str(exc)[:300] or exc.__class__.__name__
    return ""


@dataclass(frozen=True)
class InvitationSent:
    invitation: Invitation
    link: str
    error: str = ""
    """Why the e-mail could not be sent (the invitation stands: send it again), else ``""``."""


def _new_token(invitation: Invitation, now: datetime) -> str:
    token = secrets.token_urlsafe(32)
    invitation.token_hash = token_hash(token)
    invitation.expires_at = now + timedelta(days=INVITATION_VALID_DAYS)
    return token


def _link(base_url: str, token: str) -> str:
    return base_url.rstrip("/") + reverse("invitation_accept", args=[token])


def _deliver(invitation: Invitation, base_url: str, token: str, actor: Actor, kind: str) -> InvitationSent:
    link = _link(base_url, token)
    error = _send_invitation(invitation, link, actor.name)
    if not error:
        invitation.sent_at = timezone.now()
        invitation.save(update_fields=["sent_at"])
    _event(
        invitation.organization,
        kind,
        actor,
        email=invitation.email,
        role=invitation.role,
        sent=not error,
        error=error,
    )
    return InvitationSent(invitation, link, error)


def invite(organization: Organization, email: str, role: str, *, actor: Actor, base_url: str) -> InvitationSent:
    """Invite ``email`` to join ``organization`` with ``role``: store the invitation (its token hashed) and send the
    one-time link to that address. Refused (``MemberChangeRefused``) for an address that is not one, a member
    already, or already invited (send that invitation again instead). ``base_url``: the server's address as the
    invitee reaches it."""
    from django.core.validators import validate_email

    email = email.strip()
    try:
        validate_email(email)
    except ValidationError as exc:
        raise MemberChangeRefused(_("%(email)s is not an e-mail address.") % {"email": email}) from exc
    _check_role(role)
    now = timezone.now()
    with transaction.atomic():
        if Membership.objects.filter(organization=organization, user__email__iexact=email).exists():
            raise MemberChangeRefused(_("%(email)s is already a member.") % {"email": email})
        if Invitation.objects.filter(
            organization=organization, email__iexact=email, accepted_at__isnull=True, revoked_at__isnull=True
        ).exists():
            raise MemberChangeRefused(
                _("%(email)s is already invited: send the invitation again instead.") % {"email": email}
            )
        invitation = Invitation(organization=organization, email=email, role=role, invited_by=actor.user)
        token = _new_token(invitation, now)
        invitation.save()
    return _deliver(invitation, base_url, token, actor, "organization.member_invited")


def resend_invitation(invitation: Invitation, *, actor: Actor, base_url: str) -> InvitationSent:
    """Send a pending invitation again with a new link (the old one stops working) valid for another
    ``INVITATION_VALID_DAYS`` days."""
    with transaction.atomic():
        invitation = Invitation.objects.select_for_update().select_related("organization").get(pk=invitation.pk)
        if not invitation.is_pending:
            raise MemberChangeRefused(_("This invitation was already accepted or revoked."))
        token = _new_token(invitation, timezone.now())
        invitation.save(update_fields=["token_hash", "expires_at"])
    return _deliver(invitation, base_url, token, actor, "organization.invitation_resent")


@transaction.atomic
def revoke_invitation(invitation: Invitation, *, actor: Actor) -> Invitation:
    """End a pending invitation: its link stops working."""
    invitation = Invitation.objects.select_for_update().select_related("organization").get(pk=invitation.pk)
    if not invitation.is_pending:
        raise MemberChangeRefused(_("This invitation was already accepted or revoked."))
    invitation.revoked_at = timezone.now()
    invitation.save(update_fields=["revoked_at"])
    _event(invitation.organization, "organization.invitation_revoked", actor, email=invitation.email)
    return invitation


def invitation_by_token(token: str, *, lock: bool = False) -> Invitation:
    """The invitation a link's token opens; ``InvitationInvalid`` saying why when it does not work."""
    rows = Invitation.objects.select_related("organization")
    if lock:
        rows = rows.select_for_update()
    invitation = rows.filter(token_hash=token_hash(token)).first() if token else None
    if invitation is None:
        raise InvitationInvalid("unknown")
    if invitation.accepted_at is not None:
        raise InvitationInvalid("used", invitation)
    if invitation.revoked_at is not None:
        raise InvitationInvalid("revoked", invitation)
    if invitation.expires_at <= timezone.now():
        raise InvitationInvalid("expired", invitation)
    return invitation


@transaction.atomic
def accept_invitation(
    token: str,
    *,
    user: User | None = None,
    username: str = "",
    password: str = "",
    first_name: str = "",
    last_name: str = "",
) -> Membership:
    """Use an invitation link, once: ``user`` (logged in) joins the organization with the invitation's role, or a
    new user is created with ``username`` and ``password`` (checked by the password validators), named
    ``first_name`` ``last_name``, with the invitation's address. ``InvitationInvalid`` when the link does not work,
    ``ValidationError`` for a refused user name or password (nothing written)."""
    invitation = invitation_by_token(token, lock=True)
    organization = invitation.organization
    if user is None:
        username = username.strip()
        if not username:
            raise ValidationError({"username": _("Choose a user name.")})
        if User.objects.filter(username__iexact=username).exists():
            raise ValidationError({"username": _("The user name %(username)s is taken.") % {"username": username}})
        try:
            password_validation.validate_password(password, User(username=username, email=invitation.email))
        except ValidationError as exc:
            raise ValidationError({"password": exc.messages}) from exc
        user = User.objects.create_user(
            username=username,
            email=invitation.email,
            password=password,
            first_name=first_name.strip()[:150],
            last_name=last_name.strip()[:150],
        )
    if Membership.objects.filter(organization=organization, user=user).exists():
        membership = Membership.objects.get(organization=organization, user=user)
    else:
        membership = Membership.objects.create(organization=organization, user=user, role=invitation.role)
    invitation.accepted_at = timezone.now()
    invitation.accepted_by = user
    invitation.save(update_fields=["accepted_at", "accepted_by"])
    _event(
        organization,
        "organization.member_joined",
        Actor.of(user),
        username=user.get_username(),
        email=invitation.email,
        role=membership.role,
    )
    return membership


# ------------------------------------------------------------------------------------------------ settings


def identity_errors(values: dict[str, str]) -> tuple[dict[str, str], dict[str, list[str]]]:
    """``values`` (the identity fields) cleaned (SIREN, SIRET, VAT number compact, country in capitals), and the
    errors by field."""
    from recouvre.core.identifiers import siren_errors, validate_country, validate_siret, validate_vat

    cleaned = {k: (v or "").strip() for k, v in values.items()}
    errors: dict[str, list[str]] = {}
    for field in ("name", "legal_form", "address_line1", "address_line2", "postal_code", "city"):
        if field in cleaned and not is_single_line(cleaned[field]):
            errors[field] = [_("One line: no line break, tab or other control character.")]
    for field, value in cleaned.items():
        limit = Organization._meta.get_field(field).max_length
        checked = field in ("siren", "siret", "vat_number", "country")  # checked below, then stored compact
        if limit is not None and len(value) > limit and not checked and field not in errors:
            errors[field] = [_("At most %(max)s characters.") % {"max": limit}]
    if "name" in cleaned and not cleaned["name"]:
        errors["name"] = [_("The legal name must be given.")]
    for field, check in (
        ("siren", validate_siren),
        ("siret", validate_siret),
        ("vat_number", validate_vat),
        ("country", validate_country),
    ):
        if cleaned.get(field):
            try:
                cleaned[field] = check(cleaned[field])
            except IdentifierError as exc:
                errors[field] = [str(exc)]
    if not errors:
        for field, message in siren_errors(
            cleaned.get("siren", ""), cleaned.get("siret", ""), cleaned.get("vat_number", "")
        ).items():
            errors[field] = [message]
    return cleaned, errors


@transaction.atomic
def update_identity(organization: Organization, *, actor: Actor, **values: str) -> list[str]:
    """Change the organization's identity fields given (``IDENTITY_FIELDS``); ``ValidationError`` by field when one
    is refused (nothing written). What was produced before (letters, e-mails, statements: stored as sent) keeps
    the identity it was produced with. The fields changed, in order."""
    unknown = sorted(set(values) - set(IDENTITY_FIELDS))
    if unknown:
        raise ValueError(f"not identity fields: {', '.join(unknown)}")
    cleaned, errors = identity_errors(values)
    if errors:
        raise ValidationError(errors)
    organization = Organization.objects.select_for_update().get(pk=organization.pk)
    changed = [f for f in IDENTITY_FIELDS if f in cleaned and getattr(organization, f) != cleaned[f]]
    if changed:
        for f in changed:
            setattr(organization, f, cleaned[f])
        organization.save(update_fields=changed)
        _event(organization, "organization.settings_changed", actor, fields=", ".join(changed))
    return changed


@transaction.atomic
def set_logo(organization: Organization, data: bytes | None, *, actor: Actor) -> Organization:
    """Put the uploaded ``data`` (checked and encoded again by ``logo.clean_logo``: ``ValidationError`` when
    refused) as the organization's logo, or take the logo away (``None``)."""
    from .logo import clean_logo

    png = clean_logo(data) if data is not None else b""
    organization = Organization.objects.select_for_update().get(pk=organization.pk)
    if bytes(organization.logo or b"") == png:
        return organization
    organization.logo = png
    organization.save(update_fields=["logo"])
    _event(organization, "organization.logo_changed" if png else "organization.logo_removed", actor)
    return organization
