"""The daily schedule: each organization's run once a day at the configured time, and its messages sent within its
send window on business days.

``tick(now)`` is what the scheduler does every minute (``recouvre scheduler``, started by ``recouvre serve``; or
``recouvre scheduler --once`` from cron):

1. **The day's run.** On business days (the organization's calendar), once the local time reaches
   ``RECOUVRE_RUN_AT`` (default 07:00), every organization that has no run recorded for today gets one: a
   ``ScheduledRun`` row is inserted first (unique per organization and day, so two schedulers never run the same
   day twice), then ``run_collections`` plans and stores the day. A day with no run (a weekend, a holiday, the
   machine was off) needs no replay: the next day's plan takes every step that became due meanwhile, and items
   that are late start at their first overdue step then catch up, one step per contact.
2. **Sending.** On the organization's business days (weekends and French public holidays excluded, and Good Friday
   and 26 December too on the Alsace-Moselle calendar: ``selectors.calendar_for``), within the organization's send
   window (``CollectionSettings``, else ``RECOUVRE_SEND_WINDOW``, default 08:00-19:00, local time), the due
   actions are worked through (``recouvre.collections.outbox.process_due``): e-mails sent, letters produced,
   tasks opened. Outside the window they wait for the next opening.
3. **The rate tables.** Once a day, from ``RECOUVRE_RUN_AT`` on, the ECB main refinancing rate is fetched and the
   half-years it settles are added (``recouvre.legal.ratesupdate.update_rates``, as ``recouvre rates update``);
   a failure is one log line, and it is tried again the next day. Never on the first pass of a scheduler that has
   just started (``tick(..., rates=False)``), so starting the application never reaches the network.
4. **The company watch.** Right after, once a day per organization, the BODACC is checked for insolvency judgments
   and closures of its customers (``recouvre.watch.services.check_bodacc``, as ``recouvre watch bodacc``); a
   failure is one log line, recorded in the organization's watch state, and tried again the next day.
5. **The late-payment predictions.** Then, once a day per organization, the late-payment model is trained on the
   ledger and every open invoice's prediction is stored (``recouvre.risk.services.remember_predictions``, as
   ``recouvre risk predict``) for the worklist's priority; a failure is one log line, tried again the next day.
6. **The mailbox of replies.** When ``RECOUVRE_IMAP_URL`` is set, every ``RECOUVRE_IMAP_EVERY`` seconds (default
   300), the mailbox where replies and delivery failures arrive is read (``recouvre.mailbox.fetch``, as ``recouvre
   mail fetch``); never on the first pass of a scheduler that has just started, and a failure is one log line.
7. **Webhooks.** At every pass, when an organization has events not yet collected for an enabled webhook endpoint
   or deliveries due, a webhooks pass is queued for the worker unless one is already waiting
   (``recouvre.webhooks.tasks.queue_pass``; see ``docs/webhooks.md``).
8. **The API's kept answers.** Once a day, from ``RECOUVRE_RUN_AT`` on (and not on the first pass of a scheduler
   that has just started), the answers kept for the REST API's ``Idempotency-Key`` that are older than
   ``RECOUVRE_API_IDEMPOTENCY_DAYS`` days (default 7) are deleted, every organization's by their age
   (``recouvre.api.idempotency.purge_expired``, as ``recouvre apikey purge-idempotency``); a failure is one log
   line, tried again the next day.

9. **Collectors' day.** On business days, at the first pass within the organization's send window (once the day's
   tasks are opened), each open task due that day and each promise to pay due that day is told to its member in
   the app, and each member receives the daily digest e-mail (``recouvre.notifications.digest``, as ``recouvre
   digest send``): both once per day (database facts), a failure is one log line.

``recouvre run`` stays the manual way: it plans and sends at once, whatever the time.

**Nothing stops it for good** (``run_forever``, what ``recouvre scheduler`` runs). A pass that fails (the database
locked by a large import or restarting, the network) is one log line, then tried again after a pause of 1 s, 2 s,
4 s... up to 60 s (``recouvre.operations.resilience``); the scheduler never exits on its own. A day's run that
fails that way leaves nothing behind (its record and the run are one transaction) and is run at the next pass; a
day's run that fails on anything else stays recorded as started, with the error, and is not tried again that day.
Sending for an organization that fails on anything but a passing error is logged and the next organization is
served. The scheduler records a heartbeat (``recouvre.operations.heartbeat``): ``/health`` and the dashboard tell
when it stopped.
"""

from __future__ import annotations

import logging
import time as clock
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, time
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone

from recouvre.ledger.actors import Actor
from recouvre.operations.heartbeat import HeartbeatRecorder
from recouvre.operations.models import Component
from recouvre.operations.resilience import TRANSIENT, Recovery, close_old_connections
from recouvre.organizations.models import Organization

from .models import CollectionSettings, RunSource, ScheduledRun
from .outbox import process_due
from .selectors import calendar_for
from .services import run_collections

log = logging.getLogger(__name__)
SCHEDULER = Actor.system("scheduler")


def parse_clock(text: str, *, name: str) -> time:
    """``HH:MM`` -> time, or a ValueError naming the setting."""
    try:
        hours, minutes = text.strip().split(":")
        return time(int(hours), int(minutes))
    except ValueError:
        raise ValueError(f"{name}: {text!r} is not a time of day (HH:MM)") from None


def parse_window(text: str, *, name: str) -> tuple[time, time]:
    """``HH:MM-HH:MM`` -> (start, end), start before end."""
    start_text, sep, end_text = text.partition("-")
    if not sep:
        raise ValueError(f"{name}: {text!r} is not a window (HH:MM-HH:MM)")
    start, end = parse_clock(start_text, name=name), parse_clock(end_text, name=name)
    if not start < end:
        raise ValueError(f"{name}: the window {text!r} ends before it starts")
    return start, end


@dataclass
class TickResult:
    runs: list[dict[str, Any]] = field(default_factory=list)
    sent_for: list[str] = field(default_factory=list)
    waiting: list[str] = field(default_factory=list)
    failed_for: list[str] = field(default_factory=list)  # organizations whose sending failed (logged)
    rates: dict[str, Any] | None = None  # the day's rates update, when this pass did it
    watch: dict[str, Any] = field(default_factory=dict)  # the day's BODACC check, by organization, when done
    mail: dict[str, Any] | None = None  # the mailbox of replies, when read in this pass
    predicted: dict[str, Any] = field(default_factory=dict)  # the day's predictions, by organization, when done
    webhooks: bool = False  # whether a webhooks pass was queued for the worker
    idempotency: dict[str, Any] | None = None  # the day's purge of the API's kept answers, when this pass did it
    digests: dict[str, Any] = field(default_factory=dict)  # the day's digests sent, by organization, when any

    def as_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"runs": self.runs, "sent_for": self.sent_for, "outside_window": self.waiting}
        if self.failed_for:
            out["failed_for"] = self.failed_for
        if self.rates is not None:
            out["rates"] = self.rates
        if self.watch:
            out["watch"] = self.watch
        if self.mail is not None:
            out["mail"] = self.mail
        if self.predicted:
            out["predictions"] = self.predicted
        if self.webhooks:
            out["webhooks_queued"] = True
        if self.idempotency is not None:
            out["idempotency_purge"] = self.idempotency
        if self.digests:
            out["digests"] = self.digests
        return out


def window_of(organization: Organization, default: tuple[time, time]) -> tuple[time, time]:
    cs = CollectionSettings.objects.filter(organization=organization).first()
    if cs is not None and cs.send_window_start is not None and cs.send_window_end is not None:
        return cs.send_window_start, cs.send_window_end
    return default


def configured() -> tuple[time, tuple[time, time]]:
    """The run time and the default send window from the settings (``RECOUVRE_RUN_AT``, ``RECOUVRE_SEND_WINDOW``),
    or a ValueError naming the one that is wrong."""
    return (
        parse_clock(settings.RECOUVRE_RUN_AT, name="RECOUVRE_RUN_AT"),
        parse_window(settings.RECOUVRE_SEND_WINDOW, name="RECOUVRE_SEND_WINDOW"),
    )


def tick(
    now: datetime | None = None,
    *,
    run_at: time | None = None,
    window: tuple[time, time] | None = None,
    rates: bool = True,
) -> TickResult:
    """One pass of the scheduler at ``now`` (see the module description); ``rates`` False leaves the day's rates
    update for a later pass."""
    now = now or timezone.now()
    if run_at is None or window is None:
        configured_run_at, configured_window = configured()
        run_at, window = run_at or configured_run_at, window or configured_window
    default_window = window
    local = timezone.localtime(now)
    today = local.date()
    result = TickResult()
    for organization in Organization.objects.order_by("slug"):
        # The day's run only on business days: a step reached on a weekend goes out on Monday, planned with
        # Monday's own, so no customer's gap is taken by a message planned on Sunday for Monday.
        if local.time() >= run_at and calendar_for(organization).is_business_day(today):
            summary = _run_once(organization, today)
            if summary is not None:
                result.runs.append(summary)
        start, end = window_of(organization, default_window)
        if calendar_for(organization).is_business_day(today) and start <= local.time() < end:
            try:
                process_due(organization, now=now, actor=SCHEDULER)
            except TRANSIENT:
                raise  # the pass is tried again
            except Exception:
                log.exception("sending for %s failed", organization.slug)
                result.failed_for.append(organization.slug)
                continue
            result.sent_for.append(organization.slug)
            digests = _collectors_day(organization, today)
            if digests:
                result.digests[organization.slug] = digests
        else:
            result.waiting.append(organization.slug)
    result.webhooks = _queue_webhooks()
    if rates and local.time() >= run_at:
        result.rates = _rates_once(today)
        for organization in Organization.objects.order_by("slug"):
            checked = _watch_once(organization, today)
            if checked is not None:
                result.watch[organization.slug] = checked
        for organization in Organization.objects.order_by("slug"):
            predicted = _predict_once(organization, today)
            if predicted is not None:
                result.predicted[organization.slug] = predicted
        result.idempotency = _purge_idempotency_once(now)
    if rates:
        result.mail = _mail_due(now)
    return result


def _collectors_day(organization: Organization, today: date) -> dict[str, Any] | None:
    """The day's notifications of tasks and promises due, and the daily digests (each once a day: database facts);
    a summary when a digest was sent or failed, else None. A failure is one log line."""
    from recouvre.notifications.digest import notify_due, send_digests

    try:
        notify_due(organization, today)
        done = send_digests(organization, today)
    except TRANSIENT:
        raise
    except Exception as exc:  # noqa: BLE001 - the scheduler goes on
        log.warning("the collectors' digests for %s failed: %s", organization.slug, exc)
        return {"error": str(exc)}
    if not done.sent and not done.failed:
        return None
    return {"sent": [e["user"] for e in done.sent], "failed": done.failed}


_predicted_on: dict[int, date] = {}


def _predict_once(organization: Organization, today: date) -> dict[str, Any] | None:
    """Today's late-payment predictions of ``organization``, stored for the worklist, unless they are stored for
    today already or this process tried today; None when not done. A failure is one log line."""
    from recouvre.risk.models import PredictionRun

    if _predicted_on.get(organization.pk) == today:
        return None
    if PredictionRun.objects.filter(organization=organization, as_of=today).exists():
        return None
    _predicted_on[organization.pk] = today
    try:
        from recouvre.risk.prediction import outlook
        from recouvre.risk.services import remember_predictions

        result = outlook(organization, today)
        stored = remember_predictions(organization, result)
    except TRANSIENT:
        raise
    except Exception as exc:  # noqa: BLE001 - the scheduler goes on
        log.warning("late-payment predictions for %s failed: %s", organization.slug, exc)
        return {"stored": False, "error": str(exc)}
    return {"stored": True, "invoices": stored, "model": "logistic_regression" if result.model.fitted else "baseline"}


_idempotency_purged_on: date | None = None


def _purge_idempotency_once(now: datetime) -> dict[str, Any] | None:
    """Today's purge of the answers kept for the API's ``Idempotency-Key`` past their retention
    (``recouvre.api.idempotency.purge_expired``) unless this process did it today; None when not done. A failure
    is one log line, and it is tried again the next day."""
    global _idempotency_purged_on
    today = timezone.localtime(now).date()
    if _idempotency_purged_on == today:
        return None
    from recouvre.api.idempotency import purge_expired

    try:
        done = purge_expired(now).as_dict()
    except TRANSIENT:
        raise  # the pass is tried again, and the purge with it
    except Exception as exc:  # noqa: BLE001 - the scheduler goes on
        log.warning("purging the API's kept answers failed: %s", exc)
        done = {"error": str(exc)}
    _idempotency_purged_on = today
    return done


_mail_read_at: datetime | None = None


def _mail_due(now: datetime) -> dict[str, Any] | None:
    """The mailbox of replies read when ``RECOUVRE_IMAP_URL`` is set and ``RECOUVRE_IMAP_EVERY`` seconds have passed
    since this process last tried; None when not done. A failure is one log line (``recouvre.mailbox.fetch``)."""
    global _mail_read_at
    if not settings.RECOUVRE_IMAP_URL:
        return None
    if _mail_read_at is not None and (now - _mail_read_at).total_seconds() < settings.RECOUVRE_IMAP_EVERY:
        return None
    _mail_read_at = now
    from recouvre.mailbox.fetch import MailboxError, MailboxSettingError, fetch

    try:
        got = fetch(actor=SCHEDULER)
    except (MailboxError, MailboxSettingError) as exc:
        if isinstance(exc, MailboxSettingError):
            log.warning("mailbox not read: %s", exc)
        return {"read": False, "error": str(exc)}
    data = got.as_dict()
    data.pop("messages")
    return {"read": True, **data}


def _queue_webhooks() -> bool:
    """Queue the worker's webhooks pass when there are events to collect or deliveries due and none is queued
    (``recouvre.webhooks.tasks``); a failure is one log line."""
    from recouvre.webhooks.tasks import queue_pass

    try:
        return queue_pass()
    except TRANSIENT:
        raise
    except Exception:
        log.exception("queueing the webhooks pass failed")
        return False


_watch_tried_on: dict[int, date] = {}


def _watch_once(organization: Organization, today: date) -> dict[str, Any] | None:
    """Today's BODACC check of ``organization`` (``recouvre.watch.services.check_bodacc``) unless it succeeded today
    or this process already tried it today; None when not done. A failure is one log line (and the organization's
    watch state), never the end of the pass."""
    from recouvre.watch.services import WatchError, check_bodacc, state_of

    state = state_of(organization)
    succeeded = state is not None and state.last_success_at is not None
    if _watch_tried_on.get(organization.pk) == today or (
        succeeded and timezone.localtime(state.last_success_at).date() == today  # type: ignore[union-attr]
    ):
        return None
    _watch_tried_on[organization.pk] = today
    try:
        checked = check_bodacc(organization, today=today, actor=SCHEDULER)
    except WatchError as exc:  # logged once by check_bodacc
        return {"checked": False, "error": str(exc)}
    except TRANSIENT:
        raise
    except Exception as exc:  # noqa: BLE001 - the scheduler goes on
        log.warning("BODACC check for %s failed: %s", organization.slug, exc)
        return {"checked": False, "error": str(exc)}
    return {"checked": True, "announcements": len(checked.announcements)}


_rates_tried_on: date | None = None


def _rates_once(today: date) -> dict[str, Any] | None:
    """Today's rates update unless it succeeded today or this process already tried it today; None when not done."""
    global _rates_tried_on
    from recouvre.legal.ratesupdate import RatesUpdateError, last_update, update_rates

    last = last_update()
    if _rates_tried_on == today or (last is not None and timezone.localtime(last.finished_at).date() == today):
        return None
    _rates_tried_on = today
    try:
        return {"updated": True, **update_rates(today).as_dict()}
    except RatesUpdateError as exc:  # logged once by update_rates
        return {"updated": False, "error": str(exc)}


def _seal_left_over(organization: Organization) -> None:
    """Seal the events a stopped process left unsealed (each write's own seal normally leaves none)."""
    from recouvre.ledger.chain import seal

    try:
        seal(organization)
    except Exception:
        log.exception("sealing the timeline of %s failed", organization.slug)


def _run_once(organization: Organization, today: date) -> dict[str, Any] | None:
    """Today's run of ``organization`` unless one is recorded; None when it was already done (or is being done by
    another scheduler). A passing error (``TRANSIENT``) is raised with nothing stored: the record and the run are
    one transaction, so the day is run at the next pass."""
    try:
        with transaction.atomic():
            try:
                with transaction.atomic():
                    record = ScheduledRun.objects.create(organization=organization, as_of=today)
            except IntegrityError:
                return None
            run = run_collections(
                organization,
                today,
                actor=SCHEDULER,
                calendar=calendar_for(organization),
                today=today,
                source=RunSource.SCHEDULER,
            )
    except TRANSIENT:
        raise
    except Exception as exc:
        # The day stays recorded as started, without an end: shown to the operators, not retried in a loop.
        log.exception("scheduled run of %s on %s failed", organization.slug, today)
        _record_failure(organization, today, exc)
        return {"organization": organization.slug, "as_of": today.isoformat(), "error": True}
    summary = run.as_dict()
    from recouvre.privacy.services import scheduled_purge

    purged = scheduled_purge(organization, today, SCHEDULER)
    if purged is not None:
        summary["privacy_purge"] = purged
    _seal_left_over(organization)
    ScheduledRun.objects.filter(pk=record.pk).update(finished_at=timezone.now(), summary=summary)
    return summary


def _record_failure(organization: Organization, today: date, exc: Exception) -> None:
    """The day recorded as started, with its error and no end, so that it is not run again today."""
    from recouvre.operations.resilience import describe

    try:
        with transaction.atomic():
            ScheduledRun.objects.create(
                organization=organization, as_of=today, summary={"error": True, "message": describe(exc)}
            )
    except IntegrityError:
        pass  # another scheduler recorded the day meanwhile


def run_forever(
    *,
    run_at: time,
    window: tuple[time, time],
    interval: float,
    report: Callable[[TickResult], None] = lambda result: None,
    heartbeat: HeartbeatRecorder | None = None,
    sleep: Callable[[float], None] = clock.sleep,
    passes: int | None = None,
) -> None:
    """Pass after pass, ``interval`` seconds apart, for ever (or ``passes`` passes that worked, for tests): see the
    module description. ``report`` gets each pass's result; ``heartbeat`` is started, and stopped on the way out
    (a signal ending the process)."""
    if heartbeat is not None:
        heartbeat.start()
    recovery = Recovery(str(Component.SCHEDULER.label), heartbeat=heartbeat, sleep=sleep)
    first, done = True, 0
    try:
        while passes is None or done < passes:
            try:
                close_old_connections()  # a connection past its age, or broken, is not used for the pass
                if heartbeat is not None:
                    with heartbeat.busy():
                        # the first pass of a scheduler that has just started leaves the rates update to the next
                        result = tick(run_at=run_at, window=window, rates=not first)
                else:
                    result = tick(run_at=run_at, window=window, rates=not first)
                report(result)
            except Exception as exc:  # noqa: BLE001 - every failed pass is told and tried again
                recovery.failed(exc)
                continue
            first = False
            done += 1
            recovery.succeeded()
            if passes is None or done < passes:
                sleep(interval)
    finally:
        if heartbeat is not None:
            heartbeat.stop()
