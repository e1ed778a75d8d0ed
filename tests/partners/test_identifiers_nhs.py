"""NHS numbers: ten digits with a Modulus 11 check digit."""

from __future__ import annotations

import pytest

from commissioning.partners.identifiers import check_nhs_number, nhs_number_digits


@pytest.mark.parametrize("value", ["9434765919", "943 476 5919", "943-476-5919", "4010232137"])
def test_valid_numbers_pass(value):
    assert check_nhs_number(value) is None


@pytest.mark.parametrize("value", ["9434765918", "9434765910", "1234567890"])
def test_a_wrong_check_digit_is_refused(value):
    assert "check digit" in check_nhs_number(value)


def test_a_check_digit_of_ten_is_never_valid():
    # 0000000060: weights give 6 x 3 = 18, remainder 7, 11 - 7 = 4; find nine digits giving 10 instead.
    nine = next(
        f"{n:09d}"
        for n in range(1, 10_000)
        if 11 - sum(int(d) * w for d, w in zip(f"{n:09d}", range(10, 1, -1), strict=True)) % 11 == 10
    )
    for last in "0123456789":
        assert check_nhs_number(nine + last) is not None


@pytest.mark.parametrize("value", ["", "943476591", "94347659190", "943 476 591X", "9434 76 5919"])
def test_a_malformed_number_is_refused_by_shape(value):
    assert check_nhs_number(value) == "An NHS number is 10 digits, such as 943 476 5919."


def test_digits_drop_spaces_and_hyphens():
    assert nhs_number_digits("943 476-5919") == "9434765919"
