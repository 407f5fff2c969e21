"""The day's notifications of things due, and the daily digest e-mail.

``notify_due(organization, day)``: each open task due on ``day`` is told to its assignee, each promise to pay by
``day`` still open to the customer's collector (once each: ``Notification.key``).

``send_digests(organization, day)``: one e-mail per member, in the member's language (plain text and HTML), listing

- the open tasks given to them that are due on ``day`` or earlier,
- the promises to pay by ``day`` still open,
- the customers' replies received the day before ``day``,
- the disputes opened the day before ``day``,

about *their customers*: those whose collector they are. A credit manager or an administrator who is the collector
of no customer receives the whole organization's (every open task due, every promise, reply and dispute); a
collector with no customer of their own receives the tasks given to them. Viewers, members without an e-mail
address, deactivated users and those who turned the digest off (``Preference``) receive none, nor does anyone with
nothing to report. A digest is recorded (``DigestSent``, unique per organization, member and day) in the same step
as it is sent, so a second pass on the same day sends nothing twice; a digest the mail server refused is not
recorded, and the next pass tries again.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any

from django.conf import settings
from django.core.mail import EmailMultiAlternatives, mailers
from django.db import IntegrityError, transaction
from django.db.models import QuerySet
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from recouvre.collections.models import CustomerCollection, Hold, HoldKind
from recouvre.mailbox.models import InboundKind, InboundMessage
from recouvre.organizations.models import Membership, Organization, Role
from recouvre.tasks.models import Task, TaskState

from . import services
from .models import DigestSent, NotificationKind

log = logging.getLogger(__name__)
SHOWN = 20  # items listed per section of a digest (the counts are exact)
MANAGERS = (Role.ADMIN, Role.CREDIT_MANAGER)


def notify_due(organization: Organization, day: date) -> int:
    """Tell the assignee of each open task due on ``day``, and the collector of each customer whose promise to pay
    falls on ``day``; each once. Returns how many notifications were given."""
    given = 0
    tasks = Task.objects.filter(
        organization=organization, state=TaskState.OPEN, due_on=day, assignee__isnull=False
    ).select_related("customer", "assignee", "organization")
    for task in tasks:
        given += (
            services.notify(
                organization,
                task.assignee,
                NotificationKind.TASK_DUE,
                link=reverse("worklist") + f"#task-{task.pk}",
                key=f"task_due:{task.pk}:{day.isoformat()}",
                customer=task.customer.name,
                title=task.title,
            )
            is not None
        )
    collectors = dict(
        CustomerCollection.objects.filter(organization=organization, collector__isnull=False).values_list(
            "customer_id", "collector"
        )
    )
    users = {m.user_id: m.user for m in Membership.objects.filter(organization=organization).select_related("user")}
    for hold in _promises(organization, day).select_related("customer"):
        collector = users.get(collectors.get(hold.customer_id, 0) or 0)
        given += (
            services.notify(
                organization,
                collector,
                NotificationKind.PROMISE_DUE,
                link=services.customer_link(hold.customer_id),
                key=f"promise_due:{hold.pk}",
                customer=hold.customer.name,
                amount=hold.amount,
                currency=hold.currency,
            )
            is not None
        )
    return given


def _promises(organization: Organization, day: date) -> QuerySet[Hold]:
    return Hold.objects.filter(
        organization=organization, kind=HoldKind.PROMISE, promised_on=day, released_at__isnull=True
    ).order_by("customer__name", "id")


def _yesterday(day: date) -> tuple[datetime, datetime]:
    tz = timezone.get_current_timezone()
    start = datetime.combine(day - timedelta(days=1), time.min, tzinfo=tz)
    return start, start + timedelta(days=1)


@dataclass
class Digest:
    organization: Organization
    user: Any
    day: date
    everything: bool  # the whole organization's (a manager who is nobody's collector)
    tasks: list[Task] = field(default_factory=list)
    promises: list[Hold] = field(default_factory=list)
    replies: list[InboundMessage] = field(default_factory=list)
    disputes: list[Hold] = field(default_factory=list)
    counts: dict[str, int] = field(default_factory=dict)

    @property
    def empty(self) -> bool:
        return not any(self.counts.values())


def gather(organization: Organization, membership: Membership, day: date) -> Digest:
    user = membership.user
    mine = CustomerCollection.objects.filter(organization=organization, collector=user).values("customer_id")
    everything = membership.role in MANAGERS and not mine.exists()
    tasks = Task.objects.filter(organization=organization, state=TaskState.OPEN, due_on__lte=day).select_related(
        "customer"
    )
    promises = _promises(organization, day).select_related("customer")
    start, end = _yesterday(day)
    replies = (
        InboundMessage.objects.filter(
            organization=organization, kind=InboundKind.REPLY, customer__isnull=False, received_at__gte=start
        )
        .filter(received_at__lt=end)
        .select_related("customer")
        .order_by("received_at", "id")
    )
    disputes = (
        Hold.objects.filter(organization=organization, kind=HoldKind.DISPUTE, created_at__gte=start, created_at__lt=end)
        .select_related("customer", "invoice")
        .order_by("created_at", "id")
    )
    if not everything:
        tasks = tasks.filter(assignee=user)
        promises = promises.filter(customer_id__in=mine)
        replies = replies.filter(customer_id__in=mine)
        disputes = disputes.filter(customer_id__in=mine)
    tasks = tasks.order_by("due_on", "id")
    digest = Digest(organization, user, day, everything)
    digest.counts = {
        "tasks": tasks.count(),
        "promises": promises.count(),
        "replies": replies.count(),
        "disputes": disputes.count(),
    }
    digest.tasks = list(tasks[:SHOWN])
    digest.promises = list(promises[:SHOWN])
    digest.replies = list(replies[:SHOWN])
    digest.disputes = list(disputes[:SHOWN])
    return digest


def recipients(organization: Organization) -> list[Membership]:
    """The members who may receive the digest: not viewers, active, with an e-mail address, not opted out."""
    members = (
        Membership.objects.filter(organization=organization, user__is_active=True)
        .exclude(role=Role.VIEWER)
        .exclude(user__email="")
        .select_related("user")
        .order_by("user__username")
    )
    return [m for m in members if services.wants_digest(m.user)]


def _language(user: Any) -> str:
    lang = (getattr(user, "language", "") or settings.LANGUAGE_CODE).split("-")[0]
    return lang if lang in dict(settings.LANGUAGES) else settings.LANGUAGE_CODE


def _url(path: str) -> str:
    return (settings.RECOUVRE_PUBLIC_URL or "") + path


def subject(digest: Digest) -> str:
    parts = [
        ngettext("%(count)s task due", "%(count)s tasks due", digest.counts["tasks"]),
        ngettext("%(count)s promise due", "%(count)s promises due", digest.counts["promises"]),
        ngettext("%(count)s reply", "%(count)s replies", digest.counts["replies"]),
        ngettext("%(count)s new dispute", "%(count)s new disputes", digest.counts["disputes"]),
    ]
    counts = [digest.counts["tasks"], digest.counts["promises"], digest.counts["replies"], digest.counts["disputes"]]
    said = ", ".join(p % {"count": c} for p, c in zip(parts, counts, strict=True) if c)
    return _("%(organization)s, your day: %(counts)s") % {"organization": digest.organization.name, "counts": said}


def render(digest: Digest) -> tuple[str, str, str]:
    """Subject, plain text and HTML of ``digest`` in the active language."""
    from recouvre.collections.rendering import format_amount

    lang = "fr" if (translation.get_language() or "fr").startswith("fr") else "en"
    context = {
        "digest": digest,
        "organization": digest.organization,
        "name": digest.user.get_full_name() or digest.user.get_username(),
        "counts": digest.counts,
        "shown": SHOWN,
        "worklist_url": _url(reverse("worklist")),
        "notifications_url": _url(reverse("notifications")),
        "tasks": [
            {"task": t, "customer_url": _url(reverse("customer_detail", args=[t.customer_id]))} for t in digest.tasks
        ],
        "promises": [
            {
                "hold": h,
                "amount": format_amount(h.amount, h.currency or digest.organization.currency, lang) if h.amount else "",
                "customer_url": _url(reverse("customer_detail", args=[h.customer_id])),
            }
            for h in digest.promises
        ],
        "replies": [
            {"message": m, "customer_url": _url(reverse("customer_detail", args=[m.customer_id]))}
            for m in digest.replies
        ],
        "disputes": [
            {
                "hold": h,
                "amount": format_amount(h.amount, h.currency or digest.organization.currency, lang) if h.amount else "",
                "customer_url": _url(reverse("customer_detail", args=[h.customer_id])),
            }
            for h in digest.disputes
        ],
    }
    text = render_to_string("notifications/digest.txt", context)
    html = render_to_string("notifications/digest.html", context)
    return subject(digest), text, html


@dataclass
class DigestResult:
    day: date
    sent: list[dict[str, Any]] = field(default_factory=list)
    already: list[str] = field(default_factory=list)  # sent earlier that day
    nothing: list[str] = field(default_factory=list)  # nothing to report
    failed: list[dict[str, str]] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return {
            "day": self.day.isoformat(),
            "sent": self.sent,
            "already_sent": self.already,
            "nothing_to_report": self.nothing,
            "failed": self.failed,
        }


def send_digests(
    organization: Organization, day: date, *, dry_run: bool = False, result: DigestResult | None = None
) -> DigestResult:
    result = result or DigestResult(day)
    for membership in recipients(organization):
        user = membership.user
        who = user.get_username()
        if DigestSent.objects.filter(organization=organization, user=user, day=day).exists():
            result.already.append(who)
            continue
        with translation.override(_language(user)):
            digest = gather(organization, membership, day)
            if digest.empty:
                result.nothing.append(who)
                continue
            title, text, html = render(digest)
        entry = {"organization": organization.slug, "user": who, "to": user.email, **digest.counts}
        if dry_run:
            result.sent.append(entry)
            continue
        try:
            with transaction.atomic():
                DigestSent.objects.create(
                    organization=organization, user=user, day=day, to=user.email, counts=digest.counts
                )
                message = EmailMultiAlternatives(
                    subject=" ".join(title.split()),
                    body=text,
                    from_email=settings.DEFAULT_FROM_EMAIL,
                    to=[user.email],
                    headers={"Auto-Submitted": "auto-generated", "Content-Language": _language(user)},
                )
                message.attach_alternative(html, "text/html")
                mailers["default"].send_messages([message])
        except IntegrityError:
            result.already.append(who)  # sent meanwhile by another pass
            continue
        except Exception as exc:  # noqa: BLE001 - the mail server refused it: not recorded, tried again next pass
            log.warning("digest for %s of %s not sent: %s", who, organization.slug, exc)
            result.failed.append({"organization": organization.slug, "user": who, "error": str(exc)})
            continue
        result.sent.append(entry)
    return result
