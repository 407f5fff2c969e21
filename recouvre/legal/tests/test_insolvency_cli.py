"""``recouvre insolvency open`` and ``recouvre insolvency list``, as an operator runs them: the same effects and
timeline events as the web form, ``--json``, and exit codes 0 (done), 1 (refused, nothing written), 2 (usage)."""

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
from recouvre.testing.factories import CustomerFactory, InvoiceFactory

pytestmark = pytest.mark.django_db


def cli(capsys, *argv: str) -> tuple[int, str, str]:  # type: ignore[no-untyped-def]
    code = main([str(a) for a in argv])
    out, err = capsys.readouterr()
    return code, out, err


@pytest.fixture
def customers(org):  # type: ignore[no-untyped-def]
    trader = CustomerFactory(organization=org, ref="411MARTIN", name="Boulangerie Martin SARL", kind="business")
    person = CustomerFactory(organization=org, ref="411REMY", name="Jeanne Rémy", kind="consumer")
    InvoiceFactory(customer=trader, number="F-1", issued_on=date(2026, 1, 5), due_on=date(2026, 2, 4))
    InvoiceFactory(customer=person, number="F-2", issued_on=date(2026, 1, 5), due_on=date(2026, 2, 4))
    return trader, person


def test_opening_a_receivership_from_the_command_line(capsys, org, customers) -> None:  # type: ignore[no-untyped-def]
    trader, _person = customers
    policy = Policy.objects.create(organization=org, key="n", name="N", segment="standard")
    Step.objects.create(
        policy=policy, position=1, key="notice", offset_days=30, channel="registered_letter",
        template="formal_notice", needs_approval=True,
    )  # fmt: skip
    run_collections(org, date(2026, 3, 25), actor=Actor.system("test"))
    assert Action.objects.get(customer=trader).state == ActionState.AWAITING_APPROVAL

    code, out, err = cli(
        capsys, "insolvency", "open", "411MARTIN", "--kind", "redressement", "--on", "2026-03-26",
        "--bodacc", "2026-04-03", "--json",
    )  # fmt: skip

    assert (code, err) == (0, "")
    data = json.loads(out)
    assert {k: data[k] for k in ("ok", "customer", "kind", "judgment_on", "published_on", "declare_by")} == {
        "ok": True,
        "customer": "411MARTIN",
        "kind": "receivership",
        "judgment_on": "2026-03-26",
        "published_on": "2026-04-03",
        "declare_by": "2026-06-03",
    }
    assert data["collection_stopped"] is True
    # The same effects as the web form: the procedure, the hold, the notice withdrawn, the timeline.
    procedure = InsolvencyProcedure.objects.get(customer=trader)
    assert procedure.hold is not None and procedure.hold.kind == HoldKind.INSOLVENCY
    assert Action.objects.get(customer=trader).state == ActionState.CANCELLED
    assert set(Event.objects.filter(customer=trader).values_list("kind", flat=True)) >= {
        "collections.insolvency_recorded",
        "legal.insolvency_recorded",
        "collections.actions_withdrawn",
    }

    code, out, err = cli(capsys, "insolvency", "list", "--json")
    assert code == 0
    assert [(r["customer"], r["kind"], r["declare_by"]) for r in json.loads(out)] == [
        ("411MARTIN", "receivership", "2026-06-03")
    ]
    code, out, err = cli(capsys, "insolvency", "list")
    assert code == 0 and "411MARTIN" in out and "declare by 2026-06-03" in out


def test_over_indebtedness_of_a_consumer(capsys, org, customers) -> None:  # type: ignore[no-untyped-def]
    code, out, err = cli(
        capsys, "insolvency", "open", "411REMY", "--kind", "surendettement", "--on", "2026-09-15",
        "--debt-statement", "2026-10-02",
    )  # fmt: skip

    assert (code, err) == (0, "")
    assert "Over-indebtedness (surendettement) recorded for Jeanne Rémy (411REMY) from 2026-09-15" in out
    procedure = InsolvencyProcedure.objects.get(customer__ref="411REMY")
    assert (procedure.kind, procedure.published_on, procedure.debt_statement_received_on) == (
        "over_indebtedness",
        None,
        date(2026, 10, 2),
    )
    assert Hold.objects.filter(customer__ref="411REMY", kind=HoldKind.INSOLVENCY, released_at__isnull=True).exists()


def test_refused_input_exits_1_and_writes_nothing(capsys, org, customers) -> None:  # type: ignore[no-untyped-def]
    # A business cannot be over-indebted; a judgment cannot be published before it is given.
    code, out, _err = cli(
        capsys, "insolvency", "open", "411MARTIN", "--kind", "over-indebtedness", "--on", "2026-09-15", "--json"
    )
    assert code == 1
    assert json.loads(out) == {
        "ok": False,
        "errors": ["Over-indebtedness concerns a consumer: this customer is not one."],
    }
    code, out, _err = cli(
        capsys, "insolvency", "open", "411MARTIN", "--kind", "safeguard", "--on", "2026-09-15", "--bodacc", "2026-09-01"
    )
    assert code == 1 and "The BODACC publication cannot come before the judgment." in out
    assert not InsolvencyProcedure.objects.exists()
    assert not Hold.objects.exists()


def test_usage_errors_exit_2(capsys, org, customers) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(SystemExit) as exit_info:
        main(["insolvency", "open", "411MARTIN", "--kind", "bankruptcy", "--on", "2026-09-15"])
    assert exit_info.value.code == 2
    assert "unknown procedure 'bankruptcy'" in capsys.readouterr().err
    code, _out, err = cli(capsys, "insolvency", "open", "411NOBODY", "--kind", "liquidation", "--on", "2026-09-15")
    assert code == 2 and "no customer with the account '411NOBODY'" in err
    code, _out, err = cli(
        capsys, "insolvency", "open", "411MARTIN", "--kind", "safeguard", "--on", "2026-09-15", "--continued-activity"
    )
    assert code == 2 and "--continued-activity goes with a liquidation only" in err
    assert not InsolvencyProcedure.objects.exists()
