"""The knowledge base in a real browser: an agent writes an article (with a preview),
publishes it, finds it by a word in another form, and answers "was this helpful?" through
htmx — with no console errors (the CSP forbids inline scripts and styles)."""

import re

import pytest
from playwright.sync_api import expect

from .conftest import log_in, shot

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def agent(django_user_model):
    from kartoteka.accounts.models import Role

    return django_user_model.objects.create_user(
        username="vera",
        password="correct horse battery",
        first_name="Vera",
        last_name="Nowak",
        email="vera@example.com",
        role=Role.objects.get(key="support_agent"),
    )


@pytest.fixture
def some_articles(agent):
    from kartoteka.knowledge import services
    from kartoteka.knowledge.demo import create_demo

    create_demo("en", author=agent)
    draft = services.create_article(
        agent, {"title": "Changing the delivery address", "body": "Work in progress."}
    )
    return draft


def test_write_find_and_rate_an_article(page, agent, some_articles):
    log_in(page, "vera", "correct horse battery")
    page.locator("[data-nav='knowledge.articles']").click()
    expect(page).to_have_url(re.compile(r"/kb/$"))
    expect(page.locator("[data-kb-results] article")).to_have_count(9)
    shot(page, "knowledge-list")

    page.get_by_role("link", name="New article").click()
    page.get_by_label("Title").fill("Printer shows “paper jam” with no paper inside")
    page.get_by_label("Category").select_option(label="Orders and delivery")
    page.get_by_label("Who may read it").select_option("public")
    page.get_by_label("Status").select_option("published")
    page.get_by_label("Text").fill(
        "## Quick fix\n\n1. Switch the printer **off**.\n2. Open the rear cover.\n"
        "3. Remove any torn paper.\n\nStill jammed? See https://example.com/printers."
    )
    page.get_by_role("button", name="Preview").click()
    expect(page.locator("#kb-preview h3")).to_have_text("Quick fix")
    expect(page.locator("#kb-preview strong")).to_have_text("off")
    shot(page, "knowledge-article-form")
    page.get_by_role("button", name="Save").click()
    expect(page.locator("h1")).to_have_text("Printer shows “paper jam” with no paper inside")
    expect(page.locator("[data-kb-body] ol li")).to_have_count(3)

    # find it again by another form of a word
    page.locator("[data-nav='knowledge.articles']").click()
    page.locator("#kb-q").fill("printers jam")
    page.locator("#kb-q").press("Enter")
    results = page.locator("[data-kb-results] article")
    expect(results.first).to_contain_text("Printer shows")
    page.get_by_role("link", name="Printer shows “paper jam” with no paper inside").click()

    # rate it through htmx: the widget is swapped, the page stays
    url = page.url
    widget = page.locator("#kb-helpful")
    expect(widget).to_contain_text("No answers yet.")
    widget.get_by_role("button", name="Yes").click()
    expect(widget).to_contain_text("1 of 1 reader found it helpful.")
    expect(widget.get_by_role("button", name="Yes")).to_have_attribute("aria-pressed", "true")
    widget.get_by_role("button", name="No").click()
    expect(widget).to_contain_text("0 of 1 reader found it helpful.")
    expect(widget.get_by_role("button", name="No")).to_have_attribute("aria-pressed", "true")
    assert page.url == url
    shot(page, "knowledge-article")

    # a demo article with the markup it shows
    page.goto(page.base_url + "/kb/?q=password")
    page.get_by_role("link", name="How to reset your password").click()
    expect(page.locator("[data-kb-body] h3")).to_have_text("The email did not arrive")
    shot(page, "knowledge-article-demo")

    page.goto(page.base_url + "/kb/canned/")
    expect(page.locator("[data-canned-list] .list-group-item")).to_have_count(5)
    shot(page, "knowledge-canned")
    assert page.console_errors == []
