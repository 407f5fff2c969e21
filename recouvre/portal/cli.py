"""``recouvre portal link --org SLUG --customer REF [--new] [--json]``: the customer's link to the portal (the
newest live one while it has more than half of its validity ahead, else a new one; ``--new`` always a new one).

``recouvre portal revoke --org SLUG --customer REF`` revokes every live link of the customer; ``recouvre portal
list --org SLUG --customer REF`` lists its links.

``recouvre portal settings --org SLUG [--enabled on|off] [--link-days N] [--promise-max-days N]
[--plan-max-instalments N] [--plan-max-days N] [--plan-min-instalment AMOUNT] [--json]`` shows the organization's
portal settings, and changes those given (each change an event on the timeline).

``recouvre portal proposals --org SLUG --customer REF [--all] [--json]`` lists the contact details the customer
proposed on the portal that nobody has decided yet (``--all``: the decided ones too); ``recouvre portal proposal
--org SLUG ID --apply|--set-aside`` applies them (as the Apply button of the customer page) or sets them aside.

Exit codes: 0 done, 1 refused (nothing written), 2 usage error."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from typing import Any

from django.utils.translation import gettext as _

from recouvre.cliutil import (
    EXIT_OK,
    command_group,
    customer_by_ref,
    emit_json,
    field_errors,
    parse_cli_amount,
    refused,
    resolve_org,
)

_SWITCH = {"on": True, "off": False}
_SETTINGS_OPTIONS = (
    ("enabled", "--enabled"),
    ("link_days", "--link-days"),
    ("promise_max_days", "--promise-max-days"),
    ("plan_max_instalments", "--plan-max-instalments"),
    ("plan_max_days", "--plan-max-days"),
    ("plan_min_instalment", "--plan-min-instalment"),
)


def _as_dict(link: Any, *, url: str = "") -> dict[str, Any]:
    return {
        "id": link.pk,
        "customer": link.customer.ref,
        "created_at": link.created_at.isoformat(),
        "expires_at": link.expires_at.isoformat(),
        "revoked_at": link.revoked_at.isoformat() if link.revoked_at else None,
        "revoked_because": link.revoked_because or None,
        "last_opened_at": link.last_opened_at.isoformat() if link.last_opened_at else None,
        "opened": link.opened_count,
        **({"url": url} if url else {}),
    }


def _customer(args: argparse.Namespace) -> tuple[Any, Any]:
    org = resolve_org(args.org)
    customer, message = customer_by_ref(org, args.customer)
    return customer, message


def cmd_link(args: argparse.Namespace) -> int:
    from django.conf import settings

    from recouvre.ledger.actors import CLI

    from .links import issue_link, link_for_document, path_of, public_url

    customer, message = _customer(args)
    if customer is None:
        return refused(args.json, [message])
    link = issue_link(customer, actor=CLI) if args.new else link_for_document(customer, actor=CLI)
    url = public_url(link) if settings.RECOUVRE_PUBLIC_URL else path_of(link)
    if args.json:
        emit_json({**_as_dict(link, url=url), "absolute": bool(settings.RECOUVRE_PUBLIC_URL)})
        return EXIT_OK
    print(url)
    if not settings.RECOUVRE_PUBLIC_URL:
        print(
            _("RECOUVRE_PUBLIC_URL is not set: put the server's public address before this path."),
            file=sys.stderr,
        )
    return EXIT_OK


def cmd_revoke(args: argparse.Namespace) -> int:
    from recouvre.ledger.actors import CLI

    from .links import revoke_links

    customer, message = _customer(args)
    if customer is None:
        return refused(args.json, [message])
    count = revoke_links(customer, actor=CLI)
    if args.json:
        emit_json({"customer": customer.ref, "revoked": count})
        return EXIT_OK
    print(_("%(count)s link(s) revoked for %(ref)s.") % {"count": count, "ref": customer.ref})
    return EXIT_OK


def cmd_list(args: argparse.Namespace) -> int:
    from .models import PortalLink

    customer, message = _customer(args)
    if customer is None:
        return refused(args.json, [message])
    rows = [_as_dict(link) for link in PortalLink.objects.filter(customer=customer).select_related("customer")]
    if args.json:
        emit_json(rows)
        return EXIT_OK
    if not rows:
        print(_("No link."))
    for r in rows:
        state = _("revoked") if r["revoked_at"] else _("until %(date)s") % {"date": r["expires_at"][:10]}
        print(f"{r['id']}  {r['created_at'][:10]}  {state}  {r['opened']}")
    return EXIT_OK


def _proposal_dict(proposal: Any) -> dict[str, Any]:
    return {
        "id": proposal.pk,
        "customer": proposal.customer.ref,
        "created_at": proposal.created_at.isoformat(),
        "changes": {name: {"old": old, "new": new} for name, (old, new) in proposal.changes.items()},
        "message": proposal.message,
        "decided_at": proposal.decided_at.isoformat() if proposal.decided_at else None,
        "applied": proposal.applied,
        "decided_by": proposal.decided_by_label or None,
    }


def cmd_proposals(args: argparse.Namespace) -> int:
    from .models import ContactProposal
    from .services import contact_labels, pending_proposals

    customer, message = _customer(args)
    if customer is None:
        return refused(args.json, [message])
    found = (
        list(ContactProposal.objects.filter(organization_id=customer.organization_id, customer=customer))
        if args.all
        else pending_proposals(customer)
    )
    rows = [_proposal_dict(p) for p in found]
    if args.json:
        emit_json(rows)
        return EXIT_OK
    if not rows:
        print(_("No contact details proposed."))
    labels = contact_labels()
    for r in rows:
        if not r["decided_at"]:
            state = _("waiting for a decision")
        else:
            state = _("details applied") if r["applied"] else _("details set aside")
        print(f"{r['id']}  {r['created_at'][:10]}  {state}")
        for name, change in r["changes"].items():
            print(f"    {labels.get(name, name)}: {change['old'] or '-'} -> {change['new'] or '-'}")
    return EXIT_OK


def cmd_proposal(args: argparse.Namespace) -> int:
    from django.core.exceptions import ValidationError

    from recouvre.ledger.actors import CLI

    from .models import ContactProposal
    from .services import decide_proposal

    org = resolve_org(args.org)
    proposal = ContactProposal.objects.filter(organization_id=org.pk, pk=args.id).select_related("customer").first()
    if proposal is None:
        return refused(args.json, [_("No contact details proposed with number %(id)s.") % {"id": args.id}])
    try:
        decided = decide_proposal(proposal, apply=args.apply, actor=CLI)
    except ValidationError as exc:
        return refused(args.json, list(exc.messages))
    if args.json:
        emit_json(_proposal_dict(decided))
        return EXIT_OK
    print(
        _("The contact details proposed by the customer were applied.")
        if args.apply
        else _("The contact details proposed by the customer were set aside.")
    )
    return EXIT_OK


def _settings_dict(org: Any, current: Any, changed: list[str]) -> dict[str, Any]:
    from django.conf import settings

    return {
        "organization": org.slug,
        "enabled": current.enabled,
        "link_days": current.link_days,
        "promise_max_days": current.promise_max_days,
        "plan_max_instalments": current.plan_max_instalments,
        "plan_max_days": current.plan_max_days,
        "plan_min_instalment": str(current.plan_min_instalment),
        "public_url": settings.RECOUVRE_PUBLIC_URL or None,
        "changed": changed,
    }


def cmd_settings(args: argparse.Namespace) -> int:
    from django.conf import settings
    from django.core.exceptions import ValidationError

    from recouvre.ledger.actors import CLI

    from .configuration import save_settings
    from .models import PortalSettings, link_settings

    org = resolve_org(args.org)
    changes = {name: getattr(args, name) for name, _option in _SETTINGS_OPTIONS if getattr(args, name) is not None}
    if "enabled" in changes:
        changes["enabled"] = _SWITCH[changes["enabled"]]
    changed: list[str] = []
    if changes:
        try:
            current, changed = save_settings(org, CLI, **changes)
        except ValidationError as exc:
            return refused(args.json, field_errors(exc))
    else:
        current = link_settings(org)
    data = _settings_dict(org, current, changed)
    if args.json:
        emit_json(data)
        return EXIT_OK
    labels = {f.name: str(f.verbose_name) for f in PortalSettings._meta.get_fields() if hasattr(f, "verbose_name")}
    for name, _option in _SETTINGS_OPTIONS:
        value = data[name]
        shown = (_("on") if value else _("off")) if isinstance(value, bool) else str(value)
        print(f"{labels[name]}: {shown}")
    if not settings.RECOUVRE_PUBLIC_URL:
        print(_("RECOUVRE_PUBLIC_URL is not set: documents carry no link to the portal."))
    if changes:
        print(
            _("Changed: %(fields)s.") % {"fields": ", ".join(labels[n] for n in changed)}
            if changed
            else _("Nothing changed.")
        )
    return EXIT_OK


def _non_negative(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(_("%(text)r is not a whole number") % {"text": text}) from None
    if value < 0 or value > 10000:
        raise argparse.ArgumentTypeError(_("%(text)r is not a number between 0 and 10000") % {"text": text})
    return value


def add_commands(sub: Any, add: Callable[..., argparse.ArgumentParser], json_flag: Callable[..., None]) -> None:
    group = command_group(sub, "portal", "links to the customer portal", "portal_command")
    for name, fn, text in (
        ("link", cmd_link, "print the customer's link to the portal"),
        ("revoke", cmd_revoke, "revoke every live link of the customer"),
        ("list", cmd_list, "list the customer's links"),
    ):
        sp = add(name, fn, text, group)
        sp.add_argument("--org", help="organization short name (may be left out when there is only one)")
        sp.add_argument("--customer", required=True, help="the customer's account (ref)")
        if name == "link":
            sp.add_argument("--new", action="store_true", help="always issue a new link")
        json_flag(sp)
    sp = add("proposals", cmd_proposals, "list the contact details the customer proposed on the portal", group)
    sp.add_argument("--org", help="organization short name (may be left out when there is only one)")
    sp.add_argument("--customer", required=True, help="the customer's account (ref)")
    sp.add_argument("--all", action="store_true", help="also those already applied or set aside")
    json_flag(sp)
    sp = add("proposal", cmd_proposal, "apply or set aside contact details the customer proposed", group)
    sp.add_argument("--org", help="organization short name (may be left out when there is only one)")
    sp.add_argument("id", type=int, help="the proposal's number (recouvre portal proposals)")
    decision = sp.add_mutually_exclusive_group(required=True)
    decision.add_argument("--apply", action="store_true", help="apply the proposed details")
    decision.add_argument("--set-aside", dest="set_aside", action="store_true", help="set them aside")
    json_flag(sp)
    sp = add("settings", cmd_settings, "show or change the organization's customer portal settings", group)
    sp.add_argument("--org", help="organization short name (may be left out when there is only one)")
    sp.add_argument("--enabled", choices=sorted(_SWITCH), help="links to the portal in documents (on|off)")
    sp.add_argument("--link-days", dest="link_days", type=_non_negative, metavar="N", help="links valid for N days")
    sp.add_argument(
        "--promise-max-days",
        dest="promise_max_days",
        type=_non_negative,
        metavar="N",
        help="a promise to pay at most N days ahead",
    )
    sp.add_argument(
        "--plan-max-instalments",
        dest="plan_max_instalments",
        type=_non_negative,
        metavar="N",
        help="payment plans of at most N instalments accepted automatically (0: every plan goes to a collector)",
    )
    sp.add_argument(
        "--plan-max-days",
        dest="plan_max_days",
        type=_non_negative,
        metavar="N",
        help="payment plans accepted automatically: last instalment at most N days ahead",
    )
    sp.add_argument(
        "--plan-min-instalment",
        dest="plan_min_instalment",
        type=parse_cli_amount,
        metavar="AMOUNT",
        help="payment plans accepted automatically: smallest instalment",
    )
    json_flag(sp)
