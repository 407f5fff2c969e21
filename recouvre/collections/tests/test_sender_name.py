"""The sender name (the display name of the From header) is one line: refused where it is typed (the settings
page, the service behind any command, `recouvre org create --name`), and a value stored before that check is sent
on one line rather than making every e-mail of the organization fail."""

from __future__ import annotations

import email
import email.policy

import pytest
from django.conf import settings as django_settings
from django.core.exceptions import ValidationError
from django.urls import reverse

from recouvre.cli import main
from recouvre.collections.configuration import save_settings
from recouvre.collections.dispatch import dispatch_due
from recouvre.collections.models import Action, CollectionSettings
from recouvre.collections.services import run_collections
from recouvre.organizations.models import Organization

from . import test_dispatch
from .test_dispatch import ACTOR, AS_OF, NOW, Keep, _customer, _five

smtp = test_dispatch.smtp
three_emails = test_dispatch.three_emails

pytestmark = pytest.mark.django_db
ON_ONE_LINE = "Must be on one line: no line break, tab or other control character."
INJECTED = "ACME\r\nBcc: boss@evil.example"


def test_the_settings_page_refuses_a_sender_name_on_two_lines(org, logged_client):  # type: ignore[no-untyped-def]
    logged_client.cookies[django_settings.LANGUAGE_COOKIE_NAME] = "en"
    url = reverse("collection_settings")
    refused = logged_client.post(url, {"from_name": INJECTED, "already_paid_pause_days": "10"})
    assert refused.status_code == 200
    assert refused.context["form"].errors == {"from_name": [ON_ONE_LINE]}
    assert ON_ONE_LINE in refused.content.decode()
    assert not CollectionSettings.objects.filter(organization=org).exists()
    tab = logged_client.post(url, {"from_name": "ACME\tCredit", "already_paid_pause_days": "10"})
    assert tab.context["form"].errors == {"from_name": [ON_ONE_LINE]}
    fine = logged_client.post(url, {"from_name": "ACME Crédit – Relances", "already_paid_pause_days": "10"})
    assert fine.status_code == 302
    assert CollectionSettings.objects.get(organization=org).from_name == "ACME Crédit – Relances"


def test_the_settings_service_refuses_it_and_keeps_what_was_there(org):  # type: ignore[no-untyped-def]
    save_settings(org, actor=ACTOR, from_name="ACME Credit")
    for name in (INJECTED, "ACME\nCredit", "ACME\u2028Credit", "ACME\x00"):
        with pytest.raises(ValidationError) as refused:
            save_settings(org, actor=ACTOR, from_name=name)
        assert refused.value.message_dict == {"from_name": [ON_ONE_LINE]}
    assert CollectionSettings.objects.get(organization=org).from_name == "ACME Credit"


def test_org_create_refuses_a_name_on_two_lines(db, capsys):  # type: ignore[no-untyped-def]
    assert main(["org", "create", "acme", "--name", "ACME\nBcc: boss@evil.example"]) == 1
    out, err = capsys.readouterr()
    assert (out, err) == ("", "The name must be given, on one line: no line break, tab or other control character.\n")
    assert not Organization.objects.exists()


def test_a_sender_name_stored_on_two_lines_is_sent_on_one_line(org, three_emails, smtp):  # type: ignore[no-untyped-def]
    """Stored before the check existed: the e-mails still go, the name on one line, in quotes, so nothing of it
    becomes another header or another recipient."""
    server = smtp(Keep())
    CollectionSettings.objects.create(organization=org)
    CollectionSettings.objects.update(from_name=INJECTED)
    _five(_customer(org))
    run_collections(org, AS_OF, actor=ACTOR)
    result = dispatch_due(org, now=NOW, actor=ACTOR)
    assert (result.sent, result.failed) == (1, 0)
    [(rcpt, raw)] = server.messages
    assert rcpt == ["compta@dupont.example"]
    message = email.message_from_bytes(raw, policy=email.policy.default)
    assert message["From"] == '"ACME Bcc: boss@evil.example" <relances@acme.example>'
    assert message["Bcc"] is None
    assert Action.objects.get().state == "sent"
