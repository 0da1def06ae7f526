"""Hooks into the platform: the Next steps card panel and the card's "Export to calendar"
button, My day and the notification bell in the navigation, and subscribers that keep tasks in
step with records and tell people about tasks others give them. Imported by
`PlannerConfig.ready()`."""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth import get_user_model
from django.urls import reverse
from django.utils import translation
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from kartoteka.platform import cards, events, navigation

from . import tasks  # noqa: F401  (registers the periodic jobs with Huey)
from .models import Task
from .notifications import notify, unread_count
from .queries import attach_records
from .views.panel import panel_context

cards.register(
    cards.CardPanel(
        key="planner.next_steps",
        template="planner/_next_steps.html",
        context=panel_context,
        position="main",
        order=10,
    )
)


def _export_button(request, spec, obj) -> dict:
    """The card is shown only to those who may see the record, and so may its export."""
    query = urlencode({"entity": spec.key, "object_id": obj.pk})
    return {"export_url": f"{reverse('planner:export')}?{query}"}


cards.register(
    cards.CardPanel(
        key="planner.calendar_export",
        template="planner/_calendar_export_button.html",
        context=_export_button,
        position="actions",
        order=90,
    )
)

navigation.register(
    navigation.NavItem(
        key="planner.my_day",
        label=gettext_lazy("My day"),
        url_name="planner:my_day",
        icon="calendar-check",
        order=10,
    )
)
navigation.register(
    navigation.NavItem(
        key="planner.notifications",
        label=gettext_lazy("Notifications"),
        url_name="planner:notifications",
        icon="bell",
        position="right",
        badge=unread_count,
        order=10,
    )
)


def _tell_assignee(task_id: int, actor_id: int | None) -> None:
    task = Task.objects.select_related("assignee").filter(pk=task_id).first()
    if task is None or task.done_at is not None or task.assignee_id == actor_id:
        return
    if not task.assignee.is_active:
        return
    actor = get_user_model().objects.filter(pk=actor_id).first() if actor_id else None
    with translation.override(task.assignee.language or settings.LANGUAGE_CODE):
        attach_records(task.assignee, [task])
        title = _("%(actor)s gave you a task: %(title)s") % {
            "actor": actor or _("Someone"),
            "title": task.title,
        }
        body = f"{task.record_label}: {task.record_title}" if task.record_title else ""
    notify(
        task.assignee, "task_assigned", title, body, task.record_url or reverse("planner:my_day")
    )


@events.subscribe("task.created")
def notify_new_assignee(name: str, payload: dict) -> None:
    _tell_assignee(payload["id"], payload.get("actor"))


@events.subscribe("task.updated")
def notify_changed_assignee(name: str, payload: dict) -> None:
    if "assignee_id" in payload.get("fields", ()):
        _tell_assignee(payload["id"], payload.get("actor"))


@events.subscribe("record.deleted")
def drop_tasks_of_deleted_record(name: str, payload: dict) -> None:
    Task.objects.filter(entity=payload["entity"], object_id=payload["id"]).delete()


@events.subscribe("records.bulk_deleted")
def drop_tasks_of_deleted_records(name: str, payload: dict) -> None:
    Task.objects.filter(entity=payload["entity"], object_id__in=payload["ids"]).delete()


@events.subscribe("record.merged")
def move_tasks_of_merged_record(name: str, payload: dict) -> None:
    Task.objects.filter(entity=payload["entity"], object_id=payload["merged"]).update(
        object_id=payload["id"]
    )
