"""Legal caps on payment terms, with the worked due dates of LEGAL-FR §1.2 (invoice dated 2026-01-15)."""

from datetime import date

import pytest

from recouvre.core.paymentterms import (
    CapBasis,
    Mention,
    Sector,
    check_terms,
    end_of_month_due,
    legal_cap,
    missing_mentions,
    net_due,
)

ISSUED = date(2026, 1, 15)


def test_the_worked_due_dates_of_legal_fr():
    assert net_due(ISSUED, 60) == date(2026, 3, 16)
    assert end_of_month_due(ISSUED, 45, CapBasis.EOM_45_A) == date(2026, 3, 31)
    assert end_of_month_due(ISSUED, 45, CapBasis.EOM_45_B) == date(2026, 3, 17)
    assert legal_cap(ISSUED, sector=Sector.PERIODIC).latest_due_on == date(2026, 3, 1)
    assert legal_cap(ISSUED, sector=Sector.PERISHABLE_FOOD, delivered_on=date(2026, 1, 10)).latest_due_on == date(
        2026, 2, 9
    )


@pytest.mark.parametrize(
    ("basis", "cap"),
    [
        (CapBasis.NET_60, date(2026, 3, 16)),
        (CapBasis.EOM_45_A, date(2026, 3, 31)),
        (CapBasis.EOM_45_B, date(2026, 3, 17)),
        (CapBasis.ANY, date(2026, 3, 31)),  # the latest lawful reading
    ],
)
def test_the_general_cap_follows_the_method_the_contract_stipulates(basis, cap):
    assert legal_cap(ISSUED, basis=basis).latest_due_on == cap
    assert check_terms("F-1", ISSUED, cap, basis=basis) is None
    assert check_terms("F-1", ISSUED, date.fromordinal(cap.toordinal() + 1), basis=basis) is not None


def test_a_warning_names_the_invoice_its_terms_and_the_cap():
    warning = check_terms("F-2026-007", ISSUED, date(2026, 4, 15), basis=CapBasis.NET_60)
    assert warning is not None
    assert warning.days == 90
    assert warning.message == (
        "invoice F-2026-007 dated 2026-01-15 is due on 2026-04-15 (90 days): beyond the legal cap of 2026-03-16, "
        "60 days from the invoice date (C. com. L441-10 I)"
    )


def test_sector_caps():
    assert check_terms("T-1", ISSUED, date(2026, 2, 14), sector=Sector.TRANSPORT) is None
    transport = check_terms("T-1", ISSUED, date(2026, 2, 15), sector=Sector.TRANSPORT)
    assert transport is not None and transport.cap.latest_due_on == date(2026, 2, 14)
    # without a delivery date, the invoice date stands for it
    assert legal_cap(ISSUED, sector=Sector.PERISHABLE_FOOD).latest_due_on == date(2026, 2, 14)
    assert legal_cap(ISSUED, sector=Sector.LIVE_CATTLE).latest_due_on == date(2026, 2, 4)
    assert legal_cap(ISSUED, sector=Sector.ALCOHOL).latest_due_on == date(2026, 3, 2)
    assert legal_cap(ISSUED, sector=Sector.EXPORT).latest_due_on == date(2026, 4, 15)


def test_end_of_month_method_b_across_a_leap_february():
    assert end_of_month_due(date(2028, 1, 20), 45, CapBasis.EOM_45_B) == date(2028, 3, 16)
    assert end_of_month_due(date(2027, 12, 31), 45, CapBasis.EOM_45_A) == date(2028, 2, 29)


def test_complete_mentions_in_french_and_english():
    french = (
        "SAS au capital de 10 000 €. Pénalités de retard : taux BCE + 10 points. Indemnité forfaitaire pour frais "
        "de recouvrement : 40 €. Pas d'escompte pour paiement anticipé."
    )
    english = (
        "Late-payment penalty rate: 12.15 % per year. Fixed recovery indemnity of 40 EUR. No discount for early "
        "payment."
    )
    assert missing_mentions(french) == []
    assert missing_mentions(english) == []


def test_missing_mentions_are_each_named():
    assert missing_mentions("SAS au capital de 10 000 €, RCS Lyon 123 456 789") == [
        Mention.PENALTY_RATE,
        Mention.INDEMNITY,
        Mention.DISCOUNT,
    ]
    assert missing_mentions("Pénalités de retard au taux de 3 fois le taux légal. Escompte : néant.") == [
        Mention.INDEMNITY
    ]
