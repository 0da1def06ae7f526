"""Field specs and the one validator built from them.

A `FieldSpec` describes a field of an entity, built in (a model column) or custom (a key in
the `custom` JSON column). `validator_for(spec)` builds a pydantic model from an entity's
fields, cached per schema version, that turns raw input (form strings, API JSON, import
cells) into clean values with clear, translated messages. Forms, the API and imports all call
`validate_input`, so a value is accepted or refused the same way everywhere.
"""

from __future__ import annotations

import datetime as dt
import functools
import ipaddress
import re
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Annotated, Any
from urllib.parse import urlparse

import phonenumbers
from django.conf import settings
from django.utils import timezone
from django.utils.dateparse import parse_date, parse_datetime
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from email_validator import EmailNotValidError, validate_email
from pydantic import BeforeValidator, ConfigDict, ValidationError, create_model
from pydantic_core import PydanticCustomError

from . import phones


class FieldType:
    TEXT = "text"
    LONGTEXT = "longtext"
    NUMBER = "number"
    MONEY = "money"
    DATE = "date"
    DATETIME = "datetime"
    BOOLEAN = "boolean"
    CHOICE = "choice"
    MULTICHOICE = "multichoice"
    EMAIL = "email"
    PHONE = "phone"
    URL = "url"
    USER = "user"
    RELATION = "relation"
    TAGS = "tags"  # built-in only: free words

    LABELS = {
        TEXT: gettext_lazy("Text"),
        LONGTEXT: gettext_lazy("Long text"),
        NUMBER: gettext_lazy("Number"),
        MONEY: gettext_lazy("Money"),
        DATE: gettext_lazy("Date"),
        DATETIME: gettext_lazy("Date and time"),
        BOOLEAN: gettext_lazy("Yes/no"),
        CHOICE: gettext_lazy("Choice"),
        MULTICHOICE: gettext_lazy("Multiple choice"),
        EMAIL: gettext_lazy("Email"),
        PHONE: gettext_lazy("Phone"),
        URL: gettext_lazy("Web address"),
        USER: gettext_lazy("User"),
        RELATION: gettext_lazy("Relation"),
        TAGS: gettext_lazy("Tags"),
    }
    CUSTOM_CHOICES = [(key, label) for key, label in LABELS.items() if key != "tags"]


TEXT_MAX = 255
LONGTEXT_MAX = 20000
LIST_MAX = 50
NUMBER_LIMIT = Decimal("1e15")
CURRENCY_RE = re.compile(r"^[A-Z]{3}$")
HOST_RE = re.compile(r"^(localhost|[\w-]+(\.[\w-]+)+)$", re.IGNORECASE)


def _is_ip(host: str) -> bool:
    try:
        ipaddress.ip_address(host)
    except ValueError:
        return False
    return True


@dataclass(frozen=True)
class FieldSpec:
    key: str
    label: Any
    type: str
    storage: str = "custom"  # "custom" (JSON key), "column" (model field), "fk" (<key>_id)
    required: bool = False
    unique: bool = False
    default: Any = None
    choices: tuple[tuple[str, Any], ...] = ()
    min_value: Decimal | None = None
    max_value: Decimal | None = None
    max_length: int | None = None
    regex: str = ""
    multiple: bool = False
    related_entity: str = ""
    section: str = ""
    order: int = 0
    show_in_list: bool = True
    filterable: bool = True
    sortable: bool = True
    editable: bool = True
    help_text: Any = ""

    @property
    def is_custom(self) -> bool:
        return self.storage == "custom"

    @property
    def attname(self) -> str:
        return f"{self.key}_id" if self.storage == "fk" else self.key

    def choice_label(self, value: Any) -> str:
        for choice_value, label in self.choices:
            if choice_value == value:
                return str(label)
        return str(value)


def _fail(message: str, **ctx: Any) -> PydanticCustomError:
    return PydanticCustomError("invalid", message, ctx)


def _is_blank(value: Any) -> bool:
    return value is None or (isinstance(value, str) and value.strip() == "") or value == []


def _as_text(spec: FieldSpec, value: Any, limit: int) -> str:
    if not isinstance(value, str | int | float) or isinstance(value, bool):
        raise _fail(_("Enter text."))
    text = str(value).strip()
    if "\x00" in text:
        raise _fail(_("Text may not contain NUL characters."))
    maximum = spec.max_length or limit
    if len(text) > maximum:
        raise _fail(
            _("Enter at most %(max)d characters (it has %(len)d).")
            % {"max": maximum, "len": len(text)}
        )
    if spec.regex and not re.fullmatch(spec.regex, text):
        raise _fail(_("The value does not match the required pattern."))
    return text


def _as_decimal(value: Any) -> Decimal:
    if isinstance(value, bool):
        raise _fail(_("Enter a number."))
    if isinstance(value, str):
        value = value.strip().replace("\u00a0", "").replace(" ", "").replace(",", ".")
    try:
        number = Decimal(str(value))
    except (InvalidOperation, ValueError):
        raise _fail(_("Enter a number."))
    if not number.is_finite() or abs(number) >= NUMBER_LIMIT:
        raise _fail(_("Enter a number smaller than 10^15."))
    return number


def _check_range(spec: FieldSpec, number: Decimal) -> None:
    if spec.min_value is not None and number < spec.min_value:
        raise _fail(_("Enter a number of at least %(min)s.") % {"min": spec.min_value})
    if spec.max_value is not None and number > spec.max_value:
        raise _fail(_("Enter a number of at most %(max)s.") % {"max": spec.max_value})


def _json_number(number: Decimal) -> int | float:
    return int(number) if number == number.to_integral_value() else float(number)


# An ASCII dot-atom local part (RFC 5322), which email-validator accepts as it is.
_DOT_ATOM = re.compile(r"[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+(\.[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+)*")


@functools.lru_cache(maxsize=4096)
def _email_domain(domain: str) -> str | None:
    """The normalised domain, or None when email-validator refuses it; imports repeat a few
    domains many times, so each is checked once."""
    try:
        return validate_email("a@" + domain, check_deliverability=False).domain
    except EmailNotValidError:
        return None


def _as_email(value: Any) -> str:
    if not isinstance(value, str):
        raise _fail(_("Enter a valid email address."))
    text = value.strip()
    local, at, domain = text.rpartition("@")
    if at and len(local) <= 64 and len(text) <= 254 and _DOT_ATOM.fullmatch(local):
        # the same answer as the full check below, with the domain's check remembered
        normalised = _email_domain(domain)
        if normalised is None:
            raise _fail(_("Enter a valid email address."))
        return f"{local}@{normalised}".lower()
    try:
        result = validate_email(text, check_deliverability=False)
    except EmailNotValidError:
        raise _fail(_("Enter a valid email address."))
    return result.normalized.lower()


def phone_region() -> str:
    return getattr(settings, "PHONE_REGION", "") or {"ru": "RU", "pl": "PL"}.get(
        settings.LANGUAGE_CODE[:2], "GB"
    )


def normalise_phone(value: Any) -> str:
    """A phone number in E.164 (+48221234567); raises a validation error when it is not one."""
    if not isinstance(value, str | int) or isinstance(value, bool):
        raise _fail(_("Enter a valid phone number."))
    text = str(value).strip()
    if len(text) > 40:
        raise _fail(_("Enter a valid phone number."))
    quick = phones.international(text)
    if quick is not None:
        return quick
    try:
        number = phonenumbers.parse(text, phone_region())
    except phonenumbers.NumberParseException:
        raise _fail(_("Enter a valid phone number."))
    if not phonenumbers.is_possible_number(number):
        raise _fail(_("Enter a valid phone number."))
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def _as_url(value: Any) -> str:
    if not isinstance(value, str):
        raise _fail(_("Enter a valid web address."))
    text = value.strip()
    if "://" not in text:
        text = "https://" + text
    parsed = urlparse(text)
    try:
        parsed.port  # noqa: B018  (raises on a malformed port)
        host_ok = bool(parsed.hostname) and (
            bool(HOST_RE.match(parsed.hostname)) or _is_ip(parsed.hostname)
        )
    except ValueError:
        host_ok = False
    if parsed.scheme not in ("http", "https") or not host_ok or " " in text:
        raise _fail(_("Enter a valid web address starting with http:// or https://."))
    if len(text) > 500:
        raise _fail(_("Enter at most %(max)d characters.") % {"max": 500})
    return text


def _as_list(value: Any) -> list:
    if isinstance(value, str):
        items = [part.strip() for part in re.split(r"[,;\n]", value)]
    elif isinstance(value, list | tuple):
        items = list(value)
    else:
        raise _fail(_("Enter a list of values."))
    items = [item for item in items if not _is_blank(item)]
    if len(items) > LIST_MAX:
        raise _fail(_("Enter at most %(max)d values.") % {"max": LIST_MAX})
    return items


def _as_id(value: Any) -> int:
    if isinstance(value, bool):
        raise _fail(_("Choose a valid record."))
    if isinstance(value, dict) and "id" in value:
        value = value["id"]
    try:
        number = int(str(value).strip())
    except (TypeError, ValueError):
        raise _fail(_("Choose a valid record."))
    if number <= 0 or number > 2**62:
        raise _fail(_("Choose a valid record."))
    return number


_SINGLE: dict[int, tuple[FieldSpec, FieldSpec]] = {}


def single_item_spec(spec: FieldSpec) -> FieldSpec:
    """The spec one item of a list field is checked against (made once per spec; the entry
    keeps its spec alive, so an id is never reused while it is cached)."""
    entry = _SINGLE.get(id(spec))
    if entry is not None and entry[0] is spec:
        return entry[1]
    if spec.type == FieldType.MULTICHOICE:
        changes: dict[str, Any] = {"multiple": False, "type": FieldType.CHOICE}
    elif spec.type == FieldType.TAGS:
        changes = {"type": FieldType.TEXT, "max_length": 50}
    else:
        changes = {"multiple": False}
    single = FieldSpec(**{**spec.__dict__, **changes})
    if len(_SINGLE) > 5000:  # specs are rebuilt when definitions change
        _SINGLE.clear()
    _SINGLE[id(spec)] = (spec, single)
    return single


def convert(spec: FieldSpec, value: Any) -> Any:
    """Raw input → clean value for one field; `None` means empty."""
    if spec.multiple or spec.type in (FieldType.MULTICHOICE, FieldType.TAGS):
        if _is_blank(value):
            return []
        items = _as_list(value)
        single = single_item_spec(spec)
        result: list = []
        for item in items:
            clean = convert(single, item)
            if clean not in result:
                result.append(clean)
        return result
    if _is_blank(value):
        return None
    kind = spec.type
    if kind == FieldType.TEXT:
        return _as_text(spec, value, TEXT_MAX)
    if kind == FieldType.LONGTEXT:
        return _as_text(spec, value, LONGTEXT_MAX)
    if kind == FieldType.NUMBER:
        number = _as_decimal(value)
        _check_range(spec, number)
        return _json_number(number)
    if kind == FieldType.MONEY:
        if not isinstance(value, dict):
            raise _fail(_("Enter an amount and a currency."))
        unknown = set(value) - {"amount", "currency"}
        if unknown:
            raise _fail(_("Money has only an amount and a currency."))
        if _is_blank(value.get("amount")):
            return None
        number = _as_decimal(value.get("amount")).quantize(Decimal("0.01"))
        _check_range(spec, number)
        currency = str(value.get("currency") or default_currency()).strip().upper()
        if not CURRENCY_RE.match(currency):
            raise _fail(_("Enter a three-letter currency code such as EUR."))
        return {"amount": _json_number(number), "currency": currency}
    if kind == FieldType.DATE:
        if isinstance(value, dt.datetime):
            return value.date().isoformat()
        if isinstance(value, dt.date):
            return value.isoformat()
        try:
            parsed = parse_date(str(value).strip())
        except ValueError:
            parsed = None
        if parsed is None:
            raise _fail(_("Enter a valid date (YYYY-MM-DD)."))
        return parsed.isoformat()
    if kind == FieldType.DATETIME:
        if isinstance(value, dt.datetime):
            parsed_dt = value
        else:
            try:
                parsed_dt = parse_datetime(str(value).strip())
            except ValueError:
                parsed_dt = None
        if parsed_dt is None:
            raise _fail(_("Enter a valid date and time."))
        if timezone.is_naive(parsed_dt):
            parsed_dt = timezone.make_aware(parsed_dt)
        return parsed_dt.astimezone(dt.UTC).isoformat(timespec="seconds")
    if kind == FieldType.BOOLEAN:
        if isinstance(value, bool):
            return value
        text = str(value).strip().lower()
        if text in {"1", "true", "yes", "on", "y", "да", "tak"}:
            return True
        if text in {"0", "false", "no", "off", "n", "нет", "nie"}:
            return False
        raise _fail(_("Enter yes or no."))
    if kind == FieldType.CHOICE:
        # choices from a table (a deal's stage) have integer values; others are strings
        allowed = {str(choice): choice for choice, _label in spec.choices}
        text = str(value).strip() if isinstance(value, str | int) else None
        if text not in allowed:
            raise _fail(_("“%(value)s” is not one of the choices.") % {"value": str(value)[:50]})
        return allowed[text]
    if kind == FieldType.EMAIL:
        return _as_email(value)
    if kind == FieldType.PHONE:
        return normalise_phone(value)
    if kind == FieldType.URL:
        return _as_url(value)
    if kind in (FieldType.USER, FieldType.RELATION):
        return _as_id(value)
    raise _fail(_("Unknown field type."))


def default_currency() -> str:
    return getattr(settings, "DEFAULT_CURRENCY", "EUR")


def _converter(spec: FieldSpec) -> Callable[[Any], Any]:
    def run(value: Any) -> Any:
        return convert(spec, value)

    return run


def build_validator(entity_key: str, fields: list[FieldSpec]):
    """A pydantic model with one field per editable spec; unknown keys are refused."""
    definitions: dict[str, Any] = {}
    for spec in fields:
        if spec.editable:
            definitions[spec.key] = (Annotated[Any, BeforeValidator(_converter(spec))], None)
    return create_model(  # type: ignore[call-overload]
        f"Validator_{entity_key}",
        __config__=ConfigDict(extra="forbid"),
        **definitions,
    )


class InputErrors(Exception):
    """Field-level validation errors: `{field_key: [message, …]}`; `__all__` for the whole."""

    def __init__(self, errors: dict[str, list[str]]):
        super().__init__(errors)
        self.errors = errors

    @property
    def first_message(self) -> str:
        for key, messages in self.errors.items():
            return messages[0] if key == "__all__" else f"{key}: {messages[0]}"
        return ""


def validate_input(
    validator, fields: list[FieldSpec], data: dict, *, partial: bool, require: bool = True
) -> dict[str, Any]:
    """Validate raw input; returns only the keys given (and defaults on create).
    `require=False` lets required fields stay empty (records arriving from outside)."""
    if not isinstance(data, dict):
        raise InputErrors({"__all__": [_("Send an object of field values.")]})
    by_key = {spec.key: spec for spec in fields}
    errors: dict[str, list[str]] = {}
    try:
        model = validator.model_validate(data)
    except ValidationError as exc:
        for spec in fields:
            if spec.required and spec.editable and require:
                missing = spec.key not in data and not partial and spec.default in (None, "")
                if missing or (spec.key in data and _is_blank(data[spec.key])):
                    errors.setdefault(spec.key, []).append(_("This field is required."))
        for error in exc.errors():
            key = str(error["loc"][0]) if error["loc"] else "__all__"
            if error["type"] == "extra_forbidden":
                spec = by_key.get(key)
                message = _("This field cannot be changed.") if spec else _("Unknown field.")
            else:
                message = error["msg"]
            errors.setdefault(key, []).append(message)
        raise InputErrors(errors)
    given = model.model_fields_set
    clean = {key: getattr(model, key) for key in given}
    for spec in fields:
        if not spec.editable:
            continue
        empty = clean.get(spec.key) in (None, [], "")
        if spec.key not in given and not partial:
            if spec.default not in (None, "", []):
                clean[spec.key] = convert(spec, spec.default)
                empty = False
            else:
                clean[spec.key] = (
                    []
                    if spec.multiple or spec.type in (FieldType.MULTICHOICE, FieldType.TAGS)
                    else None
                )
        if spec.required and require and empty and (spec.key in given or not partial):
            errors.setdefault(spec.key, []).append(_("This field is required."))
    if errors:
        raise InputErrors(errors)
    return clean
