"""CFONB 120: the French banks' statement format (*relevé de compte sur support informatique*, 120 characters).

Records, by their first two characters:

- ``01`` opening balance (*ancien solde*) and ``07`` closing balance (*nouveau solde*): bank code (3-7), branch
  code (12-16), currency (17-19, blank in an older layout), number of decimals (20), account number (22-32),
  date DDMMYY (35-40), balance (91-104);
- ``04`` movement: the same account zones, interbank operation code (33-34), booking date (35-40), rejection
  code (41-42), value date (43-48), label (49-79), entry number (82-88), amount (91-104), reference (105-120);
- ``05`` complement of the movement before it: qualifier (46-48) and 70 characters of text (49-118):
  ``NPY``/``IPY`` payer's name and identifier, ``NBE``/``IBE`` payee's, ``LCC``/``LC2`` the remittance
  information, ``LCS`` a structured creditor reference, ``RCN`` the end-to-end reference, ``RUM`` the mandate,
  ``LIB`` the bank's wording, and others kept as they are.

Amounts are 14 characters whose last one carries the last digit and the sign ("overpunch"): ``{`` and ``A`` to
``I`` are +0 and +1 to +9, ``}`` and ``J`` to ``R`` are -0 and -1 to -9. Blank lines are skipped; lines may be
shorter than 120 characters (trailing spaces dropped) and a file may hold its records without line ends.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from decimal import Decimal

from ..i18n import _, gettext_noop
from .common import StatementDraft, decode, find_creditor_reference, finish, join_text, squeeze, valid_iban
from .model import BankFileError, ParsedEntry, ParsedFile, ParsedStatement

RECORD_LENGTH = 120
_CODES = ("01", "04", "05", "07")
_OVERPUNCH = {"{": (0, 1), "}": (0, -1)}
_OVERPUNCH.update({chr(ord("A") + i): (i + 1, 1) for i in range(9)})
_OVERPUNCH.update({chr(ord("J") + i): (i + 1, -1) for i in range(9)})
_NOT_PROVIDED = {"NOTPROVIDED", "NOT PROVIDED"}
_LETTERS = {c: str((i % 9) + 1) for i, c in enumerate("ABCDEFGHIJKLMNOPQRSTUVWXYZ")}
# the RIB key's letter values skip S (A-I = 1-9, J-R = 1-9, S-Z = 2-9)
_LETTERS.update({c: str(i + 2) for i, c in enumerate("STUVWXYZ")})


def looks_like(lines: list[str]) -> bool:
    """The first non-blank line is a record (``01``, ``04``, ``05`` or ``07``) of at most 120 characters, with
    digits for its bank code."""
    for line in lines:
        if line.strip():
            first = line.rstrip()
            if len(first) > RECORD_LENGTH and first[RECORD_LENGTH : RECORD_LENGTH + 2] not in _CODES:
                return False  # longer than a record, and not records back to back
            return first[:2] in _CODES and first[2:7].isdigit()
    return False


def records(text: str) -> list[str]:
    """The file's lines; a file written without line ends (records back to back, perhaps with one line end at the
    very end) is cut every 120 characters, each record then counting as a line."""
    whole = text.rstrip("\r\n")
    if "\n" not in whole and "\r" not in whole and len(whole) > RECORD_LENGTH and len(whole) % RECORD_LENGTH == 0:
        return [whole[i : i + RECORD_LENGTH] for i in range(0, len(whole), RECORD_LENGTH)]
    return text.replace("\r\n", "\n").replace("\r", "\n").split("\n")


def parse_amount(field: str, decimals: int, line: int) -> Decimal:
    """13 digits, then the last digit with the sign: ``0000010173118I`` with 2 decimals is +1017311.89,
    ``0000000000199R`` is -19.99, ``0000000020000}`` is -2000.00 (a zero debit stays -0.00)."""
    digits, last = field[:-1], field[-1:]
    if len(field) != 14 or not digits.isdigit() or not digits.isascii() or last not in _OVERPUNCH:
        raise BankFileError(
            line,
            _("%(text)r is not a CFONB amount (13 digits, then a digit with its sign: { A-I for +, } J-R for -)")
            % {"text": field},
        )
    digit, sign = _OVERPUNCH[last]
    value = Decimal(int(digits) * 10 + digit).scaleb(-decimals)
    return value if sign > 0 else value.copy_negate()


_DATES = {
    "opening": gettext_noop("the opening balance date"),
    "closing": gettext_noop("the closing balance date"),
    "booking": gettext_noop("the booking date"),
    "value": gettext_noop("the value date"),
}


def parse_date(text: str, line: int, what: str, *, optional: bool = False) -> date | None:
    """DDMMYY; years 80-99 are 1980-1999, 00-79 are 2000-2079. Blank or zeros: ``None`` when ``optional``.
    ``what`` names the date in a refusal (a key of ``_DATES``)."""
    if optional and (not text.strip() or text == "000000"):
        return None
    if len(text) == 6 and text.isdigit() and text.isascii():
        year = int(text[4:6])
        try:
            return date(1900 + year if year >= 80 else 2000 + year, int(text[2:4]), int(text[0:2]))
        except ValueError:
            pass
    raise BankFileError(line, _("%(what)s %(text)r is not a date (DDMMYY)") % {"what": _(_DATES[what]), "text": text})


def _decimals(record: str, line: int) -> int:
    flag = record[19]
    if flag == " ":
        return 2  # the older layout leaves it blank: euros, two decimals
    if not flag.isdigit() or not flag.isascii():
        raise BankFileError(line, _("the number of decimals %(text)r is not a digit") % {"text": flag})
    return int(flag)


def rib_key(bank: str, branch: str, account: str) -> str:
    """The two-digit key of a French RIB (97 - (89 x bank + 15 x branch + 3 x account) mod 97), letters of the
    account number read as digits."""
    number = "".join(_LETTERS.get(c, c) for c in account.upper())
    value = 89 * int(bank) + 15 * int(branch) + 3 * int(number)
    return f"{97 - value % 97:02d}"


def french_iban(bank: str, branch: str, account: str) -> str:
    """The IBAN of a French account from its bank, branch and account numbers; ``""`` when they do not make one."""
    if not (len(bank) == 5 and bank.isdigit() and len(branch) == 5 and branch.isdigit() and len(account) == 11):
        return ""
    if not account.isascii() or not account.isalnum():
        return ""
    bban = f"{bank}{branch}{account.upper()}{rib_key(bank, branch, account)}"
    numeric = "".join(str(int(c, 36)) for c in bban + "FR00")
    iban = f"FR{98 - int(numeric) % 97:02d}{bban}"
    return valid_iban(iban)


class _Entry:
    """A 04 record and the 05 records after it."""

    __slots__ = ("line", "booking", "value", "amount", "currency", "record", "complements")

    def __init__(self, line: int, booking: date, value: date | None, amount: Decimal, currency: str, record: str):
        self.line = line
        self.booking = booking
        self.value = value
        self.amount = amount
        self.currency = currency
        self.record = record
        self.complements: list[tuple[str, str]] = []  # qualifier, text as written (trailing spaces dropped)

    def build(self) -> ParsedEntry:
        record = self.record
        label = squeeze(record[48:79])
        reference = squeeze(record[104:120])
        by: dict[str, list[str]] = {}
        raw: list[tuple[str, str]] = [("operation_code", record[32:34])]
        entry_number = record[81:88].strip()
        if entry_number.strip("0"):
            raw.append(("entry_number", entry_number))
        if record[40:42].strip():
            raw.append(("rejection_code", record[40:42]))
        if reference:
            raw.append(("reference", reference))
        remittance = ""  # LCC then LC2: 140 characters cut in two, read as one text
        for qualifier, info in self.complements:
            text = squeeze(info)
            by.setdefault(qualifier, []).append(text)
            raw.append((qualifier, text))
            if qualifier in ("LCC", "LC2"):
                remittance += info.ljust(70)  # the zone as written: a full one runs on into the next
        credit = not self.amount.is_signed()
        name = first(by, "NPY" if credit else "NBE") or first(by, "NPO" if credit else "NBU")
        iban = valid_iban(first(by, "IPY" if credit else "IBE"))
        e2e = first(by, "RCN")
        if e2e.upper() in _NOT_PROVIDED:
            e2e = ""
        text = join_text([label, *by.get("LIB", ()), remittance, first(by, "LCS"), e2e, reference])
        creditor_reference = first(by, "LCS") or find_creditor_reference(text)
        return ParsedEntry(
            booking_date=self.booking,
            value_date=self.value,
            amount=self.amount,
            currency=self.currency,
            text=text,
            counterparty_name=name,
            counterparty_iban=iban,
            end_to_end_id=e2e,
            creditor_reference=creditor_reference,
            line=self.line,
            raw=tuple(raw),
        )


def first(by: Mapping[str, list[str]], qualifier: str) -> str:
    values = by.get(qualifier)
    return values[0] if values else ""


def parse(
    content: bytes, *, account_currencies: Mapping[str, str] | None = None, default_currency: str | None = None
) -> ParsedFile:
    text = decode(content).rstrip("\x1a")  # an MS-DOS end-of-file mark
    statements: list[ParsedStatement] = []
    draft: StatementDraft | None = None
    account = ""
    movements: list[_Entry] = []
    for lineno, raw_line in enumerate(records(text), start=1):
        record = raw_line.rstrip()
        if not record:
            continue
        if len(record) > RECORD_LENGTH:
            raise BankFileError(
                lineno,
                _("a CFONB record has 120 characters, this line has %(count)s") % {"count": len(record)},
            )
        if not record.isprintable():
            raise BankFileError(lineno, _("the line holds characters that are not text"))
        record = record.ljust(RECORD_LENGTH)
        code = record[:2]
        if code == "01":
            if draft is not None:
                raise BankFileError(
                    lineno,
                    _("a new statement (01) starts before the one started on line %(line)s is closed (07)")
                    % {"line": draft.line},
                )
            decimals = _decimals(record, lineno)
            bank, branch, account = record[2:7], record[11:16], record[21:32]
            _check_account(bank, branch, account, lineno)
            iban = french_iban(bank, branch, account)
            draft = StatementDraft(
                line=lineno,
                account_id=iban or f"{bank} {branch} {account.strip()}",
                account_iban=iban,
                account_number=account.strip(),
                currency=_currency(record, lineno),
                bank_code=bank,
                branch_code=branch,
                opening_balance=parse_amount(record[90:104], decimals, lineno),
                opening_date=parse_date(record[34:40], lineno, "opening"),
            )
            movements = []
        elif code == "04":
            if draft is None:
                raise BankFileError(lineno, _("a movement (04) comes before any opening balance (01)"))
            if record[21:32] != account:
                raise BankFileError(
                    lineno,
                    _("the movement is for account %(found)s, in the statement of account %(expected)s")
                    % {"found": record[21:32].strip(), "expected": account.strip()},
                )
            decimals = _decimals(record, lineno)
            booking = parse_date(record[34:40], lineno, "booking")
            assert booking is not None
            value = parse_date(record[42:48], lineno, "value", optional=True)
            currency = _currency(record, lineno)
            if currency and not draft.currency:
                draft.currency = currency
            amount = parse_amount(record[90:104], decimals, lineno)
            movements.append(_Entry(lineno, booking, value, amount, currency, record))
        elif code == "05":
            if draft is None or not movements:
                raise BankFileError(lineno, _("a complement (05) does not follow a movement (04)"))
            qualifier = record[45:48].strip()
            info = record[48:118].rstrip()
            if qualifier or info:
                movements[-1].complements.append((qualifier, info))
        elif code == "07":
            if draft is None:
                raise BankFileError(lineno, _("a closing balance (07) comes before any opening balance (01)"))
            if record[21:32] != account:
                raise BankFileError(
                    lineno,
                    _("the closing balance is for account %(found)s, in the statement of account %(expected)s")
                    % {"found": record[21:32].strip(), "expected": account.strip()},
                )
            decimals = _decimals(record, lineno)
            draft.closing_balance = parse_amount(record[90:104], decimals, lineno)
            draft.closing_date = parse_date(record[34:40], lineno, "closing")
            if not draft.currency:
                draft.currency = _currency(record, lineno)
            draft.entries = [m.build() for m in movements]
            statements.append(finish(draft, account_currencies=account_currencies, default_currency=default_currency))
            draft = None
        else:
            raise BankFileError(
                lineno,
                _("%(code)r is not a CFONB 120 record code (01, 04, 05 or 07)") % {"code": code},
            )
    if draft is not None:
        raise BankFileError(
            draft.line,
            _("the statement started on this line has no closing balance (07): the file is cut short"),
        )
    if not statements:
        raise BankFileError(0, _("the file holds no statement"))
    return ParsedFile(format="cfonb120", statements=tuple(statements))


def _currency(record: str, line: int) -> str:
    code = record[16:19]
    if not code.strip():
        return ""
    if not (code.isascii() and code.isalpha() and code.isupper()):
        raise BankFileError(line, _("%(text)r is not a currency code") % {"text": code})
    return code


def _check_account(bank: str, branch: str, account: str, line: int) -> None:
    if not (bank.isdigit() and bank.isascii()):
        raise BankFileError(line, _("the bank code %(text)r is not 5 digits") % {"text": bank})
    if not account.strip():
        raise BankFileError(line, _("the account number is blank"))
