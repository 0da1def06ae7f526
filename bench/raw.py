"""Raw baselines: the same rows the pages and API read, fetched with plain SQL through the
database's own driver (sqlite3 on the same file, psycopg) — no ORM, no HTTP, no rendering.
Each query is what a careful hand-written program would send, using the same indexes."""

from __future__ import annotations

import sqlite3
from contextlib import closing

from .environment import Target

CONTACT_ROW = (
    "SELECT c.id, c.first_name, c.last_name, c.phones, c.emails, c.custom, c.created_at, "
    "c.owner_id, u.username, c.company_id, co.name "
    "FROM contacts_contact c "
    "LEFT JOIN accounts_user u ON u.id = c.owner_id "
    "LEFT JOIN contacts_company co ON co.id = c.company_id "
)
PAGE = 51  # a page of 50 and one more to know whether there is a next page


class Raw:
    """One connection and the queries, written once per database dialect."""

    def __init__(self, target: Target):
        self.vendor = target.vendor
        if target.vendor == "sqlite":
            self.conn = sqlite3.connect(target.sqlite_path, check_same_thread=False)
            self.mark = "?"
        else:
            import psycopg

            # as Django connects: no server-side prepared statements (their generic plans
            # would measure something else than what the application runs)
            self.conn = psycopg.connect(
                target.database_url.replace("postgres://", "postgresql://"),
                prepare_threshold=None,
            )
            self.conn.autocommit = True
            self.mark = "%s"

    def close(self) -> None:
        self.conn.close()

    def fetch(self, sql: str, params: tuple = ()) -> list:
        sql = sql.replace("?", self.mark)
        with closing(self.conn.cursor()) as cursor:
            cursor.execute(sql, params)
            return cursor.fetchall()

    # -- the reads -----------------------------------------------------------------------------
    def deep_anchor(self, offset: int) -> tuple:
        """(created_at, id) of the row `offset` rows into the newest-first list."""
        return self.fetch(
            "SELECT created_at, id FROM contacts_contact ORDER BY created_at DESC, id DESC "
            "LIMIT 1 OFFSET ?",
            (offset,),
        )[0]

    def list_first(self) -> list:
        return self.fetch(CONTACT_ROW + "ORDER BY c.created_at DESC, c.id DESC LIMIT ?", (PAGE,))

    def list_after(self, anchor: tuple) -> list:
        """The next page after `anchor`: a row-value comparison, which both databases answer
        from the (created_at, id) index without reading the rows before it."""
        at, pk = anchor
        return self.fetch(
            CONTACT_ROW + "WHERE (c.created_at, c.id) < (?, ?) "
            "ORDER BY c.created_at DESC, c.id DESC LIMIT ?",
            (at, pk, PAGE),
        )

    def _custom(self, key: str, numeric: bool) -> str:
        if self.vendor == "sqlite":
            return f"JSON_EXTRACT(c.custom, '$.\"{key}\"')"
        if numeric:
            return (
                f"(CASE WHEN jsonb_typeof((c.custom -> '{key}')) = 'number' "
                f"THEN (c.custom ->> '{key}')::numeric END)"
            )
        return f"(c.custom ->> '{key}')"

    def filtered(self, segment: str, owner_id: int) -> list:
        segment_sql = self._custom("segment", False)
        revenue_sql = self._custom("revenue", True)
        return self.fetch(
            CONTACT_ROW + f"WHERE {segment_sql} = ? AND c.owner_id = ? "
            f"ORDER BY {revenue_sql} DESC, c.id DESC LIMIT ?",
            (segment, owner_id, PAGE),
        )

    def search(self, term: str) -> list:
        if self.vendor == "sqlite":
            return self.fetch(
                "SELECT entity, object_id, title, subtitle FROM ("
                "SELECT s.entity, s.object_id, s.title, s.subtitle, f.rank AS rank "
                "FROM platform_search_fts f JOIN platform_searchentry s ON s.id = f.rowid "
                "WHERE platform_search_fts MATCH ? ORDER BY f.rowid DESC LIMIT 1000) "
                "ORDER BY rank, title LIMIT 20",
                (f'"{term}"*',),
            )  # the query of platform.search.search: the newest 1,000 matches ranked
        # PostgreSQL: the newest 1,000 ids from the word index (migration platform 0003),
        # each entry read by key, then ranked, as platform.search does for one word. (Asking
        # the GIN index for the newest matches instead took 127-245 ms for "anna".)
        upper = term[:-1] + chr(ord(term[-1]) + 1)
        return self.fetch(
            "SELECT m.entity, m.object_id, m.title, m.subtitle FROM ("
            "SELECT e.entity, e.object_id, e.title, e.subtitle, e.tsv FROM ("
            "SELECT DISTINCT entry_id FROM platform_searchword WHERE word >= ? AND word < ? "
            "ORDER BY entry_id DESC OFFSET 0) ids CROSS JOIN LATERAL ("
            "SELECT x.entity, x.object_id, x.title, x.subtitle, x.tsv FROM platform_searchentry x "
            "WHERE x.id = ids.entry_id OFFSET 0) e WHERE e.tsv @@ to_tsquery('simple', ?) "
            "ORDER BY ids.entry_id DESC LIMIT 1000) m "
            "ORDER BY ts_rank(m.tsv, to_tsquery('simple', ?)) DESC, m.title LIMIT 20",
            (term, upper, f"{term}:*", f"{term}:*"),
        )

    def record(self, pk: int) -> list:
        return self.fetch(CONTACT_ROW + "WHERE c.id = ?", (pk,))

    def card(self, pk: int) -> list:
        record = self.record(pk)
        entries = self.fetch(
            "SELECT a.id, a.kind, a.at, a.summary, a.body, a.payload, u.username "
            "FROM timeline_activity a LEFT JOIN accounts_user u ON u.id = a.actor_id "
            "WHERE a.entity = 'contact' AND a.object_id = ? "
            "ORDER BY a.at DESC, a.id DESC LIMIT 31",
            (pk,),
        )
        return record + entries

    def count_timeline(self, pk: int) -> int:
        return self.fetch(
            "SELECT COUNT(*) FROM timeline_activity WHERE entity = 'contact' AND object_id = ?",
            (pk,),
        )[0][0]

    def board(self, pipeline_id: int) -> list:
        """The deals board: counts and totals per stage, then the newest 21 moves of each
        stage with owner and company, as the page reads them."""
        stages = self.fetch(
            'SELECT id FROM sales_stage WHERE pipeline_id = ? ORDER BY "order", id',
            (pipeline_id,),
        )
        rows = self.fetch(  # every closed deal counted: the board's worst case
            "SELECT stage_id, COUNT(*), SUM(amount_base) FROM sales_deal WHERE pipeline_id = ? "
            "GROUP BY stage_id",
            (pipeline_id,),
        )
        for (stage_id,) in stages:
            rows += self.fetch(
                "SELECT d.id, d.name, d.amount, d.currency, d.version, d.stage_changed_at, "
                "d.last_activity_at, d.closed_at, u.username, co.name FROM sales_deal d "
                "LEFT JOIN accounts_user u ON u.id = d.owner_id "
                "LEFT JOIN contacts_company co ON co.id = d.company_id "
                "WHERE d.stage_id = ? ORDER BY d.stage_changed_at DESC, d.id DESC LIMIT 21",
                (stage_id,),
            )
        return rows

    def open_deals(self, pipeline_id: int) -> int:
        return self.fetch(
            "SELECT COUNT(*) FROM sales_deal WHERE pipeline_id = ? AND closed_at IS NULL",
            (pipeline_id,),
        )[0][0]

    def explain(self, sql: str, params: tuple) -> str:
        prefix = "EXPLAIN QUERY PLAN " if self.vendor == "sqlite" else "EXPLAIN ANALYZE "
        rows = self.fetch(prefix + sql, params)
        return "\n".join(str(row[-1] if self.vendor == "sqlite" else row[0]) for row in rows)
