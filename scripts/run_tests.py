"""`make test`: the whole suite on SQLite, then again on PostgreSQL when it answers.

In CI (CI=true) PostgreSQL and Chromium are required: their absence fails the run instead of
skipping tests. Prints one closing line with the totals of both runs.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import xml.etree.ElementTree as ET
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PG_URL = os.environ.get("TEST_POSTGRES_URL", "postgres://postgres@127.0.0.1:5432/kartoteka")
IN_CI = bool(os.environ.get("CI"))


def postgres_answers() -> str:
    try:
        import psycopg

        with psycopg.connect(
            "host=127.0.0.1 port=5432 user=postgres dbname=postgres", connect_timeout=3
        ):
            return ""
    except Exception as exc:  # noqa: BLE001
        return str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__


def run(label: str, env: dict, extra: list[str], report: Path) -> int:
    print(f"\n=== {label} ===", flush=True)
    command = [sys.executable, "-m", "pytest", "-q", f"--junitxml={report}", *extra]
    return subprocess.call(command, cwd=ROOT, env=env)


def totals(report: Path) -> tuple[int, int, int]:
    if not report.exists():
        return 0, 1, 0
    root = ET.parse(report).getroot()
    suites = [root] if root.tag == "testsuite" else list(root)
    tests = failures = skipped = 0
    for suite in suites:
        tests += int(suite.get("tests", 0))
        failures += int(suite.get("failures", 0)) + int(suite.get("errors", 0))
        skipped += int(suite.get("skipped", 0))
    return tests - failures - skipped, failures, skipped


def main() -> int:
    base_env = {**os.environ, "KARTOTEKA_TESTING": "1"}
    base_env.pop("DATABASE_URL", None)
    with tempfile.TemporaryDirectory() as tmp:
        base_env.setdefault("KARTOTEKA_DATA_DIR", tmp)
        reports = []
        codes = []
        sqlite_report = Path(tmp) / "sqlite.xml"
        codes.append(run("SQLite", base_env, sys.argv[1:], sqlite_report))
        reports.append(sqlite_report)
        problem = postgres_answers()
        if problem:
            message = f"PostgreSQL on 127.0.0.1:5432 does not answer: {problem}"
            if IN_CI:
                print(f"\nFAIL: {message} (required in CI)")
                codes.append(1)
            else:
                print(f"\nSkipping the PostgreSQL run: {message}")
        else:
            pg_report = Path(tmp) / "postgres.xml"
            env = {**base_env, "DATABASE_URL": PG_URL}
            # Browser tests ran on SQLite already; on PostgreSQL the rest of the suite runs.
            codes.append(run("PostgreSQL", env, ["-m", "not browser", *sys.argv[1:]], pg_report))
            reports.append(pg_report)
        passed = failed = skipped = 0
        for report in reports:
            p, f, s = totals(report)
            passed, failed, skipped = passed + p, failed + f, skipped + s
    if failed == 0 and any(code != 0 for code in codes):
        failed = 1  # a run that ended badly without a failing test (collection error, …)
    print(f"\ntests: {passed} passed, {failed} failed, {skipped} skipped")
    return 0 if all(code == 0 for code in codes) else 1


if __name__ == "__main__":
    sys.exit(main())
