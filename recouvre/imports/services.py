"""Imports: one entry point for the CLI and the web page."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from recouvre.core.importing import ImportResult
from recouvre.ledger.actors import Actor
from recouvre.organizations.models import Organization

ProgressFn = Callable[..., None]


def run_import(
    organization: Organization,
    kind: str,
    path: Path,
    *,
    actor: Actor,
    mapping: str | None = None,
    create_customers: bool = False,
    dry_run: bool = False,
    progress: ProgressFn | None = None,
    original_name: str | None = None,
) -> ImportResult:
    """Import ``path`` as ``kind`` (customers, invoices, payments, fec) into ``organization``.

    All-or-nothing: raises ``ImportRefused`` naming every bad line and writes nothing. With ``dry_run`` the
    result is computed and nothing is written.
    """
    raise NotImplementedError


def list_mappings(organization: Organization) -> list[dict[str, Any]]:
    raise NotImplementedError


def save_mapping(
    organization: Organization, name: str, kind: str, columns: dict[str, str], options: dict[str, Any]
) -> Any:
    raise NotImplementedError
