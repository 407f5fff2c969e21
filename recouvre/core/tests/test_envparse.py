"""Whole numbers read from the environment (the login throttling settings): a clear refusal naming the variable."""

from __future__ import annotations

import pytest

from recouvre.core.envparse import env_int


def test_a_whole_number_or_the_default():
    assert env_int("RECOUVRE_LOGIN_LOCKOUT_MINUTES", None, default=15) == 15
    assert env_int("RECOUVRE_LOGIN_LOCKOUT_MINUTES", "  ", default=15) == 15
    assert env_int("RECOUVRE_LOGIN_LOCKOUT_MINUTES", " 60 ", default=15) == 60


@pytest.mark.parametrize("value", ["0", "-3", "1.5", "quinze"])
def test_anything_else_is_refused_with_the_variable_name(value):
    with pytest.raises(ValueError) as refused:
        env_int("RECOUVRE_LOGIN_LOCKOUT_MINUTES", value, default=15)
    assert str(refused.value) == f"RECOUVRE_LOGIN_LOCKOUT_MINUTES: not a whole number of at least 1: {value!r}"
