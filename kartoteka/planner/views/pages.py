"""My day (overdue, today, the next seven days, done today) and the calendar (week and month
grids, the calendar feed address)."""

from __future__ import annotations

import datetime as dt

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpResponseBadRequest
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import formats, timezone
from django.utils.dateparse import parse_date
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from .. import feeds, forms
from ..queries import CALENDAR_LIMIT, tasks_between
from ..queries import my_day as load_my_day
from ..services import EARLIEST_YEAR, LATEST_YEAR


@login_required
@require_GET
def my_day(request):
    day = load_my_day(request.user)
    return render(
        request,
        "planner/my_day.html",
        {
            "day": day,
            "today": timezone.localdate(day.now),
            "form": forms.initial(request.user),
            "errors": {},
            **forms.choices(),  # the form is for personal tasks: no assignee to choose
        },
    )


def _first_weekday() -> int:
    """Python's weekday number of the locale's first day (Sunday in English, else Monday)."""
    return (int(formats.get_format("FIRST_DAY_OF_WEEK")) - 1) % 7


def _week_start(day: dt.date) -> dt.date:
    return day - dt.timedelta(days=(day.weekday() - _first_weekday()) % 7)


def _add_months(day: dt.date, months: int) -> dt.date:
    month_index = day.year * 12 + day.month - 1 + months
    return dt.date(month_index // 12, month_index % 12 + 1, 1)


def _grid(view: str, anchor: dt.date) -> tuple[dt.date, dt.date, dt.date, dt.date]:
    """(first day shown, day after the last, previous anchor, next anchor)."""
    if view == "week":
        start = _week_start(anchor)
        return (
            start,
            start + dt.timedelta(days=7),
            anchor - dt.timedelta(7),
            anchor + dt.timedelta(7),
        )
    first = anchor.replace(day=1)
    following = _add_months(first, 1)
    start = _week_start(first)
    end = _week_start(following - dt.timedelta(days=1)) + dt.timedelta(days=7)
    return start, end, _add_months(first, -1), following


@login_required
@require_GET
def calendar(request):
    view = request.GET.get("view", "week")
    if view not in ("week", "month"):
        return HttpResponseBadRequest(_("Choose the week or the month view."))
    today = timezone.localdate()
    raw = request.GET.get("date", "")
    try:
        anchor = parse_date(raw[:10]) if raw else today
    except ValueError:
        anchor = None
    if anchor is None or not EARLIEST_YEAR <= anchor.year <= LATEST_YEAR:
        return HttpResponseBadRequest(_("Enter a date as YYYY-MM-DD."))
    start, end, previous, following = _grid(view, anchor)
    tasks = tasks_between(request.user, start, end)
    by_day: dict[dt.date, list] = {}
    for task in tasks:
        by_day.setdefault(timezone.localdate(task.due_at), []).append(task)
    days = []
    cursor = start
    while cursor < end:
        days.append(
            {
                "date": cursor,
                "tasks": by_day.get(cursor, []),
                "today": cursor == today,
                "outside": view == "month" and cursor.month != anchor.month,
            }
        )
        cursor += dt.timedelta(days=1)
    weeks = [days[i : i + 7] for i in range(0, len(days), 7)]

    def link(day: dt.date, which: str = view) -> str:
        return reverse("planner:calendar") + "?" + urlencode({"view": which, "date": day})

    token = feeds.feed_token(request.user)
    return render(
        request,
        "planner/calendar.html",
        {
            "view": view,
            "anchor": anchor,
            "weeks": weeks,
            "weekdays": [d["date"] for d in days[:7]],
            "previous_url": link(previous),
            "next_url": link(following),
            "today_url": link(today),
            "week_url": link(anchor, "week"),
            "month_url": link(anchor, "month"),
            "title_start": start,
            "title_end": end - dt.timedelta(days=1),
            "feed_url": request.build_absolute_uri(reverse("planner:feed", args=[token])),
            "truncated": len(tasks) >= CALENDAR_LIMIT,
        },
    )


@login_required
@require_POST
def rotate_feed(request):
    feeds.rotate_feed(request.user)
    messages.success(
        request,
        _("Your calendar has a new address. Calendars using the old one stop updating."),
    )
    return redirect(reverse("planner:calendar") + "#calendar-feed")
