"""Documents on file: upload on the customer and invoice pages, download, withdrawal.

Every document is looked up in the current organization (another organization's is a 404); uploading and
withdrawing need the ``edit`` permission. After a write the user goes back to the page the form was on.
"""

from __future__ import annotations

from django.contrib import messages
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from recouvre.documents import selectors as document_selectors
from recouvre.documents.forms import DocumentUploadForm, WithdrawForm
from recouvre.documents.models import Document
from recouvre.documents.services import DocumentRefused, attach_document, withdraw_document
from recouvre.documents.storage import absolute_path
from recouvre.ledger import selectors
from recouvre.ledger.actors import Actor
from recouvre.ledger.models import Customer, Invoice

from ..decorators import member_required


def _back(request: HttpRequest, default: str) -> HttpResponseRedirect:
    target = request.POST.get("next", "")
    if not url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}, require_https=False):
        target = default
    return HttpResponseRedirect((target or default) + "#documents")


def _form_errors(form: DocumentUploadForm | WithdrawForm) -> str:
    return " ".join(f"{form.fields[name].label}: {' '.join(errs)}" for name, errs in form.errors.items())


def _upload(request: HttpRequest, *, customer: Customer, invoice: Invoice | None, back: str) -> HttpResponseRedirect:
    org = request.organization  # type: ignore[attr-defined]
    form = DocumentUploadForm(request.POST, request.FILES, for_invoice=invoice is not None)
    if not form.is_valid():
        messages.error(request, _("Document not added: %(errors)s") % {"errors": _form_errors(form)})
        return _back(request, back)
    number = form.cleaned_data.get("invoice", "").strip()
    if invoice is None and number:
        invoice = selectors.invoices(org).filter(customer=customer, number=number).first()
        if invoice is None:
            messages.error(
                request,
                _("Document not added: %(customer)s has no invoice numbered %(number)s.")
                % {"customer": customer.name, "number": number},
            )
            return _back(request, back)
    uploaded = form.cleaned_data["file"]
    try:
        attached = attach_document(
            org,
            Actor.of(request.user),
            kind=form.cleaned_data["kind"],
            file_name=uploaded.name,
            content=uploaded,
            customer=customer,
            invoice=invoice,
            note=form.cleaned_data["note"],
        )
    except DocumentRefused as exc:
        messages.error(request, _("%(file)s was not added: %(reason)s.") % {"file": uploaded.name, "reason": exc})
        return _back(request, back)
    doc = attached.document
    if attached.created:
        messages.success(request, _("%(file)s added.") % {"file": doc.file_name})
    else:
        messages.info(
            request,
            _("%(file)s is already on file (added on %(date)s as %(name)s): nothing was added.")
            % {"file": uploaded.name, "date": doc.uploaded_at.date().isoformat(), "name": doc.file_name},
        )
    return _back(request, back)


@require_POST
@member_required("edit")
def customer_document_upload(request: HttpRequest, pk: int) -> HttpResponse:
    try:
        customer = selectors.customer(request.organization, pk)  # type: ignore[attr-defined]
    except Customer.DoesNotExist as exc:
        raise Http404 from exc
    return _upload(request, customer=customer, invoice=None, back=reverse("customer_detail", args=[customer.pk]))


@require_POST
@member_required("edit")
def invoice_document_upload(request: HttpRequest, pk: int) -> HttpResponse:
    try:
        invoice = selectors.invoice(request.organization, pk)  # type: ignore[attr-defined]
    except Invoice.DoesNotExist as exc:
        raise Http404 from exc
    return _upload(request, customer=invoice.customer, invoice=invoice, back=reverse("invoice_detail", args=[pk]))


def _document(request: HttpRequest, pk: int) -> Document:
    return get_object_or_404(document_selectors.documents(request.organization), pk=pk)  # type: ignore[attr-defined]


@require_GET
@member_required()
def document_download(request: HttpRequest, pk: int) -> HttpResponse:
    """The file as it was uploaded, under its original name; ``?inline=1`` opens it in the browser."""
    doc = _document(request, pk)
    try:
        handle = absolute_path(doc.storage_path).open("rb")
    except OSError as exc:
        raise Http404(_("The file of this document is missing from the server.")) from exc
    return FileResponse(
        handle,
        as_attachment=request.GET.get("inline") != "1",
        filename=doc.file_name,
        content_type=doc.content_type,
    )


@require_POST
@member_required("edit")
def document_withdraw(request: HttpRequest, pk: int) -> HttpResponse:
    doc = _document(request, pk)
    back = (
        reverse("invoice_detail", args=[doc.invoice_id])
        if doc.invoice_id
        else reverse("customer_detail", args=[doc.customer_id])
    )
    form = WithdrawForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Document not withdrawn: %(errors)s") % {"errors": _form_errors(form)})
        return _back(request, back)
    if withdraw_document(doc, Actor.of(request.user), reason=form.cleaned_data["reason"]):
        messages.success(
            request, _("%(file)s withdrawn: it stays on file, and is no longer sent.") % {"file": doc.file_name}
        )
    else:
        messages.info(request, _("%(file)s was already withdrawn.") % {"file": doc.file_name})
    return _back(request, back)
