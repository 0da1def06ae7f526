"""The task form as the pages render and read it: choices, initial values, and the raw input
handed to `services` (which alone validates, so forms, the API and other apps agree).

The form has a date and an optional time; leaving the time empty plans the task for the
whole day.
"""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.utils import timezone

from .models import Task

FORM_FIELDS = (
    "title",
    "kind",
    "due_date",
    "due_time",
    "priority",
    "assignee",
    "remind",
    "notes",
)


def user_options() -> list[tuple[int, str]]:
    return [
        (user.pk, str(user))
        for user in get_user_model()
        .objects.filter(is_active=True)
        .only("pk", "first_name", "last_name", "username")
        .order_by("first_name", "last_name", "username")
    ]


def choices() -> dict:
    return {
        "kinds": Task.Kind.choices,
        "priorities": Task.Priority.choices,
        "reminds": Task.Remind.choices,
    }


def initial(user, task: Task | None = None) -> dict:
    if task is None:
        return {
            "kind": Task.Kind.CALL,
            "priority": Task.Priority.NORMAL,
            "remind": Task.Remind.NONE,
            "assignee": user.pk,
            "due_date": timezone.localdate().isoformat(),
            "due_time": "",
        }
    local = timezone.localtime(task.due_at)
    return {
        "title": task.title,
        "kind": task.kind,
        "priority": task.priority,
        "remind": task.remind,
        "assignee": task.assignee_id,
        "due_date": local.date().isoformat(),
        "due_time": "" if task.all_day else local.strftime("%H:%M"),
        "notes": task.notes,
    }


def from_post(post, *, with_record: bool) -> dict:
    """The fields present in the POST, as strings; the record link only when creating."""
    data = {key: post.get(key) for key in FORM_FIELDS if key in post}
    if "due_date" in data and "due_time" not in data:
        data["due_time"] = ""
    if with_record and post.get("entity"):
        data["entity"] = post.get("entity", "")
        data["object_id"] = post.get("object_id", "")
    return data


def redisplay(data: dict) -> dict:
    """What the person typed, for the form shown again with errors."""
    values = dict(data)
    assignee = values.get("assignee")
    if isinstance(assignee, str) and assignee.isdigit():
        values["assignee"] = int(assignee)
    return values


def template_errors(errors: dict | None) -> dict:
    """Templates cannot read "__all__" (a leading underscore): call it "general"."""
    errors = errors or {}
    return {("general" if key == "__all__" else key): value for key, value in errors.items()}
