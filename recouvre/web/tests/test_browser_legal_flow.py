"""In a real browser, from the demo data: the most overdue customer is sent a formal notice, the registered letter
is recorded as posted with its tracking number, then the evidence dossier and the injonction de payer request are
downloaded, and both hold what a court would look for. Everything through the web app. Skipped when Chromium is not
installed (see ``test_browser``)."""

from __future__ import annotations

import zipfile
from datetime import date

import pytest
from pypdf import PdfReader

from .test_browser import browser_page, plain  # noqa: F401  (the fixture)

pytestmark = pytest.mark.browser


@pytest.fixture(autouse=True)
def working_morning():  # type: ignore[no-untyped-def]
    """11:00 in Paris on a working day, whatever the hour the tests run at (``recouvre.testing.clock``)."""
    from recouvre.testing.clock import working_morning

    with working_morning() as moment:
        yield moment


TRACKING = "1A00123456789"


def test_from_an_overdue_customer_to_a_posted_formal_notice_a_dossier_and_an_injonction_request(
    transactional_db,
    live_server,
    browser_page,  # noqa: F811
):  # type: ignore[no-untyped-def]
    from recouvre.collections.models import Action
    from recouvre.demo.services import create_demo
    from recouvre.dossier.bundle import verify
    from recouvre.letters.models import Letter

    create_demo(slug="demo", customers=30, invoices=300, seed=7, as_of=date.today(), reset=False)
    page = browser_page
    page.context.add_cookies([{"name": "django_language", "value": "en", "url": live_server.url}])
    page.goto(f"{live_server.url}/accounts/login/")
    page.fill("#id_username", "demo")
    page.fill("#id_password", "demo")
    page.click("button[type=submit]")
    page.wait_for_url(f"{live_server.url}/")

    # The customer list, most overdue first: open the first company (a public body's claim goes to the
    # administrative court, not to an injonction de payer).
    from recouvre.ledger.models import Customer

    page.goto(f"{live_server.url}/customers/?sort=overdue")
    links = page.locator("table tbody tr td a[href^='/customers/']")
    names = [links.nth(i).inner_text().strip() for i in range(min(links.count(), 10))]
    name = next(n for n in names if Customer.objects.get(name=n).kind == "business")
    page.get_by_role("link", name=name, exact=True).first.click()
    page.wait_for_selector("#formal-notice")

    # A formal notice now, approved by the administrator who asks for it: produced at once.
    page.click("#formal-notice-form button[type=submit]")
    page.wait_for_selector("#formal-notices input[name^=tracking_]")
    letter = Letter.objects.get()
    assert (letter.action.template, letter.registered, letter.action.state) == ("formal_notice", True, "ready")
    notice_text = plain(" ".join(p.extract_text() for p in PdfReader(_bytes_io(letter.pdf)).pages))
    assert "MISE EN DEMEURE" in notice_text.upper()
    assert name in notice_text

    # Posted today as a registered letter with its tracking number.
    page.fill("#formal-notices input[name^=tracking_]", TRACKING)
    page.click("#formal-notices button:has-text('Record the posting')")
    page.wait_for_selector(f"#formal-notices :text('{TRACKING}')")
    letter.refresh_from_db()
    assert (letter.tracking_number, letter.posted_on) == (TRACKING, date.today())
    assert Action.objects.get(pk=letter.action_id).state == "sent"

    # The evidence dossier: its manifest verifies and it holds the posted formal notice.
    with page.expect_download() as download:
        page.click("#dossier-form button[type=submit]")
    dossier = download.value.path()
    assert verify(str(dossier)).ok
    with zipfile.ZipFile(dossier) as archive:
        names = archive.namelist()
        assert "MANIFEST.sha256" in names
        assert letter.pdf in [archive.read(n) for n in names if n.endswith(".pdf")]

    # The injonction de payer request, with the customer and the formal notice among its exhibits.
    with page.expect_download() as download:
        page.click("#legal-route button:has-text('Injonction de payer request')")
    request_text = plain(" ".join(p.extract_text() for p in PdfReader(download.value.path()).pages))
    assert "INJONCTION DE PAYER" in request_text.upper()
    assert name in request_text
    posted = date.today().strftime("%d/%m/%Y")
    assert f"Mise en demeure par lettre recommandée postée le {posted} (numéro de suivi {TRACKING})" in request_text


def _bytes_io(data: bytes):  # type: ignore[no-untyped-def]
    import io

    return io.BytesIO(bytes(data))
