"""``recouvre verify [--org SLUG] [--head SEQ:HASH] [--json]``: recompute each organization's timeline chain and
name its first broken link (exit 0 when intact, 1 when broken); ``recouvre seal [--org SLUG] [--json]``: seal the
events left unsealed. Thin: ``recouvre.ledger.chain`` does the work."""

from __future__ import annotations

import argparse
import re
import sys
from collections.abc import Callable
from typing import Any

from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from recouvre.cliutil import EXIT_OK, EXIT_REFUSED, UsageError, emit_json, resolve_org

SHOWN = 20  # problems printed per organization (--json lists more)
_HEAD = re.compile(r"^\s*(\d+)\s*:\s*([0-9a-fA-F]{64})\s*$")


def parse_head(text: str) -> tuple[int, str]:
    """``--head SEQ:HASH`` (a usage error otherwise)."""
    match = _HEAD.match(text)
    if match is None:
        raise UsageError(
            _("--head %(value)r is not NUMBER:LINK (a number, a colon, 64 hexadecimal digits)") % {"value": text}
        )
    return int(match[1]), match[2].lower()


def _organizations(args: argparse.Namespace) -> list[Any]:
    from recouvre.organizations.models import Organization

    if args.org or getattr(args, "head", None):
        return [resolve_org(args.org)]
    return list(Organization.objects.order_by("slug"))


def cmd_verify(args: argparse.Namespace) -> int:
    from recouvre.ledger.chain import STALE_AFTER, describe_break, local_time, verify

    expect = dict(parse_head(text) for text in args.head or [])
    results = [verify(org, expect=expect) for org in _organizations(args)]
    ok = all(r.intact for r in results)
    if args.json:
        emit_json({"ok": ok, "organizations": [r.as_dict() for r in results]})
        return EXIT_OK if ok else EXIT_REFUSED
    for r in results:
        if r.intact:
            head = (
                _("head: no. %(seq)s, link %(hash)s") % {"seq": r.head.seq, "hash": r.head.hash}
                if r.head is not None
                else _("nothing sealed yet")
            )
            print(
                ngettext(
                    "%(org)s: chain intact, %(count)d event checked (%(anonymised)d anonymised by the purge); "
                    "%(head)s.",
                    "%(org)s: chain intact, %(count)d events checked (%(anonymised)d anonymised by the purge); "
                    "%(head)s.",
                    r.checked,
                )
                % {"org": r.organization, "count": r.checked, "anonymised": r.anonymised, "head": head}
            )
        else:
            problems = r.problems
            print(
                ngettext(
                    "%(org)s: chain broken, %(count)d problem among %(checked)d events:",
                    "%(org)s: chain broken, %(count)d problems among %(checked)d events:",
                    len(problems),
                )
                % {"org": r.organization, "count": len(problems), "checked": r.checked},
                file=sys.stderr,
            )
            first = describe_break(problems[0])
            print("  " + _("First broken link: %(where)s") % {"where": first}, file=sys.stderr)
            for b in problems[1:SHOWN]:
                print("  " + describe_break(b), file=sys.stderr)
            if len(problems) > SHOWN:
                more = len(problems) - SHOWN
                print("  " + ngettext("(and %(n)d more)", "(and %(n)d more)", more) % {"n": more}, file=sys.stderr)
        if r.stale_unsealed:
            print(
                ngettext(
                    "%(org)s: anomaly: %(count)d event is not sealed, recorded on %(oldest)s, more than %(minutes)d "
                    "minutes ago; `recouvre seal` seals it.",
                    "%(org)s: anomaly: %(count)d events are not sealed, the oldest recorded on %(oldest)s, more than "
                    "%(minutes)d minutes ago; `recouvre seal` seals them.",
                    r.stale_unsealed,
                )
                % {
                    "org": r.organization,
                    "count": r.stale_unsealed,
                    "oldest": local_time(r.oldest_unsealed_at),
                    "minutes": int(STALE_AFTER.total_seconds() // 60),
                },
                file=sys.stderr,
            )
    return EXIT_OK if ok else EXIT_REFUSED


def cmd_seal(args: argparse.Namespace) -> int:
    from recouvre.ledger.chain import seal
    from recouvre.ledger.models import ChainHead

    done = []
    for org in _organizations(args):
        sealed = seal(org)
        head = ChainHead.objects.filter(organization=org).values("seq", "hash").first()
        done.append({"organization": org.slug, "sealed": sealed, "head": head})
    if args.json:
        emit_json({"ok": True, "organizations": done})
        return EXIT_OK
    for d in done:
        head = _("head: no. %(seq)s, link %(hash)s") % d["head"] if d["head"] is not None else _("nothing sealed yet")
        line = ngettext(
            "%(org)s: %(count)d event sealed; %(head)s.", "%(org)s: %(count)d events sealed; %(head)s.", d["sealed"]
        )
        print(line % {"org": d["organization"], "count": d["sealed"], "head": head})
    return EXIT_OK


def add_commands(sub: Any, add: Callable[..., argparse.ArgumentParser], json_flag: Callable[..., None]) -> None:
    sp = add(
        "verify",
        cmd_verify,
        "recompute each organization's timeline chain and name its first broken link (exit 1 when broken)",
    )
    sp.add_argument("--org", help="organization short name (default: every organization)")
    sp.add_argument(
        "--head",
        action="append",
        metavar="SEQ:HASH",
        help="a link noted elsewhere (a dossier's README) that the chain must still have at that number",
    )
    json_flag(sp)
    sp = add("seal", cmd_seal, "seal the timeline events left unsealed (each write seals its own at commit)")
    sp.add_argument("--org", help="organization short name (default: every organization)")
    json_flag(sp)
