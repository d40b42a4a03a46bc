"""NSIS levels: every IAL x AAL combination, effective level by age, requested minimum."""

from __future__ import annotations

import itertools

import pytest

from idp import assurance

LEVELS = [None, "Low", "Substantial", "High"]
ORDER = {None: -1, "Low": 0, "Substantial": 1, "High": 2}


@pytest.mark.parametrize(("ial", "aal"), list(itertools.product(LEVELS, LEVELS)))
def test_loa_is_the_lowest_of_ial_and_aal(ial, aal):
    expected = None if ial is None or aal is None else min(ial, aal, key=ORDER.__getitem__)
    assert assurance.level_of_assurance(ial, aal) == expected


@pytest.mark.parametrize(
    ("ial", "aal", "fed"), list(itertools.product(LEVELS[1:], LEVELS[1:], LEVELS[1:]))
)
def test_federation_level_caps_too(ial, aal, fed):
    expected = min(ial, aal, fed, key=ORDER.__getitem__)
    assert assurance.level_of_assurance(ial, aal, fed) == expected


@pytest.mark.parametrize(
    ("amr", "aal"),
    [
        (["pwd"], "Low"),
        (["pwd", "otp"], "Substantial"),
        (["pwd", "otp", "hwk"], "Substantial"),
        (["otp"], None),
        ([], None),
    ],
)
def test_authenticator_level(amr, aal):
    assert assurance.authenticator_level(amr) == aal


LIFETIMES = {"Low": 180, "Substantial": 60, "High": 60}


@pytest.mark.parametrize(
    ("aal", "age", "level"),
    [
        ("Substantial", 0, "Substantial"),
        ("Substantial", 59.9, "Substantial"),
        ("Substantial", 60, "Low"),
        ("Substantial", 179.9, "Low"),
        ("Substantial", 180, None),
        ("Low", 100, "Low"),
        ("Low", 180, None),
        (None, 0, None),
    ],
)
def test_effective_level_by_age(aal, age, level):
    assert assurance.effective_level(aal, age, LIFETIMES) == level


def test_requested_minimum_is_the_lowest_acceptable_known_value():
    prefix = assurance.ACR_PREFIX
    assert assurance.requested_minimum([prefix + "High", prefix + "Substantial"]) == "Substantial"
    assert assurance.requested_minimum(["urn:other", prefix + "High"]) == "High"
    assert assurance.requested_minimum(["urn:other"]) is None
    assert assurance.requested_minimum([]) is None


def test_acr_round_trip_and_caps():
    for level in ("Low", "Substantial", "High"):
        assert assurance.level_from_acr(assurance.acr_for(level)) == level
    assert assurance.capped("High", "Substantial") == "Substantial"
    assert assurance.capped("Low", "Substantial") == "Low"
    assert assurance.level_from_acr(assurance.ACR_PREFIX + "Medium") is None
