"""The iCalendar download of tasks and meetings, shared by the page (/planner/export.ics) and
the API (GET /api/v1/tasks/export.ics): strict reading of the query string, the tasks and
meetings the user may see, and the attachment response.

Query string (every key at most once; an unknown key is an error, so a misspelt filter does
not silently export everything):

    from, to     days (YYYY-MM-DD), both included; default 30 days back to 180 days ahead.
                 Tasks by their due day, meetings by their start.
    assignee     "me" or a user id (tasks only)
    status       "open" or "done" (tasks only)
    entity       a record type: tasks and meetings of that type only
    object_id    with entity: one record (404 when the user may not see it)

Tasks are those the planner shows the user (`access.visible_tasks`), meetings are timeline
entries of kind "meeting" on records the user may view. Meetings carry a start time only, so
each lasts an hour in the file.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.http import Http404, HttpResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.dateparse import parse_date
from django.utils.translation import gettext as _

from kartoteka.platform import permissions
from kartoteka.platform.fields import InputErrors
from kartoteka.platform.listing import MAX_ID
from kartoteka.platform.registry import EntitySpec, registry
from kartoteka.timeline.models import Activity

from . import access, ical
from .models import Task
from .queries import attach_records, day_start
from .services import EARLIEST_YEAR, LATEST_YEAR

PARAMS = ("from", "to", "assignee", "status", "entity", "object_id")
DAYS_BACK, DAYS_AHEAD = 30, 180
MAX_DAYS = 3 * 366  # a longer period is refused rather than cut short
ROW_LIMIT = 5000  # per kind; more is refused with a message asking for a shorter period


@dataclass(frozen=True)
class ExportQuery:
    start: dt.date
    end: dt.date  # included
    assignee_id: int | None = None
    status: str = ""
    spec: EntitySpec | None = None
    object_id: int | None = None
    record_title: str = ""


def _one(params, key: str, errors: dict) -> str:
    values = params.getlist(key)
    if len(values) > 1:
        errors[key] = [_("Give this parameter once.")]
        return ""
    return values[0].strip() if values else ""


def _day(raw: str, key: str, errors: dict) -> dt.date | None:
    try:
        day = parse_date(raw) if len(raw) == 10 else None
    except ValueError:
        day = None
    if day is None or not EARLIEST_YEAR <= day.year <= LATEST_YEAR:
        errors[key] = [_("Enter a date as YYYY-MM-DD.")]
        return None
    return day


def parse_query(user, params) -> ExportQuery:
    """The export's filters from a query string. Raises InputErrors (every problem found)
    or Http404 for a record the user may not see (it answers as if it did not exist)."""
    errors: dict[str, list[str]] = {}
    for key in sorted(set(params) - set(PARAMS)):
        errors[key[:60]] = [_("Unknown parameter.")]
    raw = {key: _one(params, key, errors) for key in PARAMS}
    today = timezone.localdate()
    start = _day(raw["from"], "from", errors) if raw["from"] else today - dt.timedelta(DAYS_BACK)
    end = _day(raw["to"], "to", errors) if raw["to"] else today + dt.timedelta(DAYS_AHEAD)
    if start and end and "from" not in errors and "to" not in errors:
        if end < start:
            errors["to"] = [_("The end of the period comes before its start.")]
        elif (end - start).days >= MAX_DAYS:
            errors["to"] = [_("Choose a period of at most %(days)d days.") % {"days": MAX_DAYS}]
    assignee_id = None
    if raw["assignee"] == "me":
        assignee_id = user.pk
    elif raw["assignee"].isdigit() and int(raw["assignee"]) <= MAX_ID:
        assignee_id = int(raw["assignee"])
    elif raw["assignee"]:
        errors["assignee"] = [_("Use “me” or a user id.")]
    if raw["status"] not in ("", "open", "done"):
        errors["status"] = [_("Use “open” or “done”.")]
    spec = registry.find(raw["entity"]) if raw["entity"] else None
    if raw["entity"] and spec is None:
        errors["entity"] = [_("Unknown record type.")]
    object_id = None
    if raw["object_id"]:
        if not (raw["object_id"].isdigit() and 1 <= int(raw["object_id"]) <= MAX_ID):
            errors["object_id"] = [_("Enter a record id.")]
        elif not raw["entity"]:
            errors["object_id"] = [_("Give the record type (entity) with the record id.")]
        else:
            object_id = int(raw["object_id"])
    if errors:
        raise InputErrors(errors)
    record_title = ""
    if spec is not None and object_id is not None:
        record = permissions.restrict(spec.queryset(), user, spec.key).filter(pk=object_id).first()
        if record is None:
            raise Http404(_("No such record, or you may not see it."))
        record_title = spec.title(record)
    return ExportQuery(start, end, assignee_id, raw["status"], spec, object_id, record_title)


def _too_many(what: str) -> InputErrors:
    return InputErrors(
        {
            "__all__": [
                _("More than %(limit)d %(what)s in this period: choose a shorter one.")
                % {"limit": ROW_LIMIT, "what": what}
            ]
        }
    )


def export_tasks(user, query: ExportQuery) -> list[Task]:
    qs = access.visible_tasks(user).filter(
        due_at__gte=day_start(query.start), due_at__lt=day_start(query.end + dt.timedelta(1))
    )
    if query.assignee_id is not None:
        qs = qs.filter(assignee_id=query.assignee_id)
    if query.status == "open":
        qs = qs.filter(done_at__isnull=True)
    elif query.status == "done":
        qs = qs.filter(done_at__isnull=False)
    if query.spec is not None:
        qs = qs.filter(entity=query.spec.key)
    if query.object_id is not None:
        qs = qs.filter(object_id=query.object_id)
    rows = list(qs.order_by("due_at", "id")[: ROW_LIMIT + 1])
    if len(rows) > ROW_LIMIT:
        raise _too_many(_("tasks"))
    return attach_records(user, rows)


def export_meetings(user, query: ExportQuery) -> list[Activity]:
    qs = Activity.objects.filter(
        kind=Activity.Kind.MEETING,
        at__gte=day_start(query.start),
        at__lt=day_start(query.end + dt.timedelta(1)),
    )
    if query.object_id is not None:  # parse_query checked the user may see it
        qs = qs.filter(entity=query.spec.key, object_id=query.object_id)
    else:
        keys = [query.spec.key] if query.spec is not None else None
        qs = qs.filter(permissions.keyed_rows_q(user, "view", keys))
    rows = list(qs.order_by("at", "id")[: ROW_LIMIT + 1])
    if len(rows) > ROW_LIMIT:
        raise _too_many(_("meetings"))
    return attach_records(user, rows)


def uid_host(request) -> str:
    """The host part of UIDs: the site's name as the request reached it, without the port."""
    host = request.get_host()
    return (host.rsplit(":", 1)[0] if not host.endswith("]") else host) or "kartoteka"


def calendar_response(request, query: ExportQuery) -> HttpResponse:
    """The .ics attachment for `query`; raises InputErrors when a kind has too many rows."""
    user = request.user
    tasks = export_tasks(user, query)
    meetings = export_meetings(user, query)

    def absolute(path: str) -> str:
        return request.build_absolute_uri(path) if path else ""

    def task_url(task: Task) -> str:
        if task.record_url:
            return absolute(task.record_url)
        if not task.entity:  # a personal task lives on its own page
            return absolute(reverse("planner:task_edit", args=[task.pk]))
        return ""

    if query.object_id is not None:
        name = _("Kartoteka: %(record)s") % {"record": query.record_title}
        filename = f"kartoteka-{query.spec.key}-{query.object_id}.ics"
    else:
        name = _("Kartoteka: tasks and meetings")
        filename = "kartoteka-tasks.ics"
    body = ical.export_calendar(
        tasks,
        meetings,
        name=name,
        host=uid_host(request),
        task_url=task_url,
        meeting_url=lambda activity: absolute(activity.record_url),
        meeting_label=str(Activity.Kind.MEETING.label),
    )
    response = HttpResponse(body, content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response["Cache-Control"] = "private, no-store"
    return response
