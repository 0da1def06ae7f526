"""Tickets end to end through the services: opened from each door, answered, paused while
waiting for the customer, resolved, breached and escalated by the worker's check — with the
clock under the test's control (office hours Monday to Friday 09:00–18:00 UTC)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core import mail
from django.utils import timezone

from kartoteka.platform import permissions
from kartoteka.platform.services import InputErrors, update_record
from kartoteka.service import services, sla
from kartoteka.service.models import Message, SlaPolicy, SlaTarget, StatusPeriod, Ticket

pytestmark = pytest.mark.django_db

UTC = dt.UTC
MONDAY_10 = dt.datetime(2026, 11, 23, 10, 0, tzinfo=UTC)  # a Monday


class Clock:
    def __init__(self, monkeypatch, start):
        self.now = start
        monkeypatch.setattr(timezone, "now", lambda: self.now)

    def move(self, **delta):
        self.now += dt.timedelta(**delta)
        return self.now


@pytest.fixture
def clock(monkeypatch):
    return Clock(monkeypatch, MONDAY_10)


@pytest.fixture
def customer(make, registry):
    company = make("company", name="Vistula Ltd")
    return make(
        "contact",
        first_name="Vera",
        last_name="Nowak",
        company=company.pk,
        emails="vera@vistula.example",
    )


def open_(agent, customer, **data):
    return services.open_ticket(
        agent, {"subject": "The printer is offline", "contact": customer.pk, **data}
    )


def targets(ticket):
    return {(t.kind, t.state): t for t in SlaTarget.objects.filter(ticket=ticket).order_by("id")}


def test_a_new_ticket_has_its_first_message_status_history_and_sla_clocks(clock, agent, customer):
    ticket = open_(agent, customer, description="Nothing prints since the morning.")
    assert ticket.company == customer.company  # follows the contact
    assert ticket.requester_email == "vera@vistula.example"
    first = ticket.messages.get()
    assert (first.kind, first.body, first.author_contact) == (
        "customer",
        "Nothing prints since the morning.",
        customer,
    )
    assert StatusPeriod.objects.get(ticket=ticket).status == "new"
    ticket.refresh_from_db()
    assert ticket.sla_policy.name == "Standard"
    running = targets(ticket)
    # Standard: first response in 4 working hours, resolution in 27 (three 9-hour days).
    assert running[("first_response", "running")].due_at == MONDAY_10 + dt.timedelta(hours=4)
    assert running[("resolution", "running")].due_at == dt.datetime(2026, 11, 26, 10, 0, tzinfo=UTC)
    assert ticket.next_due_at == MONDAY_10 + dt.timedelta(hours=4)


def test_a_ticket_needs_a_requester(agent):
    with pytest.raises(InputErrors) as error:
        services.open_ticket(agent, {"subject": "Who asked?"})
    assert "contact" in error.value.errors
    assert not Ticket.objects.exists()


def test_an_internal_request_names_the_colleague(clock, agent, manager):
    ticket = services.open_ticket(
        agent, {"subject": "Access to exports", "type": "access", "requester_user": manager.pk}
    )
    assert ticket.messages.get().author_user == manager


def test_the_first_reply_meets_the_first_response_and_mails_the_customer_in_thread(
    clock, agent, customer, django_capture_on_commit_callbacks
):
    ticket = open_(agent, customer)
    clock.move(hours=1)
    with django_capture_on_commit_callbacks(execute=True):
        reply = services.reply(agent, ticket, "We are on it; please restart the printer.")
    ticket.refresh_from_db()
    assert ticket.status == "open" and ticket.owner == agent  # taken by whoever answered
    assert ticket.first_responded_at == clock.now
    assert targets(ticket)[("first_response", "met")].done_at == clock.now
    # the reply went out by mail, threaded under the ticket's token
    assert len(mail.outbox) == 1
    sent = mail.outbox[0]
    assert sent.to == ["vera@vistula.example"]
    assert sent.subject == f"Re: [#{ticket.pk}] The printer is offline"
    assert sent.extra_headers["Message-ID"] == Message.objects.get(pk=reply.pk).message_id
    assert "X-Kartoteka-Loop" in sent.extra_headers
    assert Message.objects.get(pk=reply.pk).mail_status == "sent"


def test_waiting_for_the_customer_pauses_the_clock_and_their_answer_resumes_it(
    clock, agent, customer
):
    ticket = open_(agent, customer)
    clock.move(hours=1)
    services.reply(agent, ticket, "Which model is it?", status="waiting_customer")
    ticket.refresh_from_db()
    resolution = SlaTarget.objects.get(ticket=ticket, kind="resolution")
    assert resolution.state == "paused" and resolution.due_at is None
    assert ticket.next_due_at is None
    clock.move(hours=3)  # three working hours pass while we wait
    services.customer_message(ticket, "It is a LaserJet 4000.", contact=customer, via="email")
    ticket.refresh_from_db()
    assert ticket.status == "open"
    resolution.refresh_from_db()
    assert resolution.state == "running"
    # 27 working hours from Monday 10:00, plus the 3 paused ones: Thursday 13:00.
    assert resolution.due_at == dt.datetime(2026, 11, 26, 13, 0, tzinfo=UTC)
    # the customer wrote after our first answer: the next response is due in 8 working hours
    next_response = SlaTarget.objects.get(ticket=ticket, kind="next_response")
    assert next_response.due_at == dt.datetime(2026, 11, 24, 13, 0, tzinfo=UTC)
    periods = list(StatusPeriod.objects.filter(ticket=ticket).values_list("status", flat=True))
    assert periods == ["new", "waiting_customer", "open"]


def test_waiting_for_a_third_party_pauses_only_if_the_policy_says_so(clock, agent, customer):
    ticket = open_(agent, customer)
    services.set_status(agent, ticket, "waiting_third_party")
    assert SlaTarget.objects.get(ticket=ticket, kind="resolution").state == "running"
    SlaPolicy.objects.filter(name="Standard").update(pause_on_third_party=True)
    other = open_(agent, customer, subject="Toner")
    services.set_status(agent, other, "waiting_third_party")
    assert SlaTarget.objects.get(ticket=other, kind="resolution").state == "paused"


def test_resolving_meets_the_resolution_and_a_customer_reply_reopens(clock, agent, customer):
    ticket = open_(agent, customer)
    clock.move(hours=2)
    services.reply(agent, ticket, "Fixed: the driver was updated.", status="resolved")
    ticket.refresh_from_db()
    assert ticket.status == "resolved" and ticket.resolved_at == clock.now
    assert targets(ticket)[("resolution", "met")].done_at == clock.now
    clock.move(days=1)
    services.customer_message(ticket, "It broke again.", contact=customer, via="portal")
    ticket.refresh_from_db()
    assert ticket.status == "reopened" and ticket.resolved_at is None
    assert ("resolution", "running") in targets(ticket)


def test_the_worker_warns_before_a_breach_and_escalates_after(clock, agent, customer, head):
    SlaPolicy.objects.filter(name="Standard").update(
        escalate_to=head, raise_priority=True, warn_before_minutes=60
    )
    ticket = open_(agent, customer, owner=agent.pk)
    # 3h10m later the first response (due 14:00) is 50 minutes away: a warning, once
    assert sla.check(MONDAY_10 + dt.timedelta(hours=3, minutes=10)) == {
        "warned": 1,
        "breached": 0,
    }
    assert sla.check(MONDAY_10 + dt.timedelta(hours=3, minutes=20))["warned"] == 0
    assert agent.planner_notifications.filter(kind="sla_warning").count() == 1
    # at 14:00 it is breached: priority raised, reassigned to the head, both told
    result = sla.check(MONDAY_10 + dt.timedelta(hours=4))
    assert result["breached"] == 1
    ticket.refresh_from_db()
    assert ticket.sla_breached and ticket.priority == "high" and ticket.owner == head
    # the overdue deadline stays the ticket's nearest, so it sorts first in the queues
    assert ticket.next_due_at == MONDAY_10 + dt.timedelta(hours=4)
    assert head.planner_notifications.filter(kind="sla_breach").exists()
    assert agent.planner_notifications.filter(kind="sla_breach").exists()
    assert sla.check(MONDAY_10 + dt.timedelta(hours=5))["breached"] == 0  # once only
    # answered late: the record keeps "breached" with when it was answered
    clock.move(hours=5)
    services.reply(head, ticket, "Sorry for the wait.")
    first = SlaTarget.objects.get(ticket=ticket, kind="first_response")
    assert first.state == "breached" and first.done_at == clock.now
    ticket.refresh_from_db()
    assert ticket.next_due_at == SlaTarget.objects.get(ticket=ticket, kind="resolution").due_at


def test_urgent_tickets_follow_the_urgent_policy_and_changing_priority_reapplies(
    clock, agent, customer
):
    ticket = open_(agent, customer)
    ticket = update_record(services.entity(), agent, ticket, {"priority": "urgent"})
    ticket.refresh_from_db()
    assert ticket.sla_policy.name == "Urgent"
    first = SlaTarget.objects.get(ticket=ticket, kind="first_response", state="running")
    assert first.due_at == MONDAY_10 + dt.timedelta(hours=1)


def test_key_accounts_get_the_14_00_cut_off(clock, agent, make):
    company = make("company", name="Big Client")
    company.custom = {"service_tier": "key"}
    company.save()
    contact = make("contact", last_name="Key", company=company.pk)
    clock.now = dt.datetime(2026, 11, 23, 13, 59, tzinfo=UTC)
    before = services.open_ticket(agent, {"subject": "Before", "contact": contact.pk})
    assert before.tier == "key"
    due = SlaTarget.objects.get(ticket=before, kind="resolution").due_at
    assert due == dt.datetime(2026, 11, 23, 18, 0, tzinfo=UTC)
    clock.now = dt.datetime(2026, 11, 23, 14, 0, tzinfo=UTC)
    after = services.open_ticket(agent, {"subject": "After", "contact": contact.pk})
    due = SlaTarget.objects.get(ticket=after, kind="resolution").due_at
    assert due == dt.datetime(2026, 11, 24, 11, 0, tzinfo=UTC)


def test_internal_notes_stay_off_the_customer_card_and_public_replies_land_on_it(
    clock, agent, customer
):
    from kartoteka.timeline.models import Activity

    ticket = open_(agent, customer)
    services.note(agent, ticket, "Customer is on an old contract.")
    services.reply(agent, ticket, "Hello Vera, done.")
    on_card = list(
        Activity.objects.filter(entity="contact", object_id=customer.pk).values_list(
            "body", flat=True
        )
    )
    assert "Hello Vera, done." in on_card
    assert "Customer is on an old contract." not in on_card


def test_merging_moves_the_conversation_and_closes_the_duplicate(clock, agent, customer):
    keep = open_(agent, customer)
    duplicate = open_(agent, customer, subject="Printer again", description="Still offline")
    services.merge(agent, keep, duplicate)
    duplicate.refresh_from_db()
    assert duplicate.status == "closed" and duplicate.merged_into == keep
    assert keep.messages.count() == 2
    with pytest.raises(InputErrors):
        services.merge(agent, keep, duplicate)  # already merged
    with pytest.raises(InputErrors):
        services.set_status(agent, duplicate, "open")


def test_tickets_of_different_customers_are_never_merged(clock, agent, customer, make):
    stranger = make("contact", last_name="Stranger", emails="s@elsewhere.example")
    keep = open_(agent, customer)
    other = open_(agent, stranger, subject="Also a printer")
    with pytest.raises(InputErrors) as error:
        services.merge(agent, keep, other)
    assert "different customers" in error.value.first_message
    assert other.messages.count() == 1 and keep.messages.count() == 1


def test_a_manager_cannot_answer_a_ticket_they_do_not_own(clock, agent, manager, customer):
    ticket = open_(agent, customer, owner=agent.pk)
    with pytest.raises(permissions.PermissionDenied):
        services.reply(manager, ticket, "Let me take this")
    assert ticket.messages.count() == 1


def test_oversized_and_too_many_attachments_are_refused_and_nothing_is_written(
    clock, agent, customer, settings
):
    settings.SERVICE_MAX_ATTACHMENT_BYTES = 10
    ticket = open_(agent, customer)
    with pytest.raises(InputErrors):
        services.reply(
            agent, ticket, "See attached", uploads=[services.Upload("big.bin", "", b"x" * 11)]
        )
    with pytest.raises(InputErrors):
        services.reply(agent, ticket, "See", uploads=[services.Upload("a", "", b"")] * 11)
    assert ticket.messages.count() == 1


def test_attachment_names_are_made_safe(clock, agent, customer, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    ticket = open_(agent, customer)
    message = services.reply(
        agent,
        ticket,
        "Log attached",
        uploads=[services.Upload("../../etc/pass\x00wd\n.txt", "text/html; x", b"log")],
    )
    attachment = message.attachments.get()
    assert attachment.name == "passwd.txt"
    assert attachment.content_type == "text/html"
    assert attachment.file.read() == b"log"


def test_the_customer_rates_a_resolved_ticket(clock, agent, customer):
    ticket = open_(agent, customer)
    with pytest.raises(InputErrors):
        services.rate(ticket, customer, 5)
    ticket = services.set_status(agent, ticket, "resolved")
    for bad in (0, 6, "5", True):
        with pytest.raises(InputErrors):
            services.rate(ticket, customer, bad)
    services.rate(ticket, customer, 4, "Quick, thanks")
    ticket.refresh_from_db()
    assert (ticket.csat_score, ticket.csat_comment) == (4, "Quick, thanks")


def test_tickets_created_in_bulk_get_messages_history_and_sla_like_single_ones(
    clock, agent, customer, django_assert_max_num_queries
):
    from kartoteka.platform import bulk

    rows = [
        {
            "subject": f"Imported {n}",
            "contact": customer.pk,
            "priority": "urgent" if n % 2 else "normal",
        }
        for n in range(40)
    ]
    rows.append({"subject": "Already solved", "contact": customer.pk, "status": "resolved"})
    with django_assert_max_num_queries(30):  # batches: the same for 41 rows as for 4
        result = bulk.bulk_create_records(services.entity(), agent, rows)
    assert result.created == 41 and not result.errors
    single = open_(agent, customer, priority="urgent")
    imported = Ticket.objects.get(subject="Imported 1")
    assert imported.messages.get().kind == "customer"
    assert StatusPeriod.objects.filter(ticket=imported).count() == 1
    as_single = sorted(SlaTarget.objects.filter(ticket=single).values_list("kind", "due_at"))
    as_bulk = sorted(SlaTarget.objects.filter(ticket=imported).values_list("kind", "due_at"))
    assert as_bulk == as_single
    imported.refresh_from_db()
    single.refresh_from_db()
    assert imported.next_due_at == single.next_due_at == MONDAY_10 + dt.timedelta(hours=1)
    solved = Ticket.objects.get(subject="Already solved")
    assert not SlaTarget.objects.filter(ticket=solved, state="running").exists()
