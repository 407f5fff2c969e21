"""Reading the mailbox of replies over IMAP (``RECOUVRE_IMAP_URL``): the messages not yet seen, oldest first, at most
``BATCH`` a pass, each taken by ``services.take`` then flagged ``\\Seen``. A message already taken is recognised by
its fingerprint, so a pass interrupted half-way and run again does each message once.

``imaps://`` connects with TLS (port 993 by default); ``imap://`` without TLS is refused except to a server on this
machine (``127.0.0.1``, ``::1``, ``localhost``). The password may be percent-encoded in the URL."""

from __future__ import annotations

import imaplib
import logging
import ssl
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import unquote, urlsplit

from django.conf import settings
from django.utils.translation import gettext as _

from recouvre.ledger.actors import Actor

from .services import Taken, take

log = logging.getLogger("recouvre.mailbox")
BATCH = 500
LOOPBACK = ("127.0.0.1", "::1", "localhost")


class MailboxError(Exception):
    """The mailbox could not be reached or read: nothing was taken from it."""


class MailboxSettingError(ValueError):
    """``RECOUVRE_IMAP_URL`` does not say how to reach a mailbox."""


@dataclass(frozen=True)
class Mailbox:
    tls: bool
    host: str
    port: int
    user: str
    password: str
    folder: str


@dataclass
class FetchResult:
    read: int = 0
    taken: list[Taken] = field(default_factory=list)

    def count(self, outcome: str) -> int:
        return sum(1 for t in self.taken if t.outcome == outcome)

    def as_dict(self) -> dict[str, Any]:
        return {
            "read": self.read,
            "bounces": self.count("bounce_recorded"),
            "replies": self.count("reply_recorded"),
            "not_matched": self.count("not_matched"),
            "ignored": self.count("ignored"),
            "already_read": self.count("already_read"),
            "messages": [t.as_dict() for t in self.taken],
        }


def parse_url(url: str) -> Mailbox:
    parts = urlsplit(url.strip())
    if parts.scheme not in ("imap", "imaps") or not parts.hostname:
        raise MailboxSettingError(_("RECOUVRE_IMAP_URL must read imaps://user:password@host/FOLDER"))
    if parts.scheme == "imap" and parts.hostname not in LOOPBACK:
        raise MailboxSettingError(_("RECOUVRE_IMAP_URL: imap:// without TLS is only for a server on this machine"))
    if not parts.username:
        raise MailboxSettingError(_("RECOUVRE_IMAP_URL names no user"))
    tls = parts.scheme == "imaps"
    try:
        port = parts.port or (993 if tls else 143)
    except ValueError as exc:
        raise MailboxSettingError(_("RECOUVRE_IMAP_URL: the port is not a number")) from exc
    folder = unquote(parts.path.lstrip("/")) or "INBOX"
    return Mailbox(tls, parts.hostname, port, unquote(parts.username), unquote(parts.password or ""), folder)


def _quoted(folder: str) -> str:
    return '"' + folder.replace("\\", "\\\\").replace('"', '\\"') + '"'


def fetch(*, actor: Actor, url: str | None = None, timeout: float | None = None, limit: int = BATCH) -> FetchResult:
    """One pass over the mailbox (see the module description)."""
    box = parse_url(url if url is not None else settings.RECOUVRE_IMAP_URL)
    timeout = timeout if timeout is not None else settings.RECOUVRE_IMAP_TIMEOUT
    result = FetchResult()
    try:
        client: imaplib.IMAP4
        if box.tls:
            client = imaplib.IMAP4_SSL(box.host, box.port, ssl_context=ssl.create_default_context(), timeout=timeout)
        else:
            client = imaplib.IMAP4(box.host, box.port, timeout=timeout)
        try:
            client.login(box.user, box.password)
            status, _data = client.select(_quoted(box.folder))
            if status != "OK":
                raise MailboxError(_("the folder %(folder)s cannot be opened") % {"folder": box.folder})
            status, data = client.uid("SEARCH", "UNSEEN")
            if status != "OK":
                raise MailboxError(_("the mailbox could not be searched"))
            uids = (data[0] or b"").split()[:limit]
            for uid in uids:
                status, parts = client.uid("FETCH", uid, "(BODY.PEEK[])")
                raw = next((p[1] for p in parts if isinstance(p, tuple) and len(p) > 1), None)
                if status != "OK" or not isinstance(raw, bytes):
                    continue
                result.read += 1
                result.taken.append(take(raw, actor=actor))
                client.uid("STORE", uid, "+FLAGS", "(\\Seen)")
        finally:
            try:
                client.logout()
            except (imaplib.IMAP4.error, OSError):
                pass
    except (TimeoutError, imaplib.IMAP4.error, OSError, ssl.SSLError) as exc:
        log.warning("mailbox %s:%s not read: %s", box.host, box.port, exc)
        raise MailboxError(str(exc) or exc.__class__.__name__) from exc
    return result
