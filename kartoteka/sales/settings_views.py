"""Sales settings pages (/sales/settings/…): pipelines and stages, loss and disqualification
reasons, currencies and rates, channel costs. Administrators only (others get 403); every
change goes through `settings_services`, whose refusals are shown on the form or as a message.
"""

from __future__ import annotations

from decimal import Decimal

from django.contrib import messages
from django.http import JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import formats
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from kartoteka.contacts.entities import SOURCES
from kartoteka.customization.views import administrators_only
from kartoteka.platform.fields import InputErrors

from . import config
from . import settings_services as services
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


def _run(request, action, success: str) -> bool:
    """Run a service for a button (no form): a refusal becomes an error message."""
    try:
        action()
    except InputErrors as error:
        messages.error(request, _message(error))
        return False
    messages.success(request, success)
    return True


def _message(error: InputErrors) -> str:
    for messages_ in error.errors.values():
        return messages_[0]
    return ""


def _submit(request, form, action, success: str) -> bool:
    """Run a service with a form's data; on refusal put its messages on the form."""
    if not form.is_valid():
        return False
    try:
        action(form.to_data())
    except InputErrors as error:
        form.show_errors(error)
        return False
    messages.success(request, success)
    return True


def _form_page(request, template: str, context: dict):
    status = 422 if request.method == "POST" else 200
    return render(request, template, context, status=status)


def _pipelines_anchor(pipeline_id: int) -> str:
    return reverse("sales:settings_pipelines") + f"#pipeline-{pipeline_id}"


@administrators_only
def settings_home(request):
    return render(request, "sales/settings/home.html", {"active": "home"})


# -- pipelines and stages ----------------------------------------------------------------------


@administrators_only
def pipelines(request):
    rows = list(services.pipelines_with_counts())
    for pipeline in rows:
        pipeline.label = config.label(pipeline.name)
        pipeline.stage_rows = list(pipeline.stages.all())
        for stage in pipeline.stage_rows:
            stage.label = config.label(stage.name)
    return render(
        request, "sales/settings/pipelines.html", {"active": "pipelines", "pipelines": rows}
    )


@administrators_only
@require_http_methods(["GET", "POST"])
def pipeline_create(request):
    form = PipelineForm(request.POST or None)
    if request.method == "POST":
        created = {}

        def create(data):
            created["pipeline"] = services.create_pipeline(request.user, data)

        if _submit(request, form, create, _("The pipeline was created with three stages.")):
            return redirect(_pipelines_anchor(created["pipeline"].pk))
    return _form_page(
        request, "sales/settings/pipeline_form.html", {"active": "pipelines", "form": form}
    )


@administrators_only
@require_http_methods(["GET", "POST"])
def pipeline_edit(request, pk: int):
    pipeline = get_object_or_404(Pipeline, pk=pk)
    form = PipelineForm(request.POST or None, instance=pipeline)
    if request.method == "POST":
        if _submit(
            request,
            form,
            lambda data: services.update_pipeline(request.user, pipeline, data),
            _("The pipeline was saved."),
        ):
            return redirect(_pipelines_anchor(pipeline.pk))
        pipeline.refresh_from_db()
    return _form_page(
        request,
        "sales/settings/pipeline_form.html",
        {"active": "pipelines", "form": form, "pipeline": pipeline},
    )


@administrators_only
@require_POST
def pipeline_default(request, pk: int):
    pipeline = get_object_or_404(Pipeline, pk=pk)
    _run(
        request,
        lambda: services.make_default_pipeline(request.user, pipeline),
        _("“%(name)s” is now the default pipeline.") % {"name": config.label(pipeline.name)},
    )
    return redirect(_pipelines_anchor(pipeline.pk))


@administrators_only
@require_POST
def pipeline_deactivate(request, pk: int):
    pipeline = get_object_or_404(Pipeline, pk=pk)
    active = request.POST.get("active") == "1"
    _run(
        request,
        lambda: services.update_pipeline(request.user, pipeline, {"active": active}),
        _("The pipeline was activated.") if active else _("The pipeline was deactivated."),
    )
    return redirect(_pipelines_anchor(pipeline.pk))


@administrators_only
@require_POST
def pipeline_delete(request, pk: int):
    pipeline = get_object_or_404(Pipeline, pk=pk)
    if _run(
        request,
        lambda: services.delete_pipeline(request.user, pipeline),
        _("The pipeline was deleted."),
    ):
        return redirect("sales:settings_pipelines")
    return redirect(_pipelines_anchor(pipeline.pk))


@administrators_only
@require_http_methods(["GET", "POST"])
def stage_create(request, pk: int):
    pipeline = get_object_or_404(Pipeline, pk=pk)
    form = StageForm(request.POST or None, initial={"kind": Stage.Kind.OPEN, "probability": 10})
    if request.method == "POST":
        if _submit(
            request,
            form,
            lambda data: services.create_stage(request.user, pipeline, data),
            _("The stage was added."),
        ):
            return redirect(_pipelines_anchor(pipeline.pk))
    return _form_page(
        request,
        "sales/settings/stage_form.html",
        {
            "active": "pipelines",
            "form": form,
            "pipeline": pipeline,
            "pipeline_label": config.label(pipeline.name),
        },
    )


@administrators_only
@require_http_methods(["GET", "POST"])
def stage_edit(request, pk: int):
    stage = get_object_or_404(Stage.objects.select_related("pipeline"), pk=pk)
    form = StageForm(request.POST or None, instance=stage)
    if request.method == "POST":
        if _submit(
            request,
            form,
            lambda data: services.update_stage(request.user, stage, data),
            _("The stage was saved."),
        ):
            return redirect(_pipelines_anchor(stage.pipeline_id))
        stage.refresh_from_db()
    return _form_page(
        request,
        "sales/settings/stage_form.html",
        {
            "active": "pipelines",
            "form": form,
            "pipeline": stage.pipeline,
            "pipeline_label": config.label(stage.pipeline.name),
            "stage": stage,
        },
    )


@administrators_only
@require_POST
def stage_delete(request, pk: int):
    stage = get_object_or_404(Stage, pk=pk)
    _run(
        request,
        lambda: services.delete_stage(request.user, stage),
        _("The stage “%(name)s” was deleted.") % {"name": config.label(stage.name)},
    )
    return redirect(_pipelines_anchor(stage.pipeline_id))


@administrators_only
@require_POST
def stage_move(request, pk: int):
    stage = get_object_or_404(Stage.objects.select_related("pipeline"), pk=pk)
    try:
        services.move_stage(request.user, stage, request.POST.get("direction", ""))
    except InputErrors as error:
        messages.error(request, _message(error))
    return redirect(_pipelines_anchor(stage.pipeline_id))


@administrators_only
@require_POST
def stage_order(request, pk: int):
    """The drag and drop's save: `ids` in their new order; answers JSON."""
    pipeline = get_object_or_404(Pipeline, pk=pk)
    try:
        services.reorder_stages(request.user, pipeline, request.POST.getlist("ids"))
    except InputErrors as error:
        return JsonResponse({"ok": False, "message": _message(error)}, status=422)
    return JsonResponse({"ok": True, "message": _("The order of the stages was saved.")})


# -- reasons -----------------------------------------------------------------------------------


def _reason_lists(new_forms: dict | None = None) -> list[dict]:
    counts = services.reason_use_counts()
    reasons = list(Reason.objects.order_by("kind", "order", "id"))
    for reason in reasons:
        reason.uses = counts.get(reason.pk, 0)
        reason.label = config.label(reason.name)
    new_forms = new_forms or {}
    return [
        {
            "kind": kind,
            "title": title,
            "reasons": [reason for reason in reasons if reason.kind == kind],
            "form": new_forms.get(kind) or NewReasonForm(initial={"kind": kind}, prefix=kind),
        }
        for kind, title in (
            (Reason.Kind.LOSS, _("Why deals are lost")),
            (Reason.Kind.DISQUALIFICATION, _("Why leads are disqualified")),
        )
    ]


@administrators_only
@require_http_methods(["GET", "POST"])
def reasons(request):
    """The two lists; a POST adds a reason to one of them (its form is prefixed by kind)."""
    new_forms = {}
    if request.method == "POST":
        kind = request.POST.get("kind", "")
        if kind not in Reason.Kind.values:
            kind = Reason.Kind.LOSS
        form = NewReasonForm(request.POST, prefix=kind)
        if _submit(
            request,
            form,
            lambda data: services.create_reason(request.user, data),
            _("The reason was added."),
        ):
            return redirect(reverse("sales:settings_reasons") + f"#reasons-{kind}")
        new_forms[kind] = form
    return _form_page(
        request,
        "sales/settings/reasons.html",
        {"active": "reasons", "lists": _reason_lists(new_forms)},
    )


@administrators_only
@require_http_methods(["GET", "POST"])
def reason_edit(request, pk: int):
    reason = get_object_or_404(Reason, pk=pk)
    form = ReasonForm(request.POST or None, instance=reason)
    if request.method == "POST":
        if _submit(
            request,
            form,
            lambda data: services.update_reason(request.user, reason, data),
            _("The reason was saved."),
        ):
            return redirect(reverse("sales:settings_reasons") + f"#reasons-{reason.kind}")
    return _form_page(
        request,
        "sales/settings/reason_form.html",
        {"active": "reasons", "form": form, "reason": reason},
    )


@administrators_only
@require_POST
def reason_move(request, pk: int):
    reason = get_object_or_404(Reason, pk=pk)
    try:
        services.move_reason(request.user, reason, request.POST.get("direction", ""))
    except InputErrors as error:
        messages.error(request, _message(error))
    return redirect(reverse("sales:settings_reasons") + f"#reasons-{reason.kind}")


@administrators_only
@require_POST
def reason_active(request, pk: int):
    reason = get_object_or_404(Reason, pk=pk)
    active = request.POST.get("active") == "1"
    _run(
        request,
        lambda: services.update_reason(request.user, reason, {"active": active}),
        _("The reason was activated.") if active else _("The reason was deactivated."),
    )
    return redirect(reverse("sales:settings_reasons") + f"#reasons-{reason.kind}")


@administrators_only
@require_POST
def reason_delete(request, pk: int):
    reason = get_object_or_404(Reason, pk=pk)
    _run(
        request,
        lambda: services.delete_reason(request.user, reason),
        _("The reason was deleted."),
    )
    return redirect(reverse("sales:settings_reasons") + f"#reasons-{reason.kind}")


# -- currencies --------------------------------------------------------------------------------


@administrators_only
@require_http_methods(["GET", "POST"])
def currencies(request):
    """The list of currencies; a POST adds one."""
    form = CurrencyForm(request.POST or None)
    if request.method == "POST" and _submit(
        request,
        form,
        lambda data: services.create_currency(request.user, data),
        _("The currency was added."),
    ):
        return redirect("sales:settings_currencies")
    counts = services.currency_use_counts()
    rows = list(Currency.objects.all())
    for row in rows:
        row.uses = counts.get(row.code, {"deals": 0, "products": 0, "costs": 0})
        row.label = config.label(row.name)
        row.in_use = any(row.uses.values())
        row.rate_text = formats.number_format(Decimal(f"{row.rate.normalize():f}"))
    base = next((row for row in rows if row.is_base), None)
    return _form_page(
        request,
        "sales/settings/currencies.html",
        {"active": "currencies", "rows": rows, "base": base, "form": form},
    )


@administrators_only
@require_http_methods(["GET", "POST"])
def currency_edit(request, code: str):
    currency = get_object_or_404(Currency, code=code)
    form = CurrencyForm(request.POST or None, instance=currency)
    if request.method == "POST":
        if _submit(
            request,
            form,
            lambda data: services.update_currency(request.user, currency, data),
            _("The currency was saved."),
        ):
            return redirect("sales:settings_currencies")
    return _form_page(
        request,
        "sales/settings/currency_form.html",
        {"active": "currencies", "form": form, "currency": currency},
    )


@administrators_only
@require_POST
def currency_make_base(request, code: str):
    currency = get_object_or_404(Currency, code=code)
    _run(
        request,
        lambda: services.make_base_currency(request.user, currency),
        _("%(code)s is now the base currency; the other rates were recomputed.")
        % {"code": currency.code},
    )
    return redirect("sales:settings_currencies")


@administrators_only
@require_POST
def currency_delete(request, code: str):
    currency = get_object_or_404(Currency, code=code)
    _run(
        request,
        lambda: services.delete_currency(request.user, currency),
        _("The currency %(code)s was deleted.") % {"code": currency.code},
    )
    return redirect("sales:settings_currencies")


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
    form = ChannelCostForm(request.POST or None)
    if request.method == "POST" and _submit(
        request,
        form,
        lambda data: services.create_channel_cost(request.user, data),
        _("The cost was added."),
    ):
        return redirect("sales:settings_costs")
    return _form_page(request, "sales/settings/cost_form.html", {"active": "costs", "form": form})


@administrators_only
@require_http_methods(["GET", "POST"])
def cost_edit(request, pk: int):
    cost = get_object_or_404(ChannelCost, pk=pk)
    form = ChannelCostForm(request.POST or None, instance=cost)
    if request.method == "POST" and _submit(
        request,
        form,
        lambda data: services.update_channel_cost(request.user, cost, data),
        _("The cost was saved."),
    ):
        return redirect("sales:settings_costs")
    return _form_page(
        request, "sales/settings/cost_form.html", {"active": "costs", "form": form, "cost": cost}
    )


@administrators_only
@require_http_methods(["GET", "POST"])
def cost_delete(request, pk: int):
    cost = get_object_or_404(ChannelCost, pk=pk)
    if request.method == "POST":
        services.delete_channel_cost(request.user, cost)
        messages.success(request, _("The cost was deleted."))
        return redirect("sales:settings_costs")
    return render(request, "sales/settings/cost_delete.html", {"active": "costs", "cost": cost})
