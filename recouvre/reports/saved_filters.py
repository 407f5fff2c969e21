"""Saved filters of the lists: read (``saved_filters``) and written (``save_filter``, ``delete_filter``) for one
user in one organization; nobody sees or deletes another user's."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import QuerySet
from django.http import QueryDict
from django.utils.translation import gettext as _

from recouvre.organizations.models import Organization

from .models import ListName, SavedFilter

MAX_PER_LIST = 50
MAX_QUERY = 1000


def saved_filters(organization: Organization, user: Any, list_name: str) -> QuerySet[SavedFilter]:
    return SavedFilter.objects.filter(organization=organization, user=user, list_name=list_name)


def clean_query(query: QueryDict) -> str:
    """A list's query string as it is saved: without the page number nor the export format."""
    kept = query.copy()
    for key in ("page", "format"):
        kept.pop(key, None)
    return kept.urlencode()


@transaction.atomic
def save_filter(organization: Organization, user: Any, list_name: str, *, name: str, query: str) -> SavedFilter:
    """Save ``query`` under ``name`` (replacing the user's filter of that name on that list)."""
    name = " ".join(name.split())[:80]
    if list_name not in ListName.values:
        raise ValidationError(_("Unknown list."))
    if not name:
        raise ValidationError(_("Give the filter a name."))
    if len(query) > MAX_QUERY:
        raise ValidationError(_("This filter is too long to be saved."))
    existing = saved_filters(organization, user, list_name).select_for_update().filter(name=name).first()
    if existing is not None:
        existing.query = query
        existing.save(update_fields=["query"])
        return existing
    if saved_filters(organization, user, list_name).count() >= MAX_PER_LIST:
        raise ValidationError(
            _("At most %(count)d saved filters per list: delete one first.") % {"count": MAX_PER_LIST}
        )
    return SavedFilter.objects.create(organization=organization, user=user, list_name=list_name, name=name, query=query)


def delete_filter(organization: Organization, user: Any, pk: int) -> SavedFilter | None:
    """Delete the user's saved filter ``pk``; ``None`` when it is not one of theirs."""
    found = SavedFilter.objects.filter(organization=organization, user=user, pk=pk).first()
    if found is not None:
        found.delete()
    return found
