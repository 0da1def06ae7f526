"""The rules of leads, deals and products, applied by the platform's generic writes.

Deals: a stage is always set (the default pipeline's first open stage); the pipeline follows
the stage; a lost deal needs a reason and remembers the stage it was lost at; every stage
change is stored with its time (`StageChange`) for funnels and cycle times; the amount is
kept in the base currency too. Leads: a disqualified lead needs a reason; "converted" is set
only by qualification.
"""

from __future__ import annotations

from dataclasses import replace

from django.utils import timezone
from django.utils.translation import gettext as _

from kartoteka.platform.behaviour import Behaviour

from . import config
from .models import Lead, StageChange


def _currency_choices() -> tuple:
    return tuple((code, code) for code in sorted(config.snapshot().currencies))


def _reason_error(kind: str, value, field_key: str) -> dict:
    reason = config.snapshot().reasons.get(value)
    if reason is None or reason[0] != kind or not reason[2]:
        return {field_key: [_("Choose one of the reasons in the list.")]}
    return {}


def _no_next_step(qs, entity_key: str):
    from kartoteka.planner.services import open_task_exists

    return qs.filter(~open_task_exists(entity_key))


class DealBehaviour(Behaviour):
    def flags(self) -> dict:
        return {
            "no_next_step": _("No next step"),
            "stale": _("Going stale"),
            "open": _("Open deals"),
        }

    def needs_next_step(self, obj) -> bool:
        return obj.closed_at is None

    def apply_flag(self, qs, name: str, user):
        from .board import stale_q

        if name == "no_next_step":
            return _no_next_step(qs, "deal").filter(closed_at__isnull=True)
        if name == "stale":
            return qs.filter(stale_q())
        if name == "open":
            return qs.filter(closed_at__isnull=True)
        return qs

    def prepare_fields(self, fields: list) -> list:
        snap = config.snapshot()
        several = len({s.pipeline_id for s in snap.stages.values()}) > 1
        stage_choices = tuple(
            (
                s.pk,
                config.lazy_joined(s.pipeline_name, s.name)
                if several
                else config.lazy_label(s.name),
            )
            for s in sorted(snap.stages.values(), key=lambda s: (s.pipeline_id, s.order, s.pk))
        )
        pipeline_choices = tuple((pk, config.lazy_label(name)) for pk, name, _d in snap.pipelines)
        choices = {
            "stage": stage_choices,
            "lost_stage": stage_choices,
            "pipeline": pipeline_choices,
            "lost_reason": tuple(config.reasons("loss", active_only=False, lazy=True)),
            "currency": _currency_choices(),
        }
        return [replace(f, choices=choices[f.key]) if f.key in choices else f for f in fields]

    def check(self, user, instance, clean: dict) -> dict:
        stage_id = clean.get("stage") if "stage" in clean else getattr(instance, "stage_id", None)
        target = config.stage(stage_id)
        if stage_id is not None and target is None:
            return {"stage": [_("Choose one of the stages.")]}
        if "lost_reason" in clean:
            reason = clean["lost_reason"]
        else:
            reason = getattr(instance, "lost_reason_id", None)
        if target is not None and target.kind == "lost":
            if reason is None:
                return {"lost_reason": [_("Choose why the deal was lost.")]}
            if clean.get("lost_reason") is not None:
                return _reason_error("loss", reason, "lost_reason")
        elif clean.get("lost_reason") is not None:
            return {"lost_reason": [_("Only a lost deal has a loss reason.")]}
        if target is None and config.first_open_stage(config.default_pipeline_id()) is None:
            return {"stage": [_("Set up a pipeline with stages first.")]}
        return {}

    def before_save(self, user, obj, changes: list[dict], created: bool) -> None:
        now = timezone.now()
        if obj.stage_id is None:
            obj.stage_id = config.first_open_stage(config.default_pipeline_id()).pk
        target = config.stage(obj.stage_id)
        obj.pipeline_id = target.pipeline_id
        moved = [c for c in changes if c["field"] == "stage"]
        if created or moved:
            obj.stage_changed_at = now if not created else obj.created_at
            if target.is_open:
                obj.closed_at = None
                obj.lost_reason_id = None
                obj.lost_stage_id = None
            else:
                obj.closed_at = obj.stage_changed_at
                if target.kind == "lost" and moved:
                    previous = config.stage(moved[0]["old"])
                    obj.lost_stage_id = previous.pk if previous and previous.is_open else None
                if target.kind == "won":
                    obj.lost_reason_id = None
                    obj.lost_stage_id = None
            obj._stage_move = (moved[0]["old"] if moved else None, obj.stage_id)
        if not obj.currency:
            obj.currency = config.snapshot().base
        obj.amount_base = config.to_base(obj.amount, obj.currency)
        if created:
            obj.last_activity_at = obj.created_at

    def after_save(self, user, obj, changes: list[dict], created: bool) -> None:
        move = getattr(obj, "_stage_move", None)
        if move is None:
            return
        del obj._stage_move
        StageChange.objects.create(
            deal=obj,
            from_stage_id=move[0],
            to_stage_id=move[1],
            at=obj.stage_changed_at,
            actor=user if user is not None and user.is_authenticated else None,
        )

    def after_bulk_create(self, user, objs: list) -> None:
        actor = user if user is not None and user.is_authenticated else None
        StageChange.objects.bulk_create(
            StageChange(deal=obj, to_stage_id=obj.stage_id, at=obj.stage_changed_at, actor=actor)
            for obj in objs
        )
        for obj in objs:
            obj.__dict__.pop("_stage_move", None)


class LeadBehaviour(Behaviour):
    IDENTITY = ("first_name", "last_name", "company_name", "emails", "phones")

    def flags(self) -> dict:
        return {"no_next_step": _("No next step"), "open": _("Open leads")}

    def needs_next_step(self, obj) -> bool:
        return obj.is_open

    def apply_flag(self, qs, name: str, user):
        if name == "no_next_step":
            return _no_next_step(qs, "lead").filter(status__in=Lead.OPEN_STATUSES)
        if name == "open":
            return qs.filter(status__in=Lead.OPEN_STATUSES)
        return qs

    def prepare_fields(self, fields: list) -> list:
        reasons = tuple(config.reasons("disqualification", active_only=False, lazy=True))
        return [
            replace(f, choices=reasons) if f.key == "disqualification_reason" else f for f in fields
        ]

    def check(self, user, instance, clean: dict) -> dict:
        def value(key):
            return clean[key] if key in clean else getattr(instance, key, None)

        if not any(value(key) for key in self.IDENTITY):
            return {"__all__": [_("Enter a name, a company, an email address or a phone number.")]}
        status = value("status")
        old_status = getattr(instance, "status", None)
        if "status" in clean and status == Lead.Status.CONVERTED and old_status != status:
            return {"status": [_("A lead becomes converted when you qualify it into a deal.")]}
        if old_status == Lead.Status.CONVERTED and "status" in clean and status != old_status:
            return {"status": [_("A converted lead cannot change its status.")]}
        if "disqualification_reason" in clean:
            reason = clean["disqualification_reason"]
        else:
            reason = getattr(instance, "disqualification_reason_id", None)
        if status == Lead.Status.DISQUALIFIED:
            if reason is None:
                return {"disqualification_reason": [_("Choose why the lead is disqualified.")]}
            if clean.get("disqualification_reason") is not None:
                return _reason_error("disqualification", reason, "disqualification_reason")
        elif clean.get("disqualification_reason") is not None:
            return {"disqualification_reason": [_("Only a disqualified lead has this reason.")]}
        return {}

    def before_save(self, user, obj, changes: list[dict], created: bool) -> None:
        if obj.status != Lead.Status.DISQUALIFIED:
            obj.disqualification_reason_id = None
        if created and obj.owner_id is None:
            from .assignment import pick_owner

            obj.owner_id = pick_owner(obj)


class ProductBehaviour(Behaviour):
    def prepare_fields(self, fields: list) -> list:
        currencies = _currency_choices()
        return [replace(f, choices=currencies) if f.key == "currency" else f for f in fields]
