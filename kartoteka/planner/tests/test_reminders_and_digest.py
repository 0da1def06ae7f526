"""Reminders and the daily digest with a controlled clock: sent once to the right person in
their language, never twice however often the jobs run, and mail failures do not lose the
in-app notification."""

from __future__ import annotations

import datetime as dt
from unittest import mock

import pytest
from django.core import mail
from django.utils import timezone

from kartoteka.planner import digest, services
from kartoteka.planner.models import DigestSent, Notification, Task
from kartoteka.planner.reminders import send_due_reminders

from .conftest import at

pytestmark = pytest.mark.django_db


def test_a_reminder_goes_out_once_when_it_falls_due(manager, make, task_for):
    acme = make("company", manager, name="Acme", owner=manager)
    task = task_for(manager, acme, title="Call Acme", due_at="2030-03-04T10:00", remind="15m")
    assert send_due_reminders(now=at("2030-03-04", 9, 44)) == 0
    assert send_due_reminders(now=at("2030-03-04", 9, 45)) == 1
    assert send_due_reminders(now=at("2030-03-04", 9, 46)) == 0  # idempotent
    note = Notification.objects.get(user=manager)
    assert note.kind == "reminder" and note.title == "Reminder: Call Acme"
    assert "Acme" in note.body and note.url == f"/e/company/{acme.pk}/"
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == [manager.email] and "Call Acme" in mail.outbox[0].subject
    assert Task.objects.get(pk=task.pk).reminded_at == at("2030-03-04", 9, 45)


def test_done_tasks_and_tasks_without_reminder_stay_quiet(manager, task_for):
    done = task_for(manager, title="Done", due_at="2030-03-04T10:00", remind="at_due")
    services.complete_task(manager, done)
    task_for(manager, title="Quiet", due_at="2030-03-04T10:00")
    assert send_due_reminders(now=at("2030-03-05", 0)) == 0
    assert not Notification.objects.exists() and not mail.outbox


def test_a_second_worker_that_lost_the_race_sends_nothing(manager, task_for, monkeypatch):
    from kartoteka.planner import reminders

    task = task_for(manager, title="Race", due_at="2030-03-04T10:00", remind="at_due")
    now = at("2030-03-04", 10)
    read_before_the_other_worker = list(reminders._due(now))
    Task.objects.filter(pk=task.pk).update(reminded_at=now)  # the other worker claims it
    batches = iter([read_before_the_other_worker, []])
    monkeypatch.setattr(reminders, "_due", lambda now: next(batches))
    assert send_due_reminders(now=now) == 0
    assert not Notification.objects.exists() and not mail.outbox


def test_a_reminder_is_written_in_the_assignees_language(manager, head, task_for):
    manager.language = "ru"
    manager.save()
    task_for(
        head, title="Позвонить", due_at="2030-03-04T10:00", remind="at_due", assignee=manager.pk
    )
    send_due_reminders(now=at("2030-03-04", 10))
    note = Notification.objects.get(user=manager)
    assert note.title.endswith("Позвонить")
    # rendered with Russian formats (and words, once translated), whatever the worker's language
    assert "04.03.2030 10:00" in mail.outbox[0].body


def test_a_broken_mail_server_keeps_the_notification(manager, task_for, caplog):
    task_for(manager, title="Call", due_at="2030-03-04T10:00", remind="at_due")
    with mock.patch("kartoteka.planner.notifications.send_mail", side_effect=OSError("down")):
        assert send_due_reminders(now=at("2030-03-04", 10)) == 1
    assert Notification.objects.filter(user=manager, kind="reminder").exists()
    assert "could not send the notification email" in caplog.text


def test_an_assignment_by_someone_else_notifies_the_assignee(
    head, manager, task_for, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        task_for(head, title="Visit Acme", assignee=manager.pk)
        task_for(manager, title="My own")
    note = Notification.objects.get()
    assert note.user == manager and note.kind == "task_assigned"
    assert "Head gave you a task: Visit Acme" == note.title


# -- the daily digest ------------------------------------------------------------------------------


@pytest.fixture
def busy_manager(manager, task_for):
    task_for(manager, title="Overdue call", due_at="2030-03-03T10:00")
    task_for(manager, title="Morning meeting", due_at="2030-03-04T11:00")
    task_for(manager, title="Later", due_at="2030-03-09T11:00")
    return manager


def test_the_digest_lists_overdue_and_today_once_a_day(busy_manager, head, outsider):
    morning = at("2030-03-04", 7, 5)
    assert digest.send_daily_digests(now=at("2030-03-04", 6, 55)) == 0  # too early
    assert digest.send_daily_digests(now=morning) == 1
    assert digest.send_daily_digests(now=morning + dt.timedelta(minutes=15)) == 0
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == [busy_manager.email]
    assert "Overdue tasks (1)" in message.body and "Overdue call" in message.body
    assert "Due today (1)" in message.body and "Morning meeting" in message.body
    assert "Later" not in message.body
    note = Notification.objects.get(user=busy_manager, kind="digest")
    assert note.title == "Your day: 2 items need attention" and note.url == "/planner/"
    # people with nothing to do get nothing, and are not considered again that day
    assert DigestSent.objects.count() == 3
    assert Notification.objects.count() == 1
    # the next day it comes again
    assert digest.send_daily_digests(now=morning + dt.timedelta(days=1)) == 1


def test_sections_registered_by_other_apps_join_the_digest(manager, teams):
    calls = []

    def stale_deals(user, now):
        calls.append(user)
        return [{"title": "Big deal", "url": "/e/company/1/", "note": "30 days quiet"}]

    def broken(user, now):
        raise RuntimeError("bug in another app")

    digest.register_section("test_stale", stale_deals, "Deals going stale", order=50)
    digest.register_section("test_broken", broken, "Broken", order=60)
    try:
        assert digest.send_daily_digests(now=at("2030-03-04", 9)) == 1
    finally:
        digest._sections.pop("test_stale")
        digest._sections.pop("test_broken")
    body = mail.outbox[0].body
    assert "Deals going stale (1)" in body and "Big deal — 30 days quiet" in body
    assert "/e/company/1/" in body and "Broken" not in body


def test_a_long_section_is_cut_with_a_count_of_the_rest(manager, task_for):
    for i in range(25):
        task_for(manager, title=f"Old {i}", due_at="2030-03-01T10:00")
    digest.send_daily_digests(now=at("2030-03-04", 8))
    body = mail.outbox[0].body
    assert body.count("Old ") == digest.ITEMS_PER_SECTION
    assert "…and 1 more" in body  # the section looked at 21 rows: cheap, still honest


def test_two_workers_never_send_the_same_digest(busy_manager):
    now = at("2030-03-04", 7, 30)
    DigestSent.objects.create(user=busy_manager, date=timezone.localdate(now))
    assert digest.send_digest(busy_manager, now) is False
    assert not mail.outbox


def test_inactive_people_get_no_digest(busy_manager):
    busy_manager.is_active = False
    busy_manager.save()
    assert digest.send_daily_digests(now=at("2030-03-04", 8)) == 0
