"""Phone numbers in E.164 form, as the phonenumbers library reads them.

`e164` is what `phonenumbers.parse` + `is_possible_number` + `format_number(E164)` give. Imports turn
millions of numbers into this form, and most are written internationally ("+48 22 123 45 67"): for
those, the steps of `parse` that look for extensions, RFC 3966 syntax, letters and dialling prefixes
cannot find anything, and `e164` takes the remaining steps itself, with the library's own metadata and
helpers. Anything else goes through `parse`. tests/unit/test_fast_paths.py checks that both ways agree.
"""

from __future__ import annotations

import re

import phonenumbers
from phonenumbers import phonenumberutil
from phonenumbers.phonenumberutil import ValidationResult

# "+", then digits and the punctuation people put between them; ends with a digit.
_INTERNATIONAL = re.compile(r"\+[0-9][0-9 ().\-]*[0-9]")
_NOT_DIGITS = re.compile(r"[^0-9]+")
_KEEPS_PREFIX = (
    ValidationResult.TOO_SHORT,
    ValidationResult.IS_POSSIBLE_LOCAL_ONLY,
    ValidationResult.INVALID_LENGTH,
)
_POSSIBLE = (ValidationResult.IS_POSSIBLE, ValidationResult.IS_POSSIBLE_LOCAL_ONLY)


def e164(raw: str, region: str | None = None) -> str:
    """E.164 form of a phone number ("+48221234567"), or "" when it is not a possible number; a number
    without "+" is read as dialled in `region` (an ISO country code)."""
    if not raw.strip():
        return ""
    fast = _international_e164(raw)
    if fast is not None:
        return fast
    try:
        parsed = phonenumbers.parse(raw, region)
    except phonenumbers.NumberParseException:
        return ""
    if not phonenumbers.is_possible_number(parsed):
        return ""
    return phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164)


def _international_e164(raw: str) -> str | None:
    """e164 of a "+" number of plain digits and separators, as `parse` reads it; None when `parse` must
    decide (other characters, a number too short or too long, no country code)."""
    text = raw.strip()
    if len(text) > 60 or not _INTERNATIONAL.fullmatch(text):
        return None
    digits = _NOT_DIGITS.sub("", text)
    if not 6 <= len(digits) <= 20 or digits[0] == "0":
        return None
    # The country code: the shortest prefix of one to three digits that is one.
    for length in (1, 2, 3):
        country_code = int(digits[:length])
        if country_code in phonenumbers.COUNTRY_CODE_TO_REGION_CODE:
            break
    else:
        return None
    national = digits[length:]
    metadata = phonenumbers.PhoneMetadata.metadata_for_region_or_calling_code(
        country_code, phonenumbers.region_code_for_country_code(country_code)
    )
    if metadata is None or len(national) < 2:
        return None
    # A national prefix written after the country code ("+44 (0)20 …") is dropped when what is left
    # still has a possible length.
    _carrier, stripped, _stripped_any = phonenumberutil._maybe_strip_national_prefix_carrier_code(
        national, metadata
    )
    if phonenumberutil._test_number_length(stripped, metadata) not in _KEEPS_PREFIX:
        national = stripped
    if not 2 <= len(national) <= 17:
        return None
    if phonenumberutil._test_number_length(national, metadata) not in _POSSIBLE:
        return ""
    return f"+{country_code}{national}"
