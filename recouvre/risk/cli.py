"""``recouvre risk train|predict``: the late-payment model of an organization, from the command line;
``recouvre risk score|check``: the customers' payment-behaviour scores and the order check (``recouvre.risk.credit``).

Thin: the history is read by ``recouvre.risk.selectors``, the model is ``recouvre.core.prediction``. ``--as-of``
is the day of the prediction (default today): nothing dated after it is read. With too little history the
commands say so (``note``) and give the customer-mean baseline. Exit 0 done, 2 usage (a bad date, an unknown
organization). ``risk check`` exits 1 for an unknown customer (a refusal of the order is an answer, exit 0)."""

from __future__ import annotations

import argparse
from collections.abc import Callable
from datetime import date
from typing import Any

from django.utils.translation import gettext as _

from recouvre.cliutil import EXIT_OK, customer_by_ref, emit_json, parse_cli_amount, parse_cli_date, refused, resolve_org


def _percent(x: float | None) -> str:
    return "-" if x is None else f"{x:.3f}"


def cmd_risk_train(args: argparse.Namespace) -> int:
    from recouvre.risk.prediction import train, training_report

    org = resolve_org(args.org)
    report = training_report(train(org, args.as_of or date.today()))
    if args.json:
        emit_json(report)
        return EXIT_OK
    if report["note"]:
        print(report["note"])
    print(
        _("Trained on %(trained)d invoice snapshots, validated on %(validated)d later ones.")
        % {"trained": report["trained_on"], "validated": report["validated_on"]}
    )
    print(
        _("AUC %(auc)s (baseline %(baseline_auc)s), Brier score %(brier)s (baseline %(baseline_brier)s)")
        % {k: _percent(report[k]) for k in ("auc", "baseline_auc", "brier", "baseline_brier")}
    )
    print(
        _("Payment date: mean error %(mae)s days (baseline %(baseline)s)")
        % {"mae": _percent(report["mae_days"]), "baseline": _percent(report["baseline_mae_days"])}
    )
    return EXIT_OK


def cmd_risk_predict(args: argparse.Namespace) -> int:
    from django.utils import timezone

    from recouvre.risk.prediction import outlook, predictions_report
    from recouvre.risk.services import remember_predictions

    org = resolve_org(args.org)
    today = timezone.localdate()
    result = outlook(org, args.as_of or today)
    report = predictions_report(result)
    # Today's predictions are kept for the worklist's priority; a past day's are not (they would replace today's).
    report["stored"] = result.as_of == today
    if report["stored"]:
        remember_predictions(org, result)
    if args.json:
        emit_json(report)
        return EXIT_OK
    if report["note"]:
        print(report["note"])
    for line in report["invoices"]:
        print(
            f"{line['number']:<20} {line['customer_ref']:<16} {line['p_late']:>6.0%} "
            f"{line['expected_payment_date']}  {'; '.join(line['reasons'])}"
        )
    return EXIT_OK


def cmd_risk_score(args: argparse.Namespace) -> int:
    from recouvre.risk.credit import recompute_scores, score_report

    org = resolve_org(args.org)
    ids = None
    if args.customer:
        customer, missing = customer_by_ref(org, args.customer)
        if customer is None:
            return refused(args.json, [missing])
        ids = [customer.pk]
    recompute_scores(org, args.as_of or date.today(), customer_ids=ids)
    report = score_report(org, ids)
    if args.json:
        emit_json({"organization": org.slug, "customers": report})
        return EXIT_OK
    for row in report:
        print(f"{row['score']:>3}  {row['customer_ref']:<16} {row['customer_name']}")
        if args.customer:
            for c in row["components"]:
                print(f"     {c['points']:>5} / {c['max_points']:<3} {c['text']}")
    return EXIT_OK


def cmd_risk_check(args: argparse.Namespace) -> int:
    from recouvre.risk.credit import check_order

    org = resolve_org(args.org)
    customer, missing = customer_by_ref(org, args.customer)
    if customer is None:
        return refused(args.json, [missing])
    if args.amount <= 0:
        return refused(args.json, [_("the order amount must be more than zero")])
    result = check_order(org, customer, args.amount, today=args.as_of or date.today())
    if args.json:
        emit_json({"customer": customer.ref, "currency": org.currency, **result.as_dict()})
        return EXIT_OK
    labels = {"accept": _("Accept"), "review": _("Review"), "refuse": _("Refuse")}
    print(f"{labels[result.decision.value]} — {customer.name} ({customer.ref})")
    if result.deposit is not None:
        print(
            _("Accept with a deposit of %(deposit)s %(currency)s (%(percent)d%% of the order).")
            % {"deposit": result.deposit, "currency": org.currency, "percent": result.deposit_percent}
        )
    for reason in result.reasons:
        print(f"  - {reason.text}")
    return EXIT_OK


def cmd_risk_settings(args: argparse.Namespace) -> int:
    from recouvre.ledger.actors import CLI
    from recouvre.risk.credit import ThresholdsRefused, save_thresholds

    org = resolve_org(args.org)
    try:
        after = save_thresholds(
            org,
            actor=CLI,
            review_below=args.review_below,
            refuse_below=args.refuse_below,
            warning_percent=args.warning_percent,
            deposit_from=None
            if args.deposit_from is None
            else ("" if args.deposit_from == "never" else args.deposit_from),
            deposit_percent=args.deposit_percent,
        )
    except ThresholdsRefused as exc:
        return refused(args.json, [str(exc)])
    values = {
        "review_below": after.review_below,
        "refuse_below": after.refuse_below,
        "warning_percent": after.warning_percent,
        "deposit_from": after.deposit_from or None,
        "deposit_percent": after.deposit_percent if after.deposit_from else None,
    }
    if args.json:
        emit_json({"organization": org.slug, **values})
        return EXIT_OK
    print(
        _(
            "Orders reviewed below a score of %(review_below)d, refused below %(refuse_below)d; warning at "
            "%(warning_percent)d%% of the credit limit."
        )
        % values
    )
    if after.deposit_from:
        print(
            (
                _("A deposit of %(percent)d%% of the order is proposed for orders that would be reviewed or refused.")
                if after.deposit_from == "review"
                else _("A deposit of %(percent)d%% of the order is proposed for orders that would be refused.")
            )
            % {"percent": after.deposit_percent}
        )
    return EXIT_OK


def add_commands(sub: Any, add: Callable[..., argparse.ArgumentParser], json_flag: Callable[..., None]) -> None:
    """The ``recouvre risk`` subcommands."""
    from recouvre.risk.insurance_cli import add_commands as add_insurance_commands

    risk = sub.add_parser(
        "risk", help="late-payment prediction, credit scores, order check, credit insurance"
    ).add_subparsers(dest="risk_command", required=True)
    add_insurance_commands(risk, add, json_flag)
    sp = add(
        "train",
        cmd_risk_train,
        "train the late-payment model on what was known on --as-of, with its time-ordered validation",
        risk,
    )
    sp.add_argument("--org", help="organization short name (may be left out when there is only one)")
    sp.add_argument("--as-of", type=parse_cli_date, help="the day of the training (default: today)")
    json_flag(sp)
    sp = add(
        "predict",
        cmd_risk_predict,
        "the probability that each invoice open on --as-of is paid late, its expected payment date and why",
        risk,
    )
    sp.add_argument("--org", help="organization short name (may be left out when there is only one)")
    sp.add_argument("--as-of", type=parse_cli_date, help="the day of the prediction (default: today)")
    json_flag(sp)
    sp = add(
        "score",
        cmd_risk_score,
        "compute and store every customer's payment-behaviour score (0-100), lowest first, and why",
        risk,
    )
    sp.add_argument("--org", help="organization short name (may be left out when there is only one)")
    sp.add_argument("--customer", metavar="REF", help="only this customer (its components are printed)")
    sp.add_argument("--as-of", type=parse_cli_date, help="the day of the score (default: today)")
    json_flag(sp)
    sp = add(
        "check",
        cmd_risk_check,
        "order check: accept, review or refuse an order of --amount from a customer, with the reasons",
        risk,
    )
    sp.add_argument("customer", metavar="CUSTOMER_REF", help="the customer's account")
    sp.add_argument("--amount", type=parse_cli_amount, required=True, help="the order's amount, incl. tax")
    sp.add_argument("--org", help="organization short name (may be left out when there is only one)")
    sp.add_argument("--as-of", type=parse_cli_date, help="the day of the check (default: today)")
    json_flag(sp)
    sp = add(
        "settings",
        cmd_risk_settings,
        "show or change the credit thresholds: review and refuse an order below a score, warn at a share of the limit",
        risk,
    )
    sp.add_argument("--org", help="organization short name (may be left out when there is only one)")
    sp.add_argument("--review-below", type=int, metavar="SCORE", help="review an order below this score (default 50)")
    sp.add_argument("--refuse-below", type=int, metavar="SCORE", help="refuse an order below this score (default 25)")
    sp.add_argument(
        "--warning-percent", type=int, metavar="PERCENT", help="warn at this share of the credit limit (default 80)"
    )
    sp.add_argument(
        "--deposit-from",
        choices=("never", "review", "refuse"),
        help="propose accepting against a deposit the orders that would be reviewed (or refused), or never",
    )
    sp.add_argument(
        "--deposit-percent", type=int, metavar="PERCENT", help="the deposit, in percent of the order (your choice)"
    )
    json_flag(sp)
