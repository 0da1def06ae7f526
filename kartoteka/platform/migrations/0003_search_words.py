"""PostgreSQL only: every word of every search entry in a B-tree, `(word, entry_id)` with
the entry's entity and owner included.

The GIN index answers "which entries hold words starting with anna" but not "the newest
of them": PostgreSQL then either walks the primary key backwards testing every entry, or
visits the heap page of every match (finding 29 of docs/performance.md). This index gives
the ids of a word's entries, newest first after a sort of plain integers, and whether the
user may see them, from the index alone (an index-only scan), so the newest matches of a
common word cost what its index entries cost. Statement-level triggers keep
it in step with `platform_searchentry` for every write path — the ORM, `COPY` in the bulk
path, restore — and a TRUNCATE of the entries empties it. Words are the tsvector's own
lexemes, cut at 64 characters (a search then rechecks the full text). SQLite needs none of
this: FTS5 keeps each word's matches in rowid order.
"""

from django.db import migrations

COLUMNS = "(word, entry_id, entity, owner_id)"
WORDS_OF = (
    "SELECT DISTINCT left(w.word, 64) AS word, r.id AS entry_id, r.entity, r.owner_id "
    "FROM {rows} r CROSS JOIN LATERAL unnest(tsvector_to_array(r.tsv)) AS w(word)"
)

POSTGRES = [
    """CREATE TABLE platform_searchword (
        word text COLLATE "C" NOT NULL,
        entry_id bigint NOT NULL,
        entity varchar(60) NOT NULL,
        owner_id bigint NULL)""",
    """CREATE UNIQUE INDEX platform_searchword_word ON platform_searchword (word, entry_id)
        INCLUDE (entity, owner_id)""",
    f"""CREATE FUNCTION platform_searchword_inserted() RETURNS trigger
        LANGUAGE plpgsql AS $$
        BEGIN
            INSERT INTO platform_searchword {COLUMNS} {WORDS_OF.format(rows="new_rows")};
            RETURN NULL;
        END $$""",
    f"""CREATE FUNCTION platform_searchword_deleted() RETURNS trigger
        LANGUAGE plpgsql AS $$
        BEGIN
            DELETE FROM platform_searchword p USING ({WORDS_OF.format(rows="old_rows")}) d
            WHERE p.word = d.word AND p.entry_id = d.entry_id;
            RETURN NULL;
        END $$""",
    f"""CREATE FUNCTION platform_searchword_updated() RETURNS trigger
        LANGUAGE plpgsql AS $$
        BEGIN
            DELETE FROM platform_searchword p USING (
                {WORDS_OF.format(rows="old_rows")} EXCEPT {WORDS_OF.format(rows="new_rows")}
            ) d WHERE p.word = d.word AND p.entry_id = d.entry_id;
            INSERT INTO platform_searchword {COLUMNS}
                {WORDS_OF.format(rows="new_rows")} EXCEPT {WORDS_OF.format(rows="old_rows")}
                ON CONFLICT DO NOTHING;
            RETURN NULL;
        END $$""",
    """CREATE FUNCTION platform_searchword_truncated() RETURNS trigger
        LANGUAGE plpgsql AS $$
        BEGIN
            TRUNCATE platform_searchword;
            RETURN NULL;
        END $$""",
    """CREATE TRIGGER platform_searchword_ai AFTER INSERT ON platform_searchentry
        REFERENCING NEW TABLE AS new_rows
        FOR EACH STATEMENT EXECUTE FUNCTION platform_searchword_inserted()""",
    """CREATE TRIGGER platform_searchword_ad AFTER DELETE ON platform_searchentry
        REFERENCING OLD TABLE AS old_rows
        FOR EACH STATEMENT EXECUTE FUNCTION platform_searchword_deleted()""",
    """CREATE TRIGGER platform_searchword_au AFTER UPDATE ON platform_searchentry
        REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
        FOR EACH STATEMENT EXECUTE FUNCTION platform_searchword_updated()""",
    """CREATE TRIGGER platform_searchword_at AFTER TRUNCATE ON platform_searchentry
        FOR EACH STATEMENT EXECUTE FUNCTION platform_searchword_truncated()""",
    f"INSERT INTO platform_searchword {COLUMNS} " + WORDS_OF.format(rows="platform_searchentry"),
]
POSTGRES_REVERSE = [
    "DROP TRIGGER IF EXISTS platform_searchword_at ON platform_searchentry",
    "DROP TRIGGER IF EXISTS platform_searchword_au ON platform_searchentry",
    "DROP TRIGGER IF EXISTS platform_searchword_ad ON platform_searchentry",
    "DROP TRIGGER IF EXISTS platform_searchword_ai ON platform_searchentry",
    "DROP FUNCTION IF EXISTS platform_searchword_truncated()",
    "DROP FUNCTION IF EXISTS platform_searchword_updated()",
    "DROP FUNCTION IF EXISTS platform_searchword_deleted()",
    "DROP FUNCTION IF EXISTS platform_searchword_inserted()",
    "DROP TABLE IF EXISTS platform_searchword",
]


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        for statement in POSTGRES:
            schema_editor.execute(statement)


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        for statement in POSTGRES_REVERSE:
            schema_editor.execute(statement)


class Migration(migrations.Migration):
    dependencies = [("platform", "0002_search_index")]
    operations = [migrations.RunPython(forwards, backwards)]
