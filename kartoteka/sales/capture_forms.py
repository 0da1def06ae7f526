"""Forms of the web-form and assignment-rule settings pages. They only turn posted strings
into the data the services take (`capture_settings.create_form`, …); every rule is checked
there, so the pages and the API refuse the same things with the same words."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib.auth import get_user_model
from django.utils.translation import gettext_lazy as _

from kartoteka.contacts.entities import SOURCES

from .capture import available_fields
from .capture_settings import LABEL_LIMIT, NAME_LIMIT
from .models import AssignmentRule, CaptureForm, Product
from .settings_forms import SettingsForm


def _active_users(current: list[int] | None = None):
    users = get_user_model().objects.filter(is_active=True)
    if current:
        users = get_user_model().objects.filter(pk__in=current) | users
    return users.select_related("role").order_by("first_name", "last_name", "username")


class UsersChoiceField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj) -> str:
        role = obj.role.display_name if obj.role_id else ""
        return f"{obj} ({role})" if role else str(obj)


class CaptureFormSettings(SettingsForm):
    """A web form's settings; the fields table has, per lead field, a "use" box, a label,
    a "required" box and a position."""

    name = forms.CharField(label=_("Name"), max_length=NAME_LIMIT)
    source = forms.ChoiceField(
        label=_("Source of new leads"),
        choices=SOURCES,
        initial="website",
    )
    owner = forms.ModelChoiceField(
        label=_("Owner of new leads"),
        queryset=get_user_model().objects.none(),
        required=False,
        empty_label=_("By the assignment rules"),
        help_text=_("Leave empty to let the assignment rules choose a manager."),
    )
    allowed_origins = forms.CharField(
        label=_("Allowed sites"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3, "placeholder": "https://www.example.com"}),
        help_text=_(
            "One address per line, like https://www.example.com (no path). Only these sites "
            "may send the form from their pages; leave empty to accept the HTML form from any "
            "site (the JSON endpoint then answers no site's scripts)."
        ),
    )
    success_message = forms.CharField(
        label=_("Thank-you message"),
        max_length=255,
        required=False,
        help_text=_("Shown after sending, unless the visitor is sent to an address below."),
    )
    redirect_url = forms.CharField(
        label=_("Address to open after sending"),
        max_length=200,
        required=False,
        widget=forms.URLInput(attrs={"placeholder": "https://www.example.com/thank-you"}),
    )
    active = forms.BooleanField(label=_("Accepting submissions"), required=False, initial=True)

    def initial_from(self, instance: CaptureForm) -> dict[str, Any]:
        return {
            "name": instance.name,
            "source": instance.source,
            "owner": instance.owner_id,
            "allowed_origins": "\n".join(instance.allowed_origins or []),
            "success_message": instance.success_message,
            "redirect_url": instance.redirect_url,
            "active": instance.active,
        }

    def add_fields(self) -> None:
        instance = self.instance
        self.fields["owner"].queryset = _active_users(
            [instance.owner_id] if instance is not None and instance.owner_id else None
        )
        chosen = {
            item["field"]: (position, item)
            for position, item in enumerate(instance.fields if instance is not None else [])
            if isinstance(item, dict) and "field" in item
        }
        self.rows = available_fields()
        # configured fields first, in their order; then the rest as the lead lists them
        self.rows.sort(key=lambda spec: chosen.get(spec.key, (len(chosen) + 1, None))[0])
        small = {"class": "form-control-sm"}
        for index, spec in enumerate(self.rows):
            item = chosen.get(spec.key, (None, None))[1]
            key, name = spec.key, {"field": spec.label}
            new = instance is None
            self.fields[f"use_{key}"] = forms.BooleanField(
                label=_("Ask for “%(field)s”") % name,
                required=False,
                initial=item is not None or (new and key in ("first_name", "emails")),
            )
            self.fields[f"label_{key}"] = forms.CharField(
                label=_("Label of “%(field)s”") % name,
                required=False,
                max_length=LABEL_LIMIT,
                initial=(item or {}).get("label") or str(spec.label),
                widget=forms.TextInput(attrs=small),
            )
            self.fields[f"required_{key}"] = forms.BooleanField(
                label=_("“%(field)s” is required") % name,
                required=False,
                initial=bool((item or {}).get("required")) or (new and key == "emails"),
            )
            self.fields[f"position_{key}"] = forms.IntegerField(
                label=_("Position of “%(field)s”") % name,
                required=False,
                min_value=0,
                max_value=999,
                initial=index + 1,
                widget=forms.NumberInput(attrs=small),
            )

    @property
    def field_rows(self):
        """(field spec, use, label, required, position) bound fields for the table."""
        return [
            (
                spec,
                self[f"use_{spec.key}"],
                self[f"label_{spec.key}"],
                self[f"required_{spec.key}"],
                self[f"position_{spec.key}"],
            )
            for spec in self.rows
        ]

    def to_data(self) -> dict[str, Any]:
        data = self.cleaned_data
        picked = []
        for index, spec in enumerate(self.rows):
            if data.get(f"use_{spec.key}"):
                position = data.get(f"position_{spec.key}")
                item = {
                    "field": spec.key,
                    "label": data.get(f"label_{spec.key}") or "",
                    "required": bool(data.get(f"required_{spec.key}")),
                }
                picked.append((index + 1 if position is None else position, index, item))
        picked.sort(key=lambda row: row[:2])
        return {
            "name": data["name"],
            "fields": [row[2] for row in picked],
            "allowed_origins": data["allowed_origins"],
            "source": data["source"],
            "owner": data["owner"].pk if data["owner"] is not None else None,
            "success_message": data["success_message"],
            "redirect_url": data["redirect_url"],
            "active": bool(data["active"]),
        }


class AssignmentRuleForm(SettingsForm):
    name = forms.CharField(label=_("Name"), max_length=NAME_LIMIT)
    order = forms.IntegerField(
        label=_("Order"),
        min_value=0,
        initial=10,
        help_text=_("Rules are tried from the smallest number up; the first that matches wins."),
    )
    active = forms.BooleanField(label=_("Active"), required=False, initial=True)
    source = forms.ChoiceField(
        label=_("When the source is"),
        choices=[("", _("Any source")), *SOURCES],
        required=False,
    )
    region = forms.CharField(
        label=_("When the region is"),
        max_length=100,
        required=False,
        help_text=_("Any region when empty; capital letters do not matter."),
    )
    product = forms.ModelChoiceField(
        label=_("When the product of interest is"),
        queryset=Product.objects.none(),
        required=False,
        empty_label=_("Any product"),
    )
    users = UsersChoiceField(
        label=_("Give the leads in turn to"),
        queryset=get_user_model().objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("Nobody chosen: every active manager in turn."),
    )

    def initial_from(self, instance: AssignmentRule) -> dict[str, Any]:
        return {
            "name": instance.name,
            "order": instance.order,
            "active": instance.active,
            "source": instance.source,
            "region": instance.region,
            "product": instance.product_id,
            "users": instance.users,
        }

    def add_fields(self) -> None:
        products = Product.objects.filter(active=True)
        if self.instance is not None and self.instance.product_id:
            products = products | Product.objects.filter(pk=self.instance.product_id)
        self.fields["product"].queryset = products.order_by("name")
        self.fields["users"].queryset = _active_users()

    def to_data(self) -> dict[str, Any]:
        data = self.cleaned_data
        order = list(self.instance.users) if self.instance is not None else []
        chosen = [user.pk for user in data["users"]]
        # keep the turn order of users already in the rule; newcomers join at the end
        users = [pk for pk in order if pk in chosen] + [pk for pk in chosen if pk not in order]
        return {
            "name": data["name"],
            "order": data["order"],
            "active": bool(data["active"]),
            "source": data["source"] or "",
            "region": data["region"] or "",
            "product": data["product"].pk if data["product"] is not None else None,
            "users": users,
        }
