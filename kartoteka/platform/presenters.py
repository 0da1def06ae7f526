"""Turning stored values into what people read: labels for choices, names for users and
related records (resolved in bulk, one query per referenced entity), money and dates in the
user's locale, links for emails, phones and web addresses. Used by lists, cards, the
timeline and (as plain text) by exports."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
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
                for user in get_user_model().objects.filter(pk__in=missing):
                    known[user.pk] = str(user)
            else:
                spec = registry.find(target)
                if spec is None:
                    continue
                qs = spec.model._default_manager.filter(pk__in=missing)
                if spec.entity_type_id is not None:
                    qs = qs.filter(entity_type_id=spec.entity_type_id)
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
    return format_decimal(value, locale=locale)


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
