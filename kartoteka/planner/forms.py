"""The task form as the pages render and read it: choices, initial values, and the raw input
handed to `services` (which alone validates, so forms, the API and other apps agree).

The form has a date and an optional time; leaving the time empty plans the task for the
whole day. Values are kept as the strings a POST carries, so what the person typed is shown
again as it is; the assignee choices are the platform forms' own.
"""

from __future__ import annotations

from django.utils import timezone

from kartoteka.platform import forms as platform_forms

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

# the assignee choices of every record form: active people by name, values as strings
user_options = platform_forms.user_options


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
            "assignee": str(user.pk),  # option values are strings, as POSTed
            "due_date": timezone.localdate().isoformat(),
            "due_time": "",
        }
    local = timezone.localtime(task.due_at)
    return {
        "title": task.title,
        "kind": task.kind,
        "priority": task.priority,
        "remind": task.remind,
        "assignee": str(task.assignee_id),
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


def template_errors(errors: dict | None) -> dict:
    """Templates cannot read "__all__" (a leading underscore): call it "general"."""
    errors = errors or {}
    return {("general" if key == "__all__" else key): value for key, value in errors.items()}
