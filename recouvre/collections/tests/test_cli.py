"""``recouvre run``: JSON shape, human output, exit codes; two runs at once store each action once."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
from datetime import date

import pytest
from django.db import connection

from recouvre.cli import main
from recouvre.collections.models import Action, ItemStep
from recouvre.collections.services import run_collections
from recouvre.ledger.actors import Actor
from recouvre.ledger.models import Event
from recouvre.testing.factories import CustomerFactory, InvoiceFactory


def cli(capsys, *argv: str) -> tuple[int, str, str]:  # type: ignore[no-untyped-def]
    code = main([str(a) for a in argv])
    out, err = capsys.readouterr()
    return code, out, err


@pytest.mark.django_db
def test_run_json_for_one_organization(org, ladder, capsys):  # type: ignore[no-untyped-def]
    for ref in ("411A", "411B"):
        InvoiceFactory(
            customer=CustomerFactory(organization=org, ref=ref), issued_on=date(2026, 2, 1), due_on=date(2026, 3, 2)
        )
    InvoiceFactory(
        customer=CustomerFactory(organization=org, ref="411C"), issued_on=date(2026, 3, 1), due_on=date(2026, 3, 31)
    )
    code, out, err = cli(capsys, "run", "--org", "acme", "--as-of", "2026-03-09", "--json")
    assert (code, err) == (0, "")
    payload = json.loads(out)
    assert {
        k: payload[k]
        for k in (
            "as_of",
            "actions",
            "emails_sent",
            "letters",
            "tasks",
            "awaiting_approval",
            "failed",
            "skipped_on_hold",
        )
    } == {
        "as_of": "2026-03-09",
        "actions": 2,
        "emails_sent": 2,  # sent at once, by the command itself
        "letters": 0,
        "tasks": 0,
        "awaiting_approval": 0,
        "failed": 0,
        "skipped_on_hold": 0,
    }
    assert payload["skipped_customers"] == [
        {
            "customer_id": payload["skipped_customers"][0]["customer_id"],
            "customer": "411C",
            "reason": "nothing_due",
            "detail": "first",
            "next_on": "2026-04-05",
        }
    ]
    code, out, _err = cli(capsys, "run", "--org", "acme", "--as-of", "2026-03-09", "--json")
    assert (code, json.loads(out)["actions"]) == (0, 0)
    assert Action.objects.count() == 2


@pytest.mark.django_db
def test_run_without_org_runs_every_organization(org, other_org, ladder, capsys):  # type: ignore[no-untyped-def]
    InvoiceFactory(customer=CustomerFactory(organization=org), issued_on=date(2026, 2, 1), due_on=date(2026, 3, 2))
    code, out, _err = cli(capsys, "run", "--as-of", "2026-03-09", "--json")
    assert code == 0
    assert [(r["organization"], r["actions"]) for r in json.loads(out)] == [("acme", 1), ("rival", 0)]
    code, out, _err = cli(capsys, "run", "--as-of", "2026-03-10", "--dry-run")
    assert code == 0
    assert "acme, 2026-03-10: 0 actions for 2026-03-10" in out
    assert "dry run: nothing was stored" in out


@pytest.mark.django_db
def test_run_exit_codes(org, capsys):  # type: ignore[no-untyped-def]
    code, _out, err = cli(capsys, "run", "--org", "nobody")
    assert code == 2 and "no organization with the short name 'nobody'" in err
    with pytest.raises(SystemExit) as exc:
        main(["run", "--as-of", "32/13/2026"])
    assert exc.value.code == 2


@pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="SQLite's shared in-memory test database refuses a second writer: "
    "see test_two_run_processes_at_once_on_sqlite",
)
@pytest.mark.django_db(transaction=True)
def test_two_runs_at_once_store_each_action_once(org, ladder):  # type: ignore[no-untyped-def]
    for i in range(30):
        customer = CustomerFactory(organization=org)
        for j in range(3):
            InvoiceFactory(customer=customer, number=f"F-{i}-{j}", issued_on=date(2026, 2, 1), due_on=date(2026, 3, 2))
    start = threading.Barrier(2)
    results: list[int] = []
    errors: list[BaseException] = []

    def worker() -> None:
        try:
            start.wait()
            results.append(run_collections(org, date(2026, 3, 9), actor=Actor.system("worker")).actions)
        except BaseException as exc:  # noqa: BLE001 - reported by the test
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=worker) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert sorted(results) == [0, 30]
    assert Action.objects.count() == 30
    assert ItemStep.objects.count() == 90
    assert Event.objects.filter(kind="collections.action_planned").count() == 30


def test_two_run_processes_at_once_on_sqlite(tmp_path):  # type: ignore[no-untyped-def]
    """Two ``recouvre run`` processes on the same SQLite file: IMMEDIATE transactions make one wait for the other,
    which then finds everything stored and adds nothing."""
    env = {k: v for k, v in os.environ.items() if k != "RECOUVRE_DATABASE_URL"}
    env |= {"RECOUVRE_DATA_DIR": str(tmp_path / "data"), "RECOUVRE_LANGUAGE": "en"}
    rows = ["invoice_number,customer_id,issue_date,due_date,amount_incl_tax,currency"]
    rows += [f"F-{i}-{j},411C{i:03d},2026-02-01,2026-03-02,{100 + j}.50,EUR" for i in range(40) for j in range(3)]
    workload = tmp_path / "invoices.csv"
    workload.write_text("\n".join(rows) + "\n")

    def recouvre(*args: str) -> subprocess.Popen[str]:
        return subprocess.Popen(
            [sys.executable, "-m", "recouvre.cli", *args],
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )

    for args in (
        ("org", "create", "acme", "--name", "ACME"),
        ("import", "invoices", str(workload), "--org", "acme", "--create-customers"),
    ):
        p = recouvre(*args)
        out, err = p.communicate(timeout=120)
        assert p.returncode == 0, err
    runs = [recouvre("run", "--org", "acme", "--as-of", "2026-03-09", "--json") for _ in range(2)]
    results = []
    for p in runs:
        out, err = p.communicate(timeout=120)
        assert p.returncode == 0, err
        results.append(json.loads(out)["actions"])
    assert sorted(results) == [0, 40]  # default policy: the reminder at +7, one e-mail per customer
    import sqlite3

    db = sqlite3.connect(tmp_path / "data" / "recouvre.sqlite3")
    try:
        assert db.execute("SELECT count(*), count(DISTINCT customer_id) FROM collections_action").fetchone() == (40, 40)
        assert db.execute("SELECT count(*) FROM collections_itemstep").fetchone() == (120,)
    finally:
        db.close()


@pytest.mark.django_db
def test_runs_move_forward_and_backfill_records_without_sending(org, ladder, capsys):  # type: ignore[no-untyped-def]
    customer = CustomerFactory(organization=org, ref="411A")
    invoice = InvoiceFactory(customer=customer, number="F-1", issued_on=date(2026, 2, 1), due_on=date(2026, 3, 2))
    code, _out, _err = cli(capsys, "run", "--org", "acme", "--as-of", "2026-03-04", "--json")  # +2: nothing due
    assert code == 0
    # Earlier than the latest run: refused, nothing stored or sent.
    code, out, _err = cli(capsys, "run", "--org", "acme", "--as-of", "2026-03-03", "--json")
    assert code == 1
    assert json.loads(out)["ok"] is False
    assert "acme was last run for 2026-03-04" in json.loads(out)["errors"][0]
    assert Action.objects.count() == 0
    # Later than today: a usage error.
    code, _out, err = cli(capsys, "run", "--org", "acme", "--as-of", "2999-01-01")
    assert code == 2 and "after today" in err
    # --backfill: the first reminder was sent by hand on 7 March, before the organization used Recouvre.
    code, out, _err = cli(capsys, "run", "--org", "acme", "--as-of", "2026-03-07", "--backfill", "--json")
    assert code == 0
    assert (json.loads(out)["backfill"], json.loads(out)["emails_sent"]) == (True, 0)
    recorded = Action.objects.get()
    assert (recorded.step_key, recorded.state, recorded.recorded, recorded.send_on, recorded.content) == (
        "first",
        "sent",
        True,
        date(2026, 3, 7),
        "",
    )
    assert list(ItemStep.objects.filter(invoice=invoice).values_list("step_key", "done_on")) == [
        ("first", date(2026, 3, 7))
    ]
    assert Event.objects.filter(kind="collections.step_recorded").count() == 1
    # It counts as the invoice's level: the next run goes on to the second step at +20 (22 March, a Sunday).
    result = run_collections(org, date(2026, 3, 23), actor=Actor.system("test"), today=date(2026, 3, 23))
    assert [(a.step_key, a.send_on) for a in Action.objects.filter(recorded=False)] == [("second", date(2026, 3, 23))]
    assert result.actions == 1
