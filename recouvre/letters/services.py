"""Writes of the letters app: producing the due letters of the outbox, and recording their posting and, for
registered letters, the acknowledgment of receipt. Each change is one transaction with a timeline event.

``produce_due_letters`` takes the ``planned`` letter and registered-letter actions that are due (``send_on`` on or
before today) and, for each one, in one transaction: claims it (``UPDATE ... SET state='ready' WHERE id=... AND
state='planned'``: only the worker whose update changed the row goes on, and on PostgreSQL the row stays locked
until the letter is stored), draws the PDF, stores it (``Letter``, the bytes exactly as produced and their
SHA-256) and tells the timeline. A worker stopped half-way leaves nothing behind (the transaction is rolled back, the
action is still ``planned``), so the next run produces the letter; two runs at once produce it once.
An action whose invoices have all been paid since planning is ``cancelled``; one for a customer without a postal
address, or whose PDF cannot be drawn, is ``failed`` with the reason.
"""

from __future__ import annotations

import re
from datetime import date, datetime

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from recouvre.collections import steps
from recouvre.collections.models import Action, ActionState, Channel
from recouvre.collections.selectors import calendar_for
from recouvre.core.formal_notice import payment_deadline
from recouvre.ledger.actors import Actor
from recouvre.ledger.services import record_event
from recouvre.organizations.models import Organization

from .deadlines import delivery_allowance
from .models import Letter
from .rendering import AllOnHold, NothingToClaim, PenaltiesSettled, deadline_days, render_letter

LETTER_CHANNELS = (Channel.LETTER, Channel.REGISTERED_LETTER)
_TRACKING = re.compile(r"[A-Z0-9]{8,30}")


def _due(organization: Organization | None, now: datetime) -> Q:
    q = Q(channel__in=LETTER_CHANNELS, state=ActionState.PLANNED, send_on__lte=timezone.localdate(now))
    if organization is not None:
        q &= Q(organization=organization)
    return q


def produce_due_letters(
    organization: Organization | None, *, now: datetime, actor: Actor, only: list[int] | None = None
) -> int:
    """Produce the PDF of every due letter action of ``organization`` (every organization when ``None``) at
    ``now`` (with ``only``, of those actions only); return how many letters are now ready to post. See the module
    description."""
    today = timezone.localdate(now)
    due = Action.objects.filter(_due(organization, now))
    if only is not None:
        due = due.filter(pk__in=only)
    ids = list(due.order_by("send_on", "id").values_list("id", flat=True))
    produced = 0
    for action_id in ids:
        try:
            with transaction.atomic():
                if not Action.objects.filter(_due(organization, now), pk=action_id).update(state=ActionState.READY):
                    continue  # another worker has it, or it is no longer due
                action = Action.objects.select_related("organization", "customer").get(pk=action_id)
                rendered = render_letter(action, today=today, portal_url=_portal_url(action, actor, now))
                registered = action.channel == Channel.REGISTERED_LETTER
                letter = Letter.objects.create(
                    organization=action.organization,
                    customer=action.customer,
                    action=action,
                    registered=registered,
                    language=rendered.language,
                    subject=rendered.subject,
                    pdf=rendered.pdf,
                    pdf_sha256=rendered.sha256,
                    pages=rendered.pages,
                    produced_at=now,
                    produced_by=actor.user,
                    produced_by_label=actor.label,
                )
                if action.template == "formal_notice":
                    from recouvre.penalties.formal_notice import claim_on_formal_notice

                    claim_on_formal_notice(letter)  # the penalties to this day, kept apart from the principal
                Action.objects.filter(pk=action_id).update(
                    content_sha256=rendered.sha256,
                    attempts=action.attempts + 1,
                    last_error="",
                    deadline_on=rendered.deadline_on,
                )
                record_event(
                    action.organization,
                    action.customer,
                    "letters.produced",
                    actor,
                    action_id=action_id,
                    registered=registered,
                    subject=rendered.subject,
                    pages=rendered.pages,
                    sha256=rendered.sha256,
                )
            produced += 1
        except NothingToClaim as exc:
            why = "held" if isinstance(exc, AllOnHold) else "penalties" if isinstance(exc, PenaltiesSettled) else ""
            _finish(action_id, ActionState.CANCELLED, "letters.cancelled", actor, "", why=why)
        except Exception as exc:  # no address, a broken template: the action must not stay planned forever
            reason = str(exc) or type(exc).__name__
            _finish(action_id, ActionState.FAILED, "letters.failed", actor, reason)
    return produced


def _portal_url(action: Action, actor: Actor, now: datetime | None = None) -> str:
    """The customer's link to the portal a letter produced to be posted prints (reused while reusable, else
    issued: ``recouvre.portal.links.document_link``), or ``""``."""
    from recouvre.portal.links import document_link

    if action.customer is None:
        return ""
    return document_link(action.customer, actor=actor, now=now)


def _finish(action_id: int, state: str, kind: str, actor: Actor, reason: str, *, why: str = "") -> None:
    with transaction.atomic():
        changed = Action.objects.filter(pk=action_id, state=ActionState.PLANNED).update(state=state, last_error=reason)
        if changed:
            action = Action.objects.select_related("organization", "customer").get(pk=action_id)
            data = {"action_id": action_id, "registered": action.channel == Channel.REGISTERED_LETTER}
            if reason:
                data["error"] = reason
            if why:
                data["reason"] = why
            record_event(action.organization, action.customer, kind, actor, **data)


def normalize_tracking_number(value: str) -> str:
    """``1a 123 456 7890 1`` -> ``1A12345678901``: capitals and digits, spaces and dashes removed."""
    return re.sub(r"[\s\-.]", "", value or "").upper()


def record_posting(
    letter: Letter, *, posted_on: date, actor: Actor, tracking_number: str = "", today: date | None = None
) -> Letter:
    """Record that ``letter`` was put in the post on ``posted_on``: the action becomes ``sent``. A registered letter
    needs its tracking number (the number on the *preuve de dépôt*). Raises ``ValidationError`` with a message for
    a person: a date in the future or before the letter was produced, a letter already posted, cancelled or not
    produced, a missing or malformed tracking number."""
    today = today or timezone.localdate()
    tracking = normalize_tracking_number(tracking_number)
    with transaction.atomic():
        letter = (
            Letter.objects.select_for_update().select_related("action", "organization", "customer").get(pk=letter.pk)
        )
        if letter.posted_on is not None:
            raise ValidationError(
                _("this letter was already recorded as posted on %(day)s") % {"day": letter.posted_on.isoformat()}
            )
        if letter.action.state != ActionState.READY:
            raise ValidationError(_("this letter is not ready to post (%(state)s)") % {"state": letter.action.state})
        if posted_on > today:
            raise ValidationError(_("the posting date %(day)s is in the future") % {"day": posted_on.isoformat()})
        produced_on = timezone.localdate(letter.produced_at)
        if posted_on < produced_on:
            raise ValidationError(
                _("the posting date %(day)s is before the letter was produced (%(produced)s)")
                % {"day": posted_on.isoformat(), "produced": produced_on.isoformat()}
            )
        if letter.registered and not tracking:
            raise ValidationError(_("a registered letter needs its tracking number (on the proof of posting)"))
        if tracking and not _TRACKING.fullmatch(tracking):
            raise ValidationError(
                _("%(number)r is not a tracking number: 8 to 30 letters and digits") % {"number": tracking_number}
            )
        now = timezone.now()
        redated = posted_on != produced_on
        produced_sha256 = letter.pdf_sha256
        if redated:
            _redate(letter, posted_on, actor)
        letter.posted_on, letter.tracking_number, letter.posted_recorded_at = posted_on, tracking, now
        letter.posted_by, letter.posted_by_label = actor.user, actor.label
        letter.save(
            update_fields=[
                "posted_on",
                "tracking_number",
                "posted_recorded_at",
                "posted_by",
                "posted_by_label",
                "pdf",
                "pdf_sha256",
                "pages",
                "subject",
                "language",
            ]
        )
        Action.objects.filter(pk=letter.action_id, state=ActionState.READY).update(
            state=ActionState.SENT, sent_at=now, content_sha256=letter.pdf_sha256
        )
        steps.carried_out([letter.action_id], posted_on)
        _refresh_deadline(letter)
        data: dict[str, object] = {}
        if redated:
            data = {"redated_from": produced_on, "produced_sha256": produced_sha256, "sha256": letter.pdf_sha256}
        record_event(
            letter.organization,
            letter.customer,
            "letters.posted",
            actor,
            action_id=letter.action_id,
            registered=letter.registered,
            posted_on=posted_on,
            tracking_number=tracking,
            **data,
        )
    return letter


def _redate(letter: Letter, posted_on: date, actor: Actor) -> None:
    """Draw ``letter`` again dated ``posted_on`` (amounts, interest and deadline as of that day): the letter the
    debtor receives is dated the day it is posted, and the stored PDF is that one. A formal notice claims the
    penalties accrued up to that day. Raises ``ValidationError`` when nothing is left to claim."""
    action = letter.action
    action.organization, action.customer = letter.organization, letter.customer
    try:
        rendered = render_letter(action, today=posted_on, portal_url=_portal_url(action, actor))
    except NothingToClaim as exc:
        raise ValidationError(
            _("every invoice this letter lists has been paid since it was produced: do not post it")
        ) from exc
    letter.pdf, letter.pdf_sha256, letter.pages = rendered.pdf, rendered.sha256, rendered.pages
    letter.subject, letter.language = rendered.subject, rendered.language
    if action.template == "formal_notice":
        from recouvre.penalties.formal_notice import claim_on_formal_notice

        claim_on_formal_notice(letter, as_of=posted_on)


def _refresh_deadline(letter: Letter) -> None:
    """Set the payment deadline of ``letter``'s formal notice from its posting, first presentation or
    acknowledgment (``recouvre.core.formal_notice``); the planner waits for it before the next step."""
    action = letter.action
    if action.template != "formal_notice" or letter.posted_on is None:
        return
    days = deadline_days(action)
    if days is None:
        return
    deadline = payment_deadline(
        letter.posted_on,
        days,
        first_presented_on=letter.first_presented_on,
        acknowledged_on=letter.acknowledged_on,
        allowance_days=delivery_allowance(letter.organization),
        calendar=calendar_for(letter.organization),
    )
    Action.objects.filter(pk=action.pk).update(deadline_on=deadline)
    action.deadline_on = deadline


def record_first_presentation(letter: Letter, *, presented_on: date, actor: Actor, today: date | None = None) -> Letter:
    """Record the day La Poste first presented a registered letter to the customer (*première présentation*, on the
    tracking page or the *avis de passage*); a formal notice's deadline then runs from it until an acknowledgment
    of receipt is recorded. Raises ``ValidationError`` with a message for a person: not a registered letter, not
    posted yet, already recorded, a date in the future, before the posting or after the acknowledgment."""
    today = today or timezone.localdate()
    with transaction.atomic():
        letter = (
            Letter.objects.select_for_update().select_related("action", "organization", "customer").get(pk=letter.pk)
        )
        if not letter.registered:
            raise ValidationError(_("only a registered letter is presented by La Poste"))
        if letter.posted_on is None:
            raise ValidationError(_("record the posting of this letter before its first presentation"))
        if letter.first_presented_on is not None:
            raise ValidationError(
                _("the first presentation was already recorded (%(day)s)")
                % {"day": letter.first_presented_on.isoformat()}
            )
        if presented_on > today:
            raise ValidationError(
                _("the first presentation date %(day)s is in the future") % {"day": presented_on.isoformat()}
            )
        if presented_on < letter.posted_on:
            raise ValidationError(
                _("the first presentation date %(day)s is before the letter was posted (%(posted)s)")
                % {"day": presented_on.isoformat(), "posted": letter.posted_on.isoformat()}
            )
        if letter.acknowledged_on is not None and presented_on > letter.acknowledged_on:
            raise ValidationError(
                _("the first presentation %(day)s is after the acknowledgment of receipt (%(ack)s)")
                % {"day": presented_on.isoformat(), "ack": letter.acknowledged_on.isoformat()}
            )
        letter.first_presented_on, letter.first_presented_recorded_at = presented_on, timezone.now()
        letter.save(update_fields=["first_presented_on", "first_presented_recorded_at"])
        _refresh_deadline(letter)
        record_event(
            letter.organization,
            letter.customer,
            "letters.presented",
            actor,
            action_id=letter.action_id,
            presented_on=presented_on,
            posted_on=letter.posted_on,
            tracking_number=letter.tracking_number,
            deadline_on=letter.action.deadline_on,
        )
    return letter


def record_acknowledgment(
    letter: Letter,
    *,
    acknowledged_on: date,
    actor: Actor,
    today: date | None = None,
    first_presented_on: date | None = None,
) -> Letter:
    """Record the day the customer signed the acknowledgment of receipt (*avis de réception*) of a registered
    letter, and with ``first_presented_on`` the day La Poste first presented it when not recorded yet. A formal
    notice's deadline then runs from the acknowledgment. Raises ``ValidationError`` with a message for a person:
    not a registered letter, not posted yet, already acknowledged, a date in the future or before the posting."""
    today = today or timezone.localdate()
    if first_presented_on is not None:
        if first_presented_on > acknowledged_on:
            raise ValidationError(
                _("the first presentation %(day)s is after the acknowledgment of receipt (%(ack)s)")
                % {"day": first_presented_on.isoformat(), "ack": acknowledged_on.isoformat()}
            )
        current = Letter.objects.filter(pk=letter.pk).values_list("first_presented_on", flat=True).first()
        if current is None:
            letter = record_first_presentation(letter, presented_on=first_presented_on, actor=actor, today=today)
    with transaction.atomic():
        letter = (
            Letter.objects.select_for_update().select_related("action", "organization", "customer").get(pk=letter.pk)
        )
        if not letter.registered:
            raise ValidationError(_("only a registered letter has an acknowledgment of receipt"))
        if letter.posted_on is None:
            raise ValidationError(_("record the posting of this letter before its acknowledgment of receipt"))
        if letter.acknowledged_on is not None:
            raise ValidationError(
                _("the acknowledgment of receipt was already recorded (%(day)s)")
                % {"day": letter.acknowledged_on.isoformat()}
            )
        if acknowledged_on > today:
            raise ValidationError(
                _("the acknowledgment date %(day)s is in the future") % {"day": acknowledged_on.isoformat()}
            )
        if acknowledged_on < letter.posted_on:
            raise ValidationError(
                _("the acknowledgment date %(day)s is before the letter was posted (%(posted)s)")
                % {"day": acknowledged_on.isoformat(), "posted": letter.posted_on.isoformat()}
            )
        letter.acknowledged_on, letter.acknowledged_recorded_at = acknowledged_on, timezone.now()
        letter.acknowledged_by, letter.acknowledged_by_label = actor.user, actor.label
        letter.save(
            update_fields=[
                "acknowledged_on",
                "acknowledged_recorded_at",
                "acknowledged_by",
                "acknowledged_by_label",
            ]
        )
        if letter.first_presented_on is not None and letter.first_presented_on > acknowledged_on:
            raise ValidationError(
                _("the acknowledgment date %(day)s is before the first presentation (%(presented)s)")
                % {"day": acknowledged_on.isoformat(), "presented": letter.first_presented_on.isoformat()}
            )
        _refresh_deadline(letter)
        record_event(
            letter.organization,
            letter.customer,
            "letters.acknowledged",
            actor,
            action_id=letter.action_id,
            acknowledged_on=acknowledged_on,
            posted_on=letter.posted_on,
            tracking_number=letter.tracking_number,
        )
    return letter


def redraw_unposted(action: Action, *, actor: Actor) -> None:
    """Draw again the letter of ``action``, produced and not posted yet, as it is now (an invoice put on hold since
    is listed apart and no longer demanded): the stored PDF and its SHA-256 are replaced, the timeline says so. A
    posted letter is evidence and is never touched."""
    letter = Letter.objects.select_for_update().filter(action=action, posted_on__isnull=True).first()
    if letter is None:
        return
    action = Action.objects.select_related("organization", "customer").get(pk=action.pk)
    rendered = render_letter(
        action, today=timezone.localdate(letter.produced_at), portal_url=_portal_url(action, actor)
    )
    letter.pdf, letter.pdf_sha256, letter.pages, letter.subject = (
        rendered.pdf,
        rendered.sha256,
        rendered.pages,
        rendered.subject,
    )
    letter.save(update_fields=["pdf", "pdf_sha256", "pages", "subject"])
    Action.objects.filter(pk=action.pk).update(content_sha256=rendered.sha256)
    record_event(
        action.organization,
        action.customer,
        "letters.redrawn",
        actor,
        action_id=action.pk,
        sha256=rendered.sha256,
        pages=rendered.pages,
    )
