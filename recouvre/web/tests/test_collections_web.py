"""Collections pages, as a credit manager uses them: the approval queue (with a real SMTP server receiving what is
approved), the policy editor, the template editor and its live preview, the run preview, the settings."""

from __future__ import annotations

import email
import email.policy
from datetime import date, datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.conf import settings
from django.urls import reverse
from django.utils import timezone

from recouvre.collections import approvals
from recouvre.collections.dispatch import dispatch_due
from recouvre.collections.models import Action, CollectionSettings, MessageTemplate, Policy, Step
from recouvre.collections.services import run_collections
from recouvre.collections.tests.test_dispatch import Keep, smtp  # noqa: F401  (the real SMTP server fixture)
from recouvre.ledger.actors import Actor
from recouvre.ledger.models import Contact, Event
from recouvre.ledger.timeline import describe
from recouvre.operations.worker import run_ready_tasks
from recouvre.testing.factories import CustomerFactory, InvoiceFactory, MembershipFactory

from .helpers import text

pytestmark = pytest.mark.django_db
PARIS = ZoneInfo("Europe/Paris")
TODAY = date(2026, 3, 25)  # a Wednesday
ROBOT = Actor.system("test")


@pytest.fixture(autouse=True)
def wednesday():  # type: ignore[no-untyped-def]
    with time_machine.travel(datetime(2026, 3, 25, 10, 0, tzinfo=PARIS), tick=False):
        yield


@pytest.fixture
def english(logged_client):  # type: ignore[no-untyped-def]
    logged_client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return logged_client


@pytest.fixture
def policy(org):  # type: ignore[no-untyped-def]
    """The standard segment's policy: a reminder at +7 days that needs approval, a firm e-mail at +20."""
    policy = Policy.objects.create(organization=org, key="checked", name="Checked", segment="standard")
    Step.objects.create(
        policy=policy,
        position=1,
        key="reminder",
        offset_days=7,
        channel="email",
        template="reminder",
        needs_approval=True,
        min_gap_days=7,
    )
    Step.objects.create(
        policy=policy, position=2, key="firm", offset_days=20, channel="email", template="firm", min_gap_days=10
    )
    org.iban = "FR7630006000011234567890189"
    org.save()
    return policy


def _customer(org, name, ref, address, *, language="en"):  # type: ignore[no-untyped-def]
    customer = CustomerFactory(organization=org, ref=ref, name=name, language=language)
    Contact.objects.create(organization=org, customer=customer, name="Accounts", email=address, is_primary=True)
    return customer


@pytest.fixture
def dupont(org, policy):  # type: ignore[no-untyped-def]
    """Dupont SARL owes F-101, 1 200.00 EUR due 10 March (15 days late): its reminder is due today."""
    customer = _customer(org, "Dupont SARL", "411DUP", "compta@dupont.example")
    InvoiceFactory(
        customer=customer, number="F-101", issued_on=date(2026, 2, 8), due_on=date(2026, 3, 10), total=Decimal("1200")
    )
    return customer


@pytest.fixture
def martin(org, policy):  # type: ignore[no-untyped-def]
    """Martin & Fils owe F-201, 480.50 EUR due 20 March (5 days late): nothing due before 27 March."""
    customer = _customer(org, "Martin & Fils", "411MAR", "factures@martin.example")
    InvoiceFactory(
        customer=customer,
        number="F-201",
        issued_on=date(2026, 2, 18),
        due_on=date(2026, 3, 20),
        total=Decimal("480.50"),
    )
    return customer


def _waiting(org):  # type: ignore[no-untyped-def]
    run_collections(org, TODAY, actor=ROBOT)
    return list(Action.objects.filter(organization=org, state="awaiting_approval").order_by("id"))


def _messages(response) -> list[str]:  # type: ignore[no-untyped-def]
    return [str(m) for m in response.context["messages"]] if response.context else []


def _parse(raw: bytes):  # type: ignore[no-untyped-def]
    return email.message_from_bytes(raw, policy=email.policy.default)


# ------------------------------------------------------------------------------------------------ approvals


def test_approving_a_reminder_with_send_now_sends_exactly_one_email(org, user, english, dupont, smtp):  # noqa: F811
    server = smtp(Keep())
    [action] = _waiting(org)
    assert server.messages == []  # waiting for a person: not sent by the run's dispatch
    assert dispatch_due(org, now=timezone.now(), actor=ROBOT).sent == 0

    queue = english.get(reverse("approvals"))
    row = text(queue)
    assert "1 reminder awaiting approval" in row
    assert "Dupont SARL" in row and "F-101" in row and "€1,200.00" in row and "25 Mar 2026" in row

    preview = english.get(reverse("approval_detail", args=[action.pk]))
    page = preview.content.decode()
    # The HTML part is a document of its own in a sandboxed frame: nothing of it reaches the page itself.
    frame_url = reverse("approval_email_html", args=[action.pk])
    assert f'sandbox="" src="{frame_url}"' in page
    assert "border-collapse" not in page
    part = english.get(frame_url)
    assert part.content.decode().startswith('<!DOCTYPE html>\n<html lang="en">')
    assert '<table style="border-collapse: collapse;" cellpadding="4">' in part.content.decode()
    assert "F-101" in part.content.decode()
    # Its inline styles apply there only, under a policy that lets nothing else run or load.
    assert part["Content-Security-Policy"] == (
        "default-src 'none'; style-src 'unsafe-inline'; img-src data:; frame-ancestors 'self'; "
        "base-uri 'none'; form-action 'none'; sandbox"
    )
    assert part["X-Frame-Options"] == "SAMEORIGIN"
    assert "compta@dupont.example" in text(preview)
    assert "F-101 10 Mar 2026 reminder €1,200.00" in text(preview)
    assert "Reminder: invoices awaiting payment – ACME Distribution SAS" in text(preview)

    response = english.post(
        reverse("approval_decide"),
        {
            "ids": [action.pk],
            "decision": "approve",
            "send_now": "on",
            "next": reverse("approval_detail", args=[action.pk]),
        },
        follow=True,
    )
    assert "1 reminder approved." in _messages(response)
    assert (
        "1 e-mail queued for sending: the background worker sends it in a moment (on its send date, when that is "
        "later)." in _messages(response)
    )
    # The page did not wait for the mail server: the background worker sends it, on behalf of the approver.
    assert server.messages == []
    assert run_ready_tasks() == 1
    assert len(server.messages) == 1
    recipients, raw = server.messages[0]
    assert recipients == ["compta@dupont.example"]
    message = _parse(raw)
    assert message["Subject"] == "Reminder: invoices awaiting payment – ACME Distribution SAS"
    assert "F-101" in message.get_body(("plain",)).get_content()

    action.refresh_from_db()
    assert action.state == "sent" and action.decided_by == user and action.decided_at == timezone.now()
    approved = Event.objects.get(customer=dupont, kind="collections.action_approved")
    assert describe(approved) == "Reminder of 2026-03-25 (step reminder) approved."
    assert approved.actor == user
    assert Event.objects.get(customer=dupont, kind="collections.email_sent").actor == user
    # Nothing goes out twice: a later dispatch finds nothing to send.
    assert dispatch_due(org, now=timezone.now(), actor=ROBOT).sent == 0
    assert len(server.messages) == 1
    assert "Nothing is waiting for approval." in text(english.get(reverse("approvals")))


def test_approving_without_send_now_leaves_the_email_to_the_next_dispatch(org, english, dupont, smtp):  # noqa: F811
    server = smtp(Keep())
    [action] = _waiting(org)
    english.post(reverse("approval_decide"), {"ids": [action.pk], "decision": "approve"})
    action.refresh_from_db()
    assert action.state == "planned" and server.messages == []
    assert dispatch_due(org, now=timezone.now(), actor=ROBOT).sent == 1
    assert [to for to, _raw in server.messages] == [["compta@dupont.example"]]


def test_rejecting_needs_a_note_and_sends_nothing(org, user, english, dupont, smtp):  # noqa: F811
    server = smtp(Keep())
    [action] = _waiting(org)

    refused = english.post(reverse("approval_decide"), {"ids": [action.pk], "decision": "reject"}, follow=True)
    assert "Say why the reminder is rejected: the note is required." in _messages(refused)
    action.refresh_from_db()
    assert action.state == "awaiting_approval"

    english.post(
        reverse("approval_decide"),
        {"ids": [action.pk], "decision": "reject", "note": "Paid by cheque on 20 March, in the post"},
    )
    action.refresh_from_db()
    assert action.state == "cancelled" and action.decided_by == user
    assert action.decision_note == "Paid by cheque on 20 March, in the post"
    event = Event.objects.get(customer=dupont, kind="collections.action_rejected")
    assert describe(event) == "Reminder of 2026-03-25 (step reminder) rejected: Paid by cheque on 20 March, in the post"
    assert dispatch_due(org, now=timezone.now(), actor=ROBOT).sent == 0
    assert server.messages == []
    # The customer's page tells the story.
    assert "rejected: Paid by cheque on 20 March" in text(english.get(reverse("customer_detail", args=[dupont.pk])))


def test_bulk_approval_skips_a_reminder_someone_else_decided_meanwhile(org, user, english, dupont, martin):
    InvoiceFactory(
        customer=martin, number="F-200", issued_on=date(2026, 2, 1), due_on=date(2026, 3, 3), total=Decimal("90.00")
    )
    first, second = _waiting(org)
    colleague = MembershipFactory(organization=org, role="credit_manager").user
    # A colleague rejects Martin's reminder while the queue is open on our screen.
    approvals.reject(org, [second.pk], actor=Actor.of(colleague), now=timezone.now(), note="Strategic customer")

    # Several at once: the count and the amount are asked to be confirmed first; nothing is decided yet.
    ask = english.post(reverse("approval_decide"), {"ids": [first.pk, second.pk], "decision": "approve"})
    assert ask.status_code == 200
    assert "Approve 2 reminders?" in text(ask)
    (amount,) = approvals.totals(first).values()  # the other one is no longer waiting: not counted
    assert f"Amount claimed in all: €{amount:,.2f}" in text(ask)
    assert not Event.objects.filter(kind="collections.action_approved").exists()
    response = english.post(
        reverse("approval_decide"),
        {"ids": [first.pk, second.pk], "decision": "approve", "confirmed": "1"},
        follow=True,
    )
    assert "1 reminder approved." in _messages(response)
    assert "1 reminder was skipped: someone else decided it in the meantime." in _messages(response)
    first.refresh_from_db()
    second.refresh_from_db()
    assert (first.state, first.decided_by) == ("planned", user)
    assert (second.state, second.decided_by, second.decision_note) == ("cancelled", colleague, "Strategic customer")
    assert Event.objects.filter(kind="collections.action_approved").count() == 1
    assert Event.objects.filter(kind="collections.action_rejected").count() == 1


def test_only_credit_managers_and_admins_decide(org, dupont, member_of):
    [action] = _waiting(org)
    for role in ("collector", "viewer"):
        client = member_of(role)
        assert client.get(reverse("approvals")).status_code == 200
        assert client.post(reverse("approval_decide"), {"ids": [action.pk], "decision": "approve"}).status_code == 403
    action.refresh_from_db()
    assert action.state == "awaiting_approval"
    manager = member_of("credit_manager")
    assert manager.post(reverse("approval_decide"), {"ids": [action.pk], "decision": "approve"}).status_code == 302
    action.refresh_from_db()
    assert action.state == "planned"


def test_another_organizations_reminders_are_404(org, other_org, english, dupont):
    rival_policy = Policy.objects.create(organization=other_org, key="rival", name="Rival", segment="standard")
    Step.objects.create(
        policy=rival_policy,
        position=1,
        key="reminder",
        offset_days=7,
        channel="email",
        template="reminder",
        needs_approval=True,
    )
    secret = _customer(other_org, "Rival Secret Client", "411SEC", "secret@rival.example")
    InvoiceFactory(customer=secret, number="R-001", issued_on=date(2026, 2, 1), due_on=date(2026, 3, 1), total=900)
    [theirs] = _waiting(other_org)
    assert english.get(reverse("approval_detail", args=[theirs.pk])).status_code == 404
    assert english.post(reverse("approval_decide"), {"ids": [theirs.pk], "decision": "approve"}).status_code == 404
    assert "Rival Secret Client" not in text(english.get(reverse("approvals")))
    theirs.refresh_from_db()
    assert theirs.state == "awaiting_approval"
    rival_template = reverse("template_preview", args=["reminder", "en"])
    assert english.post(rival_template, {"customer": secret.pk}).status_code == 404
    assert english.get(reverse("policy_edit", args=[rival_policy.pk])).status_code == 404
    assert english.post(reverse("policy_copy", args=[rival_policy.pk])).status_code == 404
    assert english.post(reverse("customer_collection", args=[secret.pk]), {}).status_code == 404


# ------------------------------------------------------------------------------------------------ templates


def test_the_organizations_wording_is_used_in_the_email_actually_sent(org, english, dupont, smtp):  # noqa: F811
    server = smtp(Keep())
    edit = reverse("template_edit", args=["reminder", "en"])
    page = english.get(edit)
    assert "{{ invoice_table }}" in page.context["form"]["body"].value()  # the built-in wording to start from

    broken = english.post(edit, {"subject": "Hello", "body": "Dear {{ customer.name }},\n\n{% if total %}\nno end"})
    assert "Error in the body, line 3" in text(broken)
    assert not MessageTemplate.objects.exists()

    english.post(
        edit,
        {
            "subject": "{{ customer.name }}: {{ total }} to pay",
            "body": "Hello {{ customer.name }},\n\n{{ invoice_table }}\n\n{{ payment_instructions }}\n",
        },
    )
    assert MessageTemplate.objects.get(organization=org, key="reminder", language="en").subject.startswith("{{")
    [action] = _waiting(org)
    english.post(reverse("approval_decide"), {"ids": [action.pk], "decision": "approve", "send_now": "on"})
    run_ready_tasks()
    [(recipients, raw)] = server.messages
    message = _parse(raw)
    assert message["Subject"] == "Dupont SARL: €1,200.00 to pay"
    body = message.get_body(("plain",)).get_content()
    assert body.startswith("Hello Dupont SARL,")
    assert "F-101 | 10 Mar 2026 | 15 | €1,200.00" in body
    assert (
        "Payment by bank transfer, quoting the reference below:\n"
        "Account holder: ACME Distribution SAS\n"
        "IBAN: FR76 3000 6000 0112 3456 7890 189\n"
        f"Reference to quote: {dupont.payment_reference_printed}\n"
        "Amount due: €1,200.00"
    ) in body.replace("\r\n", "\n")
    html = message.get_body(("html",)).get_content()
    assert "<p>Hello Dupont SARL,</p>" in html and "<td" in html

    # Reset: the built-in wording again.
    english.post(edit, {"reset": "1"})
    assert not MessageTemplate.objects.exists()
    assert [e.kind for e in Event.objects.filter(customer=None).order_by("id")][-2:] == [
        "collections.template_saved",
        "collections.template_reset",
    ]


def test_a_stored_wording_that_breaks_never_stops_sending(org, english, dupont, smtp):  # noqa: F811
    server = smtp(Keep())
    MessageTemplate.objects.create(organization=org, key="reminder", language="en", subject="{% if %}", body="x")
    [action] = _waiting(org)
    english.post(reverse("approval_decide"), {"ids": [action.pk], "decision": "approve", "send_now": "on"})
    run_ready_tasks()
    [(_to, raw)] = server.messages
    assert _parse(raw)["Subject"] == "Reminder: invoices awaiting payment – ACME Distribution SAS"


def test_live_preview_renders_the_text_being_typed_for_a_real_customer(org, english, dupont):
    url = reverse("template_preview", args=["firm", "en"])
    answer = english.post(
        url, {"customer": dupont.pk, "subject": "Pay {{ total }}", "body": "{{ customer.name }}\n\n{{ invoice_table }}"}
    ).json()
    assert answer["subject"] == "Pay €1,200.00"
    assert answer["to"] == "compta@dupont.example"
    assert answer["text"].startswith(
        "Dupont SARL\n\nInvoice | Due date | Days overdue | Amount due\nF-101 | 10 Mar 2026"
    )
    assert "<p>Dupont SARL</p>" in answer["html"]

    error = english.post(url, {"customer": dupont.pk, "subject": "ok", "body": "a\nb\n{% for x in %}"}).json()
    assert error["line"] == 3 and error["part"] == "body"
    assert error["error"].startswith("Error in the body, line 3: ")
    in_subject = english.post(url, {"customer": dupont.pk, "subject": "{% if %}", "body": "x"}).json()
    assert (in_subject["part"], in_subject["line"]) == ("subject", 1)
    # Merge fields see plain values only: no way from a template to the database.
    leak = english.post(url, {"customer": dupont.pk, "subject": "{{ organization.memberships }}", "body": "x"}).json()
    assert leak["subject"] == ""
    assert "error" in english.post(url, {"customer": dupont.pk, "subject": "{% debug %}", "body": "x"}).json()
    # Without text, the stored (here built-in) wording.
    builtin = english.post(url, {"customer": dupont.pk}).json()
    assert builtin["subject"] == "Overdue invoices: second reminder – ACME Distribution SAS"


def test_only_those_who_may_change_the_wording_may_try_one(org, dupont, member_of):
    """A preview runs the text given on the server: viewers and collectors read the wording, nothing more."""
    edit = reverse("template_edit", args=["reminder", "en"])
    preview = reverse("template_preview", args=["reminder", "en"])
    attempt = {"customer": dupont.pk, "subject": "Hello", "body": "{{ customer.name }}"}
    for role in ("viewer", "collector"):
        reader = member_of(role)
        assert reader.get(preview, attempt).status_code == 403, role
        assert reader.post(preview, attempt).status_code == 403, role
        page = reader.get(edit)
        assert page.status_code == 200
        assert preview not in page.content.decode()  # no preview offered to them
        assert 'id="preview-html"' not in page.content.decode()
        assert reader.post(edit, {"subject": "x", "body": "y"}).status_code == 403
    manager = member_of("credit_manager")
    assert manager.post(preview, attempt).json()["text"].startswith("Dupont SARL\n")
    assert preview in manager.get(edit).content.decode()


@pytest.mark.parametrize(
    ("body", "refused"),
    [
        ("{% lorem 2000000 w %}", "Invalid block tag on line 1: 'lorem'. Did you forget to register or load this tag?"),
        ('{{ customer.name|ljust:"30000000" }}', "Invalid filter: 'ljust'"),
        ('{{ customer.name|rjust:"30000000" }}', "Invalid filter: 'rjust'"),
        ('{{ customer.name|center:"30000000" }}', "Invalid filter: 'center'"),
        ('{{ customer.name|stringformat:"30000000s" }}', "Invalid filter: 'stringformat'"),
        (
            "{% widthratio 1 1 30000000 %}",
            "Invalid block tag on line 1: 'widthratio'. Did you forget to register or load this tag?",
        ),
    ],
)
def test_tags_and_filters_that_make_much_out_of_little_are_unknown(org, english, dupont, body, refused):
    preview = reverse("template_preview", args=["reminder", "en"])
    answer = english.post(preview, {"customer": dupont.pk, "subject": "Hello", "body": body})
    assert len(answer.content) < 2000
    assert answer.json()["error"] == f"Error in the body, line 1: {refused}"
    saved = english.post(reverse("template_edit", args=["reminder", "en"]), {"subject": "Hello", "body": body})
    assert f"Error in the body, line 1: {refused}" in text(saved)
    assert not MessageTemplate.objects.exists()


@pytest.mark.parametrize(
    ("body", "error"),
    [
        # 8 million repetitions (three loops over the 200 characters of the invoice table): stopped at 50 000.
        (
            "Hello\n{% for a in invoice_table %}{% for b in invoice_table %}{% for c in invoice_table %}"
            "{{ c }}{% endfor %}{% endfor %}{% endfor %}",
            "Error in the body, line 2: The loops repeat more than 50000 times in all.",
        ),
        # 40 000 copies of the invoice table (8 MB): stopped at 200 000 characters beyond the table itself.
        (
            "{% for a in invoice_table %}\n{% for b in invoice_table %}{{ invoice_table }}{% endfor %}{% endfor %}",
            "Error in the body, line 2: The message would be longer than {limit} characters: a loop or a filter "
            "repeats too much text.",
        ),
        # A value doubled again and again (in memory, before anything is written).
        (
            "{% with a=invoice_table|add:invoice_table %}"
            + "".join("{% with a=a|add:a %}" for _ in range(12))
            + "{{ a|length }}"
            + "{% endwith %}" * 13,
            "Error in the body, line 1: The message would be longer than {limit} characters: a loop or a filter "
            "repeats too much text.",
        ),
        (
            '{{ invoice_table|make_list|join:"' + "x" * 2000 + '" }}',
            "Error in the body, line 1: The message would be longer than {limit} characters: a loop or a filter "
            "repeats too much text.",
        ),
        ('{{ 1|floatformat:"100000000" }}', "Error in the body, line 1: floatformat takes at most 20 decimal places."),
    ],
)
def test_a_wording_is_written_within_bounds_of_time_and_length(org, english, dupont, body, error, monkeypatch):
    import time

    from recouvre.collections import sandbox

    monkeypatch.setattr(sandbox, "MAX_SECONDS", 60)  # the other bounds stop these first, however busy the machine

    preview = reverse("template_preview", args=["reminder", "en"])
    table = english.post(preview, {"customer": dupont.pk, "subject": "x", "body": "{{ invoice_table }}"}).json()
    limit = 200_000 + _html_table_size(table["html"])  # the bound, beyond the longest merge field
    started = time.monotonic()
    answer = english.post(preview, {"customer": dupont.pk, "subject": "Hello", "body": body})
    assert time.monotonic() - started < 30
    assert len(answer.content) < 2000
    assert answer.json()["error"] == error.format(limit=limit)


def test_a_wording_past_the_bounds_is_refused_on_save_with_its_line(org, english, dupont, monkeypatch):
    from recouvre.collections import sandbox

    monkeypatch.setattr(sandbox, "MAX_SECONDS", 60)  # the number of repetitions stops it, however busy the machine
    edit = reverse("template_edit", args=["reminder", "en"])
    loops = "{% for a in invoice_table %}{% for b in invoice_table %}{% for c in invoice_table %}x"
    refused = english.post(edit, {"subject": "Hello", "body": "Dear customer,\n" + loops + "{% endfor %}" * 3})
    assert refused.status_code == 200
    assert "Error in the body, line 2: The loops repeat more than 50000 times in all." in text(refused)
    failing = english.post(edit, {"subject": "Hello", "body": "{% for a, b in lines %}{{ a }}{% endfor %}"})
    assert "The message cannot be written: Need 2 values to unpack in for loop; got 5." in text(failing)
    assert not MessageTemplate.objects.exists()
    saved = english.post(edit, {"subject": "Hello", "body": "Dear customer,\n{{ invoice_table }}"})
    assert saved.status_code == 302 and MessageTemplate.objects.get().body.endswith("{{ invoice_table }}")


def _html_table_size(html: str) -> int:
    start = html.index("<table")
    return html.index("</table>", start) + len("</table>") - start


# ------------------------------------------------------------------------------------------------ policies


def _policy_post(policy, steps, **changes):  # type: ignore[no-untyped-def]
    data = {
        "name": changes.get("name", policy.name),
        "segment": changes.get("segment", policy.segment),
        "steps-TOTAL_FORMS": str(len(steps)),
        "steps-INITIAL_FORMS": str(len(steps)),
        "steps-MIN_NUM_FORMS": "0",
        "steps-MAX_NUM_FORMS": "1000",
    }
    for i, step in enumerate(steps):
        for key, value in step.items():
            if value is True:
                value = "on"
            if value is False or value is None:
                continue
            data[f"steps-{i}-{key}"] = value
        data[f"steps-{i}-ORDER"] = str(i + 1)
    return data


def _steps(policy):  # type: ignore[no-untyped-def]
    return [
        {
            "key": s.key,
            "offset_days": s.offset_days,
            "channel": s.channel,
            "template": s.template,
            "min_open_amount": str(s.min_open_amount),
            "needs_approval": s.needs_approval,
            "min_gap_days": s.min_gap_days,
            "enabled": s.enabled,
            "deadline_days": s.deadline_days,
        }
        for s in policy.steps.order_by("position")
    ]


def test_an_invalid_policy_is_refused_with_the_planners_message(org, user, english, policy):
    steps = _steps(policy)
    steps[1]["offset_days"] = 5  # the firm e-mail before the reminder
    response = english.post(reverse("policy_edit", args=[policy.pk]), _policy_post(policy, steps))
    assert response.status_code == 200
    assert "policy checked, step firm: 5 days is not after the previous enabled step reminder (7 days)" in text(
        response
    )
    assert list(policy.steps.values_list("offset_days", flat=True)) == [7, 20]


def test_saved_steps_are_used_by_the_next_run(org, user, english, policy, dupont):
    steps = _steps(policy)
    steps[0]["needs_approval"] = False  # the reminder goes out on its own now
    steps[0]["offset_days"] = 3
    steps.append(
        {
            "key": "formal_notice",
            "offset_days": 35,
            "channel": "registered_letter",
            "template": "formal_notice",
            "min_open_amount": "500.00",
            "needs_approval": True,
            "min_gap_days": 10,
            "enabled": True,
            "deadline_days": 15,
        }
    )
    data = _policy_post(policy, steps, name="Checked then trusted")
    data["steps-TOTAL_FORMS"] = "3"
    response = english.post(reverse("policy_edit", args=[policy.pk]), data)
    assert response.status_code == 302
    policy.refresh_from_db()
    assert policy.name == "Checked then trusted"
    assert list(policy.steps.values_list("key", "offset_days", "needs_approval")) == [
        ("reminder", 3, False),
        ("firm", 20, False),
        ("formal_notice", 35, True),
    ]
    event = Event.objects.get(kind="collections.policy_changed")
    assert event.customer is None and event.actor == user
    assert "step reminder: offset_days 7 → 3, needs_approval True → False" in describe(event)
    assert "step formal_notice added" in describe(event)

    run_collections(org, TODAY, actor=ROBOT)
    [action] = Action.objects.filter(customer=dupont)
    assert (action.step_key, action.state, action.needs_approval) == ("reminder", "planned", False)


def test_removing_reordering_and_copying_a_policy(org, english, policy):
    steps = _steps(policy)
    data = _policy_post(policy, steps)
    data["steps-1-DELETE"] = "on"
    assert english.post(reverse("policy_edit", args=[policy.pk]), data).status_code == 302
    assert list(policy.steps.values_list("key", flat=True)) == ["reminder"]

    response = english.post(reverse("policy_copy", args=[policy.pk]), {"name": "Key accounts"})
    copy = Policy.objects.get(organization=org, name="Key accounts")
    assert response["Location"] == reverse("policy_edit", args=[copy.pk])
    assert copy.segment == "" and list(copy.steps.values_list("key", "offset_days")) == [("reminder", 7)]
    assert "Key accounts" in text(english.get(reverse("policies")))


def test_policy_editing_needs_a_managing_role(org, policy, member_of):
    client = member_of("collector")
    assert client.get(reverse("policy_edit", args=[policy.pk])).status_code == 200
    assert (
        client.post(reverse("policy_edit", args=[policy.pk]), _policy_post(policy, _steps(policy))).status_code == 403
    )
    assert client.post(reverse("policy_copy", args=[policy.pk])).status_code == 403
    assert client.post(reverse("collection_settings"), {"already_paid_pause_days": 5}).status_code == 403


def test_customer_policy_and_collector_from_the_customer_page(org, user, english, policy, dupont, smtp):  # noqa: F811
    server = smtp(Keep())
    small = Policy.objects.create(organization=org, key="fast", name="Fast", segment="")
    Step.objects.create(policy=small, position=1, key="reminder", offset_days=7, channel="email", template="reminder")
    user.first_name, user.last_name, user.email = "Claire", "Petit", "claire@acme.example"
    user.save()
    page = english.get(reverse("customer_detail", args=[dupont.pk]))
    assert 'action="%s"' % reverse("customer_collection", args=[dupont.pk]) in page.content.decode()
    membership = user.memberships.get(organization=org)
    english.post(reverse("customer_collection", args=[dupont.pk]), {"policy": small.pk, "collector": membership.pk})
    assert describe(Event.objects.get(customer=dupont, kind="collections.customer_settings")) == (
        "Collections settings changed: policy Fast, collector Claire Petit."
    )
    run_collections(org, TODAY, actor=ROBOT)
    dispatch_due(org, now=timezone.now(), actor=ROBOT)  # the Fast policy needs no approval
    [(_to, raw)] = server.messages
    message = _parse(raw)
    assert message["Reply-To"] == "claire@acme.example"
    assert "Claire Petit" in message.get_body(("plain",)).get_content()


# ------------------------------------------------------------------------------------------------ settings


def test_sender_identity_from_the_settings(org, english, dupont, smtp):  # noqa: F811
    server = smtp(Keep())
    response = english.post(
        reverse("collection_settings"),
        {
            "from_name": "ACME Credit Department",
            "from_email": "credit@acme.example",
            "reply_to": "ar@acme.example",
            "already_paid_pause_days": "12",
            "send_window_start": "09:00",
            "send_window_end": "17:30",
        },
    )
    assert response.status_code == 302
    stored = CollectionSettings.objects.get(organization=org)
    assert (stored.from_email, stored.already_paid_pause_days) == ("credit@acme.example", 12)
    refused = english.post(
        reverse("collection_settings"),
        {"already_paid_pause_days": "12", "send_window_start": "18:00", "send_window_end": "09:00"},
    )
    assert "The send window must end after it starts." in text(refused)
    too_long = english.post(reverse("collection_settings"), {"already_paid_pause_days": "200"})
    assert too_long.status_code == 200 and too_long.context["form"].errors
    assert CollectionSettings.objects.get(organization=org).already_paid_pause_days == 12

    [action] = _waiting(org)
    english.post(reverse("approval_decide"), {"ids": [action.pk], "decision": "approve", "send_now": "on"})
    run_ready_tasks()
    [(_to, raw)] = server.messages
    message = _parse(raw)
    assert message["From"] == "ACME Credit Department <credit@acme.example>"
    assert message["Reply-To"] == "ar@acme.example"


def test_the_alsace_moselle_calendar_from_the_settings_page_to_the_run(org, english, dupont):
    url = reverse("collection_settings")
    box = '<input type="checkbox" name="alsace_moselle" aria-describedby="id_alsace_moselle_helptext" '
    page = english.get(url).content.decode()
    assert box + 'id="id_alsace_moselle">' in page
    assert (
        '<span class="help" id="id_alsace_moselle_helptext">Good Friday and 26 December are not business days '
        "either: nothing is sent on them, and a deadline that ends on one moves to the next business day.</span>"
    ) in page
    assert english.post(url, {"already_paid_pause_days": "10", "alsace_moselle": "on"}).status_code == 302
    assert CollectionSettings.objects.get(organization=org).alsace_moselle is True
    assert box + 'id="id_alsace_moselle" checked>' in english.get(url).content.decode()

    # Good Friday 2026 is 3 April, Easter Monday 6 April: the run of Good Friday sends on Tuesday 7 April.
    preview = english.get(reverse("run_preview"), {"as_of": "2026-04-03"})
    assert preview.context["preview"].send_on == date(2026, 4, 7)
    assert "What the run of 3 Apr 2026 would do, sent on 7 Apr 2026" in text(preview)
    with time_machine.travel(datetime(2026, 4, 3, 10, 0, tzinfo=PARIS), tick=False):
        assert english.post(reverse("run_now")).status_code == 302
    assert [(a.send_on, a.step_key) for a in Action.objects.filter(customer=dupont)] == [(date(2026, 4, 7), "reminder")]

    assert english.post(url, {"already_paid_pause_days": "10"}).status_code == 302  # the box left unticked
    assert CollectionSettings.objects.get(organization=org).alsace_moselle is False
    assert english.get(reverse("run_preview"), {"as_of": "2026-04-03"}).context["preview"].send_on == date(2026, 4, 3)


# ------------------------------------------------------------------------------------------------ run preview


def test_run_preview_explains_who_is_contacted_and_who_is_left_alone(org, english, dupont, martin):
    response = english.get(reverse("run_preview"))
    page = text(response)
    counts = response.context["counts"]
    assert (counts["contacted"], counts["skipped"], counts["emails"], counts["awaiting_approval"]) == (1, 1, 1, 1)
    [contacted] = [c for c in response.context["customers"] if c.outcome == "contacted"]
    [skipped] = [c for c in response.context["customers"] if c.outcome == "skipped"]
    assert response.context["customers"].paginator.count == 2
    assert contacted.name == "Dupont SARL" and contacted.actions[0].step.key == "reminder"
    assert (skipped.name, skipped.reason_label, skipped.skip.next_on) == (
        "Martin & Fils",
        "Nothing due yet",
        date(2026, 3, 27),
    )
    assert "Nothing due yet (reminder) Next possible on 27 Mar 2026" in page
    assert "E-mail: reminder · needs approval" in page
    assert "F-101 10 Mar 2026 → reminder €1,200.00" in page
    assert not Action.objects.exists()  # a preview writes nothing

    only_skipped = english.get(reverse("run_preview"), {"outcome": "skipped"})
    assert [c.name for c in only_skipped.context["customers"]] == ["Martin & Fils"]
    later = english.get(reverse("run_preview"), {"as_of": "2026-03-27"})
    assert later.context["counts"]["contacted"] == 2


def test_run_now_plans_and_sends(org, english, dupont, martin, member_of, smtp):  # noqa: F811
    server = smtp(Keep())
    Step.objects.filter(key="reminder").update(needs_approval=False)
    assert member_of("collector").post(reverse("run_now")).status_code == 403
    response = english.post(reverse("run_now"), follow=True)
    assert (
        "Run done: 1 actions planned (1 e-mails, 0 letters, 0 tasks), 0 awaiting approval. Sending is queued: the "
        "background worker sends the e-mails due, produces the letters and opens the tasks in a moment."
        in _messages(response)
    )
    assert server.messages == []  # the page did not wait for the mail server
    assert run_ready_tasks() == 1
    assert [to for to, _raw in server.messages] == [["compta@dupont.example"]]


@pytest.fixture
def silent_mail_server():  # type: ignore[no-untyped-def]
    """A mail server that takes connections and never answers (the mailer gives up after 8 s)."""
    import socket

    from django.test import override_settings

    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(8)
    port = listener.getsockname()[1]
    mailers = {
        "default": {
            "BACKEND": "django.core.mail.backends.smtp.EmailBackend",
            "OPTIONS": {"host": "127.0.0.1", "port": port, "timeout": 8},
        }
    }
    with override_settings(MAILERS=mailers):
        yield port
    listener.close()


def test_run_now_and_send_now_do_not_wait_for_an_unresponsive_mail_server(org, english, dupont, silent_mail_server):
    import time

    [action] = _waiting(org)
    started = time.monotonic()
    response = english.post(
        reverse("approval_decide"), {"ids": [action.pk], "decision": "approve", "send_now": "on"}, follow=True
    )
    assert time.monotonic() - started < 4  # the mailer would have waited 8 s for the silent server
    assert "1 reminder approved." in _messages(response)
    started = time.monotonic()
    assert english.post(reverse("run_now")).status_code == 302
    assert time.monotonic() - started < 4
    action.refresh_from_db()
    assert action.state == "planned"  # left to the worker
    from django_tasks_db.models import DBTaskResult

    assert DBTaskResult.objects.filter(status="READY").count() == 2


def test_queueing_warns_when_no_worker_is_running(org, english, dupont):
    from recouvre.operations.heartbeat import HeartbeatRecorder
    from recouvre.operations.models import Component

    Step.objects.filter(key="reminder").update(needs_approval=False)
    warning = (
        "No background worker is running: what was queued waits until one runs (recouvre worker, or recouvre "
        "serve). Tell your administrator."
    )
    assert warning in _messages(english.post(reverse("run_now"), follow=True))
    HeartbeatRecorder(Component.WORKER, interval=30).beat()
    assert warning not in _messages(english.post(reverse("run_now"), follow=True))


def test_collections_menu_and_pages_render(org, english, policy, dupont):
    home = text(english.get(reverse("home")))
    for label in ("Run preview", "Approvals", "Policies", "Message templates", "Collections settings"):
        assert label in home
    for url in (
        reverse("run_preview"),
        reverse("approvals"),
        reverse("policies"),
        reverse("policy_edit", args=[policy.pk]),
        reverse("templates"),
        reverse("template_edit", args=["formal_notice", "fr"]),
        reverse("collection_settings"),
    ):
        assert english.get(url).status_code == 200, url
    assert english.get(reverse("template_edit", args=["nope", "en"])).status_code == 404
    assert english.get(reverse("template_edit", args=["reminder", "de"])).status_code == 404


def test_a_letter_awaiting_approval_links_to_its_pdf(org, english, policy, dupont):
    Step.objects.filter(policy=policy, key="reminder").update(channel="registered_letter", deadline_days=15)
    [action] = _waiting(org)
    page = english.get(reverse("approval_detail", args=[action.pk]))
    assert f'href="{reverse("letter_preview", args=[action.pk])}"' in page.content.decode()
    assert "<iframe" not in page.content.decode()
    assert english.get(reverse("approval_email_html", args=[action.pk])).status_code == 404


def test_wording_is_changed_only_by_managing_roles(org, dupont, member_of):
    edit = reverse("template_edit", args=["reminder", "en"])
    collector = member_of("collector")
    assert collector.get(edit).status_code == 200
    assert collector.post(edit, {"subject": "x", "body": "y"}).status_code == 403
    assert collector.post(edit, {"reset": "1"}).status_code == 403
    assert not MessageTemplate.objects.exists()
    assert member_of("credit_manager").post(edit, {"subject": "x", "body": "y"}).status_code == 302
    assert MessageTemplate.objects.get().subject == "x"


def test_giving_a_policy_a_segment_takes_it_from_the_policy_that_had_it(org, english, policy):
    small = Policy.objects.create(organization=org, key="small", name="Small accounts", segment="small")
    Step.objects.create(policy=small, position=1, key="reminder", offset_days=7, channel="email", template="reminder")
    english.post(reverse("policy_edit", args=[policy.pk]), _policy_post(policy, _steps(policy), segment="small"))
    policy.refresh_from_db()
    small.refresh_from_db()
    assert (policy.segment, small.segment) == ("small", "")
    assert "segment taken from Small accounts" in describe(Event.objects.get(kind="collections.policy_changed"))
    listing = english.get(reverse("policies"))
    assert [(r["policy"].name, r["segment"]) for r in listing.context["rows"]] == [
        ("Checked", "Small"),
        ("Small accounts", ""),
    ]


def test_a_credit_manager_takes_one_invoice_out_of_a_reminder_awaiting_approval(org, english, dupont, member_of):  # type: ignore[no-untyped-def]
    InvoiceFactory(
        customer=dupont, number="F-102", issued_on=date(2026, 2, 8), due_on=date(2026, 3, 12), total=Decimal("300")
    )
    [action] = _waiting(org)
    assert [ln["number"] for ln in action.lines] == ["F-101", "F-102"]
    f102 = next(ln["invoice_id"] for ln in action.lines if ln["number"] == "F-102")
    url = reverse("approval_remove_invoice", args=[action.pk])
    assert member_of("viewer").post(url, {"invoice": f102, "note": "x"}).status_code == 403
    refused = english.post(url, {"invoice": f102, "note": ""}, follow=True)
    assert "the note is required" in text(refused)
    english.post(url, {"invoice": f102, "note": "paid by cheque on the phone"}, follow=True)
    action.refresh_from_db()
    assert ([ln["number"] for ln in action.lines], action.state) == (["F-101"], "awaiting_approval")
    assert text(english.get(reverse("approval_detail", args=[action.pk]))).count("F-102") == 0
    event = Event.objects.get(kind="collections.invoice_removed")
    assert describe(event) == (
        "Invoice F-102 taken out of the reminder of 2026-03-25 (step reminder): paid by cheque on the phone"
    )
    # The last invoice taken out: nothing left to ask, the reminder is withdrawn.
    f101 = action.lines[0]["invoice_id"]
    english.post(url, {"invoice": f101, "note": "disputed by phone"}, follow=True)
    action.refresh_from_db()
    assert action.state == "cancelled"


@pytest.mark.parametrize("day", ["0001-01-01", "9999-12-31", "1900-02-30"])
def test_extreme_dates_are_refused_clearly_never_a_server_error(org, english, dupont, day):  # type: ignore[no-untyped-def]
    statement = english.get(reverse("customer_statement", args=[dupont.pk]), {"as_of": day})
    assert statement.status_code == 400
    dossier = english.post(reverse("customer_dossier", args=[dupont.pk]), {"as_of": day})
    assert dossier.status_code == 400
    for name in ("aging", "run_preview"):
        page = english.get(reverse(name), {"as_of": day})
        assert page.status_code == 200
        if day != "1900-02-30":
            assert "outside the dates handled" in text(page)
