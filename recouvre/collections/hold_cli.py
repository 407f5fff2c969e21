"""``recouvre hold dispute|promise|pause|already-paid|release|list``: the customer page's holds from the command line.

Thin: each write is the service of ``recouvre.collections.holds`` the web form calls, with the fields checked by
the same form (``recouvre.web.hold_forms``), so the effects are the same: the hold, its timeline event, and what is
queued for the held invoices withdrawn or narrowed (dispute, pause). The operator acts as ``cli``, as in every
command. ``--since DATE`` is the day the hold began ("the customer called on Friday"): today by default, never in
the future. Exit 0 done, 1 refused (unknown invoice, customer or hold, or a rule of the service: nothing written),
2 usage (a bad date or amount, ``--since`` in the future, an unknown organization)."""

from __future__ import annotations

import argparse
from collections.abc import Callable, Iterable
from datetime import date
from typing import TYPE_CHECKING, Any

from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _

from recouvre.cliutil import (
    EXIT_OK,
    UsageError,
    customer_by_ref,
    emit_json,
    parse_cli_amount,
    parse_cli_date,
    refused,
    resolve_org,
)
from recouvre.core.dunning import DisputeReason

if TYPE_CHECKING:
    from .models import Hold

# The form fields as the command line names them, for refusals.
OPTIONS = {
    "reason_code": "--reason",
    "amount": "--amount",
    "note": "--note",
    "reason": "--note",
    "promised_on": "--by",
    "until": "--until",
}


class Refused(Exception):
    def __init__(self, errors: list[str]) -> None:
        super().__init__("; ".join(errors))
        self.errors = errors


def _note(text: str) -> str:
    """A note as typed: ``\\n`` starts a new line (its length is checked by the form)."""
    return text.replace("\\n", "\n").strip()


def _since(args: argparse.Namespace, today: date) -> date | None:
    since: date | None = getattr(args, "since", None)
    if since is not None and since > today:
        raise UsageError(
            _("--since %(day)s is in the future: the day the hold began is today or earlier (today is %(today)s)")
            % {"day": since.isoformat(), "today": today.isoformat()}
        )
    return since


def _customer(org: Any, ref: str) -> Any:

    customer, missing = customer_by_ref(org, ref)
    if customer is None:
        raise Refused([missing])
    return customer


def _invoices(org: Any, numbers: Iterable[str]) -> list[Any]:
    from recouvre.ledger import selectors

    wanted = list(dict.fromkeys(numbers))
    found = {inv.number: inv for inv in selectors.invoices(org).filter(number__in=wanted).select_related("customer")}
    missing = [n for n in wanted if n not in found]
    if missing:
        raise Refused(
            [_("no invoice numbered %(number)r in %(org)s") % {"number": n, "org": org.slug} for n in missing]
        )
    return [found[n] for n in wanted]


def _form(form_class: Any, data: dict[str, Any], org: Any, customer: Any, *, leave_out: Iterable[str] = ()) -> Any:
    """``data`` checked by the web form ``form_class`` (the invoices, named by number on the command line, are
    looked up here and checked by the service); its cleaned data, else ``Refused`` naming the options."""
    from recouvre.web import hold_forms

    form = getattr(hold_forms, form_class)(data, organization=org, customer=customer)
    for name in leave_out:
        form.fields.pop(name, None)
    if not form.is_valid():
        raise Refused([f"{OPTIONS.get(field, field)}: {' '.join(errors)}" for field, errors in form.errors.items()])
    return form.cleaned_data


def _status_label(status: str) -> str:
    from .models import HoldOutcome

    labels = {
        "active": _("Active"),
        "scheduled": _("Starts later"),
        "ended": _("Ended"),
        **{value: str(label) for value, label in HoldOutcome.choices},
    }
    return labels.get(status, status)


def _numbers(hold: Hold) -> list[str]:
    if hold.invoice is not None:
        return [hold.invoice.number]
    return sorted(inv.number for inv in hold.invoices.all())


def hold_dict(hold: Hold, as_of: date) -> dict[str, Any]:
    """One hold as ``recouvre hold ... --json`` prints it."""
    numbers = _numbers(hold)
    return {
        "id": hold.pk,
        "kind": hold.kind,
        "customer": hold.customer.ref,
        "customer_name": hold.customer.name,
        "invoices": numbers,
        "whole_customer": not numbers,
        "reason_code": hold.reason_code,
        "note": hold.reason,
        "amount": hold.amount,
        "currency": hold.currency,
        "promised_on": hold.promised_on,
        "starts_on": hold.starts_on,
        "ends_on": hold.ends_on,
        "status": hold.status(as_of),
        "outcome": hold.outcome,
        "outcome_on": hold.outcome_on,
        "released_at": hold.released_at.isoformat() if hold.released_at is not None else None,
        "author": hold.author_label,
        "owner": hold.owner.get_username() if hold.owner is not None else None,
    }


def hold_line(hold: Hold, as_of: date) -> str:
    """One hold on one line: id, customer, kind, what it covers, first and last day, amount, state."""
    covers = ", ".join(_numbers(hold)) or _("whole customer")
    until = hold.ends_on.isoformat() if hold.ends_on is not None else _("until lifted")
    amount = f"  {hold.amount} {hold.currency}" if hold.amount is not None else ""
    kind = hold.get_kind_display()
    if hold.reason_code:
        kind = f"{kind} ({hold.get_reason_code_display()})"
    return (
        f"{hold.pk:>6}  {hold.customer.ref:<14} {kind[:40]:<40} {covers[:30]:<30} "
        f"{hold.starts_on.isoformat()} - {until}{amount}  {_status_label(hold.status(as_of))}"
    )


def _done(args: argparse.Namespace, hold: Hold, today: date, message: str) -> int:
    from .models import Hold

    hold = Hold.objects.select_related("customer", "invoice", "owner").prefetch_related("invoices").get(pk=hold.pk)
    if args.json:
        emit_json({"ok": True, **hold_dict(hold, today)})
    else:
        print(message)
        print(hold_line(hold, today))
    return EXIT_OK


def _refusing(command: Callable[[argparse.Namespace], int]) -> Callable[[argparse.Namespace], int]:
    """Refused input (an unknown reference, a field, a rule of the service) is exit 1 with the reasons."""

    def run(args: argparse.Namespace) -> int:
        try:
            return command(args)
        except Refused as exc:
            return refused(args.json, exc.errors)
        except ValidationError as exc:
            return refused(args.json, exc.messages)

    return run


# --------------------------------------------------------------------------------------------- commands


@_refusing
def cmd_hold_dispute(args: argparse.Namespace) -> int:
    from recouvre.ledger.actors import CLI

    from .holds import open_dispute

    today = timezone.localdate()
    since = _since(args, today)
    org = resolve_org(args.org)
    (invoice,) = _invoices(org, [args.invoice])
    data = _form(
        "DisputeForm",
        {"reason_code": args.reason, "amount": "" if args.amount is None else str(args.amount), "note": args.note},
        org,
        invoice.customer,
        leave_out=("invoice",),
    )
    hold = open_dispute(
        org,
        invoice,
        reason_code=data["reason_code"],
        amount=data["amount"],
        owner=data["owner"],
        note=data["note"],
        actor=CLI,
        today=today,
        starts_on=since,
    )
    return _done(
        args,
        hold,
        today,
        _("Dispute on invoice %(number)s opened: it is no longer reminded.") % {"number": invoice.number},
    )


@_refusing
def cmd_hold_promise(args: argparse.Namespace) -> int:
    from recouvre.ledger.actors import CLI

    from .holds import record_promise

    today = timezone.localdate()
    since = _since(args, today)
    org = resolve_org(args.org)
    customer = _customer(org, args.ref)
    invoices = _invoices(org, args.invoice)
    data = _form(
        "PromiseForm",
        {"amount": str(args.amount), "promised_on": args.by, "note": args.note},
        org,
        customer,
        leave_out=("invoices",),
    )
    hold = record_promise(
        org,
        customer,
        amount=data["amount"],
        promised_on=data["promised_on"],
        invoices=invoices,
        note=data["note"],
        actor=CLI,
        today=today,
        starts_on=since,
    )
    return _done(args, hold, today, _("Promise to pay recorded."))


@_refusing
def cmd_hold_pause(args: argparse.Namespace) -> int:
    from recouvre.ledger.actors import CLI

    from .holds import pause_customer

    today = timezone.localdate()
    since = _since(args, today)
    org = resolve_org(args.org)
    customer = _customer(org, args.ref)
    data = _form("PauseForm", {"until": args.until, "reason": args.note}, org, customer)
    hold = pause_customer(
        org, customer, until=data["until"], reason=data["reason"], actor=CLI, today=today, starts_on=since
    )
    return _done(args, hold, today, _("Collection paused."))


@_refusing
def cmd_hold_already_paid(args: argparse.Namespace) -> int:
    from recouvre.ledger.actors import CLI

    from .holds import declare_already_paid

    today = timezone.localdate()
    since = _since(args, today)
    org = resolve_org(args.org)
    customer = _customer(org, args.ref)
    invoices = _invoices(org, args.invoice)
    data = _form("AlreadyPaidForm", {"note": args.note}, org, customer, leave_out=("invoices",))
    hold = declare_already_paid(
        org, customer, invoices=invoices, note=data["note"], actor=CLI, today=today, starts_on=since
    )
    return _done(args, hold, today, _("Collection paused while the payment is looked for."))


@_refusing
def cmd_hold_release(args: argparse.Namespace) -> int:
    from recouvre.ledger.actors import CLI
    from recouvre.web.hold_forms import ReleaseForm

    from . import selectors
    from .holds import release_hold
    from .models import Hold

    today = timezone.localdate()
    org = resolve_org(args.org)
    try:
        hold = selectors.hold(org, args.hold_id)
    except Hold.DoesNotExist:
        raise Refused([_("no hold %(id)d in %(org)s") % {"id": args.hold_id, "org": org.slug}]) from None
    if hold.released_at is not None:
        raise Refused([_("This hold has already ended.")])
    form = ReleaseForm({"note": args.note})
    if not form.is_valid():
        raise Refused([f"--note: {' '.join(errors)}" for errors in form.errors.values()])
    hold = release_hold(hold, note=form.cleaned_data["note"], actor=CLI, today=today)
    return _done(args, hold, today, _("Hold lifted: collection resumes at the next run."))


@_refusing
def cmd_hold_list(args: argparse.Namespace) -> int:
    from . import selectors

    today = timezone.localdate()
    org = resolve_org(args.org)
    customer = _customer(org, args.ref) if args.ref else None
    rows = selectors.holds(org, as_of=today, customer=customer, ended=args.all)
    if args.json:
        emit_json([hold_dict(h, today) for h in rows])
        return EXIT_OK
    if not rows:
        print(_("No hold recorded.") if args.all else _("No active or scheduled hold."))
    for hold in rows:
        print(hold_line(hold, today))
    return EXIT_OK


# --------------------------------------------------------------------------------------------- parser


def add_commands(sub: Any, add: Callable[..., argparse.ArgumentParser], json_flag: Callable[..., None]) -> None:
    group = sub.add_parser(
        "hold", help="disputes, promises to pay and pauses: what stops collection of a customer or an invoice"
    ).add_subparsers(dest="hold_command", required=True)

    def common(sp: argparse.ArgumentParser, since: bool = True) -> None:
        if since:
            sp.add_argument(
                "--since",
                type=parse_cli_date,
                metavar="DATE",
                help="the day it began, e.g. the day the customer called (default: today; not in the future)",
            )
        sp.add_argument("--org", help="organization short name (may be left out when there is only one)")
        json_flag(sp)

    sp = add(
        "dispute",
        cmd_hold_dispute,
        "open a dispute on an invoice: it is no longer reminded, what is queued for it is withdrawn",
        parent=group,
    )
    sp.add_argument("invoice", metavar="INVOICE_NUMBER")
    sp.add_argument(
        "--reason", required=True, choices=[r.value for r in DisputeReason], help="why the customer disputes it"
    )
    sp.add_argument(
        "--amount", type=parse_cli_amount, metavar="AMOUNT", help="the part disputed (default: all that is open)"
    )
    sp.add_argument("--note", type=_note, default="", metavar="TEXT", help="what the customer said")
    common(sp)

    sp = add(
        "promise",
        cmd_hold_promise,
        "record a promise to pay: no reminder about its invoices until the day promised",
        parent=group,
    )
    sp.add_argument("ref", metavar="CUSTOMER_REF", help="the customer's account, e.g. 411DUPONT")
    sp.add_argument("--amount", type=parse_cli_amount, required=True, metavar="AMOUNT", help="the amount promised")
    sp.add_argument("--by", type=parse_cli_date, required=True, metavar="DATE", help="the day it is promised for")
    sp.add_argument(
        "--invoice",
        action="append",
        default=[],
        metavar="NUMBER",
        help="an invoice the promise is about; repeat for several (default: every invoice of the customer)",
    )
    sp.add_argument("--note", type=_note, default="", metavar="TEXT")
    common(sp)

    sp = add(
        "pause",
        cmd_hold_pause,
        "pause collection of a customer until a day: what is queued is withdrawn",
        parent=group,
    )
    sp.add_argument("ref", metavar="CUSTOMER_REF", help="the customer's account, e.g. 411DUPONT")
    sp.add_argument("--until", type=parse_cli_date, required=True, metavar="DATE", help="the last day paused")
    sp.add_argument("--note", type=_note, default="", metavar="TEXT", help="why")
    common(sp)

    sp = add(
        "already-paid",
        cmd_hold_already_paid,
        "the customer says it has paid: collection pauses while the payment is looked for",
        parent=group,
    )
    sp.add_argument("ref", metavar="CUSTOMER_REF", help="the customer's account, e.g. 411DUPONT")
    sp.add_argument(
        "--invoice",
        action="append",
        default=[],
        metavar="NUMBER",
        help="an invoice said paid; repeat for several (default: every invoice of the customer)",
    )
    sp.add_argument("--note", type=_note, default="", metavar="TEXT")
    common(sp)

    sp = add("release", cmd_hold_release, "lift a hold: collection resumes at the next run", parent=group)
    sp.add_argument("hold_id", type=int, metavar="HOLD_ID", help="the hold's number (see recouvre hold list)")
    sp.add_argument("--note", type=_note, default="", metavar="TEXT", help="why")
    common(sp, since=False)

    sp = add("list", cmd_hold_list, "the holds active or starting later", parent=group)
    sp.add_argument("ref", nargs="?", metavar="CUSTOMER_REF", help="one customer's only")
    sp.add_argument("--all", action="store_true", help="the ended holds too")
    common(sp, since=False)
