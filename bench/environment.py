"""The bench's own place to keep data: `bench/data-<db>/` and, on PostgreSQL, the database
`kartoteka_bench` (created and dropped here). The developer's `./data` and database are never
touched: everything is set in `os.environ` before Django is configured, and the server
process inherits it."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlparse, urlunparse

ROOT = Path(__file__).resolve().parent.parent
BENCH_DB = "kartoteka_bench"


@dataclass
class Target:
    vendor: str  # "sqlite" or "postgresql"
    data_dir: Path
    database_url: str  # "" for SQLite in the data dir

    @property
    def sqlite_path(self) -> Path:
        return self.data_dir / "kartoteka.sqlite3"

    def env(self) -> dict[str, str]:
        env = dict(os.environ)
        env["KARTOTEKA_DATA_DIR"] = str(self.data_dir)
        env["DJANGO_SETTINGS_MODULE"] = "kartoteka.config.settings"
        env.pop("DEBUG", None)
        if self.database_url:
            env["DATABASE_URL"] = self.database_url
        else:
            env.pop("DATABASE_URL", None)
        return env


def target_from_env() -> Target:
    url = os.environ.get("DATABASE_URL", "")
    if url and urlparse(url).scheme in ("postgres", "postgresql", "pgsql"):
        parsed = urlparse(url)
        bench_url = urlunparse(parsed._replace(path="/" + BENCH_DB))
        return Target("postgresql", ROOT / "bench" / "data-postgresql", bench_url)
    if url:
        raise SystemExit("bench: DATABASE_URL must be postgres://… (or unset for SQLite)")
    return Target("sqlite", ROOT / "bench" / "data-sqlite", "")


def _admin_conninfo(target: Target) -> str:
    parsed = urlparse(target.database_url)
    return urlunparse(parsed._replace(scheme="postgresql", path="/postgres"))


def reset(target: Target) -> None:
    """An empty data dir and database, migrated."""
    drop(target)
    target.data_dir.mkdir(parents=True, exist_ok=True)
    if target.vendor == "postgresql":
        import psycopg

        with psycopg.connect(_admin_conninfo(target), autocommit=True) as conn:
            conn.execute(f'CREATE DATABASE "{BENCH_DB}"')
    migrate(target)


def migrate(target: Target) -> None:
    subprocess.run(
        [sys.executable, "-m", "kartoteka.cli", "migrate", "--noinput", "-v", "0"],
        env=target.env(),
        cwd=ROOT,
        check=True,
    )


def drop(target: Target) -> None:
    if target.vendor == "postgresql":
        import psycopg

        with psycopg.connect(_admin_conninfo(target), autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{BENCH_DB}" WITH (FORCE)')
    if target.data_dir.exists():
        shutil.rmtree(target.data_dir)


def configure_django(target: Target) -> None:
    os.environ.update(target.env())
    if not target.database_url:
        os.environ.pop("DATABASE_URL", None)
    import django

    django.setup()
