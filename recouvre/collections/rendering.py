"""The e-mail of an outbox action: subject, plain text and HTML, in the customer's language (French or English).

Templates are ``collections/email/<language>.{subject,txt,html}``; the step's template key (``courtesy``,
``reminder``, ``firm``, ...) chooses the wording inside them. Amounts and dates are written the way the language
writes them. The invoices listed are the action's lines with their open amounts as they are when the message is
produced (an invoice paid in full since planning is left out).

An organization may write its own wording of a template key in a language (``MessageTemplate``: a subject and a
body, Django template text with the merge fields of ``MERGE_FIELDS``). When it has one for the action's template
key (else for the wording the built-in templates would use), that wording is used, for previews and for the
e-mails sent alike; the plain-text part is the body as written, the HTML part the same text in paragraphs with the
invoice table as an HTML table. Custom wording is rendered by a restricted template engine (``sandbox``: no
``load``, ``include``, ``debug``, ``lorem``, ``ljust``...) over plain values, never over database objects, within
bounds of time, loop repetitions and length (a wording past them raises ``WordingError``). A custom wording that
cannot be compiled or rendered is never allowed to stop a message: the built-in wording is used instead (and the
error logged).

The step asking for claimed penalties once the principal is paid (template ``penalties``) has its own message
(``render_penalties_email``, templates ``collections/email/penalties_<language>.{subject,txt,html}``): the invoices
paid late, the penalties claimed on each and still owed, the total, and why they are owed by the debtor's law. It is
always the built-in wording.

Every message and letter to the customer carries the customer's link to the customer portal (``portal_link``,
``portal_block``) when it is produced for sending: the caller passes the address in (``recouvre.portal.links
.document_link``), the rendering never creates one. A preview is given ``PORTAL_PREVIEW`` instead and shows a
neutral placeholder where the link will be; an empty address (the portal off for the organization, or no public
address for the server) leaves the paragraph out altogether.

The law a message cites follows the customer's kind (``recouvre.core.lawtexts``): the legal paragraph of the firm
reminder and the formal notice (``legal_notice``), the penalties block (never for a consumer) and the organization's
legal mentions in the footer (without the professionals' payment mentions for a consumer or a public body). A
custom wording that would send a debtor a mention its law forbids (L441-10 or the 40 EUR to a consumer...) is
replaced by the built-in wording as well (and logged).
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass, replace
from datetime import date
from decimal import Decimal
from typing import Any

from django.template import Context, TemplateSyntaxError
from django.template.base import Lexer, TokenType
from django.template.loader import get_template, render_to_string
from django.utils.html import escape
from django.utils.safestring import mark_safe
from django.utils.translation import gettext, gettext_lazy, override

from recouvre.core import lawtexts

from . import sandbox
from .penalties import Penalty, open_rules

log = logging.getLogger(__name__)

LANGUAGES = ("fr", "en")
TEMPLATE_KEYS = ("courtesy", "reminder", "firm", "formal_notice")
_SYMBOLS = {"EUR": "€", "USD": "$", "GBP": "£"}
_MONTHS_EN = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


def language_of(customer_language: str) -> str:
    """``fr`` or ``en``: the customer's language when the project has templates for it, English otherwise."""
    code = (customer_language or "").lower().split("-")[0].split("_")[0]
    return code if code in LANGUAGES else "en"


def format_amount(amount: Decimal, currency: str, language: str) -> str:
    """``1 234,56 €`` in French (narrow no-break space between thousands, no-break space before the symbol),
    ``€1,234.56`` in English; currencies without a symbol here are written with their code."""
    quantized = amount.quantize(Decimal("0.01"))
    sign = "-" if quantized < 0 else ""
    whole, cents = f"{abs(quantized):.2f}".split(".")
    groups = f"{int(whole):,}"
    symbol = _SYMBOLS.get(currency)
    if language == "fr":
        number = f"{sign}{groups.replace(',', '\u202f')},{cents}"
        return f"{number}\u00a0{symbol or currency}"
    number = f"{groups}.{cents}"
    return f"{sign}{symbol}{number}" if symbol else f"{sign}{number} {currency}"


def format_date(day: date, language: str) -> str:
    if language == "fr":
        return day.strftime("%d/%m/%Y")
    return f"{day.day} {_MONTHS_EN[day.month - 1]} {day.year}"


_INSTALMENT_LABELS = {
    "fr": "{number}, échéance {position}/{count} du {due}",
    "en": "{number}, instalment {position} of {count} due {due}",
}


def item_label(number: str, position: int, count: int, due_on: date, language: str) -> str:
    """How a message names an item: the invoice number, and for one instalment of an invoice payable in several
    ``F2026-007, échéance 2/3 du 15/02/2026`` (``F2026-007, instalment 2 of 3 due 15 Feb 2026``)."""
    if not position:
        return number
    lang = language_of(language)
    return _INSTALMENT_LABELS[lang].format(number=number, position=position, count=count, due=format_date(due_on, lang))


@dataclass(frozen=True)
class Line:
    number: str
    due_on: date
    days_overdue: int
    open_amount: Decimal
    currency: str
    penalty: Penalty | None = None  # shown from the firm step on (``penalties.shows_penalties``)
    hold: str = ""  # on hold (the hold's kind): listed apart, not demanded (``held``)
    instalment: int = 0  # one instalment of an invoice payable in several (its position among ``instalments``)
    instalments: int = 0

    def label(self, language: str) -> str:
        """The invoice number, with the instalment when the line is one (``item_label``)."""
        return item_label(self.number, self.instalment, self.instalments, self.due_on, language)


def held_rows(held: list[Line] | tuple[Line, ...], lang: str) -> list[dict[str, str]]:
    """The invoices on hold as a message lists them apart from the amount demanded, with the reason in words."""
    from .held import held_label

    return [
        {
            "number": ln.label(lang),
            "due_on": format_date(ln.due_on, lang),
            "open_amount": format_amount(ln.open_amount, ln.currency, lang),
            "reason": held_label(ln.hold, lang),
        }
        for ln in held
    ]


PORTAL_PREVIEW = "portal-link-preview"
"""Pass as ``portal_url`` to a preview: the document shows where the customer's link will be, none is created."""

_PORTAL_WORDS = {
    "fr": {
        "placeholder": "[lien personnel vers votre espace client, créé à l’envoi]",
        "email": "Votre relevé de compte et vos factures sont consultables dans votre espace client (lien personnel) :",
        "letter": "Votre relevé de compte et vos factures sont consultables dans votre espace client : scannez ce "
        "code ou saisissez l’adresse ci-dessous (lien personnel).",
    },
    "en": {
        "placeholder": "[personal link to your customer area, created when sent]",
        "email": "Your statement of account and your invoices are in your customer area (personal link):",
        "letter": "Your statement of account and your invoices are in your customer area: scan this code or type the "
        "address below (personal link).",
    },
}


def portal_link(portal_url: str, language: str) -> str:
    """What a document prints as the customer's portal link: the address, the placeholder of a preview, or
    ``""`` (no link: nothing about it is printed)."""
    if portal_url == PORTAL_PREVIEW:
        return _PORTAL_WORDS[language_of(language)]["placeholder"]
    return portal_url


def portal_block(portal_url: str, language: str, *, qr: bool = True) -> dict[str, Any] | None:
    """The customer-portal paragraph of a letter or a statement: its sentence, the address and (``qr``) the QR
    code of the address as an inline SVG element; ``None`` without an address. A preview shows the placeholder
    and no QR code."""
    import segno

    if not portal_url:
        return None
    lang = language_of(language)
    live = portal_url != PORTAL_PREVIEW
    svg = ""
    if qr and live:
        svg = segno.make_qr(portal_url, error="m", boost_error=False).svg_inline(scale=3, border=2)
    return {
        "intro": _PORTAL_WORDS[lang]["letter"],
        "url": portal_link(portal_url, lang),
        "live": live,
        "qr_svg": mark_safe(svg),  # noqa: S308 - drawn by segno from an address this server made
    }


@dataclass(frozen=True)
class RenderedEmail:
    language: str
    subject: str
    text: str
    html: str
    custom: bool = False


@dataclass(frozen=True)
class Wording:
    """An organization's own subject and body for a template key in a language (Django template text)."""

    subject: str
    body: str


BUILT_IN = Wording("", "")
"""Pass as ``wording`` to render with the built-in templates whatever the organization has written."""


def render_email(
    *,
    template: str,
    language: str,
    organization: Any,
    customer: Any,
    lines: list[Line],
    unapplied: dict[str, Decimal],
    deadline_on: date | None,
    reply_to_name: str = "",
    wording: Wording | None = None,
    held: list[Line] | tuple[Line, ...] = (),
    previous: int = 0,
    portal_url: str = "",
) -> RenderedEmail:
    """Render the e-mail of one action. ``template`` is the step's template key (unknown keys are written as a
    reminder); ``unapplied`` the customer's unapplied credits per currency. ``wording``: the organization's own
    wording when ``None`` and it has one (see the module description), ``BUILT_IN`` for the built-in templates, or
    the given subject and body (a preview of a wording being edited: errors are raised then, not hidden). ``held``:
    the invoices on hold, listed apart and left out of the amount demanded and of the penalties. ``previous``: how
    many earlier reminders about these invoices were carried out (``steps.previous_contacts``): the wording speaks
    of a previous reminder only when there was one. ``portal_url``: the customer's link to the portal the message
    carries (``PORTAL_PREVIEW`` in a preview, ``""`` for none)."""
    lang = language_of(language)
    key = template if template in TEMPLATE_KEYS else "reminder"
    explicit = wording is not None and wording is not BUILT_IN
    if wording is None:
        wording = organization_wording(organization, template, key, lang)
    if wording is not None and wording is not BUILT_IN:
        try:
            custom = _render_custom(
                wording,
                lang,
                key,
                organization,
                customer,
                lines,
                unapplied,
                deadline_on,
                reply_to_name,
                held,
                previous,
                portal_url,
            )
            forbidden = lawtexts.forbidden_found(custom.text, lawtexts.Debtor.of(customer))
            if not forbidden or explicit:
                return with_privacy(custom, organization, customer)
            # The organization's wording cites what this debtor's law forbids (e.g. the 40 EUR to a consumer).
            log.warning(
                "custom wording %s/%s of organization %s cites %s, not the law of a %s debtor; built-in used",
                template,
                lang,
                getattr(organization, "pk", None),
                ", ".join(forbidden),
                getattr(customer, "kind", ""),
            )
        except Exception:
            if explicit:
                raise
            log.exception(
                "custom wording %s/%s of organization %s failed; built-in used",
                template,
                lang,
                getattr(organization, "pk", None),
            )
    law = lawtexts.for_customer(customer, lang)
    totals: dict[str, Decimal] = {}
    for ln in lines:
        totals[ln.currency] = totals.get(ln.currency, Decimal("0")) + ln.open_amount
    context = {
        "key": key,
        "previous": previous,
        "organization": organization,
        "legal_notice": legal_notice(law, key),
        "legal_mentions": lawtexts.mentions_for(getattr(organization, "legal_mentions", "") or "", law.debtor),
        "customer": customer,
        "lines": [
            {
                "number": ln.label(lang),
                "due_on": format_date(ln.due_on, lang),
                "days_overdue": ln.days_overdue,
                "overdue": ln.days_overdue > 0,
                "open_amount": format_amount(ln.open_amount, ln.currency, lang),
            }
            for ln in lines
        ],
        "totals": [format_amount(amount, cur, lang) for cur, amount in sorted(totals.items())],
        "unapplied": [format_amount(amount, cur, lang) for cur, amount in sorted(unapplied.items()) if amount > 0],
        "deadline_on": format_date(deadline_on, lang) if deadline_on else "",
        "reference": customer.ref,
        "payment": payment_block(organization, customer, totals, lang, qr=False, credits=unapplied),
        "reply_to_name": reply_to_name,
        "penalties": penalties_text(lines, lang, law=law),
        "held": held_rows(held, lang),
        "portal_link": portal_link(portal_url, lang),
        "portal_live": bool(portal_url) and portal_url != PORTAL_PREVIEW,
    }
    base = f"collections/email/{lang}"
    subject = " ".join(render_to_string(f"{base}.subject", context).split())
    return with_privacy(
        RenderedEmail(
            lang, subject, render_to_string(f"{base}.txt", context), render_to_string(f"{base}.html", context)
        ),
        organization,
        customer,
    )


_DUE_WORDS = {
    "fr": {"period": "intérêts du {start} au {end} au taux annuel de {rates} %", "none": "—"},
    "en": {"period": "interest from {start} to {end} at the annual rate of {rates}%", "none": "—"},
}


def penalties_due_rows(rows: Any, language: str) -> dict[str, Any]:
    """The penalties still owed once the principal is paid (``recouvre.penalties.selectors.PenaltiesDue`` rows) as
    a message or a letter writes them: each invoice (number, due date, the day it was paid, interest with its days
    and rates, indemnity, already paid, still owed), the totals still owed per currency and the penalty invoices
    that invoiced them."""
    lang = language_of(language)
    words = _DUE_WORDS[lang]
    out = []
    totals: dict[str, Decimal] = {}
    invoices: list[str] = []
    for row in rows:
        period = ""
        if row.interest_from is not None and row.interest_to is not None:
            rates = " / ".join(r.replace(".", ",") if lang == "fr" else r for r in row.rates)
            period = words["period"].format(
                start=format_date(row.interest_from, lang), end=format_date(row.interest_to, lang), rates=rates
            )
        out.append(
            {
                "number": row.number,
                "due_on": format_date(row.due_on, lang),
                "paid_on": format_date(row.paid_on, lang) if row.paid_on else words["none"],
                "interest": format_amount(row.interest, row.currency, lang),
                "indemnity": format_amount(row.indemnity, row.currency, lang),
                "paid": format_amount(row.paid, row.currency, lang),
                "open": format_amount(row.open, row.currency, lang),
                "period": period,
            }
        )
        totals[row.currency] = totals.get(row.currency, Decimal("0.00")) + row.open
        invoices += [n for n in row.penalty_invoices if n not in invoices]
    return {
        "rows": out,
        "totals": [format_amount(amount, cur, lang) for cur, amount in sorted(totals.items())],
        "penalty_invoices": invoices,
    }


def render_penalties_email(
    *, language: str, organization: Any, customer: Any, rows: Any, reply_to_name: str = "", portal_url: str = ""
) -> RenderedEmail:
    """The e-mail asking ``customer`` for the penalties it still owes once the principal is paid (``rows``:
    ``recouvre.penalties.selectors.PenaltiesDue``), with the law of its kind; built-in wording only. A consumer is
    never sent one (``ValueError``): it owes neither late-payment penalties nor the 40 EUR indemnity."""
    lang = language_of(language)
    law = lawtexts.for_customer(customer, lang)
    if not law.penalties or not law.penalties_due_basis:
        raise ValueError("a consumer owes neither late-payment penalties nor the 40 EUR indemnity")
    due = penalties_due_rows(rows, lang)
    owed: dict[str, Decimal] = {}
    for row in rows:
        owed[row.currency] = owed.get(row.currency, Decimal("0.00")) + row.open
    context = {
        **due,
        "payment": payment_block(organization, customer, owed, lang, qr=False),
        "title": law.penalties_due_title,
        "basis": law.penalties_due_basis,
        "organization": organization,
        "customer": customer,
        "reference": customer.ref,
        "reply_to_name": reply_to_name,
        "legal_mentions": lawtexts.mentions_for(getattr(organization, "legal_mentions", "") or "", law.debtor),
        "portal_link": portal_link(portal_url, lang),
        "portal_live": bool(portal_url) and portal_url != PORTAL_PREVIEW,
    }
    base = f"collections/email/penalties_{lang}"
    subject = " ".join(render_to_string(f"{base}.subject", context).split())
    return with_privacy(
        RenderedEmail(
            lang, subject, render_to_string(f"{base}.txt", context), render_to_string(f"{base}.html", context)
        ),
        organization,
        customer,
    )


def with_privacy(email: RenderedEmail, organization: Any, customer: Any) -> RenderedEmail:
    """``email`` with the organization's privacy information (GDPR art. 13/14, ``recouvre.privacy.notice``) as a
    short last paragraph of its text and HTML parts, whatever wording it was written with."""
    from recouvre.privacy.notice import privacy_notice

    notice = privacy_notice(organization, email.language, getattr(customer, "kind", "") or "business")
    if not notice:
        return email
    context = {"privacy": notice}
    text = email.text.rstrip("\n") + "\n\n" + render_to_string("collections/email/_privacy.txt", context).strip() + "\n"
    block = render_to_string("collections/email/_privacy.html", context).strip()
    head, found, tail = email.html.rpartition("</body>")
    html = f"{head}{block}\n{found}{tail}" if found else f"{email.html}{block}\n"
    return replace(email, text=text, html=html)


_PENALTIES = {
    "fr": {
        "title": "Pénalités de retard à ce jour (articles L. 441-10 et D. 441-5 du Code de commerce) :",
        "title_public": "Intérêts moratoires à ce jour (articles L. 2192-13, R. 2192-31 et D. 2192-35 du Code de la "
        "commande publique) :",
        "line": "{number} : intérêts de retard {interest} au taux annuel de {rates} % du {start} au {end}",
        "indemnity": " ; indemnité forfaitaire pour frais de recouvrement {indemnity}",
        "total": "Total des pénalités : intérêts {interest}, indemnités forfaitaires {indemnity}, soit {total}.",
        "grand": "Total dû, pénalités comprises : {total}.",
        "open_then": " ; puis intérêts à parfaire au {rule}",
        "open_only": "{number} : intérêts de retard à parfaire au {rule}",
        "to_complete": " (à parfaire)",
    },
    "en": {
        "title": "Late-payment penalties to date (French Commercial Code, articles L441-10 and D441-5):",
        "title_public": "Late-payment interest to date (French Public Procurement Code, articles L2192-13, R2192-31 "
        "and D2192-35):",
        "line": "{number}: late-payment interest {interest} at the annual rate of {rates}% from {start} to {end}",
        "indemnity": "; fixed recovery indemnity {indemnity}",
        "total": "Total penalties: interest {interest}, fixed indemnities {indemnity}, that is {total}.",
        "grand": "Total due including penalties: {total}.",
        "open_then": "; then interest to be completed at the {rule}",
        "open_only": "{number}: late-payment interest to be completed at the {rule}",
        "to_complete": " (to be completed)",
    },
}


def legal_notice(law: lawtexts.LawTexts, key: str) -> str:
    """The legal paragraph of a reminder of template ``key``, by the debtor's law (``recouvre.core.lawtexts``):
    none before the firm step, none in a consumer's firm reminder."""
    if key == "firm":
        return law.firm_notice
    if key == "formal_notice":
        return law.formal_notice_clause
    return ""


def penalties_text(lines: list[Line], language: str, *, law: lawtexts.LawTexts | None = None) -> str:
    """The penalties block of a message (plain text, one invoice a line, then the totals), or ``""`` when no line
    carries a penalty or the debtor's law (``law``) has no penalties to remind (a consumer). Penalties are in euros
    (the engine computes invoices in euros only); the total including penalties is given when every listed invoice
    is in euros."""
    words = _PENALTIES[language_of(language)]
    lang = language_of(language)
    shown = [
        ln for ln in lines if ln.penalty is not None and (ln.penalty.first_day is not None or ln.penalty.open_periods)
    ]
    if not shown or (law is not None and not law.penalties):
        return ""
    if law is not None:
        out = [law.penalties_title]
    else:
        out = [words["title_public"] if all(ln.penalty and ln.penalty.public for ln in shown) else words["title"]]
    interest = indemnity = Decimal("0.00")
    for ln in shown:
        p = ln.penalty
        assert p is not None
        rules = open_rules(p, lang)
        if p.first_day is not None and p.last_day is not None:
            text = words["line"].format(
                number=ln.number,
                interest=format_amount(p.interest, "EUR", lang),
                rates=p.rates.replace(".", ",") if lang == "fr" else p.rates,
                start=format_date(p.first_day, lang),
                end=format_date(p.last_day, lang),
            )
            text += "".join(words["open_then"].format(rule=rule) for rule in rules)
        else:
            text = words["open_only"].format(number=ln.number, rule=rules[0])
            text += "".join(words["open_then"].format(rule=rule) for rule in rules[1:])
        if p.indemnity:
            text += words["indemnity"].format(indemnity=format_amount(p.indemnity, "EUR", lang))
        out.append(text)
        interest += p.interest
        indemnity += p.indemnity
    pending = "" if all(ln.penalty is None or ln.penalty.complete for ln in shown) else words["to_complete"]
    out.append(
        words["total"].format(
            interest=format_amount(interest, "EUR", lang) + pending,
            indemnity=format_amount(indemnity, "EUR", lang),
            total=format_amount(interest + indemnity, "EUR", lang) + pending,
        )
    )
    if all(ln.currency == "EUR" for ln in lines):
        due = sum((ln.open_amount for ln in lines), Decimal("0.00"))
        out.append(words["grand"].format(total=format_amount(due + interest + indemnity, "EUR", lang) + pending))
    return "\n".join(out)


# ------------------------------------------------------------------------------------------------ custom wording

MERGE_FIELDS: tuple[tuple[str, Any], ...] = (
    ("{{ customer.name }}", gettext_lazy("the customer's name")),
    ("{{ customer.ref }}", gettext_lazy("the customer's account reference")),
    ("{{ invoice_table }}", gettext_lazy("the table of invoices: number, due date, days overdue, amount due, total")),
    ("{{ total }}", gettext_lazy("the total due (per currency)")),
    ('{{ unapplied|join:", " }}', gettext_lazy("the customer's credits and payments not yet applied")),
    ("{{ deadline_on }}", gettext_lazy("the payment deadline, when the step gives one")),
    (
        "{% if previous %}…{% endif %}",
        gettext_lazy("how many earlier reminders about these invoices were carried out (0: this is the first)"),
    ),
    ("{{ payment_instructions }}", gettext_lazy("how to pay: bank transfer to the IBAN, with the payment reference")),
    ("{{ reference }}", gettext_lazy("the payment reference (the customer's account)")),
    ("{{ organization.iban }} {{ organization.bic }}", gettext_lazy("your bank details")),
    (
        "{{ penalties }}",
        gettext_lazy(
            "the late-payment penalties: interest to date and the 40 EUR indemnity per invoice, and their totals "
            "(from the firm step on; empty before it, and always for a consumer)"
        ),
    ),
    (
        "{{ legal_notice }}",
        gettext_lazy(
            "the law on late payment that applies to the customer (business, consumer or public buyer), in the firm "
            "reminder and the formal notice; empty before them and in a consumer's firm reminder"
        ),
    ),
    (
        "{% if portal_link %}{{ portal_link }}{% endif %}",
        gettext_lazy(
            "the customer's personal link to the customer portal, created when the message is sent (a link in the "
            "HTML part); empty when the portal is off: write the sentence that introduces it inside the if"
        ),
    ),
    ("{{ collector }}", gettext_lazy("the name of the collector in charge of the customer")),
    ("{{ signature }}", gettext_lazy("the collector's name and your company's name")),
    ("{{ legal_footer }}", gettext_lazy("your address, SIREN, VAT number and legal mentions")),
    (
        "{% for line in lines %}{{ line.number }} {{ line.due_on }} {{ line.days_overdue }} {{ line.open_amount }}"
        "{% endfor %}",
        gettext_lazy("the invoices one by one"),
    ),
)

_ORG_FIELDS = (
    "name",
    "legal_form",
    "siren",
    "siret",
    "vat_number",
    "address_line1",
    "address_line2",
    "postal_code",
    "city",
    "country",
    "iban",
    "bic",
    "legal_mentions",
)
_CUSTOMER_FIELDS = (
    "name",
    "ref",
    "siren",
    "siret",
    "vat_number",
    "address_line1",
    "address_line2",
    "postal_code",
    "city",
    "country",
)
_TABLE_LABELS = {
    "fr": ("Facture", "Échéance", "Jours de retard", "Montant dû", "Total dû"),
    "en": ("Invoice", "Due date", "Days overdue", "Amount due", "Total due"),
}
_PAYMENT = {
    "fr": ("Règlement par virement", ", en indiquant la référence {ref}."),
    "en": ("Payment by bank transfer", ", quoting the reference {ref}."),
}
_VAT = {"fr": "TVA", "en": "VAT"}
_PAYMENT_WORDS = {
    "fr": {
        "title": "Coordonnées de paiement",
        "intro": "Règlement par virement, en indiquant la référence ci-dessous :",
        "holder": "Titulaire du compte",
        "iban": "IBAN",
        "bic": "BIC",
        "reference": "Référence à indiquer",
        "amount": "Montant dû",
        "amount_net": "Montant à régler, déduction faite de vos avoirs et règlements non imputés",
        "qr": "Scannez ce code avec l’application de votre banque : le virement est prérempli.",
        "colon": " : ",
    },
    "en": {
        "title": "Payment details",
        "intro": "Payment by bank transfer, quoting the reference below:",
        "holder": "Account holder",
        "iban": "IBAN",
        "bic": "BIC",
        "reference": "Reference to quote",
        "amount": "Amount due",
        "amount_net": "Amount to pay, after your credits and payments not yet applied",
        "qr": "Scan this code with your banking app: the transfer is filled in for you.",
        "colon": ": ",
    },
}


def net_of_credits(amounts: dict[str, Decimal], credits: dict[str, Decimal] | None) -> dict[str, Decimal]:
    """What is left to pay of ``amounts`` once the customer's unapplied payments and credit notes (``credits``,
    per currency) are deducted, never below zero: the amount a transfer should carry so that the customer never
    pays twice what it has already paid or been credited."""
    credits = credits or {}
    return {
        cur: max(Decimal("0.00"), amount - max(Decimal("0.00"), credits.get(cur, Decimal("0.00"))))
        for cur, amount in amounts.items()
    }


def payment_block(
    organization: Any,
    customer: Any,
    amounts: dict[str, Decimal],
    language: str,
    *,
    qr: bool = True,
    credits: dict[str, Decimal] | None = None,
) -> dict[str, Any] | None:
    """The payment details a document prints (``recouvre.core.payment_details``): the account holder (the
    organization's legal name unless it set one), the IBAN in groups of four, the BIC, the customer's RF reference
    and the amounts due, in the document's language; ``None`` when the organization has no IBAN (nothing is
    printed). ``qr``: with the EPC QR code as an inline SVG element when the amount is in euros (letters and
    statements; e-mails carry the text only). Keys: ``title``, ``intro``, ``rows`` (label, value), ``text`` (the
    block as plain text), ``qr_payload``, ``qr_svg``, ``qr_caption``. ``credits``: the customer's unapplied
    payments and credit notes per currency, deducted from the amount to pay (``net_of_credits``; the row then
    says so); nothing left to pay in a currency: no amount and no QR code for it."""
    from recouvre.core.creditor_ref import epc_qr_svg
    from recouvre.core.payment_details import payment_details

    lang = language_of(language)
    net = net_of_credits(amounts, credits)
    deducted = net != amounts
    amounts = net
    details = payment_details(
        holder=getattr(organization, "account_holder", "") or getattr(organization, "name", ""),
        iban=getattr(organization, "iban", "") or "",
        bic=getattr(organization, "bic", "") or "",
        reference_rf=getattr(customer, "payment_reference", "") or "",
        amounts=amounts,
    )
    if details is None:
        return None
    words = _PAYMENT_WORDS[lang]
    rows = [(words["holder"], details.holder), (words["iban"], details.iban_printed)]
    if details.bic:
        rows.append((words["bic"], details.bic))
    if details.reference:
        rows.append((words["reference"], details.reference_printed))
    if details.amounts:
        separator = " ; " if lang == "fr" else "; "
        rows.append(
            (
                words["amount_net" if deducted else "amount"],
                separator.join(format_amount(a, c, lang) for c, a in details.amounts),
            )
        )
    text = words["intro"] + "\n" + "".join(f"{label}{words['colon']}{value}\n" for label, value in rows)
    svg = epc_qr_svg(details.qr_payload, scale=3, border=2) if qr and details.qr_payload else ""
    return {
        "title": words["title"],
        "intro": words["intro"],
        "rows": rows,
        "text": text.rstrip("\n"),
        "reference": details.reference_printed,
        "qr_payload": details.qr_payload if qr else "",
        "qr_svg": mark_safe(svg),  # noqa: S308 - drawn by segno from validated values
        "qr_caption": words["qr"] if svg else "",
    }


_HELD_TITLE = {
    "fr": "Factures non comprises dans le montant demandé :",
    "en": "Invoices not included in the amount requested:",
}


class WordingError(ValueError):
    """A custom wording that cannot be compiled: ``line`` is where the error is (1 = first line), in ``part``
    (``subject`` or ``body``)."""

    def __init__(self, part: str, line: int | None, message: str) -> None:
        super().__init__(message)
        self.part, self.line, self.message = part, line, message


def _compile(part: str, source: str) -> Any:
    """The template of one part of a wording (``sandbox.compile_wording``), or ``WordingError``."""
    try:
        return sandbox.compile_wording(source)
    except TemplateSyntaxError as exc:
        debug = getattr(exc, "template_debug", None) or {}
        raise WordingError(part, debug.get("line"), str(exc)) from exc
    except sandbox.SourceTooLong as exc:
        message = gettext("The wording is longer than %(count)s characters.") % {"count": sandbox.MAX_SOURCE}
        raise WordingError(part, None, message) from exc
    except RecursionError as exc:
        raise WordingError(part, None, gettext("The tags are nested too deeply.")) from exc


def _limit_message(exc: sandbox.RenderLimit) -> str:
    if exc.kind == "time":
        return gettext("The message takes more than %(seconds)s seconds to write: a loop repeats too often.") % {
            "seconds": f"{exc.limit:g}"
        }
    if exc.kind == "iterations":
        return gettext("The loops repeat more than %(count)s times in all.") % {"count": exc.limit}
    if exc.kind == "decimals":
        return gettext("floatformat takes at most %(count)s decimal places.") % {"count": exc.limit}
    return gettext(
        "The message would be longer than %(count)s characters: a loop or a filter repeats too much text."
    ) % {"count": exc.limit}


def check_wording(wording: Wording) -> None:
    """Raise ``WordingError`` when the subject or the body cannot be compiled (with the line of the error)."""
    for part, source in (("subject", wording.subject), ("body", wording.body)):
        _compile(part, source)


def organization_wording(organization: Any, template: str, key: str, language: str) -> Wording | None:
    """The organization's own wording of ``template`` (else of ``key``, the built-in wording it falls back to) in
    ``language``, or None."""
    from .models import MessageTemplate

    if getattr(organization, "pk", None) is None:
        return None
    found = {
        t.key: t
        for t in MessageTemplate.objects.filter(
            organization_id=organization.pk, language=language, key__in={template, key}
        )
    }
    chosen = found.get(template) or found.get(key)
    return Wording(chosen.subject, chosen.body) if chosen is not None else None


def _plain(obj: Any, fields: tuple[str, ...]) -> dict[str, Any]:
    return {f: getattr(obj, f, "") or "" for f in fields}


def _render_custom(
    wording: Wording,
    lang: str,
    key: str,
    organization: Any,
    customer: Any,
    lines: list[Line],
    unapplied: dict[str, Decimal],
    deadline_on: date | None,
    reply_to_name: str,
    held: list[Line] | tuple[Line, ...] = (),
    previous: int = 0,
    portal_url: str = "",
) -> RenderedEmail:
    org = _plain(organization, _ORG_FIELDS)
    labels = _TABLE_LABELS[lang]
    totals: dict[str, Decimal] = {}
    for ln in lines:
        totals[ln.currency] = totals.get(ln.currency, Decimal("0")) + ln.open_amount
    rows = [
        {
            "number": ln.label(lang),
            "due_on": format_date(ln.due_on, lang),
            "days_overdue": ln.days_overdue,
            "overdue": ln.days_overdue > 0,
            "open_amount": format_amount(ln.open_amount, ln.currency, lang),
        }
        for ln in lines
    ]
    separator = " ; " if lang == "fr" else "; "
    total = separator.join(format_amount(a, c, lang) for c, a in sorted(totals.items()))
    ref = getattr(customer, "ref", "")
    block = payment_block(organization, customer, totals, lang, qr=False, credits=unapplied)
    if block is not None:
        payment = block["text"]
    else:
        intro, quoting = _PAYMENT[lang]
        payment = intro + quoting.format(ref=ref)
    signature_lines = [reply_to_name] if reply_to_name else []
    signature_lines.append(org["name"] + (f" ({org['legal_form']})" if org["legal_form"] else ""))
    footer_lines = []
    if org["address_line1"]:
        footer_lines.append(
            ", ".join(x for x in (org["address_line1"], org["address_line2"]) if x)
            + f", {org['postal_code']} {org['city']}"
        )
    ids = " – ".join(
        x
        for x in (
            f"SIREN {org['siren']}" if org["siren"] else "",
            f"{_VAT[lang]} {org['vat_number']}" if org["vat_number"] else "",
        )
        if x
    )
    if ids:
        footer_lines.append(ids)
    law = lawtexts.for_customer(customer, lang)
    mentions = lawtexts.mentions_for(org["legal_mentions"], law.debtor)
    if mentions:
        footer_lines.append(mentions)
    base = {
        "key": key,
        "previous": previous,
        "language": lang,
        "organization": org,
        "customer": _plain(customer, _CUSTOMER_FIELDS),
        "lines": rows,
        "totals": [format_amount(a, c, lang) for c, a in sorted(totals.items())],
        "total": total,
        "unapplied": [format_amount(a, c, lang) for c, a in sorted(unapplied.items()) if a > 0],
        "deadline_on": format_date(deadline_on, lang) if deadline_on else "",
        "reference": ref,
        "reply_to_name": reply_to_name,
        "collector": reply_to_name,
        "penalties": penalties_text(lines, lang, law=law),
        "legal_notice": legal_notice(law, key),
        "held": held_rows(held, lang),
    }
    link = portal_link(portal_url, lang)
    held_title = _HELD_TITLE[lang]
    text_table = " | ".join(labels[:4]) + "\n"
    text_table += "".join(f"{r['number']} | {r['due_on']} | {r['days_overdue']} | {r['open_amount']}\n" for r in rows)
    text_table += f"\n{labels[4]}{' : ' if lang == 'fr' else ': '}{total}"
    if base["held"]:
        text_table += f"\n\n{held_title}\n" + "".join(
            f"{h['number']} | {h['due_on']} | {h['open_amount']} ({h['reason']})\n" for h in base["held"]
        )
    text_context = {
        **base,
        "invoice_table": text_table,
        "payment_instructions": payment,
        "signature": "\n".join(signature_lines),
        "legal_footer": "\n".join(footer_lines),
        "portal_link": link,
    }
    cell = 'style="padding: 4px 8px; border-bottom: 1px solid #ddd;"'
    html_table = (
        '<table style="border-collapse: collapse;"><thead><tr>'
        + "".join(
            f'<th align="{"left" if i < 2 else "right"}" {cell}>{escape(label)}</th>'
            for i, label in enumerate(labels[:4])
        )
        + "</tr></thead><tbody>"
        + "".join(
            f"<tr><td {cell}>{escape(r['number'])}</td><td {cell}>{escape(r['due_on'])}</td>"
            f'<td align="right" {cell}>{r["days_overdue"]}</td>'
            f'<td align="right" {cell}>{escape(r["open_amount"])}</td></tr>'
            for r in rows
        )
        + f'</tbody><tfoot><tr><th align="left" colspan="3" {cell}>{escape(labels[4])}</th>'
        f'<th align="right" {cell}>{escape(total)}</th></tr></tfoot></table>'
    )
    if base["held"]:
        html_table += (
            f'<table style="border-collapse: collapse; margin-top: 12px;"><thead><tr><th align="left" colspan="4" '
            f"{cell}>{escape(held_title)}</th></tr></thead><tbody>"
            + "".join(
                f"<tr><td {cell}>{escape(h['number'])}</td><td {cell}>{escape(h['due_on'])}</td>"
                f'<td align="right" {cell}>{escape(h["open_amount"])}</td><td {cell}>{escape(h["reason"])}</td></tr>'
                for h in base["held"]
            )
            + "</tbody></table>"
        )
    html_context = {
        **base,
        "invoice_table": mark_safe(html_table),  # noqa: S308 - built here from escaped values
        "payment_instructions": payment,
        "signature": mark_safe("<br>".join(escape(x) for x in signature_lines)),  # noqa: S308
        "legal_footer": mark_safe("<br>".join(escape(x) for x in footer_lines)),  # noqa: S308
        "portal_link": mark_safe(  # noqa: S308 - built here from escaped values
            f'<a href="{escape(link)}">{escape(link)}</a>' if link and portal_url != PORTAL_PREVIEW else escape(link)
        ),
    }
    subject_t = _compile("subject", wording.subject)
    body_t = _compile("body", wording.body)
    # Bounded (``sandbox``): each part may be as long as the bound beyond the invoice table it may show.
    budget = sandbox.RenderBudget(output=sandbox.MAX_OUTPUT + max(len(text_table), len(html_table)))
    part = "subject"
    try:
        with override(lang):
            subject = " ".join(sandbox.render_part(subject_t, Context(text_context, autoescape=False), budget).split())
            part = "body"
            text = sandbox.render_part(body_t, Context(text_context, autoescape=False), budget)
            html_body = sandbox.render_part(body_t, Context(html_context, autoescape=True), budget)
    except sandbox.RenderLimit as exc:
        debug = getattr(exc, "template_debug", None) or {}
        raise WordingError(part, debug.get("line"), _limit_message(exc)) from exc
    if link and "portal_link" not in wording.body:
        # A wording written without the link still gives it to the customer, as its last paragraph.
        sentence = _PORTAL_WORDS[lang]["email"]
        text = text.rstrip("\n") + f"\n\n{sentence}\n{link}\n"
        html_body = html_body.rstrip("\n") + f"\n\n{escape(sentence)} {html_context['portal_link']}\n"
    return RenderedEmail(lang, subject, text, _html_document(lang, org["name"], html_body), custom=True)


_TABLE = re.compile(r"(<table\b.*?</table>)", re.S)


def _html_document(lang: str, title: str, body: str) -> str:
    """The body (already escaped, tables from merge fields) in paragraphs: blank lines part paragraphs, single
    line breaks become ``<br>``."""
    parts = []
    for piece in _TABLE.split(body):
        if piece.startswith("<table"):
            parts.append(piece)
            continue
        for paragraph in re.split(r"\n\s*\n", piece):
            if paragraph.strip():
                parts.append("<p>" + "<br>\n".join(x.strip() for x in paragraph.strip().splitlines()) + "</p>")
    return (
        f'<!DOCTYPE html>\n<html lang="{lang}">\n<head><meta charset="utf-8"><title>{escape(title)}</title></head>\n'
        '<body style="font-family: Arial, sans-serif; font-size: 14px; color: #222;">\n'
        + "\n".join(parts)
        + "\n</body>\n</html>\n"
    )


def built_in_wording(key: str, language: str) -> Wording:
    """The built-in subject and body of ``key`` in ``language`` as custom wording: the starting point of the
    template editor (the branch of the built-in templates for that key, the invoice table as ``invoice_table``)."""
    lang = language_of(language)
    key = key if key in TEMPLATE_KEYS else "reminder"
    subject = _resolve_key(_source(f"collections/email/{lang}.subject"), key).strip()
    body = _resolve_key(_source(f"collections/email/{lang}.txt"), key)
    # The invoices on hold are part of ``invoice_table`` in a custom wording.
    body = re.sub(r"\{% if held %\}.*?\{% endfor %\}\{% endif %\}", "", body, count=1, flags=re.S)
    body = re.sub(
        r"[^\n]*\n\{% for line in lines %\}.*?\{% endfor %\}\n[^\n]*", "{{ invoice_table }}", body, count=1, flags=re.S
    )
    body = re.sub(
        r"\{% if payment %\}.*?\{% endif %\}",
        "{{ payment_instructions }}",
        body,
        count=1,
        flags=re.S,
    )
    body = re.sub(r"\{% if reply_to_name %\}.*\Z", "{{ signature }}\n{{ legal_footer }}", body, count=1, flags=re.S)
    return Wording(subject, body.strip() + "\n")


def _source(name: str) -> str:
    template = get_template(name)
    return str(template.template.source)


def _resolve_key(source: str, key: str) -> str:
    """``source`` with its ``{% if key == ... %}`` chain replaced by the branch taken for ``key`` and without the
    ``autoescape`` wrapper."""
    out: list[str] = []
    stack: list[tuple[bool, bool]] = []  # per open key-if: (taking the current branch, a branch was taken)
    depth_in_other = 0  # nested ifs inside a key-if branch are copied as they are
    for token in Lexer(source).tokenize():
        contents = token.contents
        if token.token_type == TokenType.BLOCK:
            word = contents.split()[0] if contents else ""
            if word in ("autoescape", "endautoescape"):
                continue
            if word == "if" and "key ==" in contents and depth_in_other == 0:
                taken = _key_test(contents, key)
                stack.append((taken, taken))
                continue
            if stack and depth_in_other == 0 and word in ("elif", "else", "endif"):
                current, done = stack.pop()
                if word == "endif":
                    continue
                taking = not done and (word == "else" or _key_test(contents, key))
                stack.append((taking, done or taking))
                continue
            if stack and word == "if":
                depth_in_other += 1
            elif stack and word == "endif":
                depth_in_other -= 1
        if stack and not all(taking for taking, _done in stack):
            continue
        if token.token_type == TokenType.TEXT:
            out.append(contents)
        elif token.token_type == TokenType.VAR:
            out.append("{{ " + contents + " }}")
        elif token.token_type == TokenType.BLOCK:
            out.append("{% " + contents + " %}")
    return "".join(out)


def _key_test(contents: str, key: str) -> bool:
    m = re.search(r'key == "(\w+)"', contents)
    return bool(m and m.group(1) == key)
