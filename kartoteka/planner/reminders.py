"""Reminders: every minute the worker sends those that fell due.

Each reminder is claimed with `UPDATE … SET reminded_at = now WHERE id = … AND reminded_at IS
NULL` before anything is sent; only the worker whose update changed a row sends it, so two
workers (or a job that runs twice) never remind twice. A reminder whose notification then
fails is not retried: a late duplicate is worse than one missed nudge.
"""

from __future__ import annotations

import logging
from collections import defaultdict

from django.conf import settings
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from .models import Task
from .notifications import notify
from .queries import attach_records, due_text

log = logging.getLogger(__name__)
BATCH = 200


def _due(now):
    return (
        Task.objects.filter(remind_at__lte=now, reminded_at__isnull=True, done_at__isnull=True)
        .select_related("assignee")
        .order_by("remind_at", "id")
    )


def _claim(task: Task, now) -> bool:
    """True if this worker took the reminder (its update changed the row)."""
    return bool(Task.objects.filter(pk=task.pk, reminded_at__isnull=True).update(reminded_at=now))


def _remind(task: Task) -> None:
    """Send one reminder; the task already carries its record (`attach_records`)."""
    user = task.assignee
    with translation.override(user.language or settings.LANGUAGE_CODE):
        title = _("Reminder: %(title)s") % {"title": task.title}
        lines = [_("Due %(when)s") % {"when": due_text(task)}]
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
        mine: dict[int, list[Task]] = defaultdict(list)
        for task in batch:
            if _claim(task, now) and task.assignee.is_active:
                mine[task.assignee_id].append(task)
        for tasks in mine.values():
            user = tasks[0].assignee
            try:  # record titles for all of one person's reminders at once, in their language
                with translation.override(user.language or settings.LANGUAGE_CODE):
                    attach_records(user, tasks)
            except Exception:  # noqa: BLE001  as below: one person's failure stops no one else
                log.exception("could not send the reminders of user %s", user.pk)
                continue
            for task in tasks:
                try:
                    _remind(task)
                except Exception:  # noqa: BLE001  one broken task must not block the others
                    log.exception("could not send the reminder of task %s", task.pk)
                    continue
                sent += 1
