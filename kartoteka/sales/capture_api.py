"""API of web forms and assignment rules (mounted at /api/v1/), for administrators:

    GET    /forms                     every web form
    POST   /forms                     create one (its public key is generated)
    GET    /forms/{id}                one form
    PATCH  /forms/{id}                change it ("rotate_key": true gives it a new key)
    DELETE /forms/{id}                delete it (its leads stay)
    GET    /assignment-rules          rules in the order they are tried
    POST   /assignment-rules          create one
    PATCH  /assignment-rules/{id}     change it
    DELETE /assignment-rules/{id}     delete it

Input is parsed strictly (unknown fields give 422); `capture_settings` does every other
check, and the shared handlers turn its errors into the one error format. The public endpoint
visitors post to (/sales/f/<key>/json) is outside this API on purpose: it needs no credentials.
"""

from __future__ import annotations

from typing import Any

from django.shortcuts import get_object_or_404
from ninja import Router, Schema, Status
from pydantic import ConfigDict, Field

from kartoteka.platform import permissions
from kartoteka.platform.api_records import ErrorOut

from . import capture_settings
from .capture_settings import (
    LABEL_LIMIT,
    MAX_FORM_FIELDS,
    MAX_ORIGINS,
    MAX_RULE_USERS,
    NAME_LIMIT,
)
from .models import AssignmentRule, CaptureForm

router = Router(tags=["web forms"])


def _require_admin(request) -> None:
    permissions.require_administrator(request.user, "settings")


# -- forms -------------------------------------------------------------------------------------


class FormFieldIn(Schema):
    model_config = ConfigDict(extra="forbid")
    field: str = Field(..., max_length=60)
    label: str = Field("", max_length=LABEL_LIMIT)
    required: bool = False


class FormIn(Schema):
    model_config = ConfigDict(extra="forbid")
    name: str = Field(..., max_length=NAME_LIMIT)
    fields: list[FormFieldIn] = Field(..., max_length=MAX_FORM_FIELDS)
    allowed_origins: list[str] = Field(default_factory=list, max_length=MAX_ORIGINS)
    source: str = Field("website", max_length=40)
    owner: int | None = None
    success_message: str = Field("", max_length=255)
    redirect_url: str = Field("", max_length=200)
    active: bool = True


class FormPatch(Schema):
    model_config = ConfigDict(extra="forbid")
    name: str = Field(None, max_length=NAME_LIMIT)
    fields: list[FormFieldIn] = Field(None, max_length=MAX_FORM_FIELDS)
    allowed_origins: list[str] = Field(None, max_length=MAX_ORIGINS)
    source: str = Field(None, max_length=40)
    owner: int | None = None
    success_message: str = Field(None, max_length=255)
    redirect_url: str = Field(None, max_length=200)
    active: bool = Field(None)
    rotate_key: bool = False


class FormOut(Schema):
    id: int
    name: str
    key: str
    submit_url: str
    json_url: str
    fields: list[dict[str, Any]]
    allowed_origins: list[str]
    source: str
    owner: int | None
    success_message: str
    redirect_url: str
    active: bool
    submissions: int
    created_at: str


def _form_out(request, form: CaptureForm) -> dict[str, Any]:
    base = request.build_absolute_uri("/").rstrip("/")
    return {
        "id": form.pk,
        "name": form.name,
        "key": form.key,
        "submit_url": capture_settings.submit_url(form, base),
        "json_url": capture_settings.json_url(form, base),
        "fields": form.fields,
        "allowed_origins": form.allowed_origins,
        "source": form.source,
        "owner": form.owner_id,
        "success_message": form.success_message,
        "redirect_url": form.redirect_url,
        "active": form.active,
        "submissions": form.submissions,
        "created_at": form.created_at.isoformat(),
    }


@router.get("/forms", response={200: list[FormOut], 403: ErrorOut}, summary="Web forms")
def list_forms(request):
    _require_admin(request)
    return [_form_out(request, form) for form in CaptureForm.objects.order_by("name", "id")]


@router.post(
    "/forms", response={201: FormOut, 403: ErrorOut, 422: ErrorOut}, summary="Create a web form"
)
def create_form(request, payload: FormIn):
    _require_admin(request)
    form = capture_settings.create_form(request.user, payload.model_dump())
    return Status(201, _form_out(request, form))


@router.get(
    "/forms/{int:pk}", response={200: FormOut, 403: ErrorOut, 404: ErrorOut}, summary="Web form"
)
def read_form(request, pk: int):
    _require_admin(request)
    return _form_out(request, get_object_or_404(CaptureForm, pk=pk))


@router.patch(
    "/forms/{int:pk}",
    response={200: FormOut, 403: ErrorOut, 404: ErrorOut, 422: ErrorOut},
    summary="Change a web form",
)
def update_form(request, pk: int, payload: FormPatch):
    _require_admin(request)
    form = get_object_or_404(CaptureForm, pk=pk)
    data = payload.model_dump(exclude_unset=True)
    rotate = data.pop("rotate_key", False)
    form = capture_settings.update_form(request.user, form, data)
    if rotate:
        form = capture_settings.rotate_key(request.user, form)
    form.refresh_from_db()
    return _form_out(request, form)


@router.delete(
    "/forms/{int:pk}", response={204: None, 403: ErrorOut, 404: ErrorOut}, summary="Delete"
)
def delete_form(request, pk: int):
    _require_admin(request)
    capture_settings.delete_form(request.user, get_object_or_404(CaptureForm, pk=pk))
    return Status(204, None)


# -- assignment rules ----------------------------------------------------------------------------


class RuleIn(Schema):
    model_config = ConfigDict(extra="forbid")
    name: str = Field(..., max_length=NAME_LIMIT)
    order: int = 0
    active: bool = True
    source: str = Field("", max_length=40)
    region: str = Field("", max_length=100)
    product: int | None = None
    users: list[int] = Field(default_factory=list, max_length=MAX_RULE_USERS)


class RulePatch(Schema):
    model_config = ConfigDict(extra="forbid")
    name: str = Field(None, max_length=NAME_LIMIT)
    order: int = Field(None)
    active: bool = Field(None)
    source: str = Field(None, max_length=40)
    region: str = Field(None, max_length=100)
    product: int | None = None
    users: list[int] = Field(None, max_length=MAX_RULE_USERS)


class RuleOut(Schema):
    id: int
    name: str
    order: int
    active: bool
    source: str
    region: str
    product: int | None
    users: list[int]


def _rule_out(rule: AssignmentRule) -> dict[str, Any]:
    return {
        "id": rule.pk,
        "name": rule.name,
        "order": rule.order,
        "active": rule.active,
        "source": rule.source,
        "region": rule.region,
        "product": rule.product_id,
        "users": rule.users,
    }


@router.get(
    "/assignment-rules", response={200: list[RuleOut], 403: ErrorOut}, summary="Assignment rules"
)
def list_rules(request):
    _require_admin(request)
    return [_rule_out(rule) for rule in AssignmentRule.objects.order_by("order", "id")]


@router.post(
    "/assignment-rules",
    response={201: RuleOut, 403: ErrorOut, 422: ErrorOut},
    summary="Create an assignment rule",
)
def create_rule(request, payload: RuleIn):
    _require_admin(request)
    return Status(201, _rule_out(capture_settings.create_rule(request.user, payload.model_dump())))


@router.patch(
    "/assignment-rules/{int:pk}",
    response={200: RuleOut, 403: ErrorOut, 404: ErrorOut, 422: ErrorOut},
    summary="Change an assignment rule",
)
def update_rule(request, pk: int, payload: RulePatch):
    _require_admin(request)
    rule = get_object_or_404(AssignmentRule, pk=pk)
    rule = capture_settings.update_rule(request.user, rule, payload.model_dump(exclude_unset=True))
    return _rule_out(rule)


@router.delete(
    "/assignment-rules/{int:pk}",
    response={204: None, 403: ErrorOut, 404: ErrorOut},
    summary="Delete an assignment rule",
)
def delete_rule(request, pk: int):
    _require_admin(request)
    capture_settings.delete_rule(request.user, get_object_or_404(AssignmentRule, pk=pk))
    return Status(204, None)
