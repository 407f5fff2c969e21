"""A reminder e-mail can be read and downloaded exactly as the mail server received it, from the customer's timeline."""

# ruff: noqa: F811  (the SMTP server and policy fixtures are imported from the dispatch stories)
from __future__ import annotations

import hashlib

import pytest
from django.urls import reverse

from recouvre.collections.dispatch import dispatch_due
from recouvre.collections.models import Action
from recouvre.collections.services import run_collections
from recouvre.collections.tests.test_dispatch import (  # noqa: F401
    ACTOR,
    AS_OF,
    NOW,
    Keep,
    _customer,
    _five,
    smtp,
    three_emails,
)
from recouvre.testing.factories import CustomerFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def sent(org, three_emails, smtp):  # type: ignore[no-untyped-def]
    server = smtp(Keep())
    customer = _customer(org)
    _five(customer)
    run_collections(org, AS_OF, actor=ACTOR)
    dispatch_due(org, now=NOW, actor=ACTOR)
    assert len(server.messages) == 1
    return customer, Action.objects.get(), server.messages[0][1]


def test_the_timeline_links_to_the_message_as_sent_and_its_eml_is_the_bytes_received(logged_client, sent):  # type: ignore[no-untyped-def]
    customer, action, received = sent
    logged_client.cookies["django_language"] = "en"
    page = logged_client.get(reverse("customer_detail", args=[customer.pk])).content.decode()
    assert reverse("message_detail", args=[action.pk]) in page
    detail = logged_client.get(reverse("message_detail", args=[action.pk])).content.decode()
    assert "compta@dupont.example" in detail
    assert "F-5" in detail and "999,99" in detail  # the text part, in French
    assert hashlib.sha256(received).hexdigest() in detail
    assert "matches the stored message" in detail
    eml = logged_client.get(reverse("message_eml", args=[action.pk]))
    assert eml["Content-Type"] == "message/rfc822"
    assert eml.content == received
    # The HTML part as sent, in a sandboxed frame of the page: a document of its own, with its own policy.
    html_url = reverse("message_html", args=[action.pk])
    assert f'sandbox="" src="{html_url}"' in detail and "srcdoc" not in detail
    html = logged_client.get(html_url)
    assert html["Content-Type"] == "text/html; charset=utf-8"
    assert html["Content-Security-Policy"].startswith("default-src 'none'; style-src 'unsafe-inline';")
    assert html["X-Frame-Options"] == "SAMEORIGIN"
    import email
    import email.policy

    sent_html = email.message_from_bytes(received, policy=email.policy.default).get_body(preferencelist=("html",))
    assert html.content.decode() == sent_html.get_content()


def test_another_organizations_message_is_not_found(client, other_org, sent):  # type: ignore[no-untyped-def]
    from recouvre.testing.factories import MembershipFactory, UserFactory

    _customer_, action, _raw = sent
    outsider = UserFactory(username="outsider")
    MembershipFactory(user=outsider, organization=other_org, role="admin")
    client.force_login(outsider)
    for name in ("message_detail", "message_eml", "message_html"):
        assert client.get(reverse(name, args=[action.pk])).status_code == 404
    assert client.get(reverse("message_attachment", args=[action.pk, 0])).status_code == 404


def test_a_message_not_produced_yet_has_no_page(logged_client, org, three_emails):  # type: ignore[no-untyped-def]
    customer = CustomerFactory(organization=org, ref="411X", name="X")
    _five(customer)
    run_collections(org, AS_OF, actor=ACTOR)
    action = Action.objects.get()
    assert logged_client.get(reverse("message_detail", args=[action.pk])).status_code == 404
