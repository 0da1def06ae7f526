"""The board's refusals in a browser: cancelling the loss reason puts the card back. (The whole
path from web form to Won and Lost is `test_web_form.py`.)"""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from kartoteka.sales.models import Stage

from .conftest import log_in

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
