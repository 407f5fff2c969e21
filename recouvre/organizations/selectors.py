"""Reads about organizations and memberships."""

from __future__ import annotations

from django.db.models import QuerySet

from .models import Membership, Organization, User


def organizations_for(user: User) -> QuerySet[Organization]:
    if not user.is_authenticated:
        return Organization.objects.none()
    return Organization.objects.filter(memberships__user=user).order_by("name")


def membership(user: User, organization: Organization) -> Membership | None:
    if not user.is_authenticated:
        return None
    return Membership.objects.filter(user=user, organization=organization).first()


def get_by_slug(slug: str) -> Organization | None:
    return Organization.objects.filter(slug=slug).first()
