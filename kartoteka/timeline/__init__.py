"""The timeline: every note, call, email, meeting and system event on a record; also the
audit log, since field changes are stored with old and new values."""
