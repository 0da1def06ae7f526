"""The only writers of pipelines and their stages, and the read that shows them with their
deal counts.

Invariants kept here: exactly one default pipeline, which is active; every pipeline keeps at
least one open, one won and one lost stage, and at most `MAX_STAGES`; a stage with deals is
neither deleted nor given another kind. Changes to pipelines and stages are serialized by
locking the pipeline rows. Shared rules (who may, how input is read) are in `settings_common`.
"""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.db.models import Count, Max, Prefetch
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop, ngettext

from kartoteka.platform.settings_actions import (
    ORDER_STEP,
    ids_in_order,
    refuse,
    renumber,
    reorder,
    save_changes,
    swapped_with_neighbour,
)

from . import config
from .models import Deal, Pipeline, Stage
from .settings_common import NAME_MAX, SettingsInput, require_admin, settings_changed

STALE_DAYS_MAX = 3650
MAX_STAGES = 50

DEFAULT_PROBABILITY = {Stage.Kind.OPEN: 10, Stage.Kind.WON: 100, Stage.Kind.LOST: 0}
# A new pipeline starts with these stages (English msgids, shown translated by config.label).
STARTER_STAGES = (
    (gettext_noop("New"), Stage.Kind.OPEN),
    (gettext_noop("Won"), Stage.Kind.WON),
    (gettext_noop("Lost"), Stage.Kind.LOST),
)
PIPELINE_INPUT = {"name", "is_default", "active"}
STAGE_INPUT = {"name", "kind", "probability", "stale_days"}


def pipelines_with_counts(pk: int | None = None) -> list[Pipeline]:
    """Pipelines in order (or the one with `pk`), each with `stage_rows` — its stages in
    order, each with `deal_count` — and its own `deal_count`. Two queries for any number of
    pipelines: deals are counted once, grouped by stage, and a deal is always in a stage of
    its own pipeline."""
    stages = Stage.objects.annotate(deal_count=Count("deals")).order_by("order", "id")
    pipelines = Pipeline.objects.prefetch_related(
        Prefetch("stages", queryset=stages, to_attr="stage_rows")
    )
    if pk is not None:
        pipelines = pipelines.filter(pk=pk)
    rows = list(pipelines)
    for pipeline in rows:
        pipeline.deal_count = sum(stage.deal_count for stage in pipeline.stage_rows)
    return rows


def _lock_pipelines() -> None:
    """Serialize changes to pipelines and stages (PostgreSQL locks rows; SQLite the file)."""
    list(Pipeline.objects.select_for_update().values_list("pk", flat=True))


# -- pipelines ---------------------------------------------------------------------------------


def create_pipeline(user, data: dict) -> Pipeline:
    """The first pipeline is the default (and active) whatever `data` says."""
    require_admin(user)
    read = SettingsInput(data, PIPELINE_INPUT)
    name = read.text("name", max_length=NAME_MAX, required=True)
    is_default = read.boolean("is_default") if read.has("is_default") else False
    active = read.boolean("active") if read.has("active") else True
    if is_default and not active:
        read.error("active", _("The default pipeline must be active."))
    read.done()
    with transaction.atomic():
        _lock_pipelines()
        first = not Pipeline.objects.exists()
        order = (Pipeline.objects.aggregate(top=Max("order"))["top"] or 0) + ORDER_STEP
        if is_default or first:
            Pipeline.objects.update(is_default=False)
        pipeline = Pipeline.objects.create(
            name=name, order=order, is_default=is_default or first, active=active or first
        )
        Stage.objects.bulk_create(
            Stage(
                pipeline=pipeline,
                name=stage_name,
                kind=kind,
                probability=DEFAULT_PROBABILITY[kind],
                order=index * ORDER_STEP,
            )
            for index, (stage_name, kind) in enumerate(STARTER_STAGES)
        )
        settings_changed()
    return pipeline


def update_pipeline(user, pipeline: Pipeline, data: dict) -> Pipeline:
    require_admin(user)
    read = SettingsInput(data, PIPELINE_INPUT)
    clean: dict[str, Any] = {}
    if read.has("name"):
        clean["name"] = read.text("name", max_length=NAME_MAX, required=True)
    if read.has("is_default"):
        clean["is_default"] = read.boolean("is_default")
    if read.has("active"):
        clean["active"] = read.boolean("active")
    read.done()
    with transaction.atomic():
        _lock_pipelines()
        pipeline.refresh_from_db()
        will_be_default = clean.get("is_default", pipeline.is_default)
        will_be_active = clean.get("active", pipeline.active)
        if pipeline.is_default and clean.get("is_default") is False:
            raise refuse(
                _("There must be one default pipeline: make another pipeline the default."),
                "is_default",
            )
        if will_be_default and not will_be_active:
            raise refuse(
                _(
                    "The default pipeline cannot be deactivated: make another pipeline the "
                    "default first."
                ),
                "active",
            )
        if will_be_default and not pipeline.is_default:
            Pipeline.objects.exclude(pk=pipeline.pk).update(is_default=False)
        if save_changes(pipeline, clean):
            settings_changed()
    return pipeline


def make_default_pipeline(user, pipeline: Pipeline) -> Pipeline:
    return update_pipeline(user, pipeline, {"is_default": True, "active": True})


def delete_pipeline(user, pipeline: Pipeline) -> None:
    require_admin(user)
    with transaction.atomic():
        _lock_pipelines()
        count = Deal.objects.filter(pipeline=pipeline).count()
        if count:
            raise refuse(
                ngettext(
                    "The pipeline has %(count)d deal, so it cannot be deleted. Deactivate it "
                    "instead: it keeps its deals and leaves the choices of new deals.",
                    "The pipeline has %(count)d deals, so it cannot be deleted. Deactivate it "
                    "instead: it keeps its deals and leaves the choices of new deals.",
                    count,
                )
                % {"count": count}
            )
        if pipeline.is_default:
            raise refuse(
                _("The default pipeline cannot be deleted: make another pipeline the default.")
            )
        pipeline.delete()
        settings_changed()


# -- stages ------------------------------------------------------------------------------------


def _refuse_if_last_of_its_kind(stage: Stage, key: str = "__all__") -> None:
    if Stage.objects.filter(pipeline_id=stage.pipeline_id, kind=stage.kind).count() > 1:
        return
    if stage.kind == Stage.Kind.WON:
        message = _("A pipeline needs at least one won stage; this is its last one.")
    elif stage.kind == Stage.Kind.LOST:
        message = _("A pipeline needs at least one lost stage; this is its last one.")
    else:
        message = _("A pipeline needs at least one open stage; this is its last one.")
    raise refuse(message, key)


def _clean_stage(read: SettingsInput, instance: Stage | None) -> dict[str, Any]:
    """A new stage may leave out its kind (open) and probability (by kind); a change may not
    blank them."""

    def blank(key: str) -> bool:
        return read.data.get(key) in (None, "")

    clean: dict[str, Any] = {}
    if instance is None or read.has("name"):
        clean["name"] = read.text("name", max_length=NAME_MAX, required=True)
    if instance is None and blank("kind"):
        clean["kind"] = Stage.Kind.OPEN
    elif read.has("kind"):
        clean["kind"] = read.choice("kind", Stage.Kind.choices)
    kind = clean.get("kind") or (instance.kind if instance else Stage.Kind.OPEN)
    if instance is None and blank("probability"):
        clean["probability"] = DEFAULT_PROBABILITY.get(kind, 10)
    elif read.has("probability"):
        clean["probability"] = read.integer("probability", minimum=0, maximum=100, required=True)
    if read.has("stale_days"):
        clean["stale_days"] = read.integer(
            "stale_days", minimum=1, maximum=STALE_DAYS_MAX, required=False
        )
    read.done()
    return clean


def create_stage(user, pipeline: Pipeline, data: dict) -> Stage:
    """A new open stage goes after the pipeline's last open stage; a closed one at the end."""
    require_admin(user)
    clean = _clean_stage(SettingsInput(data, STAGE_INPUT), None)
    with transaction.atomic():
        _lock_pipelines()
        stages = list(pipeline.stages.order_by("order", "id"))
        if len(stages) >= MAX_STAGES:
            raise refuse(_("A pipeline has at most %(max)d stages.") % {"max": MAX_STAGES})
        stage = Stage.objects.create(pipeline=pipeline, **clean)
        position = len(stages)
        if stage.kind == Stage.Kind.OPEN:
            opens = [i for i, s in enumerate(stages) if s.kind == Stage.Kind.OPEN]
            position = opens[-1] + 1 if opens else 0
        stages.insert(position, stage)
        stage.order = -1  # renumbered below
        renumber(Stage, stages)
        settings_changed()
    return stage


def update_stage(user, stage: Stage, data: dict) -> Stage:
    require_admin(user)
    clean = _clean_stage(SettingsInput(data, STAGE_INPUT), stage)
    with transaction.atomic():
        _lock_pipelines()
        stage.refresh_from_db()
        if clean.get("kind", stage.kind) != stage.kind:
            _refuse_if_last_of_its_kind(stage, "kind")
            count = stage.deals.count()
            if count:
                raise refuse(
                    ngettext(
                        "%(count)d deal is in this stage; move it to another stage before "
                        "changing the kind.",
                        "%(count)d deals are in this stage; move them to another stage before "
                        "changing the kind.",
                        count,
                    )
                    % {"count": count},
                    "kind",
                )
        if save_changes(stage, clean):
            settings_changed()
    return stage


def delete_stage(user, stage: Stage) -> None:
    require_admin(user)
    with transaction.atomic():
        _lock_pipelines()
        count = stage.deals.count()
        if count:
            raise refuse(
                ngettext(
                    "%(count)d deal is in the stage “%(name)s”; move it to another stage "
                    "before deleting the stage.",
                    "%(count)d deals are in the stage “%(name)s”; move them to another stage "
                    "before deleting the stage.",
                    count,
                )
                % {"count": count, "name": config.label(stage.name)}
            )
        _refuse_if_last_of_its_kind(stage)
        pipeline_id = stage.pipeline_id
        stage.delete()
        renumber(Stage, list(Stage.objects.filter(pipeline_id=pipeline_id).order_by("order", "id")))
        settings_changed()


def reorder_stages(user, pipeline: Pipeline, stage_ids: Any) -> list[Stage]:
    """Put the pipeline's stages in the given order; every stage must be named once."""
    require_admin(user)
    ids = ids_in_order(
        stage_ids, MAX_STAGES, message=_("Send the list of the pipeline's stage ids.")
    )
    with transaction.atomic():
        _lock_pipelines()
        ordered = reorder(
            Stage,
            list(pipeline.stages.all()),
            ids,
            _("Name every stage of this pipeline exactly once (it has %(count)d)."),
        )
        settings_changed()
    return ordered


def move_stage(user, stage: Stage, direction: str) -> None:
    """One step up or down: the keyboard's way to reorder."""
    require_admin(user)
    if direction not in ("up", "down"):
        raise refuse(_("Move a stage up or down."), "direction")
    ids = list(
        Stage.objects.filter(pipeline_id=stage.pipeline_id)
        .order_by("order", "id")
        .values_list("pk", flat=True)
    )
    reorder_stages(
        user, stage.pipeline, swapped_with_neighbour(ids, ids.index(stage.pk), direction)
    )
