"""`python -m bench --scale small|full [--keep] [--skip-load]`: load the data set (unless
--skip-load reuses a kept one), measure, write bench/results/*.json and docs/performance.md,
and drop the bench database unless --keep."""

from __future__ import annotations

import argparse
import json
import sys
import time
from dataclasses import asdict
from datetime import date
from urllib.parse import urlparse

from . import environment, generate, report
from .server import THREADS, WORKERS


def _arguments() -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    parser.add_argument("--scale", choices=sorted(generate.SCALES), default="small")
    parser.add_argument("--keep", action="store_true", help="keep the bench database")
    parser.add_argument("--skip-load", action="store_true", help="reuse a kept database")
    return parser.parse_args()


def _command(args: argparse.Namespace, target: environment.Target) -> str:
    prefix = ""
    if target.vendor == "postgresql":
        parsed = urlparse(target.database_url)
        host = parsed.hostname or ""
        user = f"{parsed.username}@" if parsed.username else ""  # never the password
        port = f":{parsed.port}" if parsed.port else ""
        prefix = f"DATABASE_URL=postgres://{user}{host}{port}/{environment.BENCH_DB} "
    return f"{prefix}make bench SCALE={args.scale}"


def _after_load(target: environment.Target, loaded: generate.Loaded) -> None:
    """PostgreSQL's autovacuum would analyse the new tables within minutes; do it now."""
    if target.vendor != "postgresql":
        return
    from django.db import connection

    started = time.perf_counter()
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE")
    generate._phase(loaded, "analyze", started, 0)


def main() -> None:
    args = _arguments()
    target = environment.target_from_env()
    meta = target.data_dir / "loaded.json"
    print(f"bench: {target.vendor}, SCALE={args.scale}, data in {target.data_dir}")
    if args.skip_load:
        if not meta.exists():
            raise SystemExit("bench: --skip-load needs a database kept by an earlier --keep run")
        environment.migrate(target)  # the code may have moved on since the data was kept
        environment.configure_django(target)
        from kartoteka.platform import maintenance

        maintenance.refresh_statistics()  # what a kept SQLite database gets nightly
        loaded = generate.Loaded(**json.loads(meta.read_text()))
    else:
        environment.reset(target)
        environment.configure_django(target)
        loaded = generate.load(args.scale)
        _after_load(target, loaded)
        meta.write_text(json.dumps(asdict(loaded)))
    from django.db import connection

    from kartoteka.contacts.models import Company, Contact
    from kartoteka.sales.models import Deal

    from . import measure
    from .raw import Raw
    from .server import Server

    if args.scale == "full":
        measure.REPEAT = 30  # a full run's slow pages would otherwise take many minutes
    sizes = {
        "contacts": Contact.objects.count(),
        "companies": Company.objects.count(),
        "deals": Deal.objects.count(),
    }
    from kartoteka.timeline.models import Activity

    sizes["timeline entries"] = Activity.objects.count()
    pg_version = ""
    if target.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SHOW server_version")
            pg_version = cursor.fetchone()[0]
    connection.close()
    raw = Raw(target)
    try:
        with Server(target) as server:
            results = measure.run(server, raw, loaded, sizes["contacts"])
    finally:
        raw.close()
    payload = {
        "date": date.today().isoformat(),
        "database": target.vendor,
        "scale": args.scale,
        "command": _command(args, target),
        "machine": report.machine(pg_version),
        "server": f"{WORKERS} workers × {THREADS} threads (gthread)",
        "sizes": sizes,
        "load": loaded.rates,
        "results": results,
        "verdicts": report.verdicts(results, loaded.rates),
    }
    path = report.write_json(payload)
    report.regenerate_doc()
    print(f"bench: wrote {path.relative_to(environment.ROOT)} and docs/performance.md")
    if not args.keep:
        from django.db import connections

        connections.close_all()
        environment.drop(target)


if __name__ == "__main__":
    sys.exit(main())
