"""The rules of the sales settings, as the services keep them: pipelines keep one open, won and
lost stage and exactly one default; stages and reasons in use are not deleted; currencies have
ISO codes and positive rates relative to one base; channel costs have sane periods. Each
refusal says why, and writes nothing."""

from datetime import date
from decimal import Decimal

import pytest

from kartoteka.platform.fields import InputErrors
from kartoteka.platform.models import SchemaVersion
from kartoteka.platform.permissions import PermissionDenied
from kartoteka.sales import config, settings_money, settings_pipelines, settings_reasons
from kartoteka.sales.models import ChannelCost, Currency, Deal, Pipeline, Reason, Stage
from kartoteka.sales.services import create_deal

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def fresh_settings(registry):
    """The per-process caches start from this test's database."""
    config.reload()


@pytest.fixture
def sales():
    return Pipeline.objects.get(is_default=True)


def stage(name: str) -> Stage:
    return Stage.objects.get(pipeline__is_default=True, name=name)


def refused(action, *args) -> dict:
    with pytest.raises(InputErrors) as caught:
        action(*args)
    return caught.value.errors


def schema_version() -> int:
    return SchemaVersion.objects.filter(pk=1).values_list("number", flat=True).first() or 0


# -- pipelines ---------------------------------------------------------------------------------


def test_new_pipeline_starts_with_an_open_a_won_and_a_lost_stage(admin_user):
    pipeline = settings_pipelines.create_pipeline(admin_user, {"name": "Partners"})
    assert [(s.name, s.kind) for s in pipeline.stages.order_by("order")] == [
        ("New", "open"),
        ("Won", "won"),
        ("Lost", "lost"),
    ]
    assert not pipeline.is_default
    assert (pipeline.pk, "Partners", False) in config.snapshot().pipelines


def test_making_a_pipeline_default_unsets_the_other(admin_user, sales):
    partners = settings_pipelines.create_pipeline(admin_user, {"name": "Partners"})
    settings_pipelines.make_default_pipeline(admin_user, partners)
    assert list(Pipeline.objects.filter(is_default=True)) == [partners]
    assert config.default_pipeline_id() == partners.pk
    deal = create_deal(admin_user, {"name": "Via partners"})
    assert deal.pipeline_id == partners.pk and deal.stage.name == "New"


def test_the_default_pipeline_cannot_be_unset_deactivated_or_deleted(admin_user, sales):
    errors = refused(settings_pipelines.update_pipeline, admin_user, sales, {"is_default": False})
    assert "make another pipeline the default" in errors["is_default"][0]
    errors = refused(settings_pipelines.update_pipeline, admin_user, sales, {"active": False})
    assert "cannot be deactivated" in errors["active"][0]
    errors = refused(settings_pipelines.delete_pipeline, admin_user, sales)
    assert "default pipeline cannot be deleted" in errors["__all__"][0]
    sales.refresh_from_db()
    assert sales.is_default and sales.active


def test_pipeline_with_deals_cannot_be_deleted_but_can_be_deactivated(admin_user, sales):
    partners = settings_pipelines.create_pipeline(admin_user, {"name": "Partners"})
    first = partners.stages.get(kind="open")
    create_deal(admin_user, {"name": "A", "stage": first.pk})
    errors = refused(settings_pipelines.delete_pipeline, admin_user, partners)
    assert errors["__all__"][0].startswith("The pipeline has 1 deal, so it cannot be deleted.")
    assert "Deactivate it instead" in errors["__all__"][0]
    settings_pipelines.update_pipeline(admin_user, partners, {"active": False})
    assert partners.pk not in [pk for pk, _n, _d in config.snapshot().pipelines]
    assert Deal.objects.filter(pipeline=partners).count() == 1


def test_empty_pipeline_is_deleted_with_its_stages(admin_user):
    partners = settings_pipelines.create_pipeline(admin_user, {"name": "Partners"})
    settings_pipelines.delete_pipeline(admin_user, partners)
    assert not Stage.objects.filter(pipeline_id=partners.pk).exists()


def test_pipeline_name_is_required_and_single_line(admin_user):
    assert refused(settings_pipelines.create_pipeline, admin_user, {"name": "  "})["name"]
    assert refused(settings_pipelines.create_pipeline, admin_user, {"name": "a\nb"})["name"]
    assert refused(settings_pipelines.create_pipeline, admin_user, {"name": "x" * 101})["name"]
    assert Pipeline.objects.count() == 1


# -- stages ------------------------------------------------------------------------------------


def test_stage_with_deals_cannot_be_deleted_and_the_message_says_how_many(admin_user):
    create_deal(admin_user, {"name": "A"})
    create_deal(admin_user, {"name": "B"})
    errors = refused(settings_pipelines.delete_stage, admin_user, stage("New"))
    assert errors["__all__"] == [
        "2 deals are in the stage “New”; move them to another stage before deleting the stage."
    ]
    assert Stage.objects.filter(name="New").exists()


def test_stage_without_deals_is_deleted_and_the_rest_renumbered(admin_user, sales):
    settings_pipelines.delete_stage(admin_user, stage("Qualification"))
    assert list(sales.stages.order_by("order").values_list("name", "order")) == [
        ("New", 0),
        ("Proposal", 10),
        ("Negotiation", 20),
        ("Won", 30),
        ("Lost", 40),
    ]


def test_last_won_stage_is_protected(admin_user):
    won = stage("Won")
    errors = refused(settings_pipelines.delete_stage, admin_user, won)
    assert errors["__all__"] == ["A pipeline needs at least one won stage; this is its last one."]
    errors = refused(settings_pipelines.update_stage, admin_user, won, {"kind": "open"})
    assert errors["kind"] == ["A pipeline needs at least one won stage; this is its last one."]
    won.refresh_from_db()
    assert won.kind == "won"


def test_last_lost_and_last_open_stages_are_protected(admin_user):
    partners = settings_pipelines.create_pipeline(admin_user, {"name": "Partners"})
    lost = partners.stages.get(kind="lost")
    opened = partners.stages.get(kind="open")
    assert "lost stage" in refused(settings_pipelines.delete_stage, admin_user, lost)["__all__"][0]
    assert (
        "open stage" in refused(settings_pipelines.delete_stage, admin_user, opened)["__all__"][0]
    )
    assert partners.stages.count() == 3


def test_a_second_won_stage_lets_the_first_go(admin_user, sales):
    settings_pipelines.create_stage(admin_user, sales, {"name": "Paid", "kind": "won"})
    settings_pipelines.delete_stage(admin_user, stage("Won"))
    assert list(sales.stages.filter(kind="won").values_list("name", flat=True)) == ["Paid"]


def test_bad_probability_is_refused_with_a_clear_message(admin_user, sales):
    errors = refused(
        settings_pipelines.create_stage, admin_user, sales, {"name": "Demo", "probability": 150}
    )
    assert errors == {"probability": ["Enter a number from 0 to 100."]}
    errors = refused(
        settings_pipelines.update_stage, admin_user, stage("New"), {"probability": "-5"}
    )
    assert errors == {"probability": ["Enter a number from 0 to 100."]}
    errors = refused(
        settings_pipelines.update_stage, admin_user, stage("New"), {"probability": "half"}
    )
    assert errors == {"probability": ["Enter a whole number."]}
    assert not Stage.objects.filter(name="Demo").exists()
    assert stage("New").probability == 10


def test_stage_input_is_checked_whole(admin_user, sales):
    errors = refused(
        settings_pipelines.create_stage,
        admin_user,
        sales,
        {"name": "", "kind": "maybe", "stale_days": 0, "colour": "red"},
    )
    assert set(errors) == {"name", "kind", "stale_days", "colour"}
    assert errors["colour"] == ["Unknown field."]


def test_new_open_stage_goes_after_the_last_open_one(admin_user, sales):
    settings_pipelines.create_stage(
        admin_user, sales, {"name": "Demo", "probability": "60", "stale_days": "7"}
    )
    names = list(sales.stages.order_by("order").values_list("name", flat=True))
    assert names == ["New", "Qualification", "Proposal", "Negotiation", "Demo", "Won", "Lost"]
    demo = stage("Demo")
    assert (demo.probability, demo.stale_days, demo.kind) == (60, 7, "open")
    assert config.stage(demo.pk).name == "Demo"


def test_stage_with_deals_keeps_its_kind(admin_user, sales):
    settings_pipelines.create_stage(admin_user, sales, {"name": "Paid", "kind": "won"})
    deal = create_deal(admin_user, {"name": "A", "stage": stage("Paid").pk})
    assert deal.closed_at is not None
    errors = refused(settings_pipelines.update_stage, admin_user, stage("Paid"), {"kind": "open"})
    assert errors["kind"][0].startswith("1 deal is in this stage")


def test_stale_days_can_be_cleared(admin_user):
    settings_pipelines.update_stage(admin_user, stage("New"), {"stale_days": ""})
    assert stage("New").stale_days is None
    assert config.stage(stage("New").pk).stale_days is None


def test_reorder_changes_stage_order_and_the_deal_form_choices(admin_user, sales, registry):
    ids = list(sales.stages.order_by("order").values_list("pk", flat=True))
    new_order = [ids[3], ids[0], ids[1], ids[2], ids[4], ids[5]]
    before = schema_version()
    settings_pipelines.reorder_stages(admin_user, sales, new_order)
    assert schema_version() == before + 1
    assert list(sales.stages.order_by("order").values_list("pk", flat=True)) == new_order
    assert [s.order for s in sales.stages.order_by("order")] == [0, 10, 20, 30, 40, 50]
    choices = registry.get("deal").field("stage").choices
    assert [pk for pk, _label in choices] == new_order
    assert choices[0][1] == "Negotiation"


@pytest.mark.parametrize(
    "bad",
    [
        "1,2,3",
        [1, 2],
        [True, False],
        ["a", "b"],
    ],
)
def test_reorder_must_name_every_stage_once(admin_user, sales, bad):
    before = list(sales.stages.order_by("order").values_list("pk", flat=True))
    assert "ids" in refused(settings_pipelines.reorder_stages, admin_user, sales, bad)
    assert list(sales.stages.order_by("order").values_list("pk", flat=True)) == before


def test_reorder_refuses_a_stage_of_another_pipeline_and_duplicates(admin_user, sales):
    partners = settings_pipelines.create_pipeline(admin_user, {"name": "Partners"})
    ids = list(sales.stages.order_by("order").values_list("pk", flat=True))
    other = partners.stages.first().pk
    errors = refused(settings_pipelines.reorder_stages, admin_user, sales, ids[:-1] + [other])
    assert errors["ids"] == ["Name every stage of this pipeline exactly once (it has 6)."]
    assert refused(settings_pipelines.reorder_stages, admin_user, sales, ids[:-1] + [ids[0]])


def test_move_stage_up_and_down(admin_user, sales):
    settings_pipelines.move_stage(admin_user, stage("Proposal"), "up")
    settings_pipelines.move_stage(admin_user, stage("New"), "up")  # already first: stays
    settings_pipelines.move_stage(admin_user, stage("Lost"), "down")  # already last: stays
    names = list(sales.stages.order_by("order").values_list("name", flat=True))
    assert names == ["New", "Proposal", "Qualification", "Negotiation", "Won", "Lost"]
    assert refused(settings_pipelines.move_stage, admin_user, stage("New"), "sideways")


def test_renamed_stage_is_what_the_deal_form_offers(admin_user, registry):
    settings_pipelines.update_stage(admin_user, stage("Negotiation"), {"name": "Talks"})
    labels = [label for _pk, label in registry.get("deal").field("stage").choices]
    assert "Talks" in labels and "Negotiation" not in labels


# -- reasons -----------------------------------------------------------------------------------


def test_used_reason_cannot_be_deleted_only_deactivated(admin_user):
    reason = Reason.objects.get(name="No budget")
    create_deal(admin_user, {"name": "A", "stage": stage("Lost").pk, "lost_reason": reason.pk})
    errors = refused(settings_reasons.delete_reason, admin_user, reason)
    assert errors["__all__"][0].startswith("The reason is used 1 time, so it cannot be deleted.")
    settings_reasons.update_reason(admin_user, reason, {"active": False})
    assert config.snapshot().reasons[reason.pk] == ("loss", "No budget", False)
    with pytest.raises(InputErrors) as caught:
        create_deal(admin_user, {"name": "B", "stage": stage("Lost").pk, "lost_reason": reason.pk})
    assert "lost_reason" in caught.value.errors


def test_unused_reason_is_deleted(admin_user):
    reason = Reason.objects.get(name="Spam")
    settings_reasons.delete_reason(admin_user, reason)
    assert not Reason.objects.filter(pk=reason.pk).exists()
    assert reason.pk not in config.snapshot().reasons


def test_reasons_are_added_at_the_end_renamed_and_moved(admin_user):
    reason = settings_reasons.create_reason(admin_user, {"kind": "loss", "name": "Went silent"})
    names = list(Reason.objects.filter(kind="loss").values_list("name", flat=True))
    assert names[-1] == "Went silent"
    settings_reasons.move_reason(admin_user, reason, "up")
    names = list(Reason.objects.filter(kind="loss").values_list("name", flat=True))
    assert names[-2:] == ["Went silent", "Not a fit"]
    settings_reasons.update_reason(admin_user, reason, {"name": "Ghosted"})
    assert config.snapshot().reasons[reason.pk][1] == "Ghosted"


def test_reason_input_is_checked(admin_user):
    assert refused(settings_reasons.create_reason, admin_user, {"kind": "win", "name": "X"})["kind"]
    errors = refused(
        settings_reasons.create_reason, admin_user, {"kind": "loss", "name": "no budget"}
    )
    assert errors["name"] == ["This list already has a reason with this name."]
    # the same name in the other list is fine
    settings_reasons.create_reason(admin_user, {"kind": "disqualification", "name": "No budget"})


# -- currencies --------------------------------------------------------------------------------


def test_currency_code_must_be_three_letters(admin_user):
    errors = refused(
        settings_money.create_currency, admin_user, {"code": "eur1", "name": "Bad", "rate": "1"}
    )
    assert errors == {"code": ["Enter the ISO 4217 code: three Latin letters, such as EUR."]}
    for code in ("", "US", "ЕВР", "U$D"):
        assert "code" in refused(
            settings_money.create_currency, admin_user, {"code": code, "name": "X", "rate": "1"}
        )
    assert list(Currency.objects.values_list("code", flat=True)) == ["EUR"]


def test_duplicate_currency_code_is_refused(admin_user):
    errors = refused(
        settings_money.create_currency,
        admin_user,
        {"code": "eur", "name": "Euro again", "rate": "1"},
    )
    assert errors == {"code": ["The currency EUR already exists."]}


@pytest.mark.parametrize(
    "rate, message",
    [
        ("-1.5", "The rate must be greater than zero."),
        ("0", "The rate must be greater than zero."),
        ("0.1234567", "Enter at most 6 decimal places."),
        ("abc", "Enter a number."),
        ("NaN", "Enter a number."),
        ("1e20", "Enter a smaller number."),
        ("", "This field is required."),
    ],
)
def test_bad_rates_are_refused(admin_user, rate, message):
    errors = refused(
        settings_money.create_currency,
        admin_user,
        {"code": "USD", "name": "US dollar", "rate": rate},
    )
    assert errors == {"rate": [message]}
    assert not Currency.objects.filter(code="USD").exists()


def test_currency_is_added_with_its_rate_and_date(admin_user):
    usd = settings_money.create_currency(
        admin_user, {"code": "usd", "name": "US dollar", "rate": "0,92"}
    )
    assert (usd.code, usd.rate, usd.is_base) == ("USD", Decimal("0.92"), False)
    assert usd.updated_at is not None
    assert config.snapshot().currencies["USD"] == Decimal("0.92")
    assert config.to_base(100, "USD") == Decimal("92.00")


def test_base_rate_stays_one_and_codes_do_not_change(admin_user):
    eur = Currency.objects.get(code="EUR")
    errors = refused(settings_money.update_currency, admin_user, eur, {"rate": "2"})
    assert errors == {"rate": ["The rate of the base currency is always 1."]}
    assert "code" in refused(settings_money.update_currency, admin_user, eur, {"code": "EUX"})
    settings_money.update_currency(admin_user, eur, {"rate": "1", "name": "Euro (EU)"})
    eur.refresh_from_db()
    assert (eur.rate, eur.name) == (Decimal(1), "Euro (EU)")


def test_changing_a_rate_records_its_date(admin_user):
    usd = settings_money.create_currency(
        admin_user, {"code": "USD", "name": "US dollar", "rate": "1"}
    )
    Currency.objects.filter(pk=usd.pk).update(updated_at="2020-01-01T00:00:00Z")
    usd.refresh_from_db()
    settings_money.update_currency(admin_user, usd, {"rate": "0.9"})
    usd.refresh_from_db()
    assert usd.updated_at.year >= 2024 and usd.rate == Decimal("0.9")


def test_make_base_recomputes_every_rate_and_the_deal_totals(admin_user):
    settings_money.create_currency(admin_user, {"code": "USD", "name": "US dollar", "rate": "0.8"})
    settings_money.create_currency(
        admin_user, {"code": "PLN", "name": "Polish zloty", "rate": "0.2"}
    )
    deal = create_deal(admin_user, {"name": "A", "amount": "100", "currency": "PLN"})
    assert deal.amount_base == Decimal("20.00")  # in EUR
    settings_money.make_base_currency(admin_user, Currency.objects.get(code="USD"))
    rates = dict(Currency.objects.values_list("code", "rate"))
    assert rates == {"USD": Decimal(1), "EUR": Decimal("1.25"), "PLN": Decimal("0.25")}
    assert list(Currency.objects.filter(is_base=True).values_list("code", flat=True)) == ["USD"]
    assert config.snapshot().base == "USD"
    deal.refresh_from_db()
    assert deal.amount_base == Decimal("25.00")  # 100 PLN in USD
    assert config.to_base(100, "PLN") == Decimal("25.00")


def test_make_base_rounds_to_six_places(admin_user):
    settings_money.create_currency(admin_user, {"code": "USD", "name": "US dollar", "rate": "0.9"})
    settings_money.make_base_currency(admin_user, Currency.objects.get(code="USD"))
    assert Currency.objects.get(code="EUR").rate == Decimal("1.111111")


def test_currency_in_use_or_base_cannot_be_deleted(admin_user):
    settings_money.create_currency(admin_user, {"code": "USD", "name": "US dollar", "rate": "0.9"})
    create_deal(admin_user, {"name": "A", "amount": "5", "currency": "USD"})
    errors = refused(settings_money.delete_currency, admin_user, Currency.objects.get(code="USD"))
    assert errors["__all__"] == [
        "USD is used by 1 deal, 0 products and 0 channel costs, so it cannot be deleted."
    ]
    errors = refused(settings_money.delete_currency, admin_user, Currency.objects.get(code="EUR"))
    assert "make another currency the base first" in errors["__all__"][0]
    settings_money.create_currency(
        admin_user, {"code": "GBP", "name": "British pound", "rate": "1.2"}
    )
    settings_money.delete_currency(admin_user, Currency.objects.get(code="GBP"))
    assert "GBP" not in config.snapshot().currencies


# -- channel costs -----------------------------------------------------------------------------

COST = {
    "source": "advertising",
    "period_start": "2025-03-01",
    "period_end": "2025-03-31",
    "amount": "1500.50",
    "currency": "EUR",
    "note": "Search ads",
}


def test_channel_cost_is_recorded(admin_user):
    cost = settings_money.create_channel_cost(admin_user, COST)
    cost.refresh_from_db()
    assert (cost.period_start, cost.amount, cost.currency) == (
        date(2025, 3, 1),
        Decimal("1500.50"),
        "EUR",
    )


def test_period_end_before_start_is_refused(admin_user):
    errors = refused(
        settings_money.create_channel_cost, admin_user, {**COST, "period_end": "2025-02-01"}
    )
    assert errors == {"period_end": ["The end of the period cannot be before its start."]}
    cost = settings_money.create_channel_cost(admin_user, COST)
    errors = refused(
        settings_money.update_channel_cost, admin_user, cost, {"period_start": "2025-04-01"}
    )
    assert errors == {"period_end": ["The end of the period cannot be before its start."]}
    assert ChannelCost.objects.count() == 1


@pytest.mark.parametrize(
    "field, value",
    [
        ("amount", "-1"),
        ("amount", "1.234"),
        ("currency", "XXX"),
        ("source", "carrier pigeon"),
        ("period_start", "2025-13-01"),
        ("period_start", ""),
        ("note", "x" * 256),
    ],
)
def test_bad_channel_costs_are_refused(admin_user, field, value):
    assert field in refused(settings_money.create_channel_cost, admin_user, {**COST, field: value})
    assert not ChannelCost.objects.exists()


# -- who may -----------------------------------------------------------------------------------


def test_only_administrators_change_sales_settings(manager, head, sales):
    for user in (manager, head):
        with pytest.raises(PermissionDenied):
            settings_pipelines.create_pipeline(user, {"name": "Mine"})
        with pytest.raises(PermissionDenied):
            settings_pipelines.update_stage(user, stage("New"), {"name": "Mine"})
        with pytest.raises(PermissionDenied):
            settings_money.create_currency(user, {"code": "USD", "name": "US dollar", "rate": "1"})
        with pytest.raises(PermissionDenied):
            settings_money.create_channel_cost(user, COST)
    assert stage("New").name == "New" and Pipeline.objects.count() == 1


def test_a_change_cannot_blank_the_kind_or_probability(admin_user):
    won = stage("Won")
    errors = refused(
        settings_pipelines.update_stage, admin_user, won, {"kind": "", "probability": ""}
    )
    assert errors == {
        "kind": ["This field is required."],
        "probability": ["This field is required."],
    }
    won.refresh_from_db()
    assert (won.kind, won.probability) == ("won", 100)


def test_a_new_lost_stage_defaults_to_zero_probability(admin_user, sales):
    created = settings_pipelines.create_stage(
        admin_user, sales, {"name": "Dropped", "kind": "lost"}
    )
    assert created.probability == 0
    assert list(sales.stages.order_by("order").values_list("name", flat=True))[-1] == "Dropped"


def test_an_empty_change_writes_nothing_and_reloads_nothing(admin_user):
    reason = Reason.objects.get(name="No budget")
    before = schema_version()
    settings_reasons.update_reason(admin_user, reason, {})
    settings_pipelines.update_stage(admin_user, stage("New"), {})
    assert schema_version() == before


def test_a_channel_cost_does_not_make_every_process_reload_the_settings(admin_user):
    before = schema_version()
    settings_money.create_channel_cost(admin_user, COST)
    assert ChannelCost.objects.count() == 1
    assert schema_version() == before
