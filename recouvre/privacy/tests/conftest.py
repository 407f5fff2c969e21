"""A creditor with its letterhead (name, address) and helpers for the privacy tests."""

from __future__ import annotations

import io

import pytest


@pytest.fixture
def creditor(org):  # type: ignore[no-untyped-def]
    org.name, org.legal_form = "Atelier Lumière", "SAS"
    org.address_line1, org.postal_code, org.city = "8 rue de la Paix", "75002", "Paris"
    org.siren, org.iban = "552100554", "FR7630006000011234567890189"
    org.save()
    return org


def pdf_text(pdf: bytes) -> str:
    from pypdf import PdfReader

    text = "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages)
    return " ".join(text.split())  # words as read, whatever the line breaks
