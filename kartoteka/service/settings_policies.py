"""The only writers of SLA policies, and the words that describe one ("Urgent · first
response 1 h · resolution 8 h") and tell which policy wins.

A ticket gets the first active policy, by order, whose conditions all hold (`sla.policy_for`);
an empty condition matches everything. Rules kept here: a policy has a calendar; each
target is at least a minute; the resolution is either a working time or the cut-off rule
(both its times), never both; escalation goes to an active user. A policy with no targets
is allowed: the tickets it matches have no deadlines. Changing a policy does not touch the
deadlines tickets already have; it applies to tickets opened or re-prioritised afterwards.
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth import get_user_model
from django.db import transaction
from django.db.models import Max
from django.utils.translation import gettext as _

from kartoteka.platform.settings_actions import (
    ORDER_STEP,
    ids_in_order,
    refuse,
    renumber,
    reorder,
    save_changes,
    swapped_with_neighbour,
)

from .models import BusinessCalendar, Category, SlaPolicy, Ticket
from .settings_services import NAME_MAX, SettingsInput, format_minute, label, require_admin

TARGET_MAX = 366 * 24 * 60  # a year of working minutes
WARN_MAX = 7 * 24 * 60
POLICIES_MAX = 200
TARGETS = ("first_response_minutes", "next_response_minutes", "resolution_minutes")
CONDITIONS = ("priorities", "types", "categories", "tiers")
POLICY_INPUT = {
    "name",
    "active",
    *CONDITIONS,
    "calendar",
    *TARGETS,
    "cutoff_at",
    "cutoff_next_day_at",
    "update_every_minutes",
    "pause_on_third_party",
    "warn_before_minutes",
    "escalate_to",
    "raise_priority",
}


def escalation_users():
    return (
        get_user_model()
        .objects.filter(is_active=True)
        .order_by("first_name", "last_name", "username")
    )


# -- reading input ---------------------------------------------------------------------------


def _minutes(read: SettingsInput, key: str) -> int | None:
    value = read.integer(key, minimum=0, maximum=TARGET_MAX, required=False)
    if value == 0:
        read.error(key, _("Enter at least one minute, or leave it empty for no target."))
    return value


def _clean(read: SettingsInput, policy: SlaPolicy | None) -> dict[str, Any]:
    """The values `data` names (all of them for a new policy), each read strictly."""
    new = policy is None
    clean: dict[str, Any] = {}
    if new or read.has("name"):
        clean["name"] = read.text("name", max_length=NAME_MAX, required=True)
    for key in ("active", "pause_on_third_party", "raise_priority"):
        if read.has(key):
            clean[key] = read.boolean(key)
    if read.has("priorities"):
        clean["priorities"] = read.choices("priorities", Ticket.Priority.choices)
    if read.has("types"):
        clean["types"] = read.choices("types", Ticket.Type.choices)
    if read.has("tiers"):
        clean["tiers"] = read.choices("tiers", Ticket.Tier.choices)
    if read.has("categories"):
        clean["categories"] = read.ids(
            "categories", set(Category.objects.values_list("pk", flat=True))
        )
    if new or read.has("calendar"):
        clean["calendar"] = read.row("calendar", BusinessCalendar.objects.all(), required=True)
    for key in (*TARGETS, "update_every_minutes"):
        if read.has(key):
            clean[key] = _minutes(read, key)
    if read.has("cutoff_at"):
        clean["cutoff_at"] = read.time_of_day("cutoff_at")
    if read.has("cutoff_next_day_at"):
        clean["cutoff_next_day_at"] = read.time_of_day("cutoff_next_day_at")
    if read.has("warn_before_minutes"):
        clean["warn_before_minutes"] = read.integer(
            "warn_before_minutes", minimum=0, maximum=WARN_MAX, required=True
        )
    if read.has("escalate_to"):
        clean["escalate_to"] = read.row("escalate_to", escalation_users(), required=False)
    _check_resolution(read, clean, policy)
    read.done()
    return clean


def _check_resolution(read: SettingsInput, clean: dict, policy: SlaPolicy | None) -> None:
    """The cut-off rule needs both its times and replaces the resolution time."""

    def final(key):
        return clean[key] if key in clean else getattr(policy, key, None)

    cutoff, next_day = final("cutoff_at"), final("cutoff_next_day_at")
    if not (read.ok("cutoff_at") and read.ok("cutoff_next_day_at")):
        return
    if (cutoff is None) != (next_day is None):
        missing = "cutoff_at" if cutoff is None else "cutoff_next_day_at"
        read.error(missing, _("Enter both the cut-off time and the next-day due time."))
    elif cutoff is not None and final("resolution_minutes") is not None:
        read.error(
            "resolution_minutes",
            _("Use either a resolution time or the cut-off rule, not both: clear one of them."),
        )


# -- policies --------------------------------------------------------------------------------


def _lock_policies() -> None:
    list(SlaPolicy.objects.select_for_update().values_list("pk", flat=True))


def _matches_everything(policy: SlaPolicy) -> bool:
    return not any(getattr(policy, key) for key in CONDITIONS)


def create_policy(user, data: dict) -> SlaPolicy:
    """A new policy goes before the first active policy that matches every ticket (so that it
    can apply at all), or at the end when there is none."""
    require_admin(user)
    clean = _clean(SettingsInput(data, POLICY_INPUT), None)
    with transaction.atomic():
        _lock_policies()
        rows = list(SlaPolicy.objects.order_by("order", "id"))
        if len(rows) >= POLICIES_MAX:
            raise refuse(_("There are at most %(max)d SLA policies.") % {"max": POLICIES_MAX})
        top = SlaPolicy.objects.aggregate(top=Max("order"))["top"] or 0
        policy = SlaPolicy.objects.create(order=top + ORDER_STEP, **clean)
        if not _matches_everything(policy):
            catch_all = next(
                (i for i, row in enumerate(rows) if row.active and _matches_everything(row)), None
            )
            if catch_all is not None:
                rows.insert(catch_all, policy)
                renumber(SlaPolicy, rows, first=ORDER_STEP)
    return policy


def update_policy(user, policy: SlaPolicy, data: dict) -> SlaPolicy:
    require_admin(user)
    clean = _clean(SettingsInput(data, POLICY_INPUT), policy)
    with transaction.atomic():
        save_changes(policy, clean)
    return policy


def delete_policy(user, policy: SlaPolicy) -> None:
    """Tickets it covered keep the deadlines they have; new ones get the next policy."""
    require_admin(user)
    with transaction.atomic():
        policy.delete()


def reorder_policies(user, policy_ids: Any) -> list[SlaPolicy]:
    """Put every policy in the given order; each must be named once."""
    require_admin(user)
    ids = ids_in_order(policy_ids, POLICIES_MAX)
    with transaction.atomic():
        _lock_policies()
        return reorder(
            SlaPolicy,
            list(SlaPolicy.objects.all()),
            ids,
            _("Name every SLA policy exactly once (there are %(count)d)."),
            first=ORDER_STEP,
        )


def move_policy(user, policy: SlaPolicy, direction: str) -> None:
    """One step up or down: the keyboard's way to reorder."""
    require_admin(user)
    if direction not in ("up", "down"):
        raise refuse(_("Move a policy up or down."), "direction")
    ids = list(SlaPolicy.objects.order_by("order", "id").values_list("pk", flat=True))
    reorder_policies(user, swapped_with_neighbour(ids, ids.index(policy.pk), direction))


# -- describing policies ---------------------------------------------------------------------


def duration_text(minutes: int) -> str:
    hours, rest = divmod(minutes, 60)
    if hours and rest:
        return _("%(hours)d h %(minutes)d min") % {"hours": hours, "minutes": rest}
    if hours:
        return _("%(hours)d h") % {"hours": hours}
    return _("%(minutes)d min") % {"minutes": rest}


def _either(labels: list[str]) -> str:
    if len(labels) == 1:
        return labels[0]
    return _("%(some)s or %(last)s") % {"some": ", ".join(labels[:-1]), "last": labels[-1]}


def conditions_text(policy: SlaPolicy, category_names: dict[int, str]) -> str:
    """ "Urgent · Key account", or "All tickets" when it has no conditions."""
    parts = []
    for values, choices in (
        (policy.priorities, Ticket.Priority.choices),
        (policy.types, Ticket.Type.choices),
        (policy.tiers, Ticket.Tier.choices),
    ):
        if values:
            names = dict(choices)
            parts.append(_either([str(names.get(value, value)) for value in values]))
    if policy.categories:
        names = [category_names.get(pk, f"#{pk}") for pk in policy.categories]
        parts.append(_("category %(names)s") % {"names": _either(names)})
    return " · ".join(parts) if parts else _("All tickets")


def targets_text(policy: SlaPolicy) -> str:
    """ "first response 1 h · resolution 8 h", or "no deadlines"."""
    parts = []
    if policy.first_response_minutes:
        parts.append(
            _("first response %(time)s") % {"time": duration_text(policy.first_response_minutes)}
        )
    if policy.next_response_minutes:
        parts.append(
            _("next response %(time)s") % {"time": duration_text(policy.next_response_minutes)}
        )
    if policy.cutoff_at is not None and policy.cutoff_next_day_at is not None:
        parts.append(
            _("resolution the same day if received before %(cutoff)s, else by %(next)s")
            % {
                "cutoff": format_minute(policy.cutoff_at),
                "next": format_minute(policy.cutoff_next_day_at),
            }
        )
    elif policy.resolution_minutes:
        parts.append(_("resolution %(time)s") % {"time": duration_text(policy.resolution_minutes)})
    if policy.update_every_minutes:
        parts.append(
            _("status update every %(time)s") % {"time": duration_text(policy.update_every_minutes)}
        )
    return " · ".join(parts) if parts else _("no deadlines")


def summary(policy: SlaPolicy, category_names: dict[int, str]) -> str:
    return f"{conditions_text(policy, category_names)} · {targets_text(policy)}"


def _covers(earlier: SlaPolicy, later: SlaPolicy) -> bool:
    """Whether every ticket `later` matches is matched by `earlier` already."""
    for key in CONDITIONS:
        first, second = getattr(earlier, key), getattr(later, key)
        if first and (not second or not set(second) <= set(first)):
            return False
    return True


def policies_in_order() -> list[SlaPolicy]:
    """Policies in the order they are tried, each with `label`, `summary` (and its
    `summary_parts`, to keep each on one line), `rank` (1 for the
    first active one; None when inactive) and `shadowed_by` (the name of an earlier active
    policy that takes every ticket this one would match). Two queries."""
    category_names = {pk: label(name) for pk, name in Category.objects.values_list("pk", "name")}
    rows = list(SlaPolicy.objects.select_related("calendar", "escalate_to").order_by("order", "id"))
    earlier: list[SlaPolicy] = []
    for policy in rows:
        policy.label = label(policy.name)
        policy.summary = summary(policy, category_names)
        policy.summary_parts = policy.summary.split(" · ")
        policy.conditions_text = conditions_text(policy, category_names)
        policy.targets_text = targets_text(policy)
        policy.calendar_label = label(policy.calendar.name)
        policy.rank = None
        policy.shadowed_by = None
        if policy.active:
            policy.rank = len(earlier) + 1
            cover = next((other for other in earlier if _covers(other, policy)), None)
            policy.shadowed_by = cover.label if cover else None
            earlier.append(policy)
    return rows


def catches_everything(rows: list[SlaPolicy]) -> bool:
    """Whether some active policy matches every ticket (else some tickets get no SLA)."""
    return any(policy.active and _matches_everything(policy) for policy in rows)
