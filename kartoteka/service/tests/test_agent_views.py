"""The agent's pages: queues and bulk actions, a new ticket with attachments, the ticket's
card with its conversation, SLA and customer panels, replies and notes, downloads."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from kartoteka.service import services
from kartoteka.service.models import Attachment, Message, Ticket

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


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


@pytest.fixture
def ticket(agent, customer):
    return services.open_ticket(
        agent,
        {"subject": "Printer <b>offline</b>", "contact": customer.pk, "description": "Help"},
    )


def login(client, user):
    client.force_login(user)
    return client


def test_the_ticket_card_shows_the_conversation_sla_and_customer(client, agent, ticket):
    services.note(agent, ticket, "<script>alert(1)</script> old contract")
    html = login(client, agent).get(f"/e/ticket/{ticket.pk}/").content.decode()
    assert 'id="conversation"' in html and 'id="sla-panel"' in html
    assert 'id="customer-panel"' in html and "vera@vistula.example" in html
    assert "<script>alert(1)</script>" not in html and "&lt;script&gt;" in html
    assert "Printer &lt;b&gt;offline&lt;/b&gt;" in html
    assert 'data-target="first_response"' in html


def test_an_agent_replies_from_the_card_with_an_attachment(client, agent, ticket):
    login(client, agent)
    response = client.post(
        f"/service/tickets/{ticket.pk}/reply/",
        {
            "kind": "reply",
            "body": "Restart it, please.",
            "status": "waiting_customer",
            "attachments": [SimpleUploadedFile("steps.txt", b"1. off 2. on", "text/plain")],
        },
        HTTP_HX_REQUEST="true",
    )
    assert response.status_code == 200
    assert "Restart it, please." in response.content.decode()
    ticket.refresh_from_db()
    assert ticket.status == "waiting_customer"
    attachment = Attachment.objects.get()
    download = client.get(f"/service/attachments/{attachment.pk}/")
    assert download["Content-Disposition"].startswith("attachment")
    assert download["X-Content-Type-Options"] == "nosniff"
    assert b"".join(download.streaming_content) == b"1. off 2. on"


def test_an_uploaded_html_page_is_never_served_as_html(client, agent, ticket):
    message = services.note(
        agent, ticket, "see", uploads=[services.Upload("x.html", "text/html", b"<script>")]
    )
    response = login(client, agent).get(f"/service/attachments/{message.attachments.get().pk}/")
    assert response["Content-Type"] == "application/octet-stream"


def test_an_empty_reply_is_refused_with_a_message_and_nothing_written(client, agent, ticket):
    response = login(client, agent).post(
        f"/service/tickets/{ticket.pk}/reply/",
        {"kind": "reply", "body": "  "},
        HTTP_HX_REQUEST="true",
    )
    assert response.status_code == 422
    assert "Write something." in response.content.decode()
    assert ticket.messages.count() == 1


def test_someone_who_cannot_see_the_ticket_gets_404_everywhere(client, manager, ticket):
    login(client, manager)  # a sales manager sees only their own records
    assert client.get(f"/e/ticket/{ticket.pk}/").status_code == 404
    assert client.post(f"/service/tickets/{ticket.pk}/reply/", {"body": "x"}).status_code == 404
    attachment = services.note(
        ticket.owner, ticket, "n", uploads=[services.Upload("a.txt", "text/plain", b"a")]
    ).attachments.get()
    assert client.get(f"/service/attachments/{attachment.pk}/").status_code == 404
    assert ticket.messages.count() == 2


def test_a_read_only_user_cannot_reply(client, reader, ticket):
    login(client, reader).post(f"/service/tickets/{ticket.pk}/reply/", {"body": "hi"})
    assert not Message.objects.filter(kind="reply").exists()


def test_queues_count_and_list_and_bulk_take(client, agent, customer, ticket):
    other = services.open_ticket(
        agent, {"subject": "Second", "contact": customer.pk, "owner": None}
    )
    login(client, agent)
    page = client.get("/service/?queue=unassigned").content.decode()
    assert f'data-ticket="{other.pk}"' in page and f'data-ticket="{ticket.pk}"' not in page
    response = client.post(
        "/service/bulk/",
        {"ids": [other.pk], "action": "take", "next": "/service/?queue=unassigned"},
    )
    assert response.status_code == 302
    other.refresh_from_db()
    assert other.owner == agent
    mine = client.get("/service/?queue=mine").content.decode()
    assert f'data-ticket="{other.pk}"' in mine and f'data-ticket="{ticket.pk}"' in mine


def test_a_queue_row_shows_the_ticket_escaped_with_its_badges_and_deadline(
    client, agent, customer, ticket
):
    import datetime as dt

    from django.utils import timezone, translation

    Ticket.objects.filter(pk=ticket.pk).update(
        priority=Ticket.Priority.URGENT,
        sla_breached=True,
        next_due_at=timezone.now() - dt.timedelta(hours=1),
    )
    page = login(client, agent).get("/service/?queue=mine").content.decode()
    row = page[page.index(f'<tr data-ticket="{ticket.pk}">') :]
    row = row[: row.index("</tr>")]
    assert f'<a href="/service/tickets/{ticket.pk}/">Printer &lt;b&gt;offline&lt;/b&gt;</a>' in row
    assert '<span class="badge text-bg-danger">SLA</span>' in row
    assert '<span class="badge text-bg-danger">Urgent</span>' in row
    assert "Vera Nowak" in row and '<div class="small text-muted">Vistula Ltd</div>' in row
    assert 'class="kt-due-late"' in row and str(agent) in row
    assert f'aria-label="Select ticket {ticket.pk}"' in row
    empty = client.get("/service/?queue=waiting").content.decode()
    assert "Nothing in this queue." in empty and "<tr data-ticket" not in empty
    agent.language = "ru"
    agent.save(update_fields=["language"])
    with translation.override("ru"):
        russian = client.get("/service/?queue=mine").content.decode()
        urgent = translation.gettext("Urgent")
        assert urgent != "Urgent" and urgent in russian and "Urgent" not in russian


def test_a_queue_page_reads_its_rows_in_a_fixed_number_of_queries(client, agent, customer):
    """The rows are read with only the columns they show: nothing they show is loaded
    afterwards, one query per ticket."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    login(client, agent)

    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert client.get("/service/?queue=open").status_code == 200
        return len(captured.captured_queries)

    services.open_ticket(agent, {"subject": "First", "contact": customer.pk})
    few = queries()
    for n in range(5):
        services.open_ticket(agent, {"subject": f"More {n}", "contact": customer.pk})
    assert queries() == few


def test_bulk_status_with_a_bad_value_changes_nothing(client, agent, ticket):
    login(client, agent).post(
        "/service/bulk/", {"ids": [ticket.pk], "action": "status", "status": "nonsense"}
    )
    ticket.refresh_from_db()
    assert ticket.status == "new"


def test_a_new_ticket_from_the_form_with_an_attachment(client, agent, customer):
    login(client, agent)
    assert client.get("/service/tickets/new/").status_code == 200
    response = client.post(
        "/service/tickets/new/",
        {
            "subject": "Invoice is wrong",
            "description": "The VAT rate is 0%.",
            "contact": customer.pk,
            "type": "complaint",
            "priority": "high",
            "channel": "phone",
            "owner": agent.pk,
            "attachments": [SimpleUploadedFile("invoice.pdf", b"%PDF-1.4", "application/pdf")],
        },
    )
    assert response.status_code == 302
    ticket = Ticket.objects.get(subject="Invoice is wrong")
    assert (ticket.type, ticket.priority, ticket.channel) == ("complaint", "high", "phone")
    assert ticket.attachments.get().name == "invoice.pdf"


def test_the_new_ticket_form_shows_errors_and_writes_nothing(client, agent):
    response = login(client, agent).post("/service/tickets/new/", {"subject": ""})
    assert response.status_code == 422
    assert not Ticket.objects.exists()


def test_merge_from_the_card(client, agent, customer, ticket):
    duplicate = services.open_ticket(agent, {"subject": "Dup", "contact": customer.pk})
    login(client, agent).post(f"/service/tickets/{duplicate.pk}/merge/", {"other": f"#{ticket.pk}"})
    duplicate.refresh_from_db()
    assert duplicate.merged_into == ticket
    # a number nobody can see is refused
    response = client.post(f"/service/tickets/{ticket.pk}/link/", {"other": "999999"}, follow=True)
    assert "There is no ticket #999999 you can see." in response.content.decode()


def test_vendor_contact_is_logged_and_waiting_time_reported(client, agent, ticket, make):
    vendor = make("company", name="PrintCo")
    login(client, agent)
    services.set_status(agent, ticket, "waiting_third_party")
    client.post(
        f"/service/tickets/{ticket.pk}/vendor/",
        {"vendor": vendor.pk, "direction": "out", "body": "Asked PrintCo for a part"},
    )
    message = Message.objects.get(kind="vendor")
    assert message.vendor == vendor and message.body == "Asked PrintCo for a part"
    html = client.get(f"/e/ticket/{ticket.pk}/").content.decode()
    assert "Asked PrintCo for a part" in html and 'id="third-party-time"' in html


def test_a_colleague_asks_support_and_follows_their_request_without_seeing_notes(
    client, agent, manager, outsider
):
    login(client, manager)  # a sales manager: sees only their own records
    form = client.get("/service/tickets/new/").content.decode()
    assert f'value="{manager.pk}" selected' in form  # the request is theirs by default
    response = client.post(
        "/service/tickets/new/",
        {"subject": "Access to exports", "type": "access", "requester_user": manager.pk},
    )
    assert response.status_code == 302
    ticket = Ticket.objects.get()
    assert ticket.owner is None and ticket.requester_user == manager  # for support to take
    # support answers and writes an internal note
    services.reply(agent, ticket, "Granted: try the Export button now.")
    services.note(
        agent, ticket, "Checked with the boss", uploads=[services.Upload("n.txt", "", b"x")]
    )
    note_file = Attachment.objects.get(name="n.txt")
    card = client.get(f"/e/ticket/{ticket.pk}/").content.decode()
    assert "Granted: try the Export button now." in card
    assert "Checked with the boss" not in card
    assert client.get(f"/service/attachments/{note_file.pk}/").status_code == 404
    # they add to their request, but cannot answer as support
    client.post(f"/service/tickets/{ticket.pk}/reply/", {"kind": "reply", "body": "Works, thanks"})
    last = ticket.messages.order_by("-id").first()
    assert (last.kind, last.author_user) == ("customer", manager)
    # nobody else from sales sees it
    login(client, outsider)
    assert client.get(f"/e/ticket/{ticket.pk}/").status_code == 404


def test_the_new_ticket_form_offers_only_active_categories(client, agent, registry):
    from kartoteka.service.models import Category

    Category.objects.filter(name="Billing").update(active=False)
    registry.bump()
    form = login(client, agent).get("/service/tickets/new/").content.decode()
    assert ">General</option>" in form and "Billing" not in form
