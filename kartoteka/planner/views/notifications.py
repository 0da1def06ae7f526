"""The notifications page: newest first in pages, mark one or all read, open one (marks it
read and follows its link, which must be a path on this site)."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from kartoteka.platform.listing import MAX_ID

from .. import notifications
from ..models import Notification

PAGE = 30


@login_required
@require_GET
def notification_list(request):
    qs = Notification.objects.filter(user=request.user).order_by("-id")
    before = request.GET.get("before", "")
    if before.isdigit() and int(before) <= MAX_ID:
        qs = qs.filter(pk__lt=int(before))
    rows = list(qs[: PAGE + 1])
    more = len(rows) > PAGE
    rows = rows[:PAGE]
    return render(
        request,
        "planner/notifications.html",
        {
            "notifications": rows,
            "next_url": f"{reverse('planner:notifications')}?before={rows[-1].pk}" if more else "",
            "unread": notifications.unread_count(request.user),
        },
    )


@login_required
@require_POST
def notification_read(request, pk):
    notification = notifications.mark_read(request.user, pk)
    if notification is None:
        raise Http404(_("No such notification."))
    if request.headers.get("HX-Request"):
        return render(request, "planner/_notification.html", {"n": notification})
    return redirect("planner:notifications")


@login_required
@require_POST
def notification_open(request, pk):
    notification = notifications.mark_read(request.user, pk)
    if notification is None:
        raise Http404(_("No such notification."))
    url = notification.url
    if url and url_has_allowed_host_and_scheme(
        url, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return redirect(url)
    return redirect("planner:notifications")


@login_required
@require_POST
def notifications_read_all(request):
    notifications.mark_all_read(request.user)
    if request.headers.get("HX-Request"):
        response = HttpResponse("")
        response["HX-Redirect"] = reverse("planner:notifications")
        return response
    return redirect("planner:notifications")
