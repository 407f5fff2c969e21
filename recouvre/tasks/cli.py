"""``recouvre tasks [--org SLUG] [--mine USER] [--json]``: the open tasks in worklist order.

``recouvre deadlines [--org SLUG] [--within DAYS] [--as-of DATE] [--json]``: the dated deadlines to keep
(prescription, insolvency claim declaration, court proceedings, formal notices), the earliest first."""

from __future__ import annotations

import argparse
from collections.abc import Callable
from typing import Any

from django.utils.translation import gettext as _

from recouvre.cliutil import EXIT_OK, UsageError, emit_json, parse_cli_date, resolve_org
from recouvre.core.priority import explain


def cmd_tasks(args: argparse.Namespace) -> int:
    from django.utils import timezone

    from recouvre.organizations.models import Membership

    from . import selectors
    from .texts import current as current_texts

    org = resolve_org(args.org)
    assignee = None
    if args.mine:
        membership = (
            Membership.objects.filter(organization=org, user__username=args.mine).select_related("user").first()
        )
        if membership is None:
            raise UsageError(_("%(user)r is not a member of %(org)s") % {"user": args.mine, "org": org.slug})
        assignee = membership.user
    today = timezone.localdate()
    qs = selectors.worklist(org, today, assignee=assignee)
    ranking = selectors.rank(org, today, qs)
    rows = []
    ordered = selectors.in_order(qs, ranking.ids)
    texts = current_texts(ordered, today)  # calls and escalation steps: from today's data
    for t in ordered:
        ranked = ranking.priorities[t.pk]
        rows.append(
            {
                **ranked.priority.as_dict(),
                "priority_reason": explain(ranked.priority, f"{ranked.priority.open_amount} {org.currency}"),
                "probability_basis": list(ranked.bases),
                "id": t.pk,
                "kind": t.kind,
                "title": texts[t.pk].title if t.pk in texts else t.title,
                "customer": t.customer.name,
                "customer_ref": t.customer.ref,
                "invoice": t.invoice.number if t.invoice is not None else None,
                "amount_overdue": str(selectors.amount_overdue(t)),
                "days_overdue": selectors.days_overdue(t, today),
                "step_reached": t.step_reached,
                "due_on": t.due_on.isoformat() if t.due_on else None,
                "assignee": (t.assignee.get_username() if t.assignee is not None else None),
            }
        )
    if args.json:
        emit_json(rows)
        return EXIT_OK
    if not rows:
        print(_("No open task."))
        return EXIT_OK
    header = (_("priority"), _("due"), _("customer"), _("overdue"), _("days"), _("step"), _("assigned to"), _("task"))
    table = [
        (
            r["priority"],
            r["due_on"] or "-",
            f"{r['customer_ref']} {r['customer']}",
            f"{r['amount_overdue']} {org.currency}",
            str(r["days_overdue"]),
            r["step_reached"] or "-",
            r["assignee"] or "-",
            f"#{r['id']} {r['title']}",
        )
        for r in rows
    ]
    widths = [max(len(str(row[i])) for row in (header, *table)) for i in range(len(header) - 1)]
    reasons = ["", *(r["priority_reason"] for r in rows)]
    for row, reason in zip((header, *table), reasons, strict=True):
        cells = [
            str(c).rjust(w) if i in (0, 3, 4) else str(c).ljust(w)
            for i, (c, w) in enumerate(zip(row, widths, strict=False))
        ]
        print("  ".join([*cells, str(row[-1])]))
        if reason:
            print("    " + reason)
    if ranking.predictions.as_of is None:
        print(_("No late-payment prediction stored yet: the invoices not yet due count as certain to be late."))
    elif ranking.predictions.basis == "baseline":
        print(_("Too little history for a model: the customers' share of invoices paid late is used."))
    return EXIT_OK


def cmd_deadlines(args: argparse.Namespace) -> int:
    from django.utils import timezone

    from .deadlines import gather

    org = resolve_org(args.org)
    if args.within is not None and args.within < 0:
        raise UsageError(_("--within takes a number of days, 0 or more"))
    today = args.as_of or timezone.localdate()
    rows = gather(org, today, within=args.within)
    if args.json:
        emit_json([r.as_dict() for r in rows])
        return EXIT_OK
    if not rows:
        print(_("No deadline ahead."))
        return EXIT_OK
    header = (_("date"), _("days left"), _("kind"), _("customer"), _("what to do"))
    table = [
        (
            r.deadline.due_on.isoformat(),
            str(r.days_left),
            r.deadline.kind,
            f"{r.customer_ref} {r.customer_name}",
            r.deadline.label,
        )
        for r in rows
    ]
    widths = [max(len(str(row[i])) for row in (header, *table)) for i in range(len(header) - 1)]
    for row in (header, *table):
        cells = [
            str(c).rjust(w) if i == 1 else str(c).ljust(w) for i, (c, w) in enumerate(zip(row, widths, strict=False))
        ]
        print("  ".join([*cells, str(row[-1])]))
    return EXIT_OK


def add_commands(sub: Any, add: Callable[..., argparse.ArgumentParser], json_flag: Callable[..., None]) -> None:
    sp = add("tasks", cmd_tasks, "list the open tasks of the worklist, most urgent first")
    sp.add_argument("--org", help="organization short name (may be left out when there is only one)")
    sp.add_argument("--mine", metavar="USER", help="only the tasks assigned to this user")
    json_flag(sp)
    sp = add(
        "deadlines", cmd_deadlines, "list the dated deadlines to keep (prescription, insolvency, court), earliest first"
    )
    sp.add_argument("--org", help="organization short name (may be left out when there is only one)")
    sp.add_argument("--within", type=int, metavar="DAYS", help="only those due within DAYS days (and those passed)")
    sp.add_argument("--as-of", type=parse_cli_date, metavar="DATE", help="count from this day (default: today)")
    json_flag(sp)
