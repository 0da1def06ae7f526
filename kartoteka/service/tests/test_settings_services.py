"""The rules of the service-desk settings, as the actions keep them: working hours that read
as typed and make sense, one default calendar, holidays once per date, calendars in use
kept; SLA policies with sane targets (the cut-off rule or a resolution time, never both),
tried in order; categories that refresh the ticket form and are never deleted while used;
mailboxes whose passwords are write-only. Each refusal says why, and writes nothing."""

import datetime as dt

import pytest

from kartoteka.platform.fields import InputErrors
from kartoteka.platform.permissions import PermissionDenied
from kartoteka.service import (
    services,
    settings_calendars,
    settings_categories,
    settings_mailboxes,
    settings_policies,
    sla,
)
from kartoteka.service.models import BusinessCalendar, Category, Holiday, Mailbox, SlaPolicy

pytestmark = pytest.mark.django_db

UTC = dt.UTC
OFFICE = {str(day): "09:00–18:00" for day in range(5)}


def refused(action, *args) -> dict:
    with pytest.raises(InputErrors) as caught:
        action(*args)
    return caught.value.errors


@pytest.fixture
def office():
    return BusinessCalendar.objects.get(is_default=True)


@pytest.fixture
def customer(make, registry):
    return make("contact", first_name="Vera", last_name="Nowak", emails="vera@example.com")


def calendar(admin_user, name="Support", **data):
    return settings_calendars.create_calendar(
        admin_user, {"name": name, "time_zone": "Europe/Warsaw", "hours": OFFICE, **data}
    )


# -- calendars -------------------------------------------------------------------------------


def test_hours_typed_as_text_are_kept_in_minutes_and_shown_back_the_same(admin_user):
    support = calendar(admin_user, hours={"0": "09:00–13:00, 14:00–18:00", "5": "10-14", "6": ""})
    assert support.hours == {"0": [[540, 780], [840, 1080]], "5": [[600, 840]]}
    shown = settings_calendars.hours_as_text(support)
    assert shown["0"] == "09:00–13:00, 14:00–18:00"
    assert shown["5"] == "10:00–14:00" and shown["6"] == ""
    assert settings_calendars.week_summary(support.hours) == [
        "Mon 09:00–13:00, 14:00–18:00",
        "Sat 10:00–14:00",
    ]
    # The SLA engine reads what was stored.
    assert sla.clock_calendar(support).hours[0] == ((540, 780), (840, 1080))


@pytest.mark.parametrize(
    ("typed", "message"),
    [
        ("25:00–26:00", "25:00 is not a time of day; use 00:00 to 23:59."),
        ("09:00–25:00", "25:00 is not a time of day; use 00:00 to 24:00."),
        ("09:00–13:00, 12:00–18:00", "12:00–18:00 overlaps 09:00–13:00."),
        ("18:00–09:00", "In 18:00–09:00 the end is not after the start."),
        ("nine to five", "“nine to five” is not a time range"),
        ("9:75–10:00", "9:75 is not a time of day"),
    ],
)
def test_bad_working_hours_are_refused_by_day(admin_user, office, typed, message):
    errors = refused(
        settings_calendars.update_calendar, admin_user, office, {"hours": {**OFFICE, "2": typed}}
    )
    assert list(errors) == ["hours.2"]
    assert errors["hours.2"][0].startswith(message)
    office.refresh_from_db()
    assert office.hours["2"] == [[540, 1080]]


def test_a_week_without_working_time_is_refused(admin_user, office):
    errors = refused(settings_calendars.update_calendar, admin_user, office, {"hours": {"0": ""}})
    assert errors == {"hours": ["Enter working hours for at least one day."]}


def test_unknown_time_zone_is_refused(admin_user):
    errors = refused(lambda: calendar(admin_user, "Mars", time_zone="Mars/Olympus"))
    assert errors["time_zone"] == [
        "“Mars/Olympus” is not a time zone; choose one from the list, such as Europe/Warsaw."
    ]
    assert not BusinessCalendar.objects.filter(name="Mars").exists()


def test_unknown_and_hostile_input_is_refused(admin_user, office):
    errors = refused(
        settings_calendars.update_calendar,
        admin_user,
        office,
        {"name": "x" * 101, "colour": "red", "hours": {"7": "09:00–10:00"}},
    )
    assert errors["colour"] == ["Unknown field."]
    assert errors["name"] == ["Enter at most 100 characters (it has 101)."]
    assert errors["hours"] == ["Weekdays are numbered 0 (Monday) to 6 (Sunday)."]


def test_there_is_always_exactly_one_default_calendar(admin_user, office):
    support = calendar(admin_user, is_default=True)
    assert list(BusinessCalendar.objects.filter(is_default=True)) == [support]
    errors = refused(settings_calendars.update_calendar, admin_user, support, {"is_default": False})
    assert "make another calendar the default" in errors["is_default"][0]
    settings_calendars.make_default_calendar(admin_user, office)
    assert list(BusinessCalendar.objects.filter(is_default=True)) == [office]


def test_a_calendar_a_policy_uses_cannot_be_deleted_and_says_which(admin_user, office):
    support = calendar(admin_user)
    errors = refused(settings_calendars.delete_calendar, admin_user, office)
    assert errors["__all__"] == [
        "The SLA policies “Urgent”, “Key accounts”, “Standard” use this calendar, so it cannot "
        "be deleted. Give the policies another calendar first."
    ]
    for policy in SlaPolicy.objects.all():
        settings_policies.update_policy(admin_user, policy, {"calendar": support.pk})
    errors = refused(settings_calendars.delete_calendar, admin_user, office)
    assert "default calendar cannot be deleted" in errors["__all__"][0]
    settings_calendars.make_default_calendar(admin_user, support)
    settings_calendars.delete_calendar(admin_user, office)
    assert not BusinessCalendar.objects.filter(pk=office.pk).exists()


def test_a_holiday_is_added_once_per_date(admin_user, office):
    settings_calendars.add_holiday(admin_user, office, {"date": "2026-12-25", "name": "Christmas"})
    errors = refused(
        settings_calendars.add_holiday, admin_user, office, {"date": "2026-12-25", "name": "X"}
    )
    assert errors["date"][0].endswith("is already a holiday (Christmas).")
    errors = refused(settings_calendars.add_holiday, admin_user, office, {"date": "25.12.2026"})
    assert errors == {"date": ["Enter the date as YYYY-MM-DD."]}
    assert list(office.holidays.values_list("name", flat=True)) == ["Christmas"]


def test_pasted_holidays_are_added_and_existing_dates_renamed(admin_user, office):
    settings_calendars.add_holiday(admin_user, office, {"date": "2026-12-25", "name": "Xmas"})
    added, renamed = settings_calendars.paste_holidays(
        admin_user,
        office,
        "2026-12-25 Christmas\n2026-12-26\tBoxing Day\n\n# next year\n2027-01-01 — New Year\n",
    )
    assert (added, renamed) == (2, 1)
    assert list(office.holidays.values_list("date", "name")) == [
        (dt.date(2026, 12, 25), "Christmas"),
        (dt.date(2026, 12, 26), "Boxing Day"),
        (dt.date(2027, 1, 1), "New Year"),
    ]


def test_a_pasted_list_with_a_bad_line_writes_nothing(admin_user, office):
    errors = refused(
        settings_calendars.paste_holidays,
        admin_user,
        office,
        "2026-12-25 Christmas\n2026-13-01 Nothing\n2026-12-25 Again",
    )
    assert errors["text"][0] == (
        "Line 2: “2026-13-01 Nothing” does not start with a date as YYYY-MM-DD."
    )
    assert errors["text"][1].startswith("Line 3: ")
    assert "already a holiday (Christmas)" in errors["text"][1]
    assert not Holiday.objects.exists()


def test_holidays_are_days_off_for_the_sla_clock(admin_user, office):
    settings_calendars.add_holiday(admin_user, office, {"date": "2026-11-24"})
    monday_16 = dt.datetime(2026, 11, 23, 16, 0, tzinfo=UTC)
    preview = settings_calendars.preview("UTC", office.hours, [dt.date(2026, 11, 24)], monday_16)
    # 2 hours on Monday, Tuesday is a holiday, 2 more on Wednesday.
    assert preview["working_now"] is True
    assert preview["due"] == "Wednesday, 25 November 11:00"


def test_preview_starts_the_clock_at_the_next_opening(office):
    saturday = dt.datetime(2026, 11, 28, 12, 0, tzinfo=UTC)
    preview = settings_calendars.preview("Europe/Warsaw", office.hours, (), saturday)
    assert preview["now"] == "Saturday, 28 November 13:00"
    assert preview["working_now"] is False
    assert preview["starts"] == "Monday, 30 November 09:00"
    assert preview["due"] == "Monday, 30 November 13:00"


def test_only_administrators_change_calendars(manager, agent, office):
    for user in (manager, agent):
        with pytest.raises(PermissionDenied):
            settings_calendars.update_calendar(user, office, {"name": "Mine"})
        with pytest.raises(PermissionDenied):
            settings_calendars.add_holiday(user, office, {"date": "2026-12-25"})


# -- SLA policies ----------------------------------------------------------------------------


def policy_data(office, **data):
    return {"name": "VIP", "calendar": office.pk, **data}


def test_cut_off_rule_and_resolution_time_together_are_refused(admin_user, office):
    errors = refused(
        settings_policies.create_policy,
        admin_user,
        policy_data(office, resolution_minutes=480, cutoff_at="14:00", cutoff_next_day_at="11:00"),
    )
    assert errors == {
        "resolution_minutes": [
            "Use either a resolution time or the cut-off rule, not both: clear one of them."
        ]
    }
    # The same through a change: "Key accounts" has the cut-off rule.
    key = SlaPolicy.objects.get(name="Key accounts")
    errors = refused(settings_policies.update_policy, admin_user, key, {"resolution_minutes": 60})
    assert "not both" in errors["resolution_minutes"][0]
    settings_policies.update_policy(
        admin_user, key, {"resolution_minutes": 60, "cutoff_at": None, "cutoff_next_day_at": None}
    )
    key.refresh_from_db()
    assert (key.resolution_minutes, key.cutoff_at) == (60, None)


def test_the_cut_off_rule_needs_both_times(admin_user, office):
    errors = refused(
        settings_policies.create_policy, admin_user, policy_data(office, cutoff_at="14:00")
    )
    assert errors == {
        "cutoff_next_day_at": ["Enter both the cut-off time and the next-day due time."]
    }
    errors = refused(
        settings_policies.create_policy,
        admin_user,
        policy_data(office, cutoff_at="24:00", cutoff_next_day_at="11:00"),
    )
    assert errors == {"cutoff_at": ["24:00 is not a time of day; use 00:00 to 23:59."]}


@pytest.mark.parametrize(
    ("data", "key", "message"),
    [
        ({"first_response_minutes": 0}, "first_response_minutes", "Enter at least one minute"),
        ({"first_response_minutes": -5}, "first_response_minutes", "Enter a number from 0 to"),
        ({"priorities": ["critical"]}, "priorities", "“critical” is not one of the available"),
        ({"categories": [99999]}, "categories", "Choose from the available options."),
        ({"calendar": 99999}, "calendar", "Choose from the available options."),
        ({"calendar": ""}, "calendar", "This field is required."),
        ({"warn_before_minutes": 100000}, "warn_before_minutes", "Enter a number from 0 to"),
        ({"name": " "}, "name", "This field is required."),
    ],
)
def test_bad_policy_input_is_refused(admin_user, office, data, key, message):
    count = SlaPolicy.objects.count()
    errors = refused(settings_policies.create_policy, admin_user, policy_data(office, **data))
    assert errors[key][0].startswith(message)
    assert SlaPolicy.objects.count() == count


def test_escalation_goes_to_an_active_user_only(admin_user, office, manager):
    manager.is_active = False
    manager.save()
    errors = refused(
        settings_policies.create_policy, admin_user, policy_data(office, escalate_to=manager.pk)
    )
    assert errors == {"escalate_to": ["Choose from the available options."]}


def test_a_policy_without_targets_is_allowed_and_its_tickets_have_no_deadlines(
    admin_user, agent, office, customer
):
    quiet = settings_policies.create_policy(
        admin_user, policy_data(office, name="Feature requests", types=["feature"])
    )
    assert settings_policies.targets_text(quiet) == "no deadlines"
    ticket = services.open_ticket(
        agent, {"subject": "Dark mode", "contact": customer.pk, "type": "feature"}
    )
    ticket.refresh_from_db()
    assert ticket.sla_policy == quiet
    assert not ticket.sla_targets.exists() and ticket.next_due_at is None


def test_a_new_policy_goes_before_the_catch_all_so_that_it_applies(
    admin_user, agent, office, customer
):
    vip = settings_policies.create_policy(
        admin_user, policy_data(office, tiers=["priority"], first_response_minutes=30)
    )
    names = list(SlaPolicy.objects.order_by("order").values_list("name", flat=True))
    assert names == ["Urgent", "Key accounts", "VIP", "Standard"]
    ticket = services.open_ticket(
        agent, {"subject": "Help", "contact": customer.pk, "tier": "priority"}
    )
    ticket.refresh_from_db()
    assert ticket.sla_policy == vip


def test_reordering_changes_which_policy_a_ticket_gets(admin_user, agent, customer):
    urgent, key, standard = SlaPolicy.objects.order_by("order")
    settings_policies.reorder_policies(admin_user, [str(standard.pk), key.pk, urgent.pk])
    ticket = services.open_ticket(
        agent, {"subject": "Down", "contact": customer.pk, "priority": "urgent"}
    )
    ticket.refresh_from_db()
    assert ticket.sla_policy == standard
    errors = refused(settings_policies.reorder_policies, admin_user, [urgent.pk, key.pk])
    assert errors == {"ids": ["Name every SLA policy exactly once (there are 3)."]}
    errors = refused(settings_policies.reorder_policies, admin_user, "1,2,3")
    assert errors == {"ids": ["Send the list of ids in their new order."]}


def test_moving_a_policy_up_and_down(admin_user):
    urgent, key, standard = SlaPolicy.objects.order_by("order")
    settings_policies.move_policy(admin_user, standard, "up")
    settings_policies.move_policy(admin_user, urgent, "up")  # already first: stays
    assert list(SlaPolicy.objects.order_by("order")) == [urgent, standard, key]


def test_policies_are_described_in_words(admin_user, office):
    rows = {policy.name: policy for policy in settings_policies.policies_in_order()}
    assert rows["Urgent"].summary == (
        "Urgent · first response 1 h · next response 2 h · resolution 8 h · status update every 2 h"
    )
    assert rows["Key accounts"].summary == (
        "Key account · first response 2 h · next response 4 h · resolution the same day if "
        "received before 14:00, else by 11:00"
    )
    assert rows["Standard"].summary.startswith("All tickets · first response 4 h")
    assert [rows[name].rank for name in ("Urgent", "Key accounts", "Standard")] == [1, 2, 3]
    billing = Category.objects.get(name="Billing")
    late = settings_policies.create_policy(
        admin_user,
        policy_data(
            office,
            name="Late",
            priorities=["high", "urgent"],
            categories=[billing.pk],
            first_response_minutes=90,
        ),
    )
    settings_policies.move_policy(admin_user, late, "down")  # below the catch-all "Standard"
    rows = {policy.name: policy for policy in settings_policies.policies_in_order()}
    assert rows["Late"].summary == ("High or Urgent · category Billing · first response 1 h 30 min")
    assert rows["Late"].shadowed_by == "Standard"
    assert rows["Urgent"].shadowed_by is None


# -- categories ------------------------------------------------------------------------------


def category_choices(registry) -> list[str]:
    return [str(name) for _pk, name in registry.get("ticket").field("category").choices]


def test_a_new_category_is_offered_by_the_ticket_form_at_once(admin_user, registry):
    assert "Hardware" not in category_choices(registry)
    hardware = settings_categories.create_category(admin_user, {"name": "Hardware"})
    assert "Hardware" in category_choices(registry)
    settings_categories.update_category(admin_user, hardware, {"name": "Devices"})
    assert "Devices" in category_choices(registry)
    assert "Hardware" not in category_choices(registry)
    assert Category.objects.order_by("order").last() == hardware


def test_a_category_name_is_unique_ignoring_case(admin_user):
    errors = refused(settings_categories.create_category, admin_user, {"name": "billing"})
    assert errors == {"name": ["Another category has this name."]}


def test_a_category_in_use_is_not_deleted_but_can_be_deactivated(
    admin_user, agent, customer, registry
):
    billing = Category.objects.get(name="Billing")
    services.open_ticket(
        agent, {"subject": "Invoice", "contact": customer.pk, "category": billing.pk}
    )
    errors = refused(settings_categories.delete_category, admin_user, billing)
    assert errors["__all__"][0].startswith("1 ticket has this category, so it cannot be deleted.")
    settings_categories.update_category(admin_user, billing, {"active": False})
    billing.refresh_from_db()
    assert not billing.active


def test_a_category_a_policy_or_mailbox_names_is_not_deleted(admin_user, office):
    technical = Category.objects.get(name="Technical")
    settings_policies.create_policy(admin_user, policy_data(office, categories=[technical.pk]))
    errors = refused(settings_categories.delete_category, admin_user, technical)
    assert "The SLA policy “VIP” names this category" in errors["__all__"][0]
    general = Category.objects.get(name="General")
    settings_mailboxes.create_mailbox(
        admin_user, {**MAILBOX, "name": "Help", "category": general.pk}
    )
    errors = refused(settings_categories.delete_category, admin_user, general)
    assert "The mailbox “Help” files new tickets under this category" in errors["__all__"][0]


def test_an_unused_category_is_deleted_and_leaves_the_ticket_form(admin_user, registry):
    spare = settings_categories.create_category(admin_user, {"name": "Spare"})
    settings_categories.delete_category(admin_user, spare)
    assert "Spare" not in category_choices(registry)


def test_categories_are_reordered(admin_user):
    general, billing, technical = Category.objects.order_by("order")
    settings_categories.move_category(admin_user, technical, "up")
    assert list(Category.objects.order_by("order")) == [general, technical, billing]
    settings_categories.reorder_categories(admin_user, [billing.pk, general.pk, technical.pk])
    assert list(Category.objects.order_by("order")) == [billing, general, technical]


def test_a_category_default_team_must_exist(admin_user, teams):
    errors = refused(
        settings_categories.create_category, admin_user, {"name": "Network", "team": 99999}
    )
    assert errors == {"team": ["Choose from the available options."]}
    network = settings_categories.create_category(
        admin_user, {"name": "Network", "team": teams["south"].pk}
    )
    assert network.team == teams["south"]


# -- mailboxes -------------------------------------------------------------------------------

MAILBOX = {
    "name": "Support",
    "address": "Support@Example.com",
    "imap_host": "imap.example.com",
    "username": "support",
    "password": " secret with spaces ",
    "smtp_host": "smtp.example.com",
    "smtp_username": "support",
    "smtp_password": "smtp-secret",
}


def test_a_mailbox_is_added_with_sensible_defaults(admin_user):
    mailbox = settings_mailboxes.create_mailbox(admin_user, MAILBOX)
    assert mailbox.address == "support@example.com"
    assert (mailbox.imap_port, mailbox.imap_security, mailbox.folder) == (993, "ssl", "INBOX")
    assert (mailbox.smtp_port, mailbox.smtp_security) == (587, "starttls")
    assert mailbox.password == " secret with spaces "


def test_a_new_mailbox_needs_a_password(admin_user):
    errors = refused(settings_mailboxes.create_mailbox, admin_user, {**MAILBOX, "password": ""})
    assert errors == {"password": ["This field is required."]}


def test_passwords_left_out_are_kept_and_the_smtp_one_can_be_removed(admin_user):
    mailbox = settings_mailboxes.create_mailbox(admin_user, MAILBOX)
    settings_mailboxes.update_mailbox(
        admin_user, mailbox, {"name": "Help desk", "password": "", "smtp_password": ""}
    )
    mailbox.refresh_from_db()
    assert (mailbox.name, mailbox.password, mailbox.smtp_password) == (
        "Help desk",
        " secret with spaces ",
        "smtp-secret",
    )
    settings_mailboxes.update_mailbox(
        admin_user, mailbox, {"smtp_password": None, "smtp_username": ""}
    )
    mailbox.refresh_from_db()
    assert (mailbox.smtp_password, mailbox.password) == ("", " secret with spaces ")


@pytest.mark.parametrize(
    ("data", "key", "message"),
    [
        ({"address": "not an address"}, "address", "Enter an email address"),
        ({"imap_host": "imap example com"}, "imap_host", "Enter a host name"),
        ({"smtp_port": "70000"}, "smtp_port", "Enter a number from 1 to 65535."),
        ({"imap_security": "tls13"}, "imap_security", "Choose one of the available options."),
        ({"processed_folder": "inbox"}, "processed_folder", "Move processed mail to another"),
        ({"smtp_username": ""}, "smtp_username", "Enter the SMTP user name"),
        ({"password": "a\nb"}, "password", "Enter a single line of text."),
        ({"team": "99999"}, "team", "Choose from the available options."),
    ],
)
def test_bad_mailbox_input_is_refused(admin_user, data, key, message):
    errors = refused(settings_mailboxes.create_mailbox, admin_user, {**MAILBOX, **data})
    assert errors[key][0].startswith(message)
    assert not Mailbox.objects.exists()


def test_two_mailboxes_do_not_read_one_address(admin_user):
    settings_mailboxes.create_mailbox(admin_user, MAILBOX)
    errors = refused(
        settings_mailboxes.create_mailbox, admin_user, {**MAILBOX, "address": "support@EXAMPLE.com"}
    )
    assert errors == {"address": ["Another mailbox reads this address."]}


def test_testing_the_connection_without_the_mail_module_says_so(admin_user, monkeypatch):
    mailbox = settings_mailboxes.create_mailbox(admin_user, MAILBOX)
    monkeypatch.setattr(settings_mailboxes, "_transport", lambda: None)
    errors = refused(settings_mailboxes.check_mailbox, admin_user, mailbox)
    assert "the mail module is not installed" in errors["__all__"][0]


def test_testing_the_connection_signs_in_to_the_real_servers(admin_user, imap_server, smtp_server):
    """Dovecot and aiosmtpd on 127.0.0.1: the right passwords pass, a wrong one is named."""
    mailbox = settings_mailboxes.create_mailbox(
        admin_user,
        {
            **MAILBOX,
            "imap_host": imap_server.host,
            "imap_port": imap_server.port,
            "imap_security": "none",
            "username": imap_server.username,
            "password": imap_server.password,
            "smtp_host": smtp_server.host,
            "smtp_port": smtp_server.port,
            "smtp_security": "none",
            "smtp_username": smtp_server.username,
            "smtp_password": smtp_server.password,
        },
    )
    assert settings_mailboxes.check_mailbox(admin_user, mailbox) == []
    mailbox.refresh_from_db()
    assert mailbox.last_checked_at is not None and mailbox.last_error == ""
    settings_mailboxes.update_mailbox(admin_user, mailbox, {"smtp_password": "wrong"})
    problems = settings_mailboxes.check_mailbox(admin_user, mailbox)
    assert len(problems) == 1 and "SMTP" in problems[0]
    mailbox.refresh_from_db()
    assert mailbox.last_error == problems[0]
