"""The service-desk settings in a real browser: an administrator types working hours and sees
the preview follow them, adds holidays, switches a policy to the cut-off rule, and reorders
policies by dragging and with the keyboard. Screenshots of the calendar and policy pages go
to test-artifacts/."""

import re

import pytest
from playwright.sync_api import expect

from .conftest import log_in, shot

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def administrator(django_user_model):
    from kartoteka.accounts.models import Role

    return django_user_model.objects.create_user(
        username="ada",
        password="correct horse battery",
        first_name="Ada",
        role=Role.objects.get(key="administrator"),
    )


def policy_names():
    from kartoteka.service.models import SlaPolicy

    return list(SlaPolicy.objects.order_by("order", "id").values_list("name", flat=True))


def test_administrator_edits_a_calendar_and_sees_the_preview(page, administrator):
    from kartoteka.service.models import BusinessCalendar

    office = BusinessCalendar.objects.get(is_default=True)
    log_in(page, "ada", "correct horse battery")
    page.goto(page.base_url + "/service/settings/")
    page.get_by_role("link", name=re.compile("Business calendars")).first.click()
    page.get_by_role("link", name="Office hours", exact=True).click()
    preview = page.locator("#calendar-preview")
    expect(preview).to_contain_text("A request received now is due for a 4-working-hour target")

    page.get_by_label("Time zone").select_option("Europe/Warsaw")
    monday = page.get_by_label("Monday")
    monday.fill("09:00–13:00, 12:00–18:00")
    monday.press("Tab")
    expect(preview).to_contain_text("Correct the working hours")
    monday.fill("09:00–13:00, 14:00–18:00")
    page.get_by_label("Saturday").fill("10:00–14:00")
    page.get_by_label("Saturday").press("Tab")
    expect(preview).to_contain_text("in Europe/Warsaw")

    adding = page.locator("#holiday-add")
    adding.get_by_label("Date").fill("2026-12-25")
    adding.get_by_label("Name").fill("Christmas")
    adding.get_by_role("button", name="Add").click()
    expect(page.locator("#holidays")).to_contain_text("Christmas")
    page.get_by_label("Add many at once").fill("2026-12-26 Boxing Day\n2027-01-01 New Year")
    page.get_by_role("button", name="Add these holidays").click()
    expect(page.locator(".alert-success")).to_contain_text("2 holidays were added.")

    monday = page.get_by_label("Monday")
    monday.fill("09:00–13:00, 14:00–18:00")
    page.get_by_label("Time zone").select_option("Europe/Warsaw")
    page.get_by_label("Tuesday").fill("25:00–26:00")
    page.get_by_role("button", name="Save").click()
    expect(page.locator("#calendar-form")).to_contain_text("25:00 is not a time of day")
    shot(page, "service-settings-calendar-error")
    page.get_by_label("Tuesday").fill("09:00–18:00")
    page.get_by_role("button", name="Save").click()
    expect(page.locator(".alert-success")).to_contain_text("The calendar was saved.")
    office.refresh_from_db()
    assert office.time_zone == "Europe/Warsaw"
    assert office.hours["0"] == [[540, 780], [840, 1080]]
    page.goto(page.base_url + f"/service/settings/calendars/{office.pk}/edit/")
    expect(page.get_by_label("Monday")).to_have_value("09:00–13:00, 14:00–18:00")
    expect(preview).to_contain_text("4-working-hour target")
    shot(page, "service-settings-calendar")
    # The refused save answered 422, as refused forms do; nothing else went wrong.
    assert [e for e in page.console_errors if "status of 422" not in e] == []


def test_administrator_edits_and_reorders_policies(page, administrator):
    from kartoteka.service.models import SlaPolicy

    log_in(page, "ada", "correct horse battery")
    page.goto(page.base_url + "/service/settings/policies/")
    expect(page.locator("tbody")).to_contain_text("Urgent · first response 1 h")

    standard = SlaPolicy.objects.get(name="Standard")
    page.goto(page.base_url + f"/service/settings/policies/{standard.pk}/edit/")
    cutoff = page.get_by_label("Cut-off time")
    expect(cutoff).to_be_hidden()
    page.get_by_label("Resolution target").select_option("cutoff")
    expect(cutoff).to_be_visible()
    cutoff.fill("15:00")
    page.get_by_label("Next-day due time").fill("10:30")
    page.get_by_label("Billing").check()
    page.get_by_label("Key account").check()
    shot(page, "service-settings-policy")
    page.get_by_role("button", name="Save").click()
    expect(page.locator(".alert-success")).to_contain_text("The SLA policy was saved.")
    standard.refresh_from_db()
    assert (standard.resolution_minutes, standard.cutoff_at, standard.cutoff_next_day_at) == (
        None,
        900,
        630,
    )
    row = page.locator(f"#policy-{standard.pk}")
    expect(row).to_contain_text("Key account · category Billing")
    expect(row).to_contain_text("else by 10:30")

    # Drag "Standard" above "Urgent".
    handle = row.locator(".kt-drag-handle")
    urgent = page.locator("tbody tr", has_text="Urgent").first.locator(".kt-drag-handle")
    handle.drag_to(urgent)
    expect(page.locator("#order-status")).to_contain_text("The order of the policies was saved.")
    assert policy_names() == ["Standard", "Urgent", "Key accounts"]

    # The same without a mouse: the "down" button of Standard, with the keyboard.
    page.reload()
    page.get_by_role("button", name="Move “Standard” down").focus()
    page.keyboard.press("Enter")
    page.wait_for_load_state()
    expect(page.locator("tbody tr").first).to_contain_text("Urgent")
    assert policy_names() == ["Urgent", "Standard", "Key accounts"]
    shot(page, "service-settings-policies")

    page.get_by_role("link", name="Categories").click()
    page.get_by_label("New category").fill("Hardware")
    page.get_by_role("button", name="Add category").click()
    expect(page.locator("tbody")).to_contain_text("Hardware")
    shot(page, "service-settings-categories")
    page.get_by_role("link", name="Mailboxes").click()
    page.get_by_role("link", name="New mailbox").click()
    shot(page, "service-settings-mailbox")
    assert page.console_errors == []
