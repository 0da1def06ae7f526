"""`python -m bench.imports --rows N`: the import of N contacts from one CSV file into an empty
instance, the way `kartoteka import` runs it (the worker's code, in the command's process), with
the rate and the resident memory of the import's process and its reader process sampled
while it runs.

Uses its own data dir (`bench/data-imports-<db>/`, on PostgreSQL the bench database), never the
developer's. Prints one line and writes `bench/results/imports/<date>-<db>-<rows>.json`.
"""

from __future__ import annotations

import argparse
import csv
import json
import random
import re
import subprocess
import sys
import time
from dataclasses import replace
from datetime import date
from pathlib import Path

from . import environment
from .report import machine

FIRST = ["Anna", "Jan", "Maria", "Piotr", "Ewa", "Иван", "Ольга", "Пётр", "John", "Zofia"]
LAST = ["Kowalski", "Nowak", "Wiśniewska", "Петров", "Сидорова", "Smith", "Brown", "Lewandowski"]
POSITIONS = ["Manager", "Director", "Engineer", "Бухгалтер", "Kierownik", ""]


def write_file(path: Path, rows: int) -> None:
    rng = random.Random(7)
    with path.open("w", newline="", encoding="utf-8") as out:
        writer = csv.writer(out)
        writer.writerow(["First name", "Last name", "Email", "Phone", "Position"])
        for i in range(rows):
            writer.writerow(
                [
                    rng.choice(FIRST),
                    f"{rng.choice(LAST)} {i}",
                    f"person{i}@firm{i % 997}.example",
                    f"+48 600 {i // 1000 % 1000:03d} {i % 1000:03d}",
                    rng.choice(POSITIONS),
                ]
            )


def _rss_kb(pid: int) -> int:
    try:
        status = Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return 0
    match = re.search(r"VmRSS:\s+(\d+)", status)
    return int(match.group(1)) if match else 0


def children_of(pid: int) -> list[int]:
    """The processes whose parent is `pid` (Linux's /proc)."""
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            if int(stat.rsplit(")", 1)[1].split()[1]) == pid:
                found.append(int(entry.name))
    return found


def _tree_rss_kb(pid: int) -> int:
    """The import's process and its reader process (`dataio/reader.py`), summed: pages the
    forked reader still shares with its parent are counted twice, so this is an upper bound."""
    return _rss_kb(pid) + sum(_rss_kb(child) for child in children_of(pid))


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=100_000)
    args = parser.parse_args()
    base = environment.target_from_env()
    target = replace(base, data_dir=base.data_dir.with_name(base.data_dir.name + "-imports"))
    environment.reset(target)
    env = target.env()
    kartoteka = [sys.executable, "-m", "kartoteka.cli"]
    subprocess.run(
        [*kartoteka, "shell", "-c",
         "from django.contrib.auth import get_user_model as g;"
         "from kartoteka.accounts.models import Role;"
         "g().objects.create_user('bench', 'bench@x.example', 'pw',"
         " role=Role.objects.get(key='administrator'))"],
        env=env, cwd=environment.ROOT, check=True,
    )  # fmt: skip
    data = target.data_dir / "contacts.csv"
    write_file(data, args.rows)
    size = data.stat().st_size
    started = time.perf_counter()
    process = subprocess.Popen(
        [*kartoteka, "import", str(data), "--entity", "contact", "--key", "", "--user", "bench"],
        env=env, cwd=environment.ROOT, stdout=subprocess.PIPE, text=True,
    )  # fmt: skip
    samples: list[tuple[float, int]] = []
    while process.poll() is None:
        samples.append((time.perf_counter() - started, _tree_rss_kb(process.pid)))
        time.sleep(0.5)
    output = process.stdout.read() if process.stdout else ""
    elapsed = time.perf_counter() - started
    if process.returncode:
        raise SystemExit(f"bench.imports: the import failed\n{output}")
    rate = re.search(r"\(([\d,]+) rows/s\)", output)
    quarters = []
    for fraction in (0.25, 0.5, 0.75, 1.0):
        before = [rss for at, rss in samples if at <= elapsed * fraction and rss]
        quarters.append(round(before[-1] / 1024) if before else 0)
    undo_started = time.perf_counter()
    undone = subprocess.run(
        [*kartoteka, "import", "--undo", "1"],
        env=env, cwd=environment.ROOT, capture_output=True, text=True, check=True,
    )  # fmt: skip
    undo_seconds = time.perf_counter() - undo_started
    payload = {
        "date": date.today().isoformat(),
        "database": target.vendor,
        "rows": args.rows,
        "file_mb": round(size / 2**20, 1),
        "rows_per_second": int(rate.group(1).replace(",", "")) if rate else None,
        "wall_seconds_with_start_up": round(elapsed, 1),
        "rss_mb_at_quarters": quarters,
        "rss_counts": "the import process and its reader process, shared pages twice",
        "undo_seconds_with_start_up": round(undo_seconds, 1),
        "undo_output": undone.stdout.strip().splitlines()[-1:],
        "target_rows_per_second": 20_000,
        "machine": machine(),
        "output": output.strip().splitlines(),
    }
    out_dir = environment.ROOT / "bench" / "results" / "imports"
    out_dir.mkdir(parents=True, exist_ok=True)
    path = out_dir / f"{payload['date']}-{target.vendor}-{args.rows}.json"
    path.write_text(json.dumps(payload, indent=2, ensure_ascii=False) + "\n")
    print(
        f"bench.imports: {args.rows:,} contacts ({payload['file_mb']} MB) at "
        f"{payload['rows_per_second']:,} rows/s (target 20,000); RSS at each quarter "
        f"{quarters} MB; undo {undo_seconds:.0f} s; wrote {path.relative_to(environment.ROOT)}"
    )
    environment.drop(target)


if __name__ == "__main__":
    main()
