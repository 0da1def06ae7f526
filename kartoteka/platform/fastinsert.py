"""Inserting many model instances on SQLite without the ORM's per-value machinery.

`QuerySet.bulk_create` compiles one statement per batch and prepares every value through
the field API; for a load of a million rows that costs more than SQLite's own work. Here the
statement is built once per model, values that need no conversion (text, numbers, booleans,
foreign keys) are passed as they are, and each row is one `execute` on the raw sqlite3 cursor,
which hands back its new primary key. Other databases keep `bulk_create` (PostgreSQL returns
the keys of a multi-row insert itself).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from django.db import connection, models

_PLAIN = {
    "AutoField", "BigAutoField", "BigIntegerField", "BooleanField", "CharField", "EmailField",
    "ForeignKey", "IntegerField", "PositiveIntegerField", "PositiveSmallIntegerField",
    "SlugField", "SmallIntegerField", "TextField", "URLField", "OneToOneField",
}  # fmt: skip
_PLANS: dict[type, tuple[str, list[tuple[str, Callable[[Any], Any] | None]], list]] = {}


def _plan(model: type[models.Model]):
    plan = _PLANS.get(model)
    if plan is None:
        fields = [f for f in model._meta.concrete_fields if not f.primary_key]
        converters = []
        for field in fields:
            plain = field.get_internal_type() in _PLAIN
            convert = None if plain else (lambda v, f=field: f.get_db_prep_save(v, connection))
            converters.append((field.attname, convert))
        auto = [
            f for f in fields if getattr(f, "auto_now", False) or getattr(f, "auto_now_add", False)
        ]
        quote = connection.ops.quote_name
        sql = "INSERT INTO {} ({}) VALUES ({})".format(  # noqa: S608 (names from the model)
            quote(model._meta.db_table),
            ", ".join(quote(f.column) for f in fields),
            ", ".join("?" for _f in fields),
        )
        plan = _PLANS[model] = (sql, converters, auto)
    return plan


def insert(model: type[models.Model], objs: Sequence[models.Model]) -> None:
    """Insert `objs` (new instances of `model`) and set their primary keys."""
    if not objs:
        return
    if connection.vendor != "sqlite":
        model._default_manager.bulk_create(objs, batch_size=1000)
        return
    sql, converters, auto = _plan(model)
    connection.ensure_connection()
    cursor = connection.connection.cursor()
    try:
        for obj in objs:
            for field in auto:
                field.pre_save(obj, True)
            params = [
                getattr(obj, attname) if convert is None else convert(getattr(obj, attname))
                for attname, convert in converters
            ]
            cursor.execute(sql, params)
            obj.pk = cursor.lastrowid
            obj._state.adding = False
            obj._state.db = connection.alias
    finally:
        cursor.close()
