"""Which column of a file holds which field: field specs per import kind, header recognition in English and
French, built-in presets, and the resolution of a mapping against a file's header row.

A *mapping* names, for some fields, the header of the column that holds them (``{"total": "Montant TTC"}``).
Fields a mapping does not name are recognised from their usual headers (``invoice_number``, ``N° facture``,
``échéance``...). Headers are compared after normalisation: case, accents, punctuation, ``n°``/``no``/``#``,
small words (*de*, *du*, *of*...) and spacing do not matter.
"""

from __future__ import annotations

import functools
import re
import unicodedata
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from .i18n import _, gettext_noop, ngettext
from .importing import RowError, control_character, control_message

KINDS = ("customers", "invoices", "payments")


@dataclass(frozen=True, slots=True)
class FieldSpec:
    """One field an import can read. ``label`` is English, marked for the catalogue and translated in messages;
    ``synonyms`` are headers recognised without a mapping (as written; they are normalised when compared)."""

    name: str
    label: str
    required: bool = False
    synonyms: tuple[str, ...] = ()
    max_length: int | None = None


_CUSTOMER_REF = (
    "customer_id",
    "customer_ref",
    "customer reference",
    "customer code",
    "customer number",
    "customer no",
    "customer account",
    "account",
    "account number",
    "account ref",
    "client id",
    "client code",
    "code client",
    "n° client",
    "numéro client",
    "ref client",
    "référence client",
    "compte client",
    "compte",
    "compte tiers",
    "compte auxiliaire",
    "n° compte",
    "numéro de compte",
    "code tiers",
    "tiers",
    "identifiant client",
    "id client",
)
_CUSTOMER_NAME = (
    "customer name",
    "client name",
    "company name",
    "nom client",
    "nom du client",
    "raison sociale",
    "intitulé",
    "intitulé compte",
    "dénomination",
)
_CURRENCY = ("currency", "currency code", "ccy", "devise", "monnaie", "code devise")
_INVOICE_NUMBER = (
    "invoice_number",
    "invoice number",
    "invoice no",
    "invoice #",
    "invoice id",
    "invoice",
    "invoice ref",
    "invoice reference",
    "n° facture",
    "numéro facture",
    "numéro de facture",
    "facture",
    "référence facture",
    "réf facture",
)

FIELDS: dict[str, tuple[FieldSpec, ...]] = {
    "customers": (
        FieldSpec(
            "ref", gettext_noop("customer account"), True, _CUSTOMER_REF + ("ref", "reference", "référence", "code"), 40
        ),
        FieldSpec(
            "name",
            gettext_noop("name"),
            True,
            _CUSTOMER_NAME + ("name", "nom", "company", "legal name", "société", "entreprise", "customer", "client"),
            200,
        ),
        FieldSpec(
            "kind",
            gettext_noop("kind"),
            False,
            ("kind", "type", "customer type", "type client", "type de client", "nature"),
        ),
        FieldSpec(
            "segment", gettext_noop("segment"), False, ("segment", "customer segment", "segment client", "catégorie")
        ),
        FieldSpec("siren", gettext_noop("SIREN"), False, ("siren", "siren number", "n° siren", "numéro siren")),
        FieldSpec("siret", gettext_noop("SIRET"), False, ("siret", "siret number", "n° siret", "numéro siret")),
        FieldSpec(
            "vat_number",
            gettext_noop("VAT number"),
            False,
            (
                "vat",
                "vat number",
                "vat id",
                "vat no",
                "tva intracom",
                "tva intracommunautaire",
                "n° tva",
                "numéro tva",
                "n° tva intracommunautaire",
                "numéro de tva intracommunautaire",
            ),
        ),
        FieldSpec(
            "address_line1",
            gettext_noop("address"),
            False,
            ("address", "address line 1", "address1", "street", "adresse", "adresse 1", "adresse ligne 1", "rue"),
            200,
        ),
        FieldSpec(
            "address_line2",
            gettext_noop("address (continued)"),
            False,
            ("address line 2", "address2", "adresse 2", "adresse ligne 2", "complément d'adresse", "complément"),
            200,
        ),
        FieldSpec(
            "postal_code",
            gettext_noop("postal code"),
            False,
            ("postal code", "postcode", "zip", "zip code", "code postal", "cp"),
            20,
        ),
        FieldSpec("city", gettext_noop("city"), False, ("city", "town", "ville", "commune", "localité"), 100),
        FieldSpec("country", gettext_noop("country"), False, ("country", "country code", "pays", "code pays")),
        FieldSpec("language", gettext_noop("language"), False, ("language", "lang", "langue")),
        FieldSpec(
            "payment_terms",
            gettext_noop("payment terms"),
            False,
            (
                "payment terms",
                "payment term",
                "terms",
                "conditions de paiement",
                "conditions de règlement",
                "condition de paiement",
                "condition de règlement",
                "délai de paiement",
                "délai de règlement",
            ),
        ),
        FieldSpec(
            "credit_limit",
            gettext_noop("credit limit"),
            False,
            ("credit limit", "credit_limit", "encours autorisé", "encours maximum", "plafond", "limite de crédit"),
        ),
        FieldSpec(
            "contact_name",
            gettext_noop("contact name"),
            False,
            ("contact", "contact name", "nom du contact", "interlocuteur"),
            200,
        ),
        FieldSpec(
            "email",
            gettext_noop("e-mail"),
            False,
            ("email", "e-mail", "mail", "email address", "courriel", "adresse e-mail", "adresse email", "mél"),
            254,
        ),
        FieldSpec(
            "phone",
            gettext_noop("phone"),
            False,
            ("phone", "phone number", "telephone", "tel", "téléphone", "tél", "mobile"),
            40,
        ),
    ),
    "invoices": (
        FieldSpec(
            "number",
            gettext_noop("invoice number"),
            True,
            _INVOICE_NUMBER + ("number", "document number", "n° pièce", "numéro de pièce", "pièce"),
            60,
        ),
        FieldSpec("customer_ref", gettext_noop("customer account"), True, _CUSTOMER_REF, 40),
        FieldSpec("customer_name", gettext_noop("customer name"), False, _CUSTOMER_NAME + ("name", "nom"), 200),
        FieldSpec(
            "issued_on",
            gettext_noop("issue date"),
            True,
            (
                "issue_date",
                "issue date",
                "issued on",
                "invoice date",
                "document date",
                "date",
                "date facture",
                "date de facture",
                "date d'émission",
                "date de facturation",
                "date pièce",
            ),
        ),
        FieldSpec(
            "due_on",
            gettext_noop("due date"),
            False,
            ("due_date", "due date", "due on", "due", "payment due date", "échéance", "date d'échéance", "date limite"),
        ),
        FieldSpec(
            "total",
            gettext_noop("amount incl. tax"),
            True,
            (
                "amount_incl_tax",
                "amount incl tax",
                "amount including tax",
                "total",
                "total incl tax",
                "total amount",
                "gross amount",
                "amount",
                "invoice amount",
                "montant ttc",
                "total ttc",
                "ttc",
                "montant",
                "montant facture",
                "net à payer",
            ),
        ),
        FieldSpec(
            "amount_excl_tax",
            gettext_noop("amount excl. tax"),
            False,
            (
                "amount_excl_tax",
                "amount excl tax",
                "amount excluding tax",
                "net amount",
                "subtotal",
                "montant ht",
                "total ht",
                "ht",
            ),
        ),
        FieldSpec(
            "tax_amount",
            gettext_noop("tax"),
            False,
            ("tax_amount", "tax", "tax amount", "vat", "vat amount", "tva", "montant tva", "total tva"),
        ),
        FieldSpec("currency", gettext_noop("currency"), False, _CURRENCY),
        FieldSpec(
            "instalments",
            gettext_noop("instalments"),
            False,
            (
                "instalments",
                "installments",
                "instalment schedule",
                "payment schedule",
                "échéances",
                "échéancier",
                "échéancier de paiement",
            ),
        ),
    ),
    "payments": (
        FieldSpec(
            "payment_id",
            gettext_noop("payment id"),
            False,
            (
                "payment_id",
                "payment id",
                "transaction id",
                "id paiement",
                "identifiant paiement",
                "n° règlement",
                "numéro règlement",
                "id règlement",
                "n° paiement",
            ),
            160,
        ),
        FieldSpec("customer_ref", gettext_noop("customer account"), True, _CUSTOMER_REF, 40),
        FieldSpec("customer_name", gettext_noop("customer name"), False, _CUSTOMER_NAME + ("name", "nom"), 200),
        FieldSpec(
            "received_on",
            gettext_noop("payment date"),
            True,
            (
                "payment_date",
                "payment date",
                "received on",
                "date received",
                "value date",
                "date",
                "date règlement",
                "date de règlement",
                "date paiement",
                "date de paiement",
                "date valeur",
                "date d'encaissement",
            ),
        ),
        FieldSpec(
            "amount",
            gettext_noop("amount"),
            True,
            (
                "amount",
                "payment amount",
                "amount paid",
                "paid amount",
                "montant",
                "montant réglé",
                "montant payé",
                "montant règlement",
                "montant encaissé",
            ),
        ),
        FieldSpec("currency", gettext_noop("currency"), False, _CURRENCY),
        FieldSpec(
            "reference",
            gettext_noop("reference"),
            False,
            (
                "reference",
                "payment reference",
                "ref",
                "label",
                "description",
                "remittance information",
                "référence",
                "référence paiement",
                "référence règlement",
                "libellé",
                "communication",
                "motif",
            ),
            140,
        ),
        FieldSpec(
            "method",
            gettext_noop("payment method"),
            False,
            (
                "method",
                "payment method",
                "payment type",
                "mode",
                "mode de règlement",
                "mode de paiement",
                "moyen de paiement",
            ),
        ),
        FieldSpec(
            "payer_name",
            gettext_noop("payer name"),
            False,
            ("payer", "payer name", "payeur", "nom du payeur", "donneur d'ordre"),
            200,
        ),
        FieldSpec(
            "payer_iban", gettext_noop("payer IBAN"), False, ("iban", "payer iban", "iban payeur", "iban du payeur")
        ),
        FieldSpec("invoice_number", gettext_noop("invoice number"), False, _INVOICE_NUMBER + ("facture réglée",), 60),
    ),
}


def field_specs(kind: str) -> tuple[FieldSpec, ...]:
    try:
        return FIELDS[kind]
    except KeyError:
        raise ValueError(
            _("unknown import kind %(kind)r (expected one of %(kinds)s)") % {"kind": kind, "kinds": ", ".join(KINDS)}
        ) from None


def field_spec(kind: str, name: str) -> FieldSpec:
    for spec in field_specs(kind):
        if spec.name == name:
            return spec
    raise ValueError(_("unknown field %(name)r for %(kind)s") % {"name": name, "kind": kind})


# ------------------------------------------------------------------------------------------- normalisation

_CAMEL = re.compile(r"(?<=[a-z0-9])(?=[A-Z])")
_NUMBER_SIGNS = re.compile(r"[°º#]")
_PUNCT = re.compile(r"[^a-z0-9]+")
_SMALL_WORDS = frozenset({"de", "du", "des", "la", "le", "les", "d", "l", "a", "of", "the", "en", "in", "par"})
_NUMBER_WORDS = frozenset({"n", "no", "num", "nr", "nro", "numero"})


def strip_accents(text: str) -> str:
    return "".join(c for c in unicodedata.normalize("NFKD", text) if not unicodedata.combining(c))


def normalize_header(text: str) -> str:
    """``"N° de facture"`` -> ``"numero facture"``; ``"Montant T.T.C."`` -> ``"montant ttc"``;
    ``"invoiceNumber"`` and ``"invoice_number"`` -> ``"invoice number"``; ``"E-mail"`` -> ``"email"``."""
    s = _CAMEL.sub(" ", text.strip())
    s = _NUMBER_SIGNS.sub(" numero ", s)
    s = strip_accents(s).lower()
    s = s.replace(".", "").replace("e-mail", "email")
    words = [w for w in _PUNCT.split(s) if w and w not in _SMALL_WORDS]
    words = ["numero" if w in _NUMBER_WORDS else w for w in words]
    # "n° facture" reads "numero numero facture" once the sign and the n are both read as a number word
    out: list[str] = []
    for w in words:
        if not (out and out[-1] == w == "numero"):
            out.append(w)
    return " ".join(out)


def _loose(text: str) -> str:
    """Letters and digits only, lower case, no accents: how a header typed in a mapping meets the file's."""
    return "".join(c for c in strip_accents(text).lower() if c.isalnum())


def _index() -> dict[str, dict[str, str]]:
    index: dict[str, dict[str, str]] = {}
    for kind, specs in FIELDS.items():
        by_header: dict[str, str] = {}
        for spec in specs:
            for text in (spec.name, *spec.synonyms):
                key = normalize_header(text)
                other = by_header.setdefault(key, spec.name)
                if other != spec.name:
                    raise AssertionError(f"{kind}: header {text!r} recognised for both {other} and {spec.name}")
        index[kind] = by_header
    return index


SYNONYMS: dict[str, dict[str, str]] = _index()  # kind -> normalised header -> field name

# Headers read for a field only when no column of the file has one of its usual headers: an accounting package's
# "Débit" is the invoice's amount in an invoices file, its "Crédit" the amount received in a payments file.
FALLBACKS: dict[str, dict[str, str]] = {
    "invoices": {normalize_header("débit"): "total", normalize_header("debit"): "total"},
    "payments": {normalize_header("crédit"): "amount", normalize_header("credit"): "amount"},
}

# Headers that may mean either of two fields (French accounting exports write "Client" for the customer's code as
# well as for its name): decided by the other columns, else by the column's content (``looks_like_codes``).
AMBIGUOUS: dict[str, dict[str, tuple[str, str]]] = {
    kind: {normalize_header(h): ("customer_ref", "customer_name") for h in ("client", "customer")}
    for kind in ("invoices", "payments")
}

_CODE = re.compile(r"[A-Za-z0-9][A-Za-z0-9._/-]*")


def looks_like_codes(values: Sequence[str]) -> bool | None:
    """Whether a column's values are account codes (``411DUPONT``, ``C-0042``: one word, digits in most) rather
    than names (``Dupont Bâtiment SARL``); None when the column has no value to tell."""
    filled = [v.strip() for v in values if v and v.strip()]
    if not filled:
        return None
    one_word = sum(1 for v in filled if _CODE.fullmatch(v))
    with_digit = sum(1 for v in filled if any(c.isdigit() for c in v))
    return one_word >= 0.9 * len(filled) and with_digit >= 0.5 * len(filled)


# ------------------------------------------------------------------------------------------- mappings


@dataclass(frozen=True, slots=True)
class MappingOptions:
    """``dayfirst``: slash dates are DD/MM/YYYY (False: MM/DD/YYYY). ``reference_is_unique``: in a payments
    file, the reference identifies the payment (a bank transaction id), so it is the payment's natural key."""

    dayfirst: bool = True
    reference_is_unique: bool = False

    def as_dict(self) -> dict[str, Any]:
        return {"dayfirst": self.dayfirst, "reference_is_unique": self.reference_is_unique}


def parse_options(options: Mapping[str, Any] | None) -> MappingOptions:
    """Options as stored with a saved mapping; unknown names and non-boolean values are refused."""
    options = dict(options or {})
    known = set(MappingOptions.__dataclass_fields__)
    unknown = sorted(set(options) - known)
    if unknown:
        raise ValueError(
            ngettext(
                "unknown mapping option: %(names)s (known: %(known)s)",
                "unknown mapping options: %(names)s (known: %(known)s)",
                len(unknown),
            )
            % {"names": ", ".join(unknown), "known": ", ".join(sorted(known))}
        )
    for key, value in options.items():
        if not isinstance(value, bool):
            raise ValueError(
                _("mapping option %(name)s must be true or false, not %(value)r") % {"name": key, "value": value}
            )
    return MappingOptions(**options)


@dataclass(frozen=True, slots=True)
class ColumnMapping:
    name: str
    kind: str
    columns: Mapping[str, str]  # field name -> header in the file
    options: MappingOptions = field(default_factory=MappingOptions)
    builtin: bool = False
    description: str = ""

    def as_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "kind": self.kind,
            "columns": dict(self.columns),
            "options": self.options.as_dict(),
            "builtin": self.builtin,
            "description": self.description,
        }


def check_columns(kind: str, columns: Mapping[str, str]) -> list[str]:
    """Problems with a mapping's ``{field: header}``: unknown fields, empty headers, a header used twice."""
    problems: list[str] = []
    names = {s.name for s in field_specs(kind)}
    seen: dict[str, str] = {}
    for fname, header in columns.items():
        if fname not in names:
            problems.append(
                _("%(field)r is not a field of %(kind)s (fields: %(fields)s)")
                % {"field": fname, "kind": kind, "fields": ", ".join(sorted(names))}
            )
            continue
        if not isinstance(header, str) or not normalize_header(header):
            problems.append(_("the header for %(field)s is empty") % {"field": fname})
            continue
        key = normalize_header(header)
        if key in seen:
            problems.append(
                _("the column %(column)r is given for both %(first)s and %(second)s")
                % {"column": header, "first": seen[key], "second": fname}
            )
        seen[key] = fname
    return problems


def _preset(name: str, kind: str, description: str, columns: dict[str, str], **options: bool) -> ColumnMapping:
    problems = check_columns(kind, columns)
    if problems:  # pragma: no cover - guarded by tests
        raise AssertionError(f"preset {name}: {problems}")
    return ColumnMapping(name, kind, columns, MappingOptions(**options), builtin=True, description=description)


PRESETS: dict[str, ColumnMapping] = {
    m.name: m
    for m in (
        _preset(
            "generic-customers",
            "customers",
            "Recouvre template: English snake_case headers",
            {
                "ref": "customer_id",
                "name": "name",
                "kind": "kind",
                "segment": "segment",
                "siren": "siren",
                "siret": "siret",
                "vat_number": "vat_number",
                "address_line1": "address_line1",
                "address_line2": "address_line2",
                "postal_code": "postal_code",
                "city": "city",
                "country": "country",
                "language": "language",
                "payment_terms": "payment_terms",
                "credit_limit": "credit_limit",
                "contact_name": "contact_name",
                "email": "email",
                "phone": "phone",
            },
        ),
        _preset(
            "generic-invoices",
            "invoices",
            "Recouvre template: English snake_case headers",
            {
                "number": "invoice_number",
                "customer_ref": "customer_id",
                "customer_name": "customer_name",
                "issued_on": "issue_date",
                "due_on": "due_date",
                "amount_excl_tax": "amount_excl_tax",
                "tax_amount": "tax_amount",
                "total": "amount_incl_tax",
                "currency": "currency",
            },
        ),
        _preset(
            "generic-payments",
            "payments",
            "Recouvre template: English snake_case headers",
            {
                "payment_id": "payment_id",
                "customer_ref": "customer_id",
                "customer_name": "customer_name",
                "received_on": "payment_date",
                "amount": "amount",
                "currency": "currency",
                "reference": "reference",
                "method": "method",
                "payer_name": "payer_name",
                "payer_iban": "payer_iban",
                "invoice_number": "invoice_number",
            },
        ),
        _preset(
            "us-invoices",
            "invoices",
            "Recouvre template with US month-first dates (MM/DD/YYYY)",
            {
                "number": "invoice_number",
                "customer_ref": "customer_id",
                "customer_name": "customer_name",
                "issued_on": "issue_date",
                "due_on": "due_date",
                "total": "amount_incl_tax",
                "currency": "currency",
            },
            dayfirst=False,
        ),
        _preset(
            "fr-gestion-clients",
            "customers",
            "French invoicing software style customer list (Code client, Raison sociale...)",
            {
                "ref": "Code client",
                "name": "Raison sociale",
                "kind": "Type",
                "siret": "SIRET",
                "vat_number": "N° TVA intracommunautaire",
                "address_line1": "Adresse 1",
                "address_line2": "Adresse 2",
                "postal_code": "Code postal",
                "city": "Ville",
                "country": "Pays",
                "payment_terms": "Conditions de règlement",
                "credit_limit": "Encours autorisé",
                "contact_name": "Contact",
                "email": "E-mail",
                "phone": "Téléphone",
            },
        ),
        _preset(
            "fr-gestion-factures",
            "invoices",
            "French invoicing software style sales ledger (N° pièce, Code client, Total TTC...)",
            {
                "number": "N° pièce",
                "customer_ref": "Code client",
                "customer_name": "Raison sociale",
                "issued_on": "Date pièce",
                "due_on": "Date échéance",
                "amount_excl_tax": "Total HT",
                "tax_amount": "Total TVA",
                "total": "Total TTC",
                "currency": "Devise",
            },
        ),
        _preset(
            "fr-gestion-reglements",
            "payments",
            "French invoicing software style receipts journal (N° règlement, Date règlement, Mode de règlement...)",
            {
                "payment_id": "N° règlement",
                "customer_ref": "Code client",
                "customer_name": "Raison sociale",
                "received_on": "Date règlement",
                "amount": "Montant",
                "method": "Mode de règlement",
                "reference": "Libellé",
                "invoice_number": "N° pièce",
            },
        ),
        _preset(
            "fr-compta-echeancier",
            "invoices",
            "French bookkeeping style customer due-date list (Compte, Intitulé, Pièce, Échéance, Débit)",
            {
                "customer_ref": "Compte",
                "customer_name": "Intitulé",
                "number": "Pièce",
                "issued_on": "Date",
                "due_on": "Échéance",
                "total": "Débit",
            },
        ),
    )
}


# ------------------------------------------------------------------------------------------- resolution


@dataclass(frozen=True, slots=True)
class ResolvedColumns:
    """Where each field is in the file: ``indexes[field]`` is the 0-based column, ``headers[field]`` its header
    as written. ``ignored`` lists headers no field uses; ``decided`` says, for each column whose header could mean
    two fields, which one it was read as and why (shown with the import's result and preview)."""

    kind: str
    indexes: Mapping[str, int]
    headers: Mapping[str, str]
    ignored: tuple[str, ...] = ()
    decided: tuple[str, ...] = ()

    def has(self, field_name: str) -> bool:
        return field_name in self.indexes


def resolve_columns(
    kind: str,
    header: Sequence[str],
    mapping: ColumnMapping | None = None,
    *,
    header_line: int = 1,
    sample: Sequence[Sequence[str]] = (),
) -> tuple[ResolvedColumns | None, list[RowError]]:
    """Match ``header`` against ``mapping`` (if any), then recognise the remaining fields from their usual
    headers, then from the headers that are read only when nothing else gives the field (``FALLBACKS``), then the
    columns whose header could mean two fields (``AMBIGUOUS``) from the other columns or from their values in
    ``sample`` (the first data rows). Returns the columns, or ``None`` and errors naming each missing required
    column, each column recognised twice, and the headers found."""
    bad = [
        RowError(header_line, _("column %(number)s") % {"number": i + 1}, control_message(h.strip(), char))
        for i, h in enumerate(header)
        if (char := control_character(h.strip())) is not None
    ]
    if bad:
        return None, bad
    specs = field_specs(kind)
    normalized = [normalize_header(h) for h in header]
    found = ", ".join(repr(h.strip()) for h in header if h.strip()) or _("none")
    errors: list[RowError] = []
    indexes: dict[str, int] = {}
    used: set[int] = set()
    reported: set[str] = set()  # fields already named in an error
    loose = [_loose(h) for h in header]

    if mapping is not None:
        if mapping.kind != kind:
            raise ValueError(
                _("the mapping %(name)r is for %(other)s, not %(kind)s")
                % {"name": mapping.name, "other": mapping.kind, "kind": kind}
            )
        for fname, wanted in mapping.columns.items():
            spec = field_spec(kind, fname)
            key, loose_key = normalize_header(wanted), _loose(wanted)
            hits = [i for i, h in enumerate(normalized) if h == key or loose[i] == loose_key]
            if not hits:
                reported.add(fname)
                if spec.required:
                    errors.append(
                        RowError(
                            header_line,
                            wanted,
                            _(
                                "the mapping %(name)r reads the %(label)s from the column %(column)r, "
                                "which is not in the file (columns found: %(found)s)"
                            )
                            % {"name": mapping.name, "label": _(spec.label), "column": wanted, "found": found},
                        )
                    )
                continue
            if len(hits) > 1:
                reported.add(fname)
                errors.append(
                    RowError(
                        header_line,
                        wanted,
                        _("the column %(column)r appears %(count)s times") % {"column": wanted, "count": len(hits)},
                    )
                )
                continue
            indexes[fname] = hits[0]
            used.add(hits[0])

    candidates: dict[str, list[int]] = {}
    synonyms = SYNONYMS[kind]
    for i, key in enumerate(normalized):
        if i in used or not key:
            continue
        recognised = synonyms.get(key)
        if recognised is not None and recognised not in indexes:
            candidates.setdefault(recognised, []).append(i)
    for fname, cols in candidates.items():
        if len(cols) > 1:
            reported.add(fname)
            names = functools.reduce(
                lambda first, second: _("%(first)s and %(second)s") % {"first": first, "second": second},
                (repr(header[i].strip()) for i in cols),
            )
            errors.append(
                RowError(
                    header_line,
                    header[cols[0]].strip(),
                    _("the columns %(columns)s could both be the %(label)s; choose one with a mapping (--mapping)")
                    % {"columns": names, "label": _(field_spec(kind, fname).label)},
                )
            )
            continue
        indexes[fname] = cols[0]

    decided: list[str] = []
    taken = set(indexes.values()) | used
    for i, key in enumerate(normalized):
        if i in taken or not key:
            continue
        fallback = FALLBACKS.get(kind, {}).get(key)
        if fallback is not None and fallback not in indexes and fallback not in reported:
            indexes[fallback] = i
            taken.add(i)
            continue
        pair = AMBIGUOUS.get(kind, {}).get(key)
        if pair is None:
            continue
        code_field, name_field = pair
        column = header[i].strip()
        if code_field in indexes and name_field in indexes:
            continue
        if code_field in indexes or name_field in indexes:
            chosen = name_field if code_field in indexes else code_field
            why = _("the other column holds the %(label)s") % {
                "label": _(field_spec(kind, code_field if chosen == name_field else name_field).label)
            }
        else:
            codes = looks_like_codes([row[i] if i < len(row) else "" for row in sample])
            chosen = name_field if codes is False else code_field
            why = (
                _("its values look like names")
                if codes is False
                else (_("its values look like codes") if codes else _("it has no value to tell"))
            )
        indexes[chosen] = i
        taken.add(i)
        decided.append(
            _("the column %(column)r was read as the %(label)s (%(why)s)")
            % {"column": column, "label": _(field_spec(kind, chosen).label), "why": why}
        )

    for spec in specs:
        if spec.name in indexes or spec.name in reported:
            continue
        if spec.required and not (
            kind == "invoices" and spec.name == "total" and {"amount_excl_tax", "tax_amount"} <= indexes.keys()
        ):
            examples = ", ".join(repr(s) for s in spec.synonyms[:4])
            errors.append(
                RowError(
                    header_line,
                    spec.name,
                    _("no column for the %(label)s (a header such as %(examples)s); columns found: %(found)s")
                    % {"label": _(spec.label), "examples": examples, "found": found},
                )
            )
    if errors:
        return None, errors
    ignored = tuple(header[i].strip() for i in range(len(header)) if i not in indexes.values() and header[i].strip())
    headers = {f: header[i].strip() for f, i in indexes.items()}
    return ResolvedColumns(kind, indexes, headers, ignored, tuple(decided)), []
