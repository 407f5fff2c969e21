"""What the customer does on the portal, the writes. One function per action, each one transaction:

- ``promise``: a promise to pay (``collections.holds.record_promise``);
- ``dispute``: a dispute on one invoice (``open_dispute``), with the customer's message and an optional file put
  on file for the invoice (``documents.services.attach_document``);
- ``already_paid``: "already paid" with the day and amount the customer gives (``declare_already_paid``), and an
  optional proof put on file;
- ``ask_for_plan``: a payment plan granted at once (``create_payment_plan``) when the schedule is within the
  organization's rules (``core.portal_plans``), else a request passed on to the collector and nothing granted;
- ``propose_contact``: new contact details, never applied: a task for the collector with the old and new values.

Each leaves the same hold and timeline event as when a collector records it, acting as ``PORTAL_CUSTOMER``; each
opens a task for the customer's collector (the collector's notification; nobody's when the customer has none), and
queues the confirmation e-mail to the customer (``confirmations``), in the same transaction: nothing is written,
nothing sent, when anything is refused (``ValidationError``, in the active language)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import translation
from django.utils.translation import gettext as _

from recouvre.collections import holds
from recouvre.collections.models import CustomerCollection, DisputeReason, Hold, PaymentPlan
from recouvre.collections.rendering import format_amount, format_date, language_of
from recouvre.core import portal_plans
from recouvre.core.contacts import choose_contact
from recouvre.documents.models import DocumentKind
from recouvre.documents.services import attach_document
from recouvre.documents.storage import DocumentRefused
from recouvre.ledger.actors import PORTAL_CUSTOMER, Actor
from recouvre.ledger.models import Contact, Customer, Invoice
from recouvre.tasks.models import Task, TaskKind
from recouvre.tasks.services import create_task

from . import confirmations
from .models import ContactProposal, PortalLink, link_settings

ACTOR = PORTAL_CUSTOMER
MESSAGE_MAX_CHARS = 2000


def _lang() -> str:
    from django.utils.translation import get_language

    return "fr" if (get_language() or "").startswith("fr") else "en"


def _money(amount: Decimal, currency: str) -> str:
    return format_amount(amount, currency, _lang())


def _day(day: date) -> str:
    return format_date(day, _lang())


def _numbers(invoices: list[Invoice]) -> str:
    return ", ".join(inv.number for inv in invoices)


def _open_invoices(link: PortalLink, invoices: list[Invoice]) -> list[Invoice]:
    """``invoices`` read again: every one an open invoice of the link's own customer, else refused."""
    ids = [inv.pk for inv in invoices]
    found = {
        inv.pk: inv
        for inv in Invoice.objects.filter(
            organization_id=link.organization_id, customer_id=link.customer_id, pk__in=ids, open_amount__gt=0
        )
    }
    if not ids or len(found) != len(set(ids)):
        raise ValidationError(_("Choose among your open invoices."))
    return sorted(found.values(), key=lambda inv: (inv.due_on, inv.number))


def _one_currency(invoices: list[Invoice]) -> str:
    currencies = {inv.currency for inv in invoices}
    if len(currencies) != 1:
        raise ValidationError(_("These invoices are in several currencies: choose invoices in one currency."))
    return currencies.pop()


@contextmanager
def _for_collector(link: PortalLink) -> Iterator[None]:
    """What the collector reads (the task, the notes on the hold and the documents) is written in the collector's
    language (else the project's), whatever language the customer reads the portal in."""
    user = CustomerCollection.objects.filter(customer_id=link.customer_id).values_list("collector__language", flat=True)
    code = next(iter(user), None) or settings.LANGUAGE_CODE
    with translation.override(language_of(code)):
        yield


def _notify(link: PortalLink, *, title: str, details: str, today: date, invoices: list[Invoice] = ()) -> Task:  # type: ignore[assignment]
    """The collector's task: what the customer did or asks for, due today."""
    customer = link.customer
    return create_task(
        link.organization,
        customer,
        kind=TaskKind.OTHER,
        title=title,
        details=details,
        due_on=today,
        actor=ACTOR,
        invoices=invoices,
    )


def _attach(link: PortalLink, upload: Any, *, invoice: Invoice | None, note: str) -> str:
    """Put the customer's file on file (for ``invoice``, else for the customer); its name. Refused: the reason."""
    if upload is None:
        return ""
    try:
        attached = attach_document(
            link.organization,
            ACTOR,
            kind=DocumentKind.OTHER,
            file_name=getattr(upload, "name", "") or "document",
            content=upload,
            customer=link.customer if invoice is None else None,
            invoice=invoice,
            note=note,
        )
    except DocumentRefused as refused:
        raise ValidationError(str(refused)) from refused
    return str(attached.document.file_name)


# ------------------------------------------------------------------------------------------------ promise


@transaction.atomic
def promise(link: PortalLink, *, invoices: list[Invoice], amount: Decimal, promised_on: date, today: date) -> Hold:
    """The customer promises to pay ``amount`` of ``invoices`` by ``promised_on``: at most their open amount,
    from today to ``promise_max_days`` days ahead."""
    chosen = _open_invoices(link, invoices)
    currency = _one_currency(chosen)
    open_total = sum((inv.open_amount for inv in chosen), Decimal("0"))
    if amount <= 0:
        raise ValidationError(_("The amount must be more than zero."))
    if amount > open_total:
        raise ValidationError(
            _("The amount cannot be more than what is open on these invoices (%(open)s).")
            % {"open": _money(open_total, currency)}
        )
    _within(promised_on, today, link_settings(link.organization).promise_max_days)
    hold = holds.record_promise(
        link.organization,
        link.customer,
        amount=amount,
        promised_on=promised_on,
        invoices=chosen,
        actor=ACTOR,
        today=today,
    )
    with _for_collector(link):
        facts = {"amount": _money(amount, currency), "date": _day(promised_on), "invoices": _numbers(chosen)}
        _notify(
            link,
            title=_("%(customer)s promises to pay %(amount)s by %(date)s (customer portal)")
            % {"customer": link.customer.name, **facts},
            details=_("Invoices: %(invoices)s.") % facts,
            today=today,
            invoices=chosen,
        )
    confirmations.queue(link, confirmations.PROMISE, amount=amount, currency=currency, on=promised_on, invoices=chosen)
    return hold


def _within(day: date, today: date, max_days: int) -> None:
    if day < today:
        raise ValidationError(_("The date has already passed: give today or a later day."))
    if (day - today).days > max_days:
        raise ValidationError(
            _("The date can be at most %(days)s days from today (%(last)s).")
            % {"days": max_days, "last": _day(date.fromordinal(today.toordinal() + max_days))}
        )


# ------------------------------------------------------------------------------------------------ dispute


@transaction.atomic
def dispute(
    link: PortalLink, *, invoice: Invoice, reason_code: str, message: str, attachment: Any, today: date
) -> Hold:
    """The customer disputes ``invoice`` (all that is open on it) for ``reason_code``, saying ``message``."""
    (invoice,) = _open_invoices(link, [invoice])
    if reason_code not in DisputeReason.values:
        raise ValidationError(_("Choose a reason."))
    message = message.strip()
    if len(message) > MESSAGE_MAX_CHARS:
        raise ValidationError(_("The message is too long (%(max)s characters at most).") % {"max": MESSAGE_MAX_CHARS})
    hold = holds.open_dispute(
        link.organization, invoice, reason_code=reason_code, note=message, actor=ACTOR, today=today
    )
    with _for_collector(link):
        file_name = _attach(link, attachment, invoice=invoice, note=_("Sent with the dispute on the customer portal."))
        details = [_("Reason: %(reason)s.") % {"reason": DisputeReason(reason_code).label}]
        if message:
            details.append(_("Message from the customer:") + "\n" + message)
        if file_name:
            details.append(_("File sent: %(name)s (in the invoice's documents).") % {"name": file_name})
        _notify(
            link,
            title=_("%(customer)s disputes invoice %(number)s (customer portal)")
            % {"customer": link.customer.name, "number": invoice.number},
            details="\n\n".join(details),
            today=today,
            invoices=[invoice],
        )
    confirmations.queue(
        link,
        confirmations.DISPUTE,
        amount=invoice.open_amount,
        currency=invoice.currency,
        invoices=[invoice],
        reason=reason_code,
        message=message,
        file_name=file_name,
    )
    return hold


# ------------------------------------------------------------------------------------------------ already paid


@transaction.atomic
def already_paid(
    link: PortalLink,
    *,
    invoices: list[Invoice],
    paid_on: date,
    amount: Decimal,
    proof: Any,
    today: date,
    message: str = "",
) -> Hold:
    """The customer says it paid ``amount`` on ``paid_on`` for ``invoices``: collection of them pauses while the
    payment is looked for."""
    chosen = _open_invoices(link, invoices)
    currency = _one_currency(chosen)
    if amount <= 0:
        raise ValidationError(_("The amount must be more than zero."))
    if paid_on > today:
        raise ValidationError(_("The day of the payment is in the future: give today or an earlier day."))
    message = message.strip()
    if len(message) > MESSAGE_MAX_CHARS:
        raise ValidationError(_("The message is too long (%(max)s characters at most).") % {"max": MESSAGE_MAX_CHARS})
    with _for_collector(link):
        facts = {"amount": _money(amount, currency), "date": _day(paid_on), "invoices": _numbers(chosen)}
        note = _("Paid %(amount)s on %(date)s, says the customer on the portal.") % facts
        if message:
            note += "\n" + message
    hold = holds.declare_already_paid(
        link.organization, link.customer, invoices=chosen, note=note, actor=ACTOR, today=today
    )
    with _for_collector(link):
        file_name = _attach(
            link,
            proof,
            invoice=chosen[0] if len(chosen) == 1 else None,
            note=_("Proof of payment sent on the portal."),
        )
        details = [_("Invoices: %(invoices)s.") % facts, note]
        if file_name:
            details.append(_("Proof sent: %(name)s (in the documents).") % {"name": file_name})
        _notify(
            link,
            title=_("%(customer)s says it paid %(amount)s on %(date)s: look for the payment (customer portal)")
            % {"customer": link.customer.name, **facts},
            details="\n\n".join(details),
            today=today,
            invoices=chosen,
        )
    assert hold.ends_on is not None
    confirmations.queue(
        link,
        confirmations.ALREADY_PAID,
        amount=amount,
        currency=currency,
        on=paid_on,
        invoices=chosen,
        file_name=file_name,
        until=hold.ends_on,
    )
    return hold


# ------------------------------------------------------------------------------------------------ payment plan


@dataclass
class PlanAnswer:
    plan: PaymentPlan | None  # granted
    task: Task
    refusals: list[portal_plans.Refusal]


def refusal_text(refusal: portal_plans.Refusal, rules: portal_plans.PlanRules, currency: str) -> str:
    texts = {
        portal_plans.Refusal.NOT_ALLOWED: _("payment plans are agreed by a collector"),
        portal_plans.Refusal.TOO_MANY: _("more than %(count)s instalments") % {"count": rules.max_instalments},
        portal_plans.Refusal.TOO_LATE: _("last instalment more than %(days)s days ahead") % {"days": rules.max_days},
        portal_plans.Refusal.TOO_SMALL: _("an instalment under %(amount)s")
        % {"amount": _money(rules.min_instalment, currency)},
        portal_plans.Refusal.NOT_THE_TOTAL: _("the instalments do not add up to the open amount"),
    }
    return str(texts[refusal])


@transaction.atomic
def ask_for_plan(
    link: PortalLink,
    *,
    invoices: list[Invoice],
    today: date,
    count: int | None = None,
    first_on: date | None = None,
    instalments: list[tuple[date, Decimal]] | None = None,
) -> PlanAnswer:
    """The customer asks to pay ``invoices`` in instalments: ``count`` a month from ``first_on``, or the
    ``instalments`` it wrote. Granted at once within the organization's rules, else passed on to the collector."""
    chosen = _open_invoices(link, invoices)
    currency = _one_currency(chosen)
    total = sum((inv.open_amount for inv in chosen), Decimal("0"))
    if instalments:
        schedule = sorted(instalments)
        days = [d for d, _a in schedule]
        if len(set(days)) != len(days):
            raise ValidationError(_("Give each instalment its own day."))
    else:
        if not count or first_on is None:
            raise ValidationError(_("Give the number of instalments and the day of the first one."))
        try:
            schedule = portal_plans.monthly_schedule(total, count, first_on, currency)
        except ValueError as exc:
            raise ValidationError(_("Too many instalments for this amount.")) from exc
    if schedule[0][0] < today:
        raise ValidationError(_("The first instalment is in the past: give today or a later day."))
    if any(amount <= 0 for _d, amount in schedule):
        raise ValidationError(_("Every instalment must be more than zero."))
    paid = sum((amount for _d, amount in schedule), Decimal("0"))
    if paid > total:
        raise ValidationError(
            _("The instalments add up to %(sum)s, more than is open on these invoices (%(open)s).")
            % {"sum": _money(paid, currency), "open": _money(total, currency)}
        )
    found = link_settings(link.organization)
    rules = portal_plans.PlanRules(found.plan_max_instalments, found.plan_max_days, found.plan_min_instalment)
    refused = portal_plans.refusals(schedule, total=total, today=today, rules=rules)
    plan = None
    if not refused:
        with _for_collector(link):
            note = _("Asked for on the customer portal.")
        plan = holds.create_payment_plan(
            link.organization,
            link.customer,
            invoices=chosen,
            instalments=schedule,
            note=note,
            actor=ACTOR,
            today=today,
        )
    with _for_collector(link):
        rows = "\n".join(
            _("%(position)s. %(date)s: %(amount)s") % {"position": i, "date": _day(d), "amount": _money(a, currency)}
            for i, (d, a) in enumerate(schedule, start=1)
        )
        facts = {
            "customer": link.customer.name,
            "count": len(schedule),
            "total": _money(paid, currency),
            "invoices": _numbers(chosen),
        }
        if plan is not None:
            title = _("%(customer)s: payment plan granted on the portal, %(count)s instalments, %(total)s") % facts
            details = _("Invoices: %(invoices)s.") % facts + "\n" + rows
        else:
            reasons = "; ".join(refusal_text(r, rules, currency) for r in refused)
            title = (
                _("%(customer)s asks for a payment plan: %(count)s instalments, %(total)s (customer portal)") % facts
            )
            details = "\n".join(
                [
                    _("Not granted on the portal: %(reasons)s. Nothing is agreed until you answer the customer.")
                    % {"reasons": reasons},
                    _("Invoices: %(invoices)s, %(open)s open.") % {**facts, "open": _money(total, currency)},
                    _("Schedule asked for:"),
                    rows,
                ]
            )
        task = _notify(link, title=title, details=details, today=today, invoices=chosen)
    confirmations.queue(
        link,
        confirmations.PLAN_GRANTED if plan is not None else confirmations.PLAN_ASKED,
        amount=paid,
        currency=currency,
        invoices=chosen,
        schedule=schedule,
    )
    return PlanAnswer(plan, task, refused)


# ------------------------------------------------------------------------------------------------ contact


CONTACT_FIELDS = ("name", "email", "phone", "address_line1", "address_line2", "postal_code", "city")


def current_contact(customer: Customer) -> dict[str, str]:
    """The contact details the portal shows: the billing contact's name, e-mail and phone (else the first
    contact's), and the customer's postal address."""
    contact = _billing_contact(customer)
    return {
        "name": contact.name if contact is not None else "",
        "email": contact.email if contact is not None else "",
        "phone": contact.phone if contact is not None else "",
        "address_line1": customer.address_line1,
        "address_line2": customer.address_line2,
        "postal_code": customer.postal_code,
        "city": customer.city,
    }


def _billing_contact(customer: Customer) -> Contact | None:
    """The contact the customer's details are about: a billing contact first, else the primary one, else any."""
    return choose_contact(Contact.objects.filter(customer=customer), billing_first=True)


def contact_labels() -> dict[str, str]:
    return {
        "name": _("Contact name"),
        "email": _("E-mail"),
        "phone": _("Phone"),
        "address_line1": _("Address"),
        "address_line2": _("Address (continued)"),
        "postal_code": _("Postal code"),
        "city": _("City"),
    }


@transaction.atomic
def propose_contact(link: PortalLink, *, proposed: dict[str, str], message: str, today: date) -> Task:
    """The customer asks to change its contact details: nothing is changed; a task for the collector shows each
    value changed, old and new. Refused when nothing changes."""
    before = current_contact(link.customer)
    changes = {
        name: (before[name], proposed.get(name, "").strip())
        for name in CONTACT_FIELDS
        if proposed.get(name, "").strip() != before[name]
    }
    message = message.strip()
    if len(message) > MESSAGE_MAX_CHARS:
        raise ValidationError(_("The message is too long (%(max)s characters at most).") % {"max": MESSAGE_MAX_CHARS})
    if not changes:
        raise ValidationError(_("Nothing was changed."))
    with _for_collector(link):
        task = _contact_task(link, changes, message, today)
    ContactProposal.objects.create(
        organization_id=link.organization_id,
        customer=link.customer,
        task=task,
        changes={name: [old, new] for name, (old, new) in changes.items()},
        message=message,
    )
    labels = contact_labels()
    confirmations.queue(
        link, confirmations.CONTACT, changes={labels[n]: [o, v] for n, (o, v) in changes.items()}, message=message
    )
    return task


def _contact_task(link: PortalLink, changes: dict[str, tuple[str, str]], message: str, today: date) -> Task:
    labels = contact_labels()
    rows = [
        _("%(field)s: %(old)s → %(new)s")
        % {"field": labels[name], "old": old or _("(empty)"), "new": new or _("(empty)")}
        for name, (old, new) in changes.items()
    ]
    details = [_("Change asked for by the customer on the portal, not applied:"), "\n".join(rows)]
    if message:
        details.append(_("Message from the customer:") + "\n" + message)
    return _notify(
        link,
        title=_("%(customer)s asks to change its contact details (customer portal)") % {"customer": link.customer.name},
        details="\n\n".join(details),
        today=today,
    )


def pending_proposals(customer: Customer) -> list[ContactProposal]:
    """The contact details the customer proposed that nobody has applied or set aside yet, newest first."""
    return list(
        ContactProposal.objects.filter(
            organization_id=customer.organization_id, customer=customer, decided_at__isnull=True
        ).order_by("-created_at", "-id")
    )


@transaction.atomic
def decide_proposal(proposal: ContactProposal, *, apply: bool, actor: Actor) -> ContactProposal:
    """Apply the proposed details (the billing contact's name, e-mail and phone, a new billing contact when there
    is none; the customer's postal address), each change an event as when a collector edits them, or set them
    aside; the collector's task is done either way. Refused (``ValidationError``, nothing written) when already
    decided or when a value is not valid (an e-mail address...)."""
    from django.utils import timezone

    from recouvre.ledger.customers import add_customer_contact, edit_contact, edit_customer
    from recouvre.tasks.services import complete_task

    locked = ContactProposal.objects.select_for_update().get(pk=proposal.pk)
    if locked.decided_at is not None:
        raise ValidationError(_("These contact details were already applied or set aside."))
    customer = locked.customer
    if apply:
        new = {name: values[1] for name, values in locked.changes.items() if name in CONTACT_FIELDS}
        person = {k: v for k, v in new.items() if k in ("name", "email", "phone")}
        address = {k: v for k, v in new.items() if k not in person}
        if person:
            contact = _billing_contact(customer)
            if contact is None:
                add_customer_contact(customer, actor, role="billing", is_primary=True, **person)
            else:
                edit_contact(contact, actor, **person)
        if address:
            edit_customer(customer, actor, **address)
    locked.decided_at, locked.applied, locked.decided_by_label = timezone.now(), apply, actor.name[:150]
    locked.save(update_fields=["decided_at", "applied", "decided_by_label"])
    task = Task.objects.filter(pk=locked.task_id).first()
    if task is not None and task.state == "open":
        complete_task(
            task,
            outcome="done",
            actor=actor,
            note=_("Contact details applied.") if apply else _("Contact details set aside."),
        )
    return locked
