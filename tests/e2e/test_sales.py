"""The sales path in a browser: a lead is qualified into contact + company + deal, the deal is
dragged across the board to Won; another deal dragged to Lost must get a reason first."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from kartoteka.sales.models import Deal, Lead, Stage

from .conftest import log_in, shot

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def seller(django_user_model):
    from kartoteka.accounts.models import Role

    return django_user_model.objects.create_user(
        username="anna",
        password="anna-pass-1",
        first_name="Anna",
        role=Role.objects.get(key="manager"),
    )


def drag(page, card_selector: str, column_stage: int) -> None:
    page.drag_and_drop(card_selector, f'.kt-board-cards[data-stage="{column_stage}"]')


def test_lead_to_won_deal_and_a_lost_deal_needs_a_reason(page, seller):
    from kartoteka.platform import services
    from kartoteka.platform.registry import registry

    lead = services.create_record(
        registry.get("lead"),
        seller,
        {
            "first_name": "Olga",
            "last_name": "Petrova",
            "company_name": "Volga Trade",
            "emails": "olga@volga.example",
        },
    )
    other = services.create_record(
        registry.get("deal"), seller, {"name": "Old tender", "amount": "900"}
    )
    won = Stage.objects.get(name="Won")
    lost = Stage.objects.get(name="Lost")
    log_in(page, "anna", "anna-pass-1")

    page.goto(f"{page.base_url}/e/lead/{lead.pk}/")
    page.click("text=Qualify: create contact, company and deal")
    page.fill("#q-deal-name", "Volga: 20 licences")
    page.fill("#q-amount", "2000")
    shot(page, "sales-qualify")
    page.click("#qualify-form button[type=submit]")
    page.wait_for_url("**/e/deal/*/")
    deal = Deal.objects.get(name="Volga: 20 licences")
    assert Lead.objects.get(pk=lead.pk).status == "converted"
    assert page.locator("#deal-panel [data-stage-name]").inner_text() == "New"

    page.goto(f"{page.base_url}/sales/board/")
    card = f'.kt-deal[data-deal="{deal.pk}"]'
    page.wait_for_selector(card)
    drag(page, card, won.pk)
    expect(page.locator(f'.kt-board-column[data-stage="{won.pk}"] [data-count]')).to_have_text("1")
    deal.refresh_from_db()
    assert deal.stage == won and deal.closed_at is not None

    lost_card = f'.kt-deal[data-deal="{other.pk}"]'
    drag(page, lost_card, lost.pk)
    page.wait_for_selector("#lost-dialog.show")
    page.click("#lost-form button[type=submit]")  # no reason chosen: refused in the dialog
    assert page.locator("#lost-reason.is-invalid").is_visible()
    shot(page, "sales-board-lost-reason")
    page.select_option("#lost-reason", label="No budget")
    page.click("#lost-form button[type=submit]")
    expect(page.locator(f'.kt-board-column[data-stage="{lost.pk}"] [data-count]')).to_have_text("1")
    other.refresh_from_db()
    assert other.stage == lost and other.lost_reason.name == "No budget"
    shot(page, "sales-board")
    assert page.console_errors == []


def test_cancelling_the_reason_puts_the_card_back(page, seller):
    from kartoteka.platform import services
    from kartoteka.platform.registry import registry

    deal = services.create_record(registry.get("deal"), seller, {"name": "Keep me"})
    lost = Stage.objects.get(name="Lost")
    log_in(page, "anna", "anna-pass-1")
    page.goto(f"{page.base_url}/sales/board/")

    drag(page, f'.kt-deal[data-deal="{deal.pk}"]', lost.pk)
    page.wait_for_selector("#lost-dialog.show")
    page.click("#lost-dialog .btn-close")
    page.wait_for_selector("#lost-dialog", state="hidden")

    back = f'.kt-board-cards[data-stage="{deal.stage_id}"] .kt-deal[data-deal="{deal.pk}"]'
    expect(page.locator(back)).to_have_count(1)
    deal.refresh_from_db()
    assert deal.stage.name == "New"
