"""API resources of the sales app, mounted at /api/v1/: moving deals between stages, the
board's columns, line items and contacts of a deal, qualifying and disqualifying leads. Web
forms (`capture_api`) and sales settings (`settings_api`) have routers of their own.

Creating, reading and editing leads, deals and products is the generic record API
(/api/v1/entities/{lead|deal|product}/records), with the same rules as here."""

from __future__ import annotations

from typing import Any

from django.http import Http404
from ninja import Body, Router, Schema
from pydantic import ConfigDict

from kartoteka.platform.api_records import ErrorOut, serialize, visible_or_404
from kartoteka.platform.registry import registry

from . import board, config, services
from .capture_api import router as capture_router
from .settings_api import router as settings_router

router = Router(tags=["sales"])
router.add_router("", capture_router)
router.add_router("", settings_router)

ERRORS = {403: ErrorOut, 404: ErrorOut, 409: ErrorOut, 422: ErrorOut}


class MoveIn(Schema):
    model_config = ConfigDict(extra="forbid")
    stage: int
    lost_reason: int | None = None
    version: int | None = None


@router.post(
    "/deals/{deal_id}/move",
    response={200: dict[str, Any], **ERRORS},
    summary="Move a deal to a stage",
    description="A lost stage needs `lost_reason`; `version` refuses a stale move with 409.",
)
def move_deal(request, deal_id: int, payload: MoveIn):
    deal = visible_or_404(request.user, registry.get("deal"), deal_id)
    moved = services.move_deal_to_stage(
        request.user,
        deal,
        payload.stage,
        lost_reason=payload.lost_reason,
        version=payload.version,
    )
    spec = registry.get("deal")
    return serialize(spec, spec.queryset().get(pk=moved.pk))


@router.get(
    "/deals/board",
    response={200: dict[str, Any], **ERRORS},
    summary="The board of a pipeline: columns with counts, totals and a first page",
    description="Filters are the list's (`f.owner=me`, `q=…`); `pipeline` picks the pipeline; "
    "won and lost columns hold the deals closed in the last `closed` days (30, 90 or 365; "
    "`all` for every one; 30 by default). Each column's `next_cursor` pages on with "
    "/deals/board/columns/{stage_id} (pass the same filters and `closed`).",
)
def deal_board(request, pipeline: int | None = None, closed: str = ""):
    data = board.build(request.user, request.GET)
    spec = registry.get("deal")
    return {
        "pipeline": data["pipeline_id"],
        "closed": data["closed"],
        "columns": [
            {
                "stage": column.stage.pk,
                "name": column.stage.label,
                "kind": column.stage.kind,
                "probability": column.stage.probability,
                "count": column.count,
                "total": str(column.total),
                "currency": config.snapshot().base,
                "items": [_card(spec, deal) for deal in column.cards],
                "next_cursor": column.next_cursor or None,
            }
            for column in data["columns"]
        ],
    }


@router.get(
    "/deals/board/columns/{stage_id}",
    response={200: dict[str, Any], **ERRORS},
    summary="The next page of one board column",
)
def board_column(request, stage_id: int, cursor: str = "", closed: str = ""):
    stage = config.stage(stage_id)
    if stage is None:
        raise Http404
    query = board.board_query(request.GET)
    qs = board.base_queryset(request.user, query, stage.pipeline_id)
    since = board.closed_since(board.closed_window(request.GET))
    cards, next_cursor = board.column_page(qs, stage.pk, cursor, since=since)
    spec = registry.get("deal")
    return {"items": [_card(spec, deal) for deal in cards], "next_cursor": next_cursor or None}


def _card(spec, deal) -> dict[str, Any]:
    data = serialize(spec, deal)
    data["has_next_step"] = bool(getattr(deal, "has_next_step", False))
    data["stale"] = board.is_stale(deal, config.stage(deal.stage_id))
    return data


@router.get(
    "/deals/{deal_id}/items",
    response={200: dict[str, Any], **ERRORS},
    summary="Line items of a deal",
)
def deal_items(request, deal_id: int):
    deal = visible_or_404(request.user, registry.get("deal"), deal_id)
    return {"items": [_item(item) for item in deal.line_items.all()], "version": deal.version}


@router.put(
    "/deals/{deal_id}/items",
    response={200: dict[str, Any], **ERRORS},
    summary="Replace the line items of a deal",
    description="`items`: [{product?, name?, unit?, quantity, price?, discount?, tax_rate?}]; "
    "a product fills name, price and tax when they are left out. The deal's amount becomes "
    "the total.",
)
def set_deal_items(request, deal_id: int, payload: dict[str, Any] = Body(...)):
    deal = visible_or_404(request.user, registry.get("deal"), deal_id)
    updated = services.set_line_items(
        request.user, deal, payload.get("items"), version=payload.get("version")
    )
    return {
        "items": [_item(item) for item in updated.line_items.all()],
        "amount": str(updated.amount) if updated.amount is not None else None,
        "version": updated.version,
    }


def _item(item) -> dict[str, Any]:
    return {
        "product": item.product_id,
        "name": item.name,
        "sku": item.sku,
        "unit": item.unit,
        "quantity": str(item.quantity.normalize()),
        "price": str(item.price),
        "discount": str(item.discount.normalize()),
        "tax_rate": str(item.tax_rate.normalize()),
        "net": str(item.net),
        "tax": str(item.tax),
        "total": str(item.total),
    }


@router.put(
    "/deals/{deal_id}/contacts",
    response={200: dict[str, Any], **ERRORS},
    summary="Replace the contacts of a deal, with their roles",
)
def set_deal_contacts(request, deal_id: int, payload: dict[str, Any] = Body(...)):
    deal = visible_or_404(request.user, registry.get("deal"), deal_id)
    rows = services.set_deal_contacts(request.user, deal, payload.get("contacts"))
    return {"contacts": [{"contact": row.contact_id, "role": row.role} for row in rows]}


class QualifyIn(Schema):
    model_config = ConfigDict(extra="forbid")
    contact: dict[str, Any] | None = None
    existing_contact: int | None = None
    company: dict[str, Any] | int | None = None
    deal: dict[str, Any] | None = None


@router.post(
    "/leads/{lead_id}/qualify",
    response={200: dict[str, Any], **ERRORS},
    summary="Qualify a lead into contact + company + deal in one step",
    description="Left out, `contact` is taken from the lead; `company` is an existing "
    "company's id or the fields of a new one; `deal` null creates no deal.",
)
def qualify_lead(request, lead_id: int, payload: QualifyIn):
    lead = visible_or_404(request.user, registry.get("lead"), lead_id)
    proposal = services.qualification_proposal(lead)
    contact = payload.contact if payload.contact is not None else proposal["contact"]
    deal = payload.deal
    if "deal" not in payload.model_fields_set:
        deal = {k: v for k, v in proposal["deal"].items() if v not in (None, "")}
    company = payload.company
    if "company" not in payload.model_fields_set:
        existing = proposal["company"]["existing"]
        company = (
            existing.pk
            if existing
            else ({"name": proposal["company"]["name"]} if proposal["company"]["name"] else None)
        )
    lead, contact_obj, company_obj, deal_obj = services.qualify_lead(
        request.user,
        lead,
        contact=contact,
        company=company,
        deal=deal,
        existing_contact=payload.existing_contact,
    )
    return {
        "lead": lead.pk,
        "contact": contact_obj.pk,
        "company": company_obj.pk if company_obj else None,
        "deal": deal_obj.pk if deal_obj else None,
    }


class DisqualifyIn(Schema):
    model_config = ConfigDict(extra="forbid")
    reason: int
    version: int | None = None


@router.post(
    "/leads/{lead_id}/disqualify",
    response={200: dict[str, Any], **ERRORS},
    summary="Disqualify a lead with a reason",
)
def disqualify_lead(request, lead_id: int, payload: DisqualifyIn):
    spec = registry.get("lead")
    lead = visible_or_404(request.user, spec, lead_id)
    updated = services.disqualify_lead(request.user, lead, payload.reason, version=payload.version)
    return serialize(spec, spec.queryset().get(pk=updated.pk))
