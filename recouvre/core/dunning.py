"""Dunning (*relances*): policies, and the plan of what to send on ``as_of``.

A policy (*scénario de relance*) is an ordered tuple of steps. Planning looks at every open item of every
customer, decides the one step (at most) each item reaches on ``as_of``, and groups the due steps into one action
per customer and channel; customers that get nothing are reported with the reason. The rules, with worked examples,
are in ``docs/collections.md``; in short:

- an item's ``level`` is the last step *carried out* for it (an e-mail accepted by the server, a letter posted, a
  task completed), by key, so editing a policy never rewrites it (``Policy.level_after``); a step planned and not
  carried out yet (``OpenItem.pending``) holds the item where it is: it counts for nothing, and nothing further is
  planned until it is carried out or dropped (a rejected, failed or cancelled step is dropped, and the item
  reaches it again at the next run);
- an item's next step is the first enabled step after its level; once the invoice is due (on the send date), a
  courtesy step before the due date is passed over, so an item first seen late starts at the first enabled step
  on or after the due date (offset 0 or more), never further on;
- that step is due when ``as_of >= due_on + offset_days``, the open amount is at least the step's minimum, and at
  least ``min_gap_days`` (and at least one day) have passed since the item's last step;
- a customer is contacted (every channel but internal tasks) only when at least one of its due steps finds
  ``min_gap_days`` (and at least one day) passed since the customer's last contact; the other due steps then go
  along in the same contact, whatever their own gap;
- an item on hold, or of a customer on hold, gets no step; an item in a currency whose overdue amount the
  customer's unallocated payments and credits cover gets no step either;
- an item of a broken commitment (``Expedite``, a promise to pay not kept) takes its next step at once, without
  waiting for its offset or the gaps (still never twice the same day);
- one action per (customer, channel), sent on the first business day on or after ``as_of``, lists every overdue
  item of the customer with its own stage, and uses the template of the highest step advancing in it.

Penalties claimed on invoices whose principal has been paid are asked for by a step of their own, outside the
policies' ladders (``plan_penalties``, ``PenaltyRule``): once per invoice, some days after the principal was paid,
never to a consumer, never for penalties partly waived, and only for a customer with nothing overdue left.

Everything here is pure: ``as_of`` and the calendar are passed in, nothing reads the clock or a database. Stored
state (levels, last contact, holds) comes in as plain values; the storage layer puts unique constraints on the
keys of the plan (``PlannedAction.key``, ``PlannedLine.key``) so that a plan stored twice sends nothing twice.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import date, timedelta
from decimal import Decimal
from enum import StrEnum
from operator import attrgetter
from typing import Protocol

from .businessdays import FRANCE
from .i18n import _, gettext_noop
from .lawtexts import CONSUMER

ZERO = Decimal("0.00")


class Channel(StrEnum):
    EMAIL = "email"
    LETTER = "letter"
    REGISTERED_LETTER = "registered_letter"
    CALL_TASK = "call_task"
    INTERNAL_TASK = "internal_task"

    @property
    def label(self) -> str:
        return _(_CHANNEL_LABELS[self])

    @property
    def reaches_customer(self) -> bool:
        """Whether a step on this channel is a contact with the customer (and so waits for the customer's minimum
        gap, and counts as the customer's last contact once done). Internal tasks are not."""
        return self is not Channel.INTERNAL_TASK


_CHANNEL_RANK = {channel: rank for rank, channel in enumerate(Channel)}
_CHANNEL_LABELS = {
    Channel.EMAIL: gettext_noop("E-mail"),
    Channel.LETTER: gettext_noop("Letter"),
    Channel.REGISTERED_LETTER: gettext_noop("Registered letter"),
    Channel.CALL_TASK: gettext_noop("Phone call"),
    Channel.INTERNAL_TASK: gettext_noop("Internal task"),
}


class PolicyError(ValueError):
    """A policy that cannot be planned with (duplicate step keys, offsets out of order...)."""


class Trigger(StrEnum):
    """What a step's ``offset_days`` counts from."""

    DUE = "due"
    """Days after the due date (negative: before it, a courtesy reminder)."""
    INVOICE = "invoice"
    """Days after the invoice date."""
    END_OF_MONTH = "end_of_month"
    """Days after the last day of the due date's month."""
    PREVIOUS = "previous"
    """Days after the item's previous step was carried out (the due date for an item that had none)."""

    @property
    def label(self) -> str:
        return _(_TRIGGER_LABELS[self])


_TRIGGER_LABELS = {
    Trigger.DUE: gettext_noop("days after the due date"),
    Trigger.INVOICE: gettext_noop("days after the invoice date"),
    Trigger.END_OF_MONTH: gettext_noop("days after the end of the due date's month"),
    Trigger.PREVIOUS: gettext_noop("days after the previous step"),
}


@dataclass(frozen=True, slots=True)
class Step:
    """One rung of the ladder. ``offset_days`` counts from what ``trigger`` says, by default the due date
    (negative: before it). ``min_open_amount`` is compared with each item's open amount, ``min_customer_total``
    with the customer's total overdue in the item's currency (not on hold, less its unallocated payments and
    credits). ``min_gap_days`` is the least number of days since the item's previous step and since the customer's
    last contact. ``deadline_days`` is the payment deadline the message gives (a formal notice's 15 days), counted
    in calendar days from the send date. ``repeat_every_days`` and ``repeat_times``: the last enabled step goes
    again every so many days after it was carried out, at most so many more times."""

    key: str
    offset_days: int
    channel: Channel
    template: str
    min_open_amount: Decimal = ZERO
    needs_approval: bool = False
    min_gap_days: int = 0
    enabled: bool = True
    deadline_days: int | None = None
    trigger: Trigger = Trigger.DUE
    min_customer_total: Decimal = ZERO
    repeat_every_days: int | None = None
    repeat_times: int = 0


FORMAL_NOTICE_TEMPLATE = "formal_notice"
EMAIL_FALLBACKS = (Channel.LETTER, Channel.CALL_TASK, None)
PENALTIES = "penalties"
"""The key and template of the step that asks for claimed penalties once the principal is paid."""


@dataclass(frozen=True, slots=True)
class Policy:
    """An ordered escalation ladder. Levels are positions in ``steps``: level ``n`` means ``steps[n - 1]`` is the
    last step done (0: none), whether or not other steps are enabled."""

    key: str
    name: str
    steps: tuple[Step, ...]
    email_fallback: Channel | None = Channel.LETTER
    """What an e-mail step becomes for a customer without an e-mail address: a letter (default), a call task, or
    nothing (None: the step is passed over for that customer)."""

    def __post_init__(self) -> None:
        if not self.key:
            raise PolicyError(_("a policy needs a key"))
        if self.email_fallback not in EMAIL_FALLBACKS:
            raise PolicyError(
                _("policy %(policy)s: an e-mail step can fall back to a letter, a call task or nothing")
                % {"policy": self.key}
            )
        seen: set[str] = set()
        previous: Step | None = None
        last_enabled = max((i for i, st in enumerate(self.steps) if st.enabled), default=-1)
        for position, step in enumerate(self.steps):
            where = {"policy": self.key, "step": step.key}
            if not step.key:
                raise PolicyError(_("policy %(policy)s: a step has no key") % where)
            if step.key in seen:
                raise PolicyError(_("policy %(policy)s: step %(step)s appears twice") % where)
            seen.add(step.key)
            if not step.template:
                raise PolicyError(_("policy %(policy)s, step %(step)s: no template") % where)
            if step.min_open_amount < 0:
                raise PolicyError(_("policy %(policy)s, step %(step)s: the minimum amount is negative") % where)
            if step.min_gap_days < 0:
                raise PolicyError(_("policy %(policy)s, step %(step)s: the minimum gap is negative") % where)
            if step.deadline_days is not None and step.deadline_days < 1:
                raise PolicyError(_("policy %(policy)s, step %(step)s: the deadline must be at least a day") % where)
            if step.min_customer_total < 0:
                raise PolicyError(_("policy %(policy)s, step %(step)s: the minimum customer total is negative") % where)
            if step.trigger is Trigger.PREVIOUS and step.offset_days < 1:
                raise PolicyError(
                    _("policy %(policy)s, step %(step)s: a step after the previous one comes a day later at least")
                    % where
                )
            if (step.repeat_every_days is None) != (step.repeat_times == 0):
                raise PolicyError(
                    _("policy %(policy)s, step %(step)s: a repeating step needs both its interval and its count")
                    % where
                )
            if step.repeat_every_days is not None:
                if step.repeat_every_days < 1 or step.repeat_times < 1:
                    raise PolicyError(
                        _("policy %(policy)s, step %(step)s: repeat every day at least, once at least") % where
                    )
                if position != last_enabled:
                    raise PolicyError(_("policy %(policy)s, step %(step)s: only the last step can repeat") % where)
            if step.enabled:
                # Offsets counted from the same date go up; a step after the previous one is after it anyway.
                if (
                    previous is not None
                    and step.trigger is previous.trigger
                    and step.trigger is not Trigger.PREVIOUS
                    and step.offset_days <= previous.offset_days
                ):
                    raise PolicyError(
                        _(
                            "policy %(policy)s, step %(step)s: %(days)s days is not after the previous enabled step "
                            "%(previous)s (%(previous_days)s days)"
                        )
                        % {
                            **where,
                            "days": step.offset_days,
                            "previous": previous.key,
                            "previous_days": previous.offset_days,
                        }
                    )
                previous = step

    @property
    def enabled_steps(self) -> tuple[Step, ...]:
        return tuple(s for s in self.steps if s.enabled)

    def step(self, key: str) -> Step:
        for s in self.steps:
            if s.key == key:
                return s
        raise KeyError(key)

    def level_of(self, key: str) -> int | None:
        """The level an item is at once step ``key`` is done (its position + 1), None when the policy has no such
        step (the policy was edited since): for the storage layer, which records step keys."""
        for i, s in enumerate(self.steps):
            if s.key == key:
                return i + 1
        return None

    def sense_errors(self) -> list[str]:
        """What makes the policy unfit for use though it can be planned with: the policy editor refuses it.

        - no enabled step on or after the due date (offset 0 or more, or counted from another date): an invoice
          first seen late would never be reminded;
        - a formal notice as the first step to reach the customer (for an invoice seen before it is due, or first
          seen late): it would claim earlier reminders that were never sent."""
        errors: list[str] = []
        enabled = [s for s in self.steps if s.enabled]
        late = [s for s in enabled if s.offset_days >= 0 or s.trigger is not Trigger.DUE]
        if not late:
            errors.append(
                _(
                    "policy %(policy)s: no enabled step on or after the due date, so an invoice first seen late "
                    "would never be reminded"
                )
                % {"policy": self.key}
            )
        for first in (
            next((s for s in enabled if s.channel.reaches_customer), None),
            next((s for s in late if s.channel.reaches_customer), None),
        ):
            if first is not None and first.template == FORMAL_NOTICE_TEMPLATE:
                errors.append(
                    _(
                        "policy %(policy)s: the formal notice (step %(step)s) would be the first message the "
                        "customer gets; put a reminder before it"
                    )
                    % {"policy": self.key, "step": first.key}
                )
                break
        return errors

    def level_after(self, key: str, offset_days: int | None) -> int:
        """The level of an item whose last step carried out is ``key``, recorded with ``offset_days``: the step's
        position + 1 while the policy has it. A step removed from the policy since keeps its place by its offset:
        the item stands after every step whose offset is not later than it, so its next step is the first one
        that came after the removed step (never one it had already passed, never one it skipped)."""
        known = self.level_of(key)
        if known is not None:
            return known
        if offset_days is None:
            return 0
        level = 0
        for i, s in enumerate(self.steps):
            if s.offset_days <= offset_days:
                level = i + 1
        return level


class HoldKind(StrEnum):
    """Why collection is paused. Listed by precedence: when several holds apply to an item, the first shows."""

    INSOLVENCY = "insolvency"
    EINVOICE_REJECTED = "einvoice_rejected"  # the e-invoice was rejected by a platform (213): not validly issued
    DISPUTE = "dispute"
    PAYMENT_PLAN = "payment_plan"
    PROMISE = "promise"
    ALREADY_PAID = "already_paid"
    UNMATCHED_PAYMENT = "unmatched_payment"
    MANUAL = "manual"

    @property
    def label(self) -> str:
        return _(_HOLD_LABELS[self])


_HOLD_LABELS = {
    HoldKind.INSOLVENCY: gettext_noop("Insolvency proceedings"),
    HoldKind.EINVOICE_REJECTED: gettext_noop("E-invoice rejected by the platform"),
    HoldKind.DISPUTE: gettext_noop("Dispute"),
    HoldKind.PAYMENT_PLAN: gettext_noop("Payment plan"),
    HoldKind.PROMISE: gettext_noop("Promise to pay"),
    HoldKind.ALREADY_PAID: gettext_noop("Declared already paid"),
    HoldKind.UNMATCHED_PAYMENT: gettext_noop("Payment being identified"),
    HoldKind.MANUAL: gettext_noop("Paused"),
}
_HOLD_RANK = {kind: rank for rank, kind in enumerate(HoldKind)}


@dataclass(frozen=True, slots=True)
class Hold:
    """A pause of collection: on one invoice when ``invoice_id`` is given, else on the whole customer.

    Both ends are inclusive: the hold is active on ``starts_on``, and on ``ends_on`` too (its last day); collection
    resumes the day after ``ends_on``. ``ends_on`` None: until lifted."""

    kind: HoldKind
    starts_on: date
    ends_on: date | None = None
    invoice_id: int | None = None
    reason: str = ""

    def __post_init__(self) -> None:
        if self.ends_on is not None and self.ends_on < self.starts_on:
            raise ValueError(
                _("a hold cannot end (%(ends_on)s) before it starts (%(starts_on)s)")
                % {"ends_on": self.ends_on.isoformat(), "starts_on": self.starts_on.isoformat()}
            )

    def active_on(self, d: date) -> bool:
        return self.starts_on <= d and (self.ends_on is None or d <= self.ends_on)


class DisputeReason(StrEnum):
    """Why a customer disputes an invoice (*motif de contestation*)."""

    PRICE = "price"
    QUANTITY = "quantity"
    QUALITY = "quality"
    NOT_DELIVERED = "not_delivered"
    NOT_ORDERED = "not_ordered"
    ALREADY_PAID = "already_paid"
    OTHER = "other"

    @property
    def label(self) -> str:
        return _(_DISPUTE_LABELS[self])


_DISPUTE_LABELS = {
    DisputeReason.PRICE: gettext_noop("wrong price"),
    DisputeReason.QUANTITY: gettext_noop("wrong quantity"),
    DisputeReason.QUALITY: gettext_noop("quality of the goods or service"),
    DisputeReason.NOT_DELIVERED: gettext_noop("not delivered"),
    DisputeReason.NOT_ORDERED: gettext_noop("not ordered"),
    DisputeReason.ALREADY_PAID: gettext_noop("already paid"),
    DisputeReason.OTHER: gettext_noop("other reason"),
}


@dataclass(frozen=True, slots=True)
class Expedite:
    """A broken commitment (a promise to pay not kept): from ``since``, the next step of the items it covers (one
    invoice when ``invoice_id`` is given, else every item of the customer) is due at once, without waiting for its
    offset or for the minimum gaps (still never two steps of an item, or two contacts, the same day). It applies
    to an item until the item takes a step on or after ``since``: the next step only, not the whole ladder."""

    since: date
    invoice_id: int | None = None

    def covers(self, item: OpenItem, as_of: date) -> bool:
        return (
            self.since <= as_of
            and (self.invoice_id is None or self.invoice_id == item.invoice_id)
            and (item.last_step_on is None or item.last_step_on < self.since)
        )


@dataclass(frozen=True, slots=True)
class OpenItem:
    """An open invoice as stored, or one open instalment of an invoice payable in several (``instalment``):
    ``level`` is the position + 1 in the customer's policy of the last step carried out for it (0: none yet) — an
    e-mail the server accepted, a letter posted, a task completed; never a step only planned, awaiting approval,
    rejected, failed or cancelled. ``last_step_on`` is the day of that step.

    ``pending`` is the key of a step planned for the item and not carried out yet (an action awaiting approval,
    queued, or a letter or task not done): the item takes no further step until it is carried out or dropped.
    ``replaceable``: that step only awaits approval, so a newer action to the customer on the same channel may
    carry it in its place (the older one is then superseded)."""

    invoice_id: int
    customer_id: int
    number: str
    due_on: date
    open_amount: Decimal
    currency: str = "EUR"
    level: int = 0
    last_step_on: date | None = None
    waits_until: date | None = None
    """The last day of the payment deadline the item's last step gave (a formal notice): the next step is not
    due before the day after it. ``NOT_SENT_YET``: that step's message has not gone out yet, so the next step waits
    for it, with no date."""
    pending: str | None = None
    replaceable: bool = False
    issued_on: date | None = None
    round: int = 0
    """How many times the last step carried out was repeated (a repeating last step; 0: done once)."""
    instalment: int = 0
    """For an invoice payable in several instalments, the instalment this item is (1, 2...; 0: the whole
    invoice): each instalment is an item of its own, with its own due date, open amount, steps and level."""
    instalments: int = 0
    """How many instalments the invoice has (0: one due date)."""


NOT_SENT_YET = date.max


@dataclass(frozen=True, slots=True)
class CustomerInput:
    """What planning needs to know about a customer. ``unapplied`` is the unallocated payments and credit notes by
    currency (a credit in euros never covers an invoice in dollars); ``last_contact_on`` is the day of the last
    step done on a channel that reaches the customer (not internal tasks); ``expedite`` the broken commitments
    whose items take their next step at once (``Expedite``)."""

    customer_id: int
    policy: Policy
    unapplied: Mapping[str, Decimal] = field(default_factory=dict)
    last_contact_on: date | None = None
    holds: tuple[Hold, ...] = ()
    expedite: tuple[Expedite, ...] = ()
    email_ok: bool = True
    """The customer has an e-mail address: when not, e-mail steps take the policy's ``email_fallback``."""
    post_ok: bool = True
    """The customer has a postal address: when not, an e-mail step falling back to a letter becomes a call task."""


class Reason(StrEnum):
    """Why an item does not advance, or a customer gets nothing. Listed by precedence: a customer that gets no
    action is reported with the first reason that applies to one of its items (a hold on the whole customer
    always comes first)."""

    CREDITS_COVER = "credits_cover"
    IN_PROGRESS = "in_progress"
    GAP_NOT_REACHED = "gap_not_reached"
    ON_HOLD = "on_hold"
    BELOW_MIN_AMOUNT = "below_min_amount"
    BELOW_TOLERANCE = "below_tolerance"
    AWAITING_DEADLINE = "awaiting_deadline"
    NO_MORE_STEPS = "no_more_steps"
    NOTHING_DUE = "nothing_due"

    @property
    def label(self) -> str:
        return _(_REASON_LABELS[self])


_REASON_LABELS = {
    Reason.ON_HOLD: gettext_noop("On hold"),
    Reason.CREDITS_COVER: gettext_noop("Unallocated payments and credits cover what is overdue"),
    Reason.IN_PROGRESS: gettext_noop("A step is awaiting approval or being carried out"),
    Reason.GAP_NOT_REACHED: gettext_noop("Contacted too recently"),
    Reason.BELOW_MIN_AMOUNT: gettext_noop("Amount below the step's minimum"),
    Reason.BELOW_TOLERANCE: gettext_noop("Amount below the tolerance: not reminded"),
    Reason.NO_MORE_STEPS: gettext_noop("Every step of the policy is done"),
    Reason.NOTHING_DUE: gettext_noop("Nothing due yet"),
    Reason.AWAITING_DEADLINE: gettext_noop("The payment deadline of the formal notice has not passed"),
}
_REASON_RANK = {reason: rank for rank, reason in enumerate(Reason)}
_LINE_ORDER = attrgetter("due_on", "number", "invoice_id", "instalment")


@dataclass(frozen=True, slots=True)
class PlannedLine:
    """One open item as an action lists it. ``step`` is the step this run performs for the item (on this action's
    channel or another one), ``new_level`` its level once done; both None when the item does not advance, and then
    ``reason`` says why. ``reached`` is the key of the last step already done (None: none yet).
    ``days_overdue`` is negative for an item not yet due (a courtesy reminder)."""

    invoice_id: int
    number: str
    due_on: date
    open_amount: Decimal
    currency: str
    days_overdue: int
    level: int
    reached: str | None
    step: Step | None
    new_level: int | None
    reason: Reason | None
    hold: HoldKind | None
    round: int = 0
    """The repetition of ``step`` this run performs (0: its first time)."""
    instalment: int = 0
    """The instalment the line is about (1, 2...; 0: the whole invoice), among ``instalments``."""
    instalments: int = 0

    @property
    def stage(self) -> str | None:
        """The step the item stands at once this run is done."""
        return self.step.key if self.step is not None else self.reached

    @property
    def key(self) -> tuple[int, int, str] | None:
        """``(invoice_id, instalment, step_key)``: unique in storage (with the round), so a step is done once per
        item."""
        return (self.invoice_id, self.instalment, self.step.key) if self.step is not None else None


@dataclass(frozen=True, slots=True)
class PlannedAction:
    """One message or task for one customer on one channel. ``lines`` lists every overdue item of the customer
    (and the not-yet-due items a courtesy step is about), in due-date order; the items this action advances are
    ``advancing``. ``step`` is the highest of their steps: its template and tone are the action's."""

    customer_id: int
    policy_key: str
    channel: Channel
    send_on: date
    step: Step
    needs_approval: bool
    deadline_on: date | None
    lines: tuple[PlannedLine, ...]
    unapplied: Mapping[str, Decimal]

    @property
    def key(self) -> tuple[int, date, Channel]:
        """``(customer_id, send_on, channel)``: unique in storage, so a customer gets one action per channel a day."""
        return (self.customer_id, self.send_on, self.channel)

    @property
    def template(self) -> str:
        return self.step.template

    @property
    def advancing(self) -> tuple[PlannedLine, ...]:
        return tuple(ln for ln in self.lines if ln.step is not None and ln.step.channel == self.channel)

    @property
    def line_keys(self) -> tuple[tuple[int, str], ...]:
        return tuple((ln.invoice_id, ln.step.key) for ln in self.advancing if ln.step is not None)

    @property
    def totals(self) -> dict[str, Decimal]:
        """Open amount of every listed line by currency."""
        out: dict[str, Decimal] = {}
        for ln in self.lines:
            out[ln.currency] = out.get(ln.currency, ZERO) + ln.open_amount
        return out

    @property
    def asked(self) -> dict[str, Decimal]:
        """Open amount of the listed lines not on hold, by currency: what the message asks the customer to pay,
        before the unallocated payments and credits (``unapplied``) are taken off."""
        out: dict[str, Decimal] = {}
        for ln in self.lines:
            if ln.hold is None:
                out[ln.currency] = out.get(ln.currency, ZERO) + ln.open_amount
        return out


@dataclass(frozen=True, slots=True)
class Skip:
    """A customer with open items that gets no action, and why. ``detail`` names what the reason is about,
    comma-separated and never translated: the hold kinds (``on_hold``), the currencies (``credits_cover``) or the
    step keys (other reasons). ``next_on`` is the earliest day something may become due if nothing else changes
    (None: not before a person acts, e.g. a hold without an end or an amount below the minimum)."""

    customer_id: int
    reason: Reason
    detail: str = ""
    next_on: date | None = None


@dataclass(frozen=True, slots=True)
class CustomerPlan:
    customer_id: int
    actions: tuple[PlannedAction, ...]
    skip: Skip | None


@dataclass(frozen=True, slots=True)
class RunPlan:
    as_of: date
    send_on: date
    actions: list[PlannedAction]
    skipped: list[Skip]

    def summary(self) -> dict[str, int]:
        """Counts for the run's report: actions, actions per channel, actions needing approval, items advancing,
        customers skipped, and customers skipped per reason (``skipped_on_hold``...)."""
        out: dict[str, int] = {"actions": len(self.actions)}
        out.update({channel.value: 0 for channel in Channel})
        out.update(needs_approval=0, lines=0, skipped=len(self.skipped))
        out.update({f"skipped_{reason.value}": 0 for reason in Reason})
        for action in self.actions:
            out[action.channel.value] += 1
            out["needs_approval"] += action.needs_approval
            out["lines"] += len(action.advancing)
        for skip in self.skipped:
            out[f"skipped_{skip.reason.value}"] += 1
        return out


class Calendar(Protocol):
    def next_business_day(self, d: date, /) -> date: ...


@dataclass(frozen=True, slots=True)
class _Ladder:
    """A policy prepared for planning: per level, the index of the next enabled step (-1: none left). ``email``
    False: the ladder of a customer without an e-mail address, its e-mail steps on the policy's fallback channel
    (or passed over when it has none)."""

    policy: Policy
    steps: tuple[Step, ...]
    next_index: tuple[int, ...]  # indexed by level, 0..len(steps)
    offsets: tuple[int, ...]
    gaps: tuple[int, ...]  # min_gap_days, at least 1: never two steps for an item, or two contacts, in a day
    contacts: tuple[bool, ...]
    minimums: tuple[Decimal, ...]
    triggers: tuple[Trigger, ...]
    repeats: tuple[bool, ...]

    @classmethod
    def of(cls, policy: Policy, *, email: bool = True, post: bool = True) -> _Ladder:
        steps = policy.steps
        if not email:
            fallback = policy.email_fallback
            if fallback is Channel.LETTER and not post:
                fallback = Channel.CALL_TASK
            steps = tuple(
                s
                if s.channel is not Channel.EMAIL
                else replace(s, channel=fallback)
                if fallback is not None
                else replace(s, enabled=False)
                for s in steps
            )
        n = len(steps)
        next_index = [-1] * (n + 1)
        following = -1
        for i in range(n - 1, -1, -1):
            if steps[i].enabled:
                following = i
            next_index[i] = following
        return cls(
            policy,
            steps,
            tuple(next_index),
            tuple(s.offset_days for s in steps),
            tuple(max(s.min_gap_days, 1) for s in steps),
            tuple(s.channel.reaches_customer for s in steps),
            tuple(s.min_open_amount for s in steps),
            tuple(s.trigger for s in steps),
            tuple(s.repeat_every_days is not None and s.enabled for s in steps),
        )


def plan(
    as_of: date,
    customers: Iterable[CustomerInput],
    items: Iterable[OpenItem],
    *,
    calendar: Calendar = FRANCE,
    tolerance: Decimal = ZERO,
) -> RunPlan:
    """The whole run: every action, and every customer with open items that gets none (see ``iter_plan``)."""
    actions: list[PlannedAction] = []
    skipped: list[Skip] = []
    for result in iter_plan(as_of, customers, items, calendar=calendar, tolerance=tolerance):
        actions.extend(result.actions)
        if result.skip is not None:
            skipped.append(result.skip)
    return RunPlan(as_of, calendar.next_business_day(as_of), actions, skipped)


def iter_plan(
    as_of: date,
    customers: Iterable[CustomerInput],
    items: Iterable[OpenItem],
    *,
    calendar: Calendar = FRANCE,
    tolerance: Decimal = ZERO,
) -> Iterator[CustomerPlan]:
    """One ``CustomerPlan`` per customer that has open items, in the order of ``items``.

    ``items`` must come grouped by customer (all the items of a customer one after the other, e.g. ordered by
    customer id); only one customer's items are held at a time, so a caller that streams them from a database
    cursor plans a million items in constant memory. A customer whose items come in two separate runs is refused
    (``ValueError``), as is an item whose customer is not among ``customers``. Customers without open items yield
    nothing. Items with nothing open (``open_amount <= 0``) are ignored; those whose open amount is below
    ``tolerance`` are never reminded nor listed."""
    by_id = {c.customer_id: c for c in customers}
    send_on = calendar.next_business_day(as_of)
    ladders: dict[tuple[int, bool, bool], _Ladder] = {}
    seen: set[int] = set()
    for customer_id, group in itertools.groupby(items, key=attrgetter("customer_id")):
        if customer_id in seen:
            raise ValueError(
                _("open items must be grouped by customer: customer %(customer)s comes twice")
                % {"customer": customer_id}
            )
        seen.add(customer_id)
        customer = by_id.get(customer_id)
        if customer is None:
            raise ValueError(
                _("open items of customer %(customer)s, who is not among the customers to plan")
                % {"customer": customer_id}
            )
        key = (id(customer.policy), customer.email_ok, customer.post_ok)
        ladder = ladders.get(key)
        if ladder is None or ladder.policy is not customer.policy:
            ladder = ladders[key] = _Ladder.of(customer.policy, email=customer.email_ok, post=customer.post_ok)
        yield _plan_customer(as_of, send_on, customer, ladder, group, calendar, tolerance)


def plan_customer(
    as_of: date,
    customer: CustomerInput,
    items: Iterable[OpenItem],
    *,
    calendar: Calendar = FRANCE,
    tolerance: Decimal = ZERO,
) -> CustomerPlan:
    """The plan for one customer (the run preview of a customer page); ``items`` are that customer's."""
    items = list(items)
    for item in items:
        if item.customer_id != customer.customer_id:
            raise ValueError(
                _("invoice %(number)s belongs to customer %(other)s, not %(customer)s")
                % {"number": item.number, "other": item.customer_id, "customer": customer.customer_id}
            )
    ladder = _Ladder.of(customer.policy, email=customer.email_ok, post=customer.post_ok)
    return _plan_customer(as_of, calendar.next_business_day(as_of), customer, ladder, items, calendar, tolerance)


# ------------------------------------------------------------------------------------------------ penalties


PENALTY_CHANNELS = (Channel.EMAIL, Channel.LETTER)
PENALTY_MIN_GAP_DAYS = 7


@dataclass(frozen=True, slots=True)
class PenaltyRule:
    """The organization's step that asks for claimed penalties still open once the principal is paid: due
    ``offset_days`` after the later of the day the principal was paid in full and the day the penalties were
    claimed, by ``channel`` (an e-mail, or a letter; an e-mail to a customer without an address goes by letter),
    at least ``min_gap_days`` after the customer's last contact."""

    offset_days: int = 10
    channel: Channel = Channel.EMAIL
    min_gap_days: int = PENALTY_MIN_GAP_DAYS

    def __post_init__(self) -> None:
        if self.channel not in PENALTY_CHANNELS:
            raise PolicyError(_("the penalties reminder goes by e-mail or by letter"))
        if self.offset_days < 0 or self.min_gap_days < 0:
            raise PolicyError(_("the penalties reminder's days cannot be negative"))

    def step(self, channel: Channel | None = None) -> Step:
        return Step(PENALTIES, self.offset_days, channel or self.channel, PENALTIES, min_gap_days=self.min_gap_days)


@dataclass(frozen=True, slots=True)
class OpenPenalty:
    """The penalties claimed on one invoice whose principal is paid in full, still open (``open_amount``: claimed
    less paid and waived). ``paid_on``: the day the principal was paid in full; ``claimed_on``: the last claim's
    day. ``waived``: some of them were waived (a person's decision, never followed by a reminder). ``reminded``:
    their step was carried out, or is planned and not carried out yet. ``debtor``: the customer's kind
    (``business``, ``consumer``, ``public``)."""

    invoice_id: int
    customer_id: int
    number: str
    due_on: date
    paid_on: date
    claimed_on: date
    open_amount: Decimal
    currency: str = "EUR"
    waived: bool = False
    reminded: bool = False
    debtor: str = "business"

    @property
    def since(self) -> date:
        """What the step's days count from: the later of the principal's payment and the claim."""
        return max(self.paid_on, self.claimed_on)


def plan_penalties(
    as_of: date,
    customers: Mapping[int, CustomerInput],
    penalties: Iterable[OpenPenalty],
    rule: PenaltyRule,
    *,
    busy: Iterable[int] = (),
    calendar: Calendar = FRANCE,
    tolerance: Decimal = ZERO,
) -> list[PlannedAction]:
    """The actions asking customers for their claimed penalties still open once the principal is paid
    (``penalties``, grouped by customer), on ``as_of``. For each customer:

    - never a consumer: a consumer owes neither late-payment penalties nor the 40 EUR indemnity (C. com. L441-10
      and D441-5 are the law of professionals; LEGAL-FR §2.5);
    - never while a hold on the whole customer is active (insolvency proceedings: penalties cannot be invoked,
      L441-10 II), nor for an invoice on hold;
    - never for ``busy`` customers: those with an invoice still overdue (their principal is reminded first, by the
      policy) or contacted by this run's plan;
    - the penalties of an invoice partly waived are never asked for, nor those below ``tolerance``;
    - an invoice's penalties are asked for once (``reminded``), ``rule.offset_days`` after ``OpenPenalty.since``;
      when one is due, the action lists every open penalty of the customer (those already asked for too), and it
      goes only when the customer's last contact is ``rule.min_gap_days`` old (a day at least);
    - the customer's unapplied payments and credits in a currency that cover its penalties: nothing is asked in
      that currency (the money is there, it needs applying).

    One action per customer, sent on the first business day on or after ``as_of``, template ``PENALTIES``."""
    busy_ids = set(busy)
    send_on = calendar.next_business_day(as_of)
    as_ord = as_of.toordinal()
    floor = max(tolerance, Decimal("0.01"))
    actions: list[PlannedAction] = []
    for customer_id, group in itertools.groupby(
        sorted(penalties, key=attrgetter("customer_id", "due_on", "number", "invoice_id")),
        key=attrgetter("customer_id"),
    ):
        customer = customers.get(customer_id)
        if customer is None or customer_id in busy_ids:
            continue
        if any(h.invoice_id is None and h.active_on(as_of) for h in customer.holds):
            continue
        held = {h.invoice_id for h in customer.holds if h.invoice_id is not None and h.active_on(as_of)}
        asked = [
            p
            for p in group
            if p.debtor != CONSUMER and not p.waived and p.open_amount >= floor and p.invoice_id not in held
        ]
        owed: dict[str, Decimal] = {}
        for p in asked:
            owed[p.currency] = owed.get(p.currency, ZERO) + p.open_amount
        covered = {cur for cur, amount in owed.items() if customer.unapplied.get(cur, ZERO) >= amount}
        asked = [p for p in asked if p.currency not in covered]
        due = {p.invoice_id for p in asked if not p.reminded and p.since.toordinal() + rule.offset_days <= as_ord}
        if not due:
            continue
        if (
            customer.last_contact_on is not None
            and customer.last_contact_on.toordinal() + max(rule.min_gap_days, 1) > as_ord
        ):
            continue
        channel = rule.channel if customer.email_ok or rule.channel is not Channel.EMAIL else Channel.LETTER
        step = rule.step(channel)
        lines = tuple(
            PlannedLine(
                p.invoice_id,
                p.number,
                p.due_on,
                p.open_amount,
                p.currency,
                as_ord - p.due_on.toordinal(),
                0 if p.invoice_id in due else 1,
                None if p.invoice_id in due else PENALTIES,
                step if p.invoice_id in due else None,
                1 if p.invoice_id in due else None,
                None,
                None,
            )
            for p in asked
        )
        actions.append(
            PlannedAction(
                customer_id, customer.policy.key, channel, send_on, step, False, None, lines, customer.unapplied
            )
        )
    return actions


def overdue_customers(items: Iterable[OpenItem], as_of: date, tolerance: Decimal, into: set[int]) -> Iterator[OpenItem]:
    """``items`` as they are, adding to ``into`` the customer of every item overdue on ``as_of`` (and not below
    ``tolerance``): the customers whose principal comes before their penalties (``plan_penalties``' ``busy``)."""
    for item in items:
        if item.due_on < as_of and item.open_amount > 0 and item.open_amount >= tolerance:
            into.add(item.customer_id)
        yield item


def _end_of_month(day: date) -> date:
    following = date(day.year + 1, 1, 1) if day.month == 12 else date(day.year, day.month + 1, 1)
    return following - timedelta(days=1)


def _plan_customer(
    as_of: date,
    send_on: date,
    customer: CustomerInput,
    ladder: _Ladder,
    items: Iterable[OpenItem],
    calendar: Calendar,
    tolerance: Decimal = ZERO,
) -> CustomerPlan:
    as_ord = as_of.toordinal()
    send_ord = send_on.toordinal()

    # Holds active on as_of: the whole customer's, and each invoice's (kind shown, and last day when all end).
    customer_holds: list[Hold] = []
    invoice_holds: dict[int, tuple[HoldKind, int | None]] = {}
    for hold in customer.holds:
        if not hold.active_on(as_of):
            continue
        if hold.invoice_id is None:
            customer_holds.append(hold)
            continue
        end = hold.ends_on.toordinal() if hold.ends_on is not None else None
        known = invoice_holds.get(hold.invoice_id)
        if known is not None:
            kind = min(known[0], hold.kind, key=_HOLD_RANK.__getitem__)
            end = None if end is None or known[1] is None else max(end, known[1])
            invoice_holds[hold.invoice_id] = (kind, end)
        else:
            invoice_holds[hold.invoice_id] = (hold.kind, end)

    contact_ord = customer.last_contact_on.toordinal() if customer.last_contact_on is not None else None
    next_index = ladder.next_index
    offsets, gaps, contacts, minimums = ladder.offsets, ladder.gaps, ladder.contacts, ladder.minimums
    triggers, repeats = ladder.triggers, ladder.repeats
    steps = ladder.steps
    levels = len(next_index)

    def step_ord(index: int, item: OpenItem, due_ord: int) -> int:
        """The day step ``index`` falls on for ``item`` (as an ordinal), from what the step counts from."""
        trigger = triggers[index]
        if trigger is Trigger.DUE:
            anchor = due_ord
        elif trigger is Trigger.INVOICE:
            anchor = item.issued_on.toordinal() if item.issued_on is not None else due_ord
        elif trigger is Trigger.END_OF_MONTH:
            anchor = _end_of_month(item.due_on).toordinal()
        else:
            anchor = item.last_step_on.toordinal() if item.last_step_on is not None else due_ord
        return anchor + offsets[index]

    # First pass: each item's candidate step and whether it advances; reason and earliest date when not.
    # Entries: (item, due_ord, step index or -1, reason or None when advancing, next_ord or None)
    evaluated: list[tuple[OpenItem, int, int, Reason | None, int | None]] = []
    rounds: dict[tuple[int, int], int] = {}  # (invoice id, instalment) -> repetition this run would perform
    waiting: list[int] = []  # positions in evaluated of items held back only by the customer's last contact
    riding: list[int] = []  # positions of items whose due step awaits approval in an older action
    for item in items:
        if item.open_amount <= 0:
            continue
        level = item.level
        due_ord = item.due_on.toordinal()
        if item.open_amount < tolerance:
            evaluated.append((item, due_ord, -1, Reason.BELOW_TOLERANCE, None))
            continue
        repeat = 0
        if 0 <= level < levels:
            index = next_index[level]
            # Once the invoice is due, a courtesy step before the due date is never sent: the item goes on to the
            # first step on or after the due date (an item first seen late starts there, never further on).
            while index >= 0 and send_ord >= due_ord and step_ord(index, item, due_ord) < due_ord:
                index = next_index[index + 1]
            if index < 0 and level > 0 and repeats[level - 1] and item.round < steps[level - 1].repeat_times:
                index, repeat = level - 1, item.round + 1
        elif level < 0:
            raise ValueError(
                _("invoice %(number)s: level %(level)s is not a level") % {"number": item.number, "level": level}
            )
        else:
            index = -1
        if item.pending is not None and (index < 0 or not item.replaceable or steps[index].key != item.pending):
            # A step planned and not carried out yet: nothing further until it is (or is dropped).
            evaluated.append((item, due_ord, index, Reason.IN_PROGRESS, None))
            continue
        if index < 0:
            evaluated.append((item, due_ord, -1, Reason.NO_MORE_STEPS, None))
            continue
        if repeat:
            rounds[(item.invoice_id, item.instalment)] = repeat
            last = item.last_step_on.toordinal() if item.last_step_on is not None else due_ord
            earliest = last + (steps[index].repeat_every_days or 1)
        else:
            earliest = step_ord(index, item, due_ord)
        gap = gaps[index]
        if customer.expedite and any(e.covers(item, as_of) for e in customer.expedite):
            # A broken commitment: the next step is due now, whatever its offset and gaps (a day apart at least).
            earliest = min(earliest, as_ord)
            gap = 1
        reason: Reason | None = None  # None: advances
        if earliest > as_ord:
            reason = Reason.NOTHING_DUE
        if item.last_step_on is not None:
            gap_end = item.last_step_on.toordinal() + gap
            if gap_end > earliest:
                earliest = gap_end
                if gap_end > as_ord and reason is None:
                    reason = Reason.GAP_NOT_REACHED
        waits_for_contact = False
        if contact_ord is not None and contacts[index]:
            gap_end = contact_ord + gap
            if gap_end > as_ord:
                waits_for_contact = True
            if gap_end > earliest:
                earliest = gap_end
        next_ord: int | None = earliest
        if item.waits_until is not None:
            # A formal notice gives the customer until its deadline: the next step waits for the day after it.
            if item.waits_until == NOT_SENT_YET:
                next_ord = None
                if reason is None or reason is Reason.NOTHING_DUE or reason is Reason.GAP_NOT_REACHED:
                    reason = Reason.AWAITING_DEADLINE
            else:
                wait_end = item.waits_until.toordinal() + 1
                if wait_end > earliest:
                    earliest = next_ord = wait_end
                if wait_end > as_ord and (reason is None or reason is Reason.NOTHING_DUE):
                    reason = Reason.AWAITING_DEADLINE
        if invoice_holds:
            held = invoice_holds.get(item.invoice_id)
            if held is not None:
                reason = Reason.ON_HOLD
                next_ord = None if held[1] is None else max(earliest, held[1] + 1)
        if item.open_amount < minimums[index]:
            if reason is None or reason is Reason.GAP_NOT_REACHED or reason is Reason.NOTHING_DUE:
                reason = Reason.BELOW_MIN_AMOUNT
            next_ord = None
        if reason is None and waits_for_contact:
            reason = Reason.GAP_NOT_REACHED
            waiting.append(len(evaluated))
        if item.pending is not None and reason is not Reason.ON_HOLD:
            # Its step awaits approval in an older action: it goes again, in its place, only with a new action on
            # the same channel (which supersedes the older one); otherwise it waits for the decision.
            if reason is None or (reason is Reason.GAP_NOT_REACHED and waits_for_contact):
                riding.append(len(evaluated))
            reason, next_ord = Reason.IN_PROGRESS, None
        evaluated.append((item, due_ord, index, reason, next_ord))

    if not evaluated:
        return CustomerPlan(customer.customer_id, (), None)

    # Unallocated payments and credits that cover what is asked in a currency stop that currency's items.
    covered: set[str] = set()
    asked: dict[str, Decimal] = {}
    for item, due_ord, _index, reason, _next in evaluated:
        # overdue and not on hold, or not yet due with a courtesy step reached
        if (
            reason is not Reason.ON_HOLD
            and reason is not Reason.BELOW_TOLERANCE
            and (due_ord < as_ord or reason is None or reason is Reason.GAP_NOT_REACHED)
        ):
            asked[item.currency] = asked.get(item.currency, ZERO) + item.open_amount
    if customer.unapplied and not customer_holds:
        covered = {cur for cur, amount in asked.items() if customer.unapplied.get(cur, ZERO) >= amount > 0}
        if covered:
            for i, (item, due_ord, index, reason, _next) in enumerate(evaluated):
                if item.currency in covered and reason is not Reason.ON_HOLD:
                    evaluated[i] = (item, due_ord, index, Reason.CREDITS_COVER, None)

    # A step's minimum on the customer's total: what it is owed in the item's currency, overdue, not on hold, less
    # what its unallocated payments and credits cover.
    if any(steps[e[2]].min_customer_total > 0 for e in evaluated if e[2] >= 0):
        owed = {cur: amount - customer.unapplied.get(cur, ZERO) for cur, amount in asked.items()}
        for i, (item, due_ord, index, reason, _next) in enumerate(evaluated):
            if index < 0 or reason not in (None, Reason.GAP_NOT_REACHED, Reason.NOTHING_DUE):
                continue
            if owed.get(item.currency, ZERO) < steps[index].min_customer_total:
                evaluated[i] = (item, due_ord, index, Reason.BELOW_MIN_AMOUNT, None)

    # One contact carries every due step: when a step that reaches the customer is due with the customer's gap
    # respected, the steps held back only by the customer's gap (their own gap being longer) go along with it.
    # Without this, a customer reminded every week about new invoices would never get an older invoice's firm
    # reminder that waits for 10 days without contact.
    if waiting and any(reason is None and contacts[index] for _i, _d, index, reason, _n in evaluated):
        for i in waiting:
            item, due_ord, index, reason, _next = evaluated[i]
            if reason is Reason.GAP_NOT_REACHED:
                evaluated[i] = (item, due_ord, index, None, None)
    if riding:
        channels = {steps[index].channel for _i, _d, index, reason, _n in evaluated if reason is None}
        for i in riding:
            item, due_ord, index, reason, _next = evaluated[i]
            if steps[index].channel in channels:
                evaluated[i] = (item, due_ord, index, None, None)
    any_advancing = any(entry[3] is None for entry in evaluated)

    if customer_holds or not any_advancing:
        skip = _skip(customer.customer_id, customer_holds, invoice_holds, evaluated, ladder, covered)
        return CustomerPlan(customer.customer_id, (), skip)
    actions = _actions(as_ord, send_on, customer, ladder, invoice_holds, evaluated, calendar, rounds)
    return CustomerPlan(customer.customer_id, actions, None)


def _skip(
    customer_id: int,
    customer_holds: Sequence[Hold],
    invoice_holds: Mapping[int, tuple[HoldKind, int | None]],
    evaluated: Sequence[tuple[OpenItem, int, int, Reason | None, int | None]],
    ladder: _Ladder,
    covered: set[str],
) -> Skip:
    """The one reason a customer with open items gets nothing, and the earliest day that may change."""
    next_dates = [entry[4] for entry in evaluated if entry[4] is not None]
    next_ord = min(next_dates) if next_dates else None
    if customer_holds:
        kinds = sorted({h.kind for h in customer_holds}, key=_HOLD_RANK.__getitem__)
        if next_ord is not None:
            for h in customer_holds:
                if h.ends_on is None:
                    next_ord = None
                    break
                next_ord = max(next_ord, h.ends_on.toordinal() + 1)
        return Skip(customer_id, Reason.ON_HOLD, ",".join(kind.value for kind in kinds), _from_ordinal(next_ord))
    reason = min((entry[3] for entry in evaluated if entry[3] is not None), key=_REASON_RANK.__getitem__)
    if reason is Reason.CREDITS_COVER:
        detail = ",".join(sorted(covered))
    elif reason is Reason.ON_HOLD:
        held = {invoice_holds[e[0].invoice_id][0] for e in evaluated if e[3] is Reason.ON_HOLD}
        detail = ",".join(kind.value for kind in sorted(held, key=_HOLD_RANK.__getitem__))
    elif reason is Reason.NO_MORE_STEPS:
        detail = ""
    else:
        keys = {ladder.steps[e[2]].key for e in evaluated if e[3] is reason and e[2] >= 0}
        detail = ",".join(sorted(keys, key=lambda k: ladder.policy.level_of(k) or 0))
    return Skip(customer_id, reason, detail, _from_ordinal(next_ord))


def _actions(
    as_ord: int,
    send_on: date,
    customer: CustomerInput,
    ladder: _Ladder,
    invoice_holds: Mapping[int, tuple[HoldKind, int | None]],
    evaluated: Sequence[tuple[OpenItem, int, int, Reason | None, int | None]],
    calendar: Calendar,
    rounds: Mapping[tuple[int, int], int],
) -> tuple[PlannedAction, ...]:
    steps = ladder.steps
    lines: list[PlannedLine] = []
    top: dict[Channel, int] = {}
    approval: dict[Channel, bool] = {}
    for item, due_ord, index, reason, _next in evaluated:
        advancing = reason is None
        if (not advancing and due_ord >= as_ord) or reason is Reason.BELOW_TOLERANCE:
            continue  # not overdue and not advancing, or below the tolerance: not listed
        level = item.level
        step = steps[index] if advancing else None
        if step is not None:
            channel = step.channel
            if top.get(channel, -1) < index:
                top[channel] = index
            approval[channel] = approval.get(channel, False) or step.needs_approval
        hold = invoice_holds[item.invoice_id][0] if reason is Reason.ON_HOLD else None
        lines.append(
            PlannedLine(
                item.invoice_id,
                item.number,
                item.due_on,
                item.open_amount,
                item.currency,
                as_ord - due_ord,
                level,
                steps[level - 1].key if 0 < level <= len(steps) else None,
                step,
                index + 1 if advancing else None,
                reason,
                hold,
                rounds.get((item.invoice_id, item.instalment), 0) if advancing else 0,
                item.instalment,
                item.instalments,
            )
        )
    lines.sort(key=_LINE_ORDER)
    listed = tuple(lines)
    actions = []
    for channel in sorted(top, key=_CHANNEL_RANK.__getitem__) if len(top) > 1 else top:
        step = steps[top[channel]]
        deadline_on = None
        if step.deadline_days is not None:
            deadline_on = calendar.next_business_day(send_on + timedelta(days=step.deadline_days))
        actions.append(
            PlannedAction(
                customer.customer_id,
                ladder.policy.key,
                channel,
                send_on,
                step,
                approval[channel],
                deadline_on,
                listed,
                customer.unapplied,
            )
        )
    return tuple(actions)


def _from_ordinal(ordinal: int | None) -> date | None:
    return date.fromordinal(ordinal) if ordinal is not None else None
