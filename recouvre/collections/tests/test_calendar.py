# ruff: noqa: F811  (the SMTP server fixture is imported from the dispatch stories)
"""The Alsace-Moselle calendar: an organization that turns it on (``recouvre org set --alsace-moselle on``, or the
Collections settings page) has Good Friday and 26 December as public holidays too: its run of Good Friday sends
after Easter Monday, its scheduler sends nothing on those days, and another organization keeps the French calendar.
"""

from __future__ import annotations

import json
from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest

from recouvre.cli import main
from recouvre.collections.configuration import save_settings
from recouvre.collections.models import Action, CollectionSettings, Policy, Step
from recouvre.collections.preview import run_preview
from recouvre.collections.scheduler import tick
from recouvre.collections.selectors import calendar_for
from recouvre.collections.tests.test_dispatch import Keep, _customer, smtp  # noqa: F401
from recouvre.core.businessdays import ALSACE_MOSELLE, FRANCE
from recouvre.ledger.actors import Actor
from recouvre.ledger.models import Event
from recouvre.ledger.timeline import describe
from recouvre.testing.factories import InvoiceFactory

PARIS = ZoneInfo("Europe/Paris")
ACTOR = Actor.system("test")
GOOD_FRIDAY = date(2026, 4, 3)
EASTER_MONDAY = date(2026, 4, 6)
pytestmark = pytest.mark.django_db


def cli(capsys, *argv: str) -> tuple[int, str, str]:  # type: ignore[no-untyped-def]
    code = main([str(a) for a in argv])
    out, err = capsys.readouterr()
    return code, out, err


def _reminder_due_on_good_friday(org, email_address: str):  # type: ignore[no-untyped-def]
    """An e-mail reminder at +5 days, and an invoice due Sunday 29 March 2026: the reminder is due on Good Friday."""
    policy = Policy.objects.create(organization=org, key="mail", name="Mail", segment="standard")
    Step.objects.create(policy=policy, position=1, key="reminder", offset_days=5, channel="email", template="reminder")
    org.iban, org.bic, org.siren = "FR7630006000011234567890189", "AGRIFRPPXXX", "552100554"
    org.legal_mentions = "SAS au capital de 10 000 EUR - RCS Paris 552 100 554"
    org.save()
    customer = _customer(org, email_address=email_address)
    InvoiceFactory(customer=customer, number="F-1", issued_on=date(2026, 2, 27), due_on=date(2026, 3, 29))
    return customer


def test_the_calendar_is_french_until_the_organization_asks_for_alsace_moselle(org, other_org):  # type: ignore[no-untyped-def]
    assert calendar_for(org) is FRANCE  # no settings stored yet
    save_settings(org, actor=ACTOR, from_name="ACME")
    assert calendar_for(org) is FRANCE  # settings stored, the calendar left alone
    save_settings(org, actor=ACTOR, alsace_moselle=True)
    assert (calendar_for(org), calendar_for(other_org)) == (ALSACE_MOSELLE, FRANCE)


# the penalties reminder's settings, shown with the others: on by default, by e-mail, 10 days after
PENALTY_REMINDER = {"penalty_reminder": True, "penalty_reminder_days": 10, "penalty_reminder_channel": "email"}
# and the bank details printed on the documents
BANK = {"iban": "FR7630006000011234567890189", "bic": "AGRIFRPPXXX", "account_holder": "ACME Distribution SAS"}


def test_the_setting_from_the_command_line_and_a_run_of_good_friday(org, other_org, capsys):  # type: ignore[no-untyped-def]
    _reminder_due_on_good_friday(org, "compta@dupont.example")
    _reminder_due_on_good_friday(other_org, "compta@rival-client.example")

    assert cli(capsys, "org", "set", "--org", "acme", "--json") == (
        0,
        json.dumps({"ok": True, "org": "acme", "alsace_moselle": False, **PENALTY_REMINDER, **BANK}, indent=2) + "\n",
        "",
    )
    code, out, err = cli(capsys, "org", "set", "--org", "acme", "--alsace-moselle", "on")
    assert (code, out, err) == (
        0,
        "acme: Alsace-Moselle calendar on (Good Friday and 26 December are not business days).\n"
        "acme: claimed penalties still owed once the principal is paid are asked for 10 days after, by e-mail.\n"
        "acme: payments by transfer to ACME Distribution SAS, IBAN FR76 3000 6000 0112 3456 7890 189, "
        "BIC AGRIFRPPXXX.\n",
        "",
    )
    assert CollectionSettings.objects.get(organization=org).alsace_moselle is True
    assert [describe(e) for e in Event.objects.filter(organization=org, kind="collections.settings_changed")] == [
        "Collections settings changed: Alsace-Moselle calendar."
    ]
    code, out, _err = cli(capsys, "org", "set", "--org", "acme", "--json")
    assert (code, json.loads(out)) == (
        0,
        {"ok": True, "org": "acme", "alsace_moselle": True, **PENALTY_REMINDER, **BANK},
    )

    # The run of Good Friday 2026 (nothing stored on a dry run): Alsace-Moselle sends on Tuesday 7 April, after
    # Easter Monday; the French calendar sends on Good Friday itself.
    code, out, _err = cli(capsys, "run", "--as-of", GOOD_FRIDAY, "--dry-run", "--json")
    assert code == 0
    assert [(r["organization"], r["send_on"], r["actions"]) for r in json.loads(out)] == [
        ("acme", "2026-04-07", 1),
        ("rival", "2026-04-03", 1),
    ]
    code, _out, _err = cli(capsys, "run", "--org", "acme", "--as-of", GOOD_FRIDAY, "--json")
    assert code == 0
    assert [(a.send_on, a.step_key) for a in Action.objects.filter(organization=org)] == [
        (date(2026, 4, 7), "reminder")
    ]

    code, out, _err = cli(capsys, "org", "set", "--org", "acme", "--alsace-moselle", "off", "--json")
    expected = {"ok": True, "org": "acme", "alsace_moselle": False, **PENALTY_REMINDER, **BANK}
    assert (code, json.loads(out)) == (0, expected)
    assert calendar_for(org) is FRANCE
    assert run_preview(org, GOOD_FRIDAY).send_on == GOOD_FRIDAY


def test_org_set_names_an_unknown_organization(org, capsys):  # type: ignore[no-untyped-def]
    code, _out, err = cli(capsys, "org", "set", "--org", "nope", "--alsace-moselle", "on")
    assert code == 2
    assert "no organization with the short name 'nope'" in err
    assert not CollectionSettings.objects.exists()


def test_the_preview_shows_the_organization_s_send_date(org):  # type: ignore[no-untyped-def]
    _reminder_due_on_good_friday(org, "compta@dupont.example")
    save_settings(org, actor=ACTOR, alsace_moselle=True)
    preview = run_preview(org, GOOD_FRIDAY)
    assert preview.send_on == date(2026, 4, 7)
    [customer] = preview.customers
    assert [a.send_on for a in customer.actions] == [date(2026, 4, 7)]


def test_the_scheduler_sends_nothing_on_good_friday_for_alsace_moselle(org, other_org, smtp):  # type: ignore[no-untyped-def]
    server = smtp(Keep())
    _reminder_due_on_good_friday(org, "compta@dupont.example")
    _reminder_due_on_good_friday(other_org, "compta@rival-client.example")
    save_settings(org, actor=ACTOR, alsace_moselle=True)
    window = (datetime(2026, 1, 1, 8).time(), datetime(2026, 1, 1, 19).time())
    run_at = datetime(2026, 1, 1, 7).time()

    def at(day: date, hour: int) -> datetime:
        return datetime(day.year, day.month, day.day, hour, tzinfo=PARIS)

    # Good Friday: only the organization on the French calendar runs (the other's day is not a business day).
    result = tick(at(GOOD_FRIDAY, 9), run_at=run_at, window=window)
    assert [(r["organization"], r["send_on"], r["actions"]) for r in result.runs] == [("rival", "2026-04-03", 1)]
    assert (result.sent_for, result.waiting) == (["rival"], ["acme"])
    assert [rcpt for rcpt, _raw in server.messages] == [["compta@rival-client.example"]]

    result = tick(at(EASTER_MONDAY, 9), run_at=run_at, window=window)
    assert (result.runs, result.sent_for, result.waiting) == ([], [], ["acme", "rival"])
    assert len(server.messages) == 1

    result = tick(at(date(2026, 4, 7), 9), run_at=run_at, window=window)
    assert [(r["organization"], r["send_on"], r["actions"]) for r in result.runs] == [
        ("acme", "2026-04-07", 1),
        ("rival", "2026-04-07", 0),
    ]
    assert result.sent_for == ["acme", "rival"]
    assert [rcpt for rcpt, _raw in server.messages] == [
        ["compta@rival-client.example"],
        ["compta@dupont.example"],
    ]
