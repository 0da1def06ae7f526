"""The full-text index over SearchEntry.document: FTS5 on SQLite (kept in step by triggers),
a generated tsvector with a GIN index on PostgreSQL; and the first schema version row."""

from django.db import migrations

SQLITE = [
    """CREATE VIRTUAL TABLE platform_search_fts USING fts5(
        document, content='platform_searchentry', content_rowid='id',
        tokenize='unicode61 remove_diacritics 2', prefix='2 3')""",
    """CREATE TRIGGER platform_search_ai AFTER INSERT ON platform_searchentry BEGIN
        INSERT INTO platform_search_fts(rowid, document) VALUES (new.id, new.document);
    END""",
    """CREATE TRIGGER platform_search_ad AFTER DELETE ON platform_searchentry BEGIN
        INSERT INTO platform_search_fts(platform_search_fts, rowid, document)
        VALUES ('delete', old.id, old.document);
    END""",
    """CREATE TRIGGER platform_search_au AFTER UPDATE ON platform_searchentry BEGIN
        INSERT INTO platform_search_fts(platform_search_fts, rowid, document)
        VALUES ('delete', old.id, old.document);
        INSERT INTO platform_search_fts(rowid, document) VALUES (new.id, new.document);
    END""",
]
SQLITE_REVERSE = [
    "DROP TRIGGER IF EXISTS platform_search_au",
    "DROP TRIGGER IF EXISTS platform_search_ad",
    "DROP TRIGGER IF EXISTS platform_search_ai",
    "DROP TABLE IF EXISTS platform_search_fts",
]
POSTGRES = [
    """ALTER TABLE platform_searchentry ADD COLUMN tsv tsvector
        GENERATED ALWAYS AS (to_tsvector('simple', document)) STORED""",
    "CREATE INDEX platform_search_tsv ON platform_searchentry USING GIN (tsv)",
]
POSTGRES_REVERSE = [
    "DROP INDEX IF EXISTS platform_search_tsv",
    "ALTER TABLE platform_searchentry DROP COLUMN IF EXISTS tsv",
]


def forwards(apps, schema_editor):
    statements = SQLITE if schema_editor.connection.vendor == "sqlite" else POSTGRES
    for statement in statements:
        schema_editor.execute(statement)
    apps.get_model("platform", "SchemaVersion").objects.get_or_create(pk=1, defaults={"number": 1})


def backwards(apps, schema_editor):
    statements = (
        SQLITE_REVERSE if schema_editor.connection.vendor == "sqlite" else POSTGRES_REVERSE
    )
    for statement in statements:
        schema_editor.execute(statement)


class Migration(migrations.Migration):
    dependencies = [("platform", "0001_initial")]
    operations = [migrations.RunPython(forwards, backwards)]
