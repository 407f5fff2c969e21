"""The organization's settings of the bank matching (``BankMatchSettings``): the threshold of automatic
application, the tolerance written off, and how long a payment being identified holds the customer's reminders.
Changed from the settings page and ``recouvre bank settings``; each change leaves a ``bank.settings_changed``
event."""

from __future__ import annotations

from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from recouvre.ledger.actors import Actor
from recouvre.ledger.services import record_event
from recouvre.organizations.models import Organization

from .models import IDENTIFY_HOLD_MAX_DAYS, BankMatchSettings

CENT = Decimal("0.01")


def settings_of(organization: Organization) -> BankMatchSettings:
    """The organization's settings, the defaults (not saved) when it has none."""
    return BankMatchSettings.objects.filter(organization=organization).first() or BankMatchSettings(
        organization=organization
    )


def settings_errors(
    *, auto_threshold: Decimal | None = None, tolerance: Decimal | None = None, identify_hold_days: int | None = None
) -> dict[str, str]:
    """What is wrong with these values, per field (nothing: they may be saved)."""
    errors = {}
    if auto_threshold is not None:
        if not Decimal("0") < auto_threshold <= Decimal("1"):
            errors["auto_threshold"] = _("the threshold is a number above 0 and at most 1, not %(value)s") % {
                "value": auto_threshold
            }
        elif auto_threshold != auto_threshold.quantize(CENT):
            errors["auto_threshold"] = _("the threshold has at most 2 decimals, not %(value)s") % {
                "value": auto_threshold
            }
    if tolerance is not None and (tolerance < 0 or tolerance != tolerance.quantize(CENT)):
        errors["tolerance"] = _("the tolerance is an amount of 0 or more, in cents at most, not %(value)s") % {
            "value": tolerance
        }
    if tolerance is not None and "tolerance" not in errors and tolerance >= Decimal("10000000000000"):
        errors["tolerance"] = _("the tolerance is too large: %(value)s") % {"value": tolerance}
    if identify_hold_days is not None and not 0 <= identify_hold_days <= IDENTIFY_HOLD_MAX_DAYS:
        errors["identify_hold_days"] = _("the days of hold are from 0 to %(max)s, not %(value)s") % {
            "max": IDENTIFY_HOLD_MAX_DAYS,
            "value": identify_hold_days,
        }
    return errors


@transaction.atomic
def update_settings(
    organization: Organization,
    *,
    actor: Actor,
    auto_threshold: Decimal | None = None,
    tolerance: Decimal | None = None,
    identify_hold_days: int | None = None,
) -> tuple[BankMatchSettings, bool]:
    """Change the settings given (``None``: unchanged); refused (``ValidationError`` per field) when a value is out
    of range. Returns the settings and whether anything changed (an event then)."""
    errors = settings_errors(auto_threshold=auto_threshold, tolerance=tolerance, identify_hold_days=identify_hold_days)
    if errors:
        raise ValidationError(errors)
    row, _created = BankMatchSettings.objects.select_for_update().get_or_create(organization=organization)
    wanted = {"auto_threshold": auto_threshold, "tolerance": tolerance, "identify_hold_days": identify_hold_days}
    changes = {name: value for name, value in wanted.items() if value is not None and value != getattr(row, name)}
    if not changes:
        return row, False
    for name, value in changes.items():
        setattr(row, name, value)
    row.save()
    record_event(
        organization,
        None,
        "bank.settings_changed",
        actor,
        threshold=row.auto_threshold,
        tolerance=row.tolerance,
        identify_hold_days=row.identify_hold_days,
        fields=", ".join(sorted(changes)),
    )
    return row, True
