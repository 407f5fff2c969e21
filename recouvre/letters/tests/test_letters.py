"""Stories of letters: the run plans a letter action, the outbox draws its PDF once, a person posts it and records
the acknowledgment of receipt. PDFs are real (WeasyPrint) and read back with pypdf."""

from __future__ import annotations

import hashlib
import threading
from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction

from recouvre.collections.models import Action, Policy, Step
from recouvre.collections.outbox import process_due
from recouvre.collections.rendering import format_amount
from recouvre.collections.services import run_collections
from recouvre.ledger.actors import Actor
from recouvre.ledger.models import Event, Invoice
from recouvre.ledger.services import allocate, record_payment
from recouvre.ledger.timeline import describe
from recouvre.letters.models import Letter
from recouvre.letters.rendering import WINDOW_MM, render_letter_pdf
from recouvre.letters.services import produce_due_letters, record_acknowledgment, record_posting
from recouvre.testing.factories import InvoiceFactory

from .conftest import AS_OF, FIVE, NOW, five_invoices, make_customer, pdf_pages, pdf_text, text_positions

ACTOR = Actor.system("test")
pytestmark = pytest.mark.django_db


def _events(kind: str) -> list[str]:
    return [describe(e) for e in Event.objects.filter(kind=kind).order_by("id")]


def test_a_registered_formal_notice_lists_the_five_invoices_in_one_letter(org, notice_policy):  # type: ignore[no-untyped-def]
    customer = make_customer(org)
    five_invoices(customer)
    assert run_collections(org, AS_OF, actor=ACTOR).letters == 1

    assert produce_due_letters(org, now=NOW, actor=ACTOR) == 1

    letter = Letter.objects.get()
    action = Action.objects.get()
    assert (action.state, letter.action_id, letter.customer_id, letter.registered) == (
        "ready",
        action.pk,
        customer.pk,
        True,
    )
    pdf = bytes(letter.pdf)
    assert letter.pdf_sha256 == hashlib.sha256(pdf).hexdigest() == action.content_sha256
    assert (letter.pages, pdf_pages(pdf), letter.language, letter.subject) == (2, 2, "fr", "Mise en demeure de payer")
    text = pdf_text(pdf).replace("\n", " ")  # words as read, whatever the line breaks
    # LEGAL-FR §3.2, one by one: title and date; registered letter
    assert "MISE EN DEMEURE" in text
    assert "Paris, le 27/03/2026" in text
    assert "Lettre recommandée avec accusé de réception" in text
    assert "Objet : Mise en demeure de payer" in text
    # creditor (name, SIREN, address) and debtor identities
    assert (
        "La société ACME Distribution SAS (SAS), immatriculée sous le numéro SIREN 552100554, dont le siège est "
        "situé 8 rue de la Paix, 75002 Paris, est créancière de Dupont SARL, 12 rue des Lilas, Bâtiment B, "
        "34000 Montpellier"
    ) in text
    for line in ("À l'attention de Sophie Martin", "12 rue des Lilas", "Bâtiment B", "34000 MONTPELLIER"):
        assert line in text
    # each invoice: number, date, due date, amount incl. tax, payments, balance, interest to date, indemnity
    # (12.15 % a year = ECB 2.15 % + 10 points, days from the day after the due date to 27 March 2026, 365 days)
    interest = {"F-5": "21,97", "F-3": "19,52", "F-4": "0,08", "F-1": "2,80", "F-2": "0,19"}
    for number, due_on, total in FIVE:
        amount = format_amount(total, "EUR", "fr")
        assert (
            f"{number} {(due_on - timedelta(days=30)):%d/%m/%Y} {due_on:%d/%m/%Y} {amount} 0,00\u00a0€ {amount} "
            f"{interest[number]}\u00a0€ 40,00\u00a0€"
        ) in text
    assert "F-5 : intérêts de retard 21,97\u00a0€ au taux annuel de 12,15 % du 21/01/2026 au 27/03/2026" in text
    # principal, interest, indemnity, total
    assert "Total dû en principal 4\u202f636,16\u00a0€ 44,56\u00a0€ 200,00\u00a0€" in text
    assert "Principal 4\u202f636,16\u00a0€" in text
    assert "Intérêts de retard à ce jour (article L. 441-10 du Code de commerce) 44,56\u00a0€" in text
    assert "(40 € × 5, article D. 441-5 du Code de commerce) 200,00\u00a0€" in text
    assert "Total réclamé à la date de la présente 4\u202f880,72\u00a0€" in text
    # the demand with its deadline, from the receipt of the letter: no date the letter cannot know
    assert (
        "Par la présente, nous vous mettons en demeure de nous régler la somme de 4\u202f880,72\u00a0€ dans un délai "
        "de quinze jours à compter de la réception de la présente."
    ) in text
    assert "Date limite de paiement" not in text and "au plus tard" not in text
    # not posted yet: as if posted today, received 3 business days later (1 April), then 15 days
    assert action.deadline_on == date(2026, 4, 16)
    # the consequences
    assert "injonction de payer" in text and "assignation en paiement" in text
    assert "Les intérêts de retard continueront de courir" in text and "l'exécution forcée" in text
    # the legal references
    assert "articles 1344 à 1344-2 du Code civil" in text
    assert "articles L. 441-10 et D. 441-5 du Code de commerce" in text
    # payment instructions, letterhead and footer
    assert "Coordonnées de paiement" in text
    assert "Titulaire du compte ACME Distribution SAS" in text
    assert "IBAN FR76 3000 6000 0112 3456 7890 189" in text and "BIC AGRIFRPPXXX" in text
    assert f"Référence à indiquer {customer.payment_reference_printed}" in text
    assert "Montant dû 4\u202f880,72\u00a0€" in text  # the total claimed, penalties included
    assert "ACME Distribution SAS" in text and "SIRET 55210055400013" in text and "TVA FR40552100554" in text
    assert "RCS Paris 552 100 554" in text
    assert "Page 1 / 2" in text and "Page 2 / 2" in text
    assert _events("letters.produced") == ["Registered letter ready to post: Mise en demeure de payer."]


def test_the_address_lies_in_the_window_of_a_dl_envelope(org, notice_policy):  # type: ignore[no-untyped-def]
    customer = make_customer(org)
    five_invoices(customer)
    action = run_collections(org, AS_OF, actor=ACTOR) and Action.objects.get()
    pdf = render_letter_pdf(action, today=AS_OF)
    left, top, width, height = WINDOW_MM
    assert (left, top, width, height) == (110, 45, 85, 35)
    positions = {text: (x, y) for x, y, text in text_positions(pdf)}
    for line in ("Dupont SARL", "À l'attention de Sophie Martin", "12 rue des Lilas", "34000 MONTPELLIER"):
        x, baseline = positions[line]
        assert left - 0.5 <= x <= left + 2, (line, x)
        assert top + 2 <= baseline <= top + height, (line, baseline)
    x, baseline = positions["Dupont SARL"]
    assert baseline < top + 6  # the first line at the top of the window, not lower
    # The letterhead stays left of the window; the body starts below it.
    assert positions["ACME Distribution SAS"][0] < left - 20
    assert positions["Madame, Monsieur,"][1] > top + height


def test_an_english_customer_gets_an_english_reminder_letter(org, reminder_policy):  # type: ignore[no-untyped-def]
    customer = make_customer(org, ref="411SMITH", name="Smith Ltd", language="en", country="GB", postal_code="EC1A 1BB")
    customer.city = "London"
    customer.save()
    InvoiceFactory(
        customer=customer, number="F-9", issued_on=date(2026, 2, 1), due_on=date(2026, 3, 2), total=Decimal("1234.50")
    )
    run_collections(org, AS_OF, actor=ACTOR)
    assert produce_due_letters(org, now=NOW, actor=ACTOR) == 1
    letter = Letter.objects.get()
    text = pdf_text(bytes(letter.pdf))
    assert (letter.registered, letter.language, letter.subject) == (False, "en", "Reminder – invoices awaiting payment")
    assert "Subject: Reminder – invoices awaiting payment" in text
    assert "Paris, 27 Mar 2026" in text
    assert "Dear Sir or Madam," in text
    assert "F-9 1 Feb 2026 2 Mar 2026 25 €1,234.50" in text
    assert "Total due €1,234.50" in text
    assert "Payment details" in text and "IBAN FR76 3000 6000 0112 3456 7890 189" in text
    assert f"Reference to quote {customer.payment_reference_printed}" in text and "Amount due €1,234.50" in text
    assert "For the attention of Sophie Martin" in text
    assert "EC1A 1BB LONDON" in text and "UNITED KINGDOM" in text
    assert "Registered letter" not in text and "recommandée" not in text
    assert "Mise en demeure" not in text
    assert _events("letters.produced") == ["Letter ready to post: Reminder – invoices awaiting payment."]


def test_each_customer_gets_one_letter_with_its_own_invoices_only(org, notice_policy):  # type: ignore[no-untyped-def]
    dupont = make_customer(org)
    five_invoices(dupont)
    martin = make_customer(org, ref="411MARTIN", name="Martin et Fils")
    five_invoices(martin, prefix="M")
    run_collections(org, AS_OF, actor=ACTOR)
    assert produce_due_letters(org, now=NOW, actor=ACTOR) == 2
    by_customer = {letter.customer_id: pdf_text(bytes(letter.pdf)) for letter in Letter.objects.all()}
    assert set(by_customer) == {dupont.pk, martin.pk}
    assert "Dupont SARL" in by_customer[dupont.pk] and "Martin et Fils" not in by_customer[dupont.pk]
    assert "MF-1 " in by_customer[martin.pk] and "\nF-1 " not in by_customer[martin.pk]
    assert "\nF-1 " in by_customer[dupont.pk] and "MF-1" not in by_customer[dupont.pk]


def test_letters_are_produced_once_however_often_the_outbox_runs(org, notice_policy):  # type: ignore[no-untyped-def]
    customer = make_customer(org)
    five_invoices(customer)
    run_collections(org, AS_OF, actor=ACTOR)
    assert process_due(org, now=NOW, actor=ACTOR).letters_ready == 1
    assert process_due(org, now=NOW + timedelta(hours=1), actor=ACTOR).letters_ready == 0
    assert produce_due_letters(None, now=NOW + timedelta(days=1), actor=ACTOR) == 0
    assert run_collections(org, AS_OF, actor=ACTOR).actions == 0
    assert Letter.objects.count() == 1
    assert len(_events("letters.produced")) == 1


def test_a_letter_planned_for_monday_is_not_produced_on_saturday(org, notice_policy):  # type: ignore[no-untyped-def]
    customer = make_customer(org)
    five_invoices(customer)
    saturday = date(2026, 3, 28)
    run_collections(org, saturday, actor=ACTOR)
    assert Action.objects.get().send_on == date(2026, 3, 30)
    assert produce_due_letters(org, now=NOW + timedelta(days=1), actor=ACTOR) == 0
    assert produce_due_letters(org, now=NOW + timedelta(days=3), actor=ACTOR) == 1


@pytest.mark.skipif(
    connection.vendor != "postgresql", reason="SQLite's shared in-memory test database refuses a second writer"
)
@pytest.mark.django_db(transaction=True)
def test_two_outboxes_at_once_produce_each_letter_once(org, notice_policy):  # type: ignore[no-untyped-def]
    for i in range(6):
        InvoiceFactory(
            customer=make_customer(org, ref=f"411C{i:02d}", name=f"Client {i}"),
            number=f"F-{i}",
            issued_on=date(2026, 2, 1),
            due_on=date(2026, 3, 2),
        )
    run_collections(org, AS_OF, actor=ACTOR)
    start = threading.Barrier(2)
    results: list[int] = []
    errors: list[BaseException] = []

    def worker() -> None:
        try:
            start.wait()
            results.append(produce_due_letters(org, now=NOW, actor=Actor.system("worker")))
        except BaseException as exc:  # noqa: BLE001 - reported by the test
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=worker) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert sum(results) == 6
    assert Letter.objects.count() == 6
    assert Action.objects.filter(state="ready").count() == 6
    assert Event.objects.filter(kind="letters.produced").count() == 6


def test_a_letter_whose_invoices_were_all_paid_is_cancelled(org, notice_policy):  # type: ignore[no-untyped-def]
    customer = make_customer(org)
    InvoiceFactory(
        customer=customer, number="F-7", issued_on=date(2026, 2, 1), due_on=date(2026, 3, 2), total=Decimal("50.00")
    )
    run_collections(org, AS_OF, actor=ACTOR)
    payment = record_payment(org, ACTOR, customer=customer, received_on=AS_OF, amount=Decimal("50.00"), source_key="p1")
    allocate(ACTOR, invoice=Invoice.objects.get(number="F-7"), amount=Decimal("50.00"), payment=payment)

    assert produce_due_letters(org, now=NOW, actor=ACTOR) == 0
    assert Action.objects.get().state == "cancelled"
    assert Letter.objects.count() == 0
    assert _events("letters.cancelled") == ["Letter not produced: every invoice it listed has been paid."]
    assert produce_due_letters(org, now=NOW, actor=ACTOR) == 0
    assert len(_events("letters.cancelled")) == 1


def test_a_partly_paid_letter_lists_only_what_is_still_owed(org, notice_policy):  # type: ignore[no-untyped-def]
    customer = make_customer(org)
    five_invoices(customer)
    run_collections(org, AS_OF, actor=ACTOR)
    payment = record_payment(
        org, ACTOR, customer=customer, received_on=AS_OF, amount=Decimal("1100.00"), source_key="p1"
    )
    allocate(ACTOR, invoice=Invoice.objects.get(number="F-5"), amount=Decimal("999.99"), payment=payment)
    allocate(ACTOR, invoice=Invoice.objects.get(number="F-1"), amount=Decimal("100.01"), payment=payment)
    produce_due_letters(org, now=NOW, actor=ACTOR)
    text = pdf_text(bytes(Letter.objects.get().pdf))
    assert "F-5" not in text
    assert "F-1 18/02/2026 20/03/2026 1\u202f200,00\u00a0€ 100,01\u00a0€ 1\u202f099,99\u00a0€" in text
    assert "Total dû en principal 3\u202f536,16\u00a0€" in text


def test_a_customer_without_postal_address_fails_with_the_reason(org, notice_policy):  # type: ignore[no-untyped-def]
    customer = make_customer(org)
    customer.address_line1 = customer.address_line2 = customer.city = ""
    customer.save()
    five_invoices(customer)
    run_collections(org, AS_OF, actor=ACTOR)
    assert produce_due_letters(org, now=NOW, actor=ACTOR) == 0
    action = Action.objects.get()
    assert (action.state, action.last_error) == ("failed", "no postal address on file for this customer")
    assert _events("letters.failed") == ["Letter not produced: no postal address on file for this customer"]


def test_a_long_letter_has_numbered_pages(org, notice_policy):  # type: ignore[no-untyped-def]
    customer = make_customer(org)
    for i in range(45):
        InvoiceFactory(customer=customer, number=f"L-{i:03d}", issued_on=date(2026, 1, 1), due_on=date(2026, 2, 2))
    run_collections(org, AS_OF, actor=ACTOR)
    produce_due_letters(org, now=NOW, actor=ACTOR)
    letter = Letter.objects.get()
    pdf = bytes(letter.pdf)
    pages = pdf_pages(pdf)
    assert pages >= 2 and letter.pages == pages
    text = pdf_text(pdf)
    assert f"Page 1 / {pages}" in text and f"Page {pages} / {pages}" in text
    assert all(f"L-{i:03d} " in text for i in range(45))
    assert "Total dû en principal 54\u202f000,00\u00a0€" in text


@pytest.mark.parametrize("first_guess", [False, True])
def test_page_numbers_follow_the_page_count_whatever_the_last_letter_was(org, notice_policy, first_guess):  # type: ignore[no-untyped-def]
    # Letters are drawn first the way the previous one of their template turned out (one page or more): a short
    # letter after a long one, and a long one after a short one, come out exactly as when drawn the other way.
    from recouvre.letters import rendering

    long_one = make_customer(org)
    for i in range(45):
        InvoiceFactory(customer=long_one, number=f"L-{i:03d}", issued_on=date(2026, 1, 1), due_on=date(2026, 2, 2))
    short_one = make_customer(org, ref="411MARTIN", name="Martin et Fils")
    InvoiceFactory(customer=short_one, number="S-1", issued_on=date(2026, 1, 1), due_on=date(2026, 2, 2))
    run_collections(org, AS_OF, actor=ACTOR)
    drawn = {}
    for guess in (first_guess, not first_guess):
        for action in Action.objects.filter(channel="registered_letter").order_by("customer__ref"):
            rendering._MULTI_PAGE_HINT.clear()
            for template in ("fr", "en", "formal_notice_fr", "formal_notice_en"):
                rendering._MULTI_PAGE_HINT[f"letters/{template}.html"] = guess
            letter = rendering.render_letter(action, today=AS_OF)
            drawn.setdefault(action.customer.ref, set()).add((letter.sha256, letter.pages))
    assert all(len(versions) == 1 for versions in drawn.values())  # the same bytes whichever guess came first
    (long_pages,) = {pages for _sha, pages in drawn[long_one.ref]}
    (short_pages,) = {pages for _sha, pages in drawn[short_one.ref]}
    assert long_pages > short_pages
    produce_due_letters(org, now=NOW, actor=ACTOR)
    for letter in Letter.objects.all():
        text = pdf_text(bytes(letter.pdf))
        if letter.pages > 1:
            assert f"Page 1 / {letter.pages}" in text and f"Page {letter.pages} / {letter.pages}" in text
        else:
            assert "Page 1" not in text


def test_the_preview_draws_an_action_awaiting_approval_without_changing_it(org, letterhead):  # type: ignore[no-untyped-def]
    # A formal notice waiting in the approval queue (as the default policy plans it).
    customer = make_customer(org)
    InvoiceFactory(customer=customer, number="F-8", issued_on=date(2026, 1, 1), due_on=date(2026, 2, 2))
    action = Action.objects.create(
        organization=org,
        customer=customer,
        channel="registered_letter",
        send_on=AS_OF,
        state="awaiting_approval",
        template="formal_notice",
        needs_approval=True,
        deadline_on=date(2026, 4, 13),
        lines=[{"invoice_id": Invoice.objects.get(number="F-8").pk}],
    )
    text = pdf_text(render_letter_pdf(action, today=AS_OF))
    assert "Mise en demeure de payer" in text and "F-8 01/01/2026 02/02/2026 1\u202f200,00\u00a0€ 0,00\u00a0€" in text
    assert produce_due_letters(org, now=NOW, actor=ACTOR) == 0
    action.refresh_from_db()
    assert action.state == "awaiting_approval"
    assert Letter.objects.count() == 0


# ---------------------------------------------------------------------------------------- posting and receipt


@pytest.fixture
def produced(org, notice_policy):  # type: ignore[no-untyped-def]
    customer = make_customer(org)
    five_invoices(customer)
    run_collections(org, AS_OF, actor=ACTOR)
    produce_due_letters(org, now=NOW, actor=ACTOR)
    return Letter.objects.get()


def test_a_registered_letter_is_not_recorded_as_posted_without_its_tracking_number(produced):  # type: ignore[no-untyped-def]
    with pytest.raises(ValidationError) as refused:
        record_posting(produced, posted_on=AS_OF, actor=ACTOR, tracking_number="  ", today=AS_OF)
    assert refused.value.messages == ["a registered letter needs its tracking number (on the proof of posting)"]
    produced.refresh_from_db()
    assert (produced.posted_on, Action.objects.get().state) == (None, "ready")
    assert not Event.objects.filter(kind="letters.posted").exists()


def test_posting_and_acknowledgment_of_a_registered_letter(produced):  # type: ignore[no-untyped-def]
    record_posting(produced, posted_on=AS_OF, actor=ACTOR, tracking_number="1a 123 456 7890 1", today=AS_OF)
    produced.refresh_from_db()
    action = Action.objects.get()
    assert (produced.posted_on, produced.tracking_number, produced.posted_by_label) == (AS_OF, "1A12345678901", "test")
    assert action.state == "sent" and action.sent_at is not None
    assert _events("letters.posted") == ["Registered letter posted on 2026-03-27, tracking number 1A12345678901."]

    with pytest.raises(ValidationError, match="already recorded as posted on 2026-03-27"):
        record_posting(produced, posted_on=AS_OF, actor=ACTOR, tracking_number="1A12345678901", today=AS_OF)
    with pytest.raises(ValidationError, match="before the letter was posted"):
        record_acknowledgment(produced, acknowledged_on=date(2026, 3, 26), actor=ACTOR, today=date(2026, 3, 31))
    with pytest.raises(ValidationError, match="in the future"):
        record_acknowledgment(produced, acknowledged_on=date(2026, 4, 1), actor=ACTOR, today=date(2026, 3, 31))

    record_acknowledgment(produced, acknowledged_on=date(2026, 3, 30), actor=ACTOR, today=date(2026, 3, 31))
    produced.refresh_from_db()
    assert (produced.acknowledged_on, produced.status) == (date(2026, 3, 30), "acknowledged")
    assert _events("letters.acknowledged") == [
        "Registered letter (tracking number 1A12345678901) received by the customer on 2026-03-30."
    ]


def test_posting_dates_are_checked(produced):  # type: ignore[no-untyped-def]
    with pytest.raises(ValidationError, match="is in the future"):
        record_posting(produced, posted_on=date(2026, 3, 28), actor=ACTOR, tracking_number="1A12345678901", today=AS_OF)
    with pytest.raises(ValidationError, match=r"before the letter was produced \(2026-03-27\)"):
        record_posting(produced, posted_on=date(2026, 3, 26), actor=ACTOR, tracking_number="1A12345678901", today=AS_OF)
    with pytest.raises(ValidationError, match="is not a tracking number"):
        record_posting(produced, posted_on=AS_OF, actor=ACTOR, tracking_number="12-34", today=AS_OF)
    with pytest.raises(ValidationError, match="record the posting of this letter before"):
        record_acknowledgment(produced, acknowledged_on=AS_OF, actor=ACTOR, today=AS_OF)


def test_a_plain_letter_is_posted_without_tracking_and_has_no_acknowledgment(org, reminder_policy):  # type: ignore[no-untyped-def]
    customer = make_customer(org)
    five_invoices(customer)
    run_collections(org, AS_OF, actor=ACTOR)
    produce_due_letters(org, now=NOW, actor=ACTOR)
    letter = Letter.objects.get()
    record_posting(letter, posted_on=AS_OF, actor=ACTOR, today=AS_OF)
    assert _events("letters.posted") == ["Letter posted on 2026-03-27."]
    with pytest.raises(ValidationError, match="only a registered letter has an acknowledgment of receipt"):
        record_acknowledgment(letter, acknowledged_on=AS_OF, actor=ACTOR, today=AS_OF)


def test_the_database_refuses_a_registered_letter_posted_without_tracking_or_acknowledged_before_posting(produced):  # type: ignore[no-untyped-def]
    from django.utils import timezone

    with pytest.raises(IntegrityError), transaction.atomic():
        Letter.objects.filter(pk=produced.pk).update(posted_on=AS_OF, posted_recorded_at=timezone.now())
    with pytest.raises(IntegrityError), transaction.atomic():
        Letter.objects.filter(pk=produced.pk).update(
            posted_on=AS_OF,
            posted_recorded_at=timezone.now(),
            tracking_number="1A12345678901",
            acknowledged_on=date(2026, 3, 20),
            acknowledged_recorded_at=timezone.now(),
        )


def test_a_firm_letter_shows_each_invoice_s_interest_and_indemnity(org, letterhead):  # type: ignore[no-untyped-def]
    policy = Policy.objects.create(organization=org, key="letters", name="Letters", segment="standard")
    Step.objects.create(policy=policy, position=1, key="firm", offset_days=5, channel="letter", template="firm")
    customer = make_customer(org, language="en")
    InvoiceFactory(
        customer=customer, number="F-3", issued_on=date(2026, 1, 31), due_on=date(2026, 3, 2), total=Decimal("2345.67")
    )
    run_collections(org, AS_OF, actor=ACTOR)
    produce_due_letters(org, now=NOW, actor=ACTOR)
    text = pdf_text(bytes(Letter.objects.get().pdf)).replace("\n", " ")
    # 2345.67 x 12.15 % x 25 days (3 to 27 March 2026) / 365 = 19.52
    assert (
        "F-3: late-payment interest €19.52 at the annual rate of 12.15% from 3 Mar 2026 to 27 Mar 2026; "
        "fixed recovery indemnity €40.00"
    ) in text
    assert "Total penalties: interest €19.52, fixed indemnities €40.00, that is €59.52." in text
    assert "Total due including penalties: €2,405.19." in text


def test_letters_follow_the_customer_s_language_whatever_the_interface_s(org, notice_policy):  # type: ignore[no-untyped-def]
    from django.utils import translation

    smith = make_customer(org, ref="411SMITH", name="Smith Ltd", language="en")
    dupont = make_customer(org, ref="411DUPONT", name="Dupont SARL", language="fr")
    for customer in (smith, dupont):
        InvoiceFactory(
            customer=customer, number=f"F-{customer.ref}", issued_on=date(2026, 2, 1), due_on=date(2026, 3, 2)
        )
    run_collections(org, AS_OF, actor=ACTOR)
    with translation.override("fr"):  # a user reading the app in French produces them...
        assert produce_due_letters(org, now=NOW, actor=ACTOR) == 2
    english = Letter.objects.get(customer=smith)
    text = " ".join(pdf_text(bytes(english.pdf)).split())
    assert (english.language, english.subject) == ("en", "Formal notice to pay")
    assert "within fifteen days from receipt of this letter" in text and "Madame" not in text
    french = Letter.objects.get(customer=dupont)
    with translation.override("en"):  # ... or in English, and posts the French one later: it stays French
        record_posting(
            french, posted_on=date(2026, 3, 30), actor=ACTOR, tracking_number="1A12345678901", today=date(2026, 3, 30)
        )
    french.refresh_from_db()
    text = " ".join(pdf_text(bytes(french.pdf)).split())
    assert french.language == "fr" and "Paris, le 30/03/2026" in text
    assert "dans un délai de quinze jours à compter de la réception de la présente" in text
