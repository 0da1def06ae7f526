"""The shapes every app's settings pages repeat around its settings actions, which refuse
with `InputErrors`:

- a form page (`form_page`): GET shows the form, a POST that the action accepts redirects
  with a message, a refused one shows the form again with the messages by its fields (422);
- a button (`button`, or `attempt` when where to go depends on the outcome): a POST without
  a form that runs one action and redirects, its refusal shown as an error message;
- the drag and drop's save (`order_saved`): the row ids in their new order, answered as JSON.

The apps' settings views (`sales.settings_views`, `service.settings_views`) name the action,
the messages and where to go; the administrator check stays on each view.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Protocol

from django.contrib import messages
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render

from .fields import InputErrors


class ActionForm(Protocol):
    """A settings form: it hands its values to an action and shows the action's refusals."""

    def is_valid(self) -> bool: ...

    def to_data(self) -> dict[str, Any]: ...

    def show_errors(self, error: InputErrors) -> None: ...


def refusal(error: InputErrors) -> str:
    """The first message, without the field name: it is shown on its own, not by a field."""
    return next(iter(error.errors.values()), [""])[0]


def active_from(request: HttpRequest) -> bool:
    """The activate / deactivate buttons post active=1 or active=0."""
    return request.POST.get("active") == "1"


def form_page(
    request: HttpRequest,
    form: ActionForm,
    save: Callable[[dict[str, Any]], Any],
    *,
    success: str | Callable[[Any], str],
    target: str | Callable[[Any], str],
    template: str,
    context: dict[str, Any] | Callable[[], dict[str, Any]],
) -> HttpResponse:
    """GET shows the form. A POST hands the form's data to `save`: when it is accepted,
    redirect to `target` (a URL, or a function of what `save` returned) with `success` (a
    text, or a function of the result); when it is refused, show the form again with the
    messages by its fields (422). `context` may be a function that builds it: it is called
    only when the page is shown."""
    if request.method == "POST" and form.is_valid():
        try:
            result = save(form.to_data())
        except InputErrors as error:
            form.show_errors(error)
        else:
            messages.success(request, success(result) if callable(success) else success)
            return redirect(target(result) if callable(target) else target)
    status = 422 if request.method == "POST" else 200
    context = context() if callable(context) else context
    return render(request, template, {**context, "form": form}, status=status)


def attempt(request: HttpRequest, action: Callable[[], Any], success: str | None) -> bool:
    """Run an action for a button: a refusal becomes an error message. True when it ran."""
    try:
        action()
    except InputErrors as error:
        messages.error(request, refusal(error))
        return False
    if success:
        messages.success(request, success)
    return True


def button(
    request: HttpRequest, action: Callable[[], Any], success: str | None, target: str
) -> HttpResponse:
    """Run an action for a button and go to `target`, whatever its outcome."""
    attempt(request, action, success)
    return redirect(target)


def order_saved(
    request: HttpRequest, action: Callable[[list[str]], Any], success: str
) -> JsonResponse:
    """The drag and drop's save: `action` gets the posted `ids` in their new order; the
    answer is JSON with the message to announce (422 with the refusal)."""
    try:
        action(request.POST.getlist("ids"))
    except InputErrors as error:
        return JsonResponse({"ok": False, "message": refusal(error)}, status=422)
    return JsonResponse({"ok": True, "message": success})
