"""The service-desk settings pages as an administrator uses them (and as others are kept out):
calendars with hours typed as text, holidays and a live preview; SLA policies in order with
their summaries, drag-and-drop and button reordering; categories; mailboxes whose passwords
never come back to the browser. Refusals are shown in words, hostile names as text."""

import pytest
from django.urls import reverse
from django.utils.html import strip_tags

from kartoteka.service import settings_calendars, settings_categories, settings_mailboxes
from kartoteka.service.models import BusinessCalendar, Category, Holiday, Mailbox, SlaPolicy

pytestmark = pytest.mark.django_db

PAGES = [
    "service:settings",
    "service:settings_calendars",
    "service:settings_calendar_create",
    "service:settings_policies",
    "service:settings_policy_create",
    "service:settings_categories",
    "service:settings_mailboxes",
    "service:settings_mailbox_create",
]
OFFICE_FORM = {
    "name": "Office hours",
    "time_zone": "UTC",
    **{f"hours_{day}": "09:00–18:00" for day in range(5)},
    "hours_5": "",
    "hours_6": "",
}
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


@pytest.fixture
def admin_client(client, admin_user):
    client.force_login(admin_user)
    return client


@pytest.fixture
def office():
    return BusinessCalendar.objects.get(is_default=True)


@pytest.fixture
def mailbox(admin_user):
    return settings_mailboxes.create_mailbox(admin_user, MAILBOX)


def text_of(response) -> str:
    """What a reader sees: the page without its tags (the summary's parts are spans)."""
    return strip_tags(response.content.decode())


def messages_of(response) -> list[str]:
    return [str(message) for message in response.context["messages"]]


def edit_pages(office, mailbox) -> list[str]:
    return [
        reverse("service:settings_calendar_edit", args=[office.pk]),
        reverse("service:settings_policy_edit", args=[SlaPolicy.objects.first().pk]),
        reverse("service:settings_category_edit", args=[Category.objects.first().pk]),
        reverse("service:settings_mailbox_edit", args=[mailbox.pk]),
    ]


@pytest.mark.parametrize("persona", ["manager", "agent", "reader"])
def test_only_administrators_open_the_pages(client, request, persona, office, mailbox):
    client.force_login(request.getfixturevalue(persona))
    for url in [reverse(name) for name in PAGES] + edit_pages(office, mailbox):
        assert client.get(url).status_code == 403, url


def test_others_cannot_post_changes(client, agent, office, mailbox):
    client.force_login(agent)
    general = Category.objects.get(name="General")
    posts = [
        (reverse("service:settings_calendar_edit", args=[office.pk]), OFFICE_FORM),
        (reverse("service:settings_calendar_delete", args=[office.pk]), {}),
        (reverse("service:settings_holiday_add", args=[office.pk]), {"date": "2026-12-25"}),
        (reverse("service:settings_policy_order"), {"ids": [1, 2, 3]}),
        (reverse("service:settings_categories"), {"name": "Mine"}),
        (reverse("service:settings_category_delete", args=[general.pk]), {}),
        (reverse("service:settings_mailbox_check", args=[mailbox.pk]), {}),
        (reverse("service:settings_mailbox_delete", args=[mailbox.pk]), {}),
    ]
    for url, data in posts:
        assert client.post(url, data).status_code == 403, url
    assert not Holiday.objects.exists() and not Category.objects.filter(name="Mine").exists()
    assert Mailbox.objects.exists() and BusinessCalendar.objects.filter(pk=office.pk).exists()


def test_anonymous_visitor_is_sent_to_log_in(client):
    response = client.get(reverse("service:settings_policies"))
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_administrator_opens_every_page(admin_client, office, mailbox):
    for url in [reverse(name) for name in PAGES] + edit_pages(office, mailbox):
        assert admin_client.get(url).status_code == 200, url


def test_landing_page_links_the_four_sections(admin_client):
    html = admin_client.get(reverse("service:settings")).content.decode()
    for name in ("calendars", "policies", "categories", "mailboxes"):
        assert f'href="{reverse("service:settings_" + name)}"' in html


# -- calendars -------------------------------------------------------------------------------


def test_calendars_list_shows_hours_and_who_uses_each(admin_client):
    html = admin_client.get(reverse("service:settings_calendars")).content.decode()
    assert "Mon–Fri 09:00–18:00" in html
    assert "Urgent, Key accounts, Standard" in html


def test_calendar_page_shows_hours_as_typed_and_a_preview(admin_client, office):
    html = admin_client.get(
        reverse("service:settings_calendar_edit", args=[office.pk])
    ).content.decode()
    assert 'value="09:00–18:00"' in html and 'name="hours_5" placeholder="day off"' in html
    assert "A request received now is due for a 4-working-hour target on" in html
    assert '<option value="Europe/Warsaw"' in html  # the time-zone list
    assert 'hx-post="' + reverse("service:settings_calendar_preview", args=[office.pk]) in html


def test_saving_hours_typed_with_two_intervals(admin_client, office):
    response = admin_client.post(
        reverse("service:settings_calendar_edit", args=[office.pk]),
        {**OFFICE_FORM, "hours_0": "9:00-13:00, 14:00-18:00", "hours_5": "10-14"},
    )
    assert response.status_code == 302
    office.refresh_from_db()
    assert office.hours["0"] == [[540, 780], [840, 1080]] and office.hours["5"] == [[600, 840]]


@pytest.mark.parametrize(
    ("typed", "message"),
    [
        ("25:00–26:00", "25:00 is not a time of day; use 00:00 to 23:59."),
        ("09:00–13:00, 12:00–18:00", "12:00–18:00 overlaps 09:00–13:00."),
        ("18:00–09:00", "In 18:00–09:00 the end is not after the start."),
    ],
)
def test_bad_hours_are_shown_by_their_day(admin_client, office, typed, message):
    response = admin_client.post(
        reverse("service:settings_calendar_edit", args=[office.pk]),
        {**OFFICE_FORM, "hours_2": typed},
    )
    assert response.status_code == 422
    form = response.context["form"]
    assert form.errors["hours_2"][0].startswith(message)
    assert message in response.content.decode()
    office.refresh_from_db()
    assert office.hours["2"] == [[540, 1080]]


def test_a_bad_time_zone_is_shown_in_words(admin_client, office):
    response = admin_client.post(
        reverse("service:settings_calendar_edit", args=[office.pk]),
        {**OFFICE_FORM, "time_zone": "Europe/Atlantis"},
    )
    assert response.status_code == 422
    assert "“Europe/Atlantis” is not a time zone" in response.content.decode()


def test_a_new_calendar_goes_on_to_its_holidays(admin_client):
    response = admin_client.post(
        reverse("service:settings_calendar_create"),
        {**OFFICE_FORM, "name": "Warsaw office", "time_zone": "Europe/Warsaw"},
    )
    warsaw = BusinessCalendar.objects.get(name="Warsaw office")
    assert response["Location"].endswith(f"/calendars/{warsaw.pk}/edit/#holidays")
    assert not warsaw.is_default and warsaw.time_zone == "Europe/Warsaw"


def test_holidays_are_added_one_by_one_and_pasted(admin_client, office):
    add = reverse("service:settings_holiday_add", args=[office.pk])
    response = admin_client.post(add, {"date": "2026-12-25", "name": "Christmas"})
    assert response.status_code == 302 and response["Location"].endswith("#holidays")
    response = admin_client.post(add, {"date": "2026-12-25", "name": "Again"})
    assert response.status_code == 422
    assert "is already a holiday (Christmas)." in response.content.decode()
    paste = reverse("service:settings_holidays_paste", args=[office.pk])
    response = admin_client.post(
        paste, {"text": "2026-12-26 Boxing Day\r\n2027-01-01 New Year"}, follow=True
    )
    assert messages_of(response) == ["2 holidays were added."]
    html = response.content.decode()
    assert "Boxing Day" in html and "New Year" in html
    response = admin_client.post(paste, {"text": "tomorrow Party"})
    assert response.status_code == 422
    assert "Line 1: “tomorrow Party” does not start with a date" in response.content.decode()
    holiday = Holiday.objects.get(name="Christmas")
    admin_client.post(reverse("service:settings_holiday_delete", args=[holiday.pk]))
    assert list(office.holidays.values_list("name", flat=True)) == ["Boxing Day", "New Year"]


def test_the_preview_follows_the_form_being_edited(admin_client, office):
    url = reverse("service:settings_calendar_preview", args=[office.pk])
    response = admin_client.post(url, {**OFFICE_FORM, "hours_0": "00:00–24:00"})
    assert response.status_code == 200
    assert "4-working-hour target on" in response.content.decode()
    response = admin_client.post(url, {**OFFICE_FORM, "hours_0": "late"})
    assert "Correct the working hours and the time zone" in response.content.decode()
    new = reverse("service:settings_calendar_preview")
    assert "4-working-hour target" in admin_client.post(new, OFFICE_FORM).content.decode()


def test_deleting_a_calendar_in_use_says_which_policies(admin_client, admin_user, office):
    response = admin_client.post(
        reverse("service:settings_calendar_delete", args=[office.pk]), follow=True
    )
    assert messages_of(response) == [
        "The SLA policies “Urgent”, “Key accounts”, “Standard” use this calendar, so it cannot "
        "be deleted. Give the policies another calendar first."
    ]
    spare = settings_calendars.create_calendar(
        admin_user, {"name": "Spare", "time_zone": "UTC", "hours": {"0": "09:00-10:00"}}
    )
    admin_client.post(reverse("service:settings_calendar_delete", args=[spare.pk]))
    assert not BusinessCalendar.objects.filter(pk=spare.pk).exists()


def test_make_default_button(admin_client, admin_user, office):
    spare = settings_calendars.create_calendar(
        admin_user, {"name": "Spare", "time_zone": "UTC", "hours": {"0": "09:00-10:00"}}
    )
    admin_client.post(reverse("service:settings_calendar_default", args=[spare.pk]))
    assert list(BusinessCalendar.objects.filter(is_default=True)) == [spare]


# -- SLA policies ----------------------------------------------------------------------------


def policy_form(office, **data):
    return {
        "name": "VIP",
        "active": "on",
        "calendar": office.pk,
        "tiers": ["priority"],
        "first_response_hours": "1",
        "first_response_minutes": "30",
        "resolution_rule": "time",
        "resolution_hours": "8",
        "resolution_minutes": "",
        "warn_before_minutes": "20",
        **data,
    }


def test_policies_page_lists_them_in_order_with_their_summaries(admin_client):
    html = text_of(admin_client.get(reverse("service:settings_policies")))
    assert html.index("Urgent · first response 1 h") < html.index("Key account · first")
    assert html.index("Key account · first") < html.index("All tickets · first response 4 h")
    assert "tried first" in html
    page = admin_client.get(reverse("service:settings_policies")).content.decode()
    assert "kartoteka/reorder.js" in page and "Sortable.min.js" in page
    assert "No active policy matches every ticket" not in html


def test_policy_edit_page_shows_targets_as_hours_and_minutes(admin_client):
    key = SlaPolicy.objects.get(name="Key accounts")
    response = admin_client.get(reverse("service:settings_policy_edit", args=[key.pk]))
    form = response.context["form"]
    assert form["first_response_hours"].value() == 2
    assert form["resolution_rule"].value() == "cutoff"
    assert form["cutoff_at"].value() == "14:00" and form["cutoff_next_day_at"].value() == "11:00"
    assert 'data-show-when="id_resolution_rule=cutoff"' in response.content.decode()


def test_creating_a_policy_from_the_form(admin_client, office, manager):
    response = admin_client.post(
        reverse("service:settings_policy_create"),
        policy_form(office, escalate_to=manager.pk, raise_priority="on"),
    )
    assert response.status_code == 302
    vip = SlaPolicy.objects.get(name="VIP")
    assert (vip.first_response_minutes, vip.resolution_minutes) == (90, 480)
    assert (vip.tiers, vip.escalate_to, vip.raise_priority) == (["priority"], manager, True)
    assert (vip.cutoff_at, vip.warn_before_minutes) == (None, 20)
    html = text_of(admin_client.get(reverse("service:settings_policies")))
    assert "Priority · first response 1 h 30 min · resolution 8 h" in html


def test_choosing_the_cut_off_rule_drops_the_resolution_time(admin_client, office):
    admin_client.post(
        reverse("service:settings_policy_create"),
        policy_form(
            office, resolution_rule="cutoff", cutoff_at="14:00", cutoff_next_day_at="11:00"
        ),
    )
    vip = SlaPolicy.objects.get(name="VIP")
    assert (vip.resolution_minutes, vip.cutoff_at, vip.cutoff_next_day_at) == (None, 840, 660)


def test_cut_off_and_resolution_both_set_are_refused_on_the_form(admin_client, office):
    data = policy_form(office, cutoff_at="14:00", cutoff_next_day_at="11:00")
    del data["resolution_rule"]
    response = admin_client.post(reverse("service:settings_policy_create"), data)
    assert response.status_code == 422
    assert "Use either a resolution time or the cut-off rule, not both" in response.content.decode()
    assert not SlaPolicy.objects.filter(name="VIP").exists()


@pytest.mark.parametrize(
    ("data", "field", "message"),
    [
        ({"first_response_minutes": "75"}, "first_response_minutes", "less than or equal to 59"),
        ({"first_response_hours": "one"}, "first_response_hours", "Enter a whole number."),
        ({"resolution_hours": ""}, "resolution_hours", "Enter the resolution time"),
        ({"resolution_rule": "cutoff"}, "cutoff_at", "Enter both the cut-off time"),
        ({"calendar": ""}, "calendar", "This field is required."),
    ],
)
def test_bad_policy_form_input_is_shown_by_its_field(admin_client, office, data, field, message):
    response = admin_client.post(
        reverse("service:settings_policy_create"), policy_form(office, **data)
    )
    assert response.status_code == 422
    assert message in response.context["form"].errors[field][0]
    assert not SlaPolicy.objects.filter(name="VIP").exists()


def test_a_policy_without_targets_can_be_saved_from_the_form(admin_client, office):
    response = admin_client.post(
        reverse("service:settings_policy_create"),
        policy_form(
            office, first_response_hours="", first_response_minutes="", resolution_rule="none"
        ),
    )
    assert response.status_code == 302
    html = text_of(admin_client.get(reverse("service:settings_policies")))
    assert "Priority · no deadlines" in html


def test_drag_and_drop_and_arrow_buttons_reorder_policies(admin_client):
    urgent, key, standard = SlaPolicy.objects.order_by("order")
    url = reverse("service:settings_policy_order")
    response = admin_client.post(url, {"ids": [key.pk, urgent.pk, standard.pk]})
    assert response.status_code == 200 and response.json()["ok"] is True
    assert list(SlaPolicy.objects.order_by("order")) == [key, urgent, standard]
    response = admin_client.post(url, {"ids": [key.pk]})
    assert response.status_code == 422 and "exactly once" in response.json()["message"]
    admin_client.post(
        reverse("service:settings_policy_move", args=[standard.pk]), {"direction": "up"}
    )
    assert list(SlaPolicy.objects.order_by("order")) == [key, standard, urgent]
    html = admin_client.get(reverse("service:settings_policies")).content.decode()
    assert "Never applies: “Standard” comes first" in html


def test_deleting_a_policy(admin_client):
    standard = SlaPolicy.objects.get(name="Standard")
    response = admin_client.post(
        reverse("service:settings_policy_delete", args=[standard.pk]), follow=True
    )
    assert messages_of(response) == ["The SLA policy “Standard” was deleted."]
    assert "No active policy matches every ticket" in response.content.decode()


# -- categories ------------------------------------------------------------------------------


def test_adding_a_category_offers_it_on_the_ticket_form(admin_client, registry, teams):
    response = admin_client.post(
        reverse("service:settings_categories"), {"name": "Hardware", "team": teams["north"].pk}
    )
    assert response.status_code == 302
    hardware = Category.objects.get(name="Hardware")
    assert hardware.team == teams["north"]
    choices = registry.get("ticket").field("category").choices
    assert (hardware.pk, "Hardware") in choices
    ticket_form = admin_client.get(reverse("service:new")).content.decode()
    assert ">Hardware</option>" in ticket_form


def test_category_page_refuses_a_duplicate_name(admin_client):
    response = admin_client.post(reverse("service:settings_categories"), {"name": "BILLING"})
    assert response.status_code == 422
    assert "Another category has this name." in response.content.decode()


def test_a_used_category_offers_deactivation_instead_of_delete(admin_client, admin_user, make):
    billing = Category.objects.get(name="Billing")
    contact = make("contact", first_name="Vera", last_name="Nowak")
    make("ticket", subject="Invoice", contact=contact.pk, category=billing.pk)
    html = admin_client.get(reverse("service:settings_categories")).content.decode()
    assert reverse("service:settings_category_delete", args=[billing.pk]) not in html
    technical = Category.objects.get(name="Technical")
    assert reverse("service:settings_category_delete", args=[technical.pk]) in html
    response = admin_client.post(
        reverse("service:settings_category_delete", args=[billing.pk]), follow=True
    )
    assert "Deactivate it instead" in messages_of(response)[0]
    admin_client.post(
        reverse("service:settings_category_active", args=[billing.pk]), {"active": "0"}
    )
    billing.refresh_from_db()
    assert not billing.active


def test_categories_are_reordered_by_drag_and_by_buttons(admin_client):
    general, billing, technical = Category.objects.order_by("order")
    url = reverse("service:settings_category_order")
    assert admin_client.post(url, {"ids": [technical.pk, general.pk, billing.pk]}).json()["ok"]
    assert list(Category.objects.order_by("order")) == [technical, general, billing]
    admin_client.post(
        reverse("service:settings_category_move", args=[billing.pk]), {"direction": "up"}
    )
    assert list(Category.objects.order_by("order")) == [technical, billing, general]


def test_category_name_with_markup_is_shown_as_text(admin_client, admin_user):
    settings_categories.create_category(admin_user, {"name": "<script>alert(1)</script>"})
    html = admin_client.get(reverse("service:settings_categories")).content.decode()
    assert "<script>alert(1)</script>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html


# -- mailboxes -------------------------------------------------------------------------------


def test_passwords_never_come_back_to_the_browser(admin_client, mailbox):
    html = admin_client.get(
        reverse("service:settings_mailbox_edit", args=[mailbox.pk])
    ).content.decode()
    assert "imap-secret" not in html and "smtp-secret" not in html
    assert "Leave empty to keep the saved password." in html
    assert "Remove the SMTP password" in html


def test_saving_a_mailbox_with_empty_password_boxes_keeps_the_passwords(admin_client, mailbox):
    data = {**MAILBOX, "name": "Help desk", "password": "", "smtp_password": "", "active": "on"}
    data.update(imap_port="993", imap_security="ssl", smtp_port="587", smtp_security="starttls")
    data["folder"] = "INBOX"
    response = admin_client.post(reverse("service:settings_mailbox_edit", args=[mailbox.pk]), data)
    assert response.status_code == 302
    mailbox.refresh_from_db()
    assert (mailbox.name, mailbox.password, mailbox.smtp_password) == (
        "Help desk",
        "imap-secret",
        "smtp-secret",
    )


def test_new_mailbox_form_shows_each_problem_by_its_field(admin_client):
    data = {**MAILBOX, "address": "nobody", "imap_port": "0", "password": ""}
    response = admin_client.post(reverse("service:settings_mailbox_create"), data)
    assert response.status_code == 422
    errors = response.context["form"].errors
    assert "greater than or equal to 1" in errors["imap_port"][0]
    data["imap_port"] = "993"
    response = admin_client.post(reverse("service:settings_mailbox_create"), data)
    errors = response.context["form"].errors
    assert errors["address"] == ["Enter an email address such as support@example.com."]
    assert errors["password"] == ["This field is required."]
    assert not Mailbox.objects.exists()


def test_test_connection_button_without_the_mail_module(admin_client, mailbox, monkeypatch):
    url = reverse("service:settings_mailbox_check", args=[mailbox.pk])
    monkeypatch.setattr(settings_mailboxes, "_transport", lambda: None)
    html = admin_client.get(reverse("service:settings_mailboxes")).content.decode()
    assert "the mail module is not installed" in html and url not in html
    response = admin_client.post(url, follow=True)
    assert "the mail module is not installed" in messages_of(response)[0]


def test_test_connection_button_reports_what_the_servers_said(
    admin_client, admin_user, imap_server, smtp_server
):
    mailbox = settings_mailboxes.create_mailbox(
        admin_user,
        {
            **MAILBOX,
            "imap_host": imap_server.host,
            "imap_port": imap_server.port,
            "imap_security": "none",
            "username": imap_server.username,
            "password": "not the password",
            "smtp_host": smtp_server.host,
            "smtp_port": smtp_server.port,
            "smtp_security": "none",
            "smtp_username": "",
            "smtp_password": "",
        },
    )
    url = reverse("service:settings_mailbox_check", args=[mailbox.pk])
    response = admin_client.post(url, {"next": "edit"}, follow=True)
    assert response.redirect_chain[-1][0].endswith(f"/mailboxes/{mailbox.pk}/edit/")
    [message] = messages_of(response)
    assert message.startswith("The connection test of support@example.com failed: ")
    mailbox.refresh_from_db()
    assert mailbox.last_error and mailbox.last_error in response.content.decode()
    settings_mailboxes.update_mailbox(admin_user, mailbox, {"password": imap_server.password})
    response = admin_client.post(url, follow=True)
    assert messages_of(response) == [
        "support@example.com: signing in to the IMAP and SMTP servers worked."
    ]
    assert "OK" in response.content.decode()


def test_list_pages_run_a_constant_number_of_queries(admin_client, admin_user):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from kartoteka.service import settings_policies

    pages = [
        reverse(f"service:settings_{name}")
        for name in ("calendars", "policies", "categories", "mailboxes")
    ]

    def counts():
        found = []
        for url in pages:
            with CaptureQueriesContext(connection) as queries:
                assert admin_client.get(url).status_code == 200
            found.append(len(queries))
        return found

    counts()  # warm the per-process caches
    before = counts()
    office = BusinessCalendar.objects.get(is_default=True)
    for number in range(3):
        spare = settings_calendars.create_calendar(
            admin_user, {"name": f"Spare {number}", "time_zone": "UTC", "hours": {"0": "9-17"}}
        )
        settings_calendars.add_holiday(admin_user, spare, {"date": f"2026-12-2{number}"})
        category = settings_categories.create_category(admin_user, {"name": f"Extra {number}"})
        settings_policies.create_policy(
            admin_user, {"name": f"P{number}", "calendar": office.pk, "categories": [category.pk]}
        )
        settings_mailboxes.create_mailbox(
            admin_user, {**MAILBOX, "address": f"desk{number}@example.com"}
        )
    counts()
    assert counts() == before
