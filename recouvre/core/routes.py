"""Which legal route to take for an unpaid claim, with the reasons, and the dates of court proceedings.

Pure rules (LEGAL-FR §4, §5, §10): no database, no clock. ``recommend(facts)`` looks at the claim as a person would
and answers, in order:

1. nothing is owed -> nothing to do;
2. insolvency or over-indebtedness proceedings are open -> no collection and no court: the claim is declared in
   the proceedings (C. com. L622-21, L622-24; C. conso L722-2), and goods sold under a recorded retention-of-title
   clause are claimed within 3 months of the publication of the opening judgment (C. com. L624-9);
3. every invoice is time-barred (each judged on its own limitation date) -> no judicial route; the time-barred
   invoices of a claim that still has others are left out of it and listed;
3b. a mediation or conciliation is running -> wait for its end: prescription is suspended (C. civ. 2238);
4. the invoices are not yet long overdue and no formal notice was sent -> amicable reminders;
5. no formal notice (*mise en demeure*) sent yet -> send one;
6. the notice's deadline has not passed -> wait for it;
7. a public buyer under an administrative contract -> *référé-provision* before the *tribunal administratif*
   (CJA R541-1), never an injonction de payer (LEGAL-FR §5.1);
8. every invoice left is contested (a dispute is open) -> *assignation en paiement* on the merits: a seriously
   contested claim cannot go to a *référé-provision*, which needs an obligation not seriously contestable (CPC 873
   al. 2 / 835 al. 2);
9. otherwise -> *injonction de payer* at the competent court for the uncontested invoices (CPC 1405 ff.; not
   available when the debtor has no domicile in France), the disputed ones left out and listed, with the
   small-claims procedure through a *commissaire de justice* (CPCE L125-1) as an alternative up to 5 000 EUR
   principal and interest (LEGAL-FR §5.3: an option, not a default — the debtor must agree and the creditor bears
   every cost).

On the way to court (a judicial route), the reasons end with the guarantees to call first — a caution solidaire,
an autonomous guarantee (C. civ. 2321), an aval, each for the claim it secures up to its limit — and a caution
simple with its *bénéfice de discussion* (C. civ. 2305) (``recouvre.core.securities.call_proposals``); and, unless
a mediation or conciliation has already been tried, the free amicable alternatives: the Médiateur des entreprises
for a professional debtor, the conciliateur de justice for any.

``injonction_refusals(facts)`` says why an injonction de payer request cannot be made at all (an empty tuple when
it can): insolvency or over-indebtedness, a public buyer under an administrative contract, a debtor without a
domicile in France, nothing left once the time-barred and disputed invoices are taken out.

The court (LEGAL-FR §5.1, §5.7): between traders the *tribunal de commerce* of the debtor's seat, or the *tribunal
des activités économiques* in the twelve towns of the 2025-2028 experiment; otherwise (a non-trader or a consumer
debtor) the *tribunal judiciaire*. Territorial jurisdiction for an *injonction de payer* is the debtor's domicile
(CPC 1406).

Dates (LEGAL-FR §5.2, §10): the order must be served within 6 months of its date (3 months for orders under décret
2026-96, whose application date is uncertain: the caller says which regime applies), the debtor may oppose within
1 month of service; a deadline in months ends on the same day-number (or the month's last day) and moves to the
next working day when it falls on a weekend or a public holiday (CPC 641, 642).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from enum import StrEnum

from django.utils.translation import gettext as _

from . import securities as sec
from .businessdays import FRANCE, BusinessCalendar
from .interest import add_months

SMALL_CLAIMS_CEILING = Decimal("5000.00")  # CPCE R125-1, principal + interest, since 1 Jan 2020
LAWYER_THRESHOLD = Decimal("10000.00")  # CPC 760, 761 (tribunal judiciaire), 853 (tribunal de commerce)
TAE_CONTRIBUTION_THRESHOLD = Decimal("50000.00")  # décret 2024-1225
TAE_PERIOD = (date(2025, 1, 1), date(2028, 12, 31))
# The twelve commercial courts renamed tribunaux des activités économiques (décret 2024-674), by town.
TAE_TOWNS = frozenset(
    {
        "AUXERRE",
        "AVIGNON",
        "LE HAVRE",
        "LE MANS",
        "LIMOGES",
        "LYON",
        "MARSEILLE",
        "NANCY",
        "NANTERRE",
        "PARIS",
        "SAINT-BRIEUC",
        "VERSAILLES",
    }
)
SERVICE_MONTHS = 6  # CPC 1411
SERVICE_MONTHS_DECREE_2026_96 = 3  # décret 2026-96 (application date uncertain, LEGAL-FR §12.3)
OPPOSITION_MONTHS = 1  # CPC 1416
# Days overdue after which a formal notice is recommended when none was sent (the default policy's formal-notice
# step is at +35).
FORMAL_NOTICE_AFTER_DAYS = 35


class DebtorKind(StrEnum):
    TRADER = "trader"  # a company or a trader: commercial claim
    NON_TRADER = "non_trader"  # an association, an SCI, a liberal profession, a public body: civil claim
    CONSUMER = "consumer"  # a natural person not acting professionally


class Route(StrEnum):
    NOTHING = "nothing"
    INSOLVENCY = "insolvency"
    TIME_BARRED = "time_barred"
    AMICABLE = "amicable"
    MEDIATION = "mediation"  # a mediation or conciliation is running (C. civ. 2238)
    FORMAL_NOTICE = "formal_notice"
    AWAIT_NOTICE = "await_notice"
    SMALL_CLAIMS = "small_claims"
    INJONCTION = "injonction"
    ASSIGNATION = "assignation"
    REFERE_PROVISION = "refere_provision"


JUDICIAL_ROUTES = frozenset({Route.SMALL_CLAIMS, Route.INJONCTION, Route.ASSIGNATION, Route.REFERE_PROVISION})


class CourtKind(StrEnum):
    NONE = ""
    COMMERCE = "tribunal_de_commerce"
    TAE = "tribunal_des_activites_economiques"
    JUDICIAIRE = "tribunal_judiciaire"
    ADMINISTRATIF = "tribunal_administratif"
    COMMISSAIRE = "commissaire_de_justice"  # the small-claims procedure is run by a commissaire de justice


def route_label(route: Route | str) -> str:
    return {
        Route.NOTHING: _("Nothing to claim"),
        Route.INSOLVENCY: _("Insolvency proceedings: declare the claim, no collection"),
        Route.TIME_BARRED: _("Time-barred: no judicial route"),
        Route.AMICABLE: _("Amicable reminders"),
        Route.MEDIATION: _("Mediation or conciliation in progress"),
        Route.FORMAL_NOTICE: _("Formal notice (mise en demeure)"),
        Route.AWAIT_NOTICE: _("Wait for the formal notice's deadline"),
        Route.SMALL_CLAIMS: _("Small-claims procedure through a commissaire de justice"),
        Route.INJONCTION: _("Injonction de payer (order for payment)"),
        Route.ASSIGNATION: _("Assignation en paiement (action on the merits)"),
        Route.REFERE_PROVISION: _("Référé-provision (interim payment)"),
    }.get(Route(route), str(route))


def court_label(kind: CourtKind | str) -> str:
    return {
        CourtKind.NONE: "",
        CourtKind.COMMERCE: _("Tribunal de commerce"),
        CourtKind.TAE: _("Tribunal des activités économiques"),
        CourtKind.JUDICIAIRE: _("Tribunal judiciaire"),
        CourtKind.ADMINISTRATIF: _("Tribunal administratif"),
        CourtKind.COMMISSAIRE: _("Commissaire de justice"),
    }.get(CourtKind(kind), str(kind))


@dataclass(frozen=True, slots=True)
class ClaimFacts:
    """What the recommendation looks at. Amounts in euros; ``principal`` and ``interest`` (interest and indemnity to
    date) are those of the invoices that can be claimed: neither time-barred nor disputed. The time-barred and the
    disputed invoices are given apart, by number with their principal."""

    today: date
    principal: Decimal
    debtor: DebtorKind
    interest: Decimal = Decimal("0.00")
    days_overdue: int = 0
    contested: bool = False  # a dispute is open on the whole customer: every invoice is contested
    administrative_contract: bool = False  # a public buyer under an administrative contract
    time_barred: tuple[tuple[str, Decimal], ...] = ()  # (invoice number, principal), each past its own limit
    disputed: tuple[tuple[str, Decimal], ...] = ()  # (invoice number, principal) under an open dispute
    formal_notice_on: date | None = None  # the day the mise en demeure was sent (posted)
    formal_notice_deadline: date | None = None  # the day it gave to pay
    formal_notice_pending: bool = False  # a formal notice is planned: awaiting approval, or produced and not posted
    prescription_on: date | None = None  # the earliest last day to act of the invoices not yet time-barred
    debtor_in_france: bool = True
    debtor_town: str = ""
    creditor_trader: bool = True
    # Insolvency proceedings or over-indebtedness opened against the debtor: "insolvency" or "over_indebtedness"
    # ("" when none), from ``insolvency_on``.
    insolvency: str = ""
    insolvency_on: date | None = None
    # Securities held for the debt, and the claimable invoices by number with their principal (what a guarantee
    # is called for, up to its limit).
    securities: tuple[sec.SecurityFacts, ...] = ()
    claims: tuple[tuple[str, Decimal], ...] = ()
    # A mediation or conciliation running (its kind, ``recouvre.core.securities.AmicableKind``, from
    # ``amicable_on``); ``amicable_tried``: one has ended without settling the claim.
    amicable: str = ""
    amicable_on: date | None = None
    amicable_tried: bool = False


@dataclass(frozen=True, slots=True)
class Recommendation:
    route: Route
    court: CourtKind
    reasons: tuple[str, ...]
    alternatives: tuple[Route, ...] = ()

    @property
    def judicial(self) -> bool:
        return self.route in JUDICIAL_ROUTES

    @property
    def label(self) -> str:
        return route_label(self.route)

    @property
    def court_label(self) -> str:
        return court_label(self.court)


def competent_court(debtor: DebtorKind, *, creditor_trader: bool = True, town: str = "", on: date) -> CourtKind:
    """The kind of court for a claim against ``debtor`` (LEGAL-FR §5.1, §5.7): the commercial court (a tribunal des
    activités économiques in the experiment's towns, 2025-2028) between traders, else the tribunal judiciaire."""
    if debtor is DebtorKind.TRADER and creditor_trader:
        if TAE_PERIOD[0] <= on <= TAE_PERIOD[1] and town.strip().upper().replace("ST-", "SAINT-") in TAE_TOWNS:
            return CourtKind.TAE
        return CourtKind.COMMERCE
    return CourtKind.JUDICIAIRE


def _money(amount: Decimal) -> str:
    return f"{amount:,.2f}".replace(",", " ") + " EUR"


def _stopped_by_insolvency(facts: ClaimFacts) -> Recommendation:
    """No formal notice and no court claim once insolvency proceedings or over-indebtedness are opened: individual
    actions are stopped (C. com. L622-21, C. conso L722-2); the claim goes through the procedure."""
    when = facts.insolvency_on.isoformat() if facts.insolvency_on else ""
    if facts.insolvency == "over_indebtedness":
        reasons = (
            _("Over-indebtedness file admissible since %(date)s: enforcement is suspended (C. conso L722-2).")
            % {"date": when},
            _("No formal notice and no court claim: check the statement of debts the commission sends."),
        )
    else:
        reasons = (
            _("Insolvency proceedings opened on %(date)s: individual actions are stopped (C. com. L622-21).")
            % {"date": when},
            _("No formal notice and no court claim: declare the claim to the court officer."),
        )
    return Recommendation(Route.INSOLVENCY, CourtKind.NONE, reasons)


def _sum(rows: tuple[tuple[str, Decimal], ...]) -> Decimal:
    return sum((amount for _number, amount in rows), Decimal("0.00"))


def _numbers(rows: tuple[tuple[str, Decimal], ...]) -> str:
    return ", ".join(number for number, _amount in rows)


def _insolvency_reason() -> str:
    return _(
        "Insolvency or over-indebtedness proceedings are open: no collection and no court action against the debtor "
        "(C. com. L622-21; C. conso L722-2); the claim is declared in the proceedings."
    )


def _administrative_reason() -> str:
    return _(
        "A public buyer under an administrative contract: the administrative court is competent and the injonction de "
        "payer is not available; a référé-provision before the tribunal administratif (CJA R541-1) gets an interim "
        "payment of an obligation that is not seriously contestable."
    )


def _disputed_reason() -> str:
    return _(
        "Disputed invoices %(numbers)s (%(amount)s) are left out: a seriously contested claim goes to an "
        "assignation au fond (action on the merits), not to a référé-provision, which needs an obligation that is "
        "not seriously contestable (CPC 873 al. 2 / 835 al. 2), nor to an injonction de payer."
    )


def _time_barred_reason() -> str:
    return _(
        "Time-barred invoices %(numbers)s (%(amount)s) are left out: each passed its own last day to act "
        "(C. civ. 2219)."
    )


def _left_out(facts: ClaimFacts) -> list[str]:
    out = []
    if facts.time_barred:
        out.append(
            _time_barred_reason() % {"numbers": _numbers(facts.time_barred), "amount": _money(_sum(facts.time_barred))}
        )
    if facts.disputed:
        out.append(_disputed_reason() % {"numbers": _numbers(facts.disputed), "amount": _money(_sum(facts.disputed))})
    return out


def injonction_refusals(facts: ClaimFacts) -> tuple[str, ...]:
    """Why no injonction de payer request can be made for the claim described by ``facts`` (empty: it can)."""
    reasons: list[str] = []
    if facts.insolvency:
        reasons.append(_insolvency_reason())
    if facts.administrative_contract:
        reasons.append(_administrative_reason())
    if facts.contested:
        reasons.append(
            _(
                "A dispute is open on the whole customer: a seriously contested claim goes to an assignation au fond "
                "(action on the merits), not to an injonction de payer."
            )
        )
    if not facts.debtor_in_france:
        reasons.append(_("The debtor has no domicile in France: the injonction de payer is not available (CPC 1406)."))
    if facts.principal <= 0:
        if facts.time_barred or facts.disputed:
            reasons.append(_("No invoice is left to claim once the time-barred and the disputed ones are left out."))
            reasons.extend(_left_out(facts))
        else:
            reasons.append(_("No overdue invoice in euros to claim."))
    return tuple(reasons)


def recommend(facts: ClaimFacts) -> Recommendation:
    """The route to take now for the claim described by ``facts``, with the reasons a person reads; securities
    and amicable steps added to it (``_with_securities``)."""
    return _with_securities(facts, _recommend(facts))


def _with_securities(facts: ClaimFacts, found: Recommendation) -> Recommendation:
    """On the way to court: the guarantees to call first (a caution solidaire, an autonomous guarantee, an aval;
    a caution simple with its bénéfice de discussion) and, when no mediation or conciliation was tried, the
    amicable alternatives. In insolvency: the retention-of-title claim when such a clause is recorded."""
    extra: list[str] = []
    if found.route is Route.INSOLVENCY and facts.insolvency == "insolvency":
        if sec.has_retention_of_title(facts.securities, facts.today):
            extra.append(
                _(
                    "A retention-of-title clause is recorded: claim the goods from the court officer within 3 months "
                    "of the publication of the opening judgment (C. com. L624-9)."
                )
            )
    elif found.judicial:
        extra += [p.text for p in sec.call_proposals(facts.securities, facts.claims, facts.today)]
        if not facts.amicable_tried:
            extra += sec.amicable_alternatives(professional_debtor=facts.debtor is not DebtorKind.CONSUMER)
    if not extra:
        return found
    return Recommendation(found.route, found.court, (*found.reasons, *extra), found.alternatives)


def _amicable_running(facts: ClaimFacts) -> Recommendation:
    when = facts.amicable_on.isoformat() if facts.amicable_on else ""
    return Recommendation(
        Route.MEDIATION,
        CourtKind.NONE,
        (
            _("%(step)s since %(date)s: prescription is suspended while it runs (C. civ. 2238).")
            % {"step": sec.amicable_label(facts.amicable), "date": when},
            _("Record its end, with or without an agreement: prescription then runs again, for at least six months."),
        ),
    )


def _recommend(facts: ClaimFacts) -> Recommendation:
    total = facts.principal + facts.interest
    left_out = _left_out(facts)
    if facts.principal <= 0 and not facts.time_barred and not facts.disputed:
        return Recommendation(Route.NOTHING, CourtKind.NONE, (_("No principal is owed."),))
    if facts.insolvency:
        return _stopped_by_insolvency(facts)
    if facts.principal <= 0 and not facts.disputed:
        last = facts.prescription_on
        return Recommendation(
            Route.TIME_BARRED,
            CourtKind.NONE,
            (
                *(
                    [
                        _(
                            "The claim is time-barred: the last day to act was %(date)s; a court would dismiss it "
                            "(C. civ. 2219)."
                        )
                        % {"date": last.isoformat()}
                    ]
                    if last is not None
                    else []
                ),
                *left_out,
                _("Only a voluntary payment or an acknowledgment of the debt by the customer can still settle it."),
            ),
        )
    if facts.amicable:
        return _amicable_running(facts)
    court = competent_court(facts.debtor, creditor_trader=facts.creditor_trader, town=facts.debtor_town, on=facts.today)
    reasons: list[str] = []
    if facts.prescription_on is not None:
        reasons.append(
            _("Last day to act before prescription: %(date)s; a court claim interrupts it (C. civ. 2241).")
            % {"date": facts.prescription_on.isoformat()}
        )
    if facts.formal_notice_on is None:
        if facts.days_overdue < FORMAL_NOTICE_AFTER_DAYS:
            return Recommendation(
                Route.AMICABLE,
                CourtKind.NONE,
                (
                    _("The oldest invoice is %(days)d days overdue: reminders usually settle it.")
                    % {"days": facts.days_overdue},
                    *left_out,
                    *reasons,
                ),
                (Route.FORMAL_NOTICE,),
            )
        return Recommendation(
            Route.FORMAL_NOTICE,
            CourtKind.NONE,
            (
                _("No formal notice has been sent: it is the step before any court (C. civ. 1344)."),
                *(
                    [_("One is waiting to be approved or posted: it counts from the day it is sent or posted.")]
                    if facts.formal_notice_pending
                    else []
                ),
                _("The oldest invoice is %(days)d days overdue.") % {"days": facts.days_overdue},
                *left_out,
                *reasons,
            ),
        )
    if facts.formal_notice_deadline is not None and facts.formal_notice_deadline >= facts.today:
        return Recommendation(
            Route.AWAIT_NOTICE,
            CourtKind.NONE,
            (
                _("The formal notice of %(sent)s gives until %(deadline)s to pay.")
                % {"sent": facts.formal_notice_on.isoformat(), "deadline": facts.formal_notice_deadline.isoformat()},
                *left_out,
                *reasons,
            ),
        )
    notice = _("The formal notice of %(sent)s was left unpaid.") % {"sent": facts.formal_notice_on.isoformat()}
    if facts.administrative_contract:
        return Recommendation(
            Route.REFERE_PROVISION if facts.principal > 0 and not facts.contested else Route.ASSIGNATION,
            CourtKind.ADMINISTRATIF,
            (
                notice,
                _administrative_reason(),
                *(
                    [_("The disputed invoices go to the tribunal administratif on the merits.")]
                    if facts.disputed
                    else []
                ),
                *left_out,
                *reasons,
            ),
        )
    court_reason = (
        _("Between traders the commercial court of the debtor's seat is competent.")
        if court in (CourtKind.COMMERCE, CourtKind.TAE)
        else _("The debtor is not a trader: the tribunal judiciaire is competent.")
    )
    if court is CourtKind.TAE:
        court_reason += " " + _(
            "The commercial court of %(town)s is a tribunal des activités économiques until 31 December 2028."
        ) % {"town": facts.debtor_town}
        if total > TAE_CONTRIBUTION_THRESHOLD:
            reasons.append(
                _(
                    "The claim exceeds 50 000 EUR: a creditor with 250 employees or more owes the contribution pour "
                    "la justice économique when it files (décret 2024-1225)."
                )
            )
    if facts.contested or facts.principal <= 0:  # every invoice left is disputed
        disputed = _sum(facts.disputed) + (facts.principal if facts.contested else Decimal("0.00"))
        lawyer = [_("A lawyer is required above 10 000 EUR.")] if disputed > LAWYER_THRESHOLD else []
        pre_action = (
            [
                _(
                    "Before the tribunal judiciaire, a claim up to 5 000 EUR needs an attempt at amicable "
                    "settlement first (CPC 750-1)."
                )
            ]
            if court is CourtKind.JUDICIAIRE and disputed <= SMALL_CLAIMS_CEILING
            else []
        )
        return Recommendation(
            Route.ASSIGNATION,
            court,
            (
                notice,
                _("The claim is contested (a dispute is open): an order for payment would be opposed."),
                *left_out,
                court_reason,
                *lawyer,
                *pre_action,
                *reasons,
            ),
        )
    if not facts.debtor_in_france:
        return Recommendation(
            Route.ASSIGNATION,
            court,
            (
                notice,
                _(
                    "The debtor has no domicile in France: the injonction de payer is not available (CPC 1406); in "
                    "the EU, a European order for payment is."
                ),
                court_reason,
                *left_out,
                *reasons,
            ),
        )
    alternatives: tuple[Route, ...] = (Route.ASSIGNATION,) if facts.disputed else ()
    small = []
    if total <= SMALL_CLAIMS_CEILING:
        alternatives = (Route.SMALL_CLAIMS, *alternatives)
        small = [
            _(
                "At %(total)s (principal and interest), the small-claims procedure through a commissaire de justice "
                "is possible (up to 5 000 EUR, CPCE L125-1), if the debtor agrees; its costs stay with the creditor."
            )
            % {"total": _money(total)}
        ]
    return Recommendation(
        Route.INJONCTION,
        court,
        (
            notice,
            _("The claim is uncontested and of a determined amount: the injonction de payer fits (CPC 1405)."),
            *left_out,
            court_reason,
            _("The request is filed at the court of the debtor's domicile (CPC 1406)."),
            *small,
            *reasons,
        ),
        alternatives,
    )


# ----------------------------------------------------------------------------------------- procedural dates


def months_deadline(start: date, months: int, calendar: BusinessCalendar = FRANCE) -> date:
    """``months`` months after ``start`` (same day-number, or the month's last day), moved to the next working day
    when it falls on a weekend or a public holiday (CPC 641, 642)."""
    return calendar.next_business_day(add_months(start, months))


def service_deadline(order_on: date, *, short: bool, calendar: BusinessCalendar = FRANCE) -> date:
    """Last day to serve an injonction de payer order dated ``order_on``: 6 months (CPC 1411), or 3 months for an
    order under décret 2026-96 (``short``)."""
    return months_deadline(order_on, SERVICE_MONTHS_DECREE_2026_96 if short else SERVICE_MONTHS, calendar)


def opposition_deadline(served_on: date, calendar: BusinessCalendar = FRANCE) -> date:
    """Last day for the debtor to oppose an order served on ``served_on`` (CPC 1416)."""
    return months_deadline(served_on, OPPOSITION_MONTHS, calendar)


ALERT_DAYS = (30, 15, 7)


def alert_step(due_on: date, today: date) -> str:
    """Which alert a deadline is at on ``today``: "overdue" after it, "7d", "15d", "30d" when that many days or
    fewer are left, "" before."""
    left = (due_on - today).days
    if left < 0:
        return "overdue"
    for days in sorted(ALERT_DAYS):
        if left <= days:
            return f"{days}d"
    return ""


def order_lapsed(order_on: date, served_on: date | None, *, short: bool, today: date) -> bool:
    """Whether an injonction de payer order dated ``order_on`` is void (*non avenue*, CPC 1411): not served by its
    service deadline (6 months, 3 under décret 2026-96) — served after it, or still unserved once it has passed.
    A void order no longer counts as a court claim interrupting prescription (C. civ. 2243)."""
    deadline = service_deadline(order_on, short=short)
    if served_on is not None:
        return served_on > deadline
    return today > deadline


_POSTAL_TOWN = re.compile(r"\b(\d{5})\s+(.+?)\s*(?:cedex(?:\s+\d+)?)?\s*$", re.IGNORECASE)


def seat_town(address: str) -> tuple[str, str]:
    """The postal code and the town of a French address written on lines ("12 rue X\\n34000 Montpellier"): the
    last line holding a five-digit postal code followed by a town (a CEDEX mention dropped). ("", "") when none."""
    for line in reversed([x.strip() for x in address.replace(",", "\n").splitlines() if x.strip()]):
        found = _POSTAL_TOWN.search(line)
        if found:
            return found.group(1), found.group(2).strip()
    return "", ""
