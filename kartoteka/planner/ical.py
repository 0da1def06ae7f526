"""A small RFC 5545 (iCalendar) writer, and the feed of a person's tasks built with it.

Only what a read-only feed needs: content lines with parameters, TEXT escaping (backslash,
semicolon, comma, newline), folding at 75 octets without splitting a UTF-8 character, CRLF
line endings, UTC date-times and all-day DATE values.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable

from django.utils import timezone

LINE_OCTETS = 75
PRODID = "-//Kartoteka//Planner//EN"


def escape_text(value: str) -> str:
    """TEXT value escaping (RFC 5545 §3.3.11)."""
    value = str(value).replace("\\", "\\\\").replace(";", "\\;").replace(",", "\\,")
    value = value.replace("\r\n", "\n").replace("\r", "\n")
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
        rendered = "".join(f";{key.upper().replace('_', '-')}={val}" for key, val in params.items())
        self.lines.append(f"{name}{rendered}:{content}")

    def text(self, name: str, value: str) -> None:
        self.add(name, escape_text(value))

    def to_ical(self) -> bytes:
        return "".join(fold(line) + "\r\n" for line in self.lines).encode("utf-8")


PRIORITY = {"high": "1", "normal": "5", "low": "9"}
TIMED_TASK_LENGTH = dt.timedelta(minutes=30)


def tasks_calendar(
    tasks: Iterable, name: str, host: str, url_for: Callable[[object], str]
) -> bytes:
    """One VEVENT per task: calendar apps show events everywhere, to-dos hardly anywhere.
    Timed tasks last half an hour from their due time; all-day tasks take their day."""
    cal = Calendar()
    cal.add("BEGIN", "VCALENDAR")
    cal.add("VERSION", "2.0")
    cal.add("PRODID", PRODID)
    cal.add("CALSCALE", "GREGORIAN")
    cal.add("METHOD", "PUBLISH")
    cal.text("X-WR-CALNAME", name)
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
        description = [part for part in (getattr(task, "record_title", ""), task.notes) if part]
        if description:
            cal.text("DESCRIPTION", "\n\n".join(description))
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
