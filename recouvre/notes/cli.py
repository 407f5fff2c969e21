"""``recouvre note add --customer REF [--invoice NUMBER] [--as USER] TEXT``: write a note about a customer (or one
of its invoices); the members it @mentions are notified.

``recouvre note list --customer REF [--invoice NUMBER]``: a customer's notes, the latest first."""

from __future__ import annotations

import argparse
from collections.abc import Callable
from typing import Any

from django.utils.translation import gettext as _

from recouvre.cliutil import EXIT_OK, UsageError, command_group, emit_json, refused, resolve_org


def _target(args: argparse.Namespace) -> tuple[Any, Any, Any]:
    from recouvre.ledger.models import Customer, Invoice

    org = resolve_org(args.org)
    customer = Customer.objects.filter(organization=org, ref=args.customer).first()
    if customer is None:
        raise UsageError(_("no customer with the account %(ref)r in %(org)s") % {"ref": args.customer, "org": org.slug})
    invoice = None
    if args.invoice:
        invoice = Invoice.objects.filter(organization=org, customer=customer, number=args.invoice).first()
        if invoice is None:
            raise UsageError(
                _("no invoice %(number)r of customer %(ref)s") % {"number": args.invoice, "ref": customer.ref}
            )
    return org, customer, invoice


def _row(note: Any) -> dict[str, Any]:
    return {
        "id": note.pk,
        "customer": note.customer.ref,
        "invoice": note.invoice.number if note.invoice is not None else None,
        "author": (note.author.get_username() if note.author is not None else note.author_label),
        "created_at": note.created_at.isoformat(),
        "edited_at": note.edited_at.isoformat() if note.edited_at else None,
        "text": note.text,
    }


def cmd_note_add(args: argparse.Namespace) -> int:
    from django.core.exceptions import ValidationError

    from recouvre.ledger.actors import CLI, Actor
    from recouvre.organizations.models import Membership

    from . import services

    org, customer, invoice = _target(args)
    actor = CLI
    if args.as_user:
        member = Membership.objects.filter(organization=org, user__username=args.as_user).select_related("user").first()
        if member is None:
            raise UsageError(_("%(user)r is not a member of %(org)s") % {"user": args.as_user, "org": org.slug})
        actor = Actor.of(member.user)
    try:
        note = services.add_note(org, customer, args.text, actor=actor, invoice=invoice)
    except ValidationError as exc:
        return refused(args.json, list(exc.messages))
    mentioned = [u.get_username() for u in services.mentioned_users(org, note.text)]
    if args.json:
        emit_json({**_row(note), "mentioned": mentioned})
        return EXIT_OK
    print(_("Note %(id)s added to %(ref)s %(name)s.") % {"id": note.pk, "ref": customer.ref, "name": customer.name})
    if mentioned:
        print(_("Mentioned: %(users)s") % {"users": ", ".join(mentioned)})
    return EXIT_OK


def cmd_note_list(args: argparse.Namespace) -> int:
    from . import selectors

    org, customer, invoice = _target(args)
    notes = list(selectors.notes(org, customer=customer, invoice=invoice).select_related("customer"))
    if args.json:
        emit_json([_row(n) for n in notes])
        return EXIT_OK
    if not notes:
        print(_("No note."))
        return EXIT_OK
    for n in notes:
        row = _row(n)
        head = f"#{row['id']} {row['created_at'][:16].replace('T', ' ')} {row['author']}"
        if row["invoice"]:
            head += " · " + _("invoice %(number)s") % {"number": row["invoice"]}
        print(head)
        for line in n.text.splitlines() or [""]:
            print("    " + line)
    return EXIT_OK


def add_commands(sub: Any, add: Callable[..., argparse.ArgumentParser], json_flag: Callable[..., None]) -> None:
    group = command_group(sub, "note", "notes on customers and invoices, with @mentions", "note_command")
    sp = add("add", cmd_note_add, "write a note about a customer or one of its invoices (@user mentions notify)", group)
    sp.add_argument("text", help='the note; @username or @"First Last" mentions a member')
    sp.add_argument("--customer", required=True, metavar="REF", help="the customer's account")
    sp.add_argument("--invoice", metavar="NUMBER", help="one of the customer's invoices")
    sp.add_argument("--as", dest="as_user", metavar="USER", help="the member writing it (default: the command)")
    sp.add_argument("--org", help="organization short name (may be left out when there is only one)")
    json_flag(sp)
    sp = add("list", cmd_note_list, "list a customer's notes (or one invoice's), the latest first", group)
    sp.add_argument("--customer", required=True, metavar="REF", help="the customer's account")
    sp.add_argument("--invoice", metavar="NUMBER", help="only this invoice's notes")
    sp.add_argument("--org", help="organization short name (may be left out when there is only one)")
    json_flag(sp)
