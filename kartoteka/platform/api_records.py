"""API for every registered entity, built in or custom: records, timeline, links, search,
duplicates and merging. Paths read the registry, so a new custom entity is served at once.

    GET    /entities                                  entity types and their fields
    GET    /entities/{key}/records                    list: q, sort, f.<field>[.min|.max], cursor
    POST   /entities/{key}/records                    create
    GET    /entities/{key}/records/{id}               read
    PATCH  /entities/{key}/records/{id}               change (needs "version" or If-Match)
    DELETE /entities/{key}/records/{id}               delete
    GET    /entities/{key}/records/{id}/timeline      entries, newest first (cursor)
    POST   /entities/{key}/records/{id}/timeline      add a note, call, email or meeting
    GET    /entities/{key}/records/{id}/links         linked records by relation
    POST   /entities/{key}/records/{id}/merge         merge another record into this one
    POST   /entities/{key}/duplicates                 records that look like the given data
    POST   /links, DELETE /links/{id}                 link and unlink two records
    GET    /search?q=                                 global search
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.http import Http404
from django.utils.translation import gettext as _
from ninja import Body, Query, Router, Schema, Status
from pydantic import ConfigDict, Field

from kartoteka.records.models import Link
from kartoteka.timeline.models import Activity

from . import ownership, permissions, search, services
from .fields import InputErrors
from .listing import ListQuery, decode_cursor, encode_cursor
from .registry import EntitySpec, registry

router = Router(tags=["records"])


# -- helpers -----------------------------------------------------------------------------------


def entity_or_404(key: str) -> EntitySpec:
    spec = registry.find(key)
    if spec is None:
        raise Http404
    return spec


def visible_or_404(user, spec: EntitySpec, pk: int, action: str = "view", *, related=True):
    """The record if the user may see it; 404 otherwise, so nothing reveals it exists.
    `related=False` loads the record's own row only (enough for `serialize`)."""
    if not related and permissions.scope_for(user, spec.key, "view") == "all":
        obj = spec.row_by_key.get(pk)  # sees every record: SQL compiled once, no filter
        if obj is None:
            raise Http404
    else:
        qs = spec.queryset() if related else spec.queryset().select_related(None)
        # .get(), not .first(): one row by primary key needs no ORDER BY to compile.
        try:
            obj = permissions.restrict(qs, user, spec.key, "view").get(pk=pk)
        except qs.model.DoesNotExist:
            raise Http404 from None
    if action != "view" and not permissions.may_act_on(user, spec.key, action, obj):
        raise permissions.PermissionDenied(action)
    return obj


def serialize(spec: EntitySpec, obj) -> dict[str, Any]:
    data: dict[str, Any] = {
        "id": obj.pk,
        "entity": spec.key,
        "title": spec.title(obj),
        "version": obj.version,
        "created_at": obj.created_at.isoformat(),
        "updated_at": obj.updated_at.isoformat(),
    }
    for field_spec in spec.fields:
        data[field_spec.key] = services.get_value(obj, field_spec)
    return data


def serialize_activity(activity: Activity) -> dict[str, Any]:
    return {
        "id": activity.pk,
        "kind": activity.kind,
        "at": activity.at.isoformat(),
        "actor": activity.actor_id,
        "actor_name": str(activity.actor) if activity.actor_id else None,
        "summary": activity.summary,
        "body": activity.body,
        "payload": activity.payload,
    }


def version_of(request, payload: dict) -> int:
    raw = payload.pop("version", None)
    if raw is None:
        raw = request.headers.get("If-Match", "").strip('"') or None
    if raw is None:
        raise InputErrors(
            {"version": [_("Send the version you read (field “version” or If-Match header).")]}
        )
    if isinstance(raw, bool):
        raise InputErrors({"version": [_("Enter a whole number.")]})
    try:
        return int(raw)
    except (TypeError, ValueError):
        raise InputErrors({"version": [_("Enter a whole number.")]})


# -- schemas -----------------------------------------------------------------------------------


class RecordPage(Schema):
    items: list[dict[str, Any]]
    next_cursor: str | None


class ActivityIn(Schema):
    model_config = ConfigDict(extra="forbid")
    kind: str = Field("note", max_length=20)
    body: str = Field(..., max_length=services.ACTIVITY_BODY_MAX)
    at: str | None = Field(None, max_length=40)


class LinkIn(Schema):
    model_config = ConfigDict(extra="forbid")
    relation_type: int
    from_id: int
    to_id: int


class MergeIn(Schema):
    model_config = ConfigDict(extra="forbid")
    other_id: int
    choices: dict[str, str] = {}


class AttachedRecord(Schema):
    entity: str
    id: int
    title: str
    owner: int | None
    owner_name: str
    reason: str


class AttachedOut(Schema):
    attached_to: AttachedRecord
    activity: int
    message: str


class ErrorOut(Schema):
    error: dict[str, Any]


# -- entities ----------------------------------------------------------------------------------


@router.get("/entities", response=list[dict[str, Any]], summary="Entity types and fields")
def list_entities(request):
    result = []
    for spec in registry.all():
        if not permissions.can(request.user, spec.key, "view"):
            continue
        result.append(
            {
                "key": spec.key,
                "label": str(spec.label),
                "label_plural": str(spec.label_plural),
                "custom": spec.is_custom_entity,
                "fields": [
                    {
                        "key": f.key,
                        "label": str(f.label),
                        "type": f.type,
                        "custom": f.is_custom,
                        "required": f.required,
                        "unique": f.unique,
                        "multiple": f.multiple,
                        "choices": [c for c, _label in f.choices],
                        "related_entity": f.related_entity or None,
                        "filterable": f.filterable,
                        "sortable": f.sortable,
                    }
                    for f in spec.fields
                ],
            }
        )
    return result


@router.get(
    "/entities/{key}/records",
    response={200: RecordPage, 404: ErrorOut, 422: ErrorOut},
    summary="List records (keyset pages)",
)
def list_records(request, key: str):
    spec = entity_or_404(key)
    if not permissions.can(request.user, spec.key, "view"):
        raise permissions.PermissionDenied("view")
    query = ListQuery.from_params(spec, request.GET, strict=True)
    page = query.page(request.user)
    return {
        "items": [serialize(spec, obj) for obj in page.rows],
        "next_cursor": page.next_cursor or None,
    }


@router.post(
    "/entities/{key}/records",
    response={
        200: AttachedOut,
        201: dict[str, Any],
        403: ErrorOut,
        404: ErrorOut,
        422: ErrorOut,
    },
    summary="Create a record",
    description="201 with the new record. For a lead, contact or company that another user "
    "already owns (same email or phone, or same name at the same company) nothing is created: "
    "the answer is 200 with `attached_to` naming the existing record and its owner, whose card "
    "now shows the enquiry.",
)
def create_record(request, key: str, payload: dict[str, Any] = Body(...)):
    spec = entity_or_404(key)
    payload.pop("version", None)
    try:
        obj = services.create_record(spec, request.user, payload, channel="api")
    except ownership.AttachedToExisting as exc:
        match = exc.match
        return Status(
            200,
            {
                "attached_to": {
                    "entity": match.spec.key,
                    "id": match.obj.pk,
                    "title": match.spec.title(match.obj),
                    "owner": match.obj.owner_id,
                    "owner_name": match.owner_name,
                    "reason": match.reason,
                },
                "activity": exc.activity.pk,
                "message": exc.message,
            },
        )
    return Status(201, serialize(spec, spec.queryset().get(pk=obj.pk)))


@router.get(
    "/entities/{key}/records/{int:pk}",
    response={200: dict[str, Any], 404: ErrorOut},
    summary="Read a record",
)
def read_record(request, key: str, pk: int):
    spec = entity_or_404(key)
    return serialize(spec, visible_or_404(request.user, spec, pk, related=False))


@router.patch(
    "/entities/{key}/records/{int:pk}",
    response={200: dict[str, Any], 403: ErrorOut, 404: ErrorOut, 409: ErrorOut, 422: ErrorOut},
    summary="Change a record (optimistic concurrency)",
)
def update_record(request, key: str, pk: int, payload: dict[str, Any] = Body(...)):
    spec = entity_or_404(key)
    obj = visible_or_404(request.user, spec, pk, "change")
    version = version_of(request, payload)
    obj = services.update_record(spec, request.user, obj, payload, version=version)
    return serialize(spec, spec.queryset().get(pk=obj.pk))


@router.delete(
    "/entities/{key}/records/{int:pk}",
    response={204: None, 403: ErrorOut, 404: ErrorOut, 409: ErrorOut},
    summary="Delete a record",
)
def delete_record(request, key: str, pk: int, version: int | None = None):
    spec = entity_or_404(key)
    obj = visible_or_404(request.user, spec, pk, "delete")
    if version is not None and version != obj.version:
        raise services.Conflict(obj.version)
    services.delete_record(spec, request.user, obj)
    return Status(204, None)


# -- timeline ----------------------------------------------------------------------------------


class TimelineQuery(Schema):
    model_config = ConfigDict(extra="forbid")
    cursor: str = ""
    limit: int = Field(30, ge=1, le=200)


@router.get(
    "/entities/{key}/records/{int:pk}/timeline",
    response={200: dict[str, Any], 404: ErrorOut, 422: ErrorOut},
    summary="Timeline, newest first",
)
def read_timeline(request, key: str, pk: int, params: Query[TimelineQuery]):
    spec = entity_or_404(key)
    obj = visible_or_404(request.user, spec, pk)
    entries, next_cursor = timeline_page(spec, obj.pk, params.cursor, params.limit)
    return {"items": [serialize_activity(a) for a in entries], "next_cursor": next_cursor}


def timeline_page(spec: EntitySpec, pk: int, cursor: str, limit: int):
    qs = Activity.objects.filter(entity=spec.key, object_id=pk).select_related("actor")
    if cursor:
        at, last_id = decode_cursor(cursor)
        if not isinstance(at, datetime):
            raise InputErrors({"cursor": [_("The page cursor is not valid.")]})
        from django.db.models import Q

        qs = qs.filter(Q(at__lt=at) | Q(at=at, id__lt=last_id))
    rows = list(qs.order_by("-at", "-id")[: limit + 1])
    more = len(rows) > limit
    rows = rows[:limit]
    return rows, (encode_cursor(rows[-1].at, rows[-1].pk) if more and rows else None)


@router.post(
    "/entities/{key}/records/{int:pk}/timeline",
    response={201: dict[str, Any], 404: ErrorOut, 422: ErrorOut},
    summary="Add a note, call, email or meeting",
)
def add_timeline_entry(request, key: str, pk: int, payload: ActivityIn):
    spec = entity_or_404(key)
    obj = visible_or_404(request.user, spec, pk)
    activity = services.add_activity(spec, request.user, obj, payload.model_dump())
    return Status(201, serialize_activity(activity))


# -- links -------------------------------------------------------------------------------------


@router.get(
    "/entities/{key}/records/{int:pk}/links",
    response={200: list[dict[str, Any]], 404: ErrorOut},
    summary="Linked records, by relation",
)
def read_links(request, key: str, pk: int):
    from .related import related_links

    spec = entity_or_404(key)
    obj = visible_or_404(request.user, spec, pk)
    return [
        {
            "relation_type": group.relation_type.pk,
            "label": group.label,
            "entity": group.other.key,
            "direction": group.direction,
            "items": [
                {"link_id": link_id, "id": other.pk, "title": group.other.title(other)}
                for link_id, other in group.items
            ],
        }
        for group in related_links(request.user, spec, obj)
    ]


@router.post(
    "/links",
    response={201: dict[str, Any], 403: ErrorOut, 404: ErrorOut, 422: ErrorOut},
    summary="Link two records",
)
def create_link(request, payload: LinkIn):
    relation_type = registry.relation_type(payload.relation_type)
    if relation_type is None:
        raise InputErrors({"relation_type": [_("Unknown relation type.")]})
    from_spec = registry.get(relation_type.from_entity)
    to_spec = registry.get(relation_type.to_entity)
    from_obj = visible_or_404(request.user, from_spec, payload.from_id)
    to_obj = visible_or_404(request.user, to_spec, payload.to_id)
    link = services.link_records(request.user, relation_type, from_obj, to_obj)
    return Status(
        201,
        {
            "id": link.pk,
            "relation_type": relation_type.pk,
            "from_id": link.from_id,
            "to_id": link.to_id,
        },
    )


@router.delete(
    "/links/{int:link_id}", response={204: None, 403: ErrorOut, 404: ErrorOut}, summary="Unlink"
)
def delete_link(request, link_id: int):
    link = Link.objects.select_related("relation_type").filter(pk=link_id).first()
    if link is None:
        raise Http404
    from_spec = registry.get(link.relation_type.from_entity)
    visible_or_404(request.user, from_spec, link.from_id)
    services.unlink_records(request.user, link)
    return Status(204, None)


# -- duplicates, merge, search -----------------------------------------------------------------


@router.post(
    "/entities/{key}/duplicates",
    response={200: list[dict[str, Any]], 404: ErrorOut, 422: ErrorOut},
    summary="Existing records that look like the given data",
)
def duplicates(request, key: str, payload: dict[str, Any] = Body(...)):
    spec = entity_or_404(key)
    clean = services.clean_input(spec, payload)
    return [
        {
            "entity": found["entity"],
            "id": found["id"],
            "title": found["title"],
            "owner": found["owner"],
            "reason": str(found["reason"]),
        }
        for found in services.find_duplicates(spec, clean)
    ]


@router.post(
    "/entities/{key}/records/{int:pk}/merge",
    response={200: dict[str, Any], 403: ErrorOut, 404: ErrorOut, 422: ErrorOut},
    summary="Merge another record into this one",
)
def merge(request, key: str, pk: int, payload: MergeIn):
    spec = entity_or_404(key)
    keep = visible_or_404(request.user, spec, pk, "change")
    other = visible_or_404(request.user, spec, payload.other_id, "delete")
    bad = {k: v for k, v in payload.choices.items() if v not in ("keep", "other")}
    if bad:
        raise InputErrors({"choices": [_("Each choice is “keep” or “other”.")]})
    kept = services.merge_records(spec, request.user, keep, other, payload.choices)
    return serialize(spec, spec.queryset().get(pk=kept.pk))


class SearchQuery(Schema):
    model_config = ConfigDict(extra="forbid")
    q: str = Field(..., max_length=200)
    entity: str | None = None
    limit: int = Field(20, ge=1, le=100)


@router.get("/search", response=list[dict[str, Any]], summary="Global search")
def global_search(request, params: Query[SearchQuery]):
    if params.entity and registry.find(params.entity) is None:
        raise InputErrors({"entity": [_("Unknown entity.")]})
    return [
        {"entity": hit.entity, "id": hit.object_id, "title": hit.title, "subtitle": hit.subtitle}
        for hit in search.search(request.user, params.q, entity=params.entity, limit=params.limit)
    ]
