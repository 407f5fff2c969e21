"""Every real e-invoice in ``../shared/samples/einvoices`` imports with the right number, kind, amounts, due date and
customer; and the combinations that must be refused are, with their reason.

Checked by hand:
- the three FNFE-MPE Factur-X PDFs (seller Au bon moulin, SIREN 999999998) are FA-2017-0010 (BASIC WL and EN 16931:
  the same invoice, 671.15 with 201.00 prepaid, 470.15 due on 2017-12-13) and the credit note AV-2017-0005
  (233.47) that corrects it; their SIRETs have wrong check digits (their SIRENs are kept). ``Facture_FR_EN16931.pdf``
  is filed under ``fail/`` by the corpus because line 1 says 20 × 4.10 = 81.90: its totals add up and are what the
  buyer owes, so it is imported, with a warning about that line;
- the akretion files are F20260023 (104.90, due 2026-03-02 in EN 16931; MINIMUM gives no due date: the
  organization's 30 days give the same day); the buyer's SIREN 987654321 has wrong check digits: it is not used;
- the Peppol BIS 3 examples are Snippet1: an invoice of 1,656.25 due 2017-12-01, its credit note of 1,656.25, and
  another invoice Snippet1 of 7,125.00 with 1,000.00 prepaid (6,125.00 due): imported after the first, it is refused
  (a known number with other amounts). Their seller is a British company: an organization with a SIREN refuses them;
- the French CTC UBL is F124212 (308.03 with 100.00 prepaid, 208.03 due on 2026-07-16), to the same buyer as the
  FNFE files (SIREN 787878784).
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest

from recouvre.documents.models import Document
from recouvre.einvoices.services import EInvoicesRefused, import_einvoices
from recouvre.ledger.actors import Actor
from recouvre.ledger.models import CreditNote, Customer, Invoice
from recouvre.testing.factories import OrganizationFactory

pytestmark = [pytest.mark.django_db, pytest.mark.samples]
ACTOR = Actor.system("test")

MOULIN, FOURNISSEUR, NONE = "999999998", "123456782", ""
# file: (organization SIREN, number, kind, total, open amount, due date, customer name, customer SIREN, PDF kept)
EXPECTED = {
    "facturx_pdf/Facture_FR_BASICWL.pdf": (MOULIN, "FA-2017-0010", "invoice", "671.15", "470.15", "2017-12-13", "Ma jolie boutique", "787878784", True),  # noqa: E501
    "facturx_pdf/Facture_FR_EN16931.pdf": (MOULIN, "FA-2017-0010", "invoice", "671.15", "470.15", "2017-12-13", "Ma jolie boutique", "787878784", True),  # noqa: E501
    "facturx_pdf/Avoir_FR_type381_BASIC.pdf": (MOULIN, "AV-2017-0005", "credit_note", "233.47", "233.47", None, "Ma jolie boutique", "787878784", True),  # noqa: E501
    "facturx_pdf/invoice_EN16931.pdf": (FOURNISSEUR, "F20260023", "invoice", "104.90", "104.90", "2026-03-02", "LE CLIENT", "", True),  # noqa: E501
    "cii_xml/factur-x-en16931.xml": (FOURNISSEUR, "F20260023", "invoice", "104.90", "104.90", "2026-03-02", "LE CLIENT", "", False),  # noqa: E501
    "cii_xml/factur-x-minimum.xml": (FOURNISSEUR, "F20260023", "invoice", "104.90", "104.90", "2026-03-02", "LE CLIENT", "", False),  # noqa: E501
    "ubl_xml/base-example.xml": (NONE, "Snippet1", "invoice", "1656.25", "1656.25", "2017-12-01", "Buyer Official Name", "", False),  # noqa: E501
    "ubl_xml/base-creditnote-correction.xml": (NONE, "Snippet1", "credit_note", "1656.25", "1656.25", None, "Buyer Official Name", "", False),  # noqa: E501
    "ubl_xml/Allowance-example.xml": (NONE, "Snippet1", "invoice", "7125.00", "6125.00", "2017-12-01", "Buyer Official Name", "", False),  # noqa: E501
    "ubl_xml/ubl-21-extended-ctc-fr.xml": (MOULIN, "F124212", "invoice", "308.03", "208.03", "2026-07-16", "Ma jolie boutique SARL", "787878784", False),  # noqa: E501
}  # fmt: skip


@pytest.fixture(autouse=True)
def media(settings, tmp_path):  # type: ignore[no-untyped-def]
    settings.MEDIA_ROOT = str(tmp_path / "media")


def files(samples_dir: Path, *names: str) -> list[tuple[str, bytes]]:
    return [(Path(n).name, (samples_dir / "einvoices" / n).read_bytes()) for n in names]


def test_every_sample_is_listed(samples_dir: Path) -> None:
    found = {
        str(p.relative_to(samples_dir / "einvoices")) for p in (samples_dir / "einvoices").rglob("*") if p.is_file()
    }
    assert found == set(EXPECTED)


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_each_sample_imports(samples_dir: Path, name: str) -> None:
    siren, number, kind, total, open_amount, due, customer_name, customer_siren, pdf_kept = EXPECTED[name]
    org = OrganizationFactory(siren=siren, payment_terms_days=30)
    result = import_einvoices(org, files(samples_dir, name), actor=ACTOR)
    assert (result.created, result.unchanged) == (1, 0)
    (doc,) = result.documents
    assert (doc.number, doc.kind, doc.total, doc.open_amount, doc.currency) == (
        number,
        kind,
        Decimal(total),
        Decimal(open_amount),
        "EUR",
    )
    assert doc.due_date == (date.fromisoformat(due) if due else None)
    customer = Customer.objects.get(organization=org)
    assert (customer.ref, customer.name, customer.siren) == (doc.customer_ref, customer_name, customer_siren)
    model = Invoice if kind == "invoice" else CreditNote
    stored = model.objects.get(organization=org, number=number)
    assert stored.total == Decimal(open_amount)
    if kind == "invoice":
        assert (stored.due_on, stored.open_amount) == (date.fromisoformat(due), Decimal(open_amount))  # type: ignore[arg-type]
    assert Document.objects.filter(organization=org).exists() == pdf_kept


def test_minimum_profile_due_date_comes_from_the_organization(samples_dir: Path) -> None:
    org = OrganizationFactory(siren=FOURNISSEUR, payment_terms_days=30)
    result = import_einvoices(org, files(samples_dir, "cii_xml/factur-x-minimum.xml"), actor=ACTOR)
    assert "F20260023 gives no due date: due on 2026-03-02 from the organization's payment terms (30 days)" in [
        w.message for w in result.warnings
    ]


def test_the_credit_note_is_applied_to_the_invoice_it_corrects(samples_dir: Path) -> None:
    org = OrganizationFactory(siren=MOULIN)
    result = import_einvoices(
        org,
        files(samples_dir, "facturx_pdf/Avoir_FR_type381_BASIC.pdf", "facturx_pdf/Facture_FR_BASICWL.pdf"),
        actor=ACTOR,
    )
    assert result.created == 2
    invoice = Invoice.objects.get(organization=org, number="FA-2017-0010")
    assert (invoice.total, invoice.open_amount) == (Decimal("470.15"), Decimal("236.68"))
    assert CreditNote.objects.get(organization=org, number="AV-2017-0005").invoice == invoice


def test_the_same_invoice_in_other_profiles_is_unchanged(samples_dir: Path) -> None:
    org = OrganizationFactory(siren=FOURNISSEUR, payment_terms_days=30)
    result = import_einvoices(
        org,
        files(
            samples_dir,
            "cii_xml/factur-x-minimum.xml",
            "cii_xml/factur-x-en16931.xml",
            "facturx_pdf/invoice_EN16931.pdf",
        ),
        actor=ACTOR,
    )
    assert (result.created, result.unchanged) == (1, 2)
    org2 = OrganizationFactory(siren=MOULIN)
    import_einvoices(org2, files(samples_dir, "facturx_pdf/Facture_FR_BASICWL.pdf"), actor=ACTOR)
    again = import_einvoices(org2, files(samples_dir, "facturx_pdf/Facture_FR_EN16931.pdf"), actor=ACTOR)
    assert (again.created, again.unchanged) == (0, 1)


def test_the_ctc_invoice_goes_to_the_customer_of_the_fnfe_invoices(samples_dir: Path) -> None:
    org = OrganizationFactory(siren=MOULIN)
    import_einvoices(org, files(samples_dir, "facturx_pdf/Facture_FR_BASICWL.pdf"), actor=ACTOR)
    import_einvoices(org, files(samples_dir, "ubl_xml/ubl-21-extended-ctc-fr.xml"), actor=ACTOR)
    assert Customer.objects.filter(organization=org).count() == 1
    assert Invoice.objects.filter(organization=org, customer__siren="787878784").count() == 2


def test_peppol_invoice_and_its_credit_note(samples_dir: Path) -> None:
    org = OrganizationFactory(siren="")
    import_einvoices(
        org, files(samples_dir, "ubl_xml/base-example.xml", "ubl_xml/base-creditnote-correction.xml"), actor=ACTOR
    )
    assert Invoice.objects.get(organization=org, number="Snippet1").open_amount == Decimal("0.00")


def test_another_invoice_with_a_known_number_is_refused(samples_dir: Path) -> None:
    org = OrganizationFactory(siren="")
    import_einvoices(org, files(samples_dir, "ubl_xml/base-example.xml"), actor=ACTOR)
    with pytest.raises(EInvoicesRefused) as caught:
        import_einvoices(org, files(samples_dir, "ubl_xml/Allowance-example.xml"), actor=ACTOR)
    (error,) = caught.value.errors
    assert error.message == (
        "invoice Snippet1 is already recorded for Buyer Official Name (411BUYEROFF), 1656.25 EUR; this file says "
        "Buyer Official Name (SE4598375937), 6125.00 EUR: refused, nothing is overwritten"
    )


def test_a_foreign_seller_is_refused_by_a_french_organization(samples_dir: Path) -> None:
    org = OrganizationFactory(siren=MOULIN)
    with pytest.raises(EInvoicesRefused) as caught:
        import_einvoices(org, files(samples_dir, "ubl_xml/base-example.xml"), actor=ACTOR)
    assert caught.value.errors[0].message == (
        "Snippet1 was issued by SupplierOfficialName Ltd (GB1232434), not by "
        f"{org.name} (SIREN 999999998, FR11999999998): it is not one of its invoices"
    )
    assert not Invoice.objects.filter(organization=org).exists()
