"""Who may see and change a task, in one place.

A person sees a task when they are its assignee or its creator, or when they may view the
record it belongs to; they may change it (edit, complete, reopen, delete) when they are its
assignee or creator, or may change that record. Personal tasks (no record) belong to their
assignee and creator only. Lists narrow with `visible_tasks`; single tasks check with
`may_view` / `may_change`.
"""

from __future__ import annotations

from django.db.models import Q, QuerySet

from kartoteka.platform import permissions
from kartoteka.platform.registry import registry

from .models import Task


def _records_q(user, action: str) -> Q:
    """Tasks on records the user may `action`: one condition per entity type (a handful),
    never one per task."""
    q = Q(pk__in=[])
    for spec in registry.all():
        scope_q = permissions.scope_q(user, spec.key, action)
        if scope_q is None:
            continue
        if scope_q == Q():
            q |= Q(entity=spec.key)
        else:
            allowed = permissions.restrict(spec.queryset(), user, spec.key, action)
            q |= Q(entity=spec.key, object_id__in=allowed.values("pk"))
    return q


def visible_tasks(user, qs: QuerySet | None = None) -> QuerySet:
    qs = Task.objects.all() if qs is None else qs
    if user is None or not user.is_authenticated or not user.is_active:
        return qs.none()
    return qs.filter(Q(assignee=user) | Q(created_by=user) | _records_q(user, "view"))


def record_of(task: Task):
    """The linked record (whatever its owner), or None for a personal task or a deleted one."""
    if not task.entity or task.object_id is None:
        return None
    spec = registry.find(task.entity)
    if spec is None:
        return None
    return spec.queryset().filter(pk=task.object_id).first()


def _may_on_record(user, task: Task, action: str) -> bool:
    if not task.entity:
        return False
    spec = registry.find(task.entity)
    if spec is None:
        return False
    if action == "view":
        return (
            permissions.restrict(spec.queryset(), user, spec.key).filter(pk=task.object_id).exists()
        )
    record = record_of(task)
    return record is not None and permissions.may_act_on(user, spec.key, action, record)


def _is_party(user, task: Task) -> bool:
    return user.pk in (task.assignee_id, task.created_by_id)


def may_view(user, task: Task) -> bool:
    if user is None or not user.is_authenticated or not user.is_active:
        return False
    return _is_party(user, task) or _may_on_record(user, task, "view")


def may_change(user, task: Task) -> bool:
    if user is None or not user.is_authenticated or not user.is_active:
        return False
    return _is_party(user, task) or _may_on_record(user, task, "change")
