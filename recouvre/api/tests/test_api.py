"""The REST API: keys and scopes, reads with cursor pagination and update-time filters, writes through the
imports' validation with an Idempotency-Key, the collections run, and one organization never seeing another's."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from recouvre.api.models import IdempotentRequest
from recouvre.api.selectors import api_key
from recouvre.api.services import revoke_api_key
from recouvre.ledger.actors import CLI
from recouvre.ledger.models import Event, Invoice
from recouvre.ledger.services import allocate
from recouvre.testing.factories import CustomerFactory, InvoiceFactory, PaymentFactory

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("tuesday")]


def invoice_item(n: int, **changes):  # type: ignore[no-untyped-def]
    return {
        "number": f"API-{n:05d}",
        "customer_ref": "411DUPONT",
        "issue_date": "2026-03-01",
        "due_date": "2026-03-31",
        "total": "120.50",
        **changes,
    }


@pytest.fixture
def dupont(org):  # type: ignore[no-untyped-def]
    return CustomerFactory(organization=org, ref="411DUPONT", name="Dupont SARL")


def test_a_key_is_required_and_a_revoked_key_refused(call, org, key):  # type: ignore[no-untyped-def]
    response = call("GET", "/invoices", None)
    assert response.status_code == 401
    assert response.json() == {
        "detail": "A valid API key is required: send it as Authorization: Bearer KEY.",
        "errors": [],
    }
    assert call("GET", "/invoices", "rcv_bad_key").status_code == 401
    assert call("GET", "/invoices", key).status_code == 200
    revoke_api_key(api_key(org, key.split("_")[0] + "_" + key.split("_")[1]), CLI)
    assert call("GET", "/invoices", key).status_code == 401


def test_scopes(call, dupont, read_key):  # type: ignore[no-untyped-def]
    response = call("POST", "/invoices", read_key, json={"items": [invoice_item(1)]}, idempotency_key="k1")
    assert response.status_code == 403
    assert response.json()["detail"] == "This API key does not have the write scope."
    response = call("POST", "/collections/preview", read_key, json={})
    assert response.status_code == 403
    assert Invoice.objects.count() == 0


def test_invoices_page_by_page(call, org, dupont, key, settings):  # type: ignore[no-untyped-def]
    settings.ALLOWED_HOSTS = ["testserver"]
    paid = InvoiceFactory(customer=dupont, number="F1", total=Decimal("100.00"), due_on=date(2026, 2, 14))
    InvoiceFactory(customer=dupont, number="F2", total=Decimal("250.00"), due_on=date(2026, 3, 20))
    InvoiceFactory(customer=dupont, number="F3", total=Decimal("80.00"), issued_on=date(2026, 3, 20))
    pay = PaymentFactory(customer=dupont, amount=Decimal("130.00"))
    allocate(CLI, invoice=paid, payment=pay, amount=Decimal("100.00"))
    allocate(CLI, invoice=Invoice.objects.get(number="F2"), payment=pay, amount=Decimal("30.00"))
    first = call("GET", "/invoices?limit=2", key).json()
    assert [i["number"] for i in first["items"]] == ["F1", "F2"]
    assert first["items"][1] == first["items"][1] | {
        "number": "F2",
        "customer_ref": "411DUPONT",
        "issue_date": "2026-01-15",
        "due_date": "2026-03-20",
        "total": "250.00",
        "open_amount": "220.00",
        "currency": "EUR",
        "status": "overdue",
    }
    assert first["items"][0]["status"] == "paid"
    assert first["next"].startswith("http://testserver/api/v1/invoices?limit=2&cursor=")
    second = call("GET", first["next"].removeprefix("http://testserver/api/v1"), key).json()
    assert [(i["number"], i["status"]) for i in second["items"]] == [("F3", "open")]
    assert second["next"] is None
    assert [i["number"] for i in call("GET", "/invoices?status=overdue", key).json()["items"]] == ["F2"]
    bad = call("GET", "/invoices?cursor=nonsense", key)
    assert bad.status_code == 400 and bad.json()["detail"] == "The cursor is not one this API gave."


def test_updated_since_filters(call, org, dupont, key):  # type: ignore[no-untyped-def]
    import time_machine

    InvoiceFactory(customer=dupont, number="OLD")
    with time_machine.travel("2026-04-02 09:00 +02:00", tick=False):
        InvoiceFactory(customer=dupont, number="NEW")
        items = call("GET", "/invoices?updated_since=2026-04-01T00:00:00%2B02:00", key).json()["items"]
        assert [i["number"] for i in items] == ["NEW"]
        customers = call("GET", "/customers?updated_since=2026-04-01T00:00:00", key).json()["items"]
        assert customers == []
        # a payment applied to the old invoice brings it back: its open amount changed
        pay = PaymentFactory(customer=dupont, amount=Decimal("10.00"))
        allocate(CLI, invoice=Invoice.objects.get(number="OLD"), payment=pay, amount=Decimal("10.00"))
        items = call("GET", "/invoices?updated_since=2026-04-01T00:00:00%2B02:00", key).json()["items"]
        assert sorted(i["number"] for i in items) == ["NEW", "OLD"]
        assert [
            p["amount"] for p in call("GET", "/payments?updated_since=2026-04-01T00:00:00", key).json()["items"]
        ] == ["10.00"]


def test_one_organization_never_sees_another(call, org, other_org, dupont, key, other_key):  # type: ignore[no-untyped-def]
    InvoiceFactory(customer=dupont, number="MINE")
    theirs = CustomerFactory(organization=other_org, ref="411DUPONT", name="Dupont chez Rival")
    InvoiceFactory(customer=theirs, number="THEIRS")
    for path in ("/invoices", "/customers", "/contacts", "/timeline", "/payments", "/holds", "/tasks"):
        mine = call("GET", path, key).json()
        assert "THEIRS" not in str(mine) and "Rival" not in str(mine), path
    assert call("GET", "/invoices/THEIRS", key).status_code == 404
    assert call("GET", "/invoices/MINE", other_key).status_code == 404
    assert call("GET", "/customers/411DUPONT", other_key).json()["name"] == "Dupont chez Rival"
    response = call("POST", "/invoices", other_key, json={"items": [invoice_item(1)]}, idempotency_key="same")
    assert response.status_code == 201
    assert Invoice.objects.get(number="API-00001").organization == other_org
    # the same idempotency key in another organization is another request
    response = call("POST", "/invoices", key, json={"items": [invoice_item(1)]}, idempotency_key="same")
    assert response.status_code == 201
    assert Invoice.objects.filter(number="API-00001").count() == 2


def test_a_thousand_invoices_once_with_an_idempotency_key(call, org, dupont, key):  # type: ignore[no-untyped-def]
    body = {"items": [invoice_item(n) for n in range(1000)]}
    first = call("POST", "/invoices", key, json=body, idempotency_key="batch-2026-03-31")
    assert first.status_code == 201
    assert first.json() == {"created": 1000, "updated": 0, "unchanged": 0, "notes": []}
    again = call("POST", "/invoices", key, json=body, idempotency_key="batch-2026-03-31")
    assert again.status_code == 201 and again.json() == first.json()
    assert Invoice.objects.filter(organization=org).count() == 1000
    assert Invoice.objects.get(number="API-00999").total == Decimal("120.50")
    assert Invoice.objects.get(number="API-00999").source == "api"
    listed = call("GET", "/invoices?limit=1000", key).json()
    assert len(listed["items"]) == 1000 and listed["next"] is None
    other = call("POST", "/invoices", key, json={"items": [invoice_item(5000)]}, idempotency_key="batch-2026-03-31")
    assert other.status_code == 422
    assert other.json()["detail"] == (
        "This Idempotency-Key was already used for another request; use a new key for a new request."
    )
    assert IdempotentRequest.objects.count() == 1


def test_an_invalid_batch_writes_nothing_and_names_item_and_field(call, org, dupont, key):  # type: ignore[no-untyped-def]
    body = {
        "items": [
            invoice_item(1),
            invoice_item(2, total="-5"),
            invoice_item(3, customer_ref="411NOBODY"),
            invoice_item(4, due_date="2026-02-01"),
        ]
    }
    response = call("POST", "/invoices", key, json=body, idempotency_key="k")
    assert response.status_code == 422
    data = response.json()
    assert data["detail"] == "3 errors: nothing was written."
    assert [(e["item"], e["field"]) for e in data["errors"]] == [(1, "total"), (2, "customer_ref"), (3, "due_date")]
    assert Invoice.objects.count() == 0
    assert not Event.objects.filter(kind__startswith="invoice").exists()
    assert IdempotentRequest.objects.count() == 0
    # the same key with the batch corrected goes through
    fixed = {"items": [invoice_item(1), invoice_item(2)]}
    assert call("POST", "/invoices", key, json=fixed, idempotency_key="k").status_code == 201
    assert Invoice.objects.count() == 2


def test_malformed_bodies_are_refused_as_json(call, dupont, key):  # type: ignore[no-untyped-def]
    response = call(
        "POST", "/invoices", key, json={"items": [invoice_item(1, issue_date="yesterday")]}, idempotency_key="k"
    )
    assert response.status_code == 422
    assert response.json()["errors"][0]["item"] == 0 and response.json()["errors"][0]["field"] == "issue_date"
    response = call("POST", "/invoices", key, json={"items": [invoice_item(1)]})
    assert response.status_code == 422 and response.json()["errors"][0]["field"] == "Idempotency-Key"
    assert Invoice.objects.count() == 0


def test_body_size_limit(call, dupont, key, settings):  # type: ignore[no-untyped-def]
    settings.API_MAX_BODY_BYTES = 1000
    body = {"items": [invoice_item(n) for n in range(20)]}
    response = call("POST", "/invoices", key, json=body, idempotency_key="big")
    assert response.status_code == 413
    assert response.json()["detail"] == "The request body is larger than the 1000 bytes accepted."
    assert Invoice.objects.count() == 0


def test_customers_and_payments_written(call, org, key):  # type: ignore[no-untyped-def]
    response = call(
        "POST",
        "/customers",
        key,
        json={"items": [{"ref": "411MARTIN", "name": "Martin SAS", "email": "compta@martin.example"}]},
        idempotency_key="c1",
    )
    assert response.status_code == 201 and response.json()["created"] == 1
    call("POST", "/invoices", key, json={"items": [invoice_item(1, customer_ref="411MARTIN")]}, idempotency_key="i1")
    response = call(
        "POST",
        "/payments",
        key,
        json={
            "items": [
                {
                    "payment_id": "VIR-1",
                    "customer_ref": "411MARTIN",
                    "received_date": "2026-03-30",
                    "amount": 20.5,
                    "invoice_number": "API-00001",
                }
            ]
        },
        idempotency_key="p1",
    )
    assert response.status_code == 201, response.json()
    invoice = call("GET", "/invoices/API-00001", key).json()
    assert invoice["open_amount"] == "100.00"
    allocations = call("GET", "/allocations", key).json()["items"]
    assert [(a["invoice_number"], a["payment_id"], a["amount"]) for a in allocations] == [
        ("API-00001", "VIR-1", "20.50")
    ]
    contacts = call("GET", "/contacts?customer_ref=411MARTIN", key).json()["items"]
    assert [c["email"] for c in contacts] == ["compta@martin.example"]


def test_collections_preview_and_run(call, org, dupont, key):  # type: ignore[no-untyped-def]
    InvoiceFactory(customer=dupont, number="LATE", issued_on=date(2026, 1, 2), due_on=date(2026, 2, 1))
    preview = call("POST", "/collections/preview", key, json={})
    assert preview.status_code == 200
    assert preview.json()["dry_run"] is True and preview.json()["as_of"] == "2026-03-31"
    assert Event.objects.filter(kind__startswith="collection").count() == 0
    run = call("POST", "/collections/run", key, json={}, idempotency_key="run-1")
    assert run.status_code == 201, run.json()
    assert run.json()["dry_run"] is False and run.json()["actions"] == preview.json()["actions"]
    again = call("POST", "/collections/run", key, json={}, idempotency_key="run-1")
    assert again.json() == run.json()
    future = call("POST", "/collections/preview", key, json={"as_of": "2026-04-01"})
    assert future.status_code == 422
    assert future.json()["detail"] == "as_of 2026-04-01 is after today: a run cannot be dated in the future."


def test_messages_in_the_language_asked_for(call, dupont, key):  # type: ignore[no-untyped-def]
    response = call("GET", "/invoices?cursor=nonsense", key, accept_language="fr")
    assert response.status_code == 400
    assert response.json()["detail"] in (
        "Ce curseur n'a pas été donné par cette API.",
        "The cursor is not one this API gave.",
    )
    assert response["Content-Language"] == "fr"


def test_reports(call, org, dupont, key):  # type: ignore[no-untyped-def]
    InvoiceFactory(customer=dupont, number="LATE", issued_on=date(2026, 1, 2), due_on=date(2026, 2, 1))
    aged = call("GET", "/aged-balance", key)
    assert aged.status_code == 200
    assert aged.json()["as_of"] == "2026-03-31"
    kpis = call("GET", "/kpis?months=2", key)
    assert kpis.status_code == 200
    timeline = call("GET", "/timeline", key).json()["items"]
    assert [e["kind"] for e in timeline] == ["apikey.created"]
    assert timeline[0]["text"].startswith("API key ERP (rcv_")


def test_credit_notes_and_allocations_written(call, org, dupont, key):  # type: ignore[no-untyped-def]
    InvoiceFactory(customer=dupont, number="F1", total=Decimal("100.00"))
    PaymentFactory(customer=dupont, amount=Decimal("60.00"), source_key="file-id:VIR-9")
    response = call(
        "POST",
        "/credit-notes",
        key,
        json={"items": [{"number": "AV-1", "customer_ref": "411DUPONT", "issue_date": "2026-03-20", "total": "30"}]},
        idempotency_key="cn-1",
    )
    assert response.status_code == 201 and response.json()["created"] == 1
    refused = call(
        "POST",
        "/allocations",
        key,
        json={
            "items": [
                {"invoice_number": "F1", "payment_id": "VIR-9", "amount": "60"},
                {"invoice_number": "F1", "credit_note_number": "AV-1", "amount": "50"},
                {"invoice_number": "F9", "payment_id": "VIR-9", "amount": "1"},
            ]
        },
        idempotency_key="al-1",
    )
    assert refused.status_code == 422
    assert refused.json()["errors"] == [
        {"item": 1, "field": "amount", "message": "more than the 40.00 the invoice still owes"},
        {"item": 2, "field": "invoice_number", "message": "unknown invoice F9"},
    ]
    assert Invoice.objects.get(number="F1").open_amount == Decimal("100.00")
    done = call(
        "POST",
        "/allocations",
        key,
        json={
            "items": [
                {"invoice_number": "F1", "payment_id": "VIR-9", "amount": "60"},
                {"invoice_number": "F1", "credit_note_number": "AV-1", "amount": "30", "date": "2026-03-25"},
            ]
        },
        idempotency_key="al-1",
    )
    assert done.status_code == 201 and done.json()["created"] == 2
    assert Invoice.objects.get(number="F1").open_amount == Decimal("10.00")
    notes = call("GET", "/credit-notes", key).json()["items"]
    assert [(n["number"], n["unallocated_amount"]) for n in notes] == [("AV-1", "0.00")]
    again = call(
        "POST",
        "/credit-notes",
        key,
        json={"items": [{"number": "AV-1", "customer_ref": "411DUPONT", "issue_date": "2026-03-20", "total": "30"}]},
        idempotency_key="cn-2",
    )
    assert again.status_code == 422
    assert again.json()["errors"] == [{"item": 0, "field": "number", "message": "the credit note AV-1 already exists"}]


def test_holds_placed_listed_and_released(call, org, dupont, key):  # type: ignore[no-untyped-def]
    InvoiceFactory(customer=dupont, number="F1", total=Decimal("500.00"))
    InvoiceFactory(customer=dupont, number="F2", total=Decimal("300.00"))
    pause = call(
        "POST",
        "/holds",
        key,
        json={"kind": "pause", "customer_ref": "411DUPONT", "invoice_numbers": ["F1"], "until": "2026-04-15"},
        idempotency_key="h1",
    )
    assert pause.status_code == 201, pause.json()
    promise = call(
        "POST",
        "/holds",
        key,
        json={
            "kind": "promise",
            "customer_ref": "411DUPONT",
            "invoice_numbers": ["F2"],
            "amount": "300",
            "promised_on": "2026-04-10",
        },
        idempotency_key="h2",
    )
    assert promise.status_code == 201, promise.json()
    refused = call(
        "POST",
        "/holds",
        key,
        json={"kind": "promise", "customer_ref": "411DUPONT", "invoice_numbers": ["F9"]},
        idempotency_key="h3",
    )
    assert refused.status_code == 422
    assert refused.json()["errors"] == [
        {"field": "invoice_numbers", "message": "no invoice F9 of this customer"},
        {"field": "amount", "message": "a value is expected"},
        {"field": "promised_on", "message": "a value is expected"},
    ]
    holds = call("GET", "/holds", key).json()["items"]
    assert [(h["kind"], h["invoice_numbers"], h["ends_on"], h["active"]) for h in holds] == [
        ("manual", ["F1"], "2026-04-15", True),
        ("promise", ["F2"], "2026-04-10", True),
    ]
    released = call("POST", f"/holds/{pause.json()['id']}/release", key, idempotency_key="r1")
    assert released.status_code == 200
    holds = call("GET", "/holds", key).json()["items"]
    assert [h["active"] for h in holds] == [False, True]
    assert call("POST", "/holds/999999/release", key, idempotency_key="r2").status_code == 404


def test_dates_are_iso_text_and_a_body_is_an_object(call, org, dupont, key):  # type: ignore[no-untyped-def]
    """A number where the schema says a date (which would be read as a Unix time: 0 is 1 January 1970) is refused,
    and so is a run's body that is not a JSON object."""
    expected = "Value error, an ISO 8601 date is expected (2026-03-31, or 2026-03-31T09:30:00+02:00 with the time)"
    for path in ("/invoices?updated_since=1774944000", "/timeline?updated_since=0", "/kpis?as_of=20260331"):
        response = call("GET", path, key)
        assert response.status_code == 422, path
        assert [(e["field"], e["message"]) for e in response.json()["errors"]] == [
            (path.split("?")[1].split("=")[0], expected)
        ], path
    response = call("POST", "/invoices", key, json={"items": [invoice_item(1, issue_date=0)]}, idempotency_key="d")
    assert response.status_code == 422
    assert response.json()["errors"] == [{"item": 0, "field": "issue_date", "message": expected}]
    assert Invoice.objects.count() == 0
    assert call("GET", "/invoices?updated_since=2026-03-31", key).status_code == 200
    for body in ([], [{"as_of": "2026-03-31"}]):
        response = call("POST", "/collections/preview", key, json=body)
        assert response.status_code == 422, body
        assert response.json()["errors"] == [{"field": "", "message": "Value error, a JSON object is expected"}]
    assert call("POST", "/collections/preview", key, json={}).status_code == 200
