"""One value inside the `custom` JSON column, as an SQL expression that expression indexes
match.

Filters, sorts and the expression indexes created for filterable custom fields
(`customization/indexes.py`) all use `custom_value()`, so the database can use the index.
Django's own `KeyTextTransform` does not do on SQLite: it sends the JSON path as a bound
parameter and wraps it in a CASE, and SQLite then matches no index.
"""

from __future__ import annotations

import re

from django.db import NotSupportedError
from django.db.models import Expression, F, FloatField, TextField

from .fields import FieldType

NUMERIC_TYPES = frozenset({FieldType.NUMBER, FieldType.MONEY, FieldType.USER, FieldType.RELATION})
SAFE_KEY = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")


class CustomValue(Expression):
    """One value inside the `custom` JSON column, written so an expression index matches it.

    The key is part of the SQL text (never a bound parameter), so it must be a plain
    identifier, which every custom-field key is. `numeric` compares numbers as numbers
    (PostgreSQL needs the cast; SQLite keeps JSON numbers numeric by itself); `part` reads
    one member of an object value (a money field's "amount").
    """

    def __init__(self, key: str, *, numeric: bool = False, part: str = "", column="custom"):
        if not SAFE_KEY.match(key) or (part and not SAFE_KEY.match(part)):
            raise ValueError(f"not a plain custom-field key: {key!r} {part!r}")
        super().__init__(output_field=FloatField() if numeric else TextField())
        self.key, self.numeric, self.part = key, numeric, part
        self.source = F(column) if isinstance(column, str) else column

    @property
    def convert_value(self):
        return _number_or_as_stored if self.numeric else self._convert_value_noop

    def get_source_expressions(self):
        return [self.source]

    def set_source_expressions(self, exprs):
        (self.source,) = exprs

    def as_sqlite(self, compiler, connection):
        column, params = compiler.compile(self.source)
        path = f'$."{self.key}"' + (f'."{self.part}"' if self.part else "")
        return f"JSON_EXTRACT({column}, '{path}')", params

    def as_postgresql(self, compiler, connection):
        column, params = compiler.compile(self.source)
        if self.part:
            node = f"({column} -> '{self.key}' -> '{self.part}')"
            sql = f"({column} -> '{self.key}' ->> '{self.part}')"
        else:
            node = f"({column} -> '{self.key}')"
            sql = f"({column} ->> '{self.key}')"
        if not self.numeric:
            return sql, params
        # Cast only JSON numbers: a plain ::numeric would fail on any row holding text under
        # this key — including dead row versions that CREATE INDEX still reads.
        return f"(CASE WHEN jsonb_typeof({node}) = 'number' THEN {sql}::numeric END)", params

    def as_sql(self, compiler, connection):
        raise NotSupportedError("custom-field expressions need SQLite or PostgreSQL")


def _number_or_as_stored(value, expression, connection):
    """A numeric custom value as a float. SQLite hands back whatever the JSON holds, and a
    number stored as text (by hand, or by an old import: "12,5") is passed on as it is
    rather than failing the list or export sorted by it; PostgreSQL's cast already reads such
    a value as null."""
    if value is None:
        return None
    try:
        return float(value)
    except (TypeError, ValueError):
        return value


def custom_value(field_type: str, key: str) -> CustomValue:
    """The expression filters, sorts and indexes use for a custom field of this type."""
    if field_type == FieldType.MONEY:
        return CustomValue(key, numeric=True, part="amount")
    return CustomValue(key, numeric=field_type in NUMERIC_TYPES)
