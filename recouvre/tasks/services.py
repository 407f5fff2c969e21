"""Writes to the worklist. Each function is one transaction and leaves an event on the customer's timeline.

- ``create_task``: open a task about a customer (for its collector unless told otherwise), once per outbox action.
- ``open_due_tasks``: the due phone-call and internal-task actions of the outbox become tasks (``process_due``).
- ``open_email_failed_task``: an e-mail that could not be delivered for good becomes a task to reach the customer
  another way (``recouvre.collections.dispatch``).
- ``complete_task``: close a task with an outcome; a call's outcome creates what it means (a promise, a dispute,
  "already paid", another call, a task to fix the contact).
- ``reassign_task``, ``cancel_task``.

A task remembers the invoices it is about (``Task.invoices``): an outbox action's lines, the invoices of a step that
joins it, those of the call it follows; ``recouvre.tasks.settled`` closes the calls and escalation steps whose
invoices are all settled or held.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import get_language, ngettext
from django.utils.translation import gettext as _

from recouvre.collections import steps
from recouvre.collections.selectors import calendar_for
from recouvre.ledger.actors import Actor
from recouvre.ledger.models import Customer, Invoice
from recouvre.ledger.services import record_event
from recouvre.notifications import services as notifications
from recouvre.organizations.models import Organization

from .models import Outcome, Task, TaskKind, TaskState

NO_ANSWER_RETRY_BUSINESS_DAYS = 2


def _collector_of(customer: Customer) -> Any:
    from recouvre.collections.models import CustomerCollection

    collection = CustomerCollection.objects.filter(customer=customer).select_related("collector").first()
    return collection.collector if collection is not None else None


def _name(user: Any) -> str:
    if user is None:
        return ""
    return str(user.get_full_name() or user.get_username())


def create_task(
    organization: Organization,
    customer: Customer,
    *,
    kind: str,
    title: str,
    actor: Actor,
    due_on: date | None = None,
    invoice: Any = None,
    assignee: Any = None,
    details: str = "",
    action: Any = None,
    invoices: Iterable[Any] = (),
) -> Task:
    """Open a task about ``customer``. ``assignee`` defaults to the customer's collector. A task opened for an
    outbox ``action`` is opened once: calling this again for the same action returns the task already there.

    ``invoices`` (objects or ids, the customer's) are the invoices the task is about; by default the action's lines
    and ``invoice``. A task about none is about the customer's overdue invoices (``recouvre.tasks.settled``)."""
    if kind not in TaskKind.values:
        raise ValueError(f"unknown task kind: {kind}")
    if customer.organization_id != organization.pk:
        raise ValueError("the customer belongs to another organization")
    if invoice is not None and invoice.customer_id != customer.pk:
        raise ValueError("the invoice is not one of this customer's")
    if action is not None:
        existing = Task.objects.filter(action=action).first()
        if existing is not None:
            return existing
    if assignee is None:
        assignee = _collector_of(customer)
    task = Task(
        organization=organization,
        customer=customer,
        invoice=invoice,
        action=action,
        kind=kind,
        title=title[:300],
        details=details,
        step_key=getattr(action, "step_key", "") or "",
        due_on=due_on,
        assignee=assignee,
        created_by=actor.user,
        created_by_label=actor.label,
    )
    about = {getattr(i, "pk", i) for i in invoices}
    if not about and action is not None:
        about = {ln["invoice_id"] for ln in action.lines or [] if ln.get("invoice_id")}
    if invoice is not None:
        about.add(invoice.pk)
    try:
        with transaction.atomic():
            task.save()
            if about:
                _about(task, about)
            record_event(
                organization,
                customer,
                "task.opened",
                actor,
                task=task.pk,
                task_kind=kind,
                title=task.title,
                due_on=due_on or "",
                assignee=_name(assignee),
            )
    except IntegrityError:
        if action is None:
            raise
        # Another process opened the task of this action between our look and our insert.
        return Task.objects.get(action=action)
    if kind != TaskKind.REPLY:  # a reply is told as such (``recouvre.mailbox.services``)
        notifications.task_given(task, actor.user)
    return task


def _about(task: Task, invoice_ids: Iterable[int]) -> None:
    """Add ``invoice_ids`` (those that are the task's customer's) to the invoices ``task`` is about."""
    ids = set(
        Invoice.objects.filter(
            organization_id=task.organization_id, customer_id=task.customer_id, pk__in=list(invoice_ids)
        ).values_list("pk", flat=True)
    )
    through = Task.invoices.through
    ids -= set(through.objects.filter(task_id=task.pk, invoice_id__in=ids).values_list("invoice_id", flat=True))
    through.objects.bulk_create([through(task_id=task.pk, invoice_id=pk) for pk in sorted(ids)])


# ------------------------------------------------------------------------------------------ from the outbox


def _step_label(step_key: str) -> str:
    from recouvre.core.policies import step_label

    return _("escalate to legal action") if step_key == "legal" else step_label(step_key)


def _money(amount: Decimal, currency: str) -> str:
    """The amount written in the active language (``1 234,56 €``, ``€1,234.56``)."""
    from recouvre.collections.rendering import format_amount

    return format_amount(amount, currency, "fr" if (get_language() or "").startswith("fr") else "en")


def _lines_text(lines: list[dict[str, Any]]) -> str:
    """The invoices of an action, one a line, and the total overdue per currency."""
    out = []
    overdue: dict[str, Decimal] = defaultdict(Decimal)
    for ln in lines:
        amount = Decimal(str(ln.get("open_amount") or "0"))
        days = int(ln.get("days_overdue") or 0)
        number = ln.get("number", "")
        if ln.get("instalment"):
            number = _("%(number)s, instalment %(position)s of %(count)s") % {
                "number": number,
                "position": ln["instalment"],
                "count": ln.get("instalments") or "?",
            }
        out.append(
            ngettext(
                "%(number)s due %(due_on)s: %(amount)s, %(days)s day overdue, stage %(stage)s",
                "%(number)s due %(due_on)s: %(amount)s, %(days)s days overdue, stage %(stage)s",
                days,
            )
            % {
                "number": number,
                "due_on": ln.get("due_on", ""),
                "amount": _money(amount, ln.get("currency", "")),
                "days": days,
                "stage": ln.get("stage") or "-",
            }
        )
        if days > 0:
            overdue[ln.get("currency", "")] += amount
    if overdue:
        total = ", ".join(_money(v, cur) for cur, v in sorted(overdue.items()))
        out.append(_("Total overdue: %(total)s") % {"total": total})
    return "\n".join(out)


def _action_task(action: Any) -> tuple[str, str, str]:
    """Kind, title and details of the task an outbox action becomes."""
    from recouvre.collections.models import Channel

    customer = action.customer
    step = _step_label(action.step_key or action.template)
    if action.channel == Channel.CALL_TASK:
        kind = TaskKind.CALL
        title = _("Call %(customer)s (step: %(step)s)") % {"customer": customer.name, "step": step}
    else:
        kind = TaskKind.INTERNAL
        title = _("%(customer)s: %(step)s") % {"customer": customer.name, "step": step}
    details = _("Step %(step)s of policy %(policy)s, due %(send_on)s. Invoices:") % {
        "step": action.step_key or action.template,
        "policy": action.policy_key or "-",
        "send_on": action.send_on.isoformat(),
    }
    return kind, title, details + "\n" + _lines_text(list(action.lines or []))


def _still_open(action: Any, as_of: date) -> list[dict[str, Any]]:
    """The action's lines whose invoice (or instalment of an invoice payable in several) is still open, with its
    open amount and days overdue as they are on ``as_of`` (an invoice paid since planning is left out), as the
    e-mails do."""
    from recouvre.ledger.selectors import current_items, listed_refs

    current = current_items(action.organization_id, listed_refs(action.lines or []))
    out = []
    for ln in action.lines or []:
        item = current.get((ln.get("invoice_id"), ln.get("instalment") or 0))
        if item is not None:
            out.append({**ln, "open_amount": str(item.open_amount), "days_overdue": (as_of - item.due_on).days})
    return out


def open_due_tasks(organization: Organization | None, *, now: datetime, actor: Actor) -> int:
    """Open a task for every due phone-call and internal-task action of ``organization`` (all when ``None``): state
    ``planned``, ``send_on`` today or earlier. Each action is claimed by ``UPDATE ... SET state='sent' WHERE
    state='planned'`` in the transaction that opens its task, so two runs at once open each task once. A customer
    has at most one open task of each kind from the outbox: while one is open, a new step joins it (its details
    then list the invoices owed today) and no task is added. Returns how many tasks this call opened. An action
    whose invoices have all been paid since planning opens no task: it is cancelled, and the timeline says so."""
    from recouvre.collections.models import Action, ActionState, Channel

    due = Q(
        channel__in=[Channel.CALL_TASK, Channel.INTERNAL_TASK],
        state=ActionState.PLANNED,
        send_on__lte=timezone.localdate(now),
    )
    if organization is not None:
        due &= Q(organization=organization)
    ids = list(Action.objects.filter(due).order_by("send_on", "id").values_list("id", flat=True))
    opened = 0
    for action_id in ids:
        with transaction.atomic():
            if not Action.objects.filter(due, pk=action_id).update(state=ActionState.SENT, sent_at=now):
                continue  # another run took it first
            action = Action.objects.select_related("organization", "customer").get(pk=action_id)
            lines = _still_open(action, timezone.localdate(now))
            if action.lines and not lines:
                Action.objects.filter(pk=action_id).update(state=ActionState.CANCELLED, sent_at=None)
                record_event(action.organization, action.customer, "task.not_needed", actor, step=action.step_key)
                continue
            action.lines = lines
            kind, title, details = _action_task(action)
            pending = (
                Task.objects.select_for_update()
                .filter(organization=action.organization, customer=action.customer, kind=kind, state=TaskState.OPEN)
                .order_by("id")
                .first()
            )
            if pending is not None:
                # One open call (or internal task) per customer: a step due while one is open joins it, with the
                # invoices as they are today, rather than piling a second task on the collector's list.
                pending.details = details
                pending.save(update_fields=["details"])
                _about(pending, [ln["invoice_id"] for ln in lines if ln.get("invoice_id")])
                record_event(
                    action.organization,
                    action.customer,
                    "task.joined",
                    actor,
                    task=pending.pk,
                    step=action.step_key,
                    title=pending.title,
                )
                continue
            create_task(
                action.organization,
                action.customer,
                kind=kind,
                title=title,
                details=details,
                due_on=action.send_on,
                actor=actor,
                action=action,
            )
            opened += 1
    return opened


def open_email_failed_task(action: Any, *, reason: str, to: str, actor: Actor) -> Task:
    """The task for the customer's collector when ``action``'s e-mail failed for good: reach the customer another
    way. Once per action. Called inside the transaction that marks the action failed."""
    customer = action.customer
    title = _("Reach %(customer)s another way: the e-mail was not delivered") % {"customer": customer.name}
    head = (
        _("E-mail to %(to)s not sent: %(reason)s") % {"to": to, "reason": reason}
        if to
        else _("E-mail not sent: %(reason)s") % {"reason": reason}
    )
    details = head + "\n" + _lines_text(list(action.lines or []))
    return create_task(
        action.organization,
        customer,
        kind=TaskKind.EMAIL_FAILED,
        title=title,
        details=details,
        due_on=timezone.localdate(),
        actor=actor,
        action=action,
    )


# ----------------------------------------------------------------------------------------------- closing


def _locked_open(task: Task) -> Task:
    task = (
        Task.objects.select_for_update(of=("self",))
        .select_related("organization", "customer", "invoice")
        .get(pk=task.pk)
    )
    if task.state != TaskState.OPEN:
        raise ValidationError(_("This task is already closed."))
    return task


def _jsonable(value: Any) -> Any:
    if isinstance(value, Decimal | date):
        return str(value)
    if isinstance(value, Invoice):
        return value.number
    if isinstance(value, list | tuple):
        return [_jsonable(v) for v in value]
    if hasattr(value, "pk"):
        return value.pk
    return value


def _invoices_of(task: Task, invoices: Any) -> list[Invoice]:
    """The customer's invoices among ``invoices`` (objects or ids); the task's invoice when none is given."""
    if not invoices:
        return [task.invoice] if task.invoice is not None else []
    ids = [getattr(i, "pk", i) for i in invoices]
    found = list(Invoice.objects.filter(organization=task.organization, customer=task.customer, pk__in=ids))
    if len(found) != len(set(ids)):
        raise ValidationError(_("An invoice given is not one of this customer's."))
    return found


def complete_task(task: Task, *, outcome: str, actor: Actor, note: str = "", **details: Any) -> Task:
    """Close ``task`` with ``outcome`` and create what it means, in one transaction:

    - ``promise`` (``amount``, ``promised_on``, optional ``invoices``): a promise hold (``record_promise``);
    - ``dispute`` (``reason_code``, optional ``amount``, ``invoice`` or the task's invoice, ``owner``): a dispute
      on the invoice (``open_dispute``);
    - ``already_paid`` (optional ``invoices``): the pause while the payment is looked for
      (``declare_already_paid``);
    - ``no_answer``: another call task, due in 2 business days (the organization's calendar, ``calendar_for``);
    - ``wrong_number``: an internal task to fix the customer's contact;
    - ``done``: nothing more.

    Every outcome leaves the event ``task.done`` on the timeline (the holds leave their own too). ``today``
    (a date, default: today in the project's time zone) dates the follow-ups.
    """
    if outcome not in Outcome.values:
        raise ValidationError(_("Unknown outcome: %(outcome)s.") % {"outcome": outcome})
    today: date = details.pop("today", None) or timezone.localdate()
    with transaction.atomic():
        task = _locked_open(task)
        organization, customer = task.organization, task.customer
        # Closed, and its steps carried out, before the hold its outcome places: the hold closes the customer's
        # other tasks it makes needless (``recouvre.tasks.settled``), never this one.
        now = timezone.now()
        Task.objects.filter(pk=task.pk).update(state=TaskState.DONE, outcome=outcome, done_at=now)
        if task.kind in steps.TASK_CHANNELS:
            # The collections steps this task carries are carried out.
            steps.tasks_completed(organization.pk, customer.pk, steps.TASK_CHANNELS[task.kind], today)
        created: dict[str, Any] = {}
        if outcome == Outcome.PROMISE:
            created["hold"] = _promise(task, actor, note, details, today).pk
        elif outcome == Outcome.DISPUTE:
            created["hold"] = _dispute(task, actor, note, details, today).pk
        elif outcome == Outcome.ALREADY_PAID:
            created["hold"] = _already_paid(task, actor, note, details, today).pk
        elif outcome == Outcome.NO_ANSWER:
            follow = create_task(
                organization,
                customer,
                kind=TaskKind.CALL,
                title=task.title,
                details=task.details,
                due_on=calendar_for(organization).add_business_days(today, NO_ANSWER_RETRY_BUSINESS_DAYS),
                invoice=task.invoice,
                invoices=list(task.invoices.values_list("pk", flat=True)),
                assignee=task.assignee,
                actor=actor,
            )
            Task.objects.filter(pk=follow.pk).update(follows=task)
            created["task"] = follow.pk
        elif outcome == Outcome.WRONG_NUMBER:
            record_event(organization, customer, "task.wrong_number", actor, note=note)
            follow = create_task(
                organization,
                customer,
                kind=TaskKind.INTERNAL,
                title=_("Find the right phone number of %(customer)s") % {"customer": customer.name},
                details=note,
                due_on=today,
                assignee=task.assignee,
                actor=actor,
            )
            Task.objects.filter(pk=follow.pk).update(follows=task)
            created["task"] = follow.pk
        task.state = TaskState.DONE
        task.outcome = outcome
        task.outcome_note = note
        task.outcome_data = {**{k: _jsonable(v) for k, v in details.items()}, **created}
        task.done_at = now
        task.done_by = actor.user
        task.done_by_label = actor.label
        task.save(
            update_fields=["state", "outcome", "outcome_note", "outcome_data", "done_at", "done_by", "done_by_label"]
        )
        record_event(
            organization,
            customer,
            "task.done",
            actor,
            task=task.pk,
            title=task.title,
            outcome=outcome,
            note=note,
        )
    return task


def _required(details: dict[str, Any], name: str, label: str) -> Any:
    value = details.get(name)
    if value in (None, ""):
        raise ValidationError(_("%(field)s is required for this outcome.") % {"field": label})
    return value


def _promise(task: Task, actor: Actor, note: str, details: dict[str, Any], today: date) -> Any:
    from recouvre.collections import holds

    amount = Decimal(str(_required(details, "amount", _("The promised amount"))))
    promised_on = _required(details, "promised_on", _("The promised date"))
    if amount <= 0:
        raise ValidationError(_("The promised amount must be positive."))
    return holds.record_promise(
        task.organization,
        task.customer,
        amount=amount,
        promised_on=promised_on,
        actor=actor,
        invoices=tuple(_invoices_of(task, details.get("invoices"))),
        note=note,
        today=today,
    )


def _dispute(task: Task, actor: Actor, note: str, details: dict[str, Any], today: date) -> Any:
    from recouvre.collections import holds

    invoice = details.get("invoice") or task.invoice
    if invoice is None:
        raise ValidationError(_("Choose the disputed invoice."))
    (invoice,) = _invoices_of(task, [invoice])
    amount = details.get("amount")
    return holds.open_dispute(
        task.organization,
        invoice,
        reason_code=_required(details, "reason_code", _("The reason of the dispute")),
        actor=actor,
        amount=Decimal(str(amount)) if amount not in (None, "") else None,
        owner=details.get("owner"),
        note=note,
        today=today,
    )


def _already_paid(task: Task, actor: Actor, note: str, details: dict[str, Any], today: date) -> Any:
    from recouvre.collections import holds

    return holds.declare_already_paid(
        task.organization,
        task.customer,
        actor=actor,
        invoices=tuple(_invoices_of(task, details.get("invoices"))),
        note=note,
        today=today,
    )


def reassign_task(task: Task, *, assignee: Any, actor: Actor) -> Task:
    """Give an open task to ``assignee`` (a member of the task's organization, or ``None``: nobody)."""
    from recouvre.organizations.models import Membership

    with transaction.atomic():
        task = _locked_open(task)
        if (
            assignee is not None
            and not Membership.objects.filter(organization=task.organization, user=assignee).exists()
        ):
            raise ValidationError(_("This person is not a member of the organization."))
        if task.assignee_id == getattr(assignee, "pk", None):
            return task
        before = _name(task.assignee)
        task.assignee = assignee
        task.save(update_fields=["assignee"])
        record_event(
            task.organization,
            task.customer,
            "task.reassigned",
            actor,
            task=task.pk,
            title=task.title,
            before=before,
            assignee=_name(assignee),
        )
        notifications.task_given(task, actor.user)
    return task


def cancel_task(task: Task, *, actor: Actor, reason: str = "") -> Task:
    """Close an open task without doing it."""
    with transaction.atomic():
        task = _locked_open(task)
        if task.kind in steps.TASK_CHANNELS:
            # Never done: the collections steps it was to carry out did not happen.
            steps.tasks_dropped(task.organization_id, task.customer_id, steps.TASK_CHANNELS[task.kind])
        task.state = TaskState.CANCELLED
        task.outcome_note = reason
        task.done_at = timezone.now()
        task.done_by = actor.user
        task.done_by_label = actor.label
        task.save(update_fields=["state", "outcome_note", "done_at", "done_by", "done_by_label"])
        record_event(
            task.organization, task.customer, "task.cancelled", actor, task=task.pk, title=task.title, reason=reason
        )
    return task
