"""A bank entry split by hand: a person names the customer and the invoices and amounts the credit (or one
transaction of a batch: ``part``) pays; whatever is left stays unapplied on the customer's account (a payment on
account), and a shortfall left open on the last invoice may be written off within the organization's tolerance.

It is applied as a suggestion accepted is (``recouvre.bank.matching.apply_plan``): a payment (``Source.BANK``)
allocated to the invoices, the ledger credit ``EC-B<entry>`` of the write-off, a ``BankApplication`` (not
automatic, confidence 1.0, the reason ``manual``), the ``bank.payment_applied`` event, the payer's IBAN linked to
the customer, the suggestions dropped, the holds of the payment being identified released, the calls no longer
needed closed. ``unapply_entry`` undoes it like any application. Refused (``MatchRefused``, nothing written) with
a message that says why.
"""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal

from django.db import transaction
from django.utils.translation import gettext as _

from recouvre.ledger.actors import Actor
from recouvre.ledger.models import Customer, Invoice
from recouvre.organizations.models import Organization

from . import identify
from .matching import (
    CENT,
    MatchRefused,
    Plan,
    apply_plan,
    link_payer_iban,
    locked_entry,
    match_settings,
)
from .models import BankApplication, BankEntry, BankSuggestion, EntryState

MANUAL_REASON = {"code": "manual", "params": {}}


def entry_amount(entry: BankEntry, part: int | None) -> tuple[Decimal, str]:
    """What the entry (its transaction ``part``) brings, in cents, and its currency; refused for a part the entry
    does not have."""
    if part is None:
        return entry.amount.quantize(CENT), entry.currency
    if not entry.details or not 0 <= part < len(entry.details):
        raise MatchRefused(_("this entry has no transaction %(n)s") % {"n": part + 1})
    detail = entry.details[part]
    try:
        amount = Decimal(str(detail.get("amount")))
    except ArithmeticError as exc:
        raise MatchRefused(_("the amount of transaction %(n)s cannot be read") % {"n": part + 1}) from exc
    return amount.quantize(CENT), str(detail.get("currency") or entry.currency)


def oldest_first(invoices: Sequence[Invoice], amount: Decimal) -> list[tuple[Invoice, Decimal]]:
    """``amount`` spread over ``invoices`` (oldest due first, as given): each gets its open amount until the
    amount runs out."""
    out = []
    left = amount
    for invoice in invoices:
        if left <= 0:
            break
        share = min(invoice.open_amount, left)
        if share > 0:
            out.append((invoice, share))
            left -= share
    return out


def _check_entry(entry: BankEntry, part: int | None) -> None:
    if not entry.is_credit or entry.amount == 0:
        raise MatchRefused(_("this entry is a debit, not a customer's payment"))
    if entry.state == EntryState.IGNORED:
        raise MatchRefused(_("this entry is set aside: bring it back among the entries to match first"))
    applied_parts = set(BankApplication.objects.filter(entry=entry).values_list("part", flat=True))
    if entry.state == EntryState.APPLIED or (part is None and applied_parts):
        raise MatchRefused(_("this entry is already applied: undo it first"))
    if part is not None and (part in applied_parts or None in applied_parts):
        raise MatchRefused(_("transaction %(n)s of this entry is already applied: undo it first") % {"n": part + 1})


@transaction.atomic
def apply_by_hand(
    organization: Organization,
    entry: BankEntry | int,
    *,
    customer: Customer,
    allocations: Sequence[tuple[int, Decimal]],
    actor: Actor,
    part: int | None = None,
    write_off: bool = False,
) -> BankApplication:
    """Apply the entry (its transaction ``part``, 0 for the first) to ``customer``: ``allocations`` gives each
    invoice (its id) an amount; the rest of the credit stays on the customer's account. ``write_off``: what stays
    open on the last invoice given is written off, when it is no more than the organization's tolerance and
    nothing of the credit is left over."""
    entry = locked_entry(organization, entry)
    if customer.organization_id != organization.pk:
        raise MatchRefused(_("this customer belongs to another organization"))
    _check_entry(entry, part)
    amount, currency = entry_amount(entry, part)
    seen: set[int] = set()
    for invoice_id, share in allocations:
        if invoice_id in seen:
            raise MatchRefused(_("an invoice is given twice: give each invoice once"))
        seen.add(invoice_id)
        if not isinstance(share, Decimal) or share <= 0 or share != share.quantize(CENT):
            raise MatchRefused(
                _("each invoice gets an amount above zero, in cents at most, not %(amount)s") % {"amount": share}
            )
    invoices = {
        inv.pk: inv
        for inv in Invoice.objects.select_for_update(of=("self",)).filter(organization=organization, pk__in=seen)
    }
    for invoice_id, share in allocations:
        invoice = invoices.get(invoice_id)
        if invoice is None:
            raise MatchRefused(_("no such invoice in this organization"))
        if invoice.customer_id != customer.pk:
            raise MatchRefused(
                _("invoice %(number)s is not an invoice of %(customer)s")
                % {"number": invoice.number, "customer": customer.name}
            )
        if invoice.currency != currency:
            raise MatchRefused(
                _("invoice %(number)s is in %(invoice_currency)s, the transfer in %(currency)s")
                % {"number": invoice.number, "invoice_currency": invoice.currency, "currency": currency}
            )
        if share > invoice.open_amount:
            raise MatchRefused(
                _("invoice %(number)s has %(open)s %(currency)s open, less than the %(amount)s given to it")
                % {"number": invoice.number, "open": invoice.open_amount, "currency": currency, "amount": share}
            )
    total = sum((share for _id, share in allocations), Decimal("0.00"))
    if total > amount:
        raise MatchRefused(
            _("the invoices get %(total)s %(currency)s, more than the %(amount)s %(currency)s of the transfer")
            % {"total": total, "amount": amount, "currency": currency}
        )
    reasons = [dict(MANUAL_REASON)]
    write_off_id = None
    write_off_amount = Decimal("0.00")
    if write_off:
        if not allocations:
            raise MatchRefused(_("give the invoices first: a write-off settles what stays open on the last one"))
        if total < amount:
            raise MatchRefused(
                _("%(left)s %(currency)s of the transfer are left over: nothing is written off while money remains")
                % {"left": amount - total, "currency": currency}
            )
        last_id, last_share = allocations[-1]
        last = invoices[last_id]
        write_off_amount = last.open_amount - last_share
        tolerance = match_settings(organization).tolerance
        if write_off_amount <= 0:
            raise MatchRefused(
                _("invoice %(number)s is settled by the transfer: nothing to write off") % {"number": last.number}
            )
        if write_off_amount > tolerance:
            raise MatchRefused(
                _(
                    "the %(difference)s %(currency)s left open on invoice %(number)s is more than the tolerance of "
                    "%(tolerance)s %(currency)s: it cannot be written off"
                )
                % {"difference": write_off_amount, "currency": currency, "number": last.number, "tolerance": tolerance}
            )
        write_off_id = last_id
        reasons.append(
            {
                "code": "write_off",
                "params": {"difference": f"{write_off_amount} {currency}", "tolerance": f"{tolerance} {currency}"},
            }
        )
    plan = Plan(
        customer_id=customer.pk,
        part=part,
        amount=amount,
        currency=currency,
        allocations=tuple((invoice_id, share) for invoice_id, share in allocations),
        write_off_invoice_id=write_off_id,
        write_off_amount=write_off_amount,
        confidence=1.0,
        reasons=reasons,
    )
    application = apply_plan(organization, entry, plan, actor=actor, auto=False)
    link_payer_iban(organization, entry, application, actor=actor)
    if part is None:
        BankSuggestion.objects.filter(entry=entry).delete()
    else:
        BankSuggestion.objects.filter(entry=entry, part=part).delete()
    if part is None or not BankSuggestion.objects.filter(entry=entry).exists():
        entry.state = EntryState.APPLIED
        entry.save(update_fields=["state"])
    identify.release_holds(organization, entry, actor=actor)
    from recouvre.tasks.settled import close_settled_tasks

    close_settled_tasks(organization, actor=actor)
    return application
