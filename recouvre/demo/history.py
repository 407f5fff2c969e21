"""A month of collections for the demo organization, so that its pages show what a month of use leaves behind:
reminders sent, calls to make, formal notices awaiting approval, letters to post, the customers' timelines.

Each business day of the period is run as the scheduler would run it that morning (``run_collections`` then
``process_due`` at 09:00), and the timeline events of that day are dated that morning. The messages go to an
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
from recouvre.ledger.models import Event
from recouvre.organizations.models import Organization

DEMO_SCHEDULER = Actor.system("scheduler")
IN_MEMORY_MAILBOX = {"default": {"BACKEND": "django.core.mail.backends.locmem.EmailBackend"}}


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
    with override_settings(MAILERS=IN_MEMORY_MAILBOX):
        for done, day in enumerate(run_days):
            morning = timezone.make_aware(datetime.combine(day, time(9, 0)))
            last_event = Event.objects.filter(organization=organization).aggregate(last=Max("id"))["last"] or 0
            run = run_collections(organization, day, actor=DEMO_SCHEDULER, calendar=calendar)
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
