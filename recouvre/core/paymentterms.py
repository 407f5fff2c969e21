"""The legal caps on B2B payment terms (C. com. L441-10 I, L441-11, L441-12; LEGAL-FR §1.2) and the mandatory
payment mentions of letters and invoices (L441-9, L441-10 II; LEGAL-FR §1.7). Pure: dates and text in, findings out.

**General cap.** An agreed term may not exceed 60 days from the invoice date, or — only when the contract expressly
says so — 45 days end of month (*45 jours fin de mois*), which the DGCCRF computes two ways:

- method A: invoice date + 45 days, then the end of that month;
- method B: the end of the invoice's month, then + 45 days.

For an invoice dated 2026-01-15: 60 days net -> 2026-03-16, 45 days end of month method A -> 2026-03-31, method B
-> 2026-03-17. Which one the contract stipulates is the creditor's to say (``CapBasis``): by default
(``CapBasis.ANY``) the latest of the three lawful dates is the cap, so that a warning is never raised for terms one
of the lawful readings allows.

**Sector caps** (L441-11, L441-12; LEGAL-FR marks the list as abridged, to check on Légifrance) replace the general
cap when the organization or the customer is in that sector (``Sector``). Caps counted from the delivery use the
delivery date when it is known, else the invoice date (deliveries precede their invoice, so the cap is then the
most lenient reading: a warning is certain, a silence is not).

These are warnings, never refusals: an invoice with longer terms is still owed, and the penalty clock still starts
from the due date printed on it (LEGAL-FR §1.2).
"""

from __future__ import annotations

import calendar
import re
import unicodedata
from dataclasses import dataclass
from datetime import date, timedelta
from enum import StrEnum
from functools import lru_cache

from .i18n import _


class CapBasis(StrEnum):
    """Which general cap the organization's contracts use."""

    ANY = "any"  # the latest of the three lawful dates
    NET_60 = "net60"  # 60 days from the invoice date
    EOM_45_A = "eom45a"  # 45 days end of month, method A (date + 45 days, then end of month)
    EOM_45_B = "eom45b"  # 45 days end of month, method B (end of month, then + 45 days)


class Sector(StrEnum):
    GENERAL = "general"
    PERISHABLE_FOOD = "perishable_food"  # 30 days after delivery (L441-11 II)
    LIVE_CATTLE = "live_cattle"  # 20 days after delivery (L441-11 II)
    ALCOHOL = "alcohol"  # 30 days after the end of the delivery month (L441-11 II)
    TRANSPORT = "transport"  # road haulage, vehicle rental, freight forwarding, customs brokerage: 30 days
    PERIODIC = "periodic"  # periodic invoices (CGI 289 I 3°): 45 days from the invoice date
    EXPORT = "export"  # goods exported outside the EU, VAT-free (L441-12): 90 days from the invoice date


def end_of_month(day: date) -> date:
    return day.replace(day=calendar.monthrange(day.year, day.month)[1])


def net_due(issued_on: date, days: int) -> date:
    """``days`` days from the invoice date."""
    return issued_on + timedelta(days=days)


def end_of_month_due(issued_on: date, days: int, basis: CapBasis) -> date:
    """``days`` days end of month, computed by method A (``EOM_45_A``) or B (``EOM_45_B``)."""
    if basis is CapBasis.EOM_45_A:
        return end_of_month(issued_on + timedelta(days=days))
    if basis is CapBasis.EOM_45_B:
        return end_of_month(issued_on) + timedelta(days=days)
    raise ValueError(f"not an end-of-month method: {basis}")


@dataclass(frozen=True, slots=True)
class Cap:
    """The latest lawful due date of an invoice, and how it was computed (for a person)."""

    latest_due_on: date
    rule: str  # e.g. "60 days from the invoice date (C. com. L441-10 I)"


def _general_caps(issued_on: date) -> dict[CapBasis, Cap]:
    return {
        CapBasis.NET_60: Cap(net_due(issued_on, 60), _("60 days from the invoice date (C. com. L441-10 I)")),
        CapBasis.EOM_45_A: Cap(
            end_of_month_due(issued_on, 45, CapBasis.EOM_45_A),
            _("45 days end of month, date + 45 days then end of month (C. com. L441-10 I)"),
        ),
        CapBasis.EOM_45_B: Cap(
            end_of_month_due(issued_on, 45, CapBasis.EOM_45_B),
            _("45 days end of month, end of month then + 45 days (C. com. L441-10 I)"),
        ),
    }


def legal_cap(
    issued_on: date,
    *,
    sector: Sector = Sector.GENERAL,
    basis: CapBasis = CapBasis.ANY,
    delivered_on: date | None = None,
) -> Cap:
    """The latest due date the law allows for an invoice dated ``issued_on``."""
    delivery = delivered_on or issued_on
    if sector is Sector.PERISHABLE_FOOD:
        return Cap(net_due(delivery, 30), _("30 days after delivery, perishable food (C. com. L441-11 II)"))
    if sector is Sector.LIVE_CATTLE:
        return Cap(net_due(delivery, 20), _("20 days after delivery, live cattle (C. com. L441-11 II)"))
    if sector is Sector.ALCOHOL:
        return Cap(
            end_of_month(delivery) + timedelta(days=30),
            _("30 days after the end of the delivery month, alcoholic drinks (C. com. L441-11 II)"),
        )
    if sector is Sector.TRANSPORT:
        return Cap(net_due(issued_on, 30), _("30 days from the invoice date, transport (C. com. L441-11 II)"))
    if sector is Sector.PERIODIC:
        return Cap(net_due(issued_on, 45), _("45 days from the invoice date, periodic invoice (C. com. L441-10 I)"))
    if sector is Sector.EXPORT:
        return Cap(net_due(issued_on, 90), _("90 days from the invoice date, export outside the EU (C. com. L441-12)"))
    caps = _general_caps(issued_on)
    if basis is CapBasis.ANY:
        return max(caps.values(), key=lambda c: c.latest_due_on)
    return caps[basis]


@dataclass(frozen=True, slots=True)
class TermsWarning:
    """An invoice whose terms exceed the legal cap, named with its terms and the cap, in a sentence for a person."""

    number: str
    issued_on: date
    due_on: date
    cap: Cap

    @property
    def days(self) -> int:
        return (self.due_on - self.issued_on).days

    @property
    def message(self) -> str:
        return _(
            "invoice %(number)s dated %(issued)s is due on %(due)s (%(days)s days): beyond the legal cap of "
            "%(cap)s, %(rule)s"
        ) % {
            "number": self.number,
            "issued": self.issued_on.isoformat(),
            "due": self.due_on.isoformat(),
            "days": self.days,
            "cap": self.cap.latest_due_on.isoformat(),
            "rule": self.cap.rule,
        }


def check_terms(
    number: str,
    issued_on: date,
    due_on: date,
    *,
    sector: Sector = Sector.GENERAL,
    basis: CapBasis = CapBasis.ANY,
    delivered_on: date | None = None,
) -> TermsWarning | None:
    """A warning when the invoice's due date is after the legal cap, else None."""
    if due_on <= latest_due_on(issued_on, sector, basis, delivered_on):
        return None
    cap = legal_cap(issued_on, sector=sector, basis=basis, delivered_on=delivered_on)
    return TermsWarning(number, issued_on, due_on, cap)


@lru_cache(maxsize=4096)
def latest_due_on(issued_on: date, sector: Sector, basis: CapBasis, delivered_on: date | None = None) -> date:
    """``legal_cap(...).latest_due_on`` without the rule's sentence: an import checks a million invoices dated on a
    few hundred days, and only the few beyond the cap need the sentence (in the reader's language)."""
    return legal_cap(issued_on, sector=sector, basis=basis, delivered_on=delivered_on).latest_due_on


# ------------------------------------------------------------------------------------------ mandatory mentions


class Mention(StrEnum):
    """The payment mentions invoices and terms of sale must carry (C. com. L441-9, L441-10 II)."""

    PENALTY_RATE = "penalty_rate"
    INDEMNITY = "indemnity"
    DISCOUNT = "discount"

    @property
    def label(self) -> str:
        return {
            Mention.PENALTY_RATE: _("the late-payment penalty rate"),
            Mention.INDEMNITY: _("the 40 EUR fixed recovery indemnity"),
            Mention.DISCOUNT: _("the early-payment discount conditions (or that there is none)"),
        }[self]


def _plain(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text.lower())
    return "".join(c for c in decomposed if not unicodedata.combining(c))


_PATTERNS: dict[Mention, tuple[re.Pattern[str], ...]] = {
    # a rate: "pénalités ... taux", "penalty rate", "intérêts de retard", or a percentage next to "penalt"/"retard"
    Mention.PENALTY_RATE: (
        re.compile(r"penalit[a-z]*\b[^.]*\b(taux|\d+([.,]\d+)?\s*%|bce|refinancement)"),
        re.compile(r"penalt[a-z]*\b[^.]*\b(rate|\d+([.,]\d+)?\s*%|ecb|refinancing)"),
        re.compile(r"(taux|rate)[^.]*\b(penalit|penalt|retard|late)"),
        re.compile(r"interets? de retard[^.]*(taux|\d+([.,]\d+)?\s*%)"),
    ),
    # "indemnité forfaitaire ... 40", "40 € ... frais de recouvrement", "40 EUR recovery indemnity"
    Mention.INDEMNITY: (
        re.compile(r"\b40([.,]00)?\s*(€|eur|euros)(?!\w)[^.]*(recouvrement|recovery|indemn)"),
        re.compile(r"(recouvrement|recovery|indemn)[^.]*\b40([.,]00)?\s*(€|eur|euros)(?!\w)"),
    ),
    # "escompte", "pas d'escompte", "discount"
    Mention.DISCOUNT: (re.compile(r"\bescompte"), re.compile(r"\bdiscount")),
}


def missing_mentions(text: str) -> list[Mention]:
    """The mandatory payment mentions ``text`` (the organization's legal mentions) does not carry. A keyword
    reading, French or English: it finds a mention written in the usual words and may miss an unusual phrasing, so
    its finding is a warning for a person to check, never a refusal."""
    plain = _plain(text)
    return [m for m, patterns in _PATTERNS.items() if not any(p.search(plain) for p in patterns)]
