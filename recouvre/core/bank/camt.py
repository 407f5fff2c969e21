"""ISO 20022 camt.053 (bank to customer statement) and camt.054 (debit/credit notification), versions 001.02 to
001.08 (other versions are read too, with a warning).

Safety: a document that declares a DTD or entities (``<!DOCTYPE``, ``<!ENTITY``) is refused before it is parsed;
the parser (lxml, libxml2) is also told never to load a DTD, resolve an entity or reach the network, and keeps
libxml2's limits (elements nested at most 256 deep, text nodes of at most 10 MB): no external entity, no entity
expansion ("billion laughs"). Entries are read one by one as the document streams in and then dropped, so memory
stays proportionate to one entry, not to the file.

Read per statement (``<Stmt>``, or ``<Ntfctn>`` in a camt.054): ``Id``, ``LglSeqNb`` (else ``ElctrncSeqNb``),
the account (``Acct/Id/IBAN`` or ``Othr/Id``, ``Acct/Ccy``), the opening balance (``OPBD``, else ``PRCD``) and the
closing balance (``CLBD``); per entry (``<Ntry>``, booked ones only: ``Sts`` ``BOOK`` or absent): amount and
``CdtDbtInd``, booking and value dates (``Dt`` or ``DtTm``), ``AcctSvcrRef``, the bank transaction code,
``AddtlNtryInf``, and each ``TxDtls``: references (``EndToEndId``, ``AcctSvcrRef``, ``MndtId``...), amount, related
parties (the debtor of a credit, the creditor of a debit), remittance information (``Ustrd``; ``Strd`` with
``CdtrRefInf/Ref``, ``RfrdDocInf/Nb``, ``AddtlRmtInf``), ``AddtlTxInf``, the return reason.
"""

from __future__ import annotations

import codecs
import io
import re
from collections import deque
from collections.abc import Mapping
from datetime import date
from decimal import Decimal
from typing import Any

from lxml import etree  # type: ignore[import-untyped]

from ..i18n import _, ngettext
from .common import StatementDraft, account_text, decode, finish, join_text
from .model import CAMT053, CAMT054, BankFileError, BankWarning, ParsedDetail, ParsedEntry, ParsedFile, ParsedStatement

Element = Any  # an lxml element (lxml has no type information)

_NAMESPACE = re.compile(r"urn:iso:std:iso:20022:tech:xsd:(camt\.\d{3})\.001\.(\d{2})")
_FORBIDDEN = re.compile(rb"<!\s*(DOCTYPE|ENTITY)", re.IGNORECASE)
_AMOUNT = re.compile(r"\d{1,18}(\.\d{1,5})?", re.ASCII)
_DATE = re.compile(r"(\d{4})-(\d{2})-(\d{2})", re.ASCII)
_POSITION = re.compile(r",\s*line \d+, column \d+\s*$")
TESTED_VERSIONS = range(2, 9)
_NOT_PROVIDED = {"NOTPROVIDED", "NONREF"}
#: Elements whose content is never read (addresses, agents, charges...): not laid flat, which saves time.
_UNREAD = frozenset(
    ("PstlAdr", "RltdAgts", "RltdDts", "RltdPric", "RltdQties", "Chrgs", "Tax", "FinInstrmId", "CardTx", "SplmtryData")
)
_MESSAGES = {"BkToCstmrStmt": (CAMT053, "Stmt"), "BkToCstmrDbtCdtNtfctn": (CAMT054, "Ntfctn")}


def looks_like(head: str) -> str:
    """``camt.053`` or ``camt.054`` when the start of the text shows that message (namespace or root element)."""
    m = _NAMESPACE.search(head)
    if m is not None and m.group(1) in (CAMT053, CAMT054):
        return m.group(1)
    if "<BkToCstmrStmt" in head:
        return CAMT053
    if "<BkToCstmrDbtCdtNtfctn" in head:
        return CAMT054
    return ""


def refuse_dtd(content: bytes) -> None:
    """Refuses a document that declares a DTD or entities (looked for in the text, UTF-16 included)."""
    text = content
    if content.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        text = decode(content).encode("utf-8", "replace")
    elif content.startswith((b"<\x00", b"\x00<")):  # UTF-16 without its mark
        encoding = "utf-16-le" if content.startswith(b"<") else "utf-16-be"
        text = content.decode(encoding, "replace").encode("utf-8", "replace")
    forbidden = _FORBIDDEN.search(text)
    if forbidden is not None:
        line = text.count(b"\n", 0, forbidden.start()) + 1
        raise BankFileError(
            line, _("the file declares a DTD or entities (<!DOCTYPE>, <!ENTITY>): refused, a bank statement has none")
        )


def _local(tag: object) -> str:
    return tag.rsplit("}", 1)[-1] if isinstance(tag, str) else ""


Flat = dict[str, list[Element]]


class _Reader:
    """Reads elements of one namespace: each entry (and each of its transactions) is first laid flat, every
    element under it by its path of local names (``RltdPties/Dbtr/Nm``), in document order."""

    def __init__(self, ns: str):
        self.ns = ns
        self.nslen = len(ns)

    def flatten(self, node: Element, stop: str = "") -> Flat:
        """The elements under ``node`` by path; under an element whose path is ``stop``, nothing is read."""
        out: Flat = {}
        ns, nslen = self.ns, self.nslen
        queue: deque[tuple[Element, str]] = deque([(node, "")])
        while queue:
            parent, prefix = queue.popleft()
            for child in parent:
                tag = child.tag
                if not isinstance(tag, str) or not tag.startswith(ns):  # an entity reference, another namespace
                    continue
                path = prefix + tag[nslen:]
                bucket = out.get(path)
                if bucket is None:
                    out[path] = [child]
                else:
                    bucket.append(child)
                if path != stop and len(child) and tag[nslen:] not in _UNREAD:
                    queue.append((child, path + "/"))
        return out

    @staticmethod
    def text(flat: Flat, path: str) -> str:
        found = flat.get(path)
        if not found:
            return ""
        value = found[0].text
        return " ".join(value.split()) if value else ""

    @staticmethod
    def texts(flat: Flat, path: str) -> list[str]:
        return [" ".join(n.text.split()) for n in flat.get(path, ()) if n.text and not n.text.isspace()]

    @staticmethod
    def amount(node: Element | None, line: int) -> tuple[Decimal, str]:
        if node is None:
            raise BankFileError(line, _("an amount (Amt) is missing"))
        text = (node.text or "").strip()
        if not _AMOUNT.fullmatch(text):
            raise BankFileError(
                line, _("%(text)r is not an amount (digits, a dot, up to 5 decimals)") % {"text": text[:40]}
            )
        currency = (node.get("Ccy") or "").strip().upper()
        if len(currency) != 3 or not currency.isalpha() or not currency.isascii():
            raise BankFileError(line, _("the amount %(text)s has no valid currency (Ccy)") % {"text": text})
        return Decimal(text), currency

    @staticmethod
    def sign(indicator: str, line: int) -> int:
        if indicator == "CRDT":
            return 1
        if indicator == "DBIT":
            return -1
        raise BankFileError(
            line, _("the credit/debit indicator %(text)r is neither CRDT nor DBIT") % {"text": indicator[:40]}
        )

    def date(self, flat: Flat, path: str, line: int) -> date | None:
        """``path/Dt``, or the date of ``path/DtTm``."""
        text = self.text(flat, path + "/Dt") or self.text(flat, path + "/DtTm")
        if not text:
            return None
        m = _DATE.match(text)
        if m is not None:
            try:
                return date(int(m.group(1)), int(m.group(2)), int(m.group(3)))
            except ValueError:
                pass
        raise BankFileError(line, _("%(text)r is not a date (YYYY-MM-DD)") % {"text": text[:40]})

    def detail(self, tx: Flat, p: str, entry_sign: int, entry_currency: str, line: int) -> ParsedDetail:
        """A ``TxDtls``, its elements in ``tx`` under the path prefix ``p``."""
        text = self.text
        found = tx.get(p + "Amt") or tx.get(p + "AmtDtls/TxAmt/Amt") or tx.get(p + "AmtDtls/InstdAmt/Amt")
        amount: Decimal | None = None
        currency = entry_currency
        if found:
            amount, currency = self.amount(found[0], line)
            indicator = text(tx, p + "CdtDbtInd")
            sign = self.sign(indicator, line) if indicator else entry_sign
            if sign < 0:
                amount = amount.copy_negate()
        credit = entry_sign > 0 if amount is None else not amount.is_signed()
        party = "Dbtr" if credit else "Cdtr"
        name = text(tx, p + f"RltdPties/{party}/Nm") or text(tx, p + f"RltdPties/{party}/Pty/Nm")
        iban = account_text(text(tx, p + f"RltdPties/{party}Acct/Id/IBAN"))
        other_account = text(tx, p + f"RltdPties/{party}Acct/Id/Othr/Id")
        pieces = self.texts(tx, p + "RmtInf/Ustrd")
        creditor_reference = text(tx, p + "RmtInf/Strd/CdtrRefInf/Ref")
        documents = self.texts(tx, p + "RmtInf/Strd/RfrdDocInf/Nb")
        pieces.extend(self.texts(tx, p + "RmtInf/Strd/AddtlRmtInf"))
        e2e = text(tx, p + "Refs/EndToEndId")
        if e2e.upper() in _NOT_PROVIDED:
            e2e = ""
        raw: list[tuple[str, str]] = []
        for key in ("InstrId", "TxId", "MndtId", "PmtInfId", "ChqNb", "ClrSysRef"):
            value = text(tx, p + "Refs/" + key)
            if value and value.upper() not in _NOT_PROVIDED:
                raw.append((key, value))
        raw.extend(("RfrdDocInf", number) for number in documents)
        if creditor_reference:
            raw.append(("CdtrRefInf", creditor_reference))
        ultimate = text(tx, p + f"RltdPties/Ultmt{party}/Nm") or text(tx, p + f"RltdPties/Ultmt{party}/Pty/Nm")
        if ultimate:
            raw.append(("Ultmt" + party, ultimate))
        if other_account and not iban:
            raw.append((party + "Acct", other_account))
        reason = text(tx, p + "RtrInf/Rsn/Cd")
        if reason:
            raw.append(("RtrInf", reason))
        return ParsedDetail(
            amount=amount,
            currency=currency,
            text=join_text([*pieces, *documents, creditor_reference, text(tx, p + "AddtlTxInf")]),
            counterparty_name=name,
            counterparty_iban=iban,
            end_to_end_id=e2e,
            creditor_reference=creditor_reference,
            bank_reference=text(tx, p + "Refs/AcctSvcrRef"),
            raw=tuple(raw),
        )

    def entry(self, ntry: Element, line: int) -> ParsedEntry | None:
        """The entry, or ``None`` when it is not booked (``Sts`` other than ``BOOK``)."""
        text = self.text
        flat = self.flatten(ntry)
        status = text(flat, "Sts/Cd") or text(flat, "Sts")
        if status not in ("", "BOOK"):
            return None
        found = flat.get("Amt")
        amount, currency = self.amount(found[0] if found else None, line)
        sign = self.sign(text(flat, "CdtDbtInd"), line)
        signed = amount if sign > 0 else amount.copy_negate()
        value = self.date(flat, "ValDt", line)
        booking = self.date(flat, "BookgDt", line) or value
        if booking is None:
            raise BankFileError(line, _("the entry has neither a booking date nor a value date"))
        transactions = flat.get("NtryDtls/TxDtls", ())
        if len(transactions) == 1:  # the usual case: read from the entry's own paths
            details = [self.detail(flat, "NtryDtls/TxDtls/", sign, currency, line)]
        else:
            details = [self.detail(self.flatten(tx), "", sign, currency, line) for tx in transactions]
        raw: list[tuple[str, str]] = []
        domain = "-".join(
            x
            for x in (
                text(flat, "BkTxCd/Domn/Cd"),
                text(flat, "BkTxCd/Domn/Fmly/Cd"),
                text(flat, "BkTxCd/Domn/Fmly/SubFmlyCd"),
            )
            if x
        )
        if domain:
            raw.append(("BkTxCd", domain))
        for key, path in (
            ("BkTxCd/Prtry", "BkTxCd/Prtry/Cd"),
            ("NtryRef", "NtryRef"),
            ("RvslInd", "RvslInd"),
            ("Btch/PmtInfId", "NtryDtls/Btch/PmtInfId"),
        ):
            found_text = text(flat, path)
            if found_text:
                raw.append((key, found_text))
        additional = text(flat, "AddtlNtryInf")
        name = iban = e2e = creditor = ""
        if len(details) == 1:
            single = details[0]
            raw.extend(single.raw)
            entry_text = join_text([single.text, additional])
            name, iban = single.counterparty_name, single.counterparty_iban
            e2e, creditor = single.end_to_end_id, single.creditor_reference
        else:
            entry_text = additional
            names = {d.counterparty_name for d in details}
            ibans = {d.counterparty_iban for d in details}
            if len(names) == 1:
                name = names.pop()
            if len(ibans) == 1:
                iban = ibans.pop()
        return ParsedEntry(
            booking_date=booking,
            value_date=value,
            amount=signed,
            currency=currency,
            bank_reference=text(flat, "AcctSvcrRef"),
            text=entry_text,
            counterparty_name=name,
            counterparty_iban=iban,
            end_to_end_id=e2e,
            creditor_reference=creditor,
            details=tuple(details) if len(details) > 1 else (),
            line=line,
            raw=tuple(raw),
        )

    def statement(self, stmt: Element, draft: StatementDraft) -> None:
        """Account, identification and balances of a statement into ``draft``."""
        text = self.text
        flat = self.flatten(stmt, stop="Ntry")
        draft.account_iban = account_text(text(flat, "Acct/Id/IBAN"))
        other = text(flat, "Acct/Id/Othr/Id")
        if not draft.account_iban and not other:
            raise BankFileError(draft.line, _("the statement names no account (Acct/Id)"))
        draft.account_number = other or draft.account_iban
        draft.account_id = draft.account_iban or other
        draft.currency = text(flat, "Acct/Ccy").upper()
        draft.statement_id = text(flat, "Id")
        draft.sequence = text(flat, "LglSeqNb") or text(flat, "ElctrncSeqNb")
        if not draft.currency and draft.entries:
            draft.currency = draft.entries[0].currency
        found: dict[str, tuple[Decimal, str, date | None]] = {}
        for bal in flat.get("Bal", ()):
            b = self.flatten(bal)
            kind = text(b, "Tp/CdOrPrtry/Cd") or text(b, "Tp/CdOrPrtry/Prtry")
            if kind not in ("OPBD", "PRCD", "CLBD") or kind in found:
                continue
            amt = b.get("Amt")
            amount, currency = self.amount(amt[0] if amt else None, draft.line)
            if self.sign(text(b, "CdtDbtInd"), draft.line) < 0:
                amount = amount.copy_negate()
            found[kind] = (amount, currency, self.date(b, "Dt", draft.line))
        opening = found.get("OPBD") or found.get("PRCD")
        closing = found.get("CLBD")
        if not draft.currency:
            draft.currency = (opening or closing or (Decimal(0), "", None))[1]
        for balance, is_opening in ((opening, True), (closing, False)):
            if balance is None:
                continue
            amount, currency, when = balance
            if currency != draft.currency:
                draft.warn(
                    "balance_other_currency",
                    _("a balance is in %(balance)s, the statement in %(currency)s: the balances are not checked")
                    % {"balance": currency, "currency": draft.currency},
                )
                continue
            if is_opening:
                draft.opening_balance, draft.opening_date = amount, when
            else:
                draft.closing_balance, draft.closing_date = amount, when


def parse(
    content: bytes,
    *,
    account_currencies: Mapping[str, str] | None = None,
    default_currency: str | None = None,
) -> ParsedFile:
    refuse_dtd(content)
    etree.clear_error_log()
    events = etree.iterparse(
        io.BytesIO(content),
        events=("end",),
        tag=("{*}Ntry", "{*}Stmt", "{*}Ntfctn"),
        resolve_entities=False,
        load_dtd=False,
        no_network=True,
        huge_tree=False,
        remove_comments=True,
        remove_pis=True,
    )
    kind, version, ns, statement_tag = "", 0, "", ""
    reader = _Reader("")
    entries: list[ParsedEntry] = []
    skipped = 0
    statements: list[ParsedStatement] = []
    try:
        for _event, element in events:
            local = _local(element.tag)
            parent = element.getparent()
            if not statement_tag:
                # the first entry or statement tells the message, its version and its namespace
                holder = parent if local != "Ntry" else (parent.getparent() if parent is not None else None)
                message = _local(holder.tag) if holder is not None else ""
                kind, statement_tag = _message_kind(message, element.tag)
                ns = element.tag[: element.tag.index("}") + 1] if element.tag.startswith("{") else ""
                m = _NAMESPACE.fullmatch(ns[1:-1]) if ns else None
                version = int(m.group(2)) if m is not None else 0
                reader = _Reader(ns)
            if element.tag[: len(ns)] != ns or (ns == "" and element.tag.startswith("{")):
                continue
            if local == "Ntry":
                if parent is None or _local(parent.tag) != statement_tag:
                    continue
                entry = reader.entry(element, element.sourceline or 0)
                if entry is None:
                    skipped += 1
                else:
                    entries.append(entry)
                element.clear(keep_tail=True)
                previous = element.getprevious()
                while previous is not None and previous.tag == element.tag:  # entries already read
                    parent.remove(previous)
                    previous = element.getprevious()
            elif local == statement_tag and parent is not None and _local(parent.tag) in _MESSAGES:
                statements.append(
                    _statement(
                        reader,
                        element,
                        element.sourceline or 0,
                        kind,
                        entries,
                        skipped,
                        account_currencies,
                        default_currency,
                    )
                )
                entries, skipped = [], 0
                element.clear(keep_tail=True)
        root = events.root
    except etree.XMLSyntaxError as exc:
        last = exc.error_log.last_error if exc.error_log else None
        line, reason = (last.line, last.message) if last is not None else (exc.lineno, exc.msg)
        reason = _POSITION.sub("", str(reason or exc)).strip()
        raise BankFileError(line or 0, _("the XML cannot be read: %(reason)s") % {"reason": reason}) from None
    if root is None or _local(root.tag) != "Document":
        raise BankFileError(1, _("the root element is not an ISO 20022 <Document>"))
    if not statements:
        raise BankFileError(0, _("the file holds no statement (Stmt) or notification (Ntfctn)"))
    label = f"{kind}.001.{version:02d}" if version else kind
    file_warnings: list[BankWarning] = []
    if version and version not in TESTED_VERSIONS:
        file_warnings.append(
            BankWarning(
                "format_version",
                _("%(version)s is not one of the versions Recouvre was checked with (001.02 to 001.08)")
                % {"version": label},
            )
        )
    return ParsedFile(format=kind, statements=tuple(statements), warnings=tuple(file_warnings), version=label)


def _message_kind(message: str, tag: str) -> tuple[str, str]:
    """The message (camt.053 or camt.054) and its statement element, from the element that holds the first one;
    its namespace, when it names a camt message, must say the same."""
    if message == "BkToCstmrAcctRpt":
        raise BankFileError(
            0, _("a camt.052 account report is not a statement: import the day's camt.053 statement instead")
        )
    if message not in _MESSAGES:
        raise BankFileError(
            0,
            _("<%(element)s> is not a camt.053 statement nor a camt.054 notification") % {"element": message or tag},
        )
    kind, statement_tag = _MESSAGES[message]
    m = _NAMESPACE.search(tag)
    if m is not None and m.group(1) != kind:
        raise BankFileError(
            0,
            _("the message is a %(found)s but its namespace says %(declared)s")
            % {"found": kind, "declared": m.group(1)},
        )
    return kind, statement_tag


def _statement(
    reader: _Reader,
    stmt: Element,
    line: int,
    kind: str,
    entries: list[ParsedEntry],
    skipped: int,
    account_currencies: Mapping[str, str] | None,
    default_currency: str | None,
) -> ParsedStatement:
    draft = StatementDraft(line=line)
    draft.entries = entries
    reader.statement(stmt, draft)
    if kind == CAMT053 and (draft.opening_balance is None or draft.closing_balance is None):
        if not any(w.code == "balance_other_currency" for w in draft.warnings):
            draft.warn(
                "balance_not_checked",
                _("the statement lacks its opening (OPBD) or closing (CLBD) balance: its balances are not checked"),
            )
    if kind == CAMT054:
        draft.check_balances = False
    if skipped:
        draft.warn(
            "entries_not_booked",
            ngettext(
                "%(count)s entry is not booked (pending or for information) and is left out",
                "%(count)s entries are not booked (pending or for information) and are left out",
                skipped,
            )
            % {"count": skipped},
        )
    return finish(draft, account_currencies=account_currencies, default_currency=default_currency)
