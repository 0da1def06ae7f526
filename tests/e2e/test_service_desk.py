"""The agent's service desk in a browser: a ticket entered during a phone call (with an
article suggested while it is typed), found in the queue, answered with a canned response and
an attachment, an internal note that stays internal, and the SLA panel telling what was met."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from kartoteka.service.models import Message, SlaTarget, Ticket

from .conftest import log_in, shot

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


def test_an_agent_takes_a_call_answers_and_resolves(page, agent, admin_user, make, media, tmp_path):
    from kartoteka.knowledge import services as knowledge

    company = make("company", name="Vistula Ltd")
    make(
        "contact",
        first_name="Vera",
        last_name="Nowak",
        company=company.pk,
        emails="vera@vistula.example",
    )
    knowledge.create_article(
        admin_user,
        {
            "title": "Printer offline after a driver update",
            "body": "Reinstall the previous printer driver, then restart the spooler.",
            "status": "published",
            "visibility": "public",
        },
    )
    knowledge.create_canned(
        admin_user,
        {
            "title": "Restart first",
            "body": "Hello {{ contact.first_name }}, please restart the printer.",
            "shared": True,
        },
    )
    log_in(page, "sofia", "pw-sofia")

    page.goto(f"{page.base_url}/service/")
    expect(page.locator("#queue-tabs")).to_contain_text("Unassigned")
    page.get_by_role("link", name="New ticket").click()
    page.fill("#id_subject", "Printer offline since the update")
    page.locator("#id_description").press_sequentially("Nothing prints after the driver update.")
    expect(page.locator("#kb-suggestions")).to_contain_text("Printer offline after a driver update")
    page.fill("#id_contact", "Nowak")
    page.locator("[data-lookup-id]").first.click()
    page.select_option("#id_channel", "phone")
    shot(page, "service-new-ticket")
    page.get_by_role("button", name="Open ticket").click()
    page.wait_for_url("**/e/ticket/*/")
    ticket = Ticket.objects.get()
    assert (ticket.contact.last_name, ticket.channel, ticket.owner) == ("Nowak", "phone", agent)
    expect(page.locator("#customer-panel")).to_contain_text("vera@vistula.example")
    expect(page.locator('#sla-panel [data-target="first_response"]')).to_contain_text("due")

    # an internal note, then a public reply from a canned response with an attachment
    page.get_by_text("Internal note").click()
    page.fill("#reply-body", "Customer is on the old support contract.")
    page.click("#send-message")
    expect(page.locator('.kt-message[data-kind="note"]')).to_contain_text("old support contract")
    page.get_by_text("Public reply").click()
    page.select_option("#canned-select", label="Restart first")
    expect(page.locator("#reply-body")).to_have_value("Hello Vera, please restart the printer.")
    steps = tmp_path / "steps.txt"
    steps.write_text("1. Switch off. 2. Wait. 3. Switch on.")
    page.set_input_files("#reply-files", str(steps))
    page.select_option("#reply-status", "waiting_customer")
    page.click("#send-message")
    expect(page.locator('.kt-message[data-kind="reply"]')).to_contain_text("please restart")
    expect(page.locator('.kt-message[data-kind="reply"]')).to_contain_text("steps.txt")
    reply = Message.objects.get(kind="reply")
    assert reply.attachments.get().name == "steps.txt"
    assert SlaTarget.objects.get(ticket=ticket, kind="first_response").state == "met"
    page.reload()
    expect(page.locator('#sla-panel [data-target="first_response"]')).to_contain_text("Met")
    expect(page.locator("#sla-panel")).to_contain_text("Waited for the customer")
    shot(page, "service-ticket")

    # the queue shows it as mine, waiting
    page.goto(f"{page.base_url}/service/?queue=waiting")
    expect(page.locator(f'[data-ticket="{ticket.pk}"]')).to_contain_text("Waiting for customer")
    shot(page, "service-queues")

    # the same card in Russian
    agent.language = "ru"
    agent.save(update_fields=["language"])
    page.goto(f"{page.base_url}/e/ticket/{ticket.pk}/")
    expect(page.locator("#conversation")).to_contain_text("Внутренняя заметка")
    shot(page, "service-ticket-ru")
    assert page.console_errors == []
