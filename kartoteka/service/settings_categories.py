"""The only writers of ticket categories, and the counts that say where each is used.

A name is unique (ignoring case). A category that tickets, mailboxes or SLA policies use is
never deleted — it is deactivated and stays where it is. Categories are the choices of the
ticket's "category" field, so every change ends with `registry.bump()` inside its
transaction: every process then rebuilds the ticket form's choices.
"""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.db.models import Count, Max
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from kartoteka.accounts.models import Team
from kartoteka.platform.registry import registry
from kartoteka.platform.settings_actions import (
    ORDER_STEP,
    ids_in_order,
    refuse,
    reorder,
    save_changes,
    swapped_with_neighbour,
)

from .models import Category, Mailbox, SlaPolicy, Ticket
from .settings_services import NAME_MAX, SettingsInput, label, require_admin

CATEGORY_INPUT = {"name", "active", "team", "order"}
CATEGORIES_MAX = 500


def categories_changed() -> None:
    """Call inside the writing transaction: the ticket form's choices are rebuilt."""
    registry.bump()


def _is_duplicate(name: str, exclude: int | None) -> bool:
    others = Category.objects.filter(name__iexact=name)
    if exclude is not None:
        others = others.exclude(pk=exclude)
    return others.exists()


def _clean(read: SettingsInput, category: Category | None) -> dict[str, Any]:
    clean: dict[str, Any] = {}
    if category is None or read.has("name"):
        clean["name"] = read.text("name", max_length=NAME_MAX, required=True)
        if read.ok("name") and _is_duplicate(clean["name"], category.pk if category else None):
            read.error("name", _("Another category has this name."))
    if read.has("active"):
        clean["active"] = read.boolean("active")
    if read.has("team"):
        clean["team"] = read.row("team", Team.objects.all(), required=False)
    if read.has("order"):
        clean["order"] = read.integer("order", minimum=0, maximum=1_000_000, required=True)
    read.done()
    return clean


def create_category(user, data: dict) -> Category:
    """A new category goes to the end of the list."""
    require_admin(user)
    clean = _clean(SettingsInput(data, CATEGORY_INPUT), None)
    with transaction.atomic():
        if Category.objects.count() >= CATEGORIES_MAX:
            raise refuse(_("There are at most %(max)d categories.") % {"max": CATEGORIES_MAX})
        if "order" not in clean:
            top = Category.objects.aggregate(top=Max("order"))["top"]
            clean["order"] = 0 if top is None else top + ORDER_STEP
        category = Category.objects.create(**clean)
        categories_changed()
    return category


def update_category(user, category: Category, data: dict) -> Category:
    require_admin(user)
    clean = _clean(SettingsInput(data, CATEGORY_INPUT), category)
    with transaction.atomic():
        if save_changes(category, clean):
            categories_changed()
    return category


def use_counts() -> dict[int, dict[str, int]]:
    """{category id: {"tickets": n, "mailboxes": n, "policies": n}} (three queries)."""
    counts: dict[int, dict[str, int]] = {}

    def add(pk, kind, n):
        counts.setdefault(pk, {"tickets": 0, "mailboxes": 0, "policies": 0})[kind] += n

    for model, kind in ((Ticket, "tickets"), (Mailbox, "mailboxes")):
        rows = (
            model.objects.filter(category__isnull=False)
            .values("category")
            .annotate(n=Count("pk"))
            .values_list("category", "n")
        )
        for pk, n in rows:
            add(pk, kind, n)
    for ids in SlaPolicy.objects.values_list("categories", flat=True):
        for pk in set(ids or ()):
            add(pk, "policies", 1)
    return counts


def _policies_naming(category: Category) -> list[str]:
    return [
        label(name)
        for name, ids in SlaPolicy.objects.order_by("order", "id").values_list("name", "categories")
        if category.pk in (ids or ())
    ]


def delete_category(user, category: Category) -> None:
    require_admin(user)
    with transaction.atomic():
        tickets = Ticket.objects.filter(category=category).count()
        if tickets:
            raise refuse(
                ngettext(
                    "%(count)d ticket has this category, so it cannot be deleted. Deactivate it "
                    "instead: the ticket keeps it, and new tickets are not offered it.",
                    "%(count)d tickets have this category, so it cannot be deleted. Deactivate "
                    "it instead: the tickets keep it, and new tickets are not offered it.",
                    tickets,
                )
                % {"count": tickets}
            )
        mailboxes = list(Mailbox.objects.filter(category=category).values_list("name", flat=True))
        if mailboxes:
            raise refuse(
                _(
                    "The mailbox %(names)s files new tickets under this category, so it cannot "
                    "be deleted. Deactivate it instead, or change the mailbox first."
                )
                % {"names": ", ".join(f"“{name}”" for name in mailboxes)}
            )
        policies = _policies_naming(category)
        if policies:
            raise refuse(
                _(
                    "The SLA policy %(names)s names this category in its conditions, so it "
                    "cannot be deleted. Deactivate it instead, or change the policy first."
                )
                % {"names": ", ".join(f"“{name}”" for name in policies)}
            )
        category.delete()
        categories_changed()


def reorder_categories(user, category_ids: Any) -> list[Category]:
    require_admin(user)
    ids = ids_in_order(category_ids, CATEGORIES_MAX)
    with transaction.atomic():
        ordered = reorder(
            Category,
            list(Category.objects.all()),
            ids,
            _("Name every category exactly once (there are %(count)d)."),
            first=ORDER_STEP,
        )
        categories_changed()
    return ordered


def move_category(user, category: Category, direction: str) -> None:
    """One step up or down: the keyboard's way to reorder."""
    require_admin(user)
    if direction not in ("up", "down"):
        raise refuse(_("Move a category up or down."), "direction")
    ids = list(Category.objects.order_by("order", "name").values_list("pk", flat=True))
    reorder_categories(user, swapped_with_neighbour(ids, ids.index(category.pk), direction))


def categories_with_uses() -> list[Category]:
    counts = use_counts()
    rows = list(Category.objects.select_related("team").order_by("order", "name"))
    for category in rows:
        category.label = label(category.name)
        category.uses = counts.get(category.pk, {"tickets": 0, "mailboxes": 0, "policies": 0})
        category.in_use = any(category.uses.values())
    return rows
