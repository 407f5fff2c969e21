"""An organization's own wording of its reminders: the editor starts from the built-in text, the merge fields write
what the built-in templates write, and nothing a template does reaches beyond the message."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from recouvre.collections.models import MessageTemplate
from recouvre.collections.rendering import (
    BUILT_IN,
    LANGUAGES,
    TEMPLATE_KEYS,
    Line,
    Wording,
    WordingError,
    built_in_wording,
    check_wording,
    render_email,
)
from recouvre.testing.factories import CustomerFactory

pytestmark = pytest.mark.django_db
LINES = [
    Line("F-1", date(2026, 3, 1), 24, Decimal("12.50"), "EUR"),
    Line("F-2", date(2026, 3, 2), 23, Decimal("1012.50"), "EUR"),
]


@pytest.fixture
def acme(org):  # type: ignore[no-untyped-def]
    org.iban, org.bic, org.legal_form, org.siren = "FR7630006000011234567890189", "AGRIFRPPXXX", "SAS", "552100554"
    org.vat_number, org.address_line1, org.postal_code, org.city = "FR44552100554", "1 rue de la Paix", "75002", "Paris"
    org.legal_mentions = "SAS au capital de 10 000 EUR - RCS Paris 552 100 554"
    org.save()
    return org


def _render(org, customer, key, language, wording):  # type: ignore[no-untyped-def]
    return render_email(
        template=key,
        language=language,
        organization=org,
        customer=customer,
        lines=LINES,
        unapplied={"EUR": Decimal("5.00")},
        deadline_on=date(2026, 4, 9),
        reply_to_name="Claire Petit",
        wording=wording,
    )


@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize("key", TEMPLATE_KEYS)
def test_the_built_in_wording_as_a_starting_point_writes_the_same_message(acme, key, language):
    customer = CustomerFactory(organization=acme, ref="411DUP", name="Dupont SARL", language=language)
    built_in = _render(acme, customer, key, language, BUILT_IN)
    starter = _render(acme, customer, key, language, built_in_wording(key, language))
    assert starter.custom and not built_in.custom
    assert starter.subject == built_in.subject
    assert starter.text.rstrip() == built_in.text.rstrip()


def test_customer_data_is_escaped_in_the_html_part_only(acme):
    customer = CustomerFactory(organization=acme, ref="411X", name="<b>Dupont</b> & Fils", language="en")
    rendered = _render(acme, customer, "reminder", "en", Wording("For {{ customer.name }}", "Dear {{ customer.name }}"))
    assert rendered.subject == "For <b>Dupont</b> & Fils"
    assert rendered.text.split("\n\n--\n")[0] == "Dear <b>Dupont</b> & Fils"  # then the privacy information
    assert "<p>Dear &lt;b&gt;Dupont&lt;/b&gt; &amp; Fils</p>" in rendered.html


def test_a_key_without_its_own_wording_uses_the_organizations_reminder(acme):
    customer = CustomerFactory(organization=acme, ref="411X", name="Dupont SARL", language="fr")
    MessageTemplate.objects.create(organization=acme, key="reminder", language="fr", subject="Rappel maison", body="x")
    assert _render(acme, customer, "second", "fr", None).subject == "Rappel maison"
    assert _render(acme, customer, "reminder", "en", None).subject.startswith("Reminder: invoices awaiting payment")
    MessageTemplate.objects.create(organization=acme, key="second", language="fr", subject="Deuxième", body="x")
    assert _render(acme, customer, "second", "fr", None).subject == "Deuxième"


def test_a_template_that_does_not_compile_is_refused_with_its_line():
    with pytest.raises(WordingError) as refused:
        check_wording(Wording("Subject", "Line one\nLine two\n{% if total %}\nno end"))
    assert (refused.value.part, refused.value.line) == ("body", 3)
    for forbidden in ("{% load static %}", "{% debug %}", "{% include 'base.html' %}"):
        with pytest.raises(WordingError):
            check_wording(Wording(forbidden, "x"))
    check_wording(built_in_wording("firm", "fr"))
