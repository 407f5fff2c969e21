"""``recouvre interest`` (the late-payment interest calculator), ``recouvre rates import FILE`` and
``recouvre rates list``. Thin: the computation is ``recouvre.core.interest``, the tables ``selectors.rate_tables``."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from recouvre.cliutil import EXIT_OK, EXIT_REFUSED, UsageError, emit_json, parse_cli_amount, parse_cli_date
from recouvre.core.interest import (
    BelowFloor,
    Claim,
    ClaimError,
    DayCount,
    InterestResult,
    Options,
    Reduction,
    ReductionKind,
    Regime,
    compute,
    rate_text,
)
from recouvre.core.raterules import ContractRate, describe_rule, parse_contract_rate
from recouvre.core.ratetables import Creditor, MissingRateError, RateError, RateFileError, RateKind


def parse_cli_rate(text: str) -> Decimal:
    from recouvre.core.money import AmountError, parse_amount

    try:
        return parse_amount(text.strip().rstrip("%"), decimals=4)
    except AmountError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from exc


def parse_cli_contract_rate(text: str) -> ContractRate | None:
    try:
        return parse_contract_rate(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from exc


def _dated_amount(kind: ReductionKind) -> Callable[[str], Reduction]:
    def parse(text: str) -> Reduction:
        day, sep, amount = text.partition(":")
        if not sep:
            raise argparse.ArgumentTypeError(
                _("expected DATE:AMOUNT, e.g. 2025-05-02:5000, got %(text)r") % {"text": text}
            )
        return Reduction(parse_cli_date(day), parse_cli_amount(amount), kind)

    return parse


def cmd_interest(args: argparse.Namespace) -> int:
    from .selectors import rate_tables

    claim = Claim(
        amount=args.amount,
        due_on=args.due,
        regime=Regime(args.regime),
        reductions=tuple(sorted(args.payment + args.credit_note, key=lambda r: (r.on, r.kind))),
        contract_rate=args.contract_rate,
        notice_on=args.notice_date,
        judgment_enforceable_on=args.judgment_date,
        creditor=Creditor(args.creditor),
        extra_costs=args.extra_costs,
    )
    options = Options(
        day_count=DayCount(args.day_count),
        rate_frozen_at_start=args.rate_frozen_at_start,
        below_floor=BelowFloor(args.below_floor),
        count_start_day=args.count_start_day,
    )
    until: date = args.until or timezone.localdate()
    try:
        result = compute(claim, until, rate_tables(), options, strict=args.strict)
    except (ClaimError, RateError) as exc:
        if args.json:
            error: dict[str, Any] = {"error": str(exc)}
            if isinstance(exc, MissingRateError):
                error.update({"table": str(exc.kind), "half_year": str(exc.half_year)})
            emit_json(error)
        print(_("recouvre: refused: %(error)s") % {"error": exc}, file=sys.stderr)
        return EXIT_REFUSED
    if args.json:
        emit_json(result.as_dict(translation.get_language() or "en"))
    else:
        print_result(claim, until, result)
    return EXIT_OK


def print_result(claim: Claim, until: date, result: InterestResult) -> None:
    print(
        _("Invoice of %(amount)s due %(due)s, %(regime)s, to %(until)s")
        % {"amount": claim.amount, "due": claim.due_on.isoformat(), "regime": claim.regime, "until": until.isoformat()}
    )
    if result.periods:
        headers = (
            pgettext("interest period", "From"),
            pgettext("interest period", "To"),
            pgettext("interest period", "Days"),
            pgettext("interest period", "Base"),
            pgettext("interest period", "Rate %"),
            pgettext("interest period", "Interest"),
        )
        rows = [
            (
                p.start.isoformat(),
                p.end.isoformat(),
                str(p.days),
                f"{p.base:.2f}",
                rate_text(p.rate),
                str(p.interest_cents),
            )
            for p in result.periods
        ]
        widths = [max(len(h), *(len(r[i]) for r in rows)) for i, h in enumerate(headers)]
        print(
            "  ".join(h.ljust(w) if i < 2 else h.rjust(w) for i, (h, w) in enumerate(zip(headers, widths, strict=True)))
        )
        for r in rows:
            print(
                "  ".join(c.ljust(w) if i < 2 else c.rjust(w) for i, (c, w) in enumerate(zip(r, widths, strict=True)))
            )
    elif not result.open_periods:
        print(_("No day of delay bears interest."))
    language = translation.get_language() or "en"
    for period in result.open_periods:
        print(
            _("%(start)s to %(end)s, %(days)d days on %(base)s: to be completed, %(rule)s")
            % {
                "start": period.start.isoformat(),
                "end": period.end.isoformat(),
                "days": period.days,
                "base": f"{period.base:.2f}",
                "rule": describe_rule(period.rule, period.start, language),
            }
        )
    pending = "" if result.complete else " " + _("(to be completed)")
    lines = [
        (_("Principal"), result.principal),
        (_("Interest") + pending, result.interest),
        (_("Indemnity"), result.indemnity),
    ]
    if result.extra_costs:
        lines.append((_("Extra recovery costs"), result.extra_costs))
    lines.append((_("Total") + pending, result.total))
    width = max(len(label) for label, _amount in lines)
    for label, amount in lines:
        print(f"{label.ljust(width)}  {amount:>12.2f}")
    if result.periods:
        print(_("Interest is rounded once, on the exact sum of the periods (each period is shown to the cent)."))
    for note in result.notes:
        print(f"- {note.message}")
    for kind, half_year in result.missing:
        print(
            _("- the %(table)s of %(half_year)s is missing: when it is published, add it with `%(command)s`")
            % {
                "table": _("ECB rate") if kind is RateKind.ECB else _("legal interest rate"),
                "half_year": half_year.label,
                "command": "recouvre rates update" if kind is RateKind.ECB else "recouvre rates import",
            }
        )


def cmd_rates_import(args: argparse.Namespace) -> int:
    from .services import import_rates

    path = Path(args.file)
    if not path.is_file():
        raise UsageError(_("%(path)s: no such file") % {"path": path})
    if args.reference and len(args.reference) > 200:
        raise UsageError(_("--reference: at most 200 characters"))
    try:
        done = import_rates(str(path), RateKind(args.kind) if args.kind else None, reference=args.reference or "")
    except RateFileError as exc:
        if args.json:
            emit_json({"file": str(path), "imported": False, "errors": [p.as_dict() for p in exc.problems]})
        print(_("%(file)s: refused, nothing was written:") % {"file": path}, file=sys.stderr)
        for problem in exc.problems:
            print(f"  {problem}", file=sys.stderr)
        return EXIT_REFUSED
    if args.json:
        emit_json({**done.as_dict(), "imported": True, "errors": []})
    else:
        print(
            _("%(file)s: %(kind)s rates, %(created)d added, %(updated)d changed, %(unchanged)d already there")
            % {
                "file": path,
                "kind": _("ECB") if done.kind is RateKind.ECB else _("legal interest"),
                "created": done.created,
                "updated": done.updated,
                "unchanged": done.unchanged,
            }
        )
    return EXIT_OK


def cmd_rates_update(args: argparse.Namespace) -> int:
    from .ratesupdate import RatesUpdateError, update_rates

    try:
        done = update_rates(timezone.localdate())
    except RatesUpdateError as exc:
        if args.json:
            emit_json({"updated": False, "error": str(exc)})
        print(_("recouvre: ECB rates not updated, nothing was written: %(error)s") % {"error": exc}, file=sys.stderr)
        return EXIT_REFUSED
    if args.json:
        emit_json({"updated": True, **done.as_dict()})
    elif done.added:
        for day, rate in done.added:
            print(_("ECB rate %(rate)s %% from %(day)s added") % {"rate": rate, "day": day.isoformat()})
        if done.half_years:
            print(_("Settled: %(half_years)s") % {"half_years": ", ".join(h.label for h in done.half_years)})
    else:
        print(_("The ECB rate tables are up to date: nothing to add."))
    return EXIT_OK


def cmd_rates_list(args: argparse.Namespace) -> int:
    from .selectors import rate_rows

    kinds = [RateKind(args.kind)] if args.kind else [RateKind.ECB, RateKind.LEGAL]
    rows = {kind: rate_rows(kind) for kind in kinds}
    if args.json:
        emit_json({str(kind): [r.as_dict() for r in rows[kind]] for kind in kinds})
        return EXIT_OK
    for kind in kinds:
        if kind is RateKind.ECB:
            print(_("ECB main refinancing rate (in force from the date; known up to the last row)"))
            for r in rows[kind]:
                print(f"  {r.start.isoformat()}  {rate_text(r.rate):>6} %  {r.source}")
        else:
            print(_("Legal interest rate: all other cases / natural persons not acting for professional needs"))
            for r in rows[kind]:
                assert r.individuals is not None
                print(
                    f"  {r.start.isoformat()} - {r.end}  {rate_text(r.rate):>6} %  {rate_text(r.individuals):>6} %"
                    f"  {r.source}"
                )
    return EXIT_OK


def cmd_org_contract_rate(args: argparse.Namespace) -> int:
    from recouvre.cliutil import resolve_org
    from recouvre.ledger.cli import contract_rate_spec

    from .services import set_penalty_terms

    org = resolve_org(args.org)
    spec = None
    if args.rate is not None:
        try:
            spec = contract_rate_spec(args.rate)
        except ValueError as exc:
            if args.json:
                emit_json({"ok": False, "error": str(exc)})
            print(_("recouvre: refused: %(error)s") % {"error": exc}, file=sys.stderr)
            return EXIT_REFUSED
        spec = "" if spec == "none" else spec
    settings = set_penalty_terms(org, contract_rate=spec, below_floor=args.below_floor)
    out = {"ok": True, "org": org.slug, "contract_rate": settings.contract_rate, "below_floor": settings.below_floor}
    if args.json:
        emit_json(out)
    else:
        print(
            _("%(org)s: contractual penalty rate %(rate)s; below 3 x the legal interest rate: %(reading)s")
            % {
                "org": org.slug,
                "rate": settings.contract_rate or _("none (the statutory rate, ECB + 10 points)"),
                "reading": _("the statutory rate applies") if settings.below_floor == "statutory" else _("the floor"),
            }
        )
    return EXIT_OK


def add_org_commands(org: Any, add: Callable[..., argparse.ArgumentParser], json_flag: Callable[..., None]) -> None:
    sp = add(
        "contract-rate",
        cmd_org_contract_rate,
        "the organization's contractual late-payment rate (shown when no RATE is given)",
        org,
    )
    sp.add_argument(
        "rate",
        nargs="?",
        metavar="RATE",
        help="12.5 (percent), 3xlegal (3 x the legal interest rate), ecb+7 (ECB rate + 7 points), or none",
    )
    sp.add_argument("--org", help="organization short name (may be left out when there is only one)")
    sp.add_argument(
        "--below-floor",
        choices=[b.value for b in BelowFloor],
        help="a rate below 3 x the legal interest rate: the statutory rate applies (default) or the floor; the law "
        "does not settle the point",
    )
    json_flag(sp)


def add_commands(sub: Any, add: Callable[..., argparse.ArgumentParser], json_flag: Callable[..., None]) -> None:
    sp = add(
        "interest",
        cmd_interest,
        "late-payment interest and the 40 EUR indemnity of one invoice (French law, see docs/interest.md)",
    )
    sp.add_argument("--amount", type=parse_cli_amount, required=True, help="amount including tax")
    sp.add_argument("--due", type=parse_cli_date, required=True, metavar="DATE", help="due date printed on the invoice")
    sp.add_argument(
        "--until", type=parse_cli_date, metavar="DATE", help="last day of interest: the day paid (default: today)"
    )
    sp.add_argument(
        "--payment",
        type=_dated_amount(ReductionKind.PAYMENT),
        action="append",
        default=[],
        metavar="DATE:AMOUNT",
        help="a payment received (reduces the base from the next day); repeat for several",
    )
    sp.add_argument(
        "--credit-note",
        type=_dated_amount(ReductionKind.CREDIT_NOTE),
        action="append",
        default=[],
        metavar="DATE:AMOUNT",
        help="a credit note (reduces the base from its date); repeat for several",
    )
    sp.add_argument("--regime", choices=[r.value for r in Regime], default=Regime.B2B.value)
    sp.add_argument(
        "--contract-rate",
        type=parse_cli_contract_rate,
        metavar="RATE",
        help="b2b: contractual rate: a rate in percent (12.5), a multiple of the legal interest rate (3xlegal) or "
        "the ECB rate plus points (ecb+7)",
    )
    sp.add_argument(
        "--notice-date", type=parse_cli_date, metavar="DATE", help="b2c, civil: date of the mise en demeure"
    )
    sp.add_argument(
        "--judgment-date",
        type=parse_cli_date,
        metavar="DATE",
        help="b2c, civil: day the judgment became enforceable (+5 points)",
    )
    sp.add_argument(
        "--creditor",
        choices=[c.value for c in Creditor],
        default=Creditor.PROFESSIONAL.value,
        help="civil: whose legal rate applies (default professional: 'all other cases')",
    )
    sp.add_argument(
        "--extra-costs",
        type=parse_cli_amount,
        default=Decimal("0.00"),
        metavar="AMOUNT",
        help="documented recovery costs beyond 40 EUR",
    )
    sp.add_argument("--day-count", choices=[d.value for d in DayCount], default=DayCount.D365.value)
    sp.add_argument(
        "--rate-frozen-at-start",
        action="store_true",
        help="b2b: the rate of the half-year the delay started in, for the whole delay",
    )
    sp.add_argument(
        "--below-floor",
        choices=[b.value for b in BelowFloor],
        default=BelowFloor.STATUTORY.value,
        help="b2b: a contractual rate below 3 x the legal rate is not valid: the statutory rate applies to that "
        "half-year (default), or it is raised to the floor",
    )
    sp.add_argument(
        "--strict",
        action="store_true",
        help="refuse (exit 1) when a half-year's rate is missing, instead of claiming those days by their rule",
    )
    sp.add_argument(
        "--count-start-day", action="store_true", help="b2c, civil: the day of the notice or judgment bears interest"
    )
    json_flag(sp)

    rates = sub.add_parser("rates", help="ECB and legal interest rate tables").add_subparsers(
        dest="rates_command", required=True
    )
    sp = add("import", cmd_rates_import, "import official rates from a CSV file (all or nothing)", rates)
    sp.add_argument("file", metavar="FILE")
    sp.add_argument("--kind", choices=[k.value for k in RateKind], help="ecb or legal (default: from the header)")
    sp.add_argument(
        "--reference",
        metavar="TEXT",
        help="legal rates: the arrêté that fixes them, e.g. 'Arrêté du 18 juin 2026, JO du 20 juin 2026'",
    )
    json_flag(sp)
    sp = add(
        "update",
        cmd_rates_update,
        "add the ECB main refinancing rate of the half-years that have started, from the ECB Data Portal",
        rates,
    )
    json_flag(sp)
    sp = add("list", cmd_rates_list, "the rates in use, shipped or imported", rates)
    sp.add_argument("--kind", choices=[k.value for k in RateKind])
    json_flag(sp)
