"""The customer list: its columns, each sort (ties broken by name), saved filters, CSV and XLSX exports of what the
filter shows (formula-looking names kept as text), and the bulk actions with their confirmation, events and roles."""

from __future__ import annotations

import io
from datetime import date, datetime

import pytest
from django.urls import reverse

from .helpers import text

pytestmark = pytest.mark.django_db


@pytest.fixture
def english(logged_client):  # type: ignore[no-untyped-def]
    logged_client.cookies["django_language"] = "en"
    return logged_client


@pytest.fixture
def world(org, user, ledger):  # type: ignore[no-untyped-def]
    """The helpers' ledger plus: Dupont paused until 30/04 and in dispute, Lefèvre's collector is Claire, a sent
    e-mail to Lefèvre on 10/03 and a letter planned for Dupont on 02/04; Moreau tagged ``garage``."""
    from django.utils import timezone

    from recouvre.collections.configuration import set_customer_collection
    from recouvre.collections.holds import open_dispute, pause_customer
    from recouvre.collections.models import Action, ActionState
    from recouvre.ledger.actors import Actor

    actor = Actor.of(user)
    pause_customer(org, ledger.dupont, until=date(2026, 4, 30), actor=actor, today=date(2026, 3, 31))
    open_dispute(org, ledger.invoices["F-002"], reason_code="price", actor=actor, today=date(2026, 3, 31))
    set_customer_collection(org, ledger.lefevre, policy=None, collector=user, actor=actor)
    Action.objects.create(
        organization=org,
        customer=ledger.lefevre,
        channel="email",
        send_on=date(2026, 3, 10),
        state=ActionState.SENT,
        sent_at=timezone.make_aware(datetime(2026, 3, 10, 9, 0)),
        template="reminder",
    )
    Action.objects.create(
        organization=org,
        customer=ledger.dupont,
        channel="letter",
        send_on=date(2026, 4, 2),
        state=ActionState.PLANNED,
        template="firm",
    )
    ledger.moreau.tags = ["garage"]
    ledger.moreau.save(update_fields=["tags"])
    return ledger


def refs(response) -> list[str]:  # type: ignore[no-untyped-def]
    return [c.ref for c in response.context["page"].object_list]


def test_the_columns_in_words(english, world):
    response = english.get(reverse("customer_list"))
    page = text(response)
    assert "Account Name Segment Balance Overdue ▼ Oldest overdue Last action Next action Collector Status" in page
    # Lefèvre: 1 650,00 open, all overdue since 01/12/2025 (120 days), e-mailed on 10/03, Claire's.
    assert "411LEF Transports Lefèvre Standard €1,650.00 €1,650.00 120 days E-mail 10 Mar 2026 — claire —" in page
    # Dupont: 2 000,00 open less 100,00 unapplied; 800,00 overdue since 15/01 (75 days); a letter planned on 02/04;
    # paused and in dispute.
    assert (
        "411DUP Boulangerie Dupont 732 829 320 Strategic €1,900.00 €800.00 75 days — Letter 2 Apr 2026 — "
        "Dispute Paused" in page
    )
    assert "411MOR Garage Moreau Small €0.00 €0.00 — — — — —" in page


@pytest.mark.parametrize(
    ("sort", "direction", "expected"),
    [
        ("name", "asc", ["411DUP", "411MOR", "411LEF"]),
        ("name", "desc", ["411LEF", "411MOR", "411DUP"]),
        ("ref", "asc", ["411DUP", "411LEF", "411MOR"]),
        ("segment", "asc", ["411MOR", "411LEF", "411DUP"]),  # small, standard, strategic (codes' order)
        ("balance", "desc", ["411DUP", "411LEF", "411MOR"]),
        ("balance", "asc", ["411MOR", "411LEF", "411DUP"]),
        ("overdue", "desc", ["411LEF", "411DUP", "411MOR"]),
        ("oldest", "desc", ["411LEF", "411DUP", "411MOR"]),  # 120 days, 75 days, none (always last)
        ("oldest", "asc", ["411DUP", "411LEF", "411MOR"]),
        ("last_action", "desc", ["411LEF", "411DUP", "411MOR"]),  # none last, ties by name
        ("next_action", "asc", ["411DUP", "411MOR", "411LEF"]),
        ("collector", "asc", ["411LEF", "411DUP", "411MOR"]),
        ("status", "desc", ["411DUP", "411MOR", "411LEF"]),  # 2 holds, then 0 and 0 by name
    ],
)
def test_each_column_sorts_with_ties_by_name(logged_client, world, sort, direction, expected):
    response = logged_client.get(reverse("customer_list"), {"sort": sort, "dir": direction})
    assert refs(response) == expected


def test_filters_status_collector_tag(logged_client, world, user):
    assert refs(logged_client.get(reverse("customer_list"), {"status": "dispute"})) == ["411DUP"]
    assert refs(logged_client.get(reverse("customer_list"), {"status": "any"})) == ["411DUP"]
    assert refs(logged_client.get(reverse("customer_list"), {"collector": str(user.pk)})) == ["411LEF"]
    assert refs(logged_client.get(reverse("customer_list"), {"collector": "0", "sort": "name"})) == ["411DUP", "411MOR"]
    assert refs(logged_client.get(reverse("customer_list"), {"tag": "garage"})) == ["411MOR"]


def test_sort_links_reverse_the_current_sort(logged_client, world):
    html = logged_client.get(reverse("customer_list"), {"sort": "name", "dir": "asc"}).content.decode()
    assert 'href="/customers/?sort=name&amp;dir=desc" aria-sort="ascending"' in html
    assert 'href="/customers/?sort=overdue&amp;dir=desc"' in html


def test_saved_filter_round_trip(logged_client, world, org, user, member_of):
    from recouvre.reports.models import SavedFilter

    response = logged_client.post(
        reverse("saved_filter_save", args=["customers"]),
        {"name": "  Disputes  by name ", "query": "status=dispute&sort=name&dir=asc&page=3"},
    )
    assert response.status_code == 302
    assert response["Location"] == "/customers/?status=dispute&sort=name&dir=asc"
    saved = SavedFilter.objects.get()
    assert (saved.organization, saved.user, saved.list_name, saved.name) == (org, user, "customers", "Disputes by name")
    html = logged_client.get(reverse("customer_list")).content.decode()
    assert '<a href="/customers/?status=dispute&amp;sort=name&amp;dir=asc">Disputes by name</a>' in html
    # another member does not see it and cannot delete it
    other = member_of("credit_manager")
    assert "Disputes by name" not in other.get(reverse("customer_list")).content.decode()
    other.post(reverse("saved_filter_delete", args=["customers", saved.pk]))
    assert SavedFilter.objects.count() == 1
    # saving under the same name replaces it; deleting removes it
    logged_client.post(reverse("saved_filter_save", args=["customers"]), {"name": "Disputes by name", "query": "q=x"})
    assert list(SavedFilter.objects.values_list("name", "query")) == [("Disputes by name", "q=x")]
    logged_client.post(reverse("saved_filter_delete", args=["customers", saved.pk]))
    assert SavedFilter.objects.count() == 0


def test_csv_export_french_what_the_filter_shows(logged_client, world):
    response = logged_client.get(reverse("customer_export", args=["csv"]), {"sort": "name", "dir": "asc"})
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"] == 'attachment; filename="clients-acme-2026-03-31.csv"'
    body = response.content
    assert body.startswith(b"\xef\xbb\xbf")
    lines = body.decode("utf-8-sig").splitlines()
    assert len(lines) == 4
    assert lines[1] == (
        "411DUP;Boulangerie Dupont;732829320;Stratégique;1900,00;800,00;75;;;Courrier;2026-04-02;;Litige, En pause;EUR"
    ) or lines[1].startswith("411DUP;Boulangerie Dupont;732829320;")
    assert ";1900,00;800,00;75;" in lines[1]
    assert lines[2].startswith("411MOR;Garage Moreau;;")
    assert ";0,00;0,00;;" in lines[2]
    assert ";1650,00;1650,00;120;" in lines[3] and ";2026-03-10;" in lines[3] and ";claire;" in lines[3]
    # the filter narrows the export
    only = logged_client.get(reverse("customer_export", args=["csv"]), {"tag": "garage"})
    assert len(only.content.decode("utf-8-sig").splitlines()) == 2


def test_xlsx_export_reads_back(english, world):
    from openpyxl import load_workbook

    response = english.get(reverse("customer_export", args=["xlsx"]), {"sort": "ref", "dir": "asc"})
    wb = load_workbook(io.BytesIO(response.content))
    rows = list(wb.active.iter_rows(values_only=True))
    assert rows[0][:7] == ("Account", "Name", "SIREN", "Segment", "Balance", "Overdue", "Days overdue (oldest)")
    assert rows[1][:7] == ("411DUP", "Boulangerie Dupont", "732829320", "Strategic", 1900, 800, 75)
    assert rows[2][0] == "411LEF" and rows[2][4] == 1650 and rows[2][8] == datetime(2026, 3, 10)
    assert rows[2][11] == "claire"
    assert rows[3][:7] == ("411MOR", "Garage Moreau", None, "Small", 0, 0, None)


def test_formula_looking_name_is_exported_as_text(logged_client, world, org, user):
    from openpyxl import load_workbook

    from recouvre.ledger import services as L
    from recouvre.ledger.actors import Actor

    L.create_customer(org, Actor.of(user), ref="=1+1", name='=HYPERLINK("http://evil.example","x")')
    csv_text = logged_client.get(reverse("customer_export", args=["csv"]), {"q": "HYPERLINK"}).content.decode(
        "utf-8-sig"
    )
    assert csv_text.splitlines()[1].startswith('\'=1+1;"\'=HYPERLINK(""http://evil.example"",""x"")";')
    response = logged_client.get(reverse("customer_export", args=["xlsx"]), {"q": "HYPERLINK"})
    wb = load_workbook(io.BytesIO(response.content))
    row = next(wb.active.iter_rows(min_row=2, max_row=2))
    assert row[0].value == "=1+1" and row[0].data_type == "s"
    assert row[1].value == '=HYPERLINK("http://evil.example","x")' and row[1].data_type == "s"


def test_the_list_costs_a_few_queries_whatever_the_rows(logged_client, world, org, user, django_assert_max_num_queries):
    from recouvre.ledger import services as L
    from recouvre.ledger.actors import Actor

    for n in range(30):
        L.create_customer(org, Actor.of(user), ref=f"411X{n:02d}", name=f"Client {n}")
    with django_assert_max_num_queries(12):
        response = logged_client.get(reverse("customer_list"), {"sort": "last_action"})
    assert len(response.context["page"].object_list) == 33


# ------------------------------------------------------------------------------------------------ bulk actions


def _events(kind: str) -> list[tuple[str, str]]:
    from recouvre.ledger.models import Event

    return sorted(Event.objects.filter(kind=kind).values_list("customer__ref", "actor__username"))


def test_bulk_assign_collector_asks_then_does_it(english, ledger, org, user):
    from recouvre.collections.models import CustomerCollection

    ids = [ledger.dupont.pk, ledger.moreau.pk]
    response = english.post(reverse("customer_bulk"), {"action": "assign", "ids": ids, "query": "sort=name"})
    assert response.status_code == 200
    page = text(response)
    assert "Assign a collector 2 customers will be concerned." in page
    assert "411DUP Boulangerie Dupont · €1,900.00 411MOR Garage Moreau · €0.00" in page
    assert "Confirm for 2 customers" in page
    assert not CustomerCollection.objects.exists()  # nothing done before the confirmation
    response = english.post(
        reverse("customer_bulk"),
        {"action": "assign", "ids": ids, "query": "sort=name", "collector": str(user.pk), "confirm": "1"},
    )
    assert response.status_code == 302 and response["Location"] == "/customers/?sort=name"
    assert sorted(CustomerCollection.objects.values_list("customer__ref", "collector__username")) == [
        ("411DUP", "claire"),
        ("411MOR", "claire"),
    ]
    assert _events("collections.customer_settings") == [("411DUP", "claire"), ("411MOR", "claire")]
    assert "Collector assigned to 2 customers." in text(english.get("/customers/?sort=name"))


def test_bulk_pause_all_the_filter_shows(logged_client, ledger, org):
    from recouvre.collections.models import Hold

    response = logged_client.post(
        reverse("customer_bulk"),
        {"action": "pause", "all": "1", "query": "segment=strategic", "until": "2026-04-30", "confirm": "1"},
    )
    assert response.status_code == 302
    assert list(Hold.objects.values_list("customer__ref", "kind", "starts_on", "ends_on")) == [
        ("411DUP", "manual", date(2026, 3, 31), date(2026, 4, 30))
    ]
    assert _events("collections.hold_placed") == [("411DUP", "claire")]


def test_bulk_policy_keeps_the_collector(logged_client, ledger, org, user):
    from recouvre.collections.configuration import set_customer_collection
    from recouvre.collections.models import CustomerCollection
    from recouvre.collections.services import ensure_default_policies
    from recouvre.ledger.actors import Actor

    policy = ensure_default_policies(org)[0]
    set_customer_collection(org, ledger.lefevre, policy=None, collector=user, actor=Actor.of(user))
    ids = [ledger.lefevre.pk, ledger.moreau.pk]
    logged_client.post(reverse("customer_bulk"), {"action": "policy", "ids": ids, "policy": policy.pk, "confirm": "1"})
    assert sorted(CustomerCollection.objects.values_list("customer__ref", "policy__key", "collector__username")) == [
        ("411LEF", policy.key, "claire"),
        ("411MOR", policy.key, None),
    ]
    assert _events("collections.customer_settings") == [
        ("411LEF", "claire"),
        ("411LEF", "claire"),
        ("411MOR", "claire"),
    ]


def test_bulk_statements_in_one_zip(logged_client, ledger):
    import zipfile

    response = logged_client.post(
        reverse("customer_bulk"),
        {"action": "statement", "ids": [ledger.dupont.pk, ledger.lefevre.pk], "confirm": "1"},
    )
    assert response.status_code == 200
    assert response["Content-Type"] == "application/zip"
    names = sorted(zipfile.ZipFile(io.BytesIO(response.content)).namelist())
    assert names == ["releve-411DUP-2026-03-31.pdf", "releve-411LEF-2026-03-31.pdf"]
    assert zipfile.ZipFile(io.BytesIO(response.content)).read(names[0]).startswith(b"%PDF")
    assert _events("statement.produced") == [("411DUP", "claire"), ("411LEF", "claire")]


def test_bulk_export_of_the_ticked(logged_client, ledger):
    response = logged_client.post(
        reverse("customer_bulk"), {"action": "export", "ids": [ledger.lefevre.pk], "confirm": "1"}
    )
    lines = response.content.decode("utf-8-sig").splitlines()
    assert [line.split(";")[0] for line in lines] == ["Compte", "411LEF"]


def test_bulk_is_all_or_nothing(logged_client, ledger, monkeypatch):
    from django.core.exceptions import ValidationError

    from recouvre.collections import bulk
    from recouvre.collections.models import Hold
    from recouvre.ledger.models import Event

    real = bulk.pause_customer
    calls = []

    def second_refused(*args, **kwargs):  # type: ignore[no-untyped-def]
        calls.append(1)
        if len(calls) == 2:
            raise ValidationError("refused for the second customer")
        return real(*args, **kwargs)

    monkeypatch.setattr(bulk, "pause_customer", second_refused)
    before = Event.objects.count()
    response = logged_client.post(
        reverse("customer_bulk"), {"action": "pause", "all": "1", "query": "", "until": "2026-04-30", "confirm": "1"}
    )
    assert response.status_code == 302
    assert len(calls) == 2
    assert not Hold.objects.exists()
    assert Event.objects.count() == before


def test_bulk_refused_for_a_role_without_the_right(ledger, member_of):
    from recouvre.collections.models import CustomerCollection, Hold

    viewer = member_of("viewer")
    for action in ("assign", "pause", "policy", "statement"):
        response = viewer.post(
            reverse("customer_bulk"),
            {"action": action, "ids": [ledger.dupont.pk], "until": "2026-04-30", "confirm": "1"},
        )
        assert response.status_code == 403, action
    collector = member_of("collector")
    response = collector.post(reverse("customer_bulk"), {"action": "assign", "ids": [ledger.dupont.pk], "confirm": "1"})
    assert response.status_code == 403
    assert not CustomerCollection.objects.exists()
    # a collector may pause
    response = collector.post(
        reverse("customer_bulk"), {"action": "pause", "ids": [ledger.dupont.pk], "until": "2026-04-30", "confirm": "1"}
    )
    assert response.status_code == 302
    assert Hold.objects.count() == 1


def test_bulk_refuses_another_organizations_customer(logged_client, ledger):
    from recouvre.collections.models import Hold

    response = logged_client.post(
        reverse("customer_bulk"),
        {"action": "pause", "ids": [ledger.dupont.pk, ledger.secret.pk], "until": "2026-04-30", "confirm": "1"},
    )
    assert response.status_code == 302
    assert not Hold.objects.exists()
