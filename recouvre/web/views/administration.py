"""The administration pages, for the members whose role allows it: members and invitations (``manage_members``),
the organization's settings and import mappings (``manage_org``); and the page an invitation link opens.

Thin: every change goes through ``recouvre.organizations.services`` / ``recouvre.imports.services`` (the CLI calls
the same ones), which record it on the organization's timeline."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from recouvre.collections import configuration
from recouvre.collections.models import CollectionSettings
from recouvre.imports import services as import_services
from recouvre.imports.models import ImportKind, ImportMapping
from recouvre.ledger.actors import Actor
from recouvre.organizations import services
from recouvre.organizations.middleware import SESSION_KEY
from recouvre.organizations.models import Invitation, Membership

from ..admin_forms import AcceptInvitationForm, IdentityForm, InviteForm, LogoForm, MappingForm, RoleForm, SenderForm
from ..decorators import member_required


def _base_url(request: HttpRequest) -> str:
    """The server's address as the invitee reaches it: ``RECOUVRE_PUBLIC_URL`` when set, else this request's."""
    return settings.RECOUVRE_PUBLIC_URL or request.build_absolute_uri("/").rstrip("/")


def _refused(request: HttpRequest, exc: ValidationError) -> None:
    for message in exc.messages:
        messages.error(request, message)


# ------------------------------------------------------------------------------------------------ members


def _members_page(request: HttpRequest, form: InviteForm | None = None, status: int = 200) -> HttpResponse:
    org = request.organization  # type: ignore[attr-defined]
    members = list(
        Membership.objects.filter(organization=org).select_related("user").order_by("user__last_name", "user__username")
    )
    now = timezone.now()
    invitations = [
        {"invitation": i, "expired": i.expires_at <= now}
        for i in Invitation.objects.filter(organization=org, accepted_at__isnull=True, revoked_at__isnull=True)
        .select_related("invited_by")
        .order_by("email")
    ]
    return render(
        request,
        "web/members.html",
        {
            "members": [
                {"membership": m, "form": RoleForm(initial={"role": m.role}, prefix=f"m{m.pk}")} for m in members
            ],
            "invitations": invitations,
            "form": form or InviteForm(),
            "valid_days": services.INVITATION_VALID_DAYS,
        },
        status=status,
    )


def _said(request: HttpRequest, sent: services.InvitationSent) -> None:
    if sent.error:
        messages.warning(
            request,
            _("The invitation of %(email)s is recorded but the e-mail could not be sent (%(error)s): send it again.")
            % {"email": sent.invitation.email, "error": sent.error},
        )
    else:
        messages.success(request, _("Invitation sent to %(email)s.") % {"email": sent.invitation.email})


@member_required("manage_members")
def members(request: HttpRequest) -> HttpResponse:
    if request.method == "POST":
        form = InviteForm(request.POST)
        if form.is_valid():
            try:
                sent = services.invite(
                    request.organization,  # type: ignore[attr-defined]
                    form.cleaned_data["email"],
                    form.cleaned_data["role"],
                    actor=Actor.of(request.user),
                    base_url=_base_url(request),
                )
            except ValidationError as exc:
                for message in exc.messages:
                    form.add_error("email", message)
            else:
                _said(request, sent)
                return redirect("members")
        return _members_page(request, form, status=400)
    return _members_page(request)


def _membership(request: HttpRequest, pk: int) -> Membership:
    try:
        return Membership.objects.select_related("user").get(pk=pk, organization=request.organization)  # type: ignore[attr-defined]
    except Membership.DoesNotExist as exc:
        raise Http404 from exc


def _invitation(request: HttpRequest, pk: int) -> Invitation:
    try:
        return Invitation.objects.get(pk=pk, organization=request.organization)  # type: ignore[attr-defined]
    except Invitation.DoesNotExist as exc:
        raise Http404 from exc


@require_POST
@member_required("manage_members")
def member_role(request: HttpRequest, pk: int) -> HttpResponse:
    membership = _membership(request, pk)
    form = RoleForm(request.POST, prefix=f"m{pk}")
    if not form.is_valid():
        messages.error(request, _("Choose one of the roles."))
        return redirect("members")
    try:
        services.change_role(membership, form.cleaned_data["role"], actor=Actor.of(request.user))
    except ValidationError as exc:
        _refused(request, exc)
    else:
        membership.refresh_from_db()
        messages.success(
            request,
            _("%(user)s is now %(role)s.")
            % {"user": membership.user.get_username(), "role": membership.get_role_display().lower()},
        )
    return redirect("members")


@member_required("manage_members")
def member_remove(request: HttpRequest, pk: int) -> HttpResponse:
    membership = _membership(request, pk)
    if request.method == "POST":
        try:
            services.remove_member(membership, actor=Actor.of(request.user))
        except ValidationError as exc:
            _refused(request, exc)
        else:
            messages.success(request, _("%(user)s is no longer a member.") % {"user": membership.user.get_username()})
        return redirect("members")
    return render(request, "web/member_remove.html", {"membership": membership})


@require_POST
@member_required("manage_members")
def invitation_resend(request: HttpRequest, pk: int) -> HttpResponse:
    invitation = _invitation(request, pk)
    try:
        sent = services.resend_invitation(invitation, actor=Actor.of(request.user), base_url=_base_url(request))
    except ValidationError as exc:
        _refused(request, exc)
    else:
        _said(request, sent)
    return redirect("members")


@require_POST
@member_required("manage_members")
def invitation_revoke(request: HttpRequest, pk: int) -> HttpResponse:
    invitation = _invitation(request, pk)
    try:
        services.revoke_invitation(invitation, actor=Actor.of(request.user))
    except ValidationError as exc:
        _refused(request, exc)
    else:
        messages.success(request, _("Invitation of %(email)s revoked.") % {"email": invitation.email})
    return redirect("members")


def _invalid_page(request: HttpRequest, exc: services.InvitationInvalid) -> HttpResponse:
    text = {
        "unknown": _("This invitation link is not valid. Check that it was copied whole, or ask for a new one."),
        "used": _("This invitation link was already used: it works only once. Log in with the account it made."),
        "revoked": _("This invitation was withdrawn. Ask the person who invited you for a new one."),
        "expired": _("This invitation link has expired. Ask the person who invited you to send it again."),
    }[exc.reason]
    return render(
        request, "web/invitation_refused.html", {"text": text}, status=404 if exc.reason == "unknown" else 410
    )


def invitation_accept(request: HttpRequest, token: str) -> HttpResponse:
    """The page an invitation link opens (no login needed): a logged-in user joins with a click; anyone else
    makes an account, or logs in first when they have one."""
    try:
        invitation = services.invitation_by_token(token)
    except services.InvitationInvalid as exc:
        return _invalid_page(request, exc)
    user = request.user if request.user.is_authenticated else None
    form = AcceptInvitationForm(request.POST or None) if user is None else None
    if request.method == "POST":
        try:
            if user is not None:
                membership = services.accept_invitation(token, user=user)  # type: ignore[arg-type]
            elif form is not None and form.is_valid():
                membership = services.accept_invitation(
                    token,
                    username=form.cleaned_data["username"],
                    password=form.cleaned_data["password"],
                    first_name=form.cleaned_data["first_name"],
                    last_name=form.cleaned_data["last_name"],
                )
                login(request, membership.user, backend="django.contrib.auth.backends.ModelBackend")
            else:
                membership = None
        except services.InvitationInvalid as exc:
            return _invalid_page(request, exc)
        except ValidationError as exc:
            membership = None
            if form is not None and hasattr(exc, "error_dict"):
                for field, errors in exc.message_dict.items():
                    for error in errors:
                        form.add_error(field if field in form.fields else None, error)
        if membership is not None:
            request.session[SESSION_KEY] = membership.organization_id
            messages.success(
                request,
                _("Welcome to %(org)s: you are a member as %(role)s.")
                % {"org": membership.organization.name, "role": membership.get_role_display().lower()},
            )
            return redirect("home")
    return render(
        request,
        "web/invitation_accept.html",
        {
            "invitation": invitation,
            "form": form,
            "login_url": reverse("login") + "?next=" + reverse("invitation_accept", args=[token]),
        },
        status=400 if request.method == "POST" else 200,
    )


# ------------------------------------------------------------------------------------------------ organization


@member_required("manage_org")
def organization_settings(request: HttpRequest) -> HttpResponse:
    org = request.organization  # type: ignore[attr-defined]
    actor = Actor.of(request.user)
    identity_initial = {f: getattr(org, f) for f in services.IDENTITY_FIELDS}
    sender = CollectionSettings.objects.filter(organization=org).first()
    sender_initial = {f: getattr(sender, f) if sender else "" for f in ("from_name", "from_email", "reply_to")}
    from recouvre.core.payment_details import group_by_four

    from .collections_config import BankDetailsForm

    identity = IdentityForm(initial=identity_initial, prefix="identity")
    logo = LogoForm(prefix="logo")
    sender_form = SenderForm(initial=sender_initial, prefix="sender")
    bank = BankDetailsForm(
        org, initial={"account_holder": org.account_holder, "iban": group_by_four(org.iban), "bic": org.bic}
    )
    status = 200
    if request.method == "POST":
        part = request.POST.get("part", "")
        status = 400
        if part == "identity":
            identity = IdentityForm(request.POST, prefix="identity")
            if identity.is_valid():
                try:
                    services.update_identity(org, actor=actor, **identity.cleaned_data)
                except ValidationError as exc:
                    for field, errors in exc.message_dict.items():
                        for error in errors:
                            identity.add_error(field if field in identity.fields else None, error)
                else:
                    messages.success(request, _("Identity saved."))
                    return redirect("organization_settings")
        elif part == "logo":
            if request.POST.get("remove"):
                services.set_logo(org, None, actor=actor)
                messages.success(request, _("Logo removed."))
                return redirect("organization_settings")
            logo = LogoForm(request.POST, request.FILES, prefix="logo")
            if logo.is_valid():
                upload = logo.cleaned_data["logo"]
                from recouvre.organizations.logo import MAX_BYTES

                data = upload.read(MAX_BYTES + 1)
                try:
                    services.set_logo(org, data, actor=actor)
                except ValidationError as exc:
                    for error in exc.messages:
                        logo.add_error("logo", error)
                else:
                    messages.success(request, _("Logo saved."))
                    return redirect("organization_settings")
        elif part == "sender":
            sender_form = SenderForm(request.POST, prefix="sender")
            if sender_form.is_valid():
                try:
                    configuration.save_settings(org, actor=actor, **sender_form.cleaned_data)
                except ValidationError as exc:
                    for field, errors in exc.message_dict.items():
                        for error in errors:
                            sender_form.add_error(field if field in sender_form.fields else None, error)
                else:
                    messages.success(request, _("Sender saved."))
                    return redirect("organization_settings")
        elif part == "bank":
            bank = BankDetailsForm(org, request.POST)
            if bank.is_valid():
                configuration.set_bank_details(org, actor=actor, **bank.cleaned_data)
                messages.success(request, _("Bank details saved."))
                return redirect("organization_settings")
        else:
            status = 400
    org.refresh_from_db()
    return render(
        request,
        "web/organization_settings.html",
        {
            "identity_form": identity,
            "logo_form": logo,
            "sender_form": sender_form,
            "bank_form": bank,
            "organization": org,
            "has_logo": bool(bytes(org.logo or b"")),
        },
        status=status,
    )


@member_required("manage_org")
def organization_logo(request: HttpRequest) -> HttpResponse:
    """The stored logo (a PNG drawn again on upload), for the settings page to show."""
    data = bytes(request.organization.logo or b"")  # type: ignore[attr-defined]
    if not data:
        raise Http404
    response = HttpResponse(data, content_type="image/png")
    response["Content-Disposition"] = 'inline; filename="logo.png"'
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-cache"
    return response


# ------------------------------------------------------------------------------------------------ mappings


def _specs(kind: str) -> list[tuple[str, str, bool]]:
    if kind == ImportKind.STATEMENT:
        from recouvre.core.bank.csvfile import FIELDS as STATEMENT_FIELDS

        specs: Any = STATEMENT_FIELDS
    else:
        from recouvre.core.mappings import field_specs

        specs = field_specs(kind)
    return [(s.name, _(s.label)[:1].upper() + _(s.label)[1:], s.required) for s in specs]


def _mapping(request: HttpRequest, pk: int) -> ImportMapping:
    try:
        return import_services.saved_mapping(request.organization, pk)  # type: ignore[attr-defined]
    except ImportMapping.DoesNotExist as exc:
        raise Http404 from exc


@member_required("manage_org")
def mappings(request: HttpRequest) -> HttpResponse:
    org = request.organization  # type: ignore[attr-defined]
    rows = []
    for m in ImportMapping.objects.filter(organization=org).order_by("kind", "name"):
        labels = dict((name, label) for name, label, _r in _specs(m.kind))
        rows.append(
            {
                "mapping": m,
                "columns": [(labels.get(f, f), header) for f, header in m.columns.items()],
            }
        )
    return render(request, "web/mappings.html", {"rows": rows})


@member_required("manage_org")
def mapping_edit(request: HttpRequest, pk: int) -> HttpResponse:
    mapping = _mapping(request, pk)
    specs = _specs(mapping.kind)
    initial: dict[str, Any] = {"name": mapping.name}
    initial.update({f"column_{f}": h for f, h in mapping.columns.items()})
    form = MappingForm(specs, request.POST or None, initial=initial)
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            try:
                saved = import_services.edit_mapping(
                    mapping, actor=Actor.of(request.user), name=form.cleaned_data["name"], columns=form.columns()
                )
            except ValidationError as exc:
                if hasattr(exc, "error_dict"):
                    for field, errors in exc.message_dict.items():
                        for error in errors:
                            form.add_error(field if field in form.fields else None, error)
                else:
                    for error in exc.messages:
                        form.add_error(None, error)
            else:
                messages.success(request, _("Mapping %(name)s saved.") % {"name": saved.name})
                return redirect("mappings")
    return render(request, "web/mapping_edit.html", {"mapping": mapping, "form": form}, status=status)


@member_required("manage_org")
def mapping_delete(request: HttpRequest, pk: int) -> HttpResponse:
    mapping = _mapping(request, pk)
    if request.method == "POST":
        import_services.delete_mapping(mapping, actor=Actor.of(request.user))
        messages.success(request, _("Mapping %(name)s deleted.") % {"name": mapping.name})
        return redirect("mappings")
    return render(request, "web/mapping_delete.html", {"mapping": mapping})
