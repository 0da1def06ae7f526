"""Strict reading of raw definition input (form data turned into a dict, or API JSON).

`Checker` collects every problem as `{field: [message]}` with translated messages and
raises them together as `InputErrors`; the services are its only users. Values must already
have their JSON types (booleans are booleans, lists are lists): the views convert form
strings before they call a service.

`KeyedInput` is the `Checker` of the apps' settings actions (sales, service desk): it reads
each value by its key and takes numbers typed into a form as text; each app subclasses it
for the kinds of values only it has.
"""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation
from typing import Any

from django.conf import settings
from django.utils.translation import gettext as _

from kartoteka.platform.fields import NUMBER_LIMIT, InputErrors

KEY_RE = re.compile(r"^[a-z][a-z0-9_]*$")
INTEGER_RE = re.compile(r"[+-]?\d{1,12}")
LABEL_MAX = 100


def other_languages() -> list[str]:
    return [code for code, _name in settings.LANGUAGES]


def translation_codes() -> list[str]:
    """Languages a label may be translated into: all but the site's default one."""
    default = settings.LANGUAGE_CODE[:2]
    return [code for code, _name in settings.LANGUAGES if code != default]


class Checker:
    def __init__(self, data: Any, allowed: set[str]):
        self.errors: dict[str, list[str]] = {}
        if not isinstance(data, dict):
            raise InputErrors({"__all__": [_("Send an object of field values.")]})
        self.data = data
        for key in data:
            if key not in allowed:
                self.error(str(key)[:60], _("Unknown field."))

    def error(self, key: str, message: str) -> None:
        self.errors.setdefault(key, []).append(message)

    def ok(self, key: str) -> bool:
        return key not in self.errors

    def done(self) -> None:
        if self.errors:
            raise InputErrors(self.errors)

    # -- single values ------------------------------------------------------------------
    def text(self, key: str, value: Any, *, max_length: int, required: bool = False) -> str:
        if value is None:
            value = ""
        if not isinstance(value, str):
            self.error(key, _("Enter text."))
            return ""
        value = value.strip()
        if "\x00" in value or "\n" in value or "\r" in value:
            self.error(key, _("Enter a single line of text."))
        elif len(value) > max_length:
            self.error(
                key,
                _("Enter at most %(max)d characters (it has %(len)d).")
                % {"max": max_length, "len": len(value)},
            )
        elif required and not value:
            self.error(key, _("This field is required."))
        return value

    def key(self, key: str, value: Any, *, max_length: int = 50) -> str:
        text = self.text(key, value, max_length=max_length, required=True)
        if self.ok(key) and not KEY_RE.match(text):
            self.error(
                key,
                _("Use lowercase Latin letters, digits and underscores, starting with a letter."),
            )
        return text

    def boolean(self, key: str, value: Any) -> bool:
        if not isinstance(value, bool):
            self.error(key, _("Enter true or false."))
            return False
        return value

    def integer(self, key: str, value: Any, *, minimum: int, maximum: int) -> int | None:
        if value is None or value == "":
            return None
        if isinstance(value, bool) or not isinstance(value, int):
            self.error(key, _("Enter a whole number."))
            return None
        if not minimum <= value <= maximum:
            self.error(
                key,
                _("Enter a number from %(min)d to %(max)d.") % {"min": minimum, "max": maximum},
            )
            return None
        return value

    def decimal(self, key: str, value: Any) -> Decimal | None:
        if value is None or value == "":
            return None
        if isinstance(value, bool) or not isinstance(value, int | float | str | Decimal):
            self.error(key, _("Enter a number."))
            return None
        try:
            number = Decimal(str(value).strip().replace(",", "."))
        except InvalidOperation:
            self.error(key, _("Enter a number."))
            return None
        if not number.is_finite() or abs(number) >= NUMBER_LIMIT:
            self.error(key, _("Enter a number smaller than 10^15."))
            return None
        if number != number.quantize(Decimal("0.0001")):
            self.error(key, _("Enter at most four decimal places."))
            return None
        return number

    def choice(self, key: str, value: Any, options: list[str]) -> str:
        if value not in options:
            self.error(key, _("Choose one of the available options."))
            return ""
        return value

    # -- translations of labels ----------------------------------------------------------
    def field_labels(self, key: str, value: Any) -> dict[str, str]:
        """`{"ru": "…", "pl": "…"}`; empty entries are dropped."""
        if value in (None, ""):
            return {}
        if not isinstance(value, dict):
            self.error(key, _("Send the translations as an object keyed by language."))
            return {}
        clean: dict[str, str] = {}
        for language, label in value.items():
            if language not in other_languages():
                self.error(key, _("Unknown language “%(code)s”.") % {"code": str(language)[:10]})
                continue
            text = self.text(f"{key}.{language}", label, max_length=LABEL_MAX)
            if text:
                clean[language] = text
        return clean

    def entity_labels(self, key: str, value: Any) -> dict[str, dict[str, str]]:
        """`{"ru": {"label": "…", "plural": "…"}, …}`; empty entries are dropped."""
        return self._label_pairs(
            key,
            value,
            languages=other_languages(),
            parts=("label", "plural"),
            shape=_("Send an object with “label” and “plural”."),
        )

    def relation_labels(self, key: str, value: Any) -> dict[str, dict[str, str]]:
        """`{"ru": {"label": "…", "reverse": "…"}, …}` in the translation languages only;
        empty entries are dropped."""
        return self._label_pairs(
            key,
            value,
            languages=translation_codes(),
            parts=("label", "reverse"),
            shape=_("Send an object with “label” and “reverse”."),
        )

    def _label_pairs(
        self, key: str, value: Any, *, languages: list[str], parts: tuple[str, ...], shape: str
    ) -> dict[str, dict[str, str]]:
        if value in (None, ""):
            return {}
        if not isinstance(value, dict):
            self.error(key, _("Send the translations as an object keyed by language."))
            return {}
        clean: dict[str, dict[str, str]] = {}
        for language, pair in value.items():
            if language not in languages:
                self.error(key, _("Unknown language “%(code)s”.") % {"code": str(language)[:10]})
                continue
            if not isinstance(pair, dict) or set(pair) - set(parts):
                self.error(f"{key}.{language}", shape)
                continue
            entry = {}
            for part in parts:
                text = self.text(f"{key}.{language}.{part}", pair.get(part), max_length=LABEL_MAX)
                if text:
                    entry[part] = text
            if entry:
                clean[language] = entry
        return clean


class KeyedInput(Checker):
    """A `Checker` that reads each value from the input by its key (`read.text("name", …)`).
    The settings forms post text, so numbers may also come as strings; a missing value is an
    error only where `required` says so."""

    def has(self, key: str) -> bool:
        return key in self.data

    def _required(self, key: str, required: bool) -> None:
        if required:
            self.error(key, _("This field is required."))

    def whole_number(self, key: str) -> Any:
        """The value, stripped, and a number when it is a whole number written as text."""
        value = self.data.get(key)
        if isinstance(value, str):
            value = value.strip()
            if INTEGER_RE.fullmatch(value):
                value = int(value)
        return value

    def text(self, key: str, *, max_length: int, required: bool = False) -> str:
        return super().text(key, self.data.get(key), max_length=max_length, required=required)

    def boolean(self, key: str) -> bool:
        return super().boolean(key, self.data.get(key))

    def integer(self, key: str, *, minimum: int, maximum: int, required: bool) -> int | None:
        value = self.whole_number(key)
        if value is None or value == "":
            self._required(key, required)
            return None
        return super().integer(key, value, minimum=minimum, maximum=maximum)

    def choice(self, key: str, choices, *, required: bool = True) -> str:
        value = self.data.get(key)
        if value is None or value == "":
            self._required(key, required)
            return ""
        return super().choice(key, value, [choice for choice, _label in choices])
