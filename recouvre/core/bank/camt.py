"""ISO 20022 camt.053 (bank to customer statement) and camt.054 (debit/credit notification), versions 001.02 to
001.08 (other versions are read too, with a warning).

Safety: the XML is read by the standard library's expat parser only after the text is checked to hold no
``<!DOCTYPE`` and no ``<!ENTITY``: without a DTD there can be neither external entities nor entity expansion
("billion laughs"); elements nested deeper than ``MAX_DEPTH`` are refused.

Read per statement (``<Stmt>``, or ``<Ntfctn>`` in a camt.054): ``Id``, ``LglSeqNb`` (else ``ElctrncSeqNb``),
the account (``Acct/Id/IBAN`` or ``Othr/Id``, ``Acct/Ccy``), the opening balance (``OPBD``, else ``PRCD``) and the
closing balance (``CLBD``); per entry (``<Ntry>``, booked ones only: ``Sts`` ``BOOK`` or absent): amount and
``CdtDbtInd``, booking and value dates (``Dt`` or ``DtTm``), ``AcctSvcrRef``, the bank transaction code,
``AddtlNtryInf``, and each ``TxDtls``: references (``EndToEndId``, ``AcctSvcrRef``, ``MndtId``...), amount, related
parties (the debtor of a credit, the creditor of a debit), remittance information (``Ustrd``; ``Strd`` with
``CdtrRefInf/Ref``, ``RfrdDocInf/Nb``, ``AddtlRmtInf``), ``AddtlTxInf``, the return reason.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from collections.abc import Mapping
from datetime import date
from decimal import Decimal

from ..i18n import _, ngettext
from .common import StatementDraft, account_text, decode, finish, join_text, squeeze
from .model import CAMT053, CAMT054, BankFileError, BankWarning, ParsedDetail, ParsedEntry, ParsedFile, ParsedStatement

MAX_DEPTH = 100
_CHUNK = 1 << 20
_NAMESPACE = re.compile(r"urn:iso:std:iso:20022:tech:xsd:(camt\.\d{3})\.001\.(\d{2})")
_XML_DECLARATION = re.compile(rb"^\s*<\?xml[^>]*?encoding\s*=\s*[\"']([A-Za-z0-9._-]+)[\"']")
_FORBIDDEN = re.compile(r"<!\s*(DOCTYPE|ENTITY)", re.IGNORECASE)
_AMOUNT = re.compile(r"\d{1,18}(\.\d{1,5})?")
_DATE = re.compile(r"(\d{4})-(\d{2})-(\d{2})")
_STARTS = re.compile(r"<(?:[A-Za-z_][\w.-]*:)?(Ntry|Stmt|Ntfctn)[\s>/]")
TESTED_VERSIONS = range(2, 9)
_NOT_PROVIDED = {"NOTPROVIDED", "NONREF"}


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


def xml_text(content: bytes) -> str:
    """The document as text: its BOM, else its declared encoding, else UTF-8; refused when it declares a DTD or
    entities."""
    m = _XML_DECLARATION.match(content[:500])
    if m is not None and not content.startswith((b"\xef\xbb\xbf", b"\xff\xfe", b"\xfe\xff")):
        name = m.group(1).decode("ascii")
        try:
            text = content.decode(name)
        except LookupError:
            raise BankFileError(1, _("unknown character encoding %(name)r") % {"name": name}) from None
        except UnicodeDecodeError as exc:
            line = content.count(b"\n", 0, exc.start) + 1
            raise BankFileError(line, _("the file is not written in %(name)s as it says") % {"name": name}) from None
    else:
        text = decode(content)
    forbidden = _FORBIDDEN.search(text)
    if forbidden is not None:
        line = text.count("\n", 0, forbidden.start()) + 1
        raise BankFileError(
            line, _("the file declares a DTD or entities (<!DOCTYPE>, <!ENTITY>): refused, a bank statement has none")
        )
    return text


class _Lines:
    """Line numbers of the ``<Stmt>``, ``<Ntfctn>`` and ``<Ntry>`` start tags, in document order."""

    def __init__(self, text: str):
        self.found: dict[str, list[int]] = {"Ntry": [], "Stmt": [], "Ntfctn": []}
        line, position = 1, 0
        for m in _STARTS.finditer(text):
            line += text.count("\n", position, m.start())
            position = m.start()
            self.found[m.group(1)].append(line)
        self.seen: dict[str, int] = {"Ntry": 0, "Stmt": 0, "Ntfctn": 0}

    def next(self, name: str) -> int:
        index = self.seen[name]
        self.seen[name] = index + 1
        lines = self.found[name]
        return lines[index] if index < len(lines) else 0


class _Reader:
    """Turns elements into statements and entries, knowing the namespace."""

    def __init__(self, ns: str):
        self.ns = ns

    def el(self, node: ET.Element | None, *path: str) -> ET.Element | None:
        for name in path:
            if node is None:
                return None
            node = node.find(self.ns + name)
        return node

    def text(self, node: ET.Element | None, *path: str) -> str:
        found = self.el(node, *path)
        return squeeze(found.text) if found is not None and found.text else ""

    def texts(self, node: ET.Element | None, name: str) -> list[str]:
        if node is None:
            return []
        return [squeeze(n.text) for n in node.findall(self.ns + name) if n.text and n.text.strip()]

    def amount(self, node: ET.Element | None, line: int) -> tuple[Decimal, str]:
        if node is None:
            raise BankFileError(line, _("an amount (Amt) is missing"))
        text = (node.text or "").strip()
        if not _AMOUNT.fullmatch(text):
            raise BankFileError(line, _("%(text)r is not an amount (digits, a dot, up to 5 decimals)") % {"text": text})
        currency = node.get("Ccy", "").strip().upper()
        if len(currency) != 3 or not currency.isalpha() or not currency.isascii():
            raise BankFileError(line, _("the amount %(text)s has no valid currency (Ccy)") % {"text": text})
        return Decimal(text), currency

    def sign(self, node: ET.Element | None, line: int, *, default: str = "") -> int:
        indicator = self.text(node, "CdtDbtInd") or default
        if indicator == "CRDT":
            return 1
        if indicator == "DBIT":
            return -1
        raise BankFileError(
            line, _("the credit/debit indicator %(text)r is neither CRDT nor DBIT") % {"text": indicator}
        )

    def date(self, node: ET.Element | None, line: int) -> date | None:
        """``Dt`` or the date of ``DtTm``."""
        if node is None:
            return None
        text = self.text(node, "Dt") or self.text(node, "DtTm")
        if not text:
            return None
        m = _DATE.match(text)
        if m is not None:
            try:
                return date(int(m.group(1)), int(m.group(2)), int(m.group(3)))
            except ValueError:
                pass
        raise BankFileError(line, _("%(text)r is not a date (YYYY-MM-DD)") % {"text": text})

    def account(self, node: ET.Element | None) -> tuple[str, str]:
        """(IBAN, other identification) of an ``...Acct`` element."""
        return account_text(self.text(node, "Id", "IBAN")), self.text(node, "Id", "Othr", "Id")

    def party_name(self, node: ET.Element | None) -> str:
        """``Nm`` of a party (``Pty/Nm`` from version 8 on)."""
        return self.text(node, "Nm") or self.text(node, "Pty", "Nm")

    def detail(self, tx: ET.Element, entry_sign: int, entry_currency: str, line: int) -> ParsedDetail:
        refs = self.el(tx, "Refs")
        amount_node = self.el(tx, "Amt")
        if amount_node is None:
            for path in (("AmtDtls", "TxAmt", "Amt"), ("AmtDtls", "InstdAmt", "Amt")):
                amount_node = self.el(tx, *path)
                if amount_node is not None:
                    break
        amount: Decimal | None = None
        currency: str | None = None
        if amount_node is not None:
            amount, currency = self.amount(amount_node, line)
            sign = self.sign(tx, line) if self.el(tx, "CdtDbtInd") is not None else entry_sign
            amount = amount if sign > 0 else amount.copy_negate()
        credit = (amount is None and entry_sign > 0) or (amount is not None and not amount.is_signed())
        parties = self.el(tx, "RltdPties")
        party = "Dbtr" if credit else "Cdtr"
        name = self.party_name(self.el(parties, party))
        iban, other_account = self.account(self.el(parties, party + "Acct"))
        remittance = self.el(tx, "RmtInf")
        pieces: list[str] = list(self.texts(remittance, "Ustrd"))
        creditor_reference = ""
        documents: list[str] = []
        if remittance is not None:
            for structured in remittance.findall(self.ns + "Strd"):
                ref = self.text(structured, "CdtrRefInf", "Ref")
                if ref and not creditor_reference:
                    creditor_reference = ref
                for doc in structured.findall(self.ns + "RfrdDocInf"):
                    number = self.text(doc, "Nb")
                    if number:
                        documents.append(number)
                pieces.extend(self.texts(structured, "AddtlRmtInf"))
        e2e = self.text(refs, "EndToEndId")
        if e2e.upper() in _NOT_PROVIDED:
            e2e = ""
        raw: list[tuple[str, str]] = []
        for key in ("InstrId", "TxId", "MndtId", "PmtInfId", "ChqNb", "ClrSysRef"):
            value = self.text(refs, key)
            if value and value.upper() not in _NOT_PROVIDED:
                raw.append((key, value))
        for number in documents:
            raw.append(("RfrdDocInf", number))
        if creditor_reference:
            raw.append(("CdtrRefInf", creditor_reference))
        ultimate = self.party_name(self.el(parties, "UltmtDbtr" if credit else "UltmtCdtr"))
        if ultimate:
            raw.append(("UltmtDbtr" if credit else "UltmtCdtr", ultimate))
        if other_account and not iban:
            raw.append((party + "Acct", other_account))
        reason = self.text(tx, "RtrInf", "Rsn", "Cd")
        if reason:
            raw.append(("RtrInf", reason))
        additional = self.text(tx, "AddtlTxInf")
        return ParsedDetail(
            amount=amount,
            currency=currency or entry_currency,
            text=join_text([*pieces, *documents, creditor_reference, additional]),
            counterparty_name=name,
            counterparty_iban=iban,
            end_to_end_id=e2e,
            creditor_reference=creditor_reference,
            bank_reference=self.text(refs, "AcctSvcrRef"),
            raw=tuple(raw),
        )

    def entry(self, ntry: ET.Element, line: int) -> ParsedEntry:
        amount, currency = self.amount(self.el(ntry, "Amt"), line)
        sign = self.sign(ntry, line)
        signed = amount if sign > 0 else amount.copy_negate()
        booking = self.date(self.el(ntry, "BookgDt"), line)
        value = self.date(self.el(ntry, "ValDt"), line)
        if booking is None:
            booking = value
        if booking is None:
            raise BankFileError(line, _("the entry has neither a booking date nor a value date"))
        details = [
            self.detail(tx, sign, currency, line)
            for entry_details in ntry.findall(self.ns + "NtryDtls")
            for tx in entry_details.findall(self.ns + "TxDtls")
        ]
        raw: list[tuple[str, str]] = []
        code = self.el(ntry, "BkTxCd")
        domain = "-".join(
            x
            for x in (
                self.text(code, "Domn", "Cd"),
                self.text(code, "Domn", "Fmly", "Cd"),
                self.text(code, "Domn", "Fmly", "SubFmlyCd"),
            )
            if x
        )
        if domain:
            raw.append(("BkTxCd", domain))
        proprietary = self.text(code, "Prtry", "Cd")
        if proprietary:
            raw.append(("BkTxCd/Prtry", proprietary))
        for key in ("NtryRef", "RvslInd"):
            value_text = self.text(ntry, key)
            if value_text:
                raw.append((key, value_text))
        batch = self.text(ntry, "NtryDtls", "Btch", "PmtInfId")
        if batch:
            raw.append(("Btch/PmtInfId", batch))
        additional = self.text(ntry, "AddtlNtryInf")
        single = details[0] if len(details) == 1 else None
        if single is not None:
            raw.extend(single.raw)
            text = join_text([single.text, additional])
            name, iban, e2e, creditor = (
                single.counterparty_name,
                single.counterparty_iban,
                single.end_to_end_id,
                single.creditor_reference,
            )
        else:
            text = additional
            names = {d.counterparty_name for d in details}
            ibans = {d.counterparty_iban for d in details}
            name = names.pop() if len(names) == 1 else ""
            iban = ibans.pop() if len(ibans) == 1 else ""
            e2e = creditor = ""
        return ParsedEntry(
            booking_date=booking,
            value_date=value,
            amount=signed,
            currency=currency,
            bank_reference=self.text(ntry, "AcctSvcrRef"),
            text=text,
            counterparty_name=name,
            counterparty_iban=iban,
            end_to_end_id=e2e,
            creditor_reference=creditor,
            details=tuple(details) if len(details) > 1 else (),
            line=line,
            raw=tuple(raw),
        )

    def balances(self, stmt: ET.Element, draft: StatementDraft) -> None:
        found: dict[str, tuple[Decimal, str, date | None]] = {}
        for bal in stmt.findall(self.ns + "Bal"):
            kind = self.text(bal, "Tp", "CdOrPrtry", "Cd") or self.text(bal, "Tp", "CdOrPrtry", "Prtry")
            if kind not in ("OPBD", "PRCD", "CLBD") or kind in found:
                continue
            amount, currency = self.amount(self.el(bal, "Amt"), draft.line)
            sign = self.sign(bal, draft.line)
            found[kind] = (
                amount if sign > 0 else amount.copy_negate(),
                currency,
                self.date(self.el(bal, "Dt"), draft.line),
            )
        opening = found.get("OPBD") or found.get("PRCD")
        closing = found.get("CLBD")
        if not draft.currency:
            draft.currency = (opening or closing or (Decimal(0), "", None))[1]
        for balance, is_opening in ((opening, True), (closing, False)):
            if balance is None:
                continue
            amount, currency, when = balance
            if draft.currency and currency != draft.currency:
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
    text = xml_text(content)
    lines = _Lines(text)
    parser: ET.XMLPullParser[ET.Element] = ET.XMLPullParser(events=("start", "end"))
    depth = 0
    root_tag = ""
    ns = ""
    kind = ""
    version = 0
    reader = _Reader("")
    statement_tag = ""
    entries: list[ParsedEntry] = []
    entry_lines: list[int] = []
    statement_line = 0
    skipped = 0
    statements: list[ParsedStatement] = []
    file_warnings: list[BankWarning] = []
    try:
        for offset in range(0, max(len(text), 1), _CHUNK):
            parser.feed(text[offset : offset + _CHUNK])
            for item in parser.read_events():
                event, element = item[0], item[1]
                if not isinstance(element, ET.Element):
                    continue
                tag = element.tag if isinstance(element.tag, str) else ""
                if event == "start":
                    depth += 1
                    if depth > MAX_DEPTH:
                        raise BankFileError(0, _("the elements are nested too deeply"))
                    if depth == 1:
                        root_tag = tag
                        ns = tag[: tag.index("}") + 1] if tag.startswith("{") else ""
                        m = _NAMESPACE.fullmatch(ns[1:-1]) if ns else None
                        if m is None and not ns:
                            kind, version = "", 0
                        elif m is None:
                            raise BankFileError(
                                1, _("%(namespace)s is not an ISO 20022 camt message") % {"namespace": ns[1:-1]}
                            )
                        else:
                            kind, version = m.group(1), int(m.group(2))
                        reader = _Reader(ns)
                    local = tag[len(ns) :]
                    if depth == 2:
                        kind = _message_kind(local, kind)
                        statement_tag = "Stmt" if kind == CAMT053 else "Ntfctn"
                    if local == statement_tag and depth == 3:
                        statement_line = lines.next(statement_tag)
                        entries, entry_lines = [], []
                    elif local == "Ntry" and depth == 4:
                        entry_lines.append(lines.next("Ntry"))
                    continue
                depth -= 1
                local = tag[len(ns) :]
                if local == "Ntry" and depth == 3:
                    line = entry_lines[-1] if entry_lines else 0
                    status = reader.text(element, "Sts", "Cd") or reader.text(element, "Sts")
                    if status in ("", "BOOK"):
                        entries.append(reader.entry(element, line))
                    else:
                        skipped += 1
                    element.clear()
                elif local == statement_tag and depth == 2:
                    statements.append(
                        _statement(
                            reader,
                            element,
                            statement_line,
                            kind,
                            entries,
                            skipped,
                            account_currencies,
                            default_currency,
                        )
                    )
                    skipped = 0
                    element.clear()
        parser.close()
    except ET.ParseError as exc:
        line = exc.position[0] if exc.position else 0
        raise BankFileError(line, _("the XML cannot be read: %(reason)s") % {"reason": _reason(exc)}) from None
    if not root_tag or root_tag[len(ns) :] != "Document":
        raise BankFileError(1, _("the root element is not an ISO 20022 <Document>"))
    if not statements:
        raise BankFileError(0, _("the file holds no statement (Stmt) or notification (Ntfctn)"))
    label = f"{kind}.001.{version:02d}" if version else kind
    if version and version not in TESTED_VERSIONS:
        file_warnings.append(
            BankWarning(
                "format_version",
                _("%(version)s is not one of the versions Recouvre was checked with (001.02 to 001.08)")
                % {"version": label},
            )
        )
    return ParsedFile(format=kind, statements=tuple(statements), warnings=tuple(file_warnings), version=label)


def _message_kind(local: str, kind: str) -> str:
    expected = {"BkToCstmrStmt": CAMT053, "BkToCstmrDbtCdtNtfctn": CAMT054}.get(local)
    if expected is None:
        if local == "BkToCstmrAcctRpt":
            raise BankFileError(
                0, _("a camt.052 account report is not a statement: import the day's camt.053 statement instead")
            )
        raise BankFileError(
            0, _("<%(element)s> is not a camt.053 statement nor a camt.054 notification") % {"element": local}
        )
    if kind and kind != expected:
        raise BankFileError(
            0,
            _("the message is a %(found)s but its namespace says %(declared)s") % {"found": expected, "declared": kind},
        )
    return expected


def _statement(
    reader: _Reader,
    stmt: ET.Element,
    line: int,
    kind: str,
    entries: list[ParsedEntry],
    skipped: int,
    account_currencies: Mapping[str, str] | None,
    default_currency: str | None,
) -> ParsedStatement:
    draft = StatementDraft(line=line)
    acct = reader.el(stmt, "Acct")
    iban, other = reader.account(acct)
    if not iban and not other:
        raise BankFileError(line, _("the statement names no account (Acct/Id)"))
    draft.account_iban = iban
    draft.account_number = other or iban
    draft.account_id = iban or other
    draft.currency = reader.text(acct, "Ccy").upper()
    draft.statement_id = reader.text(stmt, "Id")
    draft.sequence = reader.text(stmt, "LglSeqNb") or reader.text(stmt, "ElctrncSeqNb")
    if not draft.currency and entries:
        draft.currency = entries[0].currency
    reader.balances(stmt, draft)
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
    draft.entries = entries
    return finish(draft, account_currencies=account_currencies, default_currency=default_currency)


def _reason(exc: ET.ParseError) -> str:
    text = str(exc)
    return text.split(":", 1)[0] if ": line" in text else text
