from __future__ import annotations

import pytest

from recouvre.collections.models import Policy, Step


@pytest.fixture
def calls(org):  # type: ignore[no-untyped-def]
    """A policy for the standard segment: a phone call at +10 days, a firm e-mail at +20, a legal escalation task at
    +40."""
    policy = Policy.objects.create(organization=org, key="calls", name="Calls", segment="standard")
    Step.objects.create(policy=policy, position=1, key="call", offset_days=10, channel="call_task", template="call")
    Step.objects.create(policy=policy, position=2, key="firm", offset_days=20, channel="email", template="firm")
    Step.objects.create(
        policy=policy, position=3, key="legal", offset_days=40, channel="internal_task", template="legal"
    )
    return policy
