"""Fixtures of the web app tests: a fixed business date and a small ledger in two organizations (see
``helpers``)."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine

from .helpers import AS_OF, build_ledger


@pytest.fixture(autouse=True)
def fast_password_hashing(settings):  # type: ignore[no-untyped-def]
    """Test users get a cheap password hash: the real one is slow on purpose."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def frozen_today():  # type: ignore[no-untyped-def]
    """Freeze the clock on 31 March 2026, 10:00 in Paris: "today" in the views is ``AS_OF``."""
    with time_machine.travel(datetime(2026, 3, 31, 10, 0, tzinfo=ZoneInfo("Europe/Paris")), tick=False):
        yield AS_OF


@pytest.fixture
def ledger(org, other_org, user, frozen_today):  # type: ignore[no-untyped-def]
    return build_ledger(org, other_org, user)


@pytest.fixture
def member_of(org):  # type: ignore[no-untyped-def]
    """``member_of(role)``: a logged-in client for a new user with that role in ``org``."""
    from django.test import Client

    from recouvre.testing.factories import MembershipFactory

    def make(role: str, organization=None):  # type: ignore[no-untyped-def]
        membership = MembershipFactory(organization=organization or org, role=role)
        c = Client()
        c.force_login(membership.user)
        return c

    return make
