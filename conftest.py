"""Shared pytest fixtures.

``SAMPLES`` is ``../shared/samples`` beside the project; tests that read it skip with a reason when it is absent.
"""

from __future__ import annotations

import os
from datetime import timedelta
from pathlib import Path

import pytest
from hypothesis import settings as hypothesis_settings

# Hypothesis: "ci" (the default) runs the same examples on every run (derandomized, no example database), a
# bounded number of them with a bounded time each, so property and fuzz tests stay fast and repeatable; "dev"
# explores new random examples each run; "thorough" runs many more. Choose with HYPOTHESIS_PROFILE.
hypothesis_settings.register_profile(
    "ci", derandomize=True, database=None, max_examples=100, deadline=timedelta(seconds=5), print_blob=True
)
hypothesis_settings.register_profile("dev", max_examples=100, deadline=timedelta(seconds=5))
hypothesis_settings.register_profile("thorough", max_examples=2000, deadline=None)
hypothesis_settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))

ROOT = Path(__file__).resolve().parent
# Nothing in tests reaches the internet: the ECB Data Portal is a closed local port unless a test serves its own.
os.environ["RECOUVRE_ECB_URL"] = "http://127.0.0.1:9/service/data"
os.environ["RECOUVRE_COMPANY_DIRECTORY_URL"] = "http://127.0.0.1:9"
os.environ["RECOUVRE_BODACC_URL"] = "http://127.0.0.1:9/records"
SAMPLES = Path(os.environ.get("RECOUVRE_SAMPLES_DIR", ROOT.parent / "shared" / "samples"))


@pytest.fixture(autouse=True)
def tests_speak_english(monkeypatch):  # type: ignore[no-untyped-def]
    """Every test starts in English, so messages are asserted exactly; a test that wants French says so with
    ``translation.override("fr")`` (or, for the ``recouvre`` command, ``RECOUVRE_LANGUAGE=fr``). Web requests
    still choose their own language (cookie, session, Accept-Language, else French)."""
    from django.utils import translation

    monkeypatch.setenv("RECOUVRE_LANGUAGE", "en")
    with translation.override("en"):
        yield


@pytest.fixture(autouse=True)
def no_ecb_on_the_internet(settings):  # type: ignore[no-untyped-def]
    """The scheduler's daily rates update, in any test, asks a closed local port (a test that wants answers serves
    them on 127.0.0.1 and sets ``settings.RECOUVRE_ECB_URL``)."""
    from recouvre.collections import scheduler

    settings.RECOUVRE_ECB_URL = "http://127.0.0.1:9/service/data"
    settings.RECOUVRE_COMPANY_DIRECTORY_URL = "http://127.0.0.1:9"
    settings.RECOUVRE_BODACC_URL = "http://127.0.0.1:9/records"
    scheduler._rates_tried_on = None
    scheduler._watch_tried_on = {}
    scheduler._predicted_on = {}
    scheduler._idempotency_purged_on = None
    yield


@pytest.fixture
def samples_dir() -> Path:
    if not SAMPLES.is_dir():
        pytest.skip(f"real sample files not available ({SAMPLES} is absent)")
    return SAMPLES


@pytest.fixture
def org(db):  # type: ignore[no-untyped-def]
    from recouvre.testing.factories import OrganizationFactory

    return OrganizationFactory(slug="acme", name="ACME Distribution SAS")


@pytest.fixture
def other_org(db):  # type: ignore[no-untyped-def]
    from recouvre.testing.factories import OrganizationFactory

    return OrganizationFactory(slug="rival", name="Rival Industries SA")


@pytest.fixture
def user(org):  # type: ignore[no-untyped-def]
    from recouvre.testing.factories import MembershipFactory

    return MembershipFactory(organization=org, user__username="claire").user


@pytest.fixture
def logged_client(client, user):  # type: ignore[no-untyped-def]
    client.force_login(user)
    return client
