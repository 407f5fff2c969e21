"""``recouvre risk insurance``: credit insurance from the command line, as on the web.

- ``policy add --insurer NAME --number N --extension-days D [--declaration-days D]`` / ``policy list``;
- ``cover CUSTOMER_REF --policy N --limit AMOUNT [--currency C] [--from DATE] [--until DATE] [--extension-days D]``;
- ``uncover CUSTOMER_REF``: the customer's cover removed;
- ``declare INVOICE_NUMBER --on DATE [--reference R] [--amount A]``: the invoice leaves the deadlines;
- ``withdraw INVOICE_NUMBER``: its declaration withdrawn (recorded by mistake): back on the deadlines;
- ``export [--customer REF] [--as-of DATE] --out FILE``: the declaration data as CSV (``-`` for the standard
  output).

Exit 0 done, 1 refused (nothing written), 2 usage (a bad date, an unknown organization)."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from datetime import date
from typing import Any

from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from recouvre.cliutil import EXIT_OK, customer_by_ref, emit_json, parse_cli_amount, parse_cli_date, refused, resolve_org


def _policy_dict(p: Any) -> dict[str, Any]:
    return {
        "insurer": p.insurer,
        "number": p.number,
        "max_extension_days": p.max_extension_days,
        "declaration_days": p.declaration_days,
    }


def cmd_policy_add(args: argparse.Namespace) -> int:
    from recouvre.ledger.actors import CLI
    from recouvre.risk.insurance import InsuranceRefused, save_policy

    org = resolve_org(args.org)
    try:
        policy = save_policy(
            org,
            actor=CLI,
            insurer=args.insurer,
            number=args.number,
            max_extension_days=args.extension_days,
            declaration_days=args.declaration_days,
        )
    except InsuranceRefused as exc:
        return refused(args.json, [str(exc)])
    if args.json:
        emit_json({"ok": True, **_policy_dict(policy)})
    else:
        print(_("Policy %(number)s with %(insurer)s added.") % {"number": policy.number, "insurer": policy.insurer})
    return EXIT_OK


def cmd_policy_list(args: argparse.Namespace) -> int:
    from recouvre.risk.insurance_selectors import policies

    org = resolve_org(args.org)
    found = policies(org)
    if args.json:
        emit_json({"organization": org.slug, "policies": [_policy_dict(p) for p in found]})
        return EXIT_OK
    if not found:
        print(_("No credit insurance policy."))
    for p in found:
        print(f"{p.number:<20} {p.insurer:<24} {p.max_extension_days:>4} + {p.declaration_days}")
    return EXIT_OK


def cmd_cover(args: argparse.Namespace) -> int:
    from recouvre.ledger.actors import CLI
    from recouvre.risk.insurance import InsuranceRefused, set_cover
    from recouvre.risk.models import InsurancePolicy

    org = resolve_org(args.org)
    customer, error = customer_by_ref(org, args.customer)
    if customer is None:
        return refused(args.json, [error])
    policy = InsurancePolicy.objects.filter(organization=org, number=args.policy).first()
    if policy is None:
        return refused(args.json, [_("no credit insurance policy numbered %(number)r") % {"number": args.policy}])
    try:
        cover = set_cover(
            org,
            customer,
            actor=CLI,
            policy=policy,
            limit=args.limit,
            currency=args.currency,
            starts_on=args.starts_on,
            ends_on=args.ends_on,
            max_extension_days=args.extension_days,
        )
    except InsuranceRefused as exc:
        return refused(args.json, [str(exc)])
    data = {
        "customer": customer.ref,
        "policy": policy.number,
        "insurer": policy.insurer,
        "limit": str(cover.limit),
        "currency": cover.currency,
        "starts_on": cover.starts_on.isoformat() if cover.starts_on else None,
        "ends_on": cover.ends_on.isoformat() if cover.ends_on else None,
        "max_extension_days": cover.max_extension_days,
    }
    if args.json:
        emit_json({"ok": True, **data})
    else:
        print(
            _("%(customer)s covered by %(insurer)s (policy %(policy)s) up to %(limit)s %(currency)s.")
            % {k: data[k] for k in ("customer", "insurer", "policy", "limit", "currency")}
        )
    return EXIT_OK


def cmd_uncover(args: argparse.Namespace) -> int:
    from recouvre.ledger.actors import CLI
    from recouvre.risk.insurance import remove_cover

    org = resolve_org(args.org)
    customer, error = customer_by_ref(org, args.customer)
    if customer is None:
        return refused(args.json, [error])
    if not remove_cover(org, customer, actor=CLI):
        return refused(args.json, [_("%(ref)s has no credit insurance cover.") % {"ref": customer.ref}])
    if args.json:
        emit_json({"ok": True, "customer": customer.ref})
    else:
        print(_("Credit insurance cover of %(ref)s removed.") % {"ref": customer.ref})
    return EXIT_OK


def cmd_withdraw(args: argparse.Namespace) -> int:
    from recouvre.ledger.actors import CLI
    from recouvre.risk.insurance import InsuranceRefused, withdraw_declaration

    org = resolve_org(args.org)
    invoice, error = _invoice(org, args.invoice)
    if invoice is None:
        return refused(args.json, [error])
    try:
        d = withdraw_declaration(org, invoice, actor=CLI)
    except InsuranceRefused as exc:
        return refused(args.json, [str(exc)])
    if args.json:
        emit_json({"ok": True, "invoice": invoice.number, "declared_on": d.declared_on.isoformat()})
    else:
        print(
            _("Declaration of invoice %(number)s of %(date)s withdrawn.")
            % {"number": invoice.number, "date": d.declared_on.isoformat()}
        )
    return EXIT_OK


def _invoice(org: Any, number: str) -> tuple[Any, str]:
    from recouvre.ledger.models import Invoice

    invoice = Invoice.objects.select_related("customer").filter(organization=org, number=number).first()
    return invoice, _("no invoice numbered %(number)r in %(org)s") % {"number": number, "org": org.slug}


def cmd_declare(args: argparse.Namespace) -> int:
    from recouvre.ledger.actors import CLI
    from recouvre.risk.insurance import InsuranceRefused, declare

    org = resolve_org(args.org)
    invoice, error = _invoice(org, args.invoice)
    if invoice is None:
        return refused(args.json, [error])
    try:
        d = declare(org, invoice, actor=CLI, declared_on=args.on, reference=args.reference, amount=args.amount)
    except InsuranceRefused as exc:
        return refused(args.json, [str(exc)])
    if args.json:
        emit_json(
            {
                "ok": True,
                "invoice": invoice.number,
                "declared_on": d.declared_on.isoformat(),
                "reference": d.reference,
                "amount": str(d.amount),
                "currency": invoice.currency,
            }
        )
    else:
        print(
            _("Invoice %(number)s declared on %(date)s for %(amount)s %(currency)s.")
            % {
                "number": invoice.number,
                "date": d.declared_on.isoformat(),
                "amount": d.amount,
                "currency": invoice.currency,
            }
        )
    return EXIT_OK


def cmd_export(args: argparse.Namespace) -> int:
    from recouvre.risk.insurance_export import declaration_items, write_csv

    org = resolve_org(args.org)
    customer_id = None
    if args.customer:
        customer, error = customer_by_ref(org, args.customer)
        if customer is None:
            return refused(args.json, [error])
        customer_id = customer.pk
    items = declaration_items(org, args.as_of or date.today(), customer_id=customer_id)
    if args.out == "-":
        write_csv(sys.stdout, items)
    else:
        try:
            with open(args.out, "w", newline="", encoding="utf-8") as f:
                write_csv(f, items)
        except OSError as exc:
            return refused(
                args.json, [_("cannot write %(path)s: %(error)s") % {"path": args.out, "error": exc.strerror}]
            )
    if args.json and args.out != "-":
        emit_json({"ok": True, "rows": len(items), "out": args.out})
    elif args.out != "-":
        print(
            ngettext("%(count)d invoice written to %(path)s.", "%(count)d invoices written to %(path)s.", len(items))
            % {"count": len(items), "path": args.out}
        )
    return EXIT_OK


def _days(text: str) -> int:
    try:
        value = int(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(_("not a number of days: %(text)r") % {"text": text}) from exc
    if value < 0:
        raise argparse.ArgumentTypeError(_("a number of days cannot be negative"))
    return value


def add_commands(risk: Any, add: Callable[..., argparse.ArgumentParser], json_flag: Callable[..., None]) -> None:
    """``recouvre risk insurance ...`` under the ``risk`` subparsers."""
    ins = risk.add_parser("insurance", help="credit insurance: policies, covers, declarations").add_subparsers(
        dest="insurance_command", required=True
    )
    pol = ins.add_parser("policy", help="the organization's credit insurance policies").add_subparsers(
        dest="policy_command", required=True
    )
    sp = add("add", cmd_policy_add, "add a credit insurance policy", pol)
    sp.add_argument("--insurer", required=True, help="the insurer's name")
    sp.add_argument("--number", required=True, help="the policy number")
    sp.add_argument(
        "--extension-days", type=_days, required=True, help="maximum extension period after the due date, in days"
    )
    sp.add_argument("--declaration-days", type=_days, default=0, help="further days to declare after it (default 0)")
    sp.add_argument("--org", help="organization short name (may be left out when there is only one)")
    json_flag(sp)
    sp = add("list", cmd_policy_list, "list the credit insurance policies", pol)
    sp.add_argument("--org", help="organization short name (may be left out when there is only one)")
    json_flag(sp)
    sp = add("cover", cmd_cover, "set a customer's credit insurance cover (insured limit)", ins)
    sp.add_argument("customer", metavar="CUSTOMER_REF", help="the customer's account")
    sp.add_argument("--policy", required=True, metavar="NUMBER", help="the policy number")
    sp.add_argument("--limit", type=parse_cli_amount, required=True, help="the insured limit (agrément)")
    sp.add_argument("--currency", help="the limit's currency (default: the organization's)")
    sp.add_argument("--from", dest="starts_on", type=parse_cli_date, help="covers invoices issued from this day")
    sp.add_argument("--until", dest="ends_on", type=parse_cli_date, help="covers invoices issued until this day")
    sp.add_argument("--extension-days", type=_days, help="this customer's own extension period, in days")
    sp.add_argument("--org", help="organization short name (may be left out when there is only one)")
    json_flag(sp)
    sp = add("uncover", cmd_uncover, "remove a customer's credit insurance cover", ins)
    sp.add_argument("customer", metavar="CUSTOMER_REF", help="the customer's account")
    sp.add_argument("--org", help="organization short name (may be left out when there is only one)")
    json_flag(sp)
    sp = add("withdraw", cmd_withdraw, "withdraw an invoice's declaration to the insurer (back on the deadlines)", ins)
    sp.add_argument("invoice", metavar="INVOICE_NUMBER", help="the invoice's number")
    sp.add_argument("--org", help="organization short name (may be left out when there is only one)")
    json_flag(sp)
    sp = add("declare", cmd_declare, "record an invoice declared to the insurer (it leaves the deadlines)", ins)
    sp.add_argument("invoice", metavar="INVOICE_NUMBER", help="the invoice's number")
    sp.add_argument("--on", type=parse_cli_date, required=True, help="the day of the declaration")
    sp.add_argument("--reference", default="", help="the insurer's reference of the declaration")
    sp.add_argument("--amount", type=parse_cli_amount, help="the amount declared (default: the open amount)")
    sp.add_argument("--org", help="organization short name (may be left out when there is only one)")
    json_flag(sp)
    sp = add("export", cmd_export, "the declaration data of the overdue covered invoices, as CSV", ins)
    sp.add_argument("--customer", metavar="REF", help="only this customer")
    sp.add_argument("--as-of", type=parse_cli_date, help="the day of the export (default: today)")
    sp.add_argument("--out", required=True, metavar="FILE", help="the CSV file to write (- for the standard output)")
    sp.add_argument("--org", help="organization short name (may be left out when there is only one)")
    json_flag(sp)
