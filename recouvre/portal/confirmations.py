"""The e-mail confirming to the customer what it did on the portal.

``queue`` writes the message, in the language the customer reads the portal in, with exactly what was recorded
(amounts, dates, invoice numbers), and hands it to the background worker (``recouvre worker``) in the transaction
of the action itself: an action refused writes nothing and sends nothing, and a slow mail server never holds up
the customer's page. The worker sends it through the project's mailer (``RECOUVRE_SMTP_URL``), From the
organization as its reminders are, Reply-To the customer's collector, to the customer's billing contact (else the
address its reminders go to); the timeline says it was sent, or why not. A temporary failure is tried again later,
four times at most."""

from __future__ import annotations

import email.utils
import logging
import smtplib
from datetime import date
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.core.mail import EmailMessage, mailers, make_msgid
from django.tasks import task
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from recouvre.collections.dispatch import BACKOFF
from recouvre.collections.models import CollectionSettings, CustomerCollection, DisputeReason
from recouvre.collections.rendering import format_amount, format_date
from recouvre.core.contacts import choose_contact
from recouvre.core.headers import one_line
from recouvre.ledger.actors import Actor
from recouvre.ledger.models import Contact, Customer, Invoice
from recouvre.ledger.services import record_event
from recouvre.organizations.models import Organization

from .models import PortalLink

log = logging.getLogger("recouvre.portal")

PROMISE, DISPUTE, ALREADY_PAID, PLAN_GRANTED, PLAN_ASKED, CONTACT = (
    "promise",
    "dispute",
    "already_paid",
    "plan_granted",
    "plan_asked",
    "contact",
)
WORKER = Actor.system("worker")


def address_of(customer: Customer) -> str:
    """The customer's billing contact's address (not bounced), else the address its reminders go to."""
    contacts = Contact.objects.filter(customer=customer, email_bounced_at__isnull=True).exclude(email="")
    chosen = choose_contact(contacts.only("id", "is_primary", "role", "email"), billing_first=True)
    return str(chosen.email) if chosen else ""


def _lang() -> str:
    return "fr" if (get_language() or "").startswith("fr") else "en"


def _body(link: PortalLink, kind: str, facts: dict[str, Any]) -> tuple[str, str]:
    lang = _lang()
    org, customer = link.organization, link.customer
    currency = facts.get("currency", "EUR")

    def money(amount: Decimal) -> str:
        return format_amount(amount, currency, lang)

    def day(value: date) -> str:
        return format_date(value, lang)

    invoices: list[Invoice] = facts.get("invoices", [])
    numbers = ", ".join(inv.number for inv in invoices)
    lines: list[str] = []
    if kind == PROMISE:
        subject = _("Your promise to pay is recorded")
        lines += [
            _("We have recorded your promise to pay %(amount)s by %(date)s for invoices %(invoices)s.")
            % {"amount": money(facts["amount"]), "date": day(facts["on"]), "invoices": numbers},
            _("We will not send you reminders about these invoices until that day."),
        ]
    elif kind == DISPUTE:
        subject = _("Your dispute of invoice %(number)s is recorded") % {"number": numbers}
        lines += [
            _("We have recorded your dispute of invoice %(number)s (%(amount)s open), for this reason: %(reason)s.")
            % {"number": numbers, "amount": money(facts["amount"]), "reason": DisputeReason(facts["reason"]).label},
            _("We will not send you reminders about this invoice while we look into it, and will come back to you."),
        ]
        if facts.get("message"):
            lines += ["", _("Your message:"), facts["message"]]
        if facts.get("file_name"):
            lines.append(_("File received: %(name)s.") % {"name": facts["file_name"]})
    elif kind == ALREADY_PAID:
        subject = _("Your payment is being looked for")
        lines += [
            _("You told us you paid %(amount)s on %(date)s for invoices %(invoices)s.")
            % {"amount": money(facts["amount"]), "date": day(facts["on"]), "invoices": numbers},
            _("We are looking for this payment; we will not send you reminders about these invoices until %(date)s.")
            % {"date": day(facts["until"])},
        ]
        if facts.get("file_name"):
            lines.append(_("Proof received: %(name)s.") % {"name": facts["file_name"]})
    elif kind in (PLAN_GRANTED, PLAN_ASKED):
        schedule: list[tuple[date, Decimal]] = facts["schedule"]
        if kind == PLAN_GRANTED:
            subject = _("Your payment plan is agreed")
            lines.append(
                _("Your payment plan for invoices %(invoices)s is agreed: %(total)s in these instalments:")
                % {"invoices": numbers, "total": money(facts["amount"])}
            )
        else:
            subject = _("Your request for a payment plan has been passed on")
            lines.append(
                _(
                    "Your request to pay invoices %(invoices)s (%(total)s) in these instalments has been passed on to "
                    "the person in charge of your account, who will answer you. Until then nothing is agreed."
                )
                % {"invoices": numbers, "total": money(facts["amount"])}
            )
        lines += [
            _("%(position)s. %(date)s: %(amount)s") % {"position": i, "date": day(d), "amount": money(a)}
            for i, (d, a) in enumerate(schedule, start=1)
        ]
    elif kind == CONTACT:
        subject = _("Your new contact details have been passed on")
        lines.append(
            _("Your request to change your contact details has been passed on to the person in charge of your account:")
        )
        for label, (old, new) in facts["changes"].items():
            lines.append(
                _("%(field)s: %(old)s → %(new)s")
                % {"field": label, "old": old or _("(empty)"), "new": new or _("(empty)")}
            )
    else:
        raise ValueError(f"unknown confirmation: {kind}")
    greeting = _("Hello,")
    closing = _("This message confirms what you did on your account page with %(organization)s.") % {
        "organization": org.name
    }
    body = "\n".join([greeting, "", *lines, "", closing, "", org.name])
    return f"{subject} – {one_line(org.name)}", body + "\n" + _("Account: %(name)s") % {"name": customer.name} + "\n"


def queue(link: PortalLink, kind: str, **facts: Any) -> None:
    """Write the confirmation of ``kind`` and queue it for the worker (nothing when the customer has no address)."""
    to = address_of(link.customer)
    if not to:
        log.info("portal: customer %s has no e-mail address, no confirmation", link.customer_id)
        return
    subject, body = _body(link, kind, facts)
    send_confirmation.enqueue(link.organization_id, link.customer_id, kind, to, subject, body, _lang())


def _permanent(exc: BaseException) -> bool:
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        return all(code >= 500 for code, _text in exc.recipients.values())
    return isinstance(exc, smtplib.SMTPResponseException) and exc.smtp_code >= 500


@task()
def send_confirmation(
    organization_id: int,
    customer_id: int,
    kind: str,
    to: str,
    subject: str,
    body: str,
    language: str,
    attempt: int = 0,
) -> dict[str, Any]:
    """Send one confirmation. A temporary failure (the mail server unreachable or answering 4xx) is tried again
    later, as the reminders are (``dispatch.BACKOFF``); a permanent one (5xx) is not. Either is on the timeline."""
    organization = Organization.objects.get(pk=organization_id)
    customer = Customer.objects.get(pk=customer_id, organization=organization)
    identity = CollectionSettings.objects.filter(organization=organization).first()
    collection = CustomerCollection.objects.filter(customer=customer).select_related("collector").first()
    user = collection.collector if collection is not None else None
    reply_to = [user.email] if user is not None and user.email else []
    if not reply_to and identity is not None and identity.reply_to:
        reply_to = [identity.reply_to]
    sender = email.utils.formataddr(
        (
            one_line((identity.from_name if identity is not None else "") or organization.name),
            (identity.from_email if identity is not None else "") or settings.DEFAULT_FROM_EMAIL,
        )
    )
    message = EmailMessage(
        subject=one_line(subject),
        body=body,
        from_email=sender,
        to=[to],
        reply_to=reply_to,
        headers={
            "Message-ID": make_msgid(domain=settings.DEFAULT_FROM_EMAIL.rpartition("@")[2] or None),
            "Date": email.utils.format_datetime(timezone.now()),
            "Content-Language": language,
            "Auto-Submitted": "auto-generated",
        },
    )
    try:
        mailers["default"].send_messages([message])
    except Exception as exc:
        again = attempt < len(BACKOFF) and not _permanent(exc)
        record_event(
            organization,
            customer,
            "portal.confirmation_failed",
            WORKER,
            to=to,
            subject=subject,
            error=str(exc)[:300],
            again=again,
        )
        if again:
            send_confirmation.using(run_after=timezone.now() + BACKOFF[attempt]).enqueue(
                organization_id, customer_id, kind, to, subject, body, language, attempt=attempt + 1
            )
        return {"to": to, "kind": kind, "failed": str(exc)[:300], "again": again}
    record_event(organization, customer, "portal.confirmation_sent", WORKER, to=to, subject=subject, about=kind)
    return {"to": to, "kind": kind}
