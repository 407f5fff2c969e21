"""The organization's identity as letters, statements and e-mails print it: the fields, in the order shown (pure, so
that the command line can name its options without loading the models)."""

IDENTITY_FIELDS = (
    "name",
    "legal_form",
    "siren",
    "siret",
    "vat_number",
    "address_line1",
    "address_line2",
    "postal_code",
    "city",
    "country",
    "legal_mentions",
)
