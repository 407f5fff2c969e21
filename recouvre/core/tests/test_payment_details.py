"""What a document prints to be paid by transfer: the bank details, the RF reference, the amounts and the EPC QR
code only when it can carry the amount."""

from __future__ import annotations

from decimal import Decimal

from recouvre.core.creditor_ref import customer_rf
from recouvre.core.payment_details import bank_details_errors, payment_details

IBAN = "FR7630006000011234567890189"
RF = customer_rf(3, 42)


def details(amounts, iban=IBAN, holder="ACME Distribution SAS"):  # type: ignore[no-untyped-def]
    return payment_details(holder=holder, iban=iban, bic="agrifrppxxx", reference_rf=RF, amounts=amounts)


def test_an_amount_in_euros_gets_the_qr_code_of_the_transfer():
    d = details({"EUR": Decimal("1234.50")})
    assert (d.iban_printed, d.bic, d.reference_printed) == (
        "FR76 3000 6000 0112 3456 7890 189",
        "AGRIFRPPXXX",
        "RF63 1300 0042",
    )
    assert d.qr_payload == (
        "BCD\n002\n1\nSCT\nAGRIFRPPXXX\nACME Distribution SAS\nFR7630006000011234567890189\nEUR1234.50\n\nRF6313000042"
    )


def test_no_qr_code_for_dollars_several_currencies_or_an_amount_the_code_cannot_carry():
    assert details({"USD": Decimal("980.00")}).qr_payload == ""
    assert details({"EUR": Decimal("10.00"), "USD": Decimal("5.00")}).qr_payload == ""
    assert details({"EUR": Decimal("1000000000.00")}).qr_payload == ""
    assert details({"EUR": Decimal("0.00")}).qr_payload == ""  # nothing due: no amount, no code
    assert details({"EUR": Decimal("10.00")}, holder="x" * 71).qr_payload == ""
    # the bank details are printed all the same
    assert details({"USD": Decimal("980.00")}).amounts == (("USD", Decimal("980.00")),)


def test_no_iban_no_payment_details():
    assert details({"EUR": Decimal("10.00")}, iban="") is None


def test_bank_details_are_refused_field_by_field():
    assert bank_details_errors("ACME", "FR76 3000 6000 0112 3456 7890 189", "AGRIFRPPXXX") == {}
    assert bank_details_errors("", "", "") == {}
    assert set(bank_details_errors("ACME", "FR7630006000011234567890188", "AGRIFRPPXXX")) == {"iban"}
    assert set(bank_details_errors("ACME", IBAN, "AGRI")) == {"bic"}
    assert set(bank_details_errors("ACME", "", "AGRIFRPPXXX")) == {"bic"}
    assert set(bank_details_errors("A\nB", IBAN, "")) == {"account_holder"}
