"""``recouvre watch``, as an operator runs it against a loopback server answering recorded responses of the company
directory and of the BODACC: an opening judgment naming a customer's SIREN proposes a proceeding and holds the
customer at once (nothing sent by the next run), dismissing releases it; a server that cannot be reached is exit
3 with nothing written; refreshing a customer updates its identity with one event."""

from __future__ import annotations

import json
from datetime import date

import pytest

from recouvre.cli import main
from recouvre.collections.models import Action, ActionState, Hold, HoldKind, Policy, Step
from recouvre.collections.services import run_collections
from recouvre.ledger.actors import Actor
from recouvre.ledger.models import Event
from recouvre.legal.models import InsolvencyProcedure
from recouvre.proceedings.recommendation import insolvency_open
from recouvre.testing.factories import CustomerFactory, InvoiceFactory
from recouvre.testing.outbox import carry_out
from recouvre.watch.models import Announcement, WatchState

pytestmark = pytest.mark.django_db
ACTOR = Actor.system("test")


def cli(capsys, *argv: str) -> tuple[int, str, str]:  # type: ignore[no-untyped-def]
    code = main([str(a) for a in argv])
    out, err = capsys.readouterr()
    return code, out, err


@pytest.fixture
def books(org):  # type: ignore[no-untyped-def]
    policy = Policy.objects.create(organization=org, key="test", name="Test", segment="standard")
    Step.objects.create(policy=policy, position=1, key="first", offset_days=5, channel="email", template="first")
    Step.objects.create(policy=policy, position=2, key="second", offset_days=20, channel="email", template="second")
    martin = CustomerFactory(organization=org, ref="411MARTIN", name="Boulangerie Martin", siren="552100554")
    durand = CustomerFactory(organization=org, ref="411DURAND", name="Durand", siret="54205118000066")
    other = CustomerFactory(organization=org, ref="411AUTRE", name="Autre")
    for n, customer in enumerate((martin, durand, other)):
        InvoiceFactory(customer=customer, number=f"F-{n}", issued_on=date(2026, 1, 5), due_on=date(2026, 2, 4))
    return martin, durand, other


def test_a_recorded_bodacc_response_naming_a_customer_proposes_a_proceeding_and_holds_it(  # type: ignore[no-untyped-def]
    capsys, org, books, sources
):
    martin, durand, other = books
    run_collections(org, date(2026, 3, 19), actor=ACTOR, today=date(2026, 3, 19))
    assert Action.objects.filter(customer=martin, state=ActionState.PLANNED).count() == 1

    code, out, err = cli(capsys, "watch", "bodacc", "--since", "2026-03-01", "--json")

    assert (code, err) == (0, "")
    data = json.loads(out)
    assert (data["since"], data["customers_watched"], data["requests"]) == ("2026-03-01", 2, 1)
    found = {a["customer"]: a for a in data["announcements"]}
    assert set(found) == {"411MARTIN", "411DURAND"}  # the liquidation of another company is nobody's here
    assert {k: found["411MARTIN"][k] for k in ("announcement", "kind", "judgment_on", "published_on", "state")} == {
        "announcement": "A202600612345",
        "kind": "opening_receivership",
        "judgment_on": "2026-03-20",
        "published_on": "2026-03-24",
        "state": "proposed",
    }
    assert found["411MARTIN"]["collection_stopped"] is True
    assert (found["411DURAND"]["kind"], found["411DURAND"]["state"]) == ("closure", "proposed")
    # The one request asked for both SIRENs, the two families, since the day given.
    assert "552100554" in sources.paths[0] and "542051180" in sources.paths[0] and "2026-03-01" in sources.paths[0]

    procedure = InsolvencyProcedure.objects.get(customer=martin)
    assert (procedure.state, procedure.kind, procedure.judgment_on, procedure.published_on) == (
        "proposed",
        "receivership",
        date(2026, 3, 20),
        date(2026, 3, 24),
    )
    assert procedure.declaration_due_on == date(2026, 5, 26)  # 2 months: Sunday 24, Whit Monday 25
    assert procedure.court == "GREFFE DU TRIBUNAL DES ACTIVITES ECONOMIQUES DE LYON"
    assert procedure.hold is not None and procedure.hold.kind == HoldKind.INSOLVENCY
    # The same effects as a recorded insolvency: what was queued withdrawn, no injonction, nothing sent.
    assert Action.objects.get(customer=martin).state == ActionState.CANCELLED
    assert insolvency_open(org, martin, date(2026, 3, 26))
    assert Hold.objects.filter(customer=durand, kind=HoldKind.INSOLVENCY, released_at__isnull=True).count() == 1
    run_collections(org, date(2026, 3, 26), actor=ACTOR, today=date(2026, 3, 26))
    assert Action.objects.filter(customer__in=[martin, durand], state=ActionState.PLANNED).count() == 0
    assert carry_out(org) == 1  # the other customer's reminder only
    assert Action.objects.get(customer=other).state == ActionState.SENT
    assert not Action.objects.filter(customer__in=[martin, durand], state=ActionState.SENT).exists()
    assert set(Event.objects.filter(customer=martin).values_list("kind", flat=True)) >= {
        "watch.announcement_proposed",
        "legal.insolvency_recorded",
        "collections.insolvency_recorded",
        "collections.actions_withdrawn",
    }

    # Each announcement once: checking again finds nothing new.
    code, out, _err = cli(capsys, "watch", "bodacc", "--since", "2026-03-01", "--json")
    assert code == 0 and json.loads(out)["announcements"] == []
    assert Announcement.objects.count() == 2
    state = WatchState.objects.get(organization=org)
    assert state.last_success_at is not None and state.last_error == ""

    # Dismissed: the hold released, the procedure kept as dismissed, collection resumes at the next run.
    ident = found["411MARTIN"]["id"]
    code, out, err = cli(capsys, "watch", "dismiss", ident, "--note", "homonyme")
    assert (code, err) == (0, "")
    assert "Collection resumes" in out
    procedure.refresh_from_db()
    assert procedure.state == "dismissed" and procedure.hold.released_at is not None
    assert not insolvency_open(org, martin, date(2026, 3, 27))
    assert "watch.announcement_dismissed" in set(Event.objects.filter(customer=martin).values_list("kind", flat=True))
    run_collections(org, date(2026, 3, 27), actor=ACTOR, today=date(2026, 3, 27))
    assert Action.objects.filter(customer=martin, state=ActionState.PLANNED).exists()
    # Decided once.
    code, out, _err = cli(capsys, "watch", "confirm", ident)
    assert code == 1 and "not waiting for a decision" in out

    # The closure confirmed: collection stays stopped, the company marked closed.
    code, out, _err = cli(capsys, "watch", "confirm", found["411DURAND"]["id"], "--json")
    assert code == 0 and json.loads(out)["state"] == "confirmed"
    durand.refresh_from_db()
    assert durand.company_status == "closed"
    assert Hold.objects.filter(customer=durand, kind=HoldKind.INSOLVENCY, released_at__isnull=True).exists()


def test_a_server_that_cannot_be_reached_is_exit_3_and_nothing_is_written(capsys, org, books):  # type: ignore[no-untyped-def]
    code, out, err = cli(capsys, "watch", "bodacc", "--since", "2026-03-01")
    assert code == 3
    assert "the BODACC could not be reached" in out and "nothing written" in out
    assert not Announcement.objects.exists() and not InsolvencyProcedure.objects.exists()
    assert not Hold.objects.exists()
    state = WatchState.objects.get(organization=org)
    assert state.last_success_at is None and "could not be reached" in state.last_error

    code, out, err = cli(capsys, "watch", "refresh", "411MARTIN", "--json")
    assert code == 3 and json.loads(out)["unreachable"] is True


@pytest.mark.parametrize(
    ("status", "body", "reason"),
    [
        (500, b"{}", "the BODACC answered HTTP 500"),
        (200, b"<html>", "the answer of the BODACC does not read: the answer is not JSON"),
        (200, b'{"results": [{"id": "A1", "registre": ["552100554"]}]}', "the field dateparution is missing"),
    ],
)
def test_an_error_or_an_answer_that_does_not_read_writes_nothing(capsys, org, books, sources, status, body, reason):  # type: ignore[no-untyped-def]
    sources.status, sources.bodacc = status, body
    code, out, _err = cli(capsys, "watch", "bodacc", "--json")
    assert code == 3 and reason in json.loads(out)["errors"][0]
    assert not Announcement.objects.exists() and not Hold.objects.exists()


def test_refresh_updates_the_identity_with_one_event(capsys, org, books, sources):  # type: ignore[no-untyped-def]
    martin, _durand, _other = books
    martin.legal_form = "SARL"  # typed by a person, now wrong
    martin.save()

    code, out, err = cli(capsys, "watch", "refresh", "411MARTIN", "--json")

    assert (code, err) == (0, "")
    data = json.loads(out)
    keys = ("name", "registered_name", "legal_form", "registered_office", "naf_code", "company_status")
    assert {k: data[k] for k in keys} == {
        "name": martin.name,  # the name the organization writes stays as it is
        "registered_name": "BOULANGERIE MARTIN",
        "legal_form": "SAS",
        "registered_office": "12 RUE DES LILAS 69003 LYON",
        "naf_code": "10.71C",
        "company_status": "active",
    }
    assert data["changes"]["legal_form"] == ["SARL", "SAS"]
    assert set(data["replaced"]) == {"legal_form"}
    assert sources.paths == ["/search?q=552100554&page=1&per_page=5"]
    event = Event.objects.get(customer=martin, kind="watch.customer_refreshed")
    assert event.data["replaced"] == "legal_form"
    martin.refresh_from_db()
    assert (martin.name, martin.registered_name) == (data["name"], "BOULANGERIE MARTIN")
    # Refreshed again: nothing changed, no event.
    code, out, _err = cli(capsys, "watch", "refresh", "411MARTIN")
    assert code == 0 and "Nothing changed." in out
    assert Event.objects.filter(customer=martin, kind="watch.customer_refreshed").count() == 1


def test_refresh_refused_without_a_siren_or_when_the_directory_does_not_know_it(capsys, org, books, sources):  # type: ignore[no-untyped-def]
    code, out, _err = cli(capsys, "watch", "refresh", "411AUTRE")
    assert code == 1 and "no valid SIREN" in out
    sources.directory = b'{"results": [], "total_results": 0}'
    code, out, _err = cli(capsys, "watch", "refresh", "411MARTIN")
    assert code == 1 and "does not know the SIREN 552100554" in out
    assert cli(capsys, "watch", "refresh", "411NOBODY")[0] == 2
    assert cli(capsys, "watch", "dismiss", "999")[0] == 2


def test_an_insolvency_already_recorded_is_only_noted(capsys, org, books, sources):  # type: ignore[no-untyped-def]
    martin, _durand, _other = books
    code, _out, _err = cli(capsys, "insolvency", "open", "411MARTIN", "--kind", "redressement", "--on", "2026-03-20")
    assert code == 0
    code, out, _err = cli(capsys, "watch", "bodacc", "--since", "2026-03-01", "--json")
    assert code == 0
    states = {a["customer"]: a["state"] for a in json.loads(out)["announcements"]}
    assert states == {"411MARTIN": "noted", "411DURAND": "proposed"}
    assert InsolvencyProcedure.objects.filter(customer=martin).count() == 1
    assert Hold.objects.filter(customer=martin, kind=HoldKind.INSOLVENCY).count() == 1
    assert "watch.announcement_noted" in set(Event.objects.filter(customer=martin).values_list("kind", flat=True))


def test_the_sirens_are_asked_fifty_at_a_time(org, sources):  # type: ignore[no-untyped-def]
    from stdnum import luhn

    from recouvre.watch.services import check_bodacc

    for n in range(60):
        base = f"{10000000 + n:08d}"
        CustomerFactory(organization=org, ref=f"411N{n:02d}", siren=base + luhn.calc_check_digit(base))
    sources.bodacc = b'{"total_count": 0, "results": []}'
    result = check_bodacc(org, since=date(2026, 3, 1))
    assert (result.customers, result.requests, result.announcements) == (60, 2, [])
    assert [path.count("registre") for path in sources.paths] == [50, 10]
