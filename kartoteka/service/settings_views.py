"""Service-desk settings pages (/service/settings/…): business calendars and their holidays,
SLA policies, ticket categories and support mailboxes. Administrators only (others get
403); every change goes through the settings actions (`settings_calendars`,
`settings_policies`, `settings_categories`, `settings_mailboxes`), whose refusals are shown
on the form or as a message.

The pages are the shapes of `platform.settings_pages`, as on the sales settings pages: form
pages, buttons, and the drag and drop's save.
"""

from __future__ import annotations

from django.contrib import messages
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_http_methods, require_POST

from kartoteka.customization.views import administrators_only
from kartoteka.platform.fields import InputErrors
from kartoteka.platform.settings_pages import (
    active_from,
    attempt,
    button,
    form_page,
    order_saved,
    refusal,
)

from . import settings_calendars, settings_categories, settings_mailboxes, settings_policies
from .models import BusinessCalendar, Category, Holiday, Mailbox, SlaPolicy
from .settings_forms import (
    CalendarForm,
    CategoryForm,
    HolidayForm,
    HolidayPasteForm,
    MailboxForm,
    NewCategoryForm,
    PolicyForm,
)
from .settings_services import label


@administrators_only
def settings_home(request):
    return render(request, "service/settings/home.html", {"active": "home"})


# -- business calendars ----------------------------------------------------------------------


def _calendar_anchor(calendar_id: int) -> str:
    return reverse("service:settings_calendars") + f"#calendar-{calendar_id}"


def _calendar_edit_url(calendar_id: int, anchor: str = "") -> str:
    url = reverse("service:settings_calendar_edit", args=[calendar_id])
    return f"{url}#{anchor}" if anchor else url


@administrators_only
def calendars(request):
    return render(
        request,
        "service/settings/calendars.html",
        {
            "active": "calendars",
            "calendars": settings_calendars.calendars_with_policies(),
            "weekdays": settings_calendars.weekday_names(),
        },
    )


def _calendar_context(calendar: BusinessCalendar | None, form=None, **forms) -> dict:
    """The calendar page around its form. The preview is of the calendar as saved, or of the
    refused form when there is one (so that it agrees with what the page shows)."""
    context = {"active": "calendars", "calendar": calendar}
    if calendar is not None:
        context.update(
            {
                "calendar_label": label(calendar.name),
                "holidays": list(calendar.holidays.all()),
                "holiday_form": forms.get("holiday_form") or HolidayForm(),
                "paste_form": forms.get("paste_form") or HolidayPasteForm(),
                "policy_names": settings_calendars.policies_using(calendar),
                "preview": _saved_preview(calendar),
            }
        )
    if form is not None and form.is_bound:
        context["preview"] = _form_preview(form, calendar)
    return context


def _form_preview(form, calendar: BusinessCalendar | None) -> dict:
    if form.is_valid():
        return settings_calendars.preview_of_input(form.to_data(), calendar)
    return {"error": _("Correct the working hours and the time zone to see the preview.")}


def _saved_preview(calendar: BusinessCalendar) -> dict:
    try:
        clock_hours = calendar.hours or {}
        holidays = calendar.holidays.values_list("date", flat=True)
        return settings_calendars.preview(calendar.time_zone, clock_hours, list(holidays))
    except ValueError:
        return {"error": _("This calendar has no working time; enter its hours.")}


@administrators_only
@require_http_methods(["GET", "POST"])
def calendar_create(request):
    form = CalendarForm(request.POST or None)
    return form_page(
        request,
        form,
        lambda data: settings_calendars.create_calendar(request.user, data),
        success=_("The calendar was created. Add its holidays below."),
        target=lambda calendar: _calendar_edit_url(calendar.pk, "holidays"),
        template="service/settings/calendar_form.html",
        context=lambda: _calendar_context(None, form),
    )


@administrators_only
@require_http_methods(["GET", "POST"])
def calendar_edit(request, pk: int):
    calendar = get_object_or_404(BusinessCalendar, pk=pk)
    form = CalendarForm(request.POST or None, instance=calendar)
    return form_page(
        request,
        form,
        lambda data: settings_calendars.update_calendar(request.user, calendar, data),
        success=_("The calendar was saved."),
        target=_calendar_anchor(calendar.pk),
        template="service/settings/calendar_form.html",
        context=lambda: _calendar_context(calendar, form),
    )


@administrators_only
@require_POST
def calendar_preview(request, pk: int | None = None):
    """The live preview of the form being edited (htmx): what its hours would do now."""
    calendar = get_object_or_404(BusinessCalendar, pk=pk) if pk is not None else None
    preview = _form_preview(CalendarForm(request.POST, instance=calendar), calendar)
    return render(request, "service/settings/_calendar_preview.html", {"preview": preview})


@administrators_only
@require_POST
def calendar_default(request, pk: int):
    calendar = get_object_or_404(BusinessCalendar, pk=pk)
    return button(
        request,
        lambda: settings_calendars.make_default_calendar(request.user, calendar),
        _("“%(name)s” is now the default calendar.") % {"name": label(calendar.name)},
        _calendar_anchor(calendar.pk),
    )


@administrators_only
@require_POST
def calendar_delete(request, pk: int):
    calendar = get_object_or_404(BusinessCalendar, pk=pk)
    if attempt(
        request,
        lambda: settings_calendars.delete_calendar(request.user, calendar),
        _("The calendar “%(name)s” was deleted.") % {"name": label(calendar.name)},
    ):
        return redirect("service:settings_calendars")
    return redirect(_calendar_anchor(calendar.pk))


def _holiday_page(request, calendar, *, holiday_form=None, paste_form=None):
    """The calendar page again, with a refused holiday form showing its messages (422)."""
    context = _calendar_context(calendar, holiday_form=holiday_form, paste_form=paste_form)
    context["form"] = CalendarForm(instance=calendar)
    return render(request, "service/settings/calendar_form.html", context, status=422)


@administrators_only
@require_POST
def holiday_add(request, pk: int):
    calendar = get_object_or_404(BusinessCalendar, pk=pk)
    form = HolidayForm(request.POST)
    if form.is_valid():
        try:
            holiday = settings_calendars.add_holiday(request.user, calendar, form.to_data())
        except InputErrors as error:
            form.show_errors(error)
        else:
            messages.success(
                request,
                _("%(date)s was added as a holiday.")
                % {"date": settings_calendars.date_text(holiday.date)},
            )
            return redirect(_calendar_edit_url(calendar.pk, "holidays"))
    return _holiday_page(request, calendar, holiday_form=form)


@administrators_only
@require_POST
def holidays_paste(request, pk: int):
    calendar = get_object_or_404(BusinessCalendar, pk=pk)
    form = HolidayPasteForm(request.POST)
    if form.is_valid():
        try:
            added, renamed = settings_calendars.paste_holidays(
                request.user, calendar, form.cleaned_data["text"]
            )
        except InputErrors as error:
            form.show_errors(error)
        else:
            text = ngettext(
                "%(count)d holiday was added.", "%(count)d holidays were added.", added
            ) % {"count": added}
            if renamed:
                text += " " + ngettext(
                    "%(count)d was renamed.", "%(count)d were renamed.", renamed
                ) % {"count": renamed}
            messages.success(request, text)
            return redirect(_calendar_edit_url(calendar.pk, "holidays"))
    return _holiday_page(request, calendar, paste_form=form)


@administrators_only
@require_POST
def holiday_delete(request, pk: int):
    holiday = get_object_or_404(Holiday, pk=pk)
    return button(
        request,
        lambda: settings_calendars.delete_holiday(request.user, holiday),
        _("The holiday on %(date)s was removed.")
        % {"date": settings_calendars.date_text(holiday.date)},
        _calendar_edit_url(holiday.calendar_id, "holidays"),
    )


# -- SLA policies ----------------------------------------------------------------------------


def _policy_anchor(policy_id: int) -> str:
    return reverse("service:settings_policies") + f"#policy-{policy_id}"


@administrators_only
def policies(request):
    rows = settings_policies.policies_in_order()
    return render(
        request,
        "service/settings/policies.html",
        {
            "active": "policies",
            "policies": rows,
            "catches_everything": settings_policies.catches_everything(rows),
        },
    )


@administrators_only
@require_http_methods(["GET", "POST"])
def policy_create(request):
    return form_page(
        request,
        PolicyForm(request.POST or None),
        lambda data: settings_policies.create_policy(request.user, data),
        success=_("The SLA policy was created."),
        target=lambda policy: _policy_anchor(policy.pk),
        template="service/settings/policy_form.html",
        context={"active": "policies"},
    )


@administrators_only
@require_http_methods(["GET", "POST"])
def policy_edit(request, pk: int):
    policy = get_object_or_404(SlaPolicy, pk=pk)
    return form_page(
        request,
        PolicyForm(request.POST or None, instance=policy),
        lambda data: settings_policies.update_policy(request.user, policy, data),
        success=_("The SLA policy was saved. Tickets opened from now on follow it."),
        target=_policy_anchor(policy.pk),
        template="service/settings/policy_form.html",
        context={"active": "policies", "policy": policy, "policy_label": label(policy.name)},
    )


@administrators_only
@require_POST
def policy_delete(request, pk: int):
    policy = get_object_or_404(SlaPolicy, pk=pk)
    return button(
        request,
        lambda: settings_policies.delete_policy(request.user, policy),
        _("The SLA policy “%(name)s” was deleted.") % {"name": label(policy.name)},
        reverse("service:settings_policies"),
    )


@administrators_only
@require_POST
def policy_move(request, pk: int):
    policy = get_object_or_404(SlaPolicy, pk=pk)
    return button(
        request,
        lambda: settings_policies.move_policy(
            request.user, policy, request.POST.get("direction", "")
        ),
        None,
        _policy_anchor(policy.pk),
    )


@administrators_only
@require_POST
def policy_order(request):
    return order_saved(
        request,
        lambda ids: settings_policies.reorder_policies(request.user, ids),
        _("The order of the policies was saved."),
    )


# -- categories ------------------------------------------------------------------------------


def _category_anchor(category_id: int) -> str:
    return reverse("service:settings_categories") + f"#category-{category_id}"


@administrators_only
@require_http_methods(["GET", "POST"])
def categories(request):
    """The list; its form adds a category."""

    def page() -> dict:
        return {"active": "categories", "categories": settings_categories.categories_with_uses()}

    return form_page(
        request,
        NewCategoryForm(request.POST or None),
        lambda data: settings_categories.create_category(request.user, data),
        success=_("The category was added."),
        target=lambda category: _category_anchor(category.pk),
        template="service/settings/categories.html",
        context=page,
    )


@administrators_only
@require_http_methods(["GET", "POST"])
def category_edit(request, pk: int):
    category = get_object_or_404(Category, pk=pk)
    return form_page(
        request,
        CategoryForm(request.POST or None, instance=category),
        lambda data: settings_categories.update_category(request.user, category, data),
        success=_("The category was saved."),
        target=_category_anchor(category.pk),
        template="service/settings/category_form.html",
        context={"active": "categories", "category": category},
    )


@administrators_only
@require_POST
def category_move(request, pk: int):
    category = get_object_or_404(Category, pk=pk)
    return button(
        request,
        lambda: settings_categories.move_category(
            request.user, category, request.POST.get("direction", "")
        ),
        None,
        _category_anchor(category.pk),
    )


@administrators_only
@require_POST
def category_order(request):
    return order_saved(
        request,
        lambda ids: settings_categories.reorder_categories(request.user, ids),
        _("The order of the categories was saved."),
    )


@administrators_only
@require_POST
def category_active(request, pk: int):
    category = get_object_or_404(Category, pk=pk)
    active = active_from(request)
    return button(
        request,
        lambda: settings_categories.update_category(request.user, category, {"active": active}),
        _("The category was activated.") if active else _("The category was deactivated."),
        _category_anchor(category.pk),
    )


@administrators_only
@require_POST
def category_delete(request, pk: int):
    category = get_object_or_404(Category, pk=pk)
    return button(
        request,
        lambda: settings_categories.delete_category(request.user, category),
        _("The category “%(name)s” was deleted.") % {"name": label(category.name)},
        reverse("service:settings_categories"),
    )


# -- mailboxes -------------------------------------------------------------------------------


def _mailbox_anchor(mailbox_id: int) -> str:
    return reverse("service:settings_mailboxes") + f"#mailbox-{mailbox_id}"


@administrators_only
def mailboxes(request):
    rows = list(Mailbox.objects.select_related("team", "category"))
    for mailbox in rows:
        mailbox.category_label = label(mailbox.category.name) if mailbox.category else ""
    return render(
        request,
        "service/settings/mailboxes.html",
        {"active": "mailboxes", "mailboxes": rows, "can_check": settings_mailboxes.can_check()},
    )


@administrators_only
@require_http_methods(["GET", "POST"])
def mailbox_create(request):
    return form_page(
        request,
        MailboxForm(request.POST or None),
        lambda data: settings_mailboxes.create_mailbox(request.user, data),
        success=_("The mailbox was added. Test its connection before relying on it."),
        target=lambda mailbox: _mailbox_anchor(mailbox.pk),
        template="service/settings/mailbox_form.html",
        context={"active": "mailboxes"},
    )


@administrators_only
@require_http_methods(["GET", "POST"])
def mailbox_edit(request, pk: int):
    mailbox = get_object_or_404(Mailbox, pk=pk)
    return form_page(
        request,
        MailboxForm(request.POST or None, instance=mailbox),
        lambda data: settings_mailboxes.update_mailbox(request.user, mailbox, data),
        success=_("The mailbox was saved."),
        target=_mailbox_anchor(mailbox.pk),
        template="service/settings/mailbox_form.html",
        context={
            "active": "mailboxes",
            "mailbox": mailbox,
            "can_check": settings_mailboxes.can_check(),
        },
    )


@administrators_only
@require_POST
def mailbox_check(request, pk: int):
    mailbox = get_object_or_404(Mailbox, pk=pk)
    try:
        problems = settings_mailboxes.check_mailbox(request.user, mailbox)
    except InputErrors as error:
        messages.error(request, refusal(error))
    else:
        if problems:
            messages.error(
                request,
                _("The connection test of %(address)s failed: %(problems)s")
                % {"address": mailbox.address, "problems": "; ".join(problems)},
            )
        else:
            messages.success(
                request,
                _("%(address)s: signing in to the IMAP and SMTP servers worked.")
                % {"address": mailbox.address},
            )
    if request.POST.get("next") == "edit":
        return redirect("service:settings_mailbox_edit", pk=mailbox.pk)
    return redirect(_mailbox_anchor(mailbox.pk))


@administrators_only
@require_POST
def mailbox_delete(request, pk: int):
    mailbox = get_object_or_404(Mailbox, pk=pk)
    return button(
        request,
        lambda: settings_mailboxes.delete_mailbox(request.user, mailbox),
        _("The mailbox %(address)s was deleted.") % {"address": mailbox.address},
        reverse("service:settings_mailboxes"),
    )
