"""Reading e-invoices (pure, no database): CII in each Factur-X profile, UBL invoices and credit notes, Factur-X PDFs,
and every refusal with its reason. Fuzzed: arbitrary bytes and damaged documents give an ``EInvoiceError``, never
another exception."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from recouvre.core.dates import PaymentTerms
from recouvre.core.einvoice import DocumentKind, EInvoiceError, read_einvoice, suggest_ref, terms_from_text
from recouvre.core.einvoice.identity import Identifier, identify, normal_name

from .documents import BILLION_LAUGHS, BUYER_SIREN, BUYER_SIRET, EXTERNAL_ENTITY, cii, pdf, ubl


def refused(content: bytes) -> EInvoiceError:
    with pytest.raises(EInvoiceError) as caught:
        read_einvoice(content)
    return caught.value


def test_cii_en16931_invoice() -> None:
    read = read_einvoice(cii())
    inv = read.invoice
    assert (inv.syntax, inv.profile, inv.number, inv.kind, inv.type_code) == (
        "CII",
        "en16931",
        "FA-1001",
        DocumentKind.INVOICE,
        "380",
    )
    assert (inv.issue_date, inv.due_date) == (date(2026, 1, 5), date(2026, 2, 4))
    assert (inv.total_without_tax, inv.tax, inv.total, inv.prepaid, inv.amount_due) == (
        Decimal("1000.00"),
        Decimal("200.00"),
        Decimal("1200.00"),
        Decimal("0.00"),
        Decimal("1200.00"),
    )
    assert (inv.buyer.name, inv.buyer.siren, inv.buyer.vat, inv.buyer.email) == (
        "Boulangerie Martin SARL",
        BUYER_SIREN,
        "FR96552100554",
        "compta@martin.example",
    )
    assert (inv.buyer.address.city, inv.buyer.address.postal_code, inv.buyer.address.country) == ("Lyon", "69002", "FR")
    assert inv.seller.siren == "732829320"
    assert read.is_pdf is False and inv.warnings == ()


@pytest.mark.parametrize("profile", ["minimum", "basicwl", "basic", "en16931", "extended"])
def test_every_factur_x_profile_is_read(profile: str) -> None:
    inv = read_einvoice(cii(profile=profile, due=None if profile == "minimum" else "20260204")).invoice
    assert inv.profile == profile
    assert inv.amount_due == Decimal("1200.00")
    assert inv.due_date == (None if profile == "minimum" else date(2026, 2, 4))


def test_prepaid_amount_is_taken_off() -> None:
    inv = read_einvoice(cii(prepaid="300.00", payable="900.00")).invoice
    assert (inv.total, inv.prepaid, inv.amount_due) == (Decimal("1200.00"), Decimal("300.00"), Decimal("900.00"))


def test_extended_payment_terms_with_amounts_make_instalments() -> None:
    inv = read_einvoice(
        cii(profile="extended", partial=(("20260301", "600.00"), ("20260201", "600.00")), due=None)
    ).invoice
    assert [(p.due_on, p.amount) for p in inv.instalments] == [
        (date(2026, 2, 1), Decimal("600.00")),
        (date(2026, 3, 1), Decimal("600.00")),
    ]
    assert inv.due_date == date(2026, 2, 1)


def test_cii_credit_note_names_its_invoice() -> None:
    inv = read_einvoice(cii("AV-7", type_code="381", referenced="FA-1001", due=None)).invoice
    assert inv.kind == DocumentKind.CREDIT_NOTE and inv.referenced_invoice == "FA-1001"


def test_ubl_invoice_and_credit_note() -> None:
    inv = read_einvoice(ubl(prepaid="100.00", payable="500.00")).invoice
    assert (inv.syntax, inv.profile, inv.number, inv.kind) == ("UBL", "peppol-bis-3", "INV-2001", DocumentKind.INVOICE)
    assert (inv.total, inv.prepaid, inv.amount_due, inv.due_date) == (
        Decimal("600.00"),
        Decimal("100.00"),
        Decimal("500.00"),
        date(2026, 3, 12),
    )
    assert (inv.buyer.name, inv.buyer.trading_name, inv.buyer.siren) == ("Garage Dupuis SAS", "Dupuis", "404833048")
    note = read_einvoice(ubl("CN-1", credit_note=True, referenced="INV-2001")).invoice
    assert (note.kind, note.type_code, note.referenced_invoice, note.amount_due) == (
        DocumentKind.CREDIT_NOTE,
        "381",
        "INV-2001",
        Decimal("600.00"),
    )


def test_ubl_without_due_date_keeps_its_terms_text() -> None:
    inv = read_einvoice(ubl(due=None, terms="Paiement à 45 jours fin de mois")).invoice
    assert inv.due_date is None and inv.payment_terms_text == "Paiement à 45 jours fin de mois"


def test_factur_x_pdf() -> None:
    read = read_einvoice(pdf(cii()))
    assert read.is_pdf and read.attachment == "factur-x.xml" and read.invoice.number == "FA-1001"


def test_pdf_without_invoice_xml_is_refused() -> None:
    error = refused(pdf())
    assert error.field == "PDF"
    assert error.message == (
        "the PDF has no attached invoice XML (factur-x.xml): it is a plain PDF, not a Factur-X or ZUGFeRD invoice"
    )


def test_damaged_pdf_is_refused() -> None:
    assert refused(b"%PDF-1.7\n garbage").message.startswith("the PDF cannot be read")


@pytest.mark.parametrize("content", [BILLION_LAUGHS, EXTERNAL_ENTITY])
def test_dtd_and_entities_are_refused_before_parsing(content: bytes) -> None:
    error = refused(content)
    assert error.line == 2
    assert (
        error.message == "the file declares a DTD or entities (<!DOCTYPE>, <!ENTITY>): refused, an e-invoice has none"
    )


def test_dtd_inside_a_factur_x_pdf_is_refused() -> None:
    error = refused(pdf(BILLION_LAUGHS))
    assert error.field == "factur-x.xml: XML" and "DTD" in error.message


def test_totals_that_do_not_add_up_are_refused() -> None:
    error = refused(cii(total="1250.00"))
    assert error.field == "BT-112"
    assert error.message == (
        "the totals do not add up: 1000.00 without VAT + 200.00 VAT = 1200.00, but the invoice says a total of 1250.00"
    )
    error = refused(cii(prepaid="200.00", payable="1100.00"))
    assert error.message == (
        "the totals do not add up: 1200.00 total - 200.00 prepaid + 0.00 rounding = 1000.00, but the invoice says "
        "1100.00 is due"
    )


@pytest.mark.parametrize(
    ("content", "field", "message"),
    [
        (b"hello", "file", "the file is neither a PDF nor an XML document (Factur-X, CII or UBL invoice)"),
        (b"", "file", "the file is empty"),
        (b"<a><b></a>", "XML", None),
        (
            b"<root/>",
            "XML",
            "<root> is not an e-invoice: expected a CII CrossIndustryInvoice or a UBL 2.1 Invoice or CreditNote",
        ),  # noqa: E501
        (cii(number=""), "BT-1", "the number (BT-1) is missing"),
        (cii(number="X" * 61), "BT-1", None),
        (cii(issued="20261301"), "BT-2", "'20261301' is not a date (YYYYMMDD)"),
        (cii(due="20251231"), "BT-9", "the due date 2025-12-31 is before the issue date 2026-01-05"),
        (cii(total="12OO.00"), "BT-112", "'12OO.00' is not an amount (digits and a dot, e.g. 1234.50)"),
        (
            cii(excl="1000.001", total="1200.001", payable="1200.001"),
            "BT-109",
            "the amount 1000.001 has more than two decimals",
        ),  # noqa: E501
        (cii(currency="euro"), "BT-5", "'euro' is not a currency code (three capital letters, e.g. EUR)"),
        (cii(buyer_name=""), "BT-44", "the buyer's name (BT-44) is missing"),
        (cii(excl="-100.00", tax="-20.00", total="-120.00"), "BT-115", None),
    ],
)
def test_refusals_say_why(content: bytes, field: str, message: str | None) -> None:
    error = refused(content)
    assert error.field == field
    if message is not None:
        assert error.message == message
    assert error.message


def test_identifiers_are_checked_with_stdnum() -> None:
    ident = identify(
        [Identifier("0009", "78787878400035"), Identifier("0002", "787878784", legal=True)],
        ["FR19787878784"],
        "the buyer",
    )
    assert (ident.siren, ident.siret, ident.vat) == ("787878784", "", "FR19787878784")
    assert ident.warnings == ("the buyer's SIRET 78787878400035 is not valid (wrong check digits): not used",)
    ident = identify([Identifier("0225", "552100554_042")], [], "the seller")
    assert ident.siren == "552100554"
    ident = identify([Identifier("", BUYER_SIRET, legal=True)], [], "the buyer")
    assert (ident.siren, ident.siret) == (BUYER_SIREN, BUYER_SIRET)
    ident = identify([], ["FR96552100554"], "the buyer")
    assert ident.siren == BUYER_SIREN and ident.claimed_sirens == (BUYER_SIREN,)
    ident = identify([Identifier("0002", "987654321", legal=True)], [], "the buyer")
    assert ident.siren == "" and ident.claimed_sirens == ("987654321",)


def test_names_and_account_references() -> None:
    assert normal_name("Ma Jolie Boutique SARL") == normal_name("ma jolie  boutique") == "ma jolie boutique"
    assert normal_name("Électricité Générale, S.A.S.") == "electricite generale"
    assert suggest_ref("Ma jolie boutique SARL", set()) == "411MAJOLIEB"
    assert suggest_ref("Ma jolie boutique", {"411MAJOLIEB"}) == "411MAJOLI02"


@pytest.mark.parametrize(
    ("text", "terms"),
    [
        ("30 jours net", PaymentTerms(30)),
        ("PAIEMENT 30 JOURS NET", PaymentTerms(30)),
        ("Payment within 10 days, 2% discount", PaymentTerms(10)),
        ("30% d'acompte, solde à 30 j", PaymentTerms(30)),
        ("45 jours fin de mois", PaymentTerms(45, end_of_month=True)),
        ("net 60", PaymentTerms(60)),
        ("Escompte 2 % à 10 jours, net à 45 jours", PaymentTerms(45)),
        ("Paiement à réception", PaymentTerms(0)),
        ("Virement bancaire", None),
        ("", None),
    ],
)
def test_payment_terms_in_words(text: str, terms: PaymentTerms | None) -> None:
    assert terms_from_text(text) == terms


# --------------------------------------------------------------------------------------------- fuzzing

PROBE = settings(max_examples=150, deadline=None, derandomize=True)
VALID = [cii(), cii(profile="minimum", due=None), ubl(), ubl("CN-1", credit_note=True, referenced="INV-2001")]


def read(content: bytes) -> None:
    try:
        inv = read_einvoice(content).invoice
    except EInvoiceError as error:
        assert error.line >= 0 and error.message and error.field
        return
    assert inv.amount_due == inv.total - inv.prepaid + inv.rounding


@PROBE
@given(st.binary(max_size=3000))
def test_arbitrary_bytes(content: bytes) -> None:
    read(content)


@PROBE
@given(st.binary(max_size=400))
def test_arbitrary_bytes_after_a_pdf_header(content: bytes) -> None:
    read(b"%PDF-1.7\n" + content)


@PROBE
@given(
    st.sampled_from(range(len(VALID))),
    st.lists(
        st.tuples(
            st.floats(0, 1, exclude_max=True),
            st.sampled_from(["set", "insert", "delete", "cut"]),
            st.binary(min_size=1, max_size=8),
        ),
        min_size=1,
        max_size=6,
    ),
)
def test_valid_documents_with_bytes_changed(index: int, mutations: list[tuple[float, str, bytes]]) -> None:
    content = bytearray(VALID[index])
    for where, how, data in mutations:
        at = int(where * len(content)) if content else 0
        if how == "set":
            content[at : at + len(data)] = data
        elif how == "insert":
            content[at:at] = data
        elif how == "delete":
            del content[at : at + len(data) * 4]
        else:
            del content[at:]
    read(bytes(content))


@PROBE
@given(st.text(max_size=60), st.text(max_size=60))
def test_any_text_in_amounts_and_dates(amount: str, day: str) -> None:
    from xml.sax.saxutils import escape

    safe = escape("".join(ch for ch in amount if ch.isprintable()))
    read(cii(total=safe, payable=safe, issued=escape("".join(ch for ch in day if ch.isprintable()))))


@PROBE
@given(st.binary(max_size=2000))
def test_status_files_of_arbitrary_bytes(content: bytes) -> None:
    from recouvre.core.einvoice.status import StatusFileRefused, read_status_file

    try:
        messages = read_status_file(content)
    except StatusFileRefused as refused_file:
        assert refused_file.errors and all(e.message for e in refused_file.errors)
        return
    assert all(200 <= m.code <= 299 and m.number for m in messages)


@PROBE
@given(st.lists(st.tuples(st.text(max_size=12), st.text(max_size=8), st.text(max_size=12)), max_size=5))
def test_status_files_of_arbitrary_cells(rows: list[tuple[str, str, str]]) -> None:
    from recouvre.core.einvoice.status import StatusFileRefused, read_status_file

    text = "invoice;status;date\n" + "\n".join(";".join(row) for row in rows)
    try:
        read_status_file(text.encode("utf-8", "surrogatepass"))
    except StatusFileRefused as refused_file:
        assert refused_file.errors
