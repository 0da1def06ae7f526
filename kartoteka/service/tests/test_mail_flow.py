"""Mail through the service desk against real servers on loopback (Dovecot for IMAP, aiosmtpd
for SMTP): a mail becomes a ticket, the agent's reply arrives threaded, the customer's answer
lands on the same ticket, and auto-replies, loops and repeats open nothing."""

from __future__ import annotations

import email
from email import policy

import pytest

from kartoteka.contacts.models import Contact
from kartoteka.service import inbound, services
from kartoteka.service.models import Mailbox, Message, ProcessedMail, SlaTarget, Ticket
from kartoteka.service.tests.mailservers import (
    CUSTOMER,
    DESK,
    attachment_mail,
    cp1251_mail,
    looped_mail,
    out_of_office_mail,
    plain_mail,
)

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture(autouse=True)
def media(settings, tmp_path, migrated_defaults):
    settings.MEDIA_ROOT = tmp_path


@pytest.fixture
def mailbox(imap_server, smtp_server):
    return Mailbox.objects.create(
        name="Support",
        address=DESK,
        imap_host=imap_server.host,
        imap_port=imap_server.port,
        imap_security="none",
        username=imap_server.username,
        password=imap_server.password,
        smtp_host=smtp_server.host,
        smtp_port=smtp_server.port,
        smtp_security="none",
    )


def test_a_mail_becomes_a_ticket_the_reply_is_threaded_and_the_answer_lands_on_it(
    mailbox, imap_server, smtp_server, agent
):
    imap_server.deliver(plain_mail())
    assert inbound.poll(mailbox) == {"ticket": 1}
    ticket = Ticket.objects.get()
    assert ticket.subject == "Printer on the 2nd floor is broken"
    assert ticket.channel == "email" and ticket.requester_email == CUSTOMER
    assert "error E42" in ticket.description
    contact = Contact.objects.get()  # an unknown sender becomes a contact
    assert (contact.first_name, contact.last_name, contact.emails) == ("Ivan", "Petrov", [CUSTOMER])
    assert ticket.contact == contact
    # read mail is marked, so the next poll finds nothing new
    assert all(m.seen for m in imap_server.messages())
    assert inbound.poll(mailbox) == {}
    # the sender is told the request's number, in the thread, as an automatic reply
    ack = email.message_from_bytes(smtp_server.wait_for(1)[0].raw, policy=policy.default)
    assert ack["Auto-Submitted"] == "auto-replied"
    assert ack["In-Reply-To"] == "<plain-1@customer.example>"
    assert f"#{ticket.pk}" in ack.get_content()
    assert ticket.messages.count() == 1  # not a reply: no deadline is met by it
    assert SlaTarget.objects.get(ticket=ticket, kind="first_response").state == "running"

    reply = services.reply(agent, ticket, "Please switch it off and on again.")
    sent = smtp_server.wait_for(2)[1]
    assert sent.rcpt_tos == [CUSTOMER]
    parsed = email.message_from_bytes(sent.raw, policy=policy.default)
    assert parsed["In-Reply-To"] == "<plain-1@customer.example>"
    assert "<plain-1@customer.example>" in parsed["References"]
    assert parsed["Subject"] == f"Re: [#{ticket.pk}] Printer on the 2nd floor is broken"
    assert parsed["Message-ID"] == Message.objects.get(pk=reply.pk).message_id
    assert Message.objects.get(pk=reply.pk).mail_status == "sent"

    # the customer answers our mail: threaded by In-Reply-To onto the same ticket
    answer = plain_mail(
        subject=f"Re: [#{ticket.pk}] Printer on the 2nd floor is broken",
        body="It works now, thanks!\n\nOn Monday Support wrote:\n> Please switch it off",
        message_id="<plain-2@customer.example>",
        extra_headers=f"In-Reply-To: {parsed['Message-ID']}\nReferences: {parsed['Message-ID']}\n",
    )
    imap_server.deliver(answer)
    assert inbound.poll(mailbox) == {"reply": 1}
    assert Ticket.objects.count() == 1
    last = ticket.messages.order_by("-at", "-id").first()
    assert last.kind == "customer" and last.body == "It works now, thanks!"  # quote cut off
    assert last.message_id == "<plain-2@customer.example>"


def test_no_confirmation_when_the_mailbox_is_set_not_to(mailbox, imap_server, smtp_server):
    Mailbox.objects.filter(pk=mailbox.pk).update(acknowledge=False)
    mailbox.refresh_from_db()
    imap_server.deliver(plain_mail())
    assert inbound.poll(mailbox) == {"ticket": 1}
    assert smtp_server.messages == []


def test_auto_replies_loops_and_repeats_open_no_ticket(mailbox, imap_server):
    imap_server.deliver(out_of_office_mail())
    imap_server.deliver(looped_mail())
    imap_server.deliver(plain_mail())
    imap_server.deliver(plain_mail())  # the same mail delivered twice
    counts = inbound.poll(mailbox)
    assert counts == {"automatic": 2, "ticket": 1, "duplicate": 1}
    assert Ticket.objects.count() == 1
    outcomes = dict(ProcessedMail.objects.values_list("message_id", "outcome"))
    assert outcomes["<oof-1@customer.example>"] == "automatic"
    assert outcomes["<loop-1@customer.example>"] == "automatic"


def test_attachments_and_a_russian_mail_in_cp1251(mailbox, imap_server):
    imap_server.deliver(attachment_mail())
    imap_server.deliver(cp1251_mail())
    inbound.poll(mailbox)
    with_files = Ticket.objects.exclude(attachments=None).get()
    assert with_files.attachments.count() >= 1
    russian = Ticket.objects.get(subject="Не работает принтер")
    assert "Принтер на втором этаже не печатает." in russian.description


def test_a_ticket_token_from_a_stranger_does_not_join_that_ticket(
    mailbox, imap_server, agent, make
):
    owner = make("contact", last_name="Owner", emails="owner@client.example")
    ticket = services.open_ticket(agent, {"subject": "Private matter", "contact": owner.pk})
    imap_server.deliver(
        plain_mail(
            subject=f"Re: [#{ticket.pk}] Private matter",
            message_id="<x-1@evil.example>",
            sender="Eve <eve@evil.example>",
        )
    )
    assert inbound.poll(mailbox) == {"ticket": 1}
    assert ticket.messages.count() == 1  # nothing joined the private ticket
    # …while the requester's own mail with the token does join it
    imap_server.deliver(
        plain_mail(
            subject=f"Re: [#{ticket.pk}] Private matter",
            message_id="<o-1@client.example>",
            sender="Owner <owner@client.example>",
        )
    )
    assert inbound.poll(mailbox) == {"reply": 1}
    assert ticket.messages.count() == 2


def test_a_wrong_password_is_shown_on_the_mailbox_and_nothing_breaks(mailbox, imap_server):
    Mailbox.objects.filter(pk=mailbox.pk).update(password="wrong")
    mailbox.refresh_from_db()
    imap_server.deliver(plain_mail())
    assert inbound.poll(mailbox) == {}
    mailbox.refresh_from_db()
    assert mailbox.last_error and mailbox.last_checked_at
    assert not Ticket.objects.exists()


def test_a_field_an_administrator_made_required_does_not_lose_mail(
    mailbox, imap_server, admin_user
):
    from kartoteka.customization import services as customization

    customization.create_field(
        admin_user,
        {
            "entity": "ticket",
            "key": "contract",
            "label": "Contract",
            "type": "text",
            "required": True,
        },
    )
    imap_server.deliver(plain_mail())
    assert inbound.poll(mailbox) == {"ticket": 1}
    assert Ticket.objects.get().custom.get("contract") in (None, "")


def test_a_mail_that_cannot_be_read_is_set_aside_and_the_mailbox_says_so(mailbox, imap_server):
    imap_server.deliver(b"\r\n\r\nno headers at all, only a body\r\n")
    imap_server.deliver(plain_mail())
    assert inbound.poll(mailbox) == {"rejected": 1, "ticket": 1}
    assert ProcessedMail.objects.filter(outcome="rejected").count() == 1
    mailbox.refresh_from_db()
    assert "could not be read" in mailbox.last_error
    assert inbound.poll(mailbox) == {}  # not tried again and again
