"""Logging in is throttled (per user name and per client address, counted in the database) and a user changes
their own password, under the configured password rules."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.test import Client
from django.urls import reverse

from recouvre.organizations import logins
from recouvre.organizations.models import LoginThrottle
from recouvre.testing.factories import MembershipFactory, UserFactory

from .helpers import text

pytestmark = pytest.mark.django_db
PARIS = ZoneInfo("Europe/Paris")
RIGHT = "correct horse battery"


@pytest.fixture
def clock():  # type: ignore[no-untyped-def]
    with time_machine.travel(datetime(2026, 3, 31, 10, 0, tzinfo=PARIS), tick=False) as traveller:
        yield traveller


def _client(address: str = "127.0.0.1", **extra: str) -> Client:
    c = Client(REMOTE_ADDR=address, **extra)
    c.cookies["django_language"] = "en"
    return c


def _log_in(c: Client, username: str, password: str):  # type: ignore[no-untyped-def]
    return c.post(reverse("login"), {"username": username, "password": password})


def _logged_in(c: Client) -> bool:
    return "_auth_user_id" in c.session


def test_forty_wrong_passwords_then_the_right_one_is_refused_until_the_lock_passes(user, clock):
    c = _client()
    for attempt in range(1, 41):
        answer = _log_in(c, "claire", f"guess {attempt}")
        assert answer.status_code == 200 and not _logged_in(c)
        if attempt < 5:
            assert "Please enter a correct username and password." in text(answer)
    answer = _log_in(c, "claire", "guess 5")
    assert "Too many failed logins: logging in is locked for 15 minutes (until 10:15). Try again later." in text(answer)
    # The right password, while locked: refused the same way, not even tried.
    answer = _log_in(c, "claire", RIGHT)
    assert answer.status_code == 200 and not _logged_in(c)
    assert "Too many failed logins: logging in is locked for 15 minutes (until 10:15)." in text(answer)
    # From another address too: the user name is locked.
    elsewhere = _client("192.0.2.7")
    assert "Too many failed logins" in text(_log_in(elsewhere, "claire", RIGHT)) and not _logged_in(elsewhere)
    clock.shift(timedelta(minutes=14))
    assert "locked for 1 minute (until 10:15)" in text(_log_in(c, "claire", RIGHT))
    clock.shift(timedelta(minutes=1, seconds=1))
    answer = _log_in(c, "claire", RIGHT)
    assert answer.status_code == 302 and answer["Location"] == reverse("home") and _logged_in(c)
    # A success clears the user name's count: four more mistakes later do not lock it.
    assert not LoginThrottle.objects.filter(scope="user").exists()
    c2 = _client("192.0.2.8")
    for attempt in range(4):
        _log_in(c2, "claire", f"again {attempt}")
    assert _log_in(c2, "claire", RIGHT).status_code == 302


def test_the_fifth_failure_locks_at_once_and_says_so(user, clock):
    c = _client()
    for attempt in range(4):
        assert "Please enter a correct username and password." in text(_log_in(c, "claire", f"x{attempt}"))
    assert "Too many failed logins: logging in is locked for 15 minutes" in text(_log_in(c, "claire", "x4"))
    assert LoginThrottle.objects.get(scope="user", key="claire").failures == 5


def test_failures_spread_out_in_time_do_not_add_up(user, clock):
    c = _client()
    for _day in range(10):
        for attempt in range(4):
            _log_in(c, "claire", f"x{attempt}")
        clock.shift(timedelta(minutes=16))
    assert _log_in(c, "claire", RIGHT).status_code == 302


def test_one_address_trying_many_user_names_is_locked_for_all_of_them(user, clock):
    attacker = _client("198.51.100.9")
    for n in range(30):
        _log_in(attacker, f"user{n}", "password")
    answer = _log_in(attacker, "claire", RIGHT)
    assert "Too many failed logins" in text(answer) and not _logged_in(attacker)
    # The user name itself is not locked: from elsewhere, Claire logs in.
    assert _log_in(_client("192.0.2.1"), "claire", RIGHT).status_code == 302
    # An IPv6 client is counted by its /64 network: changing the last half of its address does not help.
    for n in range(30):
        _log_in(_client(f"2001:db8:1:2::{n + 1:x}"), f"user{n}", "password")
    assert "Too many failed logins" in text(_log_in(_client("2001:db8:1:2:ffff::1"), "claire", RIGHT))
    assert _log_in(_client("2001:db8:1:3::1"), "claire", RIGHT).status_code == 302


def test_a_user_name_is_counted_whatever_its_case_and_whether_it_exists(user, clock):
    c = _client()
    for name in ("Claire", "CLAIRE", " claire", "claire", "cLaire"):
        _log_in(c, name, "wrong")
    assert "Too many failed logins" in text(_log_in(c, "claire", RIGHT))
    for _n in range(5):
        _log_in(c, "nobody-here", "wrong")
    # An unknown name is locked the same way: the message says nothing of whether the user exists.
    assert "Too many failed logins" in text(_log_in(_client("192.0.2.2"), "nobody-here", "wrong"))


def test_behind_the_tls_proxy_the_address_is_the_one_the_proxy_appended(user, clock, settings):
    settings.HTTPS = True
    settings.SECURE_SSL_REDIRECT = False  # the test client speaks plain HTTP
    proxy = "10.0.0.5"
    for n in range(30):
        # The client sends a forged first address each time; the proxy appends the real one.
        c = _client(proxy, HTTP_X_FORWARDED_FOR=f"203.0.113.{n}, 198.51.100.9")
        _log_in(c, f"user{n}", "password")
    locked = _client(proxy, HTTP_X_FORWARDED_FOR="198.51.100.9")
    assert "Too many failed logins" in text(_log_in(locked, "claire", RIGHT))
    # Another client behind the same proxy is not locked.
    assert _log_in(_client(proxy, HTTP_X_FORWARDED_FOR="192.0.2.50"), "claire", RIGHT).status_code == 302
    # Without RECOUVRE_HTTPS the header is not trusted: the connection's address counts.
    settings.HTTPS = False
    assert _log_in(_client("192.0.2.51", HTTP_X_FORWARDED_FOR="198.51.100.9"), "claire", RIGHT).status_code == 302


def test_the_limits_are_settings(user, clock, settings):
    settings.LOGIN_FAILURES_PER_USER = 2
    settings.LOGIN_LOCKOUT_MINUTES = 60
    c = _client()
    _log_in(c, "claire", "x")
    assert "locked for 60 minutes (until 11:00)" in text(_log_in(c, "claire", "y"))


def test_an_administrator_lifts_a_lock_with_recouvre_unlock(user, clock, capsys):
    import json

    from recouvre.cli import main

    c = _client()
    for n in range(5):
        _log_in(c, "claire", f"x{n}")
    assert logins.locked_until("claire", "127.0.0.1", datetime(2026, 3, 31, 8, 1, tzinfo=ZoneInfo("UTC")))
    assert main(["unlock", "Claire", "--address", "127.0.0.1", "--json"]) == 0
    assert json.loads(capsys.readouterr().out) == {"username": "Claire", "address": "127.0.0.1", "cleared": 2}
    assert _log_in(c, "claire", RIGHT).status_code == 302
    assert main(["unlock", "claire"]) == 0
    assert capsys.readouterr().out == "Failed logins forgotten: 0 counts cleared.\n"
    assert main(["unlock"]) == 2
    assert "give a user name, --address, or both" in capsys.readouterr().err


def test_the_demo_login_keeps_working(clock):
    from recouvre.demo.services import PASSWORD, _login
    from recouvre.testing.factories import OrganizationFactory

    _login(OrganizationFactory(slug="demo", name="Démo"))  # what ``recouvre demo`` does for its login
    c = _client()
    answer = _log_in(c, "demo", PASSWORD)
    assert answer.status_code == 302 and _logged_in(c)


# ------------------------------------------------------------------------------------------------ password change


def test_a_user_changes_their_password_under_the_password_rules(client):
    user = MembershipFactory(user__username="claire").user
    client.cookies["django_language"] = "en"
    client.force_login(user)
    home = client.get(reverse("home")).content.decode()
    assert f'href="{reverse("password_change")}"' in home  # in the user menu
    page = client.get(reverse("password_change"))
    assert page.status_code == 200
    assert "Your password must contain at least 8 characters." in text(page)

    def change(old: str, new: str, again: str | None = None):  # type: ignore[no-untyped-def]
        return client.post(
            reverse("password_change"),
            {"old_password": old, "new_password1": new, "new_password2": new if again is None else again},
        )

    refused = change("not my password", "a much better passphrase")
    assert "Your old password was entered incorrectly. Please enter it again." in text(refused)
    assert "This password is too short. It must contain at least 8 characters." in text(change(RIGHT, "tR1x!"))
    assert "This password is too common." in text(change(RIGHT, "password123"))
    assert "The password is too similar to the username." in text(change(RIGHT, "claire2026"))
    assert "The two password fields didn’t match." in text(change(RIGHT, "a much better passphrase", "another one"))
    user.refresh_from_db()
    assert user.check_password(RIGHT)

    done = change(RIGHT, "a much better passphrase")
    assert done.status_code == 302 and done["Location"] == reverse("home")
    assert "Your password has been changed." in text(client.get(reverse("home")))
    user.refresh_from_db()
    assert user.check_password("a much better passphrase")
    assert client.get(reverse("home")).status_code == 200  # still logged in
    fresh = _client()
    assert _log_in(fresh, "claire", RIGHT).status_code == 200
    assert _log_in(fresh, "claire", "a much better passphrase").status_code == 302


def test_the_password_page_needs_a_login(client, db):
    answer = client.get(reverse("password_change"))
    assert answer.status_code == 302 and answer["Location"].startswith(reverse("login"))
    UserFactory(username="nobody")
