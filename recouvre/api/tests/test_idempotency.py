"""The answers kept for an ``Idempotency-Key`` are kept ``RECOUVRE_API_IDEMPOTENCY_DAYS`` days: older ones are
deleted (the scheduler's daily purge, ``recouvre apikey purge-idempotency``) by their age, whichever organization
they belong to, and a request sent again after that is carried out again."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest
import time_machine

from recouvre.api.idempotency import purge_expired
from recouvre.api.models import IdempotentRequest
from recouvre.cli import main
from recouvre.ledger.models import Invoice
from recouvre.testing.factories import CustomerFactory

pytestmark = pytest.mark.django_db

NOW = datetime(2026, 3, 31, 8, 0, tzinfo=UTC)  # 10:00 in Paris (summer time), 09:00 a week before (winter time)


def kept(organization, key: str, age: timedelta) -> None:  # type: ignore[no-untyped-def]
    row = IdempotentRequest.objects.create(
        organization=organization,
        key=key,
        method="POST",
        path="/api/v1/invoices",
        request_hash="0" * 64,
        status_code=201,
        response={"created": 1},
    )
    IdempotentRequest.objects.filter(pk=row.pk).update(created_at=NOW - age)


@pytest.fixture
def answers(org, other_org):  # type: ignore[no-untyped-def]
    for organization, name, age in [
        (org, "30-days", timedelta(days=30)),
        (org, "8-days", timedelta(days=8)),
        (org, "7-days-and-a-second", timedelta(days=7, seconds=1)),
        (org, "7-days", timedelta(days=7)),
        (org, "6-days", timedelta(days=6)),
        (org, "an-hour", timedelta(hours=1)),
        (other_org, "rival-9-days", timedelta(days=9)),
        (other_org, "rival-2-days", timedelta(days=2)),
    ]:
        kept(organization, name, age)


def keys() -> list[str]:
    return sorted(IdempotentRequest.objects.values_list("key", flat=True))


def test_answers_older_than_the_retention_are_deleted_whatever_their_organization(answers):  # type: ignore[no-untyped-def]
    done = purge_expired(NOW)
    assert (done.deleted, done.days, done.before) == (4, 7, NOW - timedelta(days=7))
    assert keys() == ["6-days", "7-days", "an-hour", "rival-2-days"]
    assert purge_expired(NOW).deleted == 0


def test_the_retention_is_a_setting(answers, settings):  # type: ignore[no-untyped-def]
    settings.RECOUVRE_API_IDEMPOTENCY_DAYS = 2
    assert purge_expired(NOW).deleted == 6
    assert keys() == ["an-hour", "rival-2-days"]


def test_the_command_purges_and_tells_how_many(answers, capsys):  # type: ignore[no-untyped-def]
    with time_machine.travel(NOW, tick=False):
        assert main(["apikey", "purge-idempotency", "--days", "8", "--json"]) == 0
        assert json.loads(capsys.readouterr().out) == {
            "deleted": 2,
            "days": 8,
            "before": (NOW - timedelta(days=8)).isoformat(),
        }
        assert keys() == ["6-days", "7-days", "7-days-and-a-second", "8-days", "an-hour", "rival-2-days"]
        assert main(["apikey", "purge-idempotency"]) == 0
        assert capsys.readouterr().out == (
            "2 answers kept for an Idempotency-Key deleted (kept before 2026-03-24 09:00, over 7 days).\n"
        )
        assert keys() == ["6-days", "7-days", "an-hour", "rival-2-days"]


def test_a_number_of_days_that_is_not_one_is_a_usage_error(answers, capsys):  # type: ignore[no-untyped-def]
    with pytest.raises(SystemExit) as exit:
        main(["apikey", "purge-idempotency", "--days", "0"])
    assert exit.value.code == 2
    assert "'0' is not a number of days from 1 to 36500" in capsys.readouterr().err
    assert len(keys()) == 8


def test_a_request_sent_again_after_the_retention_is_a_new_request(call, org, key):  # type: ignore[no-untyped-def]
    CustomerFactory(organization=org, ref="411DUPONT", name="Dupont SARL")
    item = {"number": "F-1", "customer_ref": "411DUPONT", "issue_date": "2026-03-01", "total": "100.00"}
    other = {**item, "number": "F-2"}
    with time_machine.travel(NOW, tick=False):
        first = call("POST", "/invoices", key, json={"items": [item]}, idempotency_key="nightly")
    assert (first.status_code, first.json()["created"]) == (201, 1)
    # within the retention: the key answers the same request again, and refuses another one
    with time_machine.travel(NOW + timedelta(days=7), tick=False):
        again = call("POST", "/invoices", key, json={"items": [item]}, idempotency_key="nightly")
        assert (again.status_code, again.json()) == (201, first.json())
        refused = call("POST", "/invoices", key, json={"items": [other]}, idempotency_key="nightly")
        assert refused.status_code == 422
    assert list(Invoice.objects.values_list("number", flat=True)) == ["F-1"]
    # after it, before any purge: another request under the same key is carried out and its answer kept
    with time_machine.travel(NOW + timedelta(days=7, seconds=1), tick=False):
        later = call("POST", "/invoices", key, json={"items": [other]}, idempotency_key="nightly")
    assert (later.status_code, later.json()["created"]) == (201, 1)
    assert sorted(Invoice.objects.values_list("number", flat=True)) == ["F-1", "F-2"]
    row = IdempotentRequest.objects.get()
    assert (row.key, row.created_at) == ("nightly", NOW + timedelta(days=7, seconds=1))
