"""The articles' full-text index, per database (see `knowledge.search`).

SQLite: an FTS5 table over the folded `search_title` and `search_body` columns, external
content (the article table holds the text once), kept in step by triggers — an insert, a
delete, or an update of those two columns; votes and other columns do not touch it.

PostgreSQL: a GIN index on the weighted tsvector expression the search queries use
(`search.document_vector()`), compiled by Django from the same expressions so that the
planner recognises it.
"""

from django.db import migrations

SQLITE = [
    """CREATE VIRTUAL TABLE knowledge_article_fts USING fts5(
        search_title, search_body, content='knowledge_article', content_rowid='id',
        tokenize='unicode61 remove_diacritics 2', prefix='2 3')""",
    """CREATE TRIGGER knowledge_article_fts_ai AFTER INSERT ON knowledge_article BEGIN
        INSERT INTO knowledge_article_fts(rowid, search_title, search_body)
        VALUES (new.id, new.search_title, new.search_body);
    END""",
    """CREATE TRIGGER knowledge_article_fts_ad AFTER DELETE ON knowledge_article BEGIN
        INSERT INTO knowledge_article_fts(knowledge_article_fts, rowid, search_title, search_body)
        VALUES ('delete', old.id, old.search_title, old.search_body);
    END""",
    """CREATE TRIGGER knowledge_article_fts_au
        AFTER UPDATE OF search_title, search_body ON knowledge_article BEGIN
        INSERT INTO knowledge_article_fts(knowledge_article_fts, rowid, search_title, search_body)
        VALUES ('delete', old.id, old.search_title, old.search_body);
        INSERT INTO knowledge_article_fts(rowid, search_title, search_body)
        VALUES (new.id, new.search_title, new.search_body);
    END""",
    # articles that exist already (none on a fresh install)
    "INSERT INTO knowledge_article_fts(knowledge_article_fts) VALUES ('rebuild')",
]
SQLITE_REVERSE = [
    "DROP TRIGGER IF EXISTS knowledge_article_fts_au",
    "DROP TRIGGER IF EXISTS knowledge_article_fts_ad",
    "DROP TRIGGER IF EXISTS knowledge_article_fts_ai",
    "DROP TABLE IF EXISTS knowledge_article_fts",
]
INDEX_NAME = "kb_article_document"


def _document_index():
    from django.contrib.postgres.indexes import GinIndex
    from django.contrib.postgres.search import SearchVector

    document = SearchVector("search_title", weight="A", config="simple") + SearchVector(
        "search_body", weight="B", config="simple"
    )
    return GinIndex(document, name=INDEX_NAME)


def forwards(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "sqlite":
        for statement in SQLITE:
            schema_editor.execute(statement)
    elif vendor == "postgresql":
        schema_editor.add_index(apps.get_model("knowledge", "Article"), _document_index())


def backwards(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "sqlite":
        for statement in SQLITE_REVERSE:
            schema_editor.execute(statement)
    elif vendor == "postgresql":
        schema_editor.remove_index(apps.get_model("knowledge", "Article"), _document_index())


class Migration(migrations.Migration):
    dependencies = [("knowledge", "0001_initial")]
    operations = [migrations.RunPython(forwards, backwards)]
