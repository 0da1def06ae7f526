"""What a visitor's submission to a web form becomes.

`submit()` is the one door for a visitor's answers, whether they come from a plain HTML form
post or from the JSON endpoint: it checks the form is open and the sending site allowed,
treats a filled honeypot as spam (answered like a success, nothing stored), keeps only the
fields the form asks for, checks what the form itself demands (required answers, sizes a
public page may send, an active product), and creates the lead through the platform's
`create_record` — so the one validator, the lead's rules, the search index, the timeline,
ownership of known clients ("the enquiry goes onto the existing card") and assignment of
unowned leads (`assignment.pick_owner`) apply exactly as for any other lead.

This module also knows which lead fields a form may ask for and which sites may send it;
the settings of forms and rules, and the HTML snippet, live in `capture_settings`.
"""

from __future__ import annotations

import ipaddress
import logging
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qs, urlsplit

from django.db import transaction
from django.db.models import F
from django.utils.translation import gettext as _

from kartoteka.platform import ownership, services
from kartoteka.platform.fields import HOST_RE, TEXT_MAX, FieldSpec, FieldType, InputErrors
from kartoteka.platform.registry import EntitySpec, registry

from .models import CaptureForm, Lead, Product

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
UTM_KEYS = ("utm_source", "utm_medium", "utm_campaign", "utm_term", "utm_content")
HONEYPOT = "website_url"

BODY_LIMIT = 20 * 1024  # bytes of a whole submission
MAX_KEYS = 60  # names in one submission (fields, UTM, honeypot and whatever a page adds)
UTM_LIMIT = 200
LONG_TEXT_LIMIT = 5000  # tighter than the validator's: a public page, not a signed-in user
MULTIPLE_LIMIT = 5  # emails or phones in one submission
INPUT_TYPES = {
    FieldType.EMAIL: "email",
    FieldType.PHONE: "tel",
    FieldType.NUMBER: "number",
    FieldType.DATE: "date",
    FieldType.URL: "url",
    FieldType.LONGTEXT: "textarea",
    FieldType.BOOLEAN: "checkbox",
    FieldType.CHOICE: "select",
    FieldType.MULTICHOICE: "select-multiple",
}


def lead_entity() -> EntitySpec:
    return registry.get("lead")


# -- which fields --------------------------------------------------------------------------------


def available_fields(entity: EntitySpec | None = None) -> list[FieldSpec]:
    """The lead fields a form may ask for: the built-in ones above, then custom fields."""
    entity = entity or lead_entity()
    result = [spec for spec in map(entity.field, LEAD_FIELDS) if spec is not None]
    result += [spec for spec in entity.custom_fields if spec.editable and spec.type in CUSTOM_TYPES]
    return result


def value_limit(spec: FieldSpec) -> int:
    """The longest text accepted for one value of the field (the snippet's `maxlength`).
    Built-in text fields carry their column's length as `max_length`, so this is never
    more than the database takes."""
    if spec.type == FieldType.EMAIL:
        return 254
    if spec.type == FieldType.PHONE:
        return 40
    if spec.type == FieldType.LONGTEXT:
        return min(spec.max_length or LONG_TEXT_LIMIT, LONG_TEXT_LIMIT)
    return spec.max_length or TEXT_MAX


def takes_several(spec: FieldSpec) -> bool:
    return spec.multiple or spec.type == FieldType.MULTICHOICE


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
        return INPUT_TYPES.get(self.spec.type, "text")

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
    result: list[FormField] = []
    for item in form.fields or []:
        if not isinstance(item, dict):
            continue
        spec = allowed.pop(item.get("field"), None)  # popped: a field is asked for once
        if spec is None:
            continue
        label = str(item.get("label") or "").strip() or str(spec.label)
        result.append(FormField(spec.key, label, bool(item.get("required")), spec))
    return result


# -- which sites ---------------------------------------------------------------------------------


def normalise_origin(text: str) -> str:
    """ "https://Example.com:443/" → "https://example.com"; ValueError when `text` is not a
    bare scheme://host[:port] (no path, query, user or fragment)."""
    if not isinstance(text, str) or len(text) > 300:
        raise ValueError(text)
    parts = urlsplit(text.strip())
    scheme = parts.scheme.lower()
    if scheme not in ("http", "https"):
        raise ValueError(text)
    if parts.username or parts.password or parts.query or parts.fragment:
        raise ValueError(text)
    if parts.path not in ("", "/"):
        raise ValueError(text)
    port = parts.port  # raises ValueError on a malformed port
    host = (parts.hostname or "").lower()
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        address = None
        if not HOST_RE.match(host):
            raise ValueError(text)
    shown = f"[{host}]" if address is not None and address.version == 6 else host
    default = 443 if scheme == "https" else 80
    return f"{scheme}://{shown}" if port in (None, default) else f"{scheme}://{shown}:{port}"


def cors_origin(form: CaptureForm, origin: str) -> str | None:
    """The Origin to echo in Access-Control-Allow-Origin: only one the form lists."""
    if not origin or origin == "null":
        return None
    try:
        normal = normalise_origin(origin)
    except ValueError:
        return None
    return origin if normal in (form.allowed_origins or []) else None


def origin_allowed(form: CaptureForm, origin: str) -> bool:
    """No Origin header (not a browser's cross-site request) is allowed; otherwise, when
    the form names sites, the Origin must be one of them exactly (scheme, host and port)."""
    if not origin or not form.allowed_origins:
        return True
    return cors_origin(form, origin) is not None


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


def too_large_message() -> str:
    return _("The form sent is too large (at most %(kb)d KB).") % {"kb": BODY_LIMIT // 1024}


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
    """Nothing typed: also a list of empty inputs (several `emails` boxes left empty)."""
    if isinstance(value, list | tuple):
        return all(_is_blank(item) for item in value)
    return value is None or (isinstance(value, str) and not value.strip())


def _single(value: Any) -> Any:
    """A page that repeats a name for a one-value field: the last value wins, as in Django."""
    return value[-1] if isinstance(value, list | tuple) and value else value


def _answer(ff: FormField, value: Any) -> tuple[Any, str]:
    """The value to hand to the lead's validator, or a message when its shape or size is
    more than a public form takes. The validator itself judges the content."""
    several = takes_several(ff.spec)
    values = list(value) if isinstance(value, list | tuple) else [value]
    if not several:
        values = values[-1:]
    if not all(isinstance(item, str | int | float | bool) or item is None for item in values):
        return None, _("Enter text.")
    if several and len(values) > MULTIPLE_LIMIT:
        return None, _("Enter at most %(max)d values.") % {"max": MULTIPLE_LIMIT}
    limit = ff.limit
    for item in values:
        length = len("" if item is None else str(item).strip())
        if length > limit:
            return None, _("Enter at most %(max)d characters (it has %(len)d).") % {
                "max": limit,
                "len": length,
            }
    return (values if several and isinstance(value, list | tuple) else _single(value)), ""


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


def _as_int(value: Any) -> int:
    try:
        return int(str(value).strip())
    except (TypeError, ValueError):
        return 0


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
        return _refused(too_large_message(), 413)
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
        value, problem = _answer(ff, value)
        if problem:
            errors[ff.key] = [problem]
        else:
            data[ff.key] = value
    if "product" in data and "product" not in errors:
        if not Product.objects.filter(pk=_as_int(data["product"]), active=True).exists():
            errors["product"] = [_("Choose one of the products.")]
    if errors:
        return _refused(_("Please correct the fields listed."), 422, errors, labels)

    source_spec = entity.field("source")
    if source_spec is not None and form.source in {value for value, _l in source_spec.choices}:
        data["source"] = form.source  # a source since removed from the list is left out
    data["channel"] = "web_form"
    if form.owner_id is not None and form.owner.is_active:
        data["owner"] = form.owner_id
    utm = utm_from(raw, referer)

    lead = None
    try:
        with transaction.atomic():
            try:
                lead = services.create_record(
                    entity,
                    None,
                    data,
                    check_permission=False,
                    channel="web_form",
                    attributes={"utm": utm, "form": form},
                )
            except ownership.AttachedToExisting:
                pass  # the owner was notified; the visitor learns nothing more
            CaptureForm.objects.filter(pk=form.pk).update(submissions=F("submissions") + 1)
    except InputErrors as exc:
        return _refused(
            _("Please correct the fields listed."),
            422,
            _visitor_errors(exc, entity, labels),
            labels,
        )
    return CaptureResult(ok=True, message=success_message(form), lead=lead, attached=lead is None)


def _visitor_errors(
    exc: InputErrors, entity: EntitySpec, labels: dict[str, str]
) -> dict[str, list[str]]:
    """The lead's own refusals, said about the form's fields; a refusal about a field the
    form does not show (a required-fields template, the form's settings) is said in words a
    visitor can act on."""
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
