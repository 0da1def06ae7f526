"""Every write to the knowledge base. Views, the API, the demo and (later) the portal call
these and nothing else.

    create_article(user, data) -> Article
    update_article(user, article, data, version) -> Article   # Conflict on a stale version
    publish_article(user, article, version=None) / unpublish_article(…) -> Article
    delete_article(user, article, version=None) -> None
    vote(article, voter_key, helpful) -> ArticleVote            # one vote per voter, changeable
    voter_key_for_user(user) / voter_key_for_contact(id) / voter_key_for_session(key)
    create_category(user, data) / update_category(user, category, data) / delete_category(…)
    create_canned(user, data) / update_canned(user, response, data, version) / delete_canned(…)
    render_canned(response, context) -> str

Each checks permission (`access`), reads its input strictly (unknown fields, wrong types,
over-long text: every problem at once as `InputErrors`, before anything is written), writes in
one transaction, records what changed on the audit timeline (entity "knowledge.article") and
emits a domain event (`knowledge.article.created`, `.updated`, `.published`, `.deleted`,
`knowledge.article.voted`, `knowledge.canned.created` …).
"""

from __future__ import annotations

import hashlib
import hmac
import re
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import F, Max
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from kartoteka.platform import events
from kartoteka.platform.fields import InputErrors
from kartoteka.platform.listing import MAX_ID
from kartoteka.platform.permissions import PermissionDenied
from kartoteka.platform.services import Conflict, record_activity
from kartoteka.timeline.models import Activity

from . import access, canned
from .models import Article, ArticleCategory, ArticleVote, CannedResponse, Language
from .search import index_fields

TITLE_MAX = 200
BODY_MAX = 100_000
CANNED_BODY_MAX = 20_000
CATEGORY_NAME_MAX = 100
SHORTCUT_MAX = 40
AUDIT_ENTITY = "knowledge.article"

ARTICLE_FIELDS = frozenset({"title", "body", "category", "visibility", "status", "language"})
CANNED_FIELDS = frozenset({"title", "body", "shortcut", "shared", "category", "language"})
CATEGORY_FIELDS = frozenset({"name", "parent", "order"})
_SHORTCUT = re.compile(r"^[^\W_][\w-]*$")
_VOTER_KEY = re.compile(r"^(user|contact):[1-9][0-9]{0,18}$|^session:[0-9a-f]{64}$")

__all__ = [
    "Conflict",
    "PermissionDenied",
    "InputErrors",
    "create_article",
    "update_article",
    "publish_article",
    "unpublish_article",
    "delete_article",
    "vote",
    "voter_key_for_user",
    "voter_key_for_contact",
    "voter_key_for_session",
    "create_category",
    "update_category",
    "delete_category",
    "create_canned",
    "update_canned",
    "delete_canned",
    "render_canned",
]


# -- reading input -----------------------------------------------------------------------------


class _Input:
    """Strict reading of raw input: form strings or API JSON. Collects every problem."""

    def __init__(self, data: Any, allowed: frozenset[str]):
        if not isinstance(data, dict):
            raise InputErrors({"__all__": [_("Send an object of field values.")]})
        self.data = data
        self.errors: dict[str, list[str]] = {}
        for key in data:
            if key not in allowed:
                self.error(str(key)[:60], _("Unknown field."))

    def has(self, key: str) -> bool:
        return key in self.data

    def error(self, key: str, message: str) -> None:
        self.errors.setdefault(key, []).append(message)

    def done(self) -> None:
        if self.errors:
            raise InputErrors(self.errors)

    def _too_long(self, key: str, value: str, max_length: int) -> bool:
        if len(value) > max_length:
            self.error(
                key,
                _("Enter at most %(max)d characters (it has %(len)d).")
                % {"max": max_length, "len": len(value)},
            )
            return True
        return False

    def line(self, key: str, *, max_length: int, required: bool = False) -> str:
        value = self.data.get(key)
        if value is None:
            value = ""
        if not isinstance(value, str):
            self.error(key, _("Enter text."))
            return ""
        value = value.strip()
        if any(ch in value for ch in "\x00\r\n"):
            self.error(key, _("Enter a single line of text."))
        elif not self._too_long(key, value, max_length) and required and not value:
            self.error(key, _("This field is required."))
        return value

    def text(self, key: str, *, max_length: int, required: bool = False) -> str:
        value = self.data.get(key)
        if value is None:
            value = ""
        if not isinstance(value, str):
            self.error(key, _("Enter text."))
            return ""
        value = value.replace("\r\n", "\n").replace("\r", "\n")
        if "\x00" in value:
            self.error(key, _("The text holds a character that cannot be stored."))
        elif not self._too_long(key, value, max_length) and required and not value.strip():
            self.error(key, _("This field is required."))
        return value.strip("\n")

    def choice(self, key: str, choices) -> str:
        value = self.data.get(key)
        options = [option for option, _label in choices]
        if value not in options:
            self.error(key, _("Choose one of: %(options)s.") % {"options": ", ".join(options)})
            return ""
        return value

    def boolean(self, key: str) -> bool:
        value = self.data.get(key)
        if isinstance(value, str) and value.strip().lower() in ("1", "true", "on", "yes", "0"):
            return value.strip().lower() != "0"
        if isinstance(value, str) and value.strip().lower() in ("", "false", "off", "no"):
            return False
        if not isinstance(value, bool):
            self.error(key, _("Enter true or false."))
            return False
        return value

    def integer(self, key: str, *, minimum: int, maximum: int) -> int | None:
        value = self.data.get(key)
        if isinstance(value, str) and re.fullmatch(r"\s*[+-]?\d{1,19}\s*", value):
            value = int(value)
        if isinstance(value, bool) or not isinstance(value, int):
            self.error(key, _("Enter a whole number."))
            return None
        if not minimum <= value <= maximum:
            self.error(
                key, _("Enter a number from %(min)d to %(max)d.") % {"min": minimum, "max": maximum}
            )
            return None
        return value

    def category(self, key: str = "category") -> ArticleCategory | None:
        """An existing category by id; empty (None, "") means none."""
        value = self.data.get(key)
        if value is None or value == "":
            return None
        pk = self.integer(key, minimum=1, maximum=MAX_ID)
        if pk is None:
            return None
        found = ArticleCategory.objects.filter(pk=pk).first()
        if found is None:
            self.error(key, _("There is no such category."))
        return found


def _changed(instance, clean: dict[str, Any]) -> dict[str, tuple[Any, Any]]:
    """{field: (old, new)} for the values that differ, as the timeline stores them."""
    changes = {}
    for name, value in clean.items():
        old = getattr(instance, name)
        if old != value:
            as_json = {
                "category": lambda obj: obj.pk if obj else None,
            }.get(name, lambda v: v)
            changes[name] = (as_json(old), as_json(value))
    return changes


def _audit_changes(changes: dict) -> dict:
    # bodies can be long: the log says the text changed, and keeps the old one's length only
    return {
        name: (
            {"old_length": len(old or ""), "new_length": len(new or "")}
            if name == "body"
            else {"old": old, "new": new}
        )
        for name, (old, new) in changes.items()
    }


# -- articles ----------------------------------------------------------------------------------


def _read_article(data: Any, *, creating: bool) -> dict[str, Any]:
    read = _Input(data, ARTICLE_FIELDS)
    clean: dict[str, Any] = {}
    if creating or read.has("title"):
        clean["title"] = read.line("title", max_length=TITLE_MAX, required=True)
    if creating or read.has("body"):
        clean["body"] = read.text("body", max_length=BODY_MAX)
    if read.has("category"):
        clean["category"] = read.category()
    if read.has("visibility"):
        clean["visibility"] = read.choice("visibility", Article.Visibility.choices)
    if read.has("status"):
        clean["status"] = read.choice("status", Article.Status.choices)
    if read.has("language"):
        clean["language"] = read.choice("language", Language.choices)
    read.done()
    return clean


def _fill_index(article: Article) -> None:
    article.search_title, article.search_body = index_fields(article.title, article.body)


def create_article(user, data: Any) -> Article:
    access.require_editor(user)
    clean = _read_article(data, creating=True)
    now = timezone.now()
    article = Article(author=user, updated_by=user, created_at=now, updated_at=now, **clean)
    if article.status == Article.Status.PUBLISHED:
        article.published_at = now
    _fill_index(article)
    with transaction.atomic():
        article.save()
        record_activity(
            AUDIT_ENTITY,
            article.pk,
            Activity.Kind.CREATED,
            user,
            summary=article.title,
            payload={"status": article.status, "visibility": article.visibility},
        )
        events.emit("knowledge.article.created", id=article.pk, actor=user.pk)
    return article


def _locked(article: Article, version: int | None) -> Article:
    """The article's row, locked for this transaction; Conflict if `version` is stale."""
    current = Article.objects.select_for_update().filter(pk=article.pk).first()
    if current is None:
        raise Conflict(0)
    if version is not None and current.version != version:
        raise Conflict(current.version)
    return current


def _check_version(version: Any) -> int | None:
    if version is None or version == "":
        return None
    if isinstance(version, bool):
        raise InputErrors({"version": [_("Enter a whole number.")]})
    try:
        return int(version)
    except (TypeError, ValueError):
        raise InputErrors({"version": [_("Enter a whole number.")]})


def update_article(user, article: Article, data: Any, version: Any) -> Article:
    """Change an article. `version` is the one the editor read: a stale one raises Conflict
    and nothing is written."""
    access.require_editor(user)
    version = _check_version(version)
    if version is None:
        raise InputErrors({"version": [_("Send the version you read.")]})
    clean = _read_article(data, creating=False)
    with transaction.atomic():
        current = _locked(article, version)
        changes = _changed(current, clean)
        if not changes:
            return current
        now = timezone.now()
        for name, value in clean.items():
            setattr(current, name, value)
        if "status" in changes and current.status == Article.Status.PUBLISHED:
            current.published_at = now
        _fill_index(current)
        current.updated_at, current.updated_by = now, user
        current.version = F("version") + 1
        current.save()
        current.refresh_from_db(fields=["version"])
        kind = Activity.Kind.STATUS_CHANGED if set(changes) == {"status"} else Activity.Kind.CHANGED
        record_activity(
            AUDIT_ENTITY,
            current.pk,
            kind,
            user,
            summary=current.title,
            payload={"changes": _audit_changes(changes)},
        )
        events.emit(
            "knowledge.article.updated", id=current.pk, actor=user.pk, fields=sorted(changes)
        )
        if changes.get("status", (None, None))[1] == Article.Status.PUBLISHED:
            events.emit("knowledge.article.published", id=current.pk, actor=user.pk)
    return current


def publish_article(user, article: Article, version: Any = None) -> Article:
    access.require_editor(user)
    current_version = _check_version(version)
    if current_version is None:
        current_version = Article.objects.filter(pk=article.pk).values_list("version", flat=True)
        current_version = current_version.first() or article.version
    return update_article(user, article, {"status": Article.Status.PUBLISHED}, current_version)


def unpublish_article(user, article: Article, version: Any = None) -> Article:
    access.require_editor(user)
    current_version = _check_version(version)
    if current_version is None:
        current_version = Article.objects.filter(pk=article.pk).values_list("version", flat=True)
        current_version = current_version.first() or article.version
    return update_article(user, article, {"status": Article.Status.DRAFT}, current_version)


def delete_article(user, article: Article, version: Any = None) -> None:
    access.require_editor(user)
    version = _check_version(version)
    with transaction.atomic():
        current = _locked(article, version)
        record_activity(
            AUDIT_ENTITY,
            current.pk,
            Activity.Kind.DELETED,
            user,
            summary=current.title,
            payload={"title": current.title, "version": current.version},
        )
        current.delete()
        events.emit("knowledge.article.deleted", id=article.pk, actor=user.pk)


# -- votes -------------------------------------------------------------------------------------


def voter_key_for_user(user) -> str:
    return f"user:{user.pk}"


def voter_key_for_contact(contact_id: int) -> str:
    """A customer signed in to the portal."""
    return f"contact:{int(contact_id)}"


def voter_key_for_session(session_key: str) -> str:
    """An anonymous visitor: an HMAC of the session key, so the table holds nothing that
    would open the session."""
    digest = hmac.new(
        settings.SECRET_KEY.encode(), f"kb-vote:{session_key}".encode(), hashlib.sha256
    )
    return f"session:{digest.hexdigest()}"


def _counts_delta(old: bool | None, new: bool) -> dict[str, Any]:
    delta = {"helpful_yes": 0, "helpful_no": 0}
    if old is not None:
        delta["helpful_yes" if old else "helpful_no"] -= 1
    delta["helpful_yes" if new else "helpful_no"] += 1
    return {name: F(name) + change for name, change in delta.items() if change}


def vote(article: Article, voter_key: str, helpful: Any) -> ArticleVote:
    """Record "was this helpful?" for a published article: one vote per voter, which they
    may change; repeating the same vote changes nothing. Who may vote on which article is
    the caller's decision (staff see every published article, the portal public ones)."""
    if not isinstance(helpful, bool):
        raise InputErrors({"helpful": [_("Enter true or false.")]})
    if not isinstance(voter_key, str) or not _VOTER_KEY.match(voter_key):
        raise InputErrors({"voter": [_("Unknown voter.")]})
    for attempt in range(2):
        try:
            with transaction.atomic():
                # the article's row lock puts one voter's two clicks (or two workers) in line
                current = Article.objects.select_for_update().filter(pk=article.pk).first()
                if current is None or current.status != Article.Status.PUBLISHED:
                    raise InputErrors({"__all__": [_("Only published articles take votes.")]})
                existing = ArticleVote.objects.filter(article=current, voter_key=voter_key).first()
                if existing is not None and existing.helpful == helpful:
                    return existing
                now = timezone.now()
                if existing is None:
                    existing = ArticleVote.objects.create(
                        article=current,
                        voter_key=voter_key,
                        helpful=helpful,
                        created_at=now,
                        updated_at=now,
                    )
                    old = None
                else:
                    old = existing.helpful
                    existing.helpful, existing.updated_at = helpful, now
                    existing.save(update_fields=["helpful", "updated_at"])
                Article.objects.filter(pk=current.pk).update(**_counts_delta(old, helpful))
                events.emit(
                    "knowledge.article.voted",
                    id=current.pk,
                    helpful=helpful,
                    changed=old is not None,
                )
                return existing
        except IntegrityError:  # the same voter's first vote arrived twice at once
            if attempt:
                raise
    raise AssertionError("unreachable")


# -- categories --------------------------------------------------------------------------------


def _read_category(data: Any, category: ArticleCategory | None) -> dict[str, Any]:
    read = _Input(data, CATEGORY_FIELDS)
    clean: dict[str, Any] = {}
    if category is None or read.has("name"):
        clean["name"] = read.line("name", max_length=CATEGORY_NAME_MAX, required=True)
    if read.has("parent"):
        parent = read.category("parent")
        if parent is not None:
            if category is not None and parent.pk == category.pk:
                read.error("parent", _("A category cannot be inside itself."))
            elif parent.parent_id is not None:
                read.error("parent", _("Choose a top-level category: subcategories go one deep."))
            elif category is not None and category.children.exists():
                read.error(
                    "parent", _("This category has subcategories, so it stays at the top level.")
                )
        clean["parent"] = parent
    if read.has("order") and read.data.get("order") not in (None, ""):
        clean["order"] = read.integer("order", minimum=0, maximum=1_000_000)
    if "name" in clean and clean["name"]:
        parent = clean.get("parent", category.parent if category else None)
        twins = ArticleCategory.objects.filter(name__iexact=clean["name"], parent=parent)
        if category is not None:
            twins = twins.exclude(pk=category.pk)
        if twins.exists():
            read.error("name", _("There already is a category with this name here."))
    read.done()
    return clean


def create_category(user, data: Any) -> ArticleCategory:
    access.require_editor(user)
    clean = _read_category(data, None)
    with transaction.atomic():
        if clean.get("order") is None:
            top = ArticleCategory.objects.filter(parent=clean.get("parent")).aggregate(
                top=Max("order")
            )["top"]
            clean["order"] = 0 if top is None else top + 10
        category = ArticleCategory.objects.create(**clean)
        events.emit("knowledge.category.created", id=category.pk, actor=user.pk)
    return category


def update_category(user, category: ArticleCategory, data: Any) -> ArticleCategory:
    access.require_editor(user)
    clean = _read_category(data, category)
    with transaction.atomic():
        changed = [name for name, value in clean.items() if getattr(category, name) != value]
        for name in changed:
            setattr(category, name, clean[name])
        if changed:
            category.save(update_fields=changed)
            events.emit("knowledge.category.updated", id=category.pk, actor=user.pk)
    return category


def delete_category(user, category: ArticleCategory) -> None:
    """Only an empty category goes: articles, answers and subcategories are moved first."""
    access.require_editor(user)
    with transaction.atomic():
        uses = (
            category.articles.count()
            + category.canned_responses.count()
            + category.children.count()
        )
        if uses:
            raise InputErrors(
                {
                    "__all__": [
                        ngettext(
                            "The category holds %(count)d item (articles, answers or "
                            "subcategories); move it elsewhere first.",
                            "The category holds %(count)d items (articles, answers or "
                            "subcategories); move them elsewhere first.",
                            uses,
                        )
                        % {"count": uses}
                    ]
                }
            )
        pk = category.pk
        category.delete()
        events.emit("knowledge.category.deleted", id=pk, actor=user.pk)


# -- canned responses --------------------------------------------------------------------------


def _normalise_shortcut(read: _Input) -> str:
    value = read.line("shortcut", max_length=SHORTCUT_MAX + 1)
    if not value:
        return ""
    value = value.lstrip("/").lower()
    if value and not _SHORTCUT.match(value):
        read.error(
            "shortcut",
            _("Use letters, digits, “-” and “_” only, such as /refund."),
        )
    elif len(value) > SHORTCUT_MAX:
        read.error("shortcut", _("Enter at most %(max)d characters.") % {"max": SHORTCUT_MAX})
    return value


def _read_canned(user, data: Any, response: CannedResponse | None) -> dict[str, Any]:
    read = _Input(data, CANNED_FIELDS)
    clean: dict[str, Any] = {}
    if response is None or read.has("title"):
        clean["title"] = read.line("title", max_length=TITLE_MAX, required=True)
    if response is None or read.has("body"):
        clean["body"] = read.text("body", max_length=CANNED_BODY_MAX, required=True)
    if read.has("shortcut"):
        clean["shortcut"] = _normalise_shortcut(read)
    if read.has("category"):
        clean["category"] = read.category()
    if read.has("language"):
        clean["language"] = read.choice("language", Language.choices)
    owner = response.owner if response is not None else user
    if read.has("shared"):
        shared = read.boolean("shared")
        owner = None if shared else (response.owner if response and response.owner else user)
        clean["owner"] = owner
    elif response is None:
        clean["owner"] = user
    if clean.get("shortcut"):
        twins = CannedResponse.objects.filter(shortcut=clean["shortcut"], owner=owner)
        if response is not None:
            twins = twins.exclude(pk=response.pk)
        if twins.exists():
            read.error(
                "shortcut",
                _("Another shared answer uses this shortcut.")
                if owner is None
                else _("Another of your answers uses this shortcut."),
            )
    read.done()
    return clean


def _require_canned_writer(user, owner) -> None:
    """Shared answers: knowledge editors; personal ones: the owner, any signed-in person."""
    if owner is None:
        access.require_editor(user)
    else:
        access.require_reader(user)
        if owner.pk != user.pk:
            raise PermissionDenied("change")


def create_canned(user, data: Any) -> CannedResponse:
    access.require_reader(user)
    clean = _read_canned(user, data, None)
    _require_canned_writer(user, clean["owner"])
    now = timezone.now()
    with transaction.atomic():
        response = CannedResponse.objects.create(
            created_by=user, created_at=now, updated_at=now, **clean
        )
        events.emit("knowledge.canned.created", id=response.pk, actor=user.pk)
    return response


def update_canned(user, response: CannedResponse, data: Any, version: Any) -> CannedResponse:
    if not access.may_change_canned(user, response):
        raise PermissionDenied("change")
    version = _check_version(version)
    if version is None:
        raise InputErrors({"version": [_("Send the version you read.")]})
    clean = _read_canned(user, data, response)
    if "owner" in clean:
        _require_canned_writer(user, clean["owner"])
    with transaction.atomic():
        current = CannedResponse.objects.select_for_update().filter(pk=response.pk).first()
        if current is None:
            raise Conflict(0)
        if current.version != version:
            raise Conflict(current.version)
        changed = [name for name, value in clean.items() if getattr(current, name) != value]
        if not changed:
            return current
        for name in changed:
            setattr(current, name, clean[name])
        current.updated_at = timezone.now()
        current.version = F("version") + 1
        current.save()
        current.refresh_from_db(fields=["version"])
        events.emit("knowledge.canned.updated", id=current.pk, actor=user.pk, fields=changed)
    return current


def delete_canned(user, response: CannedResponse, version: Any = None) -> None:
    if not access.may_change_canned(user, response):
        raise PermissionDenied("delete")
    version = _check_version(version)
    with transaction.atomic():
        current = CannedResponse.objects.select_for_update().filter(pk=response.pk).first()
        if current is None:
            return
        if version is not None and current.version != version:
            raise Conflict(current.version)
        current.delete()
        events.emit("knowledge.canned.deleted", id=response.pk, actor=user.pk)


def render_canned(response: CannedResponse, context: dict | None) -> str:
    """The answer's text with its placeholders filled from `context`
    (`{"contact": {"first_name": "Anna"}, "ticket": {"number": "T-42"}, …}`); placeholders
    that are unknown or have no value stay visible as typed."""
    return canned.render_text(response.body, context).text
