"""Hostile and broken mail: the parser returns what can be read and never raises otherwise."""

import base64

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kartoteka.service.mail import MailParseError, parse_message
from kartoteka.service.mail.htmltext import html_to_text
from kartoteka.service.tests.mailservers import (
    attachment_mail,
    bounce_mail,
    cp1251_mail,
    html_only_mail,
    plain_mail,
)

SAMPLES = [plain_mail(), cp1251_mail(), html_only_mail(), attachment_mail(), bounce_mail()]


def nested_multiparts(depth: int) -> bytes:
    opening = b"".join(
        b"Content-Type: multipart/mixed; boundary=b%d\r\n\r\n--b%d\r\n" % (level, level)
        for level in range(depth)
    )
    closing = b"".join(b"\r\n--b%d--" % level for level in reversed(range(depth)))
    return (
        b"From: deep@attacker.example\r\nSubject: deep\r\nMIME-Version: 1.0\r\n"
        + opening
        + b"Content-Type: text/plain\r\n\r\ninnermost text"
        + closing
        + b"\r\n"
    )


def test_ten_thousand_nested_parts_are_cut_and_the_mail_still_reads():
    mail = parse_message(nested_multiparts(10_000), max_depth=20)

    assert mail.from_address == "deep@attacker.example"
    assert mail.subject == "deep"
    assert any("MIME structure cut" in defect for defect in mail.defects)


def test_nesting_within_the_limit_reads_the_innermost_text():
    assert parse_message(nested_multiparts(15), max_depth=20).text == "innermost text"


def test_deeply_nested_forwarded_messages_are_cut():
    layer = b"Content-Type: message/rfc822\r\n\r\nFrom: x@y.example\r\nSubject: fwd\r\n"
    raw = b"From: fwd@attacker.example\r\nSubject: fwd\r\n" + layer * 5000 + b"\r\nbody\r\n"

    mail = parse_message(raw, max_depth=20)

    assert mail.from_address == "fwd@attacker.example"
    assert any("MIME structure cut" in defect for defect in mail.defects)


def test_a_hundred_thousand_sibling_parts_are_capped():
    part = b"--b\r\nContent-Type: application/octet-stream\r\n\r\nx\r\n"
    raw = (
        b"From: many@attacker.example\r\nSubject: many\r\nContent-Type: multipart/mixed; "
        b"boundary=b\r\n\r\n--b\r\nContent-Type: text/plain\r\n\r\nfirst part\r\n"
        + part * 100_000
        + b"--b--\r\n"
    )

    mail = parse_message(raw, max_parts=50)

    assert mail.text == "first part"
    assert len(mail.attachments) < 50
    assert any("MIME structure cut" in defect for defect in mail.defects)


def test_invalid_base64_gives_what_can_be_decoded():
    raw = (
        b"From: c@customer.example\r\nSubject: b64\r\nContent-Type: text/plain; charset=utf-8\r\n"
        b"Content-Transfer-Encoding: base64\r\n\r\n"
        + base64.b64encode("Привет, мир".encode())[:-2]
        + b"!!**\r\n"
    )

    mail = parse_message(raw)

    assert mail.text.startswith("Привет")


def test_a_ten_megabyte_header_does_not_break_parsing():
    raw = plain_mail(extra_headers="X-Junk: " + "A" * 10_000_000 + "\n")
    raw = raw.replace(b"To: Support", b"To: " + b"x@y.example, " * 100_000 + b"Support")

    mail = parse_message(raw)

    assert mail.from_address == "ivan.petrov@customer.example"
    assert mail.text.startswith("Hello")
    assert len(mail.to) <= 500


def test_a_multipart_without_a_boundary_is_read_as_text():
    raw = b"From: c@customer.example\r\nContent-Type: multipart/mixed\r\n\r\nHello there\r\n"

    assert parse_message(raw).text == "Hello there"


def test_a_mail_cut_off_in_the_middle_keeps_its_first_parts():
    raw = attachment_mail()

    mail = parse_message(raw[: raw.index(b"Content-Type: application/pdf")])

    assert mail.text == "See the screenshot and the invoice."
    assert [a.filename for a in mail.attachments] == ["screenshot.png"]


def test_a_mail_without_from_is_read_with_an_empty_sender():
    raw = plain_mail().replace(b"From: Ivan Petrov <ivan.petrov@customer.example>\r\n", b"")

    mail = parse_message(raw)

    assert mail.from_address == ""
    assert mail.text.startswith("Hello")
    assert "no sender address (From)" in mail.defects


def test_a_mail_without_from_falls_back_to_sender():
    raw = plain_mail().replace(b"From: Ivan Petrov", b"Sender: Ivan Petrov")

    assert parse_message(raw).from_address == "ivan.petrov@customer.example"


@pytest.mark.parametrize(
    "raw",
    [b"", b"   \r\n\r\n  ", b"\x00" * 1000, b"just some text without any header"],
    ids=["empty", "blank", "nul-bytes", "no-headers"],
)
def test_input_with_nothing_usable_raises_a_clear_parse_error(raw):
    with pytest.raises(MailParseError):
        parse_message(raw)


def test_a_string_instead_of_bytes_raises_a_clear_parse_error():
    with pytest.raises(MailParseError, match="bytes"):
        parse_message("From: a@b.example\r\n\r\nhi")


def test_malformed_headers_still_give_the_readable_ones():
    raw = (
        b"From: =?utf-8?B?!!!notbase64?= <<c@@customer.example>>\r\n"
        b"To: ,,,;;; <>\r\nSubject: =?x-unknown?Q?=FF=FE?= ok\r\n"
        b"Date: 99 Foo 99999 99:99:99 +9999\r\nMessage-ID: <<<>>>\r\n"
        b'In-Reply-To: (comment only)\r\nContent-Type: text/plain; charset="\r\n'
        b"\tbroken continuation\r\n: no name\r\n\r\nbody text\r\n"
    )

    mail = parse_message(raw)

    assert mail.subject.endswith("ok")
    assert mail.date is None
    assert mail.in_reply_to is None
    assert mail.message_id_generated
    assert mail.text == "body text"


def test_an_attachment_name_cannot_carry_a_path_or_control_characters():
    raw = (
        b"From: c@customer.example\r\nSubject: x\r\nContent-Type: multipart/mixed; boundary=b\r\n"
        b"\r\n--b\r\nContent-Type: text/plain\r\n\r\nsee\r\n--b\r\n"
        b'Content-Disposition: attachment; filename="..\\\\..\\\\windows\\\\evil\x07.exe"\r\n'
        b"\r\nMZ\r\n--b--\r\n"
    )

    (attachment,) = parse_message(raw).attachments

    assert attachment.filename == "evil.exe"


@pytest.mark.parametrize(
    "markup",
    [
        "<a " * 200_000,
        "</" * 200_000,
        "<a x='" * 100_000,
        "<?" * 200_000,
        "<![" * 200_000,
        "<!" * 200_000,
        "<!--" * 100_000,
        "<b>" * 200_000,
    ],
    ids=["open-tags", "end-tags", "quotes", "pi", "marked", "decl", "comments", "nesting"],
)
def test_hostile_html_converts_without_errors(markup):
    text = html_to_text("<p>before</p>" + markup)

    assert text.startswith("before")


def test_html_with_a_stray_less_than_sign_keeps_the_text():
    assert html_to_text("<p>if a < b then c</p><p>next</p>") == "if a < b then c\n\nnext"


@settings(
    max_examples=300, deadline=None, database=None, suppress_health_check=[HealthCheck.too_slow]
)
@given(st.binary(max_size=4000))
def test_random_bytes_either_parse_or_raise_mail_parse_error(raw):
    try:
        mail = parse_message(raw)
    except MailParseError:
        return
    assert mail.message_id.startswith("<")


@settings(
    max_examples=300, deadline=None, database=None, suppress_health_check=[HealthCheck.too_slow]
)
@given(
    sample=st.sampled_from(SAMPLES),
    edits=st.lists(
        st.tuples(st.floats(0, 1), st.binary(min_size=0, max_size=8), st.integers(0, 40)),
        min_size=1,
        max_size=12,
    ),
)
def test_damaged_real_mails_either_parse_or_raise_mail_parse_error(sample, edits):
    raw = bytearray(sample)
    for where, insert, delete in edits:
        position = int(where * len(raw))
        raw[position : position + delete] = insert
    try:
        mail = parse_message(bytes(raw))
    except MailParseError:
        return
    assert isinstance(mail.text, str)
    assert all(isinstance(a.content, bytes) for a in mail.attachments)
