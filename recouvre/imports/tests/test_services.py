"""Mappings saved per organization, the import history, and how FEC files are handed to their importer."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.core.exceptions import ValidationError
from django.utils import translation

from recouvre.core.importing import ImportRefused, ImportResult, RowError
from recouvre.imports import selectors
from recouvre.imports.models import ImportRun
from recouvre.imports.services import UnknownMapping, find_mapping, list_mappings, run_import, save_mapping
from recouvre.ledger.actors import Actor

FIXTURES = Path(__file__).parent / "fixtures"
ACTOR = Actor.system("test")

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def english():  # type: ignore[no-untyped-def]
    with translation.override("en"):
        yield


def test_saved_mappings_belong_to_their_organization(org, other_org) -> None:  # type: ignore[no-untyped-def]
    save_mapping(org, "erp", "invoices", {"number": " DocNo ", "total": "Gross"}, {"dayfirst": False})
    save_mapping(org, "erp", "invoices", {"number": "DocNo", "total": "Brut"}, {})  # replaces it

    mapping = find_mapping(org, "invoices", "erp")
    assert (dict(mapping.columns), mapping.options.dayfirst, mapping.builtin) == (
        {"number": "DocNo", "total": "Brut"},
        True,
        False,
    )
    saved = [m for m in list_mappings(org) if not m["builtin"]]
    assert saved == [
        {
            "name": "erp",
            "kind": "invoices",
            "columns": {"number": "DocNo", "total": "Brut"},
            "options": {"dayfirst": True, "reference_is_unique": False},
            "builtin": False,
            "description": "",
        }
    ]
    assert [m["name"] for m in list_mappings(other_org) if not m["builtin"]] == []
    with pytest.raises(UnknownMapping, match="No mapping named erp for invoices"):
        find_mapping(other_org, "invoices", "erp")
    assert list(selectors.saved_mappings(other_org)) == []


def test_builtin_presets_are_listed_first(org) -> None:  # type: ignore[no-untyped-def]
    names = [m["name"] for m in list_mappings(org)]
    assert names[:3] == ["generic-customers", "generic-invoices", "generic-payments"]
    assert "fr-gestion-factures" in names


@pytest.mark.parametrize(
    ("name", "kind", "columns", "options", "message"),
    [
        ("Mon Mapping", "invoices", {"total": "x"}, {}, "must be a short name"),
        ("generic-invoices", "invoices", {"total": "x"}, {}, "is the name of a built-in mapping"),
        ("erp", "fec", {"total": "x"}, {}, "not fec"),
        ("erp", "invoices", {"totl": "x"}, {}, "'totl' is not a field of invoices"),
        ("erp", "invoices", {}, {}, "at least one column"),
        ("erp", "invoices", {"total": "x"}, {"sep": ";"}, "unknown mapping option: sep"),
    ],
)
def test_mappings_that_cannot_be_saved(org, name, kind, columns, options, message) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(ValidationError) as exc:
        save_mapping(org, name, kind, columns, options)
    assert any(message in m for m in exc.value.messages)


def test_recent_runs_are_those_of_the_organization(org, other_org) -> None:  # type: ignore[no-untyped-def]
    run_import(org, "customers", FIXTURES / "customers_en.csv", actor=ACTOR)
    run_import(other_org, "customers", FIXTURES / "customers_fr_latin1.csv", actor=ACTOR)
    with pytest.raises(ImportRefused):
        run_import(org, "invoices", FIXTURES / "invoices_bad.csv", actor=ACTOR)

    runs = selectors.recent_runs(org)
    assert [(r.kind, r.file_name, r.status) for r in runs] == [
        ("invoices", "invoices_bad.csv", "refused"),
        ("customers", "customers_en.csv", "succeeded"),
    ]
    assert selectors.import_run(org, runs[0].pk) == runs[0]
    with pytest.raises(ImportRun.DoesNotExist):
        selectors.import_run(other_org, runs[0].pk)


class FakeFec:
    """Stands in for the FEC importer to check how ``run_import`` hands a FEC over and records it."""

    def __init__(self, refuse: bool = False):
        self.calls: list[dict[str, object]] = []
        self.refuse = refuse

    def __call__(self, organization, path, *, actor, dry_run, progress, original_name):  # type: ignore[no-untyped-def]
        self.calls.append({"path": path, "dry_run": dry_run, "original_name": original_name, "actor": actor})
        if self.refuse:
            raise ImportRefused([RowError(4, "CompteNum", "empty; this column is required")])
        result = ImportResult(kind="fec", file=original_name or "", dry_run=dry_run)
        result.count("invoices", "created", 5)
        result.notes.append("lettered group AB does not balance")
        return result


def test_fec_files_go_to_the_fec_importer_and_are_recorded(org, tmp_path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    fake = FakeFec()
    monkeypatch.setattr("recouvre.imports.fec.import_fec", fake)
    path = tmp_path / "upload.txt"
    path.write_text("JournalCode\tJournalLib\n")

    result = run_import(org, "fec", path, actor=ACTOR, original_name="FEC2025.txt")

    assert result.created == 5
    assert fake.calls == [{"path": path, "dry_run": False, "original_name": "FEC2025.txt", "actor": ACTOR}]
    import_run = ImportRun.objects.get(organization=org)
    assert (import_run.kind, import_run.file_name, import_run.status, import_run.created, import_run.notes) == (
        "fec",
        "FEC2025.txt",
        "succeeded",
        5,
        ["lettered group AB does not balance"],
    )
    assert len(import_run.sha256) == 64

    run_import(org, "fec", path, actor=ACTOR, dry_run=True)
    assert ImportRun.objects.count() == 1


def test_a_refused_fec_is_recorded_with_its_errors(org, tmp_path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setattr("recouvre.imports.fec.import_fec", FakeFec(refuse=True))
    path = tmp_path / "fec.txt"
    path.write_text("x")

    with pytest.raises(ImportRefused):
        run_import(org, "fec", path, actor=ACTOR)

    import_run = ImportRun.objects.get(organization=org)
    assert (import_run.status, import_run.error_count, import_run.errors) == (
        "refused",
        1,
        [{"line": 4, "field": "CompteNum", "message": "empty; this column is required"}],
    )


def test_mappings_do_not_apply_to_fec(org, tmp_path) -> None:  # type: ignore[no-untyped-def]
    path = tmp_path / "fec.txt"
    path.write_text("x")
    with pytest.raises(UnknownMapping, match="do not apply to FEC"):
        run_import(org, "fec", path, actor=ACTOR, mapping="generic-invoices")
