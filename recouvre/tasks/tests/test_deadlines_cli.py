"""``recouvre deadlines``: every dated deadline of an organization, the earliest first."""

from __future__ import annotations

import json
from datetime import date

import pytest

from recouvre.cli import main
from recouvre.ledger.actors import Actor
from recouvre.legal.insolvency import record_procedure
from recouvre.testing.factories import CustomerFactory, InvoiceFactory

pytestmark = pytest.mark.django_db


def cli(capsys, *argv: str) -> tuple[int, str, str]:  # type: ignore[no-untyped-def]
    code = main([str(a) for a in argv])
    out, err = capsys.readouterr()
    return code, out, err


@pytest.fixture
def deadlines_of_acme(org, other_org):  # type: ignore[no-untyped-def]
    old = CustomerFactory(organization=org, ref="411ANCIEN", name="Ancien SA")
    InvoiceFactory(customer=old, number="F-2021", issued_on=date(2021, 5, 3))
    martin = CustomerFactory(organization=org, ref="411MARTIN", name="Boulangerie Martin SARL")
    record_procedure(
        org,
        martin,
        actor=Actor.system("test"),
        kind="liquidation",
        judgment_on=date(2026, 3, 2),
        published_on=date(2026, 3, 12),
        court="Tribunal des activités économiques de Lyon",
        officer_role="liquidateur",
        officer_name="Maître Anne Durand",
        officer_address="12 quai Saint-Antoine, 69002 Lyon",
    )
    InvoiceFactory(customer=CustomerFactory(organization=other_org), number="X-2021", issued_on=date(2021, 5, 3))


def test_the_deadlines_as_json(capsys, deadlines_of_acme) -> None:  # type: ignore[no-untyped-def]
    code, out, err = cli(capsys, "deadlines", "--org", "acme", "--as-of", "2026-04-01", "--json")
    assert (code, err) == (0, "")
    rows = json.loads(out)
    assert [(r["kind"], r["due_on"], r["days_left"], r["customer_ref"]) for r in rows] == [
        ("prescription", "2026-05-03", 32, "411ANCIEN"),
        ("insolvency_declaration", "2026-05-12", 41, "411MARTIN"),
        ("retention_of_title", "2026-06-12", 72, "411MARTIN"),
    ]
    assert rows[1]["label"].startswith("Declare the claim to Maître Anne Durand")


def test_within_a_number_of_days_as_a_table(capsys, deadlines_of_acme) -> None:  # type: ignore[no-untyped-def]
    code, out, _ = cli(capsys, "deadlines", "--org", "acme", "--as-of", "2026-04-01", "--within", "35")
    assert code == 0
    lines = out.splitlines()
    assert len(lines) == 2
    assert lines[1].split()[:4] == ["2026-05-03", "32", "prescription", "411ANCIEN"]


def test_nothing_ahead(capsys, org) -> None:  # type: ignore[no-untyped-def]
    assert cli(capsys, "deadlines", "--org", "acme")[:2] == (0, "No deadline ahead.\n")


def test_a_negative_window_is_a_usage_error(capsys, org) -> None:  # type: ignore[no-untyped-def]
    assert cli(capsys, "deadlines", "--org", "acme", "--within", "-1")[0] == 2
