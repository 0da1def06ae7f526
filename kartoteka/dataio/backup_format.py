"""What a backup holds and how its rows are written, independent of the database.

Owns the manifest (format, versions, migrations, per-table counts and checksums), the choice of
tables (every concrete table of the installed apps, auto-created many-to-many tables included,
except sessions and the schema-version counter), and the canonical form of a row: a JSON
object keyed by column name with sorted keys, datetimes as ISO 8601 in UTC with
microseconds, Decimals as strings, durations as microseconds, bytes as base64. The same row
gives the same line on SQLite and on PostgreSQL, so a table's content checksum (sha256 over its
lines, ordered by primary key) proves a restore complete whatever database it went into.
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import json
import uuid
from collections.abc import Iterator
from dataclasses import asdict, dataclass, field
from decimal import Decimal
from importlib import metadata
from typing import Any

from django.apps import apps
from django.db import connection, models
from django.db.migrations.recorder import MigrationRecorder

FORMAT = "kartoteka-backup"
FORMAT_VERSION = 1
MANIFEST_NAME = "manifest.json"
CHUNK = 2000

# Sessions die with the instance (they are signed with its SECRET_KEY); the schema version
# only tells running processes to reload the registry, and restore bumps it instead.
EXCLUDED = frozenset({"sessions.session", "platform.schemaversion"})


class BackupError(Exception):
    """A backup cannot be written or restored; the message says why, for a person."""


@dataclass
class TableEntry:
    label: str  # "app_label.model_name"
    file: str
    columns: list[str]
    rows: int = 0
    sha256: str = ""  # of the file's bytes, checked before anything is written
    checksum: str = ""  # of the canonical lines, recomputed from the restored database


@dataclass
class FileEntry:
    path: str  # the name in the storage, stored in the archive as files/<path>
    field: str  # "app_label.model_name.field_name", whose storage holds the file
    size: int
    sha256: str


@dataclass
class Manifest:
    format: str = FORMAT
    format_version: int = FORMAT_VERSION
    kartoteka_version: str = ""
    created_at: str = ""
    database: str = ""
    migrations: list[list[str]] = field(default_factory=list)
    tables: list[TableEntry] = field(default_factory=list)
    files: list[FileEntry] = field(default_factory=list)
    missing_files: list[str] = field(default_factory=list)
    # filled by a restore: tables whose rows differ from the archive after loading
    mismatches: list[str] = field(default_factory=list)

    def to_json(self) -> bytes:
        data = asdict(self)
        data.pop("mismatches")
        return json.dumps(data, ensure_ascii=False, indent=1).encode()

    @classmethod
    def from_json(cls, raw: bytes) -> Manifest:
        try:
            data = json.loads(raw)
            data.pop("mismatches", None)
            manifest = cls(**{k: v for k, v in data.items() if k not in ("tables", "files")})
            manifest.tables = [TableEntry(**entry) for entry in data.get("tables", [])]
            manifest.files = [FileEntry(**entry) for entry in data.get("files", [])]
        except (ValueError, TypeError, AttributeError) as error:
            raise BackupError(f"The archive's manifest cannot be read: {error}")
        return manifest

    def table(self, label: str) -> TableEntry | None:
        return next((entry for entry in self.tables if entry.label == label), None)

    def checksums(self) -> dict[str, tuple[int, str]]:
        """{table: (rows, content checksum)}: what two instances must agree on."""
        return {entry.label: (entry.rows, entry.checksum) for entry in self.tables}

    @property
    def total_rows(self) -> int:
        return sum(entry.rows for entry in self.tables)


def kartoteka_version() -> str:
    try:
        return metadata.version("kartoteka")
    except metadata.PackageNotFoundError:
        return "unknown"


def applied_migrations() -> list[list[str]]:
    recorder = MigrationRecorder(connection)
    return sorted([app, name] for app, name in recorder.applied_migrations())


def label_of(model: type[models.Model]) -> str:
    return model._meta.label_lower


def backed_up_models() -> list[type[models.Model]]:
    """Every table that holds data, in a stable order (by label). Foreign keys are checked
    at commit (Django creates them deferrable on both databases), so order is cosmetic.
    A model whose table is not there (its migration not yet applied) has nothing to save."""
    existing = set(connection.introspection.table_names())
    found = []
    for model in apps.get_models(include_auto_created=True):
        opts = model._meta
        if opts.proxy or not opts.managed or opts.swapped or label_of(model) in EXCLUDED:
            continue
        if opts.db_table not in existing:
            continue
        found.append(model)
    return sorted(found, key=label_of)


def columns_of(model: type[models.Model]) -> dict[str, models.Field]:
    """{column attname: field} of the model's own table (not a parent's), without
    database-generated columns."""
    return {
        f.attname: f
        for f in model._meta.local_concrete_fields
        if not getattr(f, "generated", False)
    }


def file_fields(model: type[models.Model]) -> list[models.FileField]:
    return [f for f in model._meta.local_concrete_fields if isinstance(f, models.FileField)]


# -- canonical values ----------------------------------------------------------------------


def encode(value: Any) -> Any:
    """A value read through the ORM → its JSON form (equal on every database)."""
    if value is None or isinstance(value, bool | int | str | float):
        return value
    if isinstance(value, dt.datetime):
        if value.tzinfo is not None:
            value = value.astimezone(dt.UTC)
        return value.isoformat(timespec="microseconds")
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, dt.time):
        return value.isoformat(timespec="microseconds")
    if isinstance(value, dt.timedelta):
        return value // dt.timedelta(microseconds=1)
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, uuid.UUID):
        return str(value)
    if isinstance(value, bytes | memoryview | bytearray):
        return base64.b64encode(bytes(value)).decode("ascii")
    if isinstance(value, dict | list):
        return value  # JSON fields: dumped with sorted keys
    if isinstance(value, models.fields.files.FieldFile):
        return value.name
    return str(value)


def decode(model_field: models.Field, value: Any) -> Any:
    """The JSON form → the Python value the field saves."""
    if value is None:
        return None
    kind = model_field.get_internal_type()
    if kind == "DateTimeField":
        return dt.datetime.fromisoformat(value)
    if kind == "DateField":
        return dt.date.fromisoformat(value)
    if kind == "TimeField":
        return dt.time.fromisoformat(value)
    if kind == "DurationField":
        return dt.timedelta(microseconds=value)
    if kind == "DecimalField":
        return Decimal(value)
    if kind == "UUIDField":
        return uuid.UUID(value)
    if kind == "BinaryField":
        return base64.b64decode(value)
    return value


def line_of(columns: list[str], row: tuple) -> bytes:
    values = {column: encode(value) for column, value in zip(columns, row, strict=True)}
    return (
        json.dumps(values, ensure_ascii=False, sort_keys=True, separators=(",", ":")) + "\n"
    ).encode()


def lines_of(model: type[models.Model], columns: list[str]) -> Iterator[bytes]:
    """The table's canonical lines, ordered by primary key, read in chunks (flat memory)."""
    pk = model._meta.pk.attname
    rows = model._base_manager.order_by(pk).values_list(*columns).iterator(chunk_size=CHUNK)
    for row in rows:
        yield line_of(columns, row)


def table_checksum(model: type[models.Model], columns: list[str]) -> tuple[int, str]:
    """(rows, sha256 of the canonical lines) of a table as the database holds it now."""
    digest = hashlib.sha256()
    count = 0
    for line in lines_of(model, columns):
        digest.update(line)
        count += 1
    return count, digest.hexdigest()
