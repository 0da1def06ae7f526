"""Sales settings read on every deal write — stages, reasons, currencies — cached per process
and reloaded whenever the schema version changes (each settings change bumps it), so every
web process and worker sees a new stage on its next request.

Names created by the first migration are English msgids ("Negotiation", "No budget"):
`label()` shows them in the reader's language; names an administrator types are shown as
typed.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.utils.functional import lazy
from django.utils.translation import gettext, gettext_noop

BUILTIN_NAMES = (
    gettext_noop("Sales"),
    gettext_noop("New"),
    gettext_noop("Qualification"),
    gettext_noop("Proposal"),
    gettext_noop("Negotiation"),
    gettext_noop("Won"),
    gettext_noop("Lost"),
    gettext_noop("Price too high"),
    gettext_noop("Chose a competitor"),
    gettext_noop("No budget"),
    gettext_noop("No response"),
    gettext_noop("Not a fit"),
    gettext_noop("Spam"),
    gettext_noop("Not our client"),
    gettext_noop("Duplicate"),
    gettext_noop("No need"),
    gettext_noop("Could not reach"),
    gettext_noop("Euro"),
    gettext_noop("US dollar"),
    gettext_noop("Polish zloty"),
    gettext_noop("Russian rouble"),
    gettext_noop("British pound"),
)


def label(name: str) -> str:
    return gettext(name) if name in BUILTIN_NAMES else name


def _joined(*names: str) -> str:
    return " · ".join(label(name) for name in names)


# Choices are built once per schema version, in whatever language is active then; these
# are translated each time they are shown.
lazy_label = lazy(label, str)
lazy_joined = lazy(_joined, str)


@dataclass(frozen=True)
class StageInfo:
    pk: int
    pipeline_id: int
    pipeline_name: str
    name: str
    kind: str
    probability: int
    order: int
    stale_days: int | None

    @property
    def is_open(self) -> bool:
        return self.kind == "open"

    @property
    def label(self) -> str:
        return label(self.name)


@dataclass
class Snapshot:
    stages: dict[int, StageInfo]
    pipelines: list[tuple[int, str, bool]]  # (pk, name, is_default) of active pipelines
    reasons: dict[int, tuple[str, str, bool]]  # pk → (kind, name, active)
    currencies: dict[str, Decimal]  # code → rate to the base
    base: str


_lock = threading.Lock()
_snapshot: Snapshot | None = None


def reload() -> Snapshot:
    """Read the settings tables (called by the registry when the schema version changed)."""
    from .models import Currency, Pipeline, Reason, Stage

    global _snapshot
    with _lock:
        pipelines = list(Pipeline.objects.all())
        names = {p.pk: p.name for p in pipelines}
        stages = {
            s.pk: StageInfo(
                s.pk,
                s.pipeline_id,
                names.get(s.pipeline_id, ""),
                s.name,
                s.kind,
                s.probability,
                s.order,
                s.stale_days,
            )
            for s in Stage.objects.all()
        }
        currencies = {c.code: c.rate for c in Currency.objects.all()}
        base = next(
            (c.code for c in Currency.objects.filter(is_base=True)),
            getattr(settings, "DEFAULT_CURRENCY", "EUR"),
        )
        currencies.setdefault(base, Decimal(1))
        _snapshot = Snapshot(
            stages=stages,
            pipelines=[(p.pk, p.name, p.is_default) for p in pipelines if p.active],
            reasons={
                r.pk: (r.kind, r.name, r.active)
                for r in Reason.objects.order_by("kind", "order", "id")
            },
            currencies=currencies,
            base=base,
        )
        return _snapshot


def snapshot() -> Snapshot:
    return _snapshot if _snapshot is not None else reload()


def reasons(kind: str, *, active_only: bool = True, lazy: bool = False) -> list[tuple[int, Any]]:
    """(id, label) of the loss or disqualification reasons, in their order; `lazy` labels
    for choices kept across requests."""
    make = lazy_label if lazy else label
    return [
        (pk, make(name))
        for pk, (reason_kind, name, active) in snapshot().reasons.items()
        if reason_kind == kind and (active or not active_only)
    ]


def reason_label(pk: int | None) -> str:
    found = snapshot().reasons.get(pk) if pk is not None else None
    return label(found[1]) if found else ""


def stage(pk: int | None) -> StageInfo | None:
    if pk is None:
        return None
    found = snapshot().stages.get(pk)
    if found is None:  # created by this process since the last reload
        found = reload().stages.get(pk)
    return found


def stages_of(pipeline_id: int) -> list[StageInfo]:
    return sorted(
        (s for s in snapshot().stages.values() if s.pipeline_id == pipeline_id),
        key=lambda s: (s.order, s.pk),
    )


def default_pipeline_id() -> int | None:
    pipelines = snapshot().pipelines
    for pk, _name, is_default in pipelines:
        if is_default:
            return pk
    return pipelines[0][0] if pipelines else None


def first_open_stage(pipeline_id: int | None) -> StageInfo | None:
    if pipeline_id is None:
        return None
    return next((s for s in stages_of(pipeline_id) if s.is_open), None)


def to_base(amount, currency: str) -> Decimal | None:
    if amount is None:
        return None
    snap = snapshot()
    rate = snap.currencies.get(currency or snap.base, Decimal(1))
    return (Decimal(str(amount)) * rate).quantize(Decimal("0.01"))
