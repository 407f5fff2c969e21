"""Late-payment penalties in reminders: which messages show them, and the figures per invoice.

**The rule.** A message shows the late-payment interest to date and the 40 EUR recovery indemnity of each invoice
when its template key is ``firm`` or ``formal_notice``, or when its step comes at or after the firm step of the
customer's policy (the step keyed ``firm``; a policy without one shows them from its ``formal_notice`` step on).
So a custom step added after the firm e-mail (a second firm e-mail, a letter) shows them too, and the courteous
reminders before it never do.

The figures come from ``recouvre.legal.selectors.invoices_interest`` (the engine of ``docs/interest.md``), on the
day the message is produced: interest rounded once per invoice, half-up to the cent; the indemnity only for
professional debtors (businesses and public bodies), never for consumers. Days whose rate is not published yet
(a half-year missing from the rate tables) are carried as open periods with their legal rule: the penalty is
then not ``complete``, its figures are *à parfaire* and the message states the rule in words
(``open_rules(penalty, language)``). An invoice the engine refuses (a consumer without a *mise en demeure* date,
an invoice not in euros) shows no penalty: the message lists it with its amount due only, and its totals leave
it out.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from recouvre.core.interest import InterestResult, rate_text
from recouvre.core.raterules import OpenPeriod, describe_open_periods

PENALTY_TEMPLATES = ("firm", "formal_notice")
ZERO = Decimal("0.00")


@dataclass(frozen=True)
class Penalty:
    """The penalties of one invoice to a date: interest (rounded), the indemnity (0 for a consumer), the rates
    applied (``12.15``, ``12.15 / 12.00`` when the delay spans half-years of different rates) from ``first_day`` to
    ``last_day`` (the computed days; None when none is computed), and the open periods after them."""

    interest: Decimal
    indemnity: Decimal
    rates: str
    first_day: date | None
    last_day: date | None
    public: bool = False  # a public buyer's interest (public procurement code), not a business's
    complete: bool = True  # False: some days are claimed by their rule only, the figures are to be completed
    open_periods: tuple[OpenPeriod, ...] = ()  # those days, with their base and legal rule

    @property
    def total(self) -> Decimal:
        return self.interest + self.indemnity


def open_rules(penalty: Penalty, language: str) -> list[str]:
    """The rule of each open period in words, in ``language`` (French or English), e.g. "taux de refinancement de
    la BCE en vigueur le 1er juillet 2026 majoré de 10 points, à compter du 1er juillet 2026"."""
    return describe_open_periods(penalty.open_periods, language)


def penalty_of(result: InterestResult) -> Penalty:
    rates: list[str] = []
    for period in result.periods:
        text = rate_text(period.rate)
        if text not in rates:
            rates.append(text)
    first = result.periods[0].start if result.periods else None
    last = result.periods[-1].end if result.periods else None
    return Penalty(
        result.interest,
        result.indemnity,
        " / ".join(rates),
        first,
        last,
        complete=result.complete,
        open_periods=result.open_periods,
    )


def shows_penalties(organization: Any, template: str, policy_key: str = "", step_key: str = "") -> bool:
    """Whether a message of ``template`` for step ``step_key`` of policy ``policy_key`` shows penalties (see the
    module description)."""
    if template in PENALTY_TEMPLATES or step_key in PENALTY_TEMPLATES:
        return True
    if not policy_key or not step_key or getattr(organization, "pk", None) is None:
        return False
    from .models import Step

    positions = dict(
        Step.objects.filter(policy__organization_id=organization.pk, policy__key=policy_key).values_list(
            "key", "position"
        )
    )
    here = positions.get(step_key)
    threshold = positions.get("firm", positions.get("formal_notice"))
    return here is not None and threshold is not None and here >= threshold


def invoice_penalties(organization: Any, invoice_ids: Iterable[int], as_of: date) -> dict[int, Penalty]:
    """The penalties to ``as_of`` of the organization's invoices among ``invoice_ids`` that the engine computes (the
    refused ones are absent). For a consumer the interest engine needs a *mise en demeure* date: reminders have
    none, so consumers' invoices are left out here."""
    from recouvre.legal.selectors import invoices_interest

    ids = list(invoice_ids)
    if not ids:
        return {}
    from dataclasses import replace

    from recouvre.ledger.models import Invoice

    found = invoices_interest(organization, ids, as_of)
    public = set(
        Invoice.objects.filter(organization=organization, pk__in=ids, customer__kind="public").values_list(
            "pk", flat=True
        )
    )
    return {
        pk: replace(penalty_of(result), public=pk in public)
        for pk, result in found.results.items()
        if result.periods or result.open_periods or result.indemnity
    }


def penalty_totals(penalties: Mapping[int, Penalty]) -> tuple[Decimal, Decimal]:
    """Interest and indemnities added up (each invoice's interest already rounded)."""
    return (
        sum((p.interest for p in penalties.values()), ZERO),
        sum((p.indemnity for p in penalties.values()), ZERO),
    )
