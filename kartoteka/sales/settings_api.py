"""API of the sales settings (mounted at /api/v1/):

    GET    /pipelines                         pipelines with their stages in order
    POST   /pipelines                         create one (it starts with New, Won, Lost)
    GET    /pipelines/{id}                    one pipeline with its stages in order
    PATCH  /pipelines/{id}                    rename, make default, (de)activate
    DELETE /pipelines/{id}                    refused while it has deals or is the default
    POST   /pipelines/{id}/stages             add a stage
    POST   /pipelines/{id}/stage-order        {"ids": [stage ids in the new order]}
    PATCH  /stages/{id}, DELETE /stages/{id}
    GET    /reasons?kind=, POST /reasons, PATCH /reasons/{id}, DELETE /reasons/{id}
    GET    /currencies, POST /currencies, PATCH /currencies/{code}, DELETE /currencies/{code}
           (PATCH {"is_base": true} makes a currency the base and recomputes the rates)
    GET    /channel-costs, POST /channel-costs, PATCH /channel-costs/{id},
           DELETE /channel-costs/{id}

Pipelines, stages, reasons and currencies can be read by every signed-in user (deal forms and
scripts need them); channel costs and every write need an administrator. Names of built-in
rows come back as stored ("name") and in the reader's language ("label"). Rates and amounts
are decimal strings. Errors use the shared format of `platform.api_base`.

The writes are the settings actions' (`settings_pipelines`, `settings_reasons`,
`settings_money`). A writing handler checks the administrator before it looks a row up, so
anyone else gets 403 whether or not the row exists.
"""

from __future__ import annotations

import datetime
from decimal import Decimal
from typing import Any, Literal

from django.http import Http404
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from ninja import Query, Router, Schema, Status
from pydantic import ConfigDict, Field

from kartoteka.platform.api_base import sent
from kartoteka.platform.api_records import ErrorOut
from kartoteka.platform.settings_actions import refuse

from . import config, settings_money, settings_pipelines, settings_reasons
from .models import ChannelCost, Currency, Pipeline, Reason, Stage
from .settings_common import require_admin

router = Router(tags=["sales settings"])

Number = int | float | str


# -- pipelines and stages ----------------------------------------------------------------------


class StageOut(Schema):
    id: int
    pipeline: int
    name: str
    label: str
    kind: str
    probability: int
    order: int
    stale_days: int | None
    deal_count: int


class PipelineOut(Schema):
    id: int
    name: str
    label: str
    order: int
    is_default: bool
    active: bool
    deal_count: int
    stages: list[StageOut]


class PipelineIn(Schema):
    model_config = ConfigDict(extra="forbid")
    name: str = Field(..., max_length=1000)
    is_default: bool = False
    active: bool = True


class PipelinePatch(Schema):
    model_config = ConfigDict(extra="forbid")
    name: str = Field(None, max_length=1000)
    is_default: bool = None
    active: bool = None


class StageIn(Schema):
    model_config = ConfigDict(extra="forbid")
    name: str = Field(..., max_length=1000)
    kind: str = "open"
    probability: int | None = None
    stale_days: int | None = None


class StagePatch(Schema):
    model_config = ConfigDict(extra="forbid")
    name: str = Field(None, max_length=1000)
    kind: str = None
    probability: int = None
    stale_days: int | None = None


class StageOrderIn(Schema):
    model_config = ConfigDict(extra="forbid")
    ids: list[int] = Field(..., max_length=settings_pipelines.MAX_STAGES)


def _stage_out(stage: Stage, deal_count: int) -> dict[str, Any]:
    return {
        "id": stage.pk,
        "pipeline": stage.pipeline_id,
        "name": stage.name,
        "label": config.label(stage.name),
        "kind": stage.kind,
        "probability": stage.probability,
        "order": stage.order,
        "stale_days": stage.stale_days,
        "deal_count": deal_count,
    }


def _pipeline_out(pipeline: Pipeline) -> dict[str, Any]:
    return {
        "id": pipeline.pk,
        "name": pipeline.name,
        "label": config.label(pipeline.name),
        "order": pipeline.order,
        "is_default": pipeline.is_default,
        "active": pipeline.active,
        "deal_count": pipeline.deal_count,
        "stages": [_stage_out(stage, stage.deal_count) for stage in pipeline.stage_rows],
    }


def _pipeline(pk: int) -> dict[str, Any]:
    found = settings_pipelines.pipelines_with_counts(pk)
    if not found:
        raise Http404
    return _pipeline_out(found[0])


@router.get("/pipelines", response=list[PipelineOut], summary="Pipelines with their stages")
def list_pipelines(request):
    return [_pipeline_out(pipeline) for pipeline in settings_pipelines.pipelines_with_counts()]


@router.post(
    "/pipelines",
    response={201: PipelineOut, 403: ErrorOut, 422: ErrorOut},
    summary="Create a pipeline (it starts with the stages New, Won and Lost)",
)
def create_pipeline(request, payload: PipelineIn):
    require_admin(request.user)
    pipeline = settings_pipelines.create_pipeline(request.user, sent(payload))
    return Status(201, _pipeline(pipeline.pk))


@router.get(
    "/pipelines/{int:pk}",
    response={200: PipelineOut, 404: ErrorOut},
    summary="One pipeline with its stages in order",
)
def read_pipeline(request, pk: int):
    return _pipeline(pk)


@router.patch(
    "/pipelines/{int:pk}",
    response={200: PipelineOut, 403: ErrorOut, 404: ErrorOut, 422: ErrorOut},
    summary="Rename a pipeline, make it the default, activate or deactivate it",
)
def update_pipeline(request, pk: int, payload: PipelinePatch):
    require_admin(request.user)
    pipeline = get_object_or_404(Pipeline, pk=pk)
    settings_pipelines.update_pipeline(request.user, pipeline, sent(payload))
    return _pipeline(pk)


@router.delete(
    "/pipelines/{int:pk}",
    response={204: None, 403: ErrorOut, 404: ErrorOut, 422: ErrorOut},
    summary="Delete a pipeline without deals (deactivate one that has deals)",
)
def delete_pipeline(request, pk: int):
    require_admin(request.user)
    settings_pipelines.delete_pipeline(request.user, get_object_or_404(Pipeline, pk=pk))
    return Status(204, None)


@router.post(
    "/pipelines/{int:pk}/stages",
    response={201: StageOut, 403: ErrorOut, 404: ErrorOut, 422: ErrorOut},
    summary="Add a stage to a pipeline",
)
def create_stage(request, pk: int, payload: StageIn):
    require_admin(request.user)
    pipeline = get_object_or_404(Pipeline, pk=pk)
    stage = settings_pipelines.create_stage(request.user, pipeline, sent(payload))
    return Status(201, _stage_out(stage, 0))


@router.post(
    "/pipelines/{int:pk}/stage-order",
    response={200: PipelineOut, 403: ErrorOut, 404: ErrorOut, 422: ErrorOut},
    summary="Put a pipeline's stages in a new order (every stage id once)",
)
def order_stages(request, pk: int, payload: StageOrderIn):
    require_admin(request.user)
    pipeline = get_object_or_404(Pipeline, pk=pk)
    settings_pipelines.reorder_stages(request.user, pipeline, payload.ids)
    return _pipeline(pk)


@router.patch(
    "/stages/{int:pk}",
    response={200: StageOut, 403: ErrorOut, 404: ErrorOut, 422: ErrorOut},
    summary="Change a stage: name, kind, probability, stale after days",
)
def update_stage(request, pk: int, payload: StagePatch):
    require_admin(request.user)
    stage = get_object_or_404(Stage, pk=pk)
    settings_pipelines.update_stage(request.user, stage, sent(payload))
    return _stage_out(stage, stage.deals.count())


@router.delete(
    "/stages/{int:pk}",
    response={204: None, 403: ErrorOut, 404: ErrorOut, 422: ErrorOut},
    summary="Delete a stage without deals (not the last open, won or lost one)",
)
def delete_stage(request, pk: int):
    require_admin(request.user)
    settings_pipelines.delete_stage(request.user, get_object_or_404(Stage, pk=pk))
    return Status(204, None)


# -- reasons -----------------------------------------------------------------------------------

ReasonKind = Literal["loss", "disqualification"]


class ReasonOut(Schema):
    id: int
    kind: str
    name: str
    label: str
    order: int
    active: bool


class ReasonIn(Schema):
    model_config = ConfigDict(extra="forbid")
    kind: ReasonKind
    name: str = Field(..., max_length=1000)
    active: bool = True


class ReasonPatch(Schema):
    model_config = ConfigDict(extra="forbid")
    name: str = Field(None, max_length=1000)
    active: bool = None
    order: int = None


def _reason_out(reason: Reason) -> dict[str, Any]:
    return {
        "id": reason.pk,
        "kind": reason.kind,
        "name": reason.name,
        "label": config.label(reason.name),
        "order": reason.order,
        "active": reason.active,
    }


@router.get("/reasons", response=list[ReasonOut], summary="Loss and disqualification reasons")
def list_reasons(request, kind: ReasonKind | None = None, active: bool | None = None):
    reasons = Reason.objects.order_by("kind", "order", "id")
    if kind:
        reasons = reasons.filter(kind=kind)
    if active is not None:
        reasons = reasons.filter(active=active)
    return [_reason_out(reason) for reason in reasons]


@router.post(
    "/reasons",
    response={201: ReasonOut, 403: ErrorOut, 422: ErrorOut},
    summary="Add a loss or disqualification reason",
)
def create_reason(request, payload: ReasonIn):
    require_admin(request.user)
    return Status(201, _reason_out(settings_reasons.create_reason(request.user, sent(payload))))


@router.patch(
    "/reasons/{int:pk}",
    response={200: ReasonOut, 403: ErrorOut, 404: ErrorOut, 422: ErrorOut},
    summary="Rename, reorder, activate or deactivate a reason",
)
def update_reason(request, pk: int, payload: ReasonPatch):
    require_admin(request.user)
    reason = get_object_or_404(Reason, pk=pk)
    return _reason_out(settings_reasons.update_reason(request.user, reason, sent(payload)))


@router.delete(
    "/reasons/{int:pk}",
    response={204: None, 403: ErrorOut, 404: ErrorOut, 422: ErrorOut},
    summary="Delete an unused reason (deactivate a used one)",
)
def delete_reason(request, pk: int):
    require_admin(request.user)
    settings_reasons.delete_reason(request.user, get_object_or_404(Reason, pk=pk))
    return Status(204, None)


# -- currencies --------------------------------------------------------------------------------


class CurrencyOut(Schema):
    code: str
    name: str
    label: str
    rate: str
    is_base: bool
    updated_at: datetime.datetime


class CurrencyIn(Schema):
    model_config = ConfigDict(extra="forbid")
    code: str = Field(..., max_length=20)
    name: str = Field(..., max_length=1000)
    rate: Number


class CurrencyPatch(Schema):
    model_config = ConfigDict(extra="forbid")
    name: str = Field(None, max_length=1000)
    rate: Number = None
    is_base: bool = None


def _currency_out(currency: Currency) -> dict[str, Any]:
    return {
        "code": currency.code,
        "name": currency.name,
        "label": config.label(currency.name),
        "rate": f"{Decimal(currency.rate).quantize(Decimal('0.000001')):f}",
        "is_base": currency.is_base,
        "updated_at": currency.updated_at,
    }


@router.get("/currencies", response=list[CurrencyOut], summary="Currencies and their rates")
def list_currencies(request):
    return [_currency_out(currency) for currency in Currency.objects.all()]


@router.post(
    "/currencies",
    response={201: CurrencyOut, 403: ErrorOut, 422: ErrorOut},
    summary="Add a currency with its rate to the base currency",
)
def create_currency(request, payload: CurrencyIn):
    require_admin(request.user)
    return Status(201, _currency_out(settings_money.create_currency(request.user, sent(payload))))


@router.patch(
    "/currencies/{code}",
    response={200: CurrencyOut, 403: ErrorOut, 404: ErrorOut, 422: ErrorOut},
    summary="Rename a currency, change its rate or make it the base",
)
def update_currency(request, code: str, payload: CurrencyPatch):
    require_admin(request.user)
    currency = get_object_or_404(Currency, code=code.upper())
    data = sent(payload)
    is_base = data.pop("is_base", None)
    if is_base is False and currency.is_base:
        raise refuse(_("Make another currency the base instead."), "is_base")
    if data:
        currency = settings_money.update_currency(request.user, currency, data)
    if is_base:
        currency = settings_money.make_base_currency(request.user, currency)
    return _currency_out(currency)


@router.delete(
    "/currencies/{code}",
    response={204: None, 403: ErrorOut, 404: ErrorOut, 422: ErrorOut},
    summary="Delete a currency that no deal, product or cost uses",
)
def delete_currency(request, code: str):
    require_admin(request.user)
    settings_money.delete_currency(request.user, get_object_or_404(Currency, code=code.upper()))
    return Status(204, None)


# -- channel costs -----------------------------------------------------------------------------


class ChannelCostOut(Schema):
    id: int
    source: str
    period_start: datetime.date
    period_end: datetime.date
    amount: str
    currency: str
    note: str


class ChannelCostIn(Schema):
    model_config = ConfigDict(extra="forbid")
    source: str = Field(..., max_length=100)
    period_start: datetime.date
    period_end: datetime.date
    amount: Number
    currency: str = Field(..., max_length=20)
    note: str = Field("", max_length=1000)


class ChannelCostPatch(Schema):
    model_config = ConfigDict(extra="forbid")
    source: str = Field(None, max_length=100)
    period_start: datetime.date = None
    period_end: datetime.date = None
    amount: Number = None
    currency: str = Field(None, max_length=20)
    note: str = Field(None, max_length=1000)


def _cost_out(cost: ChannelCost) -> dict[str, Any]:
    return {
        "id": cost.pk,
        "source": cost.source,
        "period_start": cost.period_start,
        "period_end": cost.period_end,
        "amount": f"{Decimal(cost.amount).quantize(Decimal('0.01')):f}",
        "currency": cost.currency,
        "note": cost.note,
    }


@router.get(
    "/channel-costs",
    response={200: list[ChannelCostOut], 403: ErrorOut},
    summary="Money spent on lead sources, newest first",
)
def list_channel_costs(request, source: str = "", limit: int = Query(200, ge=1, le=1000)):
    require_admin(request.user)
    costs = ChannelCost.objects.order_by("-period_start", "-id")
    if source:
        costs = costs.filter(source=source)
    return [_cost_out(cost) for cost in costs[:limit]]


@router.post(
    "/channel-costs",
    response={201: ChannelCostOut, 403: ErrorOut, 422: ErrorOut},
    summary="Add the money spent on a source over a period",
)
def create_channel_cost(request, payload: ChannelCostIn):
    require_admin(request.user)
    cost = settings_money.create_channel_cost(request.user, sent(payload))
    return Status(201, _cost_out(cost))


@router.patch(
    "/channel-costs/{int:pk}",
    response={200: ChannelCostOut, 403: ErrorOut, 404: ErrorOut, 422: ErrorOut},
    summary="Change a channel cost",
)
def update_channel_cost(request, pk: int, payload: ChannelCostPatch):
    require_admin(request.user)
    cost = get_object_or_404(ChannelCost, pk=pk)
    return _cost_out(settings_money.update_channel_cost(request.user, cost, sent(payload)))


@router.delete(
    "/channel-costs/{int:pk}",
    response={204: None, 403: ErrorOut, 404: ErrorOut},
    summary="Delete a channel cost",
)
def delete_channel_cost(request, pk: int):
    require_admin(request.user)
    settings_money.delete_channel_cost(request.user, get_object_or_404(ChannelCost, pk=pk))
    return Status(204, None)
