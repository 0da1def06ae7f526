"""What the settings actions of every app (`sales.settings_*`, `service.settings_*`) do alike
to the rows they keep: refuse with one message, save only the columns that changed, and keep
an ordered list in order (renumbering it, moving a row one step, taking a new order from a
drag and drop or the API).

Reading the raw input is `customization.inputs.KeyedInput`'s; the checks of the administrator
and the rules of each kind of row stay with the app.
"""

from __future__ import annotations

from typing import Any

from django.db import models
from django.utils.translation import gettext as _

from .fields import InputErrors

ORDER_STEP = 10


def refuse(message: str, key: str = "__all__") -> InputErrors:
    return InputErrors({key: [message]})


def save_changes(instance: models.Model, clean: dict[str, Any]) -> bool:
    """Set the cleaned values and save only those columns; False when there was nothing."""
    for name, value in clean.items():
        setattr(instance, name, value)
    if clean:
        instance.save(update_fields=list(clean))
    return bool(clean)


def renumber(model: type[models.Model], rows: list, *, first: int = 0) -> None:
    """Give `rows` the orders `first`, `first` + 10, … in the list's order, writing only those
    that moved."""
    moved = []
    for index, row in enumerate(rows):
        if row.order != first + index * ORDER_STEP:
            row.order = first + index * ORDER_STEP
            moved.append(row)
    model.objects.bulk_update(moved, ["order"])


def swapped_with_neighbour(items: list, index: int, direction: str) -> list:
    """A copy of `items` with the one at `index` moved one place "up" or "down" (no further
    than either end)."""
    items = list(items)
    other = index - 1 if direction == "up" else index + 1
    if 0 <= other < len(items):
        items[index], items[other] = items[other], items[index]
    return items


def ids_in_order(
    values: Any, limit: int, *, message: str | None = None, key: str = "ids"
) -> list[int]:
    """A list of at most `limit` row ids as the drag and drop (strings) or the API (numbers)
    sends it; anything else is refused with `message`."""
    wrong = refuse(message or _("Send the list of ids in their new order."), key)
    if not isinstance(values, list | tuple) or len(values) > limit:
        raise wrong
    if any(isinstance(value, bool) for value in values):
        raise wrong
    try:
        return [int(value) for value in values]
    except (TypeError, ValueError):
        raise wrong


def reorder(
    model: type[models.Model], rows: list, ids: list[int], refusal: str, *, first: int = 0
) -> list:
    """Put `rows` in the order of `ids` (renumbered from `first`); every row must be named
    exactly once, else the `refusal` (with %(count)d, the number of rows)."""
    by_id = {row.pk: row for row in rows}
    if len(set(ids)) != len(ids) or set(ids) != set(by_id):
        raise refuse(refusal % {"count": len(by_id)}, "ids")
    ordered = [by_id[pk] for pk in ids]
    renumber(model, ordered, first=first)
    return ordered
