"""What a reminder, a letter or a statement prints so that a transfer comes back with a reference that matches
with certainty: the organization's bank details, the customer's RF creditor reference (``creditor_ref``), the
amount the document demands and, for an amount in euros, the EPC QR code of the SEPA credit transfer.

``bank_details_errors`` checks an account holder, IBAN and BIC as entered (python-stdnum) and says which field is
wrong; ``payment_details`` puts together what a document prints, or ``None`` when the organization has no IBAN
(then the document prints no payment block at all, never half of one).

The QR code is left out, the bank details still printed, when the amount is not in euros, when the document
demands amounts in several currencies, or when the EPC QR code cannot carry it (an amount out of 0.01 to
999 999 999.99 euros, a name over 70 characters...).
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from stdnum import bic as _bic
from stdnum import iban as _iban
from stdnum.exceptions import ValidationError as _StdnumError

from .creditor_ref import EPC_MAX_NAME, EpcQrError, epc_qr_payload, format_rf, normalize
from .i18n import _


def group_by_four(compact: str) -> str:
    """``FR7630006000011234567890189`` -> ``FR76 3000 6000 0112 3456 7890 189``."""
    return " ".join(compact[i : i + 4] for i in range(0, len(compact), 4))


def bank_details_errors(holder: str, iban: str, bic: str) -> dict[str, str]:
    """The fields refused, each with why (``iban``, ``bic``, ``account_holder``); empty when all are right. An
    empty IBAN is allowed (no bank details: nothing printed), a BIC without an IBAN is not."""
    errors: dict[str, str] = {}
    if iban.strip():
        try:
            _iban.validate(iban)
        except _StdnumError:
            errors["iban"] = _("%(value)r is not a valid IBAN (its length or its check digits are wrong).") % {
                "value": iban.strip()
            }
    if bic.strip():
        try:
            _bic.validate(bic)
        except _StdnumError:
            errors["bic"] = _("%(value)r is not a valid BIC (8 or 11 letters and digits).") % {"value": bic.strip()}
        else:
            if not iban.strip():
                errors["bic"] = _("A BIC without an IBAN: give the IBAN too.")
    if len(" ".join(holder.split())) > EPC_MAX_NAME or "\n" in holder or "\r" in holder:
        errors["account_holder"] = _("The account holder is written on one line of %(max)s characters at most.") % {
            "max": EPC_MAX_NAME
        }
    return errors


def compact_iban(iban: str) -> str:
    return str(_iban.compact(iban)) if iban.strip() else ""


def compact_bic(bic: str) -> str:
    return str(_bic.compact(bic)) if bic.strip() else ""


@dataclass(frozen=True)
class PaymentDetails:
    holder: str
    iban: str
    """Compact (``FR76300...``); ``iban_printed`` in groups of four."""
    bic: str
    reference: str
    """The customer's RF reference, compact; ``reference_printed`` in groups of four."""
    amounts: tuple[tuple[str, Decimal], ...]
    """What the document demands: (currency, amount) pairs, one per currency, amounts above zero."""
    qr_payload: str
    """The EPC QR code's text, or empty when the document has no QR code."""

    @property
    def iban_printed(self) -> str:
        return group_by_four(self.iban)

    @property
    def reference_printed(self) -> str:
        return format_rf(self.reference)


def payment_details(
    *, holder: str, iban: str, bic: str, reference_rf: str, amounts: dict[str, Decimal]
) -> PaymentDetails | None:
    """What a document prints to be paid by transfer (see the module's docstring), ``None`` without an IBAN."""
    iban = compact_iban(iban)
    if not iban:
        return None
    bic = compact_bic(bic)
    holder = " ".join(holder.split())
    due = tuple((cur, amount) for cur, amount in sorted(amounts.items()) if amount > 0)
    payload = ""
    if len(due) == 1 and due[0][0] == "EUR":
        try:
            payload = epc_qr_payload(holder, iban, bic, due[0][1], "EUR", reference_rf=reference_rf)
        except EpcQrError:
            payload = ""
    return PaymentDetails(holder, iban, bic, normalize(reference_rf), due, payload)
