"""Working through the due actions of the outbox, whatever their channel: e-mails are sent
(``recouvre.collections.dispatch``), letters are produced as PDFs to print and post (``recouvre.letters``), call
and internal tasks are opened on the collectors' worklist (``recouvre.tasks``). Actions awaiting approval are left
alone until a person approves them."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from recouvre.ledger.actors import Actor
from recouvre.letters.services import produce_due_letters
from recouvre.organizations.models import Organization
from recouvre.tasks.services import open_due_tasks

from .dispatch import DispatchResult, dispatch_due


@dataclass
class OutboxResult:
    emails: DispatchResult = field(default_factory=DispatchResult)
    letters_ready: int = 0
    tasks_opened: int = 0

    def as_dict(self) -> dict[str, Any]:
        return {**self.emails.as_dict(), "letters_ready": self.letters_ready, "tasks_opened": self.tasks_opened}


def process_due(organization: Organization | None, *, now: datetime, actor: Actor) -> OutboxResult:
    """Handle every due action of ``organization`` (all organizations when ``None``) at ``now``."""
    result = OutboxResult()
    result.emails = dispatch_due(organization, now=now, actor=actor)
    result.letters_ready = produce_due_letters(organization, now=now, actor=actor)
    result.tasks_opened = open_due_tasks(organization, now=now, actor=actor)
    return result
