"""Carry out what a run planned, in tests that follow invoices over several runs without a mail server or a
printer: e-mails are recorded as accepted by the mail server on their send date (as the dispatch does once the
server answers), letters are produced and recorded as posted, tasks are opened and completed — each through the
state changes the product makes, so the next run sees the steps as carried out."""

from __future__ import annotations

from datetime import date, datetime, time
from zoneinfo import ZoneInfo

from recouvre.collections import steps
from recouvre.collections.models import Action, ActionState, Channel
from recouvre.ledger.actors import Actor
from recouvre.organizations.models import Organization

ACTOR = Actor.system("test")
PARIS = ZoneInfo("Europe/Paris")


def carry_out(organization: Organization, on: date | None = None) -> int:
    """Carry out every planned action of ``organization`` due by ``on`` (default: the latest send date planned);
    returns how many. Actions awaiting approval are left as they are."""
    from recouvre.letters.models import Letter
    from recouvre.letters.services import produce_due_letters, record_posting
    from recouvre.tasks.models import Task, TaskState
    from recouvre.tasks.services import complete_task, open_due_tasks

    planned = Action.objects.filter(organization=organization, state=ActionState.PLANNED)
    if on is None:
        latest = planned.order_by("-send_on").values_list("send_on", flat=True).first()
        if latest is None:
            return 0
        on = latest
    due = planned.filter(send_on__lte=on)
    count = 0
    now = datetime.combine(on, time(9), tzinfo=PARIS)
    for action in due.filter(channel=Channel.EMAIL):
        Action.objects.filter(pk=action.pk, state=ActionState.PLANNED).update(state=ActionState.SENT, sent_at=now)
        steps.carried_out([action.pk], action.send_on)
        count += 1
    if due.filter(channel__in=[Channel.LETTER, Channel.REGISTERED_LETTER]).exists():
        produce_due_letters(organization, now=now, actor=ACTOR)
        for letter in Letter.objects.filter(organization=organization, posted_on__isnull=True).select_related("action"):
            if letter.action.state == ActionState.READY:
                tracking = "1A00000000001" if letter.registered else ""
                record_posting(letter, posted_on=on, tracking_number=tracking, actor=ACTOR, today=on)
                count += 1
    if due.filter(channel__in=[Channel.CALL_TASK, Channel.INTERNAL_TASK]).exists():
        open_due_tasks(organization, now=now, actor=ACTOR)
        for task in Task.objects.filter(organization=organization, state=TaskState.OPEN, action__isnull=False):
            complete_task(task, outcome="done", actor=ACTOR, today=on)
            count += 1
    return count
