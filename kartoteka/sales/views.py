"""Sales pages: the deals board with drag and drop, a deal's stage moves and line items, and
qualifying or disqualifying a lead. Writes go through `services`; permissions through the
platform's one filter."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.http import Http404, HttpResponseBadRequest, JsonResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from kartoteka.accounts.models import Team
from kartoteka.platform import forms as platform_forms
from kartoteka.platform import permissions
from kartoteka.platform import services as platform_services
from kartoteka.platform.api_records import visible_or_404
from kartoteka.platform.fields import InputErrors
from kartoteka.platform.presenters import format_money
from kartoteka.platform.registry import registry

from . import board, config, services
from .models import Lead


def _visible(user, key: str, pk: int):
    return visible_or_404(user, registry.get(key), pk)


def money(amount) -> str:
    return format_money({"amount": amount or 0, "currency": config.snapshot().base})


# -- board -----------------------------------------------------------------------------------


@login_required
@require_GET
def deal_board(request):
    if not permissions.can(request.user, "deal", "view"):
        raise DjangoPermissionDenied(_("You do not have permission to do this."))
    try:
        context = board.build(request.user, request.GET, cards_only=True)
        error = ""
    except InputErrors as exc:
        context, error = {"pipeline_id": None, "columns": [], "query": None}, exc.first_message
    spec = registry.get("deal")
    params = request.GET.copy()
    params.pop("pipeline", None)
    context.update(
        {
            "entity": spec,
            "error": error,
            "pipelines": [(pk, config.label(name)) for pk, name, _d in config.snapshot().pipelines],
            "filter_params": urlencode(sorted(params.items())),
            "users": platform_forms.user_options(),
            "owner_filter": request.GET.get("f.owner", ""),
            "team_filter": request.GET.get("f.owner.team", ""),
            "teams": list(Team.objects.order_by("name").values_list("pk", "name")),
            "loss_reasons": config.reasons("loss"),
            "can_change": permissions.can(request.user, "deal", "change"),
            "can_create": permissions.can(request.user, "deal", "create"),
            "card_prefix": registry.get("deal").list_url(),
        }
    )
    for column in context["columns"]:
        column.total_text = money(column.total)
    return render(request, "sales/board.html", context)


@login_required
@require_GET
def board_column(request, stage_id: int):
    stage = config.stage(stage_id)
    if stage is None:
        raise Http404
    query = board.board_query(request.GET)
    try:
        qs = board.base_queryset(request.user, query, stage.pipeline_id)
        cards, next_cursor = board.column_page(
            qs,
            stage.pk,
            request.GET.get("cursor", ""),
            since=board.closed_since(board.closed_window(request.GET)),
            cards_only=True,
        )
    except InputErrors as exc:
        return HttpResponseBadRequest(exc.first_message)
    for deal in cards:
        deal.is_stale = board.is_stale(deal, stage)
    params = request.GET.copy()
    params.pop("cursor", None)
    return render(
        request,
        "sales/_board_cards.html",
        {
            "cards": cards,
            "column_stage": stage,
            "next_cursor": next_cursor,
            "filter_params": urlencode(sorted(params.items())),
            "card_prefix": registry.get("deal").list_url(),
        },
    )


@login_required
@require_POST
def move_deal(request, pk: int):
    """The board's drop: JSON in and out, so the page can put the card back on refusal."""
    deal = _visible(request.user, "deal", pk)
    version = request.POST.get("version")
    try:
        moved = services.move_deal_to_stage(
            request.user,
            deal,
            request.POST.get("stage"),
            lost_reason=request.POST.get("lost_reason") or None,
            version=int(version) if version and version.isdigit() else None,
        )
    except InputErrors as exc:
        return JsonResponse(
            {"ok": False, "errors": exc.errors, "detail": exc.first_message}, status=422
        )
    except permissions.PermissionDenied:
        return JsonResponse({"ok": False, "detail": _("You may not change this deal.")}, status=403)
    except platform_services.Conflict as exc:
        return JsonResponse(
            {
                "ok": False,
                "detail": _("Someone else changed this deal; the board was reloaded."),
                "version": exc.current_version,
            },
            status=409,
        )
    stage = config.stage(moved.stage_id)
    query = board.board_query(request.GET)
    qs = board.base_queryset(request.user, query, moved.pipeline_id)
    since = board.closed_since(board.closed_window(request.GET))
    counts = board.headers(qs, [deal.stage_id, moved.stage_id], since)
    annotated = board.with_flags(registry.get("deal").queryset(), "deal").get(pk=moved.pk)
    annotated.is_stale = board.is_stale(annotated, stage)
    card = render_to_string(
        "sales/_deal_card.html",
        {"deal": annotated, "card_prefix": registry.get("deal").list_url()},
        request=request,
    )
    columns = {}
    for stage_id in {deal.stage_id, moved.stage_id}:
        count, total = counts.get(stage_id, (0, 0))
        columns[str(stage_id)] = {"count": count, "total": money(total)}
    return JsonResponse({"ok": True, "card": card, "version": moved.version, "columns": columns})


# -- deal card actions -------------------------------------------------------------------------


@login_required
@require_POST
def deal_stage(request, pk: int):
    """The stage buttons on a deal's card (a form post, works without JavaScript)."""
    deal = _visible(request.user, "deal", pk)
    try:
        services.move_deal_to_stage(
            request.user,
            deal,
            request.POST.get("stage"),
            lost_reason=request.POST.get("lost_reason") or None,
            version=int(request.POST["version"])
            if request.POST.get("version", "").isdigit()
            else None,
        )
        messages.success(request, _("Stage changed."))
    except InputErrors as exc:
        messages.error(request, exc.first_message.split(": ", 1)[-1])
    except permissions.PermissionDenied:
        messages.error(request, _("You may not change this deal."))
    except platform_services.Conflict:
        messages.error(request, _("Someone else changed this deal; look again and retry."))
    return redirect(registry.get("deal").card_url(deal.pk))


@login_required
def deal_items(request, pk: int):
    """Edit the line items of a deal: one row per product or service."""
    deal = _visible(request.user, "deal", pk)
    if not permissions.may_act_on(request.user, "deal", "change", deal):
        raise DjangoPermissionDenied(_("You may not change this deal."))
    errors: dict = {}
    rows = [
        {
            "product": item.product_id or "",
            "product_title": item.product.name if item.product_id and item.product else "",
            "name": item.name,
            "unit": item.unit,
            "quantity": item.quantity.normalize(),
            "price": item.price,
            "discount": item.discount.normalize(),
            "tax_rate": item.tax_rate.normalize(),
        }
        for item in deal.line_items.select_related("product")
    ]
    if request.method == "POST":
        rows = _posted_items(request.POST)
        try:
            services.set_line_items(
                request.user,
                deal,
                [{k: v for k, v in row.items() if k != "product_title"} for row in rows],
                version=int(request.POST.get("version", "0") or 0),
            )
            messages.success(request, _("Line items saved."))
            return redirect(registry.get("deal").card_url(deal.pk))
        except InputErrors as exc:
            errors = exc.errors
        except platform_services.Conflict:
            errors = {"__all__": [_("Someone else changed this deal; look again and retry.")]}
    while len(rows) < 3 or (rows and any(rows[-1].get(k) for k in ("name", "product"))):
        rows.append(
            {
                "product": "",
                "name": "",
                "unit": "",
                "quantity": 1,
                "price": "",
                "discount": 0,
                "tax_rate": 0,
            }
        )
    return render(
        request,
        "sales/deal_items.html",
        {"deal": deal, "rows": rows, "errors": errors, "entity": registry.get("deal")},
        status=422 if errors else 200,
    )


def _posted_items(post) -> list[dict]:
    keys = ("product", "name", "unit", "quantity", "price", "discount", "tax_rate")
    columns = {key: post.getlist(key) for key in keys}
    rows = []
    for index in range(min(len(columns["name"]), 200)):
        row = {key: (columns[key][index] if index < len(columns[key]) else "") for key in keys}
        if not row["name"].strip() and not row["product"]:
            continue
        row["product"] = int(row["product"]) if str(row["product"]).isdigit() else None
        rows.append(row)
    return rows


# -- leads -------------------------------------------------------------------------------------


@login_required
def qualify_lead(request, pk: int):
    lead = _visible(request.user, "lead", pk)
    if not permissions.may_act_on(request.user, "lead", "change", lead):
        raise DjangoPermissionDenied(_("You may not change this lead."))
    if lead.status in (Lead.Status.CONVERTED, Lead.Status.DISQUALIFIED):
        messages.error(request, _("Only an open lead can be qualified."))
        return redirect(registry.get("lead").card_url(lead.pk))
    proposal = services.qualification_proposal(lead)
    errors: dict = {}
    values = {
        "first_name": proposal["contact"]["first_name"],
        "last_name": proposal["contact"]["last_name"],
        "position": proposal["contact"]["position"],
        "company_choice": "existing"
        if proposal["company"]["existing"]
        else ("new" if proposal["company"]["name"] else "none"),
        "company_name": proposal["company"]["name"],
        "deal_create": "1",
        "deal_name": proposal["deal"]["name"],
        "deal_amount": "",
        "deal_stage": proposal["deal"]["stage"],
        "expected_close": "",
    }
    if request.method == "POST":
        post = request.POST
        values.update({key: post.get(key, "") for key in values})
        values["deal_create"] = post.get("deal_create", "")
        company = None
        if values["company_choice"] == "existing" and proposal["company"]["existing"]:
            company = proposal["company"]["existing"].pk
        elif values["company_choice"] == "new":
            company = {"name": values["company_name"]}
        deal = None
        if values["deal_create"]:
            deal = {
                "name": values["deal_name"],
                "amount": values["deal_amount"] or None,
                "stage": values["deal_stage"] or None,
                "expected_close": values["expected_close"] or None,
                "source": lead.source or None,
            }
        contact = {
            **proposal["contact"],
            "first_name": values["first_name"],
            "last_name": values["last_name"],
            "position": values["position"],
        }
        try:
            _lead, contact_obj, _company, deal_obj = services.qualify_lead(
                request.user, lead, contact=contact, company=company, deal=deal
            )
        except InputErrors as exc:
            errors = exc.errors
        else:
            messages.success(request, _("Lead qualified."))
            if deal_obj is not None:
                return redirect(registry.get("deal").card_url(deal_obj.pk))
            return redirect(registry.get("contact").card_url(contact_obj.pk))
    stage_field = registry.get("deal").field("stage")
    open_stages = [(pk, label) for pk, label in stage_field.choices if config.stage(pk).is_open]
    return render(
        request,
        "sales/qualify.html",
        {
            "lead": lead,
            "entity": registry.get("lead"),
            "proposal": proposal,
            "values": values,
            "errors": errors,
            "form_errors": [m for k, ms in errors.items() for m in ms if "." not in k]
            + [f"{k}: {ms[0]}" for k, ms in errors.items() if "." in k],
            "stages": open_stages,
        },
        status=422 if errors else 200,
    )


@login_required
@require_POST
def disqualify_lead(request, pk: int):
    lead = _visible(request.user, "lead", pk)
    try:
        services.disqualify_lead(request.user, lead, request.POST.get("reason") or None)
        messages.success(request, _("Lead disqualified."))
    except InputErrors as exc:
        messages.error(request, exc.first_message.split(": ", 1)[-1])
    except permissions.PermissionDenied:
        messages.error(request, _("You may not change this lead."))
    return redirect(registry.get("lead").card_url(lead.pk))


@login_required
@require_POST
def deal_contacts(request, pk: int):
    """Add a contact with their role to a deal, or remove one (`remove=<contact id>`)."""
    deal = _visible(request.user, "deal", pk)
    entries = [
        {"contact": row.contact_id, "role": row.role} for row in deal.contact_roles.order_by("id")
    ]
    remove = request.POST.get("remove", "")
    if remove.isdigit():
        entries = [e for e in entries if e["contact"] != int(remove)]
    else:
        raw = request.POST.get("contact", "")
        if not raw.isdigit():
            messages.error(request, _("Choose a contact."))
            return redirect(registry.get("deal").card_url(deal.pk))
        role = request.POST.get("role", "")
        entries = [e for e in entries if e["contact"] != int(raw)]
        entries.append({"contact": int(raw[:18]), "role": role})
    try:
        services.set_deal_contacts(request.user, deal, entries)
    except InputErrors as exc:
        messages.error(request, exc.first_message)
    except permissions.PermissionDenied:
        messages.error(request, _("You may not change this deal."))
    return redirect(registry.get("deal").card_url(deal.pk))
