"""Ticket categories over the API; every change refreshes the ticket form's choices."""

from __future__ import annotations

from typing import Any

from django.shortcuts import get_object_or_404
from ninja import Router, Schema, Status
from pydantic import ConfigDict, Field

from kartoteka.platform.api_base import sent
from kartoteka.platform.api_records import ErrorOut

from .. import settings_categories
from ..models import Category
from ..settings_services import label, require_admin
from .common import ERRORS, OrderIn

router = Router()


class CategoryOut(Schema):
    id: int
    name: str
    label: str
    order: int
    active: bool
    team: int | None


class CategoryIn(Schema):
    model_config = ConfigDict(extra="forbid")
    name: str = Field(..., max_length=1000)
    active: bool = True
    team: int | None = None


class CategoryPatch(Schema):
    model_config = ConfigDict(extra="forbid")
    name: str = Field(None, max_length=1000)
    active: bool = None
    team: int | None = None
    order: int = None


def _category_out(category: Category) -> dict[str, Any]:
    return {
        "id": category.pk,
        "name": category.name,
        "label": label(category.name),
        "order": category.order,
        "active": category.active,
        "team": category.team_id,
    }


@router.get("/service/categories", response=list[CategoryOut], summary="Ticket categories")
def list_categories(request, active: bool | None = None):
    categories = Category.objects.order_by("order", "name")
    if active is not None:
        categories = categories.filter(active=active)
    return [_category_out(category) for category in categories]


@router.post(
    "/service/categories",
    response={201: CategoryOut, 403: ErrorOut, 422: ErrorOut},
    summary="Add a ticket category (at the end of the list)",
)
def create_category(request, payload: CategoryIn):
    require_admin(request.user)
    category = settings_categories.create_category(request.user, sent(payload))
    return Status(201, _category_out(category))


@router.patch(
    "/service/categories/{int:pk}",
    response={200: CategoryOut, **ERRORS},
    summary="Rename, reorder, activate or deactivate a category, or change its team",
)
def update_category(request, pk: int, payload: CategoryPatch):
    require_admin(request.user)
    category = get_object_or_404(Category, pk=pk)
    return _category_out(settings_categories.update_category(request.user, category, sent(payload)))


@router.delete(
    "/service/categories/{int:pk}",
    response={204: None, **ERRORS},
    summary="Delete an unused category (deactivate one in use)",
)
def delete_category(request, pk: int):
    require_admin(request.user)
    settings_categories.delete_category(request.user, get_object_or_404(Category, pk=pk))
    return Status(204, None)


@router.post(
    "/service/categories/order",
    response={200: list[CategoryOut], 403: ErrorOut, 422: ErrorOut},
    summary="Put the categories in a new order (every category id once)",
)
def order_categories(request, payload: OrderIn):
    require_admin(request.user)
    return [
        _category_out(c) for c in settings_categories.reorder_categories(request.user, payload.ids)
    ]
