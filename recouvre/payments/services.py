"""Online payments, the writes (docs/payments.md):

- ``configure``: an organization's account at a provider (its secret key and webhook signing secret), set by an
  administrator;
- ``start_checkout``: a customer chose invoices on the portal and pays them by card or SEPA direct debit: the
  provider's hosted checkout is created, Recouvre keeps which invoices it pays;
- ``receive_webhook``: the provider's signed event. Only ``checkout.session.completed`` with ``payment_status``
  ``paid`` (card) and ``checkout.session.async_payment_succeeded`` (SEPA direct debit) record a payment, allocated to
  the invoices the customer chose; ``async_payment_failed`` leaves an event and a task for the collector. Each event
  is kept once per account (its id unique) and each checkout records one payment at most (its session, and the
  payment's source key, unique): a redelivered or replayed event records nothing more.
"""

from __future__ import annotations

import logging
import secrets
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import get_language, ngettext
from django.utils.translation import gettext as _

from recouvre.core import payments as core
from recouvre.ledger.actors import Actor
from recouvre.ledger.models import Customer, Invoice, PaymentMethod, Source
from recouvre.ledger.services import allocate, record_event, record_payment
from recouvre.organizations.models import Organization

from . import selectors
from .models import Checkout, CheckoutState, Provider, ProviderAccount, ProviderEvent
from .providers import CheckoutRequest, ProviderUnavailable, WebhookRefused, provider_named

log = logging.getLogger("recouvre.payments")
PORTAL = Actor.system("portal")
MAX_INVOICES = 200

__all__ = ["CheckoutRefused", "ProviderUnavailable", "WebhookRefused", "configure", "receive_webhook"]


def provider_actor(provider: str) -> Actor:
    return Actor.system(dict(Provider.choices).get(provider, provider))


# ------------------------------------------------------------------------------------------------ configure


@transaction.atomic
def configure(
    organization: Organization,
    actor: Actor,
    *,
    provider: str,
    secret_key: str | None = None,
    webhook_secret: str | None = None,
    enabled: bool | None = None,
) -> ProviderAccount:
    """Create or change the organization's account at ``provider``: a new one needs both secrets; for one already
    there, a secret left out (``None``) is kept. ``ValidationError`` (by field) when a value is refused."""
    if provider not in Provider.values:
        raise ValidationError({"provider": _("Unknown payment provider %(name)r.") % {"name": provider}})
    errors = core.stripe_credential_errors(secret_key, webhook_secret)
    found = ProviderAccount.objects.select_for_update().filter(organization=organization, provider=provider).first()
    if found is None:
        if secret_key is None:
            errors.setdefault("secret_key", _("The secret key is needed to set up the account."))
        if webhook_secret is None:
            errors.setdefault("webhook_secret", _("The webhook signing secret is needed to set up the account."))
    if errors:
        raise ValidationError(errors)
    account = found or ProviderAccount(
        organization=organization, provider=provider, webhook_key=secrets.token_urlsafe(24)
    )
    changed = []
    if secret_key is not None:
        account.secret_key = secret_key
        changed.append("secret_key")
    if webhook_secret is not None:
        account.webhook_secret = webhook_secret
        changed.append("webhook_secret")
    if enabled is not None:
        account.enabled = enabled
    account.updated_by_label = actor.name[:150]
    account.save()
    record_event(
        organization,
        None,
        "payments.provider_configured",
        actor,
        provider=provider,
        enabled=account.enabled,
        changed=changed,
        created=found is None,
    )
    return account


# ------------------------------------------------------------------------------------------------ checkout


class CheckoutRefused(Exception):
    """The customer's choice cannot be paid online (the message says why, for the customer)."""


@dataclass(frozen=True)
class Started:
    checkout: Checkout
    redirect_url: str


def _description(invoices: Sequence[Invoice]) -> str:
    numbers = ", ".join(inv.number for inv in invoices)
    if len(numbers) > 200:
        numbers = numbers[:199] + "…"
    return ngettext("Invoice %(numbers)s", "Invoices %(numbers)s", len(invoices)) % {"numbers": numbers}


def start_checkout(
    organization: Organization,
    customer: Customer,
    invoice_ids: Sequence[int],
    *,
    success_url: str,
    cancel_url: str,
    language: str,
    now: datetime | None = None,
) -> Started:
    """Create the provider's hosted checkout for the customer's invoices ``invoice_ids`` (in the order chosen): their
    open amounts, in one currency. ``CheckoutRefused`` for a choice that cannot be paid, ``ProviderUnavailable``
    when the provider does not answer (the checkout is kept as not started)."""
    now = now or timezone.now()
    account = selectors.checkout_account(organization)
    if account is None:
        raise CheckoutRefused(_("Payment by card is not available: pay by transfer."))
    if len(invoice_ids) > MAX_INVOICES:
        raise CheckoutRefused(_("Choose %(max)s invoices at most.") % {"max": MAX_INVOICES})
    invoices = selectors.payable_invoices(organization, customer, invoice_ids)
    if not invoices:
        raise CheckoutRefused(_("Choose at least one invoice to pay."))
    currencies = {inv.currency for inv in invoices}
    if len(currencies) > 1:
        raise CheckoutRefused(_("Choose invoices in one currency at a time."))
    currency = currencies.pop()
    amount = sum((inv.open_amount for inv in invoices), Decimal("0.00"))
    checkout = Checkout.objects.create(
        organization=organization,
        customer=customer,
        account=account,
        provider=account.provider,
        reference="rc_" + secrets.token_hex(12),
        amount=amount,
        currency=currency,
        invoice_ids=[inv.pk for inv in invoices],
        created_at=now,
    )
    request = CheckoutRequest(
        amount=amount,
        currency=currency,
        description=_description(invoices),
        reference=checkout.reference,
        success_url=success_url,
        cancel_url=cancel_url,
        language=language,
        direct_debit=currency == "EUR",
        metadata={"recouvre_checkout": checkout.reference, "customer": customer.ref[:100]},
    )
    try:
        session_id, url = provider_named(account.provider).create_checkout(account.secret_key, request)
    except ProviderUnavailable:
        Checkout.objects.filter(pk=checkout.pk).update(state=CheckoutState.NOT_STARTED)
        raise
    with transaction.atomic():
        checkout.session_id = session_id
        checkout.state = CheckoutState.OPEN
        checkout.save(update_fields=["session_id", "state"])
        record_event(
            organization,
            customer,
            "payments.checkout_started",
            PORTAL,
            provider=account.provider,
            checkout=checkout.reference,
            amount=amount,
            currency=currency,
            invoices=[inv.number for inv in invoices],
        )
    return Started(checkout, url)


# ------------------------------------------------------------------------------------------------ webhook


def _received_on(event: core.StripeEvent) -> date:
    return timezone.localdate(datetime.fromtimestamp(event.created, tz=UTC))


def receive_webhook(
    account: ProviderAccount, headers: Mapping[str, str], body: bytes, *, now: datetime | None = None
) -> str:
    """Verify and act on one webhook delivery to ``account``'s address; the outcome (``recorded``, ``duplicate``,
    ``processing``, ``failed``, ``expired``, ``refused``, ``unknown``, ``ignored``). ``WebhookRefused`` (nothing
    written) when the signature does not hold."""
    now = now or timezone.now()
    event = provider_named(account.provider).verify_webhook(
        headers, body, account.webhook_secret, now=int(now.timestamp())
    )
    try:
        with transaction.atomic():
            return _act(account, event, now)
    except IntegrityError:
        # the same event (or another event of the same checkout) was recorded at the same moment by another worker
        log.info("payments: event %s of account %s already recorded", event.id, account.pk)
        return "duplicate"


def _act(account: ProviderAccount, event: core.StripeEvent, now: datetime) -> str:
    org = account.organization
    try:
        with transaction.atomic():
            received = ProviderEvent.objects.create(
                organization=org, account=account, event_id=event.id, type=event.type, outcome="", received_at=now
            )
    except IntegrityError:
        return "duplicate"
    outcome, checkout = _outcome(account, event, now)
    received.outcome = outcome
    received.checkout = checkout
    received.save(update_fields=["outcome", "checkout"])
    return outcome


def _checkout_of(account: ProviderAccount, event: core.StripeEvent) -> Checkout | None:
    found = Checkout.objects.select_for_update().filter(organization=account.organization, account=account)
    checkout = found.filter(session_id=event.session_id).first() if event.session_id else None
    if checkout is None and event.client_reference_id:
        checkout = found.filter(reference=event.client_reference_id, session_id__in=["", event.session_id]).first()
        if checkout is not None and not checkout.session_id:
            checkout.session_id = event.session_id
            checkout.save(update_fields=["session_id"])
    return checkout


def _outcome(account: ProviderAccount, event: core.StripeEvent, now: datetime) -> tuple[str, Checkout | None]:
    if event.type not in core.HANDLED_EVENTS:
        return "ignored", None
    checkout = _checkout_of(account, event)
    if checkout is None:
        log.warning("payments: %s %s for a session Recouvre did not start", event.type, event.session_id)
        return "unknown", None
    if checkout.payment_id is not None or checkout.state in (CheckoutState.PAID, CheckoutState.REFUSED):
        return "duplicate", checkout
    if event.type == core.SESSION_COMPLETED:
        if event.payment_status == "paid":
            return _record(checkout, event, PaymentMethod.CARD, now), checkout
        if event.payment_status == "unpaid":  # a SEPA direct debit: paid, or not, a few days later
            _set_state(checkout, CheckoutState.PROCESSING, "payments.checkout_processing", event)
            return "processing", checkout
        return "ignored", checkout
    if event.type == core.ASYNC_SUCCEEDED:
        return _record(checkout, event, PaymentMethod.DIRECT_DEBIT, now), checkout
    if event.type == core.ASYNC_FAILED:
        _set_state(checkout, CheckoutState.FAILED, "payments.checkout_failed", event)
        _task(
            checkout,
            _("Direct debit of %(amount)s failed for %(customer)s")
            % {"amount": _money(checkout.amount, checkout.currency), "customer": checkout.customer.name},
            _("The customer paid by SEPA direct debit on the portal and the debit failed: nothing was recorded."),
        )
        return "failed", checkout
    if checkout.state in (CheckoutState.OPEN, CheckoutState.NEW):  # expired before anything was paid
        _set_state(checkout, CheckoutState.EXPIRED, "", event)
        return "expired", checkout
    return "ignored", checkout


def _money(amount: Decimal, currency: str) -> str:
    """The amount written in the active language (``1 234,56 €``, ``€1,234.56``)."""
    from recouvre.collections.rendering import format_amount

    return format_amount(amount, currency, "fr" if (get_language() or "").startswith("fr") else "en")


def _set_state(checkout: Checkout, state: str, kind: str, event: core.StripeEvent) -> None:
    checkout.state = state
    checkout.save(update_fields=["state"])
    if kind:
        record_event(
            checkout.organization,
            checkout.customer,
            kind,
            provider_actor(checkout.provider),
            provider=checkout.provider,
            checkout=checkout.reference,
            amount=checkout.amount,
            currency=checkout.currency,
            provider_event=event.id,
        )


def _task(checkout: Checkout, title: str, details: str) -> None:
    from recouvre.tasks.models import TaskKind
    from recouvre.tasks.services import create_task

    create_task(
        checkout.organization,
        checkout.customer,
        kind=TaskKind.OTHER,
        title=title,
        details=details,
        due_on=timezone.localdate(),
        actor=provider_actor(checkout.provider),
        invoices=checkout.invoice_ids,
    )


def _record(checkout: Checkout, event: core.StripeEvent, method: str, now: datetime) -> str:
    org, customer = checkout.organization, checkout.customer
    actor = provider_actor(checkout.provider)
    if event.currency != checkout.currency or event.amount_total is None or event.amount_total <= 0:
        checkout.state = CheckoutState.REFUSED
        checkout.save(update_fields=["state"])
        record_event(
            org,
            customer,
            "payments.checkout_refused",
            actor,
            provider=checkout.provider,
            checkout=checkout.reference,
            expected=f"{checkout.amount} {checkout.currency}",
            received=f"{event.amount_total} {event.currency} (minor units)",
            provider_event=event.id,
        )
        _task(
            checkout,
            _("Online payment of %(customer)s not recorded: check it") % {"customer": customer.name},
            _(
                "The provider says a payment of %(received)s (minor units) was made for a checkout of %(expected)s: "
                "the currencies differ, so nothing was recorded. Check the payment in the provider's dashboard and "
                "record it by hand."
            )
            % {
                "received": f"{event.amount_total} {event.currency}",
                "expected": _money(checkout.amount, checkout.currency),
            },
        )
        return "refused"
    amount = core.from_minor(event.amount_total, checkout.currency)
    payment = record_payment(
        org,
        actor,
        customer=customer,
        received_on=_received_on(event),
        amount=amount,
        currency=checkout.currency,
        method=method,
        reference=checkout.session_id[:140],
        payer_name=event.payer_name,
        source_key=f"{checkout.provider}:{checkout.session_id}"[:200],
        source=Source.ONLINE,
    )
    ids = [int(pk) for pk in checkout.invoice_ids]
    locked = {
        inv.pk: inv
        for inv in Invoice.objects.select_for_update().filter(
            organization=org, customer=customer, currency=checkout.currency, pk__in=ids
        )
    }
    plan = core.allocation_plan(amount, [(pk, locked[pk].open_amount) for pk in ids if pk in locked])
    for pk, part in plan:
        allocate(actor, invoice=locked[pk], amount=part, payment=payment, source=Source.ONLINE)
    checkout.payment = payment
    checkout.state = CheckoutState.PAID
    checkout.completed_at = now
    checkout.save(update_fields=["payment", "state", "completed_at"])
    record_event(
        org,
        customer,
        "payments.checkout_paid",
        actor,
        provider=checkout.provider,
        checkout=checkout.reference,
        amount=amount,
        currency=checkout.currency,
        method=method,
        invoices=[locked[pk].number for pk, _part in plan],
        unallocated=amount - sum((part for _pk, part in plan), Decimal("0.00")),
        provider_event=event.id,
    )
    return "recorded"
