"""People in placements are pseudonymous: a reference the buyer chooses, and at most a keyed hash of
the NHS number.

The hash is HMAC-SHA256 under ``settings.PSEUDONYMISATION_KEY``, so the same person's placements can
be linked (and matched against another partner's file hashed with the same key) while a leaked
table cannot be reversed by hashing every possible NHS number, as a plain SHA-256 could. The clear
number is checked, hashed and dropped: it is never logged, stored or put in an error message.
"""

from __future__ import annotations

import hashlib
import hmac
import re
from collections.abc import Callable

from django.conf import settings

from commissioning.partners.identifiers import check_nhs_number, nhs_number_digits

PERSON_REF = re.compile(r"^[A-Za-z0-9_-]{3,40}$")


class InvalidNhsNumber(ValueError):
    """The value is not a valid NHS number; the message says why without repeating it."""


def hasher(key: str | None = None) -> Callable[[str], str]:
    """A function from a checked NHS number's digits to its hash, for hashing many at once."""
    secret = (key if key is not None else settings.PSEUDONYMISATION_KEY).encode()

    def digest(digits: str) -> str:
        return hmac.new(secret, digits.encode(), hashlib.sha256).hexdigest()

    return digest


def nhs_number_hash(nhs_number: str) -> str:
    """The keyed hash of a valid NHS number (written with or without spaces: the same hash)."""
    problem = check_nhs_number(nhs_number)
    if problem:
        raise InvalidNhsNumber(problem)
    return hasher()(nhs_number_digits(nhs_number))


def check_person_ref(ref: str) -> str | None:
    """``None`` for a usable pseudonymous reference, else why not.

    3 to 40 letters, digits, hyphens or underscores (so no spaces, and so no "First Last"), and
    never an NHS number in disguise.
    """
    if not PERSON_REF.match(ref or ""):
        return (
            "A person reference is 3 to 40 letters, digits, hyphens or underscores, "
            "with no spaces: a reference from your own system, never a name."
        )
    digits = nhs_number_digits(ref)
    if digits.isdigit() and len(digits) == 10 and check_nhs_number(digits) is None:
        return "A person reference must not be an NHS number; give the NHS number in its own field."
    return None
