"""Domain events, delivered after commit through the Huey worker.

`emit("record.created", entity="company", id=5)` inside a service; subscribers registered
with `@subscribe("record.created")` (automation, webhooks, notifications) run in the worker,
never inside the request that wrote the data, and never for a transaction that rolled back.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Callable

from django.db import transaction

log = logging.getLogger(__name__)
_subscribers: dict[str, list[Callable[[str, dict], None]]] = defaultdict(list)


def subscribe(name: str):
    def decorator(func: Callable[[str, dict], None]):
        _subscribers[name].append(func)
        return func

    return decorator


def emit(name: str, **payload) -> None:
    if not (_subscribers.get(name) or _subscribers.get("*")):
        return

    def enqueue() -> None:
        from .tasks import deliver_event

        deliver_event(name, payload)

    transaction.on_commit(enqueue)


def deliver(name: str, payload: dict) -> None:
    for func in [*_subscribers.get(name, ()), *_subscribers.get("*", ())]:
        try:
            func(name, payload)
        except Exception:  # one failing subscriber must not starve the others
            log.exception("event subscriber %s failed for %s", func, name)
