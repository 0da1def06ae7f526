"""Building outgoing mail: thread headers, one ticket token, loop and automatic markers."""

import pytest

from kartoteka.service.mail import (
    build_new,
    build_reply,
    cap_references,
    parse_message,
    thread_ids,
    ticket_reference,
)
from kartoteka.service.mail.parse import Attachment
from kartoteka.service.tests.mailservers import (
    CUSTOMER,
    DESK,
    DESK_DOMAIN,
    PNG_1X1,
    bounce_mail,
    out_of_office_mail,
    plain_mail,
)


def reply(**overrides):
    values = {
        "from_address": DESK,
        "from_name": "Kartoteka Support",
        "to": [CUSTOMER],
        "subject": "Printer on the 2nd floor is broken",
        "text": "Please restart it.",
        "in_reply_to": "<plain-1@customer.example>",
        "references": [],
        "ticket_number": 12,
        "domain": DESK_DOMAIN,
    }
    values.update(overrides)
    return build_reply(**values)


def reparse(message):
    return parse_message(message.as_bytes(), own_addresses=[DESK], own_domains=[DESK_DOMAIN])


def test_a_reply_to_a_parsed_mail_threads_to_it():
    incoming = parse_message(
        plain_mail(extra_headers="References: <root@customer.example>\n"),
    )

    message = reply(
        subject=incoming.subject,
        in_reply_to=incoming.message_id,
        references=incoming.references,
    )

    assert message["In-Reply-To"] == incoming.message_id
    assert message["References"].split() == ["<root@customer.example>", incoming.message_id]
    assert thread_ids(reparse(message)) == [incoming.message_id, "<root@customer.example>"]


def test_every_message_gets_a_fresh_message_id_at_our_domain():
    first, second = reply(), reply()

    assert first["Message-ID"] != second["Message-ID"]
    assert first["Message-ID"].endswith(f"@{DESK_DOMAIN}>")
    assert first["Message-ID"].startswith("<")


def test_every_message_carries_our_loop_header():
    assert reply()["X-Kartoteka-Loop"] == DESK_DOMAIN
    assert (
        build_new(
            from_address=DESK,
            from_name="Desk",
            to=[CUSTOMER],
            subject="Hi",
            text="x",
            ticket_number=1,
            domain=DESK_DOMAIN,
        )["X-Kartoteka-Loop"]
        == DESK_DOMAIN
    )


@pytest.mark.parametrize(
    "subject",
    [
        "Printer broken",
        "Re: Printer broken",
        "Re: [#12] Printer broken",
        "RE: Re: [#12] Printer broken",
        "AW: [#12] Re: [#12] Printer broken",
        "Odp: Отв: Re[3]: [#12] Printer broken",
        "Re: Printer broken [#12]",
    ],
)
def test_a_reply_subject_has_one_re_and_one_ticket_token(subject):
    assert reply(subject=subject)["Subject"] == "Re: [#12] Printer broken"


def test_replying_to_our_own_reply_again_does_not_grow_the_subject():
    subject = "Printer broken"
    for _ in range(5):
        subject = str(reply(subject=subject)["Subject"])

    assert subject == "Re: [#12] Printer broken"
    assert ticket_reference(subject) == 12


def test_a_custom_ticket_prefix_is_used_and_read_back():
    message = reply(subject="Re: [KRT-12] Printer", ticket_prefix="KRT-")

    assert message["Subject"] == "Re: [KRT-12] Printer"
    assert ticket_reference(str(message["Subject"]), "KRT-") == 12


def test_references_are_capped_keeping_the_root_and_the_newest():
    chain = [f"<{n}@customer.example>" for n in range(60)]

    message = reply(in_reply_to="<60@customer.example>", references=chain)

    ids = message["References"].split()
    assert len(ids) == 20
    assert ids[0] == "<0@customer.example>"
    assert ids[-2:] == ["<59@customer.example>", "<60@customer.example>"]
    assert cap_references(["<a@x>", "<b@x>"]) == ["<a@x>", "<b@x>"]


def test_only_automatic_notifications_carry_auto_submitted():
    agent = reply()
    notification = reply(automatic=True)

    assert agent["Auto-Submitted"] is None
    assert notification["Auto-Submitted"] == "auto-replied"
    assert notification["X-Auto-Response-Suppress"] == "All"


def test_a_new_ticket_message_has_the_token_and_no_thread_headers():
    message = build_new(
        from_address=DESK,
        from_name="Desk",
        to=[("Ivan Petrov", CUSTOMER)],
        cc=["anna@customer.example"],
        subject="Your replacement printer",
        text="It ships today.",
        ticket_number=77,
        domain=DESK_DOMAIN,
        automatic=True,
    )

    assert message["Subject"] == "[#77] Your replacement printer"
    assert message["In-Reply-To"] is None and message["References"] is None
    assert message["Auto-Submitted"] == "auto-generated"
    assert str(message["To"]) == f"Ivan Petrov <{CUSTOMER}>"
    assert str(message["Cc"]) == "anna@customer.example"


def test_non_ascii_names_subjects_text_and_filenames_survive_a_round_trip():
    message = reply(
        from_name="Служба поддержки",
        to=[("Łukasz Żółć", "lukasz@klient.example")],
        subject="Не работает принтер",
        text="Здравствуйте!\nПерезагрузите принтер.\n\nDzięki — Łukasz",
        attachments=[("Счёт №5.pdf", "application/pdf", b"%PDF-1.4")],
    )

    mail = reparse(message)

    assert mail.from_name == "Служба поддержки"
    assert mail.to == ("lukasz@klient.example",)
    assert mail.subject == "Re: [#12] Не работает принтер"
    assert mail.text == "Здравствуйте!\nПерезагрузите принтер.\n\nDzięki — Łukasz"
    (attachment,) = mail.attachments
    assert (attachment.filename, attachment.content) == ("Счёт №5.pdf", b"%PDF-1.4")


def test_inline_images_go_next_to_the_html_and_files_are_attached():
    image = Attachment(
        "logo.png", "image/png", PNG_1X1, content_id="logo@desk.example", inline=True
    )

    message = reply(
        html='<p>Please restart it.</p><img src="cid:logo@desk.example">',
        attachments=[image, ("log.txt", "text/plain", b"error E42")],
    )

    mail = reparse(message)
    assert message.get_content_type() == "multipart/mixed"
    assert "multipart/related" in {part.get_content_type() for part in message.walk()}
    assert mail.text == "Please restart it."
    logo, log = mail.attachments
    assert (logo.filename, logo.inline, logo.content_id, logo.content) == (
        "logo.png",
        True,
        "logo@desk.example",
        PNG_1X1,
    )
    assert (log.filename, log.content) == ("log.txt", b"error E42")


def test_line_breaks_in_subjects_and_names_cannot_inject_headers():
    message = reply(
        subject="Hello\r\nBcc: victim@evil.example",
        from_name="Desk\nX-Evil: 1",
    )

    raw = message.as_bytes()
    assert b"\r\nBcc:" not in raw and b"\nX-Evil:" not in raw
    assert reparse(message).subject == "Re: [#12] Hello Bcc: victim@evil.example"


@pytest.mark.parametrize(
    "address", ["not-an-address", "a@b@c", "x@y.example\r\nBcc: v@evil.example", "", "<a@b>"]
)
def test_an_invalid_recipient_address_is_refused(address):
    with pytest.raises(ValueError, match="is not an e-mail address"):
        reply(to=[address])


def test_an_invalid_domain_for_message_ids_is_refused():
    with pytest.raises(ValueError, match="is not a domain name"):
        reply(domain="desk example>")


def test_our_own_reply_coming_back_is_recognised_as_a_loop():
    assert reparse(reply(from_address="agent@elsewhere.example")).automatic.startswith(
        "loop: X-Kartoteka-Loop"
    )


def test_a_reply_to_an_out_of_office_still_threads_but_is_marked_automatic():
    incoming = parse_message(out_of_office_mail())

    message = reply(in_reply_to=incoming.message_id, references=incoming.references, automatic=True)

    assert message["In-Reply-To"] == "<oof-1@customer.example>"
    assert message["Auto-Submitted"] == "auto-replied"


def test_attachments_of_an_incoming_bounce_can_be_sent_on():
    bounce = parse_message(bounce_mail())

    message = reply(attachments=bounce.attachments)

    forwarded = reparse(message).attachments
    assert [(a.filename, a.content_type) for a in forwarded] == [
        ("delivery-status.txt", "text/plain"),
        ("message.eml", "message/rfc822"),
    ]
    assert b"Message-ID: <reply-1@desk.example>" in forwarded[1].content
