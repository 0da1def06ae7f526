"""Reading configuration from environment variables, with safe defaults for a laptop."""

from __future__ import annotations

import os
import secrets
from pathlib import Path
from urllib.parse import parse_qs, unquote, urlparse


def env_bool(name: str, default: bool = False) -> bool:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_list(name: str, default: list[str]) -> list[str]:
    value = os.environ.get(name)
    if not value:
        return default
    return [item.strip() for item in value.split(",") if item.strip()]


# Each thread keeps its SQLite connection between requests, as PostgreSQL's are kept: opening
# one (Django registers its SQL functions, runs the PRAGMAs; closing the last one checkpoints
# the WAL) cost ~3 ms of CPU, half of a single-record API call (finding 8 of
# docs/performance.md).
SQLITE_KEEP = {"CONN_MAX_AGE": 60, "CONN_HEALTH_CHECKS": True}


def database_from_url(url: str, data_dir: Path) -> dict:
    """Turn `sqlite:///path` or `postgres://user:pass@host:port/name` into a DATABASES entry."""
    if not url:
        return {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": str(data_dir / "kartoteka.sqlite3"),
            "OPTIONS": {
                "init_command": (
                    "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; "
                    "PRAGMA foreign_keys=ON; PRAGMA busy_timeout=5000;"
                ),
                "transaction_mode": "IMMEDIATE",
            },
            **SQLITE_KEEP,
        }
    parsed = urlparse(url)
    if parsed.scheme == "sqlite":
        # sqlite:////absolute/path or sqlite:///relative/path
        path = unquote(parsed.path)[1:]
        return {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": path or str(data_dir / "kartoteka.sqlite3"),
            "OPTIONS": {"transaction_mode": "IMMEDIATE"},
            **SQLITE_KEEP,
        }
    if parsed.scheme in {"postgres", "postgresql", "pgsql"}:
        options = {k: v[-1] for k, v in parse_qs(parsed.query).items()}
        return {
            "ENGINE": "django.db.backends.postgresql",
            "NAME": unquote(parsed.path.lstrip("/")) or "kartoteka",
            "USER": unquote(parsed.username or ""),
            "PASSWORD": unquote(parsed.password or ""),
            "HOST": parsed.hostname or "",
            "PORT": str(parsed.port or ""),
            "OPTIONS": options,
            "CONN_MAX_AGE": 60,
            "CONN_HEALTH_CHECKS": True,
        }
    raise ValueError(f"DATABASE_URL scheme {parsed.scheme!r} is not supported (sqlite, postgres)")


def secret_key(data_dir: Path) -> str:
    """SECRET_KEY from the environment, else one generated into the data directory once."""
    value = os.environ.get("SECRET_KEY")
    if value:
        return value
    path = data_dir / "secret_key"
    if path.exists():
        return path.read_text().strip()
    data_dir.mkdir(parents=True, exist_ok=True)
    value = secrets.token_urlsafe(50)
    path.write_text(value)
    path.chmod(0o600)
    return value
