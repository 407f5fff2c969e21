"""``recouvre approvals list|show|approve|reject|remove-invoice``: the approval queue from the command line.

Thin, as the web page: every decision is the service of ``recouvre.collections.approvals`` the page calls, so the
effects are the same (the state, who decided and when, the timeline event). The operator acts as ``cli``.

A decision names reminders by their id (``recouvre approvals list``) or takes the whole queue (``--all``). It is
checked first as a whole: a reminder that is not in the queue (unknown, another organization's, already decided)
or, for an approval, whose invoices are all on hold, refuses the command (exit 1, the reasons printed) and nothing
is decided. ``approve --send`` then sends the approved e-mails due, in this process, as ``recouvre dispatch``."""

from __future__ import annotations

import argparse
from collections.abc import Callable, Iterable
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any

from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from recouvre.cliutil import EXIT_OK, emit_json, refused, resolve_org

if TYPE_CHECKING:
    from .models import Action


class Refused(Exception):
    def __init__(self, errors: list[str]) -> None:
        super().__init__("; ".join(errors))
        self.errors = errors


def _refusing(command: Callable[[argparse.Namespace], int]) -> Callable[[argparse.Namespace], int]:
    def run(args: argparse.Namespace) -> int:
        try:
            return command(args)
        except Refused as exc:
            return refused(args.json, exc.errors)
        except ValidationError as exc:
            return refused(args.json, exc.messages)

    return run


def _note(text: str) -> str:
    """A note as typed: ``\\n`` starts a new line; at most 2000 characters, as on the page."""
    note = text.replace("\\n", "\n").strip()
    if len(note) > 2000:
        raise argparse.ArgumentTypeError(_("the note is longer than 2000 characters"))
    return note


def _label(line: dict[str, Any]) -> str:
    from .rendering import item_label

    if not line.get("instalments"):
        return str(line["number"])
    from django.utils.translation import get_language

    language = "fr" if (get_language() or "fr").startswith("fr") else "en"
    return item_label(
        line["number"], line["instalment"], line["instalments"], date.fromisoformat(line["due_on"]), language
    )


def action_dict(action: Action) -> dict[str, Any]:
    """One reminder of the queue as ``recouvre approvals ... --json`` prints it."""
    from . import approvals

    return {
        "id": action.pk,
        "state": action.state,
        "customer": action.customer.ref,
        "customer_name": action.customer.name,
        "channel": action.channel,
        "step": action.step_key,
        "send_on": action.send_on,
        "invoices": [
            {
                "number": _label(line),
                "invoice_id": line.get("invoice_id"),
                "due_on": line.get("due_on"),
                "open_amount": line.get("open_amount"),
                "currency": line.get("currency"),
                "on_hold": bool(line.get("hold")),
            }
            for line in action.lines or []
        ],
        "totals": {currency: amount for currency, amount in sorted(approvals.totals(action).items())},
    }


def action_line(action: Action) -> str:
    """One reminder on one line: id, send date, customer, channel and step, invoices, amount demanded."""
    from . import approvals

    numbers = ", ".join(_label(line) for line in action.lines or [] if not line.get("hold"))
    amounts = "  ".join(f"{amount} {currency}" for currency, amount in sorted(approvals.totals(action).items()))
    return (
        f"{action.pk:>6}  {action.send_on.isoformat()}  {action.customer.ref:<14} {action.customer.name[:28]:<28} "
        f"{action.get_channel_display()[:18]:<18} {action.step_key[:20]:<20} {numbers[:40]:<40} {amounts}"
    )


def _checked(org: Any, ids: Iterable[int], *, approving: bool) -> list[int]:
    """``ids`` if every one is a reminder of ``org`` awaiting approval (and, for an approval, with something left to
    demand); else ``Refused`` with one reason per reminder, nothing decided."""
    from . import approvals
    from .models import Action, ActionState

    wanted = sorted(set(ids))
    found = {a.pk: a for a in Action.objects.filter(organization=org, pk__in=wanted).select_related("customer")}
    errors = []
    today = timezone.localdate()
    for pk in wanted:
        action = found.get(pk)
        if action is None:
            errors.append(_("no reminder %(id)d in %(org)s") % {"id": pk, "org": org.slug})
        elif action.state != ActionState.AWAITING_APPROVAL:
            errors.append(
                _("reminder %(id)d is not awaiting approval (it is %(state)s)")
                % {"id": pk, "state": action.get_state_display()}
            )
        elif approving and approvals.all_held(action, max(today, action.send_on)):
            errors.append(
                _("reminder %(id)d: every invoice it lists is on hold; reject it, or lift the hold first") % {"id": pk}
            )
    if errors:
        raise Refused(errors)
    return wanted


def _ids(args: argparse.Namespace, org: Any) -> list[int]:
    from . import approvals

    if args.all and args.ids:
        raise Refused([_("name reminders or use --all, not both")])
    if args.all:
        ids = [a.pk for a in approvals.awaiting(org)]
        if not ids:
            raise Refused([_("The approval queue is empty.")])
        return ids
    if not args.ids:
        raise Refused([_("name at least one reminder (its id, see `recouvre approvals list`) or use --all")])
    return list(args.ids)


# --------------------------------------------------------------------------------------------- commands


@_refusing
def cmd_approvals_list(args: argparse.Namespace) -> int:
    from . import approvals

    org = resolve_org(args.org)
    queue = list(approvals.awaiting(org))
    if args.json:
        emit_json([action_dict(a) for a in queue])
        return EXIT_OK
    if not queue:
        print(_("The approval queue is empty."))
    for action in queue:
        print(action_line(action))
    return EXIT_OK


@_refusing
def cmd_approvals_show(args: argparse.Namespace) -> int:
    """The reminder exactly as it would go: the e-mail's sender, recipients, subject and text; a letter's PDF with
    ``--out``."""
    from recouvre.letters.rendering import LetterRefused, render_letter_pdf

    from . import approvals
    from .dispatch import build_email
    from .models import Action, Channel

    org = resolve_org(args.org)
    try:
        action = approvals.action(org, args.id)
    except Action.DoesNotExist:
        raise Refused([_("no reminder %(id)d in %(org)s") % {"id": args.id, "org": org.slug}]) from None
    payload: dict[str, Any] = action_dict(action)
    if action.channel == Channel.EMAIL:
        message, rendered, to = build_email(action, now=timezone.now())
        if message is None or rendered is None:
            payload["email"] = None
            payload["nothing_to_send"] = _(
                "Every invoice this reminder lists is paid or on hold: nothing would be sent."
            )
        else:
            payload["email"] = {
                "from": message.from_email,
                "to": to,
                "reply_to": list(message.reply_to),
                "subject": rendered.subject,
                "text": rendered.text,
            }
    elif args.out:
        try:
            pdf = render_letter_pdf(action, today=timezone.localdate(), preview=True)
        except LetterRefused as exc:
            raise Refused([str(exc)]) from None
        Path(args.out).write_bytes(pdf)
        payload["pdf"] = str(args.out)
    if args.json:
        emit_json(payload)
        return EXIT_OK
    print(action_line(action))
    email = payload.get("email")
    if email:
        print(_("From: %(value)s") % {"value": email["from"]})
        print(_("To: %(value)s") % {"value": email["to"]})
        if email["reply_to"]:
            print(_("Reply-To: %(value)s") % {"value": ", ".join(email["reply_to"])})
        print(_("Subject: %(value)s") % {"value": email["subject"]})
        print()
        print(email["text"])
    elif "nothing_to_send" in payload:
        print(payload["nothing_to_send"])
    elif payload.get("pdf"):
        print(_("Letter written to %(path)s") % {"path": payload["pdf"]})
    else:
        print(_("A letter: write it to a file with --out FILE.pdf to read it."))
    return EXIT_OK


@_refusing
def cmd_approvals_approve(args: argparse.Namespace) -> int:
    from recouvre.ledger.actors import CLI

    from . import approvals
    from .models import Action, ActionState, Channel

    org = resolve_org(args.org)
    ids = _checked(org, _ids(args, org), approving=True)
    decision = approvals.approve(org, ids, actor=CLI, now=timezone.now(), note=args.note)
    payload: dict[str, Any] = {
        "ok": True,
        "approved": [a.pk for a in decision.decided],
        "skipped": decision.skipped,
        "refused": {str(k): v for k, v in decision.refused.items()},
    }
    if args.send and decision.decided:
        from .outbox import process_due

        process_due(org, now=timezone.now(), actor=CLI)
        emails = [a.pk for a in decision.decided if a.channel == Channel.EMAIL]
        states = dict(Action.objects.filter(pk__in=emails).values_list("id", "state"))
        payload["sent"] = sorted(pk for pk, state in states.items() if state == ActionState.SENT)
        payload["failed"] = sorted(pk for pk, state in states.items() if state == ActionState.FAILED)
        payload["waiting"] = sorted(set(emails) - set(payload["sent"]) - set(payload["failed"]))
    if args.json:
        emit_json(payload)
        return EXIT_OK
    count = len(decision.decided)
    print(ngettext("%(count)d reminder approved.", "%(count)d reminders approved.", count) % {"count": count})
    _report_others(decision)
    if "sent" in payload:
        sent = len(payload["sent"])
        print(ngettext("%(count)d e-mail sent.", "%(count)d e-mails sent.", sent) % {"count": sent})
        for pk in payload["failed"]:
            print("  " + _("reminder %(id)d: e-mail not sent (see recouvre tasks)") % {"id": pk})
        if payload["waiting"]:
            waiting = len(payload["waiting"])
            print(
                ngettext(
                    "%(count)d e-mail will go out with a later dispatch (its send date has not come, or it is "
                    "retried).",
                    "%(count)d e-mails will go out with a later dispatch (their send date has not come, or they are "
                    "retried).",
                    waiting,
                )
                % {"count": waiting}
            )
    return EXIT_OK


def _report_others(decision: Any) -> None:
    if decision.skipped:
        print(
            ngettext(
                "%(count)d reminder was skipped: someone else decided it in the meantime.",
                "%(count)d reminders were skipped: someone else decided them in the meantime.",
                len(decision.skipped),
            )
            % {"count": len(decision.skipped)}
        )
    for pk, reason in sorted(decision.refused.items()):
        print(f"  {pk}: {reason}")


@_refusing
def cmd_approvals_reject(args: argparse.Namespace) -> int:
    from recouvre.ledger.actors import CLI

    from . import approvals

    org = resolve_org(args.org)
    if not args.note:
        raise Refused([_("--note: say why the reminder is rejected: the note is required.")])
    ids = _checked(org, _ids(args, org), approving=False)
    decision = approvals.reject(org, ids, actor=CLI, now=timezone.now(), note=args.note)
    if args.json:
        emit_json({"ok": True, "rejected": [a.pk for a in decision.decided], "skipped": decision.skipped})
        return EXIT_OK
    count = len(decision.decided)
    print(ngettext("%(count)d reminder rejected.", "%(count)d reminders rejected.", count) % {"count": count})
    _report_others(decision)
    return EXIT_OK


@_refusing
def cmd_approvals_remove_invoice(args: argparse.Namespace) -> int:
    from recouvre.ledger import selectors
    from recouvre.ledger.actors import CLI

    from . import approvals
    from .models import Action, ActionState

    org = resolve_org(args.org)
    if not args.note:
        raise Refused([_("--note: say why the invoice is taken out: the note is required.")])
    invoice = selectors.invoices(org).filter(number=args.invoice).first()
    if invoice is None:
        raise Refused([_("no invoice numbered %(number)r in %(org)s") % {"number": args.invoice, "org": org.slug}])
    try:
        action = approvals.remove_invoice(org, args.id, invoice.pk, actor=CLI, note=args.note)
    except Action.DoesNotExist:
        raise Refused([_("no reminder %(id)d in %(org)s") % {"id": args.id, "org": org.slug}]) from None
    action = approvals.action(org, action.pk)
    withdrawn = action.state == ActionState.CANCELLED
    if args.json:
        emit_json({"ok": True, "withdrawn": withdrawn, **action_dict(action)})
        return EXIT_OK
    if withdrawn:
        print(_("Invoice taken out; the reminder had nothing left to ask and was withdrawn."))
    else:
        print(_("Invoice taken out of the reminder; the rest awaits your decision."))
        print(action_line(action))
    return EXIT_OK


# --------------------------------------------------------------------------------------------- parser


def add_commands(sub: Any, add: Callable[..., argparse.ArgumentParser], json_flag: Callable[..., None]) -> None:
    group = sub.add_parser(
        "approvals", help="the approval queue: reminders waiting for a person before they go out"
    ).add_subparsers(dest="approvals_command", required=True)

    def common(sp: argparse.ArgumentParser) -> None:
        sp.add_argument("--org", help="organization short name (may be left out when there is only one)")
        json_flag(sp)

    sp = add("list", cmd_approvals_list, "the reminders awaiting approval, oldest send date first", parent=group)
    common(sp)

    sp = add("show", cmd_approvals_show, "one reminder exactly as it would go (a letter: --out FILE.pdf)", parent=group)
    sp.add_argument("id", type=int, metavar="ID", help="the reminder's id (recouvre approvals list)")
    sp.add_argument("--out", metavar="FILE", help="a letter: write the PDF as it would be produced today")
    common(sp)

    for name, func, help_text in (
        ("approve", cmd_approvals_approve, "approve reminders: they go out with the next dispatch"),
        ("reject", cmd_approvals_reject, "reject reminders (never sent; their invoices reach them at the next run)"),
    ):
        sp = add(name, func, help_text, parent=group)
        sp.add_argument("ids", type=int, nargs="*", metavar="ID", help="reminder ids (recouvre approvals list)")
        sp.add_argument("--all", action="store_true", help="every reminder in the queue")
        sp.add_argument(
            "--note",
            type=_note,
            default="",
            metavar="TEXT",
            help="why (required to reject)" if name == "reject" else "a note kept with the decision",
        )
        if name == "approve":
            sp.add_argument("--send", action="store_true", help="send the approved e-mails due now, in this process")
        common(sp)

    sp = add(
        "remove-invoice",
        cmd_approvals_remove_invoice,
        "take one invoice out of a reminder awaiting approval (the rest stays)",
        parent=group,
    )
    sp.add_argument("id", type=int, metavar="ID", help="the reminder's id")
    sp.add_argument("invoice", metavar="INVOICE_NUMBER")
    sp.add_argument("--note", type=_note, default="", metavar="TEXT", help="why (required)")
    common(sp)
