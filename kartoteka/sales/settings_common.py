"""What every sales-settings action shares beyond `platform.settings_actions` (refusals,
saving changes, ordering of rows): the administrator check, strict reading of raw input (form
strings and API JSON alike) with the sales settings' decimals and dates, and telling the other
processes that the settings changed.

The actions themselves live by purpose: `settings_pipelines` (pipelines and stages),
`settings_reasons` (loss and disqualification reasons) and `settings_money` (currencies, rates
and channel costs). Each checks the user, reads its input with `SettingsInput` — raising every
problem at once as `InputErrors` with translated messages before anything is written — and
makes its change in one transaction that ends with `settings_changed()`.
"""

from __future__ import annotations

import datetime
from decimal import Decimal, InvalidOperation

from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from kartoteka.customization.inputs import KeyedInput
from kartoteka.platform import permissions
from kartoteka.platform.registry import registry

NAME_MAX = 100


def require_admin(user) -> None:
    permissions.require_administrator(user, "sales settings")


def settings_changed() -> None:
    """Call inside the writing transaction: every web process and worker then reloads
    `sales.config` (stage choices, reasons, currencies) on its next request."""
    registry.bump()


class SettingsInput(KeyedInput):
    """`KeyedInput` with what only the sales settings read: amounts of money, rates and dates
    (which the settings forms post as text)."""

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
