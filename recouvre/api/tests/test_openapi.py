"""The OpenAPI schema committed in ``docs/openapi.json`` is the one the code serves, and schemathesis, sending
requests generated from it (a bounded number, the same on every run) to a live server, finds no server error."""

from __future__ import annotations

import json
from collections import Counter
from datetime import timedelta
from pathlib import Path

import pytest

from recouvre.api.openapi import schema_text

COMMITTED = Path(__file__).resolve().parents[3] / "docs" / "openapi.json"


def test_the_committed_schema_is_the_served_one(client):  # type: ignore[no-untyped-def]
    served = schema_text()
    assert json.loads(COMMITTED.read_text(encoding="utf-8")) == json.loads(served), (
        "docs/openapi.json differs from the API: write it again with "
        "`python -m recouvre.api.openapi > docs/openapi.json` and commit it"
    )
    assert client.get("/api/v1/openapi.json").json() == json.loads(served)


@pytest.mark.django_db(transaction=True)
def test_schemathesis_finds_no_server_error(live_server):  # type: ignore[no-untyped-def]
    import schemathesis
    from hypothesis import HealthCheck, Phase, given, settings

    from recouvre.api.services import create_api_key
    from recouvre.ledger.actors import CLI
    from recouvre.testing.factories import CustomerFactory, InvoiceFactory, OrganizationFactory

    org = OrganizationFactory(slug="acme", name="ACME")
    customer = CustomerFactory(organization=org, ref="411DUPONT")
    InvoiceFactory(customer=customer, number="F1")
    key = create_api_key(org, CLI, name="fuzz", scopes="read,write,run")[1]
    schema = schemathesis.openapi.from_dict(json.loads(COMMITTED.read_text(encoding="utf-8")))
    failures: list[str] = []
    statuses: Counter[tuple[str, int]] = Counter()
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) == 22
    for operation in operations:

        @settings(
            max_examples=15,
            deadline=timedelta(seconds=20),
            derandomize=True,
            database=None,
            phases=[Phase.explicit, Phase.generate],
            suppress_health_check=list(HealthCheck),
        )
        @given(case=operation.as_strategy())
        def call(case):  # type: ignore[no-untyped-def]
            case.headers = {**(case.headers or {}), "Authorization": f"Bearer {key}"}
            response = case.call(base_url=live_server.url)
            statuses[(case.method, response.status_code)] += 1
            if response.status_code >= 500:
                failures.append(f"{case.method} {case.formatted_path} {case.query} {case.body!r}: {response.text}")
            headers = {name.lower(): value for name, value in response.headers.items()}
            content_type = "".join(headers.get("content-type", []))
            assert content_type.startswith("application/json"), (response.status_code, dict(response.headers))

        call()
    assert failures == []
    # the keys were accepted: reads answered, and writes both made and refused
    assert statuses[("GET", 200)] >= 100 and statuses[("POST", 201)] >= 1 and statuses[("POST", 422)] >= 1, statuses
