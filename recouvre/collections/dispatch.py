"""Sending the e-mails of the outbox.

``dispatch_due`` takes the ``planned`` e-mail actions that are due (``send_on`` on or before today, no retry time
or a retry time passed) and sends each one:

1. **Claim.** ``UPDATE ... SET state='sending', claimed_by=<me>, claimed_at=<now>, lease_until=<now + lease>
   WHERE id=... AND state='planned'`` (and still due): only the dispatcher whose update changed the row sends it.
   ``claimed_by`` names the dispatcher: host, process id and start time, and a random token, so two dispatches of
   one process are told apart. Times come from the database's clock, so dispatchers on several hosts agree on
   them. While the dispatcher runs, a thread of its own renews the lease of what it holds every quarter of the
   lease (``RECOUVRE_SEND_LEASE_SECONDS``, 120 s by default), however long the mail server takes.
2. **Render and send** through Django's default mailer, to the customer's primary (else billing, else first)
   contact with an e-mail address, From the organization (``DEFAULT_FROM_EMAIL`` with the organization's name),
   Reply-To the customer's collector when there is one. The message is built once and the bytes handed to the
   mailer are the bytes stored on the action (``content``) with their SHA-256 (``content_sha256``). One
   connection to the mail server serves the whole dispatch; when the server drops it, the message is sent again
   once on a new connection.
3. **Outcome**, each in its own transaction with a timeline event, written only while the action is still this
   dispatcher's (``UPDATE ... WHERE id=... AND state='sending' AND claimed_by=<me>``); a dispatcher that lost its
   claim leaves the action to the one that took it and says so in the log:
   - accepted: ``sent``, ``sent_at``; event ``collections.email_sent``;
   - temporary failure (SMTP 4xx, connection lost twice, no answer in time): back to ``planned``, ``attempts`` + 1,
     ``next_attempt_at`` = now + 5 min, 30 min, 2 h, 12 h; after ``MAX_ATTEMPTS`` attempts: ``failed``;
   - permanent failure (SMTP 5xx, no e-mail address on file, invalid address): ``failed`` with ``last_error``;
     event ``collections.email_failed`` and an ``email_failed`` task for the customer's collector
     (``recouvre.tasks.services.open_email_failed_task``);
   - every invoice of the action paid or put on hold in the meantime: ``cancelled``, nothing sent (an invoice put
     on hold is listed apart and left out of the amount demanded); for the step asking for claimed penalties
     (template ``penalties``), every penalty it asked for paid, waived or put on hold in the meantime.

**The mail server cannot be reached** (connection refused, no answer to the connection within
``RECOUVRE_SMTP_TIMEOUT``, refused login) or **stops answering** in the middle of a message: the dispatch stops at
once, the e-mails stay ``planned`` for the next dispatch (no attempt counted for those never handed over; the
message that was in flight when the server stopped answering counts one), and the result says so
(``smtp_unreachable``, ``waiting_retry``).

**A dispatcher that stopped while sending.** The message is built once, before the first attempt, and its bytes
(with their ``Message-ID``) are stored on the action before anything is handed to the SMTP server; every later
attempt, retries included, sends those same bytes. An action still ``sending`` is taken back when its dispatcher
is gone (a process of this host that no longer runs, e.g. killed with ``kill -9``) or its lease ran out without
renewal (a dispatcher on another host that stopped, or lost the database):

- nothing stored yet: the dispatcher stopped before building the message, so nothing can have left: it is planned
  again as if never claimed;
- message stored: the SMTP server may or may not have accepted it, and nothing here can tell. The same bytes are
  sent again, same ``Message-ID``: mail systems and clients recognise a message they already hold by its
  ``Message-ID``, so the customer sees one message. The timeline says it was sent again after an interruption.

A message reaches the SMTP server twice only when its dispatcher stopped (or froze beyond its lease) between
handing it over and recording the outcome.
"""

from __future__ import annotations

import email
import email.policy
import email.utils
import hashlib
import logging
import os
import secrets
import smtplib
import socket
import threading
from dataclasses import dataclass, field, replace
from datetime import date, datetime, timedelta
from decimal import Decimal
from email.message import Message
from types import TracebackType
from typing import Any

from django.conf import settings
from django.core.mail import EmailMessage, EmailMultiAlternatives, mailers, make_msgid
from django.core.mail.backends.smtp import EmailBackend as SMTPBackend
from django.db import DatabaseError, connections, transaction
from django.db.models import DurationField, Q, Value
from django.db.models.expressions import Combinable
from django.db.models.functions import Now
from django.utils import timezone
from django.utils.translation import gettext as _

from recouvre.core.contacts import choose_contact
from recouvre.core.dunning import PENALTIES
from recouvre.core.headers import one_line
from recouvre.documents.attachments import invoice_attachments
from recouvre.ledger.actors import Actor
from recouvre.ledger.models import Contact, Customer
from recouvre.ledger.selectors import current_items, listed_refs
from recouvre.ledger.services import record_event
from recouvre.organizations.models import Organization
from recouvre.tasks.services import open_email_failed_task

from . import steps
from .held import held_invoices
from .models import Action, ActionState, Channel, CollectionSettings, CustomerCollection
from .penalties import invoice_penalties, shows_penalties
from .rendering import PORTAL_PREVIEW, Line, RenderedEmail, render_email, render_penalties_email

log = logging.getLogger(__name__)
# The mail server could not be used: said in the log for the scheduler and the worker; `recouvre run` and
# `recouvre dispatch` say it themselves and silence this one.
OUTAGE_LOG = f"{__name__}.outage"
outage_log = logging.getLogger(OUTAGE_LOG)

BACKOFF = (timedelta(minutes=5), timedelta(minutes=30), timedelta(hours=2), timedelta(hours=12))
MAX_ATTEMPTS = len(BACKOFF) + 1
RENEWALS_PER_LEASE = 4


@dataclass
class DispatchResult:
    """What a dispatch did. ``waiting_retry``: the due e-mails still ``planned`` once it is over (a retry time not
    reached yet, or left queued because the mail server could not be reached); ``smtp_unreachable``: the mail
    server could not be reached or stopped answering, and the dispatch stopped (``smtp_error`` says why);
    ``lost``: actions another dispatcher took over while this one was sending them (left to it)."""

    sent: int = 0
    retried: int = 0
    failed: int = 0
    cancelled: int = 0
    resumed: int = 0
    waiting_retry: int = 0
    smtp_unreachable: bool = False
    smtp_error: str = ""
    lost: int = 0
    errors: list[tuple[int, str]] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return {
            "emails_sent": self.sent,
            "retried": self.retried,
            "failed": self.failed,
            "cancelled": self.cancelled,
            "resumed": self.resumed,
            "waiting_retry": self.waiting_retry,
            "smtp_unreachable": self.smtp_unreachable,
            "smtp_error": self.smtp_error or None,
        }


class _Temporary(Exception):
    def __init__(self, text: str, *, unresponsive: bool = False) -> None:
        super().__init__(text)
        self.unresponsive = unresponsive  # the server stopped answering: the dispatch stops


class _Permanent(Exception):
    pass


class _Unreachable(Exception):
    """The mail server could not be reached: nothing was handed to it."""


class _Lost(Exception):
    """The action is no longer this dispatcher's: another one took it over."""


class _StopDispatch(Exception):
    """The mail server cannot be used now: the e-mails not sent stay queued for the next dispatch."""


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


# --------------------------------------------------------------------------------------------- claims

_HOST_LENGTH = 80  # claimed_by holds 120 characters: host, process id, start time, token


def _host() -> str:
    return socket.gethostname()[:_HOST_LENGTH]


def _process(pid: int) -> tuple[str, str] | None:
    """The state letter and the start time (clock ticks since boot) of process ``pid``, from /proc; None where
    /proc cannot tell. The start time tells a process id reused by a new process from the one that claimed."""
    try:
        with open(f"/proc/{pid}/stat", "rb") as f:
            stat = f.read()
    except OSError:
        return None
    fields = stat.rsplit(b")", 1)[1].split()
    return fields[0].decode(), fields[19].decode()


def claimant_id() -> str:
    """``host:pid:start:token``: a dispatcher, as recorded on the actions it claims. A new token each call, so two
    dispatches of one process (threads) are two claimants."""
    pid = os.getpid()
    process = _process(pid)
    return f"{_host()}:{pid}:{process[1] if process else ''}:{secrets.token_hex(4)}"


def _gone(claimed_by: str) -> bool:
    """True when ``claimed_by`` names a process of this host that no longer runs (ended, or ended and not yet
    reaped by its parent)."""
    parts = claimed_by.rsplit(":", 3)
    if len(parts) == 3:  # host:pid:start, recorded before claims had a token
        parts.append("")
    if len(parts) != 4:
        return False
    host, pid_text, start, _token = parts
    if host != _host() or not pid_text.isdigit():
        return False
    pid = int(pid_text)
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    except PermissionError:
        pass  # a process of another user: look at /proc
    process = _process(pid)
    if process is None:
        return False
    state, started = process
    return state == "Z" or bool(start) and started != start


def _lease() -> timedelta:
    return timedelta(seconds=float(getattr(settings, "RECOUVRE_SEND_LEASE_SECONDS", 120)))


def _lease_end() -> Combinable:
    """The end of a claim made or renewed now, by the database's clock."""
    return Now() + Value(_lease(), output_field=DurationField())


def _mine(action_id: int, me: str) -> Any:
    return Action.objects.filter(pk=action_id, state=ActionState.SENDING, claimed_by=me)


_RELEASED = {"claimed_by": "", "claimed_at": None, "lease_until": None}


class _Renewals:
    """While a dispatch runs, a thread renews the lease of every action it holds, every quarter of the lease, on
    a database connection of its own, so a slow mail server never lets the claim run out."""

    def __init__(self, me: str) -> None:
        self.me = me
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self._run, name="recouvre-claims", daemon=True)

    def __enter__(self) -> _Renewals:
        self.thread.start()
        return self

    def __exit__(self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None) -> None:
        self.stop.set()
        self.thread.join()

    def _run(self) -> None:
        try:
            while not self.stop.wait(_lease().total_seconds() / RENEWALS_PER_LEASE):
                try:
                    Action.objects.filter(state=ActionState.SENDING, claimed_by=self.me).update(
                        lease_until=_lease_end()
                    )
                except DatabaseError as exc:
                    log.warning("dispatcher %s could not renew its claims: %s", self.me, exc)
        finally:
            connections.close_all()  # this thread's own connections


# --------------------------------------------------------------------------------------------- mail server


class _Mailer:
    """The dispatch's mailer: for an SMTP server, one connection for the whole dispatch, opened when the first
    message is ready; other mailers (files, console) are used as they are."""

    def __init__(self) -> None:
        self.backend: Any = None

    def open(self) -> None:
        try:
            if self.backend is None:
                self.backend = mailers["default"]
            if isinstance(self.backend, SMTPBackend) and self.backend.connection is None:
                self.backend.open()
        except Exception as exc:  # refused, no answer in time, TLS or login refused, a mailer set up wrong
            self.close()
            raise _Unreachable(self.describe(exc)) from exc

    def reopen(self) -> None:
        self.close()
        self.open()

    def close(self) -> None:
        if self.backend is not None and isinstance(self.backend, SMTPBackend):
            try:
                self.backend.close()
            except (smtplib.SMTPException, OSError):
                self.backend.connection = None

    def send(self, message: EmailMessage) -> None:
        self.open()
        try:
            self.backend.send_messages([message])
        except (smtplib.SMTPServerDisconnected, ConnectionError) as exc:
            if _timed_out(exc):
                raise
            # The server dropped the connection (closed an idle one, restarted): once more on a new one.
            self.reopen()
            self.backend.send_messages([message])

    def describe(self, exc: BaseException) -> str:
        """What went wrong, with the server's address: ``host:port: ConnectionRefusedError: ...``, or ``host:port:
        no answer within 20 s`` for a timeout."""
        smtp = isinstance(self.backend, SMTPBackend)
        where = f"{self.backend.host}:{self.backend.port}: " if smtp else ""
        if _timed_out(exc):
            timeout = getattr(self.backend, "timeout", None)
            if timeout is not None:
                return where + _("no answer within %(seconds)s s") % {"seconds": f"{float(timeout):g}"}
            return where + _("no answer in time")
        return f"{where}{type(exc).__name__}: {exc}"


def _timed_out(exc: BaseException) -> bool:
    seen: BaseException | None = exc
    for _depth in range(6):
        if seen is None:
            return False
        if isinstance(seen, TimeoutError):
            return True
        seen = seen.__cause__ or seen.__context__
    return False


class _FrozenEmail(EmailMultiAlternatives):
    """Builds its MIME message once, so the bytes the mailer sends are the bytes stored."""

    _built: Message | None = None

    def message(self, *args: Any, **kwargs: Any) -> Any:
        if self._built is None:
            self._built = super().message(*args, **kwargs)
        return self._built


# --------------------------------------------------------------------------------------------- the dispatch


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
    """Send every due e-mail action of ``organization`` (all organizations when ``None``) at ``now``; first take
    back the actions left ``sending`` by a dispatcher that stopped (see the module description)."""
    result = DispatchResult()
    _settle_stale(organization, actor, result)
    ids = list(Action.objects.filter(_due(organization, now)).order_by("send_on", "id").values_list("id", flat=True))
    if ids:
        me = claimant_id()
        mailer = _Mailer()
        try:
            with _Renewals(me):
                for action_id in ids:
                    claimed = Action.objects.filter(_due(organization, now), pk=action_id).update(
                        state=ActionState.SENDING, claimed_by=me, claimed_at=Now(), lease_until=_lease_end()
                    )
                    if claimed:
                        _send_one(action_id, now, actor, result, me, mailer)
        except _StopDispatch as exc:
            result.smtp_unreachable, result.smtp_error = True, str(exc)
        finally:
            mailer.close()
    waiting = Action.objects.filter(
        channel=Channel.EMAIL, state=ActionState.PLANNED, send_on__lte=timezone.localdate(now)
    )
    if organization is not None:
        waiting = waiting.filter(organization=organization)
    result.waiting_retry = waiting.count()
    if result.smtp_unreachable:
        outage_log.warning(
            "mail server unusable (%s): dispatch stopped, %d e-mails wait for the next one",
            result.smtp_error,
            result.waiting_retry,
        )
    return result


def _settle_stale(organization: Organization | None, actor: Actor, result: DispatchResult) -> None:
    """Take back the actions left ``sending`` by a dispatcher that is gone or whose lease ran out (see the module
    description): planned again, to be claimed by this dispatch; a stored message keeps its bytes and is sent
    again as it is."""
    sending = Action.objects.filter(state=ActionState.SENDING)
    if organization is not None:
        sending = sending.filter(organization=organization)
    for action in sending.select_related("organization", "customer"):
        taken = Action.objects.filter(pk=action.pk, state=ActionState.SENDING, claimed_by=action.claimed_by)
        if not (action.claimed_by and _gone(action.claimed_by)):
            # its dispatcher may still be sending it: only when the lease ran out, by the database's clock
            taken = taken.filter(Q(lease_until__isnull=True) | Q(lease_until__lt=Now()))
        with transaction.atomic():
            if not taken.update(state=ActionState.PLANNED, next_attempt_at=None, **_RELEASED):
                continue  # still held, or another dispatch took it back first
            log.info("action %d taken back from %s", action.pk, action.claimed_by or "nobody")
            if action.content:
                claimed_at = action.claimed_at or action.next_attempt_at
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
    contact's with an address; empty when none has one. An address that bounced is left out until changed."""
    contacts = Contact.objects.filter(customer=customer, email_bounced_at__isnull=True).exclude(email="")
    chosen = choose_contact(contacts.only("id", "is_primary", "role", "email"))
    return str(chosen.email) if chosen else ""


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


def build_email(
    action: Action, *, now: datetime, sending: Actor | None = None
) -> tuple[_FrozenEmail | None, RenderedEmail | None, str]:
    """The message of ``action`` (``None`` when every invoice was paid since planning, or for the penalties step
    every penalty it asked for is settled) and its recipient. ``sending``: the message is built to be sent, by
    this actor: it carries the customer's link to the portal (reused or issued now,
    ``recouvre.portal.links.document_link``); without it, a preview: the place of the link is shown, none is
    created."""
    from recouvre.portal.links import carries_links, document_link

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
    if sending is not None and customer is not None:
        portal_url = document_link(customer, actor=sending, now=now)
    else:
        portal_url = PORTAL_PREVIEW if carries_links(organization) else ""
    if action.template == PENALTIES:
        rendered = render_penalties_email(
            language=customer.language,
            organization=organization,
            customer=customer,
            rows=owed,
            reply_to_name=reply_name,
            portal_url=portal_url,
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
            portal_url=portal_url,
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
    """``Name <address>``. A name holding line breaks or control characters (stored before the sender name was
    checked where it is typed) is sent on one line, each run of them made one space, rather than fail every message
    of the organization: it is the organization's own name, and nothing of it can reach another header."""
    clean = one_line(name)
    if clean != name:
        log.warning("sender name %r holds line breaks or control characters: sent as %r", name, clean)
    return email.utils.formataddr((clean, address))


def _send_one(action_id: int, now: datetime, actor: Actor, result: DispatchResult, me: str, mailer: _Mailer) -> None:
    """Send the action ``me`` has just claimed; raises ``_StopDispatch`` when the mail server cannot be used."""
    action = Action.objects.select_related("organization", "customer").get(pk=action_id)
    to = ""
    try:
        if not _anything_owed(action, timezone.localdate(now)):
            _finish_cancelled(action, actor, result, me)
            return
        if action.content:  # produced by an earlier attempt: the same bytes again
            raw = action.content.encode("utf-8")
            stored = email.message_from_bytes(raw, policy=email.policy.SMTP)
            to = ", ".join(addr for _name, addr in email.utils.getaddresses(stored.get_all("To", [])))
            subject = str(stored.get("Subject", ""))
            envelope_from = email.utils.parseaddr(str(stored.get("From", "")))[1]
            message: EmailMessage = _StoredEmail(raw, envelope_from, [a.strip() for a in to.split(",") if a.strip()])
            if not _mine(action.pk, me).exists():
                raise _Lost
        else:
            built, rendered, to = build_email(action, now=now, sending=actor)
            if built is None or rendered is None:
                _finish_cancelled(action, actor, result, me)
                return
            if not to:
                raise _Permanent(_("no e-mail address on file for this customer"))
            try:
                raw = built.message(policy=email.policy.SMTP).as_bytes()
            except ValueError as exc:  # an address or header the e-mail library refuses
                raise _Permanent(_("invalid e-mail address: %(error)s") % {"error": exc}) from exc
            subject = rendered.subject
            # Stored before the first attempt, once: whatever happens next, this is the one message of this action.
            action.content_sha256 = hashlib.sha256(raw).hexdigest()
            if (
                not _mine(action.pk, me)
                .filter(content="")
                .update(
                    content=raw.decode("utf-8"),
                    content_sha256=action.content_sha256,
                    message_id=str(built.extra_headers.get("Message-ID", "")),
                )
            ):
                raise _Lost
            message = built
        _deliver(mailer, message)
    except _Lost:
        _lost(action, me, result)
        return
    except _Unreachable as exc:
        # Nothing was handed over: the action goes back to the queue as it was, no attempt counted.
        _mine(action.pk, me).update(state=ActionState.PLANNED, last_error=str(exc), **_RELEASED)
        raise _StopDispatch(str(exc)) from exc
    except _Temporary as exc:
        _finish_temporary(action, now, actor, str(exc), result, me)
        if exc.unresponsive:
            raise _StopDispatch(str(exc)) from exc
        return
    except _Permanent as exc:
        _finish_failed(action, actor, str(exc), to, result, me)
        return
    except Exception as exc:  # a bug or a broken template must not leave the action "sending"
        error = _("could not produce the message: %(error)s") % {"error": exc}
        _finish_failed(action, actor, error, to, result, me)
        return
    with transaction.atomic():
        if not _mine(action.pk, me).update(
            state=ActionState.SENT,
            sent_at=now,
            next_attempt_at=None,
            attempts=action.attempts + 1,
            last_error="",
            **_RELEASED,
        ):
            _lost(action, me, result)
            return
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


def _lost(action: Action, me: str, result: DispatchResult) -> None:
    """The action was taken over by another dispatcher while ``me`` worked on it: its outcome is the other's."""
    holder = Action.objects.filter(pk=action.pk).values_list("state", "claimed_by").first()
    log.warning(
        "action %d is no longer claimed by %s (now %s by %s): its outcome is left to the dispatcher that took it",
        action.pk,
        me,
        holder[0] if holder else "deleted",
        (holder[1] or "nobody") if holder else "nobody",
    )
    result.lost += 1


def _deliver(mailer: _Mailer, message: EmailMessage) -> None:
    try:
        mailer.send(message)
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
    except (smtplib.SMTPException, OSError) as exc:  # disconnected twice, or no answer in time
        text = mailer.describe(exc)
        mailer.close()  # in an unknown state: the next message opens a new connection
        raise _Temporary(text, unresponsive=_timed_out(exc)) from exc


def _text(value: bytes | str) -> str:
    return value.decode("utf-8", "replace") if isinstance(value, bytes) else str(value)


def _finish_temporary(action: Action, now: datetime, actor: Actor, error: str, result: DispatchResult, me: str) -> None:
    attempts = action.attempts + 1
    if attempts >= MAX_ATTEMPTS:
        reason = _("gave up after %(attempts)d attempts: %(error)s") % {"attempts": attempts, "error": error}
        _finish_failed(action, actor, reason, "", result, me, attempts=attempts)
        return
    if not _mine(action.pk, me).update(
        state=ActionState.PLANNED,
        attempts=attempts,
        next_attempt_at=now + BACKOFF[attempts - 1],
        last_error=error,
        **_RELEASED,
    ):
        _lost(action, me, result)
        return
    result.retried += 1


def _finish_failed(
    action: Action,
    actor: Actor,
    reason: str,
    to: str,
    result: DispatchResult,
    me: str,
    *,
    attempts: int | None = None,
) -> None:
    with transaction.atomic():
        if not _mine(action.pk, me).update(
            state=ActionState.FAILED,
            next_attempt_at=None,
            attempts=attempts if attempts is not None else action.attempts + 1,
            last_error=reason,
            **_RELEASED,
        ):
            _lost(action, me, result)
            return
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


def _finish_cancelled(action: Action, actor: Actor, result: DispatchResult, me: str) -> None:
    with transaction.atomic():
        if not _mine(action.pk, me).update(state=ActionState.CANCELLED, next_attempt_at=None, **_RELEASED):
            _lost(action, me, result)
            return
        data = {"reason": PENALTIES} if action.template == PENALTIES else {}
        record_event(action.organization, action.customer, "collections.email_cancelled", actor, **data)
    result.cancelled += 1
