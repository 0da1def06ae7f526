"""The sales settings API at /api/v1/: everyone signed in reads pipelines, stages, reasons and
currencies; administrators write; refusals come back in the one error format."""

import pytest

from kartoteka.sales import config
from kartoteka.sales.models import ChannelCost, Currency, Pipeline, Reason, Stage
from kartoteka.sales.services import create_deal
from tests.helpers import StatusApi as Api

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def fresh_settings(registry):
    config.reload()


@pytest.fixture
def as_admin(client, admin_user):
    return Api(client, admin_user)


@pytest.fixture
def sales():
    return Pipeline.objects.get(is_default=True)


def stage(name: str) -> Stage:
    return Stage.objects.get(pipeline__is_default=True, name=name)


def test_manager_reads_pipelines_reasons_and_currencies(client, manager, sales):
    api = Api(client, manager)
    status, body = api.get("/pipelines")
    assert status == 200
    assert body[0]["name"] == "Sales" and body[0]["is_default"] is True
    assert [s["name"] for s in body[0]["stages"]] == [
        "New", "Qualification", "Proposal", "Negotiation", "Won", "Lost",
    ]  # fmt: skip
    status, body = api.get(f"/pipelines/{sales.pk}")
    assert status == 200 and body["stages"][-1]["kind"] == "lost"
    status, body = api.get("/reasons?kind=disqualification")
    assert status == 200 and {r["kind"] for r in body} == {"disqualification"}
    status, body = api.get("/currencies")
    assert status == 200 and body[0]["code"] == "EUR" and body[0]["is_base"] is True


def test_reader_reads_pipelines(client, reader):
    assert Api(client, reader).get("/pipelines")[0] == 200


def test_manager_gets_403_on_every_write(client, manager, sales):
    api = Api(client, manager)
    new = stage("New")
    reason = Reason.objects.first()
    attempts = [
        api.post("/pipelines", {"name": "Mine"}),
        api.patch(f"/pipelines/{sales.pk}", {"name": "Mine"}),
        api.delete(f"/pipelines/{sales.pk}"),
        api.post(f"/pipelines/{sales.pk}/stages", {"name": "Mine"}),
        api.post(f"/pipelines/{sales.pk}/stage-order", {"ids": [new.pk]}),
        api.patch(f"/stages/{new.pk}", {"name": "Mine"}),
        api.delete(f"/stages/{new.pk}"),
        api.post("/reasons", {"kind": "loss", "name": "Mine"}),
        api.patch(f"/reasons/{reason.pk}", {"name": "Mine"}),
        api.delete(f"/reasons/{reason.pk}"),
        api.post("/currencies", {"code": "USD", "name": "US dollar", "rate": 1}),
        api.patch("/currencies/EUR", {"name": "Mine"}),
        api.delete("/currencies/EUR"),
        api.get("/channel-costs"),
        api.post(
            "/channel-costs",
            {
                "source": "other",
                "period_start": "2025-01-01",
                "period_end": "2025-01-02",
                "amount": 1,
                "currency": "EUR",
            },
        ),
    ]
    for status, body in attempts:
        assert status == 403
        assert body["error"]["code"] == "permission_denied"
    assert stage("New").name == "New" and Pipeline.objects.count() == 1


def test_anonymous_gets_401(client):
    status, body = Api(client).get("/pipelines")
    assert status == 401 and body["error"]["code"] == "unauthenticated"


def test_administrator_builds_a_pipeline(as_admin, admin_user, registry):
    status, pipeline = as_admin.post("/pipelines", {"name": "Partners"})
    assert status == 201
    assert [s["kind"] for s in pipeline["stages"]] == ["open", "won", "lost"]
    status, demo = as_admin.post(
        f"/pipelines/{pipeline['id']}/stages",
        {"name": "Demo", "probability": 40, "stale_days": 7},
    )
    assert status == 201 and demo["order"] == 10
    ids = [s["id"] for s in pipeline["stages"]]
    status, body = as_admin.post(
        f"/pipelines/{pipeline['id']}/stage-order", {"ids": [demo["id"], ids[0], ids[1], ids[2]]}
    )
    assert status == 200
    assert [s["name"] for s in body["stages"]] == ["Demo", "New", "Won", "Lost"]
    stage_choices = [pk for pk, _label in registry.get("deal").field("stage").choices]
    assert stage_choices.index(demo["id"]) < stage_choices.index(ids[0])
    status, body = as_admin.patch(f"/pipelines/{pipeline['id']}", {"is_default": True})
    assert status == 200 and body["is_default"] is True
    deal = create_deal(admin_user, {"name": "X"})
    assert deal.stage_id == demo["id"]


def test_stage_refusals_use_the_error_format(as_admin, admin_user):
    create_deal(admin_user, {"name": "A"})
    status, body = as_admin.patch(f"/stages/{stage('New').pk}", {"probability": 150})
    assert status == 422
    assert body["error"] == {
        "code": "validation_error",
        "message": "probability: Enter a number from 0 to 100.",
        "fields": {"probability": ["Enter a number from 0 to 100."]},
    }
    status, body = as_admin.delete(f"/stages/{stage('New').pk}")
    assert status == 422
    assert body["error"]["message"].startswith("1 deal is in the stage “New”")
    status, body = as_admin.delete(f"/stages/{stage('Won').pk}")
    assert status == 422
    assert (
        body["error"]["message"] == "A pipeline needs at least one won stage; this is its last one."
    )
    status, body = as_admin.patch(f"/stages/{stage('Won').pk}", {"colour": "red"})
    assert status == 422
    status, body = as_admin.patch("/stages/999999", {"name": "X"})
    assert status == 404 and body["error"]["code"] == "not_found"


def test_stage_patch_renames_and_clears_stale_days(as_admin):
    status, body = as_admin.patch(
        f"/stages/{stage('Negotiation').pk}", {"name": "Talks", "stale_days": None}
    )
    assert status == 200
    assert (body["name"], body["label"], body["stale_days"]) == ("Talks", "Talks", None)
    assert config.stage(body["id"]).name == "Talks"


def test_stage_order_must_be_a_list_of_every_stage(as_admin, sales):
    assert as_admin.post(f"/pipelines/{sales.pk}/stage-order", {"ids": "1,2"})[0] == 422
    status, body = as_admin.post(f"/pipelines/{sales.pk}/stage-order", {"ids": [1]})
    assert status == 422 and "exactly once" in body["error"]["message"]


def test_pipeline_with_deals_is_not_deleted(as_admin, admin_user, sales):
    status, body = as_admin.delete(f"/pipelines/{sales.pk}")
    assert status == 422 and "default pipeline" in body["error"]["message"]
    status, partners = as_admin.post("/pipelines", {"name": "Partners"})
    create_deal(admin_user, {"name": "A", "stage": partners["stages"][0]["id"]})
    status, body = as_admin.delete(f"/pipelines/{partners['id']}")
    assert status == 422 and "Deactivate it instead" in body["error"]["message"]
    assert as_admin.patch(f"/pipelines/{partners['id']}", {"active": False})[0] == 200


def test_reasons_api(as_admin, admin_user):
    status, reason = as_admin.post("/reasons", {"kind": "loss", "name": "Went silent"})
    assert status == 201 and reason["active"] is True
    status, body = as_admin.patch(f"/reasons/{reason['id']}", {"active": False})
    assert status == 200 and body["active"] is False
    assert reason["id"] not in [r["id"] for r in as_admin.get("/reasons?active=true")[1]]
    assert as_admin.post("/reasons", {"kind": "win", "name": "X"})[0] == 422
    used = Reason.objects.get(name="No budget")
    create_deal(admin_user, {"name": "A", "stage": stage("Lost").pk, "lost_reason": used.pk})
    status, body = as_admin.delete(f"/reasons/{used.pk}")
    assert status == 422 and "Deactivate it instead" in body["error"]["message"]
    assert as_admin.delete(f"/reasons/{reason['id']}")[0] == 204


def test_currencies_api(as_admin, admin_user):
    status, body = as_admin.post("/currencies", {"code": "eur1", "name": "Bad", "rate": 1})
    assert status == 422 and body["error"]["fields"]["code"]
    status, body = as_admin.post("/currencies", {"code": "EUR", "name": "Euro", "rate": 1})
    assert status == 422 and body["error"]["message"] == "code: The currency EUR already exists."
    status, body = as_admin.post("/currencies", {"code": "USD", "name": "US dollar", "rate": -1})
    assert status == 422 and body["error"]["fields"] == {
        "rate": ["The rate must be greater than zero."]
    }
    status, body = as_admin.post("/currencies", {"code": "USD", "name": "US dollar", "rate": "0.8"})
    assert status == 201 and body["rate"] == "0.800000" and body["is_base"] is False
    create_deal(admin_user, {"name": "A", "amount": "10", "currency": "USD"})
    status, body = as_admin.patch("/currencies/USD", {"is_base": True})
    assert status == 200 and body["is_base"] is True and body["rate"] == "1.000000"
    assert Currency.objects.get(code="EUR").rate == pytest.approx(1.25)
    status, body = as_admin.patch("/currencies/USD", {"is_base": False})
    assert status == 422
    status, body = as_admin.delete("/currencies/USD")
    assert status == 422 and "base" in body["error"]["message"]
    status, body = as_admin.patch("/currencies/EUR", {"rate": "0.9"})
    assert status == 200 and body["rate"] == "0.900000"
    assert as_admin.delete("/currencies/EUR")[0] == 204
    assert as_admin.delete("/currencies/GBP")[0] == 404


def test_channel_costs_api(as_admin):
    cost = {
        "source": "advertising",
        "period_start": "2025-03-01",
        "period_end": "2025-02-01",
        "amount": "100.50",
        "currency": "EUR",
    }
    status, body = as_admin.post("/channel-costs", cost)
    assert status == 422 and body["error"]["fields"] == {
        "period_end": ["The end of the period cannot be before its start."]
    }
    status, body = as_admin.post("/channel-costs", {**cost, "period_start": "2025-02-30"})
    assert status == 422
    status, body = as_admin.post("/channel-costs", {**cost, "period_end": "2025-03-31"})
    assert status == 201 and body["amount"] == "100.50"
    status, body = as_admin.patch(f"/channel-costs/{body['id']}", {"amount": -5})
    assert status == 422 and "negative" in body["error"]["message"]
    status, listed = as_admin.get("/channel-costs")
    assert status == 200 and len(listed) == 1
    assert as_admin.delete(f"/channel-costs/{listed[0]['id']}")[0] == 204
    assert not ChannelCost.objects.exists()


def test_malformed_bodies_are_refused(as_admin):
    response = as_admin.client.post(
        "/api/v1/pipelines", data="{not json", content_type="application/json"
    )
    assert response.status_code in (400, 422)
    assert "error" in response.json()
    assert as_admin.post("/pipelines", ["Sales"])[0] == 422
    assert as_admin.post("/pipelines", {"name": "x" * 5000})[0] == 422
    assert Pipeline.objects.count() == 1


def test_deal_counts_are_per_pipeline_and_per_stage(as_admin, admin_user, sales):
    status, partners = as_admin.post("/pipelines", {"name": "Partners"})
    create_deal(admin_user, {"name": "A"})
    create_deal(admin_user, {"name": "B", "stage": stage("Proposal").pk})
    create_deal(admin_user, {"name": "C", "stage": partners["stages"][0]["id"]})
    status, body = as_admin.get("/pipelines")
    counts = {p["name"]: (p["deal_count"], [s["deal_count"] for s in p["stages"]]) for p in body}
    assert counts == {"Sales": (2, [1, 0, 1, 0, 0, 0]), "Partners": (1, [1, 0, 0])}
    status, body = as_admin.get(f"/pipelines/{partners['id']}")
    assert status == 200 and body["deal_count"] == 1
    assert as_admin.get("/pipelines/999999")[0] == 404
