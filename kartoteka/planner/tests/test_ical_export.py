"""The .ics download of tasks and meetings, on the page and through the API: a file a
calendar app reads (checked by a strict RFC 5545 reader below, and by the `icalendar` package
too when it is installed), holding exactly the tasks and meetings the person may see, filtered
like the task list, with hostile text kept inside its property and Cyrillic intact; bad input
and strangers are refused with nothing leaked."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from kartoteka.planner import ical, ical_export, services
from kartoteka.platform import services as platform_services
from kartoteka.timeline.models import Activity
from tests.helpers import error_of

pytestmark = pytest.mark.django_db

PAGE = "/planner/export.ics"
WINDOW = {"from": "2030-03-01", "to": "2030-03-31"}
TEXT_PROPERTIES = {"SUMMARY", "DESCRIPTION", "CATEGORIES", "X-WR-CALNAME"}
NAME_RE = re.compile(r"^[A-Z][A-Z0-9-]*(;[A-Z0-9-]+=[^;:,\"]+)*$")


# -- a strict reader ---------------------------------------------------------------------------


def unescape_text(value: str) -> str:
    """TEXT unescaped; an unescaped comma or semicolon (a list separator the writer must not
    produce in one value) or a dangling backslash is an error."""
    out, i = [], 0
    while i < len(value):
        char = value[i]
        if char == "\\":
            nxt = value[i + 1 : i + 2]
            assert nxt in ("\\", ";", ",", "n", "N"), f"bad escape in {value!r}"
            out.append("\n" if nxt in "nN" else nxt)
            i += 2
            continue
        assert char not in ",;", f"unescaped {char!r} in {value!r}"
        out.append(char)
        i += 1
    return "".join(out)


def read_calendar(body: bytes) -> list[dict]:
    """The components of an iCalendar text as {"name", "props": {name: [(params, value)]}},
    after checking its shape: CRLF endings only, physical lines of at most 75 octets of whole
    UTF-8, folding by a leading space, BEGIN/END balanced, one VCALENDAR, each property a
    well-formed name, TEXT properly escaped, and the properties RFC 5545 requires."""
    assert body.endswith(b"\r\n")
    physical = body.split(b"\r\n")[:-1]
    logical: list[str] = []
    for raw in physical:
        assert b"\r" not in raw and b"\n" not in raw, raw
        assert len(raw) <= 75, raw
        line = raw.decode("utf-8")  # raises on a character cut in two
        if line.startswith((" ", "\t")):
            assert logical, "a continuation line opens the file"
            logical[-1] += line[1:]
        else:
            logical.append(line)
    stack: list[dict] = []
    components: list[dict] = []
    for line in logical:
        name, sep, value = line.partition(":")
        assert sep and NAME_RE.match(name), line
        prop, *params = name.split(";")
        if prop == "BEGIN":
            assert value in ("VCALENDAR", "VTODO", "VEVENT"), line
            assert (value == "VCALENDAR") == (not stack), "misplaced " + line
            assert not components or value != "VCALENDAR", "a second VCALENDAR"
            stack.append({"name": value, "props": {}})
        elif prop == "END":
            assert stack and stack[-1]["name"] == value, "unbalanced " + line
            components.append(stack.pop())
        else:
            assert stack, "a property outside the calendar: " + line
            if prop in TEXT_PROPERTIES:
                value = unescape_text(value)
            stack[-1]["props"].setdefault(prop, []).append((tuple(params), value))
    assert not stack, "unclosed " + str([c["name"] for c in stack])
    assert components[-1]["name"] == "VCALENDAR"
    calendar = components[-1]["props"]
    assert calendar["VERSION"] == [((), "2.0")] and len(calendar["PRODID"]) == 1
    for component in components[:-1]:
        for required in ("UID", "DTSTAMP"):
            assert len(component["props"].get(required, [])) == 1, (component, required)
    try:  # a second opinion when the reference library is installed
        import icalendar
    except ImportError:
        pass
    else:
        parsed = icalendar.Calendar.from_ical(body)
        theirs = sorted(str(c["UID"]) for c in parsed.walk() if c.name in ("VTODO", "VEVENT"))
        assert theirs == sorted(uid(c) for c in components[:-1])
    return components[:-1]


def uid(component: dict) -> str:
    return component["props"]["UID"][0][1]


def value(component: dict, prop: str) -> str:
    (entry,) = component["props"][prop]
    return entry[1]


def by_uid(body: bytes) -> dict[str, dict]:
    return {uid(c).split("@")[0]: c for c in read_calendar(body)}


# -- fixtures ----------------------------------------------------------------------------------


@pytest.fixture
def acme(make, manager):
    return make("company", manager, name="Acme", owner=manager)


@pytest.fixture
def olgas_firm(make, outsider):
    return make("company", outsider, name="Olga's firm", owner=outsider)


@pytest.fixture
def meeting(registry):
    """meeting(actor, record, body, at) → a meeting logged on the record's timeline."""

    def _meeting(actor, record, body="Meeting about the offer", when="2030-03-10T09:00"):
        spec = registry.get(record._meta.model_name)
        return platform_services.add_activity(
            spec, actor, record, {"kind": "meeting", "body": body, "at": when}
        )

    return _meeting


def export(client, user, **params):
    client.force_login(user)
    return client.get(PAGE, {**WINDOW, **params})


# -- what is in the file -----------------------------------------------------------------------


def test_manager_gets_his_tasks_and_meetings_as_todos_and_events(
    client, registry, manager, acme, task_for, meeting
):
    call = task_for(
        manager,
        acme,
        title="Call Acme",
        due_at="2030-03-04T10:00",
        priority="high",
        notes="Ask about the price",
    )
    fair = task_for(manager, title="Trade fair", due_at="2030-03-05", priority="low")
    done = services.complete_task(manager, task_for(manager, acme, due_at="2030-03-06T08:00"))
    visit = meeting(manager, acme, "Visit at Acme\nBring the samples", "2030-03-10T09:00")
    note = platform_services.add_activity(
        registry.get("company"), manager, acme, {"kind": "note", "body": "Not a meeting"}
    )

    response = export(client, manager)
    assert response.status_code == 200
    assert response["Content-Type"] == "text/calendar; charset=utf-8"
    assert response["Content-Disposition"] == 'attachment; filename="kartoteka-tasks.ics"'
    assert response.content.startswith(b"BEGIN:VCALENDAR\r\nVERSION:2.0\r\n")
    items = by_uid(response.content)
    assert set(items) == {
        f"task-{call.pk}",
        f"task-{fair.pk}",
        f"task-{done.pk}",
        f"meeting-{visit.pk}",
    }
    assert f"meeting-{note.pk}" not in items
    assert all(uid(c).endswith("@testserver") for c in items.values())

    todo = items[f"task-{call.pk}"]
    assert todo["name"] == "VTODO"
    assert value(todo, "DUE") == "20300304T100000Z"
    assert value(todo, "STATUS") == "NEEDS-ACTION" and value(todo, "PRIORITY") == "1"
    assert value(todo, "SUMMARY") == "Call Acme"
    assert value(todo, "DESCRIPTION") == "Acme\n\nAsk about the price"
    assert value(todo, "URL") == f"http://testserver/e/company/{acme.pk}/"
    all_day = items[f"task-{fair.pk}"]
    assert all_day["props"]["DUE"] == [(("VALUE=DATE",), "20300305")]
    assert value(all_day, "PRIORITY") == "9"
    assert value(all_day, "URL") == f"http://testserver/planner/tasks/{fair.pk}/edit/"
    finished = items[f"task-{done.pk}"]
    assert value(finished, "STATUS") == "COMPLETED" and "COMPLETED" in finished["props"]

    event = items[f"meeting-{visit.pk}"]
    assert event["name"] == "VEVENT"
    assert value(event, "DTSTART") == "20300310T090000Z"
    assert value(event, "DTEND") == "20300310T100000Z"  # no length is logged: an hour
    assert value(event, "SUMMARY") == "Visit at Acme"
    assert value(event, "DESCRIPTION") == "Acme\n\nVisit at Acme\nBring the samples"
    assert value(event, "URL") == f"http://testserver/e/company/{acme.pk}/"


def test_the_same_task_keeps_its_uid_from_one_download_to_the_next(client, manager, acme, task_for):
    task = task_for(manager, acme, due_at="2030-03-04T10:00")
    first = set(by_uid(export(client, manager).content))
    services.update_task(manager, task, {"title": "Renamed"}, task.version)
    assert set(by_uid(export(client, manager).content)) == first == {f"task-{task.pk}"}


def test_manager_cannot_get_tasks_or_meetings_of_records_he_cannot_see(
    client, manager, outsider, colleague, acme, olgas_firm, task_for, meeting
):
    mine = task_for(manager, acme, due_at="2030-03-04T10:00")
    theirs = task_for(outsider, olgas_firm, title="Olga's call", due_at="2030-03-04T10:00")
    colleagues = task_for(colleague, title="Boris's own", due_at="2030-03-04T10:00")
    my_meeting = meeting(manager, acme, "Acme meeting")
    their_meeting = meeting(outsider, olgas_firm, "Secret meeting at Olga's firm")

    body = export(client, manager).content
    assert set(by_uid(body)) == {f"task-{mine.pk}", f"meeting-{my_meeting.pk}"}
    assert b"Olga" not in body and b"Secret" not in body and b"Boris" not in body

    olgas = export(client, outsider).content
    assert set(by_uid(olgas)) == {f"task-{theirs.pk}", f"meeting-{their_meeting.pk}"}
    assert b"Acme" not in olgas
    assert set(by_uid(export(client, colleague).content)) == {f"task-{colleagues.pk}"}


def test_a_task_given_across_teams_shows_but_its_record_stays_hidden(
    client, head, outsider, make, task_for, meeting
):
    secret = make("contact", head, first_name="Secret", last_name="Client", owner=head)
    given = task_for(head, secret, title="Visit them", assignee=outsider.pk, due_at="2030-03-04")
    meeting(head, secret, "Meeting with the secret client")
    items = by_uid(export(client, outsider).content)
    assert set(items) == {f"task-{given.pk}"}
    todo = items[f"task-{given.pk}"]
    assert "Secret" not in value(todo, "DESCRIPTION") and "URL" not in todo["props"]


def test_the_head_of_sales_gets_every_meeting(client, head, acme, olgas_firm, meeting):
    ids = {meeting(head, acme).pk, meeting(head, olgas_firm).pk}
    assert set(by_uid(export(client, head).content)) == {f"meeting-{pk}" for pk in ids}


# -- filters -----------------------------------------------------------------------------------


def test_filters_narrow_tasks_like_the_task_list(client, manager, head, acme, task_for, meeting):
    mine_open = task_for(head, acme, title="Mine, open", due_at="2030-03-04T10:00")
    mine_done = services.complete_task(
        head, task_for(head, acme, title="Mine, done", due_at="2030-03-05T10:00")
    )
    given = task_for(head, acme, title="Anna's", assignee=manager.pk, due_at="2030-03-06")
    personal = task_for(head, title="Head's personal", due_at="2030-03-07")
    in_april = task_for(head, acme, title="April", due_at="2030-04-02T10:00")
    march = meeting(head, acme, when="2030-03-20T15:00")
    april = meeting(head, acme, when="2030-04-03T15:00")

    def uids(**params):
        return set(by_uid(export(client, head, **params).content))

    everything = {mine_open, mine_done, given, personal}
    assert uids() == {f"task-{t.pk}" for t in everything} | {f"meeting-{march.pk}"}
    assert uids(assignee="me") == {f"task-{t.pk}" for t in (mine_open, mine_done, personal)} | {
        f"meeting-{march.pk}"
    }
    assert uids(assignee=str(manager.pk), status="open") == {
        f"task-{given.pk}",
        f"meeting-{march.pk}",
    }
    assert f"task-{mine_done.pk}" not in uids(status="open")
    assert uids(status="done") == {f"task-{mine_done.pk}", f"meeting-{march.pk}"}
    # both ends of the period are included, for tasks and meetings alike
    assert uids(**{"from": "2030-04-02", "to": "2030-04-03"}) == {
        f"task-{in_april.pk}",
        f"meeting-{april.pk}",
    }
    assert uids(entity="company") == {f"task-{t.pk}" for t in (mine_open, mine_done, given)} | {
        f"meeting-{march.pk}"
    }


def test_a_records_export_holds_only_that_record(client, manager, make, acme, task_for, meeting):
    other = make("company", manager, name="Other", owner=manager)
    on_acme = task_for(manager, acme, due_at="2030-03-04T10:00")
    task_for(manager, other, due_at="2030-03-04T10:00")
    task_for(manager, title="Personal", due_at="2030-03-04T10:00")
    acme_meeting = meeting(manager, acme)
    meeting(manager, other)
    response = export(client, manager, entity="company", object_id=str(acme.pk))
    assert response.status_code == 200
    assert response["Content-Disposition"] == (
        f'attachment; filename="kartoteka-company-{acme.pk}.ics"'
    )
    assert set(by_uid(response.content)) == {f"task-{on_acme.pk}", f"meeting-{acme_meeting.pk}"}
    (calendar_name,) = re.findall(rb"X-WR-CALNAME:(.*)\r\n", response.content)
    assert calendar_name == b"Kartoteka: Acme"


def test_without_dates_the_period_runs_from_30_days_back_to_180_ahead(
    client, manager, acme, task_for, meeting
):
    now = timezone.now()

    def when(days):
        return (now + dt.timedelta(days=days)).isoformat(timespec="minutes")

    inside = {
        f"task-{task_for(manager, acme, due_at=when(-29)).pk}",
        f"task-{task_for(manager, acme, due_at=when(179)).pk}",
        f"meeting-{meeting(manager, acme, when=when(-29)).pk}",
        f"meeting-{meeting(manager, acme, when=when(179)).pk}",
    }
    task_for(manager, acme, due_at=when(-32))
    task_for(manager, acme, due_at=when(182))
    meeting(manager, acme, when=when(-32))
    meeting(manager, acme, when=when(182))
    client.force_login(manager)
    assert set(by_uid(client.get(PAGE).content)) == inside


# -- hostile and foreign text ------------------------------------------------------------------


HOSTILE = "Deal, done; ok\\ END:VCALENDAR\r\nBEGIN:VEVENT\nUID:evil\u2028END:VCALENDAR\x07\x1b!"


def test_hostile_text_stays_inside_its_property(client, manager, acme, task_for):
    task = task_for(manager, acme, title="Call, then; mail END:VCALENDAR", notes=HOSTILE)
    injected = platform_services.record_activity(
        "company",
        acme.pk,
        Activity.Kind.MEETING,
        manager,
        summary=HOSTILE,
        body=HOSTILE,
        at=timezone.make_aware(dt.datetime(2030, 3, 10, 9)),
    )
    body = export(client, manager).content
    items = by_uid(body)  # the strict reader: one calendar, two components, nothing else
    assert set(items) == {f"task-{task.pk}", f"meeting-{injected.pk}"}
    assert body.count(b"\r\nEND:VCALENDAR") == 1 and b"\r\nUID:evil" not in body
    expected = "Deal, done; ok\\ END:VCALENDAR\nBEGIN:VEVENT\nUID:evil\nEND:VCALENDAR!"
    assert value(items[f"meeting-{injected.pk}"], "SUMMARY") == expected
    assert value(items[f"task-{task.pk}"], "SUMMARY") == "Call, then; mail END:VCALENDAR"
    assert value(items[f"task-{task.pk}"], "DESCRIPTION") == "Acme\n\n" + expected


def test_cyrillic_survives_folding(client, manager, make, task_for, meeting):
    firm = make("company", manager, name="ООО «Ромашка»", owner=manager)
    title = "Позвонить клиенту по поводу предложения; обсудить цены, сроки и доставку. " * 3
    notes = "Ёжик в тумане — " * 20
    task = task_for(manager, firm, title=title.strip()[:255], notes=notes)
    talk = meeting(manager, firm, "Встреча в офисе: " + "переговоры о поставке " * 10)
    body = export(client, manager).content
    assert body.count(b"\r\n ") > 10  # really folded
    items = by_uid(body)  # checks ≤ 75 octets of whole UTF-8 on every line
    assert value(items[f"task-{task.pk}"], "SUMMARY") == title.strip()[:255].strip()
    assert value(items[f"task-{task.pk}"], "DESCRIPTION") == "ООО «Ромашка»\n\n" + task.notes
    assert task.notes.startswith("Ёжик в тумане — Ёжик")
    assert value(items[f"meeting-{talk.pk}"], "SUMMARY") == talk.summary


def test_the_writer_refuses_a_raw_value_with_a_line_break():
    cal = ical.Calendar()
    for bad in ("https://x/\r\nEND:VCALENDAR", "a\nb", "a\u2028b"):
        with pytest.raises(ValueError):
            cal.add("URL", bad)
    assert cal.lines == []


# -- the API -----------------------------------------------------------------------------------


def test_the_api_answers_the_same_file_to_a_token(
    client, api_as, manager, acme, olgas_firm, task_for, meeting
):
    task = task_for(manager, acme, due_at="2030-03-04T10:00")
    mine = meeting(manager, acme)
    api = api_as(manager, token=True)
    response = api.get("/tasks/export.ics", WINDOW)
    assert response.status_code == 200, response.content
    assert response["Content-Type"] == "text/calendar; charset=utf-8"
    assert response["Content-Disposition"].startswith("attachment;")
    assert set(by_uid(response.content)) == {f"task-{task.pk}", f"meeting-{mine.pk}"}
    hidden = api.get("/tasks/export.ics", {"entity": "company", "object_id": olgas_firm.pk})
    assert hidden.status_code == 404 and error_of(hidden)["code"] == "not_found"


def test_an_anonymous_caller_gets_nothing(client, api_as, manager, acme, task_for):
    task_for(manager, acme, due_at="2030-03-04T10:00")
    page = client.get(PAGE, WINDOW)
    assert page.status_code == 302 and "/login" in page["Location"]
    api = client.get("/api/v1/tasks/export.ics", WINDOW)
    assert api.status_code == 401 and b"Acme" not in api.content
    bad_token = client.get("/api/v1/tasks/export.ics", HTTP_AUTHORIZATION="Bearer nope")
    assert bad_token.status_code == 401


# -- bad input ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ("frm=2030-03-01", "frm"),
        ("from=yesterday", "from"),
        ("from=2030-02-30", "from"),
        ("to=0001-01-01", "to"),
        ("from=2030-03-10&to=2030-03-01", "to"),
        ("from=2000-01-01&to=2030-01-01", "to"),
        ("from=2030-03-01&from=2030-03-02", "from"),
        ("status=later", "status"),
        ("assignee=everyone", "assignee"),
        ("assignee=99999999999999999999999", "assignee"),
        ("object_id=1", "object_id"),
        ("entity=company&object_id=-1", "object_id"),
        ("entity=spaceship", "entity"),
    ],
)
def test_bad_input_is_refused_with_a_clear_message(client, api_as, manager, query, field):
    client.force_login(manager)
    page = client.get(f"{PAGE}?{query}")
    assert page.status_code == 400
    assert page["Content-Type"].startswith("text/plain") and page.content.startswith(field.encode())
    api = api_as(manager).get(f"/tasks/export.ics?{query}")
    assert api.status_code == 422
    assert field in error_of(api)["fields"]


def test_a_record_the_user_cannot_see_is_not_found(client, manager, olgas_firm):
    client.force_login(manager)
    response = client.get(PAGE, {"entity": "company", "object_id": olgas_firm.pk})
    assert response.status_code == 404 and b"Olga" not in response.content


def test_too_many_rows_are_refused_not_cut_short(
    client, monkeypatch, manager, acme, task_for, meeting
):
    task_for(manager, acme, due_at="2030-03-04T10:00")
    task_for(manager, acme, due_at="2030-03-05T10:00")
    monkeypatch.setattr(ical_export, "ROW_LIMIT", 1)
    response = export(client, manager)
    assert response.status_code == 400 and b"shorter" in response.content
    assert export(client, manager, **{"from": "2030-03-05", "to": "2030-03-05"}).status_code == 200


# -- where the button is, and what it costs ----------------------------------------------------


def test_the_export_button_is_on_my_day_the_calendar_and_a_card(client, manager, acme):
    client.force_login(manager)
    for url in ("/planner/", "/planner/calendar/"):
        page = client.get(url).content.decode()
        assert f'href="{PAGE}?assignee=me"' in page and "Export to calendar (.ics)" in page
    card = client.get(f"/e/company/{acme.pk}/").content.decode()
    assert f'href="{PAGE}?entity=company&amp;object_id={acme.pk}"' in card


def test_the_export_costs_the_same_queries_for_few_or_many_rows(
    client, manager, make, task_for, meeting
):
    def grow(n):
        for i in range(n):
            firm = make("company", manager, name=f"Firm {i}", owner=manager)
            person = make("contact", manager, first_name="P", last_name=f"N{i}", owner=manager)
            task_for(manager, firm, due_at="2030-03-04T10:00")
            task_for(manager, person, due_at="2030-03-05")
            task_for(manager, title="Personal", due_at="2030-03-06")
            meeting(manager, firm)
            meeting(manager, person)

    def count():
        with CaptureQueriesContext(connection) as captured:
            assert client.get(PAGE, WINDOW).status_code == 200
        return len(captured.captured_queries)

    client.force_login(manager)
    grow(1)
    few = count()
    grow(8)
    assert count() == few
