"""A short way to E.164 for numbers written in international form, with the answer
`phonenumbers` would give.

`phonenumbers.parse` is lenient: it finds a number in any text, strips extensions, "tel:"
URIs, international dialling prefixes, national prefixes and carrier codes, and reads
letters as digits. That costs about 15 µs a number, the largest single cost of an import
(finding 38 of docs/performance.md). Most numbers in files are already "+48 600 123 456":
a plus, ASCII digits, and spaces, hyphens, dots or brackets between them. For those the
library's steps reduce to:
- no text to cut away, no extension (its patterns all need a letter, "#", "~", "," or ";");
- the country code is the first one, two or three digits that name one
  (`COUNTRY_CODE_TO_REGION_CODE`), and the national number is the rest;
- the national prefix is stripped only where the country's `national_prefix_for_parsing`
  matches the start of the national number;
- whether the number is possible depends on its country code and the national number's
  length alone (`_test_number_length` with no type).

`international` answers only where all of that holds and the number is possible; anything
else (no country code, a national prefix to consider, a length the country does not allow)
returns None and goes the library's whole way, which also words its refusals. The test
compares both ways on many generated numbers of every country code.
"""

from __future__ import annotations

import re

import phonenumbers
from phonenumbers import PhoneMetadata

_INTERNATIONAL = re.compile(r"\+[1-9][0-9 ().\-]*[0-9]")
_NOT_DIGIT = re.compile(r"[^0-9]")
_MIN_NATIONAL, _MAX_NATIONAL = 2, 17  # phonenumbers' _MIN/_MAX_LENGTH_FOR_NSN

_PREFIXES: dict[int, re.Pattern | None] = {}
_POSSIBLE: dict[tuple[int, int], bool] = {}


def _national_prefix(code: int) -> re.Pattern | None:
    """The pattern `phonenumbers` tries at the start of the country's national numbers."""
    if code not in _PREFIXES:
        region = phonenumbers.region_code_for_country_code(code)
        metadata = PhoneMetadata.metadata_for_region_or_calling_code(code, region)
        pattern = metadata.national_prefix_for_parsing if metadata is not None else None
        _PREFIXES[code] = re.compile(pattern) if pattern else None
    return _PREFIXES[code]


def _possible(code: int, length: int) -> bool:
    """Whether the country allows national numbers of this length, asked of the library
    once per country code and length."""
    key = (code, length)
    if key not in _POSSIBLE:
        number = phonenumbers.PhoneNumber(country_code=code, national_number=int("1" * length))
        _POSSIBLE[key] = phonenumbers.is_possible_number(number)
    return _POSSIBLE[key]


def international(text: str) -> str | None:
    """E.164 of `text` (stripped) when it is a possible number in plain international form,
    exactly as `phonenumbers.parse` + `is_possible_number` + `format_number` would give it;
    None when only the library can tell."""
    if _INTERNATIONAL.fullmatch(text) is None:
        return None
    digits = _NOT_DIGIT.sub("", text)
    if len(digits) < 3:
        return None
    for size in (1, 2, 3):
        code = int(digits[:size])
        if code in phonenumbers.COUNTRY_CODE_TO_REGION_CODE:
            break
    else:
        return None
    national = digits[size:]
    if not _MIN_NATIONAL <= len(national) <= _MAX_NATIONAL:
        return None
    prefix = _national_prefix(code)
    if prefix is not None and prefix.match(national):
        return None
    if not _possible(code, len(national)):
        return None
    return "+" + digits
