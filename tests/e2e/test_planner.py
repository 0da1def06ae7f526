"""The next step, as a manager lives it in a real browser: open a lead, plan a task in the
Next steps panel, mark it done, get asked for the next step, and find the day's work on
My day and in the calendar."""

import re

import pytest
from playwright.sync_api import expect

from .conftest import ARTIFACTS, log_in

pytestmark = pytest.mark.django_db(transaction=True)


def snap(page, name: str) -> None:
    """Like conftest's `shot`, but keeps the caret: Playwright hides it by injecting a style,
    which this site's CSP rightly refuses, and the refusal would read as an app error."""
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True, caret="initial")


@pytest.fixture
def anna(django_user_model):
    from kartoteka.accounts.models import Role

    return django_user_model.objects.create_user(
        username="anna",
        password="correct horse battery",
        first_name="Anna",
        last_name="Kowalska",
        email="anna@example.com",
        role=Role.objects.get(key="manager"),
    )


def test_plan_complete_and_plan_the_next_step(page, anna, make):
    lead = make("lead", anna, first_name="Jan", last_name="Nowak", owner=anna)
    log_in(page, "anna", "correct horse battery")
    page.goto(f"{page.base_url}/e/lead/{lead.pk}/")
    panel = page.locator("#next-steps")
    expect(panel).to_contain_text("No next step planned")
    snap(page, "planner-card-no-next-step")

    # the form is not on the card until asked for
    expect(panel.get_by_label("Task")).to_have_count(0)
    panel.get_by_role("link", name="Add task").click()
    expect(page.locator("#ns-title")).to_be_focused()

    # a mistake comes back in the panel (a 422 the page swaps in), and nothing is planned
    panel.get_by_label("Task").evaluate("input => input.removeAttribute('required')")
    panel.get_by_role("button", name="Plan task").click()
    expect(page.locator("#next-steps .invalid-feedback")).to_contain_text("Enter a title.")
    expect(page.locator("#next-steps [data-task]")).to_have_count(0)
    # Chromium logs every 4xx answer to the console; this one was the point of the step
    page.console_errors[:] = [e for e in page.console_errors if "status of 422" not in e]

    panel.get_by_label("Task").fill("Call Jan about the offer")
    panel.get_by_label("Type").select_option("call")
    panel.get_by_label("Time").fill("15:30")
    panel.get_by_label("Priority").select_option("high")
    panel.get_by_role("button", name="Plan task").click()
    expect(page.locator("#next-steps [data-task]")).to_have_count(1)
    expect(page.locator("#next-steps")).to_contain_text("Call Jan about the offer")
    expect(page.locator("#next-steps")).not_to_contain_text("No next step planned")
    # the form closed; "Add task" has the focus for one more
    expect(panel.get_by_role("link", name="Add task")).to_be_focused()
    snap(page, "planner-card-task-planned")

    page.locator("#next-steps [data-done]").first.click()
    expect(page.locator("#next-steps")).to_contain_text("What is the next step?")
    expect(page.locator("#ns-title")).to_be_focused()
    snap(page, "planner-card-next-step-prompt")

    # the prompt's form is ready: type the next step straight away
    page.keyboard.type("Send the contract")
    page.locator("#ns-title").press("Enter")
    expect(page.locator("#next-steps")).to_contain_text("Send the contract")
    expect(page.locator("#next-steps [data-task]")).to_have_count(1)

    # the timeline records both, after a reload
    page.reload()
    expect(page.locator("#timeline-box")).to_contain_text("Task done")
    expect(page.locator("#timeline-box")).to_contain_text("Task planned")

    page.locator("[data-nav='planner.my_day']").click()
    expect(page).to_have_url(re.compile(r"/planner/$"))
    today = page.locator("[data-section=today]")
    expect(today).to_contain_text("Send the contract")
    expect(today).to_contain_text("Jan Nowak")
    expect(page.locator("[data-section=done]")).to_contain_text("Call Jan about the offer")
    snap(page, "planner-my-day")

    today.locator("[data-done]").first.click()
    expect(today.locator(".kt-done")).to_have_count(1)
    expect(today).to_contain_text("Plan the next step")

    page.get_by_role("link", name="Calendar", exact=True).click()
    expect(page.locator(".kt-calendar")).to_contain_text("Send the contract")
    expect(page.locator("#feed-url")).to_have_value(re.compile(r"/planner/feed/[0-9a-f]{64}\.ics$"))
    snap(page, "planner-calendar-week")
    page.get_by_role("link", name="Month").click()
    expect(page.locator("h1")).to_contain_text(re.compile(r"\d{4}"))
    expect(page.locator(".kt-calendar")).not_to_have_class(re.compile("kt-week"))
    assert page.locator(".kt-calendar td").count() in (28, 35, 42)
    expect(page.locator(".kt-calendar td.kt-today")).to_contain_text("Send the contract")
    snap(page, "planner-calendar-month")
    assert page.console_errors == []


def test_add_task_brings_the_form_into_the_panel_from_the_keyboard(page, anna, make, browser):
    from django.contrib.auth import get_user_model

    from kartoteka.accounts.models import Role

    get_user_model().objects.create_user(
        username="boris", first_name="Boris", last_name="Lis", role=Role.objects.get(key="manager")
    )
    contact = make("contact", anna, first_name="Jan", last_name="Nowak", owner=anna)
    log_in(page, "anna", "correct horse battery")
    page.goto(f"{page.base_url}/e/contact/{contact.pk}/")
    panel = page.locator("#next-steps")
    add = panel.get_by_role("link", name="Add task")
    expect(add).to_be_visible()
    # the first paint carries no form and no list of people to give the task to
    expect(page.locator("#next-step-form")).to_have_count(0)
    expect(page.locator("select[name=assignee]")).to_have_count(0)
    snap(page, "planner-card-add-task-closed")

    add.focus()
    page.keyboard.press("Enter")
    expect(page.locator("#ns-title")).to_be_focused()
    expect(add).to_have_count(0)
    expect(panel.get_by_label("Assignee")).to_have_value(str(anna.pk))
    expect(panel.get_by_label("Assignee")).to_contain_text("Boris Lis")
    snap(page, "planner-card-add-task-open")

    page.keyboard.type("Send the price list")
    panel.get_by_label("Type").select_option("email")
    panel.get_by_label("Assignee").select_option(label="Boris Lis")
    panel.get_by_role("button", name="Plan task").click()
    task = panel.locator("[data-task]")
    expect(task).to_have_count(1)
    expect(task).to_contain_text("Send the price list")
    expect(task).to_contain_text("Boris Lis")
    expect(page.locator("#next-step-form")).to_have_count(0)
    expect(panel.get_by_role("link", name="Add task")).to_be_focused()
    assert page.console_errors == []

    # without JavaScript the same link opens the task page, which saves back to the card
    context = browser.new_context(java_script_enabled=False, locale="en-GB")
    try:
        plain = context.new_page()
        plain.base_url = page.base_url
        log_in(plain, "anna", "correct horse battery")
        plain.goto(f"{page.base_url}/e/contact/{contact.pk}/")
        plain.locator("#next-steps").get_by_role("link", name="Add task").click()
        expect(plain.locator("h1")).to_have_text("New task")
        expect(plain.locator("[data-record]")).to_contain_text("Jan Nowak")
        snap(plain, "planner-new-task-page-no-js")
        plain.get_by_label("Task").fill("Visit the office")
        plain.get_by_role("button", name="Save").click()
        expect(plain).to_have_url(f"{page.base_url}/e/contact/{contact.pk}/")
        expect(plain.locator("#next-steps [data-task]")).to_have_count(2)
        expect(plain.locator("#next-steps")).to_contain_text("Visit the office")
    finally:
        context.close()
