"""What every service-desk settings action shares beyond `platform.settings_actions`
(refusals, saving changes, ordering of rows): the administrator check, strict reading of raw
input (form strings and API JSON alike), times of day and working hours as people type them,
and names of the built-in rows.

The actions themselves live by purpose: `settings_calendars` (business calendars and their
holidays), `settings_policies` (SLA policies), `settings_categories` (ticket categories) and
`settings_mailboxes` (support mailboxes). Each checks the user, reads its input with
`SettingsInput` — raising every problem at once as `InputErrors` with translated messages
before anything is written — and makes its change in one transaction.
"""

from __future__ import annotations

import re
from typing import Any

from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from kartoteka.customization.inputs import KeyedInput
from kartoteka.platform import permissions

NAME_MAX = 100
MINUTES_PER_DAY = 1440
DAY_TEXT_MAX = 300  # one day's working hours as typed
TIME_RE = re.compile(r"(\d{1,2})(?:[:.](\d{2}))?")
# "09:00–13:00": any dash between the two times; intervals apart by commas or semicolons.
RANGE_RE = re.compile(r"\s*(\S+?)\s*[-–—]\s*(\S+)\s*")
INTERVAL_SEPARATORS = re.compile(r"[,;]")
WEEKDAYS = (
    gettext_noop("Monday"),
    gettext_noop("Tuesday"),
    gettext_noop("Wednesday"),
    gettext_noop("Thursday"),
    gettext_noop("Friday"),
    gettext_noop("Saturday"),
    gettext_noop("Sunday"),
)

# Rows the data migration creates are named by English msgids and shown translated.
BUILTIN_NAMES = frozenset(
    {
        gettext_noop("Office hours"),
        gettext_noop("Urgent"),
        gettext_noop("Key accounts"),
        gettext_noop("Standard"),
        gettext_noop("General"),
        gettext_noop("Billing"),
        gettext_noop("Technical"),
    }
)


def label(name: str) -> str:
    """A row's name in the reader's language (built-in names are translated)."""
    return _(name) if name in BUILTIN_NAMES else name


def require_admin(user) -> None:
    permissions.require_administrator(user, "service desk settings")


# -- times of day ------------------------------------------------------------------------------


def format_minute(minute: int) -> str:
    """Minutes of the day as "09:00" (1440 is "24:00", the next midnight)."""
    return f"{minute // 60:02d}:{minute % 60:02d}"


def parse_time(text: str, *, allow_midnight_end: bool = False) -> tuple[int | None, str]:
    """ "9", "9:30", "09.30" → minutes of the day; (None, message) when it is not a time."""
    text = text.strip()
    match = TIME_RE.fullmatch(text)
    if not match:
        return None, _("“%(value)s” is not a time; write it as 09:30.") % {"value": text[:20]}
    hours, minutes = int(match.group(1)), int(match.group(2) or 0)
    value = hours * 60 + minutes
    top = MINUTES_PER_DAY if allow_midnight_end else MINUTES_PER_DAY - 1
    if minutes > 59 or value > top:
        upper = "24:00" if allow_midnight_end else "23:59"
        return None, _("%(value)s is not a time of day; use 00:00 to %(upper)s.") % {
            "value": text[:20],
            "upper": upper,
        }
    return value, ""


def format_intervals(intervals) -> str:
    """[[540, 780], [840, 1080]] → "09:00–13:00, 14:00–18:00"."""
    return ", ".join(f"{format_minute(s)}–{format_minute(e)}" for s, e in intervals or ())


def parse_intervals(value: Any) -> tuple[list[list[int]], str]:
    """One day's working hours as typed ("09:00–13:00, 14:00–18:00"; empty for a day off) or
    as the API sends them ([["09:00", "13:00"], …]) → sorted [[start, end], …] in minutes,
    or ([], message) at the first problem: a time that is not one, an end before its start,
    intervals that overlap."""
    if value is None:
        return [], ""
    pairs: list[tuple[str, str]] = []
    if isinstance(value, str) and len(value) > DAY_TEXT_MAX:
        return [], _("Enter at most %(max)d characters.") % {"max": DAY_TEXT_MAX}
    if isinstance(value, str):
        for part in INTERVAL_SEPARATORS.split(value):
            if not part.strip():
                continue
            match = RANGE_RE.fullmatch(part)
            if not match:
                return [], _(
                    "“%(value)s” is not a time range; write it as 09:00–13:00, with a dash."
                ) % {"value": part.strip()[:30]}
            pairs.append((match.group(1), match.group(2)))
    elif isinstance(value, list | tuple) and len(value) <= 24:
        for pair in value:
            if (
                not isinstance(pair, list | tuple)
                or len(pair) != 2
                or not all(isinstance(bound, str) for bound in pair)
            ):
                return [], _('Send each interval as a pair of times, such as ["09:00", "13:00"].')
            pairs.append((pair[0], pair[1]))
    else:
        return [], _("Enter the working hours as text, such as 09:00–13:00, 14:00–18:00.")
    if len(pairs) > 24:
        return [], _("Enter at most 24 intervals a day.")
    intervals: list[list[int]] = []
    for start_text, end_text in pairs:
        start, message = parse_time(start_text)
        if start is None:
            return [], message
        end, message = parse_time(end_text, allow_midnight_end=True)
        if end is None:
            return [], message
        if end <= start:
            return [], _(
                "In %(start)s–%(end)s the end is not after the start. A night shift is split "
                "at midnight: 22:00–24:00 on one day and 00:00–06:00 on the next."
            ) % {"start": format_minute(start), "end": format_minute(end)}
        intervals.append([start, end])
    intervals.sort()
    for previous, current in zip(intervals, intervals[1:], strict=False):
        if current[0] < previous[1]:
            return [], _("%(one)s overlaps %(other)s.") % {
                "one": f"{format_minute(current[0])}–{format_minute(current[1])}",
                "other": f"{format_minute(previous[0])}–{format_minute(previous[1])}",
            }
    return intervals, ""


# -- reading raw input -------------------------------------------------------------------------


class SettingsInput(KeyedInput):
    """`KeyedInput` with what only the service-desk settings read: lists of choices and of
    row ids, a row by its id, and times of day."""

    def blank(self, key: str) -> bool:
        value = self.data.get(key)
        return value is None or (isinstance(value, str) and not value.strip())

    def choices(self, key: str, choices) -> list[str]:
        """A list of values, each one of `choices`; empty means "any"."""
        value = self.data.get(key)
        if value is None or value == "":
            return []
        allowed = [choice for choice, _label in choices]
        if not isinstance(value, list | tuple) or not all(isinstance(v, str) for v in value):
            self.error(key, _("Send a list of values."))
            return []
        wrong = [v for v in value if v not in allowed]
        if wrong:
            self.error(
                key,
                _("“%(value)s” is not one of the available options.") % {"value": wrong[0][:30]},
            )
            return []
        return [choice for choice in allowed if choice in value]

    def ids(self, key: str, existing: set[int]) -> list[int]:
        """A list of ids of existing rows (as numbers or numeric strings); empty means "any"."""
        value = self.data.get(key)
        if value is None or value == "":
            return []
        if not isinstance(value, list | tuple) or len(value) > 1000:
            self.error(key, _("Send a list of ids."))
            return []
        ids = []
        for item in value:
            if isinstance(item, str) and item.strip().isdigit():
                item = int(item)
            if isinstance(item, bool) or not isinstance(item, int) or item not in existing:
                self.error(key, _("Choose from the available options."))
                return []
            ids.append(item)
        return sorted(set(ids))

    def row(self, key: str, queryset, *, required: bool):
        """A row chosen by its id; None when left empty (and allowed)."""
        value = self.whole_number(key)
        if value is None or value == "":
            self._required(key, required)
            return None
        if isinstance(value, bool) or not isinstance(value, int):
            self.error(key, _("Choose from the available options."))
            return None
        found = queryset.filter(pk=value).first()
        if found is None:
            self.error(key, _("Choose from the available options."))
        return found

    def time_of_day(self, key: str, *, allow_midnight_end: bool = False) -> int | None:
        """ "14:00" (or minutes of the day as a number) → minutes; None when empty."""
        value = self.data.get(key)
        if value is None or (isinstance(value, str) and not value.strip()):
            return None
        if isinstance(value, int) and not isinstance(value, bool):
            value = format_minute(value) if 0 <= value <= MINUTES_PER_DAY else str(value)
        if not isinstance(value, str):
            self.error(key, _("Enter a time such as 14:00."))
            return None
        minute, message = parse_time(value, allow_midnight_end=allow_midnight_end)
        if minute is None:
            self.error(key, message)
        return minute
