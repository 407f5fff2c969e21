"""The ``recouvre`` command. Thin: parses arguments, calls services and selectors, formats the result.

Exit codes: 0 success, 1 input refused (nothing written), 2 usage error (bad arguments, unknown organization);
``run`` and ``dispatch``: 3 when the mail server could not be reached (the e-mails due stay queued); ``watch
refresh`` and ``watch bodacc``: 3 when the company directory or the BODACC could not be reached (nothing written);
``webhook replay`` and ``webhook send``: 3 when the endpoint did not accept the delivery (it is tried again later).
Every command that reports something has ``--json`` for machines.
"""

from __future__ import annotations

import argparse
import getpass
import logging
import os
import signal
import sys
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from datetime import date
from pathlib import Path
from typing import Any

from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from recouvre.cliutil import (  # noqa: F401 - the commands' shared helpers, also re-exported from here
    DEFAULT_IMPORT_MAX_SIZE,
    EXIT_MAIL_UNREACHABLE,
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

    if _every_migration_file_applied(connection):
        return  # nothing to apply: the migration graph (every migration module) need not be loaded
    executor = MigrationExecutor(connection)
    if executor.migration_plan(executor.loader.graph.leaf_nodes()):
        call_command("migrate", interactive=False, verbosity=1 if verbose else 0)


def _every_migration_file_applied(connection: Any) -> bool:
    """Whether every migration file of every installed app is recorded as applied, read from the file names and
    the ``django_migrations`` table, without importing the migrations (a third of a second or more of every
    command's start). False whenever in doubt (no table yet, a squashed migration whose parts are recorded
    instead...): the full check then decides."""
    import importlib.util
    from pathlib import Path

    from django.apps import apps
    from django.db.migrations.loader import MigrationLoader
    from django.db.migrations.recorder import MigrationRecorder

    recorder = MigrationRecorder(connection)
    if not recorder.has_table():
        return False
    applied = set(recorder.applied_migrations())
    for config in apps.get_app_configs():
        module, _explicit = MigrationLoader.migrations_module(config.label)
        if module is None:
            continue
        try:
            spec = importlib.util.find_spec(module)
        except ImportError:
            return False
        if spec is None:
            continue  # an app without migrations
        if not spec.submodule_search_locations:
            return False
        for folder in spec.submodule_search_locations:
            for path in Path(folder).glob("*.py"):
                if path.stem != "__init__" and not path.stem.startswith(("_", "~")):
                    if (config.label, path.stem) not in applied:
                        return False
    return True


def _migrated_once_the_database_answers(worker: bool) -> None:
    from recouvre.operations.models import Component
    from recouvre.operations.resilience import TRANSIENT, Recovery

    recovery = Recovery(str((Component.WORKER if worker else Component.SCHEDULER).label))
    while True:
        try:
            ensure_migrated()
        except TRANSIENT as exc:
            recovery.failed(exc)
            continue
        recovery.succeeded()
        return


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
        # the id is how /health names an organization
        emit_json([{"id": o.pk, "slug": o.slug, "name": o.name, "siren": o.siren} for o in orgs])
    else:
        for o in orgs:
            print(f"{o.slug}\t{o.name}\t{o.siren}")
    return EXIT_OK


def cmd_org_set(args: argparse.Namespace) -> int:
    """Change the organization's collections settings given as options; shows them when none is given."""
    from django.core.exceptions import ValidationError
    from django.db import transaction

    from recouvre.collections.configuration import save_settings, set_bank_details
    from recouvre.collections.selectors import calendar_for, penalty_rule
    from recouvre.core.payment_details import group_by_four
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
    bank = {
        field: value
        for field, value in (("iban", args.iban), ("bic", args.bic), ("account_holder", args.account_holder))
        if value is not None
    }
    if changes or bank:
        try:
            with transaction.atomic():  # the bank details and the settings, both or neither
                if bank:
                    set_bank_details(org, actor=CLI, **bank)
                if changes:
                    save_settings(org, actor=CLI, **changes)
        except ValidationError as exc:
            return refused(args.json, field_errors(exc))
        org.refresh_from_db()
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
                "iban": org.iban,
                "bic": org.bic,
                "account_holder": org.account_holder or org.name,
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
    if org.iban:
        print(
            _("%(org)s: payments by transfer to %(holder)s, IBAN %(iban)s%(bic)s.")
            % {
                "org": org.slug,
                "holder": org.account_holder or org.name,
                "iban": group_by_four(org.iban),
                "bic": f", BIC {org.bic}" if org.bic else "",
            }
        )
    else:
        print(_("%(org)s: no bank details: documents print no payment details.") % {"org": org.slug})
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


def cmd_unlock(args: argparse.Namespace) -> int:
    from recouvre.organizations.logins import unlock

    if not args.username and not args.address:
        raise UsageError(_("give a user name, --address, or both"))
    cleared = unlock(username=args.username or "", address=args.address or "")
    if args.json:
        emit_json({"username": args.username, "address": args.address, "cleared": cleared})
    else:
        print(
            ngettext(
                "Failed logins forgotten: %(count)s count cleared.",
                "Failed logins forgotten: %(count)s counts cleared.",
                cleared,
            )
            % {"count": cleared}
        )
    return EXIT_OK


def cmd_import(args: argparse.Namespace) -> int:
    from recouvre.core.importing import ImportFailed, ImportRefused, escape_controls
    from recouvre.imports.services import UnknownMapping, run_import
    from recouvre.ledger.actors import CLI

    if args.account and args.kind != "statement":
        raise UsageError(_("--account applies to bank statements only"))
    if args.kind in ("einvoice", "einvoice-status"):
        from recouvre.einvoices.cli import import_einvoices_command, import_statuses_command

        if args.mapping:
            raise UsageError(_("Column mappings do not apply to e-invoices."))
        return (import_einvoices_command if args.kind == "einvoice" else import_statuses_command)(args)
    if len(args.file) != 1:
        raise UsageError(_("%(kind)s takes one file at a time (several files: e-invoices only)") % {"kind": args.kind})
    if args.kind == "statement":
        from recouvre.bank.cli import cmd_import_statement

        args.file = args.file[0]
        return cmd_import_statement(args)
    path = Path(args.file[0])
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
            with _outage_said_here():
                done = process_due(org, now=timezone.now(), actor=CLI)
            r.emails_sent, r.failed = done.emails.sent, done.emails.failed
            r.waiting_retry = done.emails.waiting_retry
            r.smtp_unreachable, r.smtp_error = done.emails.smtp_unreachable, done.emails.smtp_error
    unreachable = [r for r in results if r.smtp_unreachable]
    code = EXIT_MAIL_UNREACHABLE if unreachable else EXIT_OK
    if args.json:
        payloads = [r.as_dict(details=args.org is not None) for r in results]
        emit_json(payloads[0] if args.org else payloads)
        return code
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
            if r.waiting_retry:
                print("  " + _waiting_line(r.waiting_retry))
    if unreachable:
        _say_unreachable(unreachable[0].smtp_error)
    return code


@contextmanager
def _outage_said_here() -> Iterator[None]:
    """The command says itself that the mail server could not be reached: the dispatch's log line is left out."""
    from recouvre.collections.dispatch import OUTAGE_LOG

    logger = logging.getLogger(OUTAGE_LOG)
    was = logger.disabled
    logger.disabled = True
    try:
        yield
    finally:
        logger.disabled = was


def _waiting_line(count: int) -> str:
    return ngettext(
        "%(count)d e-mail waiting to be sent again.", "%(count)d e-mails waiting to be sent again.", count
    ) % {"count": count}


def _say_unreachable(error: str) -> None:
    print(
        _(
            "recouvre: the mail server could not be reached (%(error)s): the e-mails due stay queued and the next "
            "dispatch sends them (recouvre dispatch, or the scheduler)."
        )
        % {"error": error},
        file=sys.stderr,
    )


def cmd_dispatch(args: argparse.Namespace) -> int:
    from django.utils import timezone

    from recouvre.collections.outbox import process_due
    from recouvre.ledger.actors import CLI

    org = resolve_org(args.org) if args.org else None
    with _outage_said_here():
        done = process_due(org, now=timezone.now(), actor=CLI)
    result = done.emails
    code = EXIT_MAIL_UNREACHABLE if result.smtp_unreachable else EXIT_OK
    if args.json:
        emit_json(done.as_dict())
        return code
    print(
        _("%(sent)d e-mails sent, %(retried)d to try again later, %(failed)d failed, %(cancelled)d no longer needed.")
        % {"sent": result.sent, "retried": result.retried, "failed": result.failed, "cancelled": result.cancelled}
    )
    for action_id, error in result.errors:
        print("  " + _("action %(id)d: %(error)s") % {"id": action_id, "error": error})
    if result.waiting_retry:
        print(_waiting_line(result.waiting_retry))
    if done.letters_ready:
        print(
            ngettext(
                "%(count)d letter ready to post (recouvre letters).",
                "%(count)d letters ready to post (recouvre letters).",
                done.letters_ready,
            )
            % {"count": done.letters_ready}
        )
    if result.smtp_unreachable:
        _say_unreachable(result.smtp_error)
    return code


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
        from django.conf import settings

        from recouvre.demo.history import simulate_collections
        from recouvre.organizations.models import Organization

        # The month of reminders carries links to the customer portal: at the server's public address, else at
        # the local address `recouvre serve` listens on, where the demo is opened.
        public_url = settings.RECOUVRE_PUBLIC_URL
        if not public_url:
            host = os.environ.get("RECOUVRE_HOST", "127.0.0.1")
            host = "127.0.0.1" if host in ("", "0.0.0.0", "::") else host  # noqa: S104 - read, not bound
            settings.RECOUVRE_PUBLIC_URL = f"http://{host}:{os.environ.get('RECOUVRE_PORT', '8000')}"
        try:
            with Progress(not args.json, _("Simulating a month of collections")) as progress:
                info["collections"] = simulate_collections(
                    Organization.objects.get(slug=info["org"]),
                    as_of=args.as_of or date.today(),
                    days=args.history_days,
                    progress=progress,
                )
        finally:
            settings.RECOUVRE_PUBLIC_URL = public_url
    if not info.get("existed"):
        from recouvre.demo.bank import import_demo_statement
        from recouvre.organizations.models import Organization

        info["bank"] = import_demo_statement(
            Organization.objects.get(slug=info["org"]), as_of=args.as_of or date.today()
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
                _(
                    "Bank statement imported: entries %(entries)d; applied to invoices %(applied)d; to review "
                    "%(suggested)d; credits left to match %(unmatched)d."
                )
                % info["bank"]
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
    from recouvre.operations.worker import run_worker

    run_worker(reload=args.reload, quiet=args.quiet)
    return EXIT_OK


def cmd_serve(args: argparse.Namespace) -> int:
    from recouvre.serve import serve

    return serve(
        host=args.host,
        port=args.port,
        worker=not args.no_worker,
        scheduler=not args.no_scheduler,
        web_workers=args.web_workers,
        access_log=args.access_log,
    )


def cmd_scheduler(args: argparse.Namespace) -> int:
    from django.conf import settings

    from recouvre.collections import scheduler
    from recouvre.operations.heartbeat import HeartbeatRecorder
    from recouvre.operations.models import Component
    from recouvre.operations.resilience import describe

    try:
        run_at, window = scheduler.configured()
    except ValueError as exc:
        raise UsageError(str(exc)) from None
    if args.interval < 1:
        raise UsageError(_("--interval: at least 1 second"))

    def report(result: scheduler.TickResult) -> None:
        if args.json:
            emit_json(result.as_dict())
            return
        for run in result.runs:
            print(
                ngettext(
                    "%(org)s: daily run of %(as_of)s done, %(actions)s action.",
                    "%(org)s: daily run of %(as_of)s done, %(actions)s actions.",
                    run.get("actions", 0),
                )
                % {"org": run["organization"], "as_of": run["as_of"], "actions": run.get("actions", 0)},
                flush=True,
            )

    if args.once:
        # from cron: one pass, and one heartbeat saying when the next pass is expected (--interval)
        heartbeat = HeartbeatRecorder(Component.SCHEDULER, interval=args.interval)
        try:
            with heartbeat.busy():
                result = scheduler.tick(run_at=run_at, window=window, rates=True)
        except Exception as exc:  # noqa: BLE001 - told in one line; cron runs the next pass
            print(_("recouvre: error: %(error)s") % {"error": describe(exc)}, file=sys.stderr)
            heartbeat.failing(exc)
            _try_beat(heartbeat)
            return EXIT_REFUSED
        _try_beat(heartbeat)
        report(result)
        return EXIT_OK
    print(
        _("Collections run daily at %(run_at)s; messages sent on business days from %(start)s to %(end)s.")
        % {
            "run_at": run_at.strftime("%H:%M"),
            "start": window[0].strftime("%H:%M"),
            "end": window[1].strftime("%H:%M"),
        },
        flush=True,
    )
    # SIGTERM (serve stopping it, a service manager) or Ctrl+C: exit 0 at once; a pass cut short stores nothing of
    # what it had not committed, and the next scheduler does it.
    signal.signal(signal.SIGTERM, _exit_quietly)
    signal.signal(signal.SIGINT, _exit_quietly)
    scheduler.run_forever(
        run_at=run_at,
        window=window,
        interval=args.interval,
        report=report,
        heartbeat=HeartbeatRecorder(Component.SCHEDULER, interval=settings.RECOUVRE_HEARTBEAT_SECONDS),
    )
    return EXIT_OK


def _exit_quietly(signum: int, frame: object) -> None:
    sys.exit(EXIT_OK)


def _try_beat(heartbeat: Any) -> None:
    from recouvre.operations.resilience import describe

    try:
        heartbeat.beat()
    except Exception as exc:  # noqa: BLE001 - the pass is what matters; the missing beat shows on /health
        print(_("recouvre: heartbeat not recorded: %(error)s") % {"error": describe(exc)}, file=sys.stderr)


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
    bank_options = {
        "date_format": args.date_format,
        "decimal_separator": args.decimal_separator,
        "reference_is_unique": args.reference_unique or None,
        "account": args.account,
    }
    if args.kind == "statement":
        if args.month_first:
            raise UsageError(
                _("--month-first does not apply to bank statements: give their date format with --date-format")
            )
        options: dict[str, Any] = {k: v for k, v in bank_options.items() if v is not None}
    else:
        if any(v is not None for v in bank_options.values()):
            raise UsageError(
                _("--date-format, --decimal-separator, --reference-unique and --account are for bank statements")
            )
        options = {"dayfirst": not args.month_first}
    try:
        save_mapping(org, args.name, args.kind, columns, options=options)
    except ValidationError as exc:
        print("; ".join(exc.messages), file=sys.stderr)
        return EXIT_REFUSED
    print(_("Mapping %(name)s saved for %(kind)s") % {"name": args.name, "kind": args.kind})
    return EXIT_OK


def _saved_mapping(org: Any, name: str) -> Any:
    from recouvre.imports.models import ImportMapping

    found = ImportMapping.objects.filter(organization=org, name=name).first()
    if found is None:
        raise UsageError(_("no saved mapping %(name)s in %(org)s") % {"name": name, "org": org.slug})
    return found


def cmd_mapping_rename(args: argparse.Namespace) -> int:
    from django.core.exceptions import ValidationError

    from recouvre.imports.services import edit_mapping
    from recouvre.ledger.actors import CLI

    org = resolve_org(args.org)
    try:
        saved = edit_mapping(_saved_mapping(org, args.name), actor=CLI, name=args.new_name)
    except ValidationError as exc:
        return refused(args.json, list(exc.messages))
    if args.json:
        emit_json({"ok": True, "name": saved.name, "former_name": args.name})
    else:
        print(_("Mapping %(old)s renamed %(new)s") % {"old": args.name, "new": saved.name})
    return EXIT_OK


def cmd_mapping_delete(args: argparse.Namespace) -> int:
    from recouvre.imports.services import delete_mapping
    from recouvre.ledger.actors import CLI

    org = resolve_org(args.org)
    delete_mapping(_saved_mapping(org, args.name), actor=CLI)
    if args.json:
        emit_json({"ok": True, "name": args.name, "deleted": True})
    else:
        print(_("Mapping %(name)s deleted") % {"name": args.name})
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
    sp.add_argument(
        "--access-log", action="store_true", help="print a line per request served and per background task run"
    )

    sp = add(
        "scheduler",
        cmd_scheduler,
        "run each organization's collections once a day at RECOUVRE_RUN_AT and send within the send window",
    )
    sp.add_argument("--once", action="store_true", help="one pass, then exit (for cron)")
    sp.add_argument(
        "--interval",
        type=int,
        default=60,
        help="seconds between passes (default 60); with --once, the seconds until cron runs the next pass",
    )
    json_flag(sp)
    sp = add("worker", cmd_worker, "run only the background worker (sends what the web app queues)")
    sp.add_argument("--reload", action="store_true", help="restart when the code changes (development)")
    sp.add_argument("--quiet", action="store_true", help="print warnings and errors only, not each task run")

    imp = sub.add_parser(
        "import",
        help="import customers, invoices, payments, a FEC, a bank statement, e-invoices (Factur-X, CII, UBL) or "
        "e-invoice statuses",
    )
    sp = imp
    sp.add_argument(
        "kind", choices=["customers", "invoices", "payments", "fec", "statement", "einvoice", "einvoice-status"]
    )
    sp.add_argument("file", nargs="+", metavar="FILE", help="the file (e-invoices: one or several files)")
    sp.add_argument("--org", help="organization short name (may be left out when there is only one)")
    sp.add_argument("--mapping", help="a built-in or saved column mapping (bank statements: for a CSV export)")
    sp.add_argument(
        "--account", metavar="IBAN", help="bank statements: import only this account's (IBAN or account number)"
    )
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

    bank = sub.add_parser("bank", help="bank entries: matching and review").add_subparsers(
        dest="bank_command", required=True
    )
    from recouvre.bank.cli import add_commands as add_bank_commands

    add_bank_commands(bank, add)

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
    sp = add(
        "set",
        cmd_org_set,
        "change the organization's collections settings and bank details (shown when no option is given)",
        org,
    )
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
    sp.add_argument(
        "--iban",
        metavar="IBAN",
        help="the account payers transfer to, printed on reminders, letters and statements (empty: none)",
    )
    sp.add_argument("--bic", metavar="BIC", help="the BIC of the bank of that account (empty: none)")
    sp.add_argument(
        "--account-holder",
        metavar="NAME",
        help="the name the account is in, as payers must write it (empty: the organization's legal name)",
    )
    json_flag(sp)
    from recouvre.legal.cli import add_org_commands

    add_org_commands(org, add, json_flag)
    from recouvre.organizations.cli import add_org_commands as add_identity_commands

    add_identity_commands(org, add, json_flag)

    sp = add("createuser", cmd_createuser, "create a user, optionally member of an organization")
    sp.add_argument("username")
    sp.add_argument("--password", help="(or RECOUVRE_PASSWORD, or asked on the terminal)")
    sp.add_argument("--email")
    sp.add_argument("--org")
    sp.add_argument("--role", default="admin", choices=["admin", "credit_manager", "collector", "viewer"])
    sp.add_argument("--superuser", action="store_true")
    json_flag(sp)

    sp = add("unlock", cmd_unlock, "forget the failed logins of a user name and/or a client address (lifts a lock)")
    sp.add_argument("username", nargs="?")
    sp.add_argument("--address", help="the client address (IPv4, or IPv6: its /64 network)")
    json_flag(sp)

    mp = sub.add_parser("mapping", help="column mappings for imports").add_subparsers(
        dest="mapping_command", required=True
    )
    sp = add("list", cmd_mapping_list, "list built-in and saved mappings", mp)
    sp.add_argument("--org")
    json_flag(sp)
    sp = add("save", cmd_mapping_save, "save a custom mapping: --column FIELD=HEADER ...", mp)
    sp.add_argument("name")
    sp.add_argument("--kind", required=True, choices=["customers", "invoices", "payments", "statement"])
    sp.add_argument("--column", action="append", default=[], required=True)
    sp.add_argument("--month-first", action="store_true", help="dates are M/D/YYYY")
    sp.add_argument("--date-format", help="bank statements: a strptime pattern such as %%d/%%m/%%Y (default: found)")
    sp.add_argument("--decimal-separator", choices=[",", "."], help="bank statements: of the amounts (default ,)")
    sp.add_argument(
        "--reference-unique", action="store_true", help="bank statements: the reference column is the bank's own id"
    )
    sp.add_argument("--account", metavar="IBAN", help="bank statements: the account the exports are for")
    sp.add_argument("--org")
    sp = add("rename", cmd_mapping_rename, "rename a saved mapping", mp)
    sp.add_argument("name")
    sp.add_argument("new_name")
    sp.add_argument("--org")
    json_flag(sp)
    sp = add("delete", cmd_mapping_delete, "delete a saved mapping", mp)
    sp.add_argument("name")
    sp.add_argument("--org")
    json_flag(sp)

    from recouvre.organizations.cli import add_commands as add_member_commands

    add_member_commands(sub, add, json_flag)

    from recouvre.documents.cli import add_commands as add_document_commands

    add_document_commands(sub, add, json_flag)

    from recouvre.tasks.cli import add_commands as add_task_commands

    add_task_commands(sub, add, json_flag)

    from recouvre.ledger.cli import add_commands as add_customer_commands

    add_customer_commands(sub, add, json_flag)
    from recouvre.ledger.search_cli import add_commands as add_search_commands

    add_search_commands(sub, add, json_flag)
    from recouvre.cliutil import command_group
    from recouvre.ledger.customers_cli import add_contact_commands

    add_contact_commands(
        command_group(sub, "contact", "a customer's contacts and their personal data", "contact_command"),
        add,
        json_flag,
    )
    from recouvre.legal.cli import add_commands as add_legal_commands

    add_legal_commands(sub, add, json_flag)
    from recouvre.legal.insolvency_cli import add_commands as add_insolvency_commands

    add_insolvency_commands(sub, add, json_flag)
    from recouvre.legal.writeoff_cli import add_commands as add_writeoff_commands

    add_writeoff_commands(sub, add, json_flag)
    from recouvre.legal.securities_cli import add_commands as add_security_commands

    add_security_commands(sub, add, json_flag)
    from recouvre.collections.hold_cli import add_commands as add_hold_commands

    add_hold_commands(sub, add, json_flag)
    from recouvre.collections.approvals_cli import add_commands as add_approval_commands

    add_approval_commands(sub, add, json_flag)

    from recouvre.dossier.cli import add_commands as add_dossier_commands

    add_dossier_commands(sub, add, json_flag)

    from recouvre.proceedings.cli import add_commands as add_proceedings_commands

    add_proceedings_commands(sub, add, json_flag)

    from recouvre.privacy.cli import add_commands as add_privacy_commands

    add_privacy_commands(sub, add, json_flag)

    from recouvre.backup.cli import add_commands as add_backup_commands

    add_backup_commands(sub, add, json_flag)
    from recouvre.ledger.chain_cli import add_commands as add_chain_commands

    add_chain_commands(sub, add, json_flag)

    from recouvre.ledger.cash_cli import add_commands as add_cash_commands

    add_cash_commands(sub, add, json_flag)

    from recouvre.risk.cli import add_commands as add_risk_commands

    add_risk_commands(sub, add, json_flag)

    from recouvre.watch.cli import add_commands as add_watch_commands

    add_watch_commands(sub, add, json_flag)

    from recouvre.mailbox.cli import add_commands as add_mail_commands

    add_mail_commands(sub, add, json_flag)

    from recouvre.webhooks.cli import add_commands as add_webhook_commands

    add_webhook_commands(sub, add, json_flag)

    from recouvre.api.cli import add_commands as add_api_commands

    add_api_commands(sub, add, json_flag)

    from recouvre.portal.cli import add_commands as add_portal_commands

    add_portal_commands(sub, add, json_flag)

    from recouvre.payments.cli import add_commands as add_payments_commands

    add_payments_commands(sub, add, json_flag)

    from recouvre.notes.cli import add_commands as add_note_commands

    add_note_commands(sub, add, json_flag)

    from recouvre.notifications.cli import add_commands as add_digest_commands

    add_digest_commands(sub, add, json_flag)
    return p


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    from django.core.exceptions import ImproperlyConfigured

    try:
        setup_django()
    except ImproperlyConfigured as exc:  # a setting given in the environment cannot be used
        print(f"recouvre: error: {exc}", file=sys.stderr)
        return EXIT_USAGE
    from django.conf import settings
    from django.db import InterfaceError, OperationalError
    from django.utils import translation

    from recouvre.core.i18n import language_from_environment
    from recouvre.operations.resilience import describe

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
            if args.func in (cmd_worker, cmd_scheduler) and not getattr(args, "once", False):
                # a process meant to run for ever waits for its database (a server starting after it) instead of
                # exiting
                _migrated_once_the_database_answers(args.func is cmd_worker)
            # backup copies the database as it is, restore migrates once the backup is in place
            elif args.func is not cmd_migrate and getattr(args, "auto_migrate", True):
                ensure_migrated()
            return args.func(args)
        except UsageError as exc:
            print(_("recouvre: error: %(error)s") % {"error": exc}, file=sys.stderr)
            return EXIT_USAGE
        except (OperationalError, InterfaceError) as exc:
            # the database cannot be reached (server down, file missing, locked for too long): one line, exit 1
            print(
                _("recouvre: error: the database does not answer: %(error)s") % {"error": describe(exc)},
                file=sys.stderr,
            )
            return EXIT_REFUSED


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
