"""Writes to users, teams, roles, tokens and access requests.

Views and commands call these; each one owns its transaction, refuses what must not happen
(deactivating yourself, deleting a team with members, deciding a request twice) with
`Refused`, and emits a domain event for automation and notifications.
"""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from kartoteka.platform import events

from .models import AccessRequest, ApiToken, Role, Team
from .roles import DEFAULT_ROLES

User = get_user_model()
USER_FIELDS = ("username", "first_name", "last_name", "email", "team", "role", "language")
PROFILE_FIELDS = ("first_name", "last_name", "email", "language")


class Refused(Exception):
    """The action is not allowed; the message says why, in the user's language."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


# -- users ------------------------------------------------------------------------------------


@transaction.atomic
def create_user(*, by, **fields) -> User:
    """A new active user without a password: they set one through the emailed link."""
    user = User(**{key: fields[key] for key in USER_FIELDS if key in fields}, is_active=True)
    user.set_unusable_password()
    user.save()
    events.emit("user.created", id=user.pk, by=by.pk if by else None)
    return user


@transaction.atomic
def update_user(user, *, by, **fields) -> User:
    if user.pk == by.pk and fields.get("is_active") is False:
        raise Refused(_("You cannot deactivate yourself."))
    for key in (*USER_FIELDS, "is_active"):
        if key in fields:
            setattr(user, key, fields[key])
    user.save()
    events.emit("user.changed", id=user.pk, by=by.pk)
    return user


def set_user_active(user, active: bool, *, by) -> User:
    return update_user(user, by=by, is_active=active)


@transaction.atomic
def update_profile(user, **fields) -> User:
    for key in PROFILE_FIELDS:
        if key in fields:
            setattr(user, key, fields[key])
    user.save(update_fields=[key for key in PROFILE_FIELDS if key in fields])
    return user


# -- teams and roles --------------------------------------------------------------------------


@transaction.atomic
def save_team(team: Team | None, *, name: str) -> Team:
    team = team or Team()
    team.name = name
    team.save()
    return team


@transaction.atomic
def delete_team(team: Team) -> None:
    team = Team.objects.select_for_update().get(pk=team.pk)
    if User.objects.filter(team=team).exists():
        raise Refused(_("The team “%(name)s” still has members.") % {"name": team.name})
    team.delete()


@transaction.atomic
def save_role(role: Role | None, *, name: str, key: str, is_admin: bool, grants: dict) -> Role:
    """Built-in roles keep their key and name; everything else may change."""
    role = role or Role()
    if not (role.pk and role.key in DEFAULT_ROLES):
        role.key = key
        role.name = name
    role.is_admin = is_admin
    role.grants = grants
    role.save()
    events.emit("role.changed", id=role.pk)
    return role


# -- API tokens -------------------------------------------------------------------------------


def issue_token(user, name: str) -> tuple[ApiToken, str]:
    """A new token and its raw value, which is never stored and cannot be shown again."""
    if not user.is_active:
        raise Refused(_("The user %(username)s is deactivated.") % {"username": user.username})
    return ApiToken.issue(user, name)


def revoke_token(user, token_id: int) -> bool:
    deleted, _rows = ApiToken.objects.filter(user=user, pk=token_id).delete()
    return bool(deleted)


# -- access requests --------------------------------------------------------------------------


@transaction.atomic
def submit_access_request(*, full_name: str, email: str, message: str, review_url: str = ""):
    access_request = AccessRequest.objects.create(full_name=full_name, email=email, message=message)
    events.emit("access_request.submitted", id=access_request.pk, review_url=review_url)
    return access_request


def _lock_pending(request_id: int) -> AccessRequest:
    access_request = AccessRequest.objects.select_for_update().get(pk=request_id)
    if access_request.status != AccessRequest.Status.PENDING:
        raise Refused(_("This request has already been decided."))
    return access_request


@transaction.atomic
def approve_access_request(
    request_id: int, *, by, username: str, role: Role, team: Team | None, language: str
) -> User:
    access_request = _lock_pending(request_id)
    first_name, _space, last_name = access_request.full_name.partition(" ")
    user = create_user(
        by=by,
        username=username,
        first_name=first_name[:150],
        last_name=last_name[:150],
        email=access_request.email,
        role=role,
        team=team,
        language=language,
    )
    access_request.status = AccessRequest.Status.APPROVED
    access_request.decided_by = by
    access_request.decided_at = timezone.now()
    access_request.user = user
    access_request.save()
    return user


@transaction.atomic
def reject_access_request(request_id: int, *, by) -> AccessRequest:
    access_request = _lock_pending(request_id)
    access_request.status = AccessRequest.Status.REJECTED
    access_request.decided_by = by
    access_request.decided_at = timezone.now()
    access_request.save()
    return access_request
