"""Retention decisions (LEGAL-FR §7.3), without a database."""

from __future__ import annotations

from datetime import date

from recouvre.core.retention import (
    Basis,
    DocumentFacts,
    MatterFacts,
    Refusal,
    RetentionPolicy,
    add_years,
    decide,
)

POLICY = RetentionPolicy()


def _facts(**kw: object) -> MatterFacts:
    base: dict[str, object] = {
        "consumer": False,
        "open_invoices": 0,
        "active_holds": 0,
        "open_proceedings": 0,
        "open_insolvencies": 0,
        "judgment": False,
        "last_activity": date(2023, 12, 5),
        "anonymised": False,
    }
    base.update(kw)
    return MatterFacts(**base)  # type: ignore[arg-type]


def test_archive_periods_by_kind_and_judgment() -> None:
    as_of = date(2026, 12, 7)
    consumer = decide(_facts(consumer=True), POLICY, as_of)
    assert (consumer.basis, consumer.archive_until, consumer.anonymise) == (Basis.CONSUMER, date(2025, 12, 5), True)
    business = decide(_facts(), POLICY, as_of)
    assert (business.refusals, business.archive_until) == ((Refusal.IN_ARCHIVE,), date(2028, 12, 5))
    judged = decide(_facts(consumer=True, judgment=True), POLICY, date(2033, 12, 4))
    assert (judged.basis, judged.archive_until, judged.anonymise) == (Basis.JUDGMENT, date(2033, 12, 5), False)


def test_an_open_claim_is_never_purged_however_old() -> None:
    reasons = {
        "open_invoices": Refusal.OPEN_INVOICE,
        "active_holds": Refusal.ACTIVE_HOLD,
        "open_proceedings": Refusal.OPEN_PROCEEDING,
        "open_insolvencies": Refusal.OPEN_INSOLVENCY,
    }
    for field, reason in reasons.items():
        decision = decide(_facts(consumer=True, **{field: 1}), POLICY, date(2090, 1, 1))
        assert (decision.has_work, decision.refusals) == (False, (reason,))


def test_invoice_copies_stay_for_the_accounting_retention() -> None:
    docs = (DocumentFacts(1, True, date(2023, 10, 1)), DocumentFacts(2, False, None), DocumentFacts(3, True, None))
    early = decide(_facts(consumer=True, documents=docs), POLICY, date(2026, 12, 7))
    assert (early.delete_documents, early.keep_documents) == ((2, 3), (1,))
    late = decide(_facts(consumer=True, anonymised=True, documents=docs[:1]), POLICY, date(2033, 10, 1))
    assert (late.anonymise, late.delete_documents) == (False, (1,))


def test_add_years_on_29_february() -> None:
    assert add_years(date(2024, 2, 29), 2) == date(2026, 2, 28)
    assert add_years(date(2024, 2, 29), 4) == date(2028, 2, 29)
