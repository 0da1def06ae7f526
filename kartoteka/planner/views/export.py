"""The iCalendar download at /planner/export.ics: the signed-in user's tasks and meetings,
filtered by the query string (see `planner.ical_export`). Bad input answers 400 with the
first problem; a record the user may not see answers 404."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpResponseBadRequest
from django.views.decorators.http import require_GET

from kartoteka.platform.fields import InputErrors

from .. import ical_export


@login_required
@require_GET
def calendar_export(request):
    try:
        query = ical_export.parse_query(request.user, request.GET)
        return ical_export.calendar_response(request, query)
    except InputErrors as exc:
        return HttpResponseBadRequest(exc.first_message, content_type="text/plain; charset=utf-8")
