"""The sales settings pages as an administrator uses them (and as others are kept out):
pipelines and stages with their deal counts, drag-and-drop and button reordering, reasons,
currencies and channel costs; refusals shown in words, hostile names shown as text."""

import pytest
from django.urls import reverse

from kartoteka.sales import config, settings_money, settings_pipelines
from kartoteka.sales.models import ChannelCost, Currency, Pipeline, Reason, Stage
from kartoteka.sales.services import create_deal

pytestmark = pytest.mark.django_db

PAGES = [
    "sales:settings",
    "sales:settings_pipelines",
    "sales:settings_pipeline_create",
    "sales:settings_reasons",
    "sales:settings_currencies",
    "sales:settings_costs",
    "sales:settings_cost_create",
]


@pytest.fixture(autouse=True)
def fresh_settings(registry):
    config.reload()


@pytest.fixture
def admin_client(client, admin_user):
    client.force_login(admin_user)
    return client


def stage(name: str) -> Stage:
    return Stage.objects.get(pipeline__is_default=True, name=name)


def messages_of(response) -> list[str]:
    return [str(message) for message in response.context["messages"]]


@pytest.mark.parametrize("name", PAGES)
def test_manager_gets_403_on_every_page(client, manager, name):
    client.force_login(manager)
    assert client.get(reverse(name)).status_code == 403


def test_manager_cannot_post_changes(client, manager):
    client.force_login(manager)
    new = stage("New")
    posts = [
        (reverse("sales:settings_stage_edit", args=[new.pk]), {"name": "Mine"}),
        (reverse("sales:settings_stage_delete", args=[new.pk]), {}),
        (reverse("sales:settings_stage_order", args=[new.pipeline_id]), {"ids": [new.pk]}),
        (reverse("sales:settings_currencies"), {"code": "USD", "name": "X", "rate": "1"}),
        (
            reverse("sales:settings_reasons"),
            {"kind": "loss", "loss-kind": "loss", "loss-name": "X"},
        ),
    ]
    for url, data in posts:
        assert client.post(url, data).status_code == 403
    assert stage("New").name == "New"
    assert not Currency.objects.filter(code="USD").exists()


def test_anonymous_visitor_is_sent_to_log_in(client):
    response = client.get(reverse("sales:settings_pipelines"))
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


@pytest.mark.parametrize("name", PAGES)
def test_administrator_opens_every_page(admin_client, name):
    assert admin_client.get(reverse(name)).status_code == 200


def test_landing_page_links_the_four_sections(admin_client):
    html = admin_client.get(reverse("sales:settings")).content.decode()
    for name in ("settings_pipelines", "settings_reasons", "settings_currencies", "settings_costs"):
        assert f'href="{reverse("sales:" + name)}"' in html


def test_pipelines_page_shows_stages_in_order_with_deal_counts(admin_client, admin_user):
    create_deal(admin_user, {"name": "A"})
    create_deal(admin_user, {"name": "B"})
    response = admin_client.get(reverse("sales:settings_pipelines"))
    html = response.content.decode()
    positions = [html.index(f">{name}</td>") for name in ("New", "Qualification", "Won", "Lost")]
    assert positions == sorted(positions)
    assert "2 deals" in html
    assert 'data-order-url="' in html and "kartoteka/reorder.js" in html
    assert "Sortable.min.js" in html


def test_stage_name_with_markup_is_shown_as_text(admin_client, admin_user):
    settings_pipelines.update_stage(admin_user, stage("New"), {"name": "<script>alert(1)</script>"})
    html = admin_client.get(reverse("sales:settings_pipelines")).content.decode()
    assert "<script>alert(1)</script>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html


def test_renamed_stage_shows_on_the_deal_card(admin_client, admin_user):
    deal = create_deal(admin_user, {"name": "Big order"})
    response = admin_client.post(
        reverse("sales:settings_stage_edit", args=[deal.stage_id]),
        {"name": "First call", "kind": "open", "probability": "15", "stale_days": "10"},
    )
    assert response.status_code == 302
    card = admin_client.get(reverse("platform:card", args=["deal", deal.pk])).content.decode()
    assert "First call" in card


def test_edit_stage_form_refuses_probability_150(admin_client):
    new = stage("New")
    response = admin_client.post(
        reverse("sales:settings_stage_edit", args=[new.pk]),
        {"name": "New", "kind": "open", "probability": "150", "stale_days": ""},
    )
    assert response.status_code == 422
    assert "Enter a number from 0 to 100." in response.content.decode()
    assert stage("New").probability == 10


def test_add_stage_page(admin_client):
    pipeline = Pipeline.objects.get(is_default=True)
    response = admin_client.post(
        reverse("sales:settings_stage_create", args=[pipeline.pk]),
        {"name": "Demo", "kind": "open", "probability": "60", "stale_days": "5"},
    )
    assert response.status_code == 302 and response["Location"].endswith(f"#pipeline-{pipeline.pk}")
    assert stage("Demo").probability == 60


def test_deleting_a_stage_with_deals_says_why_not(admin_client, admin_user):
    create_deal(admin_user, {"name": "A"})
    response = admin_client.post(
        reverse("sales:settings_stage_delete", args=[stage("New").pk]), follow=True
    )
    assert messages_of(response) == [
        "1 deal is in the stage “New”; move it to another stage before deleting the stage."
    ]
    assert Stage.objects.filter(name="New").exists()


def test_drag_and_drop_saves_the_order(admin_client):
    pipeline = Pipeline.objects.get(is_default=True)
    ids = list(pipeline.stages.order_by("order").values_list("pk", flat=True))
    reordered = ids[1:4] + ids[:1] + ids[4:]
    url = reverse("sales:settings_stage_order", args=[pipeline.pk])
    response = admin_client.post(url, {"ids": reordered})
    assert response.status_code == 200 and response.json()["ok"] is True
    assert list(pipeline.stages.order_by("order").values_list("pk", flat=True)) == reordered
    response = admin_client.post(url, {"ids": reordered[:2]})
    assert response.status_code == 422
    assert "exactly once" in response.json()["message"]


def test_arrow_buttons_move_a_stage(admin_client):
    response = admin_client.post(
        reverse("sales:settings_stage_move", args=[stage("Proposal").pk]), {"direction": "up"}
    )
    assert response.status_code == 302
    pipeline = Pipeline.objects.get(is_default=True)
    names = list(pipeline.stages.order_by("order").values_list("name", flat=True))
    assert names[:3] == ["New", "Proposal", "Qualification"]


def test_new_pipeline_page_creates_and_default_can_move(admin_client):
    response = admin_client.post(
        reverse("sales:settings_pipeline_create"), {"name": "Partners", "active": "on"}
    )
    assert response.status_code == 302
    partners = Pipeline.objects.get(name="Partners")
    admin_client.post(reverse("sales:settings_pipeline_default", args=[partners.pk]))
    assert list(Pipeline.objects.filter(is_default=True)) == [partners]


def test_deleting_a_pipeline_with_deals_offers_deactivation(admin_client, admin_user):
    partners = settings_pipelines.create_pipeline(admin_user, {"name": "Partners"})
    create_deal(admin_user, {"name": "A", "stage": partners.stages.get(kind="open").pk})
    response = admin_client.post(
        reverse("sales:settings_pipeline_delete", args=[partners.pk]), follow=True
    )
    assert "Deactivate it instead" in messages_of(response)[0]
    assert "Deactivate" in response.content.decode()
    admin_client.post(
        reverse("sales:settings_pipeline_active", args=[partners.pk]), {"active": "0"}
    )
    partners.refresh_from_db()
    assert not partners.active


def test_reasons_page_adds_deactivates_and_deletes(admin_client, admin_user):
    response = admin_client.post(
        reverse("sales:settings_reasons"),
        {
            "kind": "disqualification",
            "disqualification-kind": "disqualification",
            "disqualification-name": "Wrong country",
        },
    )
    assert response.status_code == 302
    reason = Reason.objects.get(name="Wrong country", kind="disqualification")
    html = admin_client.get(reverse("sales:settings_reasons")).content.decode()
    assert "Why leads are disqualified" in html and "Wrong country" in html
    admin_client.post(reverse("sales:settings_reason_active", args=[reason.pk]), {"active": "0"})
    reason.refresh_from_db()
    assert not reason.active
    admin_client.post(reverse("sales:settings_reason_delete", args=[reason.pk]))
    assert not Reason.objects.filter(pk=reason.pk).exists()


def test_reasons_page_shows_the_empty_name_error(admin_client):
    response = admin_client.post(
        reverse("sales:settings_reasons"), {"kind": "loss", "loss-kind": "loss", "loss-name": " "}
    )
    assert response.status_code == 422
    assert "This field is required." in response.content.decode()


def test_used_reason_has_no_delete_button(admin_client, admin_user):
    reason = Reason.objects.get(name="No budget")
    create_deal(admin_user, {"name": "A", "stage": stage("Lost").pk, "lost_reason": reason.pk})
    html = admin_client.get(reverse("sales:settings_reasons")).content.decode()
    assert reverse("sales:settings_reason_delete", args=[reason.pk]) not in html
    other = Reason.objects.get(name="Spam")
    assert reverse("sales:settings_reason_delete", args=[other.pk]) in html


def test_currencies_page_adds_refuses_and_makes_base(admin_client):
    url = reverse("sales:settings_currencies")
    response = admin_client.post(url, {"code": "eur1", "name": "Bad", "rate": "1"})
    assert response.status_code == 422
    assert "three Latin letters" in response.content.decode()
    response = admin_client.post(url, {"code": "USD", "name": "US dollar", "rate": "-2"})
    assert "The rate must be greater than zero." in response.content.decode()
    assert (
        admin_client.post(url, {"code": "USD", "name": "US dollar", "rate": "0.5"}).status_code
        == 302
    )
    html = admin_client.get(url).content.decode()
    assert "1 USD = 0.5 EUR" in html
    admin_client.post(reverse("sales:settings_currency_base", args=["USD"]))
    assert Currency.objects.get(code="EUR").rate == 2
    html = admin_client.get(url).content.decode()
    assert "1 EUR = 2 USD" in html


def test_currency_in_use_cannot_be_deleted_from_the_page(admin_client, admin_user):
    settings_money.create_currency(admin_user, {"code": "USD", "name": "US dollar", "rate": "1"})
    create_deal(admin_user, {"name": "A", "currency": "USD", "amount": "1"})
    response = admin_client.post(
        reverse("sales:settings_currency_delete", args=["USD"]), follow=True
    )
    assert "cannot be deleted" in messages_of(response)[0]
    assert Currency.objects.filter(code="USD").exists()


def test_channel_cost_pages(admin_client):
    url = reverse("sales:settings_cost_create")
    data = {
        "source": "exhibition",
        "period_start": "2025-05-10",
        "period_end": "2025-05-01",
        "amount": "300",
        "currency": "EUR",
        "note": "Expo",
    }
    response = admin_client.post(url, data)
    assert response.status_code == 422
    assert "The end of the period cannot be before its start." in response.content.decode()
    assert admin_client.post(url, {**data, "period_end": "2025-05-12"}).status_code == 302
    cost = ChannelCost.objects.get()
    html = admin_client.get(reverse("sales:settings_costs")).content.decode()
    assert "Exhibition" in html and "Expo" in html
    confirm = admin_client.get(reverse("sales:settings_cost_delete", args=[cost.pk]))
    assert confirm.status_code == 200 and ChannelCost.objects.exists()
    admin_client.post(reverse("sales:settings_cost_delete", args=[cost.pk]))
    assert not ChannelCost.objects.exists()


def test_costs_are_listed_newest_first(admin_client, admin_user):
    for start, note in (("2025-01-01", "January"), ("2025-03-01", "March")):
        settings_money.create_channel_cost(
            admin_user,
            {
                "source": "social",
                "period_start": start,
                "period_end": start,
                "amount": "1",
                "currency": "EUR",
                "note": note,
            },
        )
    html = admin_client.get(reverse("sales:settings_costs")).content.decode()
    assert html.index("March") < html.index("January")


def test_pipelines_page_and_api_run_a_constant_number_of_queries(admin_client, admin_user):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    def count(url):
        with CaptureQueriesContext(connection) as queries:
            assert admin_client.get(url).status_code == 200
        return len(queries)

    page, api = reverse("sales:settings_pipelines"), "/api/v1/pipelines"
    count(page), count(api)  # warm the per-process caches
    before = (count(page), count(api))
    for name in ("Partners", "Export", "Retail"):
        pipeline = settings_pipelines.create_pipeline(admin_user, {"name": name})
        settings_pipelines.create_stage(admin_user, pipeline, {"name": "Demo"})
        create_deal(admin_user, {"name": name, "stage": pipeline.stages.first().pk})
    count(page), count(api)
    assert (count(page), count(api)) == before


def test_a_new_reason_goes_to_the_list_whose_form_was_posted(admin_client):
    response = admin_client.post(
        reverse("sales:settings_reasons"),
        {"kind": "loss", "loss-kind": "disqualification", "loss-name": "Went silent"},
    )
    assert response.status_code == 302 and response["Location"].endswith("#reasons-loss")
    assert Reason.objects.get(name="Went silent").kind == "loss"
