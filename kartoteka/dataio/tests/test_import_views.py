"""The import wizard's pages: upload, mapping, check, run, undo, and the refusals around them
(bad files, hostile names, someone else's import, no permission, no CSRF token)."""

import re

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from kartoteka.contacts.models import Contact
from kartoteka.dataio import services
from kartoteka.dataio.models import ImportJob, SavedMapping

pytestmark = pytest.mark.django_db

CONTACTS = (
    "First name,Family,E-mail,Company\n"
    "Ada,Lovelace,ada@example.com,Acme\n"
    "Alan,Turing,alan@example.com,Acme\n"
    "Grace,Hopper,grace@example.com,Nowhere Ltd\n"
)
FIXED = {"col0": "first_name", "col1": "last_name", "col2": "emails", "col3": "company"}
OPTIONS = {"on_duplicate": "update", "day_first": "auto", "decimal_comma": "auto"}


@pytest.fixture
def acme(make, manager):
    return make("company", name="Acme", owner=manager)


@pytest.fixture
def signed_in(client, manager, registry):
    client.force_login(manager)
    return client


@pytest.fixture
def post(django_capture_on_commit_callbacks):
    """A POST whose queued work (the check, the run, the undo) runs as the worker would."""

    def _post(client, url, data=None, **extra):
        with django_capture_on_commit_callbacks(execute=True):
            return client.post(url, data or {}, **extra)

    return _post


def _upload(client, upload, name="people.csv", content=CONTACTS, entity="contact"):
    return client.post(
        reverse("dataio:import_new"), {"entity": entity, "file": upload(name, content)}
    )


def _job() -> ImportJob:
    return ImportJob.objects.get()


def _url(name: str, job: ImportJob) -> str:
    return reverse(f"dataio:{name}", args=[job.pk])


def test_manager_uploads_maps_checks_fixes_imports_and_undoes(signed_in, upload, post, acme):
    client = signed_in
    page = client.get(reverse("dataio:import_new") + "?entity=contact")
    assert '<option value="contact" selected>' in page.content.decode()
    assert "200 MB" in page.content.decode()

    response = _upload(client, upload)
    job = _job()
    assert response.status_code == 302 and response["Location"] == _url("import_mapping", job)

    page = client.get(_url("import_mapping", job)).content.decode()
    assert (
        "<strong>utf-8</strong>" in page and '<code class="kt-delimiter">,</code>' in page
    )  # detected encoding and delimiter
    assert "Lovelace" in page and "Turing" in page and "Hopper" in page  # first values
    assert '<option value="first_name" selected>' in page  # the guess
    assert 'id="required-unmapped"' in page and "Last name" in page  # "Family" is not guessed

    # checked as guessed: every row lacks a last name
    data = {"col0": "first_name", "col1": "", "col2": "emails", "col3": "company", **OPTIONS}
    response = post(client, _url("import_mapping", job), {**data, "action": "check"})
    assert response["Location"] == _url("import_preview", job)
    page = client.get(_url("import_preview", job)).content.decode()
    assert 'data-count="rejected"><div class="kt-count text-danger">3<' in page
    assert "Last name" in page
    assert Contact.objects.count() == 0

    # back to the mapping, fixed: one row refers to an unknown company
    page = client.get(_url("import_mapping", job)).content.decode()
    assert '<option value="" selected>— do not import —' in page
    post(client, _url("import_mapping", job), {**FIXED, **OPTIONS, "action": "check"})
    page = client.get(_url("import_preview", job)).content.decode()
    assert 'data-count="created"><div class="kt-count text-success">2<' in page
    assert 'id="rejected-rows"' in page and "Nowhere Ltd" in page
    assert 'data-line="4"' in page
    report = client.get(_url("import_report", job) + "?dry=1")
    assert report["Content-Type"].startswith("text/csv")
    assert "Nowhere Ltd" in b"".join(report.streaming_content).decode("utf-8-sig")
    assert Contact.objects.count() == 0

    response = post(client, _url("import_run", job))
    assert response["Location"] == _url("import_run", job)
    page = client.get(_url("import_run", job)).content.decode()
    assert 'id="import-result"' in page and "The import is done." in page
    assert "kt-pct-100" in page and 'id="undo-import"' in page
    assert sorted(Contact.objects.values_list("last_name", flat=True)) == ["Lovelace", "Turing"]
    report = b"".join(client.get(_url("import_report", job)).streaming_content).decode("utf-8-sig")
    assert "Grace" in report and "Ada" not in report

    post(client, _url("import_undo", job))
    page = client.get(_url("import_run", job)).content.decode()
    assert "This import was undone" in page and 'id="undo-import"' not in page
    assert Contact.objects.count() == 0

    listing = client.get(reverse("dataio:imports")).content.decode()
    assert "people.csv" in listing and "Undone" in listing


@pytest.mark.parametrize(
    ("name", "content", "field", "message"),
    [
        ("empty.csv", b"", "file", "The submitted file is empty."),
        ("photo.png", b"\x89PNG\r\n\x1a\n", "file", "Only CSV, TSV, TXT and XLSX"),
        ("book.xlsx", b"\x89PNG\r\n\x1a\n" * 50, "file", "not a readable XLSX workbook"),
        ("blank.csv", b"\n\n  \n", "file", "empty"),
        ("people.csv", CONTACTS, "entity", "Select a valid choice."),
    ],
)
def test_a_refused_upload_says_why_by_the_field_and_saves_nothing(
    signed_in, upload, name, content, field, message
):
    entity = "no-such-thing" if field == "entity" else "contact"
    response = _upload(signed_in, upload, name=name, content=content, entity=entity)
    assert response.status_code == 422
    form = response.context["form"]
    assert form.errors[field]
    assert message in form.errors[field][0]
    assert f'id="{field}-errors"' in response.content.decode()
    assert ImportJob.objects.count() == 0


def test_an_upload_without_a_file_or_too_big_is_refused(signed_in, upload, monkeypatch):
    response = signed_in.post(reverse("dataio:import_new"), {"entity": "contact"})
    assert response.status_code == 422 and response.context["form"].errors["file"]
    monkeypatch.setattr(services, "MAX_IMPORT_BYTES", 100)
    response = _upload(signed_in, upload)
    assert response.status_code == 422
    assert "over" in response.context["form"].errors["file"][0]
    assert ImportJob.objects.count() == 0


def test_hostile_file_names_headers_and_values_are_shown_escaped(signed_in, upload, post):
    hostile = "<script>alert(1)</script>"
    content = f'Last name,"{hostile}"\nLovelace,"<img src=x onerror=alert(2)>"\n'
    _upload(signed_in, upload, name="<b onmouseover=alert(3)>.csv", content=content)
    job = _job()
    for url in (_url("import_mapping", job), reverse("dataio:imports")):
        page = signed_in.get(url).content.decode()
        assert "&lt;b onmouseover=alert(3)&gt;.csv" in page
        assert "<b onmouseover" not in page
    page = signed_in.get(_url("import_mapping", job)).content.decode()
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page and hostile not in page
    assert "&lt;img src=x onerror=alert(2)&gt;" in page and "<img src=x" not in page
    post(
        signed_in,
        _url("import_mapping", job),
        {"col0": "last_name", "col1": "position", **OPTIONS, "action": "check"},
    )
    page = signed_in.get(_url("import_preview", job)).content.decode()
    assert "&lt;img src=x onerror=alert(2)&gt;" in page and "<img src=x" not in page
    assert hostile not in page


def test_someone_elses_import_is_not_found_but_an_administrator_sees_it(
    client, manager, outsider, admin_user, upload, registry
):
    job = services.start(manager, "contact", upload("people.csv", CONTACTS))
    client.force_login(outsider)
    for name in ("import", "import_mapping", "import_preview", "import_run", "import_report"):
        assert client.get(_url(name, job)).status_code == 404, name
    for name in ("import_mapping", "import_run", "import_undo", "import_cancel"):
        assert client.post(_url(name, job), {"action": "check"}).status_code == 404, name
    assert "people.csv" not in client.get(reverse("dataio:imports")).content.decode()
    job.refresh_from_db()
    assert job.status == ImportJob.Status.NEW

    client.force_login(admin_user)
    assert client.get(_url("import_mapping", job)).status_code == 200
    listing = client.get(reverse("dataio:imports")).content.decode()
    assert "people.csv" in listing and str(manager) in listing


def test_a_reader_may_not_import(client, reader, upload, registry):
    client.force_login(reader)
    assert client.get(reverse("dataio:import_new")).status_code == 403
    response = client.post(
        reverse("dataio:import_new"), {"entity": "contact", "file": upload("a.csv", CONTACTS)}
    )
    assert response.status_code == 403
    assert ImportJob.objects.count() == 0
    listing = client.get(reverse("dataio:imports")).content.decode()
    assert 'id="new-import"' not in listing
    assert 'data-nav="dataio.imports"' not in listing


def test_a_manager_finds_imports_in_the_navigation(signed_in):
    page = signed_in.get(reverse("dataio:imports")).content.decode()
    assert 'data-nav="dataio.imports"' in page and 'id="new-import"' in page
    assert 'id="no-imports"' in page


def test_posts_without_a_csrf_token_are_refused(manager, upload, registry):
    job = services.start(manager, "contact", upload("people.csv", CONTACTS))
    client = Client(enforce_csrf_checks=True)
    client.force_login(manager)
    refused = [
        client.post(
            reverse("dataio:import_new"), {"entity": "contact", "file": upload("b.csv", CONTACTS)}
        ),
        client.post(_url("import_mapping", job), {**FIXED, **OPTIONS, "action": "check"}),
        client.post(_url("import_run", job)),
        client.post(_url("import_undo", job)),
    ]
    assert [r.status_code for r in refused] == [403] * 4
    assert ImportJob.objects.count() == 1
    job.refresh_from_db()
    assert job.status == ImportJob.Status.NEW and job.mapping["Family"] == ""


def test_conflicting_or_unknown_mappings_come_back_with_422_and_change_nothing(signed_in, upload):
    _upload(signed_in, upload)
    job = _job()
    before = dict(job.mapping)
    url = _url("import_mapping", job)

    twice = {**FIXED, "col1": "first_name", **OPTIONS, "action": "check"}
    response = signed_in.post(url, twice)
    assert response.status_code == 422
    assert "both go to First name" in response.content.decode()

    unknown = {**FIXED, "col1": "password", **OPTIONS, "action": "check"}
    response = signed_in.post(url, unknown)
    assert response.status_code == 422 and response.context["form"].errors["col1"]

    unmatched_key = {**FIXED, "col2": "", "key_field": "emails", **OPTIONS, "action": "check"}
    response = signed_in.post(url, unmatched_key)
    assert response.status_code == 422
    assert (
        "Map a column to the field you match records on."
        in (response.context["form"].errors["key_field"])
    )

    job.refresh_from_db()
    assert job.mapping == before and job.status == ImportJob.Status.NEW


def test_the_check_polls_while_it_runs_then_redirects_to_its_result(signed_in, upload, acme):
    _upload(signed_in, upload)
    job = _job()
    signed_in.post(_url("import_mapping", job), {**FIXED, **OPTIONS, "action": "check"})
    job.refresh_from_db()
    assert job.status == ImportJob.Status.PREVIEWING  # queued, the worker has not run

    page = signed_in.get(_url("import_preview", job)).content.decode()
    poll = _url("import_preview_progress", job)
    assert f'hx-get="{poll}"' in page and 'hx-trigger="every 1s"' in page
    fragment = signed_in.get(poll, HTTP_HX_REQUEST="true")
    assert fragment.status_code == 200 and "Checking the file" in fragment.content.decode()
    assert "HX-Redirect" not in fragment

    services.execute_preview(job.pk)
    fragment = signed_in.get(poll, HTTP_HX_REQUEST="true")
    assert fragment["HX-Redirect"] == _url("import_preview", job)


def test_a_check_that_fails_goes_back_to_the_mapping_with_the_reason(signed_in, upload):
    _upload(signed_in, upload)
    job = _job()
    signed_in.post(_url("import_mapping", job), {**FIXED, **OPTIONS, "action": "check"})
    job.file.delete(save=False)  # the file is gone by the time the worker reads it
    services.execute_preview(job.pk)
    response = signed_in.get(_url("import_preview", job))
    assert response["Location"] == _url("import_mapping", job)
    page = signed_in.get(_url("import_mapping", job)).content.decode()
    assert 'id="job-error"' in page


def test_a_running_import_shows_progress_and_can_be_cancelled_then_resumed(
    signed_in, upload, post, acme
):
    _upload(signed_in, upload)
    job = _job()
    post(signed_in, _url("import_mapping", job), {**FIXED, **OPTIONS, "action": "check"})
    signed_in.post(_url("import_run", job))  # queued; the worker has not started
    page = signed_in.get(_url("import_run", job)).content.decode()
    assert 'id="import-progress"' in page and "Waiting for the worker" in page
    assert 'id="cancel-import"' in page and "data-confirm=" in page
    fragment = signed_in.get(_url("import_run_progress", job), HTTP_HX_REQUEST="true")
    assert "0 of 3 rows" in fragment.content.decode()
    assert 'id="import-status"' in page  # the badge the poll keeps up to date
    ImportJob.objects.filter(pk=job.pk).update(
        status=ImportJob.Status.RUNNING, processed_rows=1, heartbeat_at=timezone.now()
    )
    fragment = signed_in.get(_url("import_run_progress", job), HTTP_HX_REQUEST="true")
    html = fragment.content.decode()
    badge = re.search(r'<span[^>]*id="import-status"[^>]*>([^<]*)</span>', html)
    assert badge and 'hx-swap-oob="true"' in badge.group(0)
    assert badge.group(1) == "Importing" and 'data-status="running"' in badge.group(0)
    assert "Importing…" in html
    ImportJob.objects.filter(pk=job.pk).update(status=ImportJob.Status.QUEUED, processed_rows=0)

    signed_in.post(_url("import_cancel", job))
    job.refresh_from_db()
    assert job.status == ImportJob.Status.CANCELLED
    fragment = signed_in.get(_url("import_run_progress", job), HTTP_HX_REQUEST="true")
    assert fragment["HX-Redirect"] == _url("import_run", job)
    page = signed_in.get(_url("import_run", job)).content.decode()
    assert "The import was cancelled" in page and 'id="resume-import"' in page

    post(signed_in, _url("import_run", job))
    job.refresh_from_db()
    assert job.status == ImportJob.Status.DONE and job.created_count == 2


def test_an_import_whose_worker_died_shows_as_stopped_with_resume_and_undo(
    signed_in, upload, post, acme
):
    _upload(signed_in, upload)
    job = _job()
    post(signed_in, _url("import_mapping", job), {**FIXED, **OPTIONS, "action": "check"})
    post(signed_in, _url("import_run", job))
    ImportJob.objects.filter(pk=job.pk).update(
        status=ImportJob.Status.RUNNING, heartbeat_at=timezone.now() - timezone.timedelta(hours=1)
    )
    page = signed_in.get(_url("import_run", job)).content.decode()
    assert "Stopped" in page and "The worker stopped" in page
    assert 'id="resume-import"' in page and 'id="undo-import"' in page


def test_starting_a_finished_import_again_is_refused_with_a_message(signed_in, upload, post, acme):
    _upload(signed_in, upload)
    job = _job()
    post(signed_in, _url("import_mapping", job), {**FIXED, **OPTIONS, "action": "check"})
    post(signed_in, _url("import_run", job))
    response = post(signed_in, _url("import_run", job), follow=True)
    assert "This import cannot be started now." in response.content.decode()
    assert Contact.objects.count() == 2
    # the mapping of a finished import cannot be changed: its page leads to the result
    assert signed_in.get(_url("import_mapping", job))["Location"] == _url("import_run", job)


def test_a_mapping_saved_on_one_file_is_applied_to_the_next(signed_in, upload, manager):
    _upload(signed_in, upload)
    first = _job()
    url = _url("import_mapping", first)
    response = signed_in.post(url, {**FIXED, **OPTIONS, "action": "save", "mapping_name": ""})
    assert response.status_code == 422
    assert response.context["form"].errors["mapping_name"]
    response = signed_in.post(
        url, {**FIXED, **OPTIONS, "action": "save", "mapping_name": "CRM export", "shared": "on"}
    )
    assert response["Location"] == url
    saved = SavedMapping.objects.get()
    assert (saved.name, saved.shared, saved.mapping["Family"]) == ("CRM export", True, "last_name")

    _upload(signed_in, upload, name="more.csv")
    second = ImportJob.objects.exclude(pk=first.pk).get()
    assert second.mapping["Family"] == ""
    page = signed_in.get(_url("import_mapping", second)).content.decode()
    assert "CRM export (shared)" in page
    signed_in.post(_url("import_apply_mapping", second), {"saved": str(saved.pk)})
    second.refresh_from_db()
    assert second.mapping["Family"] == "last_name"
    response = signed_in.post(
        _url("import_apply_mapping", second), {"saved": "999999"}, follow=True
    )
    assert "Choose one of the saved mappings." in response.content.decode()


def test_only_administrators_are_offered_to_add_unknown_choices(
    client, manager, admin_user, upload
):
    for user, offered in ((manager, False), (admin_user, True)):
        job = services.start(user, "contact", upload("people.csv", CONTACTS))
        client.force_login(user)
        page = client.get(_url("import_mapping", job)).content.decode()
        assert ('name="add_choices"' in page) is offered


@pytest.mark.parametrize(
    "language, shown", [("en", "300,000"), ("ru", "300\u00a0000"), ("pl", "300\u00a0000")]
)
def test_large_counts_are_grouped_as_the_language_writes_them(
    signed_in, upload, manager, language, shown
):
    _upload(signed_in, upload)
    job = _job()
    ImportJob.objects.filter(pk=job.pk).update(
        status=ImportJob.Status.DONE, processed_rows=300_000, total_rows=300_000,
        created_count=300_000, rejected_count=1_234,
    )  # fmt: skip
    manager.language = language
    manager.save(update_fields=["language"])
    page = signed_in.get(_url("import", job), follow=True).content.decode()
    counts = page.split('id="run-counts"', 1)[1].split('id="run-actions"', 1)[0]
    rejected = "1,234" if language == "en" else "1\u00a0234"
    assert counts.count(shown) == 1 and rejected in counts
    assert page.count(shown) >= 3  # the created count and "300,000 of 300,000 rows"
    listed = signed_in.get(reverse("dataio:imports")).content.decode()
    assert shown in listed and "300000" not in listed
