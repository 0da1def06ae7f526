"""The import wizard under /data/imports/: the list of imports, then upload (1), mapping (2),
the check with its preview (3) and the run with its progress, result, cancel, resume and
undo (4), plus the CSV of rejected rows.

Views stay thin: every decision is the import services' (`services.py`); their refusals come
back onto the form with 422, a job someone may not see is a 404, a forbidden action a 403.
While the worker checks or imports, the page polls a fragment with htmx every second; once
the job is no longer active the fragment answers with HX-Redirect to the page that shows
the outcome.
"""

from __future__ import annotations

from functools import wraps

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import pgettext_lazy
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from kartoteka.platform import permissions
from kartoteka.platform.export import csv_response
from kartoteka.platform.fields import InputErrors
from kartoteka.platform.registry import registry

from . import services
from .forms import MappingForm, UploadForm
from .models import ImportJob

Status = ImportJob.Status
PAGE_SIZE = 50
PROBLEMS_SHOWN = 100
MAPPING_STEP = (Status.NEW, Status.PREVIEWING, Status.PREVIEWED)
BADGES = {
    Status.NEW: "text-bg-secondary",
    Status.PREVIEWING: "text-bg-info",
    Status.PREVIEWED: "text-bg-info",
    Status.QUEUED: "text-bg-primary",
    Status.RUNNING: "text-bg-primary",
    Status.DONE: "text-bg-success",
    Status.CANCELLED: "text-bg-warning",
    Status.FAILED: "text-bg-danger",
    Status.UNDOING: "text-bg-dark",
    Status.UNDONE: "text-bg-light border",
}
ACTION_BADGES = {
    "create": ("text-bg-success", pgettext_lazy("import action", "create")),
    "update": ("text-bg-primary", pgettext_lazy("import action", "update")),
    "skip": ("text-bg-secondary", pgettext_lazy("import action", "skip")),
    "unchanged": ("text-bg-secondary", pgettext_lazy("import action", "unchanged")),
    "reject": ("text-bg-danger", pgettext_lazy("import action", "reject")),
}


def _denied() -> DjangoPermissionDenied:
    return DjangoPermissionDenied(_("You do not have permission to do this."))


def forbidden_as_403(view):
    """The services' PermissionDenied is the 403 page, not a server error."""

    @login_required
    @wraps(view)
    def wrapper(request, *args, **kwargs):
        try:
            return view(request, *args, **kwargs)
        except permissions.PermissionDenied:
            raise _denied() from None

    return wrapper


def _job_or_404(request, pk: int) -> ImportJob:
    try:
        job = services.get_job(request.user, pk)
    except ImportJob.DoesNotExist:
        raise Http404(_("No such import.")) from None
    return _decorate(job)


def _decorate(job: ImportJob) -> ImportJob:
    job.spec = registry.find(job.entity)
    job.badge = BADGES.get(job.status, "text-bg-secondary")
    return job


def _first_message(error: InputErrors) -> str:
    return next(iter(error.errors.values()), [""])[0]


def _hx_redirect(url: str) -> HttpResponse:
    response = HttpResponse()
    response["HX-Redirect"] = url
    return response


def _step_url(job: ImportJob) -> str:
    """Where a job is looked at now: its mapping, its check or its run."""
    if job.status == Status.NEW:
        return reverse("dataio:import_mapping", args=[job.pk])
    if job.status in (Status.PREVIEWING, Status.PREVIEWED):
        return reverse("dataio:import_preview", args=[job.pk])
    return reverse("dataio:import_run", args=[job.pk])


# -- the list ----------------------------------------------------------------------------------


@forbidden_as_403
@require_GET
def import_list(request):
    jobs = services.visible_jobs(request.user).order_by("-created_at", "-id")
    page = Paginator(jobs, PAGE_SIZE).get_page(request.GET.get("page"))
    for job in page.object_list:
        _decorate(job)
    return render(
        request,
        "dataio/import_list.html",
        {
            "page": page,
            "may_import": bool(services.importable_entities(request.user)),
            "show_owner": request.user.is_administrator,
        },
    )


@forbidden_as_403
@require_GET
def import_detail(request, pk: int):
    return redirect(_step_url(_job_or_404(request, pk)))


# -- step 1: upload ----------------------------------------------------------------------------


@forbidden_as_403
@require_http_methods(["GET", "POST"])
def import_new(request):
    entities = services.importable_entities(request.user)
    if not entities:
        raise _denied()
    status = 200
    if request.method == "POST":
        form = UploadForm(request.POST, request.FILES, entities=entities)
        if form.is_valid():
            try:
                job = services.start(
                    request.user,
                    form.cleaned_data["entity"],
                    form.cleaned_data["file"],
                    sheet=form.cleaned_data["sheet"],
                )
            except InputErrors as exc:
                form.add_errors(exc.errors)
            else:
                return redirect("dataio:import_mapping", job.pk)
        status = 422
    else:
        wanted = request.GET.get("entity", "")
        known = {spec.key for spec in entities}
        form = UploadForm(initial={"entity": wanted if wanted in known else ""}, entities=entities)
    return render(
        request,
        "dataio/import_new.html",
        {"form": form, "step": 1, "max_mb": services.MAX_IMPORT_BYTES // 2**20},
        status=status,
    )


# -- step 2: mapping ---------------------------------------------------------------------------


def _mapping_page(request, job: ImportJob, form: MappingForm, status: int = 200):
    return render(
        request,
        "dataio/import_mapping.html",
        {
            "job": job,
            "form": form,
            "step": 2,
            "unmapped": services.required_unmapped(job),
            "required": services.required_fields(job.spec),
            "saved": services.saved_mappings(request.user, job.entity),
            "delimiter": _delimiter_name((job.info.get("dialect") or {}).get("delimiter", "")),
        },
        status=status,
    )


def _delimiter_name(delimiter: str) -> str:
    return {"\t": _("tab"), " ": _("space")}.get(delimiter, delimiter)


def _mapping_form(request, job: ImportJob, data=None) -> MappingForm:
    return MappingForm(data, job=job, spec=job.spec, administrator=request.user.is_administrator)


@forbidden_as_403
@require_http_methods(["GET", "POST"])
def import_mapping(request, pk: int):
    job = _job_or_404(request, pk)
    if job.status not in MAPPING_STEP:
        return redirect(_step_url(job))
    if job.spec is None:
        raise Http404(_("This kind of record no longer exists."))
    if request.method == "GET":
        return _mapping_page(request, job, _mapping_form(request, job))
    form = _mapping_form(request, job, request.POST)
    if not form.is_valid():
        return _mapping_page(request, job, form, 422)
    saving = request.POST.get("action") == "save"
    try:
        services.configure(request.user, job, form.config())
        if saving:
            saved, _created = services.save_mapping(
                request.user,
                job,
                form.cleaned_data["mapping_name"],
                shared=form.cleaned_data["shared"],
            )
        else:
            services.preview(request.user, job)
    except InputErrors as exc:
        errors = dict(exc.errors)
        if "name" in errors:
            errors["mapping_name"] = errors.pop("name")
        form.add_errors(errors)
        job.refresh_from_db()
        return _mapping_page(request, _decorate(job), form, 422)
    if saving:
        messages.success(request, _("Mapping “%(name)s” saved.") % {"name": saved.name})
        return redirect("dataio:import_mapping", job.pk)
    return redirect("dataio:import_preview", job.pk)


@forbidden_as_403
@require_POST
def import_apply_mapping(request, pk: int):
    job = _job_or_404(request, pk)
    if job.status not in MAPPING_STEP:
        return redirect(_step_url(job))
    raw = request.POST.get("saved", "")
    saved = None
    if raw.isdigit():
        saved = services.saved_mappings(request.user, job.entity).filter(pk=int(raw)).first()
    if saved is None:
        messages.error(request, _("Choose one of the saved mappings."))
        return redirect("dataio:import_mapping", job.pk)
    try:
        services.apply_mapping(request.user, job, saved)
    except InputErrors as exc:
        messages.error(request, _first_message(exc))
    else:
        messages.success(request, _("Mapping “%(name)s” applied.") % {"name": saved.name})
    return redirect("dataio:import_mapping", job.pk)


# -- step 3: the check -------------------------------------------------------------------------


@forbidden_as_403
@require_GET
def import_preview(request, pk: int):
    services.reap_stalled()
    job = _job_or_404(request, pk)
    if job.status not in (Status.PREVIEWING, Status.PREVIEWED):
        return redirect(_step_url(job))
    context = {
        "job": job,
        "step": 3,
        "poll": reverse("dataio:import_preview_progress", args=[job.pk]),
    }
    if job.status == Status.PREVIEWED:
        preview = job.preview or {}
        mapped = [header for header in job.headers if job.mapping.get(header)]
        context.update(
            preview=preview,
            columns=[(header, _field_label(job, job.mapping[header])) for header in mapped],
            sample=[
                {
                    **row,
                    "badge": ACTION_BADGES.get(row.get("action"), ACTION_BADGES["create"]),
                    "cells": [(row.get("values") or {}).get(header, "") for header in mapped],
                }
                for row in preview.get("sample", [])
            ],
            problems=services.problems_page(job, dry_run=True, limit=PROBLEMS_SHOWN),
            new_related=[
                (_plural_of(key), names) for key, names in preview.get("new_related", {}).items()
            ],
            new_choices=[
                (_field_label(job, key), values)
                for key, values in preview.get("new_choices", {}).items()
            ],
            more_problems=max(0, preview.get("problems", 0) - PROBLEMS_SHOWN),
        )
    return render(request, "dataio/import_preview.html", context)


def _plural_of(entity_key: str) -> str:
    spec = registry.find(entity_key)
    return str(spec.label_plural) if spec is not None else entity_key


def _field_label(job: ImportJob, key: str) -> str:
    field = job.spec.field(key) if job.spec is not None else None
    return str(field.label) if field is not None else key


@forbidden_as_403
@require_GET
def import_preview_progress(request, pk: int):
    services.reap_stalled()
    job = _job_or_404(request, pk)
    if job.status != Status.PREVIEWING:
        return _hx_redirect(_step_url(job))
    return render(
        request,
        "dataio/_import_progress.html",
        {
            "job": _decorate(job),
            "oob": True,  # the status badge in the page's head follows, out of band
            "poll": reverse("dataio:import_preview_progress", args=[job.pk]),
        },
    )


# -- step 4: the run ---------------------------------------------------------------------------


@forbidden_as_403
@require_http_methods(["GET", "POST"])
def import_run(request, pk: int):
    job = _job_or_404(request, pk)
    if request.method == "POST":
        try:
            services.run(request.user, job)
        except InputErrors as exc:
            messages.error(request, _first_message(exc))
        return redirect("dataio:import_run", job.pk)
    services.reap_stalled()
    job.refresh_from_db()
    if job.status in MAPPING_STEP:
        return redirect(_step_url(job))
    return render(
        request,
        "dataio/import_run.html",
        {
            "job": _decorate(job),
            "step": 4,
            "poll": reverse("dataio:import_run_progress", args=[job.pk]),
            "has_report": job.problems.filter(dry_run=False).exists(),
        },
    )


@forbidden_as_403
@require_GET
def import_run_progress(request, pk: int):
    services.reap_stalled()
    job = _job_or_404(request, pk)
    if job.status not in (Status.QUEUED, Status.RUNNING, Status.UNDOING):
        return _hx_redirect(_step_url(job))
    return render(
        request,
        "dataio/_import_progress.html",
        {
            "job": _decorate(job),
            "oob": True,  # the status badge in the page's head follows, out of band
            "poll": reverse("dataio:import_run_progress", args=[job.pk]),
        },
    )


@forbidden_as_403
@require_POST
def import_cancel(request, pk: int):
    job = _job_or_404(request, pk)
    try:
        services.cancel(request.user, job)
    except InputErrors as exc:
        messages.error(request, _first_message(exc))
    else:
        messages.info(request, _("The import will stop after the batch it is writing."))
    return redirect(_step_url(job))


@forbidden_as_403
@require_POST
def import_undo(request, pk: int):
    job = _job_or_404(request, pk)
    try:
        services.undo(request.user, job)
    except InputErrors as exc:
        messages.error(request, _first_message(exc))
    return redirect("dataio:import_run", job.pk)


@forbidden_as_403
@require_GET
def import_report(request, pk: int):
    """The rejected rows with their reasons, as CSV: of the check (?dry=1) or of the run."""
    job = _job_or_404(request, pk)
    dry_run = request.GET.get("dry") == "1"
    kind = "check" if dry_run else "rejected"
    return csv_response(services.report_rows(job, dry_run=dry_run), f"import-{job.pk}-{kind}.csv")
