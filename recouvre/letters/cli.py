"""``recouvre letters``: the letters to post, all of them in one PDF to print, and recording their posting and
acknowledgment of receipt. Registered on the ``recouvre`` command by ``add_commands``."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from recouvre.cliutil import EXIT_OK, EXIT_REFUSED, UsageError, emit_json, parse_cli_date, resolve_org


def _org(args: argparse.Namespace) -> Any:
    return resolve_org(args.org) if args.org else None


def _as_dict(letter: Any) -> dict[str, Any]:
    return {
        "action_id": letter.action_id,
        "organization": letter.organization.slug,
        "customer": letter.customer.ref,
        "customer_name": letter.customer.name,
        "registered": letter.registered,
        "subject": letter.subject,
        "pages": letter.pages,
        "produced_at": letter.produced_at.isoformat(),
        "sha256": letter.pdf_sha256,
        "posted_on": letter.posted_on.isoformat() if letter.posted_on else None,
        "tracking_number": letter.tracking_number,
        "first_presented_on": letter.first_presented_on.isoformat() if letter.first_presented_on else None,
        "acknowledged_on": letter.acknowledged_on.isoformat() if letter.acknowledged_on else None,
        "pay_by": letter.action.deadline_on.isoformat() if letter.action.deadline_on else None,
    }


def cmd_letters(args: argparse.Namespace) -> int:
    from recouvre.letters import selectors

    letters = list(selectors.letters(_org(args), status="ready").select_related("organization"))
    if args.json:
        emit_json([_as_dict(letter) for letter in letters])
        return EXIT_OK
    if not letters:
        print(_("No letter to post."))
        return EXIT_OK
    for letter in letters:
        kind = _("registered") if letter.registered else _("letter")
        print(f"{letter.action_id}\t{letter.organization.slug}\t{letter.customer.ref}\t{kind}\t{letter.subject}")
    print(ngettext("%(count)d letter to post.", "%(count)d letters to post.", len(letters)) % {"count": len(letters)})
    return EXIT_OK


def cmd_letters_print(args: argparse.Namespace) -> int:
    from recouvre.letters import selectors
    from recouvre.letters.rendering import merge_pdfs

    letters = list(selectors.ready_letters_with_pdf(_org(args)))
    out = Path(args.out)
    if letters:
        out.write_bytes(merge_pdfs([bytes(letter.pdf) for letter in letters]))
    payload = {"letters": len(letters), "pages": sum(letter.pages for letter in letters), "file": str(out)}
    if args.json:
        emit_json({**payload, "file": str(out) if letters else None})
    elif letters:
        pages = ngettext("%(pages)d page", "%(pages)d pages", payload["pages"]) % payload
        print(
            ngettext(
                "%(letters)d letter (%(pages)s) written to %(file)s.",
                "%(letters)d letters (%(pages)s) written to %(file)s.",
                len(letters),
            )
            % {**payload, "pages": pages}
        )
    else:
        print(_("No letter to post: nothing written."))
    return EXIT_OK


def _letter(args: argparse.Namespace) -> Any:
    from recouvre.letters import selectors
    from recouvre.letters.models import Letter

    try:
        return selectors.letter_of_action(_org(args), args.action_id)
    except Letter.DoesNotExist as exc:
        raise UsageError(
            _("no letter produced for action %(id)d (see `recouvre letters`)") % {"id": args.action_id}
        ) from exc


def _refused(exc: Any, args: argparse.Namespace) -> int:
    message = "; ".join(exc.messages)
    if args.json:
        emit_json({"action_id": args.action_id, "error": message})
    print(_("recouvre: refused: %(error)s") % {"error": message}, file=sys.stderr)
    return EXIT_REFUSED


def cmd_letters_posted(args: argparse.Namespace) -> int:
    from django.core.exceptions import ValidationError

    from recouvre.ledger.actors import CLI
    from recouvre.letters.services import record_posting

    letter = _letter(args)
    try:
        letter = record_posting(letter, posted_on=args.on, actor=CLI, tracking_number=args.tracking or "")
    except ValidationError as exc:
        return _refused(exc, args)
    if args.json:
        emit_json(_as_dict(letter))
    else:
        print(
            _("Letter %(id)d to %(customer)s recorded as posted on %(day)s.")
            % {"id": letter.action_id, "customer": letter.customer.name, "day": letter.posted_on.isoformat()}
        )
    return EXIT_OK


def cmd_letters_acknowledged(args: argparse.Namespace) -> int:
    from django.core.exceptions import ValidationError

    from recouvre.ledger.actors import CLI
    from recouvre.letters.services import record_acknowledgment

    letter = _letter(args)
    try:
        letter = record_acknowledgment(
            letter, acknowledged_on=args.on, actor=CLI, first_presented_on=getattr(args, "presented", None)
        )
    except ValidationError as exc:
        return _refused(exc, args)
    if args.json:
        emit_json(_as_dict(letter))
    else:
        print(
            _("Registered letter %(id)d received by %(customer)s on %(day)s.")
            % {"id": letter.action_id, "customer": letter.customer.name, "day": letter.acknowledged_on.isoformat()}
        )
    return EXIT_OK


def cmd_letters_presented(args: argparse.Namespace) -> int:
    from django.core.exceptions import ValidationError

    from recouvre.ledger.actors import CLI
    from recouvre.letters.services import record_first_presentation

    letter = _letter(args)
    try:
        letter = record_first_presentation(letter, presented_on=args.on, actor=CLI)
    except ValidationError as exc:
        return _refused(exc, args)
    if args.json:
        emit_json(_as_dict(letter))
    else:
        print(
            _("Registered letter %(id)d to %(customer)s first presented on %(day)s.")
            % {"id": letter.action_id, "customer": letter.customer.name, "day": letter.first_presented_on.isoformat()}
        )
    return EXIT_OK


def cmd_statement(args: argparse.Namespace) -> int:
    """Write the statement of account of one customer at a date (today by default) to a PDF file."""
    from django.utils import timezone

    from recouvre.ledger.models import Customer
    from recouvre.letters.statement import render_statement

    org = resolve_org(args.org)
    customer = Customer.objects.filter(organization=org, ref=args.customer_ref).first()
    if customer is None:
        print(
            _("no customer with the reference %(ref)r in %(org)s") % {"ref": args.customer_ref, "org": org.slug},
            file=sys.stderr,
        )
        return EXIT_REFUSED
    as_of = args.as_of or timezone.localdate()
    portal_url = ""
    if not args.no_link:  # the statement is for the customer: it carries the customer's link to the portal
        from recouvre.ledger.actors import CLI
        from recouvre.portal.links import document_link

        portal_url = document_link(customer, actor=CLI)
    statement = render_statement(org, customer, as_of, portal_url=portal_url)
    Path(args.out).write_bytes(statement.pdf)
    if args.json:
        emit_json(
            {
                "customer": customer.ref,
                "as_of": as_of.isoformat(),
                "file": str(args.out),
                "principal": str(statement.principal),
                "interest": str(statement.interest),
                "indemnity": str(statement.indemnity),
                "penalties_settled": str(statement.settled),
                "penalties_due": str(statement.penalties),
                "unapplied": str(statement.unapplied),
                "balance": str(statement.balance),
                "portal_link": portal_url or None,
            }
        )
    else:
        print(
            _("Statement of account of %(customer)s on %(day)s written to %(file)s.")
            % {"customer": customer.name, "day": as_of.isoformat(), "file": args.out}
        )
    return EXIT_OK


def add_commands(sub: Any, add: Callable[..., argparse.ArgumentParser]) -> None:
    """``recouvre letters [--org SLUG] [--json]`` and its sub-commands ``print``, ``posted``, ``presented``,
    ``acknowledged``;
    ``recouvre statement CUSTOMER_REF [--org SLUG] [--as-of DATE] --out FILE.pdf``."""
    sp = add("statement", cmd_statement, "write a customer's statement of account (relevé de compte) to a PDF")
    sp.add_argument("customer_ref", metavar="CUSTOMER_REF", help="the customer's account reference")
    sp.add_argument("--org", help="organization short name")
    sp.add_argument("--as-of", type=parse_cli_date, metavar="DATE", help="the date of the statement (default: today)")
    sp.add_argument("--out", required=True, metavar="FILE.pdf", help="the PDF file to write")
    sp.add_argument(
        "--no-link", action="store_true", help="without the customer's link to the customer portal (a copy to keep)"
    )
    sp.add_argument("--json", action="store_true", help="machine-readable output")
    lp = add("letters", cmd_letters, "list the letters ready to post (print, posted, acknowledged: see below)")
    lp.add_argument("--org", help="organization short name (default: every organization)")
    lp.add_argument("--json", action="store_true", help="machine-readable output")
    lsub = lp.add_subparsers(dest="letters_command")

    def common(sp: argparse.ArgumentParser) -> None:
        # SUPPRESS: an --org or --json given before the sub-command is kept.
        sp.add_argument("--org", default=argparse.SUPPRESS, help="organization short name")
        sp.add_argument("--json", action="store_true", default=argparse.SUPPRESS, help="machine-readable output")

    sp = add("print", cmd_letters_print, "write every letter ready to post into one PDF to print", lsub)
    sp.add_argument("--out", required=True, metavar="FILE.pdf", help="the PDF file to write")
    common(sp)
    sp = add(
        "posted", cmd_letters_posted, "record that a letter was posted (registered: with its tracking number)", lsub
    )
    sp.add_argument("action_id", type=int, metavar="ACTION_ID")
    sp.add_argument("--on", required=True, type=parse_cli_date, metavar="DATE", help="the day it was posted")
    sp.add_argument("--tracking", metavar="NUMBER", help="the tracking number on the proof of posting")
    common(sp)
    sp = add(
        "acknowledged", cmd_letters_acknowledged, "record the acknowledgment of receipt of a registered letter", lsub
    )
    sp.add_argument("action_id", type=int, metavar="ACTION_ID")
    sp.add_argument("--on", required=True, type=parse_cli_date, metavar="DATE", help="the day the customer signed")
    sp.add_argument(
        "--presented", type=parse_cli_date, metavar="DATE", help="the day La Poste first presented it (if not recorded)"
    )
    common(sp)
    sp = add(
        "presented",
        cmd_letters_presented,
        "record the day La Poste first presented a registered letter (a formal notice's deadline runs from it)",
        lsub,
    )
    sp.add_argument("action_id", type=int, metavar="ACTION_ID")
    sp.add_argument(
        "--on", required=True, type=parse_cli_date, metavar="DATE", help="the day of the first presentation"
    )
    common(sp)
