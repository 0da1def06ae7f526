"""Pages other apps add to the main navigation (My day, the deals board, …) beside the
entity lists the registry provides."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class NavItem:
    key: str
    label: Any
    url_name: str
    icon: str = "circle"
    visible: Callable[[Any], bool] = lambda user: True
    order: int = 100
    badge: Callable[[Any], int] | None = None  # e.g. unread notifications; one query
    position: str = "main"  # "main" (beside the entity lists) or "right" (beside the user menu)


_items: dict[str, NavItem] = {}


def register(item: NavItem) -> NavItem:
    _items[item.key] = item
    return item


def items_for(user) -> list[dict]:
    shown = [item for item in sorted(_items.values(), key=lambda i: i.order) if item.visible(user)]
    return [
        {"item": item, "badge": item.badge(user) if item.badge else 0, "position": item.position}
        for item in shown
    ]
