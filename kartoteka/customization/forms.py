"""Forms of the settings pages. They render the inputs and read the posted strings into the
dict a service expects; the services own every rule, and their errors are put back on the
form by `show_errors`."""

from __future__ import annotations

from typing import Any

from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _

from kartoteka.platform.fields import FieldType, InputErrors
from kartoteka.platform.registry import registry

from . import field_rules, services
from .models import RelationType

TYPE_SELECT_ID = "field-type"


def translation_languages() -> list[tuple[str, str]]:
    """Languages a label may be translated into: all but the site's default one."""
    default = settings.LANGUAGE_CODE[:2]
    return [(code, name) for code, name in settings.LANGUAGES if code != default]


def entity_choices(blank: bool = False) -> list[tuple[str, str]]:
    choices = [(spec.key, str(spec.label)) for spec in registry.all()]
    return [("", "—"), *choices] if blank else choices


class BootstrapForm(forms.Form):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.add_fields()
        for field in self.fields.values():
            widget = field.widget
            if isinstance(widget, forms.CheckboxInput | forms.CheckboxSelectMultiple):
                css = "form-check-input"
            elif isinstance(widget, forms.Select):
                css = "form-select"
            else:
                css = "form-control"
            widget.attrs["class"] = f"{widget.attrs.get('class', '')} {css}".strip()

    # Which form field shows an error the service reported for one of its keys.
    error_fields: dict[str, str] = {}

    def add_fields(self) -> None:
        """Fields that depend on settings or the registry (called before styling)."""

    def add_error(self, field, error) -> None:
        super().add_error(field, error)
        for name in self.errors:
            if name in self.fields:
                attrs = self.fields[name].widget.attrs
                if "is-invalid" not in attrs.get("class", ""):
                    attrs["class"] = f"{attrs.get('class', '')} is-invalid".strip()

    def show_errors(self, error: InputErrors) -> None:
        for key, messages in error.errors.items():
            target = self.error_fields.get(key, key)
            if target not in self.fields:
                target = None
            for message in messages:
                self.add_error(target, message)


class SettingsForm(BootstrapForm):
    """A form over one settings row (`instance`, or None for a new one) whose action owns
    every rule: every field optional at this level, the action reports what is missing, once.

    A built-in row is named by its English msgid and shown translated: `name_label` (the
    app's translation of names) shows it, and an unchanged name goes back as the msgid so
    that it keeps being translated."""

    def __init__(self, *args, instance=None, **kwargs):
        self.instance = instance
        if instance is not None:
            kwargs.setdefault("initial", self.initial_from(instance))
        super().__init__(*args, **kwargs)

    @staticmethod
    def name_label(name: str) -> str:
        return name

    def initial_from(self, instance) -> dict[str, Any]:
        """The row's values of the form's fields; a related row by its id."""
        initial = {}
        for name in self.base_fields:
            value = getattr(instance, name, None)
            initial[name] = value.pk if hasattr(value, "pk") else value
        if "name" in initial:
            initial["name"] = self.name_label(instance.name)
        return initial

    def to_data(self) -> dict[str, Any]:
        data = dict(self.cleaned_data)
        if self.instance is not None and data.get("name") == self.name_label(self.instance.name):
            data["name"] = self.instance.name
        return data


class TranslatedPairForm(BootstrapForm):
    """A form with two translated texts per language, stored as
    `labels[code] = {first: …, second: …}` (entity name and plural; relation labels)."""

    pair: tuple[str, str]
    pair_titles: tuple[Any, Any]  # lazy texts with %(language)s

    def initial_translations(self, labels: dict) -> dict[str, str]:
        initial = {}
        for code, _name in translation_languages():
            stored = (labels or {}).get(code) or {}
            for part in self.pair:
                initial[f"{part}_{code}"] = stored.get(part, "")
        return initial

    def add_translation_fields(self) -> None:
        self.error_fields = {}
        for code, name in translation_languages():
            for part, title in zip(self.pair, self.pair_titles, strict=True):
                self.fields[f"{part}_{code}"] = forms.CharField(
                    label=title % {"language": name}, max_length=100, required=False
                )
                self.error_fields[f"labels.{code}.{part}"] = f"{part}_{code}"
            self.error_fields[f"labels.{code}"] = f"{self.pair[0]}_{code}"

    def translation_rows(self):
        return [
            tuple(self[f"{part}_{code}"] for part in self.pair)
            for code, _name in translation_languages()
        ]

    def translations(self) -> dict[str, dict[str, str]]:
        data = self.cleaned_data
        return {
            code: {part: data[f"{part}_{code}"] for part in self.pair}
            for code, _name in translation_languages()
        }


class EntityTypeForm(TranslatedPairForm):
    key = forms.CharField(
        label=_("Key"),
        max_length=50,
        help_text=_("Lowercase Latin letters, digits and underscores; used in addresses."),
        widget=forms.TextInput(attrs={"data-slug-from": "id_label"}),
    )
    label = forms.CharField(label=_("Name"), max_length=100)
    label_plural = forms.CharField(label=_("Plural name"), max_length=100)
    icon = forms.ChoiceField(label=_("Icon"), choices=[(icon, icon) for icon in services.ICONS])
    pair = ("label", "plural")
    pair_titles = (_("Name (%(language)s)"), _("Plural name (%(language)s)"))

    def __init__(self, *args, instance=None, **kwargs):
        self.instance = instance
        if instance is not None:
            initial = {
                "label": instance.label,
                "label_plural": instance.label_plural,
                "icon": instance.icon,
                **self.initial_translations(instance.labels),
            }
            kwargs.setdefault("initial", initial)
        super().__init__(*args, **kwargs)

    def add_fields(self) -> None:
        if self.instance is not None:
            del self.fields["key"]
        self.add_translation_fields()

    def to_data(self) -> dict[str, Any]:
        data = self.cleaned_data
        result: dict[str, Any] = {
            "label": data["label"],
            "label_plural": data["label_plural"],
            "icon": data["icon"],
            "labels": self.translations(),
        }
        if self.instance is None:
            result["key"] = data["key"]
        return result


class FieldDefinitionForm(BootstrapForm):
    label = forms.CharField(label=_("Label"), max_length=100)
    key = forms.CharField(
        label=_("Key"),
        max_length=50,
        help_text=_(
            "Lowercase Latin letters, digits and underscores; used in the API and imports. "
            "Changing it moves the stored values."
        ),
        widget=forms.TextInput(attrs={"data-slug-from": "id_label"}),
    )
    type = forms.ChoiceField(label=_("Type"), choices=FieldType.CUSTOM_CHOICES)
    choices = forms.CharField(
        label=_("Choices"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text=_("One choice per line."),
    )
    min_value = forms.CharField(label=_("Minimum"), required=False, max_length=30)
    max_value = forms.CharField(label=_("Maximum"), required=False, max_length=30)
    max_length = forms.IntegerField(label=_("Maximum length"), required=False, min_value=1)
    regex = forms.CharField(
        label=_("Pattern"),
        required=False,
        max_length=field_rules.REGEX_MAX,
        help_text=_("A regular expression the whole value must match."),
    )
    related_entity = forms.ChoiceField(label=_("Related entity"), required=False)
    default = forms.CharField(
        label=_("Default value"),
        required=False,
        max_length=1000,
        help_text=_(
            "Filled in on new records. Several choices: separate with commas. Money: "
            "amount and currency, such as “100 EUR”."
        ),
    )
    section = forms.CharField(
        label=_("Section"),
        required=False,
        max_length=field_rules.SECTION_MAX,
        help_text=_("Fields with the same section are grouped on the card."),
    )
    order = forms.IntegerField(
        label=_("Order"),
        required=False,
        min_value=-field_rules.ORDER_LIMIT,
        max_value=field_rules.ORDER_LIMIT,
        help_text=_("Smaller numbers come first."),
    )
    required = forms.BooleanField(label=_("Required"), required=False)
    unique = forms.BooleanField(label=_("Unique"), required=False)
    show_in_list = forms.BooleanField(label=_("Show in lists"), required=False, initial=True)
    filterable = forms.BooleanField(label=_("Filterable"), required=False, initial=True)

    # Which types each type-specific input applies to (the page hides the others).
    SHOW_WHEN = {
        "choices": field_rules.CHOICE_TYPES,
        "min_value": field_rules.RANGE_TYPES,
        "max_value": field_rules.RANGE_TYPES,
        "max_length": tuple(field_rules.LENGTH_LIMITS),
        "regex": field_rules.PATTERN_TYPES,
        "related_entity": (FieldType.RELATION,),
    }

    def __init__(self, *args, instance=None, **kwargs):
        self.instance = instance
        if instance is not None:
            initial = {
                name: getattr(instance, name)
                for name in (
                    "label", "key", "type", "max_length", "regex", "related_entity", "section",
                    "order", "required", "unique", "show_in_list", "filterable",
                )
            }  # fmt: skip
            initial["choices"] = "\n".join(instance.choices or [])
            initial["min_value"] = _number_text(instance.min_value)
            initial["max_value"] = _number_text(instance.max_value)
            initial["default"] = default_text(instance.default)
            for code, _name in translation_languages():
                initial[f"label_{code}"] = (instance.labels or {}).get(code, "")
            kwargs.setdefault("initial", initial)
        super().__init__(*args, **kwargs)

    def add_fields(self) -> None:
        self.fields["type"].widget.attrs["id"] = TYPE_SELECT_ID
        self.fields["related_entity"].choices = entity_choices(blank=True)
        self.error_fields = {}
        for code, name in translation_languages():
            self.fields[f"label_{code}"] = forms.CharField(
                label=_("Label (%(language)s)") % {"language": name}, max_length=100, required=False
            )
            self.error_fields[f"labels.{code}"] = f"label_{code}"

    @property
    def show_when_rules(self) -> dict[str, str]:
        """`data-show-when` values: app.js shows an input only for the types it applies to."""
        return {
            name: f"{TYPE_SELECT_ID}={','.join(types)}" for name, types in self.SHOW_WHEN.items()
        }

    def translation_fields(self):
        return [self[f"label_{code}"] for code, _name in translation_languages()]

    def to_data(self) -> dict[str, Any]:
        data = self.cleaned_data
        field_type = data["type"]
        result: dict[str, Any] = {
            "label": data["label"],
            "key": data["key"],
            "type": field_type,
            "labels": {code: data[f"label_{code}"] for code, _name in translation_languages()},
            "section": data["section"],
            "required": data["required"],
            "unique": data["unique"],
            "show_in_list": data["show_in_list"],
            "filterable": data["filterable"],
            "default": _parse_default(field_type, data["default"]),
        }
        if data["order"] is not None:
            result["order"] = data["order"]
        # Inputs hidden for this type may still hold what was typed before the type changed.
        if field_rules.applies("choices", field_type):
            result["choices"] = [
                line.strip() for line in data["choices"].splitlines() if line.strip()
            ]
        if field_rules.applies("min_value", field_type):
            result["min_value"] = data["min_value"] or None
            result["max_value"] = data["max_value"] or None
        if field_rules.applies("max_length", field_type):
            result["max_length"] = data["max_length"]
        if field_rules.applies("regex", field_type):
            result["regex"] = data["regex"]
        if field_rules.applies("related_entity", field_type):
            result["related_entity"] = data["related_entity"]
        return result


def _number_text(value) -> str:
    if value is None:
        return ""
    return format(value.normalize(), "f")


def default_text(value: Any) -> str:
    """A stored default as the text the form shows."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, list):
        return ", ".join(str(item) for item in value)
    if isinstance(value, dict):
        return f"{value.get('amount', '')} {value.get('currency', '')}".strip()
    return str(value)


def _parse_default(field_type: str, text: str) -> Any:
    text = (text or "").strip()
    if not text:
        return None
    if field_type == FieldType.MONEY:
        parts = text.split()
        if len(parts) == 2 and parts[0].isalpha():
            parts.reverse()
        money = {"amount": parts[0]}
        if len(parts) > 1:
            money["currency"] = parts[1]
        return money
    return text


class RelationTypeForm(TranslatedPairForm):
    from_entity = forms.ChoiceField(label=_("From"))
    label = forms.CharField(
        label=_("Label on the “from” card"),
        max_length=100,
        help_text=_("For example “Contracts” on a company's card."),
    )
    to_entity = forms.ChoiceField(label=_("To"))
    reverse_label = forms.CharField(
        label=_("Label on the “to” card"),
        max_length=100,
        help_text=_("For example “Companies” on a contract's card."),
    )
    cardinality = forms.ChoiceField(
        label=_("Cardinality"),
        choices=RelationType.CARDINALITIES,
        initial=RelationType.MANY_TO_MANY,
    )

    # Inputs only a new relation has; an existing one keeps its ends and cardinality.
    CREATE_ONLY = ("from_entity", "to_entity", "cardinality")

    pair = ("label", "reverse")
    pair_titles = (
        _("Label on the “from” card (%(language)s)"),
        _("Label on the “to” card (%(language)s)"),
    )

    def __init__(self, *args, instance=None, **kwargs):
        self.instance = instance
        if instance is not None:
            initial = {
                "label": instance.label,
                "reverse_label": instance.reverse_label,
                **self.initial_translations(instance.labels),
            }
            kwargs.setdefault("initial", initial)
        super().__init__(*args, **kwargs)

    def add_fields(self) -> None:
        if self.instance is not None:
            for name in self.CREATE_ONLY:
                del self.fields[name]
        else:
            self.fields["from_entity"].choices = entity_choices()
            self.fields["to_entity"].choices = entity_choices()
        self.add_translation_fields()

    def to_data(self) -> dict[str, Any]:
        data = self.cleaned_data
        result: dict[str, Any] = {
            "label": data["label"],
            "reverse_label": data["reverse_label"],
            "labels": self.translations(),
        }
        if self.instance is None:
            for name in self.CREATE_ONLY:
                result[name] = data[name]
        return result


class RequiredTemplateForm(BootstrapForm):
    name = forms.CharField(label=_("Name"), max_length=100)
    fields_ = forms.MultipleChoiceField(
        label=_("Fields that must be filled"),
        widget=forms.CheckboxSelectMultiple,
        required=False,
    )
    active = forms.BooleanField(label=_("Active"), required=False, initial=True)
    error_fields = {"fields": "fields_"}

    def __init__(self, *args, spec, instance=None, **kwargs):
        self.spec = spec
        self.instance = instance
        if instance is not None:
            kwargs.setdefault(
                "initial",
                {"name": instance.name, "fields_": instance.fields, "active": instance.active},
            )
        super().__init__(*args, **kwargs)

    def add_fields(self) -> None:
        self.fields["fields_"].choices = services.template_field_choices(self.spec)

    def to_data(self) -> dict[str, Any]:
        data = self.cleaned_data
        result = {"name": data["name"], "fields": list(data["fields_"]), "active": data["active"]}
        if self.instance is None:
            result["entity"] = self.spec.key
        return result
