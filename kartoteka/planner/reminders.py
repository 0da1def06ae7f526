"""Reminders: every minute the worker sends those that fell due.

Each reminder is claimed with `UPDATE … SET reminded_at = now WHERE id = … AND reminded_at IS
NULL` before anything is sent; only the worker whose update changed a row sends it, so two
workers (or a job that runs twice) never remind twice. A reminder whose notification then
fails is not retried: a late duplicate is worse than one missed nudge.
"""

from __future__ import annotations

import logging

from django.conf import settings
from django.urls import reverse
from django.utils import formats, timezone, translation
from django.utils.translation import gettext as _

from .models import Task
from .notifications import notify
from .queries import attach_records

log = logging.getLogger(__name__)
BATCH = 200


def _due(now):
    return (
        Task.objects.filter(remind_at__lte=now, reminded_at__isnull=True, done_at__isnull=True)
        .select_related("assignee")
        .order_by("remind_at", "id")
    )


def _when(task: Task) -> str:
    if task.all_day:
        return formats.date_format(timezone.localdate(task.due_at), "SHORT_DATE_FORMAT")
    return formats.date_format(timezone.localtime(task.due_at), "SHORT_DATETIME_FORMAT")


def _remind(task: Task) -> None:
    user = task.assignee
    with translation.override(user.language or settings.LANGUAGE_CODE):
        attach_records(user, [task])
        title = _("Reminder: %(title)s") % {"title": task.title}
        lines = [_("Due %(when)s") % {"when": _when(task)}]
        if task.record_title:
            lines.append(f"{task.record_label}: {task.record_title}")
        if task.notes:
            lines.append(task.notes)
    notify(user, "reminder", title, "\n".join(lines), task.record_url or reverse("planner:my_day"))


def send_due_reminders(now=None) -> int:
    """Send every reminder due at `now` (default: the current time); returns how many."""
    now = now or timezone.now()
    sent = 0
    while True:
        # every task of a batch leaves the pending set (claimed here or by another worker),
        # so the loop ends
        batch = list(_due(now)[:BATCH])
        if not batch:
            return sent
        for task in batch:
            claimed = Task.objects.filter(pk=task.pk, reminded_at__isnull=True).update(
                reminded_at=now
            )
            if not claimed:
                continue  # another worker has it
            if not task.assignee.is_active:
                continue
            try:
                _remind(task)
            except Exception:  # noqa: BLE001  one broken task must not block the others
                log.exception("could not send the reminder of task %s", task.pk)
                continue
            sent += 1
