"""Insolvency proceedings against a customer (LEGAL-FR §6): recording the procedure (collection stops through the
collections hold of kind insolvency), the claims it covers and their amounts at the opening judgment, and the
declaration of the claim (*déclaration de créance*) to the court officer.

The claims covered are the customer's invoices issued on or before the opening judgment and still open. Each is
**due** when its due date is on or before the judgment, **to fall due** otherwise (declared with its due date).
Interest and the 40 EUR indemnity are counted up to the judgment only: the opening stops their running (L622-28)
and the indemnity cannot be invoked once payment is prohibited (L441-10 II, last sentence); a claim falling due
after the judgment carries neither."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from recouvre.collections import holds
from recouvre.collections.models import Hold, HoldKind
from recouvre.core import prescription as core
from recouvre.core.raterules import describe_rule
from recouvre.ledger.actors import Actor
from recouvre.ledger.models import Customer, Invoice
from recouvre.ledger.services import record_event
from recouvre.organizations.models import Organization

from .models import InsolvencyProcedure, OfficerRole, ProcedureKind
from .selectors import invoices_interest

ZERO = Decimal("0.00")


@dataclass(frozen=True, slots=True)
class ClaimLine:
    invoice_id: int
    number: str
    issued_on: date
    due_on: date
    principal: Decimal
    interest: Decimal
    indemnity: Decimal
    falls_due: bool  # True: to fall due after the judgment (declared with its due date)
    open_rules: tuple[str, ...] = ()  # days whose rate is not published yet: their rule in French (à parfaire)

    @property
    def total(self) -> Decimal:
        return self.principal + self.interest + self.indemnity


@dataclass(frozen=True, slots=True)
class DeclaredClaims:
    lines: list[ClaimLine]
    currency: str
    refused: dict[str, str]  # invoice number -> why its interest could not be computed (principal still declared)

    @property
    def due(self) -> Decimal:
        return sum((ln.total for ln in self.lines if not ln.falls_due), ZERO)

    @property
    def to_fall_due(self) -> Decimal:
        return sum((ln.principal for ln in self.lines if ln.falls_due), ZERO)

    @property
    def total(self) -> Decimal:
        return self.due + self.to_fall_due


def covered_invoices(procedure: InsolvencyProcedure) -> list[Invoice]:
    return list(
        Invoice.objects.filter(
            organization_id=procedure.organization_id,
            customer_id=procedure.customer_id,
            issued_on__lte=procedure.judgment_on,
            open_amount__gt=0,
        ).order_by("due_on", "number")
    )


def claims(procedure: InsolvencyProcedure) -> DeclaredClaims:
    """The amounts to declare, claim by claim, as at the opening judgment."""
    invoices = covered_invoices(procedure)
    due_ids = [inv.id for inv in invoices if inv.due_on <= procedure.judgment_on]
    computed = invoices_interest(procedure.organization, due_ids, procedure.judgment_on)
    lines = []
    refused = {}
    for inv in invoices:
        falls_due = inv.due_on > procedure.judgment_on
        result = computed.results.get(inv.id)
        interest = indemnity = ZERO
        open_rules: tuple[str, ...] = ()
        if not falls_due and result is not None:
            interest, indemnity = result.interest, result.indemnity
            open_rules = tuple(dict.fromkeys(describe_rule(o.rule, o.start, "fr") for o in result.open_periods))
        elif not falls_due:
            refused[inv.number] = computed.refused_text(inv.id, "fr")
        lines.append(
            ClaimLine(
                inv.id,
                inv.number,
                inv.issued_on,
                inv.due_on,
                inv.open_amount,
                interest,
                indemnity,
                falls_due,
                open_rules,
            )
        )
    currency = invoices[0].currency if invoices else procedure.currency
    return DeclaredClaims(lines, currency, refused)


@transaction.atomic
def record_procedure(
    organization: Organization,
    customer: Customer,
    *,
    actor: Actor,
    kind: str,
    judgment_on: date,
    published_on: date,
    court: str,
    officer_role: str,
    officer_name: str,
    officer_address: str,
    outside_metropolitan: bool = False,
    note: str = "",
) -> InsolvencyProcedure:
    """Record insolvency proceedings opened against ``customer``: collection stops (the customer's insolvency
    hold, placed from the judgment date — or the one already placed by hand, now linked), the declaration
    deadline is computed from the BODACC publication, and the timeline says so."""
    if customer.organization_id != organization.pk:
        raise Customer.DoesNotExist
    if kind not in ProcedureKind.values:
        raise ValidationError(_("Unknown procedure: %(kind)s.") % {"kind": kind})
    if officer_role not in OfficerRole.values:
        raise ValidationError(_("Unknown court officer: %(role)s.") % {"role": officer_role})
    if published_on < judgment_on:
        raise ValidationError(_("The BODACC publication cannot come before the judgment."))
    hold = (
        Hold.objects.filter(customer=customer, kind=HoldKind.INSOLVENCY, released_at__isnull=True)
        .exclude(insolvency_procedure__isnull=False)
        .first()
    )
    if hold is None:
        if Hold.objects.filter(customer=customer, kind=HoldKind.INSOLVENCY, released_at__isnull=True).exists():
            raise ValidationError(_("Insolvency proceedings are already recorded for this customer."))
        hold = holds.record_insolvency(
            organization,
            customer,
            actor=actor,
            opened_on=judgment_on,
            procedure=str(ProcedureKind(kind).label),
            note=note,
        )
    due_on = core.declaration_deadline(published_on, outside_metropolitan=outside_metropolitan)
    procedure = InsolvencyProcedure.objects.create(
        organization=organization,
        customer=customer,
        kind=kind,
        judgment_on=judgment_on,
        published_on=published_on,
        court=court,
        officer_role=officer_role,
        officer_name=officer_name,
        officer_address=officer_address,
        outside_metropolitan=outside_metropolitan,
        declaration_due_on=due_on,
        hold=hold,
        currency=organization.currency,
        note=note,
        author=actor.user,
        author_label=actor.label,
    )
    record_event(
        organization,
        customer,
        "legal.insolvency_recorded",
        actor,
        procedure=procedure.pk,
        procedure_kind=kind,
        judgment_on=judgment_on,
        published_on=published_on,
        declare_by=due_on,
        court=court,
        officer=officer_name,
    )
    return procedure


@transaction.atomic
def declare_claim(
    procedure: InsolvencyProcedure,
    *,
    actor: Actor,
    declared_on: date,
    securities: str = "",
    due: Decimal | None = None,
    to_fall_due: Decimal | None = None,
) -> InsolvencyProcedure:
    """The claim was declared to the court officer on ``declared_on`` (amounts computed by ``claims`` unless
    given): the deadline is kept, and the declaration interrupts prescription until the procedure is closed."""
    procedure = InsolvencyProcedure.objects.select_for_update().get(pk=procedure.pk)
    if procedure.declared_on is not None:
        raise ValidationError(_("The claim was already declared on %(date)s.") % {"date": procedure.declared_on})
    if declared_on < procedure.judgment_on:
        raise ValidationError(_("A claim is declared after the opening judgment."))
    computed = claims(procedure)
    procedure.declared_on = declared_on
    procedure.declared_due = computed.due if due is None else due
    procedure.declared_to_fall_due = computed.to_fall_due if to_fall_due is None else to_fall_due
    procedure.currency = computed.currency
    procedure.securities = securities or procedure.securities
    procedure.save(update_fields=["declared_on", "declared_due", "declared_to_fall_due", "currency", "securities"])
    record_event(
        procedure.organization,
        procedure.customer,
        "legal.claim_declared",
        actor,
        procedure=procedure.pk,
        declared_on=declared_on,
        due=procedure.declared_due,
        to_fall_due=procedure.declared_to_fall_due,
        currency=procedure.currency,
        late=declared_on > procedure.declaration_due_on,
    )
    return procedure


@transaction.atomic
def close_procedure(procedure: InsolvencyProcedure, *, actor: Actor, closed_on: date) -> InsolvencyProcedure:
    """The procedure was closed: a new prescription period starts for the declared claims."""
    procedure = InsolvencyProcedure.objects.select_for_update().get(pk=procedure.pk)
    if procedure.closed_on is not None:
        raise ValidationError(_("The procedure is already closed."))
    if closed_on < procedure.judgment_on:
        raise ValidationError(_("A procedure closes after its opening judgment."))
    procedure.closed_on = closed_on
    procedure.save(update_fields=["closed_on"])
    record_event(
        procedure.organization,
        procedure.customer,
        "legal.insolvency_closed",
        actor,
        procedure=procedure.pk,
        closed_on=closed_on,
    )
    return procedure


def customer_procedures(organization: Organization, customer: Customer) -> list[InsolvencyProcedure]:
    return list(InsolvencyProcedure.objects.filter(organization=organization, customer=customer))


def procedure(organization: Organization, pk: int) -> InsolvencyProcedure:
    return InsolvencyProcedure.objects.select_related("customer", "organization").get(organization=organization, pk=pk)
