"""The test mail servers themselves: they start, stop cleanly, and never collide."""

import socket
import subprocess

import pytest

from kartoteka.service.tests.mailservers import Dovecot, require_dovecot


def answers(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=1):
            return True
    except OSError:
        return False


def running_in_group(group: int) -> list[str]:
    """Processes of a process group that still run (a dead one waiting to be reaped by
    init is a zombie, state Z, and no longer runs)."""
    listing = subprocess.run(
        ["ps", "-o", "stat=,cmd=", "-g", str(group)], capture_output=True, text=True, check=False
    ).stdout
    return [line for line in listing.splitlines() if line.strip() and not line.startswith("Z")]


def test_a_missing_dovecot_skips_locally_but_fails_in_ci(monkeypatch):
    monkeypatch.setenv("KARTOTEKA_DOVECOT", "/nonexistent/dovecot")

    monkeypatch.delenv("CI", raising=False)
    with pytest.raises(pytest.skip.Exception, match="Dovecot not found"):
        require_dovecot()

    monkeypatch.setenv("CI", "true")
    with pytest.raises(pytest.fail.Exception, match="Dovecot not found"):
        require_dovecot()


def test_two_dovecots_run_side_by_side_and_stop_without_leftovers():
    binary = require_dovecot()
    first, second = Dovecot(binary), Dovecot(binary)
    try:
        first.start()
        second.start()
        processes = [first.process, second.process]

        assert first.port != second.port
        assert first.root != second.root
        assert answers(first.port) and answers(second.port)
        box = first.add_mailbox()
        box.deliver(b"From: a@b.example\r\nSubject: one\r\n\r\nx\r\n")
        assert len(box.messages()) == 1
    finally:
        for dovecot in (first, second):  # both shut down at once; each takes about a second
            if dovecot.process is not None:
                dovecot.process.terminate()
        first.stop()
        second.stop()

    for dovecot, process in zip((first, second), processes, strict=True):
        assert process.poll() is not None
        assert not answers(dovecot.port)
        assert not dovecot.root.exists()
        assert running_in_group(process.pid) == []


def test_each_test_gets_its_own_empty_mailbox(imap_server):
    assert imap_server.messages() == []
    imap_server.deliver(b"From: a@b.example\r\nSubject: mine\r\n\r\nx\r\n")
    assert [m.raw.split(b"\r\n")[1] for m in imap_server.messages()] == [b"Subject: mine"]


def test_waiting_for_mail_that_never_arrives_fails_with_a_clear_message(smtp_server):
    with pytest.raises(AssertionError, match=r"expected 1 message\(s\) .* got 0"):
        smtp_server.wait_for(1, timeout=0.2)
