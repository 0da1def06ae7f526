"""Task endpoints: create, edit, complete, reopen, delete.

`GET tasks/new/?entity=…&object_id=…` is the form to plan a task on a record: the card's
Next steps panel fetches it with htmx (the form alone), a browser without JavaScript opens
it as a page. Both are shown only to those who see the record and may plan on it.

Each works as a plain form POST (redirect afterwards, a full page with errors) and with htmx,
where the POSTed `source` says which fragment to send back: "panel" (the card's Next steps
panel) or "row" (one task on My day). Invalid input answers 422 either way: the base page
tells htmx to swap 422 answers, as the platform's own fragments do.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.http import Http404, HttpResponse, HttpResponseBadRequest
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST
from django.views.decorators.vary import vary_on_headers

from kartoteka.platform import permissions
from kartoteka.platform.registry import registry

from .. import access, forms, services
from ..access import task_or_404
from ..models import Task
from ..queries import attach_records
from .panel import render_form, render_panel


def _htmx(request) -> bool:
    return bool(request.headers.get("HX-Request"))


def _visible_record(user, entity: str, object_id):
    spec = registry.find(entity or "")
    if spec is None or not str(object_id or "").isdigit():
        return None, None
    qs = permissions.restrict(spec.queryset(), user, spec.key)
    return spec, qs.filter(pk=int(object_id)).first()


def _next(request, fallback: str) -> str:
    url = request.POST.get("next") or request.GET.get("next") or ""
    if url and url_has_allowed_host_and_scheme(
        url, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return url
    return fallback


def _home_of(user, task: Task) -> str:
    """Where a task lives for `user`: its record's card if they may open it, else My day."""
    if task.entity:
        spec, obj = _visible_record(user, task.entity, task.object_id)
        if obj is not None:
            return spec.card_url(obj.pk)
    return reverse("planner:my_day")


def _panel_response(request, entity, object_id, status=200, **kwargs):
    """The Next steps panel of a record, or None if the user may not see it."""
    spec, obj = _visible_record(request.user, entity, object_id)
    if obj is None:
        return None
    return HttpResponse(render_panel(request, spec, obj, **kwargs), status=status)


def _row_response(request, task: Task) -> HttpResponse:
    attach_records(request.user, [task])
    return render(request, "planner/_task_row.html", {"task": task, "source": "row"})


def _denied():
    return DjangoPermissionDenied(_("You do not have permission to do this."))


@login_required
@require_http_methods(["GET", "POST"])
@vary_on_headers("HX-Request")  # one address, two answers: the form alone or the page
def task_create(request):
    if request.method == "GET":
        return _new_task_form(request)
    data = forms.from_post(request.POST, with_record=True)
    source = request.POST.get("source", "")
    try:
        task = services.create_task(request.user, data)
    except services.PermissionDenied:
        raise _denied()
    except services.InputErrors as exc:
        if _htmx(request) and source == "panel":
            response = _panel_response(
                request,
                data.get("entity"),
                data.get("object_id"),
                status=422,
                errors=exc.errors,
                data=data,
            )
            if response is not None:
                return response
        return _form_page(request, None, data, exc.errors, status=422)
    if _htmx(request) and source == "panel":
        # the form closes; "Add task" takes the focus, ready for one more
        response = _panel_response(request, task.entity, task.object_id, focus_add=True)
        if response is not None:
            return response
    messages.success(request, _("Task “%(title)s” planned.") % {"title": task.title})
    return redirect(_next(request, _home_of(request.user, task)))


def _new_task_form(request):
    """The form to plan a task on the record named in the query: with htmx the panel's form
    alone, else the task page (a personal task when no record is named)."""
    entity, object_id = request.GET.get("entity", ""), request.GET.get("object_id", "")
    spec = obj = None
    if entity or object_id or _htmx(request):
        spec, obj = _visible_record(request.user, entity, object_id)
        if obj is None:
            raise Http404(_("No such record, or you may not see it."))
        if not permissions.may_log_activity(request.user, spec.key):
            raise _denied()
    if _htmx(request):
        return HttpResponse(render_form(request, spec, obj))
    record = {"entity": "", "object_id": ""}
    if obj is not None:
        record = {
            "entity": spec.key,
            "object_id": obj.pk,
            "record_label": spec.label,
            "record_title": spec.title(obj),
            "record_url": spec.card_url(obj.pk),
        }
    return _form_page(request, None, forms.initial(request.user), {}, record=record)


def _form_page(request, task, values, errors, status=200, conflict=None, record=None):
    if record is None:
        record = {
            "entity": request.POST.get("entity", "") if task is None else task.entity,
            "object_id": request.POST.get("object_id", "") if task is None else task.object_id,
        }
    return render(
        request,
        "planner/task_form.html",
        {
            "task": task,
            "form": values,
            "errors": forms.template_errors(errors),
            "conflict": conflict,
            "users": forms.user_options(),
            "version": values.get("version") or (task.version if task else ""),
            **record,
            "next": _next(request, ""),
            **forms.choices(),
        },
        status=status,
    )


@login_required
def task_edit(request, pk):
    task = task_or_404(request.user, pk)
    if request.method != "POST":
        if not access.may_change(request.user, task):
            raise _denied()
        return _form_page(request, task, forms.initial(request.user, task), {})
    # the service checks the permission of a POST: no second check here
    data = forms.from_post(request.POST, with_record=False)
    try:
        version = int(request.POST.get("version", ""))
    except ValueError:
        return HttpResponseBadRequest(_("The form is missing the task version."))
    try:
        task = services.update_task(request.user, task, data, version)
    except services.PermissionDenied:
        raise _denied()
    except services.InputErrors as exc:
        return _form_page(request, task, {**data, "version": version}, exc.errors, status=422)
    except services.Conflict as exc:
        fresh = Task.objects.select_related("assignee").get(pk=task.pk)
        values = {**data, "version": exc.current_version}
        message = _(
            "Someone else changed this task while you were editing. Their version is shown "
            "below; yours is kept in the form. Save again to overwrite it."
        )
        return _form_page(
            request, fresh, values, {"__all__": [message]}, status=409, conflict=fresh
        )
    messages.success(request, _("Task saved."))
    return redirect(_next(request, _home_of(request.user, task)))


def _act(request, pk, action):
    task = task_or_404(request.user, pk)
    try:
        task = action(request.user, task)
    except services.PermissionDenied:
        raise _denied()
    return task


@login_required
@require_POST
def task_complete(request, pk):
    task = _act(request, pk, services.complete_task)
    source = request.POST.get("source", "")
    if _htmx(request) and source == "panel":
        response = _panel_response(request, task.entity, task.object_id, prompt=True, done=task)
        if response is not None:
            return response
    if _htmx(request) and source == "row":
        return _row_response(request, task)
    messages.success(request, _("Task “%(title)s” done.") % {"title": task.title})
    return redirect(_next(request, _home_of(request.user, task)))


@login_required
@require_POST
def task_reopen(request, pk):
    task = _act(request, pk, services.reopen_task)
    source = request.POST.get("source", "")
    if _htmx(request) and source == "panel":
        response = _panel_response(request, task.entity, task.object_id)
        if response is not None:
            return response
    if _htmx(request) and source == "row":
        return _row_response(request, task)
    messages.success(request, _("Task “%(title)s” reopened.") % {"title": task.title})
    return redirect(_next(request, _home_of(request.user, task)))


@login_required
@require_POST
def task_delete(request, pk):
    task = task_or_404(request.user, pk)
    home = _home_of(request.user, task)
    try:
        services.delete_task(request.user, task)
    except services.PermissionDenied:
        raise _denied()
    source = request.POST.get("source", "")
    if _htmx(request) and source == "panel":
        response = _panel_response(request, task.entity, task.object_id)
        if response is not None:
            return response
    if _htmx(request) and source == "row":
        return HttpResponse("")  # the row disappears
    messages.success(request, _("Task “%(title)s” deleted.") % {"title": task.title})
    return redirect(_next(request, home))
