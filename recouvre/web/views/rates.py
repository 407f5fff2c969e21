"""The rate tables page (administrators): when the ECB rate was last updated, the legal interest rates in use, and
the form to enter the two legal interest rates of a half-year with the arrêté that fixes them (as
``recouvre rates import --reference``). The rates are legal facts shared by every organization."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from recouvre.core.ratetables import HalfYear, RateKind
from recouvre.legal.ratesupdate import last_update
from recouvre.legal.selectors import rate_rows
from recouvre.legal.services import record_legal_rates

from ..decorators import member_required
from ..legal_forms import LegalRateForm
from .common import today


@member_required("manage_org")
def legal_rates(request: HttpRequest) -> HttpResponse:
    upcoming = HalfYear.of(today()).next()
    form = LegalRateForm(request.POST or None, initial={"year": upcoming.year, "half": upcoming.half})
    if request.method == "POST" and form.is_valid():
        half_year = HalfYear(form.cleaned_data["year"], form.cleaned_data["half"])
        record_legal_rates(
            half_year,
            form.cleaned_data["professionals"],
            form.cleaned_data["individuals"],
            reference=form.cleaned_data["reference"].strip(),
        )
        messages.success(request, _("Legal interest rates of %(half_year)s saved.") % {"half_year": half_year.label})
        return redirect("legal_rates")
    rows = [
        {"row": r, "label": HalfYear.of(r.start).label, "reference": r.reference}
        for r in rate_rows(RateKind.LEGAL)[-6:]
    ]
    return render(
        request,
        "web/legal_rates.html",
        {"form": form, "rows": rows, "ecb": rate_rows(RateKind.ECB)[-4:], "last_update": last_update()},
    )
