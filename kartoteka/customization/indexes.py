"""Expression indexes on custom-field values, created and dropped at run time.

A filterable custom field (and every relation field) gets an index on its value inside the
`custom` JSON column, built by Django's schema editor from the `CustomValue` expression:
`JSON_EXTRACT("custom", '$."key"')` on SQLite, `("custom" ->> 'key')` on PostgreSQL, cast to
numeric for numbers, money amounts, users and relations, and a companion index on the owner
and the value (lists scoped or filtered by owner). On `records.Record` the indexes start with
the entity type, because every custom entity shares that table. No migration is
involved: the services in `services.py` call these functions inside their transaction.

A query uses such an index only when it compares the very same expression, so filters and
sorts on custom fields should be written with `custom_value(field_spec)`. Django's own
`KeyTextTransform` does not do on SQLite: it sends the JSON path as a bound parameter and
wraps it in a CASE whose text changes between processes, and SQLite matches neither.

Long text and multiple-choice values are not indexed: they can exceed what a B-tree entry
may hold on PostgreSQL, and an equality index does not help to search inside them.
"""

from __future__ import annotations

import hashlib
import re

from django.db import connection, models
from django.db.models import F, Q

from kartoteka.platform.fields import FieldType
from kartoteka.platform.jsonvalue import CustomValue, custom_value  # noqa: F401  (re-exported)
from kartoteka.platform.registry import registry

NAME_MAX = 30  # Django's limit for index names, portable across databases
UNINDEXED_TYPES = frozenset({FieldType.LONGTEXT, FieldType.MULTICHOICE})


def _short_name(prefix: str, entity_key: str, field_key: str, salt: str = "") -> str:
    digest = hashlib.sha1(f"{entity_key}.{field_key}{salt}".encode()).hexdigest()[:8]
    readable = re.sub(r"[^a-z0-9_]", "_", f"{prefix}_{entity_key}_{field_key}".lower())
    return f"{readable[: NAME_MAX - len(digest) - 1]}_{digest}"


def index_name(entity_key: str, field_key: str) -> str:
    """`cf_<entity>_<key>`, cut to fit, plus a hash of both so names never collide."""
    return _short_name("cf", entity_key, field_key)


def owner_index_name(entity_key: str, field_key: str) -> str:
    """`co_<entity>_<key>`: the companion index that starts with the owner."""
    return _short_name("co", entity_key, field_key, ".owner")


def index_names(entity_key: str, field_key: str) -> list[str]:
    return [index_name(entity_key, field_key), owner_index_name(entity_key, field_key)]


def wants_index(field_type: str, filterable: bool) -> bool:
    if field_type in UNINDEXED_TYPES:
        return False
    return filterable or field_type == FieldType.RELATION


def _model_of(entity_key: str) -> tuple[type[models.Model], bool]:
    spec = registry.get(entity_key)
    return spec.model, spec.is_custom_entity


def build_indexes(entity_key: str, field_key: str, field_type: str) -> list[models.Index]:
    """The value's index, and its companion that starts with the owner: a manager's own
    records, or anyone's list filtered by owner, filtered or sorted on the value then read
    only the owner's matching rows, or walk them in the value's order (at a million contacts,
    segment + owner sorted by revenue: 20–27 ms → 1–6 ms in plain sqlite3, finding 11 of
    docs/performance.md). On `records.Record`, shared by every custom entity, both are
    partial: they cover only this entity type's rows. Another type may keep text under the
    same key, which a numeric index over the whole table could not hold (PostgreSQL casts
    every row)."""
    spec = registry.get(entity_key)
    value = custom_value(field_type, field_key)
    names = index_names(entity_key, field_key)
    if spec.is_custom_entity:
        only_this_type = Q(entity_type_id=spec.entity_type_id)
        return [
            models.Index(F("entity_type"), value, name=names[0], condition=only_this_type),
            models.Index(
                F("entity_type"), F("owner"), value, name=names[1], condition=only_this_type
            ),
        ]
    return [
        models.Index(value, name=names[0]),
        models.Index(F("owner"), value, name=names[1]),
    ]


def index_exists(model: type[models.Model], name: str) -> bool:
    with connection.cursor() as cursor:
        constraints = connection.introspection.get_constraints(cursor, model._meta.db_table)
    return name in constraints


def _run_ddl(action) -> None:
    """Run one index statement. PostgreSQL refuses CREATE/DROP INDEX on a table with pending
    deferred foreign-key checks from earlier writes in the same transaction (a field rename
    rewrote rows first), so those checks run now, and Django's deferred default comes back."""
    if connection.vendor == "postgresql" and connection.in_atomic_block:
        with connection.cursor() as cursor:
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        try:
            action()
        finally:
            with connection.cursor() as cursor:
                cursor.execute("SET CONSTRAINTS ALL DEFERRED")
    else:
        action()


def _schema_editor():
    """Django's schema editor, used without `with`: on SQLite its context manager refuses to
    run inside a transaction (it switches foreign keys off), and adding or dropping one index
    needs nothing it sets up except the list of deferred statements."""
    editor = connection.schema_editor(atomic=False)
    editor.deferred_sql = []
    return editor


def create_index(entity_key: str, field_key: str, field_type: str) -> list[str]:
    """Create the field's indexes that do not exist yet; returns the names created."""
    model, _per_type = _model_of(entity_key)
    created = []
    for index in build_indexes(entity_key, field_key, field_type):
        if not index_exists(model, index.name):
            _run_ddl(lambda index=index: _schema_editor().add_index(model, index))
            created.append(index.name)
    return created


def drop_index(entity_key: str, field_key: str) -> None:
    """Drop the field's indexes that exist (they may be missing after a restore)."""
    model, _per_type = _model_of(entity_key)
    for name in index_names(entity_key, field_key):
        if index_exists(model, name):
            # Dropping needs only the name; the expression is irrelevant to DROP INDEX.
            index = models.Index(fields=["custom"], name=name)
            _run_ddl(lambda index=index: _schema_editor().remove_index(model, index))


def ensure_indexes() -> list[str]:
    """Create every index the definitions call for that is missing (after a restore)."""
    from .models import FieldDefinition

    created = []
    for definition in FieldDefinition.objects.all():
        if registry.find(definition.entity) is None:
            continue
        if wants_index(definition.type, definition.filterable):
            created += create_index(definition.entity, definition.key, definition.type)
    return created
