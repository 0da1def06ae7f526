"""Running an import: the dry run that previews it, the run that writes it, resuming after a
crash, cancelling, undoing.

Both passes read the file the same way and decide each row the same way — create, update,
skip or reject — so the preview tells what the run will do. The run writes a batch at a time:
records, the batch's undo log (`ImportBatch`), its rejected rows and the job's counters commit
in one transaction, so whatever stops the worker (a crash, SIGKILL, a full disk) leaves whole
batches and a job that knows exactly which. A stopped job resumes after its last batch or is
undone from its batches. Reading the cells and checking a row's own values may be done ahead
by a second process (`reader`), with the same result.

What the documentation promises about rows:
- a row whose cells cannot be read (a bad date, an unknown choice, a missing company without
  "create what is missing") is rejected with every reason, and nothing of it is written;
- with a key chosen, a row whose key matches one record updates it (or is skipped, as chosen),
  matches several: rejected; a second row with the same key in one batch: rejected;
- a row that changes nothing on the record it matches counts as skipped.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from itertools import islice
from typing import Any

from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from kartoteka.imports import reading
from kartoteka.platform import bulk, gcpause, maintenance, permissions, services
from kartoteka.platform.fields import FieldType, InputErrors, convert
from kartoteka.platform.models import ContactPoint
from kartoteka.platform.registry import EntitySpec, registry

from . import cells, choices, reader, vcf_table
from .models import ImportBatch, ImportJob, ImportProblem
from .resolve import RecordFinder, UserDirectory, finder_for

log = logging.getLogger(__name__)

BATCH = 2000  # rows a batch holds at most: its records, undo log and report commit together
BATCH_CHARS = 4_000_000  # and at most about this much text (a file of very wide rows)
SAMPLE_ROWS = 500
PREVIEW_ROWS = 20
MAX_DRY_PROBLEMS = 1000
STALE_AFTER = timedelta(minutes=3)
ID_KEY = "id"


class Stop(Exception):
    """The job was cancelled between two batches."""


class Superseded(Exception):
    """The job is no longer this run's: it was marked stopped (its heartbeat looked dead) and
    perhaps resumed by another worker. The batch in hand is rolled back, nothing else is
    touched: two runs of one import never both write."""


def open_table(job: ImportJob) -> reading.Table:
    return vcf_table.open_table(job.file.path, filename=job.filename, sheet=job.sheet or None)


def key_choices(entity: EntitySpec) -> list[tuple[str, str]]:
    """Fields a file may be matched on: the id, unique fields, emails, phones, the title."""
    options = [(ID_KEY, "ID")]
    for spec in entity.fields:
        if not spec.editable or spec.type in (FieldType.USER, FieldType.RELATION):
            continue
        if (
            spec.unique
            or spec.type in (FieldType.EMAIL, FieldType.PHONE)
            or spec.key in (entity.title_field, "sku")
        ):
            options.append((spec.key, str(spec.label)))
    return options


def mappable_fields(entity: EntitySpec) -> list[tuple[str, str]]:
    fields = [(spec.key, str(spec.label)) for spec in entity.fields if spec.editable]
    return [(ID_KEY, "ID"), *fields, (cells.CREATED_AT, _("Created"))]


@dataclass
class RowWork:
    line: int
    cells: list[Any]
    data: dict[str, Any] = field(default_factory=dict)
    errors: list[str] = field(default_factory=list)
    created_at: Any = None
    key: Any = None
    existing: Any = None
    action: str = ""
    pending: dict[str, str] = field(default_factory=dict)  # field → name of a record to make
    checked: Any = None  # `bulk.check_input` of `data`, done ahead (`reader.check`)


@dataclass
class Tally:
    created: int = 0
    updated: int = 0
    skipped: int = 0
    rejected: int = 0
    rows: int = 0
    new_related: dict[str, list[str]] = field(default_factory=dict)
    sample: list[dict] = field(default_factory=list)
    problems: int = 0


class Run:
    """One pass over the file: `dry_run` decides and counts, the real one writes."""

    def __init__(self, job: ImportJob, *, dry_run: bool):
        self.job = job
        self.dry_run = dry_run
        self.entity = registry.get(job.entity)
        self.user = job.created_by
        self.tally = Tally()
        self.seen_keys: set = set()  # dry run: keys of earlier batches (the run asks the db)
        self.summary = _("Imported from %(file)s (import #%(id)s)") % {
            "file": job.filename,
            "id": job.pk,
        }

    # -- set-up ---------------------------------------------------------------------------

    def prepare(self) -> None:
        job, entity = self.job, self.entity
        self.table = open_table(job)
        sample = [row for _line, row in islice(self.table.rows(), SAMPLE_ROWS)]
        self.columns = cells.build_columns(
            self.table.headers,
            job.mapping,
            entity.fields_by_key,
            sample,
            day_first=job.day_first,
            decimal_comma=job.decimal_comma,
        )
        self.id_column = next(
            (i for i, h in enumerate(self.table.headers) if job.mapping.get(h) == ID_KEY), None
        )
        self.users = UserDirectory()
        self.finders: dict[str, RecordFinder] = {}
        for column in self.columns:
            if column.spec is not None and column.spec.type == FieldType.RELATION:
                finder = finder_for(column.spec)
                if finder is not None:
                    self.finders[column.key] = finder
        self.key_spec = entity.field(job.key_field) if job.key_field not in ("", ID_KEY) else None

    def batches(self, after_line: int) -> Iterator[list[tuple[int, list[Any]]]]:
        """The rows after `after_line`, `BATCH` at a time, or fewer where the rows are wide:
        a batch ends once its text cells hold `BATCH_CHARS` characters, so that what a batch
        keeps in memory does not depend on how wide a file's rows are."""
        batch: list[tuple[int, list[Any]]] = []
        chars = 0
        for line, row in self.table.rows():
            if line <= after_line:
                continue
            batch.append((line, row))
            chars += sum(len(cell) for cell in row if type(cell) is str)
            if len(batch) >= BATCH or chars >= BATCH_CHARS:
                yield batch
                batch, chars = [], 0
        if batch:
            yield batch

    @contextmanager
    def reading(self, after_line: int) -> Iterator[Iterable[list[RowWork]]]:
        """The file's rows after `after_line`, read, a batch at a time: by a second process
        when the rows need nothing from the database (`reader`), else here. Garbage
        collections are fewer meanwhile (`gcpause`), in the reader too."""
        with gcpause.fewer_collections(), maintenance.fewer_checkpoints():
            if reader.eligible(self):
                with reader.Reader(self, after_line) as batches:
                    yield batches
            else:
                yield (self.read(batch) for batch in self.batches(after_line))

    # -- one batch ------------------------------------------------------------------------

    def read(self, batch: list[tuple[int, list[Any]]]) -> list[RowWork]:
        works = []
        for line, row in batch:
            work = RowWork(line=line, cells=row)
            for column in self.columns:
                value, error = column.read(row[column.index], self.job.add_choices)
                if error:
                    work.errors.append(f"{column.header}: {error}")
                elif value is None or value == []:
                    continue
                elif column.key == cells.CREATED_AT:
                    work.created_at = datetime.fromisoformat(value)
                else:
                    work.data[column.key] = value
            if self.id_column is not None:
                text = cells._text(row[self.id_column])
                if text:
                    if text.isdigit():
                        work.key = int(text) if self.job.key_field == ID_KEY else None
                    else:
                        work.errors.append(_("ID: “%(value)s” is not a number.") % {"value": text})
            if not work.data and not work.errors and work.key is None:
                work.action = "skip"
                work.errors.append(_("Nothing to import: the mapped columns are empty."))
            works.append(work)
        return works

    def resolve(self, works: list[RowWork]) -> None:
        for column in self.columns:
            if not column.is_reference:
                continue
            key = column.key
            todo = [w for w in works if key in w.data]
            if not todo:
                continue
            if column.spec.type == FieldType.USER:
                for work in todo:
                    pk, error = self.users.find(str(work.data[key]))
                    if error:
                        work.errors.append(f"{column.header}: {error}")
                    else:
                        work.data[key] = pk
                continue
            finder = self.finders.get(key)
            if finder is None:
                continue
            found = finder.find_many(str(w.data[key]) for w in todo)
            for work in todo:
                text = str(work.data[key]).strip()
                pk, error = found.get(text, (None, None))
                if error:
                    work.errors.append(f"{column.header}: {error}")
                elif pk is not None:
                    work.data[key] = pk
                elif self.job.create_missing:
                    # made only if the row is imported: a refused row leaves nothing behind
                    work.pending[key] = text
                    del work.data[key]
                else:
                    work.errors.append(f"{column.header}: {finder.missing_message(text)}")

    def make_pending(self, works: list[RowWork], created_related: list) -> dict:
        """The records that rows about to be written name but that do not exist yet, made
        once each (in the dry run only counted): {(field, name): id}."""
        wanted: dict[str, list[str]] = {}
        for work in works:
            for key, name in work.pending.items():
                names = wanted.setdefault(key, [])
                if name not in names:
                    names.append(name)
        made: dict[tuple[str, str], Any] = {}
        for key, names in wanted.items():
            finder = self.finders[key]
            for name, pk in self.create_related(finder, names, created_related).items():
                made[(key, name)] = pk
        return made

    def create_related(
        self, finder: RecordFinder, names: list[str], created_related: list
    ) -> dict[str, Any]:
        """Records named but absent, made with their name as title (in the dry run: listed,
        and stood in for by None, which nothing looks up)."""
        related = finder.entity
        listed = self.tally.new_related.setdefault(related.key, [])
        for name in names:
            if name not in listed and len(listed) < 50:
                listed.append(name)
        if self.dry_run:
            return {name: None for name in names}
        todo = [name for name in names if cells.fold(name) not in finder.created]
        made = {name: finder.created[cells.fold(name)] for name in names if name not in todo}
        if not todo:
            return made
        permissions.require(self.user, related.key, "create")
        good, _errors = bulk.validate_rows(
            related, self.user, [{related.title_field: name} for name in todo], require=False
        )
        ids = bulk.write_rows(related, self.user, good, summary=self.summary)
        for (index, _clean, _row), pk in zip(good, ids, strict=True):
            made[todo[index]] = pk
            finder.created[cells.fold(todo[index])] = pk
            created_related.append([related.key, pk])
        return made

    def match_keys(self, works: list[RowWork]) -> None:
        job = self.job
        if not job.key_field:
            return
        first_line: dict[Any, int] = {}
        for work in works:
            if work.errors:
                continue
            if job.key_field != ID_KEY:
                raw = work.data.get(job.key_field)
                if raw in (None, "", []):
                    continue
                try:
                    clean = convert(self.key_spec, raw)
                except Exception:
                    continue  # the validator will say what is wrong with it
                work.key = clean[0] if isinstance(clean, list) else clean
            if work.key is None:
                continue
            if work.key in first_line:
                work.errors.append(
                    _("The same %(key)s as line %(line)s of this file.")
                    % {"key": self.key_label(), "line": first_line[work.key]}
                )
                continue
            first_line[work.key] = work.line
        wanted = [w for w in works if not w.errors and w.key is not None]
        if not wanted:
            return
        found = self.lookup([w.key for w in wanted])
        for work in wanted:
            matches = found.get(work.key, [])
            if len(matches) > 1:
                work.errors.append(
                    _("%(count)s records have this %(key)s; merge them first.")
                    % {"count": len(matches), "key": self.key_label()}
                )
            elif matches:
                work.existing = matches[0]
            elif self.dry_run and work.key in self.seen_keys:
                work.existing = "earlier row"
            if self.dry_run:
                self.seen_keys.add(work.key)
        # an ID that exists nowhere (a file exported from another instance) makes a new
        # record with a new ID: IDs are never chosen by the file

    def key_label(self) -> str:
        return "ID" if self.key_spec is None else str(self.key_spec.label).lower()

    def lookup(self, keys: list) -> dict[Any, list]:
        entity, key = self.entity, self.job.key_field
        manager = entity.queryset()
        if key == ID_KEY:
            objs = manager.filter(pk__in=keys)
            return {obj.pk: [obj] for obj in objs}
        spec = self.key_spec
        if spec.type in (FieldType.EMAIL, FieldType.PHONE) and spec.multiple:
            kind = ContactPoint.EMAIL if spec.type == FieldType.EMAIL else ContactPoint.PHONE
            pairs = list(
                ContactPoint.objects.filter(
                    entity=entity.key, kind=kind, value__in=[str(k) for k in keys]
                ).values_list("value", "object_id")
            )
            objs = {obj.pk: obj for obj in manager.filter(pk__in={pk for _v, pk in pairs})}
            result: dict[Any, list] = {}
            for value, pk in pairs:
                if pk in objs and objs[pk] not in result.setdefault(value, []):
                    result[value].append(objs[pk])
            return result
        lookup = {"custom": f"custom__{key}__in", "fk": f"{key}_id__in"}.get(
            spec.storage, f"{key}__in"
        )
        result = {}
        for obj in manager.filter(**{lookup: keys}):
            result.setdefault(services.get_value(obj, spec), []).append(obj)
        return result

    def decide_updates(self, works: list[RowWork], updated_log: list) -> None:
        entity = self.entity
        for work in works:
            if work.errors or work.existing is None:
                continue
            if self.job.on_duplicate == ImportJob.OnDuplicate.SKIP:
                work.action = "skip"
                work.errors.append(
                    _("Skipped: a record with this %(key)s exists.") % {"key": self.key_label()}
                )
                continue
            if work.existing == "earlier row":
                work.action = "update"
                continue
            obj = work.existing
            if not permissions.may_act_on(self.user, entity.key, "change", obj):
                work.errors.append(
                    _("A record with this %(key)s exists and you may not change it.")
                    % {"key": self.key_label()}
                )
                continue
            try:
                clean = services.validate(entity, self.user, work.data, partial=True, instance=obj)
            except InputErrors as exc:
                work.errors.extend(self.messages(exc.errors))
                continue
            changes = services._changes(entity, obj, clean)
            if not changes and not work.pending:
                work.action = "unchanged"
                continue
            work.action = "update"
            if work.pending:
                made = self.make_pending([work], self.related_log)
                for key, name in work.pending.items():
                    work.data[key] = made[(key, name)]
                if not self.dry_run:
                    clean = services.validate(
                        entity, self.user, work.data, partial=True, instance=obj
                    )
                    changes = services._changes(entity, obj, clean)
            if self.dry_run:
                continue
            before = {change["field"]: change["old"] for change in changes}
            services.update_record(
                entity,
                self.user,
                obj,
                work.data,
                check_permission=False,
                origin={"summary": self.summary, "import": self.job.pk},
            )
            updated_log.append({"id": obj.pk, "before": before})

    def create_new(self, works: list[RowWork]) -> list[int]:
        fresh = [w for w in works if not w.errors and w.existing is None and not w.action]
        if not fresh:
            return []
        rows = [
            bulk.BulkRow(data=w.data, created_at=w.created_at, checked=w.checked) for w in fresh
        ]
        good, errors = bulk.validate_rows(self.entity, self.user, rows)
        for index, errs in errors:
            fresh[index].errors.extend(self.messages(errs))
        for index, _clean, _row in good:
            fresh[index].action = "create"
        made = self.make_pending([fresh[index] for index, _c, _r in good], self.related_log)
        for index, clean, _row in good:
            for key, name in fresh[index].pending.items():
                clean[key] = made[(key, name)]
        if self.dry_run or not good:
            return []
        return bulk.write_rows(
            self.entity,
            self.user,
            good,
            summary=self.summary,
            payload={"import": self.job.pk},
        )

    def messages(self, errors: dict[str, list[str]]) -> list[str]:
        out = []
        for key, messages in errors.items():
            spec = self.entity.field(key)
            header = next((c.header for c in self.columns if c.key == key), None)
            name = header or (str(spec.label) if spec is not None else "")
            out.extend(f"{name}: {m}" if key != "__all__" and name else m for m in messages)
        return out

    def process(self, works: list[RowWork]) -> tuple[list[RowWork], dict]:
        log_: dict[str, list] = {"created_related": [], "updated": [], "created": []}
        self.related_log = log_["created_related"]
        self.resolve(works)
        choices.add_new(self, works)
        self.match_keys(works)
        self.decide_updates(works, log_["updated"])
        log_["created"] = self.create_new(works)
        for work in works:
            if work.errors and work.action not in ("skip",):
                work.action = "reject"
        return works, log_

    # -- the passes -----------------------------------------------------------------------

    def count(self, works: list[RowWork]) -> dict[str, int]:
        counts = {"created": 0, "updated": 0, "skipped": 0, "rejected": 0}
        for work in works:
            name = {"create": "created", "update": "updated", "reject": "rejected"}.get(
                work.action, "skipped"
            )
            counts[name] += 1
        return counts

    def dry(self) -> dict:
        job = self.job
        self.prepare()
        ImportProblem.objects.filter(job=job).delete()
        with self.reading(0) as batches:
            for read in batches:
                self.dry_batch(read)
        return self.preview_of(self.tally)

    def dry_batch(self, read: list[RowWork]) -> None:
        job = self.job
        with transaction.atomic():
            works, _log = self.process(read)
            transaction.set_rollback(True)  # a dry run leaves nothing, not even a company
        counts = self.count(works)
        tally = self.tally
        tally.created += counts["created"]
        tally.updated += counts["updated"]
        tally.skipped += counts["skipped"]
        tally.rejected += counts["rejected"]
        tally.rows += len(works)
        for work in works:
            if len(tally.sample) < PREVIEW_ROWS:
                tally.sample.append(self.describe(work))
        problems = [w for w in works if w.errors and w.action != "unchanged"]
        room = MAX_DRY_PROBLEMS - tally.problems
        if room > 0:
            ImportProblem.objects.bulk_create(
                self.problem(w, dry_run=True) for w in problems[:room]
            )
        tally.problems += len(problems)
        ImportJob.objects.filter(pk=job.pk).update(
            processed_rows=tally.rows, heartbeat_at=timezone.now()
        )

    def preview_of(self, tally: Tally) -> dict:
        return {
            "rows": tally.rows,
            "created": tally.created,
            "updated": tally.updated,
            "skipped": tally.skipped,
            "rejected": tally.rejected,
            "problems": tally.problems,
            "new_related": tally.new_related,
            "new_choices": {
                c.key: sorted(c.new_choices)[:50] for c in self.columns if c.new_choices
            },
            "sample": tally.sample,
            "file_problems": [
                {"line": p.line, "message": p.message} for p in self.table.problems[:100]
            ],
        }

    def describe(self, work: RowWork) -> dict:
        values = {}
        for column in self.columns:
            value = work.cells[column.index]
            if not reading._blank(value):
                values[column.header] = cells._text(value)[:100]
        return {
            "line": work.line,
            "action": work.action or "create",
            "values": values,
            "errors": work.errors[:5],
        }

    def problem(self, work: RowWork, *, dry_run: bool = False) -> ImportProblem:
        return ImportProblem(
            job=self.job,
            line=work.line,
            values=[cells._text(cell)[:1000] for cell in work.cells],
            messages=work.errors,
            dry_run=dry_run,
        )

    def real(self) -> None:
        job = self.job
        self.prepare()
        done = job.batches.order_by("-number").first()
        after_line = done.last_line if done else 0
        number = done.number if done else 0
        if done is None:
            ImportProblem.objects.filter(job=job).delete()
        with self.reading(after_line) as batches:
            for read in batches:
                number = self.real_batch(read, number)
        self.file_problems_to_report()
        maintenance.after_bulk_load(self.tally.created)

    def real_batch(self, read: list[RowWork], number: int) -> int:
        job = self.job
        if ImportJob.objects.filter(pk=job.pk, cancel_requested=True).exists():
            raise Stop
        number += 1
        with transaction.atomic():
            works, undo_log = self.process(read)
            counts = self.count(works)
            ImportBatch.objects.create(
                job=job,
                number=number,
                last_line=works[-1].line,
                rows=len(works),
                created_ids=_ranges(undo_log["created"]),
                updated=undo_log["updated"],
                created_related=undo_log["created_related"],
            )
            ImportProblem.objects.bulk_create(
                self.problem(w) for w in works if w.errors and w.action != "unchanged"
            )
            still_ours = ImportJob.objects.filter(
                pk=job.pk, status=ImportJob.Status.RUNNING, started_at=job.started_at
            ).update(
                processed_rows=F("processed_rows") + len(works),
                created_count=F("created_count") + counts["created"],
                updated_count=F("updated_count") + counts["updated"],
                skipped_count=F("skipped_count") + counts["skipped"],
                rejected_count=F("rejected_count") + counts["rejected"],
                heartbeat_at=timezone.now(),
            )
            if not still_ours:
                raise Superseded
        self.tally.created += counts["created"]
        return number

    def file_problems_to_report(self) -> None:
        """Lines the reader itself could not take (an unclosed quote, a too-long cell) go into
        the report too; they are known once the whole file has been read."""
        with transaction.atomic():
            ImportProblem.objects.filter(job=self.job, kind=ImportProblem.FILE).delete()
            ImportProblem.objects.bulk_create(
                ImportProblem(
                    job=self.job, line=p.line, messages=[p.message], kind=ImportProblem.FILE
                )
                for p in self.table.problems
            )


def _ranges(ids: list[int]) -> list[list[int]]:
    ranges: list[list[int]] = []
    for pk in sorted(ids):
        if ranges and ranges[-1][1] == pk - 1:
            ranges[-1][1] = pk
        else:
            ranges.append([pk, pk])
    return ranges


def ids_of(ranges: list[list[int]]) -> Iterator[int]:
    for first, last in ranges:
        yield from range(first, last + 1)
