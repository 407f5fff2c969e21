"""``recouvre member list|invite|role|remove|resend|revoke`` and ``recouvre org identity|logo``: an organization's
members, invitations and identity from the command line, through the same services as the web app's
administration pages (``recouvre.organizations.services``). Exit 0 done, 1 refused (nothing written), 2 usage."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from recouvre.cliutil import EXIT_OK, UsageError, emit_json, refused, resolve_org

ROLES = ["admin", "credit_manager", "collector", "viewer"]


def _errors(exc: ValidationError) -> list[str]:
    if hasattr(exc, "error_dict"):
        return [f"{field}: {' '.join(errors)}" for field, errors in exc.message_dict.items()]
    return list(exc.messages)


def _membership(org: Any, username: str) -> Any:
    from .models import Membership

    found = Membership.objects.filter(organization=org, user__username=username).select_related("user").first()
    if found is None:
        raise UsageError(_("%(user)s is not a member of %(org)s") % {"user": username, "org": org.slug})
    return found


def _public_url() -> str:
    from django.conf import settings

    if not settings.RECOUVRE_PUBLIC_URL:
        raise UsageError(_("RECOUVRE_PUBLIC_URL is not set: the invitation link needs the server's public address."))
    return str(settings.RECOUVRE_PUBLIC_URL)


def _pending(org: Any, email: str) -> Any:
    from .models import Invitation

    found = Invitation.objects.filter(
        organization=org, email__iexact=email, accepted_at__isnull=True, revoked_at__isnull=True
    ).first()
    if found is None:
        raise UsageError(_("no invitation waiting for %(email)s in %(org)s") % {"email": email, "org": org.slug})
    return found


def cmd_member_list(args: argparse.Namespace) -> int:
    from .models import Invitation, Membership

    org = resolve_org(args.org)
    members = [
        {
            "username": m.user.get_username(),
            "name": m.user.get_full_name(),
            "email": m.user.email,
            "role": m.role,
            "active": m.user.is_active,
            "last_login": m.user.last_login.isoformat() if m.user.last_login else None,
        }
        for m in Membership.objects.filter(organization=org).select_related("user").order_by("user__username")
    ]
    invitations = [
        {"email": i.email, "role": i.role, "expires_at": i.expires_at.isoformat(), "sent": i.sent_at is not None}
        for i in Invitation.objects.filter(
            organization=org, accepted_at__isnull=True, revoked_at__isnull=True
        ).order_by("email")
    ]
    if args.json:
        emit_json({"ok": True, "org": org.slug, "members": members, "invitations": invitations})
        return EXIT_OK
    for m in members:
        last = m["last_login"][:16].replace("T", " ") if m["last_login"] else _("never")
        print(f"{m['username']}\t{m['name']}\t{m['email']}\t{m['role']}\t{last}")
    for i in invitations:
        print(
            _("invited: %(email)s\t%(role)s\tuntil %(until)s")
            % {"email": i["email"], "role": i["role"], "until": i["expires_at"][:16].replace("T", " ")}
        )
    return EXIT_OK


def _sent(args: argparse.Namespace, sent: Any) -> int:
    invitation = sent.invitation
    if args.json:
        emit_json(
            {
                "ok": True,
                "email": invitation.email,
                "role": invitation.role,
                "expires_at": invitation.expires_at.isoformat(),
                "sent": not sent.error,
                "error": sent.error,
            }
        )
    elif sent.error:
        print(
            _(
                "Invitation of %(email)s recorded, but the e-mail could not be sent (%(error)s): send it again with "
                "recouvre member resend."
            )
            % {"email": invitation.email, "error": sent.error},
            file=sys.stderr,
        )
    else:
        print(_("Invitation sent to %(email)s (%(role)s).") % {"email": invitation.email, "role": invitation.role})
    return EXIT_OK


def cmd_member_invite(args: argparse.Namespace) -> int:
    from recouvre.ledger.actors import CLI

    from .services import invite

    org = resolve_org(args.org)
    base_url = _public_url()
    try:
        sent = invite(org, args.email, args.role, actor=CLI, base_url=base_url)
    except ValidationError as exc:
        return refused(args.json, _errors(exc))
    return _sent(args, sent)


def cmd_member_resend(args: argparse.Namespace) -> int:
    from recouvre.ledger.actors import CLI

    from .services import resend_invitation

    org = resolve_org(args.org)
    base_url = _public_url()
    try:
        sent = resend_invitation(_pending(org, args.email), actor=CLI, base_url=base_url)
    except ValidationError as exc:
        return refused(args.json, _errors(exc))
    return _sent(args, sent)


def cmd_member_revoke(args: argparse.Namespace) -> int:
    from recouvre.ledger.actors import CLI

    from .services import revoke_invitation

    org = resolve_org(args.org)
    try:
        revoke_invitation(_pending(org, args.email), actor=CLI)
    except ValidationError as exc:
        return refused(args.json, _errors(exc))
    if args.json:
        emit_json({"ok": True, "email": args.email, "revoked": True})
    else:
        print(_("Invitation of %(email)s revoked.") % {"email": args.email})
    return EXIT_OK


def cmd_member_role(args: argparse.Namespace) -> int:
    from recouvre.ledger.actors import CLI

    from .services import change_role

    org = resolve_org(args.org)
    try:
        membership = change_role(_membership(org, args.username), args.role, actor=CLI)
    except ValidationError as exc:
        return refused(args.json, _errors(exc))
    if args.json:
        emit_json({"ok": True, "username": args.username, "role": membership.role})
    else:
        print(
            _("%(user)s is now %(role)s of %(org)s.")
            % {"user": args.username, "role": membership.role, "org": org.slug}
        )
    return EXIT_OK


def cmd_member_remove(args: argparse.Namespace) -> int:
    from recouvre.ledger.actors import CLI

    from .services import remove_member

    org = resolve_org(args.org)
    try:
        remove_member(_membership(org, args.username), actor=CLI)
    except ValidationError as exc:
        return refused(args.json, _errors(exc))
    if args.json:
        emit_json({"ok": True, "username": args.username, "removed": True})
    else:
        print(_("%(user)s is no longer a member of %(org)s.") % {"user": args.username, "org": org.slug})
    return EXIT_OK


def cmd_org_identity(args: argparse.Namespace) -> int:
    """Change the identity fields given; shows the identity when none is given."""
    from recouvre.ledger.actors import CLI

    from .services import IDENTITY_FIELDS, update_identity

    org = resolve_org(args.org)
    values = {f: getattr(args, f) for f in IDENTITY_FIELDS if getattr(args, f) is not None}
    if values:
        try:
            update_identity(org, actor=CLI, **values)
        except ValidationError as exc:
            return refused(args.json, _errors(exc))
        org.refresh_from_db()
    identity = {f: getattr(org, f) for f in IDENTITY_FIELDS}
    if args.json:
        emit_json({"ok": True, "org": org.slug, **identity, "logo": bool(bytes(org.logo or b""))})
    else:
        for f in IDENTITY_FIELDS:
            print(f"{f}\t{identity[f]}")
    return EXIT_OK


def cmd_org_logo(args: argparse.Namespace) -> int:
    from recouvre.ledger.actors import CLI

    from .logo import MAX_BYTES
    from .services import set_logo

    org = resolve_org(args.org)
    if args.remove == bool(args.file):
        raise UsageError(_("give an image file, or --remove"))
    data = None
    if args.file:
        try:
            with Path(args.file).open("rb") as f:
                data = f.read(MAX_BYTES + 1)
        except OSError as exc:
            raise UsageError(str(exc)) from exc
    try:
        set_logo(org, data, actor=CLI)
    except ValidationError as exc:
        return refused(args.json, _errors(exc))
    if args.json:
        emit_json({"ok": True, "org": org.slug, "logo": data is not None})
    else:
        print(_("Logo saved.") if data is not None else _("Logo removed."))
    return EXIT_OK


def add_commands(sub: Any, add: Callable[..., argparse.ArgumentParser], json_flag: Callable[..., None]) -> None:
    group = sub.add_parser("member", help="an organization's members and invitations").add_subparsers(
        dest="member_command", required=True
    )
    sp = add(
        "list", cmd_member_list, "list the members (name, e-mail, role, last login) and invitations waiting", group
    )
    sp.add_argument("--org")
    json_flag(sp)
    sp = add("invite", cmd_member_invite, "invite an e-mail address with a role: a one-time link is e-mailed", group)
    sp.add_argument("email")
    sp.add_argument("--role", required=True, choices=ROLES)
    sp.add_argument("--org")
    json_flag(sp)
    sp = add("resend", cmd_member_resend, "send a waiting invitation again, with a new link", group)
    sp.add_argument("email")
    sp.add_argument("--org")
    json_flag(sp)
    sp = add("revoke", cmd_member_revoke, "withdraw a waiting invitation: its link stops working", group)
    sp.add_argument("email")
    sp.add_argument("--org")
    json_flag(sp)
    sp = add("role", cmd_member_role, "give a member another role (the last administrator stays one)", group)
    sp.add_argument("username")
    sp.add_argument("role", choices=ROLES)
    sp.add_argument("--org")
    json_flag(sp)
    sp = add("remove", cmd_member_remove, "take a member out of the organization (the account stays)", group)
    sp.add_argument("username")
    sp.add_argument("--org")
    json_flag(sp)


def add_org_commands(org: Any, add: Callable[..., argparse.ArgumentParser], json_flag: Callable[..., None]) -> None:
    sp = add(
        "identity",
        cmd_org_identity,
        "change the identity letters and e-mails print (shown when no option is given)",
        org,
    )
    sp.add_argument("--org")
    from recouvre.core.identity import IDENTITY_FIELDS

    for field in IDENTITY_FIELDS:
        sp.add_argument("--" + field.replace("_", "-"), dest=field)
    json_flag(sp)
    sp = add("logo", cmd_org_logo, "put a PNG or JPEG logo on letters and statements, or --remove it", org)
    sp.add_argument("file", nargs="?")
    sp.add_argument("--remove", action="store_true")
    sp.add_argument("--org")
    json_flag(sp)
