"""The timeline's hash chain: every event sealed once its transaction commits, and ``recouvre verify`` naming the
first broken link when an event is edited, deleted or moved in the database behind Recouvre's back."""

from __future__ import annotations

import hashlib
import importlib
import json
import threading
from datetime import UTC, date, timedelta
from decimal import Decimal
from types import SimpleNamespace

import pytest
from django.db import connection, connections, transaction
from django.utils import timezone
from hypothesis import given
from hypothesis import strategies as st

from recouvre.cli import main
from recouvre.core.chain import GENESIS
from recouvre.ledger.actors import Actor
from recouvre.ledger.chain import local_time, seal, sealing_deferred, verify
from recouvre.ledger.digests import canonical, content_digest, digest_of_row
from recouvre.ledger.models import ChainHead, Customer, Event
from recouvre.ledger.services import (
    bulk_record_events,
    create_customer,
    create_invoice,
    record_event,
    record_payment,
)

ACTOR = Actor.system("test")


def verify_cli(capsys, *args: str) -> tuple[int, str, str]:  # type: ignore[no-untyped-def]
    capsys.readouterr()
    code = main(["verify", "--org", "acme", *args])
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def story(org) -> Customer:  # type: ignore[no-untyped-def]
    """Five events: a customer, two invoices, a payment, a change of segment."""
    customer = create_customer(org, ACTOR, ref="411DUPONT", name="Dupont SARL")
    for number, total in (("FA-1", "1200.00"), ("FA-2", "480.00")):
        create_invoice(
            org,
            ACTOR,
            customer=customer,
            number=number,
            issued_on=date(2026, 1, 5),
            due_on=date(2026, 2, 4),
            total=Decimal(total),
        )
    record_payment(
        org, ACTOR, customer=customer, received_on=date(2026, 3, 10), amount=Decimal("80.00"), source_key="p1"
    )
    record_event(org, customer, "customer.updated", ACTOR, changes={"segment": ["standard", "strategic"]})
    return customer


def chained(org) -> list[Event]:  # type: ignore[no-untyped-def]
    return list(Event.objects.filter(organization=org).order_by("seq"))


def sql(statement: str, params: list[object]) -> None:
    with connection.cursor() as cursor:
        cursor.execute(statement, params)


def as_jsonb(placeholder: str = "%s") -> str:
    return f"CAST({placeholder} AS jsonb)" if connection.vendor == "postgresql" else placeholder


# ------------------------------------------------------------------------------------------- sealed on commit


@pytest.mark.django_db(transaction=True)
def test_each_service_seals_its_events_when_its_transaction_commits(org, other_org, capsys):  # type: ignore[no-untyped-def]
    story(org)
    create_customer(other_org, ACTOR, ref="411X", name="Elsewhere")

    events = chained(org)
    assert [e.seq for e in events] == [1, 2, 3, 4, 5]
    assert [e.id for e in events] == sorted(e.id for e in events)  # sealed in id order
    previous = GENESIS
    for e in events:
        assert e.digest == content_digest(e)
        assert e.prev_hash == previous
        assert e.hash == hashlib.sha256(f"{previous}{e.digest}{e.seq}".encode()).hexdigest()
        previous = e.hash
    head = ChainHead.objects.get(organization=org)
    assert (head.seq, head.hash) == (5, events[-1].hash)
    # each organization has a chain of its own, from 1
    assert list(Event.objects.filter(organization=other_org).values_list("seq", "prev_hash")) == [(1, GENESIS)]

    code, out, err = verify_cli(capsys)
    assert code == 0 and err == ""
    assert out == (
        f"acme: chain intact, 5 events checked (0 anonymised by the purge); head: no. 5, link {events[-1].hash}.\n"
    )
    capsys.readouterr()
    assert main(["verify", "--json"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["ok"] is True
    assert [(o["organization"], o["events"], o["head"]["seq"]) for o in report["organizations"]] == [
        ("acme", 5, 5),
        ("rival", 1, 1),
    ]


@pytest.mark.django_db(transaction=True)
def test_many_events_of_one_transaction_are_sealed_together_and_a_rolled_back_savepoint_does_not_lose_the_seal(org):  # type: ignore[no-untyped-def]
    customer = create_customer(org, ACTOR, ref="411A", name="A")

    class Undone(Exception):
        pass

    with transaction.atomic():
        # the first event of the transaction is written in a savepoint rolled back: its seal hook goes with it
        with pytest.raises(Undone), transaction.atomic():
            record_event(org, customer, "customer.updated", ACTOR, changes={"name": ["A", "B"]})
            raise Undone
        record_event(org, customer, "customer.updated", ACTOR, changes={"name": ["A", "C"]})
        bulk_record_events(org, ACTOR, [(customer.pk, "contact.added", {"name": f"n{i}"}) for i in range(3)])
        assert Event.objects.filter(organization=org, seq__isnull=True).count() == 4  # not before the commit
    assert list(Event.objects.filter(organization=org).order_by("id").values_list("seq", flat=True)) == [1, 2, 3, 4, 5]
    assert verify(org).intact

    with pytest.raises(Undone), transaction.atomic():
        record_event(org, customer, "customer.updated", ACTOR, changes={"name": ["C", "D"]})
        raise Undone
    assert ChainHead.objects.get(organization=org).seq == 5  # nothing committed, nothing sealed


@pytest.mark.django_db(transaction=True)
def test_a_bulk_import_seals_its_events(org, monkeypatch, capsys):  # type: ignore[no-untyped-def]
    from recouvre.imports import bulk
    from recouvre.imports.services import run_import
    from recouvre.imports.tests.test_bulk import FIXTURES

    monkeypatch.setattr("recouvre.imports.tabular.EVENTS_IN_BULK", 1)  # the multi-row inserts of large imports
    monkeypatch.setattr(bulk, "REBUILD_MIN_ROWS", 1)  # and the indexes rebuilt after them (SQLite)
    result = run_import(org, "invoices", FIXTURES / "invoices_en.csv", actor=ACTOR, create_customers=True)
    assert result.created == 4

    events = chained(org)
    assert len(events) > 4 and not Event.objects.filter(seq__isnull=True).exists()
    assert [e.seq for e in events] == list(range(1, len(events) + 1))
    code, out, _err = verify_cli(capsys)
    assert code == 0 and f"chain intact, {len(events)} events checked" in out


# ------------------------------------------------------------------------------------------------ tampering


@pytest.mark.django_db
def test_an_event_edited_in_the_database_is_named(org, capsys):  # type: ignore[no-untyped-def]
    story(org)
    seal(org)
    invoice = Event.objects.get(organization=org, kind="invoice.created", data__number="FA-2")
    data = {**invoice.data, "total": "48.00"}  # 480.00 becomes 48.00
    sql(f"UPDATE ledger_event SET data = {as_jsonb()} WHERE id = %s", [json.dumps(data), invoice.pk])

    code, out, err = verify_cli(capsys)
    assert code == 1 and out == ""
    assert err.splitlines() == [
        "acme: chain broken, 1 problem among 5 events:",
        f"  First broken link: Event {invoice.pk} (no. 3, {local_time(invoice.occurred_at)}): its content no longer "
        "matches its digest and the purge did not anonymise it: it was changed after it was recorded.",
    ]
    capsys.readouterr()
    assert main(["verify", "--org", "acme", "--json"]) == 1
    (report,) = json.loads(capsys.readouterr().out)["organizations"]
    assert report["ok"] is False and report["breaks"] == []
    assert {k: report["first_break"][k] for k in ("problem", "event", "seq")} == {
        "problem": "content",
        "event": invoice.pk,
        "seq": 3,
    }


@pytest.mark.django_db
def test_an_edit_whose_digest_and_link_were_recomputed_breaks_the_next_link_and_a_rewritten_chain_misses_the_noted_head(  # type: ignore[no-untyped-def]
    org, capsys
):
    story(org)
    seal(org)
    events = chained(org)
    noted = events[2].hash  # no. 3, as a dossier's README would have noted it
    target = events[2]
    target.data = {**target.data, "total": "48.00"}
    forged_digest = content_digest(target)
    forged_hash = hashlib.sha256(f"{target.prev_hash}{forged_digest}3".encode()).hexdigest()
    sql(
        f"UPDATE ledger_event SET data = {as_jsonb()}, digest = %s, hash = %s WHERE id = %s",
        [json.dumps(target.data), forged_digest, forged_hash, target.pk],
    )
    code, _out, err = verify_cli(capsys)
    assert code == 1
    assert (
        f"First broken link: Event {events[3].pk} (no. 4, {local_time(events[3].occurred_at)}): its link to the "
        "previous event is not that event's link: events were moved, inserted or reordered." in err
    )

    # Rewritten to the end, head included: intact on its own, but no longer through the link noted for no. 3.
    previous = forged_hash
    for e in events[3:]:
        link = hashlib.sha256(f"{previous}{e.digest}{e.seq}".encode()).hexdigest()
        sql("UPDATE ledger_event SET prev_hash = %s, hash = %s WHERE id = %s", [previous, link, e.pk])
        previous = link
    ChainHead.objects.filter(organization=org).update(hash=previous)
    assert verify_cli(capsys)[0] == 0
    code, _out, err = verify_cli(capsys, "--head", f"3:{noted}")
    assert code == 1
    assert (
        f"First broken link: Event {target.pk} (no. 3, {local_time(target.occurred_at)}): its link is not the one "
        f"noted for no. 3 ({noted}): the chain was rewritten." in err
    )
    assert verify_cli(capsys, "--head", f"3:{forged_hash}")[0] == 0


@pytest.mark.django_db
def test_a_deleted_event_is_named_by_the_event_after_it_and_a_deleted_last_event_by_the_head(org, capsys):  # type: ignore[no-untyped-def]
    story(org)
    seal(org)
    events = chained(org)
    sql("DELETE FROM ledger_event WHERE id = %s", [events[1].pk])  # no. 2

    code, _out, err = verify_cli(capsys)
    assert code == 1
    assert err.splitlines()[:2] == [
        "acme: chain broken, 1 problem among 4 events:",
        f"  First broken link: Event {events[2].pk} (no. 3, {local_time(events[2].occurred_at)}): event no. 2 of "
        "the chain, just before it, is missing: it was deleted.",
    ]

    sql("DELETE FROM ledger_event WHERE id = %s", [events[4].pk])  # and the last one, no. 5
    code, _out, err = verify_cli(capsys)
    assert code == 1
    assert err.splitlines()[-1] == (
        "  Chain head: the chain's head is event no. 5, but the last event found is no. 4: the last events were "
        "deleted."
    )


@pytest.mark.django_db
def test_two_events_put_in_each_others_place_are_found(org, capsys):  # type: ignore[no-untyped-def]
    story(org)
    seal(org)
    events = chained(org)
    second, third = events[1], events[2]
    sql("UPDATE ledger_event SET seq = 999 WHERE id = %s", [second.pk])
    sql("UPDATE ledger_event SET seq = 2 WHERE id = %s", [third.pk])
    sql("UPDATE ledger_event SET seq = 3 WHERE id = %s", [second.pk])

    code, _out, err = verify_cli(capsys)
    assert code == 1
    assert (
        f"First broken link: Event {third.pk} (no. 2, {local_time(third.occurred_at)}): its link to the previous "
        "event is not that event's link: events were moved, inserted or reordered." in err
    )
    capsys.readouterr()
    main(["verify", "--org", "acme", "--json"])
    (report,) = json.loads(capsys.readouterr().out)["organizations"]
    assert [(b["event"], b["seq"], b["problem"]) for b in report["breaks"]][:2] == [
        (third.pk, 2, "link"),
        (third.pk, 2, "hash"),
    ]


# ---------------------------------------------------------------------------------------- unsealed, and seal


@pytest.mark.django_db
def test_events_left_unsealed_for_minutes_are_an_anomaly_until_sealed(org, capsys):  # type: ignore[no-untyped-def]
    story(org)
    seal(org)
    left = Event.objects.create(organization=org, kind="customer.updated", data={"changes": {}}, actor_label="x")
    Event.objects.filter(pk=left.pk).update(occurred_at=timezone.now() - timedelta(minutes=12))
    left.refresh_from_db()

    code, out, err = verify_cli(capsys)
    assert code == 0 and "chain intact, 5 events checked" in out
    assert err == (
        f"acme: anomaly: 1 event is not sealed, recorded on {local_time(left.occurred_at)}, more than 5 minutes "
        "ago; `recouvre seal` seals it.\n"
    )
    capsys.readouterr()
    assert main(["seal", "--org", "acme"]) == 0
    left.refresh_from_db()
    assert capsys.readouterr().out == f"acme: 1 event sealed; head: no. 6, link {left.hash}.\n"
    code, out, err = verify_cli(capsys)
    assert (code, err) == (0, "") and "chain intact, 6 events checked" in out


@pytest.mark.django_db
def test_a_noted_head_must_be_number_colon_link(org, capsys):  # type: ignore[no-untyped-def]
    assert main(["verify", "--org", "acme", "--head", "3:abc"]) == 2
    assert capsys.readouterr().err == (
        "recouvre: error: --head '3:abc' is not NUMBER:LINK (a number, a colon, 64 hexadecimal digits)\n"
    )


@pytest.mark.django_db(transaction=True)
def test_sealing_deferred_seals_on_leaving_what_was_written_inside(org):  # type: ignore[no-untyped-def]
    with sealing_deferred():
        customer = create_customer(org, ACTOR, ref="411A", name="A")
        Event.objects.filter(organization=org).update(occurred_at=timezone.now() - timedelta(days=3))
        assert Event.objects.get(customer=customer).seq is None
    event = Event.objects.get(customer=customer)
    assert event.seq == 1 and event.digest == content_digest(event)  # the digest of the date given after
    assert verify(org).intact


# ------------------------------------------------------------------------------------------------- migration


@pytest.mark.django_db
def test_the_migration_seals_the_events_recorded_before_the_chain(org, other_org):  # type: ignore[no-untyped-def]
    from django.apps import apps

    from recouvre.privacy.models import Erasure

    migration = importlib.import_module("recouvre.ledger.migrations.0009_seal_existing_events")
    customer = story(org)  # inside the test's transaction: nothing sealed
    create_customer(other_org, ACTOR, ref="411X", name="Elsewhere")
    assert not Event.objects.filter(seq__isnull=False).exists()
    # an event given its digest by a purge before the chain existed, then anonymised
    purged = Event.objects.get(organization=org, kind="customer.created")
    purged.digest = content_digest(purged)
    purged.data = {"ref": "411DUPONT", "name": "[anonymised]"}
    purged.save()
    erasure = Erasure.objects.create(organization=org, customer=customer, as_of=date(2026, 12, 7), anonymised=True)

    migration.seal_existing_events(apps, SimpleNamespace(connection=connection))

    assert [e.seq for e in chained(org)] == [1, 2, 3, 4, 5]
    assert list(Event.objects.filter(organization=org).order_by("seq").values_list("id", flat=True)) == list(
        Event.objects.filter(organization=org).order_by("id").values_list("id", flat=True)
    )
    purged.refresh_from_db()
    assert purged.anonymised_at == erasure.done_at
    assert Event.objects.filter(anonymised_at__isnull=False).count() == 1
    result = verify(org)
    assert result.intact and (result.checked, result.anonymised, result.head.seq) == (5, 1, 5)  # type: ignore[union-attr]
    assert verify(other_org).intact


# ------------------------------------------------------------------------------------- concurrent (PostgreSQL)


def _in_thread(target, *args):  # type: ignore[no-untyped-def]
    errors: list[BaseException] = []

    def run() -> None:
        try:
            target(*args)
        except BaseException as exc:  # reported by the test
            errors.append(exc)
        finally:
            connections.close_all()

    thread = threading.Thread(target=run)
    thread.start()
    return thread, errors


@pytest.mark.django_db(transaction=True)
def test_two_writers_at_once_never_fork_the_chain(org, capsys):  # type: ignore[no-untyped-def]
    if connection.vendor != "postgresql":
        pytest.skip("concurrent writers are checked on PostgreSQL (SQLite runs one writer at a time)")
    start = threading.Barrier(2)

    def writer(name: str) -> None:
        start.wait()
        for i in range(25):
            create_customer(org, Actor.system(name), ref=f"411{name}{i:03d}", name=f"{name} {i}")
            if i % 10 == 0:  # and an import's worth of events in one transaction
                with transaction.atomic():
                    bulk_record_events(
                        org, Actor.system(name), [(None, "import.summary", {"file": f"{name}-{i}"})] * 500
                    )

    threads = [_in_thread(writer, name) for name in ("A", "B")]
    for thread, errors in threads:
        thread.join(timeout=120)
        assert not thread.is_alive() and not errors, errors

    total = Event.objects.filter(organization=org).count()
    assert total == 2 * (25 + 3 * 500)
    assert list(Event.objects.filter(organization=org).order_by("seq").values_list("seq", flat=True)) == list(
        range(1, total + 1)
    )
    assert ChainHead.objects.get(organization=org).seq == total
    code, out, _err = verify_cli(capsys)
    assert code == 0 and f"chain intact, {total} events checked" in out


@pytest.mark.django_db(transaction=True)
def test_an_event_committed_after_a_later_one_is_sealed_after_it(org):  # type: ignore[no-untyped-def]
    if connection.vendor != "postgresql":
        pytest.skip("two open write transactions at once need PostgreSQL")
    customer = create_customer(org, ACTOR, ref="411A", name="A")
    written, other_done = threading.Event(), threading.Event()
    first: list[int] = []

    def slow() -> None:
        with transaction.atomic():
            first.append(record_event(org, customer, "customer.updated", ACTOR, changes={"n": [1, 2]}).pk)
            written.set()
            assert other_done.wait(30)

    thread, errors = _in_thread(slow)
    assert written.wait(30)
    later = record_event(org, customer, "customer.updated", ACTOR, changes={"n": [2, 3]})  # committed at once
    other_done.set()
    thread.join(30)
    assert not errors, errors
    assert later.pk > first[0]
    seqs = dict(Event.objects.filter(organization=org).values_list("id", "seq"))
    assert (seqs[later.pk], seqs[first[0]]) == (2, 3)  # the chain follows the commits
    assert verify(org).intact


# ---------------------------------------------------------------------------------------------- the digest


_text = st.text(st.characters(exclude_categories=("Cs",)), max_size=20)
_json = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False, allow_infinity=False) | _text,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(_text, inner, max_size=3),
    max_leaves=8,
)


@given(
    pk=st.integers(min_value=1, max_value=2**62),
    organization_id=st.integers(min_value=1, max_value=2**31),
    customer_id=st.none() | st.integers(min_value=1, max_value=2**31),
    kind=_text,
    data=st.dictionaries(_text, _json, max_size=4),
    actor_id=st.none() | st.integers(min_value=1, max_value=2**31),
    actor_label=_text,
    occurred_at=st.none() | st.datetimes(timezones=st.just(UTC)),
)
def test_a_digest_written_directly_is_that_of_the_canonical_json(  # type: ignore[no-untyped-def]
    pk, organization_id, customer_id, kind, data, actor_id, actor_label, occurred_at
):
    row = (pk, organization_id, customer_id, kind, data, actor_id, actor_label, occurred_at)
    assert digest_of_row(row) == hashlib.sha256(canonical(*row)).hexdigest()
    assert canonical(*row) == json.dumps(
        {
            "actor": actor_id,
            "actor_label": actor_label,
            "customer": customer_id,
            "data": data,
            "id": pk,
            "kind": kind,
            "occurred_at": occurred_at.isoformat() if occurred_at else None,
            "organization": organization_id,
        },
        sort_keys=True,
        separators=(",", ":"),
        ensure_ascii=False,
    ).encode("utf-8")
