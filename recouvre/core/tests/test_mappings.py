"""Header recognition, presets and the resolution of a mapping against a header row."""

from __future__ import annotations

import pytest

from recouvre.core.mappings import (
    FIELDS,
    PRESETS,
    SYNONYMS,
    ColumnMapping,
    MappingOptions,
    check_columns,
    normalize_header,
    parse_options,
    resolve_columns,
)


@pytest.mark.parametrize(
    ("header", "normalized"),
    [
        ("N° facture", "numero facture"),
        ("N° de facture", "numero facture"),
        ("No facture", "numero facture"),
        ("Numéro de facture", "numero facture"),
        ("invoice_number", "invoice number"),
        ("invoiceNumber", "invoice number"),
        ("  Invoice   Number ", "invoice number"),
        ("Montant T.T.C.", "montant ttc"),
        ("E-mail", "email"),
        ("Date d'échéance", "date echeance"),
        ("Téléphone", "telephone"),
        ("Invoice #", "invoice numero"),
    ],
)
def test_normalize_header(header: str, normalized: str) -> None:
    assert normalize_header(header) == normalized


def test_every_recognised_header_belongs_to_one_field_per_kind() -> None:
    # SYNONYMS is built at import and raises on a clash; check it also covers every field's own name
    for kind, specs in FIELDS.items():
        for spec in specs:
            assert SYNONYMS[kind][normalize_header(spec.name)] == spec.name


@pytest.mark.parametrize(
    ("kind", "header", "expected"),
    [
        (
            "invoices",
            ["invoice_number", "customer_id", "issue_date", "due_date", "amount_incl_tax", "currency"],
            {"number": 0, "customer_ref": 1, "issued_on": 2, "due_on": 3, "total": 4, "currency": 5},
        ),
        (
            "invoices",
            ["N° facture", "Code client", "Date facture", "Échéance", "Montant HT", "TVA", "Montant TTC", "Devise"],
            {
                "number": 0,
                "customer_ref": 1,
                "issued_on": 2,
                "due_on": 3,
                "amount_excl_tax": 4,
                "tax_amount": 5,
                "total": 6,
                "currency": 7,
            },
        ),
        (
            "customers",
            ["Code client", "Raison sociale", "Courriel", "Téléphone", "e-mail contact"],
            {"ref": 0, "name": 1, "email": 2, "phone": 3},
        ),
        (
            "payments",
            ["Compte client", "Date de règlement", "Montant réglé", "N° facture", "Mode de règlement", "Libellé"],
            {"customer_ref": 0, "received_on": 1, "amount": 2, "invoice_number": 3, "method": 4, "reference": 5},
        ),
    ],
)
def test_obvious_headers_are_recognised(kind: str, header: list[str], expected: dict[str, int]) -> None:
    columns, errors = resolve_columns(kind, header)
    assert errors == []
    assert columns is not None
    assert dict(columns.indexes) == expected


def test_unused_columns_are_reported_in_a_note() -> None:
    columns, _ = resolve_columns("customers", ["customer_id", "name", "Commercial", "Notes"])
    assert columns is not None
    assert columns.ignored == ("Commercial", "Notes")


def test_missing_required_columns_are_named_with_the_headers_found() -> None:
    columns, errors = resolve_columns("invoices", ["Facture", "Montant"], header_line=3)
    assert columns is None
    assert [(e.line, e.field) for e in errors] == [(3, "customer_ref"), (3, "issued_on")]
    assert "no column for the customer account" in errors[0].message
    assert "columns found: 'Facture', 'Montant'" in errors[0].message


def test_total_may_be_left_out_when_excl_tax_and_tax_are_there() -> None:
    columns, errors = resolve_columns("invoices", ["number", "customer_id", "date", "montant ht", "tva"])
    assert errors == []
    assert columns is not None and not columns.has("total")


def test_two_columns_for_one_field_are_refused() -> None:
    columns, errors = resolve_columns("invoices", ["invoice", "customer_id", "date", "Total", "Montant TTC"])
    assert columns is None
    assert len(errors) == 1
    assert errors[0].field == "Total"
    assert "'Total' and 'Montant TTC' could both be the amount incl. tax" in errors[0].message


def test_a_mapping_chooses_between_ambiguous_columns() -> None:
    mapping = ColumnMapping("mine", "invoices", {"total": "Montant TTC"})
    columns, errors = resolve_columns("invoices", ["invoice", "customer_id", "date", "Total", "Montant TTC"], mapping)
    assert errors == []
    assert columns is not None
    assert columns.indexes["total"] == 4
    assert columns.ignored == ("Total",)


def test_a_mapping_names_columns_with_unusual_headers() -> None:
    mapping = ColumnMapping("erp", "invoices", {"number": "DocNo", "customer_ref": "Debtor", "total": "Gross"})
    columns, errors = resolve_columns("invoices", ["docno", "DEBTOR", "Date", "gross"], mapping)
    assert errors == []
    assert columns is not None
    assert dict(columns.indexes) == {"number": 0, "customer_ref": 1, "total": 3, "issued_on": 2}
    assert columns.headers["customer_ref"] == "DEBTOR"


def test_a_mapping_whose_required_column_is_absent_is_refused() -> None:
    mapping = ColumnMapping("erp", "invoices", {"number": "DocNo", "due_on": "Due"})
    columns, errors = resolve_columns("invoices", ["Reference", "customer_id", "date", "total"], mapping)
    assert columns is None
    assert [(e.field, e.message) for e in errors] == [
        (
            "DocNo",
            "the mapping 'erp' reads the invoice number from the column 'DocNo', which is not in the file "
            "(columns found: 'Reference', 'customer_id', 'date', 'total')",
        )
    ]


def test_a_mapping_for_another_kind_is_refused() -> None:
    with pytest.raises(ValueError, match="is for payments, not invoices"):
        resolve_columns("invoices", ["a"], ColumnMapping("p", "payments", {"amount": "a"}))


def test_presets_resolve_against_their_own_headers() -> None:
    for preset in PRESETS.values():
        columns, errors = resolve_columns(preset.kind, list(preset.columns.values()), preset)
        assert errors == [], preset.name
        assert columns is not None
        assert dict(columns.headers) == dict(preset.columns)


def test_us_preset_reads_month_first_dates() -> None:
    assert PRESETS["us-invoices"].options == MappingOptions(dayfirst=False)
    assert PRESETS["generic-invoices"].options.dayfirst is True


def test_check_columns() -> None:
    assert check_columns("invoices", {"total": "Montant", "number": "N°"}) == []
    assert check_columns("invoices", {"totl": "Montant", "number": " ", "due_on": "montant"}) == [
        "'totl' is not a field of invoices (fields: amount_excl_tax, currency, customer_name, customer_ref, due_on, "
        "instalments, issued_on, number, tax_amount, total)",
        "the header for number is empty",
    ]
    assert check_columns("invoices", {"total": "Montant", "due_on": "MONTANT"}) == [
        "the column 'MONTANT' is given for both total and due_on"
    ]


def test_parse_options() -> None:
    assert parse_options({"dayfirst": False}) == MappingOptions(dayfirst=False)
    assert parse_options(None) == MappingOptions()
    with pytest.raises(ValueError, match="unknown mapping option"):
        parse_options({"day_first": False})
    with pytest.raises(ValueError, match="must be true or false"):
        parse_options({"dayfirst": "no"})


def test_client_is_decided_by_its_values_when_no_other_column_tells() -> None:
    header = ["Client", "Pièce", "Date pièce", "Montant"]
    codes, _ = resolve_columns("invoices", header, sample=[["411DUPONT", "F1", "01/01/2025", "1"], ["C-0042"] * 4])
    names, _ = resolve_columns("invoices", header, sample=[["Dupont Bâtiment SARL", "F1", "01/01/2025", "1"]])
    unknown, errors = resolve_columns("invoices", header, sample=[])
    assert codes is not None and codes.indexes["customer_ref"] == 0 and "customer_name" not in codes.indexes
    # A column of names leaves the customer account missing: the file is refused, saying so.
    assert names is None or "customer_ref" not in names.indexes
    assert unknown is not None and unknown.indexes["customer_ref"] == 0
    assert unknown.decided == ("the column 'Client' was read as the customer account (it has no value to tell)",)


def test_debit_is_the_amount_only_when_no_usual_amount_column() -> None:
    alone, _ = resolve_columns("invoices", ["Tiers", "Pièce", "Date pièce", "Débit", "Crédit", "Solde"])
    beside, _ = resolve_columns("invoices", ["Tiers", "Pièce", "Date pièce", "Montant TTC", "Débit"])
    received, _ = resolve_columns("payments", ["Tiers", "Date règlement", "Crédit"])
    assert alone is not None and alone.headers["total"] == "Débit"
    assert set(alone.ignored) == {"Crédit", "Solde"}
    assert beside is not None and beside.headers["total"] == "Montant TTC" and "Débit" in beside.ignored
    assert received is not None and received.headers["amount"] == "Crédit"


@pytest.mark.parametrize(
    ("values", "codes"),
    [
        (["411DUPONT", "411MARTIN", "C0003"], True),
        (["Dupont SARL", "Martin & Fils", "Boulangerie du Rhône"], False),
        (["DUPONT", "MARTIN"], False),  # one word each, no digit: names as often as codes
        (["", "  "], None),
    ],
)
def test_looks_like_codes(values, codes) -> None:  # type: ignore[no-untyped-def]
    from recouvre.core.mappings import looks_like_codes

    assert looks_like_codes(values) is codes
