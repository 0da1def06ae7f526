"""Results: one small JSON file per run in `bench/results/` and the generated tables in
`docs/performance.md` (between the bench markers; the prose around them is kept)."""

from __future__ import annotations

import json
import os
import platform
import sqlite3
from datetime import date
from pathlib import Path

from .environment import ROOT

RESULTS = ROOT / "bench" / "results"
DOC = ROOT / "docs" / "performance.md"
START, END = "<!-- bench:start -->", "<!-- bench:end -->"
P95_MS = 50
RATIO = 3
EXPORT_RATE = 50_000
API_RATE = 500
IMPORT_RATE = 20_000
LATENCY = {
    "list_html_first": "contact list, HTML, first page",
    "list_html_deep": "contact list, HTML, page at 90 % (cursor)",
    "list_html_manager_own": "contact list, HTML, manager (own scope)",
    "list_api_first": "contact list, API, first page (limit 50)",
    "list_api_deep": "contact list, API, page at 90 % (cursor)",
    "filtered_html": "filter segment + owner, sort −revenue, HTML",
    "filtered_api": "filter segment + owner, sort −revenue, API",
    "search_rare": "global search, rare term",
    "search_common": "global search, common term",
    "card_1000_entries": "contact card, 1,000-entry timeline",
    "api_get_one": "API GET one record (1 client)",
    "kanban_html": "deals board of the main pipeline, HTML",
    "kanban_api": "deals board of the main pipeline, API",
    "kanban_api_all_closed": "deals board, API, won and lost of all time counted",
    "service_queue_open": "service queue, all open tickets by next deadline, HTML",
    "service_queue_unassigned": "service queue, unassigned, HTML",
    "service_queue_breaching": "service queue, breaching soon, HTML",
    "service_queue_counts_api": "service queue sizes (7 counts), API",
    "ticket_card_50_messages": "ticket card with a 50-message conversation",
}
P95_TARGET = {"kanban_html": 150, "kanban_api": 150, "kanban_api_all_closed": 150}  # ms
NO_RATIO_TARGET = {
    "list_html_manager_own",
    "api_get_one",
    "service_queue_open",
    "service_queue_unassigned",
    "service_queue_breaching",
    "service_queue_counts_api",
    "ticket_card_50_messages",
}
NOT_YET = [
    ("funnel report over 500,000 deals", "≤ 500 ms", "reports do not exist yet"),
    ("ABC analysis over 200,000 companies", "—", "analytics do not exist yet"),
    (
        "data set: stage histories beyond each deal's first stage",
        "—",
        "the funnel report that reads them does not exist yet",
    ),
]


def machine(pg_version: str = "") -> dict:
    memory = ""
    try:
        with open("/proc/meminfo") as meminfo:
            kib = int(next(line for line in meminfo if line.startswith("MemTotal")).split()[1])
            memory = f"{kib / 1024 / 1024:.1f} GiB"
    except (OSError, StopIteration):
        pass
    return {
        "cores": os.cpu_count(),
        "memory": memory,
        "python": platform.python_version(),
        "sqlite": sqlite3.sqlite_version,
        "postgresql": pg_version or "not used",
        "system": f"{platform.system()} {platform.release()}",
    }


def verdicts(results: dict, load: dict) -> dict[str, dict]:
    """Per measurement: whether the p95 and the ratio targets are met (None: no target)."""
    found = {}
    for name in LATENCY:
        entry = results.get(name)
        if not entry:
            continue
        limit = P95_TARGET.get(name, P95_MS)
        p95 = None if name == "api_get_one" else entry["kartoteka"]["p95"] <= limit
        ratio = None if name in NO_RATIO_TARGET else entry.get("ratio", 0) <= RATIO
        found[name] = {"p95_met": p95, "ratio_met": ratio}
    rate = results.get("api_get_throughput", {}).get("requests_per_s", 0)
    found["api_get_throughput"] = {"target": f"≥ {API_RATE} req/s", "met": rate >= API_RATE}
    rate = results.get("export_csv", {}).get("rows_per_s", 0)
    found["export_csv"] = {"target": f"≥ {EXPORT_RATE:,} rows/s", "met": rate >= EXPORT_RATE}
    rate = load.get("contacts", {}).get("rows_per_s", 0)
    found["load_contacts"] = {"target": f"≥ {IMPORT_RATE:,} rows/s", "met": rate >= IMPORT_RATE}
    return found


def write_json(payload: dict) -> Path:
    RESULTS.mkdir(parents=True, exist_ok=True)
    name = f"{date.today().isoformat()}-{payload['database']}-{payload['scale']}.json"
    path = RESULTS / name
    path.write_text(json.dumps(payload, indent=1, ensure_ascii=False) + "\n")
    return path


def _mark(met) -> str:
    return "—" if met is None else ("met" if met else "**missed**")


def _section(payload: dict) -> list[str]:
    m, res, load, ver = payload["machine"], payload["results"], payload["load"], payload["verdicts"]
    sizes = ", ".join(f"{v:,} {k}" for k, v in payload["sizes"].items())
    lines = [
        f"### {payload['database']}, SCALE={payload['scale']} ({payload['date']})",
        "",
        f"Machine: {m['cores']} cores, {m['memory']} RAM, {m['system']}, Python {m['python']}, "
        f"SQLite {m['sqlite']}, PostgreSQL {m['postgresql']}. Server: gunicorn "
        f"{payload['server']}. Data: {sizes}.",
        "",
        f"Command: `{payload['command']}`"
        + (" — incomplete run" if payload.get("incomplete") else ""),
        "",
        f"| measurement | p50 ms | p95 ms | max ms | raw p50 ms | Kartoteka / raw "
        f"| p95 ≤ {P95_MS} ms (board 150) | ratio ≤ {RATIO} |",
        "|---|---:|---:|---:|---:|---:|---|---|",
    ]
    for name, label in LATENCY.items():
        if name not in res:
            continue
        k, raw = res[name]["kartoteka"], res[name].get("raw")
        raw_cell = f"{raw['p50']:.2f}" if raw else "—"
        ratio = f"{res[name]['ratio']}" if raw else "—"
        v = ver.get(name, {})
        if "open_deals" in res[name]:
            label = f"{label} ({res[name]['open_deals']:,} open deals)"
        lines.append(
            f"| {label} | {k['p50']:.1f} | {k['p95']:.1f} | {k['max']:.1f} | {raw_cell} | {ratio} "
            f"| {_mark(v.get('p95_met'))} | {_mark(v.get('ratio_met'))} |"
        )
    lines += ["", "| throughput and memory | result | target | |", "|---|---|---|---|"]
    tp = res.get("api_get_throughput")
    if tp:
        v = ver["api_get_throughput"]
        lines.append(
            f"| API GET one record, {tp['clients']} clients × {tp['seconds']} s "
            f"(p50 {tp['p50']:.1f} / p95 {tp['p95']:.1f} / max {tp['max']:.1f} ms, "
            f"{tp['errors']} errors) | **{tp['requests_per_s']:,} req/s** | {v['target']} "
            f"| {_mark(v['met'])} |"
        )
    ex = res.get("export_csv")
    if ex:
        v = ver["export_csv"]
        lines.append(
            f"| CSV export of all contacts ({ex['rows']:,} rows in {ex['seconds']} s) "
            f"| **{ex['rows_per_s']:,} rows/s** | {v['target']} | {_mark(v['met'])} |"
        )
    if res.get("peak_rss_mb"):
        peaks = ", ".join(f"{mb} MiB" for mb in res["peak_rss_mb"].values())
        lines.append(f"| peak RSS (VmHWM): gunicorn master, workers | {peaks} | — | — |")
    lines += [
        "",
        "Load through the bulk paths (`bulk_create_records`, `bulk_add_activities`, "
        "`create_field`):",
        "",
        "| phase | rows | seconds | rows/s | |",
        "|---|---:|---:|---:|---|",
    ]
    for phase, rate in load.items():
        note = ""
        if phase == "contacts":
            v = ver.get("load_contacts", {})
            note = f"import target {v.get('target', '')}: {_mark(v.get('met'))} (indicative)"
        per_s = f"{rate['rows_per_s']:,}" if rate["rows"] else "—"
        lines.append(f"| {phase} | {rate['rows']:,} | {rate['seconds']} | {per_s} | {note} |")
    return [*lines, ""]


def _not_yet() -> list[str]:
    lines = [
        "### Not yet measurable",
        "",
        "| measurement | target | why |",
        "|---|---|---|",
    ]
    lines += [f"| {what} | {target} | {why} |" for what, target, why in NOT_YET]
    return [*lines, ""]


def regenerate_doc() -> None:
    """Rebuild the generated part of docs/performance.md from the newest result of each
    database and scale."""
    newest: dict[tuple[str, str], dict] = {}
    for path in sorted(RESULTS.glob("*.json")):
        payload = json.loads(path.read_text())
        newest[(payload["database"], payload["scale"])] = payload
    order = sorted(newest, key=lambda key: (key[1] != "full", key[0]))
    body = [START, "", "## Results", ""]
    for key in order:
        body += _section(newest[key])
    body += [*_not_yet(), END]
    generated = "\n".join(body)
    text = DOC.read_text() if DOC.exists() else "# Performance\n\n" + START + "\n" + END + "\n"
    head, _sep, rest = text.partition(START)
    _old, _sep, tail = rest.partition(END)
    DOC.write_text(head + generated + tail)
