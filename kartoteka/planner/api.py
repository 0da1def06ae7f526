"""API resources of the planner app, mounted at /api/v1/.

    GET    /tasks                       list: assignee=me|id, entity, object_id, status=open|done,
                                        due_before, due_after, limit, cursor (keyset by due, id)
    POST   /tasks                       create
    GET    /tasks/{id}                  read
    PATCH  /tasks/{id}                  change (needs "version" or If-Match; 409 when stale)
    DELETE /tasks/{id}                  delete
    POST   /tasks/{id}/complete         mark done
    POST   /tasks/{id}/reopen           mark open again
    GET    /tasks/export.ics            tasks (VTODO) and meetings (VEVENT) as an iCalendar file:
                                        from, to, assignee, status, entity, object_id
    GET    /notifications               the caller's notifications, newest first (unread=true)
    POST   /notifications/{id}/read     mark one read

Errors use the platform's one format (api_base): 422 invalid input, 403 not allowed, 404
unknown or invisible, 409 stale version.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.conf import settings
from django.db.models import F
from django.http import Http404
from django.utils import timezone
from django.utils.dateparse import parse_date, parse_datetime
from django.utils.translation import gettext as _
from ninja import Body, Query, Router, Schema, Status
from pydantic import ConfigDict, Field

from kartoteka.platform.api_records import ErrorOut, version_of
from kartoteka.platform.fields import InputErrors
from kartoteka.platform.listing import MAX_ID, RowCompare, decode_cursor, encode_cursor

from . import access, ical_export, notifications, services
from .access import task_or_404
from .models import Notification, Task
from .queries import day_start

router = Router(tags=["planner"])


def serialize_task(task: Task) -> dict[str, Any]:
    return {
        "id": task.pk,
        "title": task.title,
        "kind": task.kind,
        "due_at": task.due_at.isoformat(),
        "all_day": task.all_day,
        "priority": task.priority,
        "assignee": task.assignee_id,
        "created_by": task.created_by_id,
        "created_at": task.created_at.isoformat(),
        "entity": task.entity or None,
        "object_id": task.object_id,
        "done": task.done_at is not None,
        "done_at": task.done_at.isoformat() if task.done_at else None,
        "done_by": task.done_by_id,
        "remind": task.remind,
        "remind_at": task.remind_at.isoformat() if task.remind_at else None,
        "notes": task.notes,
        "version": task.version,
    }


def serialize_notification(notification: Notification) -> dict[str, Any]:
    return {
        "id": notification.pk,
        "kind": notification.kind,
        "title": notification.title,
        "body": notification.body,
        "url": notification.url,
        "created_at": notification.created_at.isoformat(),
        "read": notification.read_at is not None,
        "read_at": notification.read_at.isoformat() if notification.read_at else None,
    }


class TaskPage(Schema):
    items: list[dict[str, Any]]
    next_cursor: str | None


class TaskQuery(Schema):
    model_config = ConfigDict(extra="forbid")
    assignee: str | None = Field(None, max_length=20)
    entity: str | None = Field(None, max_length=60)
    object_id: int | None = Field(None, ge=1, le=MAX_ID)
    status: str | None = Field(None, max_length=10)
    due_before: str | None = Field(None, max_length=40)
    due_after: str | None = Field(None, max_length=40)
    limit: int = Field(50, ge=1, le=settings.API_MAX_PAGE_SIZE)
    cursor: str = Field("", max_length=200)


def _moment(key: str, raw: str):
    day = None
    try:
        day = parse_date(raw)
        moment = day_start(day) if day else parse_datetime(raw)
    except ValueError:
        moment = None
    if moment is None:
        raise InputErrors({key: [_("Enter a date or date and time (ISO 8601).")]})
    if moment.tzinfo is None:
        moment = timezone.make_aware(moment)
    return moment


def _filtered(user, params: TaskQuery):
    qs = access.visible_tasks(user)
    if params.assignee:
        if params.assignee == "me":
            qs = qs.filter(assignee=user)
        elif params.assignee.isdigit() and int(params.assignee) <= MAX_ID:
            qs = qs.filter(assignee_id=int(params.assignee))
        else:
            raise InputErrors({"assignee": [_("Use “me” or a user id.")]})
    if params.entity is not None:
        qs = qs.filter(entity=params.entity)
    if params.object_id is not None:
        qs = qs.filter(object_id=params.object_id)
    if params.status == "open":
        qs = qs.filter(done_at__isnull=True)
    elif params.status == "done":
        qs = qs.filter(done_at__isnull=False)
    elif params.status:
        raise InputErrors({"status": [_("Use “open” or “done”.")]})
    if params.due_before:
        qs = qs.filter(due_at__lt=_moment("due_before", params.due_before))
    if params.due_after:
        qs = qs.filter(due_at__gte=_moment("due_after", params.due_after))
    return qs


@router.get(
    "/tasks",
    response={200: TaskPage, 422: ErrorOut},
    summary="List tasks (keyset pages by due time)",
)
def list_tasks(request, params: Query[TaskQuery]):
    unknown = sorted(set(request.GET) - set(TaskQuery.model_fields))
    if unknown:  # a misspelt filter must not silently list everything
        raise InputErrors({key[:60]: [_("Unknown parameter.")] for key in unknown})
    qs = _filtered(request.user, params)
    if params.cursor:
        due, last_id = decode_cursor(params.cursor)
        if not isinstance(due, datetime):
            raise InputErrors({"cursor": [_("The page cursor is not valid.")]})
        qs = qs.filter(RowCompare([F("due_at"), F("id")], ">", [due, last_id]))
    rows = list(qs.order_by("due_at", "id")[: params.limit + 1])
    more = len(rows) > params.limit
    rows = rows[: params.limit]
    return {
        "items": [serialize_task(task) for task in rows],
        "next_cursor": encode_cursor(rows[-1].due_at, rows[-1].pk) if more and rows else None,
    }


@router.get(
    "/tasks/export.ics",
    response={404: ErrorOut, 422: ErrorOut},
    summary="Tasks and meetings as an iCalendar (.ics) file",
    description=(
        "Tasks you may see as VTODOs and meetings on records you may see as VEVENTs. Query: "
        "from, to (YYYY-MM-DD, both included; default 30 days back to 180 days ahead), "
        "assignee (me or a user id), status (open or done), entity and object_id (one "
        "record). The answer is text/calendar, sent as an attachment."
    ),
    openapi_extra={
        "responses": {
            200: {
                "description": "The calendar",
                "content": {"text/calendar": {"schema": {"type": "string"}}},
            }
        }
    },
)
def export_tasks_ics(request):
    # read from the raw query string so the page and the API refuse the same input alike
    query = ical_export.parse_query(request.user, request.GET)
    return ical_export.calendar_response(request, query)


@router.post(
    "/tasks",
    response={201: dict[str, Any], 403: ErrorOut, 422: ErrorOut},
    summary="Plan a task",
)
def create_task(request, payload: dict[str, Any] = Body(...)):
    task = services.create_task(request.user, payload)
    return Status(201, serialize_task(task))


@router.get("/tasks/{int:pk}", response={200: dict[str, Any], 404: ErrorOut}, summary="Read")
def read_task(request, pk: int):
    return serialize_task(task_or_404(request.user, pk))


@router.patch(
    "/tasks/{int:pk}",
    response={200: dict[str, Any], 403: ErrorOut, 404: ErrorOut, 409: ErrorOut, 422: ErrorOut},
    summary="Change a task (optimistic concurrency)",
)
def update_task(request, pk: int, payload: dict[str, Any] = Body(...)):
    task = task_or_404(request.user, pk)
    version = version_of(request, payload)
    return serialize_task(services.update_task(request.user, task, payload, version))


@router.delete(
    "/tasks/{int:pk}",
    response={204: None, 403: ErrorOut, 404: ErrorOut, 409: ErrorOut},
    summary="Delete a task",
)
def delete_task(request, pk: int, version: int | None = None):
    services.delete_task(request.user, task_or_404(request.user, pk), version)
    return Status(204, None)


@router.post(
    "/tasks/{int:pk}/complete",
    response={200: dict[str, Any], 403: ErrorOut, 404: ErrorOut},
    summary="Mark a task done",
)
def complete_task(request, pk: int):
    return serialize_task(services.complete_task(request.user, task_or_404(request.user, pk)))


@router.post(
    "/tasks/{int:pk}/reopen",
    response={200: dict[str, Any], 403: ErrorOut, 404: ErrorOut},
    summary="Mark a task open again",
)
def reopen_task(request, pk: int):
    return serialize_task(services.reopen_task(request.user, task_or_404(request.user, pk)))


class NotificationQuery(Schema):
    model_config = ConfigDict(extra="forbid")
    unread: bool = False
    limit: int = Field(50, ge=1, le=settings.API_MAX_PAGE_SIZE)
    before: int | None = Field(None, ge=1, le=MAX_ID)


@router.get(
    "/notifications",
    response={200: dict[str, Any], 422: ErrorOut},
    summary="My notifications, newest first (page on with before=<last id>)",
)
def list_notifications(request, params: Query[NotificationQuery]):
    qs = Notification.objects.filter(user=request.user)
    if params.unread:
        qs = qs.filter(read_at__isnull=True)
    if params.before:
        qs = qs.filter(pk__lt=params.before)
    rows = list(qs.order_by("-id")[: params.limit + 1])
    more = len(rows) > params.limit
    rows = rows[: params.limit]
    return {
        "items": [serialize_notification(n) for n in rows],
        "next_before": rows[-1].pk if more and rows else None,
        "unread_count": notifications.unread_count(request.user),
    }


@router.post(
    "/notifications/{int:pk}/read",
    response={200: dict[str, Any], 404: ErrorOut},
    summary="Mark a notification read",
)
def read_notification(request, pk: int):
    notification = notifications.mark_read(request.user, pk)
    if notification is None:
        raise Http404
    return serialize_notification(notification)
