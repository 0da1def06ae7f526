"""Keeping the database's planner statistics current.

SQLite plans queries from statistics that only `ANALYZE` gathers; without them it can pick
an index that reads 200,000 rows where another reads 50 (measured by `make bench` at a
million contacts). PostgreSQL's autovacuum analyses by itself, so this is for SQLite only.
`analysis_limit` bounds the work to a sample per index, so it takes seconds at any size.
"""

from __future__ import annotations

from django.db import connection

BULK_ANALYZE_THRESHOLD = 10_000


def refresh_statistics() -> bool:
    if connection.vendor != "sqlite":
        return False
    with connection.cursor() as cursor:
        cursor.execute("PRAGMA analysis_limit=1000")
        cursor.execute("ANALYZE")
    return True


def after_bulk_load(rows: int) -> None:
    """A large load changes the shape of the data: refresh the statistics once after it."""
    if rows >= BULK_ANALYZE_THRESHOLD:
        refresh_statistics()
