from __future__ import annotations

import pytest

from recouvre.collections.models import Policy, Step


@pytest.fixture
def ladder(org):  # type: ignore[no-untyped-def]
    """A test policy for the standard segment: e-mails at +5 and +20 days, a registered letter at +40."""
    policy = Policy.objects.create(organization=org, key="test", name="Test", segment="standard")
    Step.objects.create(policy=policy, position=1, key="first", offset_days=5, channel="email", template="first")
    Step.objects.create(policy=policy, position=2, key="second", offset_days=20, channel="email", template="second")
    Step.objects.create(
        policy=policy,
        position=3,
        key="third",
        offset_days=40,
        channel="registered_letter",
        template="third",
        needs_approval=True,
        deadline_days=15,
    )
    return policy
