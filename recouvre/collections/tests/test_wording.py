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


# ------------------------------------------------------------------------------------------------ bounds


def test_a_saved_wording_past_the_bounds_never_stops_a_message_the_built_in_one_is_sent(acme, caplog, monkeypatch):
    """A wording saved before the bounds existed (or by any other way) is stopped, and the message still goes out
    with the built-in wording."""
    import time

    from recouvre.collections import sandbox

    monkeypatch.setattr(sandbox, "MAX_SECONDS", 60)  # the number of repetitions stops it, however busy the machine

    customer = CustomerFactory(organization=acme, ref="411X", name="Dupont SARL", language="en")
    loops = "{% for a in invoice_table %}{% for b in invoice_table %}{% for c in invoice_table %}x{% endfor %}"
    MessageTemplate.objects.create(
        organization=acme, key="reminder", language="en", subject="Pay", body=loops + "{% endfor %}{% endfor %}"
    )
    started = time.monotonic()
    rendered = _render(acme, customer, "reminder", "en", None)
    assert time.monotonic() - started < 30
    assert not rendered.custom
    assert rendered.subject.startswith("Reminder: invoices awaiting payment")
    assert "custom wording reminder/en of organization" in caplog.text
    assert "The loops repeat more than 50000 times in all." in caplog.text


def test_the_clock_stops_a_slow_wording_and_tells_the_line(acme, monkeypatch):
    """Each repetition here is slow (a long text wrapped one character a line); with no bound on the number of
    repetitions, the clock stops the loops."""
    from recouvre.collections import sandbox

    monkeypatch.setattr(sandbox, "MAX_SECONDS", 0.5)
    monkeypatch.setattr(sandbox, "MAX_ITERATIONS", 10**9)
    customer = CustomerFactory(organization=acme, ref="411X", name="Dupont SARL", language="en")
    body = (
        "Hello\n\n{% for a in lines %}{% for b in invoice_table %}{% for c in invoice_table %}"
        "{{ legal_footer|wordwrap:1|length }}{% endfor %}{% endfor %}{% endfor %}"
    )
    with pytest.raises(WordingError) as stopped:
        _render(acme, customer, "reminder", "en", Wording("Pay", body))
    assert (stopped.value.part, stopped.value.line) == ("body", 3)
    assert stopped.value.message == "The message takes more than 0.5 seconds to write: a loop repeats too often."


def test_a_customer_with_many_invoices_gets_the_whole_table(acme):
    """The length bound counts beyond the invoice table: 3 000 invoices are all listed, in both parts."""
    customer = CustomerFactory(organization=acme, ref="411X", name="Dupont SARL", language="en")
    lines = [Line(f"F-{n:05d}", date(2026, 1, 1), 80, Decimal("10.00"), "EUR") for n in range(3000)]
    rendered = render_email(
        template="reminder",
        language="en",
        organization=acme,
        customer=customer,
        lines=lines,
        unapplied={},
        deadline_on=None,
        wording=Wording("Pay", "{{ invoice_table }}\n{% for line in lines %}{{ line.number }} {% endfor %}"),
    )
    assert rendered.custom
    assert rendered.text.count("F-02999") == 2 and rendered.html.count("F-02999") == 2
    assert len(rendered.html) > 200_000


def test_the_engine_knows_no_tag_or_filter_that_makes_much_out_of_little():
    from recouvre.collections import sandbox

    for name in ("lorem", "widthratio", "load", "include", "debug", "url", "partialdef", "querystring"):
        assert name not in sandbox._library.tags
    for name in ("ljust", "rjust", "center", "stringformat", "urlize", "pprint", "random", "json_script"):
        assert name not in sandbox._library.filters
    for source in ("{% lorem 99999 %}", "{{ x|ljust:'9999999' }}", "x" * 50_001, "{% if 1 %}" * 5000):
        with pytest.raises(WordingError):
            check_wording(Wording("Subject", source))
