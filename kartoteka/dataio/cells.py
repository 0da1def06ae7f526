"""From a cell as read to the value a field's validator takes.

A `Column` is built once per mapped column from the field and a sample of the column's cells
(which decimal separator, which date order); `Column.read(cell)` returns `(value, None)` or
`(None, message)`. References to users and other records are not resolved here: a relation
column hands its text on and `resolve.References` turns it into ids a batch at a time.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from django.utils import timezone
from django.utils.translation import gettext as _

from kartoteka.imports import reading
from kartoteka.platform import search
from kartoteka.platform.export import FORMULA_START
from kartoteka.platform.fields import FieldSpec, FieldType

LIST_SEPARATORS = re.compile(r"\s*[;,\n]\s*")
PHONE_SEPARATORS = re.compile(r"\s*[;,\n]\s*")  # phones may hold spaces, never commas
CREATED_AT = "created_at"  # a pseudo-field: when the record was first entered elsewhere


def _text(cell: Any) -> str:
    if isinstance(cell, float) and cell.is_integer():
        return str(int(cell))
    if isinstance(cell, dt.datetime):
        return cell.isoformat(sep=" ")
    if isinstance(cell, dt.date):
        return cell.isoformat()
    return str(cell).strip()


def fold(text: str) -> str:
    """How names are compared: search's folding (case, ё, diacritics), spaces collapsed."""
    return " ".join(search.fold(str(text)).split())


@dataclass
class Column:
    header: str
    index: int
    spec: FieldSpec | None  # None: the created-at pseudo-field
    decimal_sep: str | None = None
    day_first: bool | None = True
    choice_lookup: dict[str, Any] = field(default_factory=dict)
    new_choices: set[str] = field(default_factory=set)  # unknown values to add, on request

    @property
    def key(self) -> str:
        return self.spec.key if self.spec is not None else CREATED_AT

    @property
    def is_reference(self) -> bool:
        return self.spec is not None and self.spec.type in (FieldType.USER, FieldType.RELATION)

    def read(self, cell: Any, add_choices: bool = False) -> tuple[Any, str | None]:
        if reading._blank(cell):
            return None, None
        if isinstance(cell, str) and cell[:1] == "'" and cell[1:2] in FORMULA_START:
            cell = cell[1:]  # the apostrophe our CSV export puts before formula-like text
        spec = self.spec
        if spec is None:
            return self._datetime(cell)
        kind = spec.type
        if spec.multiple or kind in (FieldType.MULTICHOICE, FieldType.TAGS):
            separators = PHONE_SEPARATORS if kind == FieldType.PHONE else LIST_SEPARATORS
            items = [part for part in separators.split(_text(cell)) if part]
            values = []
            for item in items:
                value, error = self._single(item, add_choices)
                if error:
                    return None, error
                values.append(value)
            return values, None
        return self._single(cell, add_choices)

    def _single(self, cell: Any, add_choices: bool) -> tuple[Any, str | None]:
        spec = self.spec
        assert spec is not None
        kind = spec.type
        if kind == FieldType.NUMBER:
            number, error = reading.parse_number(cell, self.decimal_sep)
            return (None, error) if error else (str(number), None)
        if kind == FieldType.MONEY:
            money, error = reading.parse_money(cell, self.decimal_sep)
            if error or money is None:
                return None, error
            value = {"amount": str(money.amount)}
            if money.currency:
                value["currency"] = money.currency
            return value, None
        if kind == FieldType.DATE:
            day, error = reading.parse_date(cell, self.day_first)
            if error or day is None:
                return None, error
            if isinstance(day, dt.datetime):
                day = day.date()
            return day.isoformat(), None
        if kind == FieldType.DATETIME:
            return self._datetime(cell)
        if kind == FieldType.BOOLEAN:
            return reading.parse_bool(cell)
        if kind in (FieldType.CHOICE, FieldType.MULTICHOICE):
            text = _text(cell)
            found = self.choice_lookup.get(fold(text))
            if found is not None:
                return found, None
            if (
                add_choices
                and spec.is_custom
                and spec.type
                in (
                    FieldType.CHOICE,
                    FieldType.MULTICHOICE,
                )
            ):
                self.new_choices.add(text[:100])
                return text[:100], None
            return None, _("“%(value)s” is not one of the choices of %(field)s.") % {
                "value": text[:50],
                "field": spec.label,
            }
        return _text(cell), None

    def _datetime(self, cell: Any) -> tuple[Any, str | None]:
        if isinstance(cell, dt.datetime):
            moment = cell
        else:
            text = _text(cell)
            moment = None
            match = re.fullmatch(r"(.+?)[T ,]+(\d{1,2}):(\d{2})(?::(\d{2}))?(.*)", text)
            if match and not match.group(5).strip("Z+0:"):
                day, error = reading.parse_date(match.group(1), self.day_first)
                if day is not None:
                    moment = dt.datetime(
                        day.year,
                        day.month,
                        day.day,
                        int(match.group(2)),
                        int(match.group(3)),
                        int(match.group(4) or 0),
                    )
            if moment is None:
                day, error = reading.parse_date(text, self.day_first)
                if day is None:
                    return None, error or _("“%(value)s” is not a date.") % {"value": text[:50]}
                moment = dt.datetime(day.year, day.month, day.day)
        if timezone.is_naive(moment):
            try:
                moment = timezone.make_aware(moment)
            except Exception:  # a time skipped by a clock change
                return None, _("“%(value)s” is not a valid time.") % {"value": _text(cell)[:50]}
        if moment > timezone.now() + dt.timedelta(days=1) and self.spec is None:
            return None, _("The creation date %(value)s is in the future.") % {
                "value": moment.date().isoformat()
            }
        return moment.isoformat(), None


def choice_lookup(spec: FieldSpec) -> dict[str, Any]:
    """Folded value or label → choice value; for labels "Pipeline · Stage" the stage too."""
    lookup: dict[str, Any] = {}
    for value, label in spec.choices:
        for name in (str(label), str(value)):
            lookup.setdefault(fold(name), value)
            if " · " in name:
                lookup.setdefault(fold(name.rsplit(" · ", 1)[1]), value)
    return lookup


def build_columns(
    headers: list[str],
    mapping: dict[str, str],
    fields: dict[str, FieldSpec],
    sample: Iterable[list[Any]],
    *,
    day_first: bool | None = None,
    decimal_comma: bool | None = None,
) -> list[Column]:
    """Columns for the mapped headers, with hints detected from `sample` rows where the
    options leave them open."""
    rows = list(sample)
    columns = []
    for index, header in enumerate(headers):
        key = mapping.get(header) or ""
        if not key:
            continue
        spec = fields.get(key) if key != CREATED_AT else None
        if key != CREATED_AT and spec is None:
            continue
        values = [row[index] for row in rows if index < len(row)]
        column = Column(header=header, index=index, spec=spec)
        if decimal_comma is None:
            column.decimal_sep = reading.detect_decimal_separator(values)
        else:
            column.decimal_sep = "," if decimal_comma else "."
        if day_first is None:
            detected = reading.detect_date_order(values)
            column.day_first = True if detected is None else detected
        else:
            column.day_first = day_first
        if spec is not None and spec.type in (FieldType.CHOICE, FieldType.MULTICHOICE):
            column.choice_lookup = choice_lookup(spec)
        columns.append(column)
    return columns
