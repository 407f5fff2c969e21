"""Lifecycle statuses of the French e-invoicing reform (AFNOR XP Z12-012 codes the platforms exchange), and the
files of status messages they come in (CSV or JSON), read into plain values.

A status message names the invoice (its number), the status (a code such as ``207``, or its French name such as
``En litige``), the day, and a reason or free text. ``read_status_file`` reads every message of a file, or refuses
it naming every bad line (``StatusFileRefused``): nothing partial.

What each status does in Recouvre (``EFFECTS``; the service applies them):
- 207 *en litige*: a dispute hold on the invoice;
- 208 *suspendue*: the invoice paused (until 209 *complétée* lifts the pause);
- 210 *refusée*: a dispute hold asking for a credit note or a corrected invoice;
- 211 *paiement transmis*: the invoice held while the payment is looked for ("already paid");
- 213 *rejetée*: the invoice was not validly issued: no dunning and no penalties on it until it is lifted;
- 212 *encaissée* is the seller's own status: Recouvre derives it from the payments matched to the invoice and never
  counts an imported 212 as a payment: it is recorded on the timeline only;
- every other status is recorded on the invoice's timeline.
"""

from __future__ import annotations

import csv
import io
import json
import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from typing import Any

from ..dates import DateError, parse_date
from ..i18n import _, gettext_noop
from .model import EInvoiceError

MAX_STATUS_FILE_BYTES = 20 * 1024 * 1024
MAX_REASON = 500

DISPUTED, SUSPENDED, COMPLETED, REFUSED, PAYMENT_SENT, COLLECTED, REJECTED = 207, 208, 209, 210, 211, 212, 213

# code -> (French name as the platforms write it, English label for the catalogue)
STATUSES: dict[int, tuple[str, str]] = {
    200: ("Déposée", gettext_noop("Submitted")),
    201: ("Émise par la plateforme", gettext_noop("Issued by the platform")),
    202: ("Reçue par la plateforme", gettext_noop("Received by the platform")),
    203: ("Mise à disposition", gettext_noop("Made available to the buyer")),
    204: ("Prise en charge", gettext_noop("Being processed by the buyer")),
    205: ("Approuvée", gettext_noop("Approved")),
    206: ("Approuvée partiellement", gettext_noop("Partly approved")),
    207: ("En litige", gettext_noop("Disputed")),
    208: ("Suspendue", gettext_noop("Suspended")),
    209: ("Complétée", gettext_noop("Completed (information supplied)")),
    210: ("Refusée", gettext_noop("Refused by the buyer")),
    211: ("Paiement transmis", gettext_noop("Payment sent")),
    212: ("Encaissée", gettext_noop("Payment received")),
    213: ("Rejetée", gettext_noop("Rejected by a platform")),
    214: ("Visée", gettext_noop("Endorsed")),
    220: ("Annulée", gettext_noop("Cancelled by the seller")),
    221: ("Erreur de routage", gettext_noop("Routing error")),
}

# code -> what Recouvre does (the other codes are recorded only)
EFFECTS = {
    DISPUTED: "dispute",
    SUSPENDED: "pause",
    COMPLETED: "resume",
    REFUSED: "refused",
    PAYMENT_SENT: "already_paid",
    COLLECTED: "seller_status",
    REJECTED: "rejected",
}


def _plain(text: str) -> str:
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")
    return re.sub(r"[^a-z0-9]+", " ", ascii_text.lower()).strip()


_BY_NAME = {_plain(french): code for code, (french, _english) in STATUSES.items()}


def status_label(code: int) -> str:
    """``207 En litige``-style label in the reader's language (the French name stays the platforms' word)."""
    known = STATUSES.get(code)
    if known is None:
        return _("status %(code)s") % {"code": code}
    return _(known[1])


def french_name(code: int) -> str:
    known = STATUSES.get(code)
    return known[0] if known else str(code)


def effect_of(code: int) -> str:
    return EFFECTS.get(code, "recorded")


@dataclass(frozen=True, slots=True)
class StatusMessage:
    line: int  # the line of the CSV file (header = 1) or the rank of the message in a JSON file
    number: str
    code: int
    on: date
    reason: str


class StatusFileRefused(ValueError):
    """The file is refused; ``errors`` names every bad line (``EInvoiceError`` values)."""

    def __init__(self, errors: list[EInvoiceError]):
        super().__init__("; ".join(e.message for e in errors[:5]))
        self.errors = errors


_FIELDS = {
    "number": ("invoice", "invoice number", "invoice_number", "number", "facture", "numero", "numero facture", "id"),
    "code": ("status", "code", "status code", "statut", "code statut", "status_code", "lifecycle status"),
    "date": ("date", "status date", "date statut", "at", "timestamp", "on", "status_date"),
    "reason": ("reason", "motif", "text", "message", "comment", "commentaire", "libelle", "note", "details"),
}
_HEADERS = {_plain(name): field for field, names in _FIELDS.items() for name in names}


def _code(value: Any, line: int, field: str) -> int:
    text = str(value if value is not None else "").strip()
    if re.fullmatch(r"\d{3}", text):
        code = int(text)
    else:
        plain = _plain(text)
        prefix = re.match(r"(\d{3})\b", plain)
        if prefix is not None:
            code = int(prefix.group(1))
        elif plain in _BY_NAME:
            code = _BY_NAME[plain]
        else:
            raise EInvoiceError(
                line,
                field,
                _("%(text)r is not a lifecycle status (a code such as 207, or En litige)") % {"text": text[:40]},
            )
    if not 200 <= code <= 299:
        raise EInvoiceError(line, field, _("%(code)s is not a lifecycle status code (200 to 299)") % {"code": code})
    return code


def _date(value: Any, line: int, field: str) -> date:
    text = str(value if value is not None else "").strip()
    m = re.match(r"(\d{4}-\d{2}-\d{2})[T ]", text)
    if m is not None:
        text = m.group(1)
    try:
        return parse_date(text)
    except DateError as exc:
        raise EInvoiceError(line, field, str(exc)) from None


def _message(line: int, values: dict[str, Any], names: dict[str, str]) -> StatusMessage:
    number = str(values.get("number") or "").strip()
    if not number:
        raise EInvoiceError(line, names.get("number", "invoice"), _("the invoice number is missing"))
    code = _code(values.get("code"), line, names.get("code", "status"))
    on = _date(values.get("date"), line, names.get("date", "date"))
    reason = " ".join(str(values.get("reason") or "").split())[:MAX_REASON]
    return StatusMessage(line, number[:60], code, on, reason)


def _decode(content: bytes) -> str:
    try:
        return content.decode("utf-8-sig")
    except UnicodeDecodeError:
        return content.decode("cp1252", "replace")


def read_status_file(content: bytes) -> list[StatusMessage]:
    """Every status message of a CSV or JSON file; ``StatusFileRefused`` naming every bad line otherwise."""
    if len(content) > MAX_STATUS_FILE_BYTES:
        raise StatusFileRefused([EInvoiceError(0, "file", _("the file is larger than 20 MB: refused"))])
    text = _decode(content)
    if not text.strip():
        raise StatusFileRefused([EInvoiceError(0, "file", _("the file is empty"))])
    if text.lstrip()[:1] in ("[", "{"):
        return _read_json(text)
    return _read_csv(text)


def _read_json(text: str) -> list[StatusMessage]:
    try:
        data = json.loads(text)
    except (ValueError, RecursionError) as exc:
        raise StatusFileRefused(
            [
                EInvoiceError(
                    getattr(exc, "lineno", 0), "JSON", _("the JSON cannot be read: %(reason)s") % {"reason": exc}
                )
            ]
        ) from None
    if isinstance(data, dict):
        for key in ("statuses", "messages", "events", "items"):
            if isinstance(data.get(key), list):
                data = data[key]
                break
        else:
            data = [data]
    if not isinstance(data, list):
        raise StatusFileRefused([EInvoiceError(0, "JSON", _("expected a list of status messages"))])
    out: list[StatusMessage] = []
    errors: list[EInvoiceError] = []
    for rank, item in enumerate(data, start=1):
        if not isinstance(item, dict):
            errors.append(EInvoiceError(rank, "JSON", _("message %(rank)s is not an object") % {"rank": rank}))
            continue
        values: dict[str, Any] = {}
        names: dict[str, str] = {}
        for key, value in item.items():
            field = _HEADERS.get(_plain(str(key)))
            if field is not None and field not in values:
                values[field], names[field] = value, str(key)
        try:
            out.append(_message(rank, values, names))
        except EInvoiceError as exc:
            errors.append(exc)
    if errors:
        raise StatusFileRefused(errors)
    if not out:
        raise StatusFileRefused([EInvoiceError(0, "JSON", _("the file holds no status message"))])
    return out


def _delimiter(header: str) -> str:
    counts = {d: header.count(d) for d in (";", ",", "\t", "|")}
    best = max(counts, key=lambda d: counts[d])
    return best if counts[best] else ";"


def _read_csv(text: str) -> list[StatusMessage]:
    lines = text.splitlines()
    header_line = next((i for i, line in enumerate(lines) if line.strip()), 0)
    reader = csv.reader(io.StringIO("\n".join(lines[header_line:])), delimiter=_delimiter(lines[header_line]))
    try:
        rows: Iterable[list[str]] = list(reader)
    except csv.Error as exc:
        raise StatusFileRefused(
            [EInvoiceError(0, "CSV", _("the CSV cannot be read: %(reason)s") % {"reason": exc})]
        ) from None
    rows = list(rows)
    header = rows[0] if rows else []
    columns: dict[str, int] = {}
    names: dict[str, str] = {}
    for index, name in enumerate(header):
        field = _HEADERS.get(_plain(name))
        if field is not None and field not in columns:
            columns[field], names[field] = index, name.strip()
    missing = [f for f in ("number", "code", "date") if f not in columns]
    if missing:
        raise StatusFileRefused(
            [
                EInvoiceError(
                    header_line + 1,
                    "header",
                    _(
                        "the header must name the invoice, the status and the date columns "
                        "(e.g. invoice;status;date;reason); missing: %(fields)s"
                    )
                    % {"fields": ", ".join(missing)},
                )
            ]
        )
    out: list[StatusMessage] = []
    errors: list[EInvoiceError] = []
    for offset, row in enumerate(rows[1:], start=2):
        line = header_line + offset
        if not any(cell.strip() for cell in row):
            continue
        values = {field: (row[index] if index < len(row) else "") for field, index in columns.items()}
        try:
            out.append(_message(line, values, names))
        except EInvoiceError as exc:
            errors.append(exc)
    if errors:
        raise StatusFileRefused(errors)
    if not out:
        raise StatusFileRefused([EInvoiceError(header_line + 1, "CSV", _("the file has a header but no status line"))])
    return out
