"""Writes about organizations and memberships."""

from __future__ import annotations

from django.contrib.auth import password_validation
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.text import slugify
from django.utils.translation import gettext as _

from recouvre.core.headers import is_single_line
from recouvre.core.identifiers import IdentifierError, validate_siren

from .models import Membership, Organization, Role, User


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
