"""The policies every organization starts with (*scénarios de relance*), as data.

- ``FRENCH_DEFAULT`` (customers of the standard segment): an optional courtesy e-mail 3 days before the due date
  (disabled until the organization turns it on), a courteous e-mail at +7 days, a firm e-mail at +20 days that
  announces the late-payment penalties and the 40 EUR recovery indemnity to professional debtors (the texts follow
  the customer's kind, ``recouvre.core.lawtexts``: a consumer is never told of either), a formal notice (*mise en
  demeure*) by registered letter at +35 days that needs approval and gives 15 days to pay, and a task to escalate to
  legal action at +50 days.
- ``STRATEGIC_ACCOUNTS``: the same ladder with a phone call at +14 days, before any firm e-mail; every written
  step (e-mail or letter) needs approval.
- ``SMALL_ACCOUNTS``: the default ladder, fully automatic (no step needs approval); what each step sends a
  consumer is the consumer's law (no penalties, no 40 EUR, no C. com. L441-10), as for every policy.

Tasks (phone calls, the legal escalation) never need approval: a task is itself work for a person, who decides
what to do. No step has a minimum amount: an organization sets them in the policy editor.

Minimum gaps keep a customer from hearing from us too often when invoices fall due on different days: 7 days
before a courtesy or courteous e-mail, 5 before a call, 10 before the firm e-mail and the formal notice, and 15
(the formal notice's deadline) between the formal notice and the legal escalation. On schedule, the offsets already
leave these gaps; they matter for late items catching up one step per contact, and for customers with invoices at
several stages.

Templates are named by the step's key; policy names are English source strings translated where they are shown
or stored (the seeding service stores them in the organization's language). Step keys are stable: stored
progress refers to them.
"""

from __future__ import annotations

from decimal import Decimal

from .dunning import Channel, Policy, Step
from .i18n import gettext, gettext_noop

NO_MINIMUM = Decimal("0.00")
FORMAL_NOTICE_DEADLINE_DAYS = 15


def _ladder(*, written_needs_approval: bool, formal_notice_needs_approval: bool, call: bool) -> tuple[Step, ...]:
    approval = written_needs_approval
    steps = [
        Step("courtesy", -3, Channel.EMAIL, "courtesy", NO_MINIMUM, approval, 7, enabled=False),
        Step("reminder", 7, Channel.EMAIL, "reminder", NO_MINIMUM, approval, 7),
    ]
    if call:
        steps.append(Step("call", 14, Channel.CALL_TASK, "call", NO_MINIMUM, False, 5))
    steps += [
        Step("firm", 20, Channel.EMAIL, "firm", NO_MINIMUM, approval, 10),
        Step(
            "formal_notice",
            35,
            Channel.REGISTERED_LETTER,
            "formal_notice",
            NO_MINIMUM,
            formal_notice_needs_approval or approval,
            10,
            deadline_days=FORMAL_NOTICE_DEADLINE_DAYS,
        ),
        Step("legal", 50, Channel.INTERNAL_TASK, "legal", NO_MINIMUM, False, FORMAL_NOTICE_DEADLINE_DAYS),
    ]
    return tuple(steps)


FRENCH_DEFAULT = Policy(
    "default",
    gettext_noop("Default"),
    _ladder(written_needs_approval=False, formal_notice_needs_approval=True, call=False),
)
STRATEGIC_ACCOUNTS = Policy(
    "strategic",
    gettext_noop("Strategic accounts"),
    _ladder(written_needs_approval=True, formal_notice_needs_approval=True, call=True),
)
SMALL_ACCOUNTS = Policy(
    "small",
    gettext_noop("Small accounts"),
    _ladder(written_needs_approval=False, formal_notice_needs_approval=False, call=False),
)

DEFAULT_POLICIES: tuple[Policy, ...] = (FRENCH_DEFAULT, STRATEGIC_ACCOUNTS, SMALL_ACCOUNTS)

# Customer segment (``ledger.Segment``) -> the policy seeded for it; a customer may be given another one.
SEGMENT_POLICIES: dict[str, Policy] = {
    "standard": FRENCH_DEFAULT,
    "strategic": STRATEGIC_ACCOUNTS,
    "small": SMALL_ACCOUNTS,
}


# The seeded steps' keys in words; a step an organization added keeps the key it was given (its own word).
STEP_LABELS: dict[str, str] = {
    "courtesy": gettext_noop("courtesy reminder"),
    "reminder": gettext_noop("reminder"),
    "call": gettext_noop("phone call"),
    "firm": gettext_noop("second reminder"),
    "formal_notice": gettext_noop("formal notice"),
    "legal": gettext_noop("legal action"),
}


def step_label(key: str) -> str:
    """A step's key as the reader reads it: ``formal_notice`` is "formal notice" ("mise en demeure")."""
    return gettext(STEP_LABELS[key]) if key in STEP_LABELS else key


def policy_for_segment(segment: str) -> Policy:
    """The seeded policy of a segment; an unknown segment gets the default French policy."""
    return SEGMENT_POLICIES.get(segment, FRENCH_DEFAULT)
