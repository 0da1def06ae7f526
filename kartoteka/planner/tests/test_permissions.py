"""Who sees and changes which task, through every door: the services, the pages and the API.
An outsider learns nothing about tasks on records he cannot see."""

from __future__ import annotations

import pytest
from django.utils import timezone

from kartoteka.planner import access, services
from kartoteka.planner.models import Task
from tests.helpers import error_of

pytestmark = pytest.mark.django_db


@pytest.fixture
def annas_task(make, manager, task_for):
    contact = make("contact", manager, first_name="Jan", last_name="Nowak", owner=manager)
    return task_for(manager, contact, title="Call Jan", due_at=timezone.localdate().isoformat())


def test_outsider_cannot_see_or_complete_a_task_on_a_record_he_cannot_see(
    client, outsider, annas_task
):
    assert not access.visible_tasks(outsider).exists()
    client.force_login(outsider)
    assert client.get(f"/planner/tasks/{annas_task.pk}/edit/").status_code == 404
    for action in ("complete", "reopen", "delete"):
        assert client.post(f"/planner/tasks/{annas_task.pk}/{action}/").status_code == 404
    page = client.get("/planner/").content.decode()
    assert "Call Jan" not in page
    assert Task.objects.get(pk=annas_task.pk).done_at is None


@pytest.mark.parametrize("htmx", [True, False], ids=["htmx", "page"])
def test_the_form_to_plan_on_a_record_is_shown_to_whom_the_card_is(
    client, outsider, reader, manager, annas_task, htmx
):
    """Like the card: a 404 for a record one cannot see; a 403 for one who sees it but may
    not plan on it (a reader, whose card shows no "Add task")."""
    headers = {"HTTP_HX_REQUEST": "true"} if htmx else {}
    query = {"entity": "contact", "object_id": annas_task.object_id}
    client.force_login(outsider)
    assert client.get(f"/e/contact/{annas_task.object_id}/").status_code == 404
    assert client.get("/planner/tasks/new/", query, **headers).status_code == 404
    client.force_login(reader)
    card = client.get(f"/e/contact/{annas_task.object_id}/").content.decode()
    assert "Call Jan" in card and "data-add-task" not in card
    assert client.get("/planner/tasks/new/", query, **headers).status_code == 403
    client.force_login(manager)
    assert client.get("/planner/tasks/new/", query, **headers).status_code == 200


def test_outsider_gets_404_from_the_api(api_as, outsider, annas_task):
    api = api_as(outsider)
    assert error_of(api.get(f"/tasks/{annas_task.pk}"))["code"] == "not_found"
    assert api.post(f"/tasks/{annas_task.pk}/complete").status_code == 404
    assert api.patch(f"/tasks/{annas_task.pk}", {"title": "x", "version": 1}).status_code == 404
    assert api.delete(f"/tasks/{annas_task.pk}").status_code == 404
    assert api.get("/tasks").json()["items"] == []
    assert Task.objects.get(pk=annas_task.pk).done_at is None


def test_a_colleague_with_own_scope_sees_nothing_of_annas_tasks(colleague, annas_task):
    assert not access.may_view(colleague, annas_task)
    with pytest.raises(services.PermissionDenied):
        services.complete_task(colleague, annas_task)


def test_the_head_of_sales_sees_and_completes_tasks_on_every_record(head, annas_task):
    assert access.visible_tasks(head).get() == annas_task
    assert services.complete_task(head, annas_task).done_by == head


def test_a_reader_sees_the_task_but_may_not_change_it(client, api_as, reader, annas_task):
    assert access.may_view(reader, annas_task) and not access.may_change(reader, annas_task)
    api = api_as(reader)
    assert api.get(f"/tasks/{annas_task.pk}").status_code == 200
    response = api.post(f"/tasks/{annas_task.pk}/complete")
    assert response.status_code == 403 and error_of(response)["code"] == "permission_denied"
    assert client.post(f"/planner/tasks/{annas_task.pk}/complete/").status_code == 403
    assert Task.objects.get(pk=annas_task.pk).done_at is None


def test_an_assignee_from_another_team_completes_it_without_seeing_the_record(
    client, make, head, outsider, task_for
):
    contact = make("contact", head, first_name="Secret", last_name="Client", owner=head)
    today = timezone.localdate().isoformat()
    task = task_for(head, contact, title="Visit them", assignee=outsider.pk, due_at=today)
    assert access.may_change(outsider, task)
    client.force_login(outsider)
    page = client.get("/planner/").content.decode()
    assert "Visit them" in page
    assert "Secret Client" not in page and "a record you cannot open" in page
    response = client.post(f"/planner/tasks/{task.pk}/complete/")
    assert response.status_code == 302 and response["Location"] == "/planner/"
    assert Task.objects.get(pk=task.pk).done_by == outsider


def test_the_creator_may_change_a_task_given_to_someone_else(head, manager, task_for):
    task = task_for(head, title="Personal favour", assignee=manager.pk)
    assert access.may_change(head, task) and access.may_change(manager, task)
    assert services.update_task(head, task, {"title": "Bigger favour"}, 1).version == 2


def test_personal_tasks_are_private(head, manager, task_for):
    task = task_for(manager, title="Dentist")
    assert not access.may_view(head, task)
    assert not access.visible_tasks(head).exists()


def test_a_reader_may_neither_open_nor_post_the_edit_form(client, reader, annas_task):
    client.force_login(reader)
    assert client.get(f"/planner/tasks/{annas_task.pk}/edit/").status_code == 403
    response = client.post(
        f"/planner/tasks/{annas_task.pk}/edit/", {"version": "1", "title": "Taken over"}
    )
    assert response.status_code == 403
    assert Task.objects.get(pk=annas_task.pk).title == "Call Jan"
