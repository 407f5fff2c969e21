"""OASIS UBL 2.1 ``Invoice`` and ``CreditNote``: Peppol BIS Billing 3.0, XRechnung UBL and the French CTC profiles
of the 2026 e-invoicing reform (``urn.cpro.gouv.fr:1p0:extended-ctc-fr``...).

Read: the profile (``CustomizationID``, BT-24), number (BT-1), type code (BT-3), issue and due dates (BT-2, BT-9);
the seller (``AccountingSupplierParty``) and the buyer (``AccountingCustomerParty``) with their endpoint, party
identifiers, VAT numbers (``PartyTaxScheme`` whose scheme is VAT), legal registration, postal address and contact;
the currency (BT-5); the payment terms (``PaymentTerms/Note``, BT-20, and dated instalments when given); the totals
(``LegalMonetaryTotal`` and the ``TaxTotal`` in the document's currency); the preceding invoices
(``BillingReference``, BT-25); the lines, only to check their arithmetic.
"""

from __future__ import annotations

from decimal import Decimal

from ..i18n import _
from .common import ZERO, Draft, LineCheck, finish, line_warnings
from .identity import Identifier, identify
from .model import Address, DocumentKind, DuePart, EInvoice, EInvoiceError, Party
from .xmlsafe import Element, Lookup, line_of, local, namespace, parse_amount, parse_iso_date, squeeze, text_of

INVOICE_NS = "urn:oasis:names:specification:ubl:schema:xsd:Invoice-2"
CREDIT_NOTE_NS = "urn:oasis:names:specification:ubl:schema:xsd:CreditNote-2"
CAC = "urn:oasis:names:specification:ubl:schema:xsd:CommonAggregateComponents-2"
CBC = "urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2"
NS = {"cac": CAC, "cbc": CBC}
_LOOKUP = Lookup(NS)
_find, _findall, _text, _amount_or = _LOOKUP.find, _LOOKUP.findall, _LOOKUP.text, _LOOKUP.amount_or


def _required(parent: Element, path: str, field: str, what: str) -> Element:
    found = _find(parent, path)
    if found is None or not text_of(found):
        raise EInvoiceError(line_of(parent), field, _("%(what)s is missing") % {"what": what})
    return found


def _party(holder: Element | None, who: str, warnings: list[str]) -> tuple[Party, Element | None]:
    node = _find(holder, "cac:Party")
    if node is None:
        return Party(), holder
    identifiers = [Identifier(e.get("schemeID") or "", text_of(e)) for e in _findall(node, "cbc:EndpointID")]
    identifiers += [
        Identifier(e.get("schemeID") or "", text_of(e)) for e in _findall(node, "cac:PartyIdentification/cbc:ID")
    ]
    identifiers += [
        Identifier(e.get("schemeID") or "", text_of(e), legal=True)
        for e in _findall(node, "cac:PartyLegalEntity/cbc:CompanyID")
    ]
    vats = [
        _text(scheme, "cbc:CompanyID")
        for scheme in _findall(node, "cac:PartyTaxScheme")
        if _text(scheme, "cac:TaxScheme/cbc:ID").upper() in ("VAT", "")
    ]
    identity = identify(identifiers, vats, who)
    warnings.extend(identity.warnings)
    address = _find(node, "cac:PostalAddress")
    extra_lines = [text_of(e) for e in _findall(address, "cac:AddressLine/cbc:Line")]
    line2 = " ".join(x for x in (_text(address, "cbc:AdditionalStreetName"), *extra_lines) if x)
    email = _text(node, "cac:Contact/cbc:ElectronicMail")
    for e in _findall(node, "cbc:EndpointID"):
        if (e.get("schemeID") or "").upper() == "EM":
            email = email or text_of(e)
    legal_name = _text(node, "cac:PartyLegalEntity/cbc:RegistrationName")
    trading_name = _text(node, "cac:PartyName/cbc:Name")
    party = Party(
        name=legal_name or trading_name,
        trading_name=trading_name if trading_name != legal_name else "",
        siren=identity.siren,
        siret=identity.siret,
        vat=identity.vat,
        address=Address(
            line1=_text(address, "cbc:StreetName"),
            line2=line2,
            postal_code=_text(address, "cbc:PostalZone"),
            city=_text(address, "cbc:CityName"),
            country=_text(address, "cac:Country/cbc:IdentificationCode").upper(),
        ),
        email=email,
        contact_name=_text(node, "cac:Contact/cbc:Name"),
        phone=_text(node, "cac:Contact/cbc:Telephone"),
        claimed_sirens=identity.claimed_sirens,
        claimed_vats=identity.claimed_vats,
    )
    return party, node


def _lines(root: Element, line_tag: str, quantity_tag: str) -> tuple[list[LineCheck], int]:
    out = []
    items = _findall(root, f"cac:{line_tag}")
    for item in items:
        adjustments = ZERO
        for charge in _findall(item, "cac:AllowanceCharge"):
            try:
                amount = Decimal(_text(charge, "cbc:Amount") or "0")
            except ArithmeticError:
                amount = ZERO
            adjustments += amount if _text(charge, "cbc:ChargeIndicator").lower() == "true" else -amount
        quantity = _text(item, f"cbc:{quantity_tag}")
        price = _text(item, "cac:Price/cbc:PriceAmount")
        stated = _text(item, "cbc:LineExtensionAmount")
        if not quantity or not price or not stated:
            continue
        out.append(
            LineCheck(
                line_id=_text(item, "cbc:ID"),
                quantity=quantity,
                price=price,
                base_quantity=_text(item, "cac:Price/cbc:BaseQuantity"),
                adjustments=adjustments,
                stated=stated,
            )
        )
    return out, len(items)


def read(root: Element) -> EInvoice:
    """The invoice or credit note of a UBL ``Invoice`` or ``CreditNote`` root element."""
    warnings: list[str] = []
    credit = local(root.tag) == "CreditNote" and namespace(root.tag) == CREDIT_NOTE_NS
    profile_id = _text(root, "cbc:CustomizationID")
    number_node = _required(root, "cbc:ID", "BT-1", _("the number (BT-1)"))
    number = text_of(number_node)
    type_code = _text(root, "cbc:CreditNoteTypeCode" if credit else "cbc:InvoiceTypeCode") or ("381" if credit else "")
    if not type_code:
        raise EInvoiceError(line_of(root), "BT-3", _("the type code (BT-3) is missing"))
    issue = parse_iso_date(_required(root, "cbc:IssueDate", "BT-2", _("the issue date (BT-2)")), "BT-2")
    due_node = _find(root, "cbc:DueDate")
    due_date = parse_iso_date(due_node, "BT-9") if due_node is not None and text_of(due_node) else None
    seller, _seller_node = _party(_find(root, "cac:AccountingSupplierParty"), _("the seller"), warnings)
    buyer_holder = _find(root, "cac:AccountingCustomerParty")
    buyer, buyer_node = _party(buyer_holder, _("the buyer"), warnings)
    if not buyer.name:
        raise EInvoiceError(line_of(buyer_node) or line_of(root), "BT-44", _("the buyer's name (BT-44) is missing"))
    currency_node = _find(root, "cbc:DocumentCurrencyCode")
    currency = text_of(currency_node)
    terms_texts: list[str] = []
    parts: list[DuePart] = []
    due_line = line_of(due_node)
    for terms in _findall(root, "cac:PaymentTerms"):
        terms_texts.extend(text_of(n) for n in _findall(terms, "cbc:Note") if text_of(n))
        for path in ("cbc:PaymentDueDate", "cbc:InstallmentDueDate"):
            node = _find(terms, path)
            if node is not None and text_of(node):
                due_line = due_line or line_of(node)
                parts.append(DuePart(parse_iso_date(node, "BT-9"), _amount_or(terms, "cbc:Amount", "BT-115", None)))
                break
    if credit:  # a credit note may give its due date in PaymentMeans
        node = _find(root, "cac:PaymentMeans/cbc:PaymentDueDate")
        if due_date is None and node is not None and text_of(node):
            due_date = parse_iso_date(node, "BT-9")
    sums = _find(root, "cac:LegalMonetaryTotal")
    if sums is None:
        raise EInvoiceError(line_of(root), "BG-22", _("the document totals (LegalMonetaryTotal, BG-22) are missing"))
    total_node = _required(sums, "cbc:TaxInclusiveAmount", "BT-112", _("the total with VAT (BT-112)"))
    payable_node = _required(sums, "cbc:PayableAmount", "BT-115", _("the amount due (BT-115)"))
    tax: Decimal | None = None
    for total in _findall(root, "cac:TaxTotal"):
        node = _find(total, "cbc:TaxAmount")
        if node is not None and (node.get("currencyID") or currency) == currency and text_of(node):
            tax = parse_amount(node, "BT-110")
            break
    references = [_text(ref, "cac:InvoiceDocumentReference/cbc:ID") for ref in _findall(root, "cac:BillingReference")]
    line_tag, quantity_tag = ("CreditNoteLine", "CreditedQuantity") if credit else ("InvoiceLine", "InvoicedQuantity")
    lines, line_count = _lines(root, line_tag, quantity_tag)
    draft = Draft(
        syntax="UBL",
        profile_id=profile_id,
        number=number,
        number_line=line_of(number_node),
        type_code=type_code,
        forced_kind=DocumentKind.CREDIT_NOTE if credit else None,
        issue_date=issue,
        due_date=due_date,
        due_line=due_line,
        payment_terms_text=squeeze(" ".join(terms_texts)),
        seller=seller,
        buyer=buyer,
        currency=currency,
        currency_line=line_of(currency_node) or line_of(root),
        total_without_tax=_amount_or(sums, "cbc:TaxExclusiveAmount", "BT-109", None),
        tax=tax,
        total=parse_amount(total_node, "BT-112"),
        prepaid=_amount_or(sums, "cbc:PrepaidAmount", "BT-113", ZERO) or ZERO,
        rounding=_amount_or(sums, "cbc:PayableRoundingAmount", "BT-114", ZERO) or ZERO,
        amount_due=parse_amount(payable_node, "BT-115"),
        totals_line=line_of(sums),
        referenced_invoices=tuple(references),
        due_parts=tuple(parts),
        warnings=warnings,
        line_count=line_count,
    )
    warnings.extend(line_warnings(lines, number))
    return finish(draft)
