"""Backup and restore of a whole instance as one zip archive in open formats.

`write_backup` writes `manifest.json`, one `data/<app_label>.<model_name>.jsonl` per table
(canonical JSON lines, see `backup_format`) and `files/<name>` for every file a FileField
refers to, reading the database in one snapshot. `restore_backup` checks the archive against
this database (format, migrations, columns, an empty database), then in one transaction
replaces the archived tables' rows, checking every file's sha256 as it reads it, so a damaged
archive writes nothing. Afterwards it resets the sequences, bumps the registry (custom entity
types and fields are reloaded everywhere), re-creates the custom-field expression indexes and
re-reads every table to compare its content checksum with the archive's.

The search index and contact points are tables like any other: they are restored as they
were, and the full-text index follows them (FTS5 triggers on SQLite, a generated column on
PostgreSQL), so nothing has to be recomputed.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import zipfile
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import IO, Any

from django.apps import apps
from django.contrib.contenttypes.models import ContentType
from django.core.files.base import File
from django.core.management.color import no_style
from django.db import DatabaseError, connection, transaction
from django.utils import timezone

from kartoteka.platform import fastinsert

from . import backup_format as fmt
from .backup_format import BackupError, FileEntry, Manifest, TableEntry

Progress = Callable[[str], Any] | None
BATCH = 1000


def _say(progress: Progress, message: str) -> None:
    if progress is not None:
        progress(message)


def default_name(now=None) -> str:
    now = timezone.localtime(now or timezone.now())
    return now.strftime("kartoteka-backup-%Y%m%d-%H%M.zip")


# -- writing -------------------------------------------------------------------------------


@contextlib.contextmanager
def _snapshot() -> Iterator[None]:
    """Read every table as of one moment without blocking writers: a repeatable-read,
    read-only transaction on PostgreSQL; a deferred (read) transaction on SQLite, which in
    WAL mode sees one snapshot while others keep writing."""
    if connection.in_atomic_block:
        yield
    elif connection.vendor == "postgresql":
        with transaction.atomic():
            with connection.cursor() as cursor:
                cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
            yield
    else:
        connection.ensure_connection()
        with connection.cursor() as cursor:
            cursor.execute("BEGIN DEFERRED")
        try:
            yield
        finally:
            with connection.cursor() as cursor:
                cursor.execute("COMMIT")


def write_backup(target: str | Path | IO[bytes], *, progress: Progress = None) -> Manifest:
    """Write the archive to a path or a binary file object; returns its manifest."""
    manifest = Manifest(
        kartoteka_version=fmt.kartoteka_version(),
        created_at=timezone.now().isoformat(timespec="seconds"),
        database=connection.vendor,
    )
    with (
        zipfile.ZipFile(target, "w", compression=zipfile.ZIP_DEFLATED, allowZip64=True) as zf,
        _snapshot(),
    ):
        manifest.migrations = fmt.applied_migrations()
        for model in fmt.backed_up_models():
            entry = _write_table(zf, model)
            manifest.tables.append(entry)
            _say(progress, f"{entry.label}: {entry.rows}")
        _write_files(zf, manifest, progress)
        zf.writestr(fmt.MANIFEST_NAME, manifest.to_json())
    return manifest


def _member(zf: zipfile.ZipFile, name: str) -> IO[bytes]:
    """A compressed member dated now, written as a stream (zip64: tables may be huge)."""
    info = zipfile.ZipInfo(name, date_time=timezone.localtime().timetuple()[:6])
    info.compress_type = zipfile.ZIP_DEFLATED
    return zf.open(info, "w", force_zip64=True)


def _write_table(zf: zipfile.ZipFile, model) -> TableEntry:
    label = fmt.label_of(model)
    columns = sorted(fmt.columns_of(model))
    entry = TableEntry(label=label, file=f"data/{label}.jsonl", columns=columns)
    digest = hashlib.sha256()
    with _member(zf, entry.file) as out:
        for line in fmt.lines_of(model, columns):
            out.write(line)
            digest.update(line)
            entry.rows += 1
    # The file is the canonical lines, so both checksums agree; they are kept apart because
    # they answer different questions (is the archive intact / is the database the same).
    entry.sha256 = entry.checksum = digest.hexdigest()
    return entry


def _write_files(zf: zipfile.ZipFile, manifest: Manifest, progress: Progress) -> None:
    seen: set[tuple[str, str]] = set()
    for model in fmt.backed_up_models():
        for file_field in fmt.file_fields(model):
            field_label = f"{fmt.label_of(model)}.{file_field.name}"
            storage = file_field.storage
            names = (
                model._base_manager.exclude(**{file_field.attname: ""})
                .exclude(**{f"{file_field.attname}__isnull": True})
                .order_by(model._meta.pk.attname)
                .values_list(file_field.attname, flat=True)
                .iterator(chunk_size=fmt.CHUNK)
            )
            for name in names:
                if (field_label, name) in seen:
                    continue
                seen.add((field_label, name))
                try:
                    source = storage.open(name, "rb")
                except (OSError, ValueError):
                    manifest.missing_files.append(name)
                    continue
                digest, size = hashlib.sha256(), 0
                with source, _member(zf, f"files/{name}") as out:
                    while chunk := source.read(1 << 20):
                        digest.update(chunk)
                        size += len(chunk)
                        out.write(chunk)
                manifest.files.append(FileEntry(name, field_label, size, digest.hexdigest()))
    _say(progress, f"files: {len(manifest.files)}")


# -- restoring -----------------------------------------------------------------------------


def _data_models() -> list:
    """Tables whose rows mean someone used the instance (a fresh migration leaves them
    empty): users, every entity, the timeline, custom entity types and fields."""
    from kartoteka.platform.models import EntityModel

    labels = ("accounts.user", "timeline.activity", "customization.entitytype")
    found = [apps.get_model(label) for label in labels]
    found += [m for m in apps.get_models() if issubclass(m, EntityModel) and m not in found]
    return found


def data_present() -> list[str]:
    """What the database holds, as "3 × contacts.contact" lines; empty when fresh."""
    held = []
    for model in _data_models():
        count = model._base_manager.count()
        if count:
            held.append(f"{count} × {fmt.label_of(model)}")
    return held


def read_manifest(zf: zipfile.ZipFile) -> Manifest:
    try:
        raw = zf.read(fmt.MANIFEST_NAME)
    except KeyError:
        raise BackupError("This is not a Kartoteka backup: the archive has no manifest.json.")
    manifest = Manifest.from_json(raw)
    if manifest.format != fmt.FORMAT:
        raise BackupError(f"This is not a Kartoteka backup (format {manifest.format!r}).")
    if manifest.format_version > fmt.FORMAT_VERSION:
        raise BackupError(
            f"The backup uses format version {manifest.format_version}; this version of "
            f"Kartoteka reads up to {fmt.FORMAT_VERSION}. Upgrade Kartoteka to restore it."
        )
    return manifest


def check_compatible(zf: zipfile.ZipFile, manifest: Manifest) -> None:
    """Refuse, before writing anything, an archive this database cannot hold as it is."""
    applied = {tuple(pair) for pair in fmt.applied_migrations()}
    missing = sorted({tuple(pair) for pair in manifest.migrations} - applied)
    if missing:
        names = ", ".join(f"{app}.{name}" for app, name in missing[:10])
        more = f" and {len(missing) - 10} more" if len(missing) > 10 else ""
        raise BackupError(
            "The backup comes from a newer version of Kartoteka: this database lacks the "
            f"migrations {names}{more}. Upgrade Kartoteka, run `kartoteka migrate`, then "
            "restore again."
        )
    members = set(zf.namelist())
    for entry in manifest.tables:
        try:
            model = apps.get_model(entry.label)
        except (LookupError, ValueError):
            raise BackupError(f"The backup holds a table this Kartoteka lacks: {entry.label}.")
        unknown = set(entry.columns) - set(fmt.columns_of(model))
        if unknown:
            raise BackupError(
                f"The backup's table {entry.label} has columns this Kartoteka lacks: "
                f"{', '.join(sorted(unknown))}."
            )
        if entry.file not in members:
            raise BackupError(f"The archive is incomplete: {entry.file} is missing.")
    for file_entry in manifest.files:
        if f"files/{file_entry.path}" not in members:
            raise BackupError(f"The archive is incomplete: files/{file_entry.path} is missing.")


def restore_backup(
    source: str | Path | IO[bytes], *, progress: Progress = None, force: bool = False
) -> Manifest:
    """Rebuild this instance from an archive. Returns the archive's manifest with
    `mismatches` listing tables whose restored rows differ from it (empty when identical).
    Raises BackupError, having written nothing, when the archive cannot be restored."""
    try:
        zf = zipfile.ZipFile(source)
    except (zipfile.BadZipFile, OSError) as error:
        raise BackupError(f"The file is not a readable zip archive: {error}")
    with zf:
        manifest = read_manifest(zf)
        check_compatible(zf, manifest)
        held = data_present()
        if held and not force:
            raise BackupError(
                "The database is not empty (it holds "
                + ", ".join(held[:5])
                + "). Restore into a freshly migrated database, or pass --force to replace "
                "everything in it."
            )
        written: list[tuple[Any, str]] = []
        try:
            _load(zf, manifest, written, progress)
        except zipfile.BadZipFile as error:
            _remove(written)
            raise BackupError(f"The archive is damaged: {error}")
        except DatabaseError as error:
            _remove(written)
            raise BackupError(f"The database refused the backup's rows: {error}")
        except BaseException:
            _remove(written)
            raise
    ContentType.objects.clear_cache()
    manifest.mismatches = verify(manifest, progress)
    return manifest


def _load(zf: zipfile.ZipFile, manifest: Manifest, written: list, progress: Progress) -> None:
    from kartoteka.customization.indexes import ensure_indexes
    from kartoteka.platform.maintenance import after_bulk_load
    from kartoteka.platform.registry import registry

    models = [apps.get_model(entry.label) for entry in manifest.tables]
    with transaction.atomic():
        with connection.cursor() as cursor:
            for model in reversed(models):
                table = connection.ops.quote_name(model._meta.db_table)
                cursor.execute(f"DELETE FROM {table}")  # noqa: S608 (a quoted table name)
        for entry, model in zip(manifest.tables, models, strict=True):
            _load_table(zf, entry, model)
            _say(progress, f"{entry.label}: {entry.rows}")
        with connection.cursor() as cursor:
            for statement in connection.ops.sequence_reset_sql(no_style(), models):
                cursor.execute(statement)
        try:
            connection.check_constraints()
        except Exception as error:  # noqa: BLE001 (IntegrityError from either database)
            raise BackupError(f"The backup's rows break a reference between tables: {error}")
        for file_entry in manifest.files:
            _restore_file(zf, file_entry, written)
        _say(progress, f"files: {len(manifest.files)}")
        registry.bump()
        ensure_indexes()
    after_bulk_load(manifest.total_rows)


def _load_table(zf: zipfile.ZipFile, entry: TableEntry, model) -> None:
    fields = fmt.columns_of(model)
    # Columns a newer schema added take their defaults; the archive's columns come first.
    extra = [name for name in fields if name not in entry.columns]
    columns = [*entry.columns, *extra]
    defaults = [fields[name].get_default() for name in extra]
    quoted = ", ".join(connection.ops.quote_name(fields[name].column) for name in columns)
    sqlite = connection.vendor == "sqlite"
    marks = ", ".join(["?" if sqlite else "%s"] * len(columns))
    table = connection.ops.quote_name(model._meta.db_table)
    sql = f"INSERT INTO {table} ({quoted}) VALUES ({marks})"  # noqa: S608 (quoted names)
    targets = [fields[name] for name in columns]

    def write(cursor, rows: list) -> None:
        if sqlite:  # many rows a statement: search entries feed FTS5 (see execute_rows)
            fastinsert.execute_rows(cursor, sql, len(columns), rows)
        else:
            cursor.executemany(sql, rows)

    digest, count, batch = hashlib.sha256(), 0, []
    connection.ensure_connection()
    cursor = connection.connection.cursor() if sqlite else connection.cursor()
    with zf.open(entry.file) as stream, contextlib.closing(cursor):
        for line in stream:
            digest.update(line)
            count += 1
            try:
                values = json.loads(line)
                row = [fmt.decode(fields[name], values[name]) for name in entry.columns]
            except (ValueError, KeyError, TypeError) as error:
                raise BackupError(f"{entry.file}, line {count}, cannot be read: {error}")
            row += defaults
            batch.append(
                [f.get_db_prep_save(v, connection) for f, v in zip(targets, row, strict=True)]
            )
            if len(batch) >= BATCH:
                write(cursor, batch)
                batch = []
        if batch:
            write(cursor, batch)
    if digest.hexdigest() != entry.sha256 or count != entry.rows:
        raise BackupError(
            f"The archive is damaged: {entry.file} does not match its checksum in the "
            "manifest. Nothing was restored."
        )


def _restore_file(zf: zipfile.ZipFile, entry: FileEntry, written: list) -> None:
    app_label, model_name, field_name = entry.field.split(".")
    storage = apps.get_model(app_label, model_name)._meta.get_field(field_name).storage
    digest = hashlib.sha256()
    with zf.open(f"files/{entry.path}") as stream:
        if storage.exists(entry.path):
            storage.delete(entry.path)
        with _Hashing(stream, digest) as hashing:
            saved = storage.save(entry.path, File(hashing, name=entry.path))
        written.append((storage, saved))
    if digest.hexdigest() != entry.sha256 or saved != entry.path:
        raise BackupError(
            f"The archive is damaged: files/{entry.path} does not match its checksum in the "
            "manifest. Nothing was restored."
        )


class _Hashing:
    """A read-only file wrapper that hashes what the storage reads from it."""

    def __init__(self, stream, digest) -> None:
        self.stream, self.digest = stream, digest

    def read(self, size: int = -1) -> bytes:
        data = self.stream.read(size)
        self.digest.update(data)
        return data

    def __enter__(self):
        return self

    def __exit__(self, *exc) -> None:
        return None


def _remove(written: list) -> None:
    for storage, name in written:
        with contextlib.suppress(OSError):
            storage.delete(name)


def verify(manifest: Manifest, progress: Progress = None) -> list[str]:
    """Re-read every restored table the way the backup read it; the tables that differ."""
    mismatches = []
    for entry in manifest.tables:
        model = apps.get_model(entry.label)
        rows, checksum = fmt.table_checksum(model, entry.columns)
        if (rows, checksum) != (entry.rows, entry.checksum):
            mismatches.append(f"{entry.label}: {rows} rows (archive: {entry.rows}), checksum")
    _say(progress, "checksums match" if not mismatches else "checksums differ")
    return mismatches
