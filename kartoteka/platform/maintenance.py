"""Keeping the database's planner statistics current, and SQLite's write-ahead log out of
the way of long loads.

SQLite plans queries from statistics that only `ANALYZE` gathers; without them it can pick
an index that reads 200,000 rows where another reads 50 (measured by `make bench` at a
million contacts). PostgreSQL's autovacuum analyses by itself, so this is for SQLite only.
`analysis_limit` bounds the work to a sample per index, so it takes seconds at any size.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from django.conf import settings
from django.db import DatabaseError, connection

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


@contextmanager
def fewer_checkpoints() -> Iterator[None]:
    """While a long load (an import, its undo) writes batch after batch, this connection
    copies SQLite's write-ahead log back into the database when the log holds
    `SQLITE_BULK_WAL_PAGES` pages rather than SQLite's 1,000 (4 MB). At 1,000 nearly every
    batch's commit ran a checkpoint, with two fsyncs, and copied again pages that the next
    batch changed anyway (finding 38 of docs/performance.md). The log file may grow to that
    many pages; SQLite's setting comes back when the load ends, however it ends. Other
    connections keep their own setting."""
    if connection.vendor != "sqlite":
        yield
        return
    with connection.cursor() as cursor:
        before = cursor.execute("PRAGMA wal_autocheckpoint").fetchone()[0]
        cursor.execute(f"PRAGMA wal_autocheckpoint={int(settings.SQLITE_BULK_WAL_PAGES)}")
    try:
        yield
    finally:
        try:
            with connection.cursor() as cursor:
                cursor.execute(f"PRAGMA wal_autocheckpoint={int(before)}")
        except DatabaseError:
            pass  # the load broke the connection: it is closed, its setting goes with it
