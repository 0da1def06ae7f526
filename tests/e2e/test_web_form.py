"""The sales path from first contact to a won deal, in a real browser: the administrator's
form HTML pasted into a page of another site (another origin), filled in and sent by a
visitor; the lead goes to the manager an assignment rule names, who finds it in the leads
list, qualifies it into contact + company + deal, and drags the deal across the board to Won;
another deal dragged to Lost must get a reason first."""

import functools
import threading
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer

import pytest
from playwright.sync_api import expect

from kartoteka.platform import services
from kartoteka.platform.registry import registry
from kartoteka.sales import capture_settings
from kartoteka.sales.models import AssignmentRule, Deal, Lead, Stage

from .conftest import log_in, shot

pytestmark = pytest.mark.django_db(transaction=True)


class QuietHandler(SimpleHTTPRequestHandler):
    def log_message(self, format, *args):  # noqa: A002  (the base class's name)
        pass


@pytest.fixture
def other_site(tmp_path):
    """A static web server on another origin; returns (base URL, folder it serves)."""
    handler = functools.partial(QuietHandler, directory=str(tmp_path))
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}", tmp_path
    server.shutdown()
    server.server_close()


def test_a_visitor_sends_the_form_from_another_site_and_the_manager_gets_the_lead(
    browser, page, live_server, other_site, admin_user, manager, colleague, outsider
):
    site_url, site_dir = other_site
    web_form = capture_settings.create_form(
        admin_user,
        {
            "name": "Contact us",
            "fields": [
                {"field": "first_name", "label": "Your name", "required": True},
                {"field": "company_name", "label": "Company", "required": False},
                {"field": "emails", "label": "Email", "required": True},
                {"field": "interest", "label": "How can we help?", "required": False},
            ],
            "allowed_origins": [site_url],
            "source": "website",
            "success_message": "Thank you, Vera will hear from us today.",
        },
    )
    capture_settings.create_rule(
        admin_user, {"name": "Fairs", "order": 1, "source": "exhibition", "users": [outsider.pk]}
    )
    capture_settings.create_rule(
        admin_user, {"name": "Website", "order": 2, "source": "website", "users": [manager.pk]}
    )

    # The administrator's settings page with the HTML to copy.
    admin = browser.new_context(viewport={"width": 1366, "height": 900}, locale="en-GB")
    admin_page = admin.new_page()
    admin_page.base_url = live_server.url
    admin_page.console_errors = []
    admin_page.on("console", lambda msg: admin_page.console_errors.append(msg.text))
    log_in(admin_page, "boss", "pw-boss")
    admin_page.goto(f"{live_server.url}/sales/forms/{web_form.pk}/")
    expect(admin_page.locator("#snippet-html")).to_contain_text(
        f"/sales/f/{web_form.key}/", use_inner_text=False
    )
    expect(admin_page.locator("#id_label_first_name")).to_have_value("Your name")
    shot(admin_page, "web-form-settings")
    admin_page.goto(f"{live_server.url}/sales/rules/")
    expect(admin_page.locator("#assignment-rules")).to_contain_text("Website")
    shot(admin_page, "web-form-assignment-rules")
    admin_page.get_by_role("link", name="Website").click()
    expect(admin_page.get_by_label("Anna (Manager)")).to_be_checked()
    shot(admin_page, "web-form-assignment-rule-edit")
    assert not [e for e in admin_page.console_errors if "Content Security Policy" in e]
    admin.close()

    # The company's site: a page on another origin with the pasted snippet.
    snippet = capture_settings.render_snippet(web_form, live_server.url)
    (site_dir / "contact.html").write_text(
        "<!doctype html><html lang=en><head><meta charset=utf-8><title>Contact</title>"
        "<link rel=icon href=data:,></head>"
        f"<body><h1>Write to us</h1>{snippet}</body></html>",
        encoding="utf-8",
    )
    page.goto(f"{site_url}/contact.html?utm_source=newsletter")
    honeypot = page.locator("input[name=website_url]")
    box = honeypot.bounding_box()
    assert box is None or box["x"] + box["width"] <= 0  # off screen: people never see it
    page.get_by_label("Your name").fill("Vera")
    page.get_by_label("Company").fill("Vistula Ltd")
    page.get_by_label("Email").fill("vera@vistula.example")
    page.get_by_label("How can we help?").fill("A quote for 40 chairs, please.")
    shot(page, "web-form-on-another-site")
    page.get_by_role("button", name="Send").click()

    page.wait_for_url(f"{live_server.url}/sales/f/{web_form.key}/")
    expect(page.locator("#capture-thanks")).to_be_visible()
    expect(page.locator("main")).to_contain_text("Thank you, Vera will hear from us today.")
    shot(page, "web-form-thank-you")
    assert not [e for e in page.console_errors if "Content Security Policy" in e]

    lead = Lead.objects.get()
    assert (lead.first_name, lead.company_name, lead.emails) == (
        "Vera",
        "Vistula Ltd",
        ["vera@vistula.example"],
    )
    assert lead.owner == manager  # the "Website" rule
    assert (lead.source, lead.channel, lead.form_id) == ("website", "web_form", web_form.pk)
    assert AssignmentRule.objects.get(name="Website").next_index == 1

    # The manager the rule chose finds the lead in the list.
    page.context.clear_cookies()
    log_in(page, "anna", "pw-anna")
    page.goto(f"{live_server.url}/e/lead/")
    expect(page.locator("main")).to_contain_text("Vera")
    expect(page.locator("main")).to_contain_text("Vistula Ltd")

    # …qualifies it into contact + company + deal in one step…
    page.locator(f'#list-rows a[href="/e/lead/{lead.pk}/"]').click()
    page.wait_for_url(f"**/e/lead/{lead.pk}/")
    page.click("text=Qualify: create contact, company and deal")
    page.fill("#q-deal-name", "Vistula: 40 chairs")
    page.fill("#q-amount", "4000")
    page.click("#qualify-form button[type=submit]")
    page.wait_for_url("**/e/deal/*/")
    deal = Deal.objects.get(name="Vistula: 40 chairs")
    lead.refresh_from_db()
    assert lead.status == "converted" and lead.deal == deal
    assert (deal.owner, deal.company.name, deal.contact.emails) == (
        manager,
        "Vistula Ltd",
        ["vera@vistula.example"],
    )

    # …and drags the deal across the board to Won; another deal dragged to Lost must get a
    # reason first.
    old_tender = services.create_record(
        registry.get("deal"), manager, {"name": "Old tender", "amount": "900"}
    )
    won, lost = Stage.objects.get(name="Won"), Stage.objects.get(name="Lost")
    page.goto(f"{live_server.url}/sales/board/")
    card = f'.kt-deal[data-deal="{deal.pk}"]'
    page.wait_for_selector(card)
    page.drag_and_drop(card, f'.kt-board-cards[data-stage="{won.pk}"]')
    expect(page.locator(f'.kt-board-column[data-stage="{won.pk}"] [data-count]')).to_have_text("1")
    deal.refresh_from_db()
    assert deal.stage == won and deal.closed_at is not None
    page.drag_and_drop(
        f'.kt-deal[data-deal="{old_tender.pk}"]', f'.kt-board-cards[data-stage="{lost.pk}"]'
    )
    page.wait_for_selector("#lost-dialog.show")
    page.click("#lost-form button[type=submit]")  # no reason chosen: refused in the dialog
    assert page.locator("#lost-reason.is-invalid").is_visible()
    old_tender.refresh_from_db()
    assert old_tender.stage != lost
    page.select_option("#lost-reason", label="No budget")
    page.click("#lost-form button[type=submit]")
    expect(page.locator(f'.kt-board-column[data-stage="{lost.pk}"] [data-count]')).to_have_text("1")
    old_tender.refresh_from_db()
    assert old_tender.stage == lost and old_tender.lost_reason.name == "No budget"
    shot(page, "web-form-to-won-board")
    assert page.console_errors == []
