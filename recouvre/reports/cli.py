"""``recouvre report aging [--currency CUR] [--json | --csv | --xlsx FILE]``: the aged balance of every currency
(the organization's first), or of one currency. ``recouvre report kpis``: DSO, CEI and the other credit KPIs
(LEGAL-FR §9) as of a date, with a monthly series. ``recouvre report dashboard``: the dashboard's other figures.
Thin: the figures are ``selectors.aged_balances`` and
``kpis.kpi_reports``, the formats ``exports`` and ``kpi_exports``."""

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


def _kpi_scope(org: Any, args: argparse.Namespace) -> dict[str, Any]:
    """``--segment``, ``--collector USERNAME`` and ``--customer REF`` as ``kpi_reports`` arguments; an unknown
    collector or customer is a usage error."""
    from django.contrib.auth import get_user_model

    from recouvre.ledger.models import Customer

    scope: dict[str, Any] = {}
    if args.segment:
        scope["segment"] = args.segment
    if args.collector:
        user = get_user_model().objects.filter(username=args.collector).first()
        if user is None:
            raise UsageError(_("--collector: no user named %(name)r") % {"name": args.collector})
        scope["collector_id"] = user.pk
    if args.customer:
        customer = Customer.objects.filter(organization=org, ref=args.customer).first()
        if customer is None:
            raise UsageError(_("--customer: no customer with the account %(ref)r") % {"ref": args.customer})
        scope["customer_id"] = customer.pk
    return scope


def cmd_report_kpis(args: argparse.Namespace) -> int:
    from recouvre.core.kpis import DayBasis, Period
    from recouvre.reports import kpi_exports
    from recouvre.reports.kpis import kpi_reports

    if not 1 <= args.months <= 120:
        raise UsageError(_("--months: give a number of months from 1 to 120"))
    currency = _currency(args.currency)
    org = resolve_org(args.org)
    as_of = args.as_of or date.today()
    scope = _kpi_scope(org, args)
    reports = kpi_reports(
        org,
        as_of,
        period=Period(args.period),
        months=args.months,
        currency=currency,
        by=args.by,
        basis=DayBasis(args.days),
        cei_monthly_sales=args.cei_monthly_sales,
        **scope,
    )
    if args.json:
        emit_json(kpi_exports.as_json(reports))
    elif args.csv:
        kpi_exports.write_csv(sys.stdout, reports)
    else:
        kpi_exports.print_kpis(reports)
    return EXIT_OK


def cmd_report_dashboard(args: argparse.Namespace) -> int:
    """The dashboard's figures besides the KPIs (``report kpis``): cash collected per week over 13 weeks, the aged
    balance by segment, and the collectors' results of the month ending ``--as-of``."""
    from recouvre.core.kpis import period_start
    from recouvre.reports import dashboard

    org = resolve_org(args.org)
    currency = _currency(args.currency) or org.currency
    as_of = args.as_of or date.today()
    start = period_start(as_of, 1)
    weeks = dashboard.weekly_collected(org, as_of, currency)
    segments = dashboard.aged_by_segment(org, as_of, currency)
    collectors = dashboard.collectors_results(org, start, as_of, currency)
    data = {
        "as_of": as_of.isoformat(),
        "currency": currency,
        "weeks": [{"starts_on": d.isoformat(), "collected": str(a)} for d, a in weeks],
        "segments": [
            {"segment": s.segment, **{k: str(v) for k, v in s.buckets.items()}, "total": str(s.total)} for s in segments
        ],
        "collectors": {
            "period_start": start.isoformat(),
            "period_end": as_of.isoformat(),
            "results": [
                {
                    "collector_id": r.collector_id,
                    "name": r.name,
                    "collected": str(r.collected),
                    "promises_kept": r.promises_kept,
                    "promises_broken": r.promises_broken,
                    "tasks_done": r.tasks_done,
                }
                for r in collectors
            ],
        },
    }
    if args.json:
        emit_json(data)
        return EXIT_OK
    print(_("Cash collected per week (%(currency)s):") % {"currency": currency})
    for w in data["weeks"]:
        print(f"  {w['starts_on']}  {w['collected']:>14}")
    print(_("Aged balance by segment (%(currency)s):") % {"currency": currency})
    for seg in segments:
        cells = "  ".join(f"{v:>12}" for v in seg.buckets.values())
        print(f"  {seg.label:<14} {cells}  {seg.total:>14}")
    print(_("Collectors' results, %(start)s to %(end)s:") % {"start": start.isoformat(), "end": as_of.isoformat()})
    for r in collectors:
        print(
            "  "
            + _("%(name)s: %(collected)s collected, %(kept)s promises kept, %(broken)s broken, %(tasks)s tasks done")
            % {
                "name": r.name,
                "collected": r.collected,
                "kept": r.promises_kept,
                "broken": r.promises_broken,
                "tasks": r.tasks_done,
            }
        )
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

    sp = add(
        "kpis",
        cmd_report_kpis,
        "credit KPIs as of a date (DSO simple and count-back, best possible DSO, ADD, CEI, overdue, disputes, "
        "payment delay, collected), with a monthly series; one set per currency, the organization's first",
        report,
    )
    sp.add_argument(
        "--as-of", type=parse_cli_date, help="the books as they stood at the end of that day (default: today)"
    )
    sp.add_argument("--org")
    sp.add_argument(
        "--period",
        choices=["month", "quarter", "year"],
        default="month",
        help="the trailing period ending on each date whose sales the KPIs use (default: month)",
    )
    sp.add_argument(
        "--months", type=int, default=12, help="points of the monthly series, the last one --as-of (default: 12)"
    )
    sp.add_argument("--by", choices=["segment", "collector", "customer"], help="also break the KPIs down by this")
    sp.add_argument("--segment", choices=["strategic", "standard", "small"], help="only the customers of a segment")
    sp.add_argument("--collector", metavar="USERNAME", help="only the customers of this collector")
    sp.add_argument("--customer", metavar="REF", help="only this customer (account reference)")
    sp.add_argument("--currency", metavar="CUR", help="only this currency (ISO code); default: every currency")
    sp.add_argument(
        "--days",
        choices=["actual", "360"],
        default="actual",
        help="day count: calendar days (default) or 30 days a month, 360 a year",
    )
    sp.add_argument(
        "--cei-monthly-sales",
        action="store_true",
        help="CEI with the period's sales divided by its months (Credit Research Foundation form)",
    )
    fmt = sp.add_mutually_exclusive_group()
    fmt.add_argument("--json", action="store_true")
    fmt.add_argument("--csv", action="store_true")

    sp = add(
        "dashboard",
        cmd_report_dashboard,
        "the dashboard's figures besides the KPIs: cash collected per week (13 weeks), aged balance by segment, "
        "collectors' results of the month",
        report,
    )
    sp.add_argument("--as-of", type=parse_cli_date, help="default: today")
    sp.add_argument("--org")
    sp.add_argument("--currency", metavar="CUR", help="this currency (ISO code; default: the organization's)")
    sp.add_argument("--json", action="store_true")
