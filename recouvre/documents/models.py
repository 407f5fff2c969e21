"""Documents on file: invoice PDFs, contracts, general terms of sale, purchase orders, delivery proofs.

A document belongs to a customer of an organization, and optionally to one of its invoices. Its content is stored
once on disk under ``MEDIA_ROOT``, at a path made of the organization and the SHA-256 of the content
(``storage.py``), and is never overwritten or deleted: withdrawing a document marks it withdrawn, with who and
when, and keeps the file.

Database facts:
- one document per invoice, kind and content while it is not withdrawn (and per customer, kind and content for
  documents that name no invoice): attaching the same file again finds the document already on file;
- the SHA-256 is 64 characters, the size positive, the kind and content type known;
- a withdrawn document says when it was withdrawn.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.db.models.functions import Length
from django.db.models.lookups import Exact
from django.utils.translation import gettext_lazy as _

from recouvre.ledger.models import Customer, Invoice
from recouvre.organizations.models import Organization


class DocumentKind(models.TextChoices):
    INVOICE_PDF = "invoice_pdf", _("Invoice (PDF)")
    CONTRACT = "contract", _("Contract")
    TERMS_OF_SALE = "terms_of_sale", _("General terms of sale")
    PURCHASE_ORDER = "purchase_order", _("Purchase order")
    DELIVERY_PROOF = "delivery_proof", _("Proof of delivery")
    OTHER = "other", _("Other document")


PDF = "application/pdf"
PNG = "image/png"
JPEG = "image/jpeg"
CONTENT_TYPES = (PDF, PNG, JPEG)

# Which content each kind accepts: an invoice, a contract or terms of sale are PDFs; a purchase order, a delivery
# proof or another document may also be a scan or a photo.
ACCEPTED: dict[str, tuple[str, ...]] = {
    DocumentKind.INVOICE_PDF: (PDF,),
    DocumentKind.CONTRACT: (PDF,),
    DocumentKind.TERMS_OF_SALE: (PDF,),
    DocumentKind.PURCHASE_ORDER: (PDF, PNG, JPEG),
    DocumentKind.DELIVERY_PROOF: (PDF, PNG, JPEG),
    DocumentKind.OTHER: (PDF, PNG, JPEG),
}


class Document(models.Model):
    organization = models.ForeignKey(Organization, on_delete=models.PROTECT, related_name="+", db_index=False)
    customer = models.ForeignKey(Customer, on_delete=models.PROTECT, related_name="documents", db_index=False)
    invoice = models.ForeignKey(
        Invoice, null=True, blank=True, on_delete=models.PROTECT, related_name="documents", verbose_name=_("invoice")
    )
    kind = models.CharField(_("kind"), max_length=20, choices=DocumentKind.choices)
    file_name = models.CharField(_("file name"), max_length=255)
    content_type = models.CharField(_("content type"), max_length=100)
    size = models.PositiveBigIntegerField(_("size"))
    sha256 = models.CharField(_("SHA-256"), max_length=64)
    storage_path = models.CharField(max_length=255, help_text="relative to MEDIA_ROOT")
    note = models.TextField(_("note"), blank=True, default="")
    uploaded_at = models.DateTimeField(_("uploaded"))
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    uploaded_by_label = models.CharField(max_length=150, blank=True, default="")
    withdrawn_at = models.DateTimeField(_("withdrawn"), null=True, blank=True)
    withdrawn_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    withdrawn_by_label = models.CharField(max_length=150, blank=True, default="")
    withdrawal_reason = models.TextField(_("reason for withdrawal"), blank=True, default="")

    class Meta:
        ordering = ["-uploaded_at", "-id"]
        verbose_name = _("document")
        verbose_name_plural = _("documents")
        constraints = [
            models.UniqueConstraint(
                fields=["invoice", "kind", "sha256"],
                condition=Q(invoice__isnull=False, withdrawn_at__isnull=True),
                name="document_once_per_invoice_kind_content",
            ),
            models.UniqueConstraint(
                fields=["customer", "kind", "sha256"],
                condition=Q(invoice__isnull=True, withdrawn_at__isnull=True),
                name="document_once_per_customer_kind_content",
            ),
            models.CheckConstraint(condition=Exact(Length("sha256"), 64), name="document_sha256_length"),
            models.CheckConstraint(condition=Q(size__gt=0), name="document_not_empty"),
            models.CheckConstraint(condition=Q(kind__in=DocumentKind.values), name="document_kind_known"),
            models.CheckConstraint(condition=Q(content_type__in=CONTENT_TYPES), name="document_content_type_known"),
            models.CheckConstraint(
                condition=Q(withdrawn_at__isnull=False) | (Q(withdrawn_by__isnull=True) & Q(withdrawal_reason="")),
                name="document_withdrawal_has_a_date",
            ),
            models.CheckConstraint(condition=~Q(storage_path=""), name="document_stored_somewhere"),
        ]
        indexes = [
            models.Index(fields=["organization", "customer", "uploaded_at"], name="document_org_customer"),
        ]

    def __str__(self) -> str:
        return self.file_name

    @property
    def is_withdrawn(self) -> bool:
        return self.withdrawn_at is not None

    @property
    def uploaded_by_name(self) -> str:
        user = self.uploaded_by
        if user is not None:
            return str(user.get_full_name() or user.get_username())
        return self.uploaded_by_label

    @property
    def withdrawn_by_name(self) -> str:
        user = self.withdrawn_by
        if user is not None:
            return str(user.get_full_name() or user.get_username())
        return self.withdrawn_by_label
