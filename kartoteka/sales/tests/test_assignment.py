"""Who gets an unowned lead: the first matching rule's people in turn, inactive people
skipped, and every active manager in turn when no rule matches."""

import threading
import time

import pytest

from kartoteka.platform import services
from kartoteka.sales import assignment
from kartoteka.sales.models import AssignmentRule, Lead, Product

pytestmark = pytest.mark.django_db


def unowned_lead(registry, **data):
    """A lead created the way a web form creates it: nobody signed in, no owner named."""
    data.setdefault("last_name", "Visitor")
    return services.create_record(
        registry.get("lead"), None, data, check_permission=False, channel="web_form"
    )


@pytest.fixture
def widget(db):
    return Product.objects.create(name="Widget")


@pytest.fixture
def three_rules(manager, colleague, outsider, head, widget):
    """Exhibition leads to Anna and Boris; Warsaw leads to Olga; widget leads to the head."""
    return [
        AssignmentRule.objects.create(
            name="Exhibition", order=10, source="exhibition", users=[manager.pk, colleague.pk]
        ),
        AssignmentRule.objects.create(
            name="Warsaw", order=20, region="Warsaw", users=[outsider.pk]
        ),
        AssignmentRule.objects.create(name="Widgets", order=30, product=widget, users=[head.pk]),
    ]


def test_the_first_matching_rule_gives_leads_to_its_people_in_turn(
    registry, three_rules, manager, colleague
):
    owners = [unowned_lead(registry, source="exhibition").owner_id for _ in range(5)]
    assert owners == [manager.pk, colleague.pk, manager.pk, colleague.pk, manager.pk]


def test_region_matches_whatever_the_capital_letters(registry, three_rules, outsider):
    assert unowned_lead(registry, region="  warsaw ").owner_id == outsider.pk
    assert unowned_lead(registry, region="WARSAW").owner_id == outsider.pk


def test_the_product_condition_picks_the_product_rule(registry, three_rules, head, widget):
    assert unowned_lead(registry, product=widget.pk).owner_id == head.pk


def test_rules_are_tried_in_order_the_first_match_wins(registry, three_rules, manager, widget):
    # matches "Exhibition" (order 10) and "Widgets" (order 30): the first one wins
    lead = unowned_lead(registry, source="exhibition", product=widget.pk)
    assert lead.owner_id == manager.pk


def test_all_conditions_of_a_rule_must_hold(registry, manager, outsider):
    AssignmentRule.objects.create(
        name="Warsaw fairs", order=1, source="exhibition", region="Warsaw", users=[outsider.pk]
    )
    AssignmentRule.objects.create(name="Everything else", order=2, users=[manager.pk])
    assert unowned_lead(registry, source="exhibition").owner_id == manager.pk
    assert unowned_lead(registry, source="exhibition", region="Warsaw").owner_id == outsider.pk


def test_inactive_people_are_skipped_and_the_others_keep_their_turns(
    registry, manager, colleague, outsider
):
    AssignmentRule.objects.create(name="All", users=[manager.pk, colleague.pk, outsider.pk])
    colleague.is_active = False
    colleague.save()
    owners = [unowned_lead(registry).owner_id for _ in range(4)]
    assert owners == [manager.pk, outsider.pk, manager.pk, outsider.pk]
    assert colleague.pk not in owners


def test_inactive_rules_are_ignored(registry, manager, colleague):
    AssignmentRule.objects.create(name="Off", order=1, active=False, users=[colleague.pk])
    AssignmentRule.objects.create(name="On", order=2, users=[manager.pk])
    assert unowned_lead(registry).owner_id == manager.pk


def test_a_rule_whose_people_all_left_passes_the_lead_on(registry, manager, colleague):
    colleague.is_active = False
    colleague.save()
    AssignmentRule.objects.create(name="Gone", order=1, users=[colleague.pk])
    AssignmentRule.objects.create(name="Next", order=2, users=[manager.pk])
    assert unowned_lead(registry).owner_id == manager.pk


def test_without_a_matching_rule_every_active_manager_gets_leads_in_turn(
    registry, three_rules, manager, colleague, outsider, head, reader, admin_user
):
    outsider.is_active = False
    outsider.save()
    owners = [unowned_lead(registry, source="website").owner_id for _ in range(4)]
    # managers only (not the head, the reader or the administrator), the inactive one skipped
    assert owners == [manager.pk, colleague.pk, manager.pk, colleague.pk]
    fallback = AssignmentRule.objects.get(order=assignment.FALLBACK_ORDER)
    assert fallback.name == "Everyone in turn" and fallback.users == []
    assert AssignmentRule.objects.filter(order=assignment.FALLBACK_ORDER).count() == 1


def test_turning_everyone_in_turn_off_leaves_unmatched_leads_unowned(registry, manager):
    assert unowned_lead(registry).owner_id == manager.pk
    AssignmentRule.objects.filter(order=assignment.FALLBACK_ORDER).update(active=False)
    assert unowned_lead(registry).owner_id is None


def test_nobody_to_give_it_to_leaves_the_lead_unowned(registry, admin_user):
    assert unowned_lead(registry).owner_id is None


def test_a_named_owner_is_kept(registry, three_rules, outsider, colleague):
    lead = services.create_record(
        registry.get("lead"),
        None,
        {"last_name": "Known", "region": "Warsaw", "owner": colleague.pk},
        check_permission=False,
    )
    assert lead.owner_id == colleague.pk
    assert AssignmentRule.objects.get(name="Warsaw").next_index == 0


def test_the_turn_is_kept_in_the_database(three_rules, manager, colleague):
    rule = three_rules[0]
    lead = Lead(source="exhibition")
    assert assignment.pick_owner(lead) == manager.pk
    rule.refresh_from_db()
    assert rule.next_index == 1
    assert assignment.next_user_preview(rule) == colleague.pk
    assert assignment.pick_owner(lead) == colleague.pk


@pytest.mark.django_db(transaction=True)
def test_two_leads_arriving_at_once_get_different_turns(migrated_defaults, manager, colleague):
    """Each web process creates its lead in its own transaction; the turn is advanced in
    the database, so two at once never both go to the same person."""
    from django.db import connection, transaction

    if connection.vendor != "postgresql":
        # The SQLite test database lives in memory (shared cache), where a second writer
        # fails at once instead of waiting; real SQLite files use IMMEDIATE transactions and
        # a busy timeout, so writers queue. The PostgreSQL run proves the row lock.
        pytest.skip("concurrent writers need the PostgreSQL run")
    AssignmentRule.objects.create(name="Pair", users=[manager.pk, colleague.pk])
    start = threading.Barrier(2)
    picked: list = []
    failures: list = []

    def create_lead():
        try:
            start.wait()
            with transaction.atomic():
                picked.append(assignment.pick_owner(Lead()))
                time.sleep(0.2)  # the rest of the lead's creation, holding the lock
        except Exception as exc:  # reported below, in the test's thread
            failures.append(exc)
        finally:
            connection.close()

    workers = [threading.Thread(target=create_lead) for _ in range(2)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(30)
    assert not failures
    assert sorted(picked) == sorted([manager.pk, colleague.pk])
    assert AssignmentRule.objects.get(name="Pair").next_index == 2
