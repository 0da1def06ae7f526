"""The /api/v1/imports resource: what the import wizard does, for scripts.

    POST   /imports                      multipart: `entity`, `file`, optional `sheet` → 201, the
                                         job: headers, guessed mapping, what reading found
    GET    /imports                      the caller's imports (an administrator: everyone's),
                                         newest first; `limit`, `before` (id pages)
    GET    /imports/{id}                 one import: mapping, options, fields to map to,
                                         progress, counts, links
    PATCH  /imports/{id}                 {mapping, key_field, on_duplicate, create_missing,
                                         add_choices, day_first, decimal_comma, saved_mapping}
    POST   /imports/{id}/preview         queue the dry run → 202 (status previewing → previewed)
    GET    /imports/{id}/preview         its result: counts, sample, new related records and
                                         choices, file problems, the first `limit` rejected rows
    POST   /imports/{id}/run             queue the import, or resume a stopped one → 202
    POST   /imports/{id}/cancel          stop it after the batch being written
    POST   /imports/{id}/undo            remove what it created, restore what it changed → 202
    GET    /imports/{id}/progress        {status, percent, processed_rows, total_rows, counts,
                                         error}: small, for polling
    GET    /imports/{id}/report.csv      the rejected rows with their reasons (`dry_run=true`:
                                         the preview's)
    GET    /import-mappings?entity=      saved mappings: the caller's and shared ones
    POST   /import-mappings              {job, name, shared}: keep a job's mapping and options
                                         (201; 200 when it replaces the caller's one so named)
    DELETE /import-mappings/{id}         the owner only

A script uploads, PATCHes the mapping, previews, polls `progress` until the status is
"previewed", reads the preview, runs, polls until "done" (or "failed"/"cancelled": `run` again
resumes), and downloads the report. The work happens in the worker; the services
(kartoteka.dataio.services) own every rule, this module only speaks HTTP. A job's state is
read after `services.reap_stalled()`, so an import whose worker died shows "failed".

In problems, `values` are the row's cells in the order of the job's `headers`. `day_first`
and `decimal_comma` are null when detected from the file.

Errors use the platform's one format (api_base): 401 without credentials, 403 without the
right to create records of the entity (or to delete someone else's mapping), 404 for an
import that is not the caller's (nothing says it exists), 413 for a file over
`services.MAX_IMPORT_BYTES` (told from Content-Length before the body is read when it can
be), 422 for a file that cannot be read, a bad mapping or option (nothing is changed), a step
the import's state does not allow, or unknown parameters.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.exceptions import TooManyFieldsSent, TooManyFilesSent
from django.db import transaction
from django.db.models import Prefetch
from django.http import Http404, HttpRequest
from django.http.multipartparser import MultiPartParserError
from django.urls import reverse
from django.utils.translation import gettext as _
from ninja import Query, Router, Schema, Status
from pydantic import ConfigDict, Field

from kartoteka.platform import permissions
from kartoteka.platform.api_base import error_body, sent
from kartoteka.platform.api_records import ErrorOut
from kartoteka.platform.export import csv_response
from kartoteka.platform.fields import InputErrors
from kartoteka.platform.listing import MAX_ID
from kartoteka.platform.registry import registry

from . import engine, services
from .models import ImportBatch, ImportJob, SavedMapping

router = Router(tags=["imports"])

UPLOAD_FIELDS = ("entity", "file", "sheet")
# Room for the multipart boundaries and the small fields around the file: a body longer than
# the file limit plus this cannot hold an acceptable file, so it is refused unread.
MULTIPART_OVERHEAD = 64 * 1024
JOB_ERRORS = {404: ErrorOut, 422: ErrorOut}
ACTION_ERRORS = {403: ErrorOut, 404: ErrorOut, 422: ErrorOut}


# -- helpers -----------------------------------------------------------------------------------


def job_or_404(user, pk: int) -> ImportJob:
    """The import if the user may see it (theirs, or any for an administrator); 404 otherwise.
    Stalled jobs are marked first, so the state answered is the true one."""
    if pk > MAX_ID:
        raise Http404
    services.reap_stalled()
    try:
        return services.get_job(user, pk)
    except ImportJob.DoesNotExist:
        raise Http404 from None


def refuse_unknown_params(request: HttpRequest, schema: type[Schema] | None = None) -> None:
    known = set(schema.model_fields) if schema else set()
    unknown = sorted(set(request.GET) - known)
    if unknown:  # a misspelt parameter must not silently mean its default
        raise InputErrors({key[:60]: [_("Unknown parameter.")] for key in unknown})


def link(name: str, job: ImportJob) -> str:
    return reverse(f"api-1.0.0:{name}", kwargs={"pk": job.pk})


def counts_of(job: ImportJob) -> dict[str, int]:
    return {
        "created": job.created_count,
        "updated": job.updated_count,
        "skipped": job.skipped_count,
        "rejected": job.rejected_count,
    }


def info_of(job: ImportJob) -> dict[str, Any]:
    info = job.info or {}
    return {
        "encoding": info.get("encoding"),
        "delimiter": (info.get("dialect") or {}).get("delimiter"),
        "sheets": info.get("sheets"),
        "sheet": info.get("sheet") or job.sheet or None,
        "lines": info.get("lines", []),
    }


def _when(value) -> str | None:
    return value.isoformat() if value else None


def serialize_job(job: ImportJob, *, full: bool = True) -> dict[str, Any]:
    """The job as the API shows it; `full` adds what the mapping step needs (the list leaves
    it out)."""
    spec = registry.find(job.entity)
    data: dict[str, Any] = {
        "id": job.pk,
        "entity": job.entity,
        "entity_label": str(spec.label) if spec else job.entity,
        "filename": job.filename,
        "size": job.size,
        "sheet": job.sheet,
        "status": job.status,
        "status_label": str(job.get_status_display()),
        "created_by": job.created_by_id,
        "created_by_name": str(job.created_by),
        "created_at": _when(job.created_at),
        "started_at": _when(job.started_at),
        "finished_at": _when(job.finished_at),
        "key_field": job.key_field,
        "on_duplicate": job.on_duplicate,
        "create_missing": job.create_missing,
        "add_choices": job.add_choices,
        "day_first": job.day_first,
        "decimal_comma": job.decimal_comma,
        "counts": counts_of(job),
        "percent": job.percent,
        "processed_rows": job.processed_rows,
        "total_rows": job.total_rows,
        "error": job.error,
        "can_undo": job.can_undo,
        "can_resume": job.can_resume,
        "links": {
            "self": link("import_job", job),
            "progress": link("import_progress", job),
            "preview": link("import_preview", job),
            "run": link("import_run", job),
            "cancel": link("import_cancel", job),
            "undo": link("import_undo", job),
            "report": link("import_report", job),
        },
    }
    if full:
        data["headers"] = job.headers
        data["mapping"] = job.mapping
        data["info"] = info_of(job)
        if spec is not None:
            data["fields"] = [
                {"key": key, "label": str(label)} for key, label in engine.mappable_fields(spec)
            ]
            data["key_choices"] = [
                {"key": key, "label": str(label)} for key, label in engine.key_choices(spec)
            ]
            data["required_unmapped"] = services.required_unmapped(job)
        else:  # a custom entity deleted since the upload: nothing to map to any more
            data["fields"], data["key_choices"], data["required_unmapped"] = [], [], []
    return data


def serialize_problem(problem) -> dict[str, Any]:
    return {
        "line": problem.line,
        "kind": problem.kind,
        "values": problem.values,
        "messages": problem.messages,
    }


def serialize_mapping(saved: SavedMapping, user) -> dict[str, Any]:
    return {
        "id": saved.pk,
        "name": saved.name,
        "entity": saved.entity,
        "shared": saved.shared,
        "owner": saved.owner_id,
        "mine": saved.owner_id == user.pk,
        "mapping": saved.mapping,
        "options": saved.options,
        "created_at": _when(saved.created_at),
    }


def fresh(job: ImportJob) -> dict[str, Any]:
    """The job as it is now: a worker that runs at once (tests, eager setups) has moved it on
    since the service returned."""
    job.refresh_from_db()
    return serialize_job(job)


# -- upload ------------------------------------------------------------------------------------


class FileTooLarge(Exception):
    """The upload is over services.MAX_IMPORT_BYTES: answered 413, not 422."""


def read_upload(request: HttpRequest) -> tuple[str, Any, str]:
    """The entity, file and sheet of a multipart upload, read strictly. A body that cannot
    hold a file under the limit is refused before it is read."""
    try:
        length = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        length = 0
    if length > services.MAX_IMPORT_BYTES + MULTIPART_OVERHEAD:
        raise FileTooLarge
    if not (request.content_type or "").startswith("multipart/form-data"):
        raise InputErrors(
            {"file": [_("Send the file as multipart/form-data (fields entity, file, sheet).")]}
        )
    try:
        post, files = request.POST, request.FILES
    except (MultiPartParserError, TooManyFieldsSent, TooManyFilesSent):
        raise InputErrors({"file": [_("The upload could not be read; send it again.")]}) from None
    errors: dict[str, list[str]] = {}
    for key in sorted((set(post) | set(files)) - set(UPLOAD_FIELDS)):
        errors[key[:60]] = [_("Unknown field.")]
    if len(files.getlist("file")) > 1:
        errors["file"] = [_("Send one file.")]
    if "file" in post and "file" not in files:
        errors["file"] = [_("Send the file itself, not its name.")]
    sheet = post.get("sheet", "")
    if len(sheet) > 100:
        errors["sheet"] = [_("Ensure this value has at most 100 characters.")]
    if errors:
        raise InputErrors(errors)
    upload = files.get("file")
    if upload is not None and upload.size > services.MAX_IMPORT_BYTES:
        raise FileTooLarge
    return post.get("entity", ""), upload, sheet


def too_large_response():
    limit = services.MAX_IMPORT_BYTES
    size = f"{limit // 2**20} MB" if limit >= 2**20 else f"{limit} B"
    message = _("The file is over %(size)s; split it and import the parts.") % {"size": size}
    return Status(413, error_body("too_large", message))


@router.post(
    "/imports",
    response={201: dict[str, Any], 403: ErrorOut, 413: ErrorOut, 422: ErrorOut},
    summary="Upload a file to import",
    description="Multipart form: `entity` (an entity key), `file` (CSV, TSV, TXT or XLSX), "
    "optionally `sheet` (of a workbook; the first one otherwise). The file is read once: the "
    "job shows its columns, first lines, detected encoding and delimiter, and a guessed "
    "mapping.",
    openapi_extra={
        "requestBody": {
            "required": True,
            "content": {
                "multipart/form-data": {
                    "schema": {
                        "type": "object",
                        "required": ["entity", "file"],
                        "properties": {
                            "entity": {"type": "string"},
                            "file": {"type": "string", "format": "binary"},
                            "sheet": {"type": "string", "maxLength": 100},
                        },
                    }
                }
            },
        }
    },
)
def upload_import(request):
    # The form is read here, not by Ninja's File(): an oversized body is refused before a
    # byte of it is spooled to disk.
    try:
        entity, upload, sheet = read_upload(request)
        spec = registry.find(entity)
        if spec is not None:  # the right to import comes before the file's size is judged
            permissions.require(request.user, spec.key, "create")
    except FileTooLarge:
        return too_large_response()
    job = services.start(request.user, entity, upload, sheet=sheet)
    return Status(201, fresh(job))


# -- jobs --------------------------------------------------------------------------------------


class JobQuery(Schema):
    model_config = ConfigDict(extra="forbid")
    limit: int = Field(50, ge=1, le=settings.API_MAX_PAGE_SIZE)
    before: int | None = Field(None, ge=1, le=MAX_ID)


class JobPage(Schema):
    items: list[dict[str, Any]]
    next_before: int | None


@router.get(
    "/imports",
    response={200: JobPage, 422: ErrorOut},
    summary="List imports",
    description="The caller's imports (an administrator's: everyone's), newest first, paged "
    "with `before=<next_before>`.",
)
def list_imports(request, params: Query[JobQuery]):
    refuse_unknown_params(request, JobQuery)
    services.reap_stalled()
    jobs = services.visible_jobs(request.user).prefetch_related(
        # can_undo asks whether batches exist: one query for the page, not one per job
        Prefetch("batches", queryset=ImportBatch.objects.only("id", "job_id"))
    )
    if params.before:
        jobs = jobs.filter(pk__lt=params.before)
    rows = list(jobs.order_by("-id")[: params.limit + 1])
    more = len(rows) > params.limit
    rows = rows[: params.limit]
    return {
        "items": [serialize_job(job, full=False) for job in rows],
        "next_before": rows[-1].pk if more and rows else None,
    }


@router.get(
    "/imports/{int:pk}",
    response={200: dict[str, Any], **JOB_ERRORS},
    url_name="import_job",
    summary="Read an import",
)
def read_import(request, pk: int):
    refuse_unknown_params(request)
    return serialize_job(job_or_404(request.user, pk))


class JobIn(Schema):
    model_config = ConfigDict(extra="forbid")
    mapping: dict[str, str | None] | None = None
    key_field: str | None = Field(None, max_length=60)
    on_duplicate: str | None = Field(None, max_length=10)
    create_missing: bool | None = None
    add_choices: bool | None = None
    day_first: bool | None = None
    decimal_comma: bool | None = None
    saved_mapping: int | None = Field(None, ge=1, le=MAX_ID)


@router.patch(
    "/imports/{int:pk}",
    response={200: dict[str, Any], **ACTION_ERRORS},
    summary="Set the mapping and options",
    description='`mapping` is {column header: field key, or "" / null to ignore the '
    "column}; `saved_mapping` applies a saved mapping (its options too) before the other "
    "fields sent. Only the fields sent change; on any error nothing does. A changed import "
    "needs a new preview.",
)
def configure_import(request, pk: int, payload: JobIn):
    job = job_or_404(request.user, pk)
    data = sent(payload)
    saved_id = data.pop("saved_mapping", None)
    if "mapping" in data and data["mapping"] is not None:
        data["mapping"] = {header: key or "" for header, key in data["mapping"].items()}
    with transaction.atomic():
        if saved_id is not None:
            saved = services.saved_mappings(request.user, job.entity).filter(pk=saved_id).first()
            if saved is None:
                raise InputErrors({"saved_mapping": [_("Unknown saved mapping.")]})
            services.apply_mapping(request.user, job, saved)
        if data or saved_id is None:
            services.configure(request.user, job, data)
    return fresh(job)


@router.post(
    "/imports/{int:pk}/preview",
    response={202: dict[str, Any], **ACTION_ERRORS},
    url_name="import_preview_start",
    summary="Check the file (a dry run in the worker)",
)
def start_preview(request, pk: int):
    job = job_or_404(request.user, pk)
    return Status(202, fresh(services.preview(request.user, job)))


class PreviewQuery(Schema):
    model_config = ConfigDict(extra="forbid")
    limit: int = Field(50, ge=1, le=settings.API_MAX_PAGE_SIZE)


@router.get(
    "/imports/{int:pk}/preview",
    response={200: dict[str, Any], **JOB_ERRORS},
    url_name="import_preview",
    summary="The dry run's result",
    description="Counts of rows to create, update, skip and reject, a sample, the related "
    "records and choices that would be added, lines the reader could not take, and the first "
    "`limit` rejected rows with their reasons (`problems`; `problems_total` counts them all).",
)
def read_preview(request, pk: int, params: Query[PreviewQuery]):
    refuse_unknown_params(request, PreviewQuery)
    job = job_or_404(request.user, pk)
    result = job.preview or {}
    if not result:
        if job.status == ImportJob.Status.PREVIEWING:
            message = _("The check is still running; poll the progress and ask again.")
        else:
            message = _("The file has not been checked yet; start the preview first.")
        raise InputErrors({"__all__": [message]})
    return {
        "id": job.pk,
        "status": job.status,
        "counts": {
            name: result.get(name, 0)
            for name in ("rows", "created", "updated", "skipped", "rejected")
        },
        "sample": result.get("sample", []),
        "new_related": result.get("new_related", {}),
        "new_choices": result.get("new_choices", {}),
        "file_problems": result.get("file_problems", []),
        "problems_total": result.get("problems", 0),
        "problems": [
            serialize_problem(p)
            for p in services.problems_page(job, dry_run=True, limit=params.limit)
        ],
        "report": link("import_report", job) + "?dry_run=true",
    }


@router.post(
    "/imports/{int:pk}/run",
    response={202: dict[str, Any], **ACTION_ERRORS},
    url_name="import_run",
    summary="Import (or resume a stopped or cancelled import)",
)
def run_import(request, pk: int):
    job = job_or_404(request.user, pk)
    return Status(202, fresh(services.run(request.user, job)))


@router.post(
    "/imports/{int:pk}/cancel",
    response={200: dict[str, Any], **ACTION_ERRORS},
    url_name="import_cancel",
    summary="Cancel a queued or running import",
    description="A queued import is cancelled at once; a running one stops after the batch "
    "being written (what was written stays: resume or undo it).",
)
def cancel_import(request, pk: int):
    job = job_or_404(request.user, pk)
    return fresh(services.cancel(request.user, job))


@router.post(
    "/imports/{int:pk}/undo",
    response={202: dict[str, Any], **ACTION_ERRORS},
    url_name="import_undo",
    summary="Undo an import",
    description="Deletes the records it created (and related records it added), restores "
    "the fields it changed.",
)
def undo_import(request, pk: int):
    job = job_or_404(request.user, pk)
    return Status(202, fresh(services.undo(request.user, job)))


@router.get(
    "/imports/{int:pk}/progress",
    response={200: dict[str, Any], **JOB_ERRORS},
    url_name="import_progress",
    summary="Where an import is (for polling)",
)
def import_progress(request, pk: int):
    refuse_unknown_params(request)
    job = job_or_404(request.user, pk)
    return {
        "status": job.status,
        "percent": job.percent,
        "processed_rows": job.processed_rows,
        "total_rows": job.total_rows,
        "counts": counts_of(job),
        "error": job.error,
    }


class ReportQuery(Schema):
    model_config = ConfigDict(extra="forbid")
    dry_run: bool = False


@router.get(
    "/imports/{int:pk}/report.csv",
    response={**JOB_ERRORS},
    url_name="import_report",
    summary="The rejected rows as CSV",
    description="Line, reasons, then the row as it was in the file. `dry_run=true`: the "
    "rows the preview would reject.",
    openapi_extra={
        "responses": {200: {"description": "The CSV file", "content": {"text/csv": {}}}}
    },
)
def import_report(request, pk: int, params: Query[ReportQuery]):
    refuse_unknown_params(request, ReportQuery)
    job = job_or_404(request.user, pk)
    name = f"import-{job.pk}-{'preview' if params.dry_run else 'rejected'}.csv"
    return csv_response(services.report_rows(job, dry_run=params.dry_run), name)


# -- saved mappings ----------------------------------------------------------------------------


class MappingQuery(Schema):
    model_config = ConfigDict(extra="forbid")
    entity: str = Field(..., max_length=60)


class MappingIn(Schema):
    model_config = ConfigDict(extra="forbid")
    job: int = Field(..., ge=1, le=MAX_ID)
    name: str = Field(..., max_length=100)
    shared: bool = False


@router.get(
    "/import-mappings",
    response={200: list[dict[str, Any]], 403: ErrorOut, 422: ErrorOut},
    summary="Saved mappings of an entity",
    description="The caller's own and those shared with everyone, by name.",
)
def list_mappings(request, params: Query[MappingQuery]):
    refuse_unknown_params(request, MappingQuery)
    spec = registry.find(params.entity)
    if spec is None:
        raise InputErrors({"entity": [_("Unknown entity.")]})
    permissions.require(request.user, spec.key, "create")
    saved = services.saved_mappings(request.user, spec.key).order_by("name", "id")
    return [serialize_mapping(m, request.user) for m in saved]


@router.post(
    "/import-mappings",
    response={200: dict[str, Any], 201: dict[str, Any], 403: ErrorOut, 422: ErrorOut},
    summary="Save an import's mapping and options",
    description="201 for a new mapping; 200 when the caller already had one of that name for "
    "the entity (it is replaced).",
)
def save_mapping(request, payload: MappingIn):
    try:
        job = job_or_404(request.user, payload.job)
    except Http404:
        raise InputErrors({"job": [_("Unknown import.")]}) from None
    permissions.require(request.user, job.entity, "create")
    saved, created = services.save_mapping(request.user, job, payload.name, shared=payload.shared)
    return Status(201 if created else 200, serialize_mapping(saved, request.user))


@router.delete(
    "/import-mappings/{int:pk}",
    response={204: None, 403: ErrorOut, 404: ErrorOut},
    summary="Delete a saved mapping (its owner only)",
)
def delete_mapping(request, pk: int):
    saved = SavedMapping.objects.filter(pk=min(pk, MAX_ID)).first()
    if saved is None or (saved.owner_id != request.user.pk and not saved.shared):
        raise Http404  # someone's private mapping: nothing says it exists
    if saved.owner_id != request.user.pk:
        raise permissions.PermissionDenied("delete")
    saved.delete()
    return Status(204, None)
