"""Service desk test fixtures: real mail servers (aiosmtpd for SMTP, Dovecot for IMAP). The
migrated defaults for tests in transactions come from the root conftest (`migrated_defaults`)."""

from kartoteka.service.tests.mailservers import imap_server, smtp_server  # noqa: F401
