"""The sales settings in a real browser: an administrator drags a stage to a new place (and
moves one with the keyboard), sees the order kept after a reload, adds a currency and makes
it the base. Screenshots of the pipelines and currencies pages go to test-artifacts/."""

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


@pytest.fixture
def sales_settings(administrator):
    """Transactional tests may or may not have the data migration's rows (a flush removes
    them): start from none and build them through the services."""
    from kartoteka.sales import settings_money, settings_pipelines
    from kartoteka.sales.models import Currency, Deal, Pipeline
    from kartoteka.sales.services import create_deal

    Deal.objects.all().delete()
    Pipeline.objects.all().delete()
    Currency.objects.all().delete()
    pipeline = settings_pipelines.create_pipeline(None, {"name": "Sales"})
    settings_pipelines.create_stage(None, pipeline, {"name": "Qualification", "probability": 20})
    settings_pipelines.create_stage(None, pipeline, {"name": "Proposal", "probability": 50})
    settings_pipelines.create_pipeline(None, {"name": "Partners"})
    settings_money.create_currency(None, {"code": "EUR", "name": "Euro", "rate": "1"})
    settings_money.create_currency(None, {"code": "USD", "name": "US dollar", "rate": "0.92"})
    create_deal(administrator, {"name": "Big order", "amount": "100", "currency": "USD"})
    return pipeline


def stage_names(pipeline) -> list[str]:
    return list(pipeline.stages.order_by("order", "id").values_list("name", flat=True))


def row_names(page, pipeline) -> list[str]:
    return page.locator(f"#pipeline-{pipeline.pk} [data-stage-name]").all_inner_texts()


def test_administrator_reorders_stages_and_changes_the_base_currency(
    page, administrator, sales_settings
):
    pipeline = sales_settings
    assert stage_names(pipeline) == ["New", "Qualification", "Proposal", "Won", "Lost"]
    log_in(page, "ada", "correct horse battery")
    page.goto(page.base_url + "/sales/settings/")
    page.get_by_role("link", name=re.compile("Pipelines and stages")).first.click()
    expect(page.locator(f"#pipeline-{pipeline.pk}")).to_contain_text("1 deal")
    shot(page, "sales-settings-pipelines")

    # Drag "Proposal" by its handle above "New".
    section = page.locator(f"#pipeline-{pipeline.pk}")
    proposal = section.locator("tr", has_text="Proposal").locator(".kt-drag-handle")
    new = section.locator("tr", has_text="New").locator(".kt-drag-handle")
    proposal.drag_to(new)
    expect(page.locator("#order-status")).to_contain_text("The order of the stages was saved.")
    assert stage_names(pipeline) == ["Proposal", "New", "Qualification", "Won", "Lost"]
    expect(section.locator("tr").nth(1).locator("[data-move=up]")).to_be_disabled()
    page.reload()
    assert row_names(page, pipeline) == ["Proposal", "New", "Qualification", "Won", "Lost"]

    # The same without a mouse: focus the "down" button of Proposal and press Enter.
    page.get_by_role("button", name="Move “Proposal” down").focus()
    page.keyboard.press("Enter")
    page.wait_for_load_state()
    expect(page.locator(".kt-messages")).to_have_count(0)
    assert row_names(page, pipeline) == ["New", "Proposal", "Qualification", "Won", "Lost"]
    assert stage_names(pipeline) == ["New", "Proposal", "Qualification", "Won", "Lost"]

    # A refused deletion is explained.
    page.once("dialog", lambda dialog: dialog.accept())
    section.get_by_role("button", name="Delete “New”").click()
    expect(page.locator(".kt-messages")).to_contain_text(
        "1 deal is in the stage “New”; move it to another stage before deleting the stage."
    )

    # Currencies: add one, then make US dollar the base.
    page.goto(page.base_url + "/sales/settings/currencies/")
    page.fill("#id_code", "PLN")
    page.fill("#id_name", "Polish zloty")
    page.fill("#id_rate", "0.23")
    page.get_by_role("button", name="Add").click()
    expect(page.locator("#currencies")).to_contain_text("1 PLN = 0.23 EUR")
    shot(page, "sales-settings-currencies")
    page.once("dialog", lambda dialog: dialog.accept())
    page.locator("tr[data-currency=USD]").get_by_role("button", name="Make base").click()
    expect(page.locator(".kt-messages")).to_contain_text("USD is now the base currency")
    expect(page.locator("tr[data-currency=EUR] [data-rate]")).to_have_text("1 EUR = 1.086957 USD")
    shot(page, "sales-settings-currencies-usd-base")

    # Reasons and channel costs render too.
    page.goto(page.base_url + "/sales/settings/reasons/")
    page.fill("#id_loss-name", "Went silent")
    page.locator("#reasons-loss").get_by_role("button", name="Add").click()
    expect(page.locator("#reasons-loss")).to_contain_text("Went silent")
    shot(page, "sales-settings-reasons")
    page.goto(page.base_url + "/sales/settings/costs/new/")
    page.select_option("#id_source", "exhibition")
    page.fill("#id_period_start", "2025-05-10")
    page.fill("#id_period_end", "2025-05-01")
    page.fill("#id_amount", "1200")
    page.get_by_role("button", name="Add").click()
    expect(page.locator("main")).to_contain_text(
        "The end of the period cannot be before its start."
    )
    page.fill("#id_period_end", "2025-05-12")
    page.get_by_role("button", name="Add").click()
    expect(page.locator("#costs")).to_contain_text("Exhibition")
    shot(page, "sales-settings-costs")
    unexpected = [e for e in page.console_errors if "status of 422" not in e]
    assert unexpected == []
