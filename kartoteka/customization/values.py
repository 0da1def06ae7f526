"""Stored custom-field values, migrated in batches when a definition changes.

Values live under their field's key in the `custom` JSON column of every row of an entity.
Renaming a field moves them to the new key; deleting it removes them. Rows are read and
written in keyset batches of `BATCH` so memory stays flat on a million rows; the caller's
transaction makes the whole change all or nothing.
"""

from __future__ import annotations

from collections.abc import Callable

from django.db.models import Count, QuerySet

from kartoteka.platform.registry import EntitySpec

from .indexes import CustomValue

BATCH = 1000
EMPTY_TEXTS = ("", "[]", "null")


def _rows(spec: EntitySpec) -> QuerySet:
    return spec.queryset().select_related(None)


def _rows_with_key(spec: EntitySpec, key: str) -> QuerySet:
    return _rows(spec).filter(custom__has_key=key)


def _rewrite(spec: EntitySpec, key: str, change: Callable[[dict], None]) -> int:
    """Apply `change` to the `custom` dict of every row holding `key`; returns rows changed."""
    changed = 0
    last_pk = 0
    while True:
        batch = list(
            _rows_with_key(spec, key)
            .filter(pk__gt=last_pk)
            .order_by("pk")
            .only("pk", "custom")[:BATCH]
        )
        if not batch:
            return changed
        for obj in batch:
            change(obj.custom)
        spec.model._default_manager.bulk_update(batch, ["custom"], batch_size=BATCH)
        changed += len(batch)
        last_pk = batch[-1].pk


def rename_key(spec: EntitySpec, old: str, new: str) -> int:
    def move(custom: dict) -> None:
        custom[new] = custom.pop(old)

    return _rewrite(spec, old, move)


def remove_key(spec: EntitySpec, key: str) -> int:
    return _rewrite(spec, key, lambda custom: custom.pop(key, None))


def _filled(spec: EntitySpec, key: str) -> QuerySet:
    return (
        _rows_with_key(spec, key)
        .annotate(_value=CustomValue(key))
        .exclude(_value__isnull=True)
        .exclude(_value__in=EMPTY_TEXTS)
    )


def count_filled(spec: EntitySpec, key: str) -> int:
    """How many rows hold a non-empty value for `key`."""
    return _filled(spec, key).count()


def count_using(spec: EntitySpec, key: str, values: list[str]) -> int:
    """How many rows hold one of `values` (a single-choice field's options)."""
    return _filled(spec, key).filter(_value__in=values).count()


def has_duplicates(spec: EntitySpec, key: str) -> bool:
    return (
        _filled(spec, key)
        .order_by()
        .values("_value")
        .annotate(_rows=Count("pk"))
        .filter(_rows__gt=1)
        .exists()
    )
