"""UN/CEFACT Cross Industry Invoice (CII D16B), the XML of Factur-X and ZUGFeRD 2.x, every profile from MINIMUM to
EXTENDED (and XRechnung CII).

Read: the profile (BT-24), number (BT-1), type code (BT-3), issue date (BT-2); the seller (BT-27...) and the buyer
(BT-44...) with their identifiers, VAT numbers, postal address and contact; the currency (BT-5); the payment terms
(BT-20) and due date (BT-9), several of them with their amounts in EXTENDED; the totals (BT-109, BT-110, BT-112 to
BT-115); the preceding invoices (BT-25); the lines, only to check their arithmetic.
"""

from __future__ import annotations

from decimal import Decimal

from ..i18n import _
from .common import ZERO, Draft, LineCheck, finish, line_warnings
from .identity import Identifier, identify
from .model import Address, DuePart, EInvoice, EInvoiceError, Party
from .xmlsafe import Element, Lookup, line_of, parse_amount, parse_date_102, squeeze, text_of

RSM = "urn:un:unece:uncefact:data:standard:CrossIndustryInvoice:100"
RAM = "urn:un:unece:uncefact:data:standard:ReusableAggregateBusinessInformationEntity:100"
UDT = "urn:un:unece:uncefact:data:standard:UnqualifiedDataType:100"
NS = {"rsm": RSM, "ram": RAM, "udt": UDT}
_LOOKUP = Lookup(NS)
_find, _findall, _text, _amount_or = _LOOKUP.find, _LOOKUP.findall, _LOOKUP.text, _LOOKUP.amount_or


def _required(parent: Element | None, path: str, field: str, what: str, line: int) -> Element:
    found = _find(parent, path)
    if found is None or not text_of(found):
        raise EInvoiceError(line_of(parent) or line, field, _("%(what)s is missing") % {"what": what})
    return found


def _party(node: Element | None, who: str, warnings: list[str]) -> Party:
    if node is None:
        return Party()
    identifiers = [Identifier(e.get("schemeID") or "", text_of(e)) for e in _findall(node, "ram:GlobalID")]
    identifiers += [
        Identifier(e.get("schemeID") or "", text_of(e)) for e in _findall(node, "ram:ID") if e.get("schemeID")
    ]
    identifiers += [
        Identifier(e.get("schemeID") or "", text_of(e), legal=True)
        for e in _findall(node, "ram:SpecifiedLegalOrganization/ram:ID")
    ]
    identifiers += [
        Identifier(e.get("schemeID") or "", text_of(e))
        for e in _findall(node, "ram:URIUniversalCommunication/ram:URIID")
    ]
    vats = [
        text_of(e)
        for e in _findall(node, "ram:SpecifiedTaxRegistration/ram:ID")
        if (e.get("schemeID") or "VA").strip().upper() == "VA"
    ]
    identity = identify(identifiers, vats, who)
    warnings.extend(identity.warnings)
    address = _find(node, "ram:PostalTradeAddress")
    line2 = " ".join(x for x in (_text(address, "ram:LineTwo"), _text(address, "ram:LineThree")) if x)
    email = ""
    for e in _findall(node, "ram:DefinedTradeContact/ram:EmailURIUniversalCommunication/ram:URIID"):
        email = email or text_of(e)
    for e in _findall(node, "ram:URIUniversalCommunication/ram:URIID"):
        if (e.get("schemeID") or "").upper() == "EM":
            email = email or text_of(e)
    return Party(
        name=_text(node, "ram:Name"),
        trading_name=_text(node, "ram:SpecifiedLegalOrganization/ram:TradingBusinessName"),
        siren=identity.siren,
        siret=identity.siret,
        vat=identity.vat,
        address=Address(
            line1=_text(address, "ram:LineOne"),
            line2=line2,
            postal_code=_text(address, "ram:PostcodeCode"),
            city=_text(address, "ram:CityName"),
            country=_text(address, "ram:CountryID").upper(),
        ),
        email=email,
        contact_name=_text(node, "ram:DefinedTradeContact/ram:PersonName"),
        phone=_text(node, "ram:DefinedTradeContact/ram:TelephoneUniversalCommunication/ram:CompleteNumber"),
        claimed_sirens=identity.claimed_sirens,
        claimed_vats=identity.claimed_vats,
    )


def _lines(transaction: Element) -> list[LineCheck]:
    out = []
    for item in _findall(transaction, "ram:IncludedSupplyChainTradeLineItem"):
        settlement = _find(item, "ram:SpecifiedLineTradeSettlement")
        adjustments = ZERO
        for charge in _findall(settlement, "ram:SpecifiedTradeAllowanceCharge"):
            indicator = _text(charge, "ram:ChargeIndicator/udt:Indicator").lower()
            try:
                amount = Decimal(_text(charge, "ram:ActualAmount") or "0")
            except ArithmeticError:
                amount = ZERO
            adjustments += amount if indicator == "true" else -amount
        price = _find(item, "ram:SpecifiedLineTradeAgreement/ram:NetPriceProductTradePrice")
        quantity = _text(item, "ram:SpecifiedLineTradeDelivery/ram:BilledQuantity")
        stated = _text(settlement, "ram:SpecifiedTradeSettlementLineMonetarySummation/ram:LineTotalAmount")
        if price is None or not quantity or not stated:
            continue
        out.append(
            LineCheck(
                line_id=_text(item, "ram:AssociatedDocumentLineDocument/ram:LineID"),
                quantity=quantity,
                price=_text(price, "ram:ChargeAmount"),
                base_quantity=_text(price, "ram:BasisQuantity"),
                adjustments=adjustments,
                stated=stated,
            )
        )
    return out


def read(root: Element) -> EInvoice:
    """The invoice or credit note of a ``rsm:CrossIndustryInvoice`` root element."""
    warnings: list[str] = []
    profile_id = _text(root, "rsm:ExchangedDocumentContext/ram:GuidelineSpecifiedDocumentContextParameter/ram:ID")
    document = _find(root, "rsm:ExchangedDocument")
    if document is None:
        raise EInvoiceError(
            line_of(root), "rsm:ExchangedDocument", _("the document header (ExchangedDocument) is missing")
        )
    number_node = _required(document, "ram:ID", "BT-1", _("the number (BT-1)"), line_of(root))
    number = text_of(number_node)
    type_code = _text(document, "ram:TypeCode")
    if not type_code:
        raise EInvoiceError(line_of(document), "BT-3", _("the type code (BT-3) is missing"))
    issue = parse_date_102(
        _required(
            document, "ram:IssueDateTime/udt:DateTimeString", "BT-2", _("the issue date (BT-2)"), line_of(document)
        ),
        "BT-2",
    )
    transaction = _find(root, "rsm:SupplyChainTradeTransaction")
    if transaction is None:
        raise EInvoiceError(line_of(root), "rsm:SupplyChainTradeTransaction", _("the trade transaction is missing"))
    agreement = _find(transaction, "ram:ApplicableHeaderTradeAgreement")
    settlement = _find(transaction, "ram:ApplicableHeaderTradeSettlement")
    if settlement is None:
        raise EInvoiceError(
            line_of(transaction), "ApplicableHeaderTradeSettlement", _("the settlement part is missing")
        )
    seller = _party(_find(agreement, "ram:SellerTradeParty"), _("the seller"), warnings)
    buyer_node = _find(agreement, "ram:BuyerTradeParty")
    buyer = _party(buyer_node, _("the buyer"), warnings)
    if not buyer.name:
        raise EInvoiceError(
            line_of(buyer_node) or line_of(agreement), "BT-44", _("the buyer's name (BT-44) is missing")
        )
    currency_node = _find(settlement, "ram:InvoiceCurrencyCode")
    currency = text_of(currency_node)
    terms_texts: list[str] = []
    parts: list[DuePart] = []
    due_line = 0
    for terms in _findall(settlement, "ram:SpecifiedTradePaymentTerms"):
        description = _text(terms, "ram:Description")
        if description:
            terms_texts.append(description)
        due_node = _find(terms, "ram:DueDateDateTime/udt:DateTimeString")
        if due_node is not None and text_of(due_node):
            due_line = due_line or line_of(due_node)
            partial = _amount_or(terms, "ram:PartialPaymentAmount", "BT-115", None)
            parts.append(DuePart(parse_date_102(due_node, "BT-9"), partial))
    sums = _find(settlement, "ram:SpecifiedTradeSettlementHeaderMonetarySummation")
    if sums is None:
        raise EInvoiceError(line_of(settlement), "BG-22", _("the document totals (BG-22) are missing"))
    total_node = _required(
        sums, "ram:GrandTotalAmount", "BT-112", _("the total with VAT (BT-112)"), line_of(settlement)
    )
    due_node = _required(sums, "ram:DuePayableAmount", "BT-115", _("the amount due (BT-115)"), line_of(settlement))
    tax: Decimal | None = None
    for node in _findall(sums, "ram:TaxTotalAmount"):
        if (node.get("currencyID") or currency) == currency:
            tax = parse_amount(node, "BT-110")
            break
    references = [_text(ref, "ram:IssuerAssignedID") for ref in _findall(settlement, "ram:InvoiceReferencedDocument")]
    draft = Draft(
        syntax="CII",
        profile_id=profile_id,
        number=number,
        number_line=line_of(number_node),
        type_code=type_code,
        forced_kind=None,
        issue_date=issue,
        due_date=None,
        due_line=due_line,
        payment_terms_text=squeeze(" ".join(terms_texts)),
        seller=seller,
        buyer=buyer,
        currency=currency,
        currency_line=line_of(currency_node) or line_of(settlement),
        total_without_tax=_amount_or(sums, "ram:TaxBasisTotalAmount", "BT-109", None),
        tax=tax,
        total=parse_amount(total_node, "BT-112"),
        prepaid=_amount_or(sums, "ram:TotalPrepaidAmount", "BT-113", ZERO) or ZERO,
        rounding=_amount_or(sums, "ram:RoundingAmount", "BT-114", ZERO) or ZERO,
        amount_due=parse_amount(due_node, "BT-115"),
        totals_line=line_of(sums),
        referenced_invoices=tuple(references),
        due_parts=tuple(parts),
        warnings=warnings,
    )
    lines = _lines(transaction)
    draft.line_count = len(_findall(transaction, "ram:IncludedSupplyChainTradeLineItem"))
    warnings.extend(line_warnings(lines, number))
    return finish(draft)
