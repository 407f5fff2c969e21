"""The *requête en injonction de payer* (CPC 1405 to 1407) of a customer, pre-filled, as a PDF.

Written in French whatever the reader's language: it is filed with a French court. It holds (LEGAL-FR §5.2): the
court, seized at the debtor's domicile (CPC 1406); the creditor's and the debtor's identities (name, legal form,
SIREN, address; CPC 57); the precise amount claimed with its breakdown per invoice — principal, late-payment
interest with its rate(s) and period, the 40 EUR recovery indemnity —; the basis of the claim; the list of exhibits
(*bordereau de pièces*, from ``recouvre.dossier.exhibits``) to attach; the place, the date and the signature block.
"""

from __future__ import annotations

import hashlib
import io
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from django.template.loader import render_to_string
from django.utils import translation

from recouvre.collections.rendering import format_amount, format_date
from recouvre.core import routes
from recouvre.core.raterules import describe_rule
from recouvre.dossier.exhibits import Exhibit, claimed_invoices, exhibits
from recouvre.dossier.pdfs import formal_notice_dates
from recouvre.ledger.models import Customer, CustomerKind
from recouvre.organizations.models import Organization

from .models import Proceeding
from .recommendation import debtor_kind

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
    exhibits: tuple[Exhibit, ...]


def claim_lines(organization: Organization, customer: Customer, as_of: date) -> list[ClaimLine]:
    """Per claimed invoice (overdue and open on ``as_of``, in euros): the principal still due, interest with its
    rates and period, the indemnity."""
    from recouvre.legal.selectors import invoices_interest

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
                open_rules=tuple(dict.fromkeys(describe_rule(o.rule, o.start, "fr") for o in result.open_periods)),
            )
        )
    return lines


def basis(customer: Customer) -> str:
    if customer.kind == CustomerKind.CONSUMER:
        return (
            "Créance contractuelle : factures impayées de biens ou services fournis au débiteur, restées impayées "
            "malgré mise en demeure. Intérêts au taux de l'intérêt légal (article L313-2 du Code monétaire et "
            "financier) à compter de la mise en demeure (article 1231-6 du Code civil). Aucun frais de recouvrement "
            "n'est réclamé au consommateur."
        )
    if customer.kind == CustomerKind.PUBLIC:
        return (
            "Créance contractuelle née d'un marché public : factures impayées. Intérêts moratoires et indemnité "
            "forfaitaire pour frais de recouvrement de 40 EUR (articles L2192-13 et R2192-31 à R2192-36 du Code de "
            "la commande publique)."
        )
    return (
        "Créance contractuelle : factures impayées de biens ou services fournis au débiteur, restées impayées "
        "malgré mise en demeure. Pénalités de retard au taux de la Banque centrale européenne majoré de 10 points "
        "et indemnité forfaitaire pour frais de recouvrement de 40 EUR par facture (article L441-10 II et D441-5 "
        "du Code de commerce)."
    )


def court_for(customer: Customer, as_of: date, proceeding: Proceeding | None = None) -> tuple[routes.CourtKind, str]:
    kind = routes.competent_court(debtor_kind(customer), town=customer.city, on=as_of)
    if proceeding is not None and proceeding.court:
        return kind, proceeding.court
    place = f"{customer.postal_code} {customer.city}".strip()
    name = COURT_NAMES.get(kind, "Tribunal")
    return kind, (f"{name} dans le ressort duquel est situé {place}" if place else name)


def _rate(value: Decimal) -> str:
    return f"{value.normalize():f}".replace(".", ",") + " %"


def injonction_request(
    organization: Organization, customer: Customer, *, as_of: date, proceeding: Proceeding | None = None
) -> InjonctionRequest:
    """Draw ``customer``'s injonction de payer request on ``as_of``. Raises ``NothingToClaim`` when no invoice in
    euros is overdue and open, ``Customer.DoesNotExist`` for another organization's customer."""
    import weasyprint

    if customer.organization_id != organization.pk:
        raise Customer.DoesNotExist
    with translation.override("fr"):  # a request to a French court: every sentence in French, reasons included
        lines = claim_lines(organization, customer, as_of)
        if not lines:
            raise NothingToClaim("no overdue invoice in euros to claim")
        pieces = tuple(exhibits(organization, customer, as_of=as_of))
    kind, court = court_for(customer, as_of, proceeding)
    principal = sum((ln.principal for ln in lines), ZERO)
    interest = sum((ln.interest for ln in lines), ZERO)
    indemnity = sum((ln.indemnity for ln in lines), ZERO)
    total = principal + interest + indemnity
    pending = " (à parfaire)" if any(ln.open_rules for ln in lines) else ""

    def eur(value: Decimal) -> str:
        return format_amount(value, "EUR", "fr")

    def day(value: date | None) -> str:
        return format_date(value, "fr") if value else ""

    org_address = [x for x in (organization.address_line1, organization.address_line2) if x]
    org_address.append(f"{organization.postal_code} {organization.city}".strip())
    debtor_address = [x for x in (customer.address_line1, customer.address_line2) if x]
    debtor_address.append(f"{customer.postal_code} {customer.city}".strip())
    context: dict[str, Any] = {
        "organization": organization,
        "customer": customer,
        "consumer": customer.kind == CustomerKind.CONSUMER,
        "org_address": [x for x in org_address if x],
        "debtor_address": [x for x in debtor_address if x],
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
        "indemnity": eur(indemnity),
        "total": eur(total) + pending,
        "basis": basis(customer),
        "exhibits": [{"number": e.number, "title": e.title, "date": day(e.date)} for e in pieces],
        "place": organization.city,
        "date": day(as_of),
        "as_of": day(as_of),
        "reference": proceeding.reference if proceeding is not None else "",
    }
    html = render_to_string("proceedings/requete.html", context)
    buffer = io.BytesIO()
    weasyprint.HTML(string=html).write_pdf(buffer)
    pdf = buffer.getvalue()
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
    )
