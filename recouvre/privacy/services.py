"""Writes of the privacy app: saving an organization's privacy settings, and the purge.

The purge (``purge``) looks at every customer of an organization on a day, decides with
``recouvre.core.retention.decide`` what has outlived its legal duration, and, customer by customer in one
transaction each:

- anonymises the customer's personal data: its contacts (names, e-mails, phones) are removed; a consumer's name
  and addresses are replaced; the legal representative's name, the payer names and IBANs of its payments are
  blanked; the names, e-mails, phones and addresses found in its timeline, notes, tasks and stored messages are
  replaced by ``[anonymised]``; the stored text of its e-mails and the PDF of its letters are removed. Each
  timeline event keeps (or is first given) the SHA-256 digest of its original content (``recouvre.ledger.digests``),
  which the timeline's hash chain links, so the chain still verifies; each event whose data changed is marked
  anonymised (``anonymised_at``); each e-mail and letter keeps its SHA-256;
- deletes the documents on file that are not accounting documents still within their retention (an invoice's PDF
  stays until ``accounting_years`` after the invoice date), and their files once no document points at them;
- records an ``Erasure`` (the audit record, with counts) and a ``privacy.anonymised`` timeline event.

Invoices, credit notes, payments, allocations and their amounts are never deleted. A customer with an open claim
(open invoice, running hold, open court or insolvency proceedings) is never touched.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from django.db import transaction
from django.db.models import Count, Max, Q
from django.utils import timezone

from recouvre.bank.models import BankApplication, BankSuggestion, CustomerIban
from recouvre.core import retention
from recouvre.ledger.actors import Actor
from recouvre.ledger.digests import content_digest
from recouvre.ledger.models import Allocation, Contact, CreditNote, Customer, CustomerKind, Event, Invoice, Payment
from recouvre.ledger.services import record_event
from recouvre.organizations.models import Organization

from .models import Erasure, PrivacySettings
from .notice import settings_of

log = logging.getLogger(__name__)

ANONYMISED = "[anonymised]"
SETTINGS_FIELDS = (
    "notice_fr",
    "notice_en",
    "contact",
    "consumer_years",
    "business_years",
    "judgment_years",
    "accounting_years",
    "purge_by_scheduler",
)


def save_settings(organization: Organization, actor: Actor, **changes: Any) -> PrivacySettings:
    """Save the given settings (validated: size limits and bounds; ``ValidationError`` otherwise), with a timeline
    event naming the fields changed."""
    unknown = set(changes) - set(SETTINGS_FIELDS)
    if unknown:
        raise ValueError(f"unknown privacy settings: {sorted(unknown)}")
    with transaction.atomic():
        current = PrivacySettings.objects.select_for_update().filter(organization=organization).first()
        instance = current or PrivacySettings(organization=organization)
        changed = sorted(k for k, v in changes.items() if getattr(instance, k) != v)
        for key, value in changes.items():
            setattr(instance, key, value)
        instance.updated_by = actor.user
        instance.full_clean(exclude=["organization", "updated_by"])
        instance.save()
        if changed:
            record_event(organization, None, "privacy.settings", actor, fields=", ".join(changed))
    return instance


def policy_of(settings: PrivacySettings) -> retention.RetentionPolicy:
    return retention.RetentionPolicy(
        consumer_years=settings.consumer_years,
        business_years=settings.business_years,
        judgment_years=settings.judgment_years,
        accounting_years=settings.accounting_years,
    )


# ------------------------------------------------------------------------------------------------------- purge


@dataclass
class CustomerPurge:
    customer_id: int
    ref: str
    decision: retention.Decision
    done: dict[str, int] = field(default_factory=dict)
    error: str = ""

    def as_dict(self) -> dict[str, Any]:
        d = self.decision
        out: dict[str, Any] = {
            "customer": self.ref,
            "basis": d.basis.value,
            "archive_until": d.archive_until.isoformat(),
            "anonymise": d.anonymise,
            "documents_deleted": len(d.delete_documents),
            "documents_kept": len(d.keep_documents),
        }
        if self.done:
            out["done"] = self.done
        if self.error:
            out["error"] = self.error
        return out


@dataclass
class PurgeResult:
    organization: str
    as_of: date
    dry_run: bool
    purged: list[CustomerPurge] = field(default_factory=list)
    refused: dict[str, int] = field(default_factory=dict)  # refusal reason -> customers
    unchanged: int = 0  # customers already purged with nothing more to do

    @property
    def failed(self) -> list[CustomerPurge]:
        return [p for p in self.purged if p.error]

    def as_dict(self) -> dict[str, Any]:
        return {
            "organization": self.organization,
            "as_of": self.as_of.isoformat(),
            "dry_run": self.dry_run,
            "customers": [p.as_dict() for p in self.purged],
            "anonymised": sum(1 for p in self.purged if p.decision.anonymise and not p.error),
            "documents_deleted": sum(len(p.decision.delete_documents) for p in self.purged if not p.error),
            "kept": dict(sorted(self.refused.items())),
            "unchanged": self.unchanged,
            "failed": len(self.failed),
        }


def _by_customer(rows: Any, key: str = "customer_id", value: str = "n") -> dict[int, Any]:
    return {r[key]: r[value] for r in rows if r[key] is not None}


def _facts(organization: Organization, as_of: date) -> dict[int, tuple[str, retention.MatterFacts]]:
    """The facts of every customer of ``organization`` on ``as_of`` (a few set-based queries)."""
    from recouvre.collections.models import Action, ActionState, Hold
    from recouvre.documents.models import Document, DocumentKind
    from recouvre.legal.models import InsolvencyProcedure, WriteOff
    from recouvre.proceedings.models import Proceeding

    org = organization
    count = Count("id")
    open_invoices = _by_customer(
        Invoice.objects.filter(organization=org, open_amount__gt=0).values("customer_id").annotate(n=count)
    )
    active_holds = _by_customer(
        Hold.objects.filter(organization=org, released_at__isnull=True)
        .filter(Q(ends_on__isnull=True) | Q(ends_on__gte=as_of))
        .values("customer_id")
        .annotate(n=count)
    )
    open_proceedings = _by_customer(
        Proceeding.objects.filter(organization=org, closed_on__isnull=True).values("customer_id").annotate(n=count)
    )
    judgments = set(
        Proceeding.objects.filter(organization=org, order_on__isnull=False).values_list("customer_id", flat=True)
    )
    open_insolvencies = _by_customer(
        InsolvencyProcedure.objects.filter(organization=org, closed_on__isnull=True)
        .values("customer_id")
        .annotate(n=count)
    )
    last: dict[int, date] = {}

    def later(rows: Any) -> None:
        for customer_id, day in rows:
            if customer_id is None or day is None:
                continue
            day = day.date() if hasattr(day, "date") and callable(day.date) else day
            if customer_id not in last or day > last[customer_id]:
                last[customer_id] = day

    def maxima(qs: Any, *fields: str, by: str = "customer_id") -> None:
        for f in fields:
            later(qs.values(by).annotate(m=Max(f)).values_list(by, "m"))

    maxima(Invoice.objects.filter(organization=org), "issued_on", "due_on")
    maxima(Allocation.objects.filter(organization=org), "allocated_on", by="invoice__customer_id")
    maxima(Payment.objects.filter(organization=org), "received_on")
    maxima(CreditNote.objects.filter(organization=org), "issued_on")
    maxima(WriteOff.objects.filter(organization=org), "written_off_on", "reversed_at")
    maxima(Hold.objects.filter(organization=org), "starts_on", "ends_on", "outcome_on", "released_at")
    maxima(Proceeding.objects.filter(organization=org), "opened_on", "order_on", "served_on", "closed_on")
    maxima(InsolvencyProcedure.objects.filter(organization=org), "judgment_on", "closed_on")
    maxima(Action.objects.filter(organization=org, state=ActionState.SENT), "send_on")
    anonymised = set(Erasure.objects.filter(organization=org, anonymised=True).values_list("customer_id", flat=True))
    documents: dict[int, list[retention.DocumentFacts]] = {}
    for doc_id, customer_id, kind, issued_on in Document.objects.filter(organization=org).values_list(
        "id", "customer_id", "kind", "invoice__issued_on"
    ):
        documents.setdefault(customer_id, []).append(
            retention.DocumentFacts(doc_id, kind == DocumentKind.INVOICE_PDF, issued_on)
        )
    out: dict[int, tuple[str, retention.MatterFacts]] = {}
    for pk, ref, kind, created_at in Customer.objects.filter(organization=org).values_list(
        "pk", "ref", "kind", "created_at"
    ):
        out[pk] = (
            ref,
            retention.MatterFacts(
                consumer=kind == CustomerKind.CONSUMER,
                open_invoices=open_invoices.get(pk, 0),
                active_holds=active_holds.get(pk, 0),
                open_proceedings=open_proceedings.get(pk, 0),
                open_insolvencies=open_insolvencies.get(pk, 0),
                judgment=pk in judgments,
                last_activity=last.get(pk) or created_at.date(),
                anonymised=pk in anonymised,
                documents=tuple(documents.get(pk, ())),
            ),
        )
    return out


def plan_purge(organization: Organization, as_of: date) -> PurgeResult:
    """What a purge on ``as_of`` would do (nothing is written)."""
    policy = policy_of(settings_of(organization))
    result = PurgeResult(organization.slug, as_of, dry_run=True)
    for pk, (ref, facts) in sorted(_facts(organization, as_of).items(), key=lambda item: item[1][0]):
        decision = retention.decide(facts, policy, as_of)
        if decision.refusals:
            reason = decision.refusals[0].value
            result.refused[reason] = result.refused.get(reason, 0) + 1
        elif decision.has_work:
            result.purged.append(CustomerPurge(pk, ref, decision))
        else:
            result.unchanged += 1
    return result


def purge(organization: Organization, as_of: date, actor: Actor, *, dry_run: bool = False) -> PurgeResult:
    """Anonymise what has outlived its retention on ``as_of`` (see the module description). ``dry_run``: only
    say what would be done. A customer whose purge fails is rolled back, logged and reported (``error``); the
    others go on."""
    result = plan_purge(organization, as_of)
    if dry_run:
        return result
    result.dry_run = False
    for item in result.purged:
        try:
            item.done = _purge_customer(organization, item, as_of, actor)
        except Exception as exc:  # one customer's failure never leaves a partial write nor stops the others
            log.exception("purge of customer %s of %s failed", item.ref, organization.slug)
            item.error = str(exc) or exc.__class__.__name__
    return result


def _personal_strings(customer: Customer, contacts: list[Contact], payments: list[Payment]) -> list[str]:
    """The strings to find and replace in free text: names, e-mails, phones and address lines of people."""
    values: list[str] = []
    for c in contacts:
        values += [c.name, c.email, c.phone]
    if customer.kind == CustomerKind.CONSUMER:
        values += [customer.name, customer.address_line1, customer.address_line2]
        values += customer.domicile.splitlines() + customer.registered_office.splitlines()
    values.append(customer.representative)
    for p in payments:
        values += [p.payer_name, p.payer_iban]
    found = {v.strip() for v in values if v and len(v.strip()) >= 4}
    return sorted(found, key=len, reverse=True)


# The customer's fields naming a person: for a consumer, its name and address; for any customer, its representative.
_PERSONAL_CUSTOMER_FIELDS = ("name", "address_line1", "address_line2", "domicile", "registered_office")


def _personal_strings_of_events(customer: Customer, events: list[Event]) -> list[str]:
    """What the timeline remembers of people no longer on the customer: contacts removed or changed, accounts
    unlinked, a consumer's former name and address, a former representative."""
    values: list[str] = []
    fields = ("representative",) + (_PERSONAL_CUSTOMER_FIELDS if customer.kind == CustomerKind.CONSUMER else ())
    for event in events:
        data = event.data if isinstance(event.data, dict) else {}
        if event.kind in ("contact.added", "contact.removed", "contact.updated"):
            values += [str(data.get(k) or "") for k in ("name", "email", "phone", "replaces")]
            for field, change in (data.get("changes") or {}).items():
                if field in ("name", "email", "phone"):
                    values += [str(v) for v in change if isinstance(v, str)]
        elif event.kind in ("bank.iban_linked", "bank.iban_unlinked"):
            values.append(str(data.get("iban") or ""))
        elif event.kind == "customer.updated":
            for field, change in (data.get("changes") or {}).items():
                if field in fields:
                    values += [line for v in change if isinstance(v, str) for line in v.splitlines()]
    return [v.strip() for v in values if v and len(v.strip()) >= 4]


def _scrubber(strings: list[str]) -> Any:
    if not strings:
        return lambda value: value
    pattern = re.compile("|".join(re.escape(s) for s in strings), re.IGNORECASE)

    def scrub(value: Any) -> Any:
        if isinstance(value, str):
            return pattern.sub(ANONYMISED, value)
        if isinstance(value, list):
            return [scrub(v) for v in value]
        if isinstance(value, dict):
            return {k: scrub(v) for k, v in value.items()}
        return value

    return scrub


def _scrub_rows(queryset: Any, fields: tuple[str, ...], scrub: Any) -> int:
    changed = []
    for row in queryset.only("pk", *fields):
        dirty = False
        for f in fields:
            old = getattr(row, f)
            new = scrub(old)
            if new != old:
                setattr(row, f, new)
                dirty = True
        if dirty:
            changed.append(row)
    if changed:
        queryset.model.objects.bulk_update(changed, fields, batch_size=500)
    return len(changed)


def _purge_customer(organization: Organization, item: CustomerPurge, as_of: date, actor: Actor) -> dict[str, int]:
    from recouvre.collections.models import Action, Hold, PaymentPlan
    from recouvre.documents import storage
    from recouvre.documents.models import Document
    from recouvre.legal.models import Acknowledgment, InsolvencyProcedure, WriteOff
    from recouvre.letters.models import Letter
    from recouvre.proceedings.models import Proceeding
    from recouvre.tasks.models import Task

    decision = item.decision
    done: dict[str, int] = {}
    with transaction.atomic():
        customer = Customer.objects.select_for_update().get(organization=organization, pk=item.customer_id)
        if decision.anonymise:
            contacts = list(Contact.objects.filter(customer=customer))
            payments = list(Payment.objects.filter(organization=organization, customer=customer))
            ibans = list(CustomerIban.objects.filter(organization=organization, customer=customer))
            events = list(Event.objects.filter(organization=organization, customer=customer))
            personal = _personal_strings(customer, contacts, payments) + [i.iban for i in ibans]
            personal += _personal_strings_of_events(customer, events)
            scrub = _scrubber(sorted(set(personal), key=len, reverse=True))
            # Events: digest of the original content first (kept when already there: the chain links it), then
            # the data anonymised, and the events whose data changed marked so (their content no longer matches
            # their digest, by design: ``recouvre verify`` does not take it for a tampering).
            erased_at = timezone.now()
            for event in events:
                if not event.digest:
                    event.digest = content_digest(event)
                data = scrub(event.data)
                if data != event.data:
                    event.data = data
                    event.anonymised_at = event.anonymised_at or erased_at
            Event.objects.bulk_update(events, ["digest", "data", "anonymised_at"], batch_size=500)
            done["events"] = len(events)
            scoped = {"organization": organization, "customer": customer}
            done["notes"] = sum(
                (
                    _scrub_rows(Hold.objects.filter(**scoped), ("reason", "resolution"), scrub),
                    _scrub_rows(PaymentPlan.objects.filter(**scoped), ("note",), scrub),
                    _scrub_rows(
                        Task.objects.filter(**scoped), ("title", "details", "outcome_note", "outcome_data"), scrub
                    ),
                    _scrub_rows(Acknowledgment.objects.filter(**scoped), ("evidence", "note"), scrub),
                    _scrub_rows(WriteOff.objects.filter(**scoped), ("note",), scrub),
                    _scrub_rows(Proceeding.objects.filter(**scoped), ("notes", "enforcement"), scrub),
                    _scrub_rows(InsolvencyProcedure.objects.filter(**scoped), ("note",), scrub),
                )
            )
            _scrub_rows(Action.objects.filter(**scoped), ("decision_note",), scrub)
            # Bank matches name the payer in their reasons; the accounts linked to the customer go.
            _scrub_rows(BankApplication.objects.filter(**scoped), ("reasons",), scrub)
            _scrub_rows(BankSuggestion.objects.filter(**scoped), ("reasons",), scrub)
            CustomerIban.objects.filter(**scoped).delete()
            # A stored e-mail is MIME (encoded names and text): its content goes, its SHA-256 stays.
            done["messages"] = Action.objects.filter(**scoped).exclude(content="").update(content="")
            # A letter's PDF carries the debtor's name and address: it goes too, its SHA-256 stays.
            done["letters"] = Letter.objects.filter(**scoped).exclude(pdf=b"").update(pdf=b"")
            done["contacts"] = len(contacts)
            Contact.objects.filter(customer=customer).delete()
            done["payments"] = (
                Payment.objects.filter(organization=organization, customer=customer)
                .exclude(payer_name="", payer_iban="")
                .update(payer_name="", payer_iban="")
            )
            if customer.kind == CustomerKind.CONSUMER:
                customer.name = ANONYMISED
                customer.address_line1 = customer.address_line2 = customer.postal_code = customer.city = ""
                customer.domicile = customer.registered_office = ""
            customer.representative = ""
            customer.save()
        paths: list[str] = []
        if decision.delete_documents:
            docs = Document.objects.filter(
                organization=organization, customer=customer, pk__in=decision.delete_documents
            )
            paths = list(docs.values_list("storage_path", flat=True))
            done["documents"] = docs.count()
            docs.delete()
            still_used = set(Document.objects.filter(storage_path__in=paths).values_list("storage_path", flat=True))
            paths = sorted(set(paths) - still_used)
        Erasure.objects.create(
            organization=organization,
            customer=customer,
            as_of=as_of,
            anonymised=decision.anonymise,
            summary=done,
            actor_label=actor.label,
        )
        record_event(
            organization,
            customer,
            "privacy.anonymised" if decision.anonymise else "privacy.documents_deleted",
            actor,
            as_of=as_of,
            basis=decision.basis.value,
            archive_until=decision.archive_until,
            contacts=done.get("contacts", 0),
            documents=done.get("documents", 0),
        )

        def remove_files() -> None:
            for relative in paths:
                try:
                    storage.absolute_path(relative).unlink(missing_ok=True)
                except OSError:
                    log.exception("could not delete the file %s", relative)

        transaction.on_commit(remove_files)
    return done


def scheduled_purge(organization: Organization, as_of: date, actor: Actor) -> dict[str, Any] | None:
    """The daily purge of the scheduler, when the organization turned it on (off by default): its counts, or None.
    A failure is logged and reported, never raised into the daily run."""
    if not settings_of(organization).purge_by_scheduler:
        return None
    try:
        d = purge(organization, as_of, actor).as_dict()
    except Exception:
        log.exception("scheduled purge of %s on %s failed", organization.slug, as_of)
        return {"error": True}
    return {"anonymised": d["anonymised"], "documents_deleted": d["documents_deleted"], "failed": d["failed"]}
