"""The only writers of currencies with their rates, and of the money spent on lead sources
(channel costs).

Invariants kept here: codes are ISO 4217 (three Latin letters) and never change; there is one
base currency, its rate is 1 and every other rate (positive, six decimal places) says what one
unit is worth in it; making another currency the base recomputes every rate and the deals'
amounts in the base; a currency that deals, products or costs use is never deleted.

Channel costs are read by reports only and never cached in `sales.config`: changing one is a
single write that does not make every process reload the settings.
"""

from __future__ import annotations

import re
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.db import transaction
from django.db.models import Count, F
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from kartoteka.contacts.entities import SOURCES
from kartoteka.platform.settings_actions import refuse, save_changes

from .models import ChannelCost, Currency, Deal, Product
from .settings_common import SettingsInput, require_admin, settings_changed

CURRENCY_NAME_MAX = 60
NOTE_MAX = 255
RATE_PLACES = 6
RATE_LIMIT = Decimal("1e12")  # max_digits 18, 6 decimal places
AMOUNT_LIMIT = Decimal("1e16")  # max_digits 18, 2 decimal places
CODE_RE = re.compile(r"^[A-Z]{3}$")

# What names a currency by its code: (key in the counts, model).
USERS_OF_CURRENCIES = (("deals", Deal), ("products", Product), ("costs", ChannelCost))
NO_USES = {key: 0 for key, _model in USERS_OF_CURRENCIES}

COST_INPUT = {"source", "period_start", "period_end", "amount", "currency", "note"}


# -- currencies --------------------------------------------------------------------------------


def currency_use_counts() -> dict[str, dict[str, int]]:
    """code → {"deals": n, "products": n, "costs": n} (three grouped queries); a code nothing
    uses is left out (`NO_USES`)."""
    counts: dict[str, dict[str, int]] = {}
    for key, model in USERS_OF_CURRENCIES:
        for code, n in (
            model.objects.values("currency").annotate(n=Count("pk")).values_list("currency", "n")
        ):
            counts.setdefault(code, dict(NO_USES))[key] = n
    return counts


def _read_rate(read: SettingsInput) -> Decimal | None:
    rate = read.decimal("rate", places=RATE_PLACES, limit=RATE_LIMIT)
    if rate is not None and rate <= 0:
        read.error("rate", _("The rate must be greater than zero."))
        return None
    return rate


def create_currency(user, data: dict) -> Currency:
    """The first currency becomes the base (with the rate 1)."""
    require_admin(user)
    read = SettingsInput(data, {"code", "name", "rate"})
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
        settings_changed()
    return currency


def update_currency(user, currency: Currency, data: dict) -> Currency:
    require_admin(user)
    read = SettingsInput(data, {"code", "name", "rate"})
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
        if save_changes(currency, clean):
            settings_changed()
    return currency


def make_base_currency(user, currency: Currency) -> Currency:
    """Make `currency` the base: every rate is divided by its old rate (so one unit of each
    currency keeps its worth), and the deals' amounts in the base currency follow."""
    require_admin(user)
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
        settings_changed()
    currency.refresh_from_db()
    return currency


def delete_currency(user, currency: Currency) -> None:
    require_admin(user)
    with transaction.atomic():
        if currency.is_base:
            raise refuse(
                _("The base currency cannot be deleted: make another currency the base first.")
            )
        code = currency.code
        uses = {
            key: model.objects.filter(currency=code).count() for key, model in USERS_OF_CURRENCIES
        }
        if any(uses.values()):
            deals, products, costs = uses["deals"], uses["products"], uses["costs"]
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
        settings_changed()


# -- channel costs -----------------------------------------------------------------------------


def _clean_cost(data: dict, instance: ChannelCost | None) -> dict[str, Any]:
    """Every field when `instance` is None (a new cost); only the given ones for a change."""
    read = SettingsInput(data, COST_INPUT)

    def wanted(key: str) -> bool:
        return instance is None or read.has(key)

    clean: dict[str, Any] = {}
    if wanted("source"):
        clean["source"] = read.choice("source", SOURCES)
    for key in ("period_start", "period_end"):
        if wanted(key):
            clean[key] = read.date(key)
    if wanted("amount"):
        amount = read.decimal("amount", places=2, limit=AMOUNT_LIMIT)
        if amount is not None and amount < 0:
            read.error("amount", _("The amount cannot be negative."))
        clean["amount"] = amount
    if wanted("currency"):
        codes = Currency.objects.values_list("code", flat=True)
        clean["currency"] = read.choice("currency", [(code, code) for code in codes])
    if wanted("note"):
        clean["note"] = read.text("note", max_length=NOTE_MAX)
    start = clean.get("period_start", getattr(instance, "period_start", None))
    end = clean.get("period_end", getattr(instance, "period_end", None))
    if read.ok("period_start") and read.ok("period_end") and start and end and end < start:
        read.error("period_end", _("The end of the period cannot be before its start."))
    read.done()
    return clean


def create_channel_cost(user, data: dict) -> ChannelCost:
    require_admin(user)
    clean = _clean_cost(data, None)
    return ChannelCost.objects.create(**clean)


def update_channel_cost(user, cost: ChannelCost, data: dict) -> ChannelCost:
    require_admin(user)
    save_changes(cost, _clean_cost(data, cost))
    return cost


def delete_channel_cost(user, cost: ChannelCost) -> None:
    require_admin(user)
    cost.delete()
