"""Court proceedings: opening one, recording its steps, closing it. One transaction each, each leaving an event
on the customer's timeline.

While a proceeding is open the customer's collections stop: opening it places a hold of kind ``manual`` on the
whole customer through ``recouvre.collections.holds.place_hold`` (the reason names the proceeding), closing it
releases that hold.

The customer's links to the customer portal are revoked (``recouvre.portal.links.revoke_links``) when the claim
leaves the amicable stage: opening an injonction de payer, drawing its request, exporting the hand-off package; in
the same transaction as the event that records it."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from recouvre.collections.holds import place_hold, release_hold
from recouvre.collections.models import HoldKind
from recouvre.ledger.actors import Actor
from recouvre.ledger.models import Customer
from recouvre.ledger.services import record_event
from recouvre.organizations.models import Organization
from recouvre.portal.links import revoke_links
from recouvre.portal.models import RevokedBecause

from .models import Proceeding, ProceedingRoute, ProceedingStatus, ServiceRegime

if TYPE_CHECKING:
    from .handoff import Handoff
    from .requete import InjonctionRequest

# The fields a person may change after opening, in the order the timeline lists them.
EDITABLE = (
    "status",
    "court",
    "reference",
    "amount_claimed",
    "filed_on",
    "order_on",
    "service_regime",
    "served_on",
    "notes",
)


def _today(today: date | None) -> date:
    return today or timezone.localdate()


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, date):
        return value.isoformat()
    return str(value)


def _shown(proceeding: Proceeding, name: str) -> str:
    if Proceeding._meta.get_field(name).choices:
        return str(getattr(proceeding, f"get_{name}_display")())
    return _text(getattr(proceeding, name))


def _check_dates(p: Proceeding) -> None:
    if p.order_on and p.filed_on and p.order_on < p.filed_on:
        raise ValidationError(_("The order cannot be dated before the request was filed."))
    if p.served_on and p.order_on and p.served_on < p.order_on:
        raise ValidationError(_("The order cannot be served before its date."))


@transaction.atomic
def open_proceeding(
    organization: Organization,
    customer: Customer,
    *,
    route: str,
    actor: Actor,
    court: str = "",
    amount_claimed: Decimal | None = None,
    notes: str = "",
    today: date | None = None,
) -> Proceeding:
    """Start proceedings against ``customer`` by ``route``; collections stop until they are closed."""
    if customer.organization_id != organization.pk:
        raise ValidationError(_("This customer is not a customer of the organization."))
    if route not in ProceedingRoute.values:
        raise ValidationError(_("Unknown route: %(route)s.") % {"route": route})
    Customer.objects.select_for_update().filter(pk=customer.pk).first()  # one opening at a time per customer
    if Proceeding.objects.filter(customer=customer, closed_on__isnull=True).exists():
        raise ValidationError(_("Proceedings are already open for this customer."))
    on = _today(today)
    label = ProceedingRoute(route).label
    hold = place_hold(
        organization,
        customer,
        kind=HoldKind.MANUAL,
        starts_on=on,
        actor=actor,
        reason=_("Court proceedings: %(route)s") % {"route": label},
    )
    proceeding = Proceeding.objects.create(
        organization=organization,
        customer=customer,
        route=route,
        court=court,
        amount_claimed=amount_claimed,
        notes=notes,
        opened_on=on,
        hold=hold,
    )
    if route == ProceedingRoute.INJONCTION:
        revoke_links(customer, actor=actor, because=RevokedBecause.INJONCTION)
    record_event(
        organization,
        customer,
        "proceedings.opened",
        actor,
        proceeding=proceeding.pk,
        route=str(label),
        court=court or "—",
    )
    return proceeding


@transaction.atomic
def update_proceeding(proceeding: Proceeding, *, actor: Actor, **changes: Any) -> Proceeding:
    """Record new facts of ``proceeding`` (status, court, dates...). The timeline lists what changed, with the
    deadlines they set."""
    proceeding = Proceeding.objects.select_for_update().select_related("organization", "customer").get(pk=proceeding.pk)
    if proceeding.closed_on is not None:
        raise ValidationError(_("These proceedings are closed."))
    unknown = set(changes) - set(EDITABLE)
    if unknown:
        raise ValidationError(_("Cannot change: %(fields)s.") % {"fields": ", ".join(sorted(unknown))})
    if "status" in changes and changes["status"] not in ProceedingStatus.values:
        raise ValidationError(_("Unknown status: %(status)s.") % {"status": changes["status"]})
    if "service_regime" in changes and changes["service_regime"] not in ServiceRegime.values:
        raise ValidationError(_("Unknown service deadline: %(value)s.") % {"value": changes["service_regime"]})
    changed = []
    for name in EDITABLE:
        if name in changes and getattr(proceeding, name) != changes[name]:
            setattr(proceeding, name, changes[name])
            changed.append(name)
    if not changed:
        return proceeding
    if proceeding.status == ProceedingStatus.CLOSED:
        raise ValidationError(_("Close the proceedings with their outcome."))
    _check_dates(proceeding)
    proceeding.save()
    fields = ", ".join(
        f"{Proceeding._meta.get_field(name).verbose_name}: {_shown(proceeding, name) or '—'}"
        for name in changed
        if name != "notes"
    ) + (f"{', ' if len(changed) > 1 else ''}{_('notes changed')}" if "notes" in changed else "")
    record_event(
        proceeding.organization,
        proceeding.customer,
        "proceedings.updated",
        actor,
        proceeding=proceeding.pk,
        route=proceeding.get_route_display(),
        fields=fields,
        service_deadline=_text(proceeding.service_deadline),
        opposition_deadline=_text(proceeding.opposition_deadline),
    )
    return proceeding


@transaction.atomic
def add_enforcement_step(proceeding: Proceeding, *, on: date, step: str, actor: Actor, note: str = "") -> Proceeding:
    """An enforcement act (*commandement de payer*, *saisie-attribution*, ...) done on ``on``."""
    proceeding = Proceeding.objects.select_for_update().select_related("organization", "customer").get(pk=proceeding.pk)
    if proceeding.closed_on is not None:
        raise ValidationError(_("These proceedings are closed."))
    if not step.strip():
        raise ValidationError(_("Say which enforcement step was taken."))
    proceeding.enforcement = [*proceeding.enforcement, {"on": on.isoformat(), "step": step.strip(), "note": note}]
    proceeding.status = ProceedingStatus.ENFORCEMENT
    proceeding.save(update_fields=["enforcement", "status", "updated_at"])
    record_event(
        proceeding.organization,
        proceeding.customer,
        "proceedings.enforcement",
        actor,
        proceeding=proceeding.pk,
        on=on,
        step=step.strip(),
        note=note,
    )
    return proceeding


@transaction.atomic
def close_proceeding(proceeding: Proceeding, *, actor: Actor, outcome: str, today: date | None = None) -> Proceeding:
    """End ``proceeding`` with ``outcome`` (paid, settled, abandoned...): the hold it placed is released and
    collections resume at the next run."""
    proceeding = Proceeding.objects.select_for_update().select_related("organization", "customer").get(pk=proceeding.pk)
    if proceeding.closed_on is not None:
        raise ValidationError(_("These proceedings are already closed."))
    if not outcome.strip():
        raise ValidationError(_("Say how the proceedings ended."))
    on = _today(today)
    proceeding.closed_on = on
    proceeding.status = ProceedingStatus.CLOSED
    proceeding.notes = (proceeding.notes + "\n" if proceeding.notes else "") + outcome.strip()
    proceeding.save(update_fields=["closed_on", "status", "notes", "updated_at"])
    if proceeding.hold is not None:
        release_hold(proceeding.hold, actor=actor, today=on, note=_("Court proceedings closed"))
    record_event(
        proceeding.organization,
        proceeding.customer,
        "proceedings.closed",
        actor,
        proceeding=proceeding.pk,
        route=proceeding.get_route_display(),
        outcome=outcome.strip(),
        closed_on=on,
    )
    return proceeding


@transaction.atomic
def export_injonction_request(
    organization: Organization, customer: Customer, *, as_of: date, actor: Actor
) -> InjonctionRequest:
    """Draw ``customer``'s injonction de payer request on ``as_of`` (the open proceedings' court and reference when
    there are some) and say so on the timeline; the customer's portal links are revoked."""
    from .requete import injonction_request
    from .selectors import open_proceeding as current

    request = injonction_request(organization, customer, as_of=as_of, proceeding=current(organization, customer))
    record_event(
        organization,
        customer,
        "proceedings.injonction_generated",
        actor,
        as_of=as_of,
        total=f"{request.total:.2f}",
        sha256=request.sha256,
    )
    revoke_links(customer, actor=actor, because=RevokedBecause.INJONCTION)
    return request


@transaction.atomic
def export_handoff(organization: Organization, customer: Customer, *, as_of: date, actor: Actor) -> Handoff:
    """Build ``customer``'s hand-off package on ``as_of`` and say so on the timeline (its data leaves Recouvre);
    the customer's portal links are revoked."""
    from .handoff import HANDOFF_VERSION, build_handoff

    handoff = build_handoff(organization, customer, as_of=as_of)
    record_event(
        organization,
        customer,
        "proceedings.handoff_exported",
        actor,
        as_of=as_of,
        version=HANDOFF_VERSION,
        files=handoff.files,
        sha256=handoff.sha256,
    )
    revoke_links(customer, actor=actor, because=RevokedBecause.HANDOFF)
    return handoff
