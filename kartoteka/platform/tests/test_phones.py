"""The short way to E.164 (`phones.international`) against the library's whole way."""

from __future__ import annotations

import random

import phonenumbers
import pytest
from pydantic_core import PydanticCustomError

from kartoteka.platform import fields, phones


def library(text: str, region: str) -> str | None:
    """What `normalise_phone` gave before the short way: E.164, or None when refused."""
    try:
        number = phonenumbers.parse(text, region)
    except phonenumbers.NumberParseException:
        return None
    if not phonenumbers.is_possible_number(number):
        return None
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def generated(count: int, seed: int):
    """Numbers after a plus: every country code and some that are none, national numbers of
    0–19 digits rich in the digits national prefixes start with, separators anywhere."""
    rng = random.Random(seed)
    codes = sorted(phonenumbers.COUNTRY_CODE_TO_REGION_CODE)
    for _ in range(count):
        code = str(rng.choice(codes)) if rng.random() < 0.9 else str(rng.randint(0, 999))
        alphabet = "0123456789" if rng.random() < 0.6 else "0180"
        digits = code + "".join(rng.choice(alphabet) for _ in range(rng.randint(0, 19)))
        text = "+"
        for digit in digits:
            text += digit
            if rng.random() < 0.2:
                text += rng.choice([" ", "-", ".", "(", ")", " - ", ") ", "x", "#", ",", "\u00a0"])
        yield text


def test_the_short_way_gives_the_librarys_answer_whenever_it_answers():
    answered = 0
    for text in generated(30_000, seed=7):
        quick = phones.international(text)
        if quick is None:
            continue
        answered += 1
        for region in ("GB", "RU", "PL", "US"):
            assert library(text, region) == quick, (text, region)
    assert answered > 1_000  # the comparison covered many numbers, not a handful


def test_normalise_phone_accepts_and_refuses_as_the_library_does(settings):
    settings.PHONE_REGION = "RU"
    for text in generated(10_000, seed=11):
        expected = library(text, "RU")
        try:
            got = fields.normalise_phone(text)
        except PydanticCustomError:
            assert expected is None, text
        else:
            assert got == expected, text


@pytest.mark.parametrize(
    "text, e164",
    [
        ("+48 600 123 456", "+48600123456"),
        ("+7 (912) 345-67-89", "+79123456789"),
        ("+1 212.555.0100", "+12125550100"),
        ("+44 20 7946 0958", "+442079460958"),
        ("+39 06 1234 5678", "+390612345678"),  # Italy keeps its leading zero
        ("+800 1234 5678", "+80012345678"),  # a code of no country
    ],
)
def test_common_international_forms_take_the_short_way(text, e164):
    assert phones.international(text) == e164
    assert library(text, "GB") == e164


@pytest.mark.parametrize(
    "text",
    [
        "+7 812 123-45-67",  # Russia's national prefix 8 must be considered
        "+48 60",  # too short for Poland
        "+0 123 456",  # no country code starts with 0
        "+999 123 456",  # no such country code
        "+48 600 123 456 x12",  # an extension
        "8 (912) 345-67-89",  # national form: the default region matters
        "+48\u00a0600\u00a0123\u00a0456",  # no-break spaces
        "+٤٨ ٦٠٠ ١٢٣ ٤٥٦",  # digits that are not ASCII
    ],
)
def test_the_short_way_leaves_the_rest_to_the_library(text):
    assert phones.international(text) is None


def test_a_refused_number_still_gets_the_message(settings):
    settings.PHONE_REGION = "PL"
    for text in ("+48 60", "+7 812 12", "+999 123 456"):
        with pytest.raises(PydanticCustomError) as refused:
            fields.normalise_phone(text)
        assert refused.value.message() == "Enter a valid phone number."
