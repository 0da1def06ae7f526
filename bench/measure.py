"""The measurements: each page or API call through the live server (p50/p95/max after a
warm-up), its raw-SQL baseline in the same run, API throughput with 8 clients, CSV export
rate and the server's peak memory."""

from __future__ import annotations

import json
import time
from datetime import UTC
from urllib.parse import urlencode

from .client import Client, throughput, timed, timed_get
from .generate import Loaded
from .raw import Raw
from .server import Server

REPEAT = 60
CLIENTS = 8
THROUGHPUT_SECONDS = 10.0


def credentials(loaded: Loaded) -> dict[str, str]:
    """Session cookies (HTML pages) and API tokens for the administrator and a manager."""
    from django.conf import settings
    from django.contrib.auth import (
        BACKEND_SESSION_KEY,
        HASH_SESSION_KEY,
        SESSION_KEY,
        get_user_model,
    )
    from django.contrib.sessions.backends.db import SessionStore

    from kartoteka.accounts.models import ApiToken

    found = {}
    for name, pk in (("admin", loaded.admin_id), ("manager", loaded.manager_id)):
        user = get_user_model().objects.get(pk=pk)
        session = SessionStore()
        session[SESSION_KEY] = str(user.pk)
        session[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
        session[HASH_SESSION_KEY] = user.get_session_auth_hash()
        session.create()
        found[f"{name}_cookie"] = f"{settings.SESSION_COOKIE_NAME}={session.session_key}"
        found[f"{name}_token"] = ApiToken.issue(user, "bench")[1]
    return found


def _cursor(raw: Raw, offset: int) -> tuple[tuple, str]:
    from django.utils.dateparse import parse_datetime

    from kartoteka.platform.listing import encode_cursor

    anchor = raw.deep_anchor(offset)
    at = anchor[0]
    if isinstance(at, str):
        at = parse_datetime(at).replace(tzinfo=UTC)
    return anchor, encode_cursor(at, anchor[1])


def _entry(kartoteka: dict, raw: dict | None = None, **extra) -> dict:
    entry = {"kartoteka": kartoteka, **extra}
    if raw is not None:
        entry["raw"] = raw
        entry["ratio"] = round(kartoteka["p50"] / max(raw["p50"], 0.001), 1)
    return entry


def _ids(body: bytes) -> list[int]:
    return [item["id"] for item in json.loads(body)["items"]]


def run(server: Server, raw: Raw, loaded: Loaded, contacts: int) -> dict:
    creds = credentials(loaded)
    admin = Client(server.port, cookie=creds["admin_cookie"])
    manager = Client(server.port, cookie=creds["manager_cookie"])
    api = Client(server.port, token=creds["admin_token"])
    results: dict[str, dict] = {}

    def record(name: str, entry: dict) -> None:
        results[name] = entry
        k = entry["kartoteka"]
        ratio = (
            f"  raw p50 {entry['raw']['p50']:.2f} ms, ratio {entry['ratio']}"
            if "raw" in entry
            else ""
        )
        print(
            f"  {name:<22} p50 {k['p50']:8.2f}  p95 {k['p95']:8.2f}  max {k['max']:8.2f} ms{ratio}"
        )

    anchor, cursor = _cursor(raw, int(contacts * 0.9))
    raw_first = timed(raw.list_first, REPEAT)
    raw_deep = timed(lambda: raw.list_after(anchor), REPEAT)
    record("list_html_first", _entry(timed_get(admin, "/e/contact/", REPEAT), raw_first))
    deep_html = "/e/contact/?" + urlencode({"cursor": cursor})
    record("list_html_deep", _entry(timed_get(admin, deep_html, REPEAT), raw_deep))
    record("list_html_manager_own", _entry(timed_get(manager, "/e/contact/", REPEAT)))

    api_list = "/api/v1/entities/contact/records?limit=50"
    same = _ids(api.get(api_list)[1]) == [row[0] for row in raw.list_first()[:50]]
    record("list_api_first", _entry(timed_get(api, api_list, REPEAT), raw_first, same_rows=same))
    api_deep = api_list + "&" + urlencode({"cursor": cursor})
    same = _ids(api.get(api_deep)[1]) == [row[0] for row in raw.list_after(anchor)[:50]]
    record("list_api_deep", _entry(timed_get(api, api_deep, REPEAT), raw_deep, same_rows=same))

    params = {"f.segment": loaded.filter_segment, "f.owner": loaded.manager_id, "sort": "-revenue"}
    raw_filtered = timed(lambda: raw.filtered(loaded.filter_segment, loaded.manager_id), REPEAT)
    html = "/e/contact/?" + urlencode(params)
    record("filtered_html", _entry(timed_get(admin, html, REPEAT), raw_filtered))
    api_filtered = "/api/v1/entities/contact/records?limit=50&" + urlencode(params)
    wanted = [r[0] for r in raw.filtered(loaded.filter_segment, loaded.manager_id)[:50]]
    same = _ids(api.get(api_filtered)[1]) == wanted
    record(
        "filtered_api",
        _entry(timed_get(api, api_filtered, REPEAT), raw_filtered, same_rows=same),
    )

    for label, term in (("rare", loaded.rare_term), ("common", loaded.common_term)):
        hits = len(json.loads(api.get(f"/api/v1/search?q={term}")[1]))
        record(
            f"search_{label}",
            _entry(
                timed_get(api, f"/api/v1/search?q={term}", REPEAT),
                timed(lambda term=term: raw.search(term), REPEAT),
                term=term,
                hits=hits,
            ),
        )

    card_id = loaded.card_contact_id
    record(
        "card_1000_entries",
        _entry(
            timed_get(admin, f"/e/contact/{card_id}/", REPEAT),
            timed(lambda: raw.card(card_id), REPEAT),
            timeline_entries=raw.count_timeline(card_id),
        ),
    )
    if loaded.pipeline_id:
        board = f"/sales/board/?pipeline={loaded.pipeline_id}"
        raw_board = timed(lambda: raw.board(loaded.pipeline_id), REPEAT)
        open_deals = raw.open_deals(loaded.pipeline_id)
        record(
            "kanban_html",
            _entry(timed_get(admin, board, REPEAT), raw_board, open_deals=open_deals),
        )
        record(
            "kanban_api",
            _entry(
                timed_get(api, f"/api/v1/deals/board?pipeline={loaded.pipeline_id}", REPEAT),
                raw_board,
                open_deals=open_deals,
            ),
        )
        # the worst case: won and lost columns counting every deal ever closed
        record(
            "kanban_api_all_closed",
            _entry(
                timed_get(
                    api, f"/api/v1/deals/board?pipeline={loaded.pipeline_id}&closed=all", REPEAT
                ),
                raw_board,
                open_deals=open_deals,
            ),
        )

    if loaded.ticket_id:
        for queue in ("open", "unassigned", "breaching"):
            record(
                f"service_queue_{queue}",
                _entry(timed_get(admin, f"/service/?queue={queue}", REPEAT)),
            )
        record("service_queue_counts_api", _entry(timed_get(api, "/api/v1/tickets/queues", REPEAT)))
        record(
            "ticket_card_50_messages",
            _entry(timed_get(admin, f"/e/ticket/{loaded.ticket_id}/", REPEAT)),
        )

    sample = loaded.contact_ids_sample
    one = f"/api/v1/entities/contact/records/{sample[0]}"
    record(
        "api_get_one",
        _entry(timed_get(api, one, REPEAT), timed(lambda: raw.record(sample[0]), REPEAT)),
    )

    paths = [f"/api/v1/entities/contact/records/{pk}" for pk in sample]
    results["api_get_throughput"] = throughput(
        lambda: Client(server.port, token=creds["admin_token"]), paths, CLIENTS, THROUGHPUT_SECONDS
    )
    print(f"  api_get_throughput     {results['api_get_throughput']}")

    started = time.perf_counter()
    status, lines = Client(server.port, cookie=creds["admin_cookie"]).stream_lines(
        "/e/contact/export.csv"
    )
    seconds = time.perf_counter() - started
    rows = max(lines - 1, 0)
    results["export_csv"] = {
        "status": status,
        "rows": rows,
        "seconds": round(seconds, 2),
        "rows_per_s": round(rows / seconds),
    }
    print(f"  export_csv             {results['export_csv']}")
    results["peak_rss_mb"] = server.peak_rss_mb()
    print(f"  peak_rss_mb            {results['peak_rss_mb']}")
    return results
