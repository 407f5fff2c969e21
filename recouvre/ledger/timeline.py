"""Turn timeline events into sentences in the reader's language."""

from __future__ import annotations

import re
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from .models import Event

# kind -> a function of the event's data giving the message, whose %(name)s placeholders the data fills.


def _portal_revoked(d: Any) -> str:
    because = {
        "user": _("by a user"),
        "handoff": _("the claim was handed off"),
        "injonction": _("an injonction de payer was requested"),
        "closed": _("the customer was closed"),
    }.get(str(d.get("because")), "")
    text = ngettext(
        "%(count)s link to the customer portal revoked", "%(count)s links to the customer portal revoked", d["count"]
    ) % {"count": d["count"]}
    return f"{text} ({because})." if because else f"{text}."


_MESSAGES: dict[str, Any] = {
    "customer.created": lambda d: _("Customer %(name)s created (account %(ref)s)."),
    "customer.updated": lambda d: _("Customer details changed: %(fields)s."),
    "contact.added": lambda d: (
        _("Contact added: %(name)s %(email)s %(phone)s, the primary contact instead of %(replaces)s.")
        if d.get("replaces")
        else _("Contact added: %(name)s %(email)s %(phone)s.")
    ),
    "contact.updated": lambda d: (
        _("Contact %(name)s changed: %(fields)s; the primary contact instead of %(replaces)s.")
        if d.get("replaces")
        else _("Contact %(name)s changed: %(fields)s.")
    ),
    "contact.removed": lambda d: _("Contact removed: %(name)s %(email)s %(phone)s."),
    "invoice.created": lambda d: _("Invoice %(number)s for %(total)s %(currency)s, due %(due_on)s."),
    "invoice.updated": lambda d: _("Invoice %(number)s changed: %(fields)s."),
    "invoice.instalments": lambda d: (
        _("Invoice %(number)s payable in %(count)s instalments: %(instalments)s %(currency)s.")
        if d.get("count")
        else _("Invoice %(number)s payable on one due date again.")
    ),
    "credit_note.created": lambda d: _("Credit note %(number)s for %(total)s %(currency)s."),
    "credit_note.cancelled": lambda d: (
        _("Credit note %(number)s for %(total)s %(currency)s cancelled: invoice %(invoices)s is open again by as much.")
        if d.get("invoices")
        else _("Credit note %(number)s for %(total)s %(currency)s cancelled.")
    ),
    "payment.received": lambda d: _("Payment of %(amount)s %(currency)s received on %(received_on)s."),
    "payment.updated": lambda d: _("Payment %(reference)s changed: %(fields)s."),
    "allocation.created": lambda d: _("%(amount)s %(currency)s applied to invoice %(invoice)s."),
    "allocation.removed": lambda d: (
        _(
            "Allocation undone: the %(amount)s %(currency)s of credit note %(credit_note)s applied to invoice "
            "%(invoice)s; the invoice is open again by as much."
        )
        if d.get("credit_note")
        else _(
            "Allocation undone: the %(amount)s %(currency)s of the payment received on %(received_on)s applied to "
            "invoice %(invoice)s; the invoice is open again by as much."
        )
    ),
    "invoice.terms_beyond_cap": lambda d: _(
        "Invoice %(number)s dated %(issued_on)s is due on %(due_on)s (%(days)s days): beyond the legal cap of "
        "%(cap)s for payment terms (C. com. L441-10)."
    ),
    "penalties.claimed": lambda d: _(
        "Penalties claimed on invoice %(invoice)s to %(as_of)s: interest %(interest)s, indemnity %(indemnity)s, "
        "in all %(amount)s %(currency)s (kept apart from the principal)."
    ),
    "penalties.paid": lambda d: _(
        "%(amount)s %(currency)s of the payment received on %(received_on)s applied to the penalties of invoice "
        "%(invoice)s."
    ),
    "penalties.waived": lambda d: _("%(amount)s %(currency)s of penalties on invoice %(invoice)s waived: %(reason)s"),
    "penalties.settled": lambda d: _("The penalties claimed on invoice %(invoice)s are settled."),
    "penalties.invoiced": lambda d: _(
        "Penalty invoice %(number)s issued for %(total)s %(currency)s (invoices %(invoices)s), not subject to VAT."
    ),
    "penalties.settings": lambda d: _("Penalty settings changed: %(fields)s."),
    "penalties.sector": lambda d: _("Payment terms sector of the customer set to %(sector)s."),
    "einvoice.status": lambda d: (
        _("E-invoice status %(code)s (%(status)s) for invoice %(invoice)s on %(status_on)s: %(reason)s")
        if d.get("reason")
        else _("E-invoice status %(code)s (%(status)s) for invoice %(invoice)s on %(status_on)s.")
    ),
    "invoice.disputed": lambda d: _("Invoice %(invoice)s (%(amount)s %(currency)s) disputed: %(reason)s"),
    "customer.insolvency": lambda d: _(
        "Insolvency proceedings (%(procedure)s) opened on %(opened_on)s by %(court)s, published on %(published_on)s."
    ),
    "collections.action_planned": lambda d: ngettext(
        "Collection planned for %(send_on)s by %(channels)s: %(steps)s (%(invoices)s invoice advances).",
        "Collection planned for %(send_on)s by %(channels)s: %(steps)s (%(invoices)s invoices advance).",
        _count(d.get("invoices")),
    ),
    "collections.hold_placed": lambda d: (
        _("Collection paused (%(hold_kind)s) %(invoice)s from %(starts_on)s to %(ends_on)s: %(reason)s")
        if d.get("reason")
        else _("Collection paused (%(hold_kind)s) %(invoice)s from %(starts_on)s to %(ends_on)s.")
    ),
    "collections.hold_placed_open": lambda d: (
        _("Collection paused (%(hold_kind)s) %(invoice)s from %(starts_on)s until released: %(reason)s")
        if d.get("reason")
        else _("Collection paused (%(hold_kind)s) %(invoice)s from %(starts_on)s until released.")
    ),
    "collections.hold_released": lambda d: _("Collection resumed: hold (%(hold_kind)s) %(invoice)s lifted."),
    "collections.dispute_opened": lambda d: _dispute_sentence(
        d,
        _("Invoice %(invoice)s disputed for %(amount)s %(currency)s (%(reason_label)s): %(note)s")
        if d.get("note")
        else _("Invoice %(invoice)s disputed for %(amount)s %(currency)s (%(reason_label)s)."),
    ),
    "collections.dispute_resolved": lambda d: (
        _("Dispute on invoice %(invoice)s resolved, collection resumes: %(note)s")
        if d.get("note")
        else _("Dispute on invoice %(invoice)s resolved, collection resumes.")
    ),
    "collections.dispute_credited": lambda d: _(
        "Dispute on invoice %(invoice)s resolved by credit note %(credit_note)s for %(amount)s %(currency)s."
    ),
    "collections.promise_recorded": lambda d: (
        _("Promise to pay %(amount)s %(currency)s by %(promised_on)s for invoices %(invoices)s.")
        if d.get("invoices")
        else _("Promise to pay %(amount)s %(currency)s by %(promised_on)s.")
    ),
    "collections.promise_kept": lambda d: _(
        "Promise to pay %(amount)s %(currency)s by %(promised_on)s kept (%(paid)s %(currency)s received)."
    ),
    "collections.promise_broken": lambda d: _(
        "Promise to pay %(amount)s %(currency)s by %(promised_on)s broken (%(paid)s %(currency)s received): "
        "the next reminder is due at once."
    ),
    "collections.plan_created": lambda d: ngettext(
        "Payment plan agreed for invoices %(invoices)s: %(count)s instalment of %(total)s %(currency)s on "
        "%(first_on)s.",
        "Payment plan agreed for invoices %(invoices)s: %(count)s instalments, %(total)s %(currency)s in all, from "
        "%(first_on)s to %(last_on)s.",
        _count(d.get("count")),
    ),
    "collections.instalment_honoured": lambda d: _(
        "Instalment %(position)s of %(count)s of the payment plan (%(amount)s %(currency)s due %(due_on)s) honoured."
    ),
    "collections.plan_broken": lambda d: _(
        "Payment plan broken: the instalment of %(due_on)s (%(amount)s %(currency)s) is not paid, %(missing)s "
        "%(currency)s missing. Collection resumes."
    ),
    "collections.plan_completed": lambda d: _("Payment plan completed: %(total)s %(currency)s paid."),
    "collections.already_paid_declared": lambda d: (
        _("Declared already paid (%(invoices)s): collection paused until %(ends_on)s while the payment is looked for.")
        if d.get("invoices")
        else _("Declared already paid: collection paused until %(ends_on)s while the payment is looked for.")
    ),
    "collections.insolvency_recorded": lambda d: (
        _("Insolvency proceedings (%(procedure)s) opened on %(opened_on)s: collection stopped until released.")
        if d.get("procedure")
        else _("Insolvency proceedings opened on %(opened_on)s: collection stopped until released.")
    ),
    "legal.insolvency_recorded": lambda d: _insolvency_sentence(d),
    "webhooks.endpoint_added": lambda d: _("Webhook endpoint %(url)s added for %(types)s."),
    "webhooks.endpoint_changed": lambda d: _("Webhook endpoint %(url)s changed: %(fields)s."),
    "webhooks.endpoint_removed": lambda d: _("Webhook endpoint %(url)s removed."),
    "webhooks.secret_rotated": lambda d: _("Secret of webhook endpoint %(url)s replaced."),
    "webhooks.endpoint_disabled": lambda d: _(
        "Webhook endpoint %(url)s disabled: every delivery has failed since %(since)s."
    ),
    "webhooks.delivery_replayed": lambda d: _("Webhook delivery %(delivery)s (%(type)s) to %(url)s sent again."),
    "portal.link_issued": lambda d: _("Link to the customer portal created, valid until %(expires_on)s."),
    "statement.produced": lambda d: _(
        "Statement of account at %(as_of)s produced to be sent (balance %(balance)s %(currency)s)."
    ),
    "portal.link_opened": lambda d: _("The customer opened a link to the customer portal for the first time."),
    "portal.links_revoked": lambda d: _portal_revoked(d),
    "portal.settings": lambda d: _("Customer portal settings changed: %(fields)s."),
    "portal.confirmation_sent": lambda d: _("Confirmation e-mailed to %(to)s: %(subject)s"),
    "portal.confirmation_failed": lambda d: (
        _("Confirmation to %(to)s not sent: %(error)s. It will be tried again.")
        if d.get("again")
        else _("Confirmation to %(to)s not sent: %(error)s")
    ),
    "watch.customer_refreshed": lambda d: (
        _("Company details refreshed from the public directory: %(fields)s (replacing what was there: %(replaced)s).")
        if d.get("replaced")
        else _("Company details refreshed from the public directory: %(fields)s.")
    ),
    "watch.announcement_proposed": lambda d: _(
        "BODACC announcement of %(published_on)s: %(nature)s. Collection stopped until someone confirms or "
        "dismisses it."
    ),
    "watch.announcement_noted": lambda d: _("BODACC announcement of %(published_on)s noted: %(nature)s."),
    "watch.announcement_confirmed": lambda d: _("BODACC announcement confirmed: %(nature)s."),
    "watch.announcement_dismissed": lambda d: _("BODACC announcement dismissed: %(nature)s. Collection resumes."),
    "legal.insolvency_updated": lambda d: (
        _("Insolvency proceedings updated: declare the claim by %(declare_by)s.")
        if d.get("declare_by")
        else _("Insolvency proceedings updated.")
    ),
    "collections.actions_withdrawn": lambda d: _withdrawn_sentence(d),
    "legal.claim_declared": lambda d: _(
        "Claim declared on %(declared_on)s: %(due)s %(currency)s due and %(to_fall_due)s %(currency)s to fall due."
    ),
    "legal.insolvency_closed": lambda d: _(
        "Insolvency proceedings closed on %(closed_on)s: a new prescription period starts for the declared claim."
    ),
    "legal.debt_acknowledged": lambda d: (
        _("The customer acknowledged the debt of invoice %(invoice)s on %(acknowledged_on)s %(evidence)s.")
        if d.get("invoice")
        else _("The customer acknowledged its debt on %(acknowledged_on)s %(evidence)s.")
    ),
    "legal.security_added": lambda d: _security_sentence(
        d,
        _("Security recorded: %(kind_label)s, %(guarantor)s, up to %(limit)s %(currency)s.")
        if d.get("guarantor") and d.get("limit")
        else _("Security recorded: %(kind_label)s, %(guarantor)s.")
        if d.get("guarantor")
        else _("Security recorded: %(kind_label)s, %(limit)s %(currency)s.")
        if d.get("limit")
        else _("Security recorded: %(kind_label)s."),
    ),
    "legal.security_changed": lambda d: _security_sentence(
        d, _("Security changed (%(kind_label)s %(guarantor)s): %(fields)s.")
    ),
    "legal.security_removed": lambda d: _security_sentence(d, _("Security removed: %(kind_label)s %(guarantor)s.")),
    "legal.guarantor_informed": lambda d: _(
        "Guarantor %(guarantor)s informed on %(informed_on)s of the unpaid invoice %(invoice)s (C. civ. 2303)."
    ),
    "legal.amicable_started": lambda d: _security_sentence(
        d,
        _(
            "%(kind_label)s started on %(started_on)s (%(mediator)s): prescription suspended while it runs "
            "(C. civ. 2238)."
        )
        if d.get("mediator")
        else _("%(kind_label)s started on %(started_on)s: prescription suspended while it runs (C. civ. 2238)."),
    ),
    "legal.amicable_ended": lambda d: _security_sentence(
        d,
        _(
            "%(kind_label)s ended on %(ended_on)s (%(outcome_label)s): prescription runs again, for at least six "
            "months."
        ),
    ),
    "legal.written_off": lambda d: _write_off_sentence(
        d, _("Invoice %(invoice)s written off for %(amount)s %(currency)s (%(reason_label)s): %(note)s")
    ),
    "legal.write_off_reversed": lambda d: _(
        "Write-off of invoice %(invoice)s reversed, %(amount)s %(currency)s open again: %(reason)s"
    ),
    "collections.email_sent": lambda d: _("E-mail sent to %(to)s: %(subject)s"),
    "collections.email_resumed": lambda d: _(
        "E-mail sent again, as the same message (%(message_id)s), after an interruption while sending on %(claimed)s."
    ),
    "collections.email_failed": lambda d: (
        _("E-mail to %(to)s not sent: %(error)s") if d.get("to") else _("E-mail not sent: %(error)s")
    ),
    "collections.email_bounced": lambda d: (
        _(
            "E-mail to %(to)s returned by the recipient's mail server (%(status)s): not delivered; the address is not "
            "written to again until it is changed."
        )
        if d.get("status")
        else _(
            "E-mail to %(to)s returned by the recipient's mail server: not delivered; the address is not written to "
            "again until it is changed."
        )
    ),
    "collections.reply_received": lambda d: _("Reply from %(sender)s: %(subject)s — %(excerpt)s"),
    "collections.email_cancelled": lambda d: (
        _("E-mail not sent: the penalties it asked for have since been paid, waived or put on hold.")
        if d.get("reason") == "penalties"
        else _("E-mail not sent: every invoice it listed has been paid.")
    ),
    "collections.action_approved": lambda d: (
        _("Reminder of %(send_on)s (step %(step)s) approved: %(note)s")
        if d.get("note")
        else _("Reminder of %(send_on)s (step %(step)s) approved.")
    ),
    "collections.action_rejected": lambda d: _("Reminder of %(send_on)s (step %(step)s) rejected: %(note)s"),
    "collections.step_recorded": lambda d: ngettext(
        "Recorded as carried out outside Recouvre on %(send_on)s, by %(channels)s: %(steps)s (%(invoices)s invoice).",
        "Recorded as carried out outside Recouvre on %(send_on)s, by %(channels)s: %(steps)s (%(invoices)s invoices).",
        _count(d.get("invoices")),
    ),
    "collections.invoice_removed": lambda d: (
        _("Invoice %(number)s taken out of the reminder of %(send_on)s (step %(step)s), which was withdrawn: %(note)s")
        if d.get("withdrawn")
        else _("Invoice %(number)s taken out of the reminder of %(send_on)s (step %(step)s): %(note)s")
    ),
    "collections.policy_changed": lambda d: _("Collections policy %(policy)s changed: %(what)s"),
    "collections.policy_created": lambda d: _("Collections policy %(policy)s created from %(source)s."),
    "collections.customer_settings": lambda d: _(
        "Collections settings changed: policy %(policy)s, collector %(collector)s."
    ),
    "collections.template_saved": lambda d: _("Wording of template %(template)s (%(language)s) saved."),
    "collections.template_reset": lambda d: _(
        "Wording of template %(template)s (%(language)s) reset to the built-in one."
    ),
    "collections.settings_changed": lambda d: _("Collections settings changed: %(fields)s."),
    "collections.bank_details_changed": lambda d: _("Bank details changed: %(fields)s."),
    "organization.member_invited": lambda d: _roles(
        d,
        _("%(email)s invited to join as %(role_label)s.")
        if d.get("sent")
        else _("%(email)s invited to join as %(role_label)s; the e-mail could not be sent: %(error)s"),
    ),
    "organization.invitation_resent": lambda d: _roles(
        d,
        _("Invitation of %(email)s sent again.")
        if d.get("sent")
        else _("Invitation of %(email)s: the e-mail could not be sent again: %(error)s"),
    ),
    "organization.invitation_revoked": lambda d: _("Invitation of %(email)s revoked."),
    "organization.member_joined": lambda d: _roles(d, _("%(username)s (%(email)s) joined as %(role_label)s.")),
    "organization.member_role_changed": lambda d: _roles(
        d, _("Role of %(username)s changed from %(role_before_label)s to %(role_label)s.")
    ),
    "organization.member_removed": lambda d: _roles(d, _("%(username)s (%(role_label)s) removed from the members.")),
    "organization.settings_changed": lambda d: _("Organization settings changed: %(fields)s."),
    "organization.logo_changed": lambda d: _("Logo changed."),
    "organization.logo_removed": lambda d: _("Logo removed."),
    "imports.mapping_changed": lambda d: (
        _("Import mapping %(former_name)s renamed %(name)s; changed: %(fields)s.")
        if d.get("former_name")
        else _("Import mapping %(name)s changed: %(fields)s.")
    ),
    "imports.mapping_deleted": lambda d: _("Import mapping %(name)s deleted."),
    "collections.action_superseded": lambda d: _(
        "Reminder of %(send_on)s (step %(step)s) awaiting approval withdrawn: the one planned for %(by)s replaces it."
    ),
    "note.added": lambda d: (
        _("Note on invoice %(invoice)s: %(excerpt)s") if d.get("invoice") else _("Note: %(excerpt)s")
    ),
    "note.edited": lambda d: (
        _("Note on invoice %(invoice)s changed: %(excerpt)s") if d.get("invoice") else _("Note changed: %(excerpt)s")
    ),
    "note.deleted": lambda d: (
        _("Note on invoice %(invoice)s deleted: %(excerpt)s") if d.get("invoice") else _("Note deleted: %(excerpt)s")
    ),
    "task.joined": lambda d: _("Step %(step)s joined the open task: %(title)s"),
    "task.opened": lambda d: (
        (
            _("Task for %(assignee)s, due %(due_on)s: %(title)s")
            if d.get("due_on")
            else _("Task for %(assignee)s: %(title)s")
        )
        if d.get("assignee")
        else (_("Task, due %(due_on)s: %(title)s") if d.get("due_on") else _("Task: %(title)s"))
    ),
    "task.done": lambda d: _task_outcome(
        d,
        _("Task done (%(outcome_label)s): %(title)s. %(note)s")
        if d.get("note")
        else _("Task done (%(outcome_label)s): %(title)s."),
    ),
    "task.cancelled": lambda d: (
        _("Task cancelled: %(title)s (%(reason)s).") if d.get("reason") else _("Task cancelled: %(title)s.")
    ),
    "task.reassigned": lambda d: (
        _("Task given to %(assignee)s: %(title)s.") if d.get("assignee") else _("Task given to nobody: %(title)s.")
    ),
    "task.not_needed": lambda d: _("No task opened for step %(step)s: every invoice it listed has been paid."),
    "task.no_longer_needed": lambda d: _no_longer_needed_sentence(d),
    "credit.over_limit": lambda d: (
        _(
            "Over the credit limit: %(exposure)s %(currency)s owed for a limit of %(limit)s %(currency)s, %(excess)s "
            "%(currency)s over (invoice %(invoice)s of %(invoice_amount)s %(currency)s took it over)."
        )
        if d.get("invoice")
        else _(
            "Over the credit limit: %(exposure)s %(currency)s owed for a limit of %(limit)s %(currency)s, %(excess)s "
            "%(currency)s over."
        )
    ),
    "credit.near_limit": lambda d: _(
        "%(percent)s%% of the credit limit: %(exposure)s %(currency)s owed for a limit of %(limit)s %(currency)s."
    ),
    "risk.settings_changed": lambda d: _("Credit thresholds changed: %(fields)s."),
    "insurance.policy_added": lambda d: _(
        "Credit insurance policy %(number)s with %(insurer)s added: declare an unpaid invoice %(max_extension_days)s "
        "days after its due date, then within %(declaration_days)s days."
    ),
    "insurance.policy_changed": lambda d: _("Credit insurance policy %(number)s changed: %(fields)s."),
    "insurance.cover_set": lambda d: _(
        "Credit insurance cover set: %(insurer)s, policy %(policy)s, insured limit %(limit)s %(currency)s."
    ),
    "insurance.cover_removed": lambda d: _("Credit insurance cover removed (%(insurer)s, policy %(policy)s)."),
    "insurance.declared": lambda d: (
        _(
            "Invoice %(invoice)s declared to %(insurer)s on %(declared_on)s for %(amount)s %(currency)s (reference "
            "%(reference)s)."
        )
        if d.get("reference")
        else _("Invoice %(invoice)s declared to %(insurer)s on %(declared_on)s for %(amount)s %(currency)s.")
    ),
    "insurance.declaration_withdrawn": lambda d: _(
        "Declaration of invoice %(invoice)s to the insurer on %(declared_on)s withdrawn (%(amount)s %(currency)s)."
    ),
    "credit.alert_closed": lambda d: (
        _("Credit limit alert closed, now over the limit: %(title)s.")
        if d.get("reason") == "over_limit"
        else _("Credit limit alert closed, back under the threshold (%(exposure)s %(currency)s owed): %(title)s.")
    ),
    "task.wrong_number": lambda d: (
        _("Wrong phone number on file: %(note)s") if d.get("note") else _("Wrong phone number on file.")
    ),
    "document.attached": lambda d: _document_sentence(
        d,
        _("Document added to invoice %(invoice)s: %(file_name)s (%(kind_label)s)."),
        _("Document added: %(file_name)s (%(kind_label)s)."),
    ),
    "document.withdrawn": lambda d: _document_sentence(
        d,
        _("Document withdrawn from invoice %(invoice)s: %(file_name)s (%(kind_label)s). Reason: %(reason)s")
        if d.get("reason")
        else _("Document withdrawn from invoice %(invoice)s: %(file_name)s (%(kind_label)s)."),
        _("Document withdrawn: %(file_name)s (%(kind_label)s). Reason: %(reason)s")
        if d.get("reason")
        else _("Document withdrawn: %(file_name)s (%(kind_label)s)."),
    ),
    "letters.produced": lambda d: (
        _("Registered letter ready to post: %(subject)s.")
        if d.get("registered")
        else _("Letter ready to post: %(subject)s.")
    ),
    "letters.posted": lambda d: (
        _("Registered letter posted on %(posted_on)s, tracking number %(tracking_number)s.")
        if d.get("registered")
        else _("Letter posted on %(posted_on)s.")
    ),
    "letters.acknowledged": lambda d: _(
        "Registered letter (tracking number %(tracking_number)s) received by the customer on %(acknowledged_on)s."
    ),
    "letters.presented": lambda d: _(
        "Registered letter (tracking number %(tracking_number)s) first presented to the customer on %(presented_on)s."
    ),
    "letters.cancelled": lambda d: (
        _("Letter not produced: every invoice it listed is on hold.")
        if d.get("reason") == "held"
        else _("Letter not produced: the penalties it asked for have since been paid, waived or put on hold.")
        if d.get("reason") == "penalties"
        else _("Letter not produced: every invoice it listed has been paid.")
    ),
    "letters.redrawn": lambda d: _(
        "Letter drawn again before posting, without the invoices put on hold since it was produced."
    ),
    "letters.failed": lambda d: _("Letter not produced: %(error)s"),
    "collections.formal_notice_requested": lambda d: (
        ngettext(
            "Formal notice requested for %(invoices)s overdue invoice; it goes out without waiting for approval.",
            "Formal notice requested for %(invoices)s overdue invoices; it goes out without waiting for approval.",
            _count(d.get("invoices")),
        )
        if d.get("approved")
        else ngettext(
            "Formal notice requested for %(invoices)s overdue invoice; it waits for approval.",
            "Formal notice requested for %(invoices)s overdue invoices; it waits for approval.",
            _count(d.get("invoices")),
        )
    ),
    "dossier.exported": lambda d: _(
        "Evidence dossier on %(as_of)s exported (%(exhibits)s exhibits): %(file_name)s, SHA-256 %(sha256)s."
    ),
    "import.summary": lambda d: _(
        "Import of %(file)s (%(import_kind)s): %(created)s created, %(updated)s updated, %(unchanged)s unchanged."
    ),
    "bank.statement_imported": lambda d: _(
        "Bank file %(file)s (%(format)s) imported: %(statements)s statements, %(entries)s entries, %(created)s new, "
        "%(duplicates)s already imported."
    ),
    "bank.account_added": lambda d: _("Bank account %(account)s added (first statement imported)."),
    "bank.entries_marked": lambda d: _bank_entries_sentence(d),
    "bank.payment_applied": lambda d: _bank_applied_sentence(d),
    "bank.payment_unapplied": lambda d: (
        _("Bank transfer of %(amount)s %(currency)s no longer applied to %(invoices)s: they are open again. %(note)s")
        if d.get("invoices")
        else _("Bank transfer of %(amount)s %(currency)s no longer applied to the customer. %(note)s")
    ),
    "bank.iban_linked": lambda d: _("Account %(iban)s linked to the customer: its next transfers point here."),
    "bank.iban_unlinked": lambda d: _(
        "Account %(iban)s unlinked from the customer: its transfers no longer point here."
    ),
    "bank.entry_ignored": lambda d: _(
        "Bank entry of %(amount)s %(currency)s of %(booked_on)s set aside (not a customer's payment): %(reason)s."
    ),
    "bank.settings_changed": lambda d: (
        _(
            "Bank matching settings changed: threshold of automatic application %(threshold)s, tolerance "
            "%(tolerance)s, reminders held at most %(identify_hold_days)s days while a payment is identified."
        )
        if "identify_hold_days" in d
        else _(
            "Bank matching settings changed: threshold of automatic application %(threshold)s, tolerance %(tolerance)s."
        )
    ),
    "bank.identify_hold_placed": lambda d: (
        _(
            "Reminders on hold until %(ends_on)s: a bank transfer of %(amount)s %(currency)s of %(booked_on)s from "
            "%(payer)s may be this customer's payment and is being identified."
        )
        if d.get("payer")
        else _(
            "Reminders on hold until %(ends_on)s: a bank transfer of %(amount)s %(currency)s of %(booked_on)s may be "
            "this customer's payment and is being identified."
        )
    ),
    "bank.identify_hold_released": lambda d: {
        "applied": _(
            "Reminders resumed: the bank transfer of %(amount)s %(currency)s of %(booked_on)s was applied to this "
            "customer."
        ),
        "applied_elsewhere": _(
            "Reminders resumed: the bank transfer of %(amount)s %(currency)s of %(booked_on)s was applied to another "
            "customer."
        ),
        "set_aside": _(
            "Reminders resumed: the bank transfer of %(amount)s %(currency)s of %(booked_on)s was set aside, not a "
            "customer's payment."
        ),
    }.get(
        str(d.get("why")),
        _("Reminders resumed: the bank transfer of %(amount)s %(currency)s of %(booked_on)s is no longer held."),
    ),
    "bank.entry_restored": lambda d: _("Bank entry set aside brought back among those to match. %(note)s"),
    "proceedings.opened": lambda d: _(
        "Court proceedings opened: %(route)s before %(court)s; collection stops until they are closed."
    ),
    "proceedings.updated": lambda d: (
        _("Court proceedings (%(route)s): %(fields)s. Serve the order by %(service_deadline)s.")
        if d.get("service_deadline") and not d.get("opposition_deadline")
        else _("Court proceedings (%(route)s): %(fields)s. The debtor may oppose until %(opposition_deadline)s.")
        if d.get("opposition_deadline")
        else _("Court proceedings (%(route)s): %(fields)s.")
    ),
    "proceedings.enforcement": lambda d: _("Enforcement on %(on)s: %(step)s %(note)s"),
    "proceedings.closed": lambda d: _("Court proceedings (%(route)s) closed on %(closed_on)s: %(outcome)s"),
    "proceedings.injonction_generated": lambda d: _(
        "Injonction de payer request drawn up for %(total)s EUR (SHA-256 %(sha256)s)."
    ),
    "privacy.anonymised": lambda d: _(
        "Personal data anonymised at the end of its retention period (archived until %(archive_until)s): "
        "%(contacts)s contacts removed, %(documents)s documents deleted. Invoices and amounts are kept."
    ),
    "privacy.documents_deleted": lambda d: _("%(documents)s documents deleted at the end of their retention period."),
    "privacy.exported": lambda d: (
        _("Personal data of contact %(contact)s exported (right of access).")
        if d.get("contact")
        else _("Personal data of the customer exported (right of access).")
    ),
    "privacy.settings": lambda d: _("Privacy settings changed: %(fields)s."),
    "apikey.created": lambda d: _("API key %(name)s (%(prefix)s) created, scopes: %(scopes)s."),
    "apikey.revoked": lambda d: _("API key %(name)s (%(prefix)s) revoked."),
    "proceedings.handoff_exported": lambda d: _(
        "Hand-off package exported (format %(version)s, %(files)s files, SHA-256 %(sha256)s)."
    ),
}


def _bank_applied_sentence(d: Any) -> str:
    from recouvre.core.matching import Reason, Why, describe

    texts = []
    for reason in d.get("reasons") or []:
        try:
            texts.append(describe(Reason(Why(reason.get("code", "")), dict(reason.get("params") or {}))))
        except ValueError:
            texts.append(str(reason.get("code", "")))
    d["reasons_text"] = "; ".join(texts)
    d["percent"] = round(float(d.get("confidence") or 0) * 100)
    if not d.get("invoices"):
        return _(
            "Bank transfer of %(amount)s %(currency)s of %(booked_on)s kept on the customer's account (confidence "
            "%(percent)s %%): %(reasons_text)s."
        )
    if d.get("auto"):
        return _(
            "Bank transfer of %(amount)s %(currency)s of %(booked_on)s applied automatically to %(invoices)s "
            "(confidence %(percent)s %%): %(reasons_text)s."
        )
    return _(
        "Bank transfer of %(amount)s %(currency)s of %(booked_on)s applied to %(invoices)s after review "
        "(confidence %(percent)s %%): %(reasons_text)s."
    )


def _bank_entries_sentence(d: Any) -> str:
    n = _count(d.get("entries"))
    state = d.get("state")
    if state == "applied":
        sentence = ngettext(
            "%(entries)s bank entry applied to invoices.", "%(entries)s bank entries applied to invoices.", n
        )
    elif state == "suggested":
        sentence = ngettext(
            "%(entries)s bank entry with a suggested match awaiting a decision.",
            "%(entries)s bank entries with a suggested match awaiting a decision.",
            n,
        )
    elif state == "ignored":
        sentence = ngettext(
            "%(entries)s bank entry set aside (not a customer's payment).",
            "%(entries)s bank entries set aside (not customers' payments).",
            n,
        )
    else:
        sentence = ngettext(
            "%(entries)s bank entry back to unmatched.", "%(entries)s bank entries back to unmatched.", n
        )
    return f"{sentence} %(reason)s" if d.get("reason") else sentence


def _document_sentence(d: Any, on_invoice: str, on_customer: str) -> str:
    """The sentence of a document event, its kind written in the reader's language (``kind_label``)."""
    from recouvre.documents.models import DocumentKind

    kind = d.get("document_kind", "")
    d["kind_label"] = str(DocumentKind(kind).label) if kind in DocumentKind.values else kind
    return on_invoice if d.get("invoice") else on_customer


def _dispute_sentence(d: Any, sentence: str) -> str:
    """A dispute's sentence, its reason written in the reader's language (``reason_label``)."""
    from recouvre.core.dunning import DisputeReason

    code = d.get("reason_code", "")
    try:
        d["reason_label"] = DisputeReason(code).label
    except ValueError:
        d["reason_label"] = code
    return sentence


def _write_off_sentence(d: Any, sentence: str) -> str:
    """A write-off's sentence, its reason written in the reader's language (``reason_label``)."""
    from recouvre.legal.models import WriteOffReason

    code = d.get("reason", "")
    try:
        d["reason_label"] = WriteOffReason(code).label
    except ValueError:
        d["reason_label"] = code
    return sentence


def _security_sentence(d: Any, sentence: str) -> str:
    """A security's or an amicable step's sentence, its kind (and outcome) in the reader's language."""
    from recouvre.legal.models import AmicableKind, AmicableOutcome, SecurityKind

    for key, choices in (("security_kind", SecurityKind), ("step_kind", AmicableKind)):
        if key in d:
            try:
                d["kind_label"] = choices(d[key]).label
            except ValueError:
                d["kind_label"] = d[key]
    if "outcome" in d:
        try:
            d["outcome_label"] = AmicableOutcome(d["outcome"]).label
        except ValueError:
            d["outcome_label"] = d["outcome"]
    return sentence


def _roles(d: Any, sentence: str) -> str:
    """A member's role (``role``, ``role_before``) in the reader's language (``role_label``, ``role_before_label``)."""
    from recouvre.organizations.models import Role

    for key in ("role", "role_before"):
        code = d.get(key, "")
        d[f"{key}_label"] = str(Role(code).label).lower() if code in Role.values else code
    return sentence


def _task_outcome(d: Any, sentence: str) -> str:
    """A task's outcome written in the reader's language (``outcome_label``)."""
    labels = {
        "promise": _("promise to pay"),
        "dispute": _("dispute"),
        "no_answer": _("no answer"),
        "wrong_number": _("wrong number"),
        "already_paid": _("says already paid"),
        "done": _("done"),
    }
    d["outcome_label"] = labels.get(d.get("outcome", ""), d.get("outcome", ""))
    return sentence


def _settled_invoice(number: str, status: str) -> str:
    """What became of an invoice a task was about (``recouvre.core.settled``), in the reader's language."""
    sentences = {
        "paid": _("%(number)s paid"),
        "credited": _("%(number)s credited"),
        "written_off": _("%(number)s written off"),
        "insolvency": _("%(number)s in insolvency proceedings"),
        "over_indebtedness": _("%(number)s in over-indebtedness proceedings"),
        "einvoice_rejected": _("%(number)s rejected by the e-invoicing platform"),
        "dispute": _("%(number)s disputed"),
        "payment_plan": _("%(number)s in a payment plan"),
        "promise": _("%(number)s under a promise to pay"),
        "already_paid": _("%(number)s declared already paid"),
        "unmatched_payment": _("%(number)s with a payment being identified"),
        "manual": _("%(number)s paused"),
    }
    return sentences.get(status, "%(number)s " + status) % {"number": number}


def _no_longer_needed_sentence(d: Any) -> str:
    """A call or an escalation step closed because its invoices are settled or held (``task.no_longer_needed``)."""
    listed = [_settled_invoice(str(number), str(status)) for number, status in d.get("invoices") or []]
    more = _count(d.get("more"))
    if more:
        listed.append(ngettext("%(count)s more invoice", "%(count)s more invoices", more) % {"count": more})
    d["invoices_text"] = ", ".join(listed)
    sentences = {
        "paid": _("Task closed, no longer needed (invoices paid): %(title)s. %(invoices_text)s."),
        "credited": _("Task closed, no longer needed (invoices credited): %(title)s. %(invoices_text)s."),
        "written_off": _("Task closed, no longer needed (invoices written off): %(title)s. %(invoices_text)s."),
        "on_hold": _("Task closed, no longer needed (invoices on hold): %(title)s. %(invoices_text)s."),
    }
    return sentences.get(d.get("reason", ""), sentences["paid"])


def _count(value: Any) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        return 0


class _Defaulting(dict):  # type: ignore[type-arg]
    def __missing__(self, key: str) -> str:
        return ""


def _insolvency_sentence(d: Any) -> str:
    if d.get("procedure_kind") == "over_indebtedness":
        return _("Over-indebtedness: the commission declared the customer's file admissible on %(judgment_on)s.")
    if not d.get("published_on"):
        return _(
            "Insolvency judgment of %(judgment_on)s: declare the claim within 2 months of its BODACC publication "
            "(not recorded yet)."
        )
    if d.get("court") and d.get("officer"):
        return _(
            "Insolvency judgment of %(judgment_on)s (%(court)s), published in the BODACC on %(published_on)s: declare "
            "the claim to %(officer)s by %(declare_by)s."
        )
    return _(
        "Insolvency judgment of %(judgment_on)s, published in the BODACC on %(published_on)s: declare the claim by "
        "%(declare_by)s."
    )


def _withdrawn_sentence(d: Any) -> str:
    """What opening a hold did to the reminders already queued (``collections.actions_withdrawn``)."""
    parts = []
    if d.get("withdrawn"):
        parts.append(
            ngettext(
                "%(withdrawn)s queued reminder withdrawn: all its invoices are on hold (%(hold_label)s).",
                "%(withdrawn)s queued reminders withdrawn: all their invoices are on hold (%(hold_label)s).",
                int(d.get("withdrawn") or 0),
            )
        )
    if d.get("narrowed"):
        parts.append(
            ngettext(
                "%(narrowed)s queued reminder will leave out the invoices on hold (%(invoices)s).",
                "%(narrowed)s queued reminders will leave out the invoices on hold (%(invoices)s).",
                int(d.get("narrowed") or 0),
            )
        )
    return " ".join(parts)


_CODE = re.compile(r"[a-z][a-z0-9_]*(\.[a-z][a-z0-9_]*)?")

# The model whose fields an event's ``changes`` name, when the event's prefix is not the app of that model.
_FIELDS_OF = {
    "customer": ("ledger", "customer"),
    "watch": ("ledger", "customer"),
    "contact": ("ledger", "contact"),
    "invoice": ("ledger", "invoice"),
    "payment": ("ledger", "payment"),
    "organization": ("organizations", "organization"),
}
# Events whose fields are those of one model of their app, looked up before the app's other models.
_FIELDS_OF_KIND = {"legal.security_changed": ("legal", "security")}


def field_label(kind: str, name: str) -> str:
    """The words for a field an event changed (its ``verbose_name`` in the reader's language), never the code a
    reader of the timeline, a debtor or a judge, has no use for: looked up on the model of the event's kind, else
    among the models of the app its prefix names; a name no model has is written in words (``_`` as spaces)."""
    from django.apps import apps

    if name.startswith("contact.") and kind != "contact.updated":
        return _("%(field)s of the contact") % {"field": field_label("contact.updated", name.split(".", 1)[1])}
    prefix = kind.split(".", 1)[0]
    candidates = []
    if kind in _FIELDS_OF_KIND:
        candidates.append(apps.get_model(*_FIELDS_OF_KIND[kind]))
    if prefix in _FIELDS_OF:
        candidates.append(apps.get_model(*_FIELDS_OF[prefix]))
    try:
        candidates += list(apps.get_app_config(prefix).get_models())
    except LookupError:
        pass
    for model in candidates:
        try:
            return str(model._meta.get_field(name).verbose_name)
        except Exception:  # noqa: BLE001 - FieldDoesNotExist, or a relation without a verbose name
            continue
    return name.replace("_", " ")


def describe(event: Event) -> str:
    data = _Defaulting(event.data)
    if "changes" in data and "fields" not in data:
        data["fields"] = ", ".join(field_label(event.kind, name) for name in sorted(data["changes"]))
    elif isinstance(data.get("fields"), str):
        # settings events list the fields changed by their codes: each code in words, what else is there as it is
        data["fields"] = ", ".join(
            field_label(event.kind, part.strip()) if _CODE.fullmatch(part.strip()) else part.strip()
            for part in data["fields"].split(",")
        )
    if event.kind == "watch.customer_refreshed" and data.get("replaced"):
        data["replaced"] = ", ".join(field_label(event.kind, n.strip()) for n in str(data["replaced"]).split(","))
    factory = _MESSAGES.get(event.kind)
    if factory is None:
        return event.kind
    return str(factory(data) % data).replace("  ", " ").strip()


# ------------------------------------------------------------------------------------------- kinds, for a reader

# The families a reader filters the customer's timeline by, in the order they are offered.
CATEGORIES: tuple[tuple[str, Any], ...] = (
    ("invoices", gettext_lazy("Invoices and credit notes")),
    ("payments", gettext_lazy("Payments")),
    ("reminders", gettext_lazy("Reminders and letters")),
    ("holds", gettext_lazy("Promises, disputes and holds")),
    ("tasks", gettext_lazy("Tasks and calls")),
    ("legal", gettext_lazy("Legal steps")),
    ("other", gettext_lazy("Customer record and other")),
)
_HOLD_WORDS = ("hold_", "dispute_", "promise_", "plan_", "instalment_", "already_paid")


def category(kind: str) -> str:
    """The family of an event's ``kind`` (one of ``CATEGORIES``), from its code."""
    prefix, _sep, rest = kind.partition(".")
    if prefix in ("invoice", "credit_note", "einvoice", "penalties") and kind != "invoice.disputed":
        return "invoices"
    if prefix in ("payment", "allocation", "bank"):
        return "payments"
    if kind == "invoice.disputed" or (prefix == "collections" and rest.startswith(_HOLD_WORDS)):
        return "holds"
    if prefix in ("collections", "letters", "portal"):
        return "legal" if rest == "insolvency_recorded" else "reminders"
    if prefix == "task":
        return "tasks"
    if prefix in ("legal", "proceedings", "dossier") or kind == "customer.insolvency":
        return "legal"
    return "other"


_DATE_KEY = re.compile(r"(_on|_at|_by|^as_of|^until|^day)$")
_DATE_VALUE = re.compile(r"\d{4}-\d{2}-\d{2}")
_AMOUNT_KEYS = frozenset(
    {"amount", "total", "interest", "indemnity", "principal", "open_amount", "exposure", "limit", "excess"}
)
_NO_CURRENCY = "\x00"


def describe_for_reader(event: Event, *, money: Any, day: Any, words: dict[str, str] | None = None) -> str:
    """``describe``, its amounts and dates written the reader's way: ``money(amount, currency)`` gives
    ``1 234,56 €`` (the currency code the sentence carries after an amount then left out), ``day(date)``
    ``07/12/2026``; ``words`` replaces codes of the data by the reader's words (``{"import_kind": "factures"}``)."""
    data = dict(event.data or {})
    currency = data.get("currency") or ""
    formatted_amount = False
    for key, value in list(data.items()):
        if not isinstance(value, (str, int, float)) or isinstance(value, bool):
            continue
        if key in _AMOUNT_KEYS and currency:
            try:
                data[key] = money(Decimal(str(value)), currency)
                formatted_amount = True
            except (InvalidOperation, ValueError):
                pass
        elif _DATE_KEY.search(key) and isinstance(value, str) and _DATE_VALUE.fullmatch(value):
            try:
                data[key] = day(date.fromisoformat(value))
            except ValueError:
                pass
    if formatted_amount:
        data["currency"] = _NO_CURRENCY
    data.update(words or {})
    shown = Event(kind=event.kind, data=data)
    text = describe(shown)
    return re.sub(r"\s*\x00", "", text)
