"""The evidence dossier of a customer, downloaded from the customer page as the ZIP ``recouvre dossier`` writes."""

from __future__ import annotations

from datetime import date

from django.contrib import messages
from django.core.exceptions import BadRequest, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from recouvre.dossier.exhibits import DossierRefused
from recouvre.dossier.services import export_dossier
from recouvre.ledger import selectors
from recouvre.ledger.actors import Actor
from recouvre.ledger.models import Customer

from ..decorators import member_required
from ..forms import check_day
from .common import today


@require_POST
@member_required()
def customer_dossier(request: HttpRequest, pk: int) -> HttpResponse:
    """The ZIP of the customer's dossier on today's date (or the ``as_of`` date posted, ISO, not in the future);
    the export is written on the customer's timeline. Another organization's customer is 404."""
    org = request.organization  # type: ignore[attr-defined]
    try:
        customer = selectors.customer(org, pk)
    except Customer.DoesNotExist as exc:
        raise Http404 from exc
    as_of = today()
    posted = request.POST.get("as_of", "")
    if posted:
        try:
            as_of = min(check_day(date.fromisoformat(posted)), as_of)
        except (ValueError, ValidationError) as exc:
            raise BadRequest(_("as_of: not a date Recouvre handles")) from exc
    try:
        bundle = export_dossier(org, customer, as_of=as_of, actor=Actor.of(request.user))
    except DossierRefused as exc:
        messages.error(request, _("The evidence dossier could not be made: %(error)s.") % {"error": exc})
        return redirect("customer_detail", pk=customer.pk)
    response = HttpResponse(bundle.content, content_type="application/zip")
    response["Content-Disposition"] = f'attachment; filename="{bundle.file_name}"'
    return response
