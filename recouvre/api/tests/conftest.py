"""An API key of each organization and a client that sends it."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine

from recouvre.api.services import create_api_key
from recouvre.ledger.actors import CLI


@pytest.fixture
def tuesday():  # type: ignore[no-untyped-def]
    with time_machine.travel(datetime(2026, 3, 31, 10, 0, tzinfo=ZoneInfo("Europe/Paris")), tick=False):
        yield


@pytest.fixture
def key(org) -> str:  # type: ignore[no-untyped-def]
    return create_api_key(org, CLI, name="ERP", scopes="read,write,run")[1]


@pytest.fixture
def read_key(org) -> str:  # type: ignore[no-untyped-def]
    return create_api_key(org, CLI, name="BI", scopes="read")[1]


@pytest.fixture
def other_key(other_org) -> str:  # type: ignore[no-untyped-def]
    return create_api_key(other_org, CLI, name="Rival ERP", scopes="read,write,run")[1]


@pytest.fixture
def call(client):  # type: ignore[no-untyped-def]
    """``call(method, path, key, json=None, **headers)``: the response of ``/api/v1`` + ``path``."""

    def go(method: str, path: str, key: str | None, json=None, **headers):  # type: ignore[no-untyped-def]
        extra = {"HTTP_ACCEPT_LANGUAGE": "en"}  # the API answers in the language asked for, else French
        if key:
            extra["HTTP_AUTHORIZATION"] = f"Bearer {key}"
        for name, value in headers.items():
            extra["HTTP_" + name.upper().replace("-", "_")] = value
        fn = getattr(client, method.lower())
        if json is not None:
            return fn("/api/v1" + path, data=json, content_type="application/json", **extra)
        return fn("/api/v1" + path, **extra)

    return go
