"""Service limits (cfnmodel/limits.py) agree with one another and with the intrinsics."""

from __future__ import annotations

from cfnmodel.intrinsics import PSEUDO_PARAMETERS
from cfnmodel.limits import (
    NAME_LIMITS,
    PSEUDO_CHARS,
    PSEUDO_MAX_LENGTH,
    TEMPLATE_BODY_BYTES,
    TEMPLATE_URL_BYTES,
)


def test_pseudo_parameter_bounds_name_real_pseudo_parameters() -> None:
    assert PSEUDO_MAX_LENGTH
    assert set(PSEUDO_MAX_LENGTH) == set(PSEUDO_CHARS) <= PSEUDO_PARAMETERS


def test_a_template_too_big_for_a_body_still_fits_through_s3() -> None:
    assert TEMPLATE_BODY_BYTES < TEMPLATE_URL_BYTES


def test_every_name_limit_is_positive_with_some_allowed_characters() -> None:
    assert NAME_LIMITS
    assert all(limit.max_length > 0 and limit.chars != "" for limit in NAME_LIMITS.values())
