"""References in an import file: "Anna Petrova" or "anna@firm.example" in an Owner column, "Acme"
in a deal's Company column. Resolved a batch at a time with one query per column.

Users are matched by user name, email, or full name ("First Last" or "Last First"), case
folded. Records are matched by `#<id>`, by their title (exact text first, then case-insensitive
for the letters the database folds), or by an email address of theirs. A name that matches
two records is refused (which one would be a guess); a missing one is refused, or — with
"create what is missing" — created once per import with that name as its title.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from django.contrib.auth import get_user_model
from django.db.models import Q
from django.utils.translation import gettext as _

from kartoteka.platform.fields import FieldSpec, FieldType
from kartoteka.platform.models import ContactPoint
from kartoteka.platform.registry import EntitySpec, registry

from .cells import fold

ID_RE = re.compile(r"#\s*(\d{1,18})")


class UserDirectory:
    """All active users by every name they may be written as (there are few users)."""

    def __init__(self) -> None:
        self.by_name: dict[str, set[int]] = {}
        for user in (
            get_user_model()
            .objects.filter(is_active=True)
            .only("id", "username", "email", "first_name", "last_name")
        ):
            names = {user.username, user.email}
            if user.first_name or user.last_name:
                names.add(f"{user.first_name} {user.last_name}")
                names.add(f"{user.last_name} {user.first_name}")
            for name in names:
                if name and name.strip():
                    self.by_name.setdefault(fold(name), set()).add(user.pk)

    def find(self, text: str) -> tuple[int | None, str | None]:
        match = ID_RE.fullmatch(text.strip())
        if match:
            pk = int(match.group(1))
            if any(pk in ids for ids in self.by_name.values()):
                return pk, None
        ids = self.by_name.get(fold(text), set())
        if len(ids) == 1:
            return next(iter(ids)), None
        if len(ids) > 1:
            return None, _("“%(value)s” names more than one user; write the email.") % {
                "value": text[:50]
            }
        return None, _("No active user “%(value)s”.") % {"value": text[:50]}


class RecordFinder:
    """Records of one entity by the texts a batch names."""

    def __init__(self, entity: EntitySpec):
        self.entity = entity
        self.title = entity.title_field
        self.created: dict[str, int] = {}  # folded name → id, made by this import

    def find_many(self, texts: Iterable[str]) -> dict[str, tuple[int | None, str | None]]:
        texts = {text.strip() for text in texts if text and text.strip()}
        found: dict[str, tuple[int | None, str | None]] = {}
        by_id = {text: int(m.group(1)) for text in texts if (m := ID_RE.fullmatch(text))}
        if by_id:
            existing = set(
                self.entity.model._default_manager.filter(pk__in=by_id.values()).values_list(
                    "pk", flat=True
                )
            )
            for text, pk in by_id.items():
                found[text] = (
                    (pk, None)
                    if pk in existing
                    else (None, _("No %(entity)s %(value)s.") % self._say(text))
                )
        names = [text for text in texts if text not in found]
        for text in names:
            if fold(text) in self.created:
                found[text] = (self.created[fold(text)], None)
        names = [text for text in names if text not in found]
        if not names:
            return found
        matches: dict[str, set[int]] = {}
        title_field = self.entity.field(self.title)
        if title_field is not None and not title_field.is_custom:
            condition = Q()
            for name in names:
                condition |= Q(**{f"{self.title}__iexact": name})
            for pk, title in self.entity.model._default_manager.filter(condition).values_list(
                "pk", self.title
            ):
                matches.setdefault(fold(title), set()).add(pk)
            exact = dict(
                self.entity.model._default_manager.filter(
                    **{f"{self.title}__in": names}
                ).values_list(self.title, "pk")
            )
            for title, pk in exact.items():  # the exact text counts, whatever SQL folds
                matches.setdefault(fold(title), set()).add(pk)
        emails = [name.lower() for name in names if "@" in name and " " not in name]
        if emails:
            for value, pk in ContactPoint.objects.filter(
                entity=self.entity.key, kind=ContactPoint.EMAIL, value__in=emails
            ).values_list("value", "object_id"):
                matches.setdefault(fold(value), set()).add(pk)
        for name in names:
            ids = matches.get(fold(name), set())
            if len(ids) == 1:
                found[name] = (next(iter(ids)), None)
            elif len(ids) > 1:
                found[name] = (
                    None,
                    _(
                        "%(count)s records of %(entity)s are called “%(value)s”; "
                        "write #id to choose."
                    )
                    % {**self._say(name), "count": len(ids)},
                )
            else:
                found[name] = (None, None)  # missing: the caller decides
        return found

    def missing_message(self, text: str) -> str:
        return _("No %(entity)s “%(value)s”.") % self._say(text)

    def _say(self, text: str) -> dict:
        return {"entity": str(self.entity.label).lower(), "value": text[:60]}


def finder_for(spec: FieldSpec) -> RecordFinder | None:
    if spec.type != FieldType.RELATION or not spec.related_entity:
        return None
    related = registry.find(spec.related_entity)
    return RecordFinder(related) if related is not None else None
