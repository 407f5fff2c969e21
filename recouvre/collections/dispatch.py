"""Sending the e-mails of the outbox.

``dispatch_due`` takes the ``planned`` e-mail actions that are due (``send_on`` on or before today, no retry time
or a retry time passed) and sends each one:

1. **Claim.** ``UPDATE ... SET state='sending' WHERE id=... AND state='planned'`` (and still due): only the worker
   whose update changed the row sends it, so two workers never send the same action. While an action is ``sending``,
   ``next_attempt_at`` holds the time it was claimed.
2. **Render and send** through Django's default mailer, to the customer's primary (else billing, else first)
   contact with an e-mail address, From the organization (``DEFAULT_FROM_EMAIL`` with the organization's name),
   Reply-To the customer's collector when there is one. The message is built once and the bytes handed to the
   mailer are the bytes stored on the action (``content``) with their SHA-256 (``content_sha256``).
3. **Outcome**, each in its own transaction with a timeline event:
   - accepted: ``sent``, ``sent_at``; event ``collections.email_sent``;
   - temporary failure (SMTP 4xx, connection refused or lost, timeout): back to ``planned``, ``attempts`` + 1,
     ``next_attempt_at`` = now + 5 min, 30 min, 2 h, 12 h; after ``MAX_ATTEMPTS`` attempts: ``failed``;
   - permanent failure (SMTP 5xx, no e-mail address on file, invalid address): ``failed`` with ``last_error``;
     event ``collections.email_failed`` and an ``email_failed`` task for the customer's collector
     (``recouvre.tasks.services.open_email_failed_task``);
   - every invoice of the action paid or put on hold in the meantime: ``cancelled``, nothing sent (an invoice put
     on hold is listed apart and left out of the amount demanded); for the step asking for claimed penalties
     (template ``penalties``), every penalty it asked for paid, waived or put on hold in the meantime.

**A worker that stopped while sending.** The message is built once, before the first attempt, and its bytes (with
their ``Message-ID``) are stored on the action before anything is handed to the SMTP server; every later attempt,
retries included, sends those same bytes. A worker records itself on the action it claims (``claimed_by``: host,
process id and process start time). An action still ``sending`` whose worker is gone (a process of this host that
no longer exists, e.g. killed with ``kill -9``), or claimed more than 15 minutes ago (a worker on another host),
is taken back:

- nothing stored yet: the worker stopped before building the message, so nothing can have left: it is planned
  again as if never claimed;
- message stored: the SMTP server may or may not have accepted it, and nothing here can tell. The same bytes are
  sent again, same ``Message-ID``: mail systems and clients recognise a message they already hold by its
  ``Message-ID``, so the customer sees one message. The timeline says it was sent again after an interruption.

The window in which a message can reach the SMTP server twice is the time between the server's acceptance and
the database commit that follows it: milliseconds.
"""

from __future__ import annotations

import email
import email.policy
import email.utils
import hashlib
import os
import smtplib
import socket
from dataclasses import dataclass, field, replace
from datetime import date, datetime, timedelta
from decimal import Decimal
from email.message import Message
from typing import Any

from django.conf import settings
from django.core.mail import EmailMessage, EmailMultiAlternatives, make_msgid
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from recouvre.core.dunning import PENALTIES
from recouvre.documents.attachments import invoice_attachments
from recouvre.ledger.actors import Actor
from recouvre.ledger.models import Contact, ContactRole, Customer
from recouvre.ledger.selectors import current_items, listed_refs
from recouvre.ledger.services import record_event
from recouvre.organizations.models import Organization
from recouvre.tasks.services import open_email_failed_task

from . import steps
from .held import held_invoices
from .models import Action, ActionState, Channel, CollectionSettings, CustomerCollection
from .penalties import invoice_penalties, shows_penalties
from .rendering import Line, RenderedEmail, render_email, render_penalties_email

BACKOFF = (timedelta(minutes=5), timedelta(minutes=30), timedelta(hours=2), timedelta(hours=12))
MAX_ATTEMPTS = len(BACKOFF) + 1
STALE_AFTER = timedelta(minutes=15)


@dataclass
class DispatchResult:
    sent: int = 0
    retried: int = 0
    failed: int = 0
    cancelled: int = 0
    resumed: int = 0
    errors: list[tuple[int, str]] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return {
            "emails_sent": self.sent,
            "retried": self.retried,
            "failed": self.failed,
            "cancelled": self.cancelled,
            "resumed": self.resumed,
        }


class _Temporary(Exception):
    pass


class _Permanent(Exception):
    pass


class _StoredEmail(EmailMessage):
    """A message already produced: the mailer sends exactly ``raw``, to the envelope recipients given."""

    def __init__(self, raw: bytes, from_email: str, to: list[str]) -> None:
        super().__init__(from_email=from_email, to=to)
        self.raw = raw

    def message(self, *args: Any, **kwargs: Any) -> Any:
        return _RawBytes(self.raw)


class _RawBytes:
    def __init__(self, raw: bytes) -> None:
        self.raw = raw

    def as_bytes(self, *args: Any, **kwargs: Any) -> bytes:
        return self.raw


def _process_start(pid: int) -> str:
    """The start time of process ``pid`` in clock ticks since boot ('' where /proc cannot tell), so that a process
    id reused by a new process is not taken for the worker that claimed an action."""
    try:
        with open(f"/proc/{pid}/stat", "rb") as f:
            stat = f.read()
    except OSError:
        return ""
    return stat.rsplit(b")", 1)[1].split()[19].decode()


def worker_identity() -> str:
    """``host:pid:start``: who claims an action."""
    pid = os.getpid()
    return f"{socket.gethostname()}:{pid}:{_process_start(pid)}"


def _gone(claimed_by: str) -> bool:
    """True when ``claimed_by`` names a process of this host that no longer runs."""
    host, _sep, rest = claimed_by.partition(":")
    pid_text, _sep, start = rest.partition(":")
    if host != socket.gethostname() or not pid_text.isdigit():
        return False
    pid = int(pid_text)
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    except PermissionError:
        return False
    return bool(start) and _process_start(pid) not in ("", start)


class _FrozenEmail(EmailMultiAlternatives):
    """Builds its MIME message once, so the bytes the mailer sends are the bytes stored."""

    _built: Message | None = None

    def message(self, *args: Any, **kwargs: Any) -> Any:
        if self._built is None:
            self._built = super().message(*args, **kwargs)
        return self._built


def _due(organization: Organization | None, now: datetime) -> Q:
    q = Q(
        channel=Channel.EMAIL,
        state=ActionState.PLANNED,
        send_on__lte=timezone.localdate(now),
    ) & (Q(next_attempt_at__isnull=True) | Q(next_attempt_at__lte=now))
    if organization is not None:
        q &= Q(organization=organization)
    return q


def dispatch_due(organization: Organization | None, *, now: datetime, actor: Actor) -> DispatchResult:
    """Send every due e-mail action of ``organization`` (all organizations when ``None``) at ``now``; first mark
    the actions left ``sending`` by a stopped worker (see the module description)."""
    result = DispatchResult()
    _settle_stale(organization, now, actor, result)
    ids = list(Action.objects.filter(_due(organization, now)).order_by("send_on", "id").values_list("id", flat=True))
    me = worker_identity()
    for action_id in ids:
        claimed = Action.objects.filter(_due(organization, now), pk=action_id).update(
            state=ActionState.SENDING, next_attempt_at=now, claimed_by=me
        )
        if claimed:
            _send_one(action_id, now, actor, result)
    return result


def _settle_stale(organization: Organization | None, now: datetime, actor: Actor, result: DispatchResult) -> None:
    """Take back the actions left ``sending`` by a worker that stopped (see the module description): planned again,
    to be claimed by this dispatch; a stored message keeps its bytes and is sent again as it is."""
    sending = Action.objects.filter(state=ActionState.SENDING)
    if organization is not None:
        sending = sending.filter(organization=organization)
    for action in sending.select_related("organization", "customer"):
        claimed_at = action.next_attempt_at
        expired = claimed_at is None or claimed_at < now - STALE_AFTER
        if not expired and not (action.claimed_by and _gone(action.claimed_by)):
            continue  # its worker may still be sending it
        with transaction.atomic():
            if not Action.objects.filter(
                pk=action.pk, state=ActionState.SENDING, claimed_by=action.claimed_by, next_attempt_at=claimed_at
            ).update(state=ActionState.PLANNED, next_attempt_at=None, claimed_by=""):
                continue  # another dispatch took it back first
            if action.content:
                record_event(
                    action.organization,
                    action.customer,
                    "collections.email_resumed",
                    actor,
                    message_id=action.message_id,
                    action_id=action.pk,
                    claimed=timezone.localtime(claimed_at).strftime("%Y-%m-%d %H:%M") if claimed_at else "",
                )
                result.resumed += 1


def recipient(customer: Customer) -> str:
    """The customer's contact address: the primary contact's, else the first billing contact's, else the first
    contact's with an address; empty when none has one."""
    contacts = [c for c in Contact.objects.filter(customer=customer).exclude(email="").order_by("id")]
    for wanted in (
        lambda c: c.is_primary,
        lambda c: c.role == ContactRole.BILLING,
        lambda c: True,
    ):
        for contact in contacts:
            if wanted(contact):
                return str(contact.email)
    return ""


def _lines(action: Action, as_of: date, *, penalties: bool = False) -> list[Line]:
    """The action's invoices still open on ``as_of`` and not on hold then (``held_lines`` lists those apart); with
    ``penalties``, each with its late-payment interest and indemnity to ``as_of`` when the action's step shows them
    (``penalties.shows_penalties``)."""
    return _split_lines(action, as_of, penalties=penalties)[0]


def held_lines(action: Action, as_of: date) -> list[Line]:
    """The action's invoices still open on ``as_of`` that a hold covers then: listed apart, never demanded."""
    return _split_lines(action, as_of)[1]


def _split_lines(action: Action, as_of: date, *, penalties: bool = False) -> tuple[list[Line], list[Line]]:
    current = current_items(action.organization_id, listed_refs(action.lines))
    held = held_invoices(action.organization_id, action.customer_id, {ref[0] for ref in current}, as_of)
    out, apart = [], []
    for item in current.values():
        inv = item.invoice
        line = Line(
            inv.number,
            item.due_on,
            (as_of - item.due_on).days,
            item.open_amount,
            inv.currency,
            instalment=item.position,
            instalments=item.count,
        )
        if inv.pk in held:
            apart.append(replace(line, hold=held[inv.pk]))
        else:
            out.append(line)
    if penalties and out and shows_penalties(action.organization, action.template, action.policy_key, action.step_key):
        by_number = {item.invoice.number: ref[0] for ref, item in current.items() if ref[0] not in held}
        found = invoice_penalties(action.organization, by_number.values(), as_of)
        shown: set[str] = set()  # an invoice's penalties once, on its first line (one instalment of it or itself)
        with_penalties = []
        for ln in out:
            penalty = None if ln.number in shown else found.get(by_number[ln.number])
            shown.add(ln.number)
            with_penalties.append(replace(ln, penalty=penalty))
        out = with_penalties
    return out, apart


def penalties_owed(action: Action, as_of: date) -> list[Any]:
    """For an action of the step asking for claimed penalties (template ``penalties``): the penalties it lists
    still owed on ``as_of`` (``recouvre.penalties.selectors.penalties_due``); none for a consumer."""
    from recouvre.core.lawtexts import for_customer
    from recouvre.penalties.selectors import penalties_due

    if not for_customer(action.customer, "en").penalties:
        return []
    ids = [ln["invoice_id"] for ln in action.lines or [] if ln.get("invoice_id")]
    return penalties_due(action.organization_id, action.customer_id, ids, as_of)


def _anything_owed(action: Action, as_of: date) -> bool:
    if action.template == PENALTIES:
        return bool(penalties_owed(action, as_of))
    return bool(_lines(action, as_of))


def build_email(action: Action, *, now: datetime) -> tuple[_FrozenEmail | None, RenderedEmail | None, str]:
    """The message of ``action`` (``None`` when every invoice was paid since planning, or for the penalties step
    every penalty it asked for is settled) and its recipient."""
    organization, customer = action.organization, action.customer
    to = recipient(customer)
    as_of = timezone.localdate(now)
    if action.template == PENALTIES:
        lines: list[Line] = []
        owed = penalties_owed(action, as_of)
        if not owed:
            return None, None, to
    else:
        lines, held = _split_lines(action, as_of, penalties=True)
        if not lines:
            return None, None, to
    collector = (
        CustomerCollection.objects.filter(customer=customer).select_related("collector").first()
        if action.customer_id
        else None
    )
    user = collector.collector if collector is not None else None
    identity = CollectionSettings.objects.filter(organization=organization).first()
    reply_to = [user.email] if user is not None and user.email else []
    if not reply_to and identity is not None and identity.reply_to:
        reply_to = [identity.reply_to]
    reply_name = (user.get_full_name() or "") if user is not None else ""
    if action.template == PENALTIES:
        rendered = render_penalties_email(
            language=customer.language,
            organization=organization,
            customer=customer,
            rows=owed,
            reply_to_name=reply_name,
        )
        pdfs = None  # the invoices are paid: their PDFs are not sent again
    else:
        rendered = render_email(
            template=action.template,
            language=customer.language,
            organization=organization,
            customer=customer,
            lines=lines,
            unapplied={cur: Decimal(v) for cur, v in (action.unapplied or {}).items()},
            deadline_on=action.deadline_on,
            reply_to_name=reply_name,
            held=held,
            previous=steps.previous_contacts(action),
        )
        # The PDFs on file of the invoices listed, within the size cap; the others are said to be available on
        # request.
        pdfs = invoice_attachments(organization.pk, [ln.number for ln in lines])
        rendered = pdfs.with_note(rendered)
    sender_domain = settings.DEFAULT_FROM_EMAIL.rpartition("@")[2] or None
    message = _FrozenEmail(
        subject=rendered.subject,
        body=rendered.text,
        from_email=_display(
            (identity.from_name if identity is not None else "") or organization.name,
            (identity.from_email if identity is not None else "") or settings.DEFAULT_FROM_EMAIL,
        ),
        to=[to] if to else [],
        reply_to=reply_to,
        headers={
            "Message-ID": make_msgid(domain=sender_domain),
            "Date": email.utils.format_datetime(now),
            "Content-Language": rendered.language,
        },
    )
    message.attach_alternative(rendered.html, "text/html")
    for pdf in pdfs.files if pdfs is not None else ():
        message.attach(pdf.file_name, pdf.content, pdf.content_type)
    return message, rendered, to


def _display(name: str, address: str) -> str:
    return email.utils.formataddr((name, address))


def _send_one(action_id: int, now: datetime, actor: Actor, result: DispatchResult) -> None:
    action = Action.objects.select_related("organization", "customer").get(pk=action_id)
    to = ""
    try:
        if not _anything_owed(action, timezone.localdate(now)):
            _finish_cancelled(action, actor, result)
            return
        if action.content:  # produced by an earlier attempt: the same bytes again
            raw = action.content.encode("utf-8")
            stored = email.message_from_bytes(raw, policy=email.policy.SMTP)
            to = ", ".join(addr for _name, addr in email.utils.getaddresses(stored.get_all("To", [])))
            subject = str(stored.get("Subject", ""))
            envelope_from = email.utils.parseaddr(str(stored.get("From", "")))[1]
            message: EmailMessage = _StoredEmail(raw, envelope_from, [a.strip() for a in to.split(",") if a.strip()])
        else:
            built, rendered, to = build_email(action, now=now)
            if built is None or rendered is None:
                _finish_cancelled(action, actor, result)
                return
            if not to:
                raise _Permanent(_("no e-mail address on file for this customer"))
            try:
                raw = built.message(policy=email.policy.SMTP).as_bytes()
            except ValueError as exc:  # an address or header the e-mail library refuses
                raise _Permanent(_("invalid e-mail address: %(error)s") % {"error": exc}) from exc
            subject = rendered.subject
            # Stored before the first attempt: whatever happens next, this is the one message of this action.
            Action.objects.filter(pk=action.pk, state=ActionState.SENDING).update(
                content=raw.decode("utf-8"),
                content_sha256=hashlib.sha256(raw).hexdigest(),
                message_id=str(built.extra_headers.get("Message-ID", "")),
            )
            message = built
        _deliver(message)
    except _Temporary as exc:
        _finish_temporary(action, now, actor, str(exc), result)
        return
    except _Permanent as exc:
        _finish_failed(action, actor, str(exc), to, result)
        return
    except Exception as exc:  # a bug or a broken template must not leave the action "sending"
        _finish_failed(action, actor, _("could not produce the message: %(error)s") % {"error": exc}, to, result)
        return
    with transaction.atomic():
        Action.objects.filter(pk=action.pk).update(
            state=ActionState.SENT,
            sent_at=now,
            next_attempt_at=None,
            attempts=action.attempts + 1,
            last_error="",
            claimed_by="",
        )
        steps.carried_out([action.pk], timezone.localdate(now))
        record_event(
            action.organization,
            action.customer,
            "collections.email_sent",
            actor,
            to=to,
            subject=subject,
            action_id=action.pk,
            sha256=action.content_sha256 or hashlib.sha256(raw).hexdigest(),
        )
    result.sent += 1


def _deliver(message: EmailMessage) -> None:
    try:
        message.send(using="default")
    except smtplib.SMTPRecipientsRefused as exc:
        codes = [code for code, _msg in exc.recipients.values()]
        text = "; ".join(f"{addr}: {code} {_text(msg)}" for addr, (code, msg) in exc.recipients.items())
        if codes and all(400 <= c < 500 for c in codes):
            raise _Temporary(text) from exc
        raise _Permanent(text) from exc
    except smtplib.SMTPResponseException as exc:
        text = f"{exc.smtp_code} {_text(exc.smtp_error)}"
        if 500 <= exc.smtp_code < 600 and not isinstance(exc, smtplib.SMTPAuthenticationError):
            raise _Permanent(text) from exc
        raise _Temporary(text) from exc
    except ValueError as exc:  # the address is refused before anything is sent
        raise _Permanent(_("invalid e-mail address: %(error)s") % {"error": exc}) from exc
    except (smtplib.SMTPException, OSError) as exc:  # disconnected, refused, timed out
        raise _Temporary(f"{type(exc).__name__}: {exc}") from exc


def _text(value: bytes | str) -> str:
    return value.decode("utf-8", "replace") if isinstance(value, bytes) else str(value)


def _finish_temporary(action: Action, now: datetime, actor: Actor, error: str, result: DispatchResult) -> None:
    attempts = action.attempts + 1
    if attempts >= MAX_ATTEMPTS:
        reason = _("gave up after %(attempts)d attempts: %(error)s") % {"attempts": attempts, "error": error}
        _finish_failed(action, actor, reason, "", result, attempts=attempts)
        return
    Action.objects.filter(pk=action.pk).update(
        state=ActionState.PLANNED,
        attempts=attempts,
        next_attempt_at=now + BACKOFF[attempts - 1],
        last_error=error,
        claimed_by="",
    )
    result.retried += 1


def _finish_failed(
    action: Action,
    actor: Actor,
    reason: str,
    to: str,
    result: DispatchResult,
    *,
    attempts: int | None = None,
) -> None:
    with transaction.atomic():
        Action.objects.filter(pk=action.pk).update(
            state=ActionState.FAILED,
            next_attempt_at=None,
            attempts=attempts if attempts is not None else action.attempts + 1,
            last_error=reason,
            claimed_by="",
        )
        record_event(
            action.organization,
            action.customer,
            "collections.email_failed",
            actor,
            to=to,
            error=reason,
        )
        action.state, action.last_error = ActionState.FAILED, reason
        open_email_failed_task(action, reason=reason, to=to, actor=actor)
    result.failed += 1
    result.errors.append((action.pk, reason))


def _finish_cancelled(action: Action, actor: Actor, result: DispatchResult) -> None:
    with transaction.atomic():
        Action.objects.filter(pk=action.pk).update(state=ActionState.CANCELLED, next_attempt_at=None, claimed_by="")
        data = {"reason": PENALTIES} if action.template == PENALTIES else {}
        record_event(action.organization, action.customer, "collections.email_cancelled", actor, **data)
    result.cancelled += 1
