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
from django.utils import timezone
from django.utils.translation import gettext as _

from recouvre.collections import holds
from recouvre.collections.models import Hold, HoldKind
from recouvre.core import insolvency as core_insolvency
from recouvre.core import prescription as core
from recouvre.core.insolvency import standing
from recouvre.core.raterules import describe_open_periods
from recouvre.ledger.actors import Actor
from recouvre.ledger.models import Customer, Invoice
from recouvre.ledger.services import record_event
from recouvre.organizations.models import Organization

from .models import InsolvencyProcedure, OfficerRole, ProcedureKind, ProcedureState
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
    made_due: bool = False  # not yet due at the judgment, made due by the liquidation (L643-1)
    open_rules: tuple[str, ...] = ()  # days whose rate is not published yet: their rule in French (à parfaire)

    @property
    def total(self) -> Decimal:
        return self.principal + self.interest + self.indemnity

    @property
    def due_at_judgment(self) -> Decimal:
        """What this claim adds to the amounts due at the judgment (nothing when it is to fall due)."""
        return ZERO if self.falls_due else self.total

    @property
    def to_fall_due(self) -> Decimal:
        return self.principal if self.falls_due else ZERO


@dataclass(frozen=True, slots=True)
class DeclaredClaims:
    lines: list[ClaimLine]
    currency: str
    refused: dict[str, str]  # invoice number -> why its interest could not be computed (principal still declared)
    accelerated: bool = False  # a liquidation made every claim due at the judgment (L643-1)

    @property
    def due(self) -> Decimal:
        return sum((ln.due_at_judgment for ln in self.lines), ZERO)

    @property
    def to_fall_due(self) -> Decimal:
        return sum((ln.to_fall_due for ln in self.lines), ZERO)

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
    """The amounts to declare, claim by claim, as at the opening judgment (``recouvre.core.insolvency.standing``):
    interest to the judgment and the 40 EUR indemnity for the invoices already overdue then; the principal of the
    others, to fall due with their due dates, or due at the judgment in a liquidation without continued activity."""
    invoices = covered_invoices(procedure)
    accelerated = procedure.accelerated
    standings = {inv.id: standing(inv.due_on, procedure.judgment_on, accelerated=accelerated) for inv in invoices}
    overdue_ids = [inv.id for inv in invoices if standings[inv.id].overdue]
    computed = invoices_interest(procedure.organization, overdue_ids, procedure.judgment_on)
    lines = []
    refused = {}
    for inv in invoices:
        st = standings[inv.id]
        result = computed.results.get(inv.id)
        interest = indemnity = ZERO
        open_rules: tuple[str, ...] = ()
        if st.overdue and result is not None:
            interest, indemnity = result.interest, result.indemnity
            open_rules = tuple(describe_open_periods(result.open_periods, "fr"))
        elif st.overdue:
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
                st.falls_due,
                st.made_due,
                open_rules,
            )
        )
    currency = invoices[0].currency if invoices else procedure.currency
    return DeclaredClaims(lines, currency, refused, accelerated)


KIND_NAMES = {
    "safeguard": ProcedureKind.SAFEGUARD,
    "sauvegarde": ProcedureKind.SAFEGUARD,
    "receivership": ProcedureKind.RECEIVERSHIP,
    "redressement": ProcedureKind.RECEIVERSHIP,
    "redressement judiciaire": ProcedureKind.RECEIVERSHIP,
    "liquidation": ProcedureKind.LIQUIDATION,
    "liquidation judiciaire": ProcedureKind.LIQUIDATION,
    "over-indebtedness": ProcedureKind.OVER_INDEBTEDNESS,
    "over_indebtedness": ProcedureKind.OVER_INDEBTEDNESS,
    "surendettement": ProcedureKind.OVER_INDEBTEDNESS,
}


def procedure_kind(text: str) -> str | None:
    """The procedure kind named ``text`` in English or French (``redressement``, ``surendettement``...), or None."""
    found = KIND_NAMES.get(" ".join(text.strip().lower().split()))
    return found.value if found is not None else None


def _check_dates(
    kind: str,
    judgment_on: date,
    published_on: date | None,
    debt_statement_received_on: date | None,
    personal_recovery_published_on: date | None,
) -> None:
    if kind == ProcedureKind.OVER_INDEBTEDNESS:
        if published_on is not None:
            raise ValidationError(
                _(
                    "Over-indebtedness is not published at the BODACC: give the publication of a personal recovery "
                    "with liquidation instead."
                )
            )
        for day in (debt_statement_received_on, personal_recovery_published_on):
            if day is not None and day < judgment_on:
                raise ValidationError(_("These dates cannot come before the admissibility decision."))
        return
    if debt_statement_received_on is not None or personal_recovery_published_on is not None:
        raise ValidationError(_("The statement of debts and the personal recovery belong to over-indebtedness only."))
    if published_on is not None and published_on < judgment_on:
        raise ValidationError(_("The BODACC publication cannot come before the judgment."))


def _declaration_due_on(
    kind: str, published_on: date | None, personal_recovery_published_on: date | None, outside_metropolitan: bool
) -> date | None:
    if kind == ProcedureKind.OVER_INDEBTEDNESS:
        if personal_recovery_published_on is None:
            return None
        return core_insolvency.personal_recovery_declaration_deadline(personal_recovery_published_on)
    if published_on is None:
        return None
    return core.declaration_deadline(published_on, outside_metropolitan=outside_metropolitan)


@transaction.atomic
def record_procedure(
    organization: Organization,
    customer: Customer,
    *,
    actor: Actor,
    kind: str,
    judgment_on: date,
    published_on: date | None = None,
    court: str = "",
    officer_role: str = "",
    officer_name: str = "",
    officer_address: str = "",
    outside_metropolitan: bool = False,
    continued_activity: bool = False,
    debt_statement_received_on: date | None = None,
    personal_recovery_published_on: date | None = None,
    note: str = "",
    today: date | None = None,
    state: str = ProcedureState.CONFIRMED,
) -> InsolvencyProcedure:
    """Record insolvency proceedings opened against ``customer`` (or its over-indebtedness, from the commission's
    admissibility decision ``judgment_on``): collection stops (the customer's insolvency hold, placed from that
    date — or the one already placed by hand, now linked — which withdraws what is queued for the customer), the
    declaration deadline is computed from the BODACC publication when it is known, and the timeline says so."""
    if customer.organization_id != organization.pk:
        raise Customer.DoesNotExist
    if kind not in ProcedureKind.values:
        raise ValidationError(_("Unknown procedure: %(kind)s.") % {"kind": kind})
    if officer_role and officer_role not in OfficerRole.values:
        raise ValidationError(_("Unknown court officer: %(role)s.") % {"role": officer_role})
    if continued_activity and kind != ProcedureKind.LIQUIDATION:
        raise ValidationError(_("Continued activity is authorised in a liquidation only."))
    _check_dates(kind, judgment_on, published_on, debt_statement_received_on, personal_recovery_published_on)
    if judgment_on > (today or timezone.localdate()):
        raise ValidationError(_("The date %(date)s is in the future.") % {"date": judgment_on.isoformat()})
    if kind == ProcedureKind.OVER_INDEBTEDNESS and customer.kind != "consumer":
        raise ValidationError(_("Over-indebtedness concerns a consumer: this customer is not one."))
    if not officer_role and officer_name:
        officer_role = OfficerRole.LIQUIDATEUR if kind == ProcedureKind.LIQUIDATION else OfficerRole.MANDATAIRE
    live = Hold.objects.filter(customer=customer, kind=HoldKind.INSOLVENCY, released_at__isnull=True)
    hold = live.exclude(insolvency_procedure__isnull=False).first()
    if hold is None:
        if live.exists():
            raise ValidationError(_("Insolvency proceedings are already recorded for this customer."))
        hold = holds.record_insolvency(
            organization,
            customer,
            actor=actor,
            opened_on=judgment_on,
            procedure=str(ProcedureKind(kind).label),
            note=note,
            today=today,
        )
    due_on = _declaration_due_on(kind, published_on, personal_recovery_published_on, outside_metropolitan)
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
        continued_activity=continued_activity,
        debt_statement_received_on=debt_statement_received_on,
        personal_recovery_published_on=personal_recovery_published_on,
        declaration_due_on=due_on,
        hold=hold,
        state=state,
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
        published_on=published_on or "",
        declare_by=due_on or "",
        court=court,
        officer=officer_name,
    )
    return procedure


@transaction.atomic
def update_procedure(
    procedure: InsolvencyProcedure,
    *,
    actor: Actor,
    published_on: date | None = None,
    debt_statement_received_on: date | None = None,
    personal_recovery_published_on: date | None = None,
    continued_activity: bool | None = None,
) -> InsolvencyProcedure:
    """Record what became known after the opening: the BODACC publication (which sets the declaration deadline),
    for over-indebtedness the statement of debts received and the publication of a personal recovery with
    liquidation, for a liquidation the continued activity authorised. A date already recorded is not changed."""
    procedure = InsolvencyProcedure.objects.select_for_update().get(pk=procedure.pk)
    changes: dict[str, object] = {}
    for field, value in (
        ("published_on", published_on),
        ("debt_statement_received_on", debt_statement_received_on),
        ("personal_recovery_published_on", personal_recovery_published_on),
    ):
        if value is None:
            continue
        current = getattr(procedure, field)
        if current is not None and current != value:
            raise ValidationError(_("This date was already recorded (%(date)s).") % {"date": current.isoformat()})
        changes[field] = value
    if continued_activity is not None and continued_activity != procedure.continued_activity:
        if procedure.kind != ProcedureKind.LIQUIDATION:
            raise ValidationError(_("Continued activity is authorised in a liquidation only."))
        changes["continued_activity"] = continued_activity
    if not changes:
        return procedure
    for field, value in changes.items():
        setattr(procedure, field, value)
    _check_dates(
        procedure.kind,
        procedure.judgment_on,
        procedure.published_on,
        procedure.debt_statement_received_on,
        procedure.personal_recovery_published_on,
    )
    procedure.declaration_due_on = _declaration_due_on(
        procedure.kind, procedure.published_on, procedure.personal_recovery_published_on, procedure.outside_metropolitan
    )
    procedure.save(update_fields=[*changes, "declaration_due_on"])
    record_event(
        procedure.organization,
        procedure.customer,
        "legal.insolvency_updated",
        actor,
        procedure=procedure.pk,
        declare_by=procedure.declaration_due_on or "",
        **{k: v for k, v in changes.items()},
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
    if procedure.over_indebtedness and procedure.personal_recovery_published_on is None:
        raise ValidationError(
            _(
                "Over-indebtedness has no claim declaration unless a personal recovery with liquidation is "
                "published at the BODACC."
            )
        )
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
        late=procedure.declaration_due_on is not None and declared_on > procedure.declaration_due_on,
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
    """The customer's procedures, but those found at the BODACC and dismissed."""
    return list(
        InsolvencyProcedure.objects.filter(organization=organization, customer=customer).exclude(
            state=ProcedureState.DISMISSED
        )
    )


def procedure(organization: Organization, pk: int) -> InsolvencyProcedure:
    return InsolvencyProcedure.objects.select_related("customer", "organization").get(organization=organization, pk=pk)
