"""Exporting a customer's evidence dossier: the ZIP is built (``bundle.build_dossier``) and the export is written
on the customer's timeline (``dossier.exported``: the date of the dossier, how many exhibits, the ZIP's SHA-256),
so the account's history says which dossier left the house and when."""

from __future__ import annotations

from datetime import date

from recouvre.ledger.actors import Actor
from recouvre.ledger.chain import seal
from recouvre.ledger.models import Customer
from recouvre.ledger.services import record_event
from recouvre.organizations.models import Organization

from .bundle import Bundle, build_dossier


def export_dossier(organization: Organization, customer: Customer, *, as_of: date, actor: Actor) -> Bundle:
    """Build ``customer``'s dossier on ``as_of`` and record its export on the timeline. The organization's events
    are sealed first, so the dossier shows every event with its number and link and the chain's head."""
    seal(organization)
    bundle = build_dossier(organization, customer, as_of=as_of)
    record_event(
        organization,
        customer,
        "dossier.exported",
        actor,
        as_of=as_of,
        exhibits=len(bundle.exhibits),
        file_name=bundle.file_name,
        sha256=bundle.sha256,
        chain_seq=bundle.head.seq if bundle.head is not None else None,
        chain_hash=bundle.head.hash if bundle.head is not None else "",
    )
    return bundle
