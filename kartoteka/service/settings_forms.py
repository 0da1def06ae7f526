"""Forms of the service-desk settings pages. They render the inputs and hand the posted values
to the settings actions (`settings_calendars`, `settings_policies`, `settings_categories`,
`settings_mailboxes`), which own every rule; their errors come back onto the form through
`show_errors`.

Two conversions happen here and nowhere else: a target typed as hours and minutes becomes
minutes, and the choice of a resolution rule decides which of the resolution time and the
cut-off times is sent. A built-in name is shown translated and goes back as its msgid when
it was not changed.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from kartoteka.accounts.models import Team
from kartoteka.customization import forms as customization_forms

from .models import BusinessCalendar, Category, Mailbox, Ticket
from .settings_calendars import hours_as_text, time_zone_choices, weekday_names
from .settings_policies import TARGET_MAX, escalation_users
from .settings_services import format_minute, label

HOURS_MAX = TARGET_MAX // 60


class SettingsForm(customization_forms.SettingsForm):
    """The shared settings form, with built-in names translated by `label`."""

    name_label = staticmethod(label)


def _rows(queryset) -> list[tuple[int, str]]:
    return [(row.pk, label(row.name)) for row in queryset]


# -- calendars -------------------------------------------------------------------------------


class CalendarForm(SettingsForm):
    name = forms.CharField(label=_("Name"), max_length=100, required=False)
    # A select, but checked by the action (its message names the zone), not by the form.
    time_zone = forms.CharField(
        label=_("Time zone"),
        required=False,
        widget=forms.Select,
        help_text=_("The working hours are in this time zone's local time."),
    )
    is_default = forms.BooleanField(
        label=_("Default calendar"),
        required=False,
        help_text=_("Offered first for new SLA policies."),
    )
    error_fields = {f"hours.{day}": f"hours_{day}" for day in range(7)}

    def add_fields(self) -> None:
        common, every = time_zone_choices()
        self.fields["time_zone"].widget.choices = [
            (_("Common"), [(zone, zone) for zone in common]),
            (_("All time zones"), [(zone, zone) for zone in every]),
        ]
        for day, name in enumerate(weekday_names()):
            self.fields[f"hours_{day}"] = forms.CharField(
                label=name,
                max_length=300,
                required=False,
                widget=forms.TextInput(
                    attrs={
                        "placeholder": _("day off"),
                        "autocomplete": "off",
                        "spellcheck": "false",
                    }
                ),
            )
        if self.instance is not None and self.instance.is_default:
            self.fields["is_default"].disabled = True
            self.fields["is_default"].help_text = _(
                "This is the default calendar. To change that, make another calendar the default."
            )
        if self.instance is None and not self.is_bound:
            self.initial.setdefault("time_zone", common[0] if common else "UTC")
            for day in range(5):
                self.initial.setdefault(f"hours_{day}", "09:00–18:00")

    def initial_from(self, instance: BusinessCalendar) -> dict[str, Any]:
        hours = hours_as_text(instance)
        return {
            "name": label(instance.name),
            "time_zone": instance.time_zone,
            "is_default": instance.is_default,
            **{f"hours_{day}": hours[str(day)] for day in range(7)},
        }

    def day_fields(self):
        return [self[f"hours_{day}"] for day in range(7)]

    def to_data(self) -> dict[str, Any]:
        data = super().to_data()
        data["hours"] = {str(day): data.pop(f"hours_{day}") for day in range(7)}
        if self.instance is not None and self.instance.is_default:
            data.pop("is_default", None)
        return data


class HolidayForm(SettingsForm):
    """On the calendar's page, beside the calendar's own form: ids of its own."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("auto_id", "holiday_%s")
        super().__init__(*args, **kwargs)

    date = forms.CharField(
        label=_("Date"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    name = forms.CharField(label=_("Name"), max_length=100, required=False)


class HolidayPasteForm(SettingsForm):
    def __init__(self, *args, **kwargs):
        kwargs.setdefault("auto_id", "paste_%s")
        super().__init__(*args, **kwargs)

    text = forms.CharField(
        label=_("Add many at once"),
        required=False,
        widget=forms.Textarea(
            attrs={"rows": 4, "placeholder": "2026-12-25 Christmas\n2026-12-26 Boxing Day"}
        ),
        help_text=_(
            "One a line: the date as YYYY-MM-DD, then the name. A date the calendar already "
            "has gets the new name."
        ),
    )

    def initial_from(self, instance) -> dict[str, Any]:
        return {}


# -- SLA policies ----------------------------------------------------------------------------

DURATIONS = (
    ("first_response", _("First response")),
    ("next_response", _("Next response")),
    ("resolution", _("Resolution")),
    ("update_every", _("Status update every")),
)
RESOLUTION_RULES = (
    ("none", _("No resolution target")),
    ("time", _("Within a working time")),
    ("cutoff", _("By a cut-off time")),
)


def _split(minutes: int | None) -> tuple[int | None, int | None]:
    if not minutes:
        return None, None
    return divmod(minutes, 60)


class PolicyForm(SettingsForm):
    name = forms.CharField(label=_("Name"), max_length=100, required=False)
    active = forms.BooleanField(
        label=_("Active"),
        required=False,
        initial=True,
        help_text=_("An inactive policy is skipped when tickets look for theirs."),
    )
    priorities = forms.MultipleChoiceField(
        label=_("Priorities"),
        choices=Ticket.Priority.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    types = forms.MultipleChoiceField(
        label=_("Types"),
        choices=Ticket.Type.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    categories = forms.MultipleChoiceField(
        label=_("Categories"), required=False, widget=forms.CheckboxSelectMultiple
    )
    tiers = forms.MultipleChoiceField(
        label=_("Customer tiers"),
        choices=Ticket.Tier.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    calendar = forms.ChoiceField(
        label=_("Business calendar"),
        required=False,
        help_text=_("Targets count only the working time of this calendar."),
    )
    resolution_rule = forms.ChoiceField(
        label=_("Resolution target"), choices=RESOLUTION_RULES, required=False
    )
    cutoff_at = forms.CharField(
        label=_("Cut-off time"),
        required=False,
        widget=forms.TimeInput(attrs={"type": "time", "aria-describedby": "cutoff-help"}),
    )
    cutoff_next_day_at = forms.CharField(
        label=_("Next-day due time"),
        required=False,
        widget=forms.TimeInput(attrs={"type": "time", "aria-describedby": "cutoff-help"}),
    )
    pause_on_third_party = forms.BooleanField(
        label=_("Pause the clock while waiting for a third party"),
        required=False,
        help_text=_("Waiting for the customer always pauses it."),
    )
    warn_before_minutes = forms.IntegerField(
        label=_("Warn the assignee before a breach, minutes"),
        min_value=0,
        max_value=7 * 24 * 60,
        required=False,
        initial=30,
    )
    escalate_to = forms.ChoiceField(label=_("On breach, reassign to"), required=False)
    raise_priority = forms.BooleanField(
        label=_("On breach, raise the priority by one step"), required=False
    )
    error_fields = {
        "first_response_minutes": "first_response_hours",
        "next_response_minutes": "next_response_hours",
        "resolution_minutes": "resolution_hours",
        "update_every_minutes": "update_every_hours",
    }

    def add_fields(self) -> None:
        for key, title in DURATIONS:
            hours = _("%(target)s, hours") % {"target": title}
            minutes = _("%(target)s, minutes") % {"target": title}
            self.fields[f"{key}_hours"] = forms.IntegerField(
                label=hours,
                min_value=0,
                max_value=HOURS_MAX,
                required=False,
                widget=forms.NumberInput(attrs={"step": 1, "aria-label": hours}),
            )
            self.fields[f"{key}_minutes"] = forms.IntegerField(
                label=minutes,
                min_value=0,
                max_value=59,
                required=False,
                widget=forms.NumberInput(attrs={"step": 5, "aria-label": minutes}),
            )
        self.fields["categories"].choices = [
            (
                str(category.pk),
                label(category.name)
                if category.active
                else _("%(name)s (inactive)") % {"name": label(category.name)},
            )
            for category in Category.objects.order_by("order", "name")
        ]
        self.fields["calendar"].choices = [("", "—"), *_rows(BusinessCalendar.objects.all())]
        self.fields["escalate_to"].choices = [
            ("", _("— keep the assignee —")),
            *[(user.pk, str(user)) for user in escalation_users()],
        ]
        if self.instance is None and not self.is_bound:
            default = BusinessCalendar.objects.filter(is_default=True).first()
            self.initial.setdefault("calendar", default.pk if default else "")
            self.initial.setdefault("resolution_rule", "time")
            self.initial.setdefault("warn_before_minutes", 30)

    def duration_rows(self):
        """(title, hours field, minutes field) of each target, in the form's order."""
        return [
            (title, self[f"{key}_hours"], self[f"{key}_minutes"])
            for key, title in DURATIONS
            if key != "resolution"
        ]

    def initial_from(self, instance) -> dict[str, Any]:
        initial = {
            "name": label(instance.name),
            "active": instance.active,
            "priorities": instance.priorities,
            "types": instance.types,
            "categories": [str(pk) for pk in instance.categories],
            "tiers": instance.tiers,
            "calendar": instance.calendar_id,
            "pause_on_third_party": instance.pause_on_third_party,
            "warn_before_minutes": instance.warn_before_minutes,
            "escalate_to": instance.escalate_to_id or "",
            "raise_priority": instance.raise_priority,
            "cutoff_at": "" if instance.cutoff_at is None else format_minute(instance.cutoff_at),
            "cutoff_next_day_at": ""
            if instance.cutoff_next_day_at is None
            else format_minute(instance.cutoff_next_day_at),
        }
        for key, _title in DURATIONS:
            hours, minutes = _split(getattr(instance, f"{key}_minutes"))
            initial[f"{key}_hours"], initial[f"{key}_minutes"] = hours, minutes
        if instance.cutoff_at is not None:
            initial["resolution_rule"] = "cutoff"
        elif instance.resolution_minutes:
            initial["resolution_rule"] = "time"
        else:
            initial["resolution_rule"] = "none"
        return initial

    def clean(self):
        data = super().clean()
        if data.get("resolution_rule") == "time" and not self._total("resolution"):
            self.add_error(
                "resolution_hours",
                _("Enter the resolution time, or choose “No resolution target”."),
            )
        if data.get("resolution_rule") == "cutoff":
            for key in ("cutoff_at", "cutoff_next_day_at"):
                if not (data.get(key) or "").strip():
                    self.add_error(key, _("Enter both the cut-off time and the next-day due time."))
        return data

    def _total(self, key: str) -> int | None:
        """Hours and minutes as minutes; None when both are empty or zero (no target)."""
        hours = self.cleaned_data.get(f"{key}_hours")
        minutes = self.cleaned_data.get(f"{key}_minutes")
        total = (hours or 0) * 60 + (minutes or 0)
        return total or None

    def to_data(self) -> dict[str, Any]:
        data = super().to_data()
        for key, _title in DURATIONS:
            data.pop(f"{key}_hours")
            data.pop(f"{key}_minutes")
            data[f"{key}_minutes"] = self._total(key)
        data["categories"] = [int(pk) for pk in data["categories"]]
        data["calendar"] = data["calendar"] or None
        data["escalate_to"] = data["escalate_to"] or None
        if data["warn_before_minutes"] is None:
            data["warn_before_minutes"] = 30
        rule = data.pop("resolution_rule")
        if rule in ("none", "cutoff"):
            data["resolution_minutes"] = None
        if rule in ("none", "time"):
            data["cutoff_at"] = data["cutoff_next_day_at"] = None
        return data


# -- categories ------------------------------------------------------------------------------


def _team_choices() -> list[tuple[Any, str]]:
    return [("", _("— no team —")), *[(team.pk, team.name) for team in Team.objects.all()]]


class CategoryForm(SettingsForm):
    name = forms.CharField(label=_("Name"), max_length=100, required=False)
    team = forms.ChoiceField(
        label=_("Default team"),
        required=False,
        help_text=_("A new ticket in this category goes to this team unless one is chosen."),
    )
    active = forms.BooleanField(
        label=_("Active"),
        required=False,
        initial=True,
        help_text=_("An inactive category stays on its tickets but is not offered for new ones."),
    )

    def add_fields(self) -> None:
        self.fields["team"].choices = _team_choices()

    def to_data(self) -> dict[str, Any]:
        data = super().to_data()
        data["team"] = data["team"] or None
        return data


class NewCategoryForm(CategoryForm):
    """The name and team only: a new category is active."""

    def add_fields(self) -> None:
        super().add_fields()
        del self.fields["active"]
        self.fields["name"].label = _("New category")
        self.fields["name"].widget.attrs["placeholder"] = _("New category")


# -- mailboxes -------------------------------------------------------------------------------


class MailboxForm(SettingsForm):
    name = forms.CharField(label=_("Name"), max_length=100, required=False)
    address = forms.CharField(
        label=_("Address"),
        required=False,
        widget=forms.EmailInput(attrs={"autocomplete": "off"}),
        help_text=_("Customers write to this address; replies go out from it."),
    )
    active = forms.BooleanField(
        label=_("Active"),
        required=False,
        initial=True,
        help_text=_("An inactive mailbox is not read."),
    )
    acknowledge = forms.BooleanField(
        label=_("Confirm new requests by email"),
        required=False,
        initial=True,
        help_text=_("The sender gets the request's number at once (marked as an automatic reply)."),
    )
    team = forms.ChoiceField(label=_("Team of new tickets"), required=False)
    category = forms.ChoiceField(label=_("Category of new tickets"), required=False)
    imap_host = forms.CharField(label=_("IMAP host"), required=False)
    imap_port = forms.IntegerField(
        label=_("IMAP port"), min_value=1, max_value=65535, required=False, initial=993
    )
    imap_security = forms.ChoiceField(
        label=_("IMAP security"), choices=Mailbox.Security.choices, required=False, initial="ssl"
    )
    username = forms.CharField(
        label=_("User name"), required=False, widget=forms.TextInput(attrs={"autocomplete": "off"})
    )
    password = forms.CharField(
        label=_("Password"),
        required=False,
        strip=False,
        widget=forms.PasswordInput(render_value=False, attrs={"autocomplete": "new-password"}),
    )
    folder = forms.CharField(label=_("Folder"), required=False, initial="INBOX")
    processed_folder = forms.CharField(
        label=_("Move processed mail to"),
        required=False,
        help_text=_("Leave empty to leave processed mail where it is (it is marked as read)."),
    )
    smtp_host = forms.CharField(label=_("SMTP host"), required=False)
    smtp_port = forms.IntegerField(
        label=_("SMTP port"), min_value=1, max_value=65535, required=False, initial=587
    )
    smtp_security = forms.ChoiceField(
        label=_("SMTP security"),
        choices=Mailbox.Security.choices,
        required=False,
        initial="starttls",
    )
    smtp_username = forms.CharField(
        label=_("SMTP user name"),
        required=False,
        widget=forms.TextInput(attrs={"autocomplete": "off"}),
        help_text=_("Leave empty if the server takes mail without signing in."),
    )
    smtp_password = forms.CharField(
        label=_("SMTP password"),
        required=False,
        strip=False,
        widget=forms.PasswordInput(render_value=False, attrs={"autocomplete": "new-password"}),
    )
    clear_smtp_password = forms.BooleanField(
        label=_("Remove the SMTP password (the server takes mail without signing in)"),
        required=False,
    )

    def add_fields(self) -> None:
        self.fields["team"].choices = _team_choices()
        self.fields["category"].choices = [
            ("", _("— none —")),
            *_rows(
                Category.objects.filter(
                    Q(active=True) | Q(pk=getattr(self.instance, "category_id", None))
                ).order_by("order", "name")
            ),
        ]
        if self.instance is None:
            del self.fields["clear_smtp_password"]
            return
        keep = _("Leave empty to keep the saved password.")
        self.fields["password"].help_text = keep
        if self.instance.smtp_password:
            self.fields["smtp_password"].help_text = keep
        else:
            del self.fields["clear_smtp_password"]

    def initial_from(self, instance: Mailbox) -> dict[str, Any]:
        initial = super().initial_from(instance)
        initial["password"] = initial["smtp_password"] = ""
        return initial

    def to_data(self) -> dict[str, Any]:
        data = super().to_data()
        data["team"] = data["team"] or None
        data["category"] = data["category"] or None
        for key in ("imap_port", "smtp_port"):
            if data[key] is None:
                data[key] = ""
        # Passwords are write-only: an empty box keeps the saved one.
        for key in ("password", "smtp_password"):
            if not data[key]:
                del data[key]
        if data.pop("clear_smtp_password", False):
            data["smtp_password"] = None
        return data
