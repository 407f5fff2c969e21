"""The aged balance as a working list: sorted on any column, narrowed by segment, collector and tag, each amount
leading to exactly its invoices; the invoice and worklist exports."""

from __future__ import annotations

import io
import re
from datetime import date
from decimal import Decimal

import pytest
from django.urls import reverse

from .helpers import text

pytestmark = pytest.mark.django_db


def refs(response) -> list[str]:  # type: ignore[no-untyped-def]
    return [line.ref for line in response.context["page"].object_list]


@pytest.mark.parametrize(
    ("sort", "direction", "expected"),
    [
        ("over_90", "", ["411LEF", "411DUP"]),
        ("1_30", "desc", ["411DUP", "411LEF"]),
        ("1_30", "asc", ["411LEF", "411DUP"]),
        ("not_due", "desc", ["411DUP", "411LEF"]),
        ("total", "desc", ["411DUP", "411LEF"]),  # 2 000,00 and 1 650,00
        ("balance", "asc", ["411LEF", "411DUP"]),  # 1 650,00 and 1 900,00
        ("unapplied", "desc", ["411DUP", "411LEF"]),
        ("name", "desc", ["411LEF", "411DUP"]),
    ],
)
def test_aging_sorts_on_any_column(logged_client, ledger, sort, direction, expected):
    response = logged_client.get(reverse("aging"), {"sort": sort, "dir": direction})
    assert refs(response) == expected


def test_aging_filtered_by_segment_collector_and_tag(logged_client, ledger, org, user):
    from recouvre.collections.configuration import set_customer_collection
    from recouvre.ledger.actors import Actor

    response = logged_client.get(reverse("aging"), {"segment": "strategic"})
    assert refs(response) == ["411DUP"]
    assert response.context["report"].total == Decimal("2000.00")
    assert refs(logged_client.get(reverse("aging"), {"tag": "bakery"})) == ["411DUP"]
    set_customer_collection(org, ledger.lefevre, policy=None, collector=user, actor=Actor.of(user))
    response = logged_client.get(reverse("aging"), {"collector": str(user.pk)})
    assert refs(response) == ["411LEF"]
    assert response.context["report"].buckets["over_90"] == Decimal("1200.00")
    assert refs(logged_client.get(reverse("aging"), {"collector": "0"})) == ["411DUP"]
    # the CSV follows the filter: one customer and its total
    lines = logged_client.get(reverse("aging_csv"), {"segment": "strategic"}).content.decode("utf-8-sig").splitlines()
    assert lines[1:] == [
        "411DUP;Boulangerie Dupont;1200,00;500,00;0,00;300,00;0,00;2000,00;100,00;1900,00;EUR",
        ";Total;1200,00;500,00;0,00;300,00;0,00;2000,00;100,00;1900,00;EUR",
    ]


def _drill_links(html: str) -> dict[tuple[str, str], str]:
    """(customer id or "", bucket) -> the link of each amount of the aged balance page."""
    found = {}
    for href in re.findall(r'<a class="drill[^"]*"(?: data-bucket="[^"]+")? href="([^"]+)"', html):
        href = href.replace("&amp;", "&")
        customer = re.search(r"customer=(\d+)", href)
        bucket = re.search(r"bucket=(\w+)", href)
        assert bucket is not None
        found[(customer.group(1) if customer else "", bucket.group(1))] = href
    return found


def test_each_amount_drills_down_to_exactly_its_invoices(logged_client, ledger):
    html = logged_client.get(reverse("aging")).content.decode()
    links = _drill_links(html)
    dup, lef = str(ledger.dupont.pk), str(ledger.lefevre.pk)
    # one link per non-zero amount: Dupont's three, Lefèvre's two, and the five totals
    assert sorted(links) == sorted(
        [
            (dup, "not_due"),
            (dup, "1_30"),
            (dup, "61_90"),
            (lef, "31_60"),
            (lef, "over_90"),
            ("", "not_due"),
            ("", "1_30"),
            ("", "31_60"),
            ("", "61_90"),
            ("", "over_90"),
        ]
    )
    expected = {
        (dup, "not_due"): ["F-001"],
        (dup, "1_30"): ["F-002"],
        (dup, "61_90"): ["F-003"],
        (lef, "31_60"): ["F-005"],
        (lef, "over_90"): ["F-004"],
        ("", "over_90"): ["F-004"],
        ("", "1_30"): ["F-002"],
    }
    for key, numbers in expected.items():
        response = logged_client.get(links[key])
        assert [i.number for i in response.context["page"].object_list] == numbers, key
    logged_client.cookies["django_language"] = "en"
    page = text(logged_client.get(links[(dup, "61_90")]))
    assert "Invoices of Boulangerie Dupont in the aged balance's column “61-90 days” on 31 Mar 2026." in page


def test_drill_down_on_another_date(logged_client, ledger):
    # On 28/02 F-005 is 8 days late (1-30), F-003 44 days (31-60), F-004 89 days (61-90).
    url = reverse("invoice_list")
    for bucket, numbers in (("1_30", ["F-005"]), ("31_60", ["F-003"]), ("61_90", ["F-004"]), ("over_90", [])):
        response = logged_client.get(url, {"as_of": "2026-02-28", "bucket": bucket, "currency": "EUR"})
        assert [i.number for i in response.context["page"].object_list] == numbers, bucket
    # another organization's customer id finds nothing
    response = logged_client.get(url, {"customer": ledger.secret.pk, "bucket": "over_90"})
    assert list(response.context["page"].object_list) == []


def test_invoice_export_csv_and_xlsx(logged_client, ledger):
    from openpyxl import load_workbook

    response = logged_client.get(reverse("invoice_export", args=["csv"]), {"q": "F-00", "status": "overdue"})
    assert response.content.startswith(b"\xef\xbb\xbf")
    lines = response.content.decode("utf-8-sig").splitlines()
    assert lines[0].startswith("Numéro;") or lines[0].split(";")[0]
    assert lines[1:] == [
        "F-004;411LEF;Transports Lefèvre;2025-11-01;2025-12-01;120;2000,00;1200,00;EUR",
        "F-003;411DUP;Boulangerie Dupont;2025-11-01;2026-01-15;75;300,00;300,00;EUR",
        "F-005;411LEF;Transports Lefèvre;2025-11-01;2026-02-20;39;450,00;450,00;EUR",
        "F-002;411DUP;Boulangerie Dupont;2025-11-01;2026-03-15;16;500,00;500,00;EUR",
    ]
    wb = load_workbook(io.BytesIO(logged_client.get(reverse("invoice_export", args=["xlsx"])).content))
    rows = list(wb.active.iter_rows(values_only=True))
    assert len(rows) == 6  # the header and the five open invoices
    assert rows[1][0] == "F-004" and rows[1][7] == 1200


def test_worklist_export(logged_client, ledger, org, user):
    from recouvre.ledger.actors import Actor
    from recouvre.tasks.services import create_task

    create_task(
        org, ledger.lefevre, kind="call", title="=Appeler Lefèvre", actor=Actor.of(user), due_on=date(2026, 3, 30)
    )
    lines = logged_client.get(reverse("worklist_export", args=["csv"])).content.decode("utf-8-sig").splitlines()
    assert len(lines) == 2
    cells = lines[1].split(";")
    assert cells[0] == "1" and cells[1] == "2026-03-30"
    assert cells[3] == "'=Appeler Lefèvre"
    assert cells[4:8] == ["411LEF", "Transports Lefèvre", "1650,00", "120"]
