"""The company watch (``recouvre watch``, the scheduler's daily BODACC check):

- ``refresh_customer``: the customer's identity from the public company directory (``RECOUVRE_COMPANY_DIRECTORY_URL``,
  ``/search?q=SIREN``): registered name (kept beside the customer's name, never over it), legal form, registered
  office, NAF code, active or closed and since when. The
  changes are one ``watch.customer_refreshed`` event, which names the fields whose earlier value (typed by a person,
  or an earlier refresh) was replaced.
- ``check_bodacc``: the insolvency judgments and closures (radiations) published at the BODACC
  (``RECOUVRE_BODACC_URL``) about the organization's customers, their SIRENs asked 50 at a time. Each announcement
  is recorded once. An opening judgment (safeguard, receivership, liquidation) opens a *proposed* insolvency
  procedure, and a closure a proposed insolvency hold: either way collection of the customer stops at once, with
  the effects of a recorded insolvency (queued actions withdrawn, no injonction de payer), until a person confirms
  it or dismisses it (``confirm`` / ``dismiss``; dismissing releases the hold).

Outside calls are made here only, from an explicit command or the scheduler's job, never at start-up, with a short
timeout (``RECOUVRE_WATCH_TIMEOUT``) and a size limit. A server that cannot be reached raises ``WatchUnreachable``,
an answer that does not read ``WatchError``: one log line, the organization's ``WatchState`` records the error, and
nothing else is written. Every answer is read in full before anything is written, in one transaction.
"""

from __future__ import annotations

import logging
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from recouvre.collections import holds
from recouvre.collections.models import Hold, HoldKind
from recouvre.core import companywatch as core
from recouvre.core.identifiers import IdentifierError, validate_siren
from recouvre.ledger.actors import Actor
from recouvre.ledger.models import CompanyStatus, Customer
from recouvre.ledger.services import record_event
from recouvre.legal.insolvency import record_procedure
from recouvre.legal.models import InsolvencyProcedure, ProcedureState
from recouvre.organizations.models import Organization

from .models import Announcement, AnnouncementKind, AnnouncementState, WatchState

log = logging.getLogger(__name__)
WATCH = Actor.system("company watch")
MAX_ANSWER_BYTES = 2_000_000
SIRENS_PER_REQUEST = 50
PAGE_SIZE = 100  # the most the records API gives at a time
MAX_PAGES = 20
FIRST_LOOK_BACK_DAYS = 90  # the first check reads this far back
OVERLAP_DAYS = 7  # later checks read again from a week before the last one succeeded


class WatchError(Exception):
    """The answer of a public source does not read (the reason says why); nothing was written."""


class WatchUnreachable(WatchError):
    """The public source could not be reached, or answered with an error; nothing was written."""


def _timeout() -> float:
    return float(getattr(settings, "RECOUVRE_WATCH_TIMEOUT", 10))


def fetch_json(url: str, source: str) -> dict[str, Any]:
    """The JSON object at ``url``, or ``WatchUnreachable`` / ``WatchError`` naming what went wrong."""
    request = urllib.request.Request(url, headers={"Accept": "application/json", "User-Agent": "Recouvre"})
    try:
        with urllib.request.urlopen(request, timeout=_timeout()) as answer:  # noqa: S310 - http(s) URL of a setting
            body = answer.read(MAX_ANSWER_BYTES + 1)
    except urllib.error.HTTPError as exc:
        raise WatchUnreachable(
            _("%(source)s answered HTTP %(status)s") % {"source": source, "status": exc.code}
        ) from None
    except (urllib.error.URLError, TimeoutError, OSError) as exc:
        reason = getattr(exc, "reason", exc)
        raise WatchUnreachable(
            _("%(source)s could not be reached: %(reason)s") % {"source": source, "reason": reason}
        ) from None
    if len(body) > MAX_ANSWER_BYTES:
        raise WatchError(
            _("the answer of %(source)s is larger than %(size)d bytes") % {"source": source, "size": MAX_ANSWER_BYTES}
        )
    try:
        return core.load(body)
    except core.AnswerError as exc:
        raise WatchError(
            _("the answer of %(source)s does not read: %(reason)s") % {"source": source, "reason": exc}
        ) from None


def siren_of(customer: Customer) -> str:
    """The customer's SIREN (or its SIRET's first nine digits), validated; "" when it has none that is valid."""
    for text in (customer.siren, customer.siret[:9]):
        if text.strip():
            try:
                return validate_siren(text)
            except IdentifierError:
                continue
    return ""


# --------------------------------------------------------------------------------------------- directory


@dataclass
class Refreshed:
    customer: Customer
    changes: dict[str, list[Any]] = field(default_factory=dict)
    replaced: list[str] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        c = self.customer
        return {
            "customer": c.ref,
            "siren": siren_of(c),
            "name": c.name,
            "registered_name": c.registered_name,
            "legal_form": c.legal_form,
            "registered_office": c.registered_office,
            "naf_code": c.naf_code,
            "company_status": c.company_status,
            "company_closed_on": c.company_closed_on,
            "changes": self.changes,
            "replaced": self.replaced,
        }


def directory_url(siren: str) -> str:
    base = settings.RECOUVRE_COMPANY_DIRECTORY_URL.rstrip("/")
    return f"{base}/search?{urllib.parse.urlencode({'q': siren, 'page': 1, 'per_page': 5})}"


def refresh_customer(customer: Customer, *, actor: Actor = WATCH) -> Refreshed:
    """Refresh ``customer``'s identity from the directory (see the module description). ``ValidationError`` when the
    customer has no valid SIREN or the directory does not know it; ``WatchError`` when the directory fails."""
    siren = siren_of(customer)
    if not siren:
        raise ValidationError(_("This customer has no valid SIREN: give it one first."))
    source = _("the company directory")
    where = directory_url(siren)
    try:
        identity = core.directory_identity(fetch_json(where, source), siren)
    except core.AnswerError as exc:
        log.warning("company directory refresh of %s failed: %s (%s)", siren, exc, where)
        raise WatchError(
            _("the answer of %(source)s does not read: %(reason)s") % {"source": source, "reason": exc}
        ) from None
    except WatchError as exc:
        log.warning("company directory refresh of %s failed: %s (%s)", siren, exc, where)
        raise
    if identity is None:
        raise ValidationError(_("The company directory does not know the SIREN %(siren)s.") % {"siren": siren})
    wanted: dict[str, Any] = {
        "registered_name": identity.legal_name,  # beside the name the organization uses, never over it
        "legal_form": identity.legal_form,
        "registered_office": identity.registered_office,
        "naf_code": identity.naf_code,
        "company_status": CompanyStatus.ACTIVE if identity.active else CompanyStatus.CLOSED,
        "company_closed_on": identity.closed_on,
    }
    with transaction.atomic():
        customer = Customer.objects.select_for_update().get(pk=customer.pk)
        result = Refreshed(customer)
        for name, value in wanted.items():
            old = getattr(customer, name)
            if value in ("", None) or old == value:
                continue  # the directory says nothing: what is there stays
            result.changes[name] = [old.isoformat() if isinstance(old, date) else old, _plain(value)]
            if old not in ("", None):
                result.replaced.append(name)
            setattr(customer, name, value)
        customer.company_checked_at = timezone.now()
        customer.save()
        if result.changes:
            record_event(
                customer.organization,
                customer,
                "watch.customer_refreshed",
                actor,
                siren=siren,
                changes=result.changes,
                replaced=", ".join(result.replaced),
            )
    return result


def _plain(value: Any) -> Any:
    return value.isoformat() if isinstance(value, date) else str(value) if isinstance(value, CompanyStatus) else value


# --------------------------------------------------------------------------------------------- BODACC


@dataclass
class Checked:
    since: date
    requests: int = 0
    customers: int = 0
    announcements: list[Announcement] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return {
            "since": self.since,
            "customers_watched": self.customers,
            "requests": self.requests,
            "announcements": [announcement_dict(a) for a in self.announcements],
        }


def announcement_dict(a: Announcement) -> dict[str, Any]:
    return {
        "id": a.pk,
        "announcement": a.announcement_id,
        "customer": a.customer.ref,
        "siren": a.siren,
        "kind": a.kind,
        "nature": a.nature,
        "judgment_on": a.judgment_on,
        "published_on": a.published_on,
        "court": a.court,
        "state": a.state,
        "procedure": a.procedure_id,
        "collection_stopped": a.hold_id is not None and a.hold is not None and a.hold.released_at is None,
    }


def bodacc_url(sirens: list[str], since: date, offset: int) -> str:
    query = urllib.parse.urlencode(
        {
            "where": core.bodacc_where(sirens, since),
            "order_by": "dateparution",
            "limit": PAGE_SIZE,
            "offset": offset,
        }
    )
    return f"{settings.RECOUVRE_BODACC_URL.rstrip('/')}?{query}"


def _default_since(organization: Organization, today: date) -> date:
    state = WatchState.objects.filter(organization=organization).first()
    if state is not None and state.last_success_at is not None:
        return timezone.localtime(state.last_success_at).date() - timedelta(days=OVERLAP_DAYS)
    return today - timedelta(days=FIRST_LOOK_BACK_DAYS)


def _watched(organization: Organization) -> dict[str, list[Customer]]:
    by_siren: dict[str, list[Customer]] = {}
    rows = Customer.objects.filter(organization=organization).exclude(siren="", siret="").order_by("ref")
    for customer in rows:
        siren = siren_of(customer)
        if siren:
            by_siren.setdefault(siren, []).append(customer)
    return by_siren


def _read_all(sirens: list[str], since: date, result: Checked) -> list[core.Announcement]:
    source = _("the BODACC")
    found: list[core.Announcement] = []
    for start in range(0, len(sirens), SIRENS_PER_REQUEST):
        batch = sirens[start : start + SIRENS_PER_REQUEST]
        for page in range(MAX_PAGES):
            body = fetch_json(bodacc_url(batch, since, page * PAGE_SIZE), source)
            result.requests += 1
            try:
                rows = core.results(body)
                found += [core.bodacc_announcement(row) for row in rows]
            except core.AnswerError as exc:
                raise WatchError(
                    _("the answer of %(source)s does not read: %(reason)s") % {"source": source, "reason": exc}
                ) from None
            total = body.get("total_count")
            if len(rows) < PAGE_SIZE or not isinstance(total, int) or (page + 1) * PAGE_SIZE >= total:
                break
    return found


def _record_failure(organization: Organization, exc: Exception) -> None:
    now = timezone.now()
    WatchState.objects.update_or_create(
        organization=organization, defaults={"last_attempt_at": now, "last_error": str(exc)[:500]}
    )


def check_bodacc(
    organization: Organization, *, since: date | None = None, today: date | None = None, actor: Actor = WATCH
) -> Checked:
    """Look for the BODACC announcements about ``organization``'s customers published since ``since`` (default: a
    week before the last successful check, else 90 days back) and act on the new ones (see the module
    description). ``WatchUnreachable`` / ``WatchError`` (logged once, recorded in ``WatchState``): nothing else
    written."""
    today = today or timezone.localdate()
    since = since or _default_since(organization, today)
    result = Checked(since)
    watched = _watched(organization)
    result.customers = sum(len(v) for v in watched.values())
    try:
        found = _read_all(sorted(watched), since, result) if watched else []
    except WatchError as exc:
        log.warning("BODACC check for %s failed: %s", organization.slug, exc)
        _record_failure(organization, exc)
        raise
    with transaction.atomic():
        for item in found:
            for siren in item.sirens:
                for customer in watched.get(siren, []):
                    try:
                        with transaction.atomic():
                            recorded = _act_on(organization, customer, siren, item, actor=actor, today=today)
                    except ValidationError as exc:  # e.g. an over-indebtedness of the same customer: told, skipped
                        log.warning(
                            "BODACC announcement %s about %s not recorded: %s",
                            item.announcement_id,
                            customer.ref,
                            " ".join(exc.messages),
                        )
                        continue
                    except IntegrityError:  # recorded meanwhile by another check (the scheduler, a command)
                        continue
                    if recorded is not None:
                        result.announcements.append(recorded)
        WatchState.objects.update_or_create(
            organization=organization,
            defaults={
                "last_success_at": timezone.now(),
                "last_attempt_at": timezone.now(),
                "last_error": "",
                "checked_since": since,
            },
        )
    return result


def _live_insolvency(customer: Customer) -> bool:
    if Hold.objects.filter(customer=customer, kind=HoldKind.INSOLVENCY, released_at__isnull=True).exists():
        return True
    return (
        InsolvencyProcedure.objects.filter(customer=customer, closed_on__isnull=True)
        .exclude(state=ProcedureState.DISMISSED)
        .exists()
    )


def _act_on(
    organization: Organization, customer: Customer, siren: str, item: core.Announcement, *, actor: Actor, today: date
) -> Announcement | None:
    """Record ``item`` about ``customer`` unless it is recorded already; propose what it says."""
    if Announcement.objects.filter(
        organization=organization, customer=customer, announcement_id=item.announcement_id
    ).exists():
        return None
    announcement = Announcement(
        organization=organization,
        customer=customer,
        announcement_id=item.announcement_id,
        siren=siren,
        kind=item.kind,
        nature=item.nature,
        judgment_on=item.judgment_on,
        published_on=item.published_on,
        court=item.court,
        state=AnnouncementState.NOTED,
    )
    acts = item.kind != AnnouncementKind.OTHER and not _live_insolvency(customer)
    note = _("Found at the BODACC (announcement %(id)s): %(nature)s") % {
        "id": item.announcement_id,
        "nature": item.nature,
    }
    if acts and item.procedure_kind is not None:
        judgment_on = min(item.judgment_on or item.published_on, item.published_on, today)
        procedure = record_procedure(
            organization,
            customer,
            actor=actor,
            kind=item.procedure_kind,
            judgment_on=judgment_on,
            published_on=item.published_on if item.published_on >= judgment_on else None,
            court=item.court,
            note=note,
            today=today,
            state=ProcedureState.PROPOSED,
        )
        announcement.procedure = procedure
        announcement.hold = procedure.hold
        announcement.state = AnnouncementState.PROPOSED
    elif acts:  # a closure (radiation)
        announcement.hold = holds.record_insolvency(
            organization,
            customer,
            actor=actor,
            opened_on=min(item.published_on, today),
            procedure=str(AnnouncementKind.CLOSURE.label),
            note=note,
            today=today,
        )
        announcement.state = AnnouncementState.PROPOSED
    announcement.save()
    record_event(
        organization,
        customer,
        "watch.announcement_proposed"
        if announcement.state == AnnouncementState.PROPOSED
        else "watch.announcement_noted",
        actor,
        announcement=announcement.pk,
        bodacc_id=item.announcement_id,
        announcement_kind=item.kind,
        nature=item.nature,
        published_on=item.published_on,
        court=item.court,
        procedure=announcement.procedure_id or "",
    )
    return announcement


# --------------------------------------------------------------------------------------------- decisions


def _locked_proposed(announcement: Announcement) -> Announcement:
    announcement = (
        Announcement.objects.select_for_update(of=("self",))
        .select_related("organization", "customer", "procedure", "hold")
        .get(pk=announcement.pk)
    )
    if announcement.state != AnnouncementState.PROPOSED:
        raise ValidationError(
            _("This announcement is not waiting for a decision (it is %(state)s).")
            % {"state": announcement.get_state_display()}
        )
    return announcement


def _decided(announcement: Announcement, state: str, actor: Actor) -> None:
    announcement.state = state
    announcement.decided_at = timezone.now()
    announcement.decided_by = actor.user
    announcement.decided_by_label = actor.label
    announcement.save(update_fields=["state", "decided_at", "decided_by", "decided_by_label"])


@transaction.atomic
def confirm(announcement: Announcement, *, actor: Actor) -> Announcement:
    """A person confirms what the BODACC said: the procedure is recorded as any other, collection stays stopped."""
    announcement = _locked_proposed(announcement)
    _decided(announcement, AnnouncementState.CONFIRMED, actor)
    if announcement.procedure is not None:
        InsolvencyProcedure.objects.filter(pk=announcement.procedure_id).update(state=ProcedureState.CONFIRMED)
    if announcement.kind == AnnouncementKind.CLOSURE and announcement.customer.company_status != CompanyStatus.CLOSED:
        Customer.objects.filter(pk=announcement.customer_id).update(company_status=CompanyStatus.CLOSED)
    record_event(
        announcement.organization,
        announcement.customer,
        "watch.announcement_confirmed",
        actor,
        announcement=announcement.pk,
        bodacc_id=announcement.announcement_id,
        nature=announcement.nature,
        procedure=announcement.procedure_id or "",
    )
    return announcement


@transaction.atomic
def dismiss(announcement: Announcement, *, actor: Actor, note: str = "") -> Announcement:
    """A person dismisses what was proposed (another company, a mistake): the procedure is kept as dismissed, the
    hold is released and collection resumes at the next run."""
    announcement = _locked_proposed(announcement)
    _decided(announcement, AnnouncementState.DISMISSED, actor)
    if announcement.procedure is not None:
        InsolvencyProcedure.objects.filter(pk=announcement.procedure_id).update(state=ProcedureState.DISMISSED)
    record_event(
        announcement.organization,
        announcement.customer,
        "watch.announcement_dismissed",
        actor,
        announcement=announcement.pk,
        bodacc_id=announcement.announcement_id,
        nature=announcement.nature,
        procedure=announcement.procedure_id or "",
        note=note,
    )
    if announcement.hold is not None:
        holds.release_hold(announcement.hold, actor=actor, note=note or _("BODACC announcement dismissed"))
    return announcement


def announcement(organization: Organization, pk: int) -> Announcement:
    return Announcement.objects.select_related("customer", "organization", "hold").get(organization=organization, pk=pk)


def state_of(organization: Organization) -> WatchState | None:
    return WatchState.objects.filter(organization=organization).first()
