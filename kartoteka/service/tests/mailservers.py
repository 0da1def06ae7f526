"""Real mail servers for tests: aiosmtpd for SMTP, Dovecot for IMAP, both on 127.0.0.1.

    from kartoteka.service.tests.mailservers import imap_server, smtp_server  # noqa: F401

`smtp_server` (per test) collects what it receives; `imap_server` (per test) is a fresh,
empty mailbox on one Dovecot started for the whole test session, stopped at its end (and by
the kernel if pytest is killed). Both listen on random free ports with private temporary
directories, so parallel runs do not meet. Dovecot also offers STARTTLS and IMAPS with a
self-signed certificate (`tls_port`). A missing Dovecot or aiosmtpd skips the tests locally
and fails them in CI (CI=true), as Chromium does for the browser tests.

At the end: sample mails as real clients and servers write them (plain, cp1251, HTML-only,
attachments with an inline image, a bounce, an out-of-office reply, our own mail looping).
"""

from __future__ import annotations

import grp
import imaplib
import logging
import os
import pwd
import re
import secrets
import shutil
import signal
import socket
import ssl
import subprocess
import tempfile
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from email import message_from_bytes, policy
from email.message import EmailMessage
from pathlib import Path

import pytest

from kartoteka.service.mail.transport import MailboxConfig, imap_utf7_decode, quote_mailbox

DOVECOT_CANDIDATES = ("/usr/sbin/dovecot", "/usr/local/sbin/dovecot")
REFUSED_DOMAIN = "refused.example"
START_TIMEOUT = 20.0


def skip_or_fail(message: str) -> None:
    """Skip locally, fail in CI: CI must run every test."""
    if os.environ.get("CI"):
        pytest.fail(message)
    pytest.skip(message)


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


# -- SMTP --------------------------------------------------------------------------------------


@dataclass
class ReceivedMail:
    mail_from: str
    rcpt_tos: list[str]
    raw: bytes

    @property
    def message(self) -> EmailMessage:
        return message_from_bytes(self.raw, policy=policy.default)


@dataclass
class SmtpServer:
    host: str
    port: int
    username: str
    password: str
    messages: list[ReceivedMail] = field(default_factory=list)

    def wait_for(self, count: int = 1, timeout: float = 10.0) -> list[ReceivedMail]:
        """The first `count` messages, waiting for them to arrive (polling, no fixed sleep)."""
        deadline = time.monotonic() + timeout
        while len(self.messages) < count:
            if time.monotonic() > deadline:
                raise AssertionError(
                    f"expected {count} message(s) at the SMTP server within {timeout}s, "
                    f"got {len(self.messages)}"
                )
            time.sleep(0.01)
        return self.messages[:count]


@pytest.fixture
def smtp_server() -> Iterator[SmtpServer]:
    """An aiosmtpd server on 127.0.0.1 that keeps what it accepts in `.messages`.

    It offers AUTH (PLAIN/LOGIN, without TLS) for `.username`/`.password` but does not
    require it; a wrong password is refused with 535. Recipients at REFUSED_DOMAIN are
    refused with 550, like a real server's unknown users.
    """
    with running_smtp_server() as server:
        yield server


@contextmanager
def running_smtp_server(
    tls: str | None = None, certificate_dir: Path | None = None
) -> Iterator[SmtpServer]:
    """The SMTP server of `smtp_server`; with tls="starttls" it offers STARTTLS, with
    tls="ssl" it speaks TLS from the start, both with the self-signed certificate in
    `certificate_dir` (see `self_signed_certificate`)."""
    try:
        from aiosmtpd.controller import Controller
        from aiosmtpd.smtp import AuthResult
    except ImportError:
        skip_or_fail("aiosmtpd is not installed (pip install -e '.[dev]')")

    server = SmtpServer("127.0.0.1", 0, "desk-smtp", secrets.token_hex(8))

    class Handler:
        async def handle_RCPT(self, _server, _session, envelope, address, _options):  # noqa: N802
            if address.lower().endswith("@" + REFUSED_DOMAIN):
                return "550 5.1.1 No such user here"
            envelope.rcpt_tos.append(address)
            return "250 OK"

        async def handle_DATA(self, _server, _session, envelope):  # noqa: N802 - aiosmtpd API
            raw = envelope.original_content or envelope.content
            server.messages.append(ReceivedMail(envelope.mail_from, list(envelope.rcpt_tos), raw))
            return "250 Message accepted for delivery"

    def authenticator(_server, _session, _envelope, _mechanism, auth_data):
        login = getattr(auth_data, "login", b"")
        password = getattr(auth_data, "password", b"")
        ok = login == server.username.encode() and password == server.password.encode()
        return AuthResult(success=ok, handled=False)

    options: dict[str, object] = {}
    if tls:
        assert certificate_dir is not None, "TLS needs a certificate directory"
        context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        context.load_cert_chain(certificate_dir / "cert.pem", certificate_dir / "key.pem")
        options["ssl_context" if tls == "ssl" else "tls_context"] = context
    _quiet_aiosmtpd()
    controller = None
    for _attempt in range(5):
        server.port = free_port()
        controller = Controller(
            Handler(),
            hostname=server.host,
            port=server.port,
            authenticator=authenticator,
            auth_require_tls=False,
            auth_required=False,
            enable_SMTPUTF8=True,
            **options,
        )
        try:
            controller.start()
            break
        except OSError:  # the port was taken between probing and binding
            controller = None
    if controller is None:
        pytest.fail("the test SMTP server could not bind a port on 127.0.0.1")
    try:
        yield server
    finally:
        controller.stop()


def _quiet_aiosmtpd() -> None:
    """aiosmtpd 1.4 warns about its own use of a deprecated attribute on every login."""
    log = logging.getLogger("mail.log")
    if not any(isinstance(f, _DeprecationNoise) for f in log.filters):
        log.addFilter(_DeprecationNoise())


class _DeprecationNoise(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        return "login_data is deprecated" not in record.getMessage()


# -- IMAP (Dovecot) ----------------------------------------------------------------------------


@dataclass
class StoredMessage:
    uid: str
    flags: tuple[str, ...]
    raw: bytes

    @property
    def seen(self) -> bool:
        return "\\Seen" in self.flags


@dataclass
class ImapMailbox:
    """One user's mailbox on the test Dovecot."""

    host: str
    port: int
    username: str
    password: str
    # Implicit TLS (IMAPS) with a self-signed certificate; the plain port offers STARTTLS
    # with it too. None when openssl was not there to make the certificate.
    tls_port: int | None = None

    def connect(self) -> imaplib.IMAP4:
        connection = imaplib.IMAP4(self.host, self.port, timeout=10)
        connection.login(self.username, self.password)
        return connection

    def deliver(self, raw: bytes, folder: str = "INBOX", flags: str = "") -> str:
        """Put a message into a folder (IMAP APPEND, as a mail server's delivery would);
        returns its UID."""
        connection = self.connect()
        try:
            if folder.upper() != "INBOX":
                connection.create(quote_mailbox(folder))
            typ, data = connection.append(
                quote_mailbox(folder), f"({flags})" if flags else None, None, raw
            )
            assert typ == "OK", data
            match = re.search(rb"APPENDUID \d+ (\d+)", b" ".join(d for d in data if d))
            return match.group(1).decode() if match else ""
        finally:
            connection.logout()

    def messages(self, folder: str = "INBOX") -> list[StoredMessage]:
        """Every message in a folder with its flags, read without changing anything."""
        connection = self.connect()
        try:
            typ, data = connection.select(quote_mailbox(folder), readonly=True)
            if typ != "OK" or not data or data[0] in (None, b"0"):
                return []
            typ, data = connection.uid("FETCH", "1:*", "(UID FLAGS BODY.PEEK[])")
            found = []
            for entry in data or []:
                if not isinstance(entry, tuple):
                    continue
                header, raw = entry[0], entry[1]
                uid = re.search(rb"UID (\d+)", header)
                flags = re.search(rb"FLAGS \(([^)]*)\)", header)
                found.append(
                    StoredMessage(
                        uid.group(1).decode() if uid else "",
                        tuple(flags.group(1).decode().split()) if flags else (),
                        raw,
                    )
                )
            return found
        finally:
            connection.logout()

    def folders(self) -> list[str]:
        connection = self.connect()
        try:
            typ, data = connection.list()
            names = []
            for item in data or []:
                if isinstance(item, bytes):
                    names.append(imap_utf7_decode(item.rsplit(b" ", 1)[-1].strip(b'"').decode()))
            return names
        finally:
            connection.logout()

    def config(self, smtp: SmtpServer | None = None, **overrides: object) -> MailboxConfig:
        """Settings for this mailbox (and the SMTP server, if given) without encryption."""
        values: dict[str, object] = {
            "imap_host": self.host,
            "imap_port": self.port,
            "imap_security": "none",
            "username": self.username,
            "password": self.password,
            "smtp_host": smtp.host if smtp else "127.0.0.1",
            "smtp_port": smtp.port if smtp else 25,
            "smtp_security": "none",
            "smtp_username": smtp.username if smtp else "",
            "smtp_password": smtp.password if smtp else "",
            "address": "support@desk.example",
            "timeout": 10.0,
        }
        values.update(overrides)
        return MailboxConfig(**values)  # type: ignore[arg-type]


class Dovecot:
    """A private Dovecot: own config, directories, log and port; mailboxes added on the fly."""

    def __init__(self, binary: str):
        self.binary = binary
        _remove_stale_instances()
        self.root = Path(tempfile.mkdtemp(prefix=_PREFIX))
        # One password for every mailbox of this instance: a static passdb lets each test
        # log in as a new user at once (a passwd-file is re-read at most once a second).
        self.password = secrets.token_hex(12)
        self.port = 0
        self.process: subprocess.Popen[bytes] | None = None
        self.tls = False
        self.tls_port: int | None = None
        self.lock = threading.Lock()
        self.count = 0
        # Unset, Dovecot's own group for its sockets (root can hand them over to it).
        self.internal_group: str | None = None
        if os.geteuid() == 0:
            # Dovecot refuses to run its login processes or mail access as root.
            internal = _existing_user("dovecot", "nobody")
            login = _existing_user("dovenull", "nobody")
        else:
            # Everything runs as the current user, who cannot switch users or groups.
            internal = login = pwd.getpwuid(os.geteuid()).pw_name
            self.internal_group = grp.getgrgid(os.getegid()).gr_name
        entry = pwd.getpwnam(internal)
        self.internal, self.login = internal, login
        self.mail_uid, self.mail_gid = entry.pw_uid, entry.pw_gid

    # -- lifecycle ----------------------------------------------------------------------
    def start(self) -> None:
        for directory in ("run", "state", "mail"):
            (self.root / directory).mkdir(exist_ok=True)
        if os.geteuid() == 0:
            self.root.chmod(0o755)  # the mail user must reach its maildir
            os.chown(self.root / "mail", self.mail_uid, self.mail_gid)
        self.tls = self_signed_certificate(self.root)
        problem = ""
        for _attempt in range(5):
            self.port = free_port()
            self.tls_port = free_port() if self.tls else None
            self._write_config()
            problem = self._launch()
            if not problem:
                return
            if "Address already in use" not in problem:
                break
        raise RuntimeError(f"Dovecot did not start: {problem}")

    def _launch(self) -> str:
        command = [self.binary, "-F", "-c", str(self.root / "dovecot.conf")]
        setpriv = shutil.which("setpriv")
        if setpriv:
            # If pytest is killed, the kernel stops Dovecot too instead of leaving it behind.
            command = [setpriv, "--pdeathsig", "TERM", *command]
        output = (self.root / "stdout.log").open("ab")
        self.process = subprocess.Popen(
            command,
            stdin=subprocess.DEVNULL,
            stdout=output,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        output.close()
        deadline = time.monotonic() + START_TIMEOUT
        while time.monotonic() < deadline:
            status = self.process.poll()
            if status is not None:
                self.process = None
                return self.log_tail() or f"exit status {status}"
            if _greets(self.port):
                return ""
            time.sleep(0.05)
        self.stop(remove=False)
        return f"no IMAP greeting on port {self.port} within {START_TIMEOUT}s\n{self.log_tail()}"

    def stop(self, remove: bool = True) -> None:
        process, self.process = self.process, None
        if process is not None:
            if process.poll() is None:
                process.terminate()
                try:
                    process.wait(timeout=10)
                except subprocess.TimeoutExpired:
                    process.kill()
                    process.wait(timeout=5)
            try:  # children that outlived the master (they share its process group)
                os.killpg(process.pid, signal.SIGKILL)
            except (ProcessLookupError, PermissionError):
                pass
        if remove:
            shutil.rmtree(self.root, ignore_errors=True)

    def log_tail(self, lines: int = 30) -> str:
        text = ""
        for name in ("stdout.log", "dovecot.log"):
            path = self.root / name
            if path.exists():
                text += path.read_text(errors="replace")
        return "\n".join(text.strip().splitlines()[-lines:])

    # -- mailboxes ----------------------------------------------------------------------
    def add_mailbox(self) -> ImapMailbox:
        with self.lock:
            self.count += 1
            username = f"desk{self.count}-{secrets.token_hex(3)}"
        return ImapMailbox("127.0.0.1", self.port, username, self.password, self.tls_port)

    def _write_config(self) -> None:
        root = self.root
        group = f"default_internal_group = {self.internal_group}" if self.internal_group else ""
        tls = (
            f"ssl = yes\nssl_cert = <{root}/cert.pem\nssl_key = <{root}/key.pem"
            if self.tls
            else "ssl = no"
        )
        # Dovecot 2.3 syntax (Debian 12). Every path is private to this instance.
        config = f"""
protocols = imap
listen = 127.0.0.1
base_dir = {root}/run
state_dir = {root}/state
log_path = {root}/dovecot.log
info_log_path = {root}/dovecot.log
{tls}
disable_plaintext_auth = no
auth_mechanisms = plain login
# Tests log in with wrong passwords on purpose: answer at once and do not slow down the
# logins after them (the auth penalty).
auth_failure_delay = 0
default_internal_user = {self.internal}
default_login_user = {self.login}
{group}
first_valid_uid = {max(1, min(self.mail_uid, 500))}
mail_location = maildir:~/Maildir
namespace inbox {{
  inbox = yes
  separator = /
}}
passdb {{
  driver = static
  args = password={self.password}
}}
userdb {{
  driver = static
  args = uid={self.mail_uid} gid={self.mail_gid} home={root}/mail/%u
}}
protocol imap {{
  mail_max_userip_connections = 100
}}
service imap-login {{
  chroot =
  inet_listener imap {{
    address = 127.0.0.1
    port = {self.port}
  }}
  inet_listener imaps {{
    address = 127.0.0.1
    port = {self.tls_port or 0}
    ssl = yes
  }}
}}
service anvil {{
  chroot =
  unix_listener anvil-auth-penalty {{
    mode = 0
  }}
}}
service auth-worker {{
  user = $default_internal_user
}}
"""
        (root / "dovecot.conf").write_text(config)


_PREFIX = "kartoteka-dovecot-"


def _remove_stale_instances(min_age: float = 600.0) -> None:
    """Remove directories left by runs that were killed (no cleanup ran): their Dovecot is
    gone. Young directories are left alone: a parallel run may be starting in one."""
    for path in Path(tempfile.gettempdir()).glob(_PREFIX + "*"):
        try:
            if time.time() - path.stat().st_mtime < min_age:
                continue
            pid_file = path / "run" / "master.pid"
            if pid_file.exists():
                os.kill(int(pid_file.read_text().strip() or 0), 0)
                continue  # still running
        except ProcessLookupError:
            pass
        except (OSError, ValueError):
            continue
        shutil.rmtree(path, ignore_errors=True)


def self_signed_certificate(directory: Path) -> bool:
    """cert.pem and key.pem for 127.0.0.1 in `directory`; False when openssl is missing."""
    openssl = shutil.which("openssl")
    if openssl is None:
        return False
    result = subprocess.run(
        [
            openssl,
            "req",
            "-x509",
            "-newkey",
            "rsa:2048",
            "-nodes",
            "-days",
            "2",
            "-subj",
            "/CN=127.0.0.1",
            "-addext",
            "subjectAltName=IP:127.0.0.1,DNS:localhost",
            "-keyout",
            str(directory / "key.pem"),
            "-out",
            str(directory / "cert.pem"),
        ],
        capture_output=True,
        timeout=60,
        check=False,
    )
    return result.returncode == 0


def _existing_user(*names: str) -> str:
    for name in names:
        try:
            pwd.getpwnam(name)
            return name
        except KeyError:
            continue
    raise RuntimeError(f"none of the users {names} exists to run Dovecot's processes")


def _greets(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=1) as connection:
            connection.settimeout(2)
            return connection.recv(64).startswith(b"* OK")
    except OSError:
        return False


def _dovecot_binary() -> str | None:
    configured = os.environ.get("KARTOTEKA_DOVECOT")
    if configured:
        return configured if os.access(configured, os.X_OK) else None
    found = shutil.which("dovecot")
    if found:
        return found
    return next((path for path in DOVECOT_CANDIDATES if os.access(path, os.X_OK)), None)


def _dovecot_version(binary: str) -> tuple[int, int]:
    try:
        output = subprocess.run(
            [binary, "--version"], capture_output=True, text=True, timeout=10, check=False
        ).stdout
    except (OSError, subprocess.SubprocessError):
        return (0, 0)
    match = re.match(r"(\d+)\.(\d+)", output.strip())
    return (int(match.group(1)), int(match.group(2))) if match else (0, 0)


def require_dovecot() -> str:
    """The Dovecot binary to run; skips the test when there is none (fails it in CI)."""
    binary = _dovecot_binary()
    if binary is None:
        skip_or_fail("Dovecot not found (apt-get install dovecot-imapd)")
    version = _dovecot_version(binary)
    if version >= (2, 4) or version < (2, 3):
        skip_or_fail(f"Dovecot {version[0]}.{version[1]} found; these tests configure Dovecot 2.3")
    return binary


_STASH_KEY = pytest.StashKey["Dovecot | str"]()


def _session_dovecot(config: pytest.Config) -> Dovecot:
    """The session's Dovecot, started on first use; stopped when pytest finishes."""
    state = config.stash.get(_STASH_KEY, None)
    if isinstance(state, Dovecot):
        return state
    if isinstance(state, str):
        pytest.fail(state)  # it failed to start once; do not wait for it again in every test
    dovecot = Dovecot(require_dovecot())
    try:
        dovecot.start()
    except Exception as exc:  # noqa: BLE001 - reported as a test failure with the log
        dovecot.stop()
        config.stash[_STASH_KEY] = str(exc)
        pytest.fail(str(exc))
    config.add_cleanup(dovecot.stop)
    config.stash[_STASH_KEY] = dovecot
    return dovecot


@pytest.fixture
def imap_server(request: pytest.FixtureRequest) -> ImapMailbox:
    """A fresh, empty mailbox on a real Dovecot (IMAP on 127.0.0.1, plain text, no TLS).

    `.deliver(raw)` puts a message in INBOX; `.messages(folder)` lists what is there;
    `.config(smtp_server)` gives a MailboxConfig pointing at it.
    """
    return _session_dovecot(request.config).add_mailbox()


# -- sample mails ------------------------------------------------------------------------------
# Raw mails as real clients and servers write them, for delivering into `imap_server` and for
# parser tests. Each returns bytes with CRLF line ends.

DESK = "support@desk.example"
DESK_DOMAIN = "desk.example"
CUSTOMER = "ivan.petrov@customer.example"
# The smallest valid PNG: 1x1 pixel.
PNG_1X1 = bytes.fromhex(
    "89504e470d0a1a0a0000000d49484452000000010000000108060000001f15c489"
    "0000000d49444154789c6360000002000154a24f5d0000000049454e44ae426082"
)


def _crlf(text: str) -> bytes:
    return text.strip("\n").replace("\n", "\r\n").encode("utf-8") + b"\r\n"


def plain_mail(
    *,
    subject: str = "Printer on the 2nd floor is broken",
    body: str = "Hello,\n\nthe printer shows error E42 since this morning.\n\nIvan",
    message_id: str = "<plain-1@customer.example>",
    extra_headers: str = "",
    sender: str = f"Ivan Petrov <{CUSTOMER}>",
) -> bytes:
    headers = f"""
From: {sender}
To: Support <{DESK}>
Cc: Anna <anna@customer.example>
Subject: {subject}
Date: Mon, 11 Mar 2024 10:15:00 +0100
Message-ID: {message_id}
MIME-Version: 1.0
Content-Type: text/plain; charset=utf-8
Content-Transfer-Encoding: 8bit
"""
    head = _crlf(headers + extra_headers)
    return head + b"\r\n" + body.replace("\n", "\r\n").encode("utf-8") + b"\r\n"


def cp1251_mail(*, declared: str = "windows-1251") -> bytes:
    """A Russian mail in cp1251 (the body's label can be set wrong on purpose)."""
    subject = "=?windows-1251?B?" + _b64("Не работает принтер".encode("cp1251")) + "?="
    name = "=?windows-1251?B?" + _b64("Иван Петров".encode("cp1251")) + "?="
    label = f"; charset={declared}" if declared else ""
    head = _crlf(f"""
From: {name} <{CUSTOMER}>
To: {DESK}
Subject: {subject}
Date: Tue, 12 Mar 2024 09:00:00 +0300
Message-ID: <cp1251-1@customer.example>
MIME-Version: 1.0
Content-Type: text/plain{label}
Content-Transfer-Encoding: 8bit
""")
    body = "Здравствуйте!\r\nПринтер на втором этаже не печатает.\r\nСпасибо, Иван."
    return head + b"\r\n" + body.encode("cp1251") + b"\r\n"


def html_only_mail() -> bytes:
    return _crlf(f"""
From: Anna Kowalska <anna@klient.example>
To: {DESK}
Subject: =?utf-8?Q?Zam=C3=B3wienie_nie_dotar=C5=82o?=
Date: Wed, 13 Mar 2024 14:30:00 +0100
Message-ID: <html-1@klient.example>
MIME-Version: 1.0
Content-Type: text/html; charset=utf-8
Content-Transfer-Encoding: quoted-printable

<html><head><style>p {{ color: red; }}</style><script>track();</script></head>
<body><p>Dzie=C5=84 dobry,</p><p>zam=C3=B3wienie <b>#4711</b> nie dotar=C5=82o.</p>
<ul><li>Adres: Warszawa</li><li>Data: 10.03</li></ul></body></html>
""")


def attachment_mail() -> bytes:
    """Text and HTML with an inline image (cid:) and a PDF with a non-ASCII file name."""
    png = _b64(PNG_1X1)
    pdf = _b64(b"%PDF-1.4\n% invoice\n")
    return _crlf(f"""
From: Ivan Petrov <{CUSTOMER}>
To: {DESK}
Subject: Invoice and screenshot
Date: Thu, 14 Mar 2024 11:00:00 +0300
Message-ID: <attach-1@customer.example>
MIME-Version: 1.0
Content-Type: multipart/mixed; boundary="mixed-b"

--mixed-b
Content-Type: multipart/alternative; boundary="alt-b"

--alt-b
Content-Type: text/plain; charset=utf-8

See the screenshot and the invoice.
--alt-b
Content-Type: multipart/related; boundary="rel-b"

--rel-b
Content-Type: text/html; charset=utf-8

<p>See the screenshot <img src="cid:shot@customer.example"> and the invoice.</p>
--rel-b
Content-Type: image/png; name="screenshot.png"
Content-Transfer-Encoding: base64
Content-ID: <shot@customer.example>
Content-Disposition: inline; filename="screenshot.png"

{png}
--rel-b--
--alt-b--
--mixed-b
Content-Type: application/pdf
Content-Transfer-Encoding: base64
Content-Disposition: attachment; filename*=utf-8''%D0%A1%D1%87%D1%91%D1%82%20%E2%84%965.pdf

{pdf}
--mixed-b--
""")


def bounce_mail(original_id: str = "<reply-1@desk.example>") -> bytes:
    return _crlf(f"""
From: Mail Delivery System <MAILER-DAEMON@mx.customer.example>
To: {DESK}
Subject: Undelivered Mail Returned to Sender
Date: Fri, 15 Mar 2024 08:00:00 +0000
Message-ID: <bounce-1@mx.customer.example>
Auto-Submitted: auto-replied
MIME-Version: 1.0
Content-Type: multipart/report; report-type=delivery-status; boundary="rep-b"

--rep-b
Content-Type: text/plain; charset=us-ascii

I'm sorry to have to inform you that your message could not be delivered.
--rep-b
Content-Type: message/delivery-status

Reporting-MTA: dns; mx.customer.example

Final-Recipient: rfc822; gone@customer.example
Action: failed
Status: 5.1.1
--rep-b
Content-Type: message/rfc822

From: {DESK}
To: gone@customer.example
Subject: Re: [#12] Printer
Message-ID: {original_id}

Our answer.
--rep-b--
""")


def out_of_office_mail() -> bytes:
    return plain_mail(
        subject="Automatic reply: [#12] Printer on the 2nd floor is broken",
        body="I am out of the office until Monday.",
        message_id="<oof-1@customer.example>",
        extra_headers="Auto-Submitted: auto-replied\nX-Auto-Response-Suppress: All\n",
    )


def looped_mail(domain: str = DESK_DOMAIN) -> bytes:
    """Mail carrying our own loop marker: something sent by this desk came back."""
    return plain_mail(
        subject="Re: [#12] Printer on the 2nd floor is broken",
        body="Forwarded back by a rule.",
        message_id="<loop-1@customer.example>",
        extra_headers=f"X-Kartoteka-Loop: {domain}\n",
    )


def _b64(data: bytes) -> str:
    import base64

    return base64.b64encode(data).decode("ascii")
