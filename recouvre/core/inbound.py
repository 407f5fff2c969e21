"""What arrives in the mailbox that receives replies to reminders: a reply from a customer, or a delivery failure.

``read(raw)`` reads one message (bytes as the IMAP server holds them) without Django:

- a **delivery status notification** (RFC 3464: ``multipart/report; report-type=delivery-status``) whose recipients
  failed for good (``Action: failed``) is a bounce, with the failed addresses, their status (``5.1.1``) and the
  server's diagnostic, and the ``Message-ID`` of the message it returns (from its ``message/rfc822`` or
  ``text/rfc822-headers`` part);
- a message from a mail system (``MAILER-DAEMON``, ``postmaster``...) with a non-delivery subject ("Undelivered
  Mail Returned to Sender", "Delivery Status Notification (Failure)", "Mail delivery failed"...) is a bounce too,
  when it quotes the returned message's ``Message-ID``: the failed address is read from the quoted headers' ``To``;
- a delay notice (``Action: delayed``), an automatic answer (``Auto-Submitted``, an out-of-office) or a message
  that says nothing is ``other``;
- anything else is a reply, answering the messages named by its ``In-Reply-To`` and ``References``.

Only the first ``TEXT_LIMIT`` characters of the text are kept; a message over ``SIZE_LIMIT`` bytes is read from
its headers only."""

from __future__ import annotations

import enum
import re
from dataclasses import dataclass, field
from datetime import datetime
from email import message_from_bytes, policy
from email.message import EmailMessage, Message
from email.utils import getaddresses, parseaddr, parsedate_to_datetime

SIZE_LIMIT = 10 * 1024 * 1024
TEXT_LIMIT = 20_000

_MSGID = re.compile(r"<[^<>\s@]+@[^<>\s]+>")
_DAEMONS = ("mailer-daemon", "postmaster", "mail-daemon", "mailerdaemon", "bounce", "bounces")
_BOUNCE_SUBJECT = re.compile(
    r"undeliver|undelivered|delivery status notification \(failure\)|delivery failure|mail delivery failed|"
    r"returned mail|failure notice|non remis|non distribu|échec de la remise|echec de la remise",
    re.IGNORECASE,
)
_AUTO_SUBJECT = re.compile(r"out of office|automatic reply|auto(matic)?[- ]?reply|absence|réponse automatique", re.I)


class Kind(enum.StrEnum):
    REPLY = "reply"
    BOUNCE = "bounce"
    OTHER = "other"


@dataclass(frozen=True, slots=True)
class Failure:
    address: str
    status: str = ""
    diagnostic: str = ""


@dataclass
class Inbound:
    kind: Kind
    message_id: str
    from_address: str
    from_name: str
    subject: str
    sent_at: datetime | None
    answers: tuple[str, ...] = ()
    """The Message-IDs this message refers to: the one it returns (a bounce), or those it answers (a reply)."""
    failures: tuple[Failure, ...] = ()
    text: str = ""
    truncated: bool = False
    reasons: list[str] = field(default_factory=list)


def _ids(value: str | None) -> list[str]:
    return _MSGID.findall(value or "")


def _header(msg: Message, name: str) -> str:
    value = msg.get(name)
    return " ".join(str(value).split()) if value is not None else ""


def _text_of(msg: Message) -> str:
    """The message's text: its first ``text/plain`` part, else its first ``text/html`` part stripped of tags."""
    plain: str | None = None
    html: str | None = None
    parts = msg.walk() if msg.is_multipart() else iter([msg])
    for part in parts:
        if part.get_content_maintype() == "multipart" or part.get_content_disposition() == "attachment":
            continue
        ctype = part.get_content_type()
        if ctype not in ("text/plain", "text/html"):
            continue
        try:
            content = part.get_content() if isinstance(part, EmailMessage) else part.get_payload(decode=True)
        except (LookupError, ValueError, AssertionError):
            payload = part.get_payload(decode=True)
            content = payload.decode("utf-8", "replace") if isinstance(payload, bytes) else ""
        if isinstance(content, bytes):
            content = content.decode(part.get_content_charset() or "utf-8", "replace")
        if ctype == "text/plain" and plain is None:
            plain = str(content)
        elif ctype == "text/html" and html is None:
            html = re.sub(r"<[^>]*>", " ", str(content))
    return (plain if plain is not None else html or "").replace("\r\n", "\n")


def _status_blocks(msg: Message) -> list[Message]:
    """The per-message and per-recipient field blocks of the ``message/delivery-status`` part."""
    for part in msg.walk():
        if part.get_content_type() == "message/delivery-status":
            payload = part.get_payload()
            if isinstance(payload, list):
                return [p for p in payload if isinstance(p, Message)]
            if isinstance(payload, str):  # some parsers leave it as text: blocks separated by blank lines
                return [message_from_bytes(b.encode(), policy=policy.default) for b in re.split(r"\n\s*\n", payload)]
    return []


def _returned_headers(msg: Message) -> Message | None:
    """The headers of the message a report returns: its ``message/rfc822`` or ``text/rfc822-headers`` part."""
    for part in msg.walk():
        ctype = part.get_content_type()
        if ctype == "message/rfc822":
            payload = part.get_payload()
            if isinstance(payload, list) and payload and isinstance(payload[0], Message):
                return payload[0]
        if ctype == "text/rfc822-headers":
            payload = part.get_payload(decode=True)
            if isinstance(payload, bytes):
                return message_from_bytes(payload, policy=policy.default)
    return None


def _address(value: str) -> str:
    """``rfc822; someone@example.org`` (a DSN's recipient field) as ``someone@example.org``."""
    kind, _sep, rest = value.partition(";")
    address = rest if _sep else kind
    return parseaddr(address.strip())[1].strip().lower()


def _from_daemon(address: str, name: str) -> bool:
    local = address.split("@", 1)[0].lower()
    return local in _DAEMONS or "mailer-daemon" in name.lower() or "mail delivery" in name.lower()


def read(raw: bytes) -> Inbound:
    """One message as the mailbox holds it (see the module description)."""
    truncated = len(raw) > SIZE_LIMIT
    if truncated:
        head, _sep, _body = raw.partition(b"\r\n\r\n") if b"\r\n\r\n" in raw else raw.partition(b"\n\n")
        raw = head + b"\r\n\r\n"
    msg = message_from_bytes(raw, policy=policy.default)
    name, address = parseaddr(_header(msg, "From"))
    address = address.lower()
    subject = _header(msg, "Subject")
    try:
        sent_at = parsedate_to_datetime(_header(msg, "Date")) if msg.get("Date") else None
    except (TypeError, ValueError, IndexError):
        sent_at = None
    message_id = (_ids(_header(msg, "Message-ID")) or [""])[0]
    text = "" if truncated else _text_of(msg)
    is_truncated = truncated or len(text) > TEXT_LIMIT

    def make(
        kind: Kind, answers: tuple[str, ...] = (), failures: tuple[Failure, ...] = (), reason: str = ""
    ) -> Inbound:
        return Inbound(
            kind,
            message_id,
            address,
            name,
            subject,
            sent_at,
            answers,
            failures,
            text[:TEXT_LIMIT],
            is_truncated,
            [reason] if reason else [],
        )

    ctype = msg.get_content_type()
    if ctype == "multipart/report" and str(msg.get_param("report-type", "")).lower() == "delivery-status":
        blocks = _status_blocks(msg)
        failed: list[Failure] = []
        for block in blocks:
            if _header(block, "Action").lower() != "failed":
                continue
            recipient = _header(block, "Final-Recipient") or _header(block, "Original-Recipient")
            if recipient:
                failed.append(
                    Failure(_address(recipient), _header(block, "Status"), _header(block, "Diagnostic-Code")[:500])
                )
        returned = _returned_headers(msg)
        answers = tuple(_ids(_header(returned, "Message-ID"))) if returned is not None else ()
        if not answers:
            answers = tuple(dict.fromkeys(_ids(text)))
        if failed:
            return make(Kind.BOUNCE, answers, tuple(failed))
        return make(Kind.OTHER, answers, reason="delivery report without a failure")
    if _from_daemon(address, name) and _BOUNCE_SUBJECT.search(subject):
        returned = _returned_headers(msg)
        answers = tuple(_ids(_header(returned, "Message-ID"))) if returned is not None else ()
        to = [a.lower() for _n, a in getaddresses([_header(returned, "To")])] if returned is not None else []
        if not answers:  # the returned message quoted in the text
            quoted = re.search(r"^\s*Message-ID:\s*(<[^>\s]+>)", text, re.IGNORECASE | re.MULTILINE)
            answers = (quoted.group(1),) if quoted else ()
            quoted_to = re.search(r"^\s*To:\s*(.+)$", text, re.IGNORECASE | re.MULTILINE)
            to = [a.lower() for _n, a in getaddresses([quoted_to.group(1)])] if quoted_to else []
        if answers:
            diagnostic = " ".join(text.split())[:500]
            failures = tuple(Failure(a, "", diagnostic) for a in to if a)
            return make(Kind.BOUNCE, answers, failures)
        return make(Kind.OTHER, reason="non-delivery notice that names no message")
    auto = _header(msg, "Auto-Submitted").lower()
    if (auto and auto != "no") or _AUTO_SUBJECT.search(subject) or _from_daemon(address, name):
        return make(Kind.OTHER, reason="automatic message")
    answers = tuple(dict.fromkeys(_ids(_header(msg, "In-Reply-To")) + _ids(_header(msg, "References"))))
    return make(Kind.REPLY, answers)
