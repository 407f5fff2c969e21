from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

from hypothesis import given
from hypothesis import strategies as st

from recouvre.core.aging import age_items, bucket_for

AS_OF = date(2026, 6, 30)


def test_bucket_boundaries():
    def days(n: int) -> str:
        return bucket_for(AS_OF - timedelta(days=n), AS_OF)

    assert days(-10) == "not_due"
    assert days(0) == "not_due"  # due today: not late yet
    assert days(1) == "1_30"
    assert days(30) == "1_30"
    assert days(31) == "31_60"
    assert days(60) == "31_60"
    assert days(61) == "61_90"
    assert days(90) == "61_90"
    assert days(91) == "over_90"
    assert days(3000) == "over_90"


def test_aged_balance_by_customer_and_total():
    report = age_items(
        AS_OF,
        "EUR",
        [
            ("411B", "Bernard", AS_OF + timedelta(days=5), Decimal("100.00")),
            ("411A", "Arnaud", AS_OF - timedelta(days=45), Decimal("250.50")),
            ("411A", "Arnaud", AS_OF - timedelta(days=120), Decimal("49.50")),
        ],
    )
    assert [line.ref for line in report.lines] == ["411A", "411B"]
    assert report.lines[0].buckets["31_60"] == Decimal("250.50")
    assert report.lines[0].buckets["over_90"] == Decimal("49.50")
    assert report.lines[0].total == Decimal("300.00")
    assert report.buckets == {
        "not_due": Decimal("100.00"),
        "1_30": Decimal("0.00"),
        "31_60": Decimal("250.50"),
        "61_90": Decimal("0.00"),
        "over_90": Decimal("49.50"),
    }
    assert report.as_dict()["total"] == "400.00"


amounts = st.decimals(min_value=Decimal("0.01"), max_value=Decimal("99999.99"), places=2)
items = st.lists(st.tuples(st.sampled_from(["411A", "411B", "411C"]), st.integers(-60, 400), amounts), max_size=60)


@given(items)
def test_every_open_cent_lands_in_exactly_one_bucket(rows):
    report = age_items(AS_OF, "EUR", [(ref, ref, AS_OF - timedelta(days=d), a) for ref, d, a in rows])
    assert report.total == sum((a for _, _, a in rows), Decimal("0.00"))
    assert sum(report.buckets.values(), Decimal("0.00")) == report.total
