"""Reading the support mailbox from a real Dovecot and sending through a real SMTP server."""

import pytest

from kartoteka.service.mail import (
    MailboxError,
    MailboxSession,
    build_reply,
    check_connection,
    fetch_new,
    is_weak_reason,
    mark_processed,
    parse_message,
    send,
)
from kartoteka.service.tests.mailservers import (
    CUSTOMER,
    DESK,
    DESK_DOMAIN,
    PNG_1X1,
    REFUSED_DOMAIN,
    attachment_mail,
    bounce_mail,
    cp1251_mail,
    free_port,
    html_only_mail,
    looped_mail,
    out_of_office_mail,
    plain_mail,
    running_smtp_server,
    self_signed_certificate,
    skip_or_fail,
)


def parse(raw: bytes):
    return parse_message(raw, own_addresses=[DESK], own_domains=[DESK_DOMAIN])


# -- reading -----------------------------------------------------------------------------------


def test_every_kind_of_delivered_mail_is_fetched_in_order_and_read(imap_server):
    kinds = [
        plain_mail(),
        cp1251_mail(),
        html_only_mail(),
        attachment_mail(),
        bounce_mail(),
        out_of_office_mail(),
        looped_mail(),
    ]
    uids = [imap_server.deliver(raw) for raw in kinds]

    fetched = fetch_new(imap_server.config())

    assert [uid for uid, _ in fetched] == uids
    plain, russian, html, attached, bounce, away, looped = [parse(raw) for _, raw in fetched]
    assert (plain.from_address, plain.automatic) == (CUSTOMER, None)
    assert plain.text.startswith("Hello,\n\nthe printer shows error E42")
    assert (russian.subject, russian.from_name) == ("Не работает принтер", "Иван Петров")
    assert russian.text.startswith("Здравствуйте!\nПринтер на втором этаже")
    assert html.text.startswith("Dzień dobry,\n\nzamówienie #4711 nie dotarło.")
    assert [(a.filename, a.inline) for a in attached.attachments] == [
        ("screenshot.png", True),
        ("Счёт №5.pdf", False),
    ]
    assert attached.attachments[0].content == PNG_1X1
    assert bounce.automatic.startswith("bounce:")
    assert away.automatic == "Auto-Submitted: auto-replied"
    assert looped.automatic.startswith("loop: X-Kartoteka-Loop")
    assert not any(is_weak_reason(m.automatic) for m in (bounce, away, looped))


def test_delivered_bytes_come_back_unchanged(imap_server):
    raw = attachment_mail()
    imap_server.deliver(raw)

    ((_uid, fetched),) = fetch_new(imap_server.config())

    assert fetched == raw


def test_fetched_mail_stays_unread_until_it_is_marked_processed(imap_server):
    imap_server.deliver(plain_mail())
    config = imap_server.config()

    first = fetch_new(config)
    again = fetch_new(config)

    assert [uid for uid, _ in first] == [uid for uid, _ in again]
    assert not imap_server.messages()[0].seen


def test_marked_mail_does_not_come_back(imap_server):
    for n in range(3):
        imap_server.deliver(plain_mail(message_id=f"<m{n}@customer.example>"))
    config = imap_server.config()
    first, second, third = (uid for uid, _ in fetch_new(config))

    mark_processed(config, [first, third])

    assert [uid for uid, _ in fetch_new(config)] == [second]
    assert [m.seen for m in imap_server.messages()] == [True, False, True]


def test_mail_already_read_by_a_person_is_not_fetched(imap_server):
    imap_server.deliver(plain_mail(), flags="\\Seen")

    assert fetch_new(imap_server.config()) == []


def test_processed_mail_moves_to_a_folder_created_on_first_use(imap_server):
    imap_server.deliver(plain_mail())
    imap_server.deliver(cp1251_mail())
    config = imap_server.config(processed_folder="Обработано")

    mark_processed(config, [uid for uid, _ in fetch_new(config)])

    assert imap_server.messages() == []
    moved = imap_server.messages("Обработано")
    assert [parse(m.raw).message_id for m in moved] == [
        "<plain-1@customer.example>",
        "<cp1251-1@customer.example>",
    ]
    assert all(m.seen for m in moved)
    assert "Обработано" in imap_server.folders()
    assert fetch_new(config) == []


def test_fetch_new_takes_the_oldest_messages_up_to_the_limit(imap_server):
    uids = [imap_server.deliver(plain_mail(message_id=f"<n{n}@x.example>")) for n in range(5)]

    fetched = fetch_new(imap_server.config(), limit=2)

    assert [uid for uid, _ in fetched] == uids[:2]


def test_a_message_over_the_size_limit_is_fetched_cut_with_its_headers(imap_server):
    imap_server.deliver(plain_mail(body="x" * 50_000))

    ((_uid, raw),) = fetch_new(imap_server.config(), max_bytes=2_000)

    assert len(raw) == 2_000
    assert parse(raw).message_id == "<plain-1@customer.example>"


def test_one_session_fetches_and_marks_in_a_single_connection(imap_server):
    imap_server.deliver(plain_mail())

    with MailboxSession(imap_server.config()) as mailbox:
        assert mailbox.uidvalidity
        ((uid, _raw),) = mailbox.fetch_new()
        mailbox.mark_processed([uid])
        assert mailbox.fetch_new() == []


def test_an_empty_mailbox_fetches_nothing_and_marking_nothing_is_harmless(imap_server):
    config = imap_server.config()

    assert fetch_new(config) == []
    mark_processed(config, [])


def test_a_uid_that_is_not_a_number_is_refused_before_reaching_the_server(imap_server):
    with pytest.raises(ValueError, match="is not an IMAP UID"):
        mark_processed(imap_server.config(), ["1:*"])


# -- sending -----------------------------------------------------------------------------------


def test_a_reply_to_a_fetched_mail_arrives_with_the_threading_headers(imap_server, smtp_server):
    imap_server.deliver(plain_mail(extra_headers="References: <root@customer.example>\n"))
    config = imap_server.config(smtp_server)
    ((_uid, raw),) = fetch_new(config)
    incoming = parse(raw)

    message = build_reply(
        from_address=DESK,
        from_name="Kartoteka Support",
        to=[incoming.reply_address],
        subject=incoming.subject,
        text="Please restart it.",
        in_reply_to=incoming.message_id,
        references=incoming.references,
        ticket_number=12,
        domain=DESK_DOMAIN,
    )
    refused = send(config, message)

    (received,) = smtp_server.wait_for(1)
    assert refused == {}
    assert received.mail_from == DESK
    assert received.rcpt_tos == [CUSTOMER]
    answer = parse(received.raw)
    assert answer.in_reply_to == incoming.message_id == "<plain-1@customer.example>"
    assert answer.references[-1] == incoming.message_id
    assert answer.references[0] == "<root@customer.example>"
    assert answer.subject == "Re: [#12] Printer on the 2nd floor is broken"
    assert answer.message_id == message["Message-ID"]
    assert answer.automatic.startswith("loop:")  # if it ever comes back, it is not answered


def test_sending_without_login_works_when_the_server_allows_it(imap_server, smtp_server):
    config = imap_server.config(smtp_server, smtp_username="")

    send(config, reply_to_customer())

    assert smtp_server.wait_for(1)[0].rcpt_tos == [CUSTOMER]


def test_a_partly_refused_message_reports_the_refused_recipients(imap_server, smtp_server):
    message = reply_to_customer(cc=[f"gone@{REFUSED_DOMAIN}"])

    refused = send(imap_server.config(smtp_server), message)

    assert list(refused) == [f"gone@{REFUSED_DOMAIN}"]
    assert refused[f"gone@{REFUSED_DOMAIN}"][0] == 550
    assert smtp_server.wait_for(1)[0].rcpt_tos == [CUSTOMER]


def test_a_message_refused_for_every_recipient_raises(imap_server, smtp_server):
    message = reply_to_customer(to=[f"gone@{REFUSED_DOMAIN}"])

    with pytest.raises(MailboxError, match="refused every recipient") as caught:
        send(imap_server.config(smtp_server), message)

    assert caught.value.kind == "rejected"
    assert smtp_server.messages == []


def reply_to_customer(**overrides):
    values = {
        "from_address": DESK,
        "from_name": "Desk",
        "to": [CUSTOMER],
        "subject": "Printer",
        "text": "Restart it.",
        "in_reply_to": "<plain-1@customer.example>",
        "references": [],
        "ticket_number": 12,
        "domain": DESK_DOMAIN,
    }
    values.update(overrides)
    return build_reply(**values)


# -- errors an administrator can act on --------------------------------------------------------


def test_a_wrong_imap_password_says_the_server_refused_the_login(imap_server):
    config = imap_server.config(password="wrong")

    with pytest.raises(MailboxError) as caught:
        fetch_new(config)

    assert caught.value.kind == "auth"
    assert f"did not accept the user name “{imap_server.username}”" in str(caught.value)
    assert "Authentication failed" in str(caught.value)


def test_a_missing_folder_is_named_with_the_folders_that_exist(imap_server):
    with pytest.raises(MailboxError) as caught:
        fetch_new(imap_server.config(folder="Support Inbox"))

    assert caught.value.kind == "folder"
    assert "The folder “Support Inbox” does not exist" in str(caught.value)
    assert "Folders there: INBOX" in str(caught.value)


def test_a_closed_port_says_that_nothing_listens_there(imap_server):
    config = imap_server.config(imap_port=free_port())

    with pytest.raises(MailboxError, match="Nothing accepts IMAP connections") as caught:
        fetch_new(config)

    assert caught.value.kind == "unreachable"


def test_an_unknown_host_name_says_it_cannot_be_resolved(imap_server):
    config = imap_server.config(imap_host="imap.no-such-host.invalid")

    with pytest.raises(MailboxError, match="cannot be resolved") as caught:
        fetch_new(config)

    assert caught.value.kind == "unreachable"


def test_ssl_against_a_plain_port_points_at_the_security_setting(imap_server):
    config = imap_server.config(imap_security="ssl")

    with pytest.raises(MailboxError, match="try “starttls” or another port") as caught:
        fetch_new(config)

    assert caught.value.kind == "tls"


def tls_config(imap_server, **overrides):
    if imap_server.tls_port is None:
        skip_or_fail("openssl is needed to make the test server's TLS certificate")
    return imap_server.config(**overrides)


def test_an_untrusted_certificate_is_named_with_the_way_out(imap_server):
    config = tls_config(imap_server, imap_security="ssl", imap_port=imap_server.tls_port)

    with pytest.raises(MailboxError, match="The certificate of 127.0.0.1 is not trusted") as caught:
        fetch_new(config)

    assert caught.value.kind == "tls"
    assert "self-signed" in str(caught.value)


def test_imaps_with_certificate_checking_off_reads_the_mailbox(imap_server):
    imap_server.deliver(plain_mail())
    config = tls_config(
        imap_server, imap_security="ssl", imap_port=imap_server.tls_port, verify_tls=False
    )

    ((uid, raw),) = fetch_new(config)
    mark_processed(config, [uid])

    assert parse(raw).message_id == "<plain-1@customer.example>"
    assert imap_server.messages()[0].seen


def test_starttls_upgrades_the_plain_port_before_logging_in(imap_server):
    imap_server.deliver(plain_mail())
    trusted = tls_config(imap_server, imap_security="starttls")
    unchecked = tls_config(imap_server, imap_security="starttls", verify_tls=False)

    with pytest.raises(MailboxError, match="is not trusted"):
        fetch_new(trusted)
    assert [parse(raw).subject for _, raw in fetch_new(unchecked)] == [
        "Printer on the 2nd floor is broken"
    ]


def test_a_wrong_smtp_password_says_the_server_refused_the_login(imap_server, smtp_server):
    config = imap_server.config(smtp_server, smtp_password="wrong")

    with pytest.raises(MailboxError, match="did not accept the user name") as caught:
        send(config, reply_to_customer())

    assert caught.value.kind == "auth"
    assert "535" in str(caught.value)
    assert smtp_server.messages == []


def test_smtp_starttls_on_a_server_without_it_points_at_the_security_setting(
    imap_server, smtp_server
):
    config = imap_server.config(smtp_server, smtp_security="starttls")

    with pytest.raises(MailboxError, match="does not offer STARTTLS") as caught:
        send(config, reply_to_customer())

    assert caught.value.kind == "tls"


@pytest.fixture
def certificate_dir(tmp_path):
    if not self_signed_certificate(tmp_path):
        skip_or_fail("openssl is needed to make the test server's TLS certificate")
    return tmp_path


@pytest.mark.parametrize("security", ["starttls", "ssl"])
def test_smtp_over_tls_sends_once_the_certificate_is_accepted(
    imap_server, certificate_dir, security
):
    with running_smtp_server(security, certificate_dir) as server:
        checked = imap_server.config(server, smtp_security=security)
        unchecked = imap_server.config(server, smtp_security=security, verify_tls=False)

        with pytest.raises(MailboxError, match="The certificate of 127.0.0.1 is not trusted"):
            send(checked, reply_to_customer())
        send(unchecked, reply_to_customer())

        assert server.wait_for(1)[0].rcpt_tos == [CUSTOMER]


def test_a_plain_connection_to_an_ssl_smtp_port_points_at_the_security_setting(
    imap_server, certificate_dir
):
    with running_smtp_server("ssl", certificate_dir) as server:
        config = imap_server.config(server, smtp_username="", timeout=1.0)

        with pytest.raises(MailboxError, match="set the security to “ssl”"):
            send(config, reply_to_customer())

        assert server.messages == []


def test_incomplete_settings_are_reported_before_connecting(imap_server):
    config = imap_server.config(imap_host=" ", imap_security="tls", address="support")

    with pytest.raises(MailboxError) as caught:
        fetch_new(config)

    assert caught.value.kind == "config"
    message = str(caught.value)
    assert "The IMAP server is not set." in message
    assert "IMAP security must be “ssl”, “starttls” or “none”." in message
    assert "The desk's e-mail address is not set." in message


def test_check_connection_finds_nothing_wrong_with_good_settings(imap_server, smtp_server):
    assert check_connection(imap_server.config(smtp_server, processed_folder="Done")) == []
    assert "Done" not in imap_server.folders()  # checking changes nothing


def test_check_connection_lists_each_server_problem(imap_server, smtp_server):
    config = imap_server.config(smtp_server, password="wrong", smtp_port=free_port())

    problems = check_connection(config)

    assert len(problems) == 2
    assert "did not accept the user name" in problems[0]
    assert "Nothing accepts SMTP connections" in problems[1]
