"""The letters page: letters ready to post and posted ones, their PDFs one by one or all the ready ones in one PDF
to print, the posting (date, tracking number) of one or several letters, the acknowledgment of receipt of a
registered letter, and the preview of a letter action not produced yet (linked from the approval queue)."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST

from recouvre.collections.models import Action
from recouvre.ledger.actors import Actor
from recouvre.letters import selectors, services
from recouvre.letters.forms import AcknowledgmentForm, LetterFilterForm, PostingForm, PresentationForm
from recouvre.letters.models import Letter
from recouvre.letters.rendering import LetterRefused, merge_pdfs, render_letter_pdf
from recouvre.web.formatting import day

from ..decorators import member_required
from .common import paginate, today

LETTERS_PER_PAGE = 50


def _pdf(content: bytes, filename: str, *, download: bool = False) -> HttpResponse:
    response = HttpResponse(content, content_type="application/pdf")
    disposition = "attachment" if download else "inline"
    response["Content-Disposition"] = f'{disposition}; filename="{filename}"'
    response["X-Content-Type-Options"] = "nosniff"
    return response


def _filename(letter: Letter) -> str:
    kind = "recommande" if letter.registered else "lettre"
    ref = "".join(ch if ch.isalnum() or ch in "-_" else "_" for ch in letter.customer.ref)
    return f"{kind}-{ref}-{letter.action_id}.pdf"


def _letter(request: HttpRequest, action_id: int) -> Letter:
    try:
        return selectors.letter_of_action(request.organization, action_id)  # type: ignore[attr-defined]
    except Letter.DoesNotExist as exc:
        raise Http404 from exc


@member_required()
def letter_list(request: HttpRequest) -> HttpResponse:
    org = request.organization  # type: ignore[attr-defined]
    form = LetterFilterForm(request.GET or None)
    filters = form.cleaned_data if form.is_valid() else {}
    status = filters.get("status") or "ready"
    kind = filters.get("kind") or ""
    qs = selectors.letters(
        org,
        status=status,
        registered={"registered": True, "plain": False}.get(kind),
        search=filters.get("q", ""),
    )
    return render(
        request,
        "web/letter_list.html",
        {
            "form": form,
            "status": status,
            "page": paginate(request, qs, LETTERS_PER_PAGE),
            "ready_count": selectors.letters(org, status="ready").count(),
            "to_produce": _to_produce(org) if status == "ready" else [],
            "today": today(),
            "posting_form": PostingForm(initial={"posted_on": today()}),
            "ack_form": AcknowledgmentForm(initial={"acknowledged_on": today()}),
        },
    )


def _to_produce(org: Any) -> list[dict[str, Any]]:
    """The letters approved (or needing no approval) not produced yet, each with when it will be: in the next
    sending window on a business day, on or after its send date."""
    from recouvre.collections.scheduler import configured, window_of
    from recouvre.collections.selectors import calendar_for
    from recouvre.core.businessdays import next_sending

    try:
        window = window_of(org, configured()[1])
    except ValueError:  # the send window setting is wrong: the scheduler says so; no time is promised here
        return [{"action": a, "at": None} for a in selectors.letters_to_produce(org)]
    calendar = calendar_for(org)
    now = timezone.localtime()
    rows = []
    for action in selectors.letters_to_produce(org):
        at = next_sending(action.send_on, now, window, calendar)
        rows.append({"action": action, "at": at, "soon": at == now})
    return rows


@member_required()
def letter_pdf(request: HttpRequest, action_id: int) -> HttpResponse:
    letter = _letter(request, action_id)
    if not bytes(letter.pdf):  # erased by the purge once its retention ended; its SHA-256 stays on record
        return HttpResponse(
            _("This letter's PDF was erased when its retention period ended; its SHA-256 was %(sha)s.")
            % {"sha": letter.pdf_sha256},
            status=410,
            content_type="text/plain; charset=utf-8",
        )
    return _pdf(bytes(letter.pdf), _filename(letter), download=request.GET.get("download") == "1")


@member_required()
def letter_print(request: HttpRequest) -> HttpResponse:
    """Every letter ready to post, one after the other in one PDF."""
    letters = list(selectors.ready_letters_with_pdf(request.organization))  # type: ignore[attr-defined]
    if not letters:
        messages.info(request, _("No letter is waiting to be posted."))
        return redirect("letter_list")
    name = f"lettres-{today().isoformat()}.pdf"
    return _pdf(merge_pdfs([bytes(letter.pdf) for letter in letters]), name, download=True)


@member_required()
def preview_letter_pdf(request: HttpRequest, action_id: int) -> HttpResponse:
    """The letter of a letter action as it would be produced today (the stored PDF once it is produced)."""
    org = request.organization  # type: ignore[attr-defined]
    try:
        action = selectors.letter_action(org, action_id)
    except Action.DoesNotExist as exc:
        raise Http404 from exc
    stored = Letter.objects.filter(organization=org, action=action).first()
    if stored is not None:
        return _pdf(bytes(stored.pdf), _filename(stored))
    try:
        pdf = render_letter_pdf(action, today=today(), preview=True)
    except LetterRefused as exc:
        return render(request, "web/letter_preview_refused.html", {"action": action, "reason": str(exc)}, status=409)
    return _pdf(pdf, f"apercu-{action.pk}.pdf")


@require_POST
@member_required("edit")
def letter_post(request: HttpRequest) -> HttpResponse:
    """Record the posting of the checked letters on one date, each with the tracking number typed beside it."""
    org = request.organization  # type: ignore[attr-defined]
    form = PostingForm(request.POST)
    ids = [int(v) for v in request.POST.getlist("letters") if v.isdigit()]
    if not ids:
        messages.error(request, _("Tick the letters that were posted."))
        return redirect("letter_list")
    if not form.is_valid():
        messages.error(request, _("Give the date the letters were posted."))
        return redirect("letter_list")
    posted_on = form.cleaned_data["posted_on"]
    actor = Actor.of(request.user)
    try:
        letters = [selectors.letter_of_action(org, action_id) for action_id in ids]
    except Letter.DoesNotExist as exc:
        raise Http404 from exc
    done = 0
    for letter in letters:
        try:
            services.record_posting(
                letter,
                posted_on=posted_on,
                actor=actor,
                tracking_number=request.POST.get(f"tracking_{letter.action_id}", ""),
                today=today(),
            )
            done += 1
        except ValidationError as exc:
            messages.error(
                request,
                _("%(customer)s: %(error)s") % {"customer": letter.customer.name, "error": " ".join(exc.messages)},
            )
    if done:
        messages.success(
            request,
            ngettext(
                "%(count)d letter recorded as posted on %(day)s.",
                "%(count)d letters recorded as posted on %(day)s.",
                done,
            )
            % {"count": done, "day": day(posted_on)},
        )
    return redirect(_back(request, reverse("letter_list")))


def _back(request: HttpRequest, default: str) -> str:
    """Where to go after a form: the page it was sent from (``next``, a path of this site), else ``default``."""
    back = request.POST.get("next") or ""
    return back if back.startswith("/") and not back.startswith("//") else default


@require_POST
@member_required("edit")
def letter_acknowledge(request: HttpRequest, action_id: int) -> HttpResponse:
    letter = _letter(request, action_id)
    form = AcknowledgmentForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Give the date on the acknowledgment of receipt."))
    else:
        try:
            services.record_acknowledgment(
                letter,
                acknowledged_on=form.cleaned_data["acknowledged_on"],
                actor=Actor.of(request.user),
                today=today(),
                first_presented_on=form.cleaned_data.get("first_presented_on"),
            )
            messages.success(
                request,
                _("%(customer)s received the registered letter on %(day)s.")
                % {"customer": letter.customer.name, "day": day(form.cleaned_data["acknowledged_on"])},
            )
        except ValidationError as exc:
            messages.error(
                request,
                _("%(customer)s: %(error)s") % {"customer": letter.customer.name, "error": " ".join(exc.messages)},
            )
    return redirect(_back(request, reverse("letter_list") + "?status=posted"))


@require_POST
@member_required("edit")
def letter_present(request: HttpRequest, action_id: int) -> HttpResponse:
    """Record the day La Poste first presented a registered letter (a formal notice's deadline runs from it until
    the acknowledgment of receipt is recorded)."""
    letter = _letter(request, action_id)
    form = PresentationForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Give the date of the first presentation."))
    else:
        try:
            services.record_first_presentation(
                letter, presented_on=form.cleaned_data["presented_on"], actor=Actor.of(request.user), today=today()
            )
            messages.success(
                request,
                _("The registered letter to %(customer)s was first presented on %(day)s.")
                % {"customer": letter.customer.name, "day": day(form.cleaned_data["presented_on"])},
            )
        except ValidationError as exc:
            messages.error(
                request,
                _("%(customer)s: %(error)s") % {"customer": letter.customer.name, "error": " ".join(exc.messages)},
            )
    return redirect(_back(request, reverse("letter_list") + "?status=posted"))
