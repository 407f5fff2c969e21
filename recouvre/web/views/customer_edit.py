"""Creating and editing customers, their contacts and the accounts they pay from (permission "edit"). Thin: the
checks and the writes are ``recouvre.ledger.customers`` and ``recouvre.bank.ibans``; a refusal is shown next to
the field it is about, and nothing is written."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from recouvre.bank import ibans
from recouvre.bank.models import CustomerIban
from recouvre.core.identifiers import format_iban
from recouvre.ledger import customers
from recouvre.ledger.actors import Actor
from recouvre.ledger.models import Contact, Customer
from recouvre.risk.credit import refresh_exposure_alerts

from ..customer_forms import ContactForm, CustomerForm, IbanForm, add_service_errors
from ..decorators import member_required
from .common import customer_or_404


@member_required("edit")
def customer_create(request: HttpRequest) -> HttpResponse:
    org = request.organization  # type: ignore[attr-defined]
    form = CustomerForm(request.POST or None, creating=True)
    if request.method == "POST" and form.is_valid():
        try:
            customer = customers.add_customer(org, Actor.of(request.user), **form.values())
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("Customer %(name)s created.") % {"name": customer.name})
            return redirect("customer_detail", pk=customer.pk)
    return render(request, "web/customer_form.html", {"form": form, "customer": None})


@member_required("edit")
def customer_edit(request: HttpRequest, pk: int) -> HttpResponse:
    customer = customer_or_404(request, pk)
    form = CustomerForm(request.POST or None, creating=False, initial=CustomerForm.initial_of(customer))
    if request.method == "POST" and form.is_valid():
        try:
            customers.edit_customer(customer, Actor.of(request.user), **form.values())
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            # A credit limit changed: the worklist's credit limit alert follows at once.
            refresh_exposure_alerts(customer.organization, actor=Actor.of(request.user), customer_ids=[customer.pk])
            messages.success(request, _("Customer details saved."))
            return redirect("customer_detail", pk=customer.pk)
    return render(request, "web/customer_form.html", {"form": form, "customer": customer})


def _contact_or_404(customer: Customer, contact_pk: int) -> Contact:
    contact = Contact.objects.filter(customer=customer, pk=contact_pk).select_related("customer").first()
    if contact is None:
        raise Http404
    return contact


@member_required("edit")
def contact_add(request: HttpRequest, pk: int) -> HttpResponse:
    customer = customer_or_404(request, pk)
    form = ContactForm(request.POST or None, initial={"is_primary": not customer.contacts.exists()})
    if request.method == "POST" and form.is_valid():
        try:
            contact = customers.add_customer_contact(customer, Actor.of(request.user), **form.values())
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("Contact %(name)s added.") % {"name": contact})
            return redirect("customer_detail", pk=customer.pk)
    return render(request, "web/contact_form.html", {"form": form, "customer": customer, "contact": None})


@member_required("edit")
def contact_edit(request: HttpRequest, pk: int, contact_pk: int) -> HttpResponse:
    customer = customer_or_404(request, pk)
    contact = _contact_or_404(customer, contact_pk)
    form = ContactForm(request.POST or None, initial=ContactForm.initial_of(contact))
    if request.method == "POST" and form.is_valid():
        try:
            contact = customers.edit_contact(contact, Actor.of(request.user), **form.values())
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("Contact %(name)s saved.") % {"name": contact})
            return redirect("customer_detail", pk=customer.pk)
    return render(request, "web/contact_form.html", {"form": form, "customer": customer, "contact": contact})


@member_required("edit")
def contact_remove(request: HttpRequest, pk: int, contact_pk: int) -> HttpResponse:
    """GET asks for confirmation; POST removes the contact."""
    customer = customer_or_404(request, pk)
    contact = _contact_or_404(customer, contact_pk)
    if request.method == "POST":
        customers.remove_contact(contact, Actor.of(request.user))
        messages.success(request, _("Contact %(name)s removed.") % {"name": contact})
        return redirect("customer_detail", pk=customer.pk)
    return render(
        request,
        "web/confirm_remove.html",
        {
            "customer": customer,
            "title": _("Remove a contact"),
            "question": _("Remove the contact %(name)s of %(customer)s?")
            % {"name": contact, "customer": customer.name},
            "form_id": "contact-remove-form",
        },
    )


@member_required("edit")
def iban_add(request: HttpRequest, pk: int) -> HttpResponse:
    customer = customer_or_404(request, pk)
    form = IbanForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            link = ibans.link_iban(customer, Actor.of(request.user), form.cleaned_data["iban"])
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("Account %(iban)s linked to the customer.") % {"iban": format_iban(link.iban)})
            return redirect("customer_detail", pk=customer.pk)
    return render(request, "web/customer_iban_form.html", {"form": form, "customer": customer})


@member_required("edit")
def iban_remove(request: HttpRequest, pk: int, link_pk: int) -> HttpResponse:
    """GET asks for confirmation; POST unlinks the account."""
    customer = customer_or_404(request, pk)
    link = CustomerIban.objects.filter(organization=customer.organization_id, customer=customer, pk=link_pk).first()
    if link is None:
        raise Http404
    if request.method == "POST":
        try:
            ibans.unlink_iban(customer, Actor.of(request.user), link.iban)
        except ValidationError:  # unlinked meanwhile
            pass
        messages.success(request, _("Account %(iban)s unlinked from the customer.") % {"iban": format_iban(link.iban)})
        return redirect("customer_detail", pk=customer.pk)
    return render(
        request,
        "web/confirm_remove.html",
        {
            "customer": customer,
            "title": _("Unlink a bank account"),
            "question": _(
                "Unlink the account %(iban)s from %(customer)s? Its transfers will no longer point to this customer."
            )
            % {"iban": format_iban(link.iban), "customer": customer.name},
            "form_id": "iban-remove-form",
        },
    )
