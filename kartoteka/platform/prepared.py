"""A record's own row by primary key through SQL the ORM compiled once.

The API's single-record read is the hottest query a script runs. Compiling it through the ORM
on every request costs several times what the database spends answering it, so
`RowByKey(queryset)` compiles `queryset.filter(pk=…)` once — the ORM's own statement, with the
queryset's filters (custom entities narrow to their type) — and afterwards only binds the key,
converts the values as the ORM would and builds the instance with `Model.from_db`.
`converted_columns` and `convert_row` do that conversion for other statements built once
(the API token lookup).
"""

from __future__ import annotations

from typing import Any

from django.db import connections
from django.db.models import QuerySet

_SENTINEL = -7_340_033_097  # a key no table holds; found in the parameters, then replaced


class RowByKey:
    def __init__(self, queryset: QuerySet):
        model = queryset.model
        query = queryset.select_related(None).filter(pk=_SENTINEL).query
        compiler = query.get_compiler(queryset.db)
        sql, params = compiler.as_sql()
        positions = [i for i, value in enumerate(params) if value == _SENTINEL]
        fields = list(model._meta.concrete_fields)
        columns = [expression for expression, _sql, _alias in compiler.select]
        if (
            len(positions) != 1
            or compiler.klass_info is None
            or compiler.klass_info.get("related_klass_infos")
            or compiler.annotation_col_map
            or [getattr(c, "target", None) for c in columns] != fields
        ):
            raise ValueError(f"{model.__name__}: not a plain row query")
        self.model = model
        self.alias = queryset.db
        self.sql = sql
        self.params = list(params)
        self.position = positions[0]
        self.names = [f.attname for f in fields]
        self.converted = converted_columns(columns, connections[queryset.db])

    def get(self, pk: int):
        """The instance, or None if the queryset holds no row with this key."""
        connection = connections[self.alias]
        params = list(self.params)
        params[self.position] = pk
        with connection.cursor() as cursor:
            cursor.execute(self.sql, params)
            row = cursor.fetchone()
        if row is None:
            return None
        values = convert_row(row, self.converted, connection)
        return self.model.from_db(self.alias, self.names, values)


def _converters(column, connection) -> list:
    return connection.ops.get_db_converters(column) + column.get_db_converters(connection)


def converted_columns(columns, connection) -> list[tuple[int, Any]]:
    """(position, column) of the columns whose values the ORM converts (dates, JSON, …)."""
    return [(i, column) for i, column in enumerate(columns) if _converters(column, connection)]


def convert_row(row, converted: list[tuple[int, Any]], connection) -> list:
    """A fetched row with its values converted as the ORM converts them; the converters are
    asked of the reading thread's connection."""
    values = list(row)
    for index, column in converted:
        value = values[index]
        for convert in _converters(column, connection):
            value = convert(value, column, connection)
        values[index] = value
    return values
