"""Rate rules as data: a contractual penalty rate (``ContractRate``), and the legal rule of days whose rate is not
known yet (``RateRule``, carried by an ``OpenPeriod`` of ``recouvre.core.interest``), put into words for the reader
of a document (``describe_rule``) in French or English.

Why data and not a sentence: a half-year whose ECB rate or legal interest rate is not published yet cannot be
computed, but what the debtor owes for it is known by its rule ("taux BCE + 10 points à compter du 1er juillet
2026"). Documents claim those days by their formula, *à parfaire*; the calculator gives the same rule as JSON.
The words come from this module's own tables (one per language) so that a document in French reads in French
whatever the language of the person producing it.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from enum import StrEnum
from typing import Any

from .i18n import _
from .ratetables import Creditor, HalfYear


class ContractKind(StrEnum):
    FIXED = "fixed"  # a fixed annual rate, e.g. 12 %
    LEGAL_MULTIPLE = "legal_multiple"  # N × the legal interest rate "all other cases" of each half-year
    ECB_PLUS = "ecb_plus"  # the ECB rate of each half-year (as for the statutory rate) + N points


@dataclass(frozen=True, slots=True)
class ContractRate:
    """A contractual late-payment rate (C. com. L441-10 II): ``value`` is the rate in percent (``FIXED``), the
    multiple (``LEGAL_MULTIPLE``) or the points (``ECB_PLUS``)."""

    kind: ContractKind
    value: Decimal

    @property
    def spec(self) -> str:
        """The form ``parse_contract_rate`` reads back: ``12.5``, ``3xlegal``, ``ecb+7``."""
        if self.kind is ContractKind.FIXED:
            return _number(self.value)
        if self.kind is ContractKind.LEGAL_MULTIPLE:
            return f"{_number(self.value)}xlegal"
        return f"ecb+{_number(self.value)}"

    def as_dict(self) -> dict[str, str]:
        return {"kind": str(self.kind), "value": _number(self.value), "spec": self.spec}


_FIXED = re.compile(r"^\d{1,2}(?:[.,]\d{1,4})?$")
_MULTIPLE = re.compile(r"^(\d{1,2}(?:[.,]\d{1,2})?)\s*[x×]\s*(?:legal|taux\s*l[ée]gal|tl)?$")
_ECB = re.compile(r"^(?:ecb|bce)\s*\+\s*(\d{1,2}(?:[.,]\d{1,4})?)(?:\s*(?:points?|pts?))?$")
NO_CONTRACT_RATE = ("", "none", "aucun", "statutory")


def parse_contract_rate(text: str) -> ContractRate | None:
    """``12.5`` or ``12,5 %`` (fixed), ``3x``/``3xlegal``/``3 × taux légal`` (multiple of the legal interest rate),
    ``ecb+7``/``BCE + 7 points`` (ECB rate + points); ``none`` (or empty) is no contractual rate. Refused with
    ``ValueError`` naming the forms otherwise."""
    value = text.strip().lower().replace("%", "").strip()
    if len(value) > 40:
        raise ValueError(_("a contractual rate is at most 40 characters"))
    if value in NO_CONTRACT_RATE:
        return None
    if _FIXED.match(value):
        return ContractRate(ContractKind.FIXED, Decimal(value.replace(",", ".")))
    found = _MULTIPLE.match(value)
    if found:
        multiple = Decimal(found.group(1).replace(",", "."))
        if multiple <= 0:
            raise ValueError(_("a multiple of the legal interest rate must be positive"))
        return ContractRate(ContractKind.LEGAL_MULTIPLE, multiple)
    found = _ECB.match(value)
    if found:
        return ContractRate(ContractKind.ECB_PLUS, Decimal(found.group(1).replace(",", ".")))
    raise ValueError(
        _(
            "not a contractual rate: %(text)r (expected a rate in percent such as 12.5, a multiple of the legal "
            "interest rate such as 3xlegal, the ECB rate plus points such as ecb+7, or none)"
        )
        % {"text": text}
    )


class RuleKind(StrEnum):
    STATUTORY = "statutory"  # b2b: ECB rate in force on the first day of the half-year + 10 points (L441-10 II)
    PUBLIC = "public"  # ECB rate in force on the first day of the half-year the delay started in + 8 points, fixed
    LEGAL = "legal"  # the legal interest rate of the creditor's category (+ 5 points after a judgment, L313-3)
    CONTRACT = "contract"  # a contractual rate whose half-year cannot be checked against the floor yet


@dataclass(frozen=True, slots=True)
class RateRule:
    """The rule that gives the rate of days not computed yet. ``half_year`` is the half-year whose published
    figure applies (for ``PUBLIC``, and b2b with the rate frozen at the start, the one the delay started in);
    ``points`` are added to the ECB or legal rate; ``contract`` and ``below_floor_statutory`` describe a
    contractual rate and what replaces it below 3 × the legal interest rate."""

    kind: RuleKind
    half_year: HalfYear
    points: Decimal = Decimal(0)
    creditor: Creditor = Creditor.PROFESSIONAL
    contract: ContractRate | None = None
    below_floor_statutory: bool = True

    def as_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "kind": str(self.kind),
            "half_year": str(self.half_year),
            "reference_date": self.half_year.start.isoformat(),
            "points": _number(self.points),
        }
        if self.kind is RuleKind.LEGAL:
            out["creditor"] = str(self.creditor)
        if self.contract is not None:
            out["contract"] = self.contract.as_dict()
            out["below_floor"] = "statutory" if self.below_floor_statutory else "floor"
        return out


@dataclass(frozen=True, slots=True)
class OpenPeriod:
    """Days ``start`` to ``end`` (both included) on ``base`` whose rate is not published yet: claimed by ``rule``,
    *à parfaire*."""

    start: date
    end: date
    base: Decimal
    rule: RateRule

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1

    def as_dict(self, language: str = "en") -> dict[str, Any]:
        return {
            "from": self.start.isoformat(),
            "to": self.end.isoformat(),
            "days": self.days,
            "base": str(self.base),
            "rule": describe_rule(self.rule, self.start, language),
            "formula": self.rule.as_dict(),
        }


# --------------------------------------------------------------------------------------------- words

_MONTHS = {
    "fr": (
        "janvier",
        "février",
        "mars",
        "avril",
        "mai",
        "juin",
        "juillet",
        "août",
        "septembre",
        "octobre",
        "novembre",
        "décembre",
    ),
    "en": (
        "January",
        "February",
        "March",
        "April",
        "May",
        "June",
        "July",
        "August",
        "September",
        "October",
        "November",
        "December",
    ),
}

_WORDS = {
    "fr": {
        "statutory": "taux de refinancement de la BCE en vigueur le {ref} majoré de {points} points",
        "public": "taux de refinancement de la BCE en vigueur le {ref} majoré de {points} points, fixe pour toute la "
        "durée du retard",
        "legal_pro": "taux de l'intérêt légal du {half} (créances des professionnels, « tous les autres cas »)",
        "legal_ind": "taux de l'intérêt légal du {half} (créances des personnes physiques n'agissant pas pour des "
        "besoins professionnels)",
        "uplift": " majoré de {points} points",
        "fixed": "taux contractuel de {rate} %",
        "multiple": "taux contractuel de {multiple} fois le taux de l'intérêt légal du {half}",
        "ecb_plus": "taux contractuel égal au taux de refinancement de la BCE en vigueur le {ref} majoré de "
        "{points} points",
        "or_statutory": ", ou, s'il est inférieur à trois fois le taux de l'intérêt légal du {half}, taux de "
        "refinancement de la BCE en vigueur le {ref} majoré de 10 points",
        "or_floor": ", porté à trois fois le taux de l'intérêt légal du {half} s'il lui est inférieur",
        "from": ", à compter du {start}",
        "half": ("premier semestre {year}", "second semestre {year}"),
    },
    "en": {
        "statutory": "ECB main refinancing rate in force on {ref} plus {points} points",
        "public": "ECB main refinancing rate in force on {ref} plus {points} points, fixed for the whole delay",
        "legal_pro": 'legal interest rate of the {half} (claims of professionals, "all other cases")',
        "legal_ind": "legal interest rate of the {half} (claims of natural persons not acting for professional needs)",
        "uplift": " plus {points} points",
        "fixed": "contractual rate of {rate}%",
        "multiple": "contractual rate of {multiple} times the legal interest rate of the {half}",
        "ecb_plus": "contractual rate equal to the ECB main refinancing rate in force on {ref} plus {points} points",
        "or_statutory": ", or, if it is below three times the legal interest rate of the {half}, the ECB main "
        "refinancing rate in force on {ref} plus 10 points",
        "or_floor": ", raised to three times the legal interest rate of the {half} if below it",
        "from": ", from {start}",
        "half": ("first half of {year}", "second half of {year}"),
    },
}


def words_language(language: str | None) -> str:
    """``fr`` for French (``fr``, ``fr-fr``...), else ``en``."""
    return "fr" if (language or "").lower().startswith("fr") else "en"


def date_words(day: date, language: str) -> str:
    """``1er juillet 2026`` / ``1 July 2026``."""
    lang = words_language(language)
    month = _MONTHS[lang][day.month - 1]
    if lang == "fr":
        return f"{'1er' if day.day == 1 else day.day} {month} {day.year}"
    return f"{day.day} {month} {day.year}"


def _number(value: Decimal, language: str = "en") -> str:
    text = format(value.normalize(), "f")
    return text.replace(".", ",") if words_language(language) == "fr" else text


def _rate(value: Decimal, language: str) -> str:
    two = value.quantize(Decimal("0.01"))
    text = str(two) if two == value else format(value.normalize(), "f")
    return text.replace(".", ",") if words_language(language) == "fr" else text


def describe_rule(rule: RateRule, start: date, language: str) -> str:
    """The rule in words, in French (``fr``) or English (any other language), with the day it applies from, e.g.
    "taux de refinancement de la BCE en vigueur le 1er juillet 2026 majoré de 10 points, à compter du 1er juillet
    2026". Never a command, a setting or a code: this is what a debtor or a court reads."""
    lang = words_language(language)
    w = _WORDS[lang]
    half = str(w["half"][rule.half_year.half - 1]).format(year=rule.half_year.year)
    ref = date_words(rule.half_year.start, lang)
    values = {"ref": ref, "half": half, "points": _number(rule.points, lang)}
    if rule.kind is RuleKind.STATUTORY:
        text = str(w["statutory"]).format(**values)
    elif rule.kind is RuleKind.PUBLIC:
        text = str(w["public"]).format(**values)
    elif rule.kind is RuleKind.LEGAL:
        key = "legal_ind" if rule.creditor is Creditor.INDIVIDUAL else "legal_pro"
        text = str(w[key]).format(**values)
        if rule.points:
            text += str(w["uplift"]).format(**values)
    else:
        contract = rule.contract
        assert contract is not None
        if contract.kind is ContractKind.FIXED:
            text = str(w["fixed"]).format(rate=_rate(contract.value, lang))
        elif contract.kind is ContractKind.LEGAL_MULTIPLE:
            text = str(w["multiple"]).format(multiple=_number(contract.value, lang), half=half)
        else:
            text = str(w["ecb_plus"]).format(ref=ref, points=_number(contract.value, lang))
        text += str(w["or_statutory" if rule.below_floor_statutory else "or_floor"]).format(**values)
    return text + str(w["from"]).format(start=date_words(start, lang))


def grouped_by_rule(pairs: Iterable[tuple[str, str]]) -> list[tuple[str, list[str]]]:
    """``(invoice number, rule in words)`` pairs grouped by rule, in order of first appearance: a document states
    each rule once with the invoices it applies to, instead of repeating it invoice after invoice."""
    groups: dict[str, list[str]] = {}
    for number, rule in pairs:
        numbers = groups.setdefault(rule, [])
        if number not in numbers:
            numbers.append(number)
    return list(groups.items())


def _amount_words(amount: Decimal, language: str) -> str:
    text = f"{amount:,.2f}"
    if words_language(language) == "fr":
        return text.replace(",", "\u202f").replace(".", ",") + "\u00a0€"
    return "€" + text


def describe_open_periods(periods: Iterable[OpenPeriod], language: str) -> list[str]:
    """The open periods of one invoice in words, one text per rule: a rule whose days run on several bases (a
    payment received meanwhile) says from when it applies and on which base for which days, e.g. "... à compter du
    17 juillet 2026, sur 1 500,00 € jusqu'au 7 août 2026 puis sur 951,82 €"."""
    lang = words_language(language)
    groups: list[list[OpenPeriod]] = []
    for period in periods:
        if groups and groups[-1][-1].rule == period.rule:
            groups[-1].append(period)
        else:
            groups.append([period])
    out = []
    for group in groups:
        text = describe_rule(group[0].rule, group[0].start, lang)
        if len(group) > 1:
            parts = []
            for i, period in enumerate(group):
                base = _amount_words(period.base, lang)
                last = i == len(group) - 1
                if lang == "fr":
                    parts.append(f"sur {base}" + ("" if last else f" jusqu'au {date_words(period.end, lang)}"))
                else:
                    parts.append(f"on {base}" + ("" if last else f" until {date_words(period.end, lang)}"))
            text += ", " + (" puis " if lang == "fr" else " then ").join(parts)
        if text not in out:
            out.append(text)
    return out
