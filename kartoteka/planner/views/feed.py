"""The iCalendar feed at /planner/feed/<token>.ics: no log-in (calendar apps cannot), the
secret token is the key. Open tasks of its owner plus those done in the last 30 days."""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.http import Http404, HttpResponse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from .. import feeds, ical
from ..models import Task
from ..queries import attach_records

FEED_LIMIT = 2000
DONE_DAYS = 30


@require_GET
def calendar_feed(request, token):
    user = feeds.user_for_token(token)
    if user is None:
        raise Http404
    since = timezone.now() - dt.timedelta(days=DONE_DAYS)
    tasks = list(
        Task.objects.filter(assignee=user)
        .exclude(done_at__lt=since)
        .order_by("-due_at", "-id")[:FEED_LIMIT]
    )
    attach_records(user, tasks)
    with translation.override(user.language or settings.LANGUAGE_CODE):
        body = ical.tasks_calendar(
            tasks,
            name=_("Kartoteka: tasks of %(name)s") % {"name": user},
            host=request.get_host().split(":")[0] or "kartoteka",
            url_for=lambda task: (
                request.build_absolute_uri(task.record_url) if task.record_url else ""
            ),
        )
    response = HttpResponse(body, content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = 'inline; filename="kartoteka.ics"'
    response["Cache-Control"] = "private, max-age=300"
    # a leaked address must not travel on in Referer headers
    response["Referrer-Policy"] = "no-referrer"
    return response
