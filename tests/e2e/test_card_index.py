"""The foundation as a new user meets it, in a real browser: log in, create a custom entity
"Supplier" with three fields and a relation to Company, create records, see them linked on
both cards, add a note, find the record through global search, switch to Russian."""

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
        last_name="Admin",
        email="ada@example.com",
        role=Role.objects.get(key="administrator"),
    )


def add_field(page, label: str, type_value: str, choices: str = "") -> None:
    page.get_by_role("link", name=re.compile("Add field|New field")).first.click()
    page.fill("#id_label", label)
    page.select_option("select[name=type]", type_value)
    if choices:
        page.fill("textarea[name=choices]", choices)
    page.locator("main form button[type=submit]").first.click()
    expect(page.locator("main")).to_contain_text(label)


def test_new_user_builds_a_supplier_card_index(page, administrator):
    log_in(page, "ada", "correct horse battery")
    expect(page.locator("nav.kt-navbar")).to_contain_text("Companies")

    # A custom entity with three fields; the key follows the name as it is typed.
    page.goto(page.base_url + "/settings/entities/new/")
    page.fill("#id_label", "Supplier")
    expect(page.locator("#id_key")).to_have_value("supplier")
    page.fill("#id_label_plural", "Suppliers")
    page.locator("main form button[type=submit]").first.click()
    page.goto(page.base_url + "/settings/entities/supplier/fields/")
    add_field(page, "Contract number", "text")
    add_field(page, "Rating", "number")
    add_field(page, "Category", "choice", "Food\nPackaging\nLogistics")
    shot(page, "settings-fields")

    # A relation between suppliers and companies.
    page.goto(page.base_url + "/settings/relations/new/")
    page.select_option("select[name=from_entity]", "supplier")
    page.select_option("select[name=to_entity]", "company")
    page.fill("input[name=label]", "Customers")
    page.fill("input[name=reverse_label]", "Suppliers")
    page.locator("main form button[type=submit]").first.click()
    expect(page.locator("main")).to_contain_text("Customers")

    # The new entity is in the navigation, with a list and a form of its own.
    page.goto(page.base_url + "/")
    page.locator("nav").get_by_role("link", name="Suppliers").click()
    expect(page.locator("h1")).to_contain_text("Suppliers")

    # A company, created through its form.
    page.goto(page.base_url + "/e/company/new/")
    page.fill("#id_name", "Baltic Foods")
    page.fill("#id_phones", "+48 58 555 01 02")
    page.locator("main form button[type=submit]", has_text="Create").first.click()
    expect(page.locator("#card-title")).to_have_text("Baltic Foods")
    company_url = page.url

    # A supplier with its custom fields; bad input is refused with a message first.
    page.goto(page.base_url + "/e/supplier/new/")
    page.fill("#id_name", "Nordic Packaging")
    page.fill("#id_contract_number", "K-2026/17")
    page.fill("#id_rating", "not a number")
    page.select_option("#id_category", "Packaging")
    page.locator("main form button[type=submit]", has_text="Create").first.click()
    expect(page.locator(".invalid-feedback")).to_contain_text("Enter a number")
    page.fill("#id_rating", "4,5")
    page.locator("main form button[type=submit]", has_text="Create").first.click()
    expect(page.locator("#card-title")).to_have_text("Nordic Packaging")
    card = page.locator("main")
    expect(card.locator("dd[data-field=rating]")).to_contain_text("4.5")
    expect(card.locator("dd[data-field=category]")).to_have_text("Packaging")
    supplier_url = page.url

    # Link the company from the supplier's card with the type-ahead picker. The card's
    # scripts are deferred: typing before they run would type into a plain field.
    page.wait_for_load_state("domcontentloaded")
    group = page.locator("[data-relation]").first
    group.locator("input[data-lookup]").fill("Balt")
    group.locator("[data-lookup-id]").first.click()
    group.get_by_role("button", name="Link").click()
    expect(page.locator("[data-relation]").first).to_contain_text("Baltic Foods")

    # A note, added inline, lands on top of the timeline without a page load.
    page.fill("#activity-body", "Agreed on the 2027 price list.")
    page.get_by_role("button", name="Add to timeline").click()
    expect(page.locator("#timeline li").first).to_contain_text("Agreed on the 2027 price list.")
    expect(page.locator("#timeline")).to_contain_text("Linked")
    shot(page, "supplier-card")

    # The other end shows the link too.
    page.goto(company_url)
    expect(page.locator("[data-relation]").first).to_contain_text("Nordic Packaging")
    expect(page.locator("[data-relation]").first).to_contain_text("Suppliers")
    shot(page, "company-card")

    # Global search with type-ahead: "/" focuses it.
    page.keyboard.press("/")
    page.keyboard.type("nordic pack")
    suggestion = page.locator("#search-suggestions a", has_text="Nordic Packaging")
    expect(suggestion).to_be_visible()
    suggestion.click()
    page.wait_for_url(supplier_url)

    # Switch to Russian on the profile page; the interface follows.
    page.goto(page.base_url + "/accounts/profile/")
    page.select_option("select[name=language]", "ru")
    page.locator("main form button[type=submit]").first.click()
    page.goto(supplier_url)
    expect(page.locator("nav.kt-navbar")).to_contain_text("Компании")
    expect(page.get_by_role("button", name="Добавить в историю")).to_be_visible()
    shot(page, "supplier-card-ru")

    # The refused form above answers 422 on purpose; Chromium logs every 4xx page load.
    unexpected = [e for e in page.console_errors if "status of 422" not in e]
    assert unexpected == []
