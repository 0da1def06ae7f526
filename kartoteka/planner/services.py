"""Every write to tasks: create, update (optimistic concurrency), complete, reopen, delete —
plus the expressions other apps use to flag records with no next step.

Each function checks permission (`access`), validates through `_clean` (one validator for
forms, the API and other apps), writes in one transaction, records the timeline entry on the
linked record and emits a domain event (`task.created`, `task.updated`, `task.completed`,
`task.reopened`, `task.deleted`). Views and the API call these and nothing else.

    create_task(user, data) -> Task
    update_task(user, task, data, version) -> Task          # Conflict on a stale version
    complete_task(user, task) -> Task
    reopen_task(user, task) -> Task
    delete_task(user, task, version=None) -> None           # Conflict on a stale version
    open_task_exists(entity_key) -> Exists                  # annotate/filter any entity qs
    records_without_next_step(spec, qs) -> QuerySet

Notifications are `planner.notifications.notify`.
"""

from __future__ import annotations

import datetime as dt

from django.contrib.auth import get_user_model
from django.db import transaction
from django.db.models import Exists, OuterRef, QuerySet
from django.utils import timezone
from django.utils.dateparse import parse_date, parse_datetime, parse_time
from django.utils.translation import gettext as _

from kartoteka.platform import events, permissions
from kartoteka.platform.fields import InputErrors
from kartoteka.platform.listing import MAX_ID
from kartoteka.platform.permissions import PermissionDenied
from kartoteka.platform.registry import registry
from kartoteka.platform.services import Conflict, record_activity
from kartoteka.timeline.models import Activity

from . import access
from .models import Task
from .queries import day_start

TITLE_MAX = 255
NOTES_MAX = 20000
# An all-day task has no time; its reminders count back from this hour of the due day.
ALL_DAY_REMINDER_HOUR = 9
EARLIEST_YEAR, LATEST_YEAR = 1900, 2999

EDITABLE = frozenset(
    {"title", "kind", "due_at", "due_date", "due_time", "all_day", "priority", "assignee"}
    | {"remind", "notes"}
)
CREATABLE = EDITABLE | {"entity", "object_id"}
REMIND_OFFSETS = {
    Task.Remind.AT_DUE: dt.timedelta(0),
    Task.Remind.MIN_15: dt.timedelta(minutes=15),
    Task.Remind.HOUR_1: dt.timedelta(hours=1),
    Task.Remind.DAY_1: dt.timedelta(days=1),
}
__all__ = [
    "Conflict",
    "PermissionDenied",
    "InputErrors",
    "create_task",
    "update_task",
    "complete_task",
    "reopen_task",
    "delete_task",
    "open_task_exists",
    "records_without_next_step",
    "remind_at_for",
]


# -- validation ------------------------------------------------------------------------------


def _truthy(value) -> bool:
    if isinstance(value, str):
        return value.strip().lower() in ("1", "true", "on", "yes")
    return bool(value)


def _parse_due(data: dict, task: Task | None) -> tuple[dt.datetime, bool]:
    """(due_at, all_day) from `due_at` (ISO date or date and time) or from the form's
    `due_date` + `due_time`; a date alone means all day. Raises ValueError with a message."""
    all_day = _truthy(data["all_day"]) if "all_day" in data else None
    if "due_at" in data:
        raw = data["due_at"]
    elif "due_date" in data:
        date_part = str(data.get("due_date") or "").strip()
        time_part = str(data.get("due_time") or "").strip()
        if date_part and time_part:
            if parse_time(time_part) is None:
                raise ValueError(_("Enter a valid time (HH:MM)."))
            raw = f"{date_part}T{time_part}"
        else:
            raw = date_part
    elif task is not None:  # only "all_day" changed: keep the day (and the time)
        raw = timezone.localtime(task.due_at)
    else:
        raw = None
    if raw in (None, ""):
        raise ValueError(_("Enter a due date."))
    if isinstance(raw, dt.datetime):
        moment, date_only = raw, False
    elif isinstance(raw, dt.date):
        moment, date_only = dt.datetime.combine(raw, dt.time(0, 0)), True
    elif isinstance(raw, str) and len(raw) <= 40:
        raw = raw.strip()
        try:
            day = parse_date(raw)
            moment = None if day else parse_datetime(raw)
        except ValueError:  # well formed but impossible, such as 2024-02-30
            day = moment = None
        if day is not None:
            moment, date_only = dt.datetime.combine(day, dt.time(0, 0)), True
        elif moment is None:
            raise ValueError(_("Enter a valid date, or date and time (YYYY-MM-DD HH:MM)."))
        else:
            date_only = False
    else:
        raise ValueError(_("Enter a valid date, or date and time (YYYY-MM-DD HH:MM)."))
    if not EARLIEST_YEAR <= moment.year <= LATEST_YEAR:
        raise ValueError(
            _("Enter a date between %(first)d and %(last)d.")
            % {"first": EARLIEST_YEAR, "last": LATEST_YEAR}
        )
    if timezone.is_naive(moment):
        moment = timezone.make_aware(moment)
    if all_day is None:
        all_day = date_only
    if all_day:
        moment = day_start(timezone.localdate(moment))
    return moment, all_day


def _resolve_assignee(user, raw):
    if raw in (None, "", "me"):
        return user
    if isinstance(raw, bool) or not (
        isinstance(raw, int) or (isinstance(raw, str) and raw.isdigit())
    ):
        return None
    pk = int(raw)
    if pk > MAX_ID:
        return None
    return get_user_model().objects.filter(pk=pk, is_active=True).first()


def _check_choice(data: dict, key: str, choices, errors: dict, message: str) -> None:
    if key in data and data[key] not in choices:
        errors[key] = [message]


def _clean(user, data: dict, task: Task | None = None) -> dict:
    """Validated values to store; raises InputErrors with every problem found."""
    if not isinstance(data, dict):
        raise InputErrors({"__all__": [_("Send an object of field values.")]})
    creating = task is None
    errors: dict[str, list[str]] = {}
    for key in data:
        if key not in (CREATABLE if creating else EDITABLE):
            errors[str(key)[:60]] = [_("Unknown field.")]
    clean: dict = {}
    if creating or "title" in data:
        title = data.get("title")
        title = " ".join(title.split()) if isinstance(title, str) else ""
        if not title:
            errors["title"] = [_("Enter a title.")]
        elif len(title) > TITLE_MAX:
            errors["title"] = [
                _("Enter at most %(max)d characters (it has %(len)d).")
                % {"max": TITLE_MAX, "len": len(title)}
            ]
        else:
            clean["title"] = title
    _check_choice(
        data, "kind", Task.Kind.values, errors, _("Choose call, meeting, email or other.")
    )
    _check_choice(data, "priority", Task.Priority.values, errors, _("Choose low, normal or high."))
    _check_choice(data, "remind", Task.Remind.values, errors, _("Choose a reminder from the list."))
    for key in ("kind", "priority", "remind"):
        if key in data and key not in errors:
            clean[key] = data[key]
    if creating or {"due_at", "due_date", "due_time", "all_day"} & set(data):
        try:
            clean["due_at"], clean["all_day"] = _parse_due(data, task)
        except ValueError as exc:
            errors["due_at"] = [str(exc)]
    if creating or "assignee" in data:
        assignee = _resolve_assignee(user, data.get("assignee"))
        if assignee is None:
            errors["assignee"] = [_("Choose an active user.")]
        else:
            clean["assignee"] = assignee
    if "notes" in data:
        notes = data["notes"] if isinstance(data["notes"], str) else None
        if notes is None or len(notes) > NOTES_MAX:
            errors["notes"] = [_("Enter text of at most %(max)d characters.") % {"max": NOTES_MAX}]
        else:
            clean["notes"] = notes.strip()
    if creating:
        _clean_record(user, data, clean, errors)
    if errors:
        raise InputErrors(errors)
    return clean


def _clean_record(user, data: dict, clean: dict, errors: dict) -> None:
    """The linked record must exist and be visible to the person planning on it; a role that
    may not log activities on that kind of record (read-only) may not plan on it either."""
    entity = data.get("entity") or ""
    raw_id = data.get("object_id")
    if not entity:
        if raw_id not in (None, ""):
            errors["entity"] = [_("Say which kind of record this task belongs to.")]
        clean["entity"], clean["object_id"] = "", None
        return
    spec = registry.find(entity) if isinstance(entity, str) else None
    if spec is None:
        errors["entity"] = [_("Unknown record type.")]
        return
    if isinstance(raw_id, bool) or not str(raw_id).isdigit() or not 0 < int(raw_id) <= MAX_ID:
        errors["object_id"] = [_("Choose a record.")]
        return
    visible = permissions.restrict(spec.queryset(), user, spec.key)
    if not visible.filter(pk=int(raw_id)).exists():
        errors["object_id"] = [_("No such record, or you may not see it.")]
        return
    if not permissions.may_log_activity(user, spec.key):
        raise PermissionDenied("change")
    clean["entity"], clean["object_id"] = spec.key, int(raw_id)


def remind_at_for(due_at: dt.datetime, all_day: bool, remind: str) -> dt.datetime | None:
    offset = REMIND_OFFSETS.get(remind)
    if offset is None:
        return None
    base = due_at
    if all_day:
        day = timezone.localdate(due_at)
        base = timezone.make_aware(dt.datetime.combine(day, dt.time(ALL_DAY_REMINDER_HOUR)))
    return base - offset


# -- writes ------------------------------------------------------------------------------------


def _actor(user):
    return user if user is not None and user.is_authenticated else None


def create_task(user, data: dict) -> Task:
    clean = _clean(user, data)
    task = Task(created_by=_actor(user), **clean)
    task.remind_at = remind_at_for(task.due_at, task.all_day, task.remind)
    with transaction.atomic():
        task.save()
        if task.entity:
            record_activity(
                task.entity,
                task.object_id,
                Activity.Kind.TASK,
                user,
                summary=task.title,
                payload={"task": task.pk, "due_at": task.due_at.isoformat()},
            )
        events.emit(
            "task.created",
            id=task.pk,
            entity=task.entity,
            object_id=task.object_id,
            assignee=task.assignee_id,
            actor=getattr(user, "pk", None),
        )
    return task


def _require_change(user, task: Task) -> None:
    if not access.may_change(user, task):
        raise PermissionDenied("change")


def update_task(user, task: Task, data: dict, version: int | None) -> Task:
    """Change a task. `version` is the one the client read; a different stored version raises
    `Conflict` (HTTP 409) and writes nothing. None skips the check (trusted callers only)."""
    _require_change(user, task)
    clean = _clean(user, data, task)
    with transaction.atomic():
        locked = Task.objects.select_for_update().get(pk=task.pk)
        if version is not None and int(version) != locked.version:
            raise Conflict(locked.version)
        values = dict(clean)
        if "assignee" in values:  # compare ids: no query for the stored assignee
            values["assignee_id"] = values.pop("assignee").pk
        changed = [key for key, value in values.items() if getattr(locked, key) != value]
        if not changed:
            return locked
        for key in changed:
            setattr(locked, key, values[key])
        if {"due_at", "all_day", "remind"} & set(changed):
            # a new time means a new reminder, even if the old one already went out
            locked.remind_at = remind_at_for(locked.due_at, locked.all_day, locked.remind)
            locked.reminded_at = None
            changed += ["remind_at", "reminded_at"]
        locked.version += 1
        # update_fields: the reminder job may be stamping reminded_at at the same moment
        locked.save(update_fields=[*changed, "version"])
        events.emit(
            "task.updated",
            id=locked.pk,
            fields=changed,
            assignee=locked.assignee_id,
            actor=getattr(user, "pk", None),
        )
    return locked


def complete_task(user, task: Task) -> Task:
    """Mark done (a second call changes nothing) and note it on the record's timeline."""
    _require_change(user, task)
    with transaction.atomic():
        locked = Task.objects.select_for_update().get(pk=task.pk)
        if locked.done_at is not None:
            return locked
        locked.done_at = timezone.now()
        locked.done_by = _actor(user)
        locked.version += 1
        locked.save(update_fields=["done_at", "done_by", "version"])
        if locked.entity:
            record_activity(
                locked.entity,
                locked.object_id,
                Activity.Kind.TASK_DONE,
                user,
                summary=locked.title,
                payload={"task": locked.pk},
            )
        events.emit(
            "task.completed",
            id=locked.pk,
            entity=locked.entity,
            object_id=locked.object_id,
            actor=getattr(user, "pk", None),
        )
    return locked


def reopen_task(user, task: Task) -> Task:
    _require_change(user, task)
    with transaction.atomic():
        locked = Task.objects.select_for_update().get(pk=task.pk)
        if locked.done_at is None:
            return locked
        locked.done_at = None
        locked.done_by = None
        locked.version += 1
        locked.save(update_fields=["done_at", "done_by", "version"])
        events.emit("task.reopened", id=locked.pk, actor=getattr(user, "pk", None))
    return locked


def delete_task(user, task: Task, version: int | None = None) -> None:
    """Delete; with `version`, only if nobody changed the task since (else `Conflict`)."""
    _require_change(user, task)
    with transaction.atomic():
        locked = Task.objects.select_for_update().filter(pk=task.pk).first()
        if locked is None:
            return  # deleted meanwhile: what was asked for is done
        if version is not None and int(version) != locked.version:
            raise Conflict(locked.version)
        pk, entity, object_id = locked.pk, locked.entity, locked.object_id
        locked.delete()
        events.emit("task.deleted", id=pk, entity=entity, object_id=object_id)


# -- next-step flags for other apps --------------------------------------------------------------


def open_task_exists(entity_key: str) -> Exists:
    """True for records of `entity_key` with at least one open task. Use it in annotate() or
    filter() on any queryset of that entity: `qs.filter(~open_task_exists("deal"))`. Served
    by the (entity, object_id, done_at) index."""
    return Exists(
        Task.objects.filter(entity=entity_key, object_id=OuterRef("pk"), done_at__isnull=True)
    )


def records_without_next_step(spec, qs: QuerySet | None = None) -> QuerySet:
    """Records of `spec` (narrow `qs` first, e.g. by permissions or owner) with no open task."""
    qs = spec.queryset() if qs is None else qs
    return qs.filter(~open_task_exists(spec.key))
