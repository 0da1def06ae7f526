"""What every sales-settings action shares: the administrator check, strict reading of raw
input (form strings and API JSON alike), refusals, ordering of rows, and telling the other
processes that the settings changed.

The actions themselves live by purpose: `settings_pipelines` (pipelines and stages),
`settings_reasons` (loss and disqualification reasons) and `settings_money` (currencies, rates
and channel costs). Each checks the user, reads its input with `SettingsInput` — raising every
problem at once as `InputErrors` with translated messages before anything is written — and
makes its change in one transaction that ends with `settings_changed()`.
"""

from __future__ import annotations

import datetime
import re
from decimal import Decimal, InvalidOperation
from typing import Any

from django.db import models
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from kartoteka.customization.inputs import Checker
from kartoteka.platform import permissions
from kartoteka.platform.fields import InputErrors
from kartoteka.platform.registry import registry

NAME_MAX = 100
ORDER_STEP = 10
INTEGER_RE = re.compile(r"[+-]?\d{1,12}")


def require_admin(user) -> None:
    permissions.require_administrator(user, "sales settings")


def settings_changed() -> None:
    """Call inside the writing transaction: every web process and worker then reloads
    `sales.config` (stage choices, reasons, currencies) on its next request."""
    registry.bump()


def refuse(message: str, key: str = "__all__") -> InputErrors:
    return InputErrors({key: [message]})


def save_changes(instance: models.Model, clean: dict[str, Any]) -> bool:
    """Set the cleaned values and save only those columns; False when there was nothing."""
    for name, value in clean.items():
        setattr(instance, name, value)
    if clean:
        instance.save(update_fields=list(clean))
    return bool(clean)


# -- order -------------------------------------------------------------------------------------


def renumber(model: type[models.Model], rows: list) -> None:
    """Give `rows` the orders 0, 10, 20… in the list's order, writing only those that moved."""
    moved = []
    for index, row in enumerate(rows):
        if row.order != index * ORDER_STEP:
            row.order = index * ORDER_STEP
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


# -- reading raw input -------------------------------------------------------------------------


class SettingsInput(Checker):
    """A `Checker` that reads each value from the input by its key (`read.text("name", …)`).
    The settings forms post text, so numbers and dates may also come as strings; a missing
    value is an error only where `required` says so."""

    def has(self, key: str) -> bool:
        return key in self.data

    def _required(self, key: str, required: bool) -> None:
        if required:
            self.error(key, _("This field is required."))

    def text(self, key: str, *, max_length: int, required: bool = False) -> str:
        return super().text(key, self.data.get(key), max_length=max_length, required=required)

    def boolean(self, key: str) -> bool:
        return super().boolean(key, self.data.get(key))

    def integer(self, key: str, *, minimum: int, maximum: int, required: bool) -> int | None:
        value = self.data.get(key)
        if isinstance(value, str):
            value = value.strip()
            if INTEGER_RE.fullmatch(value):
                value = int(value)
        if value is None or value == "":
            self._required(key, required)
            return None
        return super().integer(key, value, minimum=minimum, maximum=maximum)

    def choice(self, key: str, choices, *, required: bool = True) -> str:
        value = self.data.get(key)
        if value is None or value == "":
            self._required(key, required)
            return ""
        return super().choice(key, value, [choice for choice, _label in choices])

    def decimal(self, key: str, *, places: int, limit: Decimal) -> Decimal | None:
        """Required; `places` and `limit` are the column's (a rate, an amount of money)."""
        value = self.data.get(key)
        if value is None or (isinstance(value, str) and not value.strip()):
            self._required(key, True)
            return None
        if isinstance(value, bool) or not isinstance(value, int | float | str | Decimal):
            self.error(key, _("Enter a number."))
            return None
        try:
            number = Decimal(str(value).strip().replace(",", ".").replace(" ", ""))
        except InvalidOperation:
            number = None
        if number is None or not number.is_finite():
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
        """Required: a date, or a string as YYYY-MM-DD."""
        value = self.data.get(key)
        if isinstance(value, datetime.datetime):
            return value.date()
        if isinstance(value, datetime.date):
            return value
        if value is None or value == "" or (isinstance(value, str) and not value.strip()):
            self._required(key, True)
            return None
        if isinstance(value, str):
            try:
                return datetime.date.fromisoformat(value.strip())
            except ValueError:
                pass
        self.error(key, _("Enter a date as YYYY-MM-DD."))
        return None
