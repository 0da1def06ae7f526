"""Inserting many rows on SQLite without the ORM's per-value machinery.

`QuerySet.bulk_create` compiles one statement per batch and prepares every value through
the field API; for a load of a million rows that costs more than SQLite's own work. Here the
statement is built once per model, values that need no conversion (text, numbers, booleans,
foreign keys) are passed as they are, and the rows go to sqlite3 up to 1,000 in one
statement (`execute_rows`).

New primary keys: the first row is inserted alone (its `lastrowid` is the first key), the rest
after it. The transaction holds SQLite's write lock from the first insert on, so
nobody else can take keys in between; the keys are therefore consecutive, and this is checked
(the largest key must be first + n − 1) rather than assumed.

On PostgreSQL the rows go through `COPY … FROM STDIN` (psycopg adapts each value); new keys
are taken from the table's sequence first, one `nextval` each, so they are the database's
own and nobody else can be given them. Other databases keep `bulk_create`.
"""

from __future__ import annotations

import datetime as dt
import itertools
import json
import operator
import sqlite3
from collections.abc import Callable, Iterable, Sequence
from typing import Any

from django.conf import settings
from django.db import connection, models
from django.db.models import signals

_PLAIN = {
    "AutoField", "BigAutoField", "BigIntegerField", "BooleanField", "CharField", "EmailField",
    "ForeignKey", "IntegerField", "PositiveIntegerField", "PositiveSmallIntegerField",
    "SlugField", "SmallIntegerField", "TextField", "URLField", "OneToOneField",
}  # fmt: skip
_PLANS: dict[tuple, tuple[str, list[tuple[str, Callable[[Any], Any] | None]], list]] = {}
# a string as `json.dumps` writes it (ASCII, escaped): a list of strings is encoded without
# the encoder's general machinery, to the same text
_json_string = json.encoder.encode_basestring_ascii


def _plan(model: type[models.Model], names: tuple[str, ...] = ()):
    key = (model, names)
    plan = _PLANS.get(key)
    if plan is None:
        fields = [f for f in model._meta.concrete_fields if not f.primary_key]
        if names:
            by_name = {f.attname: f for f in fields}
            fields = [by_name[name] for name in names]
        converters = [(field.attname, _converter(field)) for field in fields]
        auto = [
            f for f in fields if getattr(f, "auto_now", False) or getattr(f, "auto_now_add", False)
        ]
        quote = connection.ops.quote_name
        sql = "INSERT INTO {} ({}) VALUES ({})".format(  # noqa: S608 (names from the model)
            quote(model._meta.db_table),
            ", ".join(quote(f.column) for f in fields),
            ", ".join("?" for _f in fields),
        )
        plan = _PLANS[key] = (sql, converters, auto)
    return plan


def _converter(field) -> Callable[[Any], Any] | None:
    """None for values SQLite takes as they are; a cheap function for JSON and aware
    date-times that gives exactly what the field API would; the field API for the rest."""
    kind = field.get_internal_type()
    if kind in _PLAIN:
        return None
    if kind == "JSONField" and field.encoder is None:
        empty = None if field.null else "null"

        def json_value(value):
            if value is None:
                return empty
            cls = type(value)
            if cls is JsonText:
                return str(value)
            if cls is list:
                if not value:
                    return "[]"
                if all(type(item) is str for item in value):  # emails, phones, tags
                    return "[" + ", ".join(map(_json_string, value)) + "]"
            elif cls is dict and not value:
                return "{}"
            return json.dumps(value)

        return json_value
    if kind == "DateTimeField" and settings.USE_TZ:
        slow = _generic(field)
        # a batch stamps its rows with one `now`: the last value converted is remembered,
        # by identity (date-times are immutable), as one tuple so that threads sharing the
        # plan never see a value paired with another's text
        last: list[tuple[Any, Any]] = [(None, None)]

        def datetime_value(value):
            seen = last[0]
            if seen[0] is value:
                return seen[1]
            if not isinstance(value, dt.datetime) or value.tzinfo is None:
                return slow(value)
            text = str(value.astimezone(dt.UTC).replace(tzinfo=None))
            last[0] = (value, text)
            return text

        return datetime_value
    return _generic(field)


class JsonText(str):
    """A JSON column's value already encoded (one payload shared by a batch's rows): written
    as it is instead of being encoded once per row."""


def _generic(field) -> Callable[[Any], Any]:
    return lambda value: field.get_db_prep_save(value, connection)


_BLANKS: dict[tuple, tuple[dict[str, Any], list[tuple[str, Callable[[], Any]]]]] = {}


def blank(model: type[models.Model], given: tuple[str, ...] = ()) -> models.Model:
    """A new, unsaved instance with every field at its default, as `model()` makes it, for
    loads of many rows: the defaults are worked out once per model instead of once per row
    (callable defaults, such as `dict` for a JSON field, are still called for each, except
    for the fields named in `given`, which the caller sets next: they start as None). Models
    that listen to `pre_init`/`post_init` are made the ordinary way."""
    return blanks(model, 1, given)[0]


def blanks(model: type[models.Model], count: int, given: tuple[str, ...] = ()) -> list:
    """`count` instances as `blank` makes them, the listeners asked about once for all."""
    if signals.pre_init.has_listeners(model) or signals.post_init.has_listeners(model):
        return [model() for _ in range(count)]  # asked each time: one may connect later
    plan = _BLANKS.get((model, given))
    if plan is None:
        constants: dict[str, Any] = {}
        calls: list[tuple[str, Callable[[], Any]]] = []
        for field in model._meta.concrete_fields:
            if field.attname in given:
                constants[field.attname] = None
            elif field.has_default() and callable(field.default):
                calls.append((field.attname, field.default))
            else:
                constants[field.attname] = field.get_default()
        plan = _BLANKS[(model, given)] = (constants, calls)
    constants, calls = plan
    new, state = model.__new__, models.base.ModelState
    objs = []
    for _ in range(count):
        obj = new(model)
        obj._state = state()
        values = obj.__dict__
        values.update(constants)
        for attname, default in calls:
            values[attname] = default()
        objs.append(obj)
    return objs


def _cursor():
    connection.ensure_connection()
    return connection.connection.cursor()


def insert(model: type[models.Model], objs: Sequence[models.Model]) -> None:
    """Insert `objs` (new instances of `model`) and set their primary keys."""
    if not objs:
        return
    if connection.vendor == "postgresql":
        _copy_objects(model, objs)
        return
    if connection.vendor != "sqlite":
        model._default_manager.bulk_create(objs, batch_size=1000)
        return
    sql, converters, auto = _plan(model)
    values_of = operator.attrgetter(*(attname for attname, _convert in converters))
    converting = [(i, convert) for i, (_a, convert) in enumerate(converters) if convert]
    single = len(converters) == 1

    def params(obj):
        for field in auto:
            field.pre_save(obj, True)
        values = [values_of(obj)] if single else list(values_of(obj))
        for i, convert in converting:
            values[i] = convert(values[i])
        return values

    cursor = _cursor()
    try:
        cursor.execute(sql, params(objs[0]))
        first = cursor.lastrowid
        if len(objs) > 1:
            execute_rows(cursor, sql, len(converters), [params(obj) for obj in objs[1:]])
            table = connection.ops.quote_name(model._meta.db_table)
            pk = connection.ops.quote_name(model._meta.pk.column)
            last = cursor.execute(f"SELECT max({pk}) FROM {table}").fetchone()[0]  # noqa: S608
            if last != first + len(objs) - 1:
                raise RuntimeError(f"{table}: new keys are not consecutive")
    finally:
        cursor.close()
    if model._meta.parents:  # a child model: `pk` also sets the parent's link
        for offset, obj in enumerate(objs):
            obj.pk = first + offset
        _saved(objs)
        return
    attname, alias = model._meta.pk.attname, connection.alias
    for pk, obj in enumerate(objs, first):  # what `obj.pk = …` and `save()` leave on it
        obj.__dict__[attname] = pk
        state = obj._state
        state.adding = False
        state.db = alias


def _saved(objs: Sequence[models.Model]) -> None:
    """What `save()` leaves on an instance: in the database, no longer being added."""
    for obj in objs:
        obj._state.adding = False
        obj._state.db = connection.alias


def insert_rows(model: type[models.Model], names: tuple[str, ...], rows: Iterable[tuple]) -> None:
    """Insert plain rows (values in the order of `names`, field attnames) whose keys nobody
    needs back: search entries, contact points, timeline entries."""
    rows = list(rows)
    if not rows:
        return
    if connection.vendor == "postgresql":
        _copy(model, names, rows)
        return
    if connection.vendor != "sqlite":
        model._default_manager.bulk_create(
            (model(**dict(zip(names, row, strict=True))) for row in rows), batch_size=1000
        )
        return
    sql, converters, _auto = _plan(model, names)
    converting = [(i, convert) for i, (_n, convert) in enumerate(converters) if convert]
    if converting:
        converted = []
        for row in rows:
            values = list(row)
            for i, convert in converting:
                values[i] = convert(values[i])
            converted.append(values)
        rows = converted
    cursor = _cursor()
    try:
        execute_rows(cursor, sql, len(names), rows)
    finally:
        cursor.close()


_ROWS_PER_STATEMENT = 1000
_VALUES: dict[tuple[str, int], str] = {}


def execute_rows(cursor, sql: str, width: int, rows: Sequence[Sequence]) -> None:
    """Run `sql` (a SQLite `INSERT … VALUES (?, …)` of one row, `width` values) for all of
    `rows`, up to 1,000 rows a statement (`VALUES (…), (…), …`) instead of one statement a
    row. FTS5 writes the terms gathered in memory out as a new index segment when a
    statement that changed it ends, a trigger's statement included: search entries written one
    statement a row gave a segment per row, merged again and again, and cost three times what
    they cost in batches (finding 36 of docs/performance.md). `cursor` is sqlite3's own."""
    limit = cursor.connection.getlimit(sqlite3.SQLITE_LIMIT_VARIABLE_NUMBER)
    per = max(1, min(_ROWS_PER_STATEMENT, limit // max(width, 1)))
    flat = itertools.chain.from_iterable
    for start in range(0, len(rows), per):
        chunk = rows[start : start + per]
        statement = _VALUES.get((sql, len(chunk)))
        if statement is None:
            head, one = sql.rsplit(" VALUES ", 1)
            statement = f"{head} VALUES {', '.join([one] * len(chunk))}"
            if len(chunk) == per:  # a batch's last, shorter statement is not kept
                _VALUES[(sql, per)] = statement
        cursor.execute(statement, list(flat(chunk)))


# -- PostgreSQL ------------------------------------------------------------------------------

_COPY_PLANS: dict[tuple, tuple[str, list[Callable[[Any], Any] | None]]] = {}


def _copy_plan(model: type[models.Model], names: tuple[str, ...]):
    """(COPY statement, per-column converter or None) for `names` (attnames) of `model`."""
    key = (model, names)
    plan = _COPY_PLANS.get(key)
    if plan is None:
        by_name = {f.attname: f for f in model._meta.concrete_fields}
        fields = [by_name[name] for name in names]
        quote = connection.ops.quote_name
        sql = "COPY {} ({}) FROM STDIN".format(
            quote(model._meta.db_table), ", ".join(quote(f.column) for f in fields)
        )
        plan = _COPY_PLANS[key] = (sql, [_copy_converter(f) for f in fields])
    return plan


def _copy_converter(field) -> Callable[[Any], Any] | None:
    """None where psycopg adapts the value as the field API would (text, numbers, booleans,
    keys, aware date-times); JSON as its text (as for SQLite), which the server parses; the
    field API for the rest."""
    kind = field.get_internal_type()
    if kind == "DateTimeField" and settings.USE_TZ:
        slow = _generic(field)
        return lambda value: (
            value if isinstance(value, dt.datetime) and value.tzinfo else slow(value)
        )
    return _converter(field)


def _copy(model: type[models.Model], names: tuple[str, ...], rows: Iterable[Sequence]) -> None:
    sql, converters = _copy_plan(model, names)
    cursor = _cursor()
    try:
        with cursor.copy(sql) as copy:
            for row in rows:
                copy.write_row(
                    [
                        value if convert is None else convert(value)
                        for convert, value in zip(converters, row, strict=True)
                    ]
                )
    finally:
        cursor.close()


def _copy_objects(model: type[models.Model], objs: Sequence[models.Model]) -> None:
    """New rows with keys taken from the table's sequence, then one COPY."""
    meta = model._meta
    _sql, converters, auto = _plan(model)
    cursor = _cursor()
    try:
        cursor.execute(
            "SELECT nextval(pg_get_serial_sequence(%s, %s)) FROM generate_series(1, %s)",
            [meta.db_table, meta.pk.column, len(objs)],
        )
        keys = [row[0] for row in cursor.fetchall()]
    finally:
        cursor.close()
    for obj, key in zip(objs, keys, strict=True):
        for field in auto:
            field.pre_save(obj, True)
        obj.pk = key
    names = (meta.pk.attname, *(attname for attname, _convert in converters))
    _copy(model, names, ([getattr(obj, name) for name in names] for obj in objs))
    _saved(objs)
