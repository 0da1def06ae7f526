"""Imports end to end below the wizard: upload, mapping, preview, run, undo."""

import csv
import io

import pytest
from django.db import connection

from kartoteka.contacts.models import Company, Contact
from kartoteka.dataio import engine, services
from kartoteka.dataio.models import ImportJob
from kartoteka.platform.fields import InputErrors
from kartoteka.timeline.models import Activity

pytestmark = pytest.mark.django_db

CONTACTS = (
    "Имя;Фамилия;Компания;Эл. почта;Телефон;Ответственный\n"
    "Иван;Петров;Ромашка;ivan@romashka.example;+7 495 123-45-67;anna@example.com\n"
    "Ольга;Сидорова;Ромашка;olga@romashka.example;;\n"
    "Пётр;;Ромашка;petr@romashka.example;;\n"
    "Анна;Кузнецова;Лютик;anna@lutik.example;;nobody@example.com\n"
)


def test_upload_reads_cp1251_and_guesses_the_russian_headers(admin_user, upload):
    job = services.start(admin_user, "contact", upload("c.csv", CONTACTS, "cp1251"))
    assert job.info["encoding"] == "cp1251"
    assert job.info["dialect"]["delimiter"] == ";"
    assert job.mapping == {
        "Имя": "first_name",
        "Фамилия": "last_name",
        "Компания": "company",
        "Эл. почта": "emails",
        "Телефон": "phones",
        "Ответственный": "owner",
    }
    assert job.key_field == "emails"


def test_preview_counts_without_writing_and_the_run_does_what_it_said(
    admin_user, manager, imported, make
):
    make("company", name="Ромашка")
    job = imported(admin_user, "contact", "c.csv", CONTACTS, encoding="cp1251")
    preview = job.preview
    assert (preview["created"], preview["rejected"]) == (2, 2)
    reasons = {p.line: p.messages for p in job.problems.all()}
    assert job.status == ImportJob.Status.DONE
    assert (job.created_count, job.rejected_count, job.updated_count) == (2, 2, 0)
    assert set(reasons) == {4, 5}
    assert any("Фамилия" in m or "Last name" in m for m in reasons[4])
    assert any("Лютик" in m for m in reasons[5])
    assert any("nobody@example.com" in m for m in reasons[5])
    ivan = Contact.objects.get(last_name="Петров")
    assert ivan.company.name == "Ромашка"
    assert ivan.owner == manager
    assert ivan.phones == ["+74951234567"]
    created = Activity.objects.get(entity="contact", object_id=ivan.pk, kind="created")
    assert "c.csv" in created.summary and f"#{job.pk}" in created.summary


def test_missing_companies_are_created_on_request_and_undo_removes_everything(
    admin_user, manager, imported, worker
):
    job = imported(admin_user, "contact", "c.csv", CONTACTS, encoding="cp1251", create_missing=True)
    # Анна's row is refused (unknown owner): her company Лютик is not made either
    assert job.preview["new_related"] == {"company": ["Ромашка"]}
    assert list(Company.objects.values_list("name", flat=True)) == ["Ромашка"]
    assert Contact.objects.count() == 2  # Пётр has no last name; Анна's owner is unknown
    worker(services.undo, admin_user, job)
    job.refresh_from_db()
    assert job.status == ImportJob.Status.UNDONE
    assert Contact.objects.count() == 0 and Company.objects.count() == 0
    assert Activity.objects.filter(kind="deleted").count() == 3


def test_matching_key_updates_and_undo_restores(admin_user, make, imported, worker):
    old = make("contact", last_name="Old", emails=["ivan@romashka.example"], position="Intern")
    text = "Last name,Email,Position\nPetrov,IVAN@romashka.example,Director\nNew,new@x.example,\n"
    job = imported(admin_user, "contact", "u.csv", text)
    assert (job.preview["created"], job.preview["updated"]) == (1, 1)
    assert (job.created_count, job.updated_count) == (1, 1)
    old.refresh_from_db()
    assert (old.last_name, old.position) == ("Petrov", "Director")
    change = Activity.objects.filter(entity="contact", object_id=old.pk, kind="changed").first()
    assert "u.csv" in change.summary
    worker(services.undo, admin_user, job)
    old.refresh_from_db()
    assert (old.last_name, old.position) == ("Old", "Intern")
    assert not Contact.objects.filter(last_name="New").exists()


def test_skip_on_duplicate_and_duplicate_keys_inside_the_file(admin_user, make, imported):
    make("contact", last_name="Old", emails=["a@x.example"])
    text = "Last name,Email\nA,a@x.example\nB,b@x.example\nC,b@x.example\n"
    job = imported(admin_user, "contact", "d.csv", text, on_duplicate="skip")
    assert (job.created_count, job.skipped_count, job.rejected_count) == (1, 1, 1)
    messages = {p.line: p.messages[0] for p in job.problems.all()}
    assert "line 3" in messages[4]


def test_deals_with_stages_amounts_dates_and_owner(admin_user, manager, imported, make):
    make("company", name="Acme")
    text = (
        "Name,Company,Stage,Amount,Expected close,Owner,Created\n"
        'Big deal,Acme,Proposal,"1 234,56",31.12.2026,Anna,2025-03-01 10:00\n'
        "Small deal,Acme,negotiation,99,2027-01-15,anna,\n"
        "Bad deal,Acme,Nowhere,x,32.13.2026,,\n"
    )
    job = imported(admin_user, "deal", "deals.csv", text)
    from kartoteka.sales.models import Deal

    big = Deal.objects.get(name="Big deal")
    assert str(big.amount) == "1234.56"
    assert big.stage.name == "Proposal"
    assert big.expected_close.isoformat() == "2026-12-31"
    assert big.owner == manager
    assert big.created_at.year == 2025
    assert Deal.objects.get(name="Small deal").stage.name == "Negotiation"
    (bad,) = job.problems.all()
    text = " ".join(bad.messages)
    assert "Nowhere" in text and "x" in text and "32.13.2026" in text


def test_custom_entity_with_new_choices_added_on_request(admin_user, registry, imported):
    from kartoteka.customization import services as custom

    custom.create_entity_type(
        admin_user, {"key": "supplier", "label": "Supplier", "label_plural": "Suppliers"}
    )
    custom.create_field(
        admin_user,
        {"entity": "supplier", "key": "grade", "label": "Grade", "type": "choice",
         "choices": ["A", "B"]},
    )  # fmt: skip
    text = "Name,Grade\nNorth Logistics,a\nSouth Cargo,C\n"
    refused = imported(admin_user, "supplier", "s.csv", text)
    assert (refused.created_count, refused.rejected_count) == (1, 1)
    job = imported(admin_user, "supplier", "s.csv", text, add_choices=True)
    assert job.preview["new_choices"] == {"grade": ["C"]}
    assert (job.created_count, job.rejected_count) == (2, 0)
    assert registry.get("supplier").field("grade").choices[-1][0] == "C"


def test_configure_refuses_bad_mappings_and_changes_nothing(admin_user, upload):
    job = services.start(admin_user, "contact", upload("c.csv", "Last name,Email\nA,a@x.ex\n"))
    before = dict(job.mapping)
    for data in (
        {"mapping": {"Last name": "last_name", "Email": "last_name"}},
        {"mapping": {"Last name": "nonsense"}},
        {"mapping": {"Nope": "last_name"}},
        {"key_field": "position"},
        {"on_duplicate": "explode"},
    ):
        with pytest.raises(InputErrors):
            services.configure(admin_user, job, data)
        job.refresh_from_db()
        assert job.mapping == before


def test_unreadable_and_forbidden_uploads_are_refused(reader, admin_user, upload):
    with pytest.raises(InputErrors):
        services.start(admin_user, "contact", upload("c.xls", b"\xd0\xcf\x11\xe0"))
    with pytest.raises(InputErrors):
        services.start(admin_user, "contact", upload("c.csv", b""))
    from kartoteka.platform.permissions import PermissionDenied

    with pytest.raises(PermissionDenied):
        services.start(reader, "contact", upload("c.csv", "Last name\nA\n"))
    assert ImportJob.objects.count() == 0


@pytest.mark.parametrize("read_apart", [False, True], ids=["in process", "reader process"])
def test_cancel_and_resume_and_stale_jobs(admin_user, upload, worker, settings, read_apart):
    settings.IMPORT_READER_PROCESS_MIN_BYTES = 0 if read_apart else 10**12
    rows = engine.BATCH * 5 // 2
    text = "Last name\n" + "".join(f"Person {i}\n" for i in range(rows))
    job = services.start(admin_user, "contact", upload("big.csv", text))

    calls = {"n": 0}
    original = engine.Run.process

    def process_then_cancel(self, batch):
        calls["n"] += 1
        if calls["n"] == 2:
            ImportJob.objects.filter(pk=job.pk).update(cancel_requested=True)
        return original(self, batch)

    engine.Run.process = process_then_cancel
    try:
        worker(services.run, admin_user, job)
    finally:
        engine.Run.process = original
    job.refresh_from_db()
    assert job.status == ImportJob.Status.CANCELLED
    assert Contact.objects.count() == 2 * engine.BATCH == job.created_count
    worker(services.run, admin_user, job)
    job.refresh_from_db()
    assert job.status == ImportJob.Status.DONE
    assert Contact.objects.count() == rows == job.created_count
    assert Contact.objects.values("last_name").distinct().count() == rows


def test_undo_takes_the_tasks_planned_on_imported_records(admin_user, imported, worker):
    from kartoteka.planner import services as planner
    from kartoteka.planner.models import Task

    job = imported(admin_user, "contact", "t.csv", "Last name\nKowalski\nNowak\n")
    kowalski = Contact.objects.get(last_name="Kowalski")
    planner.create_task(
        admin_user,
        {"title": "Call", "due_at": "2030-03-04T10:00", "entity": "contact",
         "object_id": kowalski.pk},
    )  # fmt: skip
    assert Task.objects.count() == 1
    worker(services.undo, admin_user, job)
    assert Contact.objects.count() == 0
    assert Task.objects.count() == 0


def test_a_run_taken_for_dead_stops_writing_and_the_resume_finishes_it(admin_user, upload, worker):
    """The reaper marks a slow run stopped (and someone may resume it): the old run must
    not write one more batch, or rows would be imported twice."""

    rows = engine.BATCH * 5 // 2
    text = "Last name\n" + "".join(f"Person {i}\n" for i in range(rows))
    job = services.start(admin_user, "contact", upload("slow.csv", text))
    original = engine.Run.batches

    def batches_then_reaped(self, after_line):
        for number, batch in enumerate(original(self, after_line)):
            if number == 1:  # between the first and the second batch: the reaper
                ImportJob.objects.filter(pk=job.pk).update(status=ImportJob.Status.FAILED)
            yield batch

    engine.Run.batches = batches_then_reaped
    try:
        worker(services.run, admin_user, job)
    finally:
        engine.Run.batches = original
    job.refresh_from_db()
    assert job.status == ImportJob.Status.FAILED
    assert Contact.objects.count() == engine.BATCH == job.created_count
    assert job.batches.count() == 1
    worker(services.run, admin_user, job)
    job.refresh_from_db()
    assert (job.status, job.created_count, Contact.objects.count()) == ("done", rows, rows)


def test_old_files_go_but_finished_imports_keep_their_report_and_undo(
    admin_user, upload, imported, worker
):
    import datetime as dt
    import os

    from django.utils import timezone

    done = imported(admin_user, "contact", "done.csv", "Last name,Email\nA,a@x.example\nB,bad\n")
    left = services.start(admin_user, "contact", upload("left.csv", "Last name\nC\n"))
    fresh = services.start(admin_user, "contact", upload("fresh.csv", "Last name\nD\n"))
    paths = {job.pk: job.file.path for job in (done, left, fresh)}
    later = timezone.now() + dt.timedelta(days=31)
    ImportJob.objects.filter(pk=fresh.pk).update(created_at=later - dt.timedelta(days=1))

    assert services.purge_old_files(now=later) == {"files_dropped": 1, "abandoned_removed": 1}
    assert not os.path.exists(paths[done.pk]) and not os.path.exists(paths[left.pk])
    assert os.path.exists(paths[fresh.pk])
    assert not ImportJob.objects.filter(pk=left.pk).exists()
    done.refresh_from_db()
    assert not done.file and done.rejected_count == 1
    report = io.StringIO()
    csv.writer(report).writerows(services.report_rows(done))
    assert "bad" in report.getvalue()
    worker(services.undo, admin_user, done)
    assert Contact.objects.count() == 0


def test_looking_for_stalled_jobs_only_reads_unless_one_has_stalled(admin_user, upload):
    """Pages and progress polls look on every call; a write would wait for SQLite's write
    lock, which a running undo holds batch after batch."""
    from datetime import timedelta

    from django.db import connection
    from django.test.utils import CaptureQueriesContext
    from django.utils import timezone

    job = services.start(admin_user, "contact", upload("a.csv", "Last name\nNowak\n"))
    running = ImportJob.objects.filter(pk=job.pk)
    running.update(status=ImportJob.Status.UNDOING, heartbeat_at=timezone.now())
    with CaptureQueriesContext(connection) as queries:
        assert services.reap_stalled() == 0
    statements = [q["sql"].split()[0].upper() for q in queries.captured_queries]
    assert statements and set(statements) == {"SELECT"}
    running.update(heartbeat_at=timezone.now() - 2 * engine.STALE_AFTER)
    assert services.reap_stalled() == 1
    job.refresh_from_db()
    assert job.status == ImportJob.Status.FAILED and job.error
    assert timedelta(0) < timezone.now() - job.finished_at < timedelta(minutes=1)


def _wal_pages() -> int:
    with connection.cursor() as cursor:
        return cursor.execute("PRAGMA wal_autocheckpoint").fetchone()[0]


@pytest.mark.skipif(connection.vendor != "sqlite", reason="SQLite's own setting")
def test_imports_and_undos_write_with_fewer_checkpoints(admin_user, upload, worker, settings):
    settings.SQLITE_BULK_WAL_PAGES = 4321
    seen = []
    original_batch, original_remove = engine.Run.real_batch, engine.bulk.bulk_remove

    def real_batch(self, read, number):
        seen.append(("import", _wal_pages()))
        return original_batch(self, read, number)

    def bulk_remove(*args, **kwargs):
        seen.append(("undo", _wal_pages()))
        return original_remove(*args, **kwargs)

    job = services.start(admin_user, "contact", upload("c.csv", "Last name\nA\nB\n"))
    engine.Run.real_batch, engine.bulk.bulk_remove = real_batch, bulk_remove
    try:
        worker(services.run, admin_user, job)
        job.refresh_from_db()
        worker(services.undo, admin_user, job)
    finally:
        engine.Run.real_batch, engine.bulk.bulk_remove = original_batch, original_remove
    job.refresh_from_db()
    assert job.status == ImportJob.Status.UNDONE
    assert seen == [("import", 4321), ("undo", 4321)]
    assert _wal_pages() != 4321


def test_wide_rows_make_smaller_batches(admin_user, upload, worker, monkeypatch):
    """A batch ends at `BATCH` rows or at `BATCH_CHARS` characters of text, whichever comes
    first: what a batch holds does not grow with the width of a file's rows."""
    monkeypatch.setattr(engine, "BATCH_CHARS", 1000)
    text = "Last name,Notes\n" + "".join(f"P{i},{'x' * 300}\n" for i in range(10))
    job = services.start(admin_user, "contact", upload("wide.csv", text))
    worker(services.run, admin_user, job)
    job.refresh_from_db()
    assert (job.status, job.created_count) == (ImportJob.Status.DONE, 10)
    sizes = list(job.batches.order_by("number").values_list("rows", "last_line"))
    assert sizes == [(4, 5), (4, 9), (2, 11)]  # 4 rows of 302 characters pass 1,000
