"""Talking to the desk's mail servers: IMAP to read the support mailbox, SMTP to answer.

Messages are fetched with BODY.PEEK, which leaves them unread: a mail only counts as handled
when the caller says so with `mark_processed`, after its ticket is saved. A crash in between
means the mail is read again next time, never lost (the caller deduplicates by Message-ID).
Every failure becomes a `MailboxError` whose message tells an administrator what to change.
"""

from __future__ import annotations

import base64
import imaplib
import logging
import re
import smtplib
import socket
import ssl
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from email.message import EmailMessage
from typing import Any

from django.utils.translation import gettext as _

logger = logging.getLogger(__name__)

SECURITY_CHOICES = ("ssl", "starttls", "none")
DEFAULT_TIMEOUT = 30.0
MAX_MESSAGE_BYTES = 40 * 1024 * 1024
_UID_BATCH = 200


class MailboxError(Exception):
    """A mail server could not be used; the message says what to check.

    `kind` is one of: "config", "unreachable", "timeout", "tls", "auth", "folder",
    "rejected", "protocol".
    """

    def __init__(self, message: str, kind: str = "protocol"):
        super().__init__(message)
        self.kind = kind


@dataclass(kw_only=True)
class MailboxConfig:
    """Where the support mailbox lives and how to reach it.

    Ports default from the security setting (IMAP 993/143, SMTP 465/587/25).
    `smtp_username=None` logs in to SMTP with the IMAP credentials; "" sends without login.
    """

    imap_host: str
    imap_port: int | None = None
    imap_security: str = "ssl"
    username: str
    password: str
    folder: str = "INBOX"
    processed_folder: str | None = None
    smtp_host: str
    smtp_port: int | None = None
    smtp_security: str = "starttls"
    smtp_username: str | None = None
    smtp_password: str | None = None
    address: str
    timeout: float = DEFAULT_TIMEOUT
    verify_tls: bool = True

    @property
    def imap_port_number(self) -> int:
        return self.imap_port or (993 if self.imap_security == "ssl" else 143)

    @property
    def smtp_port_number(self) -> int:
        if self.smtp_port:
            return self.smtp_port
        return {"ssl": 465, "starttls": 587}.get(self.smtp_security, 25)

    @property
    def smtp_credentials(self) -> tuple[str, str] | None:
        if self.smtp_username is None:
            return (self.username, self.password) if self.username else None
        if not self.smtp_username:
            return None
        return self.smtp_username, self.smtp_password or ""

    def problems(self) -> list[str]:
        """What is missing or invalid in the settings themselves, before any connection."""
        found = []
        if not self.imap_host.strip():
            found.append(_("The IMAP server is not set."))
        if not self.smtp_host.strip():
            found.append(_("The SMTP server is not set."))
        if self.imap_security not in SECURITY_CHOICES:
            found.append(_("IMAP security must be “ssl”, “starttls” or “none”."))
        if self.smtp_security not in SECURITY_CHOICES:
            found.append(_("SMTP security must be “ssl”, “starttls” or “none”."))
        if not self.username:
            found.append(_("The mailbox user name is not set."))
        if "@" not in (self.address or ""):
            found.append(_("The desk's e-mail address is not set."))
        for port in (self.imap_port, self.smtp_port):
            if port is not None and not 0 < port < 65536:
                found.append(_("%(port)s is not a port number.") % {"port": port})
        if not (self.folder or "").strip():
            found.append(_("The folder to read is not set."))
        if self.processed_folder is not None and self.processed_folder == self.folder:
            found.append(_("The folder for processed mail must differ from the folder read."))
        return found


# -- IMAP --------------------------------------------------------------------------------------


class MailboxSession:
    """One IMAP connection to the support mailbox, its folder selected.

    with MailboxSession(config) as mailbox:
        for uid, raw in mailbox.fetch_new(limit=50):
            ...
        mailbox.mark_processed(done)

    UIDs are valid within the folder while `uidvalidity` stays the same (RFC 3501).
    """

    def __init__(self, config: MailboxConfig):
        self.config = config
        self.connection: imaplib.IMAP4 | None = None
        self.uidvalidity: str | None = None

    def __enter__(self) -> MailboxSession:
        self.open()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    # -- connection ---------------------------------------------------------------------
    def open(self) -> None:
        config = self.config
        problems = config.problems()
        if problems:
            raise MailboxError(" ".join(problems), "config")
        self.connection = _imap_connect(config)
        try:
            self._login()
            self._select(config.folder)
        except BaseException:
            self.close()
            raise

    def close(self) -> None:
        connection, self.connection = self.connection, None
        if connection is None:
            return
        try:
            if connection.state == "SELECTED":
                connection.close()
            connection.logout()
        except (imaplib.IMAP4.error, OSError):
            _abandon(connection)

    def _login(self) -> None:
        config, connection = self.config, self._connection()
        if "LOGINDISABLED" in connection.capabilities:
            raise MailboxError(
                _(
                    "The IMAP server %(host)s refuses passwords over an unencrypted connection: "
                    "set the security to “ssl” or “starttls”."
                )
                % {"host": config.imap_host},
                "tls",
            )
        try:
            if _is_ascii(config.username) and _is_ascii(config.password):
                connection.login(config.username, config.password)
            else:
                # LOGIN is ASCII-only in imaplib; AUTHENTICATE PLAIN carries UTF-8.
                credentials = f"\0{config.username}\0{config.password}".encode()
                connection.authenticate("PLAIN", lambda _challenge: credentials)
        except imaplib.IMAP4.abort as exc:
            raise _lost(config.imap_host, exc)
        except imaplib.IMAP4.error as exc:
            raise MailboxError(
                _(
                    "The IMAP server %(host)s did not accept the user name “%(user)s” with this "
                    "password. Check both (some providers need an app password). "
                    "The server said: %(reply)s"
                )
                % {"host": config.imap_host, "user": config.username, "reply": _reply(exc)},
                "auth",
            )
        except OSError as exc:
            raise _network_error("IMAP", config.imap_host, config.imap_port_number, exc, config)
        # Servers announce MOVE, UIDPLUS and the like only after login; imaplib keeps the
        # list it read at connection time.
        typ, data = self._call(connection.capability)
        if typ == "OK" and data and data[-1]:
            connection.capabilities = tuple(_text(data[-1]).upper().split())

    def _select(self, folder: str) -> None:
        connection = self._connection()
        typ, data = self._call(connection.select, quote_mailbox(folder))
        if typ != "OK":
            folders = self.folders()
            if folder in folders:
                raise MailboxError(
                    _("The folder “%(folder)s” could not be opened: %(reply)s")
                    % {"folder": folder, "reply": _text(data)},
                    "folder",
                )
            known = ", ".join(folders[:30]) or "—"
            raise MailboxError(
                _(
                    "The folder “%(folder)s” does not exist in the mailbox %(user)s. "
                    "Folders there: %(folders)s."
                )
                % {"folder": folder, "user": self.config.username, "folders": known},
                "folder",
            )
        typ, data = connection.response("UIDVALIDITY")
        self.uidvalidity = _text(data[0]) if data and data[0] else None

    def _connection(self) -> imaplib.IMAP4:
        if self.connection is None:
            raise MailboxError(_("The IMAP connection is not open."), "protocol")
        return self.connection

    def _call(self, method: Callable[..., Any], *args: Any) -> Any:
        """An imaplib call with its exceptions turned into MailboxError."""
        try:
            return method(*args)
        except imaplib.IMAP4.abort as exc:
            raise _lost(self.config.imap_host, exc)
        except imaplib.IMAP4.error as exc:
            raise MailboxError(
                _("The IMAP server %(host)s refused a command: %(reply)s")
                % {"host": self.config.imap_host, "reply": _reply(exc)},
                "protocol",
            )
        except OSError as exc:
            raise _network_error(
                "IMAP", self.config.imap_host, self.config.imap_port_number, exc, self.config
            )

    # -- reading ------------------------------------------------------------------------
    def folders(self) -> list[str]:
        """The names of all folders in the mailbox (decoded from IMAP's UTF-7)."""
        typ, data = self._call(self._connection().list)
        if typ != "OK":
            return []
        return [name for name in (_list_name(item) for item in data or []) if name]

    def unseen_uids(self, limit: int = 100) -> list[str]:
        """UIDs of unread, undeleted messages in the folder, oldest first."""
        typ, data = self._call(self._connection().uid, "SEARCH", "UNSEEN", "UNDELETED")
        if typ != "OK":
            raise MailboxError(
                _("The IMAP server %(host)s could not search the folder: %(reply)s")
                % {"host": self.config.imap_host, "reply": _text(data)},
                "protocol",
            )
        uids = sorted({int(uid) for uid in b" ".join(data or [b""]).split() if uid.isdigit()})
        return [str(uid) for uid in uids[: max(0, limit)]]

    def fetch(self, uid: str, max_bytes: int = MAX_MESSAGE_BYTES) -> bytes | None:
        """The raw message without marking it read; a larger message comes cut at
        `max_bytes` (its headers and first parts still read); None if it is gone."""
        uid = _check_uid(uid)
        size = self._size(uid)
        if size is None:
            return None
        item = "BODY.PEEK[]" if size <= max_bytes else f"BODY.PEEK[]<0.{max_bytes}>"
        if size > max_bytes:
            logger.warning("mail UID %s is %s bytes; reading the first %s", uid, size, max_bytes)
        typ, data = self._call(self._connection().uid, "FETCH", uid, f"({item})")
        if typ != "OK":
            return None
        for entry in data or []:
            if isinstance(entry, tuple) and len(entry) >= 2 and isinstance(entry[1], bytes):
                return entry[1]
        return None

    def fetch_new(
        self, limit: int = 100, max_bytes: int = MAX_MESSAGE_BYTES
    ) -> list[tuple[str, bytes]]:
        """(UID, raw bytes) of up to `limit` unread messages, oldest first, left unread."""
        fetched = []
        for uid in self.unseen_uids(limit):
            raw = self.fetch(uid, max_bytes)
            if raw is not None:
                fetched.append((uid, raw))
        return fetched

    def _size(self, uid: str) -> int | None:
        typ, data = self._call(self._connection().uid, "FETCH", uid, "(RFC822.SIZE)")
        if typ != "OK":
            return None
        for entry in data or []:
            header = entry[0] if isinstance(entry, tuple) else entry
            if isinstance(header, bytes):
                match = re.search(rb"RFC822\.SIZE (\d+)", header)
                if match:
                    return int(match.group(1))
        return None

    # -- marking ------------------------------------------------------------------------
    def mark_processed(self, uids: Iterable[str]) -> None:
        """Mark messages read; with a processed folder, also move them there (created on
        first use)."""
        uids = [_check_uid(uid) for uid in uids]
        if not uids:
            return
        connection = self._connection()
        for batch in _batches(uids):
            typ, data = self._call(connection.uid, "STORE", batch, "+FLAGS.SILENT", r"(\Seen)")
            if typ != "OK":
                raise MailboxError(
                    _("The IMAP server %(host)s did not mark messages as read: %(reply)s")
                    % {"host": self.config.imap_host, "reply": _text(data)},
                    "protocol",
                )
        target = self.config.processed_folder
        if target:
            for batch in _batches(uids):
                self._move(batch, target)

    def _move(self, uid_set: str, folder: str) -> None:
        connection = self._connection()
        quoted = quote_mailbox(folder)
        can_move = "MOVE" in connection.capabilities
        command = "MOVE" if can_move else "COPY"
        typ, data = self._call(connection.uid, command, uid_set, quoted)
        if typ != "OK" and b"TRYCREATE" in b" ".join(d for d in data or [] if d):
            self._call(connection.create, quoted)
            self._call(connection.subscribe, quoted)
            typ, data = self._call(connection.uid, command, uid_set, quoted)
        if typ != "OK":
            raise MailboxError(
                _("Messages could not be moved to the folder “%(folder)s”: %(reply)s")
                % {"folder": folder, "reply": _text(data)},
                "folder",
            )
        if not can_move:
            self._call(connection.uid, "STORE", uid_set, "+FLAGS.SILENT", r"(\Deleted)")
            if "UIDPLUS" in connection.capabilities:
                self._call(connection.uid, "EXPUNGE", uid_set)
            else:
                self._call(connection.expunge)


def fetch_new(
    config: MailboxConfig, limit: int = 100, max_bytes: int = MAX_MESSAGE_BYTES
) -> list[tuple[str, bytes]]:
    """(UID, raw bytes) of up to `limit` unread messages in the folder, oldest first.

    They stay unread until `mark_processed`."""
    with MailboxSession(config) as mailbox:
        return mailbox.fetch_new(limit, max_bytes)


def mark_processed(config: MailboxConfig, uids: Iterable[str]) -> None:
    """Mark messages read (and move them to `processed_folder` when set)."""
    uids = list(uids)
    if not uids:
        return
    with MailboxSession(config) as mailbox:
        mailbox.mark_processed(uids)


def _imap_connect(config: MailboxConfig) -> imaplib.IMAP4:
    host, port, timeout = config.imap_host.strip(), config.imap_port_number, config.timeout
    try:
        if config.imap_security == "ssl":
            connection = imaplib.IMAP4_SSL(
                host, port, ssl_context=_tls_context(config), timeout=timeout
            )
        else:
            connection = imaplib.IMAP4(host, port, timeout=timeout)
    except imaplib.IMAP4.error as exc:
        raise MailboxError(
            _("%(host)s:%(port)s did not answer like an IMAP server: %(reply)s")
            % {"host": host, "port": port, "reply": _reply(exc)},
            "protocol",
        )
    except OSError as exc:
        raise _network_error("IMAP", host, port, exc, config)
    if config.imap_security == "starttls":
        if "STARTTLS" not in connection.capabilities:
            _abandon(connection)
            raise MailboxError(
                _(
                    "The IMAP server %(host)s:%(port)s does not offer STARTTLS: set the security "
                    "to “ssl” (usually port 993) or, on a trusted network only, “none”."
                )
                % {"host": host, "port": port},
                "tls",
            )
        try:
            connection.starttls(ssl_context=_tls_context(config))
        except (imaplib.IMAP4.error, OSError) as exc:
            _abandon(connection)
            if isinstance(exc, OSError):
                raise _network_error("IMAP", host, port, exc, config)
            raise MailboxError(
                _("STARTTLS with the IMAP server %(host)s failed: %(reply)s")
                % {"host": host, "reply": _reply(exc)},
                "tls",
            )
    return connection


def _abandon(connection: imaplib.IMAP4) -> None:
    """Close a connection that may already be broken (a failed TLS handshake)."""
    try:
        connection.shutdown()
    except OSError:
        pass


def quote_mailbox(name: str) -> str:
    """A folder name as an IMAP quoted string, non-ASCII in modified UTF-7 (RFC 3501 5.1.3)."""
    encoded = imap_utf7_encode(name)
    return '"' + encoded.replace("\\", "\\\\").replace('"', '\\"') + '"'


def imap_utf7_encode(name: str) -> str:
    result, pending = [], []

    def flush() -> None:
        if pending:
            data = "".join(pending).encode("utf-16-be")
            result.append("&" + base64.b64encode(data).decode().rstrip("=").replace("/", ",") + "-")
            pending.clear()

    for char in name:
        if 0x20 <= ord(char) <= 0x7E:
            flush()
            result.append("&-" if char == "&" else char)
        else:
            pending.append(char)
    flush()
    return "".join(result)


def imap_utf7_decode(name: str) -> str:
    def decode(match: re.Match[str]) -> str:
        inner = match.group(1)
        if not inner:
            return "&"
        data = inner.replace(",", "/")
        data += "=" * (-len(data) % 4)
        try:
            return base64.b64decode(data).decode("utf-16-be")
        except (ValueError, UnicodeDecodeError):
            return match.group(0)

    return re.sub(r"&([A-Za-z0-9+,]*)-", decode, name)


_LIST_ENTRY = re.compile(
    rb'^\((?P<flags>[^)]*)\)\s+(?P<delimiter>"(?:[^"\\]|\\.)*"|NIL)\s+(?P<name>.*)$'
)


def _list_name(item: object) -> str | None:
    if isinstance(item, tuple):  # a name sent as a literal
        return imap_utf7_decode(item[1].decode("utf-8", "replace")) if len(item) > 1 else None
    if not isinstance(item, bytes):
        return None
    match = _LIST_ENTRY.match(item)
    if not match:
        return None
    name = match.group("name").strip()
    if name.startswith(b'"') and name.endswith(b'"'):
        name = name[1:-1].replace(b'\\"', b'"').replace(b"\\\\", b"\\")
    return imap_utf7_decode(name.decode("utf-8", "replace"))


def _check_uid(uid: str | int) -> str:
    text = str(uid).strip()
    if not text.isdigit():
        raise ValueError(f"{uid!r} is not an IMAP UID.")
    return text


def _batches(uids: list[str]) -> Iterator[str]:
    for start in range(0, len(uids), _UID_BATCH):
        yield ",".join(uids[start : start + _UID_BATCH])


# -- SMTP --------------------------------------------------------------------------------------


def send(config: MailboxConfig, message: EmailMessage) -> dict[str, tuple[int, bytes]]:
    """Send a message through the desk's SMTP server, envelope sender = the desk's address
    (so bounces come back to the support mailbox). Returns the recipients the server refused
    when it accepted others; raises `MailboxError` when nothing was sent."""
    with smtp_connection(config) as smtp:
        try:
            return smtp.send_message(message, from_addr=config.address)
        except smtplib.SMTPRecipientsRefused as exc:
            refused = ", ".join(
                f"{address} ({code})" for address, (code, _m) in exc.recipients.items()
            )
            raise MailboxError(
                _("The SMTP server refused every recipient: %(refused)s") % {"refused": refused},
                "rejected",
            )
        except smtplib.SMTPSenderRefused as exc:
            raise MailboxError(
                _(
                    "The SMTP server refused %(address)s as the sender (%(reply)s). Is this "
                    "account allowed to send as that address?"
                )
                % {"address": config.address, "reply": _smtp_reply(exc.smtp_code, exc.smtp_error)},
                "rejected",
            )
        except smtplib.SMTPDataError as exc:
            raise MailboxError(
                _("The SMTP server rejected the message: %(reply)s")
                % {"reply": _smtp_reply(exc.smtp_code, exc.smtp_error)},
                "rejected",
            )
        except smtplib.SMTPServerDisconnected as exc:
            raise _smtp_lost(config, exc)
        except smtplib.SMTPException as exc:
            raise MailboxError(
                _("Sending through %(host)s failed: %(reply)s")
                % {"host": config.smtp_host, "reply": exc},
                "protocol",
            )
        except OSError as exc:
            raise _network_error("SMTP", config.smtp_host, config.smtp_port_number, exc, config)


@contextmanager
def smtp_connection(config: MailboxConfig) -> Iterator[smtplib.SMTP]:
    """An SMTP connection, encrypted and logged in as configured, closed afterwards."""
    problems = config.problems()
    if problems:
        raise MailboxError(" ".join(problems), "config")
    host, port = config.smtp_host.strip(), config.smtp_port_number
    # EHLO with the desk's domain: socket.getfqdn() can stall for seconds on a bad resolver.
    local_name = config.address.rsplit("@", 1)[-1] or "localhost"
    try:
        if config.smtp_security == "ssl":
            smtp = smtplib.SMTP_SSL(
                host,
                port,
                local_hostname=local_name,
                timeout=config.timeout,
                context=_tls_context(config),
            )
        else:
            smtp = smtplib.SMTP(host, port, local_hostname=local_name, timeout=config.timeout)
    except smtplib.SMTPServerDisconnected as exc:
        raise _smtp_lost(config, exc)
    except smtplib.SMTPException as exc:
        raise MailboxError(
            _("%(host)s:%(port)s did not answer like an SMTP server: %(reply)s")
            % {"host": host, "port": port, "reply": exc},
            "protocol",
        )
    except OSError as exc:
        raise _network_error("SMTP", host, port, exc, config)
    try:
        try:
            smtp.ehlo()
            if config.smtp_security == "starttls":
                if not smtp.has_extn("starttls"):
                    raise MailboxError(
                        _(
                            "The SMTP server %(host)s:%(port)s does not offer STARTTLS: set the "
                            "security to “ssl” (usually port 465) or, on a trusted network only, "
                            "“none”."
                        )
                        % {"host": host, "port": port},
                        "tls",
                    )
                smtp.starttls(context=_tls_context(config))
                smtp.ehlo()
            credentials = config.smtp_credentials
            if credentials:
                if not smtp.has_extn("auth"):
                    raise MailboxError(
                        _(
                            "The SMTP server %(host)s does not offer login (AUTH) on this "
                            "connection: use “starttls” or “ssl”, or leave the SMTP user empty."
                        )
                        % {"host": host},
                        "auth",
                    )
                smtp.login(*credentials)
        except smtplib.SMTPAuthenticationError as exc:
            raise MailboxError(
                _(
                    "The SMTP server %(host)s did not accept the user name “%(user)s” with this "
                    "password. The server said: %(reply)s"
                )
                % {
                    "host": host,
                    "user": (config.smtp_credentials or ("",))[0],
                    "reply": _smtp_reply(exc.smtp_code, exc.smtp_error),
                },
                "auth",
            )
        except smtplib.SMTPServerDisconnected as exc:
            raise _smtp_lost(config, exc)
        except smtplib.SMTPException as exc:
            raise MailboxError(
                _("The SMTP server %(host)s refused the connection set-up: %(reply)s")
                % {"host": host, "reply": exc},
                "protocol",
            )
        except OSError as exc:
            raise _network_error("SMTP", host, port, exc, config)
        yield smtp
    finally:
        try:
            smtp.quit()
        except (smtplib.SMTPException, OSError):
            smtp.close()


# -- checking ----------------------------------------------------------------------------------


def check_connection(config: MailboxConfig) -> list[str]:
    """Everything wrong with the settings, for the "Test connection" button; [] when both
    servers accept them. Logs in and selects the folder, sends nothing, changes nothing."""
    problems = config.problems()
    if problems:
        return problems
    try:
        with MailboxSession(config) as mailbox:
            target = config.processed_folder
            if target and target not in mailbox.folders():
                logger.info("processed folder %r will be created on first use", target)
    except MailboxError as exc:
        problems.append(str(exc))
    try:
        with smtp_connection(config) as smtp:
            smtp.noop()
    except MailboxError as exc:
        problems.append(str(exc))
    except (smtplib.SMTPException, OSError) as exc:
        problems.append(
            str(_network_error("SMTP", config.smtp_host, config.smtp_port_number, exc, config))
        )
    return problems


# -- errors ------------------------------------------------------------------------------------


def _tls_context(config: MailboxConfig) -> ssl.SSLContext:
    context = ssl.create_default_context()
    if not config.verify_tls:
        context.check_hostname = False
        context.verify_mode = ssl.CERT_NONE
    return context


def _network_error(
    protocol: str, host: str, port: int, exc: BaseException, config: MailboxConfig
) -> MailboxError:
    where = {"protocol": protocol, "host": host, "port": port}
    if isinstance(exc, socket.gaierror):
        return MailboxError(
            _("The %(protocol)s server name “%(host)s” cannot be resolved: check the spelling.")
            % where,
            "unreachable",
        )
    if isinstance(exc, ConnectionRefusedError):
        return MailboxError(
            _(
                "Nothing accepts %(protocol)s connections at %(host)s:%(port)s: check the port "
                "and that the server is running."
            )
            % where,
            "unreachable",
        )
    if isinstance(exc, TimeoutError | socket.timeout):
        return MailboxError(
            _(
                "The %(protocol)s server %(host)s:%(port)s did not answer within %(seconds)s "
                "seconds: check the host, the port, a firewall, and the security setting (a "
                "server expecting “ssl” stays silent to a plain connection)."
            )
            % {**where, "seconds": int(config.timeout)},
            "timeout",
        )
    if isinstance(exc, ssl.SSLCertVerificationError):
        return MailboxError(
            _(
                "The certificate of %(host)s is not trusted (%(reason)s): check the server name, "
                "or turn off certificate checking for a self-signed certificate."
            )
            % {**where, "reason": exc.verify_message or exc.reason},
            "tls",
        )
    if isinstance(exc, ssl.SSLError):
        return MailboxError(
            _(
                "The encrypted connection to %(host)s:%(port)s failed (%(reason)s). If the "
                "server does not use “ssl” on this port, try “starttls” or another port."
            )
            % {**where, "reason": exc.reason or exc},
            "tls",
        )
    return MailboxError(
        _("Cannot reach the %(protocol)s server %(host)s:%(port)s: %(reason)s")
        % {**where, "reason": exc},
        "unreachable",
    )


def _lost(host: str, exc: BaseException) -> MailboxError:
    return MailboxError(
        _("The IMAP server %(host)s closed the connection: %(reply)s")
        % {"host": host, "reply": _reply(exc)},
        "protocol",
    )


def _smtp_lost(config: MailboxConfig, exc: BaseException) -> MailboxError:
    return MailboxError(
        _(
            "The SMTP server %(host)s:%(port)s closed the connection (%(reply)s). If it expects "
            "an encrypted connection from the start, set the security to “ssl”."
        )
        % {"host": config.smtp_host, "port": config.smtp_port_number, "reply": exc},
        "protocol",
    )


def _reply(exc: BaseException) -> str:
    return _text(exc.args[0] if exc.args else exc)


def _smtp_reply(code: int, error: bytes | str) -> str:
    return f"{code} {_text(error)}"


def _text(value: object) -> str:
    if isinstance(value, list):
        value = b" ".join(v for v in value if isinstance(v, bytes))
    if isinstance(value, bytes):
        return value.decode("utf-8", "replace").strip()
    return str(value).strip()


def _is_ascii(value: str) -> bool:
    return value.isascii()
