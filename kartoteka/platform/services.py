"""Generic writes for every registered entity: create, update, delete, bulk actions, links,
merging and timeline entries.

Each function validates through the one validator, writes in one transaction, records the
timeline entry (field changes with old and new values), keeps the search and contact-point
indexes in step and emits a domain event. Views, the API, importers and jobs call these;
they never save domain objects themselves. Domain apps wrap them (`contacts/services.py`).
"""

from __future__ import annotations

import datetime as dt
import difflib
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from kartoteka.timeline.models import Activity

from . import checks, events, ownership, permissions, search
from .fields import FieldSpec, FieldType, InputErrors, validate_input
from .jsonvalue import custom_value
from .models import ContactPoint, SearchEntry
from .registry import EntitySpec, registry


class Conflict(Exception):
    """A stale edit: the record changed since the client read it."""

    def __init__(self, current_version: int):
        super().__init__(current_version)
        self.current_version = current_version


# -- reading and writing values ---------------------------------------------------------------


def get_value(obj, spec: FieldSpec) -> Any:
    if spec.storage == "custom":
        return (obj.custom or {}).get(spec.key)
    if spec.storage == "fk":
        return getattr(obj, f"{spec.key}_id")
    value = getattr(obj, spec.key)
    return value if value not in ("",) else None


def placement(model, spec: FieldSpec) -> tuple[str | None, Any]:
    """Where a field's clean value goes on an instance of `model`: (attribute, what stands
    for None there), the attribute None for a custom field (a key of the `custom` JSON,
    where empty values are left out). `_set_value` places one value by it; `bulk.write_rows`
    works it out once per field for a whole batch."""
    if spec.storage == "custom":
        return None, None
    if spec.storage == "fk":
        return f"{spec.key}_id", None
    if spec.multiple or spec.type == FieldType.TAGS:
        return spec.key, list
    return spec.key, (None if model._meta.get_field(spec.key).null else "")


def _set_value(obj, spec: FieldSpec, value: Any) -> None:
    name, empty = placement(type(obj), spec)
    if name is None:  # a custom field: empty values are left out of the JSON
        if value is None or value == []:
            obj.custom.pop(spec.key, None)
        else:
            obj.custom[spec.key] = value
        return
    if value is None and empty is not None:
        value = [] if empty is list else empty
    setattr(obj, name, value)


def validate(
    entity: EntitySpec, user, data: dict, *, partial: bool, instance=None, require: bool = True
) -> dict:
    clean = validate_input(entity.validator, entity.fields, data, partial=partial, require=require)
    errors = checks.check_rows(
        entity, user, [clean], exclude_pk=instance.pk if instance is not None else None
    )
    row_errors = dict(errors.get(0, {}))
    if instance is not None and not row_errors.get("owner"):
        message = checks.owner_change_error(entity, user, instance.owner_id, clean)
        if message:
            row_errors["owner"] = [message]
    if not row_errors:
        row_errors = entity.behaviour.check(user, instance, clean)
    if row_errors:
        raise InputErrors(row_errors)
    return clean


# -- indexes -------------------------------------------------------------------------------


def _contact_points(obj) -> list[tuple[str, str]]:
    points = [(ContactPoint.EMAIL, value) for value in getattr(obj, "emails", None) or []]
    points += [(ContactPoint.PHONE, value) for value in getattr(obj, "phones", None) or []]
    for value in (obj.custom or {}).values():
        if isinstance(value, str) and "@" in value and " " not in value and len(value) < 255:
            points.append((ContactPoint.EMAIL, value))
    return points


def reindex(entity: EntitySpec, obj) -> None:
    search.index_record(entity, obj)
    ContactPoint.objects.filter(entity=entity.key, object_id=obj.pk).delete()
    points = _contact_points(obj)
    if points:
        ContactPoint.objects.bulk_create(
            ContactPoint(entity=entity.key, object_id=obj.pk, kind=kind, value=value[:255])
            for kind, value in points
        )


def forget_records(entity: EntitySpec, pks: list[int]) -> None:
    """What points at deleted records without a foreign key: their links, search entries
    and contact points. One query per relation type and table, however many records."""
    from kartoteka.records.models import Link

    for relation_type in registry.relation_types_for(entity.key):
        if relation_type.from_entity == entity.key:
            Link.objects.filter(relation_type=relation_type, from_id__in=pks).delete()
        if relation_type.to_entity == entity.key:
            Link.objects.filter(relation_type=relation_type, to_id__in=pks).delete()
    SearchEntry.objects.filter(entity=entity.key, object_id__in=pks).delete()
    ContactPoint.objects.filter(entity=entity.key, object_id__in=pks).delete()


def _unindex(entity: EntitySpec, pk: int) -> None:
    search.unindex_record(entity.key, pk)
    ContactPoint.objects.filter(entity=entity.key, object_id=pk).delete()


# -- timeline ------------------------------------------------------------------------------


def record_activity(
    entity_key: str,
    object_id: int,
    kind: str,
    actor=None,
    *,
    summary: str = "",
    body: str = "",
    payload: dict | None = None,
    at=None,
) -> Activity:
    return Activity.objects.create(
        entity=entity_key,
        object_id=object_id,
        kind=kind,
        actor=actor if actor is not None and actor.is_authenticated else None,
        summary=summary[:255],
        body=body,
        payload=payload or {},
        at=at or timezone.now(),
    )


ACTIVITY_BODY_MAX = 20000


def add_activity(entity: EntitySpec, user, obj, data: dict) -> Activity:
    """A note, call, email or meeting a person logs on a record's card: anyone who sees the
    record and may change records of its kind at all (a read-only role may not)."""
    permissions.require(user, entity.key, "view", obj)
    if not permissions.may_log_activity(user, entity.key):
        raise permissions.PermissionDenied("change")
    kind = data.get("kind") or Activity.Kind.NOTE
    errors: dict[str, list[str]] = {}
    if kind not in Activity.USER_KINDS:
        errors["kind"] = [_("Choose note, call, email or meeting.")]
    body = data.get("body")
    if not isinstance(body, str) or not body.strip():
        errors["body"] = [_("Write something.")]
    elif len(body) > ACTIVITY_BODY_MAX:
        errors["body"] = [
            _("Enter at most %(max)d characters (it has %(len)d).")
            % {"max": ACTIVITY_BODY_MAX, "len": len(body)}
        ]
    at = data.get("at")
    if at not in (None, ""):
        try:
            at = timezone.datetime.fromisoformat(str(at))
            if timezone.is_naive(at):
                at = timezone.make_aware(at)
        except ValueError:
            errors["at"] = [_("Enter a valid date and time.")]
    else:
        at = None
    unknown = set(data) - {"kind", "body", "at"}
    for key in unknown:
        errors[key] = [_("Unknown field.")]
    if errors:
        raise InputErrors(errors)
    body = body.strip()
    with transaction.atomic():
        activity = record_activity(
            entity.key, obj.pk, kind, user, summary=body.splitlines()[0][:200], body=body, at=at
        )
        events.emit("activity.created", entity=entity.key, id=obj.pk, activity=activity.pk)
    return activity


def _plain(value: Any) -> Any:
    """A column's value as the validator would give it (Decimal → number, date → ISO text),
    so a comparison with clean input sees real changes only and the timeline stores JSON."""
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    if isinstance(value, dt.datetime):
        return value.astimezone(dt.UTC).isoformat(timespec="seconds")
    if isinstance(value, dt.date):
        return value.isoformat()
    return value


def _changes(entity: EntitySpec, obj, clean: dict) -> list[dict]:
    changes = []
    for key, new in clean.items():
        field_spec = entity.field(key)
        old = _plain(get_value(obj, field_spec))
        if (old in (None, "", [])) and (new in (None, "", [])):
            continue
        if old != new:
            changes.append({"field": key, "old": old, "new": new})
    return changes


# -- create, update, delete ----------------------------------------------------------------


def create_record(
    entity: EntitySpec,
    user,
    data: dict,
    *,
    check_permission: bool = True,
    claim: bool = True,
    channel: str = "",
    attributes: dict[str, Any] | None = None,
    require_all: bool = True,
):
    """Create a record. A client someone else already owns is not created again (see
    `ownership`): the enquiry goes onto the existing card and `AttachedToExisting` tells
    the caller where (`claim=False` skips this, for imports with their own key).

    `attributes` are model attributes the caller sets that are not fields people edit (a
    lead's UTM parameters and web form); they are saved with the record, or kept in the
    enquiry's payload when it lands on an existing card.

    `require_all=False` is for records that arrive from outside with what they have (a mail,
    a customer's portal form): fields an administrator made required do not refuse them,
    though every value given is still checked."""
    if check_permission:
        permissions.require(user, entity.key, "create")
    data = dict(data)
    if "owner" not in data and user is not None:
        data["owner"] = user.pk
    clean = validate(entity, user, data, partial=False, require=require_all)
    if claim:
        match = ownership.claimed_match(entity, user, clean)
        if match is not None:
            with transaction.atomic():
                activity = ownership.attach_enquiry(entity, user, clean, match, channel, attributes)
            raise ownership.AttachedToExisting(match, activity)
    obj = entity.new_instance()
    obj.custom = {}
    for key, value in clean.items():
        _set_value(obj, entity.field(key), value)
    obj.created_by = user if user is not None and user.is_authenticated else None
    for name, value in (attributes or {}).items():
        setattr(obj, name, value)
    with transaction.atomic():
        entity.behaviour.before_save(user, obj, [], True)
        obj.save()
        reindex(entity, obj)
        record_activity(entity.key, obj.pk, Activity.Kind.CREATED, user)
        entity.behaviour.after_save(user, obj, [], True)
        events.emit("record.created", entity=entity.key, id=obj.pk)
    return obj


def update_record(
    entity: EntitySpec,
    user,
    obj,
    data: dict,
    *,
    version: int | None = None,
    partial: bool = True,
    check_permission: bool = True,
    origin: dict | None = None,
):
    """Change a record. `origin` ({"summary": …, and payload keys}) names where the change
    came from (an import) on its timeline entries."""
    if check_permission:
        permissions.require(user, entity.key, "change", obj)
    origin = dict(origin or {})
    origin_summary = str(origin.pop("summary", ""))
    clean = validate(entity, user, data, partial=partial, instance=obj)
    with transaction.atomic():
        locked = entity.queryset().select_for_update(of=("self",)).get(pk=obj.pk)
        if version is not None and int(version) != locked.version:
            raise Conflict(locked.version)
        changes = _changes(entity, locked, clean)
        if not changes:
            return locked
        for key, value in clean.items():
            _set_value(locked, entity.field(key), value)
        locked.version += 1
        locked.updated_at = timezone.now()
        entity.behaviour.before_save(user, locked, changes, False)
        locked.save()
        reindex(entity, locked)
        owner_change = [c for c in changes if c["field"] == "owner"]
        others = [c for c in changes if c["field"] != "owner"]
        if owner_change:
            record_activity(
                entity.key,
                locked.pk,
                Activity.Kind.OWNER_CHANGED,
                user,
                summary=origin_summary,
                payload={"changes": owner_change, **origin},
            )
        if others:
            record_activity(
                entity.key,
                locked.pk,
                Activity.Kind.CHANGED,
                user,
                summary=origin_summary,
                payload={"changes": others, **origin},
            )
        entity.behaviour.after_save(user, locked, changes, False)
        events.emit(
            "record.updated", entity=entity.key, id=locked.pk, fields=[c["field"] for c in changes]
        )
    return locked


def delete_record(entity: EntitySpec, user, obj, *, check_permission: bool = True) -> None:

    if check_permission:
        permissions.require(user, entity.key, "delete", obj)
    pk = obj.pk
    with transaction.atomic():
        title = entity.title(obj)
        obj.delete()
        forget_records(entity, [pk])
        record_activity(entity.key, pk, Activity.Kind.DELETED, user, summary=title)
        events.emit("record.deleted", entity=entity.key, id=pk)


def bulk_update(entity: EntitySpec, user, objs: list, data: dict) -> int:
    """Set the same values on many records; all or nothing."""
    with transaction.atomic():
        for obj in objs:
            update_record(entity, user, obj, data, partial=True)
    return len(objs)


def bulk_delete(entity: EntitySpec, user, objs: list) -> int:
    with transaction.atomic():
        for obj in objs:
            delete_record(entity, user, obj)
    return len(objs)


# -- links ---------------------------------------------------------------------------------


def link_records(user, relation_type, from_obj, to_obj):
    from kartoteka.records.models import Link

    from_spec = registry.get(relation_type.from_entity)
    to_spec = registry.get(relation_type.to_entity)
    permissions.require(user, from_spec.key, "change", from_obj)
    permissions.require(user, to_spec.key, "view", to_obj)
    with transaction.atomic():
        if Link.objects.filter(
            relation_type=relation_type, from_id=from_obj.pk, to_id=to_obj.pk
        ).exists():
            raise InputErrors({"__all__": [_("These records are already linked.")]})
        if (
            relation_type.cardinality == relation_type.ONE_TO_MANY
            and Link.objects.filter(relation_type=relation_type, to_id=to_obj.pk).exists()
        ):
            raise InputErrors(
                {
                    "__all__": [
                        _("“%(title)s” is already linked to another record.")
                        % {"title": to_spec.title(to_obj)}
                    ]
                }
            )
        link = Link.objects.create(
            relation_type=relation_type,
            from_id=from_obj.pk,
            to_id=to_obj.pk,
            created_by=user if user is not None and user.is_authenticated else None,
        )
        payload = {"relation": relation_type.pk}
        record_activity(
            from_spec.key,
            from_obj.pk,
            Activity.Kind.LINKED,
            user,
            summary=to_spec.title(to_obj),
            payload={**payload, "entity": to_spec.key, "id": to_obj.pk},
        )
        record_activity(
            to_spec.key,
            to_obj.pk,
            Activity.Kind.LINKED,
            user,
            summary=from_spec.title(from_obj),
            payload={**payload, "entity": from_spec.key, "id": from_obj.pk},
        )
        events.emit("link.created", id=link.pk, relation=relation_type.key)
    return link


def unlink_records(user, link) -> None:
    relation_type = link.relation_type
    from_spec = registry.get(relation_type.from_entity)
    to_spec = registry.get(relation_type.to_entity)
    from_obj = from_spec.queryset().filter(pk=link.from_id).first()
    if from_obj is not None:
        permissions.require(user, from_spec.key, "change", from_obj)
    elif not permissions.can(user, from_spec.key, "change"):
        raise permissions.PermissionDenied("change")
    with transaction.atomic():
        link.delete()
        for key, pk, other_key, other_pk in (
            (from_spec.key, link.from_id, to_spec.key, link.to_id),
            (to_spec.key, link.to_id, from_spec.key, link.from_id),
        ):
            record_activity(
                key,
                pk,
                Activity.Kind.UNLINKED,
                user,
                payload={"relation": relation_type.pk, "entity": other_key, "id": other_pk},
            )
        events.emit("link.deleted", relation=relation_type.key)


# -- duplicates and merging ----------------------------------------------------------------


SIMILAR_NAME_RATIO = 0.8


def find_duplicates(entity: EntitySpec, data: dict, *, exclude_pk: int | None = None) -> list:
    """Records that share an email or phone with `data`, or have a very similar title.

    Returns dicts with entity spec, id, title, owner name and reason. Shown regardless of the
    viewer's scope, so people learn who already owns a client; only the title and the owner
    are revealed.
    """
    found: dict[tuple[str, int], dict] = {}
    values = []
    for value in data.get("emails") or []:
        values.append((ContactPoint.EMAIL, str(value).lower()))
    for value in data.get("phones") or []:
        values.append((ContactPoint.PHONE, str(value)))
    if values:
        for point in ContactPoint.objects.filter(value__in=[value for _kind, value in values])[:20]:
            if point.entity == entity.key and point.object_id == exclude_pk:
                continue
            reason = (
                _("same email %(value)s")
                if point.kind == ContactPoint.EMAIL
                else _("same phone %(value)s")
            ) % {"value": point.value}
            found.setdefault((point.entity, point.object_id), {"reason": reason})
    title = _title_from_data(entity, data)
    terms = search.terms_of(title)
    if terms:
        folded = " ".join(terms)
        for object_id, entry_title in search.title_candidates(entity.key, terms):
            if object_id == exclude_pk:
                continue
            ratio = difflib.SequenceMatcher(
                None, folded, " ".join(search.terms_of(entry_title))
            ).ratio()
            if ratio >= SIMILAR_NAME_RATIO:
                found.setdefault((entity.key, object_id), {"reason": _("very similar name")})
    shown = list(found.items())[:10]
    loaded: dict[tuple[str, int], Any] = {}
    for key in {key for (key, _pk), _info in shown}:  # one query per entity, not per match
        spec = registry.find(key)
        if spec is not None:
            pks = [pk for (other, pk), _info in shown if other == key]
            loaded.update(((key, obj.pk), obj) for obj in spec.queryset().filter(pk__in=pks))
    results = []
    for (key, pk), info in shown:
        spec = registry.find(key)
        obj = loaded.get((key, pk))
        if obj is None:
            continue
        results.append(
            {
                "spec": spec,
                "entity": key,
                "id": pk,
                "title": spec.title(obj),
                "owner": str(obj.owner) if obj.owner_id else "",
                "reason": info["reason"],
                "object": obj,
            }
        )
    return results


def _title_from_data(entity: EntitySpec, data: dict) -> str:
    if entity.key == "contact":
        return f"{data.get('first_name') or ''} {data.get('last_name') or ''}".strip()
    value = data.get(entity.title_field)
    return value if isinstance(value, str) else ""


def _reindex_moved(model, ids: list[int]) -> None:
    """Records whose reference moved in a merge show the kept title in search (subtitle)."""
    for spec in registry.all():
        if spec.model is model and not spec.is_custom_entity and ids:
            for obj in spec.queryset().filter(pk__in=ids):
                search.index_record(spec, obj)


def merge_records(entity: EntitySpec, user, keep, other, choices: dict[str, str] | None = None):
    """Merge `other` into `keep`. For each field `choices[key]` is "keep" or "other";
    empty fields of `keep` take the other's value by default. Timeline entries, links and
    references move to the kept record; the other is deleted."""
    from kartoteka.records.models import Link

    if keep.pk == other.pk:
        raise InputErrors({"__all__": [_("Choose two different records.")]})
    permissions.require(user, entity.key, "change", keep)
    permissions.require(user, entity.key, "delete", other)
    choices = choices or {}
    data = {}
    for field_spec in entity.fields:
        if not field_spec.editable:
            continue
        mine, theirs = get_value(keep, field_spec), get_value(other, field_spec)
        choice = choices.get(field_spec.key)
        if choice == "other" or (choice is None and mine in (None, "", []) and theirs):
            data[field_spec.key] = theirs
        elif (
            choice is None
            and isinstance(mine, list)
            and isinstance(theirs, list)
            and field_spec.key in ("phones", "emails", "tags")
        ):
            data[field_spec.key] = mine + [v for v in theirs if v not in mine]
    with transaction.atomic():
        other_title = entity.title(other)
        other_pk = other.pk
        Activity.objects.filter(entity=entity.key, object_id=other_pk).update(object_id=keep.pk)
        for relation_type in registry.relation_types_for(entity.key):
            for end, opposite in (("from_id", "to_id"), ("to_id", "from_id")):
                side = relation_type.from_entity if end == "from_id" else relation_type.to_entity
                if side != entity.key:
                    continue
                existing = set(
                    Link.objects.filter(relation_type=relation_type, **{end: keep.pk}).values_list(
                        opposite, flat=True
                    )
                )
                moving = Link.objects.filter(relation_type=relation_type, **{end: other_pk})
                moving.filter(**{f"{opposite}__in": existing}).delete()
                moving.update(**{end: keep.pk})
        for related in entity.model._meta.related_objects:
            # the reverse side of a foreign key (a company's contacts) is one-to-many here
            if related.one_to_many and related.related_model._meta.app_label != "platform":
                moving = related.related_model._default_manager.filter(
                    **{related.field.name: other_pk}
                )
                moved_ids = list(moving.values_list("pk", flat=True))
                moving.update(**{related.field.name: keep.pk})
                _reindex_moved(related.related_model, moved_ids)
        for spec, field_spec in registry.reverse_relation_fields(entity.key):
            pointing = spec.queryset().alias(_ref=custom_value(field_spec.type, field_spec.key))
            for row in pointing.filter(_ref=other_pk):
                row.custom[field_spec.key] = keep.pk
                row.save(update_fields=["custom"])
        other.delete()
        _unindex(entity, other_pk)
        kept = keep
        if data:
            kept = update_record(entity, user, keep, data, partial=True, check_permission=False)
        record_activity(
            entity.key,
            keep.pk,
            Activity.Kind.MERGED,
            user,
            summary=other_title,
            payload={"merged_id": other_pk},
        )
        events.emit("record.merged", entity=entity.key, id=keep.pk, merged=other_pk)
    return kept


def clean_input(entity: EntitySpec, data: dict) -> dict:
    """Raw input normalised by the validator, without reference or uniqueness checks (for
    duplicate look-ups and for comparing a stale edit with the stored values)."""
    return validate_input(entity.validator, entity.fields, data, partial=True)
