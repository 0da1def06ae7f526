"""Web forms that capture leads: what a visitor's submission becomes, and the settings of
forms and assignment rules.

`submit()` is the one door for a visitor's answers, whether they come from a plain HTML form
post or from the JSON endpoint: it checks the form is open and the sending site allowed,
treats a filled honeypot as spam (answered like a success, nothing stored), keeps only the
fields the form asks for, limits sizes, and creates the lead through the platform's
`create_record` — so the lead's rules, the search index, the timeline, ownership of known
clients ("the enquiry goes onto the existing card") and assignment of unowned leads
(`assignment.pick_owner`) apply exactly as for any other lead.

The settings functions (`create_form`, `update_form`, …, `create_rule`, …) validate once for
the settings pages and the API, and answer with `InputErrors` like every other service.
"""

from __future__ import annotations

import ipaddress
import logging
import secrets
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qs, urlsplit

from django.contrib.auth import get_user_model
from django.db import transaction
from django.db.models import F
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.translation import gettext as _

from kartoteka.contacts.entities import SOURCES
from kartoteka.platform import ownership, services
from kartoteka.platform.fields import HOST_RE, FieldSpec, FieldType, InputErrors
from kartoteka.platform.permissions import PermissionDenied
from kartoteka.platform.registry import EntitySpec, registry

from .models import AssignmentRule, CaptureForm, Lead, Product

log = logging.getLogger(__name__)

# Lead fields a web form may ask for, in the order the settings page offers them; custom
# fields of the lead entity of the types below follow.
LEAD_FIELDS = (
    "first_name",
    "last_name",
    "company_name",
    "position",
    "emails",
    "phones",
    "interest",
    "region",
    "product",
)
CUSTOM_TYPES = (
    FieldType.TEXT,
    FieldType.LONGTEXT,
    FieldType.NUMBER,
    FieldType.DATE,
    FieldType.BOOLEAN,
    FieldType.CHOICE,
    FieldType.MULTICHOICE,
    FieldType.EMAIL,
    FieldType.PHONE,
    FieldType.URL,
)
# A lead needs one of these (LeadBehaviour): a form without any could never create a lead.
IDENTITY_FIELDS = ("first_name", "last_name", "company_name", "emails", "phones")
UTM_KEYS = ("utm_source", "utm_medium", "utm_campaign", "utm_term", "utm_content")
HONEYPOT = "website_url"

BODY_LIMIT = 20 * 1024  # bytes of a whole submission
MAX_KEYS = 60  # names in one submission (fields, UTM, honeypot and whatever a page adds)
UTM_LIMIT = 200
LONG_TEXT_LIMIT = 5000
MULTIPLE_LIMIT = 5  # emails or phones in one submission
MAX_FORM_FIELDS = 30
MAX_ORIGINS = 20
MAX_RULE_USERS = 100
NAME_LIMIT = 100
LABEL_LIMIT = 100
ORDER_LIMIT = 1_000_000
KEY_BYTES = 18  # 24 URL-safe characters


def lead_entity() -> EntitySpec:
    return registry.get("lead")


# -- which fields --------------------------------------------------------------------------------


def available_fields(entity: EntitySpec | None = None) -> list[FieldSpec]:
    """The lead fields a form may ask for: the built-in ones above, then custom fields."""
    entity = entity or lead_entity()
    result = [entity.field(key) for key in LEAD_FIELDS if entity.field(key) is not None]
    result += [spec for spec in entity.custom_fields if spec.editable and spec.type in CUSTOM_TYPES]
    return result


def value_limit(spec: FieldSpec) -> int:
    """The longest text accepted for one value of the field: the database column's length
    for built-in columns (so PostgreSQL never refuses a visitor's text), the field's own
    limit for custom fields."""
    if spec.storage == "column":
        model_field = Lead._meta.get_field(spec.key)
        if getattr(model_field, "max_length", None) and not spec.multiple:
            return min(model_field.max_length, spec.max_length or model_field.max_length)
    if spec.type == FieldType.EMAIL:
        return 254
    if spec.type == FieldType.PHONE:
        return 40
    if spec.type == FieldType.LONGTEXT:
        return min(spec.max_length or LONG_TEXT_LIMIT, LONG_TEXT_LIMIT)
    return spec.max_length or 255


@dataclass
class FormField:
    """One field of a form as the snippet and the error page show it."""

    key: str
    label: str
    required: bool
    spec: FieldSpec

    @property
    def limit(self) -> int:
        return value_limit(self.spec)

    @property
    def input_type(self) -> str:
        if self.spec.key == "product":
            return "product"
        return {
            FieldType.EMAIL: "email",
            FieldType.PHONE: "tel",
            FieldType.NUMBER: "number",
            FieldType.DATE: "date",
            FieldType.URL: "url",
            FieldType.LONGTEXT: "textarea",
            FieldType.BOOLEAN: "checkbox",
            FieldType.CHOICE: "select",
            FieldType.MULTICHOICE: "select-multiple",
        }.get(self.spec.type, "text")

    @property
    def choices(self) -> list[tuple[Any, str]]:
        if self.spec.key == "product":
            return list(
                Product.objects.filter(active=True).order_by("name").values_list("pk", "name")
            )
        return [(value, str(label)) for value, label in self.spec.choices]


def form_fields(form: CaptureForm, entity: EntitySpec | None = None) -> list[FormField]:
    """The form's configured fields that still exist and may still be asked for."""
    allowed = {spec.key: spec for spec in available_fields(entity)}
    result = []
    for item in form.fields or []:
        if not isinstance(item, dict):
            continue
        spec = allowed.get(item.get("field"))
        if spec is None or any(f.key == spec.key for f in result):
            continue
        label = str(item.get("label") or "").strip() or str(spec.label)
        result.append(FormField(spec.key, label, bool(item.get("required")), spec))
    return result


# -- a visitor's submission ----------------------------------------------------------------------


@dataclass
class CaptureResult:
    """What a submission came to. `status` is the HTTP status the public endpoints answer:
    200 taken (or silently dropped as spam, or attached to a known client's card), 403 from a
    site the form does not accept, 404 a closed form, 413 too large, 422 invalid input."""

    ok: bool
    message: str
    status: int = 200
    errors: dict[str, list[str]] = field(default_factory=dict)
    labels: dict[str, str] = field(default_factory=dict)
    lead: Lead | None = None
    spam: bool = False
    attached: bool = False

    @property
    def error_list(self) -> list[tuple[str, str]]:
        """(label, message) pairs for people, in the form's order."""
        return [
            (self.labels.get(key, "") if key != "__all__" else "", message)
            for key, messages in self.errors.items()
            for message in messages
        ]


def success_message(form: CaptureForm) -> str:
    return form.success_message or _(
        "Thank you! We have received your message and will get back to you soon."
    )


def _refused(message: str, status: int, errors: dict | None = None, labels=None) -> CaptureResult:
    return CaptureResult(
        ok=False,
        message=message,
        status=status,
        errors=errors or {"__all__": [message]},
        labels=labels or {},
    )


def _size(raw: dict) -> int:
    total = 0
    for key, value in raw.items():
        total += len(str(key))
        values = value if isinstance(value, list | tuple) else [value]
        total += sum(len(str(item)) for item in values)
    return total


def _is_blank(value: Any) -> bool:
    if isinstance(value, list | tuple):
        return all(_is_blank(item) for item in value)
    return value is None or (isinstance(value, str) and not value.strip())


def _scalar_ok(value: Any) -> bool:
    return isinstance(value, str | int | float | bool) or value is None


def _check_value(ff: FormField, value: Any) -> str:
    """A message when the value's shape or length is refused; "" when it may go on."""
    multiple = ff.spec.multiple or ff.spec.type == FieldType.MULTICHOICE
    values = value if isinstance(value, list | tuple) else [value]
    if not multiple and len(values) > 1:
        values = values[-1:]  # a page that repeats a name: the last value wins, as in Django
    if not all(_scalar_ok(item) for item in values):
        return _("Enter text.")
    if multiple and len(values) > MULTIPLE_LIMIT:
        return _("Enter at most %(max)d values.") % {"max": MULTIPLE_LIMIT}
    limit = ff.limit
    for item in values:
        text = "" if item is None else str(item)
        if len(text.strip()) > limit:
            return _("Enter at most %(max)d characters (it has %(len)d).") % {
                "max": limit,
                "len": len(text.strip()),
            }
    return ""


def _single(value: Any) -> Any:
    return value[-1] if isinstance(value, list | tuple) and value else value


def utm_from(raw: dict, referer: str = "") -> dict[str, str]:
    """UTM parameters posted with the form, completed from the referring page's address."""
    from_referer: dict[str, list[str]] = {}
    if referer:
        try:
            from_referer = parse_qs(urlsplit(referer[:2000]).query)
        except ValueError:
            from_referer = {}
    utm = {}
    for key in UTM_KEYS:
        value = _single(raw.get(key))
        if _is_blank(value) or not isinstance(value, str | int | float):
            value = (from_referer.get(key) or [""])[0]
        value = str(value).strip().replace("\x00", "")[:UTM_LIMIT]
        if value:
            utm[key] = value
    return utm


def submit(
    form: CaptureForm, raw: dict, *, ip: str, origin: str = "", referer: str = ""
) -> CaptureResult:
    """Turn a visitor's answers into a lead (see the module docstring). Never raises for bad
    input: the result says what happened and which HTTP status to answer with."""
    if not form.active:
        return _refused(_("This form is not accepting submissions."), 404)
    if not origin_allowed(form, origin):
        return _refused(_("This form does not accept submissions from this site."), 403)
    if not isinstance(raw, dict):
        return _refused(_("Send the form's fields as an object."), 422)
    if len(raw) > MAX_KEYS or _size(raw) > BODY_LIMIT:
        return _refused(
            _("The form sent is too large (at most %(kb)d KB).") % {"kb": BODY_LIMIT // 1024},
            413,
        )
    if not _is_blank(raw.get(HONEYPOT)):
        log.info("web form %s: honeypot filled from %s, dropped", form.pk, ip)
        return CaptureResult(ok=True, message=success_message(form), spam=True)

    entity = lead_entity()
    fields = form_fields(form, entity)
    labels = {ff.key: ff.label for ff in fields}
    errors: dict[str, list[str]] = {}
    data: dict[str, Any] = {}
    for ff in fields:
        value = raw.get(ff.key)
        if _is_blank(value):
            if ff.required:
                errors[ff.key] = [_("This field is required.")]
            continue
        problem = _check_value(ff, value)
        if problem:
            errors[ff.key] = [problem]
            continue
        multiple = ff.spec.multiple or ff.spec.type == FieldType.MULTICHOICE
        data[ff.key] = (
            list(value) if multiple and isinstance(value, list | tuple) else (_single(value))
        )
    if "product" in data and not errors.get("product"):
        if not Product.objects.filter(pk=_as_int(data["product"]), active=True).exists():
            errors["product"] = [_("Choose one of the products.")]
    if errors:
        return _refused(_("Please correct the fields listed."), 422, errors, labels)

    source_spec = entity.field("source")
    if source_spec is not None and form.source in {value for value, _l in source_spec.choices}:
        data["source"] = form.source
    data["channel"] = "web_form"
    if form.owner_id is not None and form.owner is not None and form.owner.is_active:
        data["owner"] = form.owner_id
    utm = utm_from(raw, referer)

    try:
        with transaction.atomic():
            attached = False
            lead = None
            try:
                created = services.create_record(
                    entity, None, data, check_permission=False, channel="web_form"
                )
            except ownership.AttachedToExisting:
                attached = True  # the owner was notified; the visitor learns nothing more
            else:
                Lead.objects.filter(pk=created.pk).update(utm=utm, form=form)
                lead = Lead.objects.select_related("owner").get(pk=created.pk)
            CaptureForm.objects.filter(pk=form.pk).update(submissions=F("submissions") + 1)
    except InputErrors as exc:
        return _refused(
            _("Please correct the fields listed."), 422, _visitor_errors(exc, labels), labels
        )
    return CaptureResult(ok=True, message=success_message(form), lead=lead, attached=attached)


def _as_int(value: Any) -> int:
    try:
        return int(str(value).strip())
    except (TypeError, ValueError):
        return 0


def _visitor_errors(exc: InputErrors, labels: dict[str, str]) -> dict[str, list[str]]:
    """The lead's own refusals, said about the form's fields; a refusal about a field the
    form does not show (a required-fields template, the form's settings) is said in words a
    visitor can act on."""
    entity = lead_entity()
    result: dict[str, list[str]] = {}
    for key, messages in exc.errors.items():
        if key in labels or key == "__all__":
            result.setdefault(key, []).extend(str(m) for m in messages)
            continue
        log.warning("web form refused by a rule about %s: %s", key, messages)
        spec = entity.field(key)
        name = str(spec.label) if spec is not None else key
        result.setdefault("__all__", []).extend(f"{name}: {m}" for m in messages)
    return result


# -- origins -------------------------------------------------------------------------------------


def normalise_origin(text: str) -> str:
    """ "https://Example.com:443/" → "https://example.com"; ValueError when `text` is not a
    bare scheme://host[:port] (no path, query, user or fragment)."""
    if not isinstance(text, str) or len(text) > 300:
        raise ValueError(text)
    parts = urlsplit(text.strip())
    if parts.scheme.lower() not in ("http", "https"):
        raise ValueError(text)
    if parts.username or parts.password or parts.query or parts.fragment:
        raise ValueError(text)
    if parts.path not in ("", "/"):
        raise ValueError(text)
    port = parts.port  # raises ValueError on a malformed port
    host = (parts.hostname or "").lower()
    if not host:
        raise ValueError(text)
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        address = None
        if not HOST_RE.match(host):
            raise ValueError(text)
    scheme = parts.scheme.lower()
    shown = f"[{host}]" if address is not None and address.version == 6 else host
    default = 443 if scheme == "https" else 80
    return f"{scheme}://{shown}" if port in (None, default) else f"{scheme}://{shown}:{port}"


def origin_allowed(form: CaptureForm, origin: str) -> bool:
    """No Origin header (not a browser's cross-site request) is allowed; otherwise, when
    the form names sites, the Origin must be one of them exactly (scheme, host and port)."""
    if not origin:
        return True
    if not form.allowed_origins:
        return True
    return cors_origin(form, origin) is not None


def cors_origin(form: CaptureForm, origin: str) -> str | None:
    """The Origin to echo in Access-Control-Allow-Origin: only one the form lists."""
    if not origin or origin == "null":
        return None
    try:
        normal = normalise_origin(origin)
    except ValueError:
        return None
    return origin if normal in (form.allowed_origins or []) else None


# -- the snippet ---------------------------------------------------------------------------------


def submit_url(form: CaptureForm, base_url: str) -> str:
    return base_url.rstrip("/") + reverse("sales:form_submit", args=[form.key])


def json_url(form: CaptureForm, base_url: str) -> str:
    return base_url.rstrip("/") + reverse("sales:form_submit_json", args=[form.key])


def render_snippet(form: CaptureForm, base_url: str) -> str:
    """The HTML to paste into a site's page: a plain form posting to this server."""
    return render_to_string(
        "sales/capture/snippet.html",
        {
            "form": form,
            "fields": form_fields(form),
            "action": submit_url(form, base_url),
            "honeypot": HONEYPOT,
            "utm_keys": UTM_KEYS,
            "prefix": f"kf-{form.key[:6]}",
        },
    ).strip()


def render_fetch_example(form: CaptureForm, base_url: str) -> str:
    """A fetch() call for sites that post with their own script."""
    return render_to_string(
        "sales/capture/fetch_example.txt",
        {"url": json_url(form, base_url), "fields": form_fields(form), "honeypot": HONEYPOT},
    ).strip()


# -- settings: forms -----------------------------------------------------------------------------


def _require_admin(user) -> None:
    if user is None or not getattr(user, "is_administrator", False):
        raise PermissionDenied("settings")


def _text(data: dict, key: str, errors: dict, *, limit: int, required: bool = False) -> str:
    value = data.get(key)
    if value is None:
        value = ""
    if not isinstance(value, str):
        errors[key] = [_("Enter text.")]
        return ""
    value = value.strip()
    if "\x00" in value:
        errors[key] = [_("Text may not contain NUL characters.")]
    elif required and not value:
        errors[key] = [_("This field is required.")]
    elif len(value) > limit:
        errors[key] = [
            _("Enter at most %(max)d characters (it has %(len)d).")
            % {"max": limit, "len": len(value)}
        ]
    return value


def _bool(data: dict, key: str, errors: dict) -> bool:
    value = data.get(key)
    if not isinstance(value, bool):
        errors[key] = [_("Enter true or false.")]
        return False
    return value


def _user_id(data: dict, key: str, errors: dict) -> int | None:
    value = data.get(key)
    if value in (None, ""):
        return None
    if isinstance(value, bool) or not isinstance(value, int | str):
        errors[key] = [_("Choose an active user.")]
        return None
    pk = _as_int(value)
    if not get_user_model().objects.filter(pk=pk, is_active=True).exists():
        errors[key] = [_("Choose an active user.")]
        return None
    return pk


def _source(data: dict, key: str, errors: dict, *, allow_empty: bool) -> str:
    value = data.get(key) or ""
    allowed = {choice for choice, _label in SOURCES}
    if not isinstance(value, str) or (value not in allowed and not (allow_empty and not value)):
        errors[key] = [_("Choose one of the sources.")]
        return ""
    return value


def clean_field_list(value: Any) -> list[dict]:
    """A form's fields as stored: [{"field", "label", "required"}]; InputErrors otherwise."""
    if not isinstance(value, list) or not value:
        raise InputErrors({"fields": [_("Choose at least one field.")]})
    if len(value) > MAX_FORM_FIELDS:
        raise InputErrors(
            {"fields": [_("Choose at most %(max)d fields.") % {"max": MAX_FORM_FIELDS}]}
        )
    allowed = {spec.key: spec for spec in available_fields()}
    result: list[dict] = []
    for item in value:
        if not isinstance(item, dict) or set(item) - {"field", "label", "required"}:
            raise InputErrors(
                {"fields": [_("Each field is an object with “field”, “label” and “required”.")]}
            )
        key = item.get("field")
        if not isinstance(key, str) or key not in allowed:
            raise InputErrors(
                {
                    "fields": [
                        _("“%(key)s” is not a lead field a form may ask for.")
                        % {"key": str(key)[:50]}
                    ]
                }
            )
        if any(existing["field"] == key for existing in result):
            raise InputErrors({"fields": [_("“%(key)s” is chosen twice.") % {"key": key}]})
        label = item.get("label") or ""
        if not isinstance(label, str) or len(label.strip()) > LABEL_LIMIT:
            raise InputErrors(
                {
                    "fields": [
                        _("A label is text of at most %(max)d characters.") % {"max": LABEL_LIMIT}
                    ]
                }
            )
        required = item.get("required", False)
        if not isinstance(required, bool):
            raise InputErrors({"fields": [_("“required” is true or false.")]})
        result.append(
            {"field": key, "label": label.strip() or str(allowed[key].label), "required": required}
        )
    if not any(item["field"] in IDENTITY_FIELDS for item in result):
        raise InputErrors(
            {"fields": [_("Ask for a name, a company, an email address or a phone number.")]}
        )
    return result


def clean_origins(value: Any) -> list[str]:
    if value in (None, ""):
        return []
    if isinstance(value, str):
        value = value.splitlines()
    if not isinstance(value, list):
        raise InputErrors({"allowed_origins": [_("Enter a list of site addresses.")]})
    result: list[str] = []
    for item in value:
        if isinstance(item, str) and not item.strip():
            continue
        try:
            origin = normalise_origin(item)
        except ValueError:
            shown = str(item)[:80]
            raise InputErrors(
                {
                    "allowed_origins": [
                        _(
                            "“%(value)s” is not a site address like https://example.com "
                            "(scheme, host and optional port; no path)."
                        )
                        % {"value": shown}
                    ]
                }
            )
        if origin not in result:
            result.append(origin)
    if len(result) > MAX_ORIGINS:
        raise InputErrors(
            {"allowed_origins": [_("Enter at most %(max)d sites.") % {"max": MAX_ORIGINS}]}
        )
    return result


def clean_redirect(value: Any) -> str:
    if value in (None, ""):
        return ""
    if not isinstance(value, str):
        raise InputErrors({"redirect_url": [_("Enter a web address.")]})
    value = value.strip()
    parts = urlsplit(value)
    try:
        normalise_origin(f"{parts.scheme}://{parts.netloc}")
    except ValueError:
        raise InputErrors(
            {"redirect_url": [_("Enter a full web address starting with http:// or https://.")]}
        )
    if len(value) > 200 or " " in value or parts.username or parts.password:
        raise InputErrors(
            {"redirect_url": [_("Enter a full web address of at most 200 characters.")]}
        )
    return value


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


def clean_form_settings(data: dict, *, partial: bool) -> dict:
    """Validated settings of a form, only the keys given when `partial`."""
    if not isinstance(data, dict):
        raise InputErrors({"__all__": [_("Send an object of settings.")]})
    unknown = set(data) - set(FORM_KEYS)
    if unknown:
        raise InputErrors({key: [_("Unknown field.")] for key in sorted(unknown)})
    wanted = [key for key in FORM_KEYS if key in data or not partial]
    errors: dict[str, list[str]] = {}
    clean: dict[str, Any] = {}
    defaults = {"source": "website", "active": True}
    source = {**defaults, **data} if not partial else data
    for key in wanted:
        try:
            if key == "name":
                clean[key] = _text(source, key, errors, limit=NAME_LIMIT, required=True)
            elif key == "fields":
                clean[key] = clean_field_list(source.get(key))
            elif key == "allowed_origins":
                clean[key] = clean_origins(source.get(key))
            elif key == "source":
                clean[key] = _source(source, key, errors, allow_empty=False)
            elif key == "owner":
                clean[key] = _user_id(source, key, errors)
            elif key == "success_message":
                clean[key] = _text(source, key, errors, limit=255)
            elif key == "redirect_url":
                clean[key] = clean_redirect(source.get(key))
            elif key == "active":
                clean[key] = _bool(source, key, errors)
        except InputErrors as exc:
            for error_key, messages in exc.errors.items():
                errors.setdefault(error_key, []).extend(messages)
    if errors:
        raise InputErrors(errors)
    return clean


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


# -- settings: assignment rules ------------------------------------------------------------------


RULE_KEYS = ("name", "order", "active", "source", "region", "product", "users")


def _order(data: dict, key: str, errors: dict) -> int:
    value = data.get(key)
    if isinstance(value, bool) or not isinstance(value, int | str):
        errors[key] = [_("Enter a whole number.")]
        return 0
    try:
        number = int(str(value).strip())
    except ValueError:
        errors[key] = [_("Enter a whole number.")]
        return 0
    from .assignment import FALLBACK_ORDER

    if not (0 <= number <= ORDER_LIMIT or number == FALLBACK_ORDER):
        errors[key] = [_("Enter a number from 0 to %(max)d.") % {"max": ORDER_LIMIT}]
    return number


def _product(data: dict, key: str, errors: dict) -> int | None:
    value = data.get(key)
    if value in (None, ""):
        return None
    if isinstance(value, bool) or not isinstance(value, int | str):
        errors[key] = [_("Choose one of the products.")]
        return None
    pk = _as_int(value)
    if not Product.objects.filter(pk=pk).exists():
        errors[key] = [_("Choose one of the products.")]
        return None
    return pk


def _users(data: dict, key: str, errors: dict) -> list[int]:
    value = data.get(key)
    if value in (None, ""):
        return []
    if not isinstance(value, list) or len(value) > MAX_RULE_USERS:
        errors[key] = [_("Choose active users.")]
        return []
    ids: list[int] = []
    for item in value:
        if isinstance(item, bool) or not isinstance(item, int | str):
            errors[key] = [_("Choose active users.")]
            return []
        pk = _as_int(item)
        if pk not in ids:
            ids.append(pk)
    found = set(
        get_user_model().objects.filter(pk__in=ids, is_active=True).values_list("pk", flat=True)
    )
    if set(ids) - found:
        errors[key] = [_("Choose active users.")]
        return []
    return ids


def clean_rule_settings(data: dict, *, partial: bool) -> dict:
    if not isinstance(data, dict):
        raise InputErrors({"__all__": [_("Send an object of settings.")]})
    unknown = set(data) - set(RULE_KEYS)
    if unknown:
        raise InputErrors({key: [_("Unknown field.")] for key in sorted(unknown)})
    source = data if partial else {"order": 0, "active": True, **data}
    errors: dict[str, list[str]] = {}
    clean: dict[str, Any] = {}
    for key in RULE_KEYS:
        if partial and key not in data:
            continue
        if key == "name":
            clean[key] = _text(source, key, errors, limit=NAME_LIMIT, required=True)
        elif key == "order":
            clean[key] = _order(source, key, errors)
        elif key == "active":
            clean[key] = _bool(source, key, errors)
        elif key == "source":
            clean[key] = _source(source, key, errors, allow_empty=True)
        elif key == "region":
            clean[key] = _text(source, key, errors, limit=100)
        elif key == "product":
            clean[key] = _product(source, key, errors)
        elif key == "users":
            clean[key] = _users(source, key, errors)
    if errors:
        raise InputErrors(errors)
    return clean


def _apply_rule(rule: AssignmentRule, clean: dict) -> None:
    for key, value in clean.items():
        setattr(rule, "product_id" if key == "product" else key, value)


def create_rule(user, data: dict) -> AssignmentRule:
    _require_admin(user)
    rule = AssignmentRule()
    _apply_rule(rule, clean_rule_settings(data, partial=False))
    rule.save()
    return rule


def update_rule(user, rule: AssignmentRule, data: dict) -> AssignmentRule:
    _require_admin(user)
    clean = clean_rule_settings(data, partial=True)
    _apply_rule(rule, clean)
    # next_index is advanced by assignments meanwhile: never write it back from here
    fields = ["product" if key == "product" else key for key in clean]
    if fields:
        rule.save(update_fields=fields)
    return rule


def delete_rule(user, rule: AssignmentRule) -> None:
    _require_admin(user)
    rule.delete()
