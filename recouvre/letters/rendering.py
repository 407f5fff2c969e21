"""The PDF of a letter action: one A4 letter per customer, drawn by WeasyPrint from ``letters/<language>.html``.

What the letter holds, top to bottom: the organization's letterhead (name, legal form, address, SIREN, SIRET, VAT
number); the customer's postal address in the envelope window; place and date; "Lettre recommandée avec accusé de
réception" on registered letters; the object line (per template key: ``courtesy``, ``reminder``, ``firm``,
``formal_notice``; unknown keys are written as a reminder, as the e-mails do); the body in the customer's language
(French, else English); the table of the action's invoices still open (number, date, due date, days overdue, open
amount as it is when the letter is produced: an invoice paid since planning is left out); the total per currency;
the invoices on hold (a dispute, insolvency proceedings...), listed apart with the reason and left out of the amount
demanded and of the penalties; the customer's unapplied payments and credits; the deadline
(``Action.deadline_on``); the payment details (``collections.rendering.payment_block``: account holder, IBAN,
BIC, the customer's RF reference, the amount demanded and, in euros, the EPC QR code); the customer's link to the
customer portal, printed and as a QR code, when the letter is produced to be posted (``portal_url``, passed in by
``recouvre.letters.services``: a preview shows where it will be, a letter without it has no such paragraph); the
signature; and at
the foot of every page the organization's address, identifiers and legal mentions. A letter of more than one page
has its pages numbered ("Page 1 / 2").

The letter asking for claimed penalties once the principal is paid (template ``penalties``,
``letters/penalties_<language>.html``) lists instead the invoices paid late with the penalties still owed on each,
their total and why they are owed by the debtor's law (``penalties_letter_context``).

**The address window.** The address block is drawn in a box 85 mm wide and 35 mm high whose top-left corner is
110 mm from the left edge and 45 mm from the top edge of the page (``WINDOW_MM``). Folded in three, the letter fits a
French DL envelope (110 × 220 mm) whose window (about 100 × 45 mm) is on the right, 20 mm from the right edge.

Amounts and dates are written by ``recouvre.collections.rendering`` (``format_amount``, ``format_date``), as in the
e-mails.
"""

from __future__ import annotations

import hashlib
import io
import logging
from dataclasses import dataclass, replace
from datetime import date
from decimal import Decimal
from typing import Any

from django.template.loader import render_to_string
from django.utils.translation import gettext as _

from recouvre.collections import steps
from recouvre.collections.held import held_invoices
from recouvre.collections.models import Action, Channel, CustomerCollection
from recouvre.collections.penalties import Penalty, invoice_penalties, shows_penalties
from recouvre.collections.rendering import (
    TEMPLATE_KEYS,
    Line,
    format_amount,
    format_date,
    held_rows,
    item_label,
    language_of,
    legal_notice,
    payment_block,
    penalties_due_rows,
    penalties_text,
    portal_block,
)
from recouvre.collections.selectors import calendar_for
from recouvre.core import lawtexts
from recouvre.core.dunning import PENALTIES
from recouvre.core.formal_notice import payment_deadline
from recouvre.core.policies import FORMAL_NOTICE_DEADLINE_DAYS
from recouvre.ledger.models import Contact, ContactRole, Customer
from recouvre.ledger.selectors import current_items, listed_refs

# WeasyPrint's font subsetting (fontTools) logs every glyph at INFO level.
logging.getLogger("fontTools").setLevel(logging.WARNING)

# (left, top, width, height) of the address block, in millimetres from the page's top-left corner.
WINDOW_MM = (110, 45, 85, 35)
# The page margins (top, right, bottom, left) in millimetres: the window above is placed from the top-left corner
# of the page area these margins leave (see ``letters/_style.css``).
MARGINS_MM = (15, 15, 28, 20)

_COUNTRIES = {
    "fr": {"BE": "BELGIQUE", "CH": "SUISSE", "DE": "ALLEMAGNE", "ES": "ESPAGNE", "GB": "ROYAUME-UNI", "IT": "ITALIE"},
    "en": {
        "BE": "BELGIUM",
        "CH": "SWITZERLAND",
        "DE": "GERMANY",
        "ES": "SPAIN",
        "FR": "FRANCE",
        "GB": "UNITED KINGDOM",
    },
}


class LetterRefused(Exception):
    """The letter cannot be produced; the message says why, for a person."""


class NothingToClaim(LetterRefused):
    pass


class AllOnHold(NothingToClaim):
    pass


class PenaltiesSettled(NothingToClaim):
    pass


class NoPostalAddress(LetterRefused):
    pass


@dataclass(frozen=True)
class LetterLine:
    number: str
    issued_on: date
    due_on: date
    days_overdue: int
    open_amount: Decimal
    currency: str
    total: Decimal = Decimal("0.00")  # amount including tax
    invoice_id: int = 0
    penalty: Penalty | None = None
    hold: str = ""  # on hold (the hold's kind): listed apart, not demanded
    instalment: int = 0  # one instalment of an invoice payable in several (``total``: the instalment's amount)
    instalments: int = 0

    def label(self, language: str) -> str:
        return item_label(self.number, self.instalment, self.instalments, self.due_on, language)

    @property
    def paid(self) -> Decimal:
        """Payments and credit notes applied to the invoice."""
        return self.total - self.open_amount


@dataclass(frozen=True)
class RenderedLetter:
    pdf: bytes
    sha256: str
    pages: int
    language: str
    subject: str
    deadline_on: date | None = None  # the payment deadline the letter gives


def is_letter(action: Action) -> bool:
    return action.channel in (Channel.LETTER, Channel.REGISTERED_LETTER)


def _split_letter_lines(action: Action, today: date) -> tuple[list[LetterLine], list[LetterLine]]:
    """The action's invoices (or instalments of an invoice payable in several) still open, in the order the plan
    listed them, with their open amounts now: those to demand, and those on hold (listed apart, never demanded)."""
    current = current_items(action.organization_id, listed_refs(action.lines), fields=("issued_on",))
    held = held_invoices(action.organization_id, action.customer_id, {ref[0] for ref in current}, today)
    out, apart = [], []
    for item in current.values():
        inv = item.invoice
        line = LetterLine(
            inv.number,
            inv.issued_on,
            item.due_on,
            max(0, (today - item.due_on).days),
            item.open_amount,
            inv.currency,
            item.amount,
            inv.pk,
            hold=held.get(inv.pk, ""),
            instalment=item.position,
            instalments=item.count,
        )
        (apart if inv.pk in held else out).append(line)
    if out and shows_penalties(action.organization, action.template, action.policy_key, action.step_key):
        found = invoice_penalties(action.organization, [ln.invoice_id for ln in out], today)
        shown: set[int] = set()  # an invoice's penalties once, on its first line
        with_penalties = []
        for ln in out:
            penalty = None if ln.invoice_id in shown else found.get(ln.invoice_id)
            shown.add(ln.invoice_id)
            with_penalties.append(replace(ln, penalty=penalty))
        out = with_penalties
    return out, apart


def notice_deadline(action: Action, today: date) -> date | None:
    """The payment deadline a letter dated ``today`` gives: the step's ``deadline_days`` (15 days for the formal
    notice of the seeded policies), the day it starts from not counted, and moved to the next business day when it
    falls on a Saturday, a Sunday or a public holiday of the organization's calendar (CPC 640-642, see
    ``docs/formal-notice.md``; ``calendar_for``: Good Friday and 26 December too in Alsace-Moselle). A formal notice
    gives its days from its receipt: until the receipt is recorded, the day after ``today`` plus the organization's
    delivery allowance (``recouvre.core.formal_notice``); another letter from its date. A letter without a deadline
    of its own keeps the action's (None: no deadline)."""
    days = deadline_days(action)
    if days is None:
        return action.deadline_on
    calendar = calendar_for(action.organization)
    if action.template == "formal_notice":
        from .deadlines import delivery_allowance

        return payment_deadline(today, days, allowance_days=delivery_allowance(action.organization), calendar=calendar)
    return calendar.deadline(today, days)


_FRENCH_NUMBERS = (
    "zéro un deux trois quatre cinq six sept huit neuf dix onze douze treize quatorze quinze seize dix-sept dix-huit "
    "dix-neuf vingt vingt-et-un vingt-deux vingt-trois vingt-quatre vingt-cinq vingt-six vingt-sept vingt-huit "
    "vingt-neuf trente"
).split()
_ENGLISH_NUMBERS = (
    "zero one two three four five six seven eight nine ten eleven twelve thirteen fourteen fifteen sixteen "
    "seventeen eighteen nineteen twenty twenty-one twenty-two twenty-three twenty-four twenty-five twenty-six "
    "twenty-seven twenty-eight twenty-nine thirty"
).split()


def days_in_words(days: int, language: str) -> str:
    """``15`` -> "quinze" / "fifteen", as a letter writes a deadline; digits beyond thirty."""
    words = _FRENCH_NUMBERS if language == "fr" else _ENGLISH_NUMBERS
    return words[days] if 0 <= days < len(words) else str(days)


def deadline_days(action: Action) -> int | None:
    """The number of days to pay the letter of ``action`` gives: its step's ``deadline_days``, else 15 for a formal
    notice (``FORMAL_NOTICE_DEADLINE_DAYS``), else None."""
    from recouvre.collections.models import Step

    days = (
        Step.objects.filter(
            policy__organization_id=action.organization_id, policy__key=action.policy_key, key=action.step_key
        )
        .values_list("deadline_days", flat=True)
        .first()
    )
    if days is None and action.template == "formal_notice":
        days = FORMAL_NOTICE_DEADLINE_DAYS
    return days


def postal_address(customer: Customer, language: str) -> list[str]:
    """The lines written in the window: the customer's name, the billing contact to whose attention it is sent (the
    first billing contact with a name, else the primary contact's), the street lines, the postal code and the city
    (in capitals, as La Poste asks), and the country when it is not France. Empty when no street or city is on
    file."""
    if not (customer.address_line1 or customer.address_line2) or not customer.city:
        return []
    contacts = [c for c in Contact.objects.filter(customer=customer).exclude(name="").order_by("id")]
    attention = next((c for c in contacts if c.role == ContactRole.BILLING), None) or next(
        (c for c in contacts if c.is_primary), None
    )
    lines = [customer.name]
    if attention is not None:
        lines.append(("À l'attention de " if language == "fr" else "For the attention of ") + attention.name)
    lines += [line for line in (customer.address_line1, customer.address_line2) if line]
    lines.append(f"{customer.postal_code} {customer.city.upper()}".strip())
    country = (customer.country or "FR").upper()
    if country != "FR":
        lines.append(_COUNTRIES[language].get(country, country))
    return lines


def _signatory(customer: Customer) -> str:
    collection = CustomerCollection.objects.filter(customer=customer).select_related("collector").first()
    user = collection.collector if collection is not None else None
    return (user.get_full_name() or "") if user is not None else ""


TO_COMPLETE = {"fr": " (à parfaire)", "en": " (to be completed)"}


def letter_context(action: Action, *, today: date, portal_url: str = "") -> dict[str, Any]:
    """What the letter template is given; raises ``NothingToClaim`` when every listed invoice has been paid and
    ``NoPostalAddress`` when the customer has no address to post to. ``portal_url``: the customer's link to the
    portal the letter prints (``PORTAL_PREVIEW`` in a preview, ``""`` for none)."""
    organization, customer = action.organization, action.customer
    lang = language_of(customer.language)
    law = lawtexts.for_customer(customer, lang)
    lines, held = _split_letter_lines(action, today)
    if not law.penalties:  # a consumer: no penalties (interest runs from the formal notice, never the 40 EUR)
        lines = [replace(ln, penalty=None) for ln in lines]
    if not lines:
        if held:
            raise AllOnHold(_("every invoice the letter listed is on hold"))
        raise NothingToClaim(_("every invoice the letter listed has been paid"))
    address = postal_address(customer, lang)
    if not address:
        raise NoPostalAddress(_("no postal address on file for this customer"))
    totals: dict[str, Decimal] = {}
    for ln in lines:
        totals[ln.currency] = totals.get(ln.currency, Decimal("0")) + ln.open_amount
    unapplied = {cur: Decimal(v) for cur, v in (action.unapplied or {}).items()}
    org_address = [line for line in (organization.address_line1, organization.address_line2) if line]
    if organization.postal_code or organization.city:
        org_address.append(f"{organization.postal_code} {organization.city}".strip())
    deadline = notice_deadline(action, today)
    days = deadline_days(action)
    fmt = lambda amount: format_amount(amount, "EUR", lang)  # noqa: E731 - penalties are in euros
    penalised = [ln for ln in lines if ln.penalty is not None]
    interest = sum((ln.penalty.interest for ln in penalised if ln.penalty), Decimal("0.00"))
    indemnity = sum((ln.penalty.indemnity for ln in penalised if ln.penalty), Decimal("0.00"))
    principal = sum((ln.open_amount for ln in lines), Decimal("0.00"))
    single_eur = all(ln.currency == "EUR" for ln in lines)
    key = action.template if action.template in TEMPLATE_KEYS else "reminder"
    # days whose rate is not published yet are claimed by their rule: the figures are to be completed
    pending = "" if all(ln.penalty.complete for ln in penalised if ln.penalty) else TO_COMPLETE[lang]
    # the amount to transfer: what the letter demands (the formal notice: the total claimed, when it is known)
    demanded = dict(totals)
    if key == "formal_notice" and single_eur and penalised and not pending:
        demanded = {"EUR": principal + interest + indemnity}
    return {
        "payment": payment_block(organization, customer, demanded, lang, credits=unapplied),
        "portal": portal_block(portal_url, lang),
        "key": key,
        "previous": steps.previous_contacts(action),
        "law": law,
        "legal_notice": legal_notice(law, key),
        "legal_mentions": lawtexts.mentions_for(organization.legal_mentions, law.debtor),
        "with_penalties": bool(penalised),
        "penalties": penalties_text(
            [
                Line(
                    ln.number,
                    ln.due_on,
                    ln.days_overdue,
                    ln.open_amount,
                    ln.currency,
                    ln.penalty,
                    instalment=ln.instalment,
                    instalments=ln.instalments,
                )
                for ln in lines
            ],
            lang,
            law=law,
        ),
        "principal": fmt(principal) if single_eur else "",
        "interest_total": fmt(interest) + pending,
        "interest_cell": fmt(interest) + ("*" if pending else ""),
        "indemnity_total": fmt(indemnity),
        "indemnity_count": sum(1 for ln in penalised if ln.penalty and ln.penalty.indemnity),
        "indemnity_label": law.indemnity_label.format(
            count=sum(1 for ln in penalised if ln.penalty and ln.penalty.indemnity)
        ),
        "claimed": fmt(principal + interest + indemnity) + pending if single_eur else "",
        "consumer": getattr(customer, "kind", "") == "consumer",
        "public": getattr(customer, "kind", "") == "public",
        "deadline_days": days if deadline else None,
        "deadline_words": days_in_words(days, lang) if deadline and days is not None else "",
        "registered": action.channel == Channel.REGISTERED_LETTER,
        "organization": organization,
        "org_address": org_address,
        "customer": customer,
        "address": address,
        "debtor_address": ", ".join(
            x
            for x in (
                customer.address_line1,
                customer.address_line2,
                f"{customer.postal_code} {customer.city}".strip(),
            )
            if x
        ),
        "place": organization.city,
        "date": format_date(today, lang),
        "lines": [
            {
                "number": ln.label(lang),
                "issued_on": format_date(ln.issued_on, lang),
                "due_on": format_date(ln.due_on, lang),
                "days_overdue": ln.days_overdue,
                "open_amount": format_amount(ln.open_amount, ln.currency, lang),
                "total": format_amount(ln.total, ln.currency, lang),
                "paid": format_amount(ln.paid, ln.currency, lang),
                "interest": fmt(ln.penalty.interest) if ln.penalty else "",
                "indemnity": fmt(ln.penalty.indemnity) if ln.penalty and ln.penalty.indemnity else "",
            }
            for ln in lines
        ],
        "totals": [format_amount(amount, cur, lang) for cur, amount in sorted(totals.items())],
        "held": held_rows(
            [
                Line(
                    ln.number,
                    ln.due_on,
                    ln.days_overdue,
                    ln.open_amount,
                    ln.currency,
                    hold=ln.hold,
                    instalment=ln.instalment,
                    instalments=ln.instalments,
                )
                for ln in held
            ],
            lang,
        ),
        "unapplied": [format_amount(amount, cur, lang) for cur, amount in sorted(unapplied.items()) if amount > 0],
        "deadline_on": format_date(deadline, lang) if deadline else "",
        "deadline": deadline,
        "reference": customer.ref,
        "signatory": _signatory(customer),
        "window": dict(zip(("left", "top", "width", "height"), WINDOW_MM, strict=True)),
        "window_in_page_area": {
            "left": WINDOW_MM[0] - MARGINS_MM[3],
            "top": WINDOW_MM[1] - MARGINS_MM[0],
            "bottom": WINDOW_MM[1] + WINDOW_MM[3] - MARGINS_MM[0],
        },
        "margins": dict(zip(("top", "right", "bottom", "left"), MARGINS_MM, strict=True)),
        "language": lang,
    }


def penalties_letter_context(action: Action, *, today: date, portal_url: str = "") -> dict[str, Any]:
    """What the letter asking for claimed penalties once the principal is paid (template ``penalties``) is given:
    the penalties it lists still owed on ``today`` (``recouvre.penalties.selectors.penalties_due``) and why, by the
    debtor's law. Raises ``PenaltiesSettled`` when none is owed any more (or the debtor is a consumer, who owes
    none) and ``NoPostalAddress`` when the customer has no address to post to."""
    from recouvre.penalties.selectors import penalties_due

    organization, customer = action.organization, action.customer
    lang = language_of(customer.language)
    law = lawtexts.for_customer(customer, lang)
    ids = [ln["invoice_id"] for ln in action.lines or [] if ln.get("invoice_id")]
    owed = penalties_due(organization.pk, customer.pk, ids, today) if law.penalties else []
    if not owed:
        raise PenaltiesSettled(_("every penalty the letter asked for has since been paid, waived or put on hold"))
    address = postal_address(customer, lang)
    if not address:
        raise NoPostalAddress(_("no postal address on file for this customer"))
    org_address = [line for line in (organization.address_line1, organization.address_line2) if line]
    if organization.postal_code or organization.city:
        org_address.append(f"{organization.postal_code} {organization.city}".strip())
    still_owed: dict[str, Decimal] = {}
    for row in owed:
        still_owed[row.currency] = still_owed.get(row.currency, Decimal("0.00")) + row.open
    return {
        **penalties_due_rows(owed, lang),
        "payment": payment_block(organization, customer, still_owed, lang),
        "portal": portal_block(portal_url, lang),
        "key": PENALTIES,
        "law": law,
        "title": law.penalties_due_title,
        "basis": law.penalties_due_basis,
        "legal_mentions": lawtexts.mentions_for(organization.legal_mentions, law.debtor),
        "registered": action.channel == Channel.REGISTERED_LETTER,
        "organization": organization,
        "org_address": org_address,
        "customer": customer,
        "address": address,
        "place": organization.city,
        "date": format_date(today, lang),
        "reference": customer.ref,
        "signatory": _signatory(customer),
        "deadline": None,
        "window": dict(zip(("left", "top", "width", "height"), WINDOW_MM, strict=True)),
        "window_in_page_area": {
            "left": WINDOW_MM[0] - MARGINS_MM[3],
            "top": WINDOW_MM[1] - MARGINS_MM[0],
            "bottom": WINDOW_MM[1] + WINDOW_MM[3] - MARGINS_MM[0],
        },
        "margins": dict(zip(("top", "right", "bottom", "left"), MARGINS_MM, strict=True)),
        "language": lang,
    }


SUBJECTS = {
    "fr": {
        "courtesy": "Prochaine échéance de vos factures",
        "reminder": "Relance – factures en attente de règlement",
        "firm": "Seconde relance – factures impayées",
        "formal_notice": "Mise en demeure de payer",
    },
    "en": {
        "courtesy": "Invoices falling due soon",
        "reminder": "Reminder – invoices awaiting payment",
        "firm": "Second reminder – unpaid invoices",
        "formal_notice": "Formal notice to pay",
    },
}


# Whether the last letter drawn from each template had more than one page: a guess for the next one (see
# ``render_letter``); it only decides which drawing comes first, never what the letter holds.
_MULTI_PAGE_HINT: dict[str, bool] = {}


def render_letter(action: Action, *, today: date, portal_url: str = "") -> RenderedLetter:
    """Draw the letter of ``action`` as it would be produced on ``today``, with ``portal_url`` as the customer's
    link to the portal (see ``letter_context``). Pure rendering: nothing is written."""
    from recouvre.documents.pdf import render

    if action.template == PENALTIES:
        context = penalties_letter_context(action, today=today, portal_url=portal_url)
        context["subject"] = context["title"]
        template = f"letters/penalties_{context['language']}.html"
    else:
        context = letter_context(action, today=today, portal_url=portal_url)
        context["subject"] = SUBJECTS[context["language"]][context["key"]]
        if context["key"] == "formal_notice":
            template = f"letters/formal_notice_{context['language']}.html"
        else:
            template = f"letters/{context['language']}.html"
    # Numbered pages only when the letter spans more than one. The numbers are drawn in the page's margin, so they
    # never change the page count: the letter is drawn first the way the last one of its template turned out, and
    # drawn again only when that guess was wrong (each drawing costs about as much as the whole rest).
    numbered = _MULTI_PAGE_HINT.get(template, False)
    document = render(render_to_string(template, {**context, "numbered": numbered}))
    if (len(document.pages) > 1) != numbered:
        numbered = not numbered
        document = render(render_to_string(template, {**context, "numbered": numbered}))
    _MULTI_PAGE_HINT[template] = numbered
    buffer = io.BytesIO()
    document.write_pdf(buffer)
    pdf = buffer.getvalue()
    return RenderedLetter(
        pdf,
        hashlib.sha256(pdf).hexdigest(),
        len(document.pages),
        context["language"],
        context["subject"],
        context["deadline"],
    )


def render_letter_pdf(action: Action, *, today: date, preview: bool = False) -> bytes:
    """The PDF of ``action``'s letter on ``today``; ``preview``: with the place of the customer's portal link shown
    when its letters carry one (none is created). Raises ``LetterRefused`` (``NothingToClaim``,
    ``NoPostalAddress``) with a message for a person when there is no letter to write."""
    portal_url = ""
    if preview:
        from recouvre.collections.rendering import PORTAL_PREVIEW
        from recouvre.portal.links import carries_links

        portal_url = PORTAL_PREVIEW if carries_links(action.organization) else ""
    return render_letter(action, today=today, portal_url=portal_url).pdf


def merge_pdfs(documents: list[bytes]) -> bytes:
    """One PDF made of ``documents`` one after the other (to print every letter at once)."""
    from pypdf import PdfWriter

    writer = PdfWriter()
    for pdf in documents:
        writer.append(io.BytesIO(pdf))
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()
