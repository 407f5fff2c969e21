"""The PDFs a dossier generates, drawn by WeasyPrint from ``dossier/*.html`` in the active language: the copy of an
invoice that has no PDF on file (marked as a copy), the statement of the claim (*décompte*), the list of exhibits
(*bordereau de pièces*) and the customer's timeline. Each page names both parties (creditor and debtor, with their
identifiers) and is numbered. The same data gives the same bytes."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db.models import Q
from django.template.loader import render_to_string
from django.utils import translation
from django.utils.translation import gettext as _

from recouvre.collections.held import held_invoices, held_label
from recouvre.collections.models import Action, ActionState
from recouvre.collections.rendering import format_amount, format_date
from recouvre.core.raterules import describe_open_periods, grouped_by_rule
from recouvre.documents.pdf import html_to_pdf, render, split_pages
from recouvre.ledger.chain import Head, head_before
from recouvre.ledger.models import Allocation, Customer, CustomerKind, Event, Invoice
from recouvre.ledger.timeline import describe
from recouvre.legal.prescription import invoices_prescription
from recouvre.letters.models import Letter
from recouvre.organizations.models import Organization

from .exhibits import FORMAL_NOTICE_STEP

if TYPE_CHECKING:
    from .exhibits import Exhibit

ZERO = Decimal("0.00")


def language() -> str:
    return "fr" if (translation.get_language() or "").startswith("fr") else "en"


def amount(value: Decimal, currency: str) -> str:
    return format_amount(value, currency, language())


def day(value: date) -> str:
    return format_date(value, language())


def _address(lines: Iterable[str], postal_code: str, city: str) -> list[str]:
    out = [line for line in lines if line]
    if postal_code or city:
        out.append(f"{postal_code} {city}".strip())
    return out


def _context(organization: Organization, customer: Customer, title: str, **context: Any) -> dict[str, Any]:
    return {
        "organization": organization,
        "customer": customer,
        "title": title,
        # a text node of the page (a running element), never a CSS string: nothing typed in a name or a
        # reference can reach the style sheet
        "footer_text": f"{organization.name} – {customer.ref} – {title}",
        "language": language(),
        "org_address": _address(
            (organization.address_line1, organization.address_line2), organization.postal_code, organization.city
        ),
        "customer_address": _address(
            (customer.address_line1, customer.address_line2), customer.postal_code, customer.city
        ),
        **context,
    }


def _render(template: str, organization: Organization, customer: Customer, title: str, **context: Any) -> bytes:
    return html_to_pdf(render_to_string(f"dossier/{template}", _context(organization, customer, title, **context)))


def _copy_context(invoice: Invoice) -> dict[str, Any]:
    cur = invoice.currency
    return {
        "invoice": invoice,
        "issued_on": day(invoice.issued_on),
        "due_on": day(invoice.due_on),
        "excl_tax": amount(invoice.amount_excl_tax, cur) if invoice.amount_excl_tax is not None else "",
        "tax": amount(invoice.tax_amount, cur) if invoice.tax_amount is not None else "",
        "total": amount(invoice.total, cur),
    }


def _copy_title(invoice: Invoice) -> str:
    return _("Invoice %(number)s") % {"number": invoice.number}


def invoice_copy_pdf(invoice: Invoice) -> bytes:
    """A copy of ``invoice`` drawn from the accounts, marked as a copy (no original PDF on file)."""
    return _render(
        "invoice_copy.html", invoice.organization, invoice.customer, _copy_title(invoice), **_copy_context(invoice)
    )


def invoice_copy_pdfs(organization: Organization, customer: Customer, invoices: Sequence[Invoice]) -> dict[int, bytes]:
    """By invoice id, the copies of ``invoices`` (all of ``customer``), as ``invoice_copy_pdf`` draws them one by
    one: the same pages, each copy a PDF of its own. They are laid out as one document (one named page per copy,
    for its footer) and cut into one file per copy, which costs one drawing instead of one per invoice; a copy that
    does not fit on one page is drawn on its own, with its pages numbered."""
    if not invoices:
        return {}
    copies = []
    for invoice in invoices:
        title = _copy_title(invoice)
        copies.append(
            {
                **_copy_context(invoice),
                "title": title,
                "footer_text": f"{organization.name} – {customer.ref} – {title}",
            }
        )
    html = render_to_string("dossier/invoice_copies.html", _context(organization, customer, "", copies=copies))
    document = render(html)
    first_page: dict[int, int] = {}
    for index, page in enumerate(document.pages):
        for anchor in page.anchors:
            if anchor.startswith("copy-"):
                first_page.setdefault(int(anchor[5:]) - 1, index)
    starts = [first_page.get(i) for i in range(len(invoices))] + [len(document.pages)]
    single = [
        i
        for i in range(len(invoices))
        if starts[i] is not None and starts[i + 1] is not None and starts[i + 1] - starts[i] == 1
    ]
    out: dict[int, bytes] = {}
    if single:
        pdf = bytes(document.write_pdf())
        runs = [(starts[i], 1) for i in single]
        for i, content in zip(single, split_pages(pdf, runs), strict=True):  # type: ignore[arg-type]
            out[invoices[i].pk] = content
    for invoice in invoices:
        if invoice.pk not in out:
            out[invoice.pk] = invoice_copy_pdf(invoice)
    return out


def formal_notice_dates(organization: Organization, customer: Customer, as_of: date) -> dict[int, date]:
    """By invoice id, the first day a formal notice listing it was sent (e-mail) or posted (letter) by ``as_of``."""
    found: dict[int, date] = {}
    tz = ZoneInfo(settings.TIME_ZONE)
    actions = Action.objects.filter(
        Q(step_key=FORMAL_NOTICE_STEP) | Q(template=FORMAL_NOTICE_STEP),
        organization=organization,
        customer=customer,
        state=ActionState.SENT,
    )
    posted = {
        lt.action_id: lt.posted_on
        for lt in Letter.objects.filter(organization=organization, customer=customer, posted_on__isnull=False)
    }
    for action in actions:
        on = posted.get(action.pk) or (action.sent_at.astimezone(tz).date() if action.sent_at else None)
        if on is None or on > as_of:
            continue
        for line in action.lines or []:
            invoice_id = line.get("invoice_id")
            if invoice_id is not None and (invoice_id not in found or on < found[invoice_id]):
                found[invoice_id] = on
    return found


def claim_figures(
    organization: Organization, customer: Customer, invoices: Sequence[Invoice], as_of: date
) -> dict[str, Any]:
    """The statement's figures: rows per invoice and totals per currency (Decimals), and the payments applied."""
    from recouvre.legal.selectors import invoices_interest

    notices = formal_notice_dates(organization, customer, as_of)
    computed = invoices_interest(organization, [i.pk for i in invoices], as_of, notices=notices)
    language = translation.get_language() or "fr"
    rows, totals = [], {}
    incomplete: set[str] = set()
    for invoice in invoices:
        result = computed.results.get(invoice.pk)
        if result is not None and not result.complete:
            incomplete.add(invoice.currency)
        if result is not None:
            principal, interest, indemnity = result.principal, result.interest, result.indemnity + result.extra_costs
        else:
            principal, interest, indemnity = invoice.total - invoice.allocated_amount, ZERO, ZERO
        row = {
            "invoice": invoice,
            "currency": invoice.currency,
            "total": invoice.total,
            "paid": invoice.total - principal,
            "principal": principal,
            "interest": interest,
            "indemnity": indemnity,
            "balance": principal + interest + indemnity,
            "refused": computed.refused_text(invoice.pk, language),
            # days whose rate is not published yet: their legal rule, in words (the interest is to be completed)
            "open": describe_open_periods(result.open_periods if result else (), language),
        }
        rows.append(row)
        t = totals.setdefault(
            invoice.currency, dict.fromkeys(("total", "paid", "principal", "interest", "indemnity", "balance"), ZERO)
        )
        for key in t:
            t[key] += row[key]
    payments: dict[int, dict[str, Any]] = {}
    allocations = (
        Allocation.objects.filter(
            organization=organization,
            invoice__in=[i.pk for i in invoices],
            payment__isnull=False,
            payment__received_on__lte=as_of,
        )
        .select_related("payment")
        .order_by("payment__received_on", "payment_id")
    )
    for allocation in allocations:
        p = allocation.payment
        assert p is not None
        entry = payments.setdefault(p.pk, {"payment": p, "applied": ZERO})
        entry["applied"] += allocation.amount
    return {"rows": rows, "totals": totals, "payments": list(payments.values()), "incomplete": incomplete}


def _basis(customer: Customer) -> str:
    if customer.kind == CustomerKind.CONSUMER:
        return _(
            "Unpaid invoices for goods or services supplied to the debtor. Interest at the legal rate (Code "
            "monétaire et financier, article L313-2) from the formal notice (Code civil, article 1231-6); nothing "
            "else is claimed beyond the principal and that interest."
        )
    if customer.kind == CustomerKind.PUBLIC:
        return _(
            "Unpaid invoices under a public contract. Late-payment interest (intérêts moratoires) and the 40 EUR "
            "fixed recovery indemnity under the Code de la commande publique (articles L2192-13 and R2192-31 to "
            "R2192-36)."
        )
    return _(
        "Unpaid invoices for goods or services supplied to the debtor. Late-payment interest and the 40 EUR fixed "
        "recovery indemnity per invoice under article L441-10 of the Code de commerce (and D441-5)."
    )


def _claimable(
    organization: Organization, customer: Customer, invoices: Sequence[Invoice], as_of: date
) -> tuple[list[Invoice], list[dict[str, str]]]:
    """``invoices`` split into those the statement of the claim claims and those it lists apart with the reason:
    on hold on ``as_of`` (a disputed claim is not claimed as if it were not seriously contestable) or past their own
    last day to act (C. civ. 2219)."""
    ids = [i.pk for i in invoices]
    held = held_invoices(organization.pk, customer.pk, ids, as_of)
    limits = {
        r.invoice_id: r.result.limit_on
        for r in invoices_prescription(organization, invoice_ids=ids, as_of=as_of)
        if r.result.limit_on is not None
    }
    claimed, apart = [], []
    for invoice in invoices:
        limit = limits.get(invoice.pk)
        if invoice.pk in held:
            reason = held_label(held[invoice.pk], "fr")
        elif limit is not None and limit < as_of:
            reason = _("time-barred since %(date)s") % {"date": day(limit)}
        else:
            claimed.append(invoice)
            continue
        apart.append(
            {
                "number": invoice.number,
                "due_on": day(invoice.due_on),
                "amount": amount(invoice.total - invoice.allocated_amount, invoice.currency),
                "reason": reason,
            }
        )
    return claimed, apart


def statement_pdf(organization: Organization, customer: Customer, invoices: Sequence[Invoice], as_of: date) -> bytes:
    """The statement of the claim on ``as_of``: for each claimed invoice its amount, the payments and credits
    applied, the principal still due, the interest and the indemnity, the balance; totals per currency; the
    payments received; the basis of the claim and how interest is counted. Invoices on hold (a dispute, a plan...)
    and time-barred ones (each on its own limitation date) are listed apart, never claimed."""
    invoices, apart = _claimable(organization, customer, invoices, as_of)
    figures = claim_figures(organization, customer, invoices, as_of)

    def fmt(row: dict[str, Any]) -> dict[str, Any]:
        cur = row["currency"]
        return {
            key: amount(row[key], cur) for key in ("total", "paid", "principal", "interest", "indemnity", "balance")
        }

    rows = [
        {
            **fmt(r),
            "number": r["invoice"].number,
            "issued_on": day(r["invoice"].issued_on),
            "due_on": day(r["invoice"].due_on),
            "refused": r["refused"],
            "open": list(dict.fromkeys(r["open"])),
        }
        for r in figures["rows"]
    ]
    totals = [
        {**fmt({**t, "currency": cur}), "currency": cur, "incomplete": cur in figures["incomplete"]}
        for cur, t in sorted(figures["totals"].items())
    ]
    payments = [
        {
            "received_on": day(p["payment"].received_on),
            "reference": p["payment"].reference,
            "amount": amount(p["payment"].amount, p["payment"].currency),
            "applied": amount(p["applied"], p["payment"].currency),
        }
        for p in figures["payments"]
    ]
    return _render(
        "statement.html",
        organization,
        customer,
        _("Statement of the claim on %(date)s") % {"date": day(as_of)},
        rows=rows,
        totals=totals,
        # each rule of the days whose rate is not published yet, once, with the invoices it applies to
        open_notes=[
            {"rule": rule, "numbers": ", ".join(numbers)}
            for rule, numbers in grouped_by_rule((row["number"], rule) for row in rows for rule in row["open"])
        ],
        payments=payments,
        apart=apart,
        basis=_basis(customer),
        # a consumer owes no 40 EUR indemnity (C. com. L441-10 applies between professionals): no column for it
        indemnity=customer.kind != CustomerKind.CONSUMER,
        consumer=customer.kind == CustomerKind.CONSUMER,
    )


def bordereau_pdf(organization: Organization, customer: Customer, exhibits: Sequence[Exhibit], as_of: date) -> bytes:
    """The list of exhibits (*bordereau de pièces*): number, title, date, file and SHA-256 of each."""
    return _render(
        "bordereau.html",
        organization,
        customer,
        _("List of exhibits"),
        as_of=day(as_of),
        exhibits=[
            {
                "number": e.number,
                "title": e.title,
                "date": day(e.date),
                "file_name": e.file_name,
                "sha256": e.sha256,
                "sent_at": e.details.get("sent_at", "")[11:19],
            }
            for e in exhibits
        ],
    )


def timeline_rows(organization: Organization, customer: Customer, as_of: date) -> list[dict[str, str]]:
    """The customer's timeline up to ``as_of``, oldest first: local date and time, sentence, who, and its place in
    the organization's chain (number, content digest, previous link, link; empty while not sealed)."""
    tz = ZoneInfo(settings.TIME_ZONE)
    rows = []
    for event in (
        Event.objects.filter(organization=organization, customer=customer)
        .select_related("actor")
        .order_by("occurred_at", "id")
    ):
        at = event.occurred_at.astimezone(tz)
        if at.date() > as_of:
            continue
        actor = event.actor.get_username() if event.actor is not None else event.actor_label
        sealed = event.seq is not None
        rows.append(
            {
                "at": at.strftime("%Y-%m-%d %H:%M:%S"),
                "kind": event.kind,
                "text": describe(event),
                "actor": actor,
                "seq": str(event.seq) if sealed else "",
                "digest": event.digest if sealed else "",
                "prev_hash": event.prev_hash if sealed else "",
                "hash": event.hash if sealed else "",
            }
        )
    return rows


def chain_head(organization: Organization, as_of: date) -> Head | None:
    """The head of the organization's chain on ``as_of``: its last event sealed among those of that day or before
    (Paris time)."""
    end = datetime.combine(as_of + timedelta(days=1), time(0, 0), tzinfo=ZoneInfo(settings.TIME_ZONE))
    return head_before(organization, end)


def timeline_pdf(
    organization: Organization, customer: Customer, rows: list[dict[str, str]], head: Head | None, as_of: date
) -> bytes:
    return _render(
        "timeline.html",
        organization,
        customer,
        _("Timeline of the account"),
        events=rows,
        head=head,
        as_of=day(as_of),
    )
