"""The identifier rules are pure: checked here without a database."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from commissioning.partners import identifiers as ids


@pytest.mark.parametrize("code", ["QRL", "10X", "RHM", "R1C", "5N8", "D9Y0V", "A81001"])
def test_real_ods_codes_are_accepted(code):
    assert ids.check_ods_code(code) is None


@pytest.mark.parametrize("code", ["", "AB", "ABCDEFG", "ab1", "R-1C", "10 X"])
def test_malformed_ods_codes_are_refused_with_the_rule(code):
    assert "ODS code is 3 to 6" in ids.check_ods_code(code)


@pytest.mark.parametrize(
    "code", ["E06000045", "E10000024", "E92000001", "W06000015", "S12000033", "N09000002"]
)
def test_gss_codes(code):
    assert ids.check_gss_code(code) is None


@pytest.mark.parametrize("code", ["E0600004", "E060000451", "X06000045", "e06000045", "E06O00045"])
def test_bad_gss_codes(code):
    assert "GSS code" in ids.check_gss_code(code)


@pytest.mark.parametrize("number", ["01616977", "SC123456", "OC301234", "NI012345", "CE001234"])
def test_companies_house_numbers(number):
    assert ids.check_companies_house_number(number) is None


@pytest.mark.parametrize("number", ["12345", "1616977", "XX123456", "SC12345", "016169771"])
def test_bad_companies_house_numbers(number):
    assert "Companies House" in ids.check_companies_house_number(number)


@pytest.mark.parametrize("number", ["1104963", "202918", "1123456-1"])
def test_charity_numbers(number):
    assert ids.check_charity_number(number) is None


@pytest.mark.parametrize("number", ["12345", "12345678", "SC012345", "1123456-"])
def test_bad_charity_numbers(number):
    assert "Charity Commission" in ids.check_charity_number(number)


def test_normalise_upper_cases_and_strips_spaces():
    assert ids.normalise(" e06 000 045 ") == "E06000045"


def test_org_identifier_prefers_charity_then_company():
    assert ids.org_identifier(charity_number="1104963", companies_house_number="01616977") == "GB-CHC-1104963"
    assert ids.org_identifier(companies_house_number="01616977") == "GB-COH-01616977"
    assert ids.org_identifier(la_code="STH") == "GB-LAE-STH"


@given(st.from_regex(r"\A[EWSNK]\d{8}\Z"))
def test_any_well_formed_gss_code_passes(code):
    assert ids.check_gss_code(code) is None
    assert ids.check_gss_code(code + "1") is not None
