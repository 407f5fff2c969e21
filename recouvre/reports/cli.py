"""``recouvre report aging [--currency CUR] [--json | --csv | --xlsx FILE]``: the aged balance of every currency
(the organization's first), or of one currency. Thin: the figures are ``selectors.aged_balances``, the formats
``exports``."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Any

from django.utils.translation import gettext as _

from recouvre.cliutil import EXIT_OK, UsageError, emit_json, parse_cli_date, resolve_org


def _currency(text: str | None) -> str | None:
    """The ``--currency`` code, upper-cased; a usage error when it is not an ISO 4217 code."""
    from recouvre.core.money import AmountError, parse_known_currency

    if text is None:
        return None
    try:
        return parse_known_currency(text)
    except AmountError as exc:
        raise UsageError(_("--currency: %(error)s") % {"error": exc}) from exc


def cmd_report_aging(args: argparse.Namespace) -> int:
    from recouvre.core.aging import aged_balances_as_dict
    from recouvre.reports import exports
    from recouvre.reports.selectors import aged_balances

    currency = _currency(args.currency)
    org = resolve_org(args.org)
    as_of = args.as_of or date.today()
    reports = aged_balances(org, as_of, currency=currency)
    if args.json:
        emit_json(aged_balances_as_dict(reports))
    elif args.csv:
        exports.write_aging_csv(sys.stdout, reports)
    elif args.xlsx:
        Path(args.xlsx).write_bytes(exports.aging_xlsx(reports))
        print(_("Aged balance written to %(file)s") % {"file": args.xlsx})
    else:
        exports.print_aging(reports)
    return EXIT_OK


def cmd_report_forecast(args: argparse.Namespace) -> int:
    from recouvre.risk.prediction import forecast_report, outlook

    org = resolve_org(args.org)
    currency = _currency(args.currency) or org.currency
    report = forecast_report(outlook(org, args.as_of or date.today()), currency)
    if args.json:
        emit_json(report)
        return EXIT_OK
    if report["note"]:
        print(report["note"])
    print(
        _("Expected cash-in (%(currency)s), 90%% interval:") % {"currency": currency}
        if report["interval"] != "none"
        else _("Expected cash-in (%(currency)s), no interval (no validation):") % {"currency": currency}
    )
    for week in report["weeks"]:
        print(f"{week['starts_on']} - {week['ends_on']}  {week['expected']:>14}  [{week['low']} - {week['high']}]")
    print(_("Later: %(amount)s") % {"amount": report["later"]})
    return EXIT_OK


def add_commands(report: Any, add: Callable[..., argparse.ArgumentParser]) -> None:
    """The ``recouvre report`` subcommands."""
    sp = add(
        "aging",
        cmd_report_aging,
        "aged balance (balance âgée): the organization's currency, then each other currency with open items",
        report,
    )
    sp.add_argument("--as-of", type=parse_cli_date)
    sp.add_argument("--org")
    sp.add_argument(
        "--currency", metavar="CUR", help="only this currency (ISO code, e.g. USD); default: every currency"
    )
    fmt = sp.add_mutually_exclusive_group()
    fmt.add_argument("--json", action="store_true")
    fmt.add_argument("--csv", action="store_true")
    fmt.add_argument("--xlsx", metavar="FILE", help="write an XLSX workbook to FILE")
    sp = add(
        "forecast",
        cmd_report_forecast,
        "13-week cash-in forecast from the open invoices' expected payment dates, with a 90%% interval",
        report,
    )
    sp.add_argument("--as-of", type=parse_cli_date)
    sp.add_argument("--org")
    sp.add_argument("--currency", metavar="CUR", help="the invoices in this currency (default: the organization's)")
    sp.add_argument("--json", action="store_true")
