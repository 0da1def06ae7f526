"""The service-desk settings API at /api/v1/service/…: everyone signed in reads calendars,
policies and categories; administrators write and see mailboxes, whose passwords never come
back. Input is strict, and refusals come back in the one error format with nothing written."""

import json

import pytest

from kartoteka.service import settings_mailboxes
from kartoteka.service.models import BusinessCalendar, Category, Holiday, Mailbox, SlaPolicy
from tests.helpers import StatusApi

pytestmark = pytest.mark.django_db


class Api(StatusApi):
    prefix = "/api/v1/service"


@pytest.fixture
def as_admin(client, admin_user):
    return Api(client, admin_user)


@pytest.fixture
def office():
    return BusinessCalendar.objects.get(is_default=True)


MAILBOX = {
    "name": "Support",
    "address": "support@example.com",
    "imap_host": "imap.example.com",
    "username": "support",
    "password": "imap-secret",
    "smtp_host": "smtp.example.com",
    "smtp_username": "support",
    "smtp_password": "smtp-secret",
}


# -- reading ---------------------------------------------------------------------------------


def test_agent_reads_calendars_policies_and_categories(client, agent, office):
    api = Api(client, agent)
    status, body = api.get("/calendars")
    assert status == 200
    assert body[0]["name"] == "Office hours" and body[0]["is_default"] is True
    assert body[0]["hours"]["0"] == [["09:00", "18:00"]] and "5" not in body[0]["hours"]
    assert sorted(body[0]["policies"]) == sorted(SlaPolicy.objects.values_list("pk", flat=True))
    status, body = api.get("/sla-policies")
    assert [p["name"] for p in body] == ["Urgent", "Key accounts", "Standard"]
    assert body[1]["cutoff_at"] == "14:00" and body[1]["resolution_minutes"] is None
    assert body[0]["summary"].startswith("Urgent · first response 1 h")
    status, body = api.get("/categories")
    assert status == 200 and [c["name"] for c in body] == ["General", "Billing", "Technical"]


def test_others_may_not_write_or_see_mailboxes(client, manager, office):
    api = Api(client, manager)
    standard = SlaPolicy.objects.get(name="Standard")
    attempts = [
        api.post("/calendars", {"name": "X", "time_zone": "UTC", "hours": {"0": "9-17"}}),
        api.patch(f"/calendars/{office.pk}", {"name": "Mine"}),
        api.delete(f"/calendars/{office.pk}"),
        api.post(f"/calendars/{office.pk}/holidays", {"date": "2026-12-25"}),
        api.patch(f"/sla-policies/{standard.pk}", {"first_response_minutes": 1}),
        api.post("/sla-policies/order", {"ids": [standard.pk]}),
        api.post("/categories", {"name": "Mine"}),
        api.get("/mailboxes"),
        api.post("/mailboxes", MAILBOX),
        api.patch("/calendars/999999", {"name": "x"}),  # unknown rows: 403 all the same
    ]
    for status, body in attempts:
        assert status == 403 and body["error"]["code"] == "permission_denied"
    office.refresh_from_db()
    assert office.name == "Office hours" and not Holiday.objects.exists()
    assert not Category.objects.filter(name="Mine").exists()


def test_anonymous_caller_is_refused(client):
    status, body = Api(client).get("/calendars")
    assert status == 401


# -- calendars -------------------------------------------------------------------------------


def test_calendar_round_trip_with_hours_and_holidays(as_admin):
    status, body = as_admin.post(
        "/calendars",
        {
            "name": "Warsaw",
            "time_zone": "Europe/Warsaw",
            "hours": {"0": [["09:00", "13:00"], ["14:00", "18:00"]], "4": "09:00–15:00"},
            "holidays": [{"date": "2026-12-25", "name": "Christmas"}],
        },
    )
    assert status == 201, body
    assert body["hours"] == {
        "0": [["09:00", "13:00"], ["14:00", "18:00"]],
        "4": [["09:00", "15:00"]],
    }
    assert body["holidays"] == [{"date": "2026-12-25", "name": "Christmas"}]
    assert body["is_default"] is False
    pk = body["id"]
    status, body = as_admin.patch(
        f"/calendars/{pk}",
        {"holidays": [{"date": "2027-01-01", "name": "New Year"}], "is_default": True},
    )
    assert status == 200 and body["holidays"] == [{"date": "2027-01-01", "name": "New Year"}]
    assert list(BusinessCalendar.objects.filter(is_default=True).values_list("pk", flat=True)) == [
        pk
    ]
    status, body = as_admin.post(f"/calendars/{pk}/holidays", {"date": "2027-01-06"})
    assert status == 201 and body == {"date": "2027-01-06", "name": ""}
    status, body = as_admin.post(f"/calendars/{pk}/holidays", {"date": "2027-01-06"})
    assert status == 422 and "is already a holiday" in body["error"]["message"]
    assert as_admin.delete(f"/calendars/{pk}/holidays/2027-01-06")[0] == 204
    assert as_admin.delete(f"/calendars/{pk}/holidays/2027-01-06")[0] == 404
    status, body = as_admin.delete(f"/calendars/{pk}")
    assert status == 422 and "default calendar cannot be deleted" in body["error"]["message"]


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ({"hours": {"0": "25:00-26:00"}}, "hours.0: 25:00 is not a time of day"),
        (
            {"hours": {"0": [["09:00", "13:00"], ["12:00", "18:00"]]}},
            "hours.0: 12:00–18:00 overlaps",
        ),
        ({"hours": {"0": [["09:00"]]}}, "hours.0"),
        ({"hours": {"0": "09:00-10:00," * 5000}}, "hours.0: Enter at most 300 characters."),
        ({"time_zone": "Nowhere/Town"}, "time_zone: “Nowhere/Town” is not a time zone"),
        ({"colour": "red"}, "colour: Extra inputs are not permitted"),
        (
            {"holidays": [{"date": "2026-12-25"}, {"date": "2026-12-25"}]},
            "holidays.1: ",
        ),
        ({"holidays": [{"date": "2026-02-30"}]}, "holidays.0.date"),
    ],
)
def test_bad_calendar_input_is_refused_with_its_first_message(as_admin, office, body, message):
    status, answer = as_admin.patch(f"/calendars/{office.pk}", body)
    assert status == 422
    assert answer["error"]["message"].startswith(message), answer
    office.refresh_from_db()
    assert office.hours["0"] == [[540, 1080]] and office.time_zone != "Nowhere/Town"
    assert not Holiday.objects.exists()


def test_a_calendar_in_use_is_not_deleted(as_admin, office):
    status, body = as_admin.delete(f"/calendars/{office.pk}")
    assert status == 422
    assert body["error"]["message"].startswith("The SLA policies “Urgent”, “Key accounts”")
    assert BusinessCalendar.objects.filter(pk=office.pk).exists()


# -- SLA policies ----------------------------------------------------------------------------


def test_policy_crud_and_order(as_admin, office):
    status, body = as_admin.post(
        "/sla-policies",
        {
            "name": "VIP",
            "tiers": ["priority"],
            "calendar": office.pk,
            "first_response_minutes": 30,
            "cutoff_at": "15:00",
            "cutoff_next_day_at": "10:00",
        },
    )
    assert status == 201, body
    assert body["summary"] == (
        "Priority · first response 30 min · resolution the same day if received before 15:00, "
        "else by 10:00"
    )
    pk = body["id"]
    names = [p["name"] for p in as_admin.get("/sla-policies")[1]]
    assert names == ["Urgent", "Key accounts", "VIP", "Standard"]
    status, body = as_admin.patch(f"/sla-policies/{pk}", {"resolution_minutes": 120})
    assert status == 422
    assert body["error"]["message"] == (
        "resolution_minutes: Use either a resolution time or the cut-off rule, not both: clear "
        "one of them."
    )
    status, body = as_admin.patch(
        f"/sla-policies/{pk}",
        {"resolution_minutes": 120, "cutoff_at": None, "cutoff_next_day_at": None},
    )
    assert status == 200 and body["summary"].endswith("resolution 2 h")
    ids = [p["id"] for p in as_admin.get("/sla-policies")[1]]
    status, body = as_admin.post("/sla-policies/order", {"ids": ids[::-1]})
    assert status == 200 and [p["id"] for p in body] == ids[::-1]
    status, body = as_admin.post("/sla-policies/order", {"ids": ids[:1]})
    assert status == 422 and "exactly once" in body["error"]["message"]
    assert as_admin.delete(f"/sla-policies/{pk}")[0] == 204
    assert as_admin.get(f"/sla-policies/{pk}")[0] == 404


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ({"first_response_minutes": "soon"}, "first_response_minutes: "),
        ({"first_response_minutes": 0}, "first_response_minutes: Enter at least one minute"),
        ({"types": ["outage"]}, "types: “outage” is not one of the available options."),
        ({"calendar": 999999}, "calendar: Choose from the available options."),
        ({"cutoff_at": "2pm", "cutoff_next_day_at": "11:00"}, "cutoff_at: “2pm” is not a time"),
        ({"escalate_to": 999999}, "escalate_to: Choose from the available options."),
        ({"priority": ["urgent"]}, "priority: Extra inputs are not permitted"),
    ],
)
def test_bad_policy_input_is_refused(as_admin, body, message):
    standard = SlaPolicy.objects.get(name="Standard")
    status, answer = as_admin.patch(f"/sla-policies/{standard.pk}", body)
    assert status == 422 and answer["error"]["message"].startswith(message), answer
    standard.refresh_from_db()
    assert standard.first_response_minutes == 240 and standard.types == []


def test_a_policy_needs_a_name_and_a_calendar(as_admin):
    status, body = as_admin.post("/sla-policies", {"name": "Nothing"})
    assert status == 422 and body["error"]["message"].startswith("calendar: ")


# -- categories ------------------------------------------------------------------------------


def test_category_crud_refreshes_the_ticket_form(as_admin, registry, teams):
    status, body = as_admin.post("/categories", {"name": "Hardware", "team": teams["north"].pk})
    assert status == 201 and body["team"] == teams["north"].pk and body["active"] is True
    pk = body["id"]
    assert (pk, "Hardware") in registry.get("ticket").field("category").choices
    status, body = as_admin.patch(f"/categories/{pk}", {"name": "Devices", "team": None})
    assert status == 200 and (body["name"], body["team"]) == ("Devices", None)
    assert (pk, "Devices") in registry.get("ticket").field("category").choices
    status, body = as_admin.post("/categories", {"name": "devices"})
    assert status == 422 and body["error"]["message"] == "name: Another category has this name."
    ids = [c["id"] for c in as_admin.get("/categories")[1]]
    status, body = as_admin.post("/categories/order", {"ids": [pk, *[i for i in ids if i != pk]]})
    assert status == 200 and body[0]["id"] == pk
    assert as_admin.delete(f"/categories/{pk}")[0] == 204
    assert pk not in dict(registry.get("ticket").field("category").choices)


def test_a_category_in_use_is_not_deleted(as_admin, admin_user, make):
    billing = Category.objects.get(name="Billing")
    contact = make("contact", first_name="Vera", last_name="Nowak")
    make("ticket", subject="Invoice", contact=contact.pk, category=billing.pk)
    status, body = as_admin.delete(f"/categories/{billing.pk}")
    assert status == 422 and "Deactivate it instead" in body["error"]["message"]
    status, body = as_admin.patch(f"/categories/{billing.pk}", {"active": False})
    assert status == 200 and body["active"] is False
    assert [c["name"] for c in as_admin.get("/categories?active=true")[1]] == [
        "General",
        "Technical",
    ]


# -- mailboxes -------------------------------------------------------------------------------


def test_mailbox_passwords_are_write_only(as_admin):
    status, body = as_admin.post("/mailboxes", MAILBOX)
    assert status == 201, body
    assert "password" not in body and "smtp_password" not in body
    assert body["has_password"] is True and body["has_smtp_password"] is True
    assert "secret" not in json.dumps(body)
    pk = body["id"]
    status, body = as_admin.patch(f"/mailboxes/{pk}", {"name": "Help desk", "password": None})
    assert status == 200 and body["has_password"] is True
    assert Mailbox.objects.get(pk=pk).password == "imap-secret"
    status, body = as_admin.patch(f"/mailboxes/{pk}", {"smtp_password": None, "smtp_username": ""})
    assert status == 200 and body["has_smtp_password"] is False
    status, body = as_admin.get("/mailboxes")
    assert status == 200 and "secret" not in json.dumps(body)
    assert as_admin.delete(f"/mailboxes/{pk}")[0] == 204


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ({"address": "nobody"}, "address: Enter an email address"),
        ({"imap_port": 0}, "imap_port: Enter a number from 1 to 65535."),
        ({"smtp_security": "tls"}, "smtp_security: Choose one of the available options."),
        ({"password": ""}, "password: This field is required."),
        ({"imap_host": "-bad-.example"}, "imap_host: Enter a host name"),
        ({"secret_key": "x"}, "secret_key: Extra inputs are not permitted"),
    ],
)
def test_bad_mailbox_input_is_refused(as_admin, body, message):
    status, answer = as_admin.post("/mailboxes", {**MAILBOX, **body})
    assert status == 422 and answer["error"]["message"].startswith(message), answer
    assert not Mailbox.objects.exists()


def test_checking_a_mailbox_reports_problems(as_admin, admin_user, monkeypatch):
    mailbox = settings_mailboxes.create_mailbox(admin_user, {**MAILBOX, "imap_host": "127.0.0.1"})
    monkeypatch.setattr(settings_mailboxes, "CHECK_TIMEOUT", 2.0)
    Mailbox.objects.filter(pk=mailbox.pk).update(imap_port=1, smtp_host="127.0.0.1", smtp_port=1)
    status, body = as_admin.post(f"/mailboxes/{mailbox.pk}/check")
    assert status == 200 and body["ok"] is False
    assert len(body["problems"]) == 2 and body["last_checked_at"]
