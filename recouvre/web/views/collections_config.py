"""Collections configuration pages: policies and their steps, the wording of the messages (with a live preview on
a real customer), the collections settings, and a customer's own policy and collector."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import DatabaseError
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from recouvre.collections import configuration
from recouvre.collections.dispatch import recipient
from recouvre.collections.models import (
    Channel,
    CollectionSettings,
    CustomerCollection,
    EmailFallback,
    MessageTemplate,
    Policy,
    Step,
    Trigger,
)
from recouvre.collections.penalties import invoice_penalties, shows_penalties
from recouvre.collections.rendering import (
    BUILT_IN,
    LANGUAGES,
    MERGE_FIELDS,
    PORTAL_PREVIEW,
    TEMPLATE_KEYS,
    Line,
    Wording,
    WordingError,
    built_in_wording,
    check_wording,
    render_email,
)
from recouvre.collections.sandbox import MAX_SOURCE
from recouvre.collections.selectors import DEFAULT_TOLERANCE
from recouvre.core.dunning import PenaltyRule, PolicyError
from recouvre.core.formal_notice import DEFAULT_DELIVERY_ALLOWANCE_DAYS
from recouvre.core.payment_details import group_by_four
from recouvre.ledger import selectors as ledger_selectors
from recouvre.ledger.actors import Actor
from recouvre.ledger.models import Customer, Invoice, Segment
from recouvre.organizations.models import Membership
from recouvre.portal.links import carries_links

from ..csp import email_document
from ..decorators import member_required
from .common import today

# ------------------------------------------------------------------------------------------------ policies


def _template_choices(organization: Any) -> list[tuple[str, str]]:
    keys = list(TEMPLATE_KEYS) + ["call", "legal"]
    keys += Step.objects.filter(policy__organization=organization).values_list("template", flat=True).distinct()
    keys += MessageTemplate.objects.filter(organization=organization).values_list("key", flat=True).distinct()
    return [(k, k) for k in dict.fromkeys(keys)]


class PolicyForm(forms.Form):
    name = forms.CharField(label=gettext_lazy("Name"), max_length=200)
    segment = forms.ChoiceField(
        label=gettext_lazy("Default policy of the segment"),
        required=False,
        choices=[("", gettext_lazy("No segment")), *Segment.choices],
    )
    email_fallback = forms.ChoiceField(
        label=gettext_lazy("For a customer without an e-mail address, an e-mail step becomes"),
        choices=EmailFallback.choices,
        required=False,
    )


class StepForm(forms.Form):
    key = forms.SlugField(label=gettext_lazy("Key"), max_length=40)
    offset_days = forms.IntegerField(label=gettext_lazy("Days"), min_value=-365, max_value=3650)
    trigger = forms.ChoiceField(
        label=gettext_lazy("Counted from"), choices=Trigger.choices, initial=Trigger.DUE, required=False
    )
    channel = forms.ChoiceField(label=gettext_lazy("Channel"), choices=Channel.choices)
    template = forms.ChoiceField(label=gettext_lazy("Template"), choices=())
    min_open_amount = forms.DecimalField(
        label=gettext_lazy("Minimum open amount"), min_value=0, max_digits=14, decimal_places=2, initial=0
    )
    needs_approval = forms.BooleanField(label=gettext_lazy("Needs approval"), required=False)
    min_gap_days = forms.IntegerField(label=gettext_lazy("Minimum gap (days)"), min_value=0, max_value=365, initial=0)
    enabled = forms.BooleanField(label=gettext_lazy("Enabled"), required=False, initial=True)
    deadline_days = forms.IntegerField(
        label=gettext_lazy("Payment deadline (days)"), min_value=1, max_value=365, required=False
    )
    min_customer_total = forms.DecimalField(
        label=gettext_lazy("Minimum customer total overdue"),
        min_value=0,
        max_digits=14,
        decimal_places=2,
        initial=0,
        required=False,
    )
    repeat_every_days = forms.IntegerField(
        label=gettext_lazy("Repeat every (days)"), min_value=1, max_value=365, required=False
    )
    repeat_times = forms.IntegerField(
        label=gettext_lazy("Repeat at most (times)"), min_value=0, max_value=50, required=False, initial=0
    )

    def __init__(self, *args: Any, template_choices: list[tuple[str, str]] | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["template"].choices = template_choices or []


StepFormSet = forms.formset_factory(StepForm, extra=1, can_delete=True, can_order=True)


def _policy(request: HttpRequest, pk: int) -> Policy:
    try:
        return Policy.objects.get(organization=request.organization, pk=pk)  # type: ignore[attr-defined]
    except Policy.DoesNotExist as exc:
        raise Http404 from exc


@member_required()
def policy_list(request: HttpRequest) -> HttpResponse:
    org = request.organization  # type: ignore[attr-defined]
    policies = list(Policy.objects.filter(organization=org).order_by("name"))
    steps: dict[int, list[Step]] = {}
    for step in Step.objects.filter(policy__organization=org).order_by("policy_id", "position"):
        steps.setdefault(step.policy_id, []).append(step)
    return render(
        request,
        "web/policy_list.html",
        {
            "rows": [
                {"policy": p, "steps": steps.get(p.pk, []), "segment": Segment(p.segment).label if p.segment else ""}
                for p in policies
            ],
            "can_manage": request.membership.can("manage_collections"),  # type: ignore[attr-defined]
        },
    )


def _step_data(form: StepForm) -> configuration.StepData:
    d = form.cleaned_data
    return configuration.StepData(
        key=d["key"],
        offset_days=d["offset_days"],
        channel=d["channel"],
        template=d["template"],
        min_open_amount=d["min_open_amount"],
        needs_approval=bool(d["needs_approval"]),
        min_gap_days=d["min_gap_days"],
        enabled=bool(d["enabled"]),
        deadline_days=d["deadline_days"],
        trigger=d.get("trigger") or Trigger.DUE,
        min_customer_total=d.get("min_customer_total") or Decimal("0.00"),
        repeat_every_days=d.get("repeat_every_days"),
        repeat_times=d.get("repeat_times") or 0,
    )


@member_required()
def policy_edit(request: HttpRequest, pk: int) -> HttpResponse:
    org = request.organization  # type: ignore[attr-defined]
    policy = _policy(request, pk)
    choices = _template_choices(org)
    can_manage = request.membership.can("manage_collections")  # type: ignore[attr-defined]
    policy_error = ""
    if request.method == "POST":
        if not can_manage:
            raise PermissionDenied
        form = PolicyForm(request.POST)
        formset = StepFormSet(request.POST, prefix="steps", form_kwargs={"template_choices": choices})
        if form.is_valid() and formset.is_valid():
            kept = [f for f in formset.ordered_forms if f.cleaned_data and not f.cleaned_data.get("DELETE")]
            # A blank extra row is not a step; ordered_forms leaves out unchanged extra forms.
            steps = [_step_data(f) for f in kept]
            try:
                configuration.save_policy(
                    org,
                    policy,
                    name=form.cleaned_data["name"],
                    segment=form.cleaned_data["segment"] or "",
                    email_fallback=form.cleaned_data["email_fallback"] or None,
                    steps=steps,
                    actor=Actor.of(request.user),
                )
            except PolicyError as exc:
                policy_error = str(exc)
            else:
                messages.success(request, _("Policy %(name)s saved.") % {"name": policy.name})
                return redirect("policy_edit", pk=policy.pk)
    else:
        form = PolicyForm(
            initial={"name": policy.name, "segment": policy.segment, "email_fallback": policy.email_fallback}
        )
        formset = StepFormSet(
            prefix="steps",
            form_kwargs={"template_choices": choices},
            initial=[
                {
                    "key": s.key,
                    "offset_days": s.offset_days,
                    "channel": s.channel,
                    "template": s.template,
                    "min_open_amount": s.min_open_amount,
                    "needs_approval": s.needs_approval,
                    "min_gap_days": s.min_gap_days,
                    "enabled": s.enabled,
                    "deadline_days": s.deadline_days,
                    "trigger": s.trigger,
                    "min_customer_total": s.min_customer_total,
                    "repeat_every_days": s.repeat_every_days,
                    "repeat_times": s.repeat_times,
                    "ORDER": s.position,
                }
                for s in policy.steps.order_by("position")
            ],
        )
    return render(
        request,
        "web/policy_edit.html",
        {
            "policy": policy,
            "form": form,
            "formset": formset,
            "policy_error": policy_error,
            "can_manage": can_manage,
            "others": Policy.objects.filter(organization=org).exclude(pk=policy.pk).order_by("name"),
        },
    )


@require_POST
@member_required("manage_collections")
def policy_copy(request: HttpRequest, pk: int) -> HttpResponse:
    org = request.organization  # type: ignore[attr-defined]
    source = _policy(request, pk)
    name = (request.POST.get("name") or "").strip()[:200] or _("Copy of %(name)s") % {"name": source.name}
    policy = configuration.copy_policy(org, source, name=name, actor=Actor.of(request.user))
    messages.success(request, _("Policy %(name)s created.") % {"name": policy.name})
    return redirect("policy_edit", pk=policy.pk)


class CustomerCollectionForm(forms.Form):
    policy = forms.ModelChoiceField(
        label=gettext_lazy("Policy"),
        queryset=Policy.objects.none(),
        required=False,
        empty_label=gettext_lazy("The segment's policy"),
    )
    collector = forms.ModelChoiceField(
        label=gettext_lazy("Collector"),
        queryset=Membership.objects.none(),
        required=False,
        empty_label=gettext_lazy("Nobody"),
    )

    def __init__(self, *args: Any, organization: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["policy"].queryset = Policy.objects.filter(organization=organization).order_by("name")
        members = Membership.objects.filter(organization=organization).select_related("user").order_by("user__username")
        self.fields["collector"].queryset = members
        self.fields["collector"].label_from_instance = lambda m: m.user.get_full_name() or m.user.get_username()


@require_POST
@member_required("manage_collections")
def customer_collection(request: HttpRequest, pk: int) -> HttpResponse:
    """Give a customer its own policy and collector (from the customer page)."""
    org = request.organization  # type: ignore[attr-defined]
    try:
        customer = ledger_selectors.customer(org, pk)
    except Customer.DoesNotExist as exc:
        raise Http404 from exc
    form = CustomerCollectionForm(request.POST, organization=org)
    if not form.is_valid():
        raise Http404
    member = form.cleaned_data["collector"]
    configuration.set_customer_collection(
        org,
        customer,
        policy=form.cleaned_data["policy"],
        collector=member.user if member is not None else None,
        actor=Actor.of(request.user),
    )
    messages.success(request, _("Collections settings of %(name)s saved.") % {"name": customer.name})
    return redirect("customer_detail", pk=customer.pk)


def customer_collection_form(organization: Any, customer: Customer) -> CustomerCollectionForm:
    current = CustomerCollection.objects.filter(customer=customer).first()
    initial: dict[str, Any] = {}
    if current is not None:
        initial["policy"] = current.policy_id
        if current.collector_id is not None:
            initial["collector"] = (
                Membership.objects.filter(organization=organization, user_id=current.collector_id)
                .values_list("pk", flat=True)
                .first()
            )
    return CustomerCollectionForm(initial=initial, organization=organization)


# ------------------------------------------------------------------------------------------------ templates


def _template_keys(organization: Any) -> list[str]:
    keys = list(TEMPLATE_KEYS)
    keys += (
        Step.objects.filter(policy__organization=organization, channel__in=[Channel.EMAIL])
        .values_list("template", flat=True)
        .distinct()
    )
    keys += MessageTemplate.objects.filter(organization=organization).values_list("key", flat=True).distinct()
    return list(dict.fromkeys(keys))


class TemplateForm(forms.Form):
    subject = forms.CharField(label=gettext_lazy("Subject"), max_length=300)
    body = forms.CharField(
        label=gettext_lazy("Body"),
        max_length=MAX_SOURCE,
        widget=forms.Textarea(attrs={"rows": 24, "spellcheck": "true"}),
    )


def _wording_error(exc: WordingError) -> str:
    where = _("subject") if exc.part == "subject" else _("body")
    return _("Error in the %(part)s, line %(line)s: %(error)s") % {
        "part": where,
        "line": exc.line or "?",
        "error": exc.message,
    }


@member_required()
def template_list(request: HttpRequest) -> HttpResponse:
    org = request.organization  # type: ignore[attr-defined]
    custom = {(t.key, t.language): t for t in MessageTemplate.objects.filter(organization=org)}
    rows = [
        {"key": key, "languages": [{"code": lang, "custom": custom.get((key, lang))} for lang in LANGUAGES]}
        for key in _template_keys(org)
    ]
    return render(request, "web/template_list.html", {"rows": rows})


def _sample_customers(organization: Any) -> list[Customer]:
    ids = (
        Invoice.objects.filter(organization=organization, open_amount__gt=0)
        .values_list("customer_id", flat=True)
        .order_by("customer_id")
        .distinct()[:200]
    )
    return list(Customer.objects.filter(organization=organization, pk__in=list(ids)).order_by("name"))


def _check_key(organization: Any, key: str, language: str) -> None:
    if language not in LANGUAGES or key not in _template_keys(organization):
        raise Http404


@member_required()
def template_edit(request: HttpRequest, key: str, language: str) -> HttpResponse:
    org = request.organization  # type: ignore[attr-defined]
    _check_key(org, key, language)
    can_manage = request.membership.can("manage_collections")  # type: ignore[attr-defined]
    custom = MessageTemplate.objects.filter(organization=org, key=key, language=language).first()
    built_in = built_in_wording(key, language)
    error_line: int | None = None
    if request.method == "POST":
        if not can_manage:
            raise PermissionDenied
        if request.POST.get("reset"):
            configuration.reset_template(org, key, language, actor=Actor.of(request.user))
            messages.success(request, _("The built-in wording is used again."))
            return redirect("template_edit", key=key, language=language)
        form = TemplateForm(request.POST)
        if form.is_valid():
            trial = Wording(form.cleaned_data["subject"], form.cleaned_data["body"])
            try:
                # Written once for a customer first: a wording past the bounds is refused here, with the line.
                for sample in _sample_customers(org)[:1]:
                    _render_for(org, key, language, sample, trial)
                configuration.save_template(
                    org, key, language, subject=trial.subject, body=trial.body, actor=Actor.of(request.user)
                )
            except WordingError as exc:
                error_line = exc.line
                form.add_error("subject" if exc.part == "subject" else "body", _wording_error(exc))
            except Exception as exc:  # it compiles, but fails when written for the customer (nothing saved)
                if isinstance(exc, DatabaseError):
                    raise
                form.add_error("body", _("The message cannot be written: %(error)s") % {"error": exc})
            else:
                messages.success(request, _("Wording saved: it is used for the next messages."))
                return redirect("template_edit", key=key, language=language)
    else:
        current = custom or built_in
        form = TemplateForm(initial={"subject": current.subject, "body": current.body})
    customers = _sample_customers(org)
    return render(
        request,
        "web/template_edit.html",
        {
            "key": key,
            "language": language,
            "custom": custom,
            "form": form,
            "error_line": error_line,
            "merge_fields": MERGE_FIELDS,
            "customers": customers,
            "can_manage": can_manage,
            "built_in": built_in,
            "preview_url": reverse("template_preview", args=[key, language]) if can_manage else "",
        },
    )


@member_required("manage_collections")
def template_preview(request: HttpRequest, key: str, language: str) -> HttpResponse:
    """The message as the chosen customer would receive it, with the subject and body given (the text being
    edited; the stored or built-in wording when absent): JSON ``{subject, text, html, to}`` or ``{error, line}``;
    with ``format=html`` the HTML part alone, as the document the editor frames (``recouvre.web.csp``; empty when
    the wording cannot be written). Only those who may change the wording may try one: a wording is code run on
    the server, within bounds (``recouvre.collections.rendering``)."""
    org = request.organization  # type: ignore[attr-defined]
    _check_key(org, key, language)
    params = request.POST if request.method == "POST" else request.GET
    as_html = params.get("format") == "html"
    try:
        customer = Customer.objects.get(organization=org, pk=int(params.get("customer") or 0))
    except (Customer.DoesNotExist, ValueError) as exc:
        raise Http404 from exc
    wording: Wording | None
    if "subject" in params or "body" in params:
        wording = Wording(params.get("subject", ""), params.get("body", ""))
    else:
        stored = MessageTemplate.objects.filter(organization=org, key=key, language=language).first()
        wording = Wording(stored.subject, stored.body) if stored is not None else BUILT_IN
    try:
        rendered = _render_for(org, key, language, customer, wording)
    except WordingError as exc:
        if as_html:
            return email_document("")
        return JsonResponse({"error": _wording_error(exc), "line": exc.line, "part": exc.part})
    except Exception as exc:  # a rendering error in the text being typed
        if as_html:
            return email_document("")
        return JsonResponse({"error": _("The message cannot be written: %(error)s") % {"error": exc}, "line": None})
    if as_html:
        return email_document(rendered.html)
    return JsonResponse(
        {"subject": rendered.subject, "text": rendered.text, "html": rendered.html, "to": recipient(customer)}
    )


def _render_for(organization: Any, key: str, language: str, customer: Customer, wording: Wording) -> Any:
    """The message ``wording`` writes for ``customer`` today (its open invoices, credits, collector); raises
    ``WordingError`` when the wording cannot be compiled or goes past the bounds of a rendering."""
    as_of = today()
    invoices = list(
        Invoice.objects.filter(organization=organization, customer=customer, open_amount__gt=0).order_by(
            "due_on", "number"
        )[:100]
    )
    found = (
        invoice_penalties(organization, [inv.pk for inv in invoices], as_of)
        if shows_penalties(organization, key)
        else {}
    )
    lines = [
        Line(inv.number, inv.due_on, (as_of - inv.due_on).days, inv.open_amount, inv.currency, found.get(inv.pk))
        for inv in invoices
    ]
    collection = CustomerCollection.objects.filter(customer=customer).select_related("collector").first()
    collector = collection.collector if collection is not None else None
    unapplied: dict[str, Any] = {}
    for rows in (
        ledger_selectors.customer_unapplied_payments(organization, customer),
        ledger_selectors.customer_unapplied_credit_notes(organization, customer),
    ):
        for row in rows:
            unapplied[row.currency] = unapplied.get(row.currency, 0) + row.unallocated_amount
    if wording is not BUILT_IN:
        check_wording(wording)
    return render_email(
        template=key,
        language=language,
        organization=organization,
        customer=customer,
        lines=lines,
        unapplied=unapplied,
        deadline_on=date.fromordinal(as_of.toordinal() + 15) if key in ("firm", "formal_notice") else None,
        reply_to_name=(collector.get_full_name() or collector.get_username()) if collector is not None else "",
        wording=wording,
        portal_url=PORTAL_PREVIEW if carries_links(organization) else "",  # a preview: no link is created
    )


# ------------------------------------------------------------------------------------------------ settings


class SettingsForm(forms.ModelForm):
    class Meta:
        model = CollectionSettings
        fields = [
            "from_name",
            "from_email",
            "reply_to",
            "already_paid_pause_days",
            "send_window_start",
            "send_window_end",
            "delivery_allowance_days",
            "tolerance",
            "alsace_moselle",
            "penalty_reminder",
            "penalty_reminder_days",
            "penalty_reminder_channel",
        ]
        widgets = {
            "send_window_start": forms.TimeInput(attrs={"type": "time"}, format="%H:%M"),
            "send_window_end": forms.TimeInput(attrs={"type": "time"}, format="%H:%M"),
        }

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["delivery_allowance_days"].required = False  # left empty: the default, 3 business days
        self.fields["tolerance"].required = False  # left empty: the default, 1.00
        self.fields["penalty_reminder_days"].required = False  # left empty: the default, 10 days
        self.fields["penalty_reminder_channel"].required = False  # left empty: by e-mail

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        if data.get("delivery_allowance_days") is None:
            data["delivery_allowance_days"] = DEFAULT_DELIVERY_ALLOWANCE_DAYS
        if data.get("tolerance") is None:
            data["tolerance"] = DEFAULT_TOLERANCE
        if data.get("penalty_reminder_days") is None:
            data["penalty_reminder_days"] = PenaltyRule().offset_days
        if not data.get("penalty_reminder_channel"):
            data["penalty_reminder_channel"] = PenaltyRule().channel.value
        start, end = data.get("send_window_start"), data.get("send_window_end")
        if (start is None) != (end is None):
            raise ValidationError(_("Give both ends of the send window, or neither."))
        if start is not None and end is not None and start >= end:
            raise ValidationError(_("The send window must end after it starts."))
        return data


class BankDetailsForm(forms.Form):
    """The bank details printed on reminders, letters and statements; checked like ``recouvre org set --iban``."""

    account_holder = forms.CharField(
        label=gettext_lazy("Account holder"),
        required=False,
        max_length=70,
        help_text=gettext_lazy("The name the account is in, as payers must write it. Empty: your legal name."),
    )
    iban = forms.CharField(
        label=gettext_lazy("IBAN"),
        required=False,
        max_length=50,
        help_text=gettext_lazy("Empty: no payment details are printed."),
    )
    bic = forms.CharField(label=gettext_lazy("BIC"), required=False, max_length=20)

    def __init__(self, organization: Any, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, prefix="bank", **kwargs)
        self.organization = organization

    def clean(self) -> dict[str, Any]:
        from recouvre.core.payment_details import bank_details_errors

        data = super().clean()
        if not self.errors:
            for field, message in bank_details_errors(
                data.get("account_holder", ""), data.get("iban", ""), data.get("bic", "")
            ).items():
                self.add_error(field, message)
        return data


@member_required()
def collection_settings(request: HttpRequest) -> HttpResponse:
    org = request.organization  # type: ignore[attr-defined]
    instance = CollectionSettings.objects.filter(organization=org).first() or CollectionSettings(organization=org)
    can_manage = request.membership.can("manage_collections")  # type: ignore[attr-defined]
    can_manage_bank = request.membership.can("manage_org")  # type: ignore[attr-defined]
    initial = {"account_holder": org.account_holder, "iban": group_by_four(org.iban), "bic": org.bic}
    bank_form = BankDetailsForm(org, initial=initial)
    if request.method == "POST" and "bank-iban" in request.POST:
        if not can_manage_bank:
            raise PermissionDenied
        bank_form = BankDetailsForm(org, request.POST)
        if bank_form.is_valid():
            configuration.set_bank_details(org, actor=Actor.of(request.user), **bank_form.cleaned_data)
            messages.success(request, _("Bank details saved."))
            return redirect("collection_settings")
        return render(
            request,
            "web/collection_settings.html",
            {
                "form": SettingsForm(instance=instance),
                "bank_form": bank_form,
                "can_manage": can_manage,
                "can_manage_bank": can_manage_bank,
                "now": timezone.now(),
            },
        )
    if request.method == "POST":
        if not can_manage:
            raise PermissionDenied
        form = SettingsForm(request.POST, instance=CollectionSettings(organization=org))
        if form.is_valid():
            configuration.save_settings(
                org, actor=Actor.of(request.user), **{f: form.cleaned_data[f] for f in SettingsForm.Meta.fields}
            )
            messages.success(request, _("Collections settings saved."))
            return redirect("collection_settings")
    else:
        form = SettingsForm(instance=instance)
    return render(
        request,
        "web/collection_settings.html",
        {
            "form": form,
            "bank_form": bank_form,
            "can_manage": can_manage,
            "can_manage_bank": can_manage_bank,
            "now": timezone.now(),
        },
    )
