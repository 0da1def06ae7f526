"""Settings of web forms and assignment rules, and the HTML a form's site pastes.

`create_form`, `update_form`, `rotate_key`, `delete_form`, `create_rule`, `update_rule` and
`delete_rule` are for administrators; they check once for the settings pages and the API
(raw values read with the customization app's `Checker`) and refuse with `InputErrors` like
every other service. `render_snippet` and `render_fetch_example` give the code that sends a
form to `capture.submit`.
"""

from __future__ import annotations

import secrets
from typing import Any
from urllib.parse import urlsplit

from django.contrib.auth import get_user_model
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.translation import gettext as _

from kartoteka.contacts.entities import SOURCES
from kartoteka.customization.inputs import Checker
from kartoteka.platform.permissions import PermissionDenied

from .assignment import FALLBACK_ORDER
from .behaviour import LeadBehaviour
from .capture import HONEYPOT, UTM_KEYS, available_fields, form_fields, normalise_origin
from .models import AssignmentRule, CaptureForm, Product

MAX_FORM_FIELDS = 30
MAX_ORIGINS = 20
MAX_RULE_USERS = 100
NAME_LIMIT = 100
LABEL_LIMIT = 100
ORDER_LIMIT = 1_000_000
KEY_BYTES = 18  # 24 URL-safe characters

FORM_KEYS = (
    "name",
    "fields",
    "allowed_origins",
    "source",
    "owner",
    "success_message",
    "redirect_url",
    "active",
)
FORM_DEFAULTS = {"source": "website", "active": True}
RULE_KEYS = ("name", "order", "active", "source", "region", "product", "users")
RULE_DEFAULTS = {"order": 0, "active": True}
SOURCE_KEYS = [key for key, _label in SOURCES]


def _require_admin(user) -> None:
    if user is None or not getattr(user, "is_administrator", False):
        raise PermissionDenied("settings")


# -- the snippet ---------------------------------------------------------------------------------


def submit_url(form: CaptureForm, base_url: str) -> str:
    return base_url.rstrip("/") + reverse("sales:form_submit", args=[form.key])


def json_url(form: CaptureForm, base_url: str) -> str:
    return base_url.rstrip("/") + reverse("sales:form_submit_json", args=[form.key])


def render_snippet(form: CaptureForm, base_url: str, fields=None) -> str:
    """The HTML to paste into a site's page: a plain form posting to this server."""
    return render_to_string(
        "sales/capture/snippet.html",
        {
            "form": form,
            "fields": form_fields(form) if fields is None else fields,
            "action": submit_url(form, base_url),
            "honeypot": HONEYPOT,
            "utm_keys": UTM_KEYS,
            "prefix": f"kf-{form.key[:6]}",
        },
    ).strip()


def render_fetch_example(form: CaptureForm, base_url: str, fields=None) -> str:
    """A fetch() call for sites that post with their own script."""
    return render_to_string(
        "sales/capture/fetch_example.txt",
        {
            "url": json_url(form, base_url),
            "fields": form_fields(form) if fields is None else fields,
            "honeypot": HONEYPOT,
        },
    ).strip()


# -- reading settings ----------------------------------------------------------------------------


def _read(data: Any, keys: tuple[str, ...], defaults: dict, *, partial: bool):
    """A checker over `data`, the values to read (defaults filled in on create) and the keys
    wanted (only those given when `partial`)."""
    check = Checker(data, set(keys))
    values = data if partial else {**defaults, **data}
    return check, values, [key for key in keys if key in data or not partial]


def _pk(value: Any) -> int | None:
    if isinstance(value, bool) or not isinstance(value, int | str):
        return None
    try:
        return int(str(value).strip())
    except ValueError:
        return None


def _source(check: Checker, key: str, value: Any, *, allow_empty: bool) -> str:
    if allow_empty and value in (None, ""):
        return ""
    return check.choice(key, value, SOURCE_KEYS)


def _user(check: Checker, key: str, value: Any) -> int | None:
    if value in (None, ""):
        return None
    pk = _pk(value)
    if pk is None or not get_user_model().objects.filter(pk=pk, is_active=True).exists():
        check.error(key, _("Choose an active user."))
        return None
    return pk


def _field_list(check: Checker, value: Any) -> list[dict]:
    """A form's fields as stored: [{"field", "label", "required"}]; the first problem is
    reported under "fields"."""

    def refuse(message: str) -> list[dict]:
        check.error("fields", message)
        return []

    if not isinstance(value, list) or not value:
        return refuse(_("Choose at least one field."))
    if len(value) > MAX_FORM_FIELDS:
        return refuse(_("Choose at most %(max)d fields.") % {"max": MAX_FORM_FIELDS})
    allowed = {spec.key: spec for spec in available_fields()}
    result: list[dict] = []
    for item in value:
        if not isinstance(item, dict) or set(item) - {"field", "label", "required"}:
            return refuse(_("Each field is an object with “field”, “label” and “required”."))
        key = item.get("field")
        if not isinstance(key, str) or key not in allowed:
            return refuse(
                _("“%(key)s” is not a lead field a form may ask for.") % {"key": str(key)[:50]}
            )
        if any(existing["field"] == key for existing in result):
            return refuse(_("“%(key)s” is chosen twice.") % {"key": key})
        label = item.get("label") or ""
        if not isinstance(label, str) or len(label.strip()) > LABEL_LIMIT:
            return refuse(
                _("A label is text of at most %(max)d characters.") % {"max": LABEL_LIMIT}
            )
        required = item.get("required", False)
        if not isinstance(required, bool):
            return refuse(_("“required” is true or false."))
        result.append(
            {"field": key, "label": label.strip() or str(allowed[key].label), "required": required}
        )
    if not any(item["field"] in LeadBehaviour.IDENTITY for item in result):
        return refuse(_("Ask for a name, a company, an email address or a phone number."))
    return result


def _origins(check: Checker, value: Any) -> list[str]:
    if value in (None, ""):
        return []
    if isinstance(value, str):
        value = value.splitlines()
    if not isinstance(value, list):
        check.error("allowed_origins", _("Enter a list of site addresses."))
        return []
    result: list[str] = []
    for item in value:
        if isinstance(item, str) and not item.strip():
            continue
        try:
            origin = normalise_origin(item)
        except ValueError:
            check.error(
                "allowed_origins",
                _(
                    "“%(value)s” is not a site address like https://example.com "
                    "(scheme, host and optional port; no path)."
                )
                % {"value": str(item)[:80]},
            )
            return []
        if origin not in result:
            result.append(origin)
    if len(result) > MAX_ORIGINS:
        check.error("allowed_origins", _("Enter at most %(max)d sites.") % {"max": MAX_ORIGINS})
    return result


def _redirect(check: Checker, value: Any) -> str:
    if value in (None, ""):
        return ""
    if not isinstance(value, str):
        check.error("redirect_url", _("Enter a web address."))
        return ""
    value = value.strip()
    parts = urlsplit(value)
    try:
        normalise_origin(f"{parts.scheme}://{parts.netloc}")
    except ValueError:
        check.error(
            "redirect_url", _("Enter a full web address starting with http:// or https://.")
        )
        return ""
    if len(value) > 200 or " " in value or parts.username or parts.password:
        check.error("redirect_url", _("Enter a full web address of at most 200 characters."))
    return value


def clean_form_settings(data: Any, *, partial: bool) -> dict:
    """Validated settings of a form, only the keys given when `partial`."""
    check, values, wanted = _read(data, FORM_KEYS, FORM_DEFAULTS, partial=partial)
    readers = {
        "name": lambda v: check.text("name", v, max_length=NAME_LIMIT, required=True),
        "fields": lambda v: _field_list(check, v),
        "allowed_origins": lambda v: _origins(check, v),
        "source": lambda v: _source(check, "source", v, allow_empty=False),
        "owner": lambda v: _user(check, "owner", v),
        "success_message": lambda v: check.text("success_message", v, max_length=255),
        "redirect_url": lambda v: _redirect(check, v),
        "active": lambda v: check.boolean("active", v),
    }
    clean = {key: readers[key](values.get(key)) for key in wanted}
    check.done()
    return clean


def _order(check: Checker, value: Any) -> int:
    if type(value) is int and value == FALLBACK_ORDER:
        return value  # "Everyone in turn" keeps its place after every other rule
    number = check.integer("order", value, minimum=0, maximum=ORDER_LIMIT)
    if number is None and check.ok("order"):
        check.error("order", _("Enter a whole number."))
    return number or 0


def _product(check: Checker, value: Any) -> int | None:
    if value in (None, ""):
        return None
    pk = _pk(value)
    if pk is None or not Product.objects.filter(pk=pk).exists():
        check.error("product", _("Choose one of the products."))
        return None
    return pk


def _users(check: Checker, value: Any) -> list[int]:
    if value in (None, ""):
        return []
    ids = [_pk(item) for item in value] if isinstance(value, list) else [None]
    if None in ids or len(ids) > MAX_RULE_USERS:
        check.error("users", _("Choose active users."))
        return []
    ids = list(dict.fromkeys(ids))  # once each, in turn order
    active = get_user_model().objects.filter(pk__in=ids, is_active=True)
    if active.count() != len(ids):
        check.error("users", _("Choose active users."))
        return []
    return ids


def clean_rule_settings(data: Any, *, partial: bool) -> dict:
    """Validated settings of a rule, only the keys given when `partial`. `product` is the
    product's id."""
    check, values, wanted = _read(data, RULE_KEYS, RULE_DEFAULTS, partial=partial)
    readers = {
        "name": lambda v: check.text("name", v, max_length=NAME_LIMIT, required=True),
        "order": lambda v: _order(check, v),
        "active": lambda v: check.boolean("active", v),
        "source": lambda v: _source(check, "source", v, allow_empty=True),
        "region": lambda v: check.text("region", v, max_length=100),
        "product": lambda v: _product(check, v),
        "users": lambda v: _users(check, v),
    }
    clean = {key: readers[key](values.get(key)) for key in wanted}
    check.done()
    return clean


# -- forms ---------------------------------------------------------------------------------------


def new_key() -> str:
    return secrets.token_urlsafe(KEY_BYTES)


def create_form(user, data: dict) -> CaptureForm:
    _require_admin(user)
    clean = clean_form_settings(data, partial=False)
    owner = clean.pop("owner")
    return CaptureForm.objects.create(key=new_key(), owner_id=owner, **clean)


def update_form(user, form: CaptureForm, data: dict) -> CaptureForm:
    _require_admin(user)
    clean = clean_form_settings(data, partial=True)
    changed = list(clean)
    if "owner" in clean:
        form.owner_id = clean.pop("owner")
    for key, value in clean.items():
        setattr(form, key, value)
    # submissions is counted with F() by visitors meanwhile: never write it back from here
    if changed:
        form.save(update_fields=changed)
    return form


def rotate_key(user, form: CaptureForm) -> CaptureForm:
    """A new public key: pages with the old snippet stop working (404)."""
    _require_admin(user)
    form.key = new_key()
    form.save(update_fields=["key"])
    return form


def delete_form(user, form: CaptureForm) -> None:
    """Delete a form; its leads stay (their `form` becomes empty)."""
    _require_admin(user)
    form.delete()


# -- assignment rules ----------------------------------------------------------------------------


def _apply_rule(rule: AssignmentRule, clean: dict) -> list[str]:
    """Set the values on `rule`; returns the model fields changed."""
    for key, value in clean.items():
        setattr(rule, "product_id" if key == "product" else key, value)
    return list(clean)


def create_rule(user, data: dict) -> AssignmentRule:
    _require_admin(user)
    rule = AssignmentRule()
    _apply_rule(rule, clean_rule_settings(data, partial=False))
    rule.save()
    return rule


def update_rule(user, rule: AssignmentRule, data: dict) -> AssignmentRule:
    _require_admin(user)
    changed = _apply_rule(rule, clean_rule_settings(data, partial=True))
    # next_index is advanced by assignments meanwhile: never write it back from here
    if changed:
        rule.save(update_fields=changed)
    return rule


def delete_rule(user, rule: AssignmentRule) -> None:
    _require_admin(user)
    rule.delete()
