"""Format rules for the identifiers public bodies and providers are known by.

Pure functions (no Django), so imports, forms and the API share one rule each. Each check
returns ``None`` when the value is well formed, or a sentence saying which rule it broke.
"""

from __future__ import annotations

import re

ODS_CODE = re.compile(r"^[A-Z0-9]{3,6}$")
GSS_CODE = re.compile(r"^[EWSNK]\d{8}$")
# Eight digits for England and Wales, or a two-letter register prefix and six digits
# (SC Scotland, NI Northern Ireland, OC LLPs, CE/CS charitable incorporated organisations …).
COMPANIES_HOUSE_NUMBER = re.compile(
    r"^(\d{8}|(SC|NI|OC|SO|NC|LP|SL|SZ|NL|NF|NO|NP|NR|NZ|R0|FC|SF|IP|SP|RC|SR|RS|IC|SI|SE|GE|"
    r"GS|GN|CE|CS)\d{6})$"
)
# The Charity Commission for England and Wales: six or seven digits, optionally a subsidiary
# number after a hyphen (e.g. 1123456-1).
CHARITY_NUMBER = re.compile(r"^\d{6,7}(-\d{1,2})?$")
# Ten digits, printed 3-3-4 with spaces or hyphens (943 476 5919); the last is a Modulus 11 check digit.
NHS_NUMBER = re.compile(r"^\d{3}[ -]?\d{3}[ -]?\d{4}$")

GSS_PREFIXES = {
    "E92": "country",
    "E12": "region",
    "E10": "county",
    "E06": "unitary authority",
    "E07": "non-metropolitan district",
    "E08": "metropolitan district",
    "E09": "London borough",
    "E47": "combined authority",
    "E54": "integrated care board",
    "E38": "sub-ICB location",
    "E05": "ward",
}


def normalise(value: str | None) -> str:
    """Upper-case and strip spaces, the way the registers print codes."""
    return re.sub(r"\s+", "", value or "").upper()


def check_ods_code(value: str) -> str | None:
    if ODS_CODE.match(value):
        return None
    return "An ODS code is 3 to 6 capital letters and digits, such as QRL, 10X or RHM."


def check_gss_code(value: str) -> str | None:
    if GSS_CODE.match(value):
        return None
    return "A GSS code is a country letter (E, W, S, N or K) and eight digits, such as E06000045."


def check_companies_house_number(value: str) -> str | None:
    if COMPANIES_HOUSE_NUMBER.match(value):
        return None
    return (
        "A Companies House number is eight digits (e.g. 01616977) or a two-letter prefix "
        "and six digits (e.g. SC123456)."
    )


def check_charity_number(value: str) -> str | None:
    if CHARITY_NUMBER.match(value):
        return None
    return (
        "A Charity Commission number is six or seven digits, optionally with a subsidiary "
        "number such as 1123456-1."
    )


def nhs_number_digits(value: str) -> str:
    """The ten digits of an NHS number as written (spaces and hyphens dropped)."""
    return re.sub(r"[\s-]+", "", value or "")


def check_nhs_number(value: str) -> str | None:
    """Ten digits whose last is the Modulus 11 check digit of the first nine (NHS Data Dictionary).

    The weights run 10 down to 2; the check digit is 11 minus the remainder, 11 becoming 0; a
    result of 10 means no number with those nine digits was ever issued.
    """
    text = (value or "").strip()
    if not NHS_NUMBER.match(text):
        return "An NHS number is 10 digits, such as 943 476 5919."
    digits = [int(d) for d in nhs_number_digits(text)]
    check = 11 - sum(d * w for d, w in zip(digits[:9], range(10, 1, -1), strict=True)) % 11
    if check == 11:
        check = 0
    if check == 10 or check != digits[9]:
        return "This is not a valid NHS number: its check digit does not match. Check it for a typing error."
    return None


def gss_area_type(value: str) -> str | None:
    """The kind of area a GSS code's prefix stands for, where we know it."""
    return GSS_PREFIXES.get(value[:3])


def org_identifier(
    *,
    companies_house_number: str = "",
    charity_number: str = "",
    ods_code: str = "",
    la_code: str = "",
) -> str:
    """The org-id.guide identifier (as 360Giving and OCDS use) for an organisation."""
    if charity_number:
        return f"GB-CHC-{charity_number}"
    if companies_house_number:
        return f"GB-COH-{companies_house_number}"
    if la_code:
        return f"GB-LAE-{la_code}"
    if ods_code:
        return f"GB-NHS-{ods_code}"
    return ""
