"""The worker killed with SIGKILL in the middle of an import: whole batches stay, nothing half
written, the import shows as stopped, and it can be resumed to the end or undone.

Runs real processes against their own SQLite database (a killed process must not be the
test's own): `kartoteka import` runs the import in the process it is started in.
"""

import os
import shutil
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from bench.imports import children_of
from kartoteka.dataio.engine import BATCH

ROWS = 12_000  # six batches
BIN = Path(sys.executable).with_name("kartoteka")


def _environment(path: Path) -> dict:
    env = {
        **os.environ,
        "KARTOTEKA_DATA_DIR": str(path),
        "DATABASE_URL": f"sqlite:///{path / 'db.sqlite3'}",
        "DJANGO_SETTINGS_MODULE": "kartoteka.config.settings",
    }
    env.pop("KARTOTEKA_TESTING", None)
    return env


def _runner(env: dict):
    def kartoteka(*args, check=True):
        return subprocess.run(
            [str(BIN), *args], env=env, capture_output=True, text=True, check=check, timeout=300
        )

    return kartoteka


@pytest.fixture(scope="module")
def template(tmp_path_factory):
    """A migrated instance with an administrator, made once and copied for each test."""
    path = tmp_path_factory.mktemp("template")
    kartoteka = _runner(_environment(path))
    kartoteka("migrate", "-v0")
    kartoteka(
        "shell", "-c",
        "from django.contrib.auth import get_user_model as g;"
        "from kartoteka.accounts.models import Role;"
        "g().objects.create_user('boss', 'boss@x.example', 'pw',"
        " role=Role.objects.get(key='administrator'))",
    )  # fmt: skip
    data = path / "people.csv"
    with data.open("w", encoding="utf-8") as out:
        out.write("First name,Last name,Email\n")
        for i in range(ROWS):
            out.write(f"Anna,Person {i},p{i}@example.com\n")
    return path


@pytest.fixture
def instance(template, tmp_path):
    shutil.copy(template / "db.sqlite3", tmp_path / "db.sqlite3")
    env = _environment(tmp_path)
    return tmp_path, env, _runner(env), template / "people.csv"


def _query(path: Path, sql: str):
    with sqlite3.connect(path / "db.sqlite3", timeout=30) as db:
        return db.execute(sql).fetchone()


def _kill_after_batches(path: Path, env: dict, data: Path, batches: int, watch=None) -> None:
    """Start `kartoteka import` of `data` and SIGKILL it once `batches` batches are written;
    it must still be running then. `watch(pid)` is called while waiting."""
    worker = subprocess.Popen(
        [str(BIN), "import", str(data), "--entity", "contact", "--key", ""],
        env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
    )  # fmt: skip
    deadline = time.monotonic() + 240
    while time.monotonic() < deadline and worker.poll() is None:
        if watch is not None:
            watch(worker.pid)
        try:
            if _query(path, "SELECT count(*) FROM dataio_importbatch")[0] >= batches:
                break
        except sqlite3.OperationalError:
            pass
        time.sleep(0.05)
    assert worker.poll() is None, "the import ended before it could be killed"
    worker.send_signal(signal.SIGKILL)
    worker.wait(timeout=30)


def test_sigkill_mid_import_leaves_whole_batches_then_resume_or_undo(instance):
    path, env, kartoteka, data = instance
    _kill_after_batches(path, env, data, 2)

    status, created = _query(path, "SELECT status, created_count FROM dataio_importjob")
    contacts = _query(path, "SELECT count(*) FROM contacts_contact")[0]
    batches, in_batches = _query(path, "SELECT count(*), sum(rows) FROM dataio_importbatch")
    assert status == "running"  # nobody has noticed yet
    assert contacts == created == in_batches == batches * BATCH  # whole batches, nothing more
    assert 0 < contacts < ROWS
    entries = _query(path, "SELECT count(*) FROM platform_searchentry")[0]
    assert entries == contacts  # the search index went with its batches

    shown = kartoteka("import", "--status", "1", "--stale-after", "0", check=False)
    assert shown.returncode == 1
    assert "Stopped" in shown.stdout and "worker stopped" in shown.stdout
    assert _query(path, "SELECT status FROM dataio_importjob")[0] == "failed"

    resumed = kartoteka("import", "--resume", "1")
    assert "Imported" in resumed.stdout
    assert _query(path, "SELECT count(*) FROM contacts_contact")[0] == ROWS
    distinct = _query(path, "SELECT count(DISTINCT last_name) FROM contacts_contact")[0]
    assert distinct == ROWS  # no row imported twice
    assert _query(path, "SELECT created_count, processed_rows FROM dataio_importjob") == (
        ROWS,
        ROWS,
    )

    undone = kartoteka("import", "--undo", "1")
    assert "Undone" in undone.stdout
    assert _query(path, "SELECT count(*) FROM contacts_contact")[0] == 0
    assert _query(path, "SELECT count(*) FROM platform_searchentry")[0] == 0


def test_killed_import_can_be_undone_without_resuming(instance):
    path, env, kartoteka, data = instance
    _kill_after_batches(path, env, data, 1)
    kartoteka("import", "--status", "1", "--stale-after", "0", check=False)
    undone = kartoteka("import", "--undo", "1")
    assert "Undone" in undone.stdout
    assert _query(path, "SELECT count(*) FROM contacts_contact")[0] == 0
    assert _query(path, "SELECT count(*) FROM dataio_importbatch")[0] == 0


def _running(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"  # a zombie has exited; only its parent's reaping is left


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="the reader process is Linux's")
def test_sigkill_with_a_reader_process_leaves_no_reader_and_resumes(instance):
    path, env, kartoteka, data = instance
    env = {**env, "IMPORT_READER_PROCESS_MIN_BYTES": "0"}  # this small file read in a child
    readers: list[int] = []

    def look_for_readers(pid: int) -> None:
        readers.extend([] if readers else children_of(pid))

    _kill_after_batches(path, env, data, 2, watch=look_for_readers)
    assert readers, "the import read its file in process"
    deadline = time.monotonic() + 30
    while any(_running(pid) for pid in readers) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not any(_running(pid) for pid in readers)  # its next send failed, and it left

    contacts, created = _query(
        path, "SELECT count(*), (SELECT created_count FROM dataio_importjob) FROM contacts_contact"
    )
    assert 0 < contacts == created < ROWS and contacts % BATCH == 0
    kartoteka("import", "--status", "1", "--stale-after", "0", check=False)
    resumed = _runner(env)("import", "--resume", "1")
    assert "Imported" in resumed.stdout
    assert _query(path, "SELECT count(*), count(DISTINCT last_name) FROM contacts_contact") == (
        ROWS,
        ROWS,
    )
