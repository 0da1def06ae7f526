"""Planning, changing and finishing tasks through the services: what ends up stored, on the
record's timeline and in the "no next step" flags — and every bad input refused with a clear
message and nothing written."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from kartoteka.planner import services
from kartoteka.planner.models import Task
from kartoteka.timeline.models import Activity

from .conftest import at

pytestmark = pytest.mark.django_db


@pytest.fixture
def acme(make, manager):
    return make("company", manager, name="Acme", owner=manager)


def test_manager_plans_a_call_on_her_company_and_it_shows_on_the_timeline(manager, acme):
    task = services.create_task(
        manager,
        {
            "title": "  Call   Jan ",
            "due_at": "2030-03-04T10:30",
            "entity": "company",
            "object_id": acme.pk,
        },
    )
    assert task.title == "Call Jan"
    assert (task.assignee, task.created_by, task.kind, task.priority) == (
        manager,
        manager,
        "call",
        "normal",
    )
    assert task.due_at == at("2030-03-04", 10, 30) and not task.all_day
    assert task.remind_at is None and task.version == 1
    entry = Activity.objects.get(entity="company", object_id=acme.pk, kind=Activity.Kind.TASK)
    assert entry.summary == "Call Jan" and entry.actor == manager


def test_a_date_without_time_plans_for_the_whole_day(manager):
    task = services.create_task(manager, {"title": "Prepare", "due_date": "2030-03-04"})
    assert task.all_day and task.due_at == at("2030-03-04", 0)
    assert task.entity == "" and task.object_id is None


def test_the_form_date_and_time_combine(manager):
    task = services.create_task(
        manager, {"title": "Meet", "due_date": "2030-03-04", "due_time": "15:45", "kind": "meeting"}
    )
    assert task.due_at == at("2030-03-04", 15, 45) and not task.all_day


@pytest.mark.parametrize(
    "remind, expected",
    [
        ("none", None),
        ("at_due", at("2030-03-04", 10)),
        ("15m", at("2030-03-04", 9, 45)),
        ("1h", at("2030-03-04", 9)),
        ("1d", at("2030-03-03", 10)),
    ],
)
def test_reminder_times_count_back_from_the_due_time(manager, remind, expected):
    task = services.create_task(
        manager, {"title": "Call", "due_at": "2030-03-04T10:00", "remind": remind}
    )
    assert task.remind_at == expected


def test_all_day_reminders_count_back_from_nine_in_the_morning(manager):
    task = services.create_task(
        manager, {"title": "Call", "due_date": "2030-03-04", "remind": "1h"}
    )
    assert task.remind_at == at("2030-03-04", 8)


def test_changing_the_due_time_rearms_a_reminder_already_sent(manager):
    task = services.create_task(
        manager, {"title": "Call", "due_at": "2030-03-04T10:00", "remind": "at_due"}
    )
    Task.objects.filter(pk=task.pk).update(reminded_at=timezone.now())
    task = services.update_task(manager, task, {"due_at": "2030-03-05T11:00"}, version=1)
    assert task.remind_at == at("2030-03-05", 11) and task.reminded_at is None
    assert task.version == 2


def test_a_stale_version_is_refused_and_nothing_changes(manager, colleague):
    task = services.create_task(manager, {"title": "Call", "due_at": "2030-03-04T10:00"})
    services.update_task(manager, task, {"title": "Call twice"}, version=1)
    with pytest.raises(services.Conflict) as caught:
        services.update_task(manager, task, {"title": "Mine"}, version=1)
    assert caught.value.current_version == 2
    assert Task.objects.get(pk=task.pk).title == "Call twice"


def test_an_edit_that_changes_nothing_keeps_the_version(manager):
    task = services.create_task(manager, {"title": "Call", "due_at": "2030-03-04T10:00"})
    task = services.update_task(manager, task, {"title": "Call"}, version=1)
    assert task.version == 1


def test_completing_twice_records_one_done_entry(manager, acme):
    task = services.create_task(
        manager,
        {"title": "Call", "due_at": "2030-03-04T10:00", "entity": "company", "object_id": acme.pk},
    )
    services.complete_task(manager, task)
    task = services.complete_task(manager, task)
    assert task.done_at is not None and task.done_by == manager and task.version == 2
    done = Activity.objects.filter(kind=Activity.Kind.TASK_DONE, object_id=acme.pk)
    assert done.count() == 1
    task = services.reopen_task(manager, task)
    assert task.done_at is None and task.done_by is None and task.version == 3


def test_deleting_removes_the_task(manager):
    task = services.create_task(manager, {"title": "Call", "due_at": "2030-03-04T10:00"})
    services.delete_task(manager, task)
    assert not Task.objects.exists()


# -- bad input -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "data, field, message",
    [
        ({"due_at": "2030-03-04"}, "title", "Enter a title."),
        ({"title": "   \n ", "due_at": "2030-03-04"}, "title", "Enter a title."),
        ({"title": "x" * 256, "due_at": "2030-03-04"}, "title", "at most 255"),
        ({"title": ["a"], "due_at": "2030-03-04"}, "title", "Enter a title."),
        ({"title": "Call"}, "due_at", "Enter a due date."),
        ({"title": "Call", "due_at": "tomorrow"}, "due_at", "valid date"),
        ({"title": "Call", "due_at": "2030-02-30"}, "due_at", "valid date"),
        ({"title": "Call", "due_at": "2030-03-04T25:00"}, "due_at", "valid date"),
        ({"title": "Call", "due_at": "0001-01-01"}, "due_at", "between 1900 and 2999"),
        ({"title": "Call", "due_at": 12}, "due_at", "valid date"),
        ({"title": "Call", "due_date": "2030-03-04", "due_time": "noon"}, "due_at", "valid time"),
        ({"title": "Call", "due_at": "2030-03-04", "kind": "visit"}, "kind", "Choose call"),
        ({"title": "Call", "due_at": "2030-03-04", "priority": "urgent"}, "priority", "low"),
        ({"title": "Call", "due_at": "2030-03-04", "remind": "2w"}, "remind", "reminder"),
        ({"title": "Call", "due_at": "2030-03-04", "assignee": 999999}, "assignee", "active"),
        ({"title": "Call", "due_at": "2030-03-04", "assignee": "boss"}, "assignee", "active"),
        ({"title": "Call", "due_at": "2030-03-04", "assignee": 2**70}, "assignee", "active"),
        ({"title": "Call", "due_at": "2030-03-04", "colour": "red"}, "colour", "Unknown field"),
        (
            {"title": "Call", "due_at": "2030-03-04", "entity": "planet", "object_id": 1},
            "entity",
            "Unknown record type",
        ),
        (
            {"title": "Call", "due_at": "2030-03-04", "entity": "company", "object_id": "x"},
            "object_id",
            "Choose a record",
        ),
        (
            {"title": "Call", "due_at": "2030-03-04", "entity": "company", "object_id": 987654},
            "object_id",
            "may not see",
        ),
        ({"title": "Call", "due_at": "2030-03-04", "object_id": 5}, "entity", "which kind"),
        ({"title": "Call", "due_at": "2030-03-04", "notes": "n" * 20001}, "notes", "at most"),
    ],
)
def test_bad_input_is_refused_with_a_clear_message(manager, data, field, message):
    with pytest.raises(services.InputErrors) as caught:
        services.create_task(manager, data)
    assert message in caught.value.errors[field][0]
    assert not Task.objects.exists() and not Activity.objects.filter(kind="task").exists()


def test_a_task_cannot_go_to_an_inactive_user(manager, colleague):
    colleague.is_active = False
    colleague.save()
    with pytest.raises(services.InputErrors) as caught:
        services.create_task(
            manager, {"title": "Call", "due_at": "2030-03-04", "assignee": colleague.pk}
        )
    assert "assignee" in caught.value.errors


def test_a_manager_may_not_plan_on_a_record_she_cannot_see(manager, outsider, acme):
    with pytest.raises(services.InputErrors) as caught:
        services.create_task(
            outsider,
            {"title": "Steal", "due_at": "2030-03-04", "entity": "company", "object_id": acme.pk},
        )
    assert caught.value.errors["object_id"] == ["No such record, or you may not see it."]
    assert not Task.objects.exists()


def test_a_read_only_user_plans_personal_tasks_but_not_on_records(reader, acme):
    with pytest.raises(services.PermissionDenied):
        services.create_task(
            reader,
            {"title": "Call", "due_at": "2030-03-04", "entity": "company", "object_id": acme.pk},
        )
    assert services.create_task(reader, {"title": "Read the news", "due_at": "2030-03-04"})


def test_record_links_cannot_be_moved_by_an_edit(manager, acme):
    task = services.create_task(manager, {"title": "Call", "due_at": "2030-03-04"})
    with pytest.raises(services.InputErrors) as caught:
        services.update_task(manager, task, {"entity": "company", "object_id": acme.pk}, 1)
    assert set(caught.value.errors) == {"entity", "object_id"}


# -- the "no next step" flags other apps use -----------------------------------------------------


def test_records_without_an_open_task_are_flagged(make, manager, registry):
    planned, finished, forgotten = (
        make("company", manager, name=name, owner=manager)
        for name in ("Planned", "Finished", "Forgotten")
    )
    for company in (planned, finished):
        services.create_task(
            manager,
            {"title": "Call", "due_at": "2030-03-04", "entity": "company", "object_id": company.pk},
        )
    services.complete_task(manager, Task.objects.get(object_id=finished.pk))
    # a task on a contact with the same id must not count for the company
    contact = make("contact", manager, first_name="Jan", last_name="Nowak", owner=manager)
    services.create_task(
        manager,
        {"title": "Call", "due_at": "2030-03-04", "entity": "contact", "object_id": contact.pk},
    )
    spec = registry.get("company")
    without = services.records_without_next_step(spec)
    assert {c.name for c in without} == {"Finished", "Forgotten"}
    flagged = spec.queryset().annotate(has_next=services.open_task_exists("company"))
    assert {c.name: c.has_next for c in flagged} == {
        "Planned": True,
        "Finished": False,
        "Forgotten": False,
    }


def test_overdue_means_past_due_time_or_a_past_whole_day(manager):
    now = at("2030-03-04", 12)
    timed = services.create_task(manager, {"title": "a", "due_at": "2030-03-04T11:00"})
    today = services.create_task(manager, {"title": "b", "due_at": "2030-03-04"})
    yesterday = services.create_task(manager, {"title": "c", "due_at": "2030-03-03"})
    assert timed.is_overdue(now) and not today.is_overdue(now) and yesterday.is_overdue(now)
    assert not today.is_overdue(now + dt.timedelta(hours=11))


def test_tasks_follow_their_record_through_merge_and_delete(
    make, manager, registry, django_capture_on_commit_callbacks
):
    from kartoteka.platform import services as platform

    spec = registry.get("company")
    keep, other = (make("company", manager, name=n, owner=manager) for n in ("Acme", "ACME"))
    with django_capture_on_commit_callbacks(execute=True):
        services.create_task(
            manager,
            {"title": "Call", "due_at": "2030-03-04", "entity": "company", "object_id": other.pk},
        )
        platform.merge_records(spec, manager, keep, other)
    assert Task.objects.get().object_id == keep.pk
    with django_capture_on_commit_callbacks(execute=True):
        platform.delete_record(spec, manager, spec.queryset().get(pk=keep.pk))
    assert not Task.objects.exists()
