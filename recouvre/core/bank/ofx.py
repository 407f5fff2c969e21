"""OFX statements: 1.x (SGML: a ``KEY:VALUE`` header, then tags whose leaf elements are usually not closed) and
2.x (XML, with ``<?xml?>`` and ``<?OFX?>`` declarations).

One reader serves both: a tag followed by text is a leaf, closed by its end tag if there is one, else by the next
tag; an aggregate is closed by its end tag, which also closes any leaf left open inside it. Empty elements
(``<CURDEF></CURDEF>``) read as empty values. No DTD or entity declaration is accepted; the XML escapes
(``&amp;``, ``&#233;``...) are read, any other ``&`` is left as written.

Read: each bank statement (``<STMTRS>``) and credit-card statement (``<CCSTMTRS>``): currency (``CURDEF``),
account (``BANKACCTFROM``/``CCACCTFROM``: ``BANKID``, ``BRANCHID``, ``ACCTID``), transactions (every
``BANKTRANLIST``'s ``STMTTRN``), closing balance (``LEDGERBAL``). OFX gives no opening balance: the balances are
not checked.
"""

from __future__ import annotations

import html
import re
from collections.abc import Mapping
from datetime import date
from decimal import Decimal, InvalidOperation

from ..i18n import _
from .common import StatementDraft, decode, find_creditor_reference, finish, join_text, squeeze, valid_iban
from .model import BankFileError, ParsedEntry, ParsedFile, ParsedStatement

MAX_DEPTH = 64
#: Elements that hold elements, never text.
AGGREGATES = frozenset(
    "OFX SIGNONMSGSRSV1 SONRS STATUS FI BANKMSGSRSV1 STMTTRNRS STMTRS BANKACCTFROM BANKACCTTO BANKTRANLIST "
    "STMTTRN PAYEE LEDGERBAL AVAILBAL BALLIST BAL CURRENCY ORIGCURRENCY CREDITCARDMSGSRSV1 CCSTMTTRNRS CCSTMTRS "
    "CCACCTFROM CCACCTTO".split()
)
#: Elements that hold text, never elements (an empty one may be left unclosed).
LEAVES = frozenset(
    "TRNTYPE DTPOSTED DTUSER DTAVAIL VALUEDATE TRNAMT FITID CORRECTFITID CORRECTACTION SRVRTID CHECKNUM REFNUM SIC "
    "PAYEEID NAME MEMO CURDEF BANKID BRANCHID ACCTID ACCTTYPE ACCTKEY DTSTART DTEND BALAMT DTASOF TRNUID CODE "
    "SEVERITY MESSAGE DTSERVER LANGUAGE DTPROFUP DTACCTUP ORG FID CURRATE CURSYM".split()
)
_TOKEN = re.compile(r"<(/?)([A-Za-z][A-Za-z0-9._]*)\s*>|<!\[CDATA\[(.*?)\]\]>|<!--.*?-->|<\?.*?\?>|<!|<", re.DOTALL)
_HEADER_LINE = re.compile(r"([A-Z]+):(.*)")
_XML_ENCODING = re.compile(rb"<\?xml[^>]*encoding\s*=\s*[\"']([A-Za-z0-9._-]+)[\"']")
_ESCAPES = re.compile(r"&(?:amp|lt|gt|quot|apos|#[0-9]{1,7}|#x[0-9A-Fa-f]{1,6});")
_AMOUNT = re.compile(r"[+-]?(\d+([.,]\d*)?|[.,]\d+)", re.ASCII)


class Node:
    """An element: its tag, its text (leaves) and its children (aggregates)."""

    __slots__ = ("tag", "text", "children", "line")

    def __init__(self, tag: str, line: int, text: str | None = None):
        self.tag = tag
        self.text = text
        self.children: list[Node] = []
        self.line = line

    def child(self, tag: str) -> Node | None:
        for node in self.children:
            if node.tag == tag:
                return node
        return None

    def value(self, tag: str) -> str:
        node = self.child(tag)
        return (node.text or "").strip() if node is not None else ""

    def all(self, tag: str) -> list[Node]:
        return [n for n in self.children if n.tag == tag]


def looks_like(head: bytes) -> bool:
    start = head.lstrip(b"\xef\xbb\xbf \t\r\n")
    return start.startswith(b"OFXHEADER") or b"<?OFX" in head[:1000] or b"<OFX>" in head[:2000].upper()


def _unescape(text: str) -> str:
    if "&" not in text:
        return text
    return _ESCAPES.sub(lambda m: html.unescape(m.group()), text)


def _decode(content: bytes) -> tuple[str, str]:
    """The text and the OFX version (``102``, ``211``...)."""
    version = ""
    head = content[:2000]
    m = _XML_ENCODING.search(head)
    if m is not None:
        try:
            text = content.decode(m.group(1).decode("ascii"))
        except (LookupError, UnicodeDecodeError):
            text = decode(content)
    else:
        text = decode(content)  # UTF-8, else Windows-1252 (what CHARSET:1252 says), else Latin-1
    v = re.search(r"VERSION[:=]\s*\"?(\d{3})", text[:2000])
    if v:
        version = v.group(1)
    return text, version


def tree(text: str) -> Node:
    """The element tree of the ``<OFX>`` body."""
    start = text.find("<")
    while start >= 0 and text.startswith("<?", start):
        end = text.find("?>", start)
        if end < 0:
            break
        start = text.find("<", end)
    root = Node("#root", 1)
    stack: list[Node] = [root]
    leaf: Node | None = None  # a leaf whose end tag may come
    line = 1 + text.count("\n", 0, max(start, 0))
    position = max(start, 0)
    for m in _TOKEN.finditer(text, position):
        between = text[position : m.start()]
        if between and not between.isspace():
            top = stack[-1]
            if leaf is not None and leaf.text is not None:
                leaf.text += _unescape(between)
            elif top is not root and not top.children and top.text is None and top.tag not in AGGREGATES:
                # the open element holds text: it is a leaf
                stack.pop()
                top.text = _unescape(between)
                leaf = top
            else:
                at = line + between[: len(between) - len(between.lstrip())].count("\n")
                if top is root:
                    message = _("text %(text)r outside of any OFX element")
                else:
                    message = _("text %(text)r inside <%(tag)s>, which holds elements, not text")
                raise BankFileError(at, message % {"text": squeeze(between)[:40], "tag": top.tag})
        line += between.count("\n")
        position = m.end()
        if "\n" in m.group():
            line += m.group().count("\n")
        closing, tag, cdata = m.group(1), m.group(2), m.group(3)
        if tag is None:
            if cdata is not None:
                if leaf is not None and leaf.text is not None:
                    leaf.text += cdata
                elif stack[-1] is not root and not stack[-1].children:
                    node = stack.pop()
                    node.text = (node.text or "") + cdata
                    leaf = node
                continue
            token = m.group()
            if token.startswith("<!--") or token.startswith("<?"):
                continue
            if token.startswith("<!"):
                raise BankFileError(line, _("the file declares a DTD or entities (<!...>): refused"))
            raise BankFileError(line, _("a '<' that opens no OFX tag"))
        tag = tag.upper()
        if closing:
            if leaf is not None and leaf.tag == tag:
                leaf = None
                continue
            leaf = None
            for depth in range(len(stack) - 1, 0, -1):
                if stack[depth].tag == tag:
                    del stack[depth:]
                    break
            else:
                raise BankFileError(line, _("</%(tag)s> closes no open element") % {"tag": tag})
            continue
        leaf = None
        top = stack[-1]
        if top.tag in LEAVES and not top.children and top.text is None:
            stack.pop()  # an empty leaf left unclosed (<NAME><MEMO>...)
        node = Node(tag, line)
        stack[-1].children.append(node)
        stack.append(node)
        if len(stack) > MAX_DEPTH:
            raise BankFileError(line, _("the elements are nested too deeply"))
    if text[position:].strip():
        tail = text[position:]
        if stack[-1] is not root and not stack[-1].children:
            stack[-1].text = _unescape(tail)
    return root


def _find_all(node: Node, tag: str) -> list[Node]:
    """Every element named ``tag`` under ``node`` (not inside another one of the same name)."""
    out: list[Node] = []
    pending = list(reversed(node.children))
    while pending:
        current = pending.pop()
        if current.tag == tag:
            out.append(current)
        else:
            pending.extend(reversed(current.children))
    return out


def _date(text: str, line: int, *, optional: bool = False) -> date | None:
    """``YYYYMMDD`` followed by anything (time, ``[-5:EST]``...)."""
    digits = text[:8]
    if not digits and optional:
        return None
    if len(digits) == 8 and digits.isdigit() and digits.isascii():
        try:
            return date(int(digits[:4]), int(digits[4:6]), int(digits[6:8]))
        except ValueError:
            pass
    raise BankFileError(line, _("%(text)r is not an OFX date (YYYYMMDD...)") % {"text": text})


def _amount(text: str, line: int) -> Decimal:
    compact = text.replace(" ", "")
    if not _AMOUNT.fullmatch(compact):
        raise BankFileError(line, _("%(text)r is not an amount") % {"text": text})
    try:
        value = Decimal(compact.replace(",", "."))
    except InvalidOperation:  # pragma: no cover - guarded by the pattern
        raise BankFileError(line, _("%(text)r is not an amount") % {"text": text}) from None
    return value


def _currency(text: str, line: int) -> str:
    code = text.strip().upper()
    if not code:
        return ""
    if len(code) != 3 or not code.isalpha() or not code.isascii():
        raise BankFileError(line, _("%(text)r is not a currency code") % {"text": text})
    return code


def _transaction(node: Node, currency: str) -> ParsedEntry:
    line = node.line
    fields: dict[str, Node] = {}
    for child in node.children:
        fields.setdefault(child.tag, child)

    def value(tag: str) -> str:
        found = fields.get(tag)
        return found.text.strip() if found is not None and found.text else ""

    posted = _date(value("DTPOSTED"), line)
    assert posted is not None
    amount_text = value("TRNAMT")
    if not amount_text:
        raise BankFileError(line, _("the transaction has no amount (TRNAMT)"))
    amount = _amount(amount_text, line)
    value_date = _date(value("DTAVAIL") or value("VALUEDATE"), line, optional=True)
    payee = fields.get("PAYEE")
    name = value("NAME") or (payee.value("NAME") if payee is not None else "")
    memo = value("MEMO")
    own = ""
    for tag in ("CURRENCY", "ORIGCURRENCY"):
        other = fields.get(tag)
        if other is not None and other.value("CURSYM"):
            own = _currency(other.value("CURSYM"), other.line)
    account_to = fields.get("BANKACCTTO") or fields.get("CCACCTTO")
    iban = valid_iban(account_to.value("ACCTID")) if account_to is not None else ""
    raw: list[tuple[str, str]] = []
    for tag in ("TRNTYPE", "FITID", "CHECKNUM", "REFNUM", "SIC", "PAYEEID", "SRVRTID", "DTUSER", "CORRECTFITID"):
        if tag in fields:
            found = value(tag)
            if found:
                raw.append((tag, found))
    text = join_text([name, memo])
    return ParsedEntry(
        booking_date=posted,
        value_date=value_date,
        amount=amount,
        currency=own or currency,
        bank_reference=value("FITID"),
        text=text,
        counterparty_name=squeeze(name),
        counterparty_iban=iban,
        creditor_reference=find_creditor_reference(text),
        line=line,
        raw=tuple(raw),
    )


def _statement(
    node: Node, response: Node | None, account_currencies: Mapping[str, str] | None, default_currency: str | None
) -> ParsedStatement:
    draft = StatementDraft(line=node.line, check_balances=False)
    draft.currency = _currency(node.value("CURDEF"), node.line)
    account = node.child("BANKACCTFROM") or node.child("CCACCTFROM")
    if account is None or not account.value("ACCTID"):
        raise BankFileError(node.line, _("the statement has no account (BANKACCTFROM or CCACCTFROM with ACCTID)"))
    number = account.value("ACCTID")
    draft.account_number = number
    draft.account_iban = valid_iban(number)
    draft.bank_code = account.value("BANKID")
    draft.branch_code = account.value("BRANCHID")
    draft.account_id = draft.account_iban or " ".join(x for x in (draft.bank_code, draft.branch_code, number) if x)
    if response is not None:
        draft.statement_id = response.value("TRNUID")
    transactions = [t for lst in node.all("BANKTRANLIST") for t in lst.all("STMTTRN")]
    if not draft.currency:
        found = {
            other.value("CURSYM").upper()
            for t in transactions
            for other in (t.child("CURRENCY"), t.child("ORIGCURRENCY"))
            if other is not None and other.value("CURSYM")
        }
        if len(found) == 1:
            draft.currency = _currency(found.pop(), node.line)
    draft.entries = [_transaction(t, draft.currency) for t in transactions]
    ledger = node.child("LEDGERBAL")
    if ledger is not None and ledger.value("BALAMT"):
        draft.closing_balance = _amount(ledger.value("BALAMT"), ledger.line)
        draft.closing_date = _date(ledger.value("DTASOF"), ledger.line, optional=True)
    lists = node.all("BANKTRANLIST")
    if lists:
        draft.opening_date = _date(lists[0].value("DTSTART"), lists[0].line, optional=True)
    return finish(draft, account_currencies=account_currencies, default_currency=default_currency)


def parse(
    content: bytes, *, account_currencies: Mapping[str, str] | None = None, default_currency: str | None = None
) -> ParsedFile:
    text, version = _decode(content)
    start = text.find("<")
    if start < 0:
        raise BankFileError(0, _("the file has no OFX element"))
    root = tree(text)
    ofx = next((n for n in root.children if n.tag == "OFX"), None)
    if ofx is None:
        raise BankFileError(0, _("the file has no <OFX> element"))
    statements: list[ParsedStatement] = []
    for tag, response_tag in (("STMTRS", "STMTTRNRS"), ("CCSTMTRS", "CCSTMTTRNRS")):
        for response in _find_all(ofx, response_tag):
            for node in response.all(tag):
                statements.append(_statement(node, response, account_currencies, default_currency))
    if not statements:
        raise BankFileError(0, _("the file holds no bank or credit-card statement (STMTRS, CCSTMTRS)"))
    statements.sort(key=lambda s: s.line)
    return ParsedFile(format="ofx", statements=tuple(statements), version=version)
