"""Checks on validated rows that need the database: referenced users and records exist (and
the writer may see them), unique values are free, and owners are assigned only by those
allowed to. One query per referenced entity or unique field, whatever the number of rows:
the single-record services pass one row, the bulk path a whole batch.
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth import get_user_model
from django.utils.translation import gettext as _

from . import permissions
from .fields import FieldType
from .jsonvalue import custom_value
from .registry import EntitySpec, registry

RowErrors = dict[int, dict[str, list[str]]]


def _add(errors: RowErrors, index: int, key: str, message: str) -> None:
    errors.setdefault(index, {}).setdefault(key, []).append(message)


def _check_references(entity: EntitySpec, user, rows: list[dict], errors: RowErrors) -> None:
    for field_spec in entity.fields:
        if field_spec.type not in (FieldType.USER, FieldType.RELATION):
            continue
        wanted = {row[field_spec.key] for row in rows if row.get(field_spec.key) is not None}
        if not wanted:
            continue
        if field_spec.type == FieldType.USER:
            found = set(
                get_user_model()
                .objects.filter(pk__in=wanted, is_active=True)
                .values_list("pk", flat=True)
            )
            message = _("Choose an active user.")
        else:
            target = registry.find(field_spec.related_entity)
            found = set()
            if target is not None:
                qs = target.queryset()
                if user is not None:
                    qs = permissions.restrict(qs, user, target.key)
                found = set(qs.filter(pk__in=wanted).values_list("pk", flat=True))
            message = _("Choose an existing record you can see.")
        for index, row in enumerate(rows):
            value = row.get(field_spec.key)
            if value is not None and value not in found:
                _add(errors, index, field_spec.key, message)


def _check_unique(
    entity: EntitySpec, rows: list[dict], exclude_pk: int | None, errors: RowErrors
) -> None:
    message = _("Another record already has this value.")
    for field_spec in entity.fields:
        if not field_spec.unique:
            continue
        first_row: dict[Any, int] = {}
        for index, row in enumerate(rows):
            value = row.get(field_spec.key)
            if value in (None, "", []):
                continue
            if value in first_row:
                _add(errors, index, field_spec.key, message)  # twice in the same load
            first_row.setdefault(value, index)
        if not first_row:
            continue
        if field_spec.is_custom:
            expression = custom_value(field_spec.type, field_spec.key)
            qs = entity.queryset().alias(_value=expression).filter(_value__in=list(first_row))
            taken = qs.values_list(expression, flat=True)
        else:
            qs = entity.queryset().filter(**{f"{field_spec.attname}__in": list(first_row)})
            taken = qs.values_list(field_spec.attname, flat=True)
        if exclude_pk:
            taken = taken.exclude(pk=exclude_pk)
        for value in set(taken):
            if value in first_row:
                _add(errors, first_row[value], field_spec.key, message)


def _check_owners(entity: EntitySpec, user, rows: list[dict], errors: RowErrors) -> None:
    """Anyone with scope 'all' on change assigns owners freely; others only themselves."""
    if user is None or permissions.scope_for(user, entity.key, "change") == "all":
        return
    for index, row in enumerate(rows):
        if row.get("owner") not in (None, user.pk):
            _add(errors, index, "owner", _("You may only assign records to yourself."))


def owner_change_error(entity: EntitySpec, user, current_owner_id, clean: dict) -> str:
    """A record's owner keeps it: only those with scope 'all' on change reassign it (a
    teammate may not take a colleague's client by naming themselves)."""
    if "owner" not in clean or user is None or current_owner_id in (None, clean["owner"]):
        return ""
    if permissions.scope_for(user, entity.key, "change") == "all":
        return ""
    return _("Only a head of sales or an administrator can reassign this record.")


def check_rows(
    entity: EntitySpec, user, rows: list[dict], *, exclude_pk: int | None = None
) -> RowErrors:
    """Errors by row index for rows already through the validator; {} when all is well."""
    errors: RowErrors = {}
    _check_references(entity, user, rows, errors)
    _check_unique(entity, rows, exclude_pk, errors)
    _check_owners(entity, user, rows, errors)
    return errors
