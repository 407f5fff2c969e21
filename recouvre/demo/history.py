"""A month of collections for the demo organization, so that its pages show what a month of use leaves behind:
reminders sent, calls to make, formal notices awaiting approval, letters to post, the customers' timelines.

Each business day of the period is run as the scheduler would run it that morning (``run_collections`` then
``process_due`` at 09:00), and the timeline events of that day are dated that morning. Before each run, the office
does what a person would have done by then: letters produced two business days ago or more are posted, and calls
and tasks due three days ago or more are done — so steps count once carried out, and the latest days' letters and
calls are still there to be done when the demo opens. The messages go to an
in-memory mailbox: the demo never sends e-mail, whatever ``RECOUVRE_SMTP_URL`` says.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime, time, timedelta
from typing import Any

from django.db.models import Max
from django.test.utils import override_settings
from django.utils import timezone

from recouvre.collections.outbox import process_due
from recouvre.collections.selectors import calendar_for
from recouvre.collections.services import run_collections
from recouvre.ledger.actors import Actor
from recouvre.ledger.chain import sealing_deferred
from recouvre.ledger.models import Event
from recouvre.organizations.models import Organization

DEMO_SCHEDULER = Actor.system("scheduler")
IN_MEMORY_MAILBOX = {"default": {"BACKEND": "django.core.mail.backends.locmem.EmailBackend"}}


POST_AFTER_BUSINESS_DAYS = 2
TASKS_DONE_AFTER_DAYS = 3


def _office_work(organization: Organization, day: date, calendar: Any) -> None:
    """What the office has done by the morning of ``day``: old enough letters posted, old enough tasks done."""
    from recouvre.letters.models import Letter
    from recouvre.letters.services import record_posting
    from recouvre.tasks.models import Task, TaskKind, TaskState
    from recouvre.tasks.services import complete_task

    produced_by, counted = day, 0
    while counted < POST_AFTER_BUSINESS_DAYS:
        produced_by -= timedelta(days=1)
        counted += calendar.is_business_day(produced_by)
    letters = Letter.objects.filter(
        organization=organization,
        posted_on__isnull=True,
        action__state="ready",
        produced_at__lt=timezone.make_aware(datetime.combine(produced_by + timedelta(days=1), time(0, 0))),
    ).order_by("id")
    for n, letter in enumerate(letters, start=1):
        tracking = f"1A{day:%y%m%d}{n:05d}" if letter.registered else ""
        record_posting(letter, posted_on=day, tracking_number=tracking, actor=DEMO_SCHEDULER, today=day)
    tasks = Task.objects.filter(
        organization=organization,
        state=TaskState.OPEN,
        kind__in=[TaskKind.CALL, TaskKind.INTERNAL],
        action__isnull=False,
        due_on__lte=day - timedelta(days=TASKS_DONE_AFTER_DAYS),
    ).order_by("id")
    for task in tasks:
        complete_task(task, outcome="done", actor=DEMO_SCHEDULER, note="", today=day)


def simulate_collections(
    organization: Organization, *, as_of: date, days: int, progress: Callable[[int, int], Any] | None = None
) -> dict[str, int]:
    """Run the ``days`` days up to ``as_of`` (business days only) as daily collections; returns the counts."""
    from django.core import mail

    counts = {"runs": 0, "actions": 0, "emails_sent": 0, "letters_ready": 0, "tasks_opened": 0}
    calendar = calendar_for(organization)
    run_days = [
        day for day in (as_of - timedelta(days=n) for n in range(days, -1, -1)) if calendar.is_business_day(day)
    ]
    # The events of each day are dated that morning once the day is done: sealed into the chain after that.
    with override_settings(MAILERS=IN_MEMORY_MAILBOX), sealing_deferred():
        for done, day in enumerate(run_days):
            morning = timezone.make_aware(datetime.combine(day, time(9, 0)))
            last_event = Event.objects.filter(organization=organization).aggregate(last=Max("id"))["last"] or 0
            _office_work(organization, day, calendar)
            run = run_collections(organization, day, actor=DEMO_SCHEDULER, calendar=calendar, today=day)
            outbox = process_due(organization, now=morning, actor=DEMO_SCHEDULER)
            Event.objects.filter(organization=organization, id__gt=last_event).update(occurred_at=morning)
            counts["runs"] += 1
            counts["actions"] += run.actions
            counts["emails_sent"] += outbox.emails.sent
            counts["letters_ready"] += outbox.letters_ready
            counts["tasks_opened"] += outbox.tasks_opened
            mail.outbox = []
            if progress is not None:
                progress(done + 1, len(run_days))
    return counts
