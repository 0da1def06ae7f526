"""SLA policies over the API: conditions, calendar, targets, escalation, and their order."""

from __future__ import annotations

from typing import Any

from django.shortcuts import get_object_or_404
from ninja import Router, Schema, Status
from pydantic import ConfigDict, Field

from kartoteka.platform.api_base import sent
from kartoteka.platform.api_records import ErrorOut

from .. import settings_policies
from ..models import Category, SlaPolicy
from ..settings_services import format_minute, label, require_admin
from .common import ERRORS, OrderIn

router = Router()


class PolicyOut(Schema):
    id: int
    name: str
    label: str
    order: int
    active: bool
    priorities: list[str]
    types: list[str]
    categories: list[int]
    tiers: list[str]
    calendar: int
    first_response_minutes: int | None
    next_response_minutes: int | None
    resolution_minutes: int | None
    cutoff_at: str | None
    cutoff_next_day_at: str | None
    update_every_minutes: int | None
    pause_on_third_party: bool
    warn_before_minutes: int
    escalate_to: int | None
    raise_priority: bool
    summary: str


class PolicyIn(Schema):
    model_config = ConfigDict(extra="forbid")
    name: str = Field(..., max_length=1000)
    active: bool = True
    priorities: list[str] = Field([], max_length=20)
    types: list[str] = Field([], max_length=20)
    categories: list[int] = Field([], max_length=1000)
    tiers: list[str] = Field([], max_length=20)
    calendar: int
    first_response_minutes: int | None = None
    next_response_minutes: int | None = None
    resolution_minutes: int | None = None
    cutoff_at: str | None = Field(None, max_length=20)
    cutoff_next_day_at: str | None = Field(None, max_length=20)
    update_every_minutes: int | None = None
    pause_on_third_party: bool = False
    warn_before_minutes: int = 30
    escalate_to: int | None = None
    raise_priority: bool = False


class PolicyPatch(Schema):
    model_config = ConfigDict(extra="forbid")
    name: str = Field(None, max_length=1000)
    active: bool = None
    priorities: list[str] = Field(None, max_length=20)
    types: list[str] = Field(None, max_length=20)
    categories: list[int] = Field(None, max_length=1000)
    tiers: list[str] = Field(None, max_length=20)
    calendar: int = None
    first_response_minutes: int | None = None
    next_response_minutes: int | None = None
    resolution_minutes: int | None = None
    cutoff_at: str | None = Field(None, max_length=20)
    cutoff_next_day_at: str | None = Field(None, max_length=20)
    update_every_minutes: int | None = None
    pause_on_third_party: bool = None
    warn_before_minutes: int = None
    escalate_to: int | None = None
    raise_priority: bool = None


def _category_names() -> dict[int, str]:
    return {pk: label(name) for pk, name in Category.objects.values_list("pk", "name")}


def _policy_out(policy: SlaPolicy, category_names: dict[int, str]) -> dict[str, Any]:
    def time(minute):
        return None if minute is None else format_minute(minute)

    return {
        "id": policy.pk,
        "name": policy.name,
        "label": label(policy.name),
        "order": policy.order,
        "active": policy.active,
        "priorities": policy.priorities,
        "types": policy.types,
        "categories": policy.categories,
        "tiers": policy.tiers,
        "calendar": policy.calendar_id,
        "first_response_minutes": policy.first_response_minutes,
        "next_response_minutes": policy.next_response_minutes,
        "resolution_minutes": policy.resolution_minutes,
        "cutoff_at": time(policy.cutoff_at),
        "cutoff_next_day_at": time(policy.cutoff_next_day_at),
        "update_every_minutes": policy.update_every_minutes,
        "pause_on_third_party": policy.pause_on_third_party,
        "warn_before_minutes": policy.warn_before_minutes,
        "escalate_to": policy.escalate_to_id,
        "raise_priority": policy.raise_priority,
        "summary": settings_policies.summary(policy, category_names),
    }


def _policies() -> list[dict[str, Any]]:
    names = _category_names()
    return [_policy_out(policy, names) for policy in SlaPolicy.objects.order_by("order", "id")]


@router.get(
    "/service/sla-policies",
    response=list[PolicyOut],
    summary="SLA policies in the order they are tried",
)
def list_policies(request):
    return _policies()


@router.post(
    "/service/sla-policies",
    response={201: PolicyOut, 403: ErrorOut, 422: ErrorOut},
    summary="Create an SLA policy (it goes before the first policy that matches every ticket)",
)
def create_policy(request, payload: PolicyIn):
    require_admin(request.user)
    policy = settings_policies.create_policy(request.user, sent(payload))
    policy.refresh_from_db()
    return Status(201, _policy_out(policy, _category_names()))


@router.get(
    "/service/sla-policies/{int:pk}",
    response={200: PolicyOut, 404: ErrorOut},
    summary="One SLA policy",
)
def read_policy(request, pk: int):
    return _policy_out(get_object_or_404(SlaPolicy, pk=pk), _category_names())


@router.patch(
    "/service/sla-policies/{int:pk}",
    response={200: PolicyOut, **ERRORS},
    summary="Change an SLA policy's conditions, calendar, targets or escalation",
)
def update_policy(request, pk: int, payload: PolicyPatch):
    require_admin(request.user)
    policy = get_object_or_404(SlaPolicy, pk=pk)
    policy = settings_policies.update_policy(request.user, policy, sent(payload))
    return _policy_out(policy, _category_names())


@router.delete(
    "/service/sla-policies/{int:pk}",
    response={204: None, **ERRORS},
    summary="Delete an SLA policy (its tickets keep the deadlines they have)",
)
def delete_policy(request, pk: int):
    require_admin(request.user)
    settings_policies.delete_policy(request.user, get_object_or_404(SlaPolicy, pk=pk))
    return Status(204, None)


@router.post(
    "/service/sla-policies/order",
    response={200: list[PolicyOut], 403: ErrorOut, 422: ErrorOut},
    summary="Put the SLA policies in a new order (every policy id once)",
)
def order_policies(request, payload: OrderIn):
    require_admin(request.user)
    settings_policies.reorder_policies(request.user, payload.ids)
    return _policies()
