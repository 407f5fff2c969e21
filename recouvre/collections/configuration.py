"""Writes of an organization's collections configuration, each in one transaction with a timeline event (an
organization-level event, without a customer, for policies, wording and settings):

- ``save_policy`` / ``copy_policy``: a policy's name, segment and steps, checked by the planner's own rules
  (``recouvre.core.dunning.Policy``: ``PolicyError`` says what is wrong);
- ``set_customer_collection``: a customer's own policy and collector;
- ``save_template`` / ``reset_template``: the organization's wording of a template in a language;
- ``save_settings``: sender identity, "already paid" pause, send window.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.utils.text import slugify

from recouvre.core import dunning
from recouvre.ledger.actors import Actor
from recouvre.ledger.models import Customer
from recouvre.ledger.services import record_event
from recouvre.organizations.models import Organization

from .models import CollectionSettings, CustomerCollection, EmailFallback, MessageTemplate, Policy, Step
from .rendering import Wording, check_wording


@dataclass(frozen=True)
class StepData:
    key: str
    offset_days: int
    channel: str
    template: str
    min_open_amount: Decimal = Decimal("0.00")
    needs_approval: bool = False
    min_gap_days: int = 0
    enabled: bool = True
    deadline_days: int | None = None
    trigger: str = dunning.Trigger.DUE.value
    min_customer_total: Decimal = Decimal("0.00")
    repeat_every_days: int | None = None
    repeat_times: int = 0

    def to_core(self) -> dunning.Step:
        return dunning.Step(
            key=self.key,
            offset_days=self.offset_days,
            channel=dunning.Channel(self.channel),
            template=self.template,
            min_open_amount=self.min_open_amount,
            needs_approval=self.needs_approval,
            min_gap_days=self.min_gap_days,
            enabled=self.enabled,
            deadline_days=self.deadline_days,
            trigger=dunning.Trigger(self.trigger),
            min_customer_total=self.min_customer_total,
            repeat_every_days=self.repeat_every_days,
            repeat_times=self.repeat_times,
        )


_STEP_FIELDS = (
    "offset_days",
    "channel",
    "template",
    "min_open_amount",
    "needs_approval",
    "min_gap_days",
    "enabled",
    "deadline_days",
    "trigger",
    "min_customer_total",
    "repeat_every_days",
    "repeat_times",
)


def check_policy(
    key: str, name: str, steps: Sequence[StepData], email_fallback: str = EmailFallback.LETTER
) -> dunning.Policy:
    """The core policy, or ``PolicyError`` with the planner's message, or with what makes it unfit for use
    (``dunning.Policy.sense_errors``: it would never remind an invoice first seen late, or would open with the
    formal notice)."""
    fallback = None if email_fallback == EmailFallback.SKIP else dunning.Channel(email_fallback)
    policy = dunning.Policy(key, name, tuple(s.to_core() for s in steps), fallback)
    errors = policy.sense_errors()
    if errors:
        raise dunning.PolicyError(" ".join(errors))
    return policy


def _step_data(step: Step) -> StepData:
    return StepData(step.key, *(getattr(step, f) for f in _STEP_FIELDS))


def _take_segment(organization: Organization, policy: Policy, segment: str) -> str:
    """Give ``segment`` to ``policy``; the policy that had it loses it. Returns that policy's name, or ''."""
    if not segment:
        return ""
    previous = Policy.objects.filter(organization=organization, segment=segment).exclude(pk=policy.pk).first()
    if previous is None:
        return ""
    previous.segment = ""
    previous.save(update_fields=["segment"])
    return previous.name


@transaction.atomic
def save_policy(
    organization: Organization,
    policy: Policy,
    *,
    name: str,
    segment: str,
    steps: Sequence[StepData],
    actor: Actor,
    email_fallback: str | None = None,
) -> Policy:
    """Replace ``policy``'s name, segment, e-mail fallback and steps (in the given order). Raises ``PolicyError``
    when the planner would refuse the policy or it is unfit for use (``check_policy``); nothing is written then.

    The steps' history is never rewritten: invoices keep the steps they had carried out, by key, and an invoice
    whose step is removed goes on from where that step stood (``dunning.Policy.level_after``)."""
    if policy.organization_id != organization.pk:
        raise Policy.DoesNotExist
    if email_fallback is None:
        email_fallback = policy.email_fallback
    check_policy(policy.key, name, steps, email_fallback)
    before = {s.key: _step_data(s) for s in policy.steps.all()}
    before_order = list(before)
    what: list[str] = []
    if name != policy.name:
        what.append(f"name {policy.name} → {name}")
    if email_fallback != policy.email_fallback:
        what.append(f"e-mail fallback {policy.email_fallback} → {email_fallback}")
    if segment != policy.segment:
        what.append(f"segment {policy.segment or '-'} → {segment or '-'}")
        moved_from = _take_segment(organization, policy, segment)
        if moved_from:
            what.append(f"segment taken from {moved_from}")
    for s in steps:
        old = before.get(s.key)
        if old is None:
            what.append(f"step {s.key} added")
        elif old != s:
            changed = [
                f"{f} {getattr(old, f)} → {getattr(s, f)}" for f in _STEP_FIELDS if getattr(old, f) != getattr(s, f)
            ]
            what.append(f"step {s.key}: " + ", ".join(changed))
    for key in before:
        if key not in {s.key for s in steps}:
            what.append(f"step {key} removed")
    kept = [s.key for s in steps if s.key in before]
    if kept != [k for k in before_order if k in kept]:
        what.append("steps reordered")
    policy.name, policy.segment, policy.email_fallback = name, segment, email_fallback
    policy.save(update_fields=["name", "segment", "email_fallback"])
    policy.steps.all().delete()
    Step.objects.bulk_create(
        Step(policy=policy, position=i, key=s.key, **{f: getattr(s, f) for f in _STEP_FIELDS})
        for i, s in enumerate(steps, start=1)
    )
    record_event(
        organization,
        None,
        "collections.policy_changed",
        actor,
        policy=policy.name,
        policy_key=policy.key,
        what="; ".join(what) or "-",
    )
    return policy


@transaction.atomic
def copy_policy(organization: Organization, source: Policy, *, name: str, actor: Actor) -> Policy:
    """A new policy of ``organization`` named ``name``, with the steps of ``source`` and no segment."""
    if source.organization_id != organization.pk:
        raise Policy.DoesNotExist
    base = slugify(name)[:30] or "policy"
    key, n = base, 1
    while Policy.objects.filter(organization=organization, key=key).exists():
        n += 1
        key = f"{base}-{n}"
    policy = Policy.objects.create(
        organization=organization, key=key, name=name, segment="", email_fallback=source.email_fallback
    )
    Step.objects.bulk_create(
        Step(policy=policy, position=s.position, key=s.key, **{f: getattr(s, f) for f in _STEP_FIELDS})
        for s in source.steps.all()
    )
    record_event(
        organization, None, "collections.policy_created", actor, policy=name, policy_key=key, source=source.name
    )
    return policy


@transaction.atomic
def set_customer_collection(
    organization: Organization, customer: Customer, *, policy: Policy | None, collector: Any, actor: Actor
) -> CustomerCollection:
    """Give ``customer`` its own policy (``None``: its segment's) and collector (``None``: nobody)."""
    if customer.organization_id != organization.pk or (
        policy is not None and policy.organization_id != organization.pk
    ):
        raise Customer.DoesNotExist
    settings, _created = CustomerCollection.objects.get_or_create(
        customer=customer, defaults={"organization": organization}
    )
    settings.policy, settings.collector = policy, collector
    settings.save(update_fields=["policy", "collector"])
    record_event(
        organization,
        customer,
        "collections.customer_settings",
        actor,
        policy=policy.name if policy is not None else "-",
        collector=(collector.get_full_name() or collector.get_username()) if collector is not None else "-",
    )
    return settings


@transaction.atomic
def save_template(
    organization: Organization, key: str, language: str, *, subject: str, body: str, actor: Actor
) -> MessageTemplate:
    """Store the organization's wording of ``key`` in ``language``. Raises ``rendering.WordingError`` (with the
    line) when the subject or the body cannot be compiled; nothing is written then."""
    check_wording(Wording(subject, body))
    template, _created = MessageTemplate.objects.update_or_create(
        organization=organization,
        key=key,
        language=language,
        defaults={"subject": subject, "body": body, "updated_by": actor.user},
    )
    record_event(organization, None, "collections.template_saved", actor, template=key, language=language)
    return template


@transaction.atomic
def reset_template(organization: Organization, key: str, language: str, *, actor: Actor) -> bool:
    """Go back to the built-in wording of ``key`` in ``language``. Returns whether there was a wording to drop."""
    deleted, _detail = MessageTemplate.objects.filter(organization=organization, key=key, language=language).delete()
    if deleted:
        record_event(organization, None, "collections.template_reset", actor, template=key, language=language)
    return bool(deleted)


@transaction.atomic
def save_settings(organization: Organization, *, actor: Actor, **values: Any) -> CollectionSettings:
    settings, _created = CollectionSettings.objects.get_or_create(organization=organization)
    changed = [f for f, v in values.items() if getattr(settings, f) != v]
    for f, v in values.items():
        setattr(settings, f, v)
    settings.full_clean(exclude=["organization"])
    settings.save()
    if changed:
        record_event(organization, None, "collections.settings_changed", actor, fields=", ".join(changed))
    return settings


@transaction.atomic
def set_bank_details(
    organization: Organization,
    *,
    actor: Actor,
    iban: str | None = None,
    bic: str | None = None,
    account_holder: str | None = None,
) -> Organization:
    """Change the bank details printed on reminders, letters and statements (``None``: unchanged), checked with
    python-stdnum; ``ValidationError`` naming the field refused (nothing written). Stored compact (``FR76300...``),
    an empty IBAN takes the BIC away with it."""
    from django.core.exceptions import ValidationError

    from recouvre.core.payment_details import bank_details_errors, compact_bic, compact_iban

    new_iban = organization.iban if iban is None else iban
    new_bic = organization.bic if bic is None else bic
    if iban is not None and not iban.strip() and bic is None:
        new_bic = ""
    new_holder = organization.account_holder if account_holder is None else account_holder
    errors = bank_details_errors(new_holder, new_iban, new_bic)
    if errors:
        raise ValidationError(errors)
    values = {
        "iban": compact_iban(new_iban),
        "bic": compact_bic(new_bic),
        "account_holder": " ".join(new_holder.split()),
    }
    changed = [f for f, v in values.items() if getattr(organization, f) != v]
    if changed:
        for f, v in values.items():
            setattr(organization, f, v)
        organization.save(update_fields=changed)
        record_event(organization, None, "collections.bank_details_changed", actor, fields=", ".join(changed))
    return organization
