"""The OpenAPI schema committed in ``docs/openapi.json`` is the one the code serves, and schemathesis, sending
requests generated from it (a bounded number, the same on every run) to a live server, finds no server error, no
answer the schema does not document, no request answered without the key and no invalid request accepted."""

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
def test_schemathesis_finds_the_answers_as_the_schema_says(live_server):  # type: ignore[no-untyped-def]
    """Requests generated from the schema, valid ones and invalid ones, sent to a live server: no server error,
    every answer with a status code, a content type and a body the schema documents for the operation, the key
    checked (the same request without it, or with a wrong one, is refused), and every invalid request refused."""
    import schemathesis
    from hypothesis import HealthCheck, Phase, given, settings
    from schemathesis.checks import not_a_server_error
    from schemathesis.generation import GenerationMode
    from schemathesis.specs.openapi.checks import (
        content_type_conformance,
        ignored_auth,
        negative_data_rejection,
        response_headers_conformance,
        response_schema_conformance,
        status_code_conformance,
    )

    from recouvre.api.services import create_api_key
    from recouvre.ledger.actors import CLI
    from recouvre.testing.factories import CustomerFactory, InvoiceFactory, OrganizationFactory

    conformance = [
        not_a_server_error,
        status_code_conformance,
        content_type_conformance,
        response_headers_conformance,
        response_schema_conformance,
    ]
    checks = {
        # valid requests: besides the answers' conformance, the key is checked (each 2xx is sent again without the
        # key and with a wrong one, which must be refused); a valid request may still be refused by the checks of
        # the data (an unknown customer, a date out of range), so refusals are not failures here
        GenerationMode.POSITIVE: [*conformance, ignored_auth],
        # invalid requests (a wrong type, a missing field, a value out of its bounds): refused, with a documented
        # answer
        GenerationMode.NEGATIVE: [*conformance, negative_data_rejection],
    }
    org = OrganizationFactory(slug="acme", name="ACME")
    customer = CustomerFactory(organization=org, ref="411DUPONT")
    InvoiceFactory(customer=customer, number="F1")
    key = create_api_key(org, CLI, name="fuzz", scopes="read,write,run")[1]
    schema = schemathesis.openapi.from_dict(json.loads(COMMITTED.read_text(encoding="utf-8")))
    failures: list[str] = []
    statuses: Counter[tuple[str, str, int]] = Counter()
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) == 22

    def explore(operation, mode, mode_checks):  # type: ignore[no-untyped-def]
        @settings(
            max_examples=15,
            deadline=timedelta(seconds=20),
            derandomize=True,
            database=None,
            phases=[Phase.explicit, Phase.generate],
            suppress_health_check=list(HealthCheck),
        )
        @given(case=operation.as_strategy(generation_mode=mode))
        def call(case):  # type: ignore[no-untyped-def]
            query = (case.query or {}).values()
            if mode == GenerationMode.NEGATIVE and any(isinstance(v, (dict, list)) for v in query):
                # an object or a list as a query value cannot be written in a URL: it would be sent flattened into
                # a plain (valid) string, and "accepted" would then be right; such a case proves nothing
                return
            case.headers = {**(case.headers or {}), "Authorization": f"Bearer {key}"}
            response = case.call(base_url=live_server.url)
            statuses[(mode.value, case.method, response.status_code)] += 1
            try:
                case.validate_response(response, checks=mode_checks)
            except BaseException as exc:  # noqa: BLE001 - schemathesis raises a group of every check that failed
                failures.append(
                    f"{mode.value} {case.method} {case.formatted_path} {case.query} {case.body!r} "
                    f"-> {response.status_code} {response.text[:300]}\n{exc}"
                )

        call()

    for operation in operations:
        for mode, mode_checks in checks.items():
            explore(operation, mode, mode_checks)
    assert failures == [], "\n\n".join(failures[:10])
    # the key was accepted: valid reads answered, and writes both made and refused; invalid requests refused
    assert statuses[("positive", "GET", 200)] >= 50, statuses
    assert statuses[("positive", "POST", 201)] >= 1 and statuses[("positive", "POST", 422)] >= 1, statuses
    assert statuses[("negative", "GET", 422)] >= 20 and statuses[("negative", "POST", 422)] >= 50, statuses
