"""The planner's pages as a person uses them: the Next steps panel on a card (htmx and plain
forms), My day, the calendar, editing with conflicts, notifications and the navigation."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from kartoteka.planner import notifications, services
from kartoteka.planner.models import Notification, Task
from kartoteka.timeline.models import Activity

pytestmark = pytest.mark.django_db
HTMX = {"HTTP_HX_REQUEST": "true"}
XSS = '<script>alert("x")</script>'


@pytest.fixture
def jan(make, manager):
    return make("contact", manager, first_name="Jan", last_name="Nowak", owner=manager)


@pytest.fixture
def olga(make, manager):
    """An open lead: it should always have a next step."""
    return make("lead", manager, first_name="Olga", last_name="Petrova", owner=manager)


@pytest.fixture
def signed_in(client, manager):
    client.force_login(manager)
    return client


def today() -> str:
    return timezone.localdate().isoformat()


def panel_post(jan, **data):
    return {
        "source": "panel",
        "entity": "contact",
        "object_id": jan.pk,
        "title": "Send the offer",
        "kind": "email",
        "due_date": today(),
        "due_time": "",
        "priority": "high",
        "remind": "none",
        **data,
    }


def test_a_card_without_open_tasks_warns_no_next_step(signed_in, olga):
    page = signed_in.get(f"/e/lead/{olga.pk}/").content.decode()
    assert 'id="next-steps"' in page and "No next step planned" in page
    # the panel sits above the timeline
    assert page.index('id="next-steps"') < page.index('id="timeline-box"')


def test_a_contact_needs_no_next_step_so_is_not_flagged(signed_in, jan):
    page = signed_in.get(f"/e/contact/{jan.pk}/").content.decode()
    assert 'id="next-steps"' in page and "No next step planned" not in page


def test_the_card_offers_add_task_instead_of_the_form_and_its_list_of_people(
    signed_in, jan, colleague
):
    page = signed_in.get(f"/e/contact/{jan.pk}/").content.decode()
    panel = page.split('id="next-steps"')[1].split("</section>")[0]
    # the form (and its assignee list of every active person) is no longer on the first paint
    assert 'id="next-step-form"' not in panel and 'name="assignee"' not in page
    assert "Boris" not in page  # the colleague is an assignee choice, not on this card
    card = f"%2Fe%2Fcontact%2F{jan.pk}%2F"
    url = f"/planner/tasks/new/?entity=contact&amp;object_id={jan.pk}&amp;next={card}"
    # a real link (a page without JavaScript) that htmx turns into the form in the panel
    assert f'<a class="btn btn-outline-primary btn-sm" href="{url}" hx-get="{url}"' in panel
    assert "Add task" in panel and " autofocus" not in panel


def test_add_task_fetches_the_form_into_the_panel(signed_in, manager, jan, colleague):
    response = signed_in.get(
        "/planner/tasks/new/", {"entity": "contact", "object_id": jan.pk}, **HTMX
    )
    assert response.status_code == 200 and "HX-Request" in response["Vary"]
    html = response.content.decode()
    # the form alone, in place of the button, with the title focused
    assert html.lstrip().startswith('<form class="card-body border-top"')
    assert 'id="ns-title"' in html and " autofocus" in html
    assert 'name="entity" value="contact"' in html and f'name="object_id" value="{jan.pk}"' in html
    assert f'name="next" value="/e/contact/{jan.pk}/"' in html
    assert f'<option value="{manager.pk}" selected>' in html and "Boris" in html
    assert 'hx-target="#next-steps"' in html and 'name="source" value="panel"' in html


def test_without_javascript_add_task_opens_the_task_page_and_saves_back_to_the_card(
    signed_in, manager, jan
):
    card = f"/e/contact/{jan.pk}/"
    response = signed_in.get(
        "/planner/tasks/new/", {"entity": "contact", "object_id": jan.pk, "next": card}
    )
    html = response.content.decode()
    assert response.status_code == 200 and "<h1" in html and "New task" in html
    assert f'<a href="{card}">Jan Nowak</a>' in html
    assert 'name="entity" value="contact"' in html and f'name="next" value="{card}"' in html
    assert f'<option value="{manager.pk}" selected>' in html and 'id="tf-notes"' in html
    response = signed_in.post(
        "/planner/tasks/new/", panel_post(jan, source="", notes="Bring the price list", next=card)
    )
    assert response.status_code == 302 and response["Location"] == card
    assert Task.objects.get().notes == "Bring the price list"
    assert "Send the offer" in signed_in.get(card).content.decode()


@pytest.mark.parametrize("htmx", [True, False], ids=["htmx", "page"])
@pytest.mark.parametrize(
    "query",
    [
        {"entity": "contact", "object_id": "999999"},
        {"entity": "nothing", "object_id": "1"},
        {"entity": "contact", "object_id": "1; drop table"},
        {"entity": "contact"},
    ],
    ids=["missing", "unknown-entity", "hostile-id", "no-id"],
)
def test_the_form_of_a_record_that_is_not_there_is_a_404(signed_in, query, htmx):
    response = signed_in.get("/planner/tasks/new/", query, **(HTMX if htmx else {}))
    assert response.status_code == 404


def test_the_form_alone_needs_a_record(signed_in):
    assert signed_in.get("/planner/tasks/new/", **HTMX).status_code == 404


def test_adding_a_task_in_the_panel_answers_with_the_panel(signed_in, manager, jan):
    response = signed_in.post("/planner/tasks/new/", panel_post(jan), **HTMX)
    assert response.status_code == 200
    html = response.content.decode()
    assert html.lstrip().startswith("<link") and 'id="next-steps"' in html
    assert "Send the offer" in html and "No next step planned" not in html
    # the form closes; "Add task" takes the focus for the next one, and links lead to the card
    assert 'id="next-step-form"' not in html and 'name="assignee"' not in html
    assert "data-add-task autofocus" in html
    assert (
        f'name="next" value="/e/contact/{jan.pk}/"' in html and '/planner/tasks/new/"' not in html
    )
    assert f"edit/?next=/e/contact/{jan.pk}/" in html
    task = Task.objects.get()
    assert (task.assignee, task.kind, task.priority) == (manager, "email", "high")
    assert task.all_day
    assert Activity.objects.filter(kind=Activity.Kind.TASK, object_id=jan.pk).exists()


def test_completing_in_the_panel_asks_for_the_next_step(signed_in, olga, task_for, manager):
    task = task_for(manager, olga, title="Send the offer", due_at=today())
    response = signed_in.post(f"/planner/tasks/{task.pk}/complete/", {"source": "panel"}, **HTMX)
    html = response.content.decode()
    assert "What is the next step?" in html and "data-no-next-step" in html
    # the panel asks for the next step with its form open, ready to type
    assert 'id="ns-title"' in html and " autofocus" in html and "data-add-task" not in html
    assert Task.objects.get().done_at is not None
    assert Activity.objects.filter(kind=Activity.Kind.TASK_DONE, object_id=olga.pk).count() == 1


def test_an_invalid_panel_form_comes_back_with_its_errors_and_nothing_is_written(signed_in, jan):
    response = signed_in.post(
        "/planner/tasks/new/", panel_post(jan, title="", due_date="2030-02-31"), **HTMX
    )
    html = response.content.decode()
    # 422 like every invalid form; base.html tells htmx to swap 422 answers (as the platform's
    # activity form relies on)
    assert response.status_code == 422
    assert "Enter a title." in html and "valid date" in html
    # the form stays open in the panel with what was typed
    assert 'id="next-step-form"' in html and 'value="2030-02-31"' in html
    assert '<option value="email" selected>' in html and "data-add-task" not in html
    assert not Task.objects.exists()


def test_a_plain_post_with_bad_input_gets_a_422_page(signed_in, jan):
    response = signed_in.post("/planner/tasks/new/", panel_post(jan, kind="visit", source=""))
    assert response.status_code == 422
    assert "Choose call, meeting, email or other." in response.content.decode()
    assert not Task.objects.exists()


def test_a_plain_post_redirects_back_to_the_card(signed_in, jan):
    response = signed_in.post(
        "/planner/tasks/new/", panel_post(jan, source="", next=f"/e/contact/{jan.pk}/")
    )
    assert response.status_code == 302 and response["Location"] == f"/e/contact/{jan.pk}/"


def test_next_never_leads_to_another_site(signed_in, jan):
    response = signed_in.post(
        "/planner/tasks/new/", panel_post(jan, source="", next="https://evil.example/")
    )
    assert response["Location"] == f"/e/contact/{jan.pk}/"


def test_a_hostile_title_is_shown_as_text_everywhere(signed_in, manager, jan, task_for):
    task = task_for(manager, jan, title=XSS, due_at=today())
    notifications.notify(manager, "reminder", XSS, body=XSS, url="/planner/", email=False)
    for url in (
        f"/e/contact/{jan.pk}/",
        "/planner/",
        "/planner/calendar/",
        "/planner/calendar/?view=month",
        f"/planner/tasks/{task.pk}/edit/",
        "/planner/notifications/",
    ):
        html = signed_in.get(url).content.decode()
        assert XSS not in html, url
        assert "&lt;script&gt;" in html, url


def test_my_day_sorts_tasks_into_overdue_today_and_upcoming(signed_in, manager, task_for):
    now = timezone.now()
    task_for(manager, title="Late call", due_at=(now - dt.timedelta(days=2)).isoformat())
    task_for(manager, title="Call today", due_at=today())
    task_for(manager, title="Soon call", due_at=(now + dt.timedelta(days=3)).isoformat())
    task_for(manager, title="Far call", due_at=(now + dt.timedelta(days=30)).isoformat())
    done = task_for(manager, title="Done call", due_at=today())
    services.complete_task(manager, done)
    html = signed_in.get("/planner/").content.decode()
    sections = {
        name: html.split(f'data-section="{name}"')[1].split("</section>")[0]
        for name in ("overdue", "today", "upcoming", "done")
    }
    assert "Late call" in sections["overdue"] and "text-danger" in sections["overdue"]
    assert "Call today" in sections["today"]
    assert "Soon call" in sections["upcoming"]
    assert "Done call" in sections["done"]
    assert "Far call" not in html


def test_completing_on_my_day_swaps_the_row_and_offers_the_next_step(
    signed_in, manager, jan, task_for
):
    task = task_for(manager, jan, title="Call", due_at=today())
    response = signed_in.post(f"/planner/tasks/{task.pk}/complete/", {"source": "row"}, **HTMX)
    html = response.content.decode()
    assert html.startswith('<li class="list-group-item') and "kt-done" in html
    assert "Plan the next step" in html and f"/e/contact/{jan.pk}/" in html
    response = signed_in.post(f"/planner/tasks/{task.pk}/reopen/", {"source": "row"}, **HTMX)
    assert "kt-done" not in response.content.decode()
    assert Task.objects.get().done_at is None


def test_adding_a_personal_task_on_my_day(signed_in, manager):
    response = signed_in.post(
        "/planner/tasks/new/",
        {"title": "Plan the week", "due_date": today(), "due_time": "17:00", "next": "/planner/"},
    )
    assert response.status_code == 302 and response["Location"] == "/planner/"
    task = Task.objects.get()
    assert task.entity == "" and task.assignee == manager and not task.all_day


def count_queries(client, url) -> int:
    with CaptureQueriesContext(connection) as context:
        assert client.get(url).status_code == 200
    return len(context.captured_queries)


def test_my_day_costs_the_same_queries_for_3_or_30_tasks(signed_in, make, manager, task_for):
    def grow(n):
        for i in range(n):
            contact = make("contact", manager, first_name="P", last_name=f"N{i}", owner=manager)
            company = make("company", manager, name=f"C{i}", owner=manager)
            task_for(manager, contact, due_at=today())
            task_for(manager, company, due_at=(timezone.now() - dt.timedelta(days=1)).isoformat())
            task_for(manager, title="Personal", due_at=today())

    grow(1)
    signed_in.get("/planner/")
    few = count_queries(signed_in, "/planner/")
    grow(10)
    assert count_queries(signed_in, "/planner/") == few
    # and the calendar too (after the first visit, which issues the feed address)
    signed_in.get("/planner/calendar/?view=month")
    few_calendar = count_queries(signed_in, "/planner/calendar/?view=month")
    grow(5)
    assert count_queries(signed_in, "/planner/calendar/?view=month") == few_calendar


def test_the_calendar_shows_week_and_month_grids(signed_in, manager, jan, task_for):
    task_for(manager, jan, title="Demo", due_at="2030-03-06T14:30")
    week = signed_in.get("/planner/calendar/?view=week&date=2030-03-06").content.decode()
    assert week.count("<td") == 7 and "Demo" in week and "2:30" in week
    assert f"/e/contact/{jan.pk}/" in week
    assert "date=2030-02-27" in week and "date=2030-03-13" in week  # previous and next week
    month = signed_in.get("/planner/calendar/?view=month&date=2030-03-20").content.decode()
    assert month.count("<td") % 7 == 0 and 28 <= month.count("<td") <= 42
    assert 'data-date="2030-03-06"' in month and "Demo" in month
    assert "date=2030-02-01" in month and "date=2030-04-01" in month


@pytest.mark.parametrize(
    "query", ["view=year", "date=yesterday", "date=2030-02-30", "date=0001-01-01"]
)
def test_the_calendar_refuses_bad_parameters(signed_in, query):
    response = signed_in.get(f"/planner/calendar/?{query}")
    assert response.status_code == 400


def test_editing_with_a_stale_version_shows_a_conflict(signed_in, manager, task_for):
    task = task_for(manager, title="Call")
    services.update_task(manager, task, {"title": "Call now"}, 1)
    response = signed_in.post(
        f"/planner/tasks/{task.pk}/edit/",
        {
            "version": "1",
            "title": "Mine",
            "due_date": "2030-03-04",
            "due_time": "10:00",
            "kind": "call",
            "priority": "normal",
            "remind": "none",
            "assignee": manager.pk,
        },
    )
    assert response.status_code == 409
    html = response.content.decode()
    assert "Someone else changed this task" in html and "Call now" in html and "Mine" in html
    assert Task.objects.get().title == "Call now"
    assert 'name="version" value="2"' in html


def test_editing_saves_and_a_missing_version_is_a_bad_request(signed_in, manager, task_for):
    task = task_for(manager, title="Call")
    assert signed_in.post(f"/planner/tasks/{task.pk}/edit/", {"title": "x"}).status_code == 400
    response = signed_in.post(
        f"/planner/tasks/{task.pk}/edit/",
        {
            "version": "1",
            "title": "Call back",
            "due_date": "2030-03-05",
            "due_time": "",
            "notes": "Ask for Anna",
        },
    )
    assert response.status_code == 302
    task = Task.objects.get()
    assert (task.title, task.all_day, task.notes, task.version) == (
        "Call back",
        True,
        "Ask for Anna",
        2,
    )


def test_notifications_page_marks_read_and_opens_only_local_links(signed_in, manager):
    first = notifications.notify(manager, "reminder", "First", url="/planner/", email=False)
    evil = notifications.notify(manager, "x", "Evil", url="https://evil.example/", email=False)
    assert notifications.unread_count(manager) == 2
    home = signed_in.get("/").content.decode()
    assert 'data-nav="planner.notifications"' in home and "data-badge>2<" in home
    assert 'data-nav="planner.my_day"' in home
    response = signed_in.post(f"/planner/notifications/{first.pk}/read/", **HTMX)
    assert "kt-unread" not in response.content.decode()
    response = signed_in.post(f"/planner/notifications/{evil.pk}/open/")
    assert response["Location"] == "/planner/notifications/"
    assert notifications.unread_count(manager) == 0
    notifications.notify(manager, "x", "Third", email=False)
    signed_in.post("/planner/notifications/read/")
    assert not Notification.objects.filter(read_at__isnull=True).exists()


def test_nobody_marks_another_persons_notification(signed_in, colleague):
    theirs = notifications.notify(colleague, "x", "Private", email=False)
    assert signed_in.post(f"/planner/notifications/{theirs.pk}/read/").status_code == 404
    assert "Private" not in signed_in.get("/planner/notifications/").content.decode()
    assert Notification.objects.get().read_at is None


def test_pages_need_a_log_in(client):
    for url in (
        "/planner/",
        "/planner/calendar/",
        "/planner/notifications/",
        "/planner/tasks/new/",
    ):
        assert client.get(url).status_code == 302
    assert client.post("/planner/tasks/new/", {"title": "x"}).status_code == 302
    assert not Task.objects.exists()
