"""The life of an import, as the wizard and the API drive it: upload (the file is read once to
show its columns and guess the mapping), configure (mapping and options), preview (a dry run
in the worker), run, cancel, resume, undo; saved mappings; the report of rejected rows.

The worker's side (`execute_*`) claims a job with a conditional update, so a job runs once
however many workers pick it up, and keeps a heartbeat; `reap_stalled` marks a job whose
worker died as stopped, to be resumed or undone.
"""

from __future__ import annotations

import logging
import secrets
from collections.abc import Iterator
from datetime import timedelta
from itertools import islice
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from kartoteka.imports import reading
from kartoteka.platform import bulk, gcpause, maintenance, permissions, services
from kartoteka.platform.export import safe_cell
from kartoteka.platform.fields import InputErrors
from kartoteka.platform.registry import registry

from . import cells, engine, vcf_table
from .models import ImportBatch, ImportJob, ImportProblem, SavedMapping

log = logging.getLogger(__name__)

MAX_IMPORT_BYTES = getattr(settings, "MAX_IMPORT_BYTES", 200 * 1024 * 1024)
PREVIEW_LINES = 5
Status = ImportJob.Status


def _enqueue(task_name: str, job_pk: int) -> None:
    from . import tasks

    task = getattr(tasks, task_name)
    transaction.on_commit(lambda: task(job_pk))


def importable_entities(user) -> list:
    return [spec for spec in registry.all() if permissions.can(user, spec.key, "create")]


def visible_jobs(user):
    jobs = ImportJob.objects.select_related("created_by")
    if getattr(user, "is_administrator", False):
        return jobs
    return jobs.filter(created_by=user)


def get_job(user, pk: int) -> ImportJob:
    job = visible_jobs(user).filter(pk=pk).first()
    if job is None:
        raise ImportJob.DoesNotExist
    return job


# -- upload and configure ----------------------------------------------------------------------


def start(user, entity_key: str, upload, *, sheet: str = "") -> ImportJob:
    """Keep the uploaded file and read what the wizard shows next: the headers, the first
    rows, the detected encoding and delimiter, a guessed mapping."""
    spec = registry.find(entity_key)
    if spec is None:
        raise InputErrors({"entity": [_("Choose what to import.")]})
    permissions.require(user, spec.key, "create")
    if upload is None:
        raise InputErrors({"file": [_("Choose a file.")]})
    if upload.size > MAX_IMPORT_BYTES:
        raise InputErrors(
            {"file": [_("The file is over %(mb)s MB.") % {"mb": MAX_IMPORT_BYTES // 2**20}]}
        )
    name = (upload.name or "import.csv").replace("/", "_").replace("\\", "_")[-200:]
    try:
        vcf_table.open_table(upload, filename=name, sheet=sheet or None)
    except reading.ImportFileError as exc:
        raise InputErrors({"file": [str(exc)]}) from None
    upload.seek(0)
    job = ImportJob(
        token=secrets.token_hex(8), entity=spec.key, created_by=user, filename=name,
        size=upload.size, sheet=sheet[:100],
    )  # fmt: skip
    job.file.save(name, upload, save=False)
    try:
        analyse(job)
    except reading.ImportFileError as exc:
        job.file.delete(save=False)
        raise InputErrors({"file": [str(exc)]}) from None
    job.save()
    return job


def analyse(job: ImportJob) -> None:
    spec = registry.get(job.entity)
    table = engine.open_table(job)
    first = [[cells._text(cell)[:200] for cell in row] for _l, row in islice(table.rows(), 5)]
    info: dict[str, Any] = {"lines": first}
    for name in ("encoding", "dialect", "sheets", "sheet"):
        value = getattr(table, name, None)
        if name == "dialect" and value is not None:
            value = {"delimiter": value.delimiter}
        if value is not None:
            info[name] = value
    job.headers = list(table.headers)
    job.info = info
    fields = [(key, [label]) for key, label in engine.mappable_fields(spec)]
    guessed = reading.guess_mapping(job.headers, fields)
    job.mapping = {header: key or "" for header, key in guessed.items()}
    job.key_field = _default_key(spec, job.mapping)


def _default_key(spec, mapping: dict[str, str]) -> str:
    mapped = set(mapping.values())
    if engine.ID_KEY in mapped:
        return engine.ID_KEY
    for key in ("emails", "sku"):
        if key in mapped and spec.field(key) is not None:
            return key
    return ""


OPTION_KEYS = ("key_field", "on_duplicate", "create_missing", "add_choices", "day_first",
               "decimal_comma")  # fmt: skip


def configure(user, job: ImportJob, data: dict) -> ImportJob:
    """Set the mapping and options; refused with messages by field, changing nothing."""
    _require_owner(user, job)
    if job.status not in (Status.NEW, Status.PREVIEWED):
        raise InputErrors({"__all__": [_("This import has started; its mapping is fixed.")]})
    spec = registry.get(job.entity)
    errors: dict[str, list[str]] = {}
    mapping = data.get("mapping", job.mapping)
    if not isinstance(mapping, dict):
        raise InputErrors({"mapping": [_("Send the mapping as column → field.")]})
    known = {key for key, _label in engine.mappable_fields(spec)}
    clean: dict[str, str] = {}
    used: dict[str, str] = {}
    for header in job.headers:
        key = str(mapping.get(header) or "")
        if key and key not in known:
            errors.setdefault("mapping", []).append(
                _("“%(field)s” is not a field of %(entity)s.")
                % {"field": key[:50], "entity": spec.label}
            )
            continue
        if key and key in used:
            errors.setdefault("mapping", []).append(
                _("Columns “%(first)s” and “%(second)s” both go to %(field)s.")
                % {"first": used[key], "second": header, "field": _field_label(spec, key)}
            )
            continue
        if key:
            used[key] = header
        clean[header] = key
    unknown = set(mapping) - set(job.headers)
    if unknown:
        errors.setdefault("mapping", []).append(
            _("The file has no column “%(header)s”.") % {"header": sorted(unknown)[0][:50]}
        )
    if not used:
        errors.setdefault("mapping", []).append(_("Map at least one column to a field."))
    key_field = str(data.get("key_field", job.key_field) or "")
    if key_field and key_field not in dict(engine.key_choices(spec)):
        errors["key_field"] = [_("Records cannot be matched on this field.")]
    elif key_field and key_field not in used:
        errors["key_field"] = [_("Map a column to the field you match records on.")]
    on_duplicate = str(data.get("on_duplicate", job.on_duplicate))
    if on_duplicate not in ImportJob.OnDuplicate.values:
        errors["on_duplicate"] = [_("Choose update or skip.")]
    options: dict[str, Any] = {}
    for name in ("create_missing", "add_choices"):
        options[name] = _boolean(data.get(name, getattr(job, name)), name, errors)
    for name in ("day_first", "decimal_comma"):
        value = data.get(name, getattr(job, name))
        options[name] = None if value in (None, "", "auto") else _boolean(value, name, errors)
    if errors:
        raise InputErrors(errors)
    job.mapping = clean
    job.key_field = key_field
    job.on_duplicate = on_duplicate
    for name, value in options.items():
        setattr(job, name, value)
    job.status = Status.NEW
    job.preview = {}
    job.save()
    return job


def _boolean(value: Any, name: str, errors: dict) -> bool:
    """An option's yes or no, read as a file's yes/no cells are (blank: no)."""
    parsed, error = reading.parse_bool(value)
    if error:
        errors[name] = [_("Enter yes or no.")]
    return bool(parsed)


def _field_label(spec, key: str) -> str:
    return str(dict(engine.mappable_fields(spec)).get(key, key))


def required_fields(spec) -> list[tuple[str, str]]:
    """(key, label) of the fields a new record cannot go without."""
    return [
        (f.key, str(f.label))
        for f in spec.fields
        if f.required and f.editable and f.default in (None, "")
    ]


def required_unmapped(job: ImportJob) -> list[str]:
    """Required fields no column goes to: every new row would be refused."""
    mapped = set(job.mapping.values())
    return [label for key, label in required_fields(registry.get(job.entity)) if key not in mapped]


# -- starting, stopping, undoing -------------------------------------------------------------


def _require_owner(user, job: ImportJob) -> None:
    if job.created_by_id != user.pk and not getattr(user, "is_administrator", False):
        raise permissions.PermissionDenied("import")


def preview(user, job: ImportJob) -> ImportJob:
    _require_owner(user, job)
    if job.status not in (Status.NEW, Status.PREVIEWED):
        raise InputErrors({"__all__": [_("This import has started; its preview is done.")]})
    job.status = Status.PREVIEWING
    job.processed_rows = 0
    job.heartbeat_at = timezone.now()
    job.error = ""
    job.save()
    _enqueue("preview_import", job.pk)
    return job


def run(user, job: ImportJob) -> ImportJob:
    """Queue the import (or resume one that stopped or was cancelled)."""
    _require_owner(user, job)
    permissions.require(user, job.entity, "create")
    allowed = (Status.NEW, Status.PREVIEWED, Status.FAILED, Status.CANCELLED)
    if job.status not in allowed:
        raise InputErrors({"__all__": [_("This import cannot be started now.")]})
    if job.status in (Status.FAILED, Status.CANCELLED) and not job.batches.exists():
        job.processed_rows = 0
    if job.status in (Status.NEW, Status.PREVIEWED):
        job.processed_rows = 0
    job.status = Status.QUEUED
    job.cancel_requested = False
    job.error = ""
    job.heartbeat_at = timezone.now()
    job.save()
    _enqueue("run_import", job.pk)
    return job


def cancel(user, job: ImportJob) -> ImportJob:
    _require_owner(user, job)
    if job.status == Status.QUEUED:
        ImportJob.objects.filter(pk=job.pk, status=Status.QUEUED).update(
            status=Status.CANCELLED, finished_at=timezone.now()
        )
    elif job.status in (Status.RUNNING, Status.PREVIEWING):
        ImportJob.objects.filter(pk=job.pk).update(cancel_requested=True)
    else:
        raise InputErrors({"__all__": [_("This import is not running.")]})
    job.refresh_from_db()
    return job


def undo(user, job: ImportJob) -> ImportJob:
    _require_owner(user, job)
    if not job.can_undo:
        raise InputErrors({"__all__": [_("There is nothing of this import to undo.")]})
    job.status = Status.UNDOING
    job.heartbeat_at = timezone.now()
    job.error = ""
    job.save()
    _enqueue("undo_import", job.pk)
    return job


# -- the worker's side -----------------------------------------------------------------------


def _claim(pk: int, expected: str, running: str) -> ImportJob | None:
    now = timezone.now()
    claimed = ImportJob.objects.filter(pk=pk, status=expected).update(
        status=running, started_at=now, heartbeat_at=now
    )
    return ImportJob.objects.select_related("created_by").get(pk=pk) if claimed else None


def _finish(job: ImportJob, status: str, **values) -> None:
    ImportJob.objects.filter(pk=job.pk).update(
        status=status, finished_at=timezone.now(), heartbeat_at=timezone.now(), **values
    )


def execute_preview(pk: int) -> str:
    job = ImportJob.objects.select_related("created_by").filter(pk=pk).first()
    if job is None or job.status != Status.PREVIEWING:
        return "skipped"
    try:
        result = engine.Run(job, dry_run=True).dry()
    except reading.ImportFileError as exc:
        _finish(job, Status.NEW, error=str(exc))
        return "failed"
    except Exception as exc:  # the wizard must say so, not spin forever
        log.exception("import %s: preview failed", pk)
        _finish(job, Status.NEW, error=_("The check stopped: %(error)s") % {"error": exc})
        return "failed"
    if not ImportJob.objects.filter(pk=pk, status=Status.PREVIEWING).exists():
        return "superseded"  # reconfigured meanwhile: this preview is stale
    _finish(job, Status.PREVIEWED, preview=result, total_rows=result["rows"])
    return "previewed"


def execute_run(pk: int) -> str:
    job = _claim(pk, Status.QUEUED, Status.RUNNING)
    if job is None:
        return "skipped"
    runner = engine.Run(job, dry_run=False)
    try:
        if job.total_rows is None:
            ImportJob.objects.filter(pk=pk).update(total_rows=_count_rows(job))
        runner.real()
    except engine.Stop:
        _finish(job, Status.CANCELLED, cancel_requested=False)
        return "cancelled"
    except engine.Superseded:
        return "superseded"
    except Exception as exc:
        log.exception("import %s failed", pk)
        _finish(job, Status.FAILED, error=_("The import stopped: %(error)s") % {"error": exc})
        return "failed"
    finished = ImportJob.objects.filter(
        pk=pk, status=Status.RUNNING, started_at=job.started_at
    ).update(status=Status.DONE, finished_at=timezone.now(), heartbeat_at=timezone.now())
    return "done" if finished else "superseded"


def _count_rows(job: ImportJob) -> int:
    """The rows of the file, for the progress bar of an import that had no check; a long
    count keeps the heartbeat going so the job is not taken for dead."""
    total = 0
    for _row in engine.open_table(job).rows():
        total += 1
        if total % 20_000 == 0:
            ImportJob.objects.filter(pk=job.pk).update(heartbeat_at=timezone.now())
    return total


def execute_undo(pk: int) -> str:
    job = ImportJob.objects.select_related("created_by").filter(pk=pk).first()
    if job is None or job.status != Status.UNDOING:
        return "skipped"
    token = timezone.now()  # this undo's; a later one (after a restart) takes it over
    ImportJob.objects.filter(pk=pk, status=Status.UNDOING).update(
        started_at=token, heartbeat_at=token
    )
    spec = registry.get(job.entity)
    summary = _("Import #%(id)s undone") % {"id": job.pk}
    problems: list[str] = []
    # an undo drops as many objects as an import makes, and writes as many pages
    with gcpause.fewer_collections(), maintenance.fewer_checkpoints():
        for batch in job.batches.order_by("-number"):
            with transaction.atomic():
                for change in reversed(batch.updated):
                    obj = spec.queryset().filter(pk=change["id"]).first()
                    if obj is None:
                        continue
                    try:
                        services.update_record(
                            spec, job.created_by, obj, change["before"], check_permission=False,
                            origin={"summary": summary, "import": job.pk},
                        )  # fmt: skip
                    except InputErrors as exc:
                        problems.append(f"#{obj.pk}: {exc.first_message}")
                bulk.bulk_remove(
                    spec, job.created_by, engine.ids_of(batch.created_ids), summary=summary
                )
                for entity_key, related_pk in batch.created_related:
                    related = registry.find(entity_key)
                    if related is not None:
                        bulk.bulk_remove(related, job.created_by, [related_pk], summary=summary)
                still_ours = ImportJob.objects.filter(
                    pk=pk, status=Status.UNDOING, started_at=token
                ).update(
                    created_count=job.created_count - _count(batch.created_ids),
                    updated_count=job.updated_count - len(batch.updated),
                    processed_rows=max(0, job.processed_rows - batch.rows),
                    heartbeat_at=timezone.now(),
                )
                if not still_ours:
                    transaction.set_rollback(True)
                    return "superseded"
                job.created_count -= _count(batch.created_ids)
                job.updated_count -= len(batch.updated)
                job.processed_rows = max(0, job.processed_rows - batch.rows)
                batch.delete()
    _finish(job, Status.UNDONE, error="\n".join(problems[:50]))
    return "undone"


def _count(ranges: list[list[int]]) -> int:
    return sum(last - first + 1 for first, last in ranges)


STALE_MESSAGE = "The worker stopped in the middle of this import."


def reap_stalled(stale_after: timedelta = engine.STALE_AFTER) -> int:
    """Jobs whose worker stopped without a word (killed, machine restarted): a run or undo
    becomes "stopped" (resume or undo it), a check goes back to the mapping step."""
    limit = timezone.now() - stale_after
    stale = Q(heartbeat_at__lt=limit) | Q(heartbeat_at__isnull=True)
    message = _(STALE_MESSAGE)
    working = ImportJob.objects.filter(stale, status__in=(Status.RUNNING, Status.UNDOING))
    checking = ImportJob.objects.filter(stale, status=Status.PREVIEWING)
    # Pages and progress polls call this each time: read first, since an UPDATE takes
    # SQLite's write lock even when it changes nothing, and a poll then waited for a running
    # undo to let go of it (up to the 5 s busy timeout, then "database is locked").
    count = 0
    if working.exists():
        count += working.update(status=Status.FAILED, error=message, finished_at=timezone.now())
    if checking.exists():
        count += checking.update(status=Status.NEW, error=message)
    return count


KEEP_FILES_DAYS = 30


def purge_old_files(now=None, keep_days: int = KEEP_FILES_DAYS) -> dict[str, int]:
    """Uploaded files are kept while an import may still need them. After `keep_days`: a
    finished or undone import drops its file (its counts, report and undo log stay); an
    import never started (uploaded or checked, then left) goes with its file."""
    limit = (now or timezone.now()) - timedelta(days=keep_days)
    dropped = 0
    finished = ImportJob.objects.filter(
        status__in=(Status.DONE, Status.UNDONE), finished_at__lt=limit
    ).exclude(file="")
    for job in finished.iterator():
        job.file.delete(save=False)
        ImportJob.objects.filter(pk=job.pk).update(file="")
        dropped += 1
    abandoned = 0
    for job in ImportJob.objects.filter(
        status__in=(Status.NEW, Status.PREVIEWED), created_at__lt=limit
    ).iterator():
        if job.file:
            job.file.delete(save=False)
        job.delete()
        abandoned += 1
    return {"files_dropped": dropped, "abandoned_removed": abandoned}


# -- saved mappings --------------------------------------------------------------------------


def saved_mappings(user, entity_key: str):
    return SavedMapping.objects.filter(Q(owner=user) | Q(shared=True), entity=entity_key)


def save_mapping(
    user, job: ImportJob, name: str, *, shared: bool = False
) -> tuple[SavedMapping, bool]:
    """Keep the job's mapping and options under a name; (the mapping, whether it is new:
    the user's mapping of that name for the entity is replaced)."""
    name = (name or "").strip()
    if not name or len(name) > 100:
        raise InputErrors({"name": [_("Name the mapping (up to 100 characters).")]})
    options = {key: getattr(job, key) for key in OPTION_KEYS}
    saved, created = SavedMapping.objects.update_or_create(
        owner=user, entity=job.entity, name=name,
        defaults={"mapping": job.mapping, "options": options, "shared": bool(shared)},
    )  # fmt: skip
    return saved, created


def apply_mapping(user, job: ImportJob, saved: SavedMapping) -> ImportJob:
    """A saved mapping on a new file: headers it knows get its field, others stay as guessed."""
    if saved.entity != job.entity:
        raise InputErrors({"mapping": [_("This mapping is for another kind of record.")]})
    mapping = dict(job.mapping)
    by_norm = {reading.normalise_header(h): key for h, key in saved.mapping.items()}
    for header in job.headers:
        norm = reading.normalise_header(header)
        if norm in by_norm:
            mapping[header] = by_norm[norm]
    taken: set[str] = set()
    for header in job.headers:  # a field guessed for one column and saved for another
        key = mapping.get(header, "")
        if key and key in taken:
            mapping[header] = ""
        taken.add(key)
    return configure(user, job, {"mapping": mapping, **saved.options})


# -- the report ------------------------------------------------------------------------------


def report_rows(job: ImportJob, *, dry_run: bool = False) -> Iterator[list[str]]:
    """The rejected and skipped rows: line, reasons, then the row as it was in the file."""
    yield [_("Line"), _("Reasons"), *job.headers]
    problems = job.problems.filter(dry_run=dry_run).order_by("line", "id")
    for problem in problems.iterator(chunk_size=2000):
        cells_ = [safe_cell(str(value)) for value in problem.values]
        yield [
            "" if problem.line is None else str(problem.line),
            safe_cell("; ".join(problem.messages)),
            *cells_,
        ]


def problems_page(job: ImportJob, *, dry_run: bool, limit: int = 100) -> list[ImportProblem]:
    return list(job.problems.filter(dry_run=dry_run).order_by("line", "id")[:limit])


__all__ = ["ImportBatch", "ImportJob", "ImportProblem", "SavedMapping"]
