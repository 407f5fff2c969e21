"""The run preview: what a run of ``as_of`` would do for an organization, customer by customer, without writing
anything. It is the same computation as the run (``selectors.planner_inputs`` then ``core.dunning.iter_plan``),
kept customer by customer with the plan's details (actions, their lines and stages; the reason a customer is left
alone, in words) for a person to read. Customers asked for their claimed penalties once the principal is paid
(``core.dunning.plan_penalties``) come last, with that one action."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any

from recouvre.core import dunning
from recouvre.ledger.models import Customer
from recouvre.organizations.models import Organization

from . import selectors

CONTACTED = "contacted"
SKIPPED = "skipped"


@dataclass
class PreviewCustomer:
    customer_id: int
    ref: str
    name: str
    actions: tuple[dunning.PlannedAction, ...] = ()
    skip: dunning.Skip | None = None

    @property
    def outcome(self) -> str:
        return SKIPPED if self.skip is not None else CONTACTED

    @property
    def reason_label(self) -> str:
        return self.skip.reason.label if self.skip is not None else ""

    @property
    def detail_label(self) -> str:
        """The skip's detail in words: hold kinds by their names, step keys and currencies as they are."""
        if self.skip is None or not self.skip.detail:
            return ""
        parts = []
        for part in self.skip.detail.split(","):
            try:
                parts.append(dunning.HoldKind(part).label)
            except ValueError:
                parts.append(part)
        return ", ".join(parts)

    @property
    def lines(self) -> tuple[dunning.PlannedLine, ...]:
        return self.actions[0].lines if self.actions else ()

    @property
    def totals(self) -> list[tuple[str, Decimal]]:
        return sorted(self.actions[0].totals.items()) if self.actions else []

    @property
    def needs_approval(self) -> bool:
        return any(a.needs_approval for a in self.actions)


@dataclass
class RunPreview:
    as_of: date
    send_on: date
    customers: list[PreviewCustomer] = field(default_factory=list)

    @property
    def counts(self) -> dict[str, Any]:
        actions = [a for c in self.customers for a in c.actions]
        return {
            "customers": len(self.customers),
            CONTACTED: sum(1 for c in self.customers if c.skip is None),
            SKIPPED: sum(1 for c in self.customers if c.skip is not None),
            "actions": len(actions),
            "emails": sum(1 for a in actions if a.channel is dunning.Channel.EMAIL),
            "letters": sum(
                1 for a in actions if a.channel in (dunning.Channel.LETTER, dunning.Channel.REGISTERED_LETTER)
            ),
            "tasks": sum(1 for a in actions if a.channel in (dunning.Channel.CALL_TASK, dunning.Channel.INTERNAL_TASK)),
            "awaiting_approval": sum(1 for a in actions if a.needs_approval),
        }


def run_preview(organization: Organization, as_of: date, *, calendar: dunning.Calendar | None = None) -> RunPreview:
    """Every customer of ``organization`` with open invoices on ``as_of``: the actions a run would plan for it, or
    why it is left alone, on the organization's calendar (``selectors.calendar_for``) unless ``calendar`` is given.
    Customers are in the plan's order (by customer id); nothing is written."""
    if calendar is None:
        calendar = selectors.calendar_for(organization)
    inputs = selectors.planner_inputs(organization, as_of)
    preview = RunPreview(as_of, calendar.next_business_day(as_of))
    busy: set[int] = set()
    for plan in dunning.iter_plan(
        as_of,
        inputs.customers.values(),
        dunning.overdue_customers(inputs.items, as_of, inputs.tolerance, busy),
        calendar=calendar,
        tolerance=inputs.tolerance,
    ):
        if plan.skip is None and not plan.actions:
            continue
        if plan.actions:
            busy.add(plan.customer_id)
        preview.customers.append(
            PreviewCustomer(plan.customer_id, inputs.refs.get(plan.customer_id, ""), "", plan.actions, plan.skip)
        )
    # Claimed penalties still owed once the principal is paid, asked for by their own step (as the run does).
    rule = selectors.penalty_rule(organization)
    penalties = selectors.open_penalties(organization, as_of) if rule is not None else []
    if rule is not None and penalties:
        for action in dunning.plan_penalties(
            as_of, inputs.customers, penalties, rule, busy=busy, calendar=calendar, tolerance=inputs.tolerance
        ):
            # a customer left alone for its invoices not yet due is contacted about its penalties
            found = next((c for c in preview.customers if c.customer_id == action.customer_id), None)
            if found is not None:
                found.actions, found.skip = (action,), None
            else:
                preview.customers.append(
                    PreviewCustomer(action.customer_id, inputs.refs.get(action.customer_id, ""), "", (action,))
                )
    names = dict(Customer.objects.filter(organization=organization).values_list("id", "name").order_by())
    for c in preview.customers:
        c.name = names.get(c.customer_id, "")
    return preview
