"""Hooks into the platform: the deal and lead panels on their cards, the board in the
navigation, last-activity times for staleness, and the owner's notice of an enquiry."""

from __future__ import annotations

from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from kartoteka.platform import cards, events, navigation, permissions
from kartoteka.platform.registry import registry

from . import board, config
from .models import Deal


def _deal_panel(request, spec, deal):
    stage = config.stage(deal.stage_id)
    if stage is None:
        return None
    now = timezone.now()
    items = list(deal.line_items.all())
    return {
        "stage": stage,
        "stages": config.stages_of(deal.pipeline_id),
        "days_in_stage": (now - deal.stage_changed_at).days,
        "cycle_days": ((deal.closed_at or now) - deal.created_at).days,
        "items": items,
        "items_total": sum((item.total for item in items), 0),
        "roles": list(deal.contact_roles.select_related("contact")),
        "stale": board.is_stale(deal, stage, now),
        "loss_reasons": config.reasons("loss"),
        "lost_reason": config.reason_label(deal.lost_reason_id),
        "lost_stage": config.stage(deal.lost_stage_id),
        "can_change": permissions.may_act_on(request.user, "deal", "change", deal),
    }


def _lead_panel(request, spec, lead):
    return {
        "lead": lead,
        "reasons": config.reasons("disqualification"),
        "utm": sorted(lead.utm.items()) if isinstance(lead.utm, dict) else [],
        "form_name": lead.form.name if lead.form_id and lead.form else "",
        "can_change": permissions.may_act_on(request.user, "lead", "change", lead),
    }


cards.register(
    cards.CardPanel(
        key="sales.deal",
        template="sales/_deal_panel.html",
        context=_deal_panel,
        entities=("deal",),
        position="side",
        order=10,
    )
)
cards.register(
    cards.CardPanel(
        key="sales.lead",
        template="sales/_lead_panel.html",
        context=_lead_panel,
        entities=("lead",),
        position="side",
        order=10,
    )
)
navigation.register(
    navigation.NavItem(
        key="sales.board",
        label=gettext_lazy("Board"),
        url_name="sales:board",
        icon="kanban",
        visible=lambda user: permissions.can(user, "deal", "view"),
        order=10,
    )
)


@events.subscribe("activity.created")
def note_deal_activity(name: str, payload: dict) -> None:
    """A logged call, email, meeting or note keeps a deal from going stale."""
    if payload.get("entity") == "deal":
        Deal.objects.filter(pk=payload.get("id")).update(last_activity_at=timezone.now())


@events.subscribe("enquiry.attached")
def tell_owner_about_enquiry(name: str, payload: dict) -> None:
    from django.contrib.auth import get_user_model

    from kartoteka.planner.notifications import notify

    owner = get_user_model().objects.filter(pk=payload.get("owner"), is_active=True).first()
    spec = registry.find(payload.get("entity", ""))
    if owner is None or spec is None:
        return
    obj = spec.queryset().filter(pk=payload.get("id")).first()
    if obj is None:
        return
    from django.utils import translation

    with translation.override(owner.language or None):
        notify(
            owner,
            "enquiry",
            _("New enquiry from your client %(title)s") % {"title": spec.title(obj)},
            body=_("Someone else registered this client again; the enquiry is on the card."),
            url=spec.card_url(obj.pk),
        )


# -- the owners' daily digest -------------------------------------------------------------------

DIGEST_LIMIT = 50


def _without_next_step(user, now):
    rows = []
    for key in ("lead", "deal"):
        spec = registry.get(key)
        qs = spec.queryset().filter(owner=user)
        qs = spec.behaviour.apply_flag(qs, "no_next_step", user)
        for obj in qs.order_by("-created_at")[:DIGEST_LIMIT]:
            rows.append(
                {
                    "title": f"{spec.label}: {spec.title(obj)}",
                    "url": spec.card_url(obj.pk),
                    "note": _("no task planned"),
                }
            )
    return rows


def _going_stale(user, now):
    spec = registry.get("deal")
    qs = spec.queryset().filter(owner=user, closed_at__isnull=True).filter(board.stale_q(now))
    return [
        {
            "title": spec.title(deal),
            "url": spec.card_url(deal.pk),
            "note": _("no activity since %(date)s")
            % {"date": max(deal.last_activity_at, deal.stage_changed_at).date().isoformat()},
        }
        for deal in qs.order_by("last_activity_at")[:DIGEST_LIMIT]
    ]


def _register_digest() -> None:
    from kartoteka.planner import digest

    digest.register_section(
        "sales.no_next_step",
        _without_next_step,
        gettext_lazy("Leads and deals with no next step"),
        order=50,
    )
    digest.register_section(
        "sales.stale", _going_stale, gettext_lazy("Deals going stale"), order=60
    )


_register_digest()
