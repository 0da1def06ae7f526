"""The customer portal in a browser: a customer asks for a sign-in link, opens it from the
mail, writes a request with a file while articles are suggested, reads the agent's answer,
rates the resolution; finds an article and says it helped; and a second customer guessing the
first one's ticket URL meets "not found". No console errors (the CSP forbids inline code)."""

from __future__ import annotations

import re

import pytest
from django.core import mail
from django.core.cache import cache
from playwright.sync_api import expect

from kartoteka.knowledge.models import ArticleVote
from kartoteka.service.models import Ticket

from .conftest import log_in, shot

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def portal(settings, live_server, tmp_path):
    settings.SITE_URL = live_server.url  # the links in the mail point at this server
    settings.MEDIA_ROOT = tmp_path / "media"
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def customers(make):
    vistula = make("company", name="Vistula Ltd")
    oder = make("company", name="Oder GmbH")
    vera = make(
        "contact",
        first_name="Vera",
        last_name="Nowak",
        company=vistula.pk,
        emails="vera@vistula.example",
    )
    bob = make(
        "contact", first_name="Bob", last_name="Brandt", company=oder.pk, emails="bob@oder.example"
    )
    return vera, bob


@pytest.fixture
def knowledge_base(admin_user):
    from kartoteka.knowledge.demo import create_demo

    create_demo("en", author=admin_user)


def sign_in_by_mail(page, email: str) -> None:
    """Ask for a link on the sign-in page, open the one that arrives, press the button."""
    page.goto(page.base_url + "/portal/")
    page.get_by_label("Your email address").fill(email)
    page.get_by_role("button", name="Email me a sign-in link").click()
    expect(page.locator("h1")).to_have_text("Check your email")
    sent = [m for m in mail.outbox if m.to == [email]][-1]
    link = re.search(r"https?://\S+/portal/login/[A-Za-z0-9_-]+/", sent.body).group(0)
    assert link.startswith(page.base_url)
    page.goto(link)
    page.get_by_role("button", name="Sign in").click()
    expect(page).to_have_url(re.compile(r"/portal/tickets/$"))


def test_a_customer_asks_reads_the_answer_and_rates_it(
    page, browser, portal, customers, knowledge_base, agent
):
    vera, bob = customers
    agent.last_name = "Kowalczyk"
    agent.save(update_fields=["last_name"])

    page.goto(page.base_url + "/portal/")
    expect(page.locator("h1")).to_have_text("Sign in to your requests")
    shot(page, "portal-sign-in")
    sign_in_by_mail(page, "vera@vistula.example")
    expect(page.locator("main")).to_contain_text("You have no requests yet.")
    expect(page.locator("#pt-who")).to_have_text("Vera Nowak")

    # a new request: articles are suggested as the subject is typed
    page.get_by_role("link", name="New request").first.click()
    page.get_by_label("Subject").press_sequentially("I cannot reset my password")
    expect(page.locator("#kb-suggestions")).to_contain_text("How to reset your password")
    page.get_by_label("What is it about?").select_option("incident")
    page.get_by_label("Describe it").fill(
        "The reset email never arrives. I attach a screenshot of the login page."
    )
    page.set_input_files(
        "#new-attachments",
        files=[{"name": "login-page.png", "mimeType": "image/png", "buffer": b"\x89PNG\r\n"}],
    )
    shot(page, "portal-new-request-suggestions")
    page.get_by_role("button", name="Send request").click()
    expect(page.locator(".alert-success")).to_contain_text("We received your request")
    ticket = Ticket.objects.get()
    expect(page).to_have_url(re.compile(rf"/portal/tickets/{ticket.pk}/$"))
    assert (ticket.contact_id, ticket.channel, ticket.type) == (vera.pk, "portal", "incident")
    expect(page.locator(".pt-files")).to_contain_text("login-page.png")

    # the agent answers in their own browser; an internal note stays internal
    desk = browser.new_context(viewport={"width": 1366, "height": 900}, locale="en-GB")
    agent_page = desk.new_page()
    agent_page.base_url = page.base_url
    log_in(agent_page, "sofia", "pw-sofia")
    agent_page.goto(f"{page.base_url}/service/?queue=unassigned")
    agent_page.get_by_role("link", name="I cannot reset my password").click()
    agent_page.fill("#reply-body", "Hello Vera, the mail server was stuck; please try again now.")
    agent_page.click("#send-message")
    expect(agent_page.locator('.kt-message[data-kind="reply"]')).to_contain_text("mail server")
    agent_page.get_by_text("Internal note").click()
    agent_page.fill("#reply-body", "Internal: restarted the mail relay.")
    agent_page.click("#send-message")
    expect(agent_page.locator('.kt-message[data-kind="note"]')).to_contain_text("mail relay")
    page.reload()
    expect(page.locator(".pt-conversation")).to_contain_text("the mail server was stuck")
    expect(page.locator(".pt-from-team")).to_contain_text("Sofia")
    expect(page.locator("main")).not_to_contain_text("Kowalczyk")
    expect(page.locator("main")).not_to_contain_text("mail relay")
    expect(page.locator(".badge[data-status]")).to_have_text("In progress")

    # resolved: the customer rates it 5 and sees their rating
    agent_page.select_option("#ticket-status", "resolved")
    agent_page.get_by_role("button", name="Set", exact=True).click()
    expect(agent_page.locator("#ticket-status")).to_have_value("resolved")
    desk.close()
    page.reload()
    expect(page.locator(".badge[data-status]")).to_have_text("Resolved")
    expect(page.locator("#rating")).to_contain_text("How did we do?")
    page.get_by_title("4 — satisfied").click()
    expect(page.get_by_label("4 — satisfied")).to_be_checked()
    page.mouse.move(0, 0)
    shot(page, "portal-ticket-answer-and-rating")
    # the keyboard moves along the stars in the order they are seen
    page.get_by_label("4 — satisfied").press("ArrowRight")
    expect(page.get_by_label("5 — very satisfied")).to_be_checked()
    page.get_by_title("5 — very satisfied").click()  # the fifth star
    expect(page.get_by_label("5 — very satisfied")).to_be_checked()
    page.get_by_label("Anything you would like to add? (optional)").fill("Quick and clear!")
    page.get_by_role("button", name="Send rating").click()
    expect(page.locator("#given-score")).to_have_text("5 of 5")
    ticket.refresh_from_db()
    assert (ticket.csat_score, ticket.csat_comment) == (5, "Quick and clear!")
    shot(page, "portal-ticket-rated")

    page.get_by_role("link", name="My requests").first.click()
    expect(page.locator(".pt-tickets")).to_contain_text("I cannot reset my password")
    shot(page, "portal-tickets")

    # the knowledge base: a search, an article, "was this helpful?" through htmx
    page.get_by_role("link", name="Knowledge base").click()
    shot(page, "portal-kb")
    page.get_by_label("Search the knowledge base").fill("password")
    page.get_by_role("button", name="Search").click()
    page.get_by_role("link", name=re.compile("How to reset your password")).click()
    page.get_by_role("button", name="Yes").click()
    expect(page.locator("#vote-box")).to_contain_text("Thank you for your answer.")
    assert ArticleVote.objects.filter(voter_key=f"contact:{vera.pk}", helpful=True).count() == 1
    shot(page, "portal-kb-article")

    # on a phone
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto(f"{page.base_url}/portal/tickets/{ticket.pk}/")
    shot(page, "portal-ticket-phone")
    assert page.console_errors == []

    # another customer guessing the ticket's URL finds nothing there
    other = browser.new_context(viewport={"width": 1366, "height": 900}, locale="en-GB")
    try:
        second = other.new_page()
        second.base_url = page.base_url
        errors: list[str] = []
        second.on("console", lambda msg: errors.append(msg.text) if msg.type == "error" else None)
        sign_in_by_mail(second, "bob@oder.example")
        response = second.goto(f"{page.base_url}/portal/tickets/{ticket.pk}/")
        assert response.status == 404
        expect(second.locator("h1")).to_have_text("Not found")
        expect(second.locator("main")).not_to_contain_text("reset my password")
        file_id = ticket.attachments.first().pk
        assert second.goto(f"{page.base_url}/portal/attachments/{file_id}/").status == 404
        shot(second, "portal-not-found")
        # the 404 responses themselves are console errors; nothing else may be
        assert [e for e in errors if "404" not in e] == []
    finally:
        other.close()
