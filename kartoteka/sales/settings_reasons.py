"""The only writers of the two lists of reasons: why deals are lost and why leads are
disqualified. A name is unique within its list (ignoring case); a reason that deals or leads
use is never deleted — it is deactivated and stays on those records.
"""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.db.models import Count, Max
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from kartoteka.platform.settings_actions import (
    ORDER_STEP,
    refuse,
    renumber,
    save_changes,
    swapped_with_neighbour,
)

from .models import Deal, Lead, Reason
from .settings_common import NAME_MAX, SettingsInput, require_admin, settings_changed

# The records that name a reason: (model, field).
USERS_OF_REASONS = ((Deal, "lost_reason"), (Lead, "disqualification_reason"))


def reason_use_counts() -> dict[int, int]:
    """How many deals and leads name each reason (two grouped queries)."""
    counts: dict[int, int] = {}
    for model, field in USERS_OF_REASONS:
        rows = (
            model.objects.filter(**{f"{field}__isnull": False})
            .values(field)
            .annotate(n=Count("pk"))
            .values_list(field, "n")
        )
        for pk, n in rows:
            counts[pk] = counts.get(pk, 0) + n
    return counts


def _uses(reason: Reason) -> int:
    return sum(model.objects.filter(**{field: reason}).count() for model, field in USERS_OF_REASONS)


def _is_duplicate(kind: str, name: str, exclude: int | None) -> bool:
    others = Reason.objects.filter(kind=kind, name__iexact=name)
    if exclude is not None:
        others = others.exclude(pk=exclude)
    return others.exists()


def create_reason(user, data: dict) -> Reason:
    require_admin(user)
    read = SettingsInput(data, {"kind", "name", "active"})
    kind = read.choice("kind", Reason.Kind.choices)
    name = read.text("name", max_length=NAME_MAX, required=True)
    active = read.boolean("active") if read.has("active") else True
    if read.ok("kind") and read.ok("name") and _is_duplicate(kind, name, None):
        read.error("name", _("This list already has a reason with this name."))
    read.done()
    with transaction.atomic():
        top = Reason.objects.filter(kind=kind).aggregate(top=Max("order"))["top"]
        reason = Reason.objects.create(
            kind=kind,
            name=name,
            active=active,
            order=0 if top is None else top + ORDER_STEP,
        )
        settings_changed()
    return reason


def update_reason(user, reason: Reason, data: dict) -> Reason:
    require_admin(user)
    read = SettingsInput(data, {"name", "active", "order"})
    clean: dict[str, Any] = {}
    if read.has("name"):
        clean["name"] = read.text("name", max_length=NAME_MAX, required=True)
        if read.ok("name") and _is_duplicate(reason.kind, clean["name"], reason.pk):
            read.error("name", _("This list already has a reason with this name."))
    if read.has("active"):
        clean["active"] = read.boolean("active")
    if read.has("order"):
        clean["order"] = read.integer("order", minimum=0, maximum=1_000_000, required=True)
    read.done()
    with transaction.atomic():
        if save_changes(reason, clean):
            settings_changed()
    return reason


def move_reason(user, reason: Reason, direction: str) -> None:
    """One step up or down within its list."""
    require_admin(user)
    if direction not in ("up", "down"):
        raise refuse(_("Move a reason up or down."), "direction")
    with transaction.atomic():
        reasons = list(Reason.objects.filter(kind=reason.kind).order_by("order", "id"))
        index = [item.pk for item in reasons].index(reason.pk)
        renumber(Reason, swapped_with_neighbour(reasons, index, direction))
        settings_changed()


def delete_reason(user, reason: Reason) -> None:
    require_admin(user)
    with transaction.atomic():
        uses = _uses(reason)
        if uses:
            raise refuse(
                ngettext(
                    "The reason is used %(count)d time, so it cannot be deleted. Deactivate it "
                    "instead: it stays on those records and leaves the list of choices.",
                    "The reason is used %(count)d times, so it cannot be deleted. Deactivate it "
                    "instead: it stays on those records and leaves the list of choices.",
                    uses,
                )
                % {"count": uses}
            )
        reason.delete()
        settings_changed()
