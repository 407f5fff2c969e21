"""``recouvre search TEXT [--org SLUG] [--json]``: the web app's global search from the command line (customers,
invoices and payments by name, account, SIREN, number, reference or amount). Thin: ``selectors.global_search``."""

from __future__ import annotations

import argparse
from collections.abc import Callable
from typing import Any

from django.utils.translation import gettext as _

from recouvre.cliutil import EXIT_OK, EXIT_REFUSED, emit_json, resolve_org


def search_payload(results: Any) -> dict[str, Any]:
    """What ``recouvre search --json`` prints: the text searched, the amount read from it, and each kind's rows."""
    return {
        "text": results.text,
        "amount": str(results.amount) if results.amount is not None else None,
        "customers": [
            {"id": c.pk, "ref": c.ref, "name": c.name, "siren": c.siren, "segment": c.segment}
            for c in results.customers
        ],
        "invoices": [
            {
                "id": i.pk,
                "number": i.number,
                "customer": i.customer.ref,
                "due_on": i.due_on.isoformat(),
                "total": str(i.total),
                "open_amount": str(i.open_amount),
                "currency": i.currency,
            }
            for i in results.invoices
        ],
        "payments": [
            {
                "id": p.pk,
                "customer": p.customer.ref,
                "received_on": p.received_on.isoformat(),
                "reference": p.reference,
                "amount": str(p.amount),
                "unapplied": str(p.unallocated_amount),
                "currency": p.currency,
            }
            for p in results.payments
        ],
    }


def cmd_search(args: argparse.Namespace) -> int:
    """Exit 0 when something was found, 1 when nothing was."""
    from recouvre.ledger.selectors import global_search

    org = resolve_org(args.org)
    results = global_search(org, args.text)
    if args.json:
        emit_json(search_payload(results))
        return EXIT_OK if results.count else EXIT_REFUSED
    if not results.count:
        print(_("Nothing found for “%(text)s”.") % {"text": results.text})
        return EXIT_REFUSED
    for c in results.customers:
        print(_("customer  %(ref)s  %(name)s") % {"ref": c.ref, "name": c.name})
    for i in results.invoices:
        print(
            _("invoice   %(number)s  %(customer)s  due %(due_on)s  %(total)s %(currency)s (open %(open)s)")
            % {
                "number": i.number,
                "customer": i.customer.name,
                "due_on": i.due_on.isoformat(),
                "total": i.total,
                "currency": i.currency,
                "open": i.open_amount,
            }
        )
    for p in results.payments:
        print(
            _("payment   %(received_on)s  %(customer)s  %(amount)s %(currency)s  %(reference)s")
            % {
                "received_on": p.received_on.isoformat(),
                "customer": p.customer.name,
                "amount": p.amount,
                "currency": p.currency,
                "reference": p.reference,
            }
        )
    return EXIT_OK


def add_commands(sub: Any, add: Callable[..., argparse.ArgumentParser], json_flag: Callable[..., None]) -> None:
    sp = add("search", cmd_search, "find customers, invoices and payments by name, number, SIREN, reference or amount")
    sp.add_argument("text", metavar="TEXT", help="e.g. a name, FA-2025-0042, 552100554 or '1 234,56'")
    sp.add_argument("--org", help="organization short name (may be left out when there is only one)")
    json_flag(sp)
