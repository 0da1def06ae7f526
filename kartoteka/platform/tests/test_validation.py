"""The one validator behind forms, the API and imports: what each field type accepts (and how
it is cleaned) and what it refuses, required fields on create and on change, unknown keys,
and messages in the user's language."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.utils import translation
from pydantic_core import PydanticCustomError

from kartoteka.platform.fields import (
    FieldSpec,
    FieldType,
    InputErrors,
    build_validator,
    convert,
    validate_input,
)


def spec(type_: str, **kwargs) -> FieldSpec:
    return FieldSpec(key="f", label="F", type=type_, **kwargs)


COLOURS = (("red", "Red"), ("green", "Green"), ("blue", "Blue"))

ACCEPTED = [
    # text
    (spec(FieldType.TEXT), "  Acme Trading  ", "Acme Trading"),
    (spec(FieldType.TEXT), 5, "5"),
    (spec(FieldType.TEXT), "Łódź – Семён", "Łódź – Семён"),
    (spec(FieldType.TEXT), "x" * 255, "x" * 255),
    (spec(FieldType.TEXT, max_length=5), "abcde", "abcde"),
    (spec(FieldType.TEXT, regex=r"[A-Z]{2}\d+"), "PL123", "PL123"),
    (spec(FieldType.TEXT), "", None),
    (spec(FieldType.TEXT), None, None),
    (spec(FieldType.LONGTEXT), "line 1\nline 2", "line 1\nline 2"),
    (spec(FieldType.LONGTEXT), "x" * 20000, "x" * 20000),
    # numbers and money
    (spec(FieldType.NUMBER), "42", 42),
    (spec(FieldType.NUMBER), "1 234,5", 1234.5),
    (spec(FieldType.NUMBER), "1\u00a0000", 1000),
    (spec(FieldType.NUMBER), 3.0, 3),
    (spec(FieldType.NUMBER), -7, -7),
    (spec(FieldType.NUMBER, min_value=Decimal(0), max_value=Decimal(10)), "10", 10),
    (
        spec(FieldType.MONEY),
        {"amount": "1 234,50", "currency": "pln"},
        {"amount": 1234.5, "currency": "PLN"},
    ),
    (spec(FieldType.MONEY), {"amount": 10}, {"amount": 10, "currency": "EUR"}),
    (
        spec(FieldType.MONEY),
        {"amount": "10.129", "currency": "USD"},
        {"amount": 10.13, "currency": "USD"},
    ),
    (spec(FieldType.MONEY), {"amount": "", "currency": "EUR"}, None),
    # dates
    (spec(FieldType.DATE), "2024-02-29", "2024-02-29"),
    (spec(FieldType.DATE), dt.date(2024, 5, 1), "2024-05-01"),
    (spec(FieldType.DATE), dt.datetime(2024, 5, 1, 23, 0), "2024-05-01"),
    (spec(FieldType.DATETIME), "2024-03-01T10:00:00+02:00", "2024-03-01T08:00:00+00:00"),
    (spec(FieldType.DATETIME), "2024-03-01 10:00", "2024-03-01T10:00:00+00:00"),
    # booleans in English, Russian and Polish words
    (spec(FieldType.BOOLEAN), True, True),
    (spec(FieldType.BOOLEAN), "yes", True),
    (spec(FieldType.BOOLEAN), "on", True),
    (spec(FieldType.BOOLEAN), "1", True),
    (spec(FieldType.BOOLEAN), "Да", True),
    (spec(FieldType.BOOLEAN), "tak", True),
    (spec(FieldType.BOOLEAN), False, False),
    (spec(FieldType.BOOLEAN), "No", False),
    (spec(FieldType.BOOLEAN), "0", False),
    (spec(FieldType.BOOLEAN), "нет", False),
    (spec(FieldType.BOOLEAN), "NIE", False),
    # choices
    (spec(FieldType.CHOICE, choices=COLOURS), "red", "red"),
    (spec(FieldType.CHOICE, choices=COLOURS), " green ", "green"),
    (spec(FieldType.CHOICE, choices=(("1", "One"),)), 1, "1"),
    (spec(FieldType.MULTICHOICE, choices=COLOURS), ["red", "blue", "red"], ["red", "blue"]),
    (spec(FieldType.MULTICHOICE, choices=COLOURS), "red, green", ["red", "green"]),
    (spec(FieldType.MULTICHOICE, choices=COLOURS), [], []),
    (spec(FieldType.MULTICHOICE, choices=COLOURS), None, []),
    # contact points
    (spec(FieldType.EMAIL), " Info@ACME.Example ", "info@acme.example"),
    (spec(FieldType.EMAIL), "jan.kowalski+crm@firma.pl", "jan.kowalski+crm@firma.pl"),
    (spec(FieldType.PHONE), "+48 22 123 45 67", "+48221234567"),
    (spec(FieldType.PHONE), "+7 (495) 123-45-67", "+74951234567"),
    (spec(FieldType.PHONE), "020 7946 0018", "+442079460018"),  # the default region is GB
    (spec(FieldType.PHONE, multiple=True), "+48 22 123 45 67; +48221234567", ["+48221234567"]),
    (spec(FieldType.EMAIL, multiple=True), ["A@x.example", "a@X.example"], ["a@x.example"]),
    # web addresses
    (spec(FieldType.URL), "acme.example", "https://acme.example"),
    (spec(FieldType.URL), "http://acme.example/path?q=1", "http://acme.example/path?q=1"),
    (spec(FieldType.URL), "https://localhost:8000", "https://localhost:8000"),
    # references and tags
    (spec(FieldType.USER), 5, 5),
    (spec(FieldType.USER), " 5 ", 5),
    (spec(FieldType.RELATION, related_entity="company"), {"id": 9, "title": "Acme"}, 9),
    (spec(FieldType.TAGS), "vip, wholesale; vip\nnew", ["vip", "wholesale", "new"]),
]


@pytest.mark.parametrize(
    "field,raw,clean", ACCEPTED, ids=[f"{f.type}-{i}" for i, (f, _r, _c) in enumerate(ACCEPTED)]
)
def test_field_accepts_and_cleans(field, raw, clean):
    assert convert(field, raw) == clean


REFUSED = [
    (spec(FieldType.TEXT), True, "Enter text."),
    (spec(FieldType.TEXT), ["Acme"], "Enter text."),
    (spec(FieldType.TEXT), {"name": "Acme"}, "Enter text."),
    (spec(FieldType.TEXT), "x" * 256, "Enter at most 255 characters (it has 256)."),
    (spec(FieldType.TEXT, max_length=5), "abcdef", "Enter at most 5 characters (it has 6)."),
    (spec(FieldType.TEXT), "Acme\x00", "Text may not contain NUL characters."),
    (spec(FieldType.TEXT, regex=r"[A-Z]{2}\d+"), "pl123", "does not match"),
    (spec(FieldType.LONGTEXT), "x" * 20001, "Enter at most 20000 characters"),
    (spec(FieldType.NUMBER), "twelve", "Enter a number."),
    (spec(FieldType.NUMBER), True, "Enter a number."),
    (spec(FieldType.NUMBER), [1], "Enter a number."),
    (spec(FieldType.NUMBER), "NaN", "smaller than 10^15"),
    (spec(FieldType.NUMBER), "Infinity", "smaller than 10^15"),
    (spec(FieldType.NUMBER), "1e15", "smaller than 10^15"),
    (spec(FieldType.NUMBER, min_value=Decimal(0)), "-1", "at least 0"),
    (spec(FieldType.NUMBER, max_value=Decimal(10)), "10.5", "at most 10"),
    (spec(FieldType.MONEY), "10 EUR", "Enter an amount and a currency."),
    (spec(FieldType.MONEY), {"amount": "ten"}, "Enter a number."),
    (spec(FieldType.MONEY), {"amount": 1, "currency": "EURO"}, "three-letter currency"),
    (spec(FieldType.MONEY), {"amount": 1, "currency": "€"}, "three-letter currency"),
    (spec(FieldType.MONEY), {"amount": 1, "rate": 4}, "only an amount and a currency"),
    (spec(FieldType.MONEY, min_value=Decimal(0)), {"amount": -5}, "at least 0"),
    (spec(FieldType.DATE), "2023-02-29", "Enter a valid date (YYYY-MM-DD)."),
    (spec(FieldType.DATE), "29.02.2024", "Enter a valid date"),
    (spec(FieldType.DATE), "2024-01-01T10:00", "Enter a valid date"),
    (spec(FieldType.DATE), "tomorrow", "Enter a valid date"),
    (spec(FieldType.DATETIME), "2024-13-01T00:00", "Enter a valid date and time."),
    (spec(FieldType.DATETIME), "soon", "Enter a valid date and time."),
    (spec(FieldType.BOOLEAN), "maybe", "Enter yes or no."),
    (spec(FieldType.BOOLEAN), 2, "Enter yes or no."),
    (spec(FieldType.CHOICE, choices=COLOURS), "purple", "“purple” is not one of the choices."),
    (spec(FieldType.CHOICE, choices=COLOURS), "RED", "is not one of the choices"),
    (spec(FieldType.CHOICE, choices=COLOURS), ["red"], "is not one of the choices"),
    (spec(FieldType.MULTICHOICE, choices=COLOURS), ["red", "purple"], "“purple” is not one"),
    (spec(FieldType.MULTICHOICE, choices=COLOURS), {"red": True}, "Enter a list of values."),
    (spec(FieldType.MULTICHOICE, choices=COLOURS), ["red"] * 51, "Enter at most 50 values."),
    (spec(FieldType.EMAIL), "jan@", "Enter a valid email address."),
    (spec(FieldType.EMAIL), "jan kowalski@firma.pl", "Enter a valid email address."),
    (spec(FieldType.EMAIL), "jan@localhost", "Enter a valid email address."),
    (spec(FieldType.EMAIL), 5, "Enter a valid email address."),
    (spec(FieldType.PHONE), "12", "Enter a valid phone number."),
    (spec(FieldType.PHONE), "call me", "Enter a valid phone number."),
    (spec(FieldType.PHONE), "+48 " + "1" * 40, "Enter a valid phone number."),
    (spec(FieldType.PHONE), True, "Enter a valid phone number."),
    (spec(FieldType.PHONE, multiple=True), {"x": 1}, "Enter a list of values."),
    (spec(FieldType.URL), "javascript:alert(1)", "Enter a valid web address"),
    (spec(FieldType.URL), "javascript://comment%0Aalert(1)", "Enter a valid web address"),
    (spec(FieldType.URL), "data:text/html,<script>alert(1)</script>", "Enter a valid web"),
    (spec(FieldType.URL), "ftp://acme.example", "Enter a valid web address"),
    (spec(FieldType.URL), "http://", "Enter a valid web address"),
    (spec(FieldType.URL), "http://intranet", "Enter a valid web address"),
    (spec(FieldType.URL), "http://acme example.com", "Enter a valid web address"),
    (spec(FieldType.URL), "http://acme.example:99999", "Enter a valid web address"),
    (spec(FieldType.URL), "https://acme.example/" + "x" * 500, "Enter at most 500 characters."),
    (spec(FieldType.URL), ["https://acme.example"], "Enter a valid web address"),
    (spec(FieldType.USER), "boss", "Choose a valid record."),
    (spec(FieldType.USER), True, "Choose a valid record."),
    (spec(FieldType.USER), 0, "Choose a valid record."),
    (spec(FieldType.USER), -3, "Choose a valid record."),
    (spec(FieldType.RELATION), 2**63, "Choose a valid record."),
    (spec(FieldType.TAGS), [f"t{i}" for i in range(51)], "Enter at most 50 values."),
    (spec(FieldType.TAGS), ["x" * 51], "Enter at most 50 characters"),
]


@pytest.mark.parametrize(
    "field,raw,message", REFUSED, ids=[f"{f.type}-{i}" for i, (f, _r, _m) in enumerate(REFUSED)]
)
def test_field_refuses_with_a_clear_message(field, raw, message):
    with pytest.raises(PydanticCustomError) as refused:
        convert(field, raw)

    assert message in refused.value.message()


def test_phone_region_comes_from_settings(settings):
    settings.PHONE_REGION = "PL"

    assert convert(spec(FieldType.PHONE), "22 123 45 67") == "+48221234567"


def test_default_currency_comes_from_settings(settings):
    settings.DEFAULT_CURRENCY = "PLN"

    assert convert(spec(FieldType.MONEY), {"amount": "5"}) == {"amount": 5, "currency": "PLN"}


def test_naive_date_times_are_read_in_the_sites_time_zone(settings):
    settings.TIME_ZONE = "Europe/Warsaw"

    assert convert(spec(FieldType.DATETIME), "2024-07-01T12:00") == "2024-07-01T10:00:00+00:00"


# -- the whole input --------------------------------------------------------------------------

FIELDS = [
    FieldSpec(key="name", label="Name", type=FieldType.TEXT, required=True),
    FieldSpec(key="emails", label="Emails", type=FieldType.EMAIL, multiple=True),
    FieldSpec(key="size", label="Size", type=FieldType.NUMBER, default=10),
    FieldSpec(key="active", label="Active", type=FieldType.BOOLEAN),
    FieldSpec(key="code", label="Code", type=FieldType.TEXT, editable=False),
]
VALIDATOR = build_validator("example", FIELDS)


def validate(data, *, partial=False):
    return validate_input(VALIDATOR, FIELDS, data, partial=partial)


def errors_of(data, *, partial=False) -> dict[str, list[str]]:
    with pytest.raises(InputErrors) as refused:
        validate(data, partial=partial)
    return refused.value.errors


def test_create_fills_defaults_and_empties_for_missing_fields():
    assert validate({"name": "Acme"}) == {
        "name": "Acme",
        "emails": [],
        "size": 10,
        "active": None,
    }


def test_partial_update_returns_only_the_fields_given():
    assert validate({"active": "tak"}, partial=True) == {"active": True}
    assert validate({}, partial=True) == {}


def test_required_field_is_required_on_create_but_not_when_absent_from_a_change():
    assert errors_of({}) == {"name": ["This field is required."]}
    assert errors_of({"name": "  "}) == {"name": ["This field is required."]}
    assert errors_of({"name": None}, partial=True) == {"name": ["This field is required."]}
    assert validate({"emails": []}, partial=True) == {"emails": []}


def test_unknown_and_read_only_keys_are_refused():
    errors = errors_of({"name": "Acme", "colour": "red", "code": "X1"})

    assert errors == {
        "colour": ["Unknown field."],
        "code": ["This field cannot be changed."],
    }


def test_all_field_errors_are_reported_at_once_and_the_first_is_the_message():
    with pytest.raises(InputErrors) as refused:
        validate({"emails": ["nope"], "size": "big", "active": "perhaps"})

    assert set(refused.value.errors) == {"name", "emails", "size", "active"}
    assert refused.value.first_message == "name: This field is required."


@pytest.mark.parametrize("data", [["name", "Acme"], "name=Acme", None, 5])
def test_input_that_is_not_an_object_is_refused(data):
    assert errors_of(data) == {"__all__": ["Send an object of field values."]}


@pytest.mark.django_db
def test_company_validator_refuses_unknown_fields_and_requires_a_name(registry):
    company = registry.get("company")

    with pytest.raises(InputErrors) as refused:
        validate_input(company.validator, company.fields, {"phone": "+48221234567"}, partial=False)

    assert refused.value.errors == {
        "name": ["This field is required."],
        "phone": ["Unknown field."],
    }


# -- messages in the user's language ----------------------------------------------------------


ENGLISH = {
    "name": "This field is required.",
    "emails": "Enter a valid email address.",
    "size": "Enter a number.",
}


@pytest.mark.parametrize("language", ["ru", "pl"])
def test_messages_are_in_the_active_language(language):
    with translation.override(language):
        errors = errors_of({"emails": "nope", "size": "big"})
        expected = {key: [translation.gettext(message)] for key, message in ENGLISH.items()}

    assert errors == expected
    assert all(errors[key] != [message] for key, message in ENGLISH.items())  # translated


def test_a_cached_validator_follows_the_language_of_each_request():
    with translation.override("ru"):
        russian = errors_of({})["name"]
    english = errors_of({})["name"]
    with translation.override("pl"):
        polish = errors_of({})["name"]

    assert english == ["This field is required."]
    assert len({russian[0], english[0], polish[0]}) == 3


@pytest.mark.parametrize(
    "address",
    [
        "anna@example.com", "Anna.Smith+tag@Example.COM", "a@b.co", "x@sub.domain.example",
        "o'brien@firm.example", "a..b@example.com", ".a@example.com", "a.@example.com",
        "a@localhost", "a@test", "a@example.invalid", "a@-bad.example", "a@bad-.example",
        "a@exa_mple.com", "a@192.168.0.1", "a@[192.168.0.1]", "ж@пример.рф", "a@пример.рф",
        "a" * 65 + "@example.com", "a@" + "b" * 64 + ".com", "a@" + ("b" * 60 + ".") * 5 + "com",
        '"quoted"@example.com', "a b@example.com", "a@b@c.example", "@example.com", "anna@",
        "a@example.com.", "a@EXAMPLE.onion", "mail@xn--80ak6aa92e.com", "a@1.2.3.4.example",
    ],
)  # fmt: skip
def test_email_fast_path_gives_the_full_checks_answer(address):
    from email_validator import EmailNotValidError, validate_email

    from kartoteka.platform.fields import FieldSpec, FieldType, convert

    try:
        expected = validate_email(address.strip(), check_deliverability=False).normalized.lower()
    except EmailNotValidError:
        expected = None
    spec = FieldSpec(key="email", label="Email", type=FieldType.EMAIL)
    try:
        got = convert(spec, address)
    except Exception:
        got = None
    assert got == expected
