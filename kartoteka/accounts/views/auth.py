"""Public pages: log-in (throttled), log-out, password reset by email and asking for access."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.urls import reverse, reverse_lazy
from django.utils.translation import gettext_lazy as _
from django.views.generic import FormView, TemplateView

from .. import services
from ..forms import AccessRequestForm, LoginForm, PasswordResetForm, SetPasswordForm
from ..throttle import login_counters
from .mixins import RateLimitedFormMixin


class LoginView(auth_views.LoginView):
    template_name = "accounts/login.html"
    form_class = LoginForm
    redirect_authenticated_user = True

    def form_valid(self, form):
        form.reset_failures()
        return super().form_valid(form)

    def form_invalid(self, form):
        response = super().form_invalid(form)
        if form.throttled:
            response.status_code = 429
        return response


class LogoutView(auth_views.LogoutView):
    def post(self, request, *args, **kwargs):
        response = super().post(request, *args, **kwargs)
        messages.info(request, _("You have logged out."))
        return response


class PasswordResetView(RateLimitedFormMixin, auth_views.PasswordResetView):
    template_name = "accounts/password_reset_form.html"
    form_class = PasswordResetForm
    email_template_name = "accounts/password_reset_email.txt"
    subject_template_name = "accounts/password_reset_subject.txt"
    success_url = reverse_lazy("accounts:password_reset_done")
    rate_limit_form = "password_reset"
    refusal_message = _(
        "Too many password resets were asked for from your address. Try again later."
    )


class PasswordResetDoneView(auth_views.PasswordResetDoneView):
    template_name = "accounts/password_reset_done.html"


class PasswordResetConfirmView(auth_views.PasswordResetConfirmView):
    template_name = "accounts/password_reset_confirm.html"
    form_class = SetPasswordForm
    success_url = reverse_lazy("accounts:password_reset_complete")

    def form_valid(self, form):
        response = super().form_valid(form)
        # Whoever proved they own the mailbox may try logging in again straight away.
        by_user, _by_ip = login_counters(form.user.get_username(), "")
        by_user.reset()
        return response


class PasswordResetCompleteView(auth_views.PasswordResetCompleteView):
    template_name = "accounts/password_reset_complete.html"


class RequestAccessView(RateLimitedFormMixin, FormView):
    template_name = "accounts/request_access.html"
    form_class = AccessRequestForm
    success_url = reverse_lazy("accounts:request_access_done")
    rate_limit_form = "access_request"
    refusal_message = _("Too many requests were sent from your address. Try again later.")

    def form_valid(self, form):
        services.submit_access_request(
            full_name=form.cleaned_data["full_name"],
            email=form.cleaned_data["email"],
            message=form.cleaned_data["message"],
            review_url=self.request.build_absolute_uri(reverse("accounts:access_requests")),
        )
        return super().form_valid(form)


class RequestAccessDoneView(TemplateView):
    template_name = "accounts/request_access_done.html"
