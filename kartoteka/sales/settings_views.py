"""Sales settings pages (/sales/settings/…): pipelines and stages, loss and disqualification
reasons, currencies and rates, channel costs. Administrators only (others get 403); every
change goes through the settings actions (`settings_pipelines`, `settings_reasons`,
`settings_money`), whose refusals are shown on the form or as a message.

The pages are the shapes of `platform.settings_pages`: form pages, buttons, and the drag and
drop's save.
"""

from __future__ import annotations

from decimal import Decimal

from django.contrib import messages
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import formats
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods, require_POST

from kartoteka.contacts.entities import SOURCES
from kartoteka.customization.views import administrators_only
from kartoteka.platform.settings_pages import active_from, attempt, button, form_page, order_saved

from . import config, settings_money, settings_pipelines, settings_reasons
from .models import ChannelCost, Currency, Pipeline, Reason, Stage
from .settings_forms import (
    ChannelCostForm,
    CurrencyForm,
    NewReasonForm,
    PipelineForm,
    ReasonForm,
    StageForm,
)

COSTS_SHOWN = 200


def _pipelines_anchor(pipeline_id: int) -> str:
    return reverse("sales:settings_pipelines") + f"#pipeline-{pipeline_id}"


def _reasons_anchor(kind: str) -> str:
    return reverse("sales:settings_reasons") + f"#reasons-{kind}"


@administrators_only
def settings_home(request):
    return render(request, "sales/settings/home.html", {"active": "home"})


# -- pipelines and stages ----------------------------------------------------------------------


@administrators_only
def pipelines(request):
    rows = settings_pipelines.pipelines_with_counts()
    for pipeline in rows:
        pipeline.label = config.label(pipeline.name)
        for stage in pipeline.stage_rows:
            stage.label = config.label(stage.name)
    return render(
        request, "sales/settings/pipelines.html", {"active": "pipelines", "pipelines": rows}
    )


@administrators_only
@require_http_methods(["GET", "POST"])
def pipeline_create(request):
    return form_page(
        request,
        PipelineForm(request.POST or None),
        lambda data: settings_pipelines.create_pipeline(request.user, data),
        success=_("The pipeline was created with three stages."),
        target=lambda pipeline: _pipelines_anchor(pipeline.pk),
        template="sales/settings/pipeline_form.html",
        context={"active": "pipelines"},
    )


@administrators_only
@require_http_methods(["GET", "POST"])
def pipeline_edit(request, pk: int):
    pipeline = get_object_or_404(Pipeline, pk=pk)
    return form_page(
        request,
        PipelineForm(request.POST or None, instance=pipeline),
        lambda data: settings_pipelines.update_pipeline(request.user, pipeline, data),
        success=_("The pipeline was saved."),
        target=_pipelines_anchor(pipeline.pk),
        template="sales/settings/pipeline_form.html",
        context={"active": "pipelines", "pipeline": pipeline},
    )


@administrators_only
@require_POST
def pipeline_default(request, pk: int):
    pipeline = get_object_or_404(Pipeline, pk=pk)
    return button(
        request,
        lambda: settings_pipelines.make_default_pipeline(request.user, pipeline),
        _("“%(name)s” is now the default pipeline.") % {"name": config.label(pipeline.name)},
        _pipelines_anchor(pipeline.pk),
    )


@administrators_only
@require_POST
def pipeline_active(request, pk: int):
    pipeline = get_object_or_404(Pipeline, pk=pk)
    active = active_from(request)
    return button(
        request,
        lambda: settings_pipelines.update_pipeline(request.user, pipeline, {"active": active}),
        _("The pipeline was activated.") if active else _("The pipeline was deactivated."),
        _pipelines_anchor(pipeline.pk),
    )


@administrators_only
@require_POST
def pipeline_delete(request, pk: int):
    pipeline = get_object_or_404(Pipeline, pk=pk)
    if attempt(
        request,
        lambda: settings_pipelines.delete_pipeline(request.user, pipeline),
        _("The pipeline was deleted."),
    ):
        return redirect("sales:settings_pipelines")
    return redirect(_pipelines_anchor(pipeline.pk))


@administrators_only
@require_http_methods(["GET", "POST"])
def stage_create(request, pk: int):
    pipeline = get_object_or_404(Pipeline, pk=pk)
    return form_page(
        request,
        StageForm(request.POST or None, initial={"kind": Stage.Kind.OPEN, "probability": 10}),
        lambda data: settings_pipelines.create_stage(request.user, pipeline, data),
        success=_("The stage was added."),
        target=_pipelines_anchor(pipeline.pk),
        template="sales/settings/stage_form.html",
        context={
            "active": "pipelines",
            "pipeline": pipeline,
            "pipeline_label": config.label(pipeline.name),
        },
    )


@administrators_only
@require_http_methods(["GET", "POST"])
def stage_edit(request, pk: int):
    stage = get_object_or_404(Stage.objects.select_related("pipeline"), pk=pk)
    return form_page(
        request,
        StageForm(request.POST or None, instance=stage),
        lambda data: settings_pipelines.update_stage(request.user, stage, data),
        success=_("The stage was saved."),
        target=_pipelines_anchor(stage.pipeline_id),
        template="sales/settings/stage_form.html",
        context={
            "active": "pipelines",
            "pipeline": stage.pipeline,
            "pipeline_label": config.label(stage.pipeline.name),
            "stage": stage,
        },
    )


@administrators_only
@require_POST
def stage_delete(request, pk: int):
    stage = get_object_or_404(Stage, pk=pk)
    return button(
        request,
        lambda: settings_pipelines.delete_stage(request.user, stage),
        _("The stage “%(name)s” was deleted.") % {"name": config.label(stage.name)},
        _pipelines_anchor(stage.pipeline_id),
    )


@administrators_only
@require_POST
def stage_move(request, pk: int):
    stage = get_object_or_404(Stage.objects.select_related("pipeline"), pk=pk)
    direction = request.POST.get("direction", "")
    return button(
        request,
        lambda: settings_pipelines.move_stage(request.user, stage, direction),
        None,
        _pipelines_anchor(stage.pipeline_id),
    )


@administrators_only
@require_POST
def stage_order(request, pk: int):
    """The drag and drop's save: `ids` in their new order; answers JSON."""
    pipeline = get_object_or_404(Pipeline, pk=pk)
    return order_saved(
        request,
        lambda ids: settings_pipelines.reorder_stages(request.user, pipeline, ids),
        _("The order of the stages was saved."),
    )


# -- reasons -----------------------------------------------------------------------------------

REASON_LISTS = (
    (Reason.Kind.LOSS, gettext_lazy("Why deals are lost")),
    (Reason.Kind.DISQUALIFICATION, gettext_lazy("Why leads are disqualified")),
)


@administrators_only
@require_http_methods(["GET", "POST"])
def reasons(request):
    """The two lists, each with a form that adds a reason to it; the forms are prefixed by
    their kind, and a POST names the kind it adds to."""
    kind = Reason.Kind.LOSS
    if request.method == "POST" and request.POST.get("kind") in Reason.Kind.values:
        kind = request.POST["kind"]
    forms = {
        each: NewReasonForm(request.POST if each == kind else None, prefix=each)
        for each, _title in REASON_LISTS
    }

    def page() -> dict:
        counts = settings_reasons.reason_use_counts()
        rows = list(Reason.objects.order_by("kind", "order", "id"))
        for reason in rows:
            reason.uses = counts.get(reason.pk, 0)
            reason.label = config.label(reason.name)
        lists = [
            {
                "kind": each,
                "title": title,
                "reasons": [reason for reason in rows if reason.kind == each],
                "form": forms[each],
            }
            for each, title in REASON_LISTS
        ]
        return {"active": "reasons", "lists": lists}

    return form_page(
        request,
        forms[kind],
        lambda data: settings_reasons.create_reason(request.user, {**data, "kind": kind}),
        success=_("The reason was added."),
        target=_reasons_anchor(kind),
        template="sales/settings/reasons.html",
        context=page,
    )


@administrators_only
@require_http_methods(["GET", "POST"])
def reason_edit(request, pk: int):
    reason = get_object_or_404(Reason, pk=pk)
    return form_page(
        request,
        ReasonForm(request.POST or None, instance=reason),
        lambda data: settings_reasons.update_reason(request.user, reason, data),
        success=_("The reason was saved."),
        target=_reasons_anchor(reason.kind),
        template="sales/settings/reason_form.html",
        context={"active": "reasons", "reason": reason},
    )


@administrators_only
@require_POST
def reason_move(request, pk: int):
    reason = get_object_or_404(Reason, pk=pk)
    direction = request.POST.get("direction", "")
    return button(
        request,
        lambda: settings_reasons.move_reason(request.user, reason, direction),
        None,
        _reasons_anchor(reason.kind),
    )


@administrators_only
@require_POST
def reason_active(request, pk: int):
    reason = get_object_or_404(Reason, pk=pk)
    active = active_from(request)
    return button(
        request,
        lambda: settings_reasons.update_reason(request.user, reason, {"active": active}),
        _("The reason was activated.") if active else _("The reason was deactivated."),
        _reasons_anchor(reason.kind),
    )


@administrators_only
@require_POST
def reason_delete(request, pk: int):
    reason = get_object_or_404(Reason, pk=pk)
    return button(
        request,
        lambda: settings_reasons.delete_reason(request.user, reason),
        _("The reason was deleted."),
        _reasons_anchor(reason.kind),
    )


# -- currencies --------------------------------------------------------------------------------


def _currencies_page() -> dict:
    counts = settings_money.currency_use_counts()
    rows = list(Currency.objects.all())
    for row in rows:
        row.uses = counts.get(row.code, settings_money.NO_USES)
        row.in_use = any(row.uses.values())
        row.label = config.label(row.name)
        row.rate_text = formats.number_format(Decimal(f"{row.rate.normalize():f}"))
    base = next((row for row in rows if row.is_base), None)
    return {"active": "currencies", "rows": rows, "base": base}


@administrators_only
@require_http_methods(["GET", "POST"])
def currencies(request):
    """The list of currencies; its form adds one."""
    return form_page(
        request,
        CurrencyForm(request.POST or None),
        lambda data: settings_money.create_currency(request.user, data),
        success=_("The currency was added."),
        target=reverse("sales:settings_currencies"),
        template="sales/settings/currencies.html",
        context=_currencies_page,
    )


@administrators_only
@require_http_methods(["GET", "POST"])
def currency_edit(request, code: str):
    currency = get_object_or_404(Currency, code=code)
    return form_page(
        request,
        CurrencyForm(request.POST or None, instance=currency),
        lambda data: settings_money.update_currency(request.user, currency, data),
        success=_("The currency was saved."),
        target=reverse("sales:settings_currencies"),
        template="sales/settings/currency_form.html",
        context={"active": "currencies", "currency": currency},
    )


@administrators_only
@require_POST
def currency_make_base(request, code: str):
    currency = get_object_or_404(Currency, code=code)
    return button(
        request,
        lambda: settings_money.make_base_currency(request.user, currency),
        _("%(code)s is now the base currency; the other rates were recomputed.")
        % {"code": currency.code},
        reverse("sales:settings_currencies"),
    )


@administrators_only
@require_POST
def currency_delete(request, code: str):
    currency = get_object_or_404(Currency, code=code)
    return button(
        request,
        lambda: settings_money.delete_currency(request.user, currency),
        _("The currency %(code)s was deleted.") % {"code": currency.code},
        reverse("sales:settings_currencies"),
    )


# -- channel costs -----------------------------------------------------------------------------


@administrators_only
def costs(request):
    rows = list(ChannelCost.objects.order_by("-period_start", "-id")[: COSTS_SHOWN + 1])
    sources = dict(SOURCES)
    for row in rows:
        row.source_label = sources.get(row.source, row.source)
    return render(
        request,
        "sales/settings/costs.html",
        {
            "active": "costs",
            "rows": rows[:COSTS_SHOWN],
            "more": len(rows) > COSTS_SHOWN,
            "shown": COSTS_SHOWN,
        },
    )


@administrators_only
@require_http_methods(["GET", "POST"])
def cost_create(request):
    return form_page(
        request,
        ChannelCostForm(request.POST or None),
        lambda data: settings_money.create_channel_cost(request.user, data),
        success=_("The cost was added."),
        target=reverse("sales:settings_costs"),
        template="sales/settings/cost_form.html",
        context={"active": "costs"},
    )


@administrators_only
@require_http_methods(["GET", "POST"])
def cost_edit(request, pk: int):
    cost = get_object_or_404(ChannelCost, pk=pk)
    return form_page(
        request,
        ChannelCostForm(request.POST or None, instance=cost),
        lambda data: settings_money.update_channel_cost(request.user, cost, data),
        success=_("The cost was saved."),
        target=reverse("sales:settings_costs"),
        template="sales/settings/cost_form.html",
        context={"active": "costs", "cost": cost},
    )


@administrators_only
@require_http_methods(["GET", "POST"])
def cost_delete(request, pk: int):
    """GET asks (the page says what goes); POST deletes."""
    cost = get_object_or_404(ChannelCost, pk=pk)
    if request.method == "POST":
        settings_money.delete_channel_cost(request.user, cost)
        messages.success(request, _("The cost was deleted."))
        return redirect("sales:settings_costs")
    return render(request, "sales/settings/cost_delete.html", {"active": "costs", "cost": cost})
