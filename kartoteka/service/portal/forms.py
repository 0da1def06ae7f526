"""The portal's forms, and reading attached files into `Upload`s without taking an oversized
one into memory. The rules themselves (lengths, ranges, how many files) are the services';
these forms only give them to the customer in words next to the right field."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from kartoteka.platform.fields import InputErrors

from .. import services
from ..models import Feedback, Ticket
from .services import FEEDBACK_MAX

PORTAL_TYPES = (
    Ticket.Type.QUESTION,
    Ticket.Type.INCIDENT,
    Ticket.Type.BUG,
    Ticket.Type.FEATURE,
    Ticket.Type.COMPLAINT,
)
COMMENT_MAX = 2000
SCORES = (
    (1, gettext_lazy("1 — very dissatisfied")),
    (2, gettext_lazy("2 — dissatisfied")),
    (3, gettext_lazy("3 — neither")),
    (4, gettext_lazy("4 — satisfied")),
    (5, gettext_lazy("5 — very satisfied")),
)


class PortalForm(forms.Form):
    """Bootstrap classes on every widget, and service errors put next to their field."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            widget = field.widget
            if isinstance(widget, forms.RadioSelect):
                continue
            css = "form-select" if isinstance(widget, forms.Select) else "form-control"
            widget.attrs.setdefault("class", css)

    def add_service_errors(self, exc: InputErrors) -> list[str]:
        """Field errors onto their fields; returns the ones no field of the form shows
        (attachments, custom ticket fields) for the page to list."""
        rest = []
        for key, messages in exc.errors.items():
            for message in messages:
                if key in self.fields:
                    self.add_error(key, message)
                elif key == "attachments":
                    rest.append(message)
                elif key == "__all__":
                    self.add_error(None, message)
                else:  # a field the portal does not ask for (a required custom field)
                    self.add_error(None, f"{key}: {message}")
        return rest


class SignInForm(PortalForm):
    email = forms.EmailField(
        label=gettext_lazy("Your email address"),
        max_length=254,
        widget=forms.EmailInput(attrs={"autocomplete": "email", "autofocus": True}),
    )


class TicketForm(PortalForm):
    subject = forms.CharField(
        label=gettext_lazy("Subject"),
        max_length=255,
        widget=forms.TextInput(attrs={"autocomplete": "off"}),
    )
    type = forms.ChoiceField(
        label=gettext_lazy("What is it about?"),
        choices=[(value, Ticket.Type(value).label) for value in PORTAL_TYPES],
        initial=Ticket.Type.QUESTION,
    )
    description = forms.CharField(
        label=gettext_lazy("Describe it"),
        max_length=services.BODY_MAX,
        widget=forms.Textarea(attrs={"rows": 7}),
        help_text=gettext_lazy("What happened, what you expected, and any error message."),
    )


class ReplyForm(PortalForm):
    body = forms.CharField(
        label=gettext_lazy("Your reply"),
        max_length=services.BODY_MAX,
        widget=forms.Textarea(attrs={"rows": 4}),
    )


class RatingForm(PortalForm):
    score = forms.TypedChoiceField(
        label=gettext_lazy("How satisfied are you with the resolution?"),
        choices=SCORES,
        coerce=int,
        widget=forms.RadioSelect(attrs={"class": "pt-star-input"}),
    )
    comment = forms.CharField(
        label=gettext_lazy("Anything you would like to add? (optional)"),
        max_length=COMMENT_MAX,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )


class FeedbackForm(PortalForm):
    kind = forms.ChoiceField(label=gettext_lazy("Kind"), choices=Feedback.Kind.choices)
    text = forms.CharField(
        label=gettext_lazy("Your message"),
        max_length=FEEDBACK_MAX,
        widget=forms.Textarea(attrs={"rows": 6}),
    )


def read_uploads(files) -> list[services.Upload]:
    """The attached files as `Upload`s. Too many files, or one over the size limit, is
    refused before anything is read."""
    files = list(files)
    if len(files) > services.ATTACHMENTS_MAX:
        raise InputErrors(
            {
                "attachments": [
                    _("Attach at most %(max)d files.") % {"max": services.ATTACHMENTS_MAX}
                ]
            }
        )
    limit = services.max_attachment_size()
    too_big = [
        _("%(name)s is larger than %(max)d MB.")
        % {"name": services.safe_filename(f.name), "max": limit // (1024 * 1024)}
        for f in files
        if f.size > limit
    ]
    if too_big:
        raise InputErrors({"attachments": too_big})
    uploads = [
        services.Upload(name=f.name or "", content_type=f.content_type or "", data=f.read())
        for f in files
    ]
    return services.check_uploads(uploads)
