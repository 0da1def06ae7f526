"""Permissions in one place.

A user's role grants each entity and action a scope: none, own, team or all. `restrict()` is
the only function that narrows a queryset to what a user may touch; lists, cards, search,
kanban, the API, export and reports all pass through it.
"""

from __future__ import annotations

from django.db.models import Q, QuerySet


class PermissionDenied(Exception):
    """The user may not do this; views answer 403, the API answers 403 with a message."""


def scope_for(user, entity_key: str, action: str) -> str:
    if user is None or not user.is_authenticated or not user.is_active:
        return "none"
    if user.is_superuser:
        return "all"
    role = user.role
    if role is None:
        return "none"
    return role.scope(entity_key, action)


def can(user, entity_key: str, action: str) -> bool:
    """Whether the user may do `action` on at least some records of the entity."""
    return scope_for(user, entity_key, action) != "none"


def scope_q(user, entity_key: str, action: str, owner_field: str = "owner") -> Q | None:
    """A Q narrowing to what the scope allows; None for nothing at all."""
    scope = scope_for(user, entity_key, action)
    if scope == "all":
        return Q()
    if scope == "team" and user.team_id:
        return Q(**{f"{owner_field}__team_id": user.team_id}) | Q(**{owner_field: user.pk})
    if scope in ("own", "team"):
        return Q(**{owner_field: user.pk})
    return None


# Fields naming a user who may see a record whatever their scope: the colleague who asked
# for a ticket follows it even though support owns it. Apps register them at start-up.
_viewer_fields: dict[str, tuple[str, ...]] = {}


def register_viewer_field(entity_key: str, field: str) -> None:
    _viewer_fields[entity_key] = (*_viewer_fields.get(entity_key, ()), field)


def _named_viewer_q(user, entity_key: str, action: str) -> Q | None:
    fields = _viewer_fields.get(entity_key, ())
    if action != "view" or not fields or not user.is_authenticated or not user.is_active:
        return None
    q = Q()
    for name in fields:
        q |= Q(**{name: user.pk})
    return q


def restrict(qs: QuerySet, user, entity_key: str, action: str = "view") -> QuerySet:
    q = scope_q(user, entity_key, action)
    named = _named_viewer_q(user, entity_key, action) if q != Q() else None
    if named is not None:
        return qs.filter(named if q is None else (q | named))
    if q is None:
        return qs.none()
    return qs.filter(q) if q else qs


def keyed_rows_q(user, action: str = "view", entity_keys=None) -> Q:
    """Rows that name their record by (`entity`, `object_id`) — tasks, timeline entries — and
    whose record the user may `action`: one condition per entity type, never one per row; a
    subquery through `restrict` unless the scope is every record. `entity_keys` narrows the
    entity types looked at (default: all)."""
    from .registry import registry

    keys = [spec.key for spec in registry.all()] if entity_keys is None else entity_keys
    q = Q(pk__in=[])
    for key in keys:
        if scope_q(user, key, action) == Q():
            q |= Q(entity=key)
        else:
            allowed = restrict(registry.get(key).queryset(), user, key, action)
            q |= Q(entity=key, object_id__in=allowed.values("pk"))
    return q


def may_log_activity(user, entity_key: str) -> bool:
    """Whether the user may add notes, calls, emails and meetings to records they see."""
    return can(user, entity_key, "change")


def may_act_on(user, entity_key: str, action: str, obj) -> bool:
    """Whether the user may do `action` on this one record (already loaded)."""
    scope = scope_for(user, entity_key, action)
    if scope == "all":
        return True
    if (
        action == "view"
        and user.is_authenticated
        and any(
            getattr(obj, f"{name}_id", None) == user.pk
            for name in _viewer_fields.get(entity_key, ())
        )
    ):
        return True
    if scope == "none":
        return False
    owner_id = getattr(obj, "owner_id", None)
    if owner_id == user.pk:
        return True
    if scope == "team" and user.team_id and owner_id:
        owner = obj.owner
        return owner is not None and owner.team_id == user.team_id
    return False


def require(user, entity_key: str, action: str, obj=None) -> None:
    allowed = (
        may_act_on(user, entity_key, action, obj)
        if obj is not None
        else can(user, entity_key, action)
    )
    if not allowed:
        raise PermissionDenied(action)


def require_administrator(user, what: str = "administer") -> None:
    """Settings (fields, pipelines, web forms) are for administrators; `user=None` is a
    trusted caller such as a management command or a migration."""
    if user is None:
        return
    if not (user.is_authenticated and user.is_active and user.is_administrator):
        raise PermissionDenied(what)


def visible_owner_ids(user, entity_key: str) -> list[int] | None:
    """For indexes that store only an owner id (search): None means no narrowing."""
    from django.contrib.auth import get_user_model

    scope = scope_for(user, entity_key, "view")
    if scope == "all":
        return None
    if scope == "none":
        return []
    if scope == "team" and user.team_id:
        return list(
            get_user_model().objects.filter(team_id=user.team_id).values_list("pk", flat=True)
        )
    return [user.pk]
