"""The demo data set, without a database: valid identifiers, exact amounts, believable behaviours, one seed."""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal

import pytest
from stdnum import bic as stdnum_bic
from stdnum.fr import rcs as stdnum_rcs

from recouvre.core.aging import BUCKET_KEYS, age_items
from recouvre.core.dates import PaymentTerms
from recouvre.core.identifiers import validate_iban, validate_siren, validate_siret, validate_vat
from recouvre.demo.generator import (
    DISPUTE_TAG,
    INSOLVENCY_TAG,
    Behaviour,
    DemoData,
    generate,
    is_business_day,
    make_french_iban,
    make_siren,
    vat_of_siren,
)

AS_OF = date(2026, 3, 16)


@pytest.fixture(scope="module")
def demo() -> DemoData:
    return generate(seed=2026, as_of=AS_OF, customers=300, invoices=6000)


def _rib_key_ok(iban: str) -> bool:
    bank, branch, account, key = iban[4:9], iban[9:14], iban[14:25], iban[25:27]
    return (89 * int(bank) + 15 * int(branch) + 3 * int(account) + int(key)) % 97 == 0


def _aged(data: DemoData):  # type: ignore[no-untyped-def]
    open_ = data.open_amounts()
    names = {c.ref: c.name for c in data.customers}
    return age_items(
        data.as_of,
        "EUR",
        [(i.customer_ref, names[i.customer_ref], i.due_on, open_[i.number]) for i in data.invoices if open_[i.number]],
    )


def test_sizes_are_what_was_asked(demo):
    assert len(demo.customers) == 300
    assert len(demo.invoices) == 6000
    assert len({c.ref for c in demo.customers}) == 300
    assert len({c.name for c in demo.customers}) == 300
    assert all(any(i.customer_ref == c.ref for i in demo.invoices) for c in demo.customers)


def test_same_seed_same_data_other_seed_other_data():
    a = generate(seed=11, as_of=AS_OF, customers=40, invoices=500)
    b = generate(seed=11, as_of=AS_OF, customers=40, invoices=500)
    c = generate(seed=12, as_of=AS_OF, customers=40, invoices=500)
    assert a == b
    assert a.customers != c.customers
    assert a.invoices != c.invoices


def test_identifier_helpers():
    assert vat_of_siren("732829320") == "FR44732829320"  # key (12 + 3 x (732829320 mod 97)) mod 97 = 44
    iban = make_french_iban(__import__("random").Random(1), "30004")
    assert validate_iban(iban) == iban
    assert _rib_key_ok(iban)
    siren = make_siren(__import__("random").Random(3))
    assert validate_siren(siren) == siren
    assert siren[0] in "3456789"


def test_the_organization_is_a_plausible_french_sas(demo):
    o = demo.organization
    assert o.legal_form == "SAS" and not o.name.endswith("SAS")  # letterheads print "name SAS"
    assert validate_siren(o.siren) == o.siren
    assert validate_siret(o.siret) == o.siret and o.siret.startswith(o.siren)
    assert validate_vat(o.vat_number) == o.vat_number == vat_of_siren(o.siren)
    assert validate_iban(o.iban) == o.iban and o.iban.startswith("FR76") and _rib_key_ok(o.iban)
    assert stdnum_bic.validate(o.bic) == o.bic and o.bic[4:6] == "FR"
    assert stdnum_rcs.to_siren(o.rcs) == o.siren
    assert re.fullmatch(r"\d{5}", o.postal_code)
    for fact in (o.rcs, o.vat_number, "au capital de", f"{o.postal_code} {o.city}", o.bic):
        assert fact in o.legal_mentions


def test_customers_have_valid_identifiers_addresses_and_contacts(demo):
    businesses = [c for c in demo.customers if c.kind == "business"]
    public = [c for c in demo.customers if c.kind == "public"]
    consumers = [c for c in demo.customers if c.kind == "consumer"]
    assert len(businesses) > 250 and 3 <= len(public) <= 15 and 3 <= len(consumers) <= 15
    sirens = [c.siren for c in demo.customers if c.siren]
    assert len(sirens) == len(set(sirens)) == len(businesses) + len(public)
    for c in businesses + public:
        assert validate_siren(c.siren) == c.siren
        assert validate_siret(c.siret) == c.siret and c.siret.startswith(c.siren)
    for c in businesses:
        assert validate_vat(c.vat_number) == c.vat_number == "FR" + c.vat_number[2:4] + c.siren
        assert c.legal_form in {"SAS", "SARL", "SASU", "EURL", "SA", "SNC", "SCOP"} and c.name.endswith(c.legal_form)
        assert c.credit_limit is not None and c.credit_limit > 0
    for c in consumers:
        assert c.siren == c.siret == c.vat_number == "" and c.name.startswith(("M. ", "Mme "))
    sems = [c for c in public if c.legal_form == "SAEML"]
    assert len(sems) == 1 and validate_vat(sems[0].vat_number) == sems[0].vat_number
    for c in demo.customers:
        assert re.fullmatch(r"\d{5}", c.postal_code), c
        assert re.fullmatch(r"\d+, .+|Hôtel de ville, place de la Mairie", c.address_line1), c
        assert re.fullmatch(r"0[1-6]( \d\d){4}", c.contact.phone), c.contact
        assert re.fullmatch(r"[a-z0-9.]+@[a-z0-9.]+\.example", c.contact.email), c.contact
        assert c.contact.name
        assert c.ref.startswith("411")
        if c.payer_iban:
            assert validate_iban(c.payer_iban) == c.payer_iban and _rib_key_ok(c.payer_iban)


@pytest.mark.parametrize(("seed", "customers", "invoices"), [(2026, 300, 6000), (7, 30, 300), (3, 10, 100)])
def test_each_kind_of_debtor_has_a_legal_identity(seed, customers, invoices):
    data = generate(seed=seed, as_of=AS_OF, customers=customers, invoices=invoices)
    for c in data.customers:
        lines = (c.domicile if c.kind == "consumer" else c.registered_office).splitlines()
        assert len(lines) == 2 and re.fullmatch(r"\d{5} \S.*", lines[1]), c
        if c.kind == "consumer":
            assert c.domicile == c.billing_address and c.registered_office == c.representative == c.legal_form == ""
        else:
            assert c.domicile == "" and c.legal_form
            assert re.fullmatch(r"(M\.|Mme) [^,]+, [a-zé -]+", c.representative), c.representative
    businesses = [c for c in data.customers if c.kind == "business"]
    elsewhere = [c for c in businesses if c.registered_office != c.billing_address]
    assert elsewhere and len(elsewhere) < len(businesses)  # some, not all
    public = [c for c in data.customers if c.kind == "public"]
    (hospital, *_more) = [c for c in public if c.legal_form == "Établissement public de santé"]
    (sem,) = [c for c in public if c.legal_form == "SAEML"]
    (town, *_more) = [c for c in public if c.legal_form == "Commune"]
    assert (hospital.public_person, hospital.administrative_contract) == (None, None)  # follow the kind: yes
    assert (town.public_person, town.administrative_contract) == (None, None)
    assert (sem.public_person, sem.administrative_contract) == (False, False)
    assert sem.name.startswith("SEM ") and sem.representative.endswith(("directeur général", "directrice générale"))
    assert town.name.startswith("Commune d") and town.representative.endswith(", maire")
    assert all(" de Le " not in c.name for c in public)


@pytest.mark.parametrize(("seed", "customers", "invoices"), [(2026, 300, 6000), (7, 30, 300), (3, 10, 100)])
def test_a_consumer_the_hospital_and_the_sem_owe_overdue_invoices(seed, customers, invoices):
    data = generate(seed=seed, as_of=AS_OF, customers=customers, invoices=invoices)
    open_ = data.open_amounts()
    overdue = {i.customer_ref for i in data.invoices if open_[i.number] > 0 and i.due_on < AS_OF - timedelta(days=20)}
    stopped = [c for c in data.customers if c.unpaid_from is not None and c.insolvency is None]
    assert sorted(c.kind for c in stopped) == ["consumer", "public", "public"]
    assert {c.legal_form for c in stopped} == {"", "SAEML", "Établissement public de santé"}
    for c in stopped:
        assert c.ref in overdue
        assert not [a for a in data.allocations if a.payment_key and a.invoice_number in _due_from(data, c)]


def _due_from(data: DemoData, customer) -> set[str]:  # type: ignore[no-untyped-def]
    return {i.number for i in data.invoices if i.customer_ref == customer.ref and i.due_on >= customer.unpaid_from}


def test_segments_and_payment_terms(demo):
    segments = Counter(c.segment for c in demo.customers if c.kind == "business")
    assert 20 <= segments["strategic"] <= 40
    assert segments["standard"] > segments["small"] > segments["strategic"]
    for c in demo.customers:
        if c.kind == "public":
            expected = (50, False) if c.name.startswith("Centre hospitalier") else (30, False)
            assert (c.payment_terms_days, c.payment_terms_end_of_month) == expected
    terms = Counter(
        (c.payment_terms_days, c.payment_terms_end_of_month) for c in demo.customers if c.kind == "business"
    )
    assert set(terms) == {(30, False), (45, True), (60, False), (30, True)}
    # Strategic customers buy more and bigger.
    per_segment: dict[str, list[Decimal]] = defaultdict(list)
    seg = {c.ref: c.segment for c in demo.customers if c.kind == "business"}
    for i in demo.invoices:
        if i.customer_ref in seg:
            per_segment[seg[i.customer_ref]].append(i.total)
    assert sum(per_segment["strategic"]) > sum(per_segment["small"])
    assert len(per_segment["strategic"]) / segments["strategic"] > len(per_segment["small"]) / segments["small"]


def test_invoices_are_exact_to_the_cent(demo):
    rates = Counter()
    for i in demo.invoices:
        assert i.amount_excl_tax + i.tax_amount == i.total
        assert i.tax_amount == (i.amount_excl_tax * i.vat_rate / 100).quantize(Decimal("0.01"), ROUND_HALF_UP)
        assert i.total > 0 and i.total.as_tuple().exponent == -2
        rates[i.vat_rate] += 1
    assert rates[Decimal("20")] > 4500
    assert rates[Decimal("10")] > 100 and rates[Decimal("5.5")] > 50


def test_invoices_numbered_per_year_in_date_order_over_24_months(demo):
    terms = {c.ref: PaymentTerms(c.payment_terms_days, c.payment_terms_end_of_month) for c in demo.customers}
    earliest = AS_OF - timedelta(days=730)
    last: dict[int, tuple[int, date]] = {}
    for i in demo.invoices:
        m = re.fullmatch(r"FA(\d{4})-(\d{6})", i.number)
        assert m, i.number
        year, seq = int(m[1]), int(m[2])
        assert year == i.issued_on.year
        assert earliest < i.issued_on <= AS_OF
        assert is_business_day(i.issued_on)
        assert i.due_on == terms[i.customer_ref].due_on(i.issued_on)
        prev_seq, prev_date = last.get(year, (0, date.min))
        assert seq == prev_seq + 1 and i.issued_on >= prev_date
        last[year] = (seq, i.issued_on)
    assert min(i.issued_on for i in demo.invoices) < AS_OF - timedelta(days=700)
    assert len({i.number for i in demo.invoices}) == len(demo.invoices)


def test_no_payment_before_its_invoice_nor_after_as_of(demo):
    invoices = {i.number: i for i in demo.invoices}
    payments = {p.key: p for p in demo.payments}
    notes = {n.number: n for n in demo.credit_notes}
    for a in demo.allocations:
        inv = invoices[a.invoice_number]
        assert inv.issued_on <= a.allocated_on <= AS_OF
        source = payments[a.payment_key] if a.payment_key else notes[a.credit_note_number]
        assert a.allocated_on == (source.received_on if a.payment_key else source.issued_on)
        assert a.amount > 0
    for p in demo.payments:
        assert p.received_on <= AS_OF and is_business_day(p.received_on)
        assert p.key.startswith("DEMO-PAY-")
    assert len({p.key for p in demo.payments}) == len(demo.payments)


def test_nothing_is_over_allocated(demo):
    open_ = demo.open_amounts()
    assert all(v >= 0 for v in open_.values())
    by_payment: dict[str, Decimal] = defaultdict(Decimal)
    for a in demo.allocations:
        if a.payment_key:
            by_payment[a.payment_key] += a.amount
    for p in demo.payments:
        assert by_payment[p.key] <= p.amount


def test_behaviours(demo):
    custs = {c.ref: c for c in demo.customers}
    behaviours = Counter(c.behaviour for c in demo.customers)
    assert behaviours[Behaviour.INSOLVENT] == 1
    assert (
        behaviours[Behaviour.PARTIAL] >= 20 and behaviours[Behaviour.LATE] >= 60 and behaviours[Behaviour.PROMPT] >= 150
    )
    invoices = {i.number: i for i in demo.invoices}
    received = {p.key: p.received_on for p in demo.payments}
    open_ = demo.open_amounts()
    delays: dict[Behaviour, list[int]] = defaultdict(list)
    for a in demo.allocations:
        if a.payment_key:
            inv = invoices[a.invoice_number]
            delays[custs[inv.customer_ref].behaviour].append((received[a.payment_key] - inv.due_on).days)
    assert max(delays[Behaviour.PROMPT]) <= 0  # on or before the due date
    assert min(delays[Behaviour.LATE]) >= 15  # chronic late payers, 15 to 90 days (plus payment-run days)
    assert sum(delays[Behaviour.LATE]) / len(delays[Behaviour.LATE]) > 40
    # Partial payers leave parts of old invoices open.
    partly_paid = [
        n
        for n, inv in invoices.items()
        if custs[inv.customer_ref].behaviour is Behaviour.PARTIAL and 0 < open_[n] < inv.total
    ]
    assert len(partly_paid) > 50


def test_one_customer_in_insolvency_pays_nothing_from_the_opening(demo):
    (insolvent,) = [c for c in demo.customers if c.insolvency is not None]
    assert insolvent.behaviour is Behaviour.INSOLVENT and INSOLVENCY_TAG in insolvent.tags
    p = insolvent.insolvency
    # Opened six to eight weeks ago, before the month of collections: its claim is still to be declared.
    assert AS_OF - timedelta(days=60) < p.opened_on <= AS_OF - timedelta(days=40)
    assert is_business_day(p.opened_on) and is_business_day(p.published_on)
    assert p.opened_on + timedelta(days=8) <= p.published_on <= p.opened_on + timedelta(days=20)
    assert p.kind == "receivership"
    # The commercial court of its registered office, and the creditors' representative in the same city.
    seat_city = insolvent.registered_office.splitlines()[-1].split(" ", 1)[1]
    assert p.court == f"Tribunal de commerce de {seat_city}" and p.officer_address.endswith(seat_city)
    assert re.fullmatch(r"Me [^,]+", p.officer_name)
    paid = [pay for pay in demo.payments if pay.customer_ref == insolvent.ref]
    assert paid and max(pay.received_on for pay in paid) < p.opened_on
    open_ = demo.open_amounts()
    theirs = [i for i in demo.invoices if i.customer_ref == insolvent.ref]
    assert all(i.issued_on < p.opened_on for i in theirs)
    # It stopped paying three to four months before the judgment: its claim has amounts due at the judgment.
    assert p.opened_on - timedelta(days=120) <= insolvent.unpaid_from <= p.opened_on - timedelta(days=90)
    assert any(open_[i.number] == i.total and i.due_on < p.opened_on for i in theirs)
    assert not [a for a in demo.allocations if a.payment_key and a.invoice_number in _due_from(demo, insolvent)]


def test_disputed_invoices_are_unpaid_tagged_and_explained(demo):
    assert 4 <= len(demo.disputes) <= 12
    custs = {c.ref: c for c in demo.customers}
    allocated = {a.invoice_number for a in demo.allocations}
    invoices = {i.number: i for i in demo.invoices}
    for d in demo.disputes:
        assert d.invoice_number not in allocated
        assert DISPUTE_TAG in custs[d.customer_ref].tags
        assert len(d.reason) > 20
        assert invoices[d.invoice_number].issued_on <= d.opened_on <= AS_OF
        assert d.amount == invoices[d.invoice_number].total
        assert d.reason_code in {"price", "quantity", "quality", "other"}
    tagged = {c.ref for c in demo.customers if DISPUTE_TAG in c.tags}
    assert tagged == {d.customer_ref for d in demo.disputes}


def test_grouped_transfers_cheques_payments_on_account_and_credit_notes(demo):
    per_payment = Counter(a.payment_key for a in demo.allocations if a.payment_key)
    grouped = [k for k, n in per_payment.items() if n >= 2]
    assert len(grouped) > 100
    methods = {p.key: p.method for p in demo.payments}
    assert all(methods[k] in {"transfer", "cheque"} for k in grouped)
    cheques = [p for p in demo.payments if p.method == "cheque"]
    assert len(cheques) > 50 and all(re.fullmatch(r"CHQ \d{7}", p.reference) and not p.payer_iban for p in cheques)
    on_account = demo.unallocated_payments()
    assert len(on_account) == 2 and all(p.key not in per_payment for p in on_account)
    assert len(demo.credit_notes) == 3
    applied = {a.credit_note_number: a.amount for a in demo.allocations if a.credit_note_number}
    assert len(applied) == 2
    invoices = {i.number: i for i in demo.invoices}
    for n in demo.credit_notes:
        assert re.fullmatch(r"AV\d{4}-\d{6}", n.number)
        assert n.issued_on >= invoices[n.invoice_number].issued_on
        assert 0 < n.total < invoices[n.invoice_number].total
        if n.number in applied:
            assert applied[n.number] == n.total


@pytest.mark.parametrize(
    ("seed", "customers", "invoices"), [(2026, 300, 6000), (1, 30, 300), (2, 30, 300), (3, 40, 500)]
)
def test_the_aged_balance_has_amounts_in_every_bucket(seed, customers, invoices):
    data = generate(seed=seed, as_of=AS_OF, customers=customers, invoices=invoices)
    buckets = _aged(data).buckets
    assert set(buckets) == set(BUCKET_KEYS)
    assert all(v > 0 for v in buckets.values()), buckets


def test_small_and_tiny_sets():
    data = generate(seed=5, as_of=AS_OF, customers=30, invoices=300)
    assert len(data.customers) == 30 and len(data.invoices) == 300
    assert {c.behaviour for c in data.customers} == set(Behaviour)
    assert data.disputes
    tiny = generate(seed=5, as_of=AS_OF, customers=2, invoices=3)
    assert len(tiny.customers) == 2 and len(tiny.invoices) == 3
    with pytest.raises(ValueError):
        generate(seed=5, as_of=AS_OF, customers=0, invoices=3)
