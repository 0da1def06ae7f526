"""Lists as people use them: filter, save the view, select rows, bulk-delete after a
confirmation; and the duplicate warning that names the owner of an existing client."""

import pytest
from playwright.sync_api import expect

from .conftest import log_in, shot

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def people(django_user_model):
    from kartoteka.accounts.models import Role

    admin = django_user_model.objects.create_user(
        username="ada",
        password="correct horse battery",
        first_name="Ada",
        role=Role.objects.get(key="administrator"),
    )
    owner = django_user_model.objects.create_user(
        username="olek",
        password="x",
        first_name="Olek",
        last_name="Nowak",
        role=Role.objects.get(key="manager"),
    )
    return admin, owner


def test_filter_save_view_and_bulk_delete(page, people, make):
    admin, _owner = people
    for name, industry in [
        ("Retail One", "retail"),
        ("Retail Two", "retail"),
        ("Logistics Co", "logistics"),
    ]:
        make("company", name=name, industry=industry)
    log_in(page, "ada", "correct horse battery")
    page.goto(page.base_url + "/e/company/")
    page.select_option("#filter-industry", "retail")
    page.get_by_role("button", name="Apply").click()
    rows = page.locator("#list-rows tr")
    expect(rows).to_have_count(2)

    page.fill("#view-name", "Retail clients")
    page.get_by_role("button", name="Save view").click()
    expect(page.locator(".alert-success")).to_contain_text("Retail clients")
    page.goto(page.base_url + "/e/company/")
    page.select_option("select[name=view]", label="Retail clients")
    expect(page.locator("#list-rows tr")).to_have_count(2)

    page.locator("[data-select-all]").check()
    expect(page.locator("#bulk-count")).to_have_text("2")
    page.get_by_role("button", name="Delete…").click()
    expect(page.locator("h1")).to_contain_text("Delete 2 records?")
    shot(page, "bulk-delete-confirmation")
    page.get_by_role("button", name="Yes, delete").click()
    expect(page.locator(".alert-success")).to_contain_text("2 records deleted")
    page.goto(page.base_url + "/e/company/")
    expect(page.locator("#list-rows tr")).to_have_count(1)
    expect(page.locator("#list-rows")).to_contain_text("Logistics Co")


def test_a_client_someone_owns_is_not_created_again(page, people, make):
    _admin, owner = people
    make("contact", first_name="Jan", last_name="Kowalski", phones="+48 601 234 567", owner=owner)
    log_in(page, "ada", "correct horse battery")
    page.goto(page.base_url + "/e/contact/new/")
    page.fill("#id_first_name", "Janek")
    page.fill("#id_last_name", "Kowalsky")
    page.fill("#id_phones", "+48 601-234-567")
    page.get_by_role("button", name="Create", exact=True).click()
    expect(page.locator(".alert[role=alert]")).to_contain_text(
        "Olek Nowak already works with this client"
    )
    expect(page.locator("#card-title")).to_have_text("Jan Kowalski")
    expect(page.locator("#timeline-box")).to_contain_text("Janek")
    shot(page, "client-owned-elsewhere")
