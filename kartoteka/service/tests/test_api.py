"""The service desk API as a script sees it: open a ticket with an attachment, converse,
read the SLA record, merge and link — and the malformed, hostile and unauthorised requests it
refuses with nothing written."""

from __future__ import annotations

import base64
import json

import pytest

from kartoteka.service import services
from kartoteka.service.models import Message, Ticket

pytestmark = pytest.mark.django_db
API = "/api/v1"


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


@pytest.fixture
def customer(make, registry):
    return make("contact", first_name="Vera", last_name="Nowak", emails="vera@vistula.example")


def post(client, path, body):
    return client.post(API + path, json.dumps(body), content_type="application/json")


def test_open_answer_and_read_the_sla_record(client, agent, customer):
    client.force_login(agent)
    response = post(
        client,
        "/tickets",
        {
            "subject": "Cannot log in",
            "description": "Password reset mail never arrives",
            "contact": customer.pk,
            "priority": "urgent",
            "attachments": [
                {
                    "name": "screen.png",
                    "content_type": "image/png",
                    "data": base64.b64encode(b"PNG").decode(),
                }
            ],
        },
    )
    assert response.status_code == 201, response.content
    pk = response.json()["id"]
    ticket = Ticket.objects.get(pk=pk)
    assert ticket.channel == "api" and ticket.attachments.get().name == "screen.png"
    reply = post(client, f"/tickets/{pk}/messages", {"kind": "reply", "body": "Check spam, please"})
    assert reply.status_code == 201 and reply.json()["public"] is True
    note = post(client, f"/tickets/{pk}/messages", {"kind": "note", "body": "Mail server slow"})
    assert note.json()["public"] is False
    conversation = client.get(f"{API}/tickets/{pk}/messages").json()
    assert [m["kind"] for m in conversation] == ["customer", "reply", "note"]
    attachment_url = conversation[0]["attachments"][0]["url"]
    assert b"".join(client.get(attachment_url).streaming_content) == b"PNG"
    sla = client.get(f"{API}/tickets/{pk}/sla").json()
    assert sla["policy"] == "Urgent"
    states = {t["kind"]: t["state"] for t in sla["targets"]}
    assert states["first_response"] == "met" and states["resolution"] == "running"
    assert client.get(f"{API}/tickets/queues").json()["mine"] == 1


@pytest.mark.parametrize(
    "body, field",
    [
        ({"kind": "shout", "body": "x"}, "kind"),
        ({"kind": "reply", "body": ""}, "body"),
        ({"kind": "reply", "body": "x" * 50001}, "body"),
        ({"kind": "reply", "body": "x", "status": "gone"}, "status"),
        (
            {"kind": "reply", "body": "x", "attachments": [{"name": "a", "data": "%%%"}]},
            "attachments",
        ),
        ({"kind": "reply", "body": "x", "attachments": "a.txt"}, "attachments"),
        ({"kind": "reply", "body": "x", "admin": True}, "admin"),
    ],
)
def test_bad_messages_are_refused_and_nothing_written(client, agent, customer, body, field):
    ticket = services.open_ticket(agent, {"subject": "S", "contact": customer.pk})
    client.force_login(agent)
    response = post(client, f"/tickets/{ticket.pk}/messages", body)
    assert response.status_code == 422, response.content
    assert field in response.json()["error"]["fields"]
    assert Message.objects.filter(ticket=ticket).count() == 1


def test_a_sales_manager_cannot_see_or_answer_an_agents_ticket(client, agent, manager, customer):
    ticket = services.open_ticket(agent, {"subject": "S", "contact": customer.pk})
    client.force_login(manager)
    assert client.get(f"{API}/tickets/{ticket.pk}/messages").status_code == 404
    assert post(client, f"/tickets/{ticket.pk}/messages", {"body": "x"}).status_code == 404
    assert client.get(f"{API}/tickets/{ticket.pk}/sla").status_code == 404
    attachment = services.note(
        agent, ticket, "n", uploads=[services.Upload("a.txt", "", b"a")]
    ).attachments.get()
    assert client.get(f"{API}/ticket-attachments/{attachment.pk}").status_code == 404


def test_a_read_only_user_cannot_open_tickets(client, reader, customer):
    client.force_login(reader)
    assert post(client, "/tickets", {"subject": "S", "contact": customer.pk}).status_code == 403
    assert not Ticket.objects.exists()


def test_anonymous_requests_are_refused(client, agent, customer):
    ticket = services.open_ticket(agent, {"subject": "S", "contact": customer.pk})
    assert client.get(f"{API}/tickets/{ticket.pk}/messages").status_code == 401


def test_merge_and_links(client, agent, customer, make):
    first = services.open_ticket(agent, {"subject": "A", "contact": customer.pk})
    second = services.open_ticket(agent, {"subject": "B", "contact": customer.pk})
    third = services.open_ticket(agent, {"subject": "C", "contact": customer.pk})
    deal = make("deal", name="Support contract")
    client.force_login(agent)
    linked = post(client, f"/tickets/{first.pk}/links", {"ticket": third.pk})
    assert linked.status_code == 201
    assert post(client, f"/tickets/{first.pk}/links", {"deal": deal.pk}).status_code == 201
    deal_card = client.get(f"/e/deal/{deal.pk}/").content.decode()
    assert 'id="deal-tickets"' in deal_card and f"#{first.pk} A" in deal_card
    assert post(client, f"/tickets/{first.pk}/links", {"ticket": "x"}).status_code == 422
    merged = post(client, f"/tickets/{second.pk}/merge", {"into": first.pk})
    assert merged.status_code == 200
    second.refresh_from_db()
    assert second.merged_into_id == first.pk and second.status == "closed"
    assert post(client, f"/tickets/{first.pk}/merge", {"into": first.pk}).status_code == 422
    link_id = linked.json()["id"]
    assert client.delete(f"{API}/tickets/{first.pk}/links/{link_id}").status_code == 204
