"""Payment references (ISO 11649 *RF* creditor references) and the EPC QR code of a SEPA credit transfer.

An RF reference is ``RF``, two check digits and a body of 1 to 21 letters and digits (25 characters at most). The
check digits are ISO 7064 MOD 97-10, as for an IBAN: the body, then ``RF`` and the check digits, letters read as
numbers (A = 10 ... Z = 35), form a number whose remainder by 97 is 1. Printed, it is cut in groups of four
(``RF18 5390 0754 7034``); keyed in, spaces and case do not matter.

**Each customer's reference** (``customer_rf``) has a body of digits only, short and stable, that encodes the
organization and the customer and nothing else (it never changes with names, balances or dates)::

    body = L + O + C    L: the number of digits of the organization id (1 to 9), one digit
                        O: the organization id, in L digits
                        C: the customer id, in at least 6 digits (zeros in front)

Organization 3, customer 42: body ``13000042``, reference ``RF63 1300 0042``. Organization 12, customer 1 234 567:
body ``2121234567``. Digits only, because payers key it in on a phone; the first digit says where the customer
id starts, so ``parse_customer_rf`` reads the ids back, and two organizations never share a reference. The body
stays within the 21 characters of ISO 11649 for any organization id below 10^9 and customer id below 10^11.

**The EPC QR code** (``epc_qr_payload``, ``epc_qr_svg``) is the one banking apps read to fill in a SEPA credit
transfer: the European Payments Council's guidelines EPC069-12, version 002, character set 1 (UTF-8), one
element a line, in this order::

    BCD             service tag
    002             version
    1               character set: UTF-8
    SCT             SEPA credit transfer
    BNPAFRPP        BIC of the beneficiary's bank (may be empty in version 002)
    Name            beneficiary's name, 70 characters at most
    FR76...         beneficiary's IBAN
    EUR123.45       amount in euros, 0.01 to 999999999.99, two decimals
    (empty)         purpose code (not used)
    RF63...         structured remittance information: an RF reference ...
    text            ... or unstructured remittance information, 140 characters at most (never both)

The last element written is the last one that is not empty (no line break after it); the whole payload is at most
331 bytes. Only euros: the EPC QR code is for SEPA credit transfers, so any other currency is refused.
"""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation

import segno
from stdnum import bic as _bic
from stdnum import iban as _iban
from stdnum.exceptions import ValidationError as _StdnumError

from .i18n import _

RF_MAX_BODY = 21
"""ISO 11649: the body of an RF reference has at most 21 characters (25 with ``RF`` and the check digits)."""
CUSTOMER_DIGITS = 6
"""The customer id takes at least this many digits in a customer's reference."""

EPC_MAX_NAME = 70
EPC_MAX_TEXT = 140
EPC_MAX_BYTES = 331
EPC_MAX_VERSION = 13
EPC_MIN_AMOUNT = Decimal("0.01")
EPC_MAX_AMOUNT = Decimal("999999999.99")

_BODY = re.compile(r"[A-Z0-9]{1,21}")
_SPACES = re.compile(r"[\s\u00a0\u202f]+")
_RF_START = re.compile(r"(?<![A-Z0-9])RF\d\d")
_LETTER_VALUES = {chr(ord("A") + i): str(10 + i) for i in range(26)}
_TO_DIGITS = str.maketrans(_LETTER_VALUES)
_RF00_DIGITS = "RF00".translate(_TO_DIGITS)


class CreditorReferenceError(ValueError):
    """A body or ids that cannot make an RF reference."""


class EpcQrError(ValueError):
    """Values an EPC QR code cannot carry (another currency, an amount out of range, a name too long...)."""


def normalize(text: str) -> str:
    """``text`` without spaces (any kind) and in capitals: ``rf18 5390 0754 7034`` -> ``RF18539007547034``."""
    return _SPACES.sub("", text).upper()


def _mod97(alphanumeric: str) -> int:
    return int(alphanumeric.translate(_TO_DIGITS)) % 97


def check_digits(body: str) -> str:
    """The two check digits of an RF reference with this (normalized) ``body``."""
    return f"{98 - _mod97(body + 'RF00'):02d}"


def make_rf(body: str) -> str:
    """The RF reference with this body (letters and digits, 1 to 21 once spaces are removed), without spaces:
    ``make_rf("539007547034")`` is ``RF18539007547034``. Refuses anything else with ``CreditorReferenceError``."""
    compact = normalize(body)
    if not _BODY.fullmatch(compact):
        raise CreditorReferenceError(
            _("an RF reference needs a body of 1 to 21 letters and digits, not %(body)r") % {"body": body}
        )
    return "RF" + check_digits(compact) + compact


def is_valid_rf(text: str) -> bool:
    """Whether ``text`` (spaces and case do not matter) is an RF reference whose check digits are right."""
    compact = normalize(text)
    if len(compact) < 5 or len(compact) > 4 + RF_MAX_BODY or not compact.startswith("RF"):
        return False
    if not compact[2:4].isdigit() or not 2 <= int(compact[2:4]) <= 98 or not _BODY.fullmatch(compact[4:]):
        return False  # ISO 7064 MOD 97-10 check digits are 02 to 98
    return _mod97(compact[4:] + compact[:4]) == 1


def format_rf(reference: str) -> str:
    """The printed form, in groups of four: ``RF18539007547034`` -> ``RF18 5390 0754 7034``."""
    compact = normalize(reference)
    return " ".join(compact[i : i + 4] for i in range(0, len(compact), 4))


def find_rf(text: str) -> list[str]:
    """The valid RF references in ``text`` (remittance information, with any noise around), compact, in the order
    they appear, each once. A reference is found written in one piece (``RF18539007547034``) or in the printed
    form, groups of four separated by single spaces, the last one shorter (``RF18 5390 0754 7034``), in any
    case. When a group of four following a printed reference would make a valid reference too, both are
    given (the longer first): the check digits cannot tell them apart."""
    upper = text.upper()
    found: list[str] = []
    for start in _RF_START.finditer(upper):
        for candidate in _rf_candidates(upper, start.start()):
            if candidate not in found:
                found.append(candidate)
    return found


def _rf_candidates(upper: str, at: int) -> list[str]:
    """Valid references starting at ``at`` (where ``RFdd`` is), the longest first."""
    end = at + 4
    n = len(upper)
    run_end = end
    while run_end < n and upper[run_end].isascii() and upper[run_end].isalnum():
        run_end += 1
    if run_end > end:  # written in one piece: the whole run, nothing less
        compact = upper[at:run_end]
        return [compact] if is_valid_rf(compact) else []
    groups: list[str] = []
    pos = end
    length = 0
    while pos < n and upper[pos] in " \u00a0\u202f":
        group_start = pos + 1
        group_end = group_start
        while group_end < n and upper[group_end].isascii() and upper[group_end].isalnum():
            group_end += 1
        group = upper[group_start:group_end]
        if not group or len(group) > 4 or length + len(group) > RF_MAX_BODY:
            break
        groups.append(group)
        length += len(group)
        pos = group_end
        if len(group) < 4:
            break
    candidates = []
    for k in range(len(groups), 0, -1):
        compact = upper[at : at + 4] + "".join(groups[:k])
        if is_valid_rf(compact):
            candidates.append(compact)
    return candidates


def customer_rf(org_id: int, customer_id: int) -> str:
    """The customer's RF reference, compact (see the module's docstring for the scheme):
    ``customer_rf(3, 42)`` is ``RF6313000042``."""
    if org_id < 1 or customer_id < 0:
        raise CreditorReferenceError(
            _("no reference for organization %(org)s, customer %(customer)s") % {"org": org_id, "customer": customer_id}
        )
    org = str(org_id)
    body = f"{len(org)}{org}{customer_id:0{CUSTOMER_DIGITS}d}"
    if len(org) > 9 or len(body) > RF_MAX_BODY:
        raise CreditorReferenceError(
            _("organization %(org)s, customer %(customer)s: the ids are too long for an RF reference")
            % {"org": org_id, "customer": customer_id}
        )
    # digits only, at most 21: what ``make_rf`` makes of it, its check digits computed directly
    return f"RF{98 - int(body + _RF00_DIGITS) % 97:02d}{body}"


def parse_customer_rf(reference: str) -> tuple[int, int] | None:
    """``(org_id, customer_id)`` of a reference made by ``customer_rf``, or ``None`` for anything else (a
    reference whose check digits are wrong, or whose body is not of that scheme)."""
    compact = normalize(reference)
    if not is_valid_rf(compact):
        return None
    body = compact[4:]
    if not body.isdigit() or body[0] == "0":
        return None
    size = int(body[0])
    org, customer = body[1 : 1 + size], body[1 + size :]
    if len(org) != size or org[0] == "0" or len(customer) < CUSTOMER_DIGITS:
        return None
    if len(customer) > CUSTOMER_DIGITS and customer[0] == "0":
        return None  # customer_rf never pads beyond six digits
    return int(org), int(customer)


def epc_qr_payload(
    name: str,
    iban: str,
    bic: str,
    amount: Decimal,
    currency: str,
    reference_rf: str = "",
    text: str = "",
) -> str:
    """The text of an EPC QR code (EPC069-12, version 002, UTF-8) for a SEPA credit transfer of ``amount`` euros to
    ``name``'s account ``iban`` (``bic`` may be empty), with either the structured reference ``reference_rf`` (an
    RF reference, any spacing) or the unstructured ``text``, not both (neither is allowed). Refuses with
    ``EpcQrError`` a currency other than EUR, an amount out of 0.01-999 999 999.99 or with more than two
    decimals, an empty name or one over 70 characters, an invalid IBAN or BIC, an RF reference whose check
    digits are wrong, a text over 140 characters, and a payload over 331 bytes."""
    if currency.strip().upper() != "EUR":
        raise EpcQrError(_("an EPC QR code is for transfers in euros, not in %(currency)s") % {"currency": currency})
    name = " ".join(name.split())
    if not name:
        raise EpcQrError(_("an EPC QR code needs the beneficiary's name"))
    if len(name) > EPC_MAX_NAME:
        raise EpcQrError(
            _("the beneficiary's name has %(length)s characters; an EPC QR code takes %(max)s at most")
            % {"length": len(name), "max": EPC_MAX_NAME}
        )
    try:
        iban_compact = _iban.validate(iban)
    except _StdnumError as exc:
        raise EpcQrError(_("invalid IBAN %(value)r for an EPC QR code") % {"value": iban}) from exc
    bic_compact = ""
    if bic.strip():
        try:
            bic_compact = _bic.validate(bic)
        except _StdnumError as exc:
            raise EpcQrError(_("invalid BIC %(value)r for an EPC QR code") % {"value": bic}) from exc
    try:
        exact = Decimal(amount)
    except (InvalidOperation, TypeError, ValueError) as exc:
        raise EpcQrError(_("not an amount: %(value)r") % {"value": amount}) from exc
    if not exact.is_finite() or not EPC_MIN_AMOUNT <= exact <= EPC_MAX_AMOUNT:
        raise EpcQrError(
            _("an EPC QR code takes an amount from %(min)s to %(max)s euros, not %(amount)s")
            % {"min": EPC_MIN_AMOUNT, "max": EPC_MAX_AMOUNT, "amount": amount}
        )
    if exact != exact.quantize(Decimal("0.01")):
        raise EpcQrError(_("an EPC QR code takes an amount in cents at most, not %(amount)s") % {"amount": amount})
    reference = normalize(reference_rf) if reference_rf.strip() else ""
    text = " ".join(text.split())
    if reference and text:
        raise EpcQrError(_("an EPC QR code carries either a structured reference or a text, not both"))
    if reference and not is_valid_rf(reference):
        raise EpcQrError(_("%(value)r is not a valid RF creditor reference") % {"value": reference_rf})
    if len(text) > EPC_MAX_TEXT:
        raise EpcQrError(
            _("the remittance text has %(length)s characters; an EPC QR code takes %(max)s at most")
            % {"length": len(text), "max": EPC_MAX_TEXT}
        )
    lines = ["BCD", "002", "1", "SCT", bic_compact, name, iban_compact, f"EUR{exact.quantize(Decimal('0.01'))}", ""]
    lines += [reference, text]
    while not lines[-1]:
        lines.pop()
    payload = "\n".join(lines)
    size = len(payload.encode("utf-8"))
    if size > EPC_MAX_BYTES:
        raise EpcQrError(
            _("the EPC QR code's payload has %(size)s bytes; %(max)s at most are allowed")
            % {"size": size, "max": EPC_MAX_BYTES}
        )
    return payload


def epc_qr_svg(payload: str, *, scale: int = 4, border: int = 4) -> str:
    """The QR code of ``payload`` as an SVG element to put in a page or a letter (no XML declaration): error
    correction level M, version 13 at most, UTF-8, as EPC069-12 requires."""
    svg: str = _epc_qr(payload).svg_inline(scale=scale, border=border)
    return svg


def epc_qr_data_uri(payload: str, *, border: int = 4) -> str:
    """The QR code of ``payload`` as a ``data:`` URI of an SVG image that scales to the width it is given (for an
    ``<img>`` in a web page whose policy allows ``data:`` images), with the same symbol as ``epc_qr_svg``."""
    uri: str = _epc_qr(payload).svg_data_uri(border=border, omitsize=True)
    return uri


def _epc_qr(payload: str) -> segno.QRCode:
    qr = segno.make_qr(payload.encode("utf-8"), error="m", boost_error=False)
    if qr.version > EPC_MAX_VERSION:  # type: ignore[operator]
        raise EpcQrError(
            _("the EPC QR code would need version %(version)s; %(max)s at most are allowed")
            % {"version": qr.version, "max": EPC_MAX_VERSION}
        )
    return qr
