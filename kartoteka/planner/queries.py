"""Reading tasks for pages, the feed, reminders and the digest: My day, the calendar, a
record's open tasks, each with its linked record's title loaded in bulk (one query per entity
type shown, never one per task). The tasks of My day and the calendar are the user's own, so
their assignee is never joined.

Day boundaries are in the site's time zone (settings.TIME_ZONE) until people have one each.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field

from django.db.models import Q
from django.utils import formats, timezone
from django.utils.translation import gettext as _

from kartoteka.platform import permissions
from kartoteka.platform.registry import registry

from .models import Task

MY_DAY_LIMIT = 300  # a neglected account with thousands of overdue tasks still loads fast
CALENDAR_LIMIT = 1000
UPCOMING_DAYS = 7


def day_start(day: dt.date) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time(0, 0)))


def overdue_q(now: dt.datetime) -> Q:
    """Open and past due: timed tasks once their time passed, all-day tasks once their day
    is over."""
    today = day_start(timezone.localdate(now))
    return Q(done_at__isnull=True) & (
        Q(all_day=False, due_at__lt=now) | Q(all_day=True, due_at__lt=today)
    )


def due_text(task: Task, with_date: bool = True) -> str:
    """The due moment as plain text (notifications, the digest) in the active language: the
    day of an all-day task, else the date and time (or the time alone)."""
    if task.all_day:
        return formats.date_format(timezone.localdate(task.due_at), "SHORT_DATE_FORMAT")
    if with_date:
        return formats.date_format(timezone.localtime(task.due_at), "SHORT_DATETIME_FORMAT")
    return formats.time_format(timezone.localtime(task.due_at), "TIME_FORMAT")


def attach_records(user, tasks: list[Task]) -> list[Task]:
    """Give each task `record_title`, `record_url` and `record_label`. Records the user may not
    open keep their type only, so a task assigned across teams reveals no more than that."""
    wanted: dict[str, set[int]] = defaultdict(set)
    for task in tasks:
        task.record_title = task.record_url = task.record_label = ""
        if task.entity and task.object_id is not None:
            wanted[task.entity].add(task.object_id)
    found: dict[tuple[str, int], tuple[str, str]] = {}
    labels: dict[str, str] = {}
    for key, ids in wanted.items():
        spec = registry.find(key)
        if spec is None:
            continue
        labels[key] = str(spec.label)
        visible = permissions.restrict(spec.queryset(), user, spec.key).filter(pk__in=ids)
        for obj in visible:
            found[(key, obj.pk)] = (spec.title(obj), spec.card_url(obj.pk))
    for task in tasks:
        if not task.entity:
            continue
        task.record_label = labels.get(task.entity, task.entity)
        title, url = found.get((task.entity, task.object_id), ("", ""))
        task.record_title = title or _("a record you cannot open")
        task.record_url = url
    return tasks


def open_tasks_of_record(entity_key: str, object_id: int) -> list[Task]:
    return list(
        Task.objects.filter(entity=entity_key, object_id=object_id, done_at__isnull=True)
        .select_related("assignee")
        .order_by("due_at", "id")[:100]
    )


@dataclass
class MyDay:
    now: dt.datetime
    overdue: list[Task] = field(default_factory=list)
    today: list[Task] = field(default_factory=list)
    upcoming: list[Task] = field(default_factory=list)
    done_today: list[Task] = field(default_factory=list)
    truncated: bool = False

    @property
    def empty(self) -> bool:
        return not (self.overdue or self.today or self.upcoming)


def my_day(user, now: dt.datetime | None = None) -> MyDay:
    now = now or timezone.now()
    today = timezone.localdate(now)
    tomorrow = day_start(today + dt.timedelta(days=1))
    horizon = day_start(today + dt.timedelta(days=UPCOMING_DAYS + 1))
    pending = Task.objects.filter(assignee=user, done_at__isnull=True, due_at__lt=horizon)
    rows = list(pending.order_by("due_at", "id")[: MY_DAY_LIMIT + 1])
    done = list(
        Task.objects.filter(assignee=user, done_at__gte=day_start(today)).order_by("-done_at")[:20]
    )
    result = MyDay(now=now, truncated=len(rows) > MY_DAY_LIMIT, done_today=done)
    rows = rows[:MY_DAY_LIMIT]
    attach_records(user, rows + done)
    for task in rows:
        if task.is_overdue(now):
            result.overdue.append(task)
        elif task.due_at < tomorrow:
            result.today.append(task)
        else:
            result.upcoming.append(task)
    return result


def tasks_between(user, start: dt.date, end: dt.date) -> list[Task]:
    """The user's tasks (open and done) due from `start` up to, not including, `end`."""
    rows = list(
        Task.objects.filter(
            assignee=user, due_at__gte=day_start(start), due_at__lt=day_start(end)
        ).order_by("due_at", "id")[:CALENDAR_LIMIT]
    )
    return attach_records(user, rows)
