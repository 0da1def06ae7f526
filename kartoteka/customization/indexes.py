"""Expression indexes on custom-field values, created and dropped at run time.

A filterable custom field (and every relation field) gets an index on its value inside the
`custom` JSON column, built by Django's schema editor from the `CustomValue` expression:
`JSON_EXTRACT("custom", '$."key"')` on SQLite, `("custom" ->> 'key')` on PostgreSQL, cast to
numeric for numbers, money amounts, users and relations. On `records.Record` the index starts
with the entity type, because every custom entity shares that table. No migration is
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


def index_name(entity_key: str, field_key: str) -> str:
    """`cf_<entity>_<key>`, cut to fit, plus a hash of both so names never collide."""
    digest = hashlib.sha1(f"{entity_key}.{field_key}".encode()).hexdigest()[:8]
    readable = re.sub(r"[^a-z0-9_]", "_", f"cf_{entity_key}_{field_key}".lower())
    return f"{readable[: NAME_MAX - len(digest) - 1]}_{digest}"


def wants_index(field_type: str, filterable: bool) -> bool:
    if field_type in UNINDEXED_TYPES:
        return False
    return filterable or field_type == FieldType.RELATION


def _model_of(entity_key: str) -> tuple[type[models.Model], bool]:
    spec = registry.get(entity_key)
    return spec.model, spec.is_custom_entity


def build_index(entity_key: str, field_key: str, field_type: str) -> models.Index:
    """On `records.Record`, shared by every custom entity, the index is partial: it covers
    only this entity type's rows. Another type may keep text under the same key, which a
    numeric index over the whole table could not hold (PostgreSQL casts every row)."""
    spec = registry.get(entity_key)
    value = custom_value(field_type, field_key)
    if spec.is_custom_entity:
        return models.Index(
            F("entity_type"),
            value,
            name=index_name(entity_key, field_key),
            condition=Q(entity_type_id=spec.entity_type_id),
        )
    return models.Index(value, name=index_name(entity_key, field_key))


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


def create_index(entity_key: str, field_key: str, field_type: str) -> str:
    """Create the index unless it already exists; returns its name."""
    model, _per_type = _model_of(entity_key)
    index = build_index(entity_key, field_key, field_type)
    if not index_exists(model, index.name):
        _run_ddl(lambda: _schema_editor().add_index(model, index))
    return index.name


def drop_index(entity_key: str, field_key: str) -> None:
    """Drop the index if it exists (it may be missing after a restore)."""
    model, _per_type = _model_of(entity_key)
    name = index_name(entity_key, field_key)
    if index_exists(model, name):
        # Dropping needs only the name; the expression is irrelevant to DROP INDEX.
        index = models.Index(fields=["custom"], name=name)
        _run_ddl(lambda: _schema_editor().remove_index(model, index))


def ensure_indexes() -> list[str]:
    """Create every index the definitions call for that is missing (after a restore)."""
    from .models import FieldDefinition

    created = []
    for definition in FieldDefinition.objects.all():
        if registry.find(definition.entity) is None:
            continue
        if wants_index(definition.type, definition.filterable):
            model, _per_type = _model_of(definition.entity)
            name = index_name(definition.entity, definition.key)
            if not index_exists(model, name):
                created.append(create_index(definition.entity, definition.key, definition.type))
    return created
