"""The only writers of support mailboxes, and the "Test connection" check.

Passwords are write-only: nothing here returns them, and a change that leaves a password
out (or empty) keeps the stored one; only the SMTP password can be removed (None), since
an SMTP server may take mail without signing in. The connection check belongs to the mail
package (`service.mail.transport.check_connection(MailboxConfig) -> list[str]`); while that
package is not installed the check says so instead of failing.
"""

from __future__ import annotations

import ipaddress
import logging
import re
from typing import Any

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from kartoteka.accounts.models import Team
from kartoteka.platform.settings_actions import refuse, save_changes

from .models import Category, Mailbox
from .settings_services import NAME_MAX, SettingsInput, require_admin

log = logging.getLogger(__name__)

MAILBOX_INPUT = {
    "name",
    "address",
    "active",
    "acknowledge",
    "imap_host",
    "imap_port",
    "imap_security",
    "username",
    "password",
    "folder",
    "processed_folder",
    "smtp_host",
    "smtp_port",
    "smtp_security",
    "smtp_username",
    "smtp_password",
    "team",
    "category",
}
LABEL = r"[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?"
HOST_RE = re.compile(rf"(?=.{{1,253}}$){LABEL}(?:\.{LABEL})*\.?")
SECRET_MAX = 255
ERROR_MAX = 500
CHECK_TIMEOUT = 10.0  # seconds per server: the administrator is waiting for the page


def _host(read: SettingsInput, key: str) -> str:
    host = read.text(key, max_length=255, required=True)
    if not read.ok(key) or not host:
        return host
    try:
        ipaddress.ip_address(host.strip("[]"))
        return host.strip("[]")
    except ValueError:
        pass
    if not HOST_RE.fullmatch(host):
        read.error(key, _("Enter a host name such as mail.example.com, or an IP address."))
    return host.lower()


def _secret(read: SettingsInput, key: str) -> str | None:
    """A password as given (spaces are part of it); None when left out or empty."""
    value = read.data.get(key)
    if value is None or value == "":
        return None
    if not isinstance(value, str):
        read.error(key, _("Enter text."))
    elif len(value) > SECRET_MAX:
        read.error(key, _("Enter at most %(max)d characters.") % {"max": SECRET_MAX})
    elif any(ch in value for ch in "\x00\r\n"):
        read.error(key, _("Enter a single line of text."))
    return value


def _clean(read: SettingsInput, mailbox: Mailbox | None) -> dict[str, Any]:
    new = mailbox is None
    clean: dict[str, Any] = {}

    def wanted(key: str) -> bool:
        return new or read.has(key)

    if wanted("name"):
        clean["name"] = read.text("name", max_length=NAME_MAX, required=True)
    if wanted("address"):
        clean["address"] = read.text("address", max_length=254, required=True).lower()
        if read.ok("address"):
            try:
                validate_email(clean["address"])
            except ValidationError:
                read.error("address", _("Enter an email address such as support@example.com."))
        if read.ok("address"):
            others = Mailbox.objects.filter(address__iexact=clean["address"])
            if mailbox is not None:
                others = others.exclude(pk=mailbox.pk)
            if others.exists():
                read.error("address", _("Another mailbox reads this address."))
    if read.has("active"):
        clean["active"] = read.boolean("active")
    if read.has("acknowledge"):
        clean["acknowledge"] = read.boolean("acknowledge")
    for prefix, port in (("imap", 993), ("smtp", 587)):
        if wanted(f"{prefix}_host"):
            clean[f"{prefix}_host"] = _host(read, f"{prefix}_host")
        if read.has(f"{prefix}_port") or new:
            value = read.integer(f"{prefix}_port", minimum=1, maximum=65535, required=False)
            clean[f"{prefix}_port"] = port if value is None and read.ok(f"{prefix}_port") else value
        if read.has(f"{prefix}_security"):
            clean[f"{prefix}_security"] = read.choice(
                f"{prefix}_security", Mailbox.Security.choices
            )
    if wanted("username"):
        clean["username"] = read.text("username", max_length=255, required=True)
    password = _secret(read, "password")
    if password is not None:
        clean["password"] = password
    elif new:
        read.error("password", _("This field is required."))
    if wanted("folder"):
        clean["folder"] = read.text("folder", max_length=100) or "INBOX"
    if read.has("processed_folder"):
        clean["processed_folder"] = read.text("processed_folder", max_length=100)
    if read.has("smtp_username"):
        clean["smtp_username"] = read.text("smtp_username", max_length=255)
    if read.has("smtp_password"):
        if read.data["smtp_password"] is None:
            clean["smtp_password"] = ""  # removed: the server takes mail without signing in
        else:
            smtp_password = _secret(read, "smtp_password")
            if smtp_password is not None:
                clean["smtp_password"] = smtp_password
    if read.has("team"):
        clean["team"] = read.row("team", Team.objects.all(), required=False)
    if read.has("category"):
        clean["category"] = read.row("category", Category.objects.all(), required=False)
    _check_together(read, clean, mailbox)
    read.done()
    return clean


def _check_together(read: SettingsInput, clean: dict, mailbox: Mailbox | None) -> None:
    def final(key):
        return clean[key] if key in clean else getattr(mailbox, key, "")

    if read.ok("processed_folder") and read.ok("folder"):
        processed = final("processed_folder")
        if processed and processed.casefold() == (final("folder") or "").casefold():
            read.error(
                "processed_folder",
                _(
                    "Move processed mail to another folder than the one that is read, or leave "
                    "it empty to keep it there."
                ),
            )
    if read.ok("smtp_username") and final("smtp_password") and not final("smtp_username"):
        read.error("smtp_username", _("Enter the SMTP user name that goes with the password."))


def create_mailbox(user, data: dict) -> Mailbox:
    require_admin(user)
    clean = _clean(SettingsInput(data, MAILBOX_INPUT), None)
    with transaction.atomic():
        return Mailbox.objects.create(**clean)


def update_mailbox(user, mailbox: Mailbox, data: dict) -> Mailbox:
    require_admin(user)
    clean = _clean(SettingsInput(data, MAILBOX_INPUT), mailbox)
    with transaction.atomic():
        save_changes(mailbox, clean)
    return mailbox


def delete_mailbox(user, mailbox: Mailbox) -> None:
    """Its record of mail already read goes too; tickets it opened stay."""
    require_admin(user)
    with transaction.atomic():
        mailbox.delete()


# -- the connection check --------------------------------------------------------------------


def _transport():
    """The mail package's transport module, or None while it is not installed."""
    try:
        from .mail import transport  # written by another part; may be absent
    except ImportError:
        return None
    if not hasattr(transport, "check_connection"):
        return None
    return transport


def can_check() -> bool:
    return _transport() is not None


def config_of(transport, mailbox: Mailbox):
    """The transport's `MailboxConfig` for `mailbox`. An empty SMTP user name sends without
    signing in, as replies are sent (`outgoing`)."""
    return transport.MailboxConfig(
        imap_host=mailbox.imap_host,
        imap_port=mailbox.imap_port,
        imap_security=mailbox.imap_security,
        username=mailbox.username,
        password=mailbox.password,
        folder=mailbox.folder or "INBOX",
        processed_folder=mailbox.processed_folder or None,
        smtp_host=mailbox.smtp_host,
        smtp_port=mailbox.smtp_port,
        smtp_security=mailbox.smtp_security,
        smtp_username=mailbox.smtp_username,
        smtp_password=mailbox.smtp_password or None,
        address=mailbox.address,
        timeout=CHECK_TIMEOUT,
    )


def check_mailbox(user, mailbox: Mailbox) -> list[str]:
    """Sign in to the IMAP and SMTP servers: the problems found (none when both answered).
    The outcome is kept on the mailbox (`last_checked_at`, `last_error`)."""
    require_admin(user)
    transport = _transport()
    if transport is None:
        raise refuse(_("The connection cannot be tested yet: the mail module is not installed."))
    try:
        problems = [
            str(problem) for problem in transport.check_connection(config_of(transport, mailbox))
        ]
    except Exception as error:  # noqa: BLE001 - a broken server must not break the page
        log.warning("mailbox %s: connection check failed", mailbox.pk, exc_info=True)
        problems = [str(error) or type(error).__name__]
    mailbox.last_checked_at = timezone.now()
    mailbox.last_error = "; ".join(problems)[:ERROR_MAX]
    Mailbox.objects.filter(pk=mailbox.pk).update(
        last_checked_at=mailbox.last_checked_at, last_error=mailbox.last_error
    )
    return problems
