"""The only writers of business calendars and their holidays, and the preview that shows an
administrator what a calendar does to a deadline.

Invariants kept here: exactly one default calendar (the first one is it); working hours are
sorted, non-overlapping intervals inside the day, and the week has some — the same rules as
`sla_clock.BusinessCalendar`, which checks the result once more; a holiday's date is unique
in its calendar; a calendar that an SLA policy uses is never deleted. Changes to the default
flag are serialized by locking the calendar rows.
"""

from __future__ import annotations

import datetime as dt
import re
from functools import lru_cache
from typing import Any
from zoneinfo import ZoneInfo, available_timezones

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Count
from django.utils import formats, timezone
from django.utils.dates import WEEKDAYS_ABBR
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from kartoteka.platform.fields import InputErrors
from kartoteka.platform.settings_actions import refuse, save_changes

from . import sla_clock
from .models import BusinessCalendar, Holiday, SlaPolicy
from .settings_services import (
    NAME_MAX,
    WEEKDAYS,
    SettingsInput,
    format_intervals,
    label,
    parse_intervals,
    require_admin,
)

CALENDAR_INPUT = {"name", "time_zone", "hours", "is_default", "holidays"}
HOLIDAY_INPUT = {"date", "name"}
HOLIDAYS_MAX = 1000
PASTE_MAX_CHARS = 100_000
PREVIEW_TARGET = dt.timedelta(hours=4)
# Shown first in the time-zone list: the instance's own, then where Kartoteka's users are.
COMMON_ZONES = (
    "UTC",
    "Europe/Warsaw",
    "Europe/Moscow",
    "Europe/Kyiv",
    "Europe/Minsk",
    "Europe/Vilnius",
    "Europe/Berlin",
    "Europe/London",
    "Asia/Almaty",
    "Asia/Yekaterinburg",
    "Asia/Novosibirsk",
    "Asia/Vladivostok",
    "America/New_York",
)
DAY_KEYS = frozenset(str(day) for day in range(7))
HOLIDAY_LINE_RE = re.compile(r"\s*([^\s,;]+)[\s,;:–—-]*(.*?)\s*")


@lru_cache(maxsize=1)
def time_zones() -> frozenset[str]:
    return frozenset(available_timezones())


def time_zone_choices() -> tuple[list[str], list[str]]:
    """(common zones, every zone sorted): the common ones that exist, the instance's first."""
    every = time_zones()
    common = [zone for zone in (settings.TIME_ZONE, *COMMON_ZONES) if zone in every]
    return list(dict.fromkeys(common)), sorted(every)


def weekday_names() -> list[str]:
    return [_(name) for name in WEEKDAYS]


def hours_as_text(calendar: BusinessCalendar) -> dict[str, str]:
    """{"0": "09:00–13:00, 14:00–18:00", …} for the seven days (empty for a day off)."""
    hours = calendar.hours or {}
    return {str(day): format_intervals(hours.get(str(day))) for day in range(7)}


def week_summary(hours: dict) -> list[str]:
    """Consecutive days with the same hours together: ["Mon–Fri 09:00–18:00", "Sat 10:00–14:00"]."""
    groups: list[list] = []  # [first day, last day, intervals]
    for day in range(7):
        intervals = (hours or {}).get(str(day))
        if groups and intervals and groups[-1][2] == intervals and groups[-1][1] == day - 1:
            groups[-1][1] = day
        elif intervals:
            groups.append([day, day, intervals])
    lines = []
    for first, last, intervals in groups:
        days = str(WEEKDAYS_ABBR[first])
        if last != first:
            days += f"–{WEEKDAYS_ABBR[last]}"
        lines.append(f"{days} {format_intervals(intervals)}")
    return lines


def clock_of(time_zone: str, hours: dict, holidays=()) -> sla_clock.BusinessCalendar:
    return sla_clock.BusinessCalendar(
        tz=time_zone,
        hours={int(day): [tuple(i) for i in intervals] for day, intervals in hours.items()},
        holidays=frozenset(holidays),
    )


# -- reading input ---------------------------------------------------------------------------


def _read_hours(read: SettingsInput) -> dict[str, list[list[int]]]:
    """`hours` maps "0" (Monday) … "6" (Sunday) to that day's hours, as text or pairs; a
    day left out (or empty) is a day off. Errors go to "hours.<day>"."""
    value = read.data.get("hours")
    if not isinstance(value, dict):
        read.error("hours", _("Send the working hours as an object keyed by weekday, 0 to 6."))
        return {}
    week: dict[str, list[list[int]]] = {}
    problems = False
    for day, text in value.items():
        if day not in DAY_KEYS:
            read.error("hours", _("Weekdays are numbered 0 (Monday) to 6 (Sunday)."))
            problems = True
            continue
        intervals, message = parse_intervals(text)
        if message:
            read.error(f"hours.{day}", message)
            problems = True
        elif intervals:
            week[day] = intervals
    if not problems and not week:
        read.error("hours", _("Enter working hours for at least one day."))
    return dict(sorted(week.items()))


def _read_time_zone(read: SettingsInput) -> str:
    zone = read.text("time_zone", max_length=64, required=True)
    if read.ok("time_zone") and zone not in time_zones():
        read.error(
            "time_zone",
            _("“%(zone)s” is not a time zone; choose one from the list, such as Europe/Warsaw.")
            % {"zone": zone[:64]},
        )
    return zone


def _read_holidays(read: SettingsInput, key: str = "holidays") -> list[tuple[dt.date, str]]:
    """A whole list of holidays from the API: [{"date": "2026-12-25", "name": "…"}, …]."""
    value = read.data.get(key)
    if value is None:
        return []
    if not isinstance(value, list) or len(value) > HOLIDAYS_MAX:
        read.error(key, _("Send at most %(max)d holidays as a list.") % {"max": HOLIDAYS_MAX})
        return []
    found: dict[dt.date, str] = {}
    for index, item in enumerate(value):
        where = f"{key}.{index}"
        if not isinstance(item, dict) or set(item) - HOLIDAY_INPUT:
            read.error(where, _("Send each holiday as an object with “date” and “name”."))
            continue
        item_read = SettingsInput(item, HOLIDAY_INPUT)
        name = item_read.text("name", max_length=NAME_MAX)
        day = _date(item.get("date"))
        if day is None:
            read.error(where, _("Enter the date as YYYY-MM-DD."))
            continue
        if item_read.errors:
            read.error(where, next(iter(item_read.errors.values()))[0])
            continue
        if day in found:
            read.error(where, _duplicate_message(day, found[day]))
            continue
        found[day] = name
    return sorted(found.items())


def _date(value: Any) -> dt.date | None:
    if isinstance(value, dt.date) and not isinstance(value, dt.datetime):
        return value
    if isinstance(value, str):
        try:
            return dt.date.fromisoformat(value.strip())
        except ValueError:
            return None
    return None


def date_text(day: dt.date) -> str:
    return formats.date_format(day, "DATE_FORMAT")


def _duplicate_message(day: dt.date, name: str) -> str:
    shown = date_text(day)
    if name:
        return _("%(date)s is already a holiday (%(name)s).") % {"date": shown, "name": name}
    return _("%(date)s is already a holiday.") % {"date": shown}


def _check_with_the_clock(read: SettingsInput, zone: str, hours: dict) -> None:
    """The engine's own checks, once the fields read well (they agree with ours; this keeps
    the two from drifting apart)."""
    if not read.ok("time_zone") or any(key.startswith("hours") for key in read.errors):
        return
    try:
        clock_of(zone, hours)
    except ValueError as error:
        read.error("hours", _("These working hours are not valid: %(error)s") % {"error": error})


def _is_duplicate(name: str, exclude: int | None) -> bool:
    others = BusinessCalendar.objects.filter(name__iexact=name)
    if exclude is not None:
        others = others.exclude(pk=exclude)
    return others.exists()


def _lock_calendars() -> None:
    list(BusinessCalendar.objects.select_for_update().values_list("pk", flat=True))


# -- calendars -------------------------------------------------------------------------------


def create_calendar(user, data: dict) -> BusinessCalendar:
    """The first calendar is the default whatever `data` says."""
    require_admin(user)
    read = SettingsInput(data, CALENDAR_INPUT)
    name = read.text("name", max_length=NAME_MAX, required=True)
    if read.ok("name") and _is_duplicate(name, None):
        read.error("name", _("Another calendar has this name."))
    zone = _read_time_zone(read)
    hours = _read_hours(read)
    is_default = read.boolean("is_default") if read.has("is_default") else False
    holidays = _read_holidays(read)
    _check_with_the_clock(read, zone, hours)
    read.done()
    with transaction.atomic():
        _lock_calendars()
        first = not BusinessCalendar.objects.exists()
        if is_default:
            BusinessCalendar.objects.update(is_default=False)
        calendar = BusinessCalendar.objects.create(
            name=name, time_zone=zone, hours=hours, is_default=is_default or first
        )
        Holiday.objects.bulk_create(
            Holiday(calendar=calendar, date=day, name=holiday) for day, holiday in holidays
        )
    return calendar


def update_calendar(user, calendar: BusinessCalendar, data: dict) -> BusinessCalendar:
    """Change what `data` names; `holidays`, when given, replaces the whole list."""
    require_admin(user)
    read = SettingsInput(data, CALENDAR_INPUT)
    clean: dict[str, Any] = {}
    if read.has("name"):
        clean["name"] = read.text("name", max_length=NAME_MAX, required=True)
        if read.ok("name") and _is_duplicate(clean["name"], calendar.pk):
            read.error("name", _("Another calendar has this name."))
    if read.has("time_zone"):
        clean["time_zone"] = _read_time_zone(read)
    if read.has("hours"):
        clean["hours"] = _read_hours(read)
    if read.has("is_default"):
        clean["is_default"] = read.boolean("is_default")
    holidays = _read_holidays(read) if read.has("holidays") else None
    _check_with_the_clock(
        read, clean.get("time_zone", calendar.time_zone), clean.get("hours", calendar.hours)
    )
    read.done()
    with transaction.atomic():
        _lock_calendars()
        calendar.refresh_from_db()
        if calendar.is_default and clean.get("is_default") is False:
            raise refuse(
                _("There must be one default calendar: make another calendar the default."),
                "is_default",
            )
        if clean.get("is_default") and not calendar.is_default:
            BusinessCalendar.objects.exclude(pk=calendar.pk).update(is_default=False)
        save_changes(calendar, clean)
        if holidays is not None:
            calendar.holidays.all().delete()
            Holiday.objects.bulk_create(
                Holiday(calendar=calendar, date=day, name=holiday) for day, holiday in holidays
            )
    return calendar


def make_default_calendar(user, calendar: BusinessCalendar) -> BusinessCalendar:
    return update_calendar(user, calendar, {"is_default": True})


def policies_using(calendar: BusinessCalendar) -> list[str]:
    return [
        label(name)
        for name in calendar.policies.order_by("order", "id").values_list("name", flat=True)
    ]


def delete_calendar(user, calendar: BusinessCalendar) -> None:
    require_admin(user)
    with transaction.atomic():
        _lock_calendars()
        calendar.refresh_from_db()
        using = policies_using(calendar)
        if using:
            raise refuse(
                ngettext(
                    "The SLA policy %(names)s uses this calendar, so it cannot be deleted. "
                    "Give the policy another calendar first.",
                    "The SLA policies %(names)s use this calendar, so it cannot be deleted. "
                    "Give the policies another calendar first.",
                    len(using),
                )
                % {"names": ", ".join(f"“{name}”" for name in using)}
            )
        if calendar.is_default:
            raise refuse(
                _("The default calendar cannot be deleted: make another calendar the default.")
            )
        calendar.delete()


# -- holidays --------------------------------------------------------------------------------


def add_holiday(user, calendar: BusinessCalendar, data: dict) -> Holiday:
    require_admin(user)
    read = SettingsInput(data, HOLIDAY_INPUT)
    name = read.text("name", max_length=NAME_MAX)
    day = _date(read.data.get("date"))
    if day is None:
        read.error("date", _("Enter the date as YYYY-MM-DD."))
    read.done()
    existing = calendar.holidays.filter(date=day).first()
    if existing is not None:
        raise refuse(_duplicate_message(day, existing.name), "date")
    if calendar.holidays.count() >= HOLIDAYS_MAX:
        raise refuse(_("A calendar has at most %(max)d holidays.") % {"max": HOLIDAYS_MAX})
    try:
        with transaction.atomic():
            return Holiday.objects.create(calendar=calendar, date=day, name=name)
    except IntegrityError:  # added by someone else a moment ago
        raise refuse(_duplicate_message(day, ""), "date")


def delete_holiday(user, holiday: Holiday) -> None:
    require_admin(user)
    holiday.delete()


def parse_holiday_lines(text: Any) -> tuple[list[tuple[dt.date, str]], list[str]]:
    """Pasted lines such as "2026-12-25 Christmas" (a tab, comma or dash may follow the date;
    the name may be left out) → (holidays, problems, each naming its line). Empty lines and
    lines starting with # are skipped."""
    if not isinstance(text, str):
        return [], [_("Paste the holidays as text, one a line.")]
    if len(text) > PASTE_MAX_CHARS:
        return [], [_("Paste at most %(max)d characters.") % {"max": PASTE_MAX_CHARS}]
    found: dict[dt.date, str] = {}
    problems: list[str] = []
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip() or line.strip().startswith("#"):
            continue
        match = HOLIDAY_LINE_RE.fullmatch(line)
        day = _date(match.group(1)) if match else None
        if day is None:
            problems.append(
                _("Line %(line)d: “%(text)s” does not start with a date as YYYY-MM-DD.")
                % {"line": number, "text": line.strip()[:40]}
            )
            continue
        name = (match.group(2) or "").strip()
        if len(name) > NAME_MAX:
            problems.append(
                _("Line %(line)d: the name is longer than %(max)d characters.")
                % {"line": number, "max": NAME_MAX}
            )
            continue
        if day in found:
            problems.append(
                _("Line %(line)d: %(problem)s")
                % {"line": number, "problem": _duplicate_message(day, found[day])}
            )
            continue
        found[day] = name
    if not found and not problems:
        problems.append(_("Paste at least one line such as “2026-12-25 Christmas”."))
    return sorted(found.items()), problems


def paste_holidays(user, calendar: BusinessCalendar, text: Any) -> tuple[int, int]:
    """Add the pasted holidays; a date the calendar already has gets the pasted name. Every
    line is checked before anything is written. Returns (added, renamed)."""
    require_admin(user)
    holidays, problems = parse_holiday_lines(text)
    if problems:
        raise InputErrors({"text": problems})
    with transaction.atomic():
        existing = {h.date: h for h in calendar.holidays.select_for_update()}
        added = [
            Holiday(calendar=calendar, date=d, name=n) for d, n in holidays if d not in existing
        ]
        renamed = []
        for day, name in holidays:
            holiday = existing.get(day)
            if holiday is not None and name and holiday.name != name:
                holiday.name = name
                renamed.append(holiday)
        if len(existing) + len(added) > HOLIDAYS_MAX:
            raise refuse(_("A calendar has at most %(max)d holidays.") % {"max": HOLIDAYS_MAX})
        Holiday.objects.bulk_create(added)
        Holiday.objects.bulk_update(renamed, ["name"])
    return len(added), len(renamed)


# -- preview ---------------------------------------------------------------------------------


def local_text(moment: dt.datetime, zone: str) -> str:
    """ "Monday, 23 November 14:15" in the reader's language, on the calendar's clock."""
    return formats.date_format(moment.astimezone(ZoneInfo(zone)), "l, j E H:i")


def preview(time_zone: str, hours: dict, holidays=(), now: dt.datetime | None = None) -> dict:
    """What the calendar does to a request received `now`: whether the clock runs, when it
    starts, and when a 4-working-hour target falls due — all on the calendar's clock."""
    now = now or timezone.now()
    clock = clock_of(time_zone, hours, holidays)
    starts = sla_clock.next_working_moment(clock, now)
    return {
        "now": local_text(now, time_zone),
        "working_now": sla_clock.is_working(clock, now),
        "starts": local_text(starts, time_zone),
        "due": local_text(sla_clock.add_working(clock, now, PREVIEW_TARGET), time_zone),
        "hours": int(PREVIEW_TARGET.total_seconds() // 3600),
        "time_zone": time_zone,
    }


def preview_of_input(data: dict, calendar: BusinessCalendar | None = None) -> dict:
    """The preview of a form not saved yet: {"error": message} while its hours or zone do not
    read; the holidays are the saved calendar's."""
    read = SettingsInput(data, CALENDAR_INPUT)
    zone = _read_time_zone(read)
    hours = _read_hours(read)
    _check_with_the_clock(read, zone, hours)
    if read.errors:
        return {"error": _("Correct the working hours and the time zone to see the preview.")}
    holidays = calendar.holidays.values_list("date", flat=True) if calendar else ()
    try:
        return preview(zone, hours, list(holidays))
    except ValueError:  # no working time for years: every day a holiday
        return {"error": _("This calendar has no working time in the next three years.")}


def calendars_with_policies() -> list[BusinessCalendar]:
    """Calendars by name, each with `policy_names` and `holiday_count` (two queries)."""
    rows = list(BusinessCalendar.objects.annotate(holiday_count=Count("holidays")))
    names: dict[int, list[str]] = {}
    for calendar_id, name in SlaPolicy.objects.order_by("order", "id").values_list(
        "calendar_id", "name"
    ):
        names.setdefault(calendar_id, []).append(label(name))
    for calendar in rows:
        calendar.policy_names = names.get(calendar.pk, [])
        calendar.week = week_summary(calendar.hours)
        calendar.label = label(calendar.name)
    return rows
