"""Create the demo organization: the generated data written in one transaction, and a login to look at it.

The ledger (customers, invoices, payments...) is written in bulk. The insolvency proceedings and the disputes are
then recorded through the same services a user's clicks call (``legal.insolvency.record_procedure``,
``collections.holds.open_dispute``), so that they carry the holds that stop collection, the claim declaration
deadline and their timeline events, exactly as for any organization; those events are dated the morning of the
day they happened.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import date, datetime, time
from typing import Any

from django.apps import apps
from django.db import IntegrityError, connection, models, transaction
from django.db.models import Max, ProtectedError
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext as _

from recouvre.collections.holds import open_dispute
from recouvre.collections.services import ensure_default_policies
from recouvre.ledger.actors import Actor
from recouvre.ledger.models import (
    Allocation,
    Contact,
    CreditNote,
    Customer,
    Event,
    Invoice,
    Payment,
    Source,
)
from recouvre.ledger.services import bulk_record_events
from recouvre.legal.insolvency import record_procedure
from recouvre.legal.models import OfficerRole
from recouvre.organizations.models import Organization, Role, User
from recouvre.organizations.services import add_member, create_organization

from .generator import DemoData, generate

DEMO_ACTOR = Actor.system("demo")
USERNAME = "demo"
PASSWORD = "demo"
BATCH = 2000

ProgressFn = Callable[..., None]


class NotADemo(Exception):
    """``--reset`` asked for an organization the demo did not create."""


def create_demo(
    *, slug: str, customers: int, invoices: int, seed: int, as_of: date, reset: bool, progress: Any = None
) -> dict[str, Any]:
    """Create the demo organization ``slug`` with ``customers`` customers and ``invoices`` invoices issued over
    the 24 months before ``as_of``, all decided by ``seed``, and make user ``demo`` (password ``demo``) its
    administrator.

    When the organization exists it is left untouched (``existed`` is true) unless ``reset``, which deletes
    everything it holds and builds it again — only an organization the demo made (``is_demo``); any other raises
    ``NotADemo`` and nothing is touched. Returns the organization's short name, the counts and the login.
    """
    slug = slugify(slug)
    existing = Organization.objects.filter(slug=slug).first()
    if existing is not None and not reset:
        return _summary(existing, existed=True, password=PASSWORD)
    if existing is not None and not existing.is_demo:
        # a real organization: never deleted with its audit trail, never given the demo login
        raise NotADemo(
            _("%(org)s holds real data, not the demo's: it is never deleted or rebuilt by the demo.") % {"org": slug}
        )

    step = _stepper(progress, total=9 if existing is None else 10)
    step(_("Generating demo data"))
    data = generate(seed=seed, as_of=as_of, customers=customers, invoices=invoices)
    with transaction.atomic():
        if existing is not None:
            step(_("Deleting the previous demo data"))
            _delete_organization(existing)
        org = _write(data, slug, step)
        Organization.objects.filter(pk=org.pk).update(is_demo=True)
        ensure_default_policies(org)
        step(_("Creating the demo login"))
        password = _login(org)
        step(_("Recording the insolvency proceedings and the disputes"))
        _record_legal_matters(org, data)
        _write_notes(org, as_of)
    step(_("Done"))
    return _summary(org, existed=False, password=password)


# ----------------------------------------------------------------------------------------------- internals


def _stepper(progress: ProgressFn | None, total: int) -> Callable[[str], None]:
    """Report stage after stage as ``progress(done, total, stage)``; the last stage is reported as all done."""
    done = 0

    def step(stage: str) -> None:
        nonlocal done
        if progress is not None:
            progress(done, total, stage)
        done += 1

    return step


def _summary(org: Organization, *, existed: bool, password: str) -> dict[str, Any]:
    return {
        "org": org.slug,
        "name": org.name,
        "customers": Customer.objects.filter(organization=org).count(),
        "invoices": Invoice.objects.filter(organization=org).count(),
        "payments": Payment.objects.filter(organization=org).count(),
        "username": USERNAME,
        "password": password,
        "existed": existed,
    }


@contextmanager
def _dated(org: Organization, day: date) -> Iterator[None]:
    """The timeline events recorded inside are dated the morning of ``day``, when it happened."""
    last = Event.objects.filter(organization=org).aggregate(last=Max("id"))["last"] or 0
    yield
    morning = timezone.make_aware(datetime.combine(day, time(9, 0)))
    Event.objects.filter(organization=org, id__gt=last).update(occurred_at=morning)


def _record_legal_matters(org: Organization, data: DemoData) -> None:
    """Record, through the services a user's clicks call, the insolvency proceedings (with the collections hold
    they imply, from the judgment) and the disputes (a dispute hold on each invoice, with its reason, amount and
    owner, from the day it was raised), so that the demo's collections honour them from those dates on."""
    customers = {c.ref: c for c in Customer.objects.filter(organization=org)}
    owner = User.objects.get(username=USERNAME)
    for c in data.customers:
        if c.insolvency is None:
            continue
        p = c.insolvency
        with _dated(org, p.published_on):  # recorded when the BODACC published it
            record_procedure(
                org,
                customers[c.ref],
                actor=DEMO_ACTOR,
                kind=p.kind,
                judgment_on=p.opened_on,
                published_on=p.published_on,
                court=p.court,
                officer_role=OfficerRole.MANDATAIRE,
                officer_name=p.officer_name,
                officer_address=p.officer_address,
            )
    invoices = {
        i.number: i
        for i in Invoice.objects.filter(organization=org, number__in=[d.invoice_number for d in data.disputes])
    }
    for d in data.disputes:
        with _dated(org, d.opened_on):
            open_dispute(
                org,
                invoices[d.invoice_number],
                reason_code=d.reason_code,
                actor=DEMO_ACTOR,
                amount=d.amount,
                owner=owner,
                note=d.reason,
                today=d.opened_on,
            )


def _login(org: Organization) -> str:
    """User ``demo`` as administrator of ``org``. An existing user keeps the password it has."""
    user = User.objects.filter(username=USERNAME).first()
    password = PASSWORD
    if user is None:
        # the demo's well-known login, weak on purpose (documented): not through the password validators
        user = User.objects.create_user(username=USERNAME, password=PASSWORD)
    elif not user.check_password(PASSWORD):
        password = _("(unchanged: the user already existed)")
    add_member(org, user, Role.ADMIN)
    return password


COLLEAGUE = "camille"  # a collector of the demo organization who writes notes (no password: cannot log in)


def _write_notes(org: Organization, as_of: date) -> None:
    """A colleague's notes on the two customers owing the most overdue, one mentioning ``demo`` (who is then
    notified), through the services a user's clicks call."""
    from django.db.models import Sum

    from recouvre.ledger.actors import Actor
    from recouvre.notes.services import add_note

    colleague = User.objects.filter(username=COLLEAGUE).first()
    if colleague is None:
        colleague = User.objects.create_user(username=COLLEAGUE, first_name="Camille", last_name="Petit")
    add_member(org, colleague, Role.COLLECTOR)
    top = (
        Invoice.objects.filter(organization=org, open_amount__gt=0, due_on__lt=as_of)
        .values("customer_id")
        .annotate(owed=Sum("open_amount"))
        .order_by("-owed", "customer_id")[:2]
    )
    customers = [Customer.objects.get(pk=row["customer_id"]) for row in top]
    texts = [
        _(
            "Called the accounts department: the payment run is on the 15th. @demo, can you check the formal notice "
            "waits until then?"
        ),
        _("The customer asks for a copy of the delivery notes before paying; sent by e-mail today."),
    ]
    for customer, text in zip(customers, texts, strict=False):
        add_note(org, customer, text, actor=Actor.of(colleague))


def _delete_organization(org: Organization) -> None:
    """Delete ``org`` and every row that belongs to it, whichever app holds it.

    Rows are deleted model by model; a model whose rows are still protected by another model's rows is tried
    again after the others, until nothing refers to the organization any more.
    """
    tables = set(connection.introspection.table_names())
    owned: list[tuple[type[models.Model], str]] = []
    for model in apps.get_models():
        if model is Organization or model._meta.db_table not in tables:
            continue
        for field in model._meta.concrete_fields:
            if field.is_relation and field.many_to_one and field.related_model is Organization:
                owned.append((model, field.name))
    pending = owned
    for _round in range(len(owned) + 1):
        blocked = []
        for model, field_name in pending:
            try:
                with transaction.atomic():
                    model._base_manager.filter(**{field_name: org}).delete()
            except (ProtectedError, IntegrityError):
                blocked.append((model, field_name))
        if not blocked:
            break
        if len(blocked) == len(pending):
            raise RuntimeError(f"cannot delete organization {org.slug}: rows of {blocked[0][0].__name__} remain")
        pending = blocked
    org.delete()


def _write(data: DemoData, slug: str, step: Callable[[str], None]) -> Organization:
    o = data.organization
    org = create_organization(
        slug,
        o.name,
        siren=o.siren,
        legal_form=o.legal_form,
        siret=o.siret,
        vat_number=o.vat_number,
        address_line1=o.address_line1,
        postal_code=o.postal_code,
        city=o.city,
        iban=o.iban,
        bic=o.bic,
        payment_terms_days=o.payment_terms_days,
        payment_terms_end_of_month=o.payment_terms_end_of_month,
        legal_mentions=o.legal_mentions,
    )
    currency = org.currency
    # Events go on the timeline in the order things happened: (date, order within the day, row).
    events: list[tuple[date, int, int | None, str, dict[str, Any]]] = []

    step(_("Creating customers"))
    customers = Customer.objects.bulk_create(
        [
            Customer(
                organization=org,
                ref=c.ref,
                name=c.name,
                kind=c.kind,
                siren=c.siren,
                siret=c.siret,
                vat_number=c.vat_number,
                address_line1=c.address_line1,
                postal_code=c.postal_code,
                city=c.city,
                segment=c.segment,
                payment_terms_days=c.payment_terms_days,
                payment_terms_end_of_month=c.payment_terms_end_of_month,
                credit_limit=c.credit_limit,
                tags=list(c.tags),
                legal_form=c.legal_form,
                representative=c.representative,
                registered_office=c.registered_office,
                domicile=c.domicile,
                public_person=c.public_person,
                administrative_contract=c.administrative_contract,
            )
            for c in data.customers
        ],
        batch_size=BATCH,
    )
    cid = {c.ref: c.pk for c in customers}
    Contact.objects.bulk_create(
        [
            Contact(
                organization=org,
                customer_id=cid[c.ref],
                name=c.contact.name,
                role=c.contact.role,
                email=c.contact.email,
                phone=c.contact.phone,
                is_primary=True,
            )
            for c in data.customers
        ],
        batch_size=BATCH,
    )
    start = date.min  # customers first on their timeline
    for c in data.customers:
        events.append((start, 0, cid[c.ref], "customer.created", {"ref": c.ref, "name": c.name}))
        events.append(
            (
                start,
                1,
                cid[c.ref],
                "contact.added",
                {"name": c.contact.name, "email": c.contact.email, "phone": c.contact.phone},
            )
        )

    step(_("Creating invoices"))
    invoices = Invoice.objects.bulk_create(
        [
            Invoice(
                organization=org,
                customer_id=cid[i.customer_ref],
                number=i.number,
                issued_on=i.issued_on,
                due_on=i.due_on,
                currency=currency,
                amount_excl_tax=i.amount_excl_tax,
                tax_amount=i.tax_amount,
                total=i.total,
                source=Source.DEMO,
            )
            for i in data.invoices
        ],
        batch_size=BATCH,
    )
    iid = {i.number: i.pk for i in invoices}
    icust = {i.number: cid[i.customer_ref] for i in data.invoices}
    for i in data.invoices:
        events.append(
            (
                i.issued_on,
                2,
                icust[i.number],
                "invoice.created",
                {"number": i.number, "total": i.total, "currency": currency, "due_on": i.due_on},
            )
        )

    step(_("Creating credit notes"))
    notes = CreditNote.objects.bulk_create(
        [
            CreditNote(
                organization=org,
                customer_id=cid[n.customer_ref],
                number=n.number,
                issued_on=n.issued_on,
                currency=currency,
                total=n.total,
                invoice_id=iid[n.invoice_number],
                source=Source.DEMO,
                source_ref=n.reason,
            )
            for n in data.credit_notes
        ],
        batch_size=BATCH,
    )
    nid = {n.number: n.pk for n in notes}
    for n in data.credit_notes:
        events.append(
            (
                n.issued_on,
                4,
                cid[n.customer_ref],
                "credit_note.created",
                {"number": n.number, "total": n.total, "currency": currency},
            )
        )

    step(_("Creating payments"))
    payments = Payment.objects.bulk_create(
        [
            Payment(
                organization=org,
                customer_id=cid[p.customer_ref],
                received_on=p.received_on,
                currency=currency,
                amount=p.amount,
                method=p.method,
                reference=p.reference,
                payer_name=p.payer_name,
                payer_iban=p.payer_iban,
                source_key=p.key,
                source=Source.DEMO,
            )
            for p in data.payments
        ],
        batch_size=BATCH,
    )
    pid = {p.source_key: p.pk for p in payments}
    for p in data.payments:
        events.append(
            (
                p.received_on,
                5,
                cid[p.customer_ref],
                "payment.received",
                {"amount": p.amount, "currency": currency, "received_on": p.received_on, "reference": p.reference},
            )
        )

    step(_("Allocating payments and credit notes"))
    # Inserted in bulk: the database triggers keep the allocated amounts of invoices, payments and credit notes.
    Allocation.objects.bulk_create(
        [
            Allocation(
                organization=org,
                invoice_id=iid[a.invoice_number],
                payment_id=pid[a.payment_key] if a.payment_key else None,
                credit_note_id=nid[a.credit_note_number] if a.credit_note_number else None,
                amount=a.amount,
                allocated_on=a.allocated_on,
                source=Source.DEMO,
            )
            for a in data.allocations
        ],
        batch_size=BATCH,
    )
    for a in data.allocations:
        events.append(
            (
                a.allocated_on,
                6,
                icust[a.invoice_number],
                "allocation.created",
                {
                    "invoice": a.invoice_number,
                    "amount": a.amount,
                    "currency": currency,
                    "by": "payment" if a.payment_key else "credit_note",
                    "credit_note": a.credit_note_number,
                },
            )
        )

    step(_("Writing the customers' timelines"))
    events.sort(key=lambda e: (e[0], e[1]))
    bulk_record_events(org, DEMO_ACTOR, ((customer_id, kind, data) for _d, _o, customer_id, kind, data in events))
    return org
