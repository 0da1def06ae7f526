"""Turning stored values into what people read: labels for choices, names for users and
related records (resolved in bulk, one query per referenced entity), money and dates in the
user's locale, links for emails, phones and web addresses. Used by lists, cards, the
timeline and (as plain text) by exports."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Callable
from decimal import Decimal
from functools import lru_cache
from typing import Any

from babel.numbers import format_currency, format_decimal
from django.contrib.auth import get_user_model
from django.utils import formats, timezone
from django.utils.dateparse import parse_date, parse_datetime
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from .fields import FieldSpec, FieldType, single_item_spec
from .registry import registry

EMPTY = mark_safe('<span class="kt-empty">—</span>')


class References:
    """Titles of users and records that values point to, fetched in bulk."""

    def __init__(self) -> None:
        self.wanted: dict[str, set[int]] = defaultdict(set)
        self.titles: dict[str, dict[int, str]] = {}

    def want(self, spec: FieldSpec, value: Any) -> None:
        if value in (None, "", []):
            return
        target = _target_of(spec)
        if target and isinstance(value, int):
            self.wanted[target].add(value)

    def want_values(self, fields: list[FieldSpec], rows: list, getter) -> References:
        for row in rows:
            for spec in fields:
                if spec.type in (FieldType.USER, FieldType.RELATION):
                    value = getter(row, spec)
                    if not self._known_from_row(row, spec, value):
                        self.want(spec, value)
        return self

    def _known_from_row(self, row, spec: FieldSpec, value) -> bool:
        """A foreign key the list query already joined (select_related) needs no query."""
        if spec.storage != "fk" or value is None:
            return False
        related = row._state.fields_cache.get(spec.key)
        if related is None:
            return False
        target = _target_of(spec)
        if target == "user":
            title = str(related)
        else:
            target_spec = registry.find(target)
            if target_spec is None:
                return False
            title = target_spec.title(related)
        self.titles.setdefault(target, {})[value] = title
        return True

    def resolve(self) -> References:
        for target, ids in self.wanted.items():
            known = self.titles.setdefault(target, {})
            missing = ids - set(known)
            if not missing:
                continue
            if target == "user":
                users = get_user_model().objects.filter(pk__in=missing)
                for user in users.only(*get_user_model().NAME_COLUMNS):
                    known[user.pk] = str(user)
            else:
                spec = registry.find(target)
                if spec is None:
                    continue
                qs = spec.model._default_manager.filter(pk__in=missing)
                if spec.entity_type_id is not None:
                    qs = qs.filter(entity_type_id=spec.entity_type_id)
                if spec.title_columns:
                    qs = qs.only(*spec.title_columns)
                for obj in qs:
                    known[obj.pk] = spec.title(obj)
        self.wanted.clear()
        return self

    def title(self, spec: FieldSpec, value: int) -> str | None:
        return self.titles.get(_target_of(spec) or "", {}).get(value)


def _target_of(spec: FieldSpec) -> str:
    if spec.type == FieldType.USER:
        return "user"
    if spec.type == FieldType.RELATION:
        return spec.related_entity
    return ""


def _locale() -> str:
    return {"ru": "ru_RU", "pl": "pl_PL"}.get((get_language() or "en")[:2], "en_GB")


def format_money(value: dict) -> str:
    try:
        return format_currency(
            Decimal(str(value["amount"])), value.get("currency") or "EUR", locale=_locale()
        )
    except Exception:
        return f"{value.get('amount')} {value.get('currency', '')}"


def as_text(spec: FieldSpec, value: Any, refs: References | None = None) -> str:
    """Plain text of a value (exports, the timeline's old → new)."""
    if value in (None, "", []):
        return ""
    if isinstance(value, list):
        single = single_item_spec(spec)  # made once per field, not per value
        return ", ".join(as_text(single, item, refs) for item in value)
    kind = spec.type
    if kind == FieldType.CHOICE:
        return spec.choice_label(value)
    if kind == FieldType.BOOLEAN:
        return _("Yes") if value else _("No")
    if kind == FieldType.MONEY and isinstance(value, dict):
        return format_money(value)
    if kind == FieldType.NUMBER:
        return _decimal(value, _locale())
    if kind == FieldType.DATE:
        if isinstance(value, dt.date):
            day = value.date() if isinstance(value, dt.datetime) else value
            return _short_date(day.isoformat(), get_language() or "")
        return _short_date(str(value), get_language() or "")
    if kind == FieldType.DATETIME:
        parsed = parse_datetime(str(value)) if not isinstance(value, dt.datetime) else value
        if parsed is None:
            return str(value)
        return formats.date_format(timezone.localtime(parsed), "SHORT_DATETIME_FORMAT")
    if kind in (FieldType.USER, FieldType.RELATION):
        title = refs.title(spec, value) if refs else None
        return title if title is not None else f"#{value}"
    return str(value)


def text_formatter(spec: FieldSpec, refs: References | None = None) -> Callable[[Any], str]:
    """`as_text` for one column of many rows (an export): the same text for every value,
    with the work that does not depend on the value — the language, labels of choices,
    "Yes"/"No", the titles of the column's target — done once when the formatter is made.
    Make it in the language (and time zone) the text is for; titles are read from `refs` as
    they are when a value is formatted, so one `refs` can be refilled page by page."""
    single = single_item_spec(spec)
    one = _scalar_formatter(spec, refs)
    item_one = _scalar_formatter(single, refs)

    def item(value: Any) -> str:
        if value is None or value == "":
            return ""
        if value.__class__ is list:
            return as_text(single, value, refs)
        return item_one(value)

    def text(value: Any) -> str:
        if value is None or value == "":
            return ""
        if value.__class__ is list:
            return ", ".join([item(part) for part in value])
        return one(value)

    return text


_FORMATTED_MAX = 20_000  # values a formatter remembers before it starts afresh


def _scalar_formatter(spec: FieldSpec, refs: References | None) -> Callable[[Any], str]:
    """A formatter of one non-empty, non-list value; anything of an unexpected type goes
    to `as_text` itself."""
    kind = spec.type

    def fallback(value: Any) -> str:
        return as_text(spec, value, refs)

    if kind == FieldType.CHOICE:
        return _choice_formatter(spec, fallback)
    if kind == FieldType.BOOLEAN:
        yes, no = _("Yes"), _("No")
        return lambda value: yes if value else no
    if kind == FieldType.MONEY:
        return _remembering(fallback, _money_key)  # Babel's currency text, once per value
    if kind == FieldType.NUMBER:
        locale = _locale()
        return lambda value: _decimal(value, locale)
    if kind == FieldType.DATE:
        language = get_language() or ""

        def date(value: Any) -> str:
            if value.__class__ is str:
                return _short_date(value, language)
            if value.__class__ is dt.date:
                return _short_date(value.isoformat(), language)
            return fallback(value)

        return date
    if kind == FieldType.DATETIME:
        return _remembering(fallback, _plain_key((str, dt.datetime)))
    if kind in (FieldType.USER, FieldType.RELATION):
        if refs is None:
            return fallback
        titles = refs.titles.setdefault(_target_of(spec) or "", {})

        def title(value: Any) -> str:
            try:
                found = titles.get(value)
            except TypeError:  # unhashable: as_text says what it says
                return fallback(value)
            return found if found is not None else f"#{value}"

        return title
    return str


def _choice_formatter(spec: FieldSpec, fallback) -> Callable[[Any], str]:
    labels: dict[Any, str] = {}
    try:
        for choice_value, label in spec.choices:
            labels.setdefault(choice_value, str(label))  # the first of equal values wins
    except TypeError:
        return fallback

    def choice(value: Any) -> str:
        try:
            label = labels.get(value)
        except TypeError:
            return fallback(value)
        return label if label is not None else str(value)

    return choice


def _money_key(value: Any) -> tuple | None:
    """What Babel's currency text depends on, for a money value of the usual shape."""
    if value.__class__ is not dict or len(value) != 2:
        return None
    amount, currency = value.get("amount"), value.get("currency")
    if amount.__class__ not in (str, int, float) or currency.__class__ is not str:
        return None
    return (amount.__class__, amount, currency)


def _plain_key(types: tuple[type, ...]) -> Callable[[Any], Any]:
    return lambda value: value if value.__class__ in types else None


def _remembering(format_one, key_of: Callable[[Any], Any]) -> Callable[[Any], str]:
    """`format_one` remembered per `key_of(value)`; values without a key (None) are
    formatted each time."""
    known: dict[Any, str] = {}

    def remembered(value: Any) -> str:
        key = key_of(value)
        if key is None:
            return format_one(value)
        text = known.get(key)
        if text is None:
            if len(known) >= _FORMATTED_MAX:
                known.clear()
            text = known[key] = format_one(value)
        return text

    return remembered


def as_html(spec: FieldSpec, value: Any, refs: References | None = None) -> SafeString | str:
    """HTML of a value for lists and cards; everything user-entered is escaped."""
    if value in (None, "", []):
        return EMPTY
    if isinstance(value, list):
        if spec.type in (FieldType.TAGS, FieldType.MULTICHOICE):
            labels = [(spec.choice_label(item) if spec.choices else item,) for item in value]
            return format_html_join(
                " ", '<span class="badge text-bg-light border">{}</span>', labels
            )
        single = single_item_spec(spec)
        return format_html_join(", ", "{}", ((as_html(single, item, refs),) for item in value))
    kind = spec.type
    if kind == FieldType.EMAIL:
        return format_html('<a href="mailto:{}">{}</a>', value, value)
    if kind == FieldType.PHONE:
        return format_html('<a href="tel:{}">{}</a>', value, _pretty_phone(value))
    if kind == FieldType.URL and str(value).startswith(("http://", "https://")):
        return format_html(
            '<a href="{}" rel="noopener noreferrer nofollow" target="_blank">{}</a>',
            value,
            str(value).split("://", 1)[1].rstrip("/"),
        )
    if kind == FieldType.RELATION:
        title = refs.title(spec, value) if refs else None
        target = registry.find(spec.related_entity)
        if title is None or target is None:
            return format_html('<span class="kt-empty">#{}</span>', value)
        return format_html('<a href="{}">{}</a>', target.card_url(value), title)
    if kind == FieldType.LONGTEXT:
        return format_html('<span class="kt-body">{}</span>', value)
    return as_text(spec, value, refs)


@lru_cache(maxsize=20_000)
def _decimal(value, locale: str) -> str:
    """A number as the language writes it; a stored value that is no number (text written
    by hand or by an old import, "12,5") is shown as it is, not a failed page."""
    try:
        return format_decimal(value, locale=locale)
    except (ArithmeticError, TypeError, ValueError):
        return str(value)


@lru_cache(maxsize=20_000)
def _short_date(text: str, language: str) -> str:
    """A stored date (ISO) as the language writes it short; remembered per language, as
    a column repeats its dates and Django's formatting costs ~40 µs a call."""
    parsed = parse_date(text)
    return formats.date_format(parsed, "SHORT_DATE_FORMAT") if parsed else text


@lru_cache(maxsize=20_000)
def _pretty_phone(value: str) -> str:
    """+48221234567 → +48 22 123 45 67; cached, as lists show the same numbers page after
    page and parsing costs more than the rest of a cell."""
    import phonenumbers

    try:
        return phonenumbers.format_number(
            phonenumbers.parse(value), phonenumbers.PhoneNumberFormat.INTERNATIONAL
        )
    except phonenumbers.NumberParseException:
        return value
