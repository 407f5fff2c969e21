"""``recouvre injonction CUSTOMER_REF --out FILE.pdf`` (the pre-filled injonction de payer request) and
``recouvre handoff CUSTOMER_REF --out FILE.zip`` (the hand-off package for a collection agency or a commissaire de
justice). Registered on the ``recouvre`` command by ``add_commands``."""

from __future__ import annotations

import argparse
from collections.abc import Callable
from pathlib import Path
from typing import Any

from django.utils import timezone
from django.utils.translation import gettext as _

from recouvre.cliutil import EXIT_OK, EXIT_REFUSED, UsageError, customer_by_ref, emit_json, parse_cli_date, resolve_org


def _customer(args: argparse.Namespace) -> tuple[Any, Any]:

    org = resolve_org(args.org)
    customer, missing = customer_by_ref(org, args.ref)
    if customer is None:
        raise UsageError(missing)
    return org, customer


def _refused(args: argparse.Namespace, message: str) -> int:
    if args.json:
        emit_json({"ok": False, "error": message})
    else:
        print(_("recouvre: refused: %(error)s") % {"error": message})
    return EXIT_REFUSED


def cmd_injonction(args: argparse.Namespace) -> int:
    from recouvre.ledger.actors import CLI
    from recouvre.proceedings.requete import InjonctionRefused, NothingToClaim
    from recouvre.proceedings.services import export_injonction_request

    org, customer = _customer(args)
    as_of = args.as_of or timezone.localdate()
    try:
        request = export_injonction_request(org, customer, as_of=as_of, actor=CLI)
    except InjonctionRefused as exc:
        if args.json:
            emit_json({"ok": False, "reasons": list(exc.reasons)})
        else:
            print(_("recouvre: refused: no injonction de payer request for %(name)s:") % {"name": customer.name})
            for reason in exc.reasons:
                print(f"- {reason}")
        return EXIT_REFUSED
    except NothingToClaim:
        message = _("%(name)s has no overdue invoice in euros to claim.") % {"name": customer.name}
        if args.json:
            emit_json({"ok": False, "error": message, "reasons": [message]})
            return EXIT_REFUSED
        return _refused(args, message)
    out = Path(args.out)
    out.write_bytes(request.pdf)
    if args.json:
        emit_json(
            {
                "ok": True,
                "file": str(out),
                "customer": customer.ref,
                "as_of": as_of.isoformat(),
                "court": request.court,
                "principal": f"{request.principal:.2f}",
                "interest": f"{request.interest:.2f}",
                "indemnity": f"{request.indemnity:.2f}",
                "total": f"{request.total:.2f}",
                "exhibits": len(request.exhibits),
                "time_barred": [
                    {"invoice": n, "principal": f"{a:.2f}", "last_day_to_act": d.isoformat()}
                    for n, a, d in request.time_barred
                ],
                "disputed": [{"invoice": n, "principal": f"{a:.2f}"} for n, a in request.disputed],
                "warnings": list(request.warnings),
                "sha256": request.sha256,
            }
        )
        return EXIT_OK
    for warning in request.warnings:
        print(_("Warning: %(warning)s") % {"warning": warning})
    for number, amount, last in request.time_barred:
        print(
            _("Left out, time-barred (last day to act %(date)s): invoice %(number)s (%(amount)s EUR).")
            % {"date": last.isoformat(), "number": number, "amount": f"{amount:.2f}"}
        )
    for number, amount in request.disputed:
        print(
            _("Left out, disputed: invoice %(number)s (%(amount)s EUR).")
            % {"number": number, "amount": f"{amount:.2f}"}
        )
    print(
        _(
            "Injonction de payer request for %(name)s (%(ref)s) on %(as_of)s: %(total)s EUR, %(count)d exhibits, "
            "to %(court)s; written to %(file)s."
        )
        % {
            "name": customer.name,
            "ref": customer.ref,
            "as_of": as_of.isoformat(),
            "total": f"{request.total:.2f}",
            "count": len(request.exhibits),
            "court": request.court,
            "file": out,
        }
    )
    return EXIT_OK


def cmd_handoff(args: argparse.Namespace) -> int:
    from recouvre.ledger.actors import CLI
    from recouvre.proceedings.requete import NothingToClaim
    from recouvre.proceedings.services import export_handoff

    org, customer = _customer(args)
    as_of = args.as_of or timezone.localdate()
    try:
        handoff = export_handoff(org, customer, as_of=as_of, actor=CLI)
    except NothingToClaim:
        return _refused(args, _("%(name)s has no overdue invoice in euros to claim.") % {"name": customer.name})
    out = Path(args.out)
    out.write_bytes(handoff.content)
    if args.json:
        emit_json(
            {
                "file": str(out),
                "customer": customer.ref,
                "as_of": as_of.isoformat(),
                "version": handoff.data["version"],
                "totals": handoff.data["totals"],
                "files": handoff.data["files"],
                "sha256": handoff.sha256,
            }
        )
        return EXIT_OK
    print(
        _("Hand-off package of %(name)s (%(ref)s) on %(as_of)s: %(count)d files written to %(file)s (SHA-256 %(sha)s).")
        % {
            "name": customer.name,
            "ref": customer.ref,
            "as_of": as_of.isoformat(),
            "count": handoff.files,
            "file": out,
            "sha": handoff.sha256,
        }
    )
    return EXIT_OK


def add_commands(sub: Any, add: Callable[..., argparse.ArgumentParser], json_flag: Callable[..., None]) -> None:
    def common(sp: argparse.ArgumentParser, out: str) -> None:
        sp.add_argument("ref", metavar="CUSTOMER_REF", help="the customer's account")
        sp.add_argument("--org", help="organization short name (may be left out when there is only one)")
        sp.add_argument("--as-of", type=parse_cli_date, metavar="DATE", help="the date of the claim (default: today)")
        sp.add_argument("--out", required=True, metavar=out, help="the file to write")
        json_flag(sp)

    common(
        add(
            "injonction",
            cmd_injonction,
            "the pre-filled injonction de payer request of a customer (court, parties, amounts, exhibits) as a PDF",
        ),
        "FILE.pdf",
    )
    common(
        add(
            "handoff",
            cmd_handoff,
            "a customer's hand-off package for a collection agency or a commissaire de justice (JSON and PDFs, ZIP)",
        ),
        "FILE.zip",
    )
