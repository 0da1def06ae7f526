"""Bulk writes for imports, restores and generated data: many records in batches.

Every row still passes the entity's one validator (`fields.validate_input`); references and
unique values are checked with one query per batch instead of one per row; the batch is
written with `bulk_create` inside one transaction together with its search entries, contact
points and "created" timeline entries. No per-row ORM hooks run in the hot loop, and one
event per batch (`records.bulk_created`) tells subscribers what arrived.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from itertools import islice
from typing import Any

from django.db import router, transaction
from django.db.models import prefetch_related_objects
from django.db.models.deletion import Collector
from django.utils import timezone
from django.utils.translation import gettext as _

from kartoteka.timeline.models import Activity

from . import checks, events, fastinsert, maintenance, permissions, search
from .fields import InputErrors, validate_input
from .models import ContactPoint, SearchEntry
from .registry import EntitySpec
from .services import _contact_points, forget_records, placement

BATCH = 2000
# what `write_rows` sets on every new record itself (no default is worked out for them)
SET_HERE = ("custom", "created_at", "updated_at")
SEARCH_COLUMNS = ("entity", "object_id", "owner_id", "title", "subtitle", "document")
POINT_COLUMNS = ("entity", "object_id", "kind", "value")
ACTIVITY_COLUMNS = ("entity", "object_id", "kind", "actor_id", "at", "summary", "body", "payload")


@dataclass
class BulkResult:
    created: int = 0
    ids: list[int] = field(default_factory=list)
    errors: list[tuple[int, dict[str, list[str]]]] = field(default_factory=list)


@dataclass
class BulkRow:
    """One row to create: raw field values, plus what only trusted callers may set."""

    data: dict[str, Any]
    created_at: Any = None
    # `check_input(…, data)` done ahead (an import's reader process): (clean, None) or
    # (None, errors by field)
    checked: tuple[dict | None, dict | None] | None = None


def _batches(rows: Iterable, size: int) -> Iterator[list]:
    iterator = iter(rows)
    while batch := list(islice(iterator, size)):
        yield batch


def bulk_create_records(
    entity: EntitySpec,
    user,
    rows: Iterable[dict | BulkRow],
    *,
    batch_size: int = BATCH,
    all_or_nothing: bool = False,
    check_permission: bool = True,
) -> BulkResult:
    """Create many records. Invalid rows are skipped and reported by their index (or, with
    `all_or_nothing`, the first invalid row refuses the whole load before anything is
    written of its batch)."""
    if check_permission:
        permissions.require(user, entity.key, "create")
    result = BulkResult()
    actor = user if user is not None and user.is_authenticated else None
    offset = 0
    for batch in _batches(rows, batch_size):
        good, errors = validate_rows(entity, actor, batch)
        result.errors.extend((offset + index, errs) for index, errs in errors)
        if all_or_nothing and result.errors:
            raise InputErrors(
                {
                    f"row {index + 1}": [next(iter(errs.values()))[0]]
                    for index, errs in result.errors[:20]
                }
            )
        good = [(offset + index, clean, row) for index, clean, row in good]
        offset += len(batch)
        if good:
            created = write_rows(entity, actor, good)
            result.created += len(created)
            result.ids.extend(created)
    result.errors.sort(key=lambda item: item[0])
    maintenance.after_bulk_load(result.created)
    return result


def validate_rows(
    entity: EntitySpec, actor, batch: list[dict | BulkRow], *, require: bool = True
) -> tuple[list[tuple[int, dict, BulkRow]], list[tuple[int, dict[str, list[str]]]]]:
    """One batch through the entity's validator, its rules and the database checks, writing
    nothing: the rows that may be created (index, clean values, row) and the refused ones
    (index, errors by field). The import's dry run stops here."""
    prepared: list[tuple[int, dict, BulkRow]] = []
    errors: list[tuple[int, dict[str, list[str]]]] = []
    for position, raw in enumerate(batch):
        row = raw if isinstance(raw, BulkRow) else BulkRow(data=raw)
        clean, invalid = row.checked or check_input(entity, actor, row.data, require=require)
        if invalid is not None:
            errors.append((position, invalid))
            continue
        rule_errors = entity.behaviour.check(actor, None, clean)
        if rule_errors:
            errors.append((position, rule_errors))
            continue
        prepared.append((position, clean, row))
    bad = checks.check_rows(entity, actor, [clean for _i, clean, _r in prepared])
    for local_index in sorted(bad):
        errors.append((prepared[local_index][0], bad[local_index]))
    errors.sort(key=lambda item: item[0])
    good = [item for local, item in enumerate(prepared) if local not in bad]
    return good, errors


def check_input(
    entity: EntitySpec, actor, data: dict, *, require: bool = True
) -> tuple[dict | None, dict | None]:
    """A new record's values through the entity's validator, nothing from the database:
    (clean values, None) or (None, errors by field). The actor owns what names no owner."""
    data = dict(data)
    if "owner" not in data and actor is not None:
        data["owner"] = actor.pk
    try:
        return validate_input(
            entity.validator, entity.fields, data, partial=False, require=require
        ), None
    except InputErrors as exc:
        return None, exc.errors


def write_rows(
    entity: EntitySpec,
    actor,
    good: list[tuple[int, dict, BulkRow]],
    *,
    summary: str = "",
    payload: dict | None = None,
) -> list[int]:
    """Write validated rows (from `validate_rows`) in one transaction with their search
    entries, contact points and "created" timeline entries (`summary`/`payload` say where
    they came from: an import names itself there). Joins the caller's transaction."""
    now = timezone.now()
    objs = entity.new_instances(len(good), SET_HERE)
    where = {spec.key: placement(entity.model, spec) for spec in entity.fields}
    actor_id = actor.pk if actor is not None else None
    creator = entity.model._meta.get_field("created_by")
    for obj, (_index, clean, row) in zip(objs, good, strict=True):
        obj.custom = custom = {}
        for key, value in clean.items():  # `services._set_value`, inlined: it runs per value
            name, empty = where[key]
            if name is None:
                if value is not None and value != []:
                    custom[key] = value
                continue
            if value is None and empty is not None:
                value = [] if empty is list else empty
            setattr(obj, name, value)
        obj.created_by_id = actor_id  # as `obj.created_by = actor` sets it, without the checks
        if actor is not None:
            creator.set_cached_value(obj, actor)
        obj.created_at = obj.updated_at = row.created_at or now
    entity.behaviour.before_bulk_create(actor, objs)
    with transaction.atomic():
        fastinsert.insert(entity.model, objs)
        if any(obj.pk is None for obj in objs):  # a database that returns no ids
            raise RuntimeError("bulk_create returned no primary keys")
        entity.behaviour.after_bulk_create(actor, objs)
        _cache_related(entity, actor, objs)
        entries, points, activities = [], [], []
        payload_json = fastinsert.JsonText(json.dumps(payload or {}))
        summary = summary[:255]
        key, created = entity.key, Activity.Kind.CREATED
        ids = [obj.pk for obj in objs]
        for obj, pk in zip(objs, ids, strict=True):
            title, subtitle, document = search.document_of(entity, obj)
            entries.append((key, pk, obj.owner_id, title, subtitle, document))
            for kind, value in _contact_points(obj):
                points.append((key, pk, kind, value[:255]))
            activities.append(
                (key, pk, created, actor_id, obj.created_at, summary, "", payload_json)
            )
        fastinsert.insert_rows(SearchEntry, SEARCH_COLUMNS, entries)
        fastinsert.insert_rows(ContactPoint, POINT_COLUMNS, points)
        fastinsert.insert_rows(Activity, ACTIVITY_COLUMNS, activities)
        events.emit("records.bulk_created", entity=entity.key, count=len(ids), first=ids[0])
    return ids


def _cache_related(entity: EntitySpec, actor, objs: list) -> None:
    """The records that titles and subtitles may read (`entity.select_related`: the owner,
    the company), fetched once for the batch rather than once per row. A record that names
    none needs no fetch (reading the relation gives None without a query), and the actor,
    every imported record's owner unless the file names another, is at hand already."""
    meta = entity.model._meta
    for name in entity.select_related:
        field = meta.get_field(name)
        actor_is_one = actor is not None and isinstance(actor, field.related_model)
        attname = field.attname
        todo = []
        for obj in objs:
            value = obj.__dict__.get(attname)
            if value is None or field.is_cached(obj):
                continue
            if actor_is_one and value == actor.pk:
                field.set_cached_value(obj, actor)
            else:
                todo.append(obj)
        for chunk in _batches(todo, 500):
            prefetch_related_objects(chunk, name)


@dataclass
class BulkActivity:
    entity: str
    object_id: int
    kind: str
    body: str
    at: Any
    actor_id: int | None = None


def bulk_add_activities(entries: Iterable[BulkActivity], *, batch_size: int = 5000) -> int:
    """Timeline entries in bulk (imported history, generated data). Kinds and bodies are
    checked as `services.add_activity` checks them; the caller vouches for the records."""
    from .services import ACTIVITY_BODY_MAX

    written = 0
    for batch in _batches(entries, batch_size):
        rows = []
        for entry in batch:
            if entry.kind not in Activity.USER_KINDS:
                raise InputErrors({"kind": [_("Choose note, call, email or meeting.")]})
            body = (entry.body or "").strip()
            if not body or len(body) > ACTIVITY_BODY_MAX:
                raise InputErrors({"body": [_("Write something.")]})
            rows.append(
                Activity(
                    entity=entry.entity,
                    object_id=entry.object_id,
                    kind=entry.kind,
                    actor_id=entry.actor_id,
                    summary=body.splitlines()[0][:200],
                    body=body,
                    at=entry.at,
                )
            )
        with transaction.atomic():
            Activity.objects.bulk_create(rows, batch_size=batch_size)
        written += len(rows)
    return written


def bulk_remove(entity: EntitySpec, actor, ids: Iterable[int], *, summary: str = "") -> int:
    """Remove many records (an import undone): their links, search entries and contact
    points go with them, and each gets a "deleted" timeline entry. Joins the caller's
    transaction; the model's own cascades run as for any delete. Subscribers hear one
    `records.bulk_deleted` event (entity, ids) per chunk of 500, not one event per record."""
    removed = 0
    for chunk in _batches(ids, 500):
        objs = list(entity.queryset().filter(pk__in=chunk).select_related(*entity.select_related))
        if not objs:
            continue
        pks = [obj.pk for obj in objs]
        actor_id = actor.pk if actor is not None else None
        now = timezone.now()
        entries = []
        for obj in objs:
            title = entity.title(obj)
            entries.append(
                (entity.key, obj.pk, Activity.Kind.DELETED, actor_id, now,
                 (f"{title} · {summary}" if summary else title)[:255], "", {})
            )  # fmt: skip
        with transaction.atomic():
            # the instances already read: `QuerySet.delete` would read them all again
            collector = Collector(using=router.db_for_write(entity.model))
            collector.collect(objs)
            collector.delete()
            forget_records(entity, pks)
            fastinsert.insert_rows(Activity, ACTIVITY_COLUMNS, entries)
            events.emit("records.bulk_deleted", entity=entity.key, ids=pks)
        removed += len(pks)
    return removed
