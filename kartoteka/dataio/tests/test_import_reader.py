"""The reader process (`dataio/reader.py`): a file read and checked in a second process gives
the same import as one read in process, rows that need the database stay in process, and a
reader that dies, or outlives its import, leaves nothing behind."""

import os
import time

import pytest

from kartoteka.contacts.models import Contact
from kartoteka.dataio import engine, reader, services
from kartoteka.dataio.models import ImportJob
from kartoteka.platform.models import ContactPoint, SearchEntry
from kartoteka.timeline.models import Activity

pytestmark = pytest.mark.django_db

MESSY = (
    "First name,Last name,Email,Phone,Position,Created\n"
    "Anna,Kowalska,anna@firm.example,+48 600 100 200,Manager,2025-03-01 10:00\n"
    "Jan,,jan@firm.example,,,\n"  # no last name
    "Ewa,Nowak,not-an-email,,,\n"
    "Piotr,Zieliński,piotr@firm.example,call me,,\n"
    "\n"
    "Иван,Петров,ivan@firm.example,+7 495 123-45-67,Бухгалтер,31.12.2024\n"
    "Zofia,Wiśniewska,zofia@firm.example,,=HYPERLINK(1),\n"
    "Olga,Sidorova,olga@firm.example,,,not a date\n"
    + "".join(f"Person,Number {i},p{i}@firm.example,+48 600 000 {i:03d},,\n" for i in range(2600))
    + 'Last,Row,"unclosed@firm.example,,\n'
)


@pytest.fixture
def spy(monkeypatch):
    """How many imports went through a reader process."""
    started = []
    enter = reader.Reader.__enter__

    def counting(self):
        started.append(self.after_line)
        return enter(self)

    monkeypatch.setattr(reader.Reader, "__enter__", counting)
    return started


def _outcome(job: ImportJob) -> dict:
    job.refresh_from_db()
    contacts = list(
        Contact.objects.order_by("pk").values_list(
            "first_name", "last_name", "emails", "phones", "position", "created_at", "owner_id"
        )
    )
    return {
        "status": job.status,
        "counts": (job.created_count, job.rejected_count, job.skipped_count, job.processed_rows),
        "problems": sorted((p.line, p.kind, tuple(p.messages)) for p in job.problems.all()),
        "batches": list(job.batches.order_by("number").values_list("number", "last_line", "rows")),
        "contacts": contacts,
        "entries": sorted(
            SearchEntry.objects.filter(entity="contact").values_list("title", "document")
        ),
        "points": sorted(ContactPoint.objects.values_list("kind", "value")),
        "created": Activity.objects.filter(
            entity="contact", kind="created", object_id__in=Contact.objects.values("pk")
        ).count(),
    }


def test_a_file_read_in_a_second_process_imports_exactly_as_in_process(
    admin_user, imported, worker, settings, spy
):
    settings.IMPORT_READER_PROCESS_MIN_BYTES = 10**12  # in process
    here = imported(admin_user, "contact", "people.csv", MESSY, key_field="")
    assert spy == []
    expected = _outcome(here)
    preview_here = here.preview
    worker(services.undo, admin_user, here)
    assert Contact.objects.count() == 0

    settings.IMPORT_READER_PROCESS_MIN_BYTES = 0  # every file through the reader process
    there = imported(admin_user, "contact", "people.csv", MESSY, key_field="")
    assert spy == [0, 0]  # the preview and the run both read in the second process
    got = _outcome(there)
    assert there.preview == preview_here
    for key in expected:
        if key == "contacts":
            # created_at of rows without a Created cell is the moment of the run
            strip = [row[:5] + row[6:] for row in expected[key]]
            assert [row[:5] + row[6:] for row in got[key]] == strip
        else:
            assert got[key] == expected[key], key
    assert got["counts"] == (2603, 4, 0, 2607)
    # no last name, a bad email, a bad phone, a bad date; the unclosed quote from the reader
    assert [(line, kind) for line, kind, _m in got["problems"]] == [
        (3, "row"), (4, "row"), (5, "row"), (9, "row"), (2610, "file")
    ]  # fmt: skip
    zofia = Contact.objects.get(last_name="Wiśniewska")
    assert zofia.position == "=HYPERLINK(1)"  # stored as text; exports neutralise it


def test_rows_that_need_the_database_are_read_in_process(admin_user, imported, settings, spy):
    settings.IMPORT_READER_PROCESS_MIN_BYTES = 0
    text = "Last name,Company\n" + "".join(f"P{i},Acme\n" for i in range(10))
    job = imported(admin_user, "contact", "c.csv", text, create_missing=True)
    assert job.created_count == 10
    from kartoteka.customization import services as custom

    custom.create_entity_type(
        admin_user, {"key": "supplier", "label": "Supplier", "label_plural": "Suppliers"}
    )
    custom.create_field(
        admin_user,
        {"entity": "supplier", "key": "grade", "label": "Grade", "type": "choice",
         "choices": ["A"]},
    )  # fmt: skip
    job = imported(admin_user, "supplier", "s.csv", "Name,Grade\nN,A\nS,C\n", add_choices=True)
    assert job.created_count == 2
    assert spy == []  # a company named by the row, a choice to add: both need the database
    job = imported(admin_user, "supplier", "s.csv", "Name,Grade\nN,C\nS,D\n")
    assert (job.created_count, job.rejected_count) == (1, 1)  # C was added above, D was not
    assert spy == [0, 0]  # the same file without adding choices needs nothing of it


def test_a_reader_that_dies_fails_the_import_which_then_resumes(
    admin_user, upload, worker, settings, monkeypatch
):
    settings.IMPORT_READER_PROCESS_MIN_BYTES = 0
    rows = engine.BATCH * 7 // 2
    text = "Last name,Email\n" + "".join(f"P{i},p{i}@x.example\n" for i in range(rows))
    job = services.start(admin_user, "contact", upload("big.csv", text))
    services.configure(admin_user, job, {"key_field": ""})
    original = reader.check

    def die_on_the_third_batch(run, works):
        if works[0].line > 2 * engine.BATCH + 1:
            os._exit(9)  # as if killed: no message, the pipe just closes
        original(run, works)

    monkeypatch.setattr(reader, "check", die_on_the_third_batch)
    worker(services.run, admin_user, job)
    job.refresh_from_db()
    assert job.status == ImportJob.Status.FAILED
    assert "exit code 9" in job.error
    assert job.created_count == Contact.objects.count() == 2 * engine.BATCH  # whole batches

    monkeypatch.setattr(reader, "check", original)
    worker(services.run, admin_user, job)
    job.refresh_from_db()
    assert job.status == ImportJob.Status.DONE
    assert Contact.objects.count() == rows == job.created_count
    assert Contact.objects.values("last_name").distinct().count() == rows


def test_an_error_in_the_reader_is_reported_in_one_line(
    admin_user, upload, worker, settings, monkeypatch
):
    settings.IMPORT_READER_PROCESS_MIN_BYTES = 0
    job = services.start(admin_user, "contact", upload("c.csv", "Last name\nA\nB\n"))

    def broken(run, works):
        raise ValueError("a cell nobody expected")

    monkeypatch.setattr(reader, "check", broken)
    worker(services.run, admin_user, job)
    job.refresh_from_db()
    assert job.status == ImportJob.Status.FAILED
    assert "ValueError: a cell nobody expected" in job.error
    assert "Traceback" not in job.error
    assert Contact.objects.count() == 0


def test_the_reader_exits_when_its_import_is_gone(admin_user, upload, settings):
    settings.IMPORT_READER_PROCESS_MIN_BYTES = 0
    text = "Last name,Email\n" + "".join(f"P{i},p{i}@x.example\n" for i in range(6000))
    job = services.start(admin_user, "contact", upload("big.csv", text))
    run = engine.Run(job, dry_run=False)
    run.prepare()
    batches = reader.Reader(run, 0)
    batches.__enter__()
    first = next(iter(batches))
    assert [w.line for w in first[:2]] == [2, 3]
    process = batches.process
    assert process.is_alive()  # blocked on a full pipe with the batches ahead
    batches.conn.close()  # what the kernel does when the import's process is killed
    deadline = time.monotonic() + 20
    while process.is_alive() and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not process.is_alive()
    assert process.exitcode == 0
    batches.conn = None
    batches.__exit__(None, None, None)


def test_a_daemonic_worker_reads_in_process(admin_user, imported, settings, spy, monkeypatch):
    """Huey's process workers are daemonic, and daemonic processes may not have children."""
    import multiprocessing

    settings.IMPORT_READER_PROCESS_MIN_BYTES = 0
    monkeypatch.setitem(multiprocessing.current_process()._config, "daemon", True)
    job = imported(admin_user, "contact", "c.csv", "Last name\nA\nB\n")
    assert (job.status, job.created_count, spy) == (ImportJob.Status.DONE, 2, [])
