"""A payment being identified holds the customer's reminders: a credit left for a person (unmatched or suggested)
whose payer looks like a customer puts that customer's collection on hold (``HoldKind.UNMATCHED_PAYMENT``, on the
whole customer), so that nobody is reminded of invoices it has perhaps just paid.

- **Looks like a customer**: a suggestion for the customer says why with more than the amount (its payment
  reference, an invoice number, the payer's IBAN linked to it, a name close to its name), or the payer's IBAN is
  linked to it (``CustomerIban``). An amount alone, or a word in common, identifies nobody.
- **How long**: from the day of the matching, at most the organization's ``identify_hold_days`` (7 by default, the
  first day included; 0: never). The hold simply ends on its last day.
- **One per entry and customer** (``EntryHold``): matching again never adds a second one. An application undone
  holds again, but never past the first day plus the limit.
- **Released** when the entry is applied (automatically, after review or by hand) or set aside, with an event on
  the customer's timeline that says why (``bank.identify_hold_released``).

This module reads and writes the bank's rows and the collections' holds; the collections app knows nothing of it.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from datetime import date, timedelta
from decimal import Decimal

from django.db import connection
from django.utils import timezone
from django.utils.translation import gettext as _

from recouvre.collections.models import ActionState, Hold, HoldKind, HoldOutcome
from recouvre.core.matching import compact_iban
from recouvre.imports.bulk import insert_returning_ids, insert_with_defaults, select_in
from recouvre.ledger.actors import Actor
from recouvre.ledger.models import Customer
from recouvre.ledger.services import bulk_record_events, record_event
from recouvre.organizations.models import Organization

from .models import BankApplication, BankEntry, BankMatchSettings, BankSuggestion, CustomerIban, EntryHold, EntryState
from .rows import EntryRow

AnyEntry = BankEntry | EntryRow

DEFAULT_DAYS = 7
IDENTIFYING = frozenset({"reference", "invoice_named", "invoice_settled", "iban", "iban_shared", "name"})
"""The reasons of a suggestion that point to the customer by more than the amount."""
CHUNK = 5000

APPLIED = "applied"
APPLIED_ELSEWHERE = "applied_elsewhere"
SET_ASIDE = "set_aside"


def hold_days(organization: Organization) -> int:
    """The organization's limit (``BankMatchSettings.identify_hold_days``), 7 without settings."""
    days = (
        BankMatchSettings.objects.filter(organization=organization).values_list("identify_hold_days", flat=True).first()
    )
    return DEFAULT_DAYS if days is None else int(days)


def _amount_text(amount: Decimal) -> str:
    cents = amount.quantize(Decimal("0.01"))
    return str(cents if cents == amount else amount.normalize())


def _payer(entry: AnyEntry, part: int | None) -> str:
    if part is not None and entry.details and 0 <= part < len(entry.details):
        return str(entry.details[part].get("counterparty_name") or entry.counterparty_name or "")
    return entry.counterparty_name


def _reason_writer() -> Callable[[AnyEntry, str], str]:
    """What writes a hold's reason in the language in force (the amount and the date as that language writes them),
    the language and the sentences looked up once for many holds."""
    from django.utils import translation

    from recouvre.collections.rendering import format_amount, format_date, language_of

    lang = language_of(translation.get_language() or "fr")
    with_payer = _("Bank transfer of %(amount)s of %(booked_on)s from %(payer)s, being identified")
    without_payer = _("Bank transfer of %(amount)s of %(booked_on)s, being identified")

    def write(entry: AnyEntry, payer: str) -> str:
        values = {
            "amount": format_amount(abs(entry.amount), entry.currency, lang),
            "booked_on": format_date(entry.booked_on, lang),
            "payer": payer,
        }
        return (with_payer if payer else without_payer) % values

    return write


def _ibans(entry: AnyEntry) -> list[tuple[str, int | None]]:
    """The payer's IBANs of ``entry`` (of each transaction of a batch), with the transaction."""
    found = []
    if entry.counterparty_iban:
        found.append((compact_iban(entry.counterparty_iban), None))
    for part, detail in enumerate(entry.details or []):
        if detail.get("counterparty_iban"):
            found.append((compact_iban(str(detail["counterparty_iban"])), part))
    return [(iban, part) for iban, part in found if iban]


Suggested = dict[int, list[tuple[int, int | None, bool]]]
"""By entry, its suggestions as ``(customer id, part, identifying)`` in the order of their part and rank."""


def identifying(codes: Iterable[str]) -> bool:
    """Whether a suggestion with these reasons' codes points to its customer by more than the amount."""
    return any(code in IDENTIFYING for code in codes)


def _candidates(
    organization: Organization, entries: Sequence[AnyEntry], suggested: Suggested | None = None
) -> dict[tuple[int, int], int | None]:
    """``(entry id, customer id)`` of the customers each entry points to, with the transaction that does.
    ``suggested``: the entries' suggestions as the caller just wrote them (else they are read)."""
    out: dict[tuple[int, int], int | None] = {}
    ids = [e.pk for e in entries]
    if suggested is not None:
        for entry_id in sorted(ids):
            for customer_id, part, points in suggested.get(entry_id, ()):
                if points:
                    out.setdefault((entry_id, customer_id), part)
    else:
        for entry_id, customer_id, part, reasons in (
            BankSuggestion.objects.filter(organization=organization, entry_id__in=ids)
            .order_by("entry_id", "part", "rank", "pk")
            .values_list("entry_id", "customer_id", "part", "reasons")
        ):
            if identifying(r.get("code") for r in reasons or [] if isinstance(r, dict)):
                out.setdefault((entry_id, customer_id), part)
    ibans = {e.pk: _ibans(e) for e in entries}
    wanted = {iban for found in ibans.values() for iban, _part in found}
    if wanted:
        owners: dict[str, list[int]] = {}
        meta = CustomerIban._meta
        qn = connection.ops.quote_name
        iban_column = qn(meta.get_field("iban").column)
        for iban, customer_id in select_in(
            f"SELECT {iban_column}, {qn(meta.get_field('customer').column)} FROM {qn(meta.db_table)} "
            f"WHERE {qn(meta.get_field('organization').column)} = %s AND {iban_column} IN ({{marks}}) "
            f"ORDER BY {iban_column}",
            [organization.pk],
            sorted(wanted),
        ):
            owners.setdefault(iban, []).append(customer_id)
        for entry_id, found in ibans.items():
            for iban, part in found:
                for customer_id in owners.get(iban, ()):
                    out.setdefault((entry_id, customer_id), part)
    return out


def place_holds(
    organization: Organization,
    entry_ids: Iterable[int],
    *,
    actor: Actor,
    today: date | None = None,
    again: bool = False,
    entries: Sequence[EntryRow] | None = None,
    suggested: Suggested | None = None,
) -> int:
    """Hold the reminders of the customers the credits ``entry_ids`` (those still unmatched or suggested) point
    to, from ``today`` (default today) to at most the organization's limit after the first hold of the same entry
    and customer. An entry and customer held once are not held again (a person may have lifted the hold), unless
    ``again`` (the application of the entry was undone), and never twice at a time. Returns how many holds were
    placed. ``entries``: the rows of those credits, known by the caller to be unmatched or suggested credits (the
    matching just wrote their states), so they are not read again; ``suggested``: with ``entries``, their
    suggestions as the matching just wrote them (an unmatched credit has none before), so they are not read
    again either."""
    days = hold_days(organization)
    ids = sorted({int(i) for i in entry_ids})
    if days <= 0 or not ids:
        return 0
    today = today or timezone.localdate()
    known = {e.pk: e for e in entries} if entries is not None else None
    placed = 0
    for start in range(0, len(ids), CHUNK):
        chunk = ids[start : start + CHUNK]
        rows = [known[i] for i in chunk if i in known] if known is not None else None
        placed += _place_chunk(
            organization,
            chunk,
            days=days,
            actor=actor,
            today=today,
            again=again,
            rows=rows,
            suggested=suggested if rows is not None else None,
        )
    return placed


def _place_chunk(
    organization: Organization,
    ids: list[int],
    *,
    days: int,
    actor: Actor,
    today: date,
    again: bool,
    rows: Sequence[EntryRow] | None,
    suggested: Suggested | None = None,
) -> int:
    entries: Sequence[AnyEntry]
    if rows is not None:
        entries = rows
    else:
        entries = list(
            BankEntry.objects.filter(
                organization=organization,
                pk__in=ids,
                state__in=[EntryState.UNMATCHED, EntryState.SUGGESTED],
                amount__gt=0,
            ).only("pk", "booked_on", "amount", "currency", "counterparty_name", "counterparty_iban", "details")
        )
    candidates = _candidates(organization, entries, suggested)
    if not candidates:
        return 0
    # The entries held before (none, for credits just imported), found with a plain query: the ORM would prepare
    # each of thousands of ids; then read as models.
    meta = EntryHold._meta
    qn = connection.ops.quote_name
    held = [
        pk
        for (pk,) in select_in(
            f"SELECT {qn(meta.pk.column)} FROM {qn(meta.db_table)} WHERE {qn(meta.get_field('entry').column)} "
            "IN ({marks})",
            [],
            [e.pk for e in entries],
        )
    ]
    links = {
        (link.entry_id, link.customer_id): link
        for link in (EntryHold.objects.filter(pk__in=held).select_related("hold") if held else ())
    }
    by_id = {e.pk: e for e in entries}
    # Plain rows written at once (no model instances): an import may hold thousands of customers.
    plans: list[tuple[AnyEntry, int, EntryHold | None, date, date, date, str, str]] = []
    reason_of = _reason_writer()
    for (entry_id, customer_id), part in sorted(candidates.items(), key=lambda kv: kv[0]):
        link = links.get((entry_id, customer_id))
        if link is not None and (
            not again or (link.hold.released_at is None and (link.hold.ends_on or today) >= today)
        ):
            continue  # held once already, or it holds still
        first_on = link.first_on if link is not None else today
        ends_on = first_on + timedelta(days=days - 1)
        if ends_on < today:
            continue  # the limit has passed: the entry has held this customer long enough
        entry = by_id[entry_id]
        payer = _payer(entry, part)
        plans.append((entry, customer_id, link, first_on, min(today, ends_on), ends_on, payer, reason_of(entry, payer)))
    if not plans:
        return 0
    author_id = actor.user.pk if actor.user is not None else None
    label = actor.label[:150]
    hold_ids = insert_returning_ids(
        Hold,
        ("organization", "customer", "kind", "reason", "starts_on", "ends_on", "author", "author_label"),
        [
            (organization.pk, customer_id, HoldKind.UNMATCHED_PAYMENT.value, reason, starts_on, ends_on, author_id,
             label)
            for _entry, customer_id, _link, _first, starts_on, ends_on, _payer_name, reason in plans
        ],
    )  # fmt: skip
    new_links = []
    for (entry, customer_id, link, first_on, *_rest), hold_id in zip(plans, hold_ids, strict=True):
        if link is None:
            new_links.append((organization.pk, entry.pk, customer_id, hold_id, first_on))
        else:
            link.hold_id = hold_id
            link.save(update_fields=["hold"])
    insert_with_defaults(EntryHold, ("organization", "entry", "customer", "hold", "first_on"), new_links)
    bulk_record_events(
        organization,
        actor,
        [
            (
                customer_id,
                "bank.identify_hold_placed",
                {
                    "hold": hold_id,
                    "entry": entry.pk,
                    "booked_on": entry.booked_on,
                    "amount": _amount_text(entry.amount),
                    "currency": entry.currency,
                    "payer": payer,
                    "starts_on": starts_on,
                    "ends_on": ends_on,
                },
            )
            for (entry, customer_id, _link, _first, starts_on, ends_on, payer, _reason_text), hold_id in zip(
                plans, hold_ids, strict=True
            )
        ],
    )
    _withdraw_queued(organization, {p[1] for p in plans}, actor=actor, today=today)
    return len(plans)


def _withdraw_queued(organization: Organization, customer_ids: set[int], *, actor: Actor, today: date) -> None:
    """What is queued for the customers now held is withdrawn; their calls and escalation steps closed."""
    from recouvre.collections.models import Action
    from recouvre.collections.withdrawals import withdraw_held
    from recouvre.tasks.settled import close_settled_tasks

    meta = Action._meta
    qn = connection.ops.quote_name
    states = [str(ActionState.PLANNED), str(ActionState.AWAITING_APPROVAL), str(ActionState.READY)]
    column = {name: qn(meta.get_field(name).column) for name in ("organization", "state", "customer")}
    queued = {
        customer_id
        for (customer_id,) in select_in(
            f"SELECT {column['customer']} FROM {qn(meta.db_table)} WHERE {column['organization']} = %s "
            f"AND {column['state']} IN (%s, %s, %s) AND {column['customer']} IN ({{marks}})",
            [organization.pk, *states],
            sorted(customer_ids),
        )
    }
    if queued:
        for customer in Customer.objects.filter(organization=organization, pk__in=queued):
            withdraw_held(organization, customer, actor=actor, on=today, hold_kind=HoldKind.UNMATCHED_PAYMENT)
    close_settled_tasks(organization, actor=actor, today=today, customer_ids=customer_ids)


def release_holds(organization: Organization, entry: BankEntry, *, actor: Actor, today: date | None = None) -> int:
    """End the holds of ``entry`` that its fate resolves: the customer it was applied to (``applied``), every
    customer once the entry is applied to another (``applied_elsewhere``) or set aside (``set_aside``). A hold past
    its last day is left as it ended. Returns how many were released."""
    links = list(
        EntryHold.objects.filter(entry=entry, hold__released_at__isnull=True).select_related("hold", "customer")
    )
    if not links:
        return 0
    today = today or timezone.localdate()
    applied_to = set(BankApplication.objects.filter(entry=entry).values_list("customer_id", flat=True))
    released = 0
    for link in links:
        if link.customer_id in applied_to:
            why = APPLIED
        elif entry.state == EntryState.IGNORED:
            why = SET_ASIDE
        elif entry.state == EntryState.APPLIED:
            why = APPLIED_ELSEWHERE
        else:
            continue
        hold = link.hold
        if hold.ends_on is not None and hold.ends_on < today:
            continue
        hold.released_at = timezone.now()
        hold.released_by = actor.user
        hold.outcome = HoldOutcome.RESOLVED if why == APPLIED else HoldOutcome.RELEASED
        hold.outcome_on = today
        hold.resolution = _why_text(why)
        hold.save(update_fields=["released_at", "released_by", "outcome", "outcome_on", "resolution"])
        record_event(
            organization,
            link.customer,
            "bank.identify_hold_released",
            actor,
            hold=hold.pk,
            entry=entry.pk,
            booked_on=entry.booked_on,
            amount=_amount_text(entry.amount),
            currency=entry.currency,
            why=why,
        )
        released += 1
    return released


def _why_text(why: str) -> str:
    return {
        APPLIED: _("the payment was applied to this customer"),
        APPLIED_ELSEWHERE: _("the payment was applied to another customer"),
        SET_ASIDE: _("the entry was set aside: not a customer's payment"),
    }.get(why, why)


def holds_of(organization: Organization, entry: BankEntry) -> list[EntryHold]:
    """The holds ``entry`` placed, with their customer, the latest first."""
    return list(
        EntryHold.objects.filter(organization=organization, entry=entry)
        .select_related("hold", "customer")
        .order_by("customer__name", "pk")
    )
