"""What an entity adds to the generic writes: extra checks, values derived before saving,
and follow-ups after saving (a deal's stage history, a lead's status rules).

An `EntitySpec` carries one `Behaviour`; the generic services in `services.py` call it on
every create and update — from forms, the API, bulk actions and imports alike — so a rule
such as "a lost deal needs a reason" holds whichever door the change comes through.
"""

from __future__ import annotations

from typing import Any


class Behaviour:
    """The default: nothing beyond the field validator and the generic checks."""

    def prepare_fields(self, fields: list) -> list:
        """Called when the registry is (re)built: fill choices that live in tables."""
        return fields

    def check(self, user, instance, clean: dict[str, Any]) -> dict[str, list[str]]:
        """Errors for a validated change; `instance` is None on create."""
        return {}

    def before_save(self, user, obj, changes: list[dict], created: bool) -> None:
        """Set derived values on `obj` (inside the write transaction, before saving)."""

    def after_save(self, user, obj, changes: list[dict], created: bool) -> None:
        """Follow-ups inside the write transaction (history rows, timeline entries)."""

    def needs_next_step(self, obj) -> bool:
        """Whether a record without an open task is flagged "no next step" (an open lead or
        deal is; a company is not)."""
        return False

    def flags(self) -> dict[str, Any]:
        """Named filters lists offer beside the field filters (`?flag=stale`): name → label."""
        return {}

    def apply_flag(self, qs, name: str, user):
        return qs

    def before_bulk_create(self, user, objs: list) -> None:
        """The bulk path's `before_save`: one batch of new records, not yet saved. Override
        to read what the rows need in one query instead of one per row."""
        for obj in objs:
            self.before_save(user, obj, [], True)

    def after_bulk_create(self, user, objs: list) -> None:
        """The bulk path's `after_save`: one batch of new records, written in one go."""
