"""Tenant-scoped reads about imports: the history of runs and the saved mappings."""

from __future__ import annotations

from django.db.models import QuerySet

from recouvre.organizations.models import Organization

from .models import ImportMapping, ImportRun


def import_runs(organization: Organization) -> QuerySet[ImportRun]:
    return ImportRun.objects.filter(organization=organization).select_related("actor")


def recent_runs(organization: Organization, limit: int = 20) -> list[ImportRun]:
    """The organization's latest imports, newest first."""
    return list(import_runs(organization).order_by("-started_at", "-id")[:limit])


def import_run(organization: Organization, pk: int) -> ImportRun:
    """The run ``pk`` of this organization; ``ImportRun.DoesNotExist`` otherwise (a 404 for views)."""
    return import_runs(organization).get(pk=pk)


def saved_mappings(organization: Organization, kind: str | None = None) -> QuerySet[ImportMapping]:
    qs = ImportMapping.objects.filter(organization=organization)
    return qs.filter(kind=kind) if kind else qs
