"""The Deadlines panel after insolvency or over-indebtedness, date by date: the retention-of-title claim of
insolvency proceedings (L624-9), and for a consumer's over-indebtedness the statement of debts to contest (R723-3)
and the claim to declare after a personal recovery with liquidation — never a claim declaration of its own."""

from __future__ import annotations

from datetime import date

import pytest
from django.core.exceptions import ValidationError

from recouvre.ledger.actors import Actor
from recouvre.legal import insolvency
from recouvre.legal.deadlines import deadlines
from recouvre.legal.models import ProcedureKind
from recouvre.tasks.deadlines import gather
from recouvre.testing.factories import CustomerFactory, InvoiceFactory

ME = Actor.system("test")
D = date


def panel(org, today):  # type: ignore[no-untyped-def]
    return [(d.kind, d.due_on, d.alert) for d in deadlines(org, today)]


def test_insolvency_proceedings_add_the_retention_of_title_deadline(org) -> None:  # type: ignore[no-untyped-def]
    trader = CustomerFactory(organization=org, kind="business")
    InvoiceFactory(customer=trader, issued_on=D(2026, 1, 5), due_on=D(2026, 2, 4))
    insolvency.record_procedure(
        org,
        trader,
        actor=ME,
        kind=ProcedureKind.RECEIVERSHIP,
        judgment_on=D(2026, 2, 18),
        published_on=D(2026, 2, 25),
        court="Tribunal des activités économiques de Paris",
        officer_name="Maître Anne Durand",
        officer_address="12 quai Saint-Antoine, 69002 Lyon",
    )

    # Declaration: 2 months from the BODACC of 25 February, 25 April 2026 a Saturday -> Monday 27 April.
    # Retention of title: 3 months, 25 May 2026 is Whit Monday -> Tuesday 26 May (CPC 642).
    assert panel(org, D(2026, 3, 2)) == [
        ("insolvency_declaration", D(2026, 4, 27), "open"),
        ("retention_of_title", D(2026, 5, 26), "open"),
    ]
    title = next(d for d in deadlines(org, D(2026, 3, 2)) if d.kind == "retention_of_title")
    assert "L624-9" in title.label and "retention-of-title" in title.label
    # On 20 May the declaration deadline has passed (relief from foreclosure is shown) and the claim of goods is near.
    assert ("retention_of_title", D(2026, 5, 26), "7d") in panel(org, D(2026, 5, 20))
    # Passed: shown overdue for 30 days, then gone.
    assert ("retention_of_title", D(2026, 5, 26), "overdue") in panel(org, D(2026, 6, 25))
    assert "retention_of_title" not in {kind for kind, _d, _a in panel(org, D(2026, 6, 26))}


def test_a_judgment_whose_publication_is_not_known_yet_has_no_dated_deadline(org) -> None:  # type: ignore[no-untyped-def]
    trader = CustomerFactory(organization=org, kind="business")
    procedure = insolvency.record_procedure(
        org, trader, actor=ME, kind=ProcedureKind.SAFEGUARD, judgment_on=D(2026, 3, 2)
    )
    assert panel(org, D(2026, 3, 3)) == []

    insolvency.update_procedure(procedure, actor=ME, published_on=D(2026, 3, 12))

    assert panel(org, D(2026, 3, 13)) == [
        ("insolvency_declaration", D(2026, 5, 12), "open"),
        ("retention_of_title", D(2026, 6, 12), "open"),
    ]


def test_over_indebtedness_has_its_own_deadlines_and_no_claim_declaration(org) -> None:  # type: ignore[no-untyped-def]
    person = CustomerFactory(organization=org, kind="consumer", name="Jeanne Rémy")
    InvoiceFactory(customer=person, issued_on=D(2026, 5, 4), due_on=D(2026, 6, 3))
    procedure = insolvency.record_procedure(
        org, person, actor=ME, kind=ProcedureKind.OVER_INDEBTEDNESS, judgment_on=D(2026, 9, 15)
    )
    # Admissible, nothing received yet: collection stops, but nothing is dated.
    assert panel(org, D(2026, 9, 16)) == []
    with pytest.raises(ValidationError, match="no claim declaration"):
        insolvency.declare_claim(procedure, actor=ME, declared_on=D(2026, 9, 20))

    # The statement of debts arrives on Friday 2 October: 30 days end on Sunday 1 November, All Saints' Day,
    # so Monday 2 November (CPC 641-642).
    procedure = insolvency.update_procedure(procedure, actor=ME, debt_statement_received_on=D(2026, 10, 2))
    assert panel(org, D(2026, 10, 5)) == [("over_indebtedness_statement", D(2026, 11, 2), "open")]
    statement = deadlines(org, D(2026, 10, 5))[0]
    assert "R723-3" in statement.label and "Oct. 2, 2026" in statement.label

    # A personal recovery with liquidation published on 25 October: 2 months end on Christmas Day, so Monday 28
    # December. Still no retention-of-title deadline: over-indebtedness is not an insolvency judgment.
    insolvency.update_procedure(procedure, actor=ME, personal_recovery_published_on=D(2026, 10, 25))
    assert panel(org, D(2026, 10, 26)) == [
        ("over_indebtedness_statement", D(2026, 11, 2), "7d"),
        ("personal_recovery_declaration", D(2026, 12, 28), "open"),
    ]
    # The worklist's panel (every producer) shows them with the days left.
    rows = [(r.deadline.kind, r.days_left) for r in gather(org, D(2026, 10, 26))]
    assert rows == [("over_indebtedness_statement", 7), ("personal_recovery_declaration", 63)]


def test_over_indebtedness_is_for_consumers_and_is_not_published(org) -> None:  # type: ignore[no-untyped-def]
    trader = CustomerFactory(organization=org, kind="business")
    person = CustomerFactory(organization=org, kind="consumer")
    with pytest.raises(ValidationError, match="consumer"):
        insolvency.record_procedure(
            org, trader, actor=ME, kind=ProcedureKind.OVER_INDEBTEDNESS, judgment_on=D(2026, 9, 15)
        )
    with pytest.raises(ValidationError, match="not published at the BODACC"):
        insolvency.record_procedure(
            org,
            person,
            actor=ME,
            kind=ProcedureKind.OVER_INDEBTEDNESS,
            judgment_on=D(2026, 9, 15),
            published_on=D(2026, 9, 25),
        )
