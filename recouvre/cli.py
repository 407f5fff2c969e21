"""The ``recouvre`` command. Thin: parses arguments, calls services and selectors, formats the result.

Exit codes: 0 success, 1 input refused (nothing written), 2 usage error (bad arguments, unknown organization).
Every command that reports something has ``--json`` for machines.
"""

from __future__ import annotations

import argparse
import getpass
import os
import sys
from collections.abc import Callable, Sequence
from datetime import date
from pathlib import Path
from typing import Any

from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from recouvre.cliutil import (  # noqa: F401 - the commands' shared helpers, also re-exported from here
    DEFAULT_IMPORT_MAX_SIZE,
    EXIT_OK,
    EXIT_REFUSED,
    EXIT_USAGE,
    SWITCH,
    UsageError,
    count_text,
    emit_json,
    field_errors,
    parse_cli_date,
    parse_size,
    refused,
    resolve_org,
)

# --------------------------------------------------------------------------------------------- setup


def setup_django() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "recouvre.settings")
    import django

    django.setup()


def ensure_migrated(verbose: bool = False) -> None:
    """Apply pending migrations, so a fresh data folder just works."""
    from django.core.management import call_command
    from django.db import connection
    from django.db.migrations.executor import MigrationExecutor

    executor = MigrationExecutor(connection)
    if executor.migration_plan(executor.loader.graph.leaf_nodes()):
        call_command("migrate", interactive=False, verbosity=1 if verbose else 0)


class Progress:
    """A rich progress bar on stderr for long jobs; silent when stderr is not a terminal or for ``--json``."""

    def __init__(self, enabled: bool, description: str):
        self.enabled = enabled and sys.stderr.isatty()
        self.description = description
        self._progress: Any = None
        self._task: Any = None

    def __enter__(self) -> Progress:
        if self.enabled:
            from rich.console import Console
            from rich.progress import (
                BarColumn,
                MofNCompleteColumn,
                TimeRemainingColumn,
            )
            from rich.progress import (
                Progress as RichProgress,
            )

            self._progress = RichProgress(
                "[progress.description]{task.description}",
                BarColumn(),
                MofNCompleteColumn(),
                TimeRemainingColumn(),
                console=Console(stderr=True),
                transient=True,
            )
            self._progress.start()
            self._task = self._progress.add_task(self.description, total=None)
        return self

    def __call__(self, done: int, total: int | None = None, stage: str | None = None) -> None:
        if self._progress is not None:
            self._progress.update(self._task, completed=done, total=total, description=stage or self.description)

    def __exit__(self, *exc: object) -> None:
        if self._progress is not None:
            self._progress.stop()


# --------------------------------------------------------------------------------------------- commands


def cmd_migrate(args: argparse.Namespace) -> int:
    from django.core.management import call_command

    call_command("migrate", interactive=False, verbosity=1)
    return EXIT_OK


def cmd_org_create(args: argparse.Namespace) -> int:
    from django.core.exceptions import ValidationError

    from recouvre.organizations.services import create_organization

    try:
        org = create_organization(args.slug, args.name, siren=args.siren or "")
    except ValidationError as exc:
        print("; ".join(exc.messages), file=sys.stderr)
        return EXIT_REFUSED
    if args.json:
        emit_json({"slug": org.slug, "name": org.name, "siren": org.siren})
    else:
        print(_("Organization %(slug)s created: %(name)s") % {"slug": org.slug, "name": org.name})
    return EXIT_OK


def cmd_org_list(args: argparse.Namespace) -> int:
    from recouvre.organizations.models import Organization

    orgs = list(Organization.objects.order_by("slug"))
    if args.json:
        emit_json([{"slug": o.slug, "name": o.name, "siren": o.siren} for o in orgs])
    else:
        for o in orgs:
            print(f"{o.slug}\t{o.name}\t{o.siren}")
    return EXIT_OK


def cmd_org_set(args: argparse.Namespace) -> int:
    """Change the organization's collections settings given as options; shows them when none is given."""
    from django.core.exceptions import ValidationError

    from recouvre.collections.configuration import save_settings
    from recouvre.collections.selectors import calendar_for, penalty_rule
    from recouvre.ledger.actors import CLI

    org = resolve_org(args.org)
    changes: dict[str, Any] = {}
    if args.alsace_moselle is not None:
        changes["alsace_moselle"] = SWITCH[args.alsace_moselle]
    if args.penalty_reminder is not None:
        changes["penalty_reminder"] = SWITCH[args.penalty_reminder]
    if args.penalty_reminder_days is not None:
        changes["penalty_reminder_days"] = args.penalty_reminder_days
    if args.penalty_reminder_channel is not None:
        changes["penalty_reminder_channel"] = args.penalty_reminder_channel
    if changes:
        try:
            save_settings(org, actor=CLI, **changes)
        except ValidationError as exc:
            return refused(args.json, field_errors(exc))
    alsace_moselle = calendar_for(org).alsace_moselle
    rule = penalty_rule(org)
    if args.json:
        emit_json(
            {
                "ok": True,
                "org": org.slug,
                "alsace_moselle": alsace_moselle,
                "penalty_reminder": rule is not None,
                "penalty_reminder_days": rule.offset_days if rule is not None else None,
                "penalty_reminder_channel": rule.channel.value if rule is not None else None,
            }
        )
        return EXIT_OK
    if alsace_moselle:
        print(
            _("%(org)s: Alsace-Moselle calendar on (Good Friday and 26 December are not business days).")
            % {"org": org.slug}
        )
    else:
        print(_("%(org)s: Alsace-Moselle calendar off (French public holidays only).") % {"org": org.slug})
    if rule is None:
        print(_("%(org)s: claimed penalties are not asked for once the principal is paid.") % {"org": org.slug})
    else:
        print(
            _(
                "%(org)s: claimed penalties still owed once the principal is paid are asked for %(days)s days after, "
                "by %(channel)s."
            )
            % {"org": org.slug, "days": rule.offset_days, "channel": rule.channel.label.lower()}
        )
    return EXIT_OK


def cmd_createuser(args: argparse.Namespace) -> int:
    from django.core.exceptions import ValidationError

    from recouvre.organizations.services import add_member, create_user

    password = args.password or os.environ.get("RECOUVRE_PASSWORD")
    if not password:
        if not sys.stdin.isatty():
            raise UsageError(_("give --password or RECOUVRE_PASSWORD when not on a terminal"))
        password = getpass.getpass("Password: ")
    try:
        user = create_user(args.username, password, email=args.email or "", superuser=args.superuser)
    except ValidationError as exc:
        print("; ".join(exc.messages), file=sys.stderr)
        return EXIT_REFUSED
    if args.org:
        add_member(resolve_org(args.org), user, args.role)
    if args.json:
        emit_json({"username": user.username, "org": args.org, "role": args.role if args.org else None})
    else:
        if args.org:
            print(
                _("User %(username)s created, %(role)s of %(org)s")
                % {"username": user.username, "role": args.role, "org": args.org}
            )
        else:
            print(_("User %(username)s created") % {"username": user.username})
    return EXIT_OK


def cmd_import(args: argparse.Namespace) -> int:
    from recouvre.core.importing import ImportFailed, ImportRefused, escape_controls
    from recouvre.imports.services import UnknownMapping, run_import
    from recouvre.ledger.actors import CLI

    path = Path(args.file)
    if not path.is_file():
        raise UsageError(_("%(path)s: no such file") % {"path": path})
    org = resolve_org(args.org)
    with Progress(not args.json, _("Importing %(file)s") % {"file": path.name}) as progress:
        try:
            result = run_import(
                org,
                args.kind,
                path,
                actor=CLI,
                mapping=args.mapping,
                create_customers=args.create_customers,
                dry_run=args.dry_run,
                progress=progress,
                max_bytes=args.max_size,
            )
        except UnknownMapping as exc:
            raise UsageError(str(exc)) from exc
        except ImportFailed as exc:
            if args.json:
                emit_json({"ok": False, "failed": True, "error": str(exc), "created": 0, "updated": 0, "unchanged": 0})
            else:
                print(
                    _("%(file)s: the import failed, nothing was written: %(reason)s")
                    % {"file": path.name, "reason": exc},
                    file=sys.stderr,
                )
            return EXIT_REFUSED
        except ImportRefused as exc:
            errors = exc.errors
            if args.json:
                emit_json(
                    {
                        "created": 0,
                        "updated": 0,
                        "unchanged": 0,
                        "errors": [e.as_dict() for e in errors],
                        "error_count": exc.total,
                    }
                )
            else:
                print(
                    ngettext(
                        "%(file)s: refused, nothing was written (%(n)s error):",
                        "%(file)s: refused, nothing was written (%(n)s errors):",
                        exc.total,
                    )
                    % {"file": path.name, "n": count_text(exc.total)},
                    file=sys.stderr,
                )
                for e in errors:
                    print(f"  {path.name}: {escape_controls(str(e))}", file=sys.stderr)
                if exc.more:
                    print(
                        "  "
                        + ngettext("and %(n)s more error", "and %(n)s more errors", exc.more)
                        % {"n": count_text(exc.more)},
                        file=sys.stderr,
                    )
            return EXIT_REFUSED
    if args.json:
        emit_json(result.as_dict())
    else:
        from recouvre.imports.labels import entity_label

        counts_line = _("%(file)s: %(created)d created, %(updated)d updated, %(unchanged)d unchanged") % {
            "file": path.name,
            "created": result.created,
            "updated": result.updated,
            "unchanged": result.unchanged,
        }
        print(counts_line + (" " + _("(dry run: nothing written)") if args.dry_run else ""))
        per_entity = (
            _(
                "%(entity)s: %(created)d would be created, %(updated)d would be updated, "
                "%(unchanged)d would be unchanged"
            )
            if args.dry_run
            else _("%(entity)s: %(created)d created, %(updated)d updated, %(unchanged)d unchanged")
        )
        for entity, counts in result.details.items():
            print("  " + per_entity % {"entity": entity_label(entity), **counts})
        for note in result.notes:
            print("  " + _("note: %(note)s") % {"note": note})
    return EXIT_OK


def cmd_run(args: argparse.Namespace) -> int:
    from django.utils import timezone

    from recouvre.collections.selectors import calendar_for
    from recouvre.collections.services import RunRefused, check_run_date, run_collections
    from recouvre.ledger.actors import CLI
    from recouvre.organizations.models import Organization

    today = timezone.localdate()
    as_of = args.as_of or today
    if as_of > today:
        raise UsageError(
            _("--as-of %(as_of)s is after today (%(today)s): a run cannot be dated in the future")
            % {"as_of": as_of.isoformat(), "today": today.isoformat()}
        )
    if args.backfill and args.dry_run:
        raise UsageError(_("--backfill records steps: it cannot be a dry run"))
    orgs = [resolve_org(args.org)] if args.org else list(Organization.objects.order_by("slug"))
    if not orgs:
        raise UsageError(_("no organization yet: create one with `recouvre org create SLUG --name NAME`"))
    if not args.dry_run:
        # Runs move forward: nothing is planned, stored or sent when one organization's run is refused.
        errors = []
        for org in orgs:
            try:
                check_run_date(org, as_of, today=today, backfill=args.backfill)
            except RunRefused as exc:
                errors.append(str(exc))
        if errors:
            return refused(args.json, errors)
    results = [
        run_collections(
            org,
            as_of,
            actor=CLI,
            dry_run=args.dry_run,
            calendar=calendar_for(org),
            backfill=args.backfill,
            today=today,
        )
        for org in orgs
    ]
    if not args.dry_run and not args.backfill:
        from django.utils import timezone

        from recouvre.collections.outbox import process_due

        for org, r in zip(orgs, results, strict=True):
            done = process_due(org, now=timezone.now(), actor=CLI)
            r.emails_sent, r.failed = done.emails.sent, done.emails.failed
    if args.json:
        payloads = [r.as_dict(details=args.org is not None) for r in results]
        emit_json(payloads[0] if args.org else payloads)
        return EXIT_OK
    for r in results:
        print(
            _(
                "%(org)s, %(as_of)s: %(actions)d actions for %(send_on)s (%(emails)d e-mails, %(letters)d letters, "
                "%(tasks)d tasks, %(approval)d awaiting approval); %(skipped)d customers left alone, %(held)d on hold."
            )
            % {
                "org": r.organization,
                "as_of": r.as_of.isoformat(),
                "send_on": r.send_on.isoformat(),
                "actions": r.actions,
                "emails": r.emails,
                "letters": r.letters,
                "tasks": r.tasks,
                "approval": r.awaiting_approval,
                "skipped": len(r.skipped),
                "held": r.skipped_on_hold,
            }
        )
        if r.dry_run:
            print("  " + _("dry run: nothing was stored"))
        elif r.backfill:
            print("  " + _("recorded as carried out outside Recouvre on %(day)s: nothing was sent") % {"day": r.as_of})
        else:
            print("  " + _("%(sent)d e-mails sent, %(failed)d failed.") % {"sent": r.emails_sent, "failed": r.failed})
    return EXIT_OK


def cmd_dispatch(args: argparse.Namespace) -> int:
    from django.utils import timezone

    from recouvre.collections.outbox import process_due
    from recouvre.ledger.actors import CLI

    org = resolve_org(args.org) if args.org else None
    done = process_due(org, now=timezone.now(), actor=CLI)
    result = done.emails
    if args.json:
        emit_json(done.as_dict())
        return EXIT_OK
    print(
        _("%(sent)d e-mails sent, %(retried)d to try again later, %(failed)d failed, %(cancelled)d no longer needed.")
        % {"sent": result.sent, "retried": result.retried, "failed": result.failed, "cancelled": result.cancelled}
    )
    for action_id, error in result.errors:
        print("  " + _("action %(id)d: %(error)s") % {"id": action_id, "error": error})
    if done.letters_ready:
        print(
            ngettext(
                "%(count)d letter ready to post (recouvre letters).",
                "%(count)d letters ready to post (recouvre letters).",
                done.letters_ready,
            )
            % {"count": done.letters_ready}
        )
    return EXIT_OK


def cmd_demo(args: argparse.Namespace) -> int:
    from recouvre.demo.services import NotADemo, create_demo

    try:
        with Progress(not args.json, "Creating demo data") as progress:
            info = create_demo(
                slug=args.org,
                customers=args.customers,
                invoices=args.invoices,
                seed=args.seed,
                as_of=args.as_of or date.today(),
                reset=args.reset,
                progress=progress,
            )
    except NotADemo as exc:
        return refused(args.json, [str(exc)])
    if not info.get("existed") and args.invoice_pdfs > 0:
        from recouvre.documents.demo import attach_demo_invoice_pdfs
        from recouvre.organizations.models import Organization

        demo_org = Organization.objects.get(slug=info["org"])
        info["invoice_pdfs"] = attach_demo_invoice_pdfs(
            demo_org, as_of=args.as_of or date.today(), count=args.invoice_pdfs
        )
    if not info.get("existed") and args.history_days > 0:
        from recouvre.demo.history import simulate_collections
        from recouvre.organizations.models import Organization

        with Progress(not args.json, _("Simulating a month of collections")) as progress:
            info["collections"] = simulate_collections(
                Organization.objects.get(slug=info["org"]),
                as_of=args.as_of or date.today(),
                days=args.history_days,
                progress=progress,
            )
    if args.json:
        emit_json(info)
    else:
        if info.get("existed"):
            print(_("Demo organization %(org)s already exists (use --reset to rebuild it).") % {"org": info["org"]})
        else:
            print(
                _("Demo organization %(org)s: %(customers)d customers, %(invoices)d invoices, %(payments)d payments.")
                % info
            )
        print(
            _("Log in at http://%(host)s:%(port)s/ as %(username)s / %(password)s")
            % {
                "host": os.environ.get("RECOUVRE_HOST", "127.0.0.1"),
                "port": os.environ.get("RECOUVRE_PORT", "8000"),
                **info,
            }
        )
    return EXIT_OK


def cmd_worker(args: argparse.Namespace) -> int:
    from django.core.management import call_command

    call_command("db_worker", *(["--reload"] if args.reload else []))
    return EXIT_OK


def cmd_serve(args: argparse.Namespace) -> int:
    from recouvre.serve import serve

    return serve(
        host=args.host,
        port=args.port,
        worker=not args.no_worker,
        scheduler=not args.no_scheduler,
        web_workers=args.web_workers,
    )


def cmd_scheduler(args: argparse.Namespace) -> int:
    import time as clock

    from recouvre.collections import scheduler

    try:
        run_at, window = scheduler.configured()
    except ValueError as exc:
        raise UsageError(str(exc)) from None
    if not args.once:
        print(
            _("Collections run daily at %(run_at)s; messages sent on business days from %(start)s to %(end)s.")
            % {
                "run_at": run_at.strftime("%H:%M"),
                "start": window[0].strftime("%H:%M"),
                "end": window[1].strftime("%H:%M"),
            },
            flush=True,
        )
    first = True
    while True:
        # the first pass of a scheduler that has just started leaves the rates update to the next one
        result = scheduler.tick(run_at=run_at, window=window, rates=args.once or not first)
        first = False
        if args.json:
            emit_json(result.as_dict())
        else:
            for run in result.runs:
                print(
                    _("%(org)s: daily run of %(as_of)s done, %(actions)s actions.")
                    % {"org": run["organization"], "as_of": run["as_of"], "actions": run.get("actions", 0)},
                    flush=True,
                )
        if args.once:
            return EXIT_OK
        clock.sleep(max(1, args.interval))


def cmd_mapping_list(args: argparse.Namespace) -> int:
    from recouvre.imports.services import list_mappings

    org = resolve_org(args.org)
    mappings = list_mappings(org)
    if args.json:
        emit_json(mappings)
    else:
        for m in mappings:
            print(f"{m['name']}\t{m['kind']}\t{'built-in' if m['builtin'] else 'saved'}\t{m['columns']}")
    return EXIT_OK


def cmd_mapping_save(args: argparse.Namespace) -> int:
    from django.core.exceptions import ValidationError

    from recouvre.imports.services import save_mapping

    org = resolve_org(args.org)
    columns: dict[str, str] = {}
    for spec in args.column:
        field, sep, header = spec.partition("=")
        if not sep or not field or not header:
            raise UsageError(_("--column expects FIELD=HEADER, got %(spec)r") % {"spec": spec})
        columns[field.strip()] = header.strip()
    try:
        save_mapping(org, args.name, args.kind, columns, options={"dayfirst": not args.month_first})
    except ValidationError as exc:
        print("; ".join(exc.messages), file=sys.stderr)
        return EXIT_REFUSED
    print(_("Mapping %(name)s saved for %(kind)s") % {"name": args.name, "kind": args.kind})
    return EXIT_OK


# --------------------------------------------------------------------------------------------- parser


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="recouvre", description="Recouvre accounts-receivable collections.")
    sub = p.add_subparsers(dest="command", required=True)

    def add(
        name: str, fn: Callable[[argparse.Namespace], int], help: str, parent: Any = sub
    ) -> argparse.ArgumentParser:
        sp = parent.add_parser(name, help=help, description=help)
        sp.set_defaults(func=fn)
        return sp

    def json_flag(sp: argparse.ArgumentParser) -> None:
        sp.add_argument("--json", action="store_true", help="machine-readable output")

    add("migrate", cmd_migrate, "apply database migrations")

    sp = add("demo", cmd_demo, "create a demo organization with realistic French data and a login")
    sp.add_argument("--org", default="demo", help="short name of the demo organization (default: demo)")
    sp.add_argument("--customers", type=int, default=300)
    sp.add_argument("--invoices", type=int, default=6000)
    sp.add_argument("--seed", type=int, default=2026)
    sp.add_argument("--as-of", type=parse_cli_date, help="the demo's today (default: today)")
    sp.add_argument("--reset", action="store_true", help="delete and rebuild the demo organization")
    sp.add_argument(
        "--history-days",
        type=int,
        default=30,
        help="days of daily collections run before today: reminders, tasks, letters, approvals (default 30; 0: none)",
    )
    sp.add_argument(
        "--invoice-pdfs", type=int, default=8, help="overdue invoices given a PDF on file (default 8; 0 for none)"
    )
    json_flag(sp)

    sp = add("serve", cmd_serve, "run the web app and the background worker")
    sp.add_argument("--host", default=os.environ.get("RECOUVRE_HOST", "127.0.0.1"))
    sp.add_argument("--port", type=int, default=int(os.environ.get("RECOUVRE_PORT", "8000")))
    sp.add_argument("--web-workers", type=int, default=2, help="web processes (default 2)")
    sp.add_argument("--no-worker", action="store_true", help="do not start the background worker")
    sp.add_argument("--no-scheduler", action="store_true", help="do not start the daily collections scheduler")

    sp = add(
        "scheduler",
        cmd_scheduler,
        "run each organization's collections once a day at RECOUVRE_RUN_AT and send within the send window",
    )
    sp.add_argument("--once", action="store_true", help="one pass, then exit (for cron)")
    sp.add_argument("--interval", type=int, default=60, help="seconds between passes (default 60)")
    json_flag(sp)
    sp = add("worker", cmd_worker, "run only the background worker")
    sp.add_argument("--reload", action="store_true")

    imp = sub.add_parser("import", help="import customers, invoices, payments or a FEC")
    sp = imp
    sp.add_argument("kind", choices=["customers", "invoices", "payments", "fec"])
    sp.add_argument("file")
    sp.add_argument("--org", help="organization short name (may be left out when there is only one)")
    sp.add_argument("--mapping", help="a built-in or saved column mapping")
    sp.add_argument("--create-customers", action="store_true", help="create customers named by invoices/payments")
    sp.add_argument("--dry-run", action="store_true", help="check and report, write nothing")
    sp.add_argument(
        "--max-size",
        type=parse_size,
        default=DEFAULT_IMPORT_MAX_SIZE,
        metavar="SIZE",
        help="refuse a larger file (default 2G; e.g. 500M, 2G, 1T; units of 1024 bytes)",
    )
    json_flag(sp)
    sp.set_defaults(func=cmd_import)

    rep = sub.add_parser("report", help="reports").add_subparsers(dest="report", required=True)
    from recouvre.reports.cli import add_commands as add_report_commands

    add_report_commands(rep, add)

    sp = add("run", cmd_run, "plan and store today's collection actions, then send the e-mails due (not letters)")
    sp.add_argument("--as-of", type=parse_cli_date, help="the day to plan for (default: today)")
    sp.add_argument("--org", help="organization short name (default: every organization)")
    sp.add_argument("--dry-run", action="store_true", help="plan and report, store and send nothing")
    sp.add_argument(
        "--backfill",
        action="store_true",
        help="record the steps due on --as-of (before the latest run) as carried out outside Recouvre; send nothing",
    )
    json_flag(sp)

    sp = add("dispatch", cmd_dispatch, "send the collection e-mails that are due, without planning")
    sp.add_argument("--org", help="organization short name (default: every organization)")
    json_flag(sp)

    from recouvre.letters.cli import add_commands as add_letters_commands

    add_letters_commands(sub, add)

    org = sub.add_parser("org", help="organizations").add_subparsers(dest="org_command", required=True)
    sp = add("create", cmd_org_create, "create an organization", org)
    sp.add_argument("slug")
    sp.add_argument("--name", required=True)
    sp.add_argument("--siren")
    json_flag(sp)
    sp = add("list", cmd_org_list, "list organizations", org)
    json_flag(sp)
    sp = add("set", cmd_org_set, "change the organization's collections settings (shown when no option is given)", org)
    sp.add_argument("--org", help="organization short name (may be left out when there is only one)")
    sp.add_argument(
        "--alsace-moselle",
        choices=sorted(SWITCH),
        help="the Alsace-Moselle calendar: Good Friday and 26 December are not business days either (on|off)",
    )
    sp.add_argument(
        "--penalty-reminder",
        choices=sorted(SWITCH),
        help="ask for claimed penalties still owed once the principal is paid, by a message of their own (on|off)",
    )
    sp.add_argument(
        "--penalty-reminder-days",
        type=int,
        metavar="DAYS",
        help="days after the principal is paid (or the penalties claimed, when later) before they are asked for",
    )
    sp.add_argument(
        "--penalty-reminder-channel",
        choices=["email", "letter"],
        help="how the penalties are asked for (an e-mail goes by letter to a customer without an e-mail address)",
    )
    json_flag(sp)
    from recouvre.legal.cli import add_org_commands

    add_org_commands(org, add, json_flag)

    sp = add("createuser", cmd_createuser, "create a user, optionally member of an organization")
    sp.add_argument("username")
    sp.add_argument("--password", help="(or RECOUVRE_PASSWORD, or asked on the terminal)")
    sp.add_argument("--email")
    sp.add_argument("--org")
    sp.add_argument("--role", default="admin", choices=["admin", "credit_manager", "collector", "viewer"])
    sp.add_argument("--superuser", action="store_true")
    json_flag(sp)

    mp = sub.add_parser("mapping", help="column mappings for imports").add_subparsers(
        dest="mapping_command", required=True
    )
    sp = add("list", cmd_mapping_list, "list built-in and saved mappings", mp)
    sp.add_argument("--org")
    json_flag(sp)
    sp = add("save", cmd_mapping_save, "save a custom mapping: --column FIELD=HEADER ...", mp)
    sp.add_argument("name")
    sp.add_argument("--kind", required=True, choices=["customers", "invoices", "payments"])
    sp.add_argument("--column", action="append", default=[], required=True)
    sp.add_argument("--month-first", action="store_true", help="dates are M/D/YYYY")
    sp.add_argument("--org")

    from recouvre.documents.cli import add_commands as add_document_commands

    add_document_commands(sub, add, json_flag)

    from recouvre.tasks.cli import add_commands as add_task_commands

    add_task_commands(sub, add, json_flag)

    from recouvre.ledger.cli import add_commands as add_customer_commands

    add_customer_commands(sub, add, json_flag)
    from recouvre.legal.cli import add_commands as add_legal_commands

    add_legal_commands(sub, add, json_flag)
    from recouvre.legal.insolvency_cli import add_commands as add_insolvency_commands

    add_insolvency_commands(sub, add, json_flag)
    from recouvre.legal.writeoff_cli import add_commands as add_writeoff_commands

    add_writeoff_commands(sub, add, json_flag)
    from recouvre.collections.hold_cli import add_commands as add_hold_commands

    add_hold_commands(sub, add, json_flag)

    from recouvre.dossier.cli import add_commands as add_dossier_commands

    add_dossier_commands(sub, add, json_flag)

    from recouvre.proceedings.cli import add_commands as add_proceedings_commands

    add_proceedings_commands(sub, add, json_flag)

    from recouvre.privacy.cli import add_commands as add_privacy_commands

    add_privacy_commands(sub, add, json_flag)
    return p


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    setup_django()
    from django.conf import settings
    from django.utils import translation

    from recouvre.core.i18n import language_from_environment

    try:
        # RECOUVRE_LANGUAGE, else the locale's language (LC_ALL, LC_MESSAGES, LANG), else LANGUAGE_CODE
        language = language_from_environment(
            os.environ, [code for code, name in settings.LANGUAGES], settings.LANGUAGE_CODE
        )
    except ValueError as exc:
        print(_("recouvre: error: %(error)s") % {"error": exc}, file=sys.stderr)
        return EXIT_USAGE
    with translation.override(language):
        try:
            if args.func is not cmd_migrate:
                ensure_migrated()
            return args.func(args)
        except UsageError as exc:
            print(_("recouvre: error: %(error)s") % {"error": exc}, file=sys.stderr)
            return EXIT_USAGE


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
