"""Who may see and change a task, in one place.

A person sees a task when they are its assignee or its creator, or when they may view the
record it belongs to; they may change it (edit, complete, reopen, delete) when they are its
assignee or creator, or may change that record. Personal tasks (no record) belong to their
assignee and creator only. Lists narrow with `visible_tasks`, single tasks load with
`task_or_404` and check with `may_view` / `may_change`.
"""

from __future__ import annotations

from django.db.models import Q, QuerySet
from django.http import Http404
from django.utils.translation import gettext as _

from kartoteka.platform import permissions
from kartoteka.platform.listing import MAX_ID
from kartoteka.platform.registry import registry

from .models import Task


def _records_q(user, action: str) -> Q:
    """Tasks on records the user may `action` (the platform's one rule for rows keyed by
    entity and object id)."""
    return permissions.keyed_rows_q(user, action)


def visible_tasks(user, qs: QuerySet | None = None) -> QuerySet:
    qs = Task.objects.all() if qs is None else qs
    if user is None or not user.is_authenticated or not user.is_active:
        return qs.none()
    return qs.filter(Q(assignee=user) | Q(created_by=user) | _records_q(user, "view"))


def _may_on_record(user, task: Task, action: str) -> bool:
    """One indexed query through the platform's `restrict` for either action, rather than
    loading the record (and its owner, for a team scope) to ask `may_act_on`."""
    spec = registry.find(task.entity) if task.entity else None
    if spec is None:
        return False
    allowed = permissions.restrict(spec.queryset(), user, spec.key, action)
    return allowed.filter(pk=task.object_id).exists()


def _is_party(user, task: Task) -> bool:
    return user.pk in (task.assignee_id, task.created_by_id)


def task_or_404(user, pk: int) -> Task:
    """The task if the user may see it; 404 otherwise, so nothing reveals it exists. Pages
    and the API alike."""
    task = visible_tasks(user).filter(pk=min(pk, MAX_ID)).first()
    if task is None:
        raise Http404(_("No such task, or you may not see it."))
    return task


def may_view(user, task: Task) -> bool:
    if user is None or not user.is_authenticated or not user.is_active:
        return False
    return _is_party(user, task) or _may_on_record(user, task, "view")


def may_change(user, task: Task) -> bool:
    if user is None or not user.is_authenticated or not user.is_active:
        return False
    return _is_party(user, task) or _may_on_record(user, task, "change")
