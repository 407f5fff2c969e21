"""Names and references typed or imported with characters that mean something to CSS or HTML never reach the
style sheet of a document, and no document fetches anything: a local HTTP listener named in the hostile values
must receive nothing, and the text is printed as it was written."""

from __future__ import annotations

import http.server
import threading
from collections.abc import Iterator
from datetime import date
from decimal import Decimal

import pytest

from recouvre.dossier.pdfs import invoice_copy_pdfs, statement_pdf
from recouvre.ledger.actors import Actor
from recouvre.ledger.services import create_invoice
from recouvre.testing.factories import CustomerFactory

from .conftest import pdf_text

pytestmark = pytest.mark.django_db
ACTOR = Actor.system("test")


@pytest.fixture
def listener() -> Iterator[tuple[str, list[str]]]:
    """An HTTP server on the loopback that records every request made to it (there must be none)."""
    asked: list[str] = []

    class Record(http.server.BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # noqa: N802 - the name http.server calls
            asked.append(self.path)
            self.send_response(200)
            self.send_header("Content-Type", "image/png")
            self.end_headers()

        def log_message(self, *args: object) -> None:
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Record)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}", asked
    finally:
        server.shutdown()
        server.server_close()


def test_hostile_references_stay_text_and_nothing_is_fetched(org, listener) -> None:  # type: ignore[no-untyped-def]
    url, asked = listener
    # The footer of every page carries the organization's name and the customer's reference.
    org.name = (
        f'ACME\r"}} }} @page {{ background: url({url}/c); @top-center {{ content: "INJECTED" }} }} \\" \f</style>'
    )
    assert len(org.name) <= 200
    org.save()
    customer = CustomerFactory(
        organization=org,
        ref='411\r"}\\\f</style>@import',
        name=f"Rémy-Charpentier </style><style>@import url({url}/import);</style>",
        address_line1="1 rue du Port",
        postal_code="13002",
        city="Marseille",
    )
    invoice = create_invoice(
        org,
        ACTOR,
        customer=customer,
        number="FA-1",
        issued_on=date(2026, 1, 5),
        due_on=date(2026, 2, 4),
        total=Decimal("1200.00"),
    )
    statement = pdf_text(statement_pdf(org, customer, [invoice], date(2026, 3, 10)))
    copies = invoice_copy_pdfs(org, customer, [invoice])
    copy = pdf_text(copies[invoice.pk])
    assert asked == []
    for text in (statement.replace("\x00", ""), copy.replace("\x00", "")):
        flat = " ".join(text.split())
        assert "Rémy-Charpentier" in flat
        assert "u002D" not in flat
        # the footer prints the name as it was written: the rule inside it was never applied
        assert 'content: "INJECTED"' in flat
        assert flat.count("INJECTED") == flat.count('content: "INJECTED"')
