"""HTML forms for any entity, built from its field specs.

Rendering gives each field a widget that fits its type; parsing turns the POST back into the
raw input the one validator expects. Nothing is validated here: `services` does that, so a
form refuses exactly what the API and imports refuse.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.contrib.auth import get_user_model
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from .fields import FieldSpec, FieldType
from .presenters import References
from .registry import EntitySpec


@dataclass
class BoundField:
    spec: FieldSpec
    value: Any
    errors: list[str]
    widget: str
    display: str = ""  # title of a referenced record
    options: list[tuple[str, str]] | None = None

    @property
    def name(self) -> str:
        return self.spec.key

    @property
    def input_id(self) -> str:
        return f"id_{self.spec.key}"

    @property
    def text_value(self) -> str:
        value = self.value
        if value in (None, [], ""):
            return ""
        if isinstance(value, list):
            return ", ".join(str(item) for item in value)
        if self.spec.type == FieldType.DATETIME:
            parsed = parse_datetime(str(value))
            if parsed:
                return timezone.localtime(parsed).strftime("%Y-%m-%dT%H:%M")
        return str(value)

    @property
    def selected(self) -> list[str]:
        if isinstance(self.value, list):
            return [str(item) for item in self.value]
        return [] if self.value in (None, "") else [str(self.value)]

    @property
    def amount(self) -> str:
        return "" if not isinstance(self.value, dict) else str(self.value.get("amount", ""))

    @property
    def currency(self) -> str:
        return "" if not isinstance(self.value, dict) else str(self.value.get("currency", ""))


WIDGETS = {
    FieldType.TEXT: "text",
    FieldType.LONGTEXT: "textarea",
    FieldType.NUMBER: "number",
    FieldType.MONEY: "money",
    FieldType.DATE: "date",
    FieldType.DATETIME: "datetime",
    FieldType.BOOLEAN: "boolean",
    FieldType.CHOICE: "select",
    FieldType.MULTICHOICE: "multiselect",
    FieldType.EMAIL: "email",
    FieldType.PHONE: "tel",
    FieldType.URL: "url",
    FieldType.USER: "user",
    FieldType.RELATION: "lookup",
    FieldType.TAGS: "text",
}


def user_options() -> list[tuple[str, str]]:
    return [
        (str(user.pk), str(user))
        for user in get_user_model()
        .objects.filter(is_active=True)
        .order_by("first_name", "last_name", "username")
    ]


def bind(
    entity: EntitySpec,
    values: dict[str, Any],
    errors: dict[str, list[str]] | None = None,
    refs: References | None = None,
) -> list[BoundField]:
    """Widgets for every editable field, with current values and errors."""
    errors = errors or {}
    fields = [spec for spec in entity.fields if spec.editable]
    if refs is None:
        refs = References()
        for spec in fields:
            if spec.type == FieldType.RELATION and isinstance(values.get(spec.key), int):
                refs.want(spec, values.get(spec.key))
        refs.resolve()
    users: list[tuple[str, str]] | None = None
    bound = []
    for spec in fields:
        widget = WIDGETS.get(spec.type, "text")
        if spec.multiple and widget in ("email", "tel"):
            widget = "text"
        options = None
        if widget == "user":
            users = users if users is not None else user_options()
            options = users
        value = values.get(spec.key)
        display = ""
        if widget == "lookup" and isinstance(value, int):
            display = refs.title(spec, value) or f"#{value}"
        bound.append(BoundField(spec, value, errors.get(spec.key, []), widget, display, options))
    return bound


def parse(entity: EntitySpec, post) -> dict[str, Any]:
    """The raw input of an entity form: every editable field rendered on it."""
    data: dict[str, Any] = {}
    for spec in entity.fields:
        if not spec.editable:
            continue
        key = spec.key
        if spec.type == FieldType.MONEY:
            if f"{key}.amount" in post:
                data[key] = {
                    "amount": post.get(f"{key}.amount", ""),
                    "currency": post.get(f"{key}.currency", ""),
                }
        elif spec.type == FieldType.MULTICHOICE:
            if f"{key}.present" in post:
                data[key] = post.getlist(key)
        elif spec.type == FieldType.BOOLEAN:
            if f"{key}.present" in post:
                data[key] = post.get(key, "")
        elif key in post:
            data[key] = post.get(key)
    return data
