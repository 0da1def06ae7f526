"""Business calendars and their holidays over the API (see the package for the formats)."""

from __future__ import annotations

import datetime
from typing import Any

from django.shortcuts import get_object_or_404
from ninja import Router, Schema, Status
from pydantic import ConfigDict, Field

from kartoteka.platform.api_base import sent
from kartoteka.platform.api_records import ErrorOut

from .. import settings_calendars
from ..models import BusinessCalendar, Holiday
from ..settings_services import format_minute, label, require_admin
from .common import ERRORS

DayHours = str | list[tuple[str, str]]

router = Router()


class HolidayIO(Schema):
    model_config = ConfigDict(extra="forbid")
    date: datetime.date
    name: str = Field("", max_length=1000)


class CalendarOut(Schema):
    id: int
    name: str
    label: str
    time_zone: str
    is_default: bool
    hours: dict[str, list[tuple[str, str]]]
    holidays: list[HolidayIO]
    policies: list[int]


class CalendarIn(Schema):
    model_config = ConfigDict(extra="forbid")
    name: str = Field(..., max_length=1000)
    time_zone: str = Field(..., max_length=1000)
    hours: dict[str, DayHours] = Field(..., max_length=7)
    is_default: bool = False
    holidays: list[HolidayIO] = Field(None, max_length=settings_calendars.HOLIDAYS_MAX)


class CalendarPatch(Schema):
    model_config = ConfigDict(extra="forbid")
    name: str = Field(None, max_length=1000)
    time_zone: str = Field(None, max_length=1000)
    hours: dict[str, DayHours] = Field(None, max_length=7)
    is_default: bool = None
    holidays: list[HolidayIO] = Field(None, max_length=settings_calendars.HOLIDAYS_MAX)


def _calendar_out(calendar: BusinessCalendar) -> dict[str, Any]:
    return {
        "id": calendar.pk,
        "name": calendar.name,
        "label": label(calendar.name),
        "time_zone": calendar.time_zone,
        "is_default": calendar.is_default,
        "hours": {
            day: [(format_minute(start), format_minute(end)) for start, end in intervals]
            for day, intervals in sorted((calendar.hours or {}).items())
        },
        "holidays": [
            {"date": holiday.date, "name": holiday.name} for holiday in calendar.holidays.all()
        ],
        "policies": [policy.pk for policy in calendar.policies.all()],
    }


def _calendars():
    return BusinessCalendar.objects.prefetch_related("holidays", "policies")


def _calendar_data(payload: Schema) -> dict[str, Any]:
    data = sent(payload)
    if data.get("hours") is not None:
        data["hours"] = {
            day: value if isinstance(value, str) else [list(pair) for pair in value]
            for day, value in data["hours"].items()
        }
    return data


@router.get("/service/calendars", response=list[CalendarOut], summary="Business calendars")
def list_calendars(request):
    return [_calendar_out(calendar) for calendar in _calendars()]


@router.post(
    "/service/calendars",
    response={201: CalendarOut, 403: ErrorOut, 422: ErrorOut},
    summary="Create a business calendar",
)
def create_calendar(request, payload: CalendarIn):
    require_admin(request.user)
    calendar = settings_calendars.create_calendar(request.user, _calendar_data(payload))
    return Status(201, _calendar_out(_calendars().get(pk=calendar.pk)))


@router.get(
    "/service/calendars/{int:pk}",
    response={200: CalendarOut, 404: ErrorOut},
    summary="One business calendar with its hours and holidays",
)
def read_calendar(request, pk: int):
    return _calendar_out(get_object_or_404(_calendars(), pk=pk))


@router.patch(
    "/service/calendars/{int:pk}",
    response={200: CalendarOut, **ERRORS},
    summary="Change a calendar; holidays, when sent, replace its list",
)
def update_calendar(request, pk: int, payload: CalendarPatch):
    require_admin(request.user)
    calendar = get_object_or_404(BusinessCalendar, pk=pk)
    settings_calendars.update_calendar(request.user, calendar, _calendar_data(payload))
    return _calendar_out(_calendars().get(pk=pk))


@router.delete(
    "/service/calendars/{int:pk}",
    response={204: None, **ERRORS},
    summary="Delete a calendar that no SLA policy uses and that is not the default",
)
def delete_calendar(request, pk: int):
    require_admin(request.user)
    settings_calendars.delete_calendar(request.user, get_object_or_404(BusinessCalendar, pk=pk))
    return Status(204, None)


@router.post(
    "/service/calendars/{int:pk}/holidays",
    response={201: HolidayIO, **ERRORS},
    summary="Add a holiday to a calendar",
)
def add_holiday(request, pk: int, payload: HolidayIO):
    require_admin(request.user)
    calendar = get_object_or_404(BusinessCalendar, pk=pk)
    holiday = settings_calendars.add_holiday(request.user, calendar, sent(payload))
    return Status(201, {"date": holiday.date, "name": holiday.name})


@router.delete(
    "/service/calendars/{int:pk}/holidays/{day}",
    response={204: None, **ERRORS},
    summary="Remove a calendar's holiday on a date (YYYY-MM-DD)",
)
def delete_holiday(request, pk: int, day: datetime.date):
    require_admin(request.user)
    holiday = get_object_or_404(Holiday, calendar_id=pk, date=day)
    settings_calendars.delete_holiday(request.user, holiday)
    return Status(204, None)
