"""The import wizard in a real browser: a manager uploads contacts, checks them with a wrong
mapping (every last name empty), goes back and fixes it, sees the one row that is still
refused (an unknown company), imports, sees the result with its progress bar, and undoes
the import — with no console errors (the CSP forbids inline scripts and styles).

Huey is immediate in tests and the live server commits, so the check and the run finish
inside the request that starts them: the pages show their outcome at once."""

import re

import pytest
from playwright.sync_api import expect

from .conftest import log_in, shot

pytestmark = pytest.mark.django_db(transaction=True)

PASSWORD = "correct horse battery"
CONTACTS = (
    "First name,Family,E-mail,Company\n"
    "Ada,Lovelace,ada@example.com,Acme\n"
    "Alan,Turing,alan@example.com,Acme\n"
    "Grace,Hopper,grace@example.com,Nowhere Ltd\n"
)


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def manager(django_user_model):
    from kartoteka.accounts.models import Role

    return django_user_model.objects.create_user(
        username="nina",
        password=PASSWORD,
        first_name="Nina",
        last_name="Kowalska",
        email="nina@example.com",
        role=Role.objects.get(key="manager"),
    )


@pytest.fixture
def acme(manager):
    from kartoteka.platform import services
    from kartoteka.platform.registry import registry

    return services.create_record(
        registry.get("company"), manager, {"name": "Acme", "owner": manager.pk}
    )


def test_import_contacts_fix_the_mapping_then_undo(page, manager, acme):
    from kartoteka.contacts.models import Contact

    log_in(page, "nina", PASSWORD)
    page.locator("[data-nav='dataio.imports']").click()
    expect(page).to_have_url(re.compile(r"/data/imports/$"))
    page.get_by_role("link", name="New import").click()

    # step 1: upload
    page.get_by_label("What to import").select_option(label="Contacts")
    page.get_by_label("File").set_input_files(
        files=[{"name": "people.csv", "mimeType": "text/csv", "buffer": CONTACTS.encode()}]
    )
    shot(page, "wizard-1-upload")
    page.get_by_role("button", name="Upload and continue").click()

    # step 2: the guessed mapping leaves "Family" out, and says so
    expect(page.locator("#mapping tbody tr")).to_have_count(4)
    expect(page.locator("#required-unmapped")).to_contain_text("Last name")
    expect(page.get_by_label("First name", exact=True)).to_have_value("first_name")
    expect(page.get_by_label("Family")).to_have_value("")
    expect(page.locator("#file-info")).to_contain_text("utf-8")
    page.get_by_role("button", name="Check (preview)").click()

    # step 3: every row would be rejected for its empty last name
    expect(page.locator("[data-count=rejected] .kt-count")).to_have_text("3")
    expect(page.locator("[data-count=created] .kt-count")).to_have_text("0")
    expect(page.locator("#rejected-rows")).to_contain_text("Last name")
    expect(page.locator("#sample [data-action=reject]")).to_have_count(3)

    # back to the mapping: the column goes to the last name now
    page.get_by_role("link", name="Back to mapping").click()
    page.get_by_label("Family").select_option("first_name")
    expect(page.locator("[data-column='1'] [data-duplicate-message]")).to_be_visible()
    page.get_by_label("Family").select_option("last_name")
    expect(page.locator("[data-duplicate-message]:visible")).to_have_count(0)
    expect(page.locator("#required-unmapped")).to_be_hidden()
    shot(page, "wizard-2-mapping")
    page.get_by_role("button", name="Check (preview)").click()

    expect(page.locator("[data-count=created] .kt-count")).to_have_text("2")
    expect(page.locator("[data-count=rejected] .kt-count")).to_have_text("1")
    rejected = page.locator("#rejected-rows tbody tr")
    expect(rejected).to_have_count(1)
    expect(rejected).to_contain_text("Nowhere Ltd")
    expect(page.locator("#sample [data-action=create]")).to_have_count(2)
    expect(page.locator("#sample [data-line='4'] .kt-errors")).to_contain_text("Nowhere Ltd")
    expect(page.get_by_role("link", name="Download rejected rows (CSV)")).to_be_visible()
    assert Contact.objects.count() == 0
    shot(page, "wizard-3-preview")

    # step 4: import
    page.get_by_role("button", name="Import", exact=True).click()
    expect(page).to_have_url(re.compile(r"/data/imports/\d+/run/$"))
    expect(page.locator("#import-result")).to_contain_text("The import is done.")
    bar = page.get_by_role("progressbar", name="Import progress")
    expect(bar).to_have_attribute("aria-valuenow", "100")
    expect(bar).to_contain_text("100%")
    expect(page.locator("[data-count=created] .kt-count")).to_have_text("2")
    expect(page.locator("[data-count=rejected] .kt-count")).to_have_text("1")
    expect(page.get_by_role("link", name="Download rejected rows")).to_be_visible()
    shot(page, "wizard-4-result")
    assert sorted(Contact.objects.values_list("last_name", flat=True)) == ["Lovelace", "Turing"]

    # the same page in Russian
    manager.language = "ru"
    manager.save(update_fields=["language"])
    page.reload()
    expect(page.locator("nav.kt-navbar")).to_contain_text("Контакты")
    shot(page, "wizard-4-result-ru")
    manager.language = "en"
    manager.save(update_fields=["language"])
    page.reload()

    # undo, confirmed in the browser's dialog
    page.once("dialog", lambda dialog: dialog.accept())
    page.get_by_role("button", name="Undo import").click()
    expect(page.locator("#import-result")).to_contain_text("This import was undone")
    expect(page.get_by_role("button", name="Undo import")).to_have_count(0)
    shot(page, "wizard-5-undone")
    assert Contact.objects.count() == 0

    page.get_by_role("link", name="Open Contacts").click()
    expect(page.locator("main")).not_to_contain_text("Lovelace")
    expect(page.locator("main")).not_to_contain_text("Turing")

    page.locator("[data-nav='dataio.imports']").click()
    expect(page.locator("#imports tbody tr")).to_have_count(1)
    expect(page.locator("#imports tbody tr")).to_contain_text("Undone")
    assert page.console_errors == []
