"""The iCalendar writer and the feed: folded at 75 octets without breaking a character,
escaped text that reads back exactly, CRLF endings, and a secret address that only its
owner's tasks answer on."""

from __future__ import annotations

import pytest

from kartoteka.planner import feeds, ical, services
from kartoteka.planner.models import CalendarFeed

pytestmark = pytest.mark.django_db


def unfold(data: bytes) -> list[str]:
    """The content lines of an iCalendar text, continuation lines joined back."""
    return data.decode("utf-8").replace("\r\n ", "").replace("\r\n\t", "").split("\r\n")[:-1]


def unescape_text(value: str) -> str:
    out, chars = [], iter(value)
    for char in chars:
        if char == "\\":
            nxt = next(chars, "")
            out.append("\n" if nxt in ("n", "N") else nxt)
        else:
            out.append(char)
    return "".join(out)


def test_long_lines_fold_at_75_octets_without_splitting_characters():
    value = "Позвонить клиенту по поводу предложения; обсудить цены, сроки и доставку " * 3
    cal = ical.Calendar()
    cal.text("SUMMARY", value)
    raw = cal.to_ical()
    assert raw.endswith(b"\r\n")
    physical = raw.split(b"\r\n")[:-1]
    assert len(physical) > 3
    for line in physical:
        assert len(line) <= 75
        line.decode("utf-8")  # every physical line is whole UTF-8
    assert all(line.startswith(b" ") for line in physical[1:])
    (logical,) = unfold(raw)
    assert unescape_text(logical.split(":", 1)[1]) == value


@pytest.mark.parametrize(
    "text", ["a,b;c\\d", "line one\nline two", "windows\r\nline", "ends with \\", "ok: yes"]
)
def test_text_escaping_round_trips(text):
    escaped = ical.escape_text(text)
    assert "\n" not in escaped and "\r" not in escaped
    for char in ",;":
        assert escaped.count(char) == escaped.count("\\" + char)
    assert unescape_text(escaped) == text.replace("\r\n", "\n")


def test_exactly_75_octets_stay_on_one_line():
    assert "\r\n" not in ical.fold("X" * 75)
    assert ical.fold("X" * 76) == "X" * 75 + "\r\n X"


def parse(body: bytes) -> list[dict]:
    """The VEVENTs of a feed as {property (with params): value}."""
    events, current = [], None
    for line in unfold(body):
        name, value = line.split(":", 1)
        if line == "BEGIN:VEVENT":
            current = {}
        elif line == "END:VEVENT":
            events.append(current)
            current = None
        elif current is not None:
            current[name] = value
    return events


def test_the_feed_lists_the_owners_tasks(client, manager, colleague, make, task_for):
    jan = make("contact", manager, first_name="Jan", last_name="Nowak", owner=manager)
    timed = task_for(
        manager,
        jan,
        title="Call, then; mail",
        due_at="2030-03-04T10:00",
        priority="high",
        notes="Line 1\nLine 2",
    )
    all_day = task_for(manager, title="Trade fair", due_at="2030-03-05")
    done = task_for(manager, title="Finished", due_at="2030-03-01")
    services.complete_task(manager, done)
    task_for(colleague, title="Not mine")
    client.force_login(manager)
    page = client.get("/planner/calendar/").content.decode()
    token = feeds.feed_token(manager)
    assert f"/planner/feed/{token}.ics" in page and 'data-copy="feed-url"' in page
    client.logout()  # calendar apps do not log in
    response = client.get(f"/planner/feed/{token}.ics")
    assert response.status_code == 200
    assert response["Content-Type"] == "text/calendar; charset=utf-8"
    body = response.content
    assert body.startswith(b"BEGIN:VCALENDAR\r\nVERSION:2.0\r\n")
    assert body.endswith(b"END:VCALENDAR\r\n")
    events = {e["UID"].split("@")[0]: e for e in parse(body)}
    assert set(events) == {f"task-{timed.pk}", f"task-{all_day.pk}", f"task-{done.pk}"}
    first = events[f"task-{timed.pk}"]
    assert unescape_text(first["SUMMARY"]) == "Call, then; mail"
    assert first["DTSTART"] == "20300304T100000Z" and first["DTEND"] == "20300304T103000Z"
    assert first["PRIORITY"] == "1"
    assert unescape_text(first["DESCRIPTION"]) == "Jan Nowak\n\nLine 1\nLine 2"
    assert first["URL"].endswith(f"/e/contact/{jan.pk}/")
    second = events[f"task-{all_day.pk}"]
    assert second["DTSTART;VALUE=DATE"] == "20300305" and second["DTEND;VALUE=DATE"] == "20300306"
    assert events[f"task-{done.pk}"]["SUMMARY"].startswith("✓ ")


@pytest.mark.parametrize("token", ["nope", "0" * 64, "A" * 64, "0" * 65])
def test_a_bad_token_is_not_found(client, manager, token):
    feeds.feed_token(manager)
    assert client.get(f"/planner/feed/{token}.ics").status_code == 404


def test_a_new_address_retires_the_old_one(client, manager):
    old = feeds.feed_token(manager)
    client.force_login(manager)
    response = client.post("/planner/calendar/new-address/")
    assert response.status_code == 302
    new = feeds.feed_token(manager)
    assert new != old and CalendarFeed.objects.count() == 1
    assert client.get(f"/planner/feed/{old}.ics").status_code == 404
    assert client.get(f"/planner/feed/{new}.ics").status_code == 200
    # only a hash is stored
    assert new not in str(CalendarFeed.objects.values_list("token_hash", "nonce").get())


def test_a_deactivated_persons_feed_goes_dark(client, manager):
    token = feeds.feed_token(manager)
    manager.is_active = False
    manager.save()
    assert client.get(f"/planner/feed/{token}.ics").status_code == 404
