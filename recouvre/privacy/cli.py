"""Personal data from the command line (the web app's Privacy settings page and the customer page's export):

- ``recouvre privacy show [--org] [--json]`` and ``recouvre privacy set [--notice-fr TEXT] [--notice-en TEXT]
  [--contact TEXT] [--consumer-years N] [--business-years N] [--judgment-years N] [--accounting-years N]
  [--scheduler on|off]``: the privacy information printed on e-mails and letters, and the retention durations;
- ``recouvre purge [--org] [--as-of DATE] [--dry-run] [--json]``: anonymise what has outlived its retention;
- ``recouvre contact export CUSTOMER_REF [--contact EMAIL] --out FILE.zip|FILE.json [--json]``: everything held
  about a customer or one of its contacts (right of access).

Thin: the writes are ``services.save_settings`` and ``services.purge``, the export ``selectors.subject_access``.
"""

from __future__ import annotations

import argparse
import os
import tempfile
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Any

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from recouvre.cliutil import (
    EXIT_OK,
    EXIT_REFUSED,
    SWITCH,
    UsageError,
    command_group,
    customer_by_ref,
    emit_json,
    field_errors,
    parse_cli_date,
    refused,
    resolve_org,
)


def settings_dict(organization: Any) -> dict[str, Any]:
    from .notice import default_notice, privacy_notice, settings_of

    s = settings_of(organization)
    return {
        "organization": organization.slug,
        "notice_fr": s.notice_fr,
        "notice_en": s.notice_en,
        "contact": s.contact,
        "consumer_years": s.consumer_years,
        "business_years": s.business_years,
        "judgment_years": s.judgment_years,
        "accounting_years": s.accounting_years,
        "purge_by_scheduler": s.purge_by_scheduler,
        "printed": {
            lang: {kind: privacy_notice(organization, lang, kind) for kind in ("business", "consumer")}
            for lang in ("fr", "en")
        },
        "default": {lang: default_notice(organization, lang, "business", s) for lang in ("fr", "en")},
    }


def _print_settings(d: dict[str, Any]) -> None:
    rows = [
        (_("archive after a consumer claim is closed (years)"), d["consumer_years"]),
        (_("archive after a business claim is closed (years)"), d["business_years"]),
        (_("archive after a court order or judgment (years)"), d["judgment_years"]),
        (_("accounting documents (years)"), d["accounting_years"]),
        (_("purge every day with the scheduler"), _("yes") if d["purge_by_scheduler"] else _("no")),
        (_("privacy contact"), d["contact"] or "-"),
    ]
    for label, value in rows:
        print(f"{label}: {value}")
    for lang in ("fr", "en"):
        own = d[f"notice_{lang}"]
        print()
        print(
            (
                _("Privacy information (%(language)s, your own text):")
                if own
                else _("Privacy information (%(language)s, default wording, for a business):")
            )
            % {"language": lang}
        )
        print(d["printed"][lang]["business"])


def cmd_privacy_show(args: argparse.Namespace) -> int:
    d = settings_dict(resolve_org(args.org))
    if args.json:
        emit_json(d)
    else:
        _print_settings(d)
    return EXIT_OK


def _text(value: str | None, file: str | None, name: str) -> str | None:
    if value is not None and file is not None:
        raise UsageError(_("give --%(name)s or --%(name)s-file, not both") % {"name": name})
    if file is not None:
        try:
            return Path(file).read_text(encoding="utf-8")[:100_000].strip()
        except (OSError, UnicodeDecodeError) as exc:
            raise UsageError(_("cannot read %(file)s: %(error)s") % {"file": file, "error": exc}) from exc
    return value.replace("\\n", "\n").strip() if value is not None else None


def cmd_privacy_set(args: argparse.Namespace) -> int:
    from recouvre.ledger.actors import CLI

    from .services import save_settings

    org = resolve_org(args.org)
    changes: dict[str, Any] = {}
    for lang in ("fr", "en"):
        value = _text(getattr(args, f"notice_{lang}"), getattr(args, f"notice_{lang}_file"), f"notice-{lang}")
        if value is not None:
            changes[f"notice_{lang}"] = value
    if args.contact is not None:
        changes["contact"] = args.contact.strip()
    for name in ("consumer_years", "business_years", "judgment_years", "accounting_years"):
        value = getattr(args, name)
        if value is not None:
            changes[name] = value
    if args.scheduler is not None:
        changes["purge_by_scheduler"] = SWITCH[args.scheduler]
    if not changes:
        raise UsageError(_("nothing to change: give at least one option (see recouvre privacy set --help)"))
    try:
        save_settings(org, CLI, **changes)
    except ValidationError as exc:
        return refused(args.json, field_errors(exc))
    d = settings_dict(org)
    if args.json:
        emit_json({"ok": True, **d})
    else:
        _print_settings(d)
    return EXIT_OK


def cmd_purge(args: argparse.Namespace) -> int:
    from django.utils import timezone

    from recouvre.ledger.actors import CLI
    from recouvre.organizations.models import Organization

    from .services import purge

    today = timezone.localdate()
    as_of: date = args.as_of or today
    if as_of > today:
        message = _("the purge cannot run on a day after today (%(day)s): nothing was done") % {"day": as_of}
        if args.json:
            emit_json({"ok": False, "error": message})
        else:
            print(_("recouvre: refused: %(error)s") % {"error": message})
        return EXIT_REFUSED
    orgs = [resolve_org(args.org)] if args.org else list(Organization.objects.order_by("slug"))
    results = [purge(org, as_of, CLI, dry_run=args.dry_run) for org in orgs]
    failed = sum(len(r.failed) for r in results)
    if args.json:
        emit_json({"ok": not failed, "results": [r.as_dict() for r in results]})
    else:
        for r in results:
            d = r.as_dict()
            head = _("%(org)s on %(as_of)s (dry run: nothing written)") if r.dry_run else _("%(org)s on %(as_of)s")
            print(head % {"org": r.organization, "as_of": r.as_of.isoformat()})
            for c in d["customers"]:
                what = []
                if c["anonymise"]:
                    what.append(_("anonymise"))
                if c["documents_deleted"]:
                    what.append(_("delete %(n)s documents") % {"n": c["documents_deleted"]})
                line = f"  {c['customer']}: {', '.join(what)} ({_('archive until')} {c['archive_until']})"
                if c.get("error"):
                    line += " – " + _("failed: %(error)s") % {"error": c["error"]}
                print(line)
            kept = ", ".join(f"{reason} {n}" for reason, n in d["kept"].items()) or "-"
            print(
                _("  anonymised %(a)s, documents deleted %(d)s; kept: %(kept)s")
                % {"a": d["anonymised"], "d": d["documents_deleted"], "kept": kept}
            )
    return EXIT_REFUSED if failed else EXIT_OK


def cmd_contact_export(args: argparse.Namespace) -> int:
    from recouvre.ledger.actors import CLI
    from recouvre.ledger.services import record_event

    from .selectors import ContactNotFound, subject_access, subject_access_json, subject_access_zip

    org = resolve_org(args.org)
    out = Path(args.out)
    suffix = out.suffix.lower()
    if suffix not in (".zip", ".json"):
        raise UsageError(_("--out must name a .zip or a .json file"))
    customer, missing = customer_by_ref(org, args.ref)
    if customer is None:
        raise UsageError(missing)
    try:
        data = subject_access(org, customer, (args.contact or "").strip())
    except ContactNotFound:
        message = _("no contact with the e-mail %(email)s for this customer") % {"email": args.contact}
        if args.json:
            emit_json({"ok": False, "error": message})
        else:
            print(_("recouvre: refused: %(error)s") % {"error": message})
        return EXIT_REFUSED
    payload = subject_access_zip(org, customer, data) if suffix == ".zip" else subject_access_json(data)
    directory = out.parent if str(out.parent) else Path(".")
    try:
        with tempfile.NamedTemporaryFile(dir=directory, prefix=".export-", delete=False) as tmp:
            tmp.write(payload)
        os.replace(tmp.name, out)
    except OSError as exc:
        raise UsageError(_("cannot write %(file)s: %(error)s") % {"file": out, "error": exc}) from exc
    record_event(org, customer, "privacy.exported", CLI, contact=args.contact or "")
    summary = {
        "ok": True,
        "file": str(out),
        "customer": customer.ref,
        "contact": args.contact or None,
        "contacts": len(data["contacts"]),
        "invoices": len(data["invoices"]),
        "payments": len(data["payments"]),
        "messages": len(data["messages"]),
        "letters": len(data["letters"]),
        "events": len(data["timeline"]),
    }
    if args.json:
        emit_json(summary)
    else:
        print(_("Personal data of %(customer)s written to %(file)s.") % {"customer": customer.ref, "file": out})
    return EXIT_OK


def add_commands(sub: Any, add: Callable[..., argparse.ArgumentParser], json_flag: Callable[..., None]) -> None:
    group = sub.add_parser("privacy", help="privacy information and retention of personal data").add_subparsers(
        dest="privacy_command", required=True
    )
    sp = add("show", cmd_privacy_show, "the privacy information printed on messages and the retention", parent=group)
    sp.add_argument("--org", help="organization short name (may be left out when there is only one)")
    json_flag(sp)
    sp = add("set", cmd_privacy_set, "change the privacy information or the retention durations", parent=group)
    sp.add_argument("--org", help="organization short name (may be left out when there is only one)")
    for lang in ("fr", "en"):
        sp.add_argument(
            f"--notice-{lang}", metavar="TEXT", help=f"your own privacy text in {lang} ('' for the default)"
        )
        sp.add_argument(f"--notice-{lang}-file", metavar="FILE", help=f"read your own privacy text in {lang} from FILE")
    sp.add_argument("--contact", metavar="TEXT", help="where people exercise their rights (e-mail or address)")
    for name, what in (
        ("consumer", "after a consumer claim is closed"),
        ("business", "after a business claim is closed"),
        ("judgment", "after a court order or judgment"),
        ("accounting", "of invoices (at least 10)"),
    ):
        sp.add_argument(f"--{name}-years", type=int, metavar="N", help=f"retention {what}, in years")
    sp.add_argument("--scheduler", choices=sorted(SWITCH), help="purge every day with the scheduler (on|off)")
    json_flag(sp)

    sp = add("purge", cmd_purge, "anonymise the personal data that has outlived its retention (LEGAL-FR 7.3)")
    sp.add_argument("--org", help="organization short name (default: every organization)")
    sp.add_argument("--as-of", type=parse_cli_date, help="the day to judge retention on (default: today)")
    sp.add_argument("--dry-run", action="store_true", help="list what would be done, write nothing")
    json_flag(sp)

    group = command_group(sub, "contact", "a customer's contacts and their personal data", "contact_command")
    sp = add(
        "export", cmd_contact_export, "everything held about a customer or one contact (GDPR art. 15)", parent=group
    )
    sp.add_argument("ref", metavar="CUSTOMER_REF", help="the customer's account, e.g. 411DUPONT")
    sp.add_argument("--contact", metavar="EMAIL", help="only this contact and the messages sent to it")
    sp.add_argument("--out", required=True, metavar="FILE.zip|FILE.json", help="the file to write")
    sp.add_argument("--org", help="organization short name (may be left out when there is only one)")
    json_flag(sp)
