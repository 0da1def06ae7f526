"""Administrators' pages for users: list, create, edit, deactivate and reactivate.

Users are never deleted: their records, timeline entries and decisions keep pointing at them.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth import get_user_model
from django.db.models import Q
from django.shortcuts import get_object_or_404, redirect
from django.utils.translation import gettext as _
from django.views import View
from django.views.generic import FormView, ListView

from .. import mail, services
from ..admin_forms import UserForm
from .mixins import AdministratorRequiredMixin

User = get_user_model()


class UsersView(AdministratorRequiredMixin, ListView):
    template_name = "accounts/users.html"
    context_object_name = "users"
    paginate_by = 50
    STATUSES = ("active", "inactive", "all")

    def get_queryset(self):
        users = User.objects.select_related("team", "role").order_by(
            "-is_active", "first_name", "last_name", "username"
        )
        status = self.status
        if status != "all":
            users = users.filter(is_active=status == "active")
        query = self.request.GET.get("q", "").strip()[:100]
        if query:
            users = users.filter(
                Q(username__icontains=query)
                | Q(first_name__icontains=query)
                | Q(last_name__icontains=query)
                | Q(email__icontains=query)
            )
        return users

    @property
    def status(self) -> str:
        status = self.request.GET.get("status", "active")
        return status if status in self.STATUSES else "active"

    def get_context_data(self, **kwargs):
        status_labels = {"active": _("Active"), "inactive": _("Deactivated"), "all": _("All")}
        return super().get_context_data(
            q=self.request.GET.get("q", "")[:100],
            status=self.status,
            statuses=[(key, status_labels[key]) for key in self.STATUSES],
            **kwargs,
        )


class UserCreateView(AdministratorRequiredMixin, FormView):
    template_name = "accounts/user_form.html"
    form_class = UserForm

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "editor": self.request.user}

    def form_valid(self, form):
        fields = {key: form.cleaned_data[key] for key in services.USER_FIELDS}
        user = services.create_user(by=self.request.user, **fields)
        if mail.send_welcome(user, self.request):
            messages.success(
                self.request,
                _("User %(username)s created; a link to set a password was sent to %(email)s.")
                % {"username": user.username, "email": user.email},
            )
        else:
            messages.warning(
                self.request,
                _(
                    "User %(username)s created, but the email could not be sent. They can "
                    "use “Forgot your password?” on the log-in page once mail works."
                )
                % {"username": user.username},
            )
        return redirect("accounts:users")


class UserEditView(AdministratorRequiredMixin, FormView):
    template_name = "accounts/user_form.html"
    form_class = UserForm

    def dispatch(self, request, *args, **kwargs):
        self.object = get_object_or_404(
            User.objects.select_related("team", "role"), pk=kwargs["pk"]
        )
        return super().dispatch(request, *args, **kwargs)

    def get_form_kwargs(self):
        # A fresh copy: a rejected form must not change the signed-in user's header.
        instance = User.objects.get(pk=self.object.pk)
        return {**super().get_form_kwargs(), "editor": self.request.user, "instance": instance}

    def get_context_data(self, **kwargs):
        return super().get_context_data(object=self.object, **kwargs)

    def form_valid(self, form):
        fields = {key: form.cleaned_data[key] for key in (*services.USER_FIELDS, "is_active")}
        try:
            services.update_user(self.object, by=self.request.user, **fields)
        except services.Refused as refused:
            form.add_error(None, refused.message)
            return self.form_invalid(form)
        messages.success(
            self.request, _("User %(username)s saved.") % {"username": fields["username"]}
        )
        return redirect("accounts:users")


class UserActiveView(AdministratorRequiredMixin, View):
    """POST only: deactivate (`active=False`) or reactivate a user."""

    http_method_names = ["post"]
    active = False

    def post(self, request, pk: int):
        user = get_object_or_404(User, pk=pk)
        try:
            services.set_user_active(user, self.active, by=request.user)
        except services.Refused as refused:
            messages.error(request, refused.message)
            return redirect("accounts:users")
        if self.active:
            text = _("User %(username)s can log in again.")
        else:
            text = _("User %(username)s is deactivated and can no longer log in.")
        messages.success(request, text % {"username": user.username})
        return redirect("accounts:users")
