"""Reading incoming mail: senders, charsets, HTML, attachments, threading, automatic mail."""

import base64
from datetime import UTC, datetime

import pytest

from kartoteka.service.mail import (
    is_weak_reason,
    new_text,
    parse_message,
    thread_ids,
    ticket_reference,
)
from kartoteka.service.tests.mailservers import (
    CUSTOMER,
    DESK,
    DESK_DOMAIN,
    PNG_1X1,
    attachment_mail,
    bounce_mail,
    cp1251_mail,
    html_only_mail,
    looped_mail,
    out_of_office_mail,
    plain_mail,
)

RUSSIAN = "Здравствуйте!\nПринтер на втором этаже не печатает.\nСпасибо, Иван."
POLISH = "Dzień dobry, proszę o pomoc: drukarka nie działa. Pozdrawiam, Łukasz"


def parse(raw: bytes, **kwargs):
    return parse_message(raw, own_addresses=[DESK], own_domains=[DESK_DOMAIN], **kwargs)


def mail_with_body(body: bytes, content_type: str, *, subject: bytes = b"Test") -> bytes:
    return (
        b"From: Customer <c@customer.example>\r\nTo: " + DESK.encode() + b"\r\n"
        b"Subject: " + subject + b"\r\nMessage-ID: <t@customer.example>\r\n"
        b"Content-Type: " + content_type.encode() + b"\r\n\r\n" + body + b"\r\n"
    )


# -- people, subject, date ---------------------------------------------------------------------


def test_a_plain_mail_is_read_with_sender_subject_recipients_and_date():
    mail = parse(plain_mail())

    assert mail.message_id == "<plain-1@customer.example>"
    assert mail.from_address == CUSTOMER
    assert mail.from_name == "Ivan Petrov"
    assert mail.subject == "Printer on the 2nd floor is broken"
    assert mail.to == (DESK,)
    assert mail.cc == ("anna@customer.example",)
    assert mail.date == datetime(2024, 3, 11, 9, 15, tzinfo=UTC)
    assert mail.text.startswith("Hello,\n\nthe printer shows error E42")
    assert mail.automatic is None
    assert mail.attachments == ()


def test_sender_addresses_are_lower_cased_and_reply_to_is_where_answers_go():
    raw = plain_mail(
        sender="Ivan <Ivan.Petrov@Customer.EXAMPLE>",
        extra_headers="Reply-To: Helpdesk Team <Team@Customer.example>\n",
    )

    mail = parse(raw)

    assert mail.from_address == "ivan.petrov@customer.example"
    assert mail.reply_to == ("team@customer.example",)
    assert mail.reply_address == "team@customer.example"


def test_an_encoded_display_name_with_a_comma_stays_one_address():
    raw = plain_mail(sender="=?utf-8?Q?Petrov=2C_Ivan?= <ivan@customer.example>")

    mail = parse(raw)

    assert (mail.from_name, mail.from_address) == ("Petrov, Ivan", "ivan@customer.example")


def test_encoded_words_split_in_the_middle_of_a_character_are_joined():
    word = "Привет".encode()
    first, second = base64.b64encode(word[:3]).decode(), base64.b64encode(word[3:]).decode()
    raw = plain_mail(subject=f"=?utf-8?B?{first}?= =?utf-8?B?{second}?= мир")

    assert parse(raw).subject == "Привет мир"


def test_a_raw_8bit_subject_and_sender_name_in_koi8r_are_decoded():
    raw = (
        "From: Иван <ivan@customer.example>\r\nSubject: Счёт не пришёл\r\n"
        "Content-Type: text/plain; charset=koi8-r\r\n\r\nГде счёт?\r\n"
    ).encode("koi8-r")

    mail = parse(raw)

    assert mail.subject == "Счёт не пришёл"
    assert mail.from_name == "Иван"
    assert mail.text == "Где счёт?"


def test_a_date_without_a_zone_is_read_as_utc_and_a_garbage_date_as_none():
    naive = parse(plain_mail(extra_headers="").replace(b"+0100", b"-0000"))
    garbage = parse(plain_mail().replace(b"Mon, 11 Mar 2024 10:15:00 +0100", b"next Tuesday"))

    assert naive.date == datetime(2024, 3, 11, 10, 15, tzinfo=UTC)
    assert garbage.date is None


# -- charsets ----------------------------------------------------------------------------------


def test_a_cp1251_mail_is_decoded_from_its_declared_charset():
    mail = parse(cp1251_mail())

    assert mail.subject == "Не работает принтер"
    assert mail.from_name == "Иван Петров"
    assert mail.text == RUSSIAN


@pytest.mark.parametrize(
    ("encoding", "declared"),
    [
        ("cp1251", ""),  # no label at all
        ("cp1251", "iso-8859-1"),  # the classic wrong default
        ("cp1251", "us-ascii"),
        ("cp1251", "koi8-r"),  # the two Cyrillic tables swapped
        ("koi8-r", "windows-1251"),
        ("koi8-r", ""),
        ("cp1251", "utf-8"),  # not valid UTF-8 at all
        ("cp1251", "no-such-charset"),
        ("utf-8", "windows-1251"),  # UTF-8 labelled as cp1251
    ],
)
def test_russian_text_with_a_wrong_or_missing_charset_is_still_read(encoding, declared):
    content_type = f"text/plain; charset={declared}" if declared else "text/plain"

    mail = parse(mail_with_body(RUSSIAN.encode(encoding), content_type))

    assert mail.text == RUSSIAN


@pytest.mark.parametrize(
    ("encoding", "declared"),
    [("cp1250", "iso-8859-2"), ("iso8859_2", "windows-1250"), ("cp1250", ""), ("cp1250", "koi8-r")],
)
def test_polish_text_with_a_wrong_or_missing_charset_is_still_read(encoding, declared):
    content_type = f"text/plain; charset={declared}" if declared else "text/plain"

    mail = parse(mail_with_body(POLISH.encode(encoding), content_type))

    assert mail.text == POLISH


def test_a_latin1_mail_in_german_keeps_its_umlauts():
    text = "Grüße aus München, die Straße ist gesperrt."

    mail = parse(mail_with_body(text.encode("latin-1"), "text/plain; charset=iso-8859-1"))

    assert mail.text == text


@pytest.mark.parametrize("charset", ["base64", "rot13", "zlib", "unicode_escape", "idna"])
def test_a_codec_that_is_not_a_charset_is_ignored(charset):
    mail = parse(mail_with_body(RUSSIAN.encode("cp1251"), f"text/plain; charset={charset}"))

    assert mail.text == RUSSIAN


# -- HTML --------------------------------------------------------------------------------------


def test_an_html_only_mail_becomes_readable_text_without_scripts_or_styles():
    mail = parse(html_only_mail())

    assert mail.subject == "Zamówienie nie dotarło"
    assert mail.text == (
        "Dzień dobry,\n\nzamówienie #4711 nie dotarło.\n\n- Adres: Warszawa\n- Data: 10.03"
    )
    assert "track()" not in mail.text and "color" not in mail.text
    assert "<b>#4711</b>" in mail.html


def test_html_quotes_become_quoted_lines_that_new_text_cuts_off():
    html = (
        b"<div>Works now, thanks!</div><div class=gmail_quote>"
        b"<div>On Mon, 11 Mar 2024 at 10:00, Support &lt;support@desk.example&gt; wrote:</div>"
        b"<blockquote>Please restart the printer.</blockquote></div>"
    )

    mail = parse(mail_with_body(html, "text/html; charset=utf-8"))

    assert "> Please restart the printer." in mail.text
    assert mail.new_text == "Works now, thanks!"


def test_html_links_keep_their_address_and_entities_are_decoded():
    html = b'<p>Read <a href="https://desk.example/kb/7">the article</a> &amp; reply&nbsp;soon</p>'

    mail = parse(mail_with_body(html, "text/html; charset=utf-8"))

    assert mail.text == "Read the article (https://desk.example/kb/7) & reply soon"


def test_an_html_mail_naming_its_charset_only_in_a_meta_tag_is_decoded():
    html = '<html><head><meta charset="windows-1251"></head><body>Счёт оплачен</body></html>'

    mail = parse(mail_with_body(html.encode("cp1251"), "text/html"))

    assert mail.text == "Счёт оплачен"


def test_the_plain_part_of_an_alternative_is_the_text_and_the_html_is_kept():
    mail = parse(attachment_mail())

    assert mail.text == "See the screenshot and the invoice."
    assert 'src="cid:shot@customer.example"' in mail.html


def test_an_empty_plain_part_falls_back_to_the_html_part():
    raw = (
        b"From: c@customer.example\r\nSubject: x\r\nContent-Type: multipart/alternative; "
        b'boundary="b"\r\n\r\n--b\r\nContent-Type: text/plain\r\n\r\n \r\n--b\r\n'
        b"Content-Type: text/html\r\n\r\n<p>Only here</p>\r\n--b--\r\n"
    )

    assert parse(raw).text == "Only here"


# -- attachments -------------------------------------------------------------------------------


def test_attachments_and_inline_images_are_listed_with_decoded_filenames():
    mail = parse(attachment_mail())

    image, invoice = mail.attachments
    assert (image.filename, image.content_type, image.inline) == (
        "screenshot.png",
        "image/png",
        True,
    )
    assert image.content_id == "shot@customer.example"
    assert image.content == PNG_1X1
    assert (invoice.filename, invoice.content_type, invoice.inline) == (
        "Счёт №5.pdf",
        "application/pdf",
        False,
    )
    assert invoice.content.startswith(b"%PDF-1.4")


def test_an_rfc2047_encoded_attachment_name_is_decoded_and_stripped_of_any_path():
    raw = (
        b"From: c@customer.example\r\nSubject: x\r\nContent-Type: multipart/mixed; boundary=b"
        b"\r\n\r\n--b\r\nContent-Type: text/plain\r\n\r\nsee file\r\n--b\r\n"
        b'Content-Type: application/octet-stream; name="=?utf-8?B?'
        + base64.b64encode("../../Отчёт.xlsx".encode())
        + b'?="\r\nContent-Transfer-Encoding: base64\r\n\r\nAAEC\r\n--b--\r\n'
    )

    (attachment,) = parse(raw).attachments

    assert attachment.filename == "Отчёт.xlsx"
    assert attachment.content == b"\x00\x01\x02"


def test_an_image_without_a_filename_gets_a_generated_one():
    raw = (
        b"From: c@customer.example\r\nSubject: x\r\nContent-Type: multipart/related; boundary=b"
        b"\r\n\r\n--b\r\nContent-Type: text/html\r\n\r\n<img src=cid:p1>\r\n--b\r\n"
        b"Content-Type: image/png\r\nContent-ID: <p1>\r\nContent-Transfer-Encoding: base64\r\n\r\n"
        + base64.b64encode(PNG_1X1)
        + b"\r\n--b--\r\n"
    )

    (image,) = parse(raw).attachments

    assert (image.filename, image.inline, image.content_id) == ("image-1.png", True, "p1")


def test_an_attachment_over_the_size_limit_is_reported_not_loaded():
    mail = parse(attachment_mail(), max_attachment_bytes=30)

    assert [a.filename for a in mail.attachments] == ["Счёт №5.pdf"]
    (skipped,) = mail.skipped_attachments
    assert (skipped.filename, skipped.reason) == (
        "screenshot.png",
        "larger than the attachment limit",
    )
    assert skipped.size > 30


def test_the_total_attachment_limit_skips_what_comes_after_it():
    mail = parse(attachment_mail(), max_total_attachment_bytes=70)

    assert [a.filename for a in mail.attachments] == ["screenshot.png"]
    assert [s.filename for s in mail.skipped_attachments] == ["Счёт №5.pdf"]
    assert mail.skipped_attachments[0].reason == "over the total size limit for a mail"


# -- threading ---------------------------------------------------------------------------------


def test_a_mail_without_message_id_gets_a_stable_generated_one():
    raw = plain_mail().replace(b"Message-ID: <plain-1@customer.example>\r\n", b"")

    first, again = parse(raw), parse(raw)
    other = parse(raw.replace(b"E42", b"E43"))

    assert first.message_id == again.message_id
    assert first.message_id != other.message_id
    assert first.message_id.startswith("<") and first.message_id.endswith(">")
    assert first.message_id_generated


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        ("<abc@x.example>", "<abc@x.example>"),
        ("  <abc@x.example> (added by gateway)", "<abc@x.example>"),
        ("abc@x.example", "<abc@x.example>"),
        ("<abc\n @x.example>", "<abc@x.example>"),  # folded
    ],
)
def test_message_ids_are_normalised_with_angle_brackets(header, expected):
    raw = plain_mail(message_id=header)

    assert parse(raw).message_id == expected


def test_thread_ids_lists_in_reply_to_then_references_newest_first():
    raw = plain_mail(
        message_id="<4@x>",
        extra_headers="In-Reply-To: <3@x>\nReferences: <1@x>\n <2@x> <3@x>\n",
    )

    mail = parse(raw)

    assert mail.in_reply_to == "<3@x>"
    assert mail.references == ("<1@x>", "<2@x>", "<3@x>")
    assert thread_ids(mail) == ["<3@x>", "<2@x>", "<1@x>"]


def test_references_without_angle_brackets_are_still_found():
    mail = parse(plain_mail(extra_headers="References: 1@x 2@x\n"))

    assert mail.references == ("<1@x>", "<2@x>")


@pytest.mark.parametrize(
    ("subject", "prefix", "number"),
    [
        ("Re: [#123] Printer broken", "#", 123),
        ("Printer broken [#7]", "#", 7),
        ("AW: Re: [ #42 ] x", "#", 42),
        ("Re: [KRT-9] Printer", "KRT-", 9),
        ("Order #123 is late", "#", None),
        ("[#abc] nothing", "#", None),
        ("", "#", None),
    ],
)
def test_the_ticket_number_is_found_in_the_subject_token(subject, prefix, number):
    assert ticket_reference(subject, prefix) == number


# -- quoted replies ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "Thanks, works now.\n\nOn Mon, 11 Mar 2024 at 10:00, Support <support@desk.example> "
        "wrote:\n> Please restart.\n> Bye",
        "Thanks, works now.\nOn Mon, 11 Mar 2024 at 10:00, Support\n<support@desk.example> "
        "wrote:\n\n> Please restart.",
        "Thanks, works now.\n\n-----Original Message-----\nFrom: Support\nSent: Monday\n"
        "Please restart.",
        "Thanks, works now.\n\n________________________________\nFrom: Support <s@desk.example>"
        "\nSent: Monday, 11 March 2024 10:00\nTo: Ivan\nSubject: Re: [#12] Printer\n\nRestart.",
        "Thanks, works now.\n\n12.03.2024, 10:00, Поддержка <support@desk.example> пишет:\n"
        "> Перезагрузите принтер.",
        "Thanks, works now.\n\nпн, 11 мар. 2024 г. в 12:00, Support <support@desk.example>:\n"
        "> Перезагрузите.",
        "Thanks, works now.\n\nW dniu pon., 11.03.2024 o 12:00 Pomoc <support@desk.example> "
        "napisał(a):\n> Proszę zrestartować.",
        "> Please restart the printer.\n> It helps.\n\nThanks, works now.",
    ],
    ids=["gmail", "wrapped", "outlook", "outlook-web", "russian", "gmail-ru", "polish", "top"],
)
def test_new_text_cuts_the_quoted_conversation(text):
    assert new_text(text) == "Thanks, works now."


def test_new_text_keeps_answers_written_between_quoted_lines():
    text = "> Which model?\nHP 4250\n> Which floor?\nSecond"

    assert new_text(text) == "HP 4250\nSecond"


def test_new_text_keeps_everything_when_nothing_would_remain():
    assert new_text("> only a quote\n> nothing new") == "> only a quote\n> nothing new"


def test_new_text_leaves_a_sentence_ending_in_wrote_alone():
    text = "My colleague wrote:\nthe printer is fine now"

    assert new_text(text) == text


# -- automatic mail ----------------------------------------------------------------------------


def test_an_out_of_office_reply_is_recognised_as_automatic():
    mail = parse(out_of_office_mail())

    assert mail.automatic == "Auto-Submitted: auto-replied"
    assert not is_weak_reason(mail.automatic)


def test_a_delivery_failure_report_is_recognised_as_a_bounce():
    mail = parse(bounce_mail())

    assert mail.automatic.startswith("bounce:")
    assert [a.filename for a in mail.attachments] == ["delivery-status.txt", "message.eml"]
    assert b"Message-ID: <reply-1@desk.example>" in mail.attachments[1].content


def test_our_own_loop_header_coming_back_is_recognised():
    assert parse(looped_mail()).automatic.startswith("loop: X-Kartoteka-Loop")


def test_another_desks_loop_header_does_not_count_as_ours():
    assert parse(looped_mail(domain="other-desk.example")).automatic is None


def test_mail_from_our_own_address_is_a_loop():
    mail = parse(plain_mail(sender=f"Support <{DESK.upper()}>"))

    assert mail.automatic == f"loop: sent from the desk's own address {DESK}"


@pytest.mark.parametrize(
    ("headers", "reason"),
    [
        ("Auto-Submitted: auto-generated\n", "Auto-Submitted: auto-generated"),
        ("X-Autoreply: yes\n", "X-Autoreply header"),
        ("X-Autorespond: Vacation\n", "X-Autorespond header"),
        ("Precedence: bulk\n", "Precedence: bulk"),
        ("Precedence: junk\n", "Precedence: junk"),
        ("Precedence: auto_reply\n", "Precedence: auto_reply"),
        ("Precedence: list\nList-Id: <news.shop.example>\n", "Precedence: list"),
        ("List-Id: Shop news <news.shop.example>\n", "mailing list (List-Id)"),
        ("List-Unsubscribe: <mailto:u@shop.example>\n", "mailing list or newsletter"),
        (f"X-Loop: {DESK}\n", "loop: X-Loop names this desk"),
        ("Return-Path: <>\n", "bounce or auto-reply: empty Return-Path <>"),
    ],
)
def test_machine_sent_mail_is_recognised_by_its_headers(headers, reason):
    mail = parse(plain_mail(extra_headers=headers))

    assert mail.automatic is not None and mail.automatic.startswith(reason)


def test_mail_from_mailer_daemon_or_postmaster_is_a_bounce():
    for sender in ("MAILER-DAEMON@mx.example", "postmaster@customer.example"):
        assert parse(plain_mail(sender=sender)).automatic == f"bounce: sent by {sender.lower()}"


def test_a_read_receipt_is_automatic():
    raw = plain_mail().replace(
        b"Content-Type: text/plain; charset=utf-8",
        b"Content-Type: multipart/report; report-type=disposition-notification; boundary=b",
    )

    assert parse(raw).automatic == "read receipt (multipart/report)"


def test_a_customer_mail_through_our_own_google_group_is_not_automatic():
    headers = (
        "Precedence: list\nList-Id: <support.desk.example>\n"
        "List-Unsubscribe: <mailto:support+unsubscribe@desk.example>\n"
    )

    assert parse(plain_mail(extra_headers=headers)).automatic is None


@pytest.mark.parametrize(
    "subject",
    [
        "Out of Office: Printer",
        "Automatic reply: [#12] Printer",
        "Автоответ: Принтер",
        "Nieobecność w biurze",
        "Undeliverable: Re: [#12] Printer",
    ],
)
def test_an_automatic_looking_subject_alone_is_a_weak_signal(subject):
    mail = parse(plain_mail(subject=subject))

    assert is_weak_reason(mail.automatic)


def test_a_person_answering_an_out_of_office_is_not_automatic():
    assert parse(plain_mail(subject="Re: Out of office: Printer")).automatic is None


def test_an_ordinary_customer_mail_is_not_automatic():
    assert parse(plain_mail(extra_headers="Auto-Submitted: no\n")).automatic is None
