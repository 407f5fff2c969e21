"""The *requête en injonction de payer* (CPC 1405 to 1408) of a customer, pre-filled, as a PDF.

Written in French whatever the reader's language: it is filed with a French court. It holds (LEGAL-FR §5.2): the
court, seized at the debtor's domicile (CPC 1406) — the registered office of a company, the domicile of an
individual (``Customer.legal_address``), the billing address only when none is recorded, which the staff are told
(``InjonctionRequest.warnings``) and the document does not say —; the creditor's and the debtor's identities (name
exactly as recorded, legal form once, SIREN, seat, legal representative; CPC 57); the precise amount claimed with
its breakdown per invoice — principal, late-payment interest with its rate(s) and period, the 40 EUR recovery
indemnity —; the facts and the basis of the claim; the interest after the request as a formula with its start
date; the request to send the case to the competent court in case of opposition (CPC 1408); the invoices left out
(time-barred, disputed) listed apart; the list of exhibits (*bordereau de pièces*, listed by
``recouvre.dossier.exhibits.exhibit_list`` without drawing them); the place, the date and the signature block.

It asserts only what the data shows: the formal notice is cited, with its posting date and proof of posting, only
when a registered formal-notice letter was posted; "non contestée" is said only when no dispute is open on the
customer and the debtor was reminded of the invoices. It is refused (``InjonctionRefused``, with the reasons)
against a customer under insolvency or over-indebtedness proceedings, a public buyer under an administrative
contract, a debtor without a domicile in France, or when nothing is left once the time-barred and disputed invoices
are taken out (``recouvre.core.routes.injonction_refusals``).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from django.template.loader import render_to_string
from django.utils import translation
from django.utils.translation import gettext as _

from recouvre.collections.models import Action
from recouvre.collections.rendering import format_amount, format_date
from recouvre.core import routes
from recouvre.core.raterules import describe_open_periods, grouped_by_rule
from recouvre.documents.pdf import html_to_pdf
from recouvre.dossier.exhibits import ListedExhibit, claimed_invoices, exhibit_list
from recouvre.dossier.pdfs import formal_notice_dates
from recouvre.ledger.models import Customer, CustomerKind, Invoice
from recouvre.letters.models import Letter
from recouvre.organizations.models import Organization

from .models import Proceeding
from .recommendation import debtor_kind, debtor_seat, is_contested, legal_route

ZERO = Decimal("0.00")
CERFA = {
    routes.CourtKind.COMMERCE: "12946",
    routes.CourtKind.TAE: "12946",
    routes.CourtKind.JUDICIAIRE: "12948",
}
COURT_NAMES = {
    routes.CourtKind.COMMERCE: "Tribunal de commerce",
    routes.CourtKind.TAE: "Tribunal des activités économiques",
    routes.CourtKind.JUDICIAIRE: "Tribunal judiciaire",
}


class NothingToClaim(Exception):
    """The customer has no overdue invoice in euros to claim."""


class InjonctionRefused(NothingToClaim):
    """No injonction de payer request may be made; ``reasons`` say why, for a person."""

    def __init__(self, reasons: tuple[str, ...]) -> None:
        super().__init__("; ".join(reasons))
        self.reasons = reasons


@dataclass(frozen=True)
class PostedNotice:
    """A registered formal-notice letter posted by the day of the request: the proof the request cites."""

    posted_on: date
    tracking_number: str
    acknowledged_on: date | None
    deadline_on: date | None
    presented_on: date | None = None  # first presentation by La Poste, when recorded
    days: int | None = None  # the time to pay the letter gave, from its receipt


@dataclass(frozen=True)
class ClaimLine:
    number: str
    issued_on: date
    due_on: date
    total: Decimal
    principal: Decimal
    interest: Decimal
    indemnity: Decimal
    interest_from: date | None
    interest_to: date | None
    rates: tuple[Decimal, ...]
    note: str = ""
    open_rules: tuple[str, ...] = ()  # days whose rate is not published yet: their legal rule (interest à parfaire)


@dataclass(frozen=True)
class InjonctionRequest:
    pdf: bytes
    sha256: str
    court: str
    court_kind: routes.CourtKind
    lines: tuple[ClaimLine, ...]
    principal: Decimal
    interest: Decimal
    indemnity: Decimal
    total: Decimal
    exhibits: tuple[ListedExhibit, ...]
    time_barred: tuple[tuple[str, Decimal, date], ...] = ()  # number, principal, last day to act
    disputed: tuple[tuple[str, Decimal], ...] = ()  # number, principal
    warnings: tuple[str, ...] = ()  # for the staff, never in the document


def claim_lines(
    organization: Organization, customer: Customer, as_of: date, invoices: list[Invoice] | None = None
) -> list[ClaimLine]:
    """Per claimed invoice (``invoices``, default those overdue and open on ``as_of``, in euros): the principal still
    due, interest with its rates and period, the indemnity."""
    from recouvre.legal.selectors import invoices_interest

    if invoices is None:
        invoices = [i for i in claimed_invoices(organization, customer, as_of) if i.currency == "EUR"]
    notices = formal_notice_dates(organization, customer, as_of)
    computed = invoices_interest(organization, [i.pk for i in invoices], as_of, notices=notices)
    lines = []
    for invoice in invoices:
        result = computed.results.get(invoice.pk)
        if result is None:
            lines.append(
                ClaimLine(
                    invoice.number,
                    invoice.issued_on,
                    invoice.due_on,
                    invoice.total,
                    invoice.total - invoice.allocated_amount,
                    ZERO,
                    ZERO,
                    None,
                    None,
                    (),
                    computed.refused_text(invoice.pk, "fr"),
                )
            )
            continue
        periods = [p for p in result.periods if p.interest > 0]
        rates = tuple(dict.fromkeys(p.rate for p in periods))
        lines.append(
            ClaimLine(
                invoice.number,
                invoice.issued_on,
                invoice.due_on,
                invoice.total,
                result.principal,
                result.interest,
                result.indemnity + result.extra_costs,
                periods[0].start if periods else None,
                periods[-1].end if periods else None,
                rates,
                open_rules=tuple(describe_open_periods(result.open_periods, "fr")),
            )
        )
    return lines


def basis(customer: Customer, *, noticed: bool) -> str:
    """The legal basis of the claim for the debtor's kind; ``noticed``: a formal notice was sent (the consumer's
    legal interest runs from it, C. civ. 1231-6)."""
    if customer.kind == CustomerKind.CONSUMER:
        start = (
            "à compter de la mise en demeure"
            if noticed
            else (
                "à compter de la signification de l'ordonnance à intervenir, aucune mise en demeure n'ayant été "
                "adressée"
            )
        )
        return (
            "Créance contractuelle : factures impayées de biens ou services fournis au débiteur. Intérêts au taux de "
            "l'intérêt légal (article L313-2 du Code monétaire et financier) "
            f"{start} (articles 1231-6 et 1344 du Code civil). Seuls le principal et ces intérêts sont réclamés."
        )
    if customer.kind == CustomerKind.PUBLIC:
        return (
            "Créance contractuelle née d'un marché public : factures impayées. Intérêts moratoires et indemnité "
            "forfaitaire pour frais de recouvrement de 40 EUR (articles L2192-13 et R2192-31 à R2192-36 du Code de "
            "la commande publique)."
        )
    return (
        "Créance contractuelle : factures impayées de biens ou services fournis au débiteur. Pénalités de retard au "
        "taux de la Banque centrale européenne majoré de 10 points et indemnité forfaitaire pour frais de "
        "recouvrement de 40 EUR par facture (article L441-10 II et D441-5 du Code de commerce)."
    )


def later_interest(customer: Customer, principal: str, start: date | None, rate: Decimal | None) -> str:
    """The interest after the request, as a formula with its start date (``None``: from the service of the order)
    for the debtor's kind (LEGAL-FR §1.3, §1.8, §2.2): never a figure that is not known."""
    since = f"à compter du {format_date(start, 'fr')}" if start else "à compter de la signification de l'ordonnance"
    known = f", soit {_rate(rate)} l'an à ce jour" if rate is not None else ""
    if customer.kind == CustomerKind.CONSUMER:
        return (
            f"les intérêts au taux de l'intérêt légal sur le principal de {principal} {since} jusqu'à complet "
            f"paiement (articles 1231-6 du Code civil et L313-2 du Code monétaire et financier){known}"
        )
    if customer.kind == CustomerKind.PUBLIC:
        return (
            f"les intérêts moratoires sur le principal de {principal} au taux de la Banque centrale européenne en "
            "vigueur au premier jour du semestre au cours duquel ils ont commencé à courir, majoré de 8 points "
            f"(article R2192-31 du Code de la commande publique), {since} jusqu'au paiement"
        )
    return (
        f"les pénalités de retard sur le principal de {principal} au taux d'intérêt appliqué par la Banque centrale "
        "européenne à son opération de refinancement la plus récente, majoré de 10 points (article L441-10 II du "
        f"Code de commerce){known}, {since} jusqu'à complet paiement"
    )


def posted_notice(
    organization: Organization, customer: Customer, invoice_ids: set[int], as_of: date
) -> PostedNotice | None:
    """The last registered formal-notice letter listing one of ``invoice_ids`` posted by ``as_of``, if any."""
    from .recommendation import IS_FORMAL_NOTICE

    found = None
    letters = (
        Letter.objects.filter(
            organization=organization, customer=customer, registered=True, posted_on__isnull=False, posted_on__lte=as_of
        )
        .filter(action__in=Action.objects.filter(IS_FORMAL_NOTICE, organization=organization, customer=customer))
        .select_related("action")
        .order_by("posted_on", "id")
    )
    for letter in letters:
        if any(line.get("invoice_id") in invoice_ids for line in letter.action.lines or []):
            assert letter.posted_on is not None
            from recouvre.letters.rendering import deadline_days

            ack = letter.acknowledged_on if letter.acknowledged_on and letter.acknowledged_on <= as_of else None
            presented = letter.first_presented_on
            presented = presented if presented is not None and presented <= as_of else None
            found = PostedNotice(
                letter.posted_on,
                letter.tracking_number,
                ack,
                letter.action.deadline_on,
                presented,
                deadline_days(letter.action),
            )
    return found


def notice_text(notice: PostedNotice, as_of: date) -> str:
    """The facts of the formal notice, as the request states them: posted on, its tracking number, received (or
    first presented) on when recorded, the time it gave from its receipt, and the date that time ran out only when
    the receipt is known (otherwise it is Recouvre's estimate, which a court document does not assert)."""
    text = (
        "Le débiteur a été mis en demeure de payer par lettre recommandée avec demande d'avis de réception postée le "
        f"{format_date(notice.posted_on, 'fr')}"
    )
    if notice.tracking_number:
        text += f" (numéro de suivi {notice.tracking_number})"
    received = notice.acknowledged_on is not None or notice.presented_on is not None
    if notice.acknowledged_on is not None:
        text += f", reçue le {format_date(notice.acknowledged_on, 'fr')}"
    elif notice.presented_on is not None:
        text += f", présentée pour la première fois le {format_date(notice.presented_on, 'fr')}"
    if notice.days:
        text += f", lui laissant un délai de {notice.days} jours à compter de sa réception pour payer"
        if received and notice.deadline_on is not None:
            text += f" (soit jusqu'au {format_date(notice.deadline_on, 'fr')})"
    elif received and notice.deadline_on is not None:
        text += f", lui laissant jusqu'au {format_date(notice.deadline_on, 'fr')} pour payer"
    if notice.deadline_on is not None and notice.deadline_on < as_of:
        return text + " ; les factures sont restées impayées à l'expiration de ce délai."
    return text + "."


def court_for(customer: Customer, as_of: date, proceeding: Proceeding | None = None) -> tuple[routes.CourtKind, str]:
    postal_code, town = debtor_seat(customer)
    kind = routes.competent_court(debtor_kind(customer), town=town, on=as_of)
    if proceeding is not None and proceeding.court:
        return kind, proceeding.court
    place = f"{postal_code} {town}".strip()
    name = COURT_NAMES.get(kind, "Tribunal")
    return kind, (f"{name} dans le ressort duquel est situé {place}" if place else name)


def _rate(value: Decimal) -> str:
    return f"{value.normalize():f}".replace(".", ",") + " %"


def injonction_request(
    organization: Organization, customer: Customer, *, as_of: date, proceeding: Proceeding | None = None
) -> InjonctionRequest:
    """Draw ``customer``'s injonction de payer request on ``as_of``. Raises ``NothingToClaim`` when no invoice in
    euros is overdue and open, ``InjonctionRefused`` (with the reasons) when no request may be made,
    ``Customer.DoesNotExist`` for another organization's customer."""
    if customer.organization_id != organization.pk:
        raise Customer.DoesNotExist
    route = legal_route(organization, customer, as_of)
    scope = route.scope
    assert scope is not None
    if not (scope.claimable or scope.time_barred or scope.disputed):
        raise NothingToClaim("no overdue invoice in euros to claim")
    if route.refusals:
        raise InjonctionRefused(route.refusals)
    with translation.override("fr"):  # a request to a French court: every sentence in French, reasons included
        lines = claim_lines(organization, customer, as_of, scope.claimable)
        pieces = tuple(exhibit_list(organization, customer, as_of=as_of, invoices=scope.claimable))
    kind, court = court_for(customer, as_of, proceeding)
    principal = sum((ln.principal for ln in lines), ZERO)
    interest = sum((ln.interest for ln in lines), ZERO)
    indemnity = sum((ln.indemnity for ln in lines), ZERO)
    total = principal + interest + indemnity
    pending = " (à parfaire)" if any(ln.open_rules for ln in lines) else ""
    notice = posted_notice(organization, customer, {i.pk for i in scope.claimable}, as_of)
    reminded = any(e.kind in ("reminder_email", "reminder_letter", "formal_notice") for e in pieces)
    uncontested = reminded and not is_contested(organization, customer, as_of)
    warnings = []
    if not customer.legal_address_recorded:
        warnings.append(
            _(
                "No %(what)s is recorded for %(name)s: the court and the debtor's address in the request come from "
                "the billing address. Record it in the customer's legal identity."
            )
            % {
                "what": _("domicile") if customer.kind == CustomerKind.CONSUMER else _("registered office"),
                "name": customer.name,
            }
        )

    def eur(value: Decimal) -> str:
        return format_amount(value, "EUR", "fr")

    def day(value: date | None) -> str:
        return format_date(value, "fr") if value else ""

    org_address = [x for x in (organization.address_line1, organization.address_line2) if x]
    org_address.append(f"{organization.postal_code} {organization.city}".strip())
    current_rates = [ln.rates[-1] for ln in lines if ln.rates and ln.interest_to == as_of]
    rate = current_rates[0] if current_rates and len(set(current_rates)) == 1 else None
    noticed = notice is not None or bool(formal_notice_dates(organization, customer, as_of))
    context: dict[str, Any] = {
        "organization": organization,
        "customer": customer,
        "consumer": customer.kind == CustomerKind.CONSUMER,
        "org_address": [x for x in org_address if x],
        "debtor_address": [x.strip() for x in customer.legal_address.splitlines() if x.strip()],
        "seat_label": (
            ("Domicile" if customer.kind == CustomerKind.CONSUMER else "Siège social")
            if customer.legal_address_recorded
            else ""
        ),
        "court": court,
        "cerfa": CERFA.get(kind, ""),
        "lines": [
            {
                "number": ln.number,
                "issued_on": day(ln.issued_on),
                "due_on": day(ln.due_on),
                "total": eur(ln.total),
                "principal": eur(ln.principal),
                "interest": eur(ln.interest),
                "indemnity": eur(ln.indemnity),
                "period": (
                    f"du {day(ln.interest_from)} au {day(ln.interest_to)}"
                    if ln.interest_from and ln.interest_to
                    else ""
                ),
                "rates": " puis ".join(_rate(r) for r in ln.rates),
                "note": ln.note,
                "open_rules": ln.open_rules,
            }
            for ln in lines
        ],
        "principal": eur(principal),
        "interest": eur(interest) + pending,
        "interest_cell": eur(interest) + ("*" if pending else ""),
        "open_notes": [
            {
                "rule": rule,
                "numbers": ", ".join(numbers),
                "several": len(numbers) > 1,
                "all": len(numbers) == len(lines),
            }
            for rule, numbers in grouped_by_rule((ln.number, rule) for ln in lines for rule in ln.open_rules)
        ],
        "indemnity": eur(indemnity),
        # a consumer owes no 40 EUR indemnity (C. com. L441-10 applies between professionals): never mentioned
        "with_indemnity": customer.kind != CustomerKind.CONSUMER,
        "total": eur(total) + pending,
        "basis": basis(customer, noticed=noticed),
        "notice": notice_text(notice, as_of) if notice is not None else "",
        "uncontested": uncontested,
        "later_interest": later_interest(
            customer,
            eur(principal),
            as_of + timedelta(days=1) if customer.kind != CustomerKind.CONSUMER or noticed else None,
            rate,
        ),
        "time_barred": [
            {
                "number": i.number,
                "issued_on": day(i.issued_on),
                "due_on": day(i.due_on),
                "amount": eur(i.open_amount),
                "limit": day(limit),
            }
            for i, limit in scope.time_barred
        ],
        "time_barred_total": eur(sum((i.open_amount for i, _ in scope.time_barred), ZERO)),
        "disputed": [
            {"number": i.number, "issued_on": day(i.issued_on), "due_on": day(i.due_on), "amount": eur(i.open_amount)}
            for i in scope.disputed
        ],
        "disputed_total": eur(sum((i.open_amount for i in scope.disputed), ZERO)),
        "exhibits": [{"number": e.number, "title": e.title, "date": day(e.date)} for e in pieces],
        "place": organization.city,
        "date": day(as_of),
        "as_of": day(as_of),
        "reference": proceeding.reference if proceeding is not None else "",
    }
    html = render_to_string("proceedings/requete.html", context)
    pdf = html_to_pdf(html)
    return InjonctionRequest(
        pdf,
        hashlib.sha256(pdf).hexdigest(),
        court,
        kind,
        tuple(lines),
        principal,
        interest,
        indemnity,
        total,
        pieces,
        tuple((i.number, i.open_amount, limit) for i, limit in scope.time_barred),
        tuple((i.number, i.open_amount) for i in scope.disputed),
        tuple(str(w) for w in warnings),
    )
