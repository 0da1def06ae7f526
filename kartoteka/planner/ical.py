"""A small RFC 5545 (iCalendar) writer, and the calendars built with it: the feed of a
person's tasks (tasks as VEVENTs) and the download of tasks (VTODOs) and meetings (VEVENTs).

Only what read-only calendars need: content lines with parameters, TEXT escaping (backslash,
semicolon, comma, newline), folding at 75 octets without splitting a UTF-8 character, CRLF
line endings, UTC date-times and all-day DATE values.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Iterable

from django.utils import timezone

LINE_OCTETS = 75
PRODID = "-//Kartoteka//Planner//EN"


# Everything a reader may take for the end of a line (Python's str.splitlines, which some
# iCalendar parsers use, splits on all of these), and the other controls TEXT may not hold.
LINE_BREAKS = re.compile("\r\n|[\r\n\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029]")
CONTROLS = re.compile("[\x00-\x08\x0e-\x1f\x7f]")


def escape_text(value: str) -> str:
    """TEXT value escaping (RFC 5545 §3.3.11)."""
    value = str(value).replace("\\", "\\\\").replace(";", "\\;").replace(",", "\\,")
    value = CONTROLS.sub("", LINE_BREAKS.sub("\n", value))
    return value.replace("\n", "\\n")


def fold(line: str) -> str:
    """Split a content line into lines of at most 75 octets; continuation lines begin with a
    space (which counts toward their 75). Cuts fall between characters, never inside one."""
    out: list[str] = []
    current, size, limit = [], 0, LINE_OCTETS
    for char in line:
        width = len(char.encode("utf-8"))
        if size + width > limit:
            out.append("".join(current))
            current, size, limit = [], 0, LINE_OCTETS - 1
        current.append(char)
        size += width
    out.append("".join(current))
    return "\r\n ".join(out)


def format_utc(moment: dt.datetime) -> str:
    return moment.astimezone(dt.UTC).strftime("%Y%m%dT%H%M%SZ")


def format_date(day: dt.date) -> str:
    return day.strftime("%Y%m%d")


class Calendar:
    """Collects content lines; `to_ical()` returns the folded, CRLF-terminated text."""

    def __init__(self) -> None:
        self.lines: list[str] = []

    def add(self, name: str, content: str, **params: str) -> None:
        """A raw content line. TEXT goes through `text()`; anything else must not hold a line
        break, which would end the property and start whatever follows it."""
        if any(LINE_BREAKS.search(part) for part in (name, content, *params.values())):
            raise ValueError(f"line break in the {name} property")
        rendered = "".join(f";{key.upper().replace('_', '-')}={val}" for key, val in params.items())
        self.lines.append(f"{name}{rendered}:{content}")

    def text(self, name: str, value: str) -> None:
        self.add(name, escape_text(value))

    def to_ical(self) -> bytes:
        return "".join(fold(line) + "\r\n" for line in self.lines).encode("utf-8")


PRIORITY = {"high": "1", "normal": "5", "low": "9"}
MEETING_LENGTH = dt.timedelta(hours=1)  # meetings are logged with a start time only
TIMED_TASK_LENGTH = dt.timedelta(minutes=30)


def _open_calendar(name: str) -> Calendar:
    cal = Calendar()
    cal.add("BEGIN", "VCALENDAR")
    cal.add("VERSION", "2.0")
    cal.add("PRODID", PRODID)
    cal.add("CALSCALE", "GREGORIAN")
    cal.add("METHOD", "PUBLISH")
    cal.text("X-WR-CALNAME", name)
    return cal


def _description(cal: Calendar, *parts: str) -> None:
    text = "\n\n".join(part for part in parts if part)
    if text:
        cal.text("DESCRIPTION", text)


def tasks_calendar(
    tasks: Iterable, name: str, host: str, url_for: Callable[[object], str]
) -> bytes:
    """One VEVENT per task: calendar apps show events everywhere, to-dos hardly anywhere.
    Timed tasks last half an hour from their due time; all-day tasks take their day."""
    cal = _open_calendar(name)
    cal.add("X-PUBLISHED-TTL", "PT15M")
    stamp = format_utc(timezone.now())
    for task in tasks:
        cal.add("BEGIN", "VEVENT")
        cal.add("UID", f"task-{task.pk}@{host}")
        cal.add("DTSTAMP", stamp)
        if task.all_day:
            day = timezone.localdate(task.due_at)
            cal.add("DTSTART", format_date(day), value="DATE")
            cal.add("DTEND", format_date(day + dt.timedelta(days=1)), value="DATE")
        else:
            cal.add("DTSTART", format_utc(task.due_at))
            cal.add("DTEND", format_utc(task.due_at + TIMED_TASK_LENGTH))
        cal.text("SUMMARY", ("✓ " if task.done_at else "") + task.title)
        _description(cal, getattr(task, "record_title", ""), task.notes)
        cal.text("CATEGORIES", task.get_kind_display())
        cal.add("PRIORITY", PRIORITY.get(task.priority, "5"))
        cal.add("TRANSP", "TRANSPARENT")
        cal.add("SEQUENCE", str(task.version))
        url = url_for(task)
        if url:
            cal.add("URL", url)
        cal.add("END", "VEVENT")
    cal.add("END", "VCALENDAR")
    return cal.to_ical()


def _todo(cal: Calendar, task, uid: str, stamp: str, url: str) -> None:
    cal.add("BEGIN", "VTODO")
    cal.add("UID", uid)
    cal.add("DTSTAMP", stamp)
    cal.add("CREATED", format_utc(task.created_at))
    if task.all_day:
        cal.add("DUE", format_date(timezone.localdate(task.due_at)), value="DATE")
    else:
        cal.add("DUE", format_utc(task.due_at))
    cal.text("SUMMARY", task.title)
    _description(cal, getattr(task, "record_title", ""), task.notes)
    cal.text("CATEGORIES", task.get_kind_display())
    cal.add("PRIORITY", PRIORITY.get(task.priority, "5"))
    if task.done_at:
        cal.add("STATUS", "COMPLETED")
        cal.add("COMPLETED", format_utc(task.done_at))
        cal.add("PERCENT-COMPLETE", "100")
    else:
        cal.add("STATUS", "NEEDS-ACTION")
    cal.add("SEQUENCE", str(task.version))
    if url:
        cal.add("URL", url)
    cal.add("END", "VTODO")


def _meeting(cal: Calendar, activity, uid: str, stamp: str, url: str, label: str) -> None:
    cal.add("BEGIN", "VEVENT")
    cal.add("UID", uid)
    cal.add("DTSTAMP", stamp)
    cal.add("DTSTART", format_utc(activity.at))
    cal.add("DTEND", format_utc(activity.at + MEETING_LENGTH))
    cal.text("SUMMARY", activity.summary or label)
    _description(cal, getattr(activity, "record_title", ""), activity.body)
    cal.text("CATEGORIES", label)
    if url:
        cal.add("URL", url)
    cal.add("END", "VEVENT")


def export_calendar(
    tasks: Iterable,
    meetings: Iterable,
    *,
    name: str,
    host: str,
    task_url: Callable[[object], str],
    meeting_url: Callable[[object], str],
    meeting_label: str,
) -> bytes:
    """The download: tasks as VTODOs (due, status, priority) and meetings (timeline entries)
    as VEVENTs of an hour. UIDs are stable, so importing again updates rather than doubles."""
    cal = _open_calendar(name)
    stamp = format_utc(timezone.now())
    for task in tasks:
        _todo(cal, task, f"task-{task.pk}@{host}", stamp, task_url(task))
    for activity in meetings:
        uid = f"meeting-{activity.pk}@{host}"
        _meeting(cal, activity, uid, stamp, meeting_url(activity), meeting_label)
    cal.add("END", "VCALENDAR")
    return cal.to_ical()
