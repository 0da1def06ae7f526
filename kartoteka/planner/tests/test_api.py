"""The planner API as a client sees it: create, list with filters and keyset pages, change
with optimistic concurrency, complete, delete; notifications; and the malformed, hostile and
conflicting input it refuses in the platform's one error format with nothing written."""

from __future__ import annotations

import pytest

from kartoteka.planner import notifications
from kartoteka.planner.models import Notification, Task
from tests.helpers import error_of

pytestmark = pytest.mark.django_db


@pytest.fixture
def acme(make, manager):
    return make("company", manager, name="Acme", owner=manager)


def test_plan_read_change_complete_and_delete(api_as, manager, acme):
    api = api_as(manager)
    response = api.post(
        "/tasks",
        {
            "title": "Call Acme",
            "due_at": "2030-03-04T10:00:00+00:00",
            "entity": "company",
            "object_id": acme.pk,
            "remind": "1h",
            "priority": "high",
        },
    )
    assert response.status_code == 201, response.content
    task = response.json()
    assert task["assignee"] == manager.pk and task["version"] == 1 and task["done"] is False
    assert task["remind_at"].startswith("2030-03-04T09:00")
    pk = task["id"]
    assert api.get(f"/tasks/{pk}").json()["title"] == "Call Acme"
    changed = api.patch(f"/tasks/{pk}", {"title": "Call Acme again", "version": 1}).json()
    assert changed["title"] == "Call Acme again" and changed["version"] == 2
    stale = api.patch(f"/tasks/{pk}", {"title": "Lost", "version": 1})
    assert stale.status_code == 409
    assert error_of(stale)["code"] == "conflict" and stale.json()["error"]["current_version"] == 2
    assert api.patch(f"/tasks/{pk}", {"title": "By header"}, HTTP_IF_MATCH='"2"').status_code == 200
    done = api.post(f"/tasks/{pk}/complete").json()
    assert done["done"] and done["done_by"] == manager.pk
    assert api.post(f"/tasks/{pk}/reopen").json()["done"] is False
    assert api.delete(f"/tasks/{pk}").status_code == 204
    assert not Task.objects.exists()


def test_list_filters_and_pages(api_as, manager, colleague, acme, task_for):
    for day in range(1, 8):
        task_for(manager, acme, title=f"Day {day}", due_at=f"2030-03-0{day}T10:00")
    task_for(colleague, title="Boris's own", due_at="2030-03-02T10:00")
    finished = Task.objects.get(title="Day 1")
    api = api_as(manager)
    api.post(f"/tasks/{finished.pk}/complete")
    titles, cursor = [], None
    while True:
        params = {"assignee": "me", "status": "open", "limit": 2}
        body = api.get("/tasks", {**params, **({"cursor": cursor} if cursor else {})}).json()
        titles += [item["title"] for item in body["items"]]
        cursor = body["next_cursor"]
        if not cursor:
            break
    assert titles == [f"Day {d}" for d in range(2, 8)]
    body = api.get(
        "/tasks",
        {
            "entity": "company",
            "object_id": acme.pk,
            "due_after": "2030-03-03",
            "due_before": "2030-03-05",
        },
    ).json()
    assert [i["title"] for i in body["items"]] == ["Day 3", "Day 4"]
    assert [i["title"] for i in api.get("/tasks", {"status": "done"}).json()["items"]] == ["Day 1"]
    # boris's personal task is his alone
    assert "Boris's own" not in [i["title"] for i in api.get("/tasks").json()["items"]]


@pytest.mark.parametrize(
    "params, field",
    [
        ({"status": "maybe"}, "status"),
        ({"assignee": "everyone"}, "assignee"),
        ({"due_before": "soon"}, "due_before"),
        ({"limit": 100000}, "limit"),
        ({"cursor": "garbage"}, "cursor"),
        ({"colour": "red"}, "colour"),
    ],
)
def test_bad_list_parameters_are_refused(api_as, manager, params, field):
    response = api_as(manager).get("/tasks", params)
    assert response.status_code == 422
    assert field in error_of(response)["fields"]


@pytest.mark.parametrize(
    "body, field",
    [
        ({"due_at": "2030-03-04"}, "title"),
        ({"title": "x" * 256, "due_at": "2030-03-04"}, "title"),
        ({"title": "Call", "due_at": "not a date"}, "due_at"),
        ({"title": "Call", "due_at": "2030-03-04", "kind": "dance"}, "kind"),
        (
            {"title": "Call", "due_at": "2030-03-04", "entity": "company", "object_id": 10**30},
            "object_id",
        ),
        ({"title": "Call", "due_at": "2030-03-04", "id": 5}, "id"),
    ],
)
def test_bad_tasks_are_refused_and_nothing_is_written(api_as, manager, body, field):
    response = api_as(manager).post("/tasks", body)
    assert response.status_code == 422, response.content
    assert field in error_of(response)["fields"]
    assert not Task.objects.exists()


@pytest.mark.parametrize("body", ["not json", "[1, 2]", '"a string"'])
def test_malformed_bodies_are_refused(api_as, manager, body):
    response = api_as(manager).post("/tasks", body)
    assert 400 <= response.status_code < 500
    assert error_of(response)["message"]
    assert not Task.objects.exists()


def test_patch_needs_a_version(api_as, manager, task_for):
    task = task_for(manager)
    response = api_as(manager).patch(f"/tasks/{task.pk}", {"title": "No version"})
    assert response.status_code == 422 and "version" in error_of(response)["fields"]
    assert Task.objects.get().title == "Call about the offer"


def test_a_huge_id_is_simply_not_found(api_as, manager):
    api = api_as(manager)
    assert api.get(f"/tasks/{10**30}").status_code == 404
    assert api.post(f"/notifications/{10**30}/read").status_code == 404


def test_notifications_list_and_read(api_as, manager, colleague):
    notifications.notify(manager, "x", "First", email=False)
    second = notifications.notify(manager, "x", "Second", email=False)
    theirs = notifications.notify(colleague, "x", "Theirs", email=False)
    api = api_as(manager)
    body = api.get("/notifications").json()
    assert [n["title"] for n in body["items"]] == ["Second", "First"]
    assert body["unread_count"] == 2
    assert api.post(f"/notifications/{second.pk}/read").json()["read"] is True
    assert [n["title"] for n in api.get("/notifications", {"unread": True}).json()["items"]] == [
        "First"
    ]
    assert api.post(f"/notifications/{theirs.pk}/read").status_code == 404
    assert Notification.objects.get(pk=theirs.pk).read_at is None


def test_the_api_needs_credentials(client):
    response = client.get("/api/v1/tasks")
    assert response.status_code == 401


def test_a_delete_with_a_stale_version_is_refused(api_as, manager, task_for):
    task = task_for(manager)
    api = api_as(manager)
    api.patch(f"/tasks/{task.pk}", {"title": "Changed", "version": 1})
    response = api.delete(f"/tasks/{task.pk}?version=1")
    assert response.status_code == 409 and error_of(response)["current_version"] == 2
    assert Task.objects.filter(pk=task.pk).exists()
    assert api.delete(f"/tasks/{task.pk}?version=2").status_code == 204
    assert not Task.objects.exists()
