"""Panels other apps add to a record's card: next steps (planner), a deal's stage and cycle,
a lead's qualify button (sales). The generic card renders what is registered here, so an app
extends every card without the platform knowing it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from django.template.loader import render_to_string


@dataclass(frozen=True)
class CardPanel:
    key: str
    template: str
    # request, entity spec, record → template context, or None to show nothing
    context: Callable
    entities: tuple[str, ...] | None = None  # None: every entity
    # "actions" (header buttons), "side" (under the fields), "main" (above the timeline)
    position: str = "side"
    order: int = 100


_panels: dict[str, CardPanel] = {}


def register(panel: CardPanel) -> CardPanel:
    _panels[panel.key] = panel
    return panel


def render_panels(request, spec, obj) -> dict[str, list[str]]:
    """HTML of every panel that applies, grouped by position."""
    out: dict[str, list[str]] = {"actions": [], "side": [], "main": []}
    for panel in sorted(_panels.values(), key=lambda p: (p.order, p.key)):
        if panel.entities is not None and spec.key not in panel.entities:
            continue
        context = panel.context(request, spec, obj)
        if context is None:
            continue
        context = {"entity": spec, "obj": obj, **context}
        out[panel.position].append(render_to_string(panel.template, context, request=request))
    return out
