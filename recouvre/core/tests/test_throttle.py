"""Login throttling decisions: failures add up within the period, lock at the limit, start again after."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from recouvre.core.throttle import Count, address_key, after_failure, forwarded_client, locked_until, user_key

T0 = datetime(2026, 3, 31, 8, 0, tzinfo=UTC)
PERIOD = timedelta(minutes=15)


def _fail(count: Count, minutes: float, limit: int = 3) -> Count:
    return after_failure(count, T0 + timedelta(minutes=minutes), limit=limit, period=PERIOD)


def test_failures_lock_at_the_limit_for_the_period():
    count = _fail(_fail(Count(), 0), 5)
    assert (count.failures, count.locked_until) == (2, None)
    count = _fail(count, 10)
    assert (count.failures, count.locked_until) == (3, T0 + timedelta(minutes=25))
    assert locked_until(count, T0 + timedelta(minutes=24, seconds=59)) == T0 + timedelta(minutes=25)
    assert locked_until(count, T0 + timedelta(minutes=25)) is None


def test_a_failure_after_the_period_starts_the_count_again():
    count = _fail(_fail(Count(), 0), 5)
    count = _fail(count, 20.5)  # more than 15 minutes after the last one
    assert (count.failures, count.locked_until) == (1, None)


def test_once_the_lock_has_passed_the_count_starts_again():
    count = _fail(_fail(_fail(Count(), 0), 1), 2)
    assert count.locked_until == T0 + timedelta(minutes=17)
    count = _fail(count, 18)
    assert (count.failures, count.locked_until) == (1, None)


def test_keys():
    assert user_key("  Claire ") == "claire" == user_key("CLAIRE")
    assert user_key("Straße") == user_key("STRASSE")
    assert address_key("192.0.2.1") == "192.0.2.1"
    assert address_key("::ffff:192.0.2.1") == "192.0.2.1"
    assert address_key("2001:db8:1:2:3:4:5:6") == "2001:db8:1:2::/64" == address_key("2001:db8:1:2::9")
    assert address_key("not an address") == "not an address"


def test_the_forwarded_address_is_trusted_behind_the_proxy_only():
    assert forwarded_client("10.0.0.5", "203.0.113.1, 198.51.100.9", behind_proxy=True) == "198.51.100.9"
    assert forwarded_client("10.0.0.5", "203.0.113.1, 198.51.100.9", behind_proxy=False) == "10.0.0.5"
    assert forwarded_client("10.0.0.5", "", behind_proxy=True) == "10.0.0.5"
    assert forwarded_client("10.0.0.5", "garbage", behind_proxy=True) == "10.0.0.5"
