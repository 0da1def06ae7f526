"""The only writers of the sales settings: pipelines and their stages, loss and
disqualification reasons, currencies with their rates, and the money spent on lead sources.

Each action checks that the user is an administrator (`user=None` is a trusted caller such as
a management command), reads its raw input strictly — form strings and API JSON alike — and
raises every problem at once as `InputErrors` with translated messages before anything is
written. The change is made in one transaction that ends with `registry.bump()`: every web
process and worker then reloads `sales.config` (stage choices, reasons, currencies).

Invariants kept here: exactly one default pipeline, which is active; every pipeline keeps at
least one open, one won and one lost stage; a stage or reason in use is never deleted; the
base currency's rate is 1 and every other rate is relative to it.
"""

from __future__ import annotations

import datetime
import re
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any

from django.db import transaction
from django.db.models import Count, F, Max
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop as N_
from django.utils.translation import ngettext

from kartoteka.contacts.entities import SOURCES
from kartoteka.platform.fields import InputErrors
from kartoteka.platform.permissions import PermissionDenied
from kartoteka.platform.registry import registry

from . import config
from .models import ChannelCost, Currency, Deal, Lead, Pipeline, Product, Reason, Stage

NAME_MAX = 100
CURRENCY_NAME_MAX = 60
NOTE_MAX = 255
STALE_DAYS_MAX = 3650
MAX_STAGES = 50
RATE_PLACES = 6
RATE_LIMIT = Decimal("1e12")  # max_digits 18, 6 decimal places
AMOUNT_LIMIT = Decimal("1e16")  # max_digits 18, 2 decimal places
CODE_RE = re.compile(r"^[A-Z]{3}$")
ORDER_STEP = 10

# A new pipeline starts with these stages (English msgids, shown translated by config.label).
STARTER_STAGES = (
    (N_("New"), Stage.Kind.OPEN, 10),
    (N_("Won"), Stage.Kind.WON, 100),
    (N_("Lost"), Stage.Kind.LOST, 0),
)
DEFAULT_PROBABILITY = {Stage.Kind.OPEN: 10, Stage.Kind.WON: 100, Stage.Kind.LOST: 0}


def _require_admin(user) -> None:
    if user is None:
        return
    if not (getattr(user, "is_active", False) and getattr(user, "is_administrator", False)):
        raise PermissionDenied("sales settings")


def _changed() -> None:
    """Call inside the writing transaction: other processes reload the sales settings."""
    registry.bump()


def refuse(message: str, key: str = "__all__") -> InputErrors:
    return InputErrors({key: [message]})


# -- reading raw input -------------------------------------------------------------------------


class _Input:
    """Reads one dict of raw values (form strings or JSON) and collects every problem."""

    def __init__(self, data: Any, allowed: set[str]):
        if not isinstance(data, dict):
            raise InputErrors({"__all__": [_("Send an object of field values.")]})
        self.data = data
        self.errors: dict[str, list[str]] = {}
        for key in data:
            if key not in allowed:
                self.error(str(key)[:60], _("Unknown field."))

    def has(self, key: str) -> bool:
        return key in self.data

    def error(self, key: str, message: str) -> None:
        self.errors.setdefault(key, []).append(message)

    def ok(self, key: str) -> bool:
        return key not in self.errors

    def done(self) -> None:
        if self.errors:
            raise InputErrors(self.errors)

    def text(self, key: str, *, max_length: int, required: bool = False) -> str:
        value = self.data.get(key)
        if value is None:
            value = ""
        if not isinstance(value, str):
            self.error(key, _("Enter text."))
            return ""
        value = value.strip()
        if "\x00" in value or "\n" in value or "\r" in value:
            self.error(key, _("Enter a single line of text."))
        elif len(value) > max_length:
            self.error(
                key,
                _("Enter at most %(max)d characters (it has %(len)d).")
                % {"max": max_length, "len": len(value)},
            )
        elif required and not value:
            self.error(key, _("This field is required."))
        return value

    def boolean(self, key: str) -> bool:
        value = self.data.get(key)
        if not isinstance(value, bool):
            self.error(key, _("Enter true or false."))
            return False
        return value

    def integer(self, key: str, *, minimum: int, maximum: int, required: bool) -> int | None:
        value = self.data.get(key)
        if isinstance(value, str):
            value = value.strip()
        if value is None or value == "":
            if required:
                self.error(key, _("This field is required."))
            return None
        if isinstance(value, str) and re.fullmatch(r"[+-]?\d{1,12}", value):
            value = int(value)
        if isinstance(value, bool) or not isinstance(value, int):
            self.error(key, _("Enter a whole number."))
            return None
        if not minimum <= value <= maximum:
            self.error(
                key,
                _("Enter a number from %(min)d to %(max)d.") % {"min": minimum, "max": maximum},
            )
            return None
        return value

    def decimal(self, key: str, *, places: int, limit: Decimal) -> Decimal | None:
        value = self.data.get(key)
        if value is None or (isinstance(value, str) and not value.strip()):
            self.error(key, _("This field is required."))
            return None
        if isinstance(value, bool) or not isinstance(value, int | float | str | Decimal):
            self.error(key, _("Enter a number."))
            return None
        try:
            number = Decimal(str(value).strip().replace(",", ".").replace(" ", ""))
        except InvalidOperation:
            self.error(key, _("Enter a number."))
            return None
        if not number.is_finite():
            self.error(key, _("Enter a number."))
            return None
        if abs(number) >= limit:
            self.error(key, _("Enter a smaller number."))
            return None
        if number != number.quantize(Decimal(1).scaleb(-places)):
            self.error(
                key,
                ngettext(
                    "Enter at most %(places)d decimal place.",
                    "Enter at most %(places)d decimal places.",
                    places,
                )
                % {"places": places},
            )
            return None
        return number

    def date(self, key: str) -> datetime.date | None:
        value = self.data.get(key)
        if isinstance(value, datetime.datetime):
            value = value.date()
        if isinstance(value, datetime.date):
            return value
        if isinstance(value, str) and value.strip():
            try:
                return datetime.date.fromisoformat(value.strip())
            except ValueError:
                pass
            self.error(key, _("Enter a date as YYYY-MM-DD."))
            return None
        if value is None or value == "":
            self.error(key, _("This field is required."))
        else:
            self.error(key, _("Enter a date as YYYY-MM-DD."))
        return None

    def choice(self, key: str, choices, *, required: bool = True) -> str:
        value = self.data.get(key)
        if value is None or value == "":
            if required:
                self.error(key, _("This field is required."))
            return ""
        if value not in [choice for choice, _label in choices]:
            self.error(key, _("Choose one of the options."))
            return ""
        return value


# -- pipelines ---------------------------------------------------------------------------------


def pipelines_with_counts():
    """Pipelines with their deal counts and stages (each with its deal count), in order."""
    from django.db.models import Prefetch

    stages = Stage.objects.annotate(deal_count=Count("deals")).order_by("order", "id")
    return Pipeline.objects.annotate(deal_count=Count("deals")).prefetch_related(
        Prefetch("stages", queryset=stages)
    )


def _lock_pipelines() -> None:
    """Serialize changes to pipelines and stages (PostgreSQL locks rows; SQLite the file)."""
    list(Pipeline.objects.select_for_update().values_list("pk", flat=True))


def create_pipeline(user, data: dict) -> Pipeline:
    _require_admin(user)
    read = _Input(data, {"name", "is_default", "active"})
    name = read.text("name", max_length=NAME_MAX, required=True)
    is_default = read.boolean("is_default") if read.has("is_default") else False
    active = read.boolean("active") if read.has("active") else True
    if is_default and not active:
        read.error("active", _("The default pipeline must be active."))
    read.done()
    with transaction.atomic():
        _lock_pipelines()
        first = not Pipeline.objects.exists()
        order = (Pipeline.objects.aggregate(top=Max("order"))["top"] or 0) + ORDER_STEP
        if is_default or first:
            Pipeline.objects.update(is_default=False)
        pipeline = Pipeline.objects.create(
            name=name, order=order, is_default=is_default or first, active=active or first
        )
        Stage.objects.bulk_create(
            Stage(
                pipeline=pipeline,
                name=stage_name,
                kind=kind,
                probability=probability,
                order=index * ORDER_STEP,
            )
            for index, (stage_name, kind, probability) in enumerate(STARTER_STAGES)
        )
        _changed()
    return pipeline


def update_pipeline(user, pipeline: Pipeline, data: dict) -> Pipeline:
    _require_admin(user)
    read = _Input(data, {"name", "is_default", "active"})
    clean: dict[str, Any] = {}
    if read.has("name"):
        clean["name"] = read.text("name", max_length=NAME_MAX, required=True)
    if read.has("is_default"):
        clean["is_default"] = read.boolean("is_default")
    if read.has("active"):
        clean["active"] = read.boolean("active")
    read.done()
    with transaction.atomic():
        _lock_pipelines()
        pipeline.refresh_from_db()
        will_be_default = clean.get("is_default", pipeline.is_default)
        will_be_active = clean.get("active", pipeline.active)
        if pipeline.is_default and clean.get("is_default") is False:
            raise refuse(
                _("There must be one default pipeline: make another pipeline the default."),
                "is_default",
            )
        if will_be_default and not will_be_active:
            raise refuse(
                _(
                    "The default pipeline cannot be deactivated: make another pipeline the "
                    "default first."
                ),
                "active",
            )
        if will_be_default and not pipeline.is_default:
            Pipeline.objects.exclude(pk=pipeline.pk).update(is_default=False)
        for name, value in clean.items():
            setattr(pipeline, name, value)
        pipeline.save(update_fields=list(clean) or None)
        _changed()
    return pipeline


def make_default_pipeline(user, pipeline: Pipeline) -> Pipeline:
    return update_pipeline(user, pipeline, {"is_default": True, "active": True})


def delete_pipeline(user, pipeline: Pipeline) -> None:
    _require_admin(user)
    with transaction.atomic():
        _lock_pipelines()
        count = Deal.objects.filter(pipeline=pipeline).count()
        if count:
            raise refuse(
                ngettext(
                    "The pipeline has %(count)d deal, so it cannot be deleted. Deactivate it "
                    "instead: it keeps its deals and leaves the choices of new deals.",
                    "The pipeline has %(count)d deals, so it cannot be deleted. Deactivate it "
                    "instead: it keeps its deals and leaves the choices of new deals.",
                    count,
                )
                % {"count": count}
            )
        if pipeline.is_default:
            raise refuse(
                _("The default pipeline cannot be deleted: make another pipeline the default.")
            )
        pipeline.delete()
        _changed()


# -- stages ------------------------------------------------------------------------------------

KIND_NAMES = {
    Stage.Kind.OPEN: N_("open"),
    Stage.Kind.WON: N_("won"),
    Stage.Kind.LOST: N_("lost"),
}


def _last_of_kind_message(kind: str) -> str:
    if kind == Stage.Kind.WON:
        return _("A pipeline needs at least one won stage; this is its last one.")
    if kind == Stage.Kind.LOST:
        return _("A pipeline needs at least one lost stage; this is its last one.")
    return _("A pipeline needs at least one open stage; this is its last one.")


def _deals_in_stage(stage: Stage) -> int:
    return Deal.objects.filter(stage=stage).count()


def _clean_stage(read: _Input, instance: Stage | None) -> dict[str, Any]:
    """A new stage may leave out its kind (open) and probability (by kind); a change may not
    blank them."""

    def blank(key: str) -> bool:
        return read.data.get(key) in (None, "")

    clean: dict[str, Any] = {}
    if instance is None or read.has("name"):
        clean["name"] = read.text("name", max_length=NAME_MAX, required=True)
    if instance is None and blank("kind"):
        clean["kind"] = Stage.Kind.OPEN
    elif read.has("kind"):
        clean["kind"] = read.choice("kind", Stage.Kind.choices)
    kind = clean.get("kind") or (instance.kind if instance else Stage.Kind.OPEN)
    if instance is None and blank("probability"):
        clean["probability"] = DEFAULT_PROBABILITY.get(kind, 10)
    elif read.has("probability"):
        clean["probability"] = read.integer("probability", minimum=0, maximum=100, required=True)
    if read.has("stale_days"):
        clean["stale_days"] = read.integer(
            "stale_days", minimum=1, maximum=STALE_DAYS_MAX, required=False
        )
    return clean


def _renumber(stages: list[Stage]) -> None:
    changed = []
    for index, stage in enumerate(stages):
        if stage.order != index * ORDER_STEP:
            stage.order = index * ORDER_STEP
            changed.append(stage)
    Stage.objects.bulk_update(changed, ["order"])


def create_stage(user, pipeline: Pipeline, data: dict) -> Stage:
    """A new open stage goes after the pipeline's last open stage; a closed one at the end."""
    _require_admin(user)
    read = _Input(data, {"name", "kind", "probability", "stale_days"})
    clean = _clean_stage(read, None)
    read.done()
    with transaction.atomic():
        _lock_pipelines()
        stages = list(pipeline.stages.order_by("order", "id"))
        if len(stages) >= MAX_STAGES:
            raise refuse(_("A pipeline has at most %(max)d stages.") % {"max": MAX_STAGES})
        stage = Stage.objects.create(pipeline=pipeline, **clean)
        position = len(stages)
        if stage.kind == Stage.Kind.OPEN:
            opens = [i for i, s in enumerate(stages) if s.kind == Stage.Kind.OPEN]
            position = opens[-1] + 1 if opens else 0
        stages.insert(position, stage)
        stage.order = -1  # renumbered below
        _renumber(stages)
        _changed()
    return stage


def update_stage(user, stage: Stage, data: dict) -> Stage:
    _require_admin(user)
    read = _Input(data, {"name", "kind", "probability", "stale_days"})
    clean = _clean_stage(read, stage)
    read.done()
    with transaction.atomic():
        _lock_pipelines()
        stage.refresh_from_db()
        new_kind = clean.get("kind", stage.kind)
        if new_kind != stage.kind:
            same_kind = Stage.objects.filter(pipeline_id=stage.pipeline_id, kind=stage.kind)
            if same_kind.count() <= 1:
                raise refuse(_last_of_kind_message(stage.kind), "kind")
            count = _deals_in_stage(stage)
            if count:
                raise refuse(
                    ngettext(
                        "%(count)d deal is in this stage; move it to another stage before "
                        "changing the kind.",
                        "%(count)d deals are in this stage; move them to another stage before "
                        "changing the kind.",
                        count,
                    )
                    % {"count": count},
                    "kind",
                )
        for name, value in clean.items():
            setattr(stage, name, value)
        stage.save(update_fields=list(clean) or None)
        _changed()
    return stage


def delete_stage(user, stage: Stage) -> None:
    _require_admin(user)
    with transaction.atomic():
        _lock_pipelines()
        count = _deals_in_stage(stage)
        if count:
            raise refuse(
                ngettext(
                    "%(count)d deal is in the stage “%(name)s”; move it to another stage "
                    "before deleting the stage.",
                    "%(count)d deals are in the stage “%(name)s”; move them to another stage "
                    "before deleting the stage.",
                    count,
                )
                % {"count": count, "name": config.label(stage.name)}
            )
        if Stage.objects.filter(pipeline_id=stage.pipeline_id, kind=stage.kind).count() <= 1:
            raise refuse(_last_of_kind_message(stage.kind))
        pipeline_id = stage.pipeline_id
        stage.delete()
        _renumber(list(Stage.objects.filter(pipeline_id=pipeline_id).order_by("order", "id")))
        _changed()


def reorder_stages(user, pipeline: Pipeline, stage_ids: Any) -> list[Stage]:
    """Put the pipeline's stages in the given order; every stage must be named once."""
    _require_admin(user)
    if not isinstance(stage_ids, list | tuple) or len(stage_ids) > MAX_STAGES:
        raise refuse(_("Send the list of the pipeline's stage ids."), "ids")
    try:
        ids = [int(value) for value in stage_ids if not isinstance(value, bool)]
    except (TypeError, ValueError):
        raise refuse(_("Send the list of the pipeline's stage ids."), "ids")
    if len(ids) != len(stage_ids):
        raise refuse(_("Send the list of the pipeline's stage ids."), "ids")
    with transaction.atomic():
        _lock_pipelines()
        stages = {stage.pk: stage for stage in pipeline.stages.all()}
        if len(set(ids)) != len(ids) or set(ids) != set(stages):
            raise refuse(
                _("Name every stage of this pipeline exactly once (it has %(count)d).")
                % {"count": len(stages)},
                "ids",
            )
        ordered = [stages[pk] for pk in ids]
        _renumber(ordered)
        _changed()
    return ordered


def move_stage(user, stage: Stage, direction: str) -> None:
    """One step up or down: the keyboard's way to reorder."""
    _require_admin(user)
    if direction not in ("up", "down"):
        raise refuse(_("Move a stage up or down."), "direction")
    ids = list(
        Stage.objects.filter(pipeline_id=stage.pipeline_id)
        .order_by("order", "id")
        .values_list("pk", flat=True)
    )
    index = ids.index(stage.pk)
    other = index - 1 if direction == "up" else index + 1
    if 0 <= other < len(ids):
        ids[index], ids[other] = ids[other], ids[index]
    reorder_stages(user, stage.pipeline, ids)


# -- reasons -----------------------------------------------------------------------------------


def reason_use_counts() -> dict[int, int]:
    """How many deals and leads name each reason (two grouped queries)."""
    counts: dict[int, int] = {}
    for field, model in (("lost_reason", Deal), ("disqualification_reason", Lead)):
        rows = (
            model.objects.filter(**{f"{field}__isnull": False})
            .values(field)
            .annotate(n=Count("pk"))
            .values_list(field, "n")
        )
        for pk, n in rows:
            counts[pk] = counts.get(pk, 0) + n
    return counts


def _reason_uses(reason: Reason) -> int:
    return (
        Deal.objects.filter(lost_reason=reason).count()
        + Lead.objects.filter(disqualification_reason=reason).count()
    )


def create_reason(user, data: dict) -> Reason:
    _require_admin(user)
    read = _Input(data, {"kind", "name", "active"})
    kind = read.choice("kind", Reason.Kind.choices)
    name = read.text("name", max_length=NAME_MAX, required=True)
    active = read.boolean("active") if read.has("active") else True
    if read.ok("kind") and read.ok("name") and _duplicate_reason(kind, name, None):
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
        _changed()
    return reason


def _duplicate_reason(kind: str, name: str, exclude: int | None) -> bool:
    others = Reason.objects.filter(kind=kind, name__iexact=name)
    if exclude is not None:
        others = others.exclude(pk=exclude)
    return others.exists()


def update_reason(user, reason: Reason, data: dict) -> Reason:
    _require_admin(user)
    read = _Input(data, {"name", "active", "order"})
    clean: dict[str, Any] = {}
    if read.has("name"):
        clean["name"] = read.text("name", max_length=NAME_MAX, required=True)
        if read.ok("name") and _duplicate_reason(reason.kind, clean["name"], reason.pk):
            read.error("name", _("This list already has a reason with this name."))
    if read.has("active"):
        clean["active"] = read.boolean("active")
    if read.has("order"):
        clean["order"] = read.integer("order", minimum=0, maximum=1_000_000, required=True)
    read.done()
    with transaction.atomic():
        for name, value in clean.items():
            setattr(reason, name, value)
        reason.save(update_fields=list(clean) or None)
        _changed()
    return reason


def move_reason(user, reason: Reason, direction: str) -> None:
    _require_admin(user)
    if direction not in ("up", "down"):
        raise refuse(_("Move a reason up or down."), "direction")
    with transaction.atomic():
        reasons = list(Reason.objects.filter(kind=reason.kind).order_by("order", "id"))
        index = [r.pk for r in reasons].index(reason.pk)
        other = index - 1 if direction == "up" else index + 1
        if 0 <= other < len(reasons):
            reasons[index], reasons[other] = reasons[other], reasons[index]
        changed = []
        for position, item in enumerate(reasons):
            if item.order != position * ORDER_STEP:
                item.order = position * ORDER_STEP
                changed.append(item)
        Reason.objects.bulk_update(changed, ["order"])
        _changed()


def delete_reason(user, reason: Reason) -> None:
    _require_admin(user)
    with transaction.atomic():
        uses = _reason_uses(reason)
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
        _changed()


# -- currencies --------------------------------------------------------------------------------


def currency_use_counts() -> dict[str, dict[str, int]]:
    """code → {"deals": n, "products": n, "costs": n} (three grouped queries)."""
    counts: dict[str, dict[str, int]] = {}
    for key, model in (("deals", Deal), ("products", Product), ("costs", ChannelCost)):
        for code, n in (
            model.objects.values("currency").annotate(n=Count("pk")).values_list("currency", "n")
        ):
            counts.setdefault(code, {"deals": 0, "products": 0, "costs": 0})[key] = n
    return counts


def _read_rate(read: _Input) -> Decimal | None:
    rate = read.decimal("rate", places=RATE_PLACES, limit=RATE_LIMIT)
    if rate is not None and rate <= 0:
        read.error("rate", _("The rate must be greater than zero."))
        return None
    return rate


def create_currency(user, data: dict) -> Currency:
    _require_admin(user)
    read = _Input(data, {"code", "name", "rate"})
    code = read.text("code", max_length=20, required=True).upper()
    if read.ok("code") and not CODE_RE.match(code):
        read.error("code", _("Enter the ISO 4217 code: three Latin letters, such as EUR."))
    name = read.text("name", max_length=CURRENCY_NAME_MAX, required=True)
    rate = _read_rate(read)
    if read.ok("code") and Currency.objects.filter(code=code).exists():
        read.error("code", _("The currency %(code)s already exists.") % {"code": code})
    read.done()
    with transaction.atomic():
        first = not Currency.objects.filter(is_base=True).exists()
        currency = Currency.objects.create(
            code=code,
            name=name,
            rate=Decimal(1) if first else rate,
            is_base=first,
            updated_at=timezone.now(),
        )
        _changed()
    return currency


def update_currency(user, currency: Currency, data: dict) -> Currency:
    _require_admin(user)
    read = _Input(data, {"code", "name", "rate"})
    clean: dict[str, Any] = {}
    if read.has("code") and read.data["code"] != currency.code:
        read.error(
            "code", _("The code of a currency cannot be changed; add a new currency instead.")
        )
    if read.has("name"):
        clean["name"] = read.text("name", max_length=CURRENCY_NAME_MAX, required=True)
    if read.has("rate"):
        rate = _read_rate(read)
        if rate is not None and currency.is_base and rate != 1:
            read.error("rate", _("The rate of the base currency is always 1."))
        elif rate is not None and rate != currency.rate:
            clean["rate"] = rate
            clean["updated_at"] = timezone.now()
    read.done()
    with transaction.atomic():
        for name, value in clean.items():
            setattr(currency, name, value)
        currency.save(update_fields=list(clean) or None)
        _changed()
    return currency


def make_base_currency(user, currency: Currency) -> Currency:
    """Make `currency` the base: every rate is divided by its old rate (so one unit of each
    currency keeps its worth), and the deals' amounts in the base currency follow."""
    _require_admin(user)
    with transaction.atomic():
        rows = list(Currency.objects.select_for_update().order_by("pk"))
        target = next(row for row in rows if row.pk == currency.pk)
        if target.is_base:
            return target
        divisor = target.rate
        now = timezone.now()
        step = Decimal(1).scaleb(-RATE_PLACES)
        for row in rows:
            if row.pk == target.pk:
                row.rate, row.is_base = Decimal(1), True
            else:
                rate = (row.rate / divisor).quantize(step, rounding=ROUND_HALF_UP)
                row.rate, row.is_base = max(rate, step), False
            row.updated_at = now
        Currency.objects.bulk_update(rows, ["rate", "is_base", "updated_at"])
        # Stored base amounts were in the old base: one unit of it is now 1/divisor.
        Deal.objects.filter(amount_base__isnull=False).update(
            amount_base=F("amount_base") / divisor
        )
        _changed()
    currency.refresh_from_db()
    return currency


def delete_currency(user, currency: Currency) -> None:
    _require_admin(user)
    with transaction.atomic():
        if currency.is_base:
            raise refuse(
                _("The base currency cannot be deleted: make another currency the base first.")
            )
        code = currency.code
        deals = Deal.objects.filter(currency=code).count()
        products = Product.objects.filter(currency=code).count()
        costs = ChannelCost.objects.filter(currency=code).count()
        if deals or products or costs:
            raise refuse(
                _(
                    "%(code)s is used by %(deals)s, %(products)s and %(costs)s, so it cannot "
                    "be deleted."
                )
                % {
                    "code": code,
                    "deals": ngettext("%(n)d deal", "%(n)d deals", deals) % {"n": deals},
                    "products": ngettext("%(n)d product", "%(n)d products", products)
                    % {"n": products},
                    "costs": ngettext("%(n)d channel cost", "%(n)d channel costs", costs)
                    % {"n": costs},
                }
            )
        currency.delete()
        _changed()


# -- channel costs -----------------------------------------------------------------------------

COST_INPUT = {"source", "period_start", "period_end", "amount", "currency", "note"}


def _clean_cost(data: dict, instance: ChannelCost | None) -> dict[str, Any]:
    read = _Input(data, COST_INPUT)
    partial = instance is not None
    clean: dict[str, Any] = {}
    if not partial or read.has("source"):
        clean["source"] = read.choice("source", SOURCES)
    for key in ("period_start", "period_end"):
        if not partial or read.has(key):
            clean[key] = read.date(key)
    if not partial or read.has("amount"):
        amount = read.decimal("amount", places=2, limit=AMOUNT_LIMIT)
        if amount is not None and amount < 0:
            read.error("amount", _("The amount cannot be negative."))
        clean["amount"] = amount
    if not partial or read.has("currency"):
        codes = list(Currency.objects.values_list("code", flat=True))
        clean["currency"] = read.choice("currency", [(code, code) for code in codes])
    if not partial or read.has("note"):
        clean["note"] = read.text("note", max_length=NOTE_MAX)
    start = clean.get("period_start", getattr(instance, "period_start", None))
    end = clean.get("period_end", getattr(instance, "period_end", None))
    if read.ok("period_start") and read.ok("period_end") and start and end and end < start:
        read.error("period_end", _("The end of the period cannot be before its start."))
    read.done()
    return clean


def create_channel_cost(user, data: dict) -> ChannelCost:
    _require_admin(user)
    clean = _clean_cost(data, None)
    with transaction.atomic():
        cost = ChannelCost.objects.create(**clean)
        _changed()
    return cost


def update_channel_cost(user, cost: ChannelCost, data: dict) -> ChannelCost:
    _require_admin(user)
    clean = _clean_cost(data, cost)
    with transaction.atomic():
        for name, value in clean.items():
            setattr(cost, name, value)
        cost.save(update_fields=list(clean) or None)
        _changed()
    return cost


def delete_channel_cost(user, cost: ChannelCost) -> None:
    _require_admin(user)
    with transaction.atomic():
        cost.delete()
        _changed()
