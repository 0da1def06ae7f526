"""The imports API (/api/v1/imports) as a script sees it: upload, mapping, preview, run,
progress, the report of rejected rows and undo, saved mappings, and everything it refuses —
anonymous callers, users who may not create the records, someone else's import, unreadable,
oversized and malformed uploads, bad mappings and steps the import's state does not allow —
with nothing written."""

from __future__ import annotations

import csv
import io
from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.http import HttpRequest
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from kartoteka.contacts.models import Contact
from kartoteka.dataio import services
from kartoteka.dataio.models import ImportJob, SavedMapping
from tests.helpers import API, ApiClient, error_of

pytestmark = pytest.mark.django_db

PEOPLE = (
    "Last name,Email,Shoe size\n"
    "Petrov,petrov@example.org,42\n"
    ",nameless@example.org,40\n"
    "Sidorova,sidorova@example.org,37\n"
)


def send_file(api: ApiClient, name: str | None, content: bytes | str = b"", **fields):
    """POST /imports as a multipart form (the JSON client of tests.helpers cannot)."""
    data: dict = {"entity": "contact", **fields}
    if name is not None:
        raw = content.encode() if isinstance(content, str) else content
        data["file"] = SimpleUploadedFile(name, raw)
    return api.client.post(API + "/imports", data, **api.headers)


def uploaded(api: ApiClient, text: str = PEOPLE, name: str = "people.csv") -> dict:
    response = send_file(api, name, text)
    assert response.status_code == 201, response.content
    return response.json()


def csv_rows(response) -> list[list[str]]:
    assert response.status_code == 200, response.content
    assert response["Content-Type"].startswith("text/csv")
    raw = b"".join(response.streaming_content).decode("utf-8")
    assert raw.startswith("\ufeff")
    return list(csv.reader(io.StringIO(raw[1:])))


def refused(response, status: int = 422) -> dict:
    assert response.status_code == status, response.content
    return error_of(response)


def files_in(media) -> list:
    return [p for p in media.rglob("*") if p.is_file()] if media.exists() else []


def job_state(pk: int) -> dict:
    job = ImportJob.objects.get(pk=pk)
    return {
        "status": job.status,
        "mapping": job.mapping,
        "key_field": job.key_field,
        "on_duplicate": job.on_duplicate,
        "create_missing": job.create_missing,
        "add_choices": job.add_choices,
        "day_first": job.day_first,
        "decimal_comma": job.decimal_comma,
    }


# -- the script's way through -----------------------------------------------------------------


def test_a_script_uploads_checks_imports_reads_the_report_and_undoes_with_a_token(
    api_as, manager, worker
):
    api = api_as(manager, token=True)

    job = uploaded(api)
    assert job["status"] == "new" and job["entity"] == "contact"
    assert job["filename"] == "people.csv"
    assert job["headers"] == ["Last name", "Email", "Shoe size"]
    assert job["mapping"]["Last name"] == "last_name"
    assert job["mapping"]["Email"] == "emails"
    assert job["info"]["delimiter"] == ","
    assert job["info"]["lines"][0] == ["Petrov", "petrov@example.org", "42"]
    assert {"key": "last_name", "label": "Last name"} in job["fields"]
    assert "emails" in [choice["key"] for choice in job["key_choices"]]
    assert job["links"]["self"] == f"{API}/imports/{job['id']}"
    assert job["links"]["report"] == f"{API}/imports/{job['id']}/report.csv"
    pk = job["id"]

    response = api.patch(
        f"/imports/{pk}",
        {
            "mapping": {"Last name": "last_name", "Email": "emails", "Shoe size": None},
            "key_field": "emails",
            "on_duplicate": "skip",
        },
    )
    assert response.status_code == 200, response.content
    job = response.json()
    assert job["mapping"] == {"Last name": "last_name", "Email": "emails", "Shoe size": ""}
    assert (job["key_field"], job["on_duplicate"]) == ("emails", "skip")
    assert job["required_unmapped"] == []

    response = worker(api.post, f"/imports/{pk}/preview")
    assert response.status_code == 202, response.content
    assert api.get(f"/imports/{pk}/progress").json()["status"] == "previewed"
    assert Contact.objects.count() == 0  # a check writes nothing

    preview = api.get(f"/imports/{pk}/preview").json()
    assert preview["counts"] == {"rows": 3, "created": 2, "updated": 0, "skipped": 0, "rejected": 1}
    assert preview["problems_total"] == 1
    [problem] = preview["problems"]
    assert problem["line"] == 3
    assert problem["values"] == ["", "nameless@example.org", "40"]
    assert any("Last name" in message for message in problem["messages"])
    assert [row["line"] for row in preview["sample"]] == [2, 3, 4]
    dry_report = csv_rows(api.get(f"/imports/{pk}/report.csv", {"dry_run": "true"}))
    assert dry_report[0] == ["Line", "Reasons", "Last name", "Email", "Shoe size"]
    assert dry_report[1][0] == "3" and dry_report[1][3] == "nameless@example.org"

    response = worker(api.post, f"/imports/{pk}/run")
    assert response.status_code == 202, response.content
    progress = api.get(f"/imports/{pk}/progress").json()
    assert progress == {
        "status": "done",
        "percent": 100,
        "processed_rows": 3,
        "total_rows": 3,
        "counts": {"created": 2, "updated": 0, "skipped": 0, "rejected": 1},
        "error": "",
    }
    assert sorted(Contact.objects.values_list("last_name", flat=True)) == ["Petrov", "Sidorova"]
    assert api.get(f"/imports/{pk}").json()["can_undo"] is True

    report = csv_rows(api.get(f"/imports/{pk}/report.csv"))
    assert len(report) == 2
    line, reasons, *values = report[1]
    assert line == "3" and values == ["", "nameless@example.org", "40"]
    assert "Last name" in reasons

    response = worker(api.post, f"/imports/{pk}/undo")
    assert response.status_code == 202, response.content
    job = api.get(f"/imports/{pk}").json()
    assert job["status"] == "undone" and job["can_undo"] is False
    assert Contact.objects.count() == 0


def test_a_session_user_uploads_a_workbook_and_picks_its_sheet(api_as, manager):
    from openpyxl import Workbook

    workbook = Workbook()
    workbook.active.title = "Notes"
    workbook.active.append(["whatever"])
    people = workbook.create_sheet("People")
    people.append(["Last name", "Email"])
    people.append(["Petrov", "petrov@example.org"])
    content = io.BytesIO()
    workbook.save(content)

    response = send_file(api_as(manager), "people.xlsx", content.getvalue(), sheet="People")

    assert response.status_code == 201, response.content
    job = response.json()
    assert job["headers"] == ["Last name", "Email"]
    assert job["info"]["sheet"] == "People"
    assert job["info"]["lines"] == [["Petrov", "petrov@example.org"]]


def test_a_stopped_import_is_resumed_by_run_and_a_queued_one_cancelled(api_as, manager, worker):
    api = api_as(manager, token=True)
    pk = uploaded(api)["id"]

    assert api.post(f"/imports/{pk}/run").status_code == 202  # queued; the worker never came
    response = api.post(f"/imports/{pk}/cancel")
    assert response.status_code == 200, response.content
    assert response.json()["status"] == "cancelled"
    assert response.json()["can_resume"] is True

    response = worker(api.post, f"/imports/{pk}/run")
    assert response.status_code == 202, response.content
    assert api.get(f"/imports/{pk}/progress").json()["status"] == "done"
    assert Contact.objects.count() == 2


def test_an_import_whose_worker_died_shows_as_failed(api_as, manager):
    api = api_as(manager, token=True)
    pk = uploaded(api)["id"]
    ImportJob.objects.filter(pk=pk).update(
        status=ImportJob.Status.RUNNING, heartbeat_at=timezone.now() - timedelta(hours=1)
    )

    progress = api.get(f"/imports/{pk}/progress").json()

    assert progress["status"] == "failed"
    assert progress["error"] == services.STALE_MESSAGE
    assert api.get(f"/imports/{pk}").json()["can_resume"] is True


# -- the list ------------------------------------------------------------------------------------


def test_managers_list_their_own_imports_newest_first_and_an_administrator_everyones(
    api_as, manager, colleague, admin_user
):
    mine = [uploaded(api_as(manager, token=True))["id"] for _ in range(3)]
    theirs = uploaded(api_as(colleague, token=True))["id"]

    api = api_as(manager, token=True)
    first = api.get("/imports", {"limit": 2}).json()
    assert [job["id"] for job in first["items"]] == [mine[2], mine[1]]
    second = api.get("/imports", {"limit": 2, "before": first["next_before"]}).json()
    assert [job["id"] for job in second["items"]] == [mine[0]]
    assert second["next_before"] is None
    assert first["items"][0]["links"]["self"] == f"{API}/imports/{mine[2]}"

    everyone = api_as(admin_user, token=True).get("/imports").json()["items"]
    assert [job["id"] for job in everyone] == [theirs, *reversed(mine)]
    assert everyone[0]["created_by"] == ImportJob.objects.get(pk=theirs).created_by_id
    assert api_as(admin_user).get(f"/imports/{mine[0]}").status_code == 200


def test_the_list_costs_the_same_queries_for_one_import_or_many(api_as, manager, worker):
    api = api_as(manager, token=True)

    def imported() -> None:  # done, with batches: can_undo must not ask once per job
        pk = uploaded(api)["id"]
        worker(api.post, f"/imports/{pk}/run")

    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            response = api.get("/imports")
        assert response.status_code == 200
        assert all(job["can_undo"] for job in response.json()["items"])
        return len(captured)

    imported()
    one = queries()
    for _ in range(4):
        imported()
    assert queries() == one


def test_list_parameters_are_read_strictly(api_as, manager):
    api = api_as(manager, token=True)
    for params in ({"limit": 0}, {"limit": 100000}, {"before": "x"}, {"status": "done"}):
        refused(api.get("/imports", params))


# -- refusals ---------------------------------------------------------------------------------


def test_anonymous_callers_get_401_and_nothing_is_written(client, media):
    api = ApiClient(client)
    assert refused(send_file(api, "people.csv", PEOPLE), 401)["code"] == "unauthenticated"
    assert refused(api.get("/imports"), 401)["code"] == "unauthenticated"
    bad_token = ApiClient(client, {"HTTP_AUTHORIZATION": "Bearer nope"})
    assert send_file(bad_token, "people.csv", PEOPLE).status_code == 401
    assert ImportJob.objects.count() == 0 and files_in(media) == []


def test_a_user_who_may_not_create_the_records_gets_403(api_as, reader, media):
    response = send_file(api_as(reader, token=True), "people.csv", PEOPLE)
    assert refused(response, 403)["code"] == "permission_denied"
    assert refused(api_as(reader, token=True).get("/import-mappings", {"entity": "contact"}), 403)
    assert ImportJob.objects.count() == 0 and files_in(media) == []


@pytest.mark.parametrize(
    ("name", "content", "fields", "field"),
    [
        pytest.param("people.csv", b"", {}, "file", id="empty"),
        pytest.param("people.xls", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", {}, "file", id="xls"),
        pytest.param("people.xlsx", b"PK\x03\x04 not a workbook", {}, "file", id="broken-xlsx"),
        pytest.param("people.pdf", b"%PDF-1.4", {}, "file", id="pdf"),
        pytest.param("people.csv", PEOPLE, {"entity": "spaceship"}, "entity", id="entity"),
        pytest.param("people.csv", PEOPLE, {"entity": ""}, "entity", id="no-entity"),
        pytest.param(None, b"", {}, "file", id="no-file"),
        pytest.param("people.csv", PEOPLE, {"owner": "1"}, "owner", id="unknown-field"),
        pytest.param("people.csv", PEOPLE, {"sheet": "x" * 101}, "sheet", id="long-sheet"),
    ],
)
def test_unreadable_and_malformed_uploads_are_refused_with_422(
    api_as, manager, media, name, content, fields, field
):
    error = refused(send_file(api_as(manager, token=True), name, content, **fields))
    assert field in error["fields"], error
    assert ImportJob.objects.count() == 0 and files_in(media) == []


def test_a_workbook_without_the_named_sheet_is_refused(api_as, manager, media):
    from openpyxl import Workbook

    content = io.BytesIO()
    Workbook().save(content)
    response = send_file(api_as(manager), "b.xlsx", content.getvalue(), sheet="Nope")
    assert "Nope" in refused(response)["fields"]["file"][0]
    assert ImportJob.objects.count() == 0 and files_in(media) == []


def test_json_instead_of_a_form_is_refused_with_422(api_as, manager):
    response = api_as(manager, token=True).post("/imports", {"entity": "contact", "file": "x"})
    assert "multipart" in refused(response)["fields"]["file"][0]
    assert ImportJob.objects.count() == 0


def test_a_file_over_the_limit_is_refused_with_413_whether_or_not_it_was_read(
    api_as, manager, media, monkeypatch
):
    monkeypatch.setattr(services, "MAX_IMPORT_BYTES", 1000)
    api = api_as(manager, token=True)
    just_over = "Last name\n" + "x" * 1000 + "\n"  # the body is short enough to be read
    far_over = "Last name\n" + "x\n" * 100_000  # the body is refused from its Content-Length

    for text in (just_over, far_over):
        error = refused(send_file(api, "big.csv", text), 413)
        assert error["code"] == "too_large"
        assert "split it" in error["message"]
    assert ImportJob.objects.count() == 0 and files_in(media) == []
    assert send_file(api, "small.csv", "Last name\nPetrov\n").status_code == 201


def test_a_body_too_long_for_any_acceptable_file_is_refused_unread(api_as, manager, monkeypatch):
    monkeypatch.setattr(services, "MAX_IMPORT_BYTES", 1000)

    def unread(request):
        raise AssertionError("the body was read")

    monkeypatch.setattr(HttpRequest, "_load_post_and_files", unread)
    response = send_file(api_as(manager, token=True), "big.csv", "Last name\n" + "x\n" * 100_000)
    assert refused(response, 413)["code"] == "too_large"


def test_someone_elses_import_is_404_everywhere(api_as, manager, colleague, worker):
    pk = uploaded(api_as(manager, token=True))["id"]
    before = job_state(pk)
    api = api_as(colleague, token=True)

    for method, path in [
        ("get", f"/imports/{pk}"),
        ("patch", f"/imports/{pk}"),
        ("post", f"/imports/{pk}/preview"),
        ("get", f"/imports/{pk}/preview"),
        ("post", f"/imports/{pk}/run"),
        ("post", f"/imports/{pk}/cancel"),
        ("post", f"/imports/{pk}/undo"),
        ("get", f"/imports/{pk}/progress"),
        ("get", f"/imports/{pk}/report.csv"),
        ("get", f"/imports/{pk + 1000}"),
        ("get", f"/imports/{2**63}"),
    ]:
        if method == "patch":
            response = worker(api.patch, path, {"key_field": ""})
        else:
            response = worker(getattr(api, method), path)
        assert refused(response, 404)["code"] == "not_found", path
    assert api.get("/imports").json()["items"] == []
    assert job_state(pk) == before
    # and a saved mapping cannot be made from it either
    error = refused(api.post("/import-mappings", {"job": pk, "name": "Stolen"}))
    assert "job" in error["fields"]
    assert SavedMapping.objects.count() == 0


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"mapping": {"Last name": "last_name", "Email": "last_name"}}, "mapping"),
        ({"mapping": {"Last name": "spaceship"}}, "mapping"),
        ({"mapping": {"No such column": "last_name"}}, "mapping"),
        ({"mapping": {"Last name": "", "Email": "", "Shoe size": ""}}, "mapping"),
        ({"mapping": ["last_name"]}, "mapping"),
        ({"mapping": None}, "mapping"),
        ({"key_field": "position"}, "key_field"),
        ({"key_field": "phones"}, "key_field"),  # a key must be mapped
        ({"on_duplicate": "explode"}, "on_duplicate"),
        ({"create_missing": "perhaps"}, "create_missing"),
        ({"day_first": [1]}, "day_first"),
        ({"colour": "red"}, "colour"),
        ({"saved_mapping": 999}, "saved_mapping"),
        ({"saved_mapping": "x"}, "saved_mapping"),
        ({"on_duplicate": "skip", "mapping": {"Last name": "spaceship"}}, "mapping"),
    ],
)
def test_bad_mappings_and_options_are_refused_with_field_errors_and_change_nothing(
    api_as, manager, body, field
):
    api = api_as(manager, token=True)
    pk = uploaded(api)["id"]
    before = job_state(pk)

    error = refused(api.patch(f"/imports/{pk}", body))

    assert field in error["fields"], error
    assert job_state(pk) == before


def test_a_bad_field_after_a_saved_mapping_undoes_the_saved_mapping_too(api_as, manager):
    api = api_as(manager, token=True)
    pk = uploaded(api)["id"]
    saved = SavedMapping.objects.create(
        name="Odd", entity="contact", owner=manager, mapping={"Shoe size": "position"},
        options={"on_duplicate": "skip"},
    )  # fmt: skip
    before = job_state(pk)

    error = refused(api.patch(f"/imports/{pk}", {"saved_mapping": saved.pk, "key_field": "x"}))

    assert "key_field" in error["fields"]
    assert job_state(pk) == before


def test_steps_the_state_does_not_allow_are_refused_with_the_reason(api_as, manager, worker):
    api = api_as(manager, token=True)
    pk = uploaded(api)["id"]

    assert "not been checked" in refused(api.get(f"/imports/{pk}/preview"))["message"]
    assert refused(api.post(f"/imports/{pk}/cancel"))["message"] == "This import is not running."
    assert "nothing" in refused(api.post(f"/imports/{pk}/undo"))["message"]

    ImportJob.objects.filter(pk=pk).update(
        status=ImportJob.Status.RUNNING, heartbeat_at=timezone.now()
    )
    before = job_state(pk)
    message = refused(worker(api.post, f"/imports/{pk}/run"))["message"]
    assert message == "This import cannot be started now."
    assert "started" in refused(api.patch(f"/imports/{pk}", {"on_duplicate": "skip"}))["message"]
    assert "started" in refused(worker(api.post, f"/imports/{pk}/preview"))["message"]
    assert job_state(pk) == before
    assert Contact.objects.count() == 0


def test_the_preview_lists_as_many_problems_as_asked(api_as, manager, worker):
    api = api_as(manager, token=True)
    pk = uploaded(api, "Last name,Email\n,a@example.org\n,b@example.org\nOk,c@example.org\n")["id"]
    worker(api.post, f"/imports/{pk}/preview")

    preview = api.get(f"/imports/{pk}/preview", {"limit": 1}).json()
    assert preview["problems_total"] == 2
    assert [problem["line"] for problem in preview["problems"]] == [2]
    for params in ({"limit": 0}, {"limit": 5000}, {"dry_run": "true"}):
        refused(api.get(f"/imports/{pk}/preview", params))
    refused(api.get(f"/imports/{pk}/report.csv", {"dry_run": "perhaps"}))


def test_report_cells_that_look_like_formulas_are_neutralised(api_as, manager, worker):
    api = api_as(manager, token=True)
    pk = uploaded(api, 'Last name,Email\n,=HYPERLINK("http://evil")\n')["id"]
    worker(api.post, f"/imports/{pk}/run")

    report = csv_rows(api.get(f"/imports/{pk}/report.csv"))

    assert report[1][0] == "2"
    assert not report[1][3].startswith("=")


# -- saved mappings ------------------------------------------------------------------------------


def test_a_saved_mapping_is_applied_to_the_next_file_of_the_same_shape(api_as, manager, colleague):
    api = api_as(manager, token=True)
    first = uploaded(api, "Surname,E-post\nPetrov,p@example.org\n")
    response = api.patch(
        f"/imports/{first['id']}",
        {"mapping": {"Surname": "last_name", "E-post": "emails"}, "on_duplicate": "skip"},
    )
    assert response.status_code == 200, response.content

    response = api.post("/import-mappings", {"job": first["id"], "name": " Shop ", "shared": True})
    assert response.status_code == 201, response.content
    saved = response.json()
    assert (saved["name"], saved["shared"], saved["mine"]) == ("Shop", True, True)
    assert saved["mapping"] == {"Surname": "last_name", "E-post": "emails"}
    assert saved["options"]["on_duplicate"] == "skip"
    again = api.post("/import-mappings", {"job": first["id"], "name": "Shop", "shared": True})
    assert again.status_code == 200 and again.json()["id"] == saved["id"]
    private = api.post("/import-mappings", {"job": first["id"], "name": "Mine only"}).json()

    listed = api.get("/import-mappings", {"entity": "contact"}).json()
    assert [m["name"] for m in listed] == ["Mine only", "Shop"]
    theirs = api_as(colleague, token=True)
    assert [m["name"] for m in theirs.get("/import-mappings", {"entity": "contact"}).json()] == [
        "Shop"
    ]
    assert api.get("/import-mappings", {"entity": "deal"}).json() == []

    # a colleague's next file, with the columns in another order and case
    second = uploaded(theirs, "e-post,SURNAME\nq@example.org,Sidorova\n")
    assert second["mapping"] != {"e-post": "emails", "SURNAME": "last_name"}
    response = theirs.patch(f"/imports/{second['id']}", {"saved_mapping": saved["id"]})
    assert response.status_code == 200, response.content
    job = response.json()
    assert job["mapping"] == {"e-post": "emails", "SURNAME": "last_name"}
    assert job["on_duplicate"] == "skip"
    error = refused(theirs.patch(f"/imports/{second['id']}", {"saved_mapping": private["id"]}))
    assert "saved_mapping" in error["fields"]


def test_saved_mapping_input_is_read_strictly(api_as, manager):
    api = api_as(manager, token=True)
    pk = uploaded(api)["id"]
    for body in (
        {"job": pk, "name": ""},
        {"job": pk, "name": "   "},
        {"job": pk, "name": "x" * 101},
        {"job": pk},
        {"name": "No job"},
        {"job": pk, "name": "A", "colour": "red"},
        {"job": 2**63, "name": "A"},
    ):
        refused(api.post("/import-mappings", body))
    for params in ({}, {"entity": "spaceship"}, {"entity": "contact", "mine": "1"}):
        refused(api.get("/import-mappings", params))
    assert SavedMapping.objects.count() == 0


def test_only_its_owner_deletes_a_saved_mapping(api_as, manager, colleague, admin_user):
    shared = SavedMapping.objects.create(
        name="Shared", entity="contact", owner=manager, mapping={}, shared=True
    )
    private = SavedMapping.objects.create(name="Private", entity="contact", owner=manager)

    theirs = api_as(colleague, token=True)
    assert refused(theirs.delete(f"/import-mappings/{shared.pk}"), 403)
    assert refused(theirs.delete(f"/import-mappings/{private.pk}"), 404)
    assert refused(api_as(admin_user).delete(f"/import-mappings/{private.pk}"), 404)
    assert refused(theirs.delete(f"/import-mappings/{2**63}"), 404)
    assert SavedMapping.objects.count() == 2

    mine = api_as(manager, token=True)
    assert mine.delete(f"/import-mappings/{private.pk}").status_code == 204
    assert mine.delete(f"/import-mappings/{shared.pk}").status_code == 204
    assert SavedMapping.objects.count() == 0
