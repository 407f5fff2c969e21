# ruff: noqa: E501
"""Small e-invoices written for the tests: CII (Factur-X profiles MINIMUM to EXTENDED) and UBL 2.1 invoices and
credit notes, and Factur-X PDFs made with pypdf."""

from __future__ import annotations

import io
from xml.sax.saxutils import escape

SELLER_SIREN = "732829320"  # the test organization's (``OrganizationFactory``)
SELLER_VAT = "FR44732829320"
BUYER_SIREN = "552100554"
BUYER_SIRET = "55210055400013"
BUYER_VAT = "FR96552100554"

PROFILES = {
    "minimum": "urn:factur-x.eu:1p0:minimum",
    "basicwl": "urn:factur-x.eu:1p0:basicwl",
    "basic": "urn:cen.eu:en16931:2017#compliant#urn:factur-x.eu:1p0:basic",
    "en16931": "urn:cen.eu:en16931:2017",
    "extended": "urn:cen.eu:en16931:2017#conformant#urn:factur-x.eu:1p0:extended",
}


def cii(
    number: str = "FA-1001",
    *,
    profile: str = "en16931",
    type_code: str = "380",
    issued: str = "20260105",
    due: str | None = "20260204",
    terms: str = "",
    excl: str = "1000.00",
    tax: str | None = "200.00",
    total: str = "1200.00",
    prepaid: str | None = None,
    payable: str | None = None,
    seller_siren: str = SELLER_SIREN,
    seller_vat: str = SELLER_VAT,
    buyer_name: str = "Boulangerie Martin SARL",
    buyer_siren: str = BUYER_SIREN,
    buyer_vat: str = BUYER_VAT,
    buyer_email: str = "compta@martin.example",
    referenced: str = "",
    partial: tuple[tuple[str, str], ...] = (),
    currency: str = "EUR",
    lines: str = "",
    prolog: str = "<?xml version='1.0' encoding='UTF-8'?>",
) -> bytes:
    """A CII document (the XML of Factur-X). ``partial``: EXTENDED payment terms ``(YYYYMMDD, amount)``."""
    terms_xml = ""
    if partial:
        for day, amount in partial:
            terms_xml += (
                "<ram:SpecifiedTradePaymentTerms><ram:DueDateDateTime>"
                f'<udt:DateTimeString format="102">{day}</udt:DateTimeString></ram:DueDateDateTime>'
                f"<ram:PartialPaymentAmount>{amount}</ram:PartialPaymentAmount></ram:SpecifiedTradePaymentTerms>"
            )
    elif due or terms:
        terms_xml = "<ram:SpecifiedTradePaymentTerms>"
        if terms:
            terms_xml += f"<ram:Description>{escape(terms)}</ram:Description>"
        if due:
            terms_xml += f'<ram:DueDateDateTime><udt:DateTimeString format="102">{due}</udt:DateTimeString></ram:DueDateDateTime>'
        terms_xml += "</ram:SpecifiedTradePaymentTerms>"
    seller_ids = (
        f'<ram:SpecifiedLegalOrganization><ram:ID schemeID="0002">{seller_siren}</ram:ID></ram:SpecifiedLegalOrganization>'
        if seller_siren
        else ""
    )  # noqa: E501
    seller_tax = (
        f'<ram:SpecifiedTaxRegistration><ram:ID schemeID="VA">{seller_vat}</ram:ID></ram:SpecifiedTaxRegistration>'
        if seller_vat
        else ""
    )  # noqa: E501
    buyer_ids = (
        f'<ram:SpecifiedLegalOrganization><ram:ID schemeID="0002">{buyer_siren}</ram:ID></ram:SpecifiedLegalOrganization>'
        if buyer_siren
        else ""
    )  # noqa: E501
    buyer_contact = (
        "<ram:DefinedTradeContact><ram:PersonName>Paul Martin</ram:PersonName><ram:EmailURIUniversalCommunication>"
        f"<ram:URIID>{buyer_email}</ram:URIID></ram:EmailURIUniversalCommunication></ram:DefinedTradeContact>"
        if buyer_email
        else ""
    )
    buyer_tax = (
        f'<ram:SpecifiedTaxRegistration><ram:ID schemeID="VA">{buyer_vat}</ram:ID></ram:SpecifiedTaxRegistration>'
        if buyer_vat
        else ""
    )  # noqa: E501
    tax_xml = f'<ram:TaxTotalAmount currencyID="{currency}">{tax}</ram:TaxTotalAmount>' if tax is not None else ""
    prepaid_xml = f"<ram:TotalPrepaidAmount>{prepaid}</ram:TotalPrepaidAmount>" if prepaid is not None else ""
    reference = (
        f"<ram:InvoiceReferencedDocument><ram:IssuerAssignedID>{referenced}</ram:IssuerAssignedID></ram:InvoiceReferencedDocument>"  # noqa: E501
        if referenced
        else ""
    )
    text = f"""{prolog}
<rsm:CrossIndustryInvoice xmlns:rsm="urn:un:unece:uncefact:data:standard:CrossIndustryInvoice:100"
 xmlns:ram="urn:un:unece:uncefact:data:standard:ReusableAggregateBusinessInformationEntity:100"
 xmlns:udt="urn:un:unece:uncefact:data:standard:UnqualifiedDataType:100">
 <rsm:ExchangedDocumentContext>
  <ram:GuidelineSpecifiedDocumentContextParameter><ram:ID>{PROFILES[profile]}</ram:ID></ram:GuidelineSpecifiedDocumentContextParameter>
 </rsm:ExchangedDocumentContext>
 <rsm:ExchangedDocument>
  <ram:ID>{escape(number)}</ram:ID>
  <ram:TypeCode>{type_code}</ram:TypeCode>
  <ram:IssueDateTime><udt:DateTimeString format="102">{issued}</udt:DateTimeString></ram:IssueDateTime>
 </rsm:ExchangedDocument>
 <rsm:SupplyChainTradeTransaction>{lines}
  <ram:ApplicableHeaderTradeAgreement>
   <ram:SellerTradeParty><ram:Name>ACME Distribution SAS</ram:Name>{seller_ids}{seller_tax}</ram:SellerTradeParty>
   <ram:BuyerTradeParty><ram:Name>{escape(buyer_name)}</ram:Name>{buyer_ids}{buyer_contact}
    <ram:PostalTradeAddress><ram:PostcodeCode>69002</ram:PostcodeCode><ram:LineOne>12 rue Mercière</ram:LineOne>
     <ram:CityName>Lyon</ram:CityName><ram:CountryID>FR</ram:CountryID></ram:PostalTradeAddress>{buyer_tax}
   </ram:BuyerTradeParty>
  </ram:ApplicableHeaderTradeAgreement>
  <ram:ApplicableHeaderTradeDelivery/>
  <ram:ApplicableHeaderTradeSettlement>
   <ram:InvoiceCurrencyCode>{currency}</ram:InvoiceCurrencyCode>
   {terms_xml}
   <ram:SpecifiedTradeSettlementHeaderMonetarySummation>
    <ram:TaxBasisTotalAmount>{excl}</ram:TaxBasisTotalAmount>{tax_xml}
    <ram:GrandTotalAmount>{total}</ram:GrandTotalAmount>{prepaid_xml}
    <ram:DuePayableAmount>{payable if payable is not None else total}</ram:DuePayableAmount>
   </ram:SpecifiedTradeSettlementHeaderMonetarySummation>{reference}
  </ram:ApplicableHeaderTradeSettlement>
 </rsm:SupplyChainTradeTransaction>
</rsm:CrossIndustryInvoice>
"""
    return text.encode("utf-8")


def ubl(
    number: str = "INV-2001",
    *,
    credit_note: bool = False,
    issued: str = "2026-02-10",
    due: str | None = "2026-03-12",
    terms: str = "",
    excl: str = "500.00",
    tax: str = "100.00",
    total: str = "600.00",
    prepaid: str | None = None,
    payable: str | None = None,
    referenced: str = "",
    seller_siren: str = SELLER_SIREN,
    buyer_name: str = "Garage Dupuis SAS",
    buyer_siren: str = "404833048",
    buyer_vat: str = "FR83404833048",
    currency: str = "EUR",
) -> bytes:
    """A UBL 2.1 invoice (Peppol BIS 3 style) or credit note."""
    root = "CreditNote" if credit_note else "Invoice"
    type_element = (
        "<cbc:CreditNoteTypeCode>381</cbc:CreditNoteTypeCode>"
        if credit_note
        else "<cbc:InvoiceTypeCode>380</cbc:InvoiceTypeCode>"
    )
    due_xml = f"<cbc:DueDate>{due}</cbc:DueDate>" if due and not credit_note else ""
    billing = (
        f"<cac:BillingReference><cac:InvoiceDocumentReference><cbc:ID>{referenced}</cbc:ID>"
        "</cac:InvoiceDocumentReference></cac:BillingReference>"
        if referenced
        else ""
    )
    terms_xml = f"<cac:PaymentTerms><cbc:Note>{escape(terms)}</cbc:Note></cac:PaymentTerms>" if terms else ""
    prepaid_xml = f'<cbc:PrepaidAmount currencyID="{currency}">{prepaid}</cbc:PrepaidAmount>' if prepaid else ""
    seller_legal = f'<cbc:CompanyID schemeID="0002">{seller_siren}</cbc:CompanyID>' if seller_siren else ""
    text = f"""<?xml version="1.0" encoding="UTF-8"?>
<{root} xmlns="urn:oasis:names:specification:ubl:schema:xsd:{root}-2"
 xmlns:cac="urn:oasis:names:specification:ubl:schema:xsd:CommonAggregateComponents-2"
 xmlns:cbc="urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2">
 <cbc:CustomizationID>urn:cen.eu:en16931:2017#compliant#urn:fdc:peppol.eu:2017:poacc:billing:3.0</cbc:CustomizationID>
 <cbc:ID>{escape(number)}</cbc:ID>
 <cbc:IssueDate>{issued}</cbc:IssueDate>{due_xml}
 {type_element}
 <cbc:DocumentCurrencyCode>{currency}</cbc:DocumentCurrencyCode>{billing}
 <cac:AccountingSupplierParty><cac:Party>
  <cbc:EndpointID schemeID="0225">{seller_siren}</cbc:EndpointID>
  <cac:PartyLegalEntity><cbc:RegistrationName>ACME Distribution SAS</cbc:RegistrationName>{seller_legal}</cac:PartyLegalEntity>
 </cac:Party></cac:AccountingSupplierParty>
 <cac:AccountingCustomerParty><cac:Party>
  <cbc:EndpointID schemeID="0225">{buyer_siren}</cbc:EndpointID>
  <cac:PartyName><cbc:Name>Dupuis</cbc:Name></cac:PartyName>
  <cac:PostalAddress><cbc:StreetName>4 avenue Foch</cbc:StreetName><cbc:CityName>Nancy</cbc:CityName>
   <cbc:PostalZone>54000</cbc:PostalZone><cac:Country><cbc:IdentificationCode>FR</cbc:IdentificationCode></cac:Country>
  </cac:PostalAddress>
  <cac:PartyTaxScheme><cbc:CompanyID>{buyer_vat}</cbc:CompanyID><cac:TaxScheme><cbc:ID>VAT</cbc:ID></cac:TaxScheme></cac:PartyTaxScheme>
  <cac:PartyLegalEntity><cbc:RegistrationName>{escape(buyer_name)}</cbc:RegistrationName>
   <cbc:CompanyID schemeID="0002">{buyer_siren}</cbc:CompanyID></cac:PartyLegalEntity>
  <cac:Contact><cbc:ElectronicMail>factures@dupuis.example</cbc:ElectronicMail></cac:Contact>
 </cac:Party></cac:AccountingCustomerParty>
 {terms_xml}
 <cac:TaxTotal><cbc:TaxAmount currencyID="{currency}">{tax}</cbc:TaxAmount></cac:TaxTotal>
 <cac:LegalMonetaryTotal>
  <cbc:LineExtensionAmount currencyID="{currency}">{excl}</cbc:LineExtensionAmount>
  <cbc:TaxExclusiveAmount currencyID="{currency}">{excl}</cbc:TaxExclusiveAmount>
  <cbc:TaxInclusiveAmount currencyID="{currency}">{total}</cbc:TaxInclusiveAmount>{prepaid_xml}
  <cbc:PayableAmount currencyID="{currency}">{payable if payable is not None else total}</cbc:PayableAmount>
 </cac:LegalMonetaryTotal>
</{root}>
"""
    return text.encode("utf-8")


def pdf(xml: bytes | None = None, *, name: str = "factur-x.xml") -> bytes:
    """A one-page PDF with ``xml`` attached as ``name`` (a Factur-X PDF), or without any attachment."""
    from pypdf import PdfWriter

    writer = PdfWriter()
    writer.add_blank_page(width=595, height=842)
    if xml is not None:
        writer.add_attachment(name, xml)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


BILLION_LAUGHS = b"""<?xml version="1.0"?>
<!DOCTYPE lolz [
 <!ENTITY lol "lol">
 <!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
 <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
]>
<rsm:CrossIndustryInvoice xmlns:rsm="urn:un:unece:uncefact:data:standard:CrossIndustryInvoice:100">&lol3;</rsm:CrossIndustryInvoice>
"""

EXTERNAL_ENTITY = b"""<?xml version="1.0"?>
<!DOCTYPE foo [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>
<Invoice xmlns="urn:oasis:names:specification:ubl:schema:xsd:Invoice-2"
 xmlns:cbc="urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2"><cbc:ID>&xxe;</cbc:ID></Invoice>
"""
