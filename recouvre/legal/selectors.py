"""Reads: the rate tables in use (the shipped ones, with the imported rows taking precedence) and their rows for
``recouvre rates list`` — legal facts shared by every organization —, and the interest to date of an
organization's invoices (``invoices_interest``, tenant-scoped), the question reminders and statements ask."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from django.db.models import Exists, OuterRef, Q, Subquery
from django.utils.translation import gettext as _

from recouvre.core import ratetables as core
from recouvre.core.interest import (
    BelowFloor,
    Claim,
    ClaimError,
    InterestResult,
    Note,
    Options,
    Reduction,
    ReductionKind,
    Regime,
    allocate_credits,
    compute,
    compute_instalments,
    rate_text,
)
from recouvre.core.raterules import ContractRate, parse_contract_rate
from recouvre.core.ratetables import HalfYear, RateError, RateKind, RateTables, shipped_tables
from recouvre.ledger.models import Allocation, Invoice
from recouvre.ledger.selectors import schedules
from recouvre.organizations.models import Organization

from . import models

SHIPPED = "shipped"


def rate_tables() -> RateTables:
    """The tables the interest engine uses: shipped with Recouvre, overridden by the imported rows."""
    return shipped_tables().overridden_by(
        (core.EcbRate(r.effective_on, Decimal(r.rate)) for r in models.EcbRate.objects.all()),
        (
            core.LegalRate(HalfYear(r.year, r.half), Decimal(r.professionals), Decimal(r.individuals))
            for r in models.LegalRate.objects.all()
        ),
    )


@dataclass(frozen=True, slots=True)
class RateRow:
    kind: RateKind
    start: date
    end: date | None  # legal rates: the half-year's last day; ECB rates: None
    rate: Decimal  # ECB rate, or the legal rate "all other cases"
    individuals: Decimal | None  # legal rate for natural persons
    source: str  # "shipped", or the file it was imported from
    reference: str = ""  # legal rates: the arrêté that fixes them, when given

    def as_dict(self) -> dict[str, object]:
        if self.kind is RateKind.ECB:
            return {"effective_date": self.start.isoformat(), "rate": rate_text(self.rate), "source": self.source}
        assert self.end is not None and self.individuals is not None
        return {
            "half_year": str(HalfYear.of(self.start)),
            "period_start": self.start.isoformat(),
            "period_end": self.end.isoformat(),
            "rate_professionals": rate_text(self.rate),
            "rate_individuals": rate_text(self.individuals),
            "source": self.source,
            "reference": self.reference,
        }


def rate_rows(kind: RateKind) -> list[RateRow]:
    """Every row in use of one table, oldest first, saying where it comes from."""
    tables = rate_tables()
    if kind is RateKind.ECB:
        imported = {r.effective_on: r.source for r in models.EcbRate.objects.all()}
        return [
            RateRow(kind, r.effective_on, None, r.rate, None, imported.get(r.effective_on, SHIPPED)) for r in tables.ecb
        ]
    stored = {HalfYear(r.year, r.half): (r.source, r.reference) for r in models.LegalRate.objects.all()}
    return [
        RateRow(kind, h.start, h.end, row.professionals, row.individuals, *stored.get(h, (SHIPPED, "")))
        for h, row in sorted(tables.legal.items())
    ]


# --------------------------------------------------------------------------------------------- invoices


REGIME_OF_CUSTOMER = {"business": Regime.B2B, "consumer": Regime.B2C, "public": Regime.PUBLIC}


@dataclass(frozen=True, slots=True)
class InvoicesInterest:
    """Interest to date of several invoices of one organization: ``results`` by invoice id (a result whose
    ``complete`` is false carries the days whose rate is not published yet as open periods, claimed by their rule,
    *à parfaire*), and ``refused`` the invoices that cannot be computed without guessing, by id, with the reason
    (a consumer without a *mise en demeure* date, an invoice not in euros...)."""

    results: dict[int, InterestResult]
    refused: dict[int, str]  # the reason, for staff (may tell what to record)
    refusal: dict[int, str] = dataclasses.field(default_factory=dict)  # by id: "currency", "no_notice" or "other"

    def refused_text(self, invoice_id: int, language: str) -> str:
        """Why an invoice's interest is not stated, in words for a debtor or a court (``refusal_text``)."""
        return refusal_text(self.refusal.get(invoice_id, "other"), language) if invoice_id in self.refused else ""

    @property
    def complete(self) -> bool:
        return all(r.complete for r in self.results.values())


_REFUSAL = {
    "fr": {
        "currency": "facture hors euros",
        "no_notice": "les intérêts au taux légal courent à compter d'une mise en demeure",
        "other": "non calculés",
    },
    "en": {
        "currency": "invoice not in euros",
        "no_notice": "interest at the legal rate runs from a formal notice",
        "other": "not computed",
    },
}


def refusal_text(code: str, language: str) -> str:
    """Why interest is not stated, in French or English, for a document addressed to a debtor or a court (never the
    staff's reason, which may name what to record)."""
    words = _REFUSAL["fr" if (language or "").lower().startswith("fr") else "en"]
    return words.get(code, words["other"])


def legal_settings_of(organization: Organization) -> models.LegalSettings:
    """The organization's legal settings (unsaved defaults when it has none)."""
    found = models.LegalSettings.objects.filter(organization=organization).first()
    return found if found is not None else models.LegalSettings(organization=organization)


def contract_rate_of(organization_rate: str, customer_rate: str) -> ContractRate | None:
    """The contractual rate of a customer: its own when set (``none``: the statutory rate), else the
    organization's. Stored values were checked on the way in; one that no longer reads is ignored."""
    for spec in (customer_rate, organization_rate):
        if spec.strip():
            try:
                return parse_contract_rate(spec)
            except ValueError:
                return None
    return None


def invoices_interest(
    organization: Organization,
    invoice_ids: Iterable[int],
    as_of: date,
    *,
    notices: Mapping[int, date] | None = None,
    contract_rate: ContractRate | Decimal | None = None,
    options: Options | None = None,
    since: Mapping[int, date] | None = None,
) -> InvoicesInterest:
    """Interest and indemnity to ``as_of`` of the organization's invoices among ``invoice_ids`` (others are not
    found), with the payments (from the day after they were received) and credit notes (from their date) applied
    to them. The regime follows the customer's kind: business -> b2b, consumer -> b2c (from the date in
    ``notices``, by invoice id), public body -> public. The b2b invoices take the customer's contractual rate, else
    the organization's (``contract_rate`` overrides both), and ``options`` default to the organization's reading
    of a rate below the floor. Days whose rate is not published yet are open periods of the result. ``since``,
    by invoice id, counts only the days after that date and the indemnity only if the delay starts after it (the
    engine's ``since``: what a later claim adds to an earlier one).

    Interest runs on what is actually overdue: the customer's payments and credit notes not applied yet, dated by
    ``as_of`` (``unapplied_credits_by_invoice``), reduce the base of its overdue invoices in their currency, oldest
    due date first, from their own date; the principal and the indemnity stay as they are. A constant number of
    queries, whatever the number of invoices."""
    # Each invoice with the opening judgment of insolvency proceedings recorded against its customer (the earliest).
    judgment = models.InsolvencyProcedure.objects.filter(
        organization=organization, customer_id=OuterRef("customer_id")
    ).exclude(state=models.ProcedureState.DISMISSED)
    invoices = list(
        Invoice.objects.filter(organization=organization, id__in=list(invoice_ids))
        .select_related("customer")
        .annotate(insolvency_judgment=Subquery(judgment.order_by("judgment_on").values("judgment_on")[:1]))
    )
    reductions: dict[int, list[Reduction]] = {invoice.id: [] for invoice in invoices}
    allocations = Allocation.objects.filter(organization=organization, invoice_id__in=list(reductions)).values_list(
        "invoice_id", "amount", "payment__received_on", "credit_note__issued_on"
    )
    for invoice_id, amount, received_on, issued_on in allocations:
        if received_on is not None:
            reductions[invoice_id].append(Reduction(received_on, amount, ReductionKind.PAYMENT))
        else:
            reductions[invoice_id].append(Reduction(issued_on, amount, ReductionKind.CREDIT_NOTE))
    credits = unapplied_credits_by_invoice(organization, invoices, as_of)
    # An invoice payable in several instalments: each bears interest from its own due date.
    found = schedules(organization, list(reductions))
    dues = {pk: [(d.due_on, d.amount) for d in schedule] for pk, schedule in found.items()}
    tables = rate_tables()
    settings = legal_settings_of(organization)
    if options is None:
        options = Options(below_floor=BelowFloor(settings.below_floor))
    results: dict[int, InterestResult] = {}
    refused: dict[int, str] = {}
    refusal: dict[int, str] = {}
    for invoice in invoices:
        if invoice.currency != "EUR":
            refused[invoice.id] = _("interest and the 40 EUR indemnity are computed for invoices in euros only")
            refusal[invoice.id] = "currency"
            continue
        regime = REGIME_OF_CUSTOMER.get(invoice.customer.kind, Regime.B2B)
        claim = Claim(
            amount=invoice.total,
            due_on=invoice.due_on,
            regime=regime,
            reductions=tuple(sorted(reductions[invoice.id], key=lambda r: (r.on, r.kind))),
            contract_rate=(
                (contract_rate or contract_rate_of(settings.contract_rate, invoice.customer.contract_rate))
                if regime is Regime.B2B
                else None
            ),
            notice_on=(notices or {}).get(invoice.id) if regime is Regime.B2C else None,
            credits=credits.get(invoice.id, ()),
        )
        try:
            start = (since or {}).get(invoice.id)
            schedule = dues.get(invoice.id)

            def run(until: date, claim: Claim = claim, schedule: Any = schedule, start: Any = start) -> InterestResult:
                if schedule:
                    return compute_instalments(claim, schedule, until, tables, options, since=start)
                return compute(claim, until, tables, options, since=start)

            results[invoice.id] = run(as_of)
            judgment_on = invoice.insolvency_judgment  # type: ignore[attr-defined]
            if judgment_on is not None and invoice.issued_on <= judgment_on < as_of:
                at_judgment = run(judgment_on) if start is None or start < judgment_on else None
                results[invoice.id] = _stopped_at_judgment(results[invoice.id], at_judgment, judgment_on)
        except (ClaimError, RateError) as exc:
            refused[invoice.id] = str(exc)
            refusal[invoice.id] = "no_notice" if regime is Regime.B2C and claim.notice_on is None else "other"
    return InvoicesInterest(results, refused, refusal)


def unapplied_credits_by_invoice(
    organization: Organization, invoices: Iterable[Invoice], as_of: date
) -> dict[int, tuple[Reduction, ...]]:
    """The customers' payments and credit notes not applied yet (``recouvre.penalties.credits``: a payment less what
    of it paid claimed penalties), dated by ``as_of``, shared among their invoices overdue on ``as_of`` for the
    interest computation (``recouvre.core.interest.allocate_credits``): in each currency, to the oldest due date
    first, each invoice at most its open amount; an invoice under a live dispute on ``as_of`` gets none (the
    customer contests it: its money goes to what it does owe). By invoice id, the parts each one gets. Three
    queries, whatever the customers hold."""
    from recouvre.collections.models import Hold, HoldKind
    from recouvre.penalties.credits import unapplied_credits

    customers = {invoice.customer_id for invoice in invoices}
    if not customers:
        return {}
    pools: dict[tuple[int, str], list[Reduction]] = {}
    for credit in unapplied_credits(organization, customers, on=as_of):
        pools.setdefault((credit.customer_id, credit.currency), []).append(credit.reduction)
    disputed = Hold.objects.filter(
        Q(ends_on__isnull=True) | Q(ends_on__gte=as_of),
        organization=organization,
        kind=HoldKind.DISPUTE,
        invoice_id=OuterRef("pk"),
        released_at__isnull=True,
        starts_on__lte=as_of,
    )
    overdue = (
        Invoice.objects.filter(
            organization=organization,
            customer_id__in=customers,
            open_amount__gt=0,
            due_on__lt=as_of,
            issued_on__lte=as_of,
        )
        .exclude(Exists(disputed))
        .order_by("customer_id", "currency", "due_on", "number", "id")
        .values_list("id", "customer_id", "currency", "open_amount")
    )
    by_pool: dict[tuple[int, str], list[tuple[int, Decimal]]] = {}
    for invoice_id, customer_id, currency, open_amount in overdue:
        if (customer_id, currency) in pools:
            by_pool.setdefault((customer_id, currency), []).append((invoice_id, open_amount))
    out: dict[int, tuple[Reduction, ...]] = {}
    for key, rows in by_pool.items():
        out.update(allocate_credits(rows, pools[key]))
    return out


def _stopped_at_judgment(
    result: InterestResult, at_judgment: InterestResult | None, judgment_on: date
) -> InterestResult:
    """An invoice arising before insolvency proceedings (recorded with ``recouvre.legal.insolvency``): interest
    stops at the opening judgment (C. com. L622-28) and the 40 EUR indemnity cannot be invoked for an invoice
    falling due after it (L441-10 II, last sentence). The interest and indemnity are those at the judgment
    (``at_judgment``; None: nothing in the counted period); the principal stays the one to date."""
    note = Note(
        "insolvency",
        _("Interest stopped at the opening judgment of the insolvency proceedings on %(date)s (C. com. L622-28).")
        % {"date": judgment_on.isoformat()},
    )
    zero = Decimal("0.00")
    return dataclasses.replace(
        result,
        exact_interest=at_judgment.exact_interest if at_judgment is not None else zero,
        interest=at_judgment.interest if at_judgment is not None else zero,
        indemnity=at_judgment.indemnity if at_judgment is not None else zero,
        periods=at_judgment.periods if at_judgment is not None else (),
        open_periods=at_judgment.open_periods if at_judgment is not None else (),
        missing=at_judgment.missing if at_judgment is not None else (),
        notes=(*result.notes, note),
    )
