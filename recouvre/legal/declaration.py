"""The PDF of a claim declaration (*déclaration de créance*) for the court officer, in French, with the content of
L622-25 and R622-23 (LEGAL-FR §6.2): the creditor, the debtor, the procedure (court, judgment, BODACC publication,
officer), the amount of each claim due at the opening judgment and of each claim to fall due with its due date,
the privileges and securities (or "none"), how interest was counted, the statement that the declaration is
sincere and true, and the date and signature block. Drawn by WeasyPrint from ``legal/claim_declaration.html``."""

from __future__ import annotations

from datetime import date

from django.core.exceptions import ValidationError
from django.template.loader import render_to_string
from django.utils.translation import gettext as _

from recouvre.collections.rendering import format_amount, format_date
from recouvre.core.raterules import grouped_by_rule
from recouvre.documents.pdf import html_to_pdf

from .insolvency import claims
from .models import InsolvencyProcedure, OfficerRole, ProcedureKind

PROCEDURE_NAMES = {
    ProcedureKind.SAFEGUARD: "Procédure de sauvegarde",
    ProcedureKind.RECEIVERSHIP: "Procédure de redressement judiciaire",
    ProcedureKind.LIQUIDATION: "Procédure de liquidation judiciaire",
}
OFFICER_TITLES = {
    OfficerRole.MANDATAIRE: "Maître, mandataire judiciaire",
    OfficerRole.LIQUIDATEUR: "Maître, liquidateur judiciaire",
}


def _address(obj: object) -> list[str]:
    lines = [getattr(obj, "address_line1", ""), getattr(obj, "address_line2", "")]
    city = f"{getattr(obj, 'postal_code', '')} {getattr(obj, 'city', '')}".strip()
    return [line for line in [*lines, city] if line]


def check_declarable(procedure: InsolvencyProcedure) -> None:
    """Refuse (``ValidationError``, a message for a person) a declaration that cannot be drawn: over-indebtedness
    (no judgment, nothing published), or proceedings whose publication or court officer is not recorded yet."""
    if procedure.over_indebtedness:
        raise ValidationError(
            _(
                "Over-indebtedness is no insolvency judgment: there is no claim declaration to draw. After a "
                "personal recovery with liquidation, declare the claim to the liquidator named in the BODACC notice."
            )
        )
    if procedure.published_on is None or not procedure.officer_name or not procedure.court:
        raise ValidationError(
            _("Record the court, the BODACC publication and the court officer before drawing the declaration.")
        )


def declaration_context(procedure: InsolvencyProcedure, *, today: date, signatory: str = "") -> dict[str, object]:
    check_declarable(procedure)
    computed = claims(procedure)
    cur = computed.currency

    def money(amount: object) -> str:
        return format_amount(amount, cur, "fr")  # type: ignore[arg-type]

    from recouvre.documents.models import Document

    has_terms = Document.objects.filter(organization=procedure.organization, kind="terms_of_sale").exists()
    role = OfficerRole(procedure.officer_role or OfficerRole.MANDATAIRE)
    officer_title = OFFICER_TITLES[role]
    return {
        "creditor": procedure.organization,
        "creditor_address": _address(procedure.organization),
        "debtor": procedure.customer,
        "debtor_address": _address(procedure.customer),
        "procedure": procedure,
        "procedure_name": PROCEDURE_NAMES[ProcedureKind(procedure.kind)],
        "officer_title": officer_title,
        "officer_title_cap": "Mandataire judiciaire" if role == OfficerRole.MANDATAIRE else "Liquidateur judiciaire",
        "officer_address": [line for line in procedure.officer_address.splitlines() if line.strip()],
        "judgment_on": format_date(procedure.judgment_on, "fr"),
        "published_on": format_date(procedure.published_on, "fr") if procedure.published_on else "",
        "date": format_date(today, "fr"),
        "lines": [
            {
                "number": ln.number,
                "issued_on": format_date(ln.issued_on, "fr"),
                "due_on": format_date(ln.due_on, "fr"),
                "falls_due": ln.falls_due,
                "made_due": ln.made_due,
                "principal": money(ln.principal),
                "interest": money(ln.interest) + (" (à parfaire)" if ln.open_rules else ""),
                "indemnity": money(ln.indemnity),
                "due_at_judgment": money(ln.due_at_judgment) if not ln.falls_due else "",
                "to_fall_due": money(ln.to_fall_due) if ln.falls_due else "",
            }
            for ln in computed.lines
        ],
        "due": money(computed.due),
        "to_fall_due": money(computed.to_fall_due),
        "total": money(computed.total),
        "accelerated": computed.accelerated,
        "any_made_due": any(ln.made_due for ln in computed.lines),
        "continued_activity": procedure.kind == ProcedureKind.LIQUIDATION and procedure.continued_activity,
        "refused": ", ".join(computed.refused),
        "open_rules": " ; ".join(
            f"intérêts à parfaire au {rule} ({'factures' if len(numbers) > 1 else 'facture'} {', '.join(numbers)})"
            for rule, numbers in grouped_by_rule((ln.number, rule) for ln in computed.lines for rule in ln.open_rules)
        ),
        "has_terms": has_terms,
        "signatory": signatory,
    }


def render_declaration_pdf(procedure: InsolvencyProcedure, *, today: date, signatory: str = "") -> bytes:
    html = render_to_string(
        "legal/claim_declaration.html", declaration_context(procedure, today=today, signatory=signatory)
    )
    return html_to_pdf(html)
